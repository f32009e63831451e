"""The TextMate grammar of the VS Code extension (editors/vscode/syntaxes/),
run in the engine VS Code uses (vscode-textmate on vscode-oniguruma, from
node_modules) by editors/vscode/test/tokenize.js, once for all files.

Every .infra file of the repository is tokenized against a golden token file
under tests/tokens/ (INFRAC_UPDATE=1 rewrites them: review the diff); no valid
file gets an `invalid.*` scope; every keyword of grammar/infra.lark and every
kind of the vocabulary is highlighted, so the grammar cannot drift from either.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess

import pytest

from conftest import ROOT, UPDATE
from infrac.base.source import SourceFile
from infrac.project.pipeline import compile_sources
from infrac.tools.editor import words

TOKENIZE = ROOT / "editors" / "vscode" / "test" / "tokenize.js"
GOLDEN = ROOT / "tests" / "tokens"


def _infra_files() -> list[str]:
    listed = subprocess.run(["git", "ls-files", "*.infra"], cwd=ROOT, capture_output=True, text=True, check=True)
    return sorted(listed.stdout.split())


def _samples() -> dict[str, str]:
    """One snippet per keyword, kind and nested block, to check how each is scoped."""
    samples = {
        "keyword:project": 'project shop {\n  region = "eu-west-1"\n}\n',
        "keyword:stack": "stack data {\n}\n",
        "keyword:export": "stack s {\n  table T {\n    export name, arn\n  }\n}\n",
        "keyword:uses": "stack s {\n  uses data.Users { read, write }\n}\n",
        "keyword:true": "stack s {\n  table T {\n    pitr = true\n  }\n}\n",
        "keyword:false": "stack s {\n  table T {\n    pitr = false\n  }\n}\n",
    }
    samples["unknown:tabel"] = "stack s {\n  tabel Thing {\n  }\n}\n"
    for kind in words.kinds():
        samples[f"kind:{kind}"] = f"stack s {{\n  {kind} Thing {{\n    name = \"x\"\n  }}\n}}\n"
    for block in words.block_kinds():
        samples[f"block:{block}"] = f"stack s {{\n  table T {{\n    {block} Thing {{ }}\n  }}\n}}\n"
    return samples


@pytest.fixture(scope="module")
def tokens() -> dict:
    node = shutil.which("node")
    assert node, "Node.js is needed (make test installs node_modules)"
    files = [{"path": f, "text": (ROOT / f).read_text(encoding="utf-8")} for f in _infra_files()]
    files += [{"path": name, "text": text} for name, text in _samples().items()]
    process = subprocess.run(
        [node, str(TOKENIZE)], input=json.dumps(files), capture_output=True, text=True, cwd=ROOT, timeout=120
    )
    assert process.returncode == 0, process.stderr
    return json.loads(process.stdout)


def _render(text: str, lines: list) -> str:
    """A readable golden form: each source line, then its tokens (text and scopes)."""
    out = []
    for number, (line, line_tokens) in enumerate(zip(text.split("\n"), lines), 1):
        shown = [
            f"  {json.dumps(line[start:end], ensure_ascii=False)} {' '.join(scopes[1:])}"
            for start, end, scopes in line_tokens
            if len(scopes) > 1 and line[start:end].strip()
        ]
        if shown:
            out.append(f"{number}: {line.strip()}")
            out.extend(shown)
    return "\n".join(out) + "\n"


def _scopes_of(tokens: dict, sample: str, word: str) -> list[str]:
    text = _samples()[sample]
    for line, line_tokens in zip(text.split("\n"), tokens[sample]):
        for start, end, scopes in line_tokens:
            if line[start:end] == word:
                return scopes
    raise AssertionError(f"`{word}` not found in sample {sample}")


def test_every_infra_file_against_its_golden_tokens(tokens):
    files = _infra_files()
    assert len(files) > 100
    stale = []
    for relative in files:
        rendered = _render((ROOT / relative).read_text(encoding="utf-8"), tokens[relative])
        golden = GOLDEN / (relative + ".tokens")
        if UPDATE:
            golden.parent.mkdir(parents=True, exist_ok=True)
            golden.write_text(rendered, encoding="utf-8")
        elif not golden.is_file() or golden.read_text(encoding="utf-8") != rendered:
            stale.append(relative)
    if UPDATE:
        kept = {GOLDEN / (f + ".tokens") for f in files}
        for old in GOLDEN.rglob("*.tokens"):
            if old not in kept:
                old.unlink()
    assert not stale, f"tokens differ for {stale[:10]} ({len(stale)} files); INFRAC_UPDATE=1 rewrites tests/tokens/"


#: What the grammar marks invalid: syntax errors, and strings with bad escapes or lone braces.
_LEXICAL = ("E01", "E0304")


def test_no_invalid_scope_on_valid_input(tokens):
    checked = 0
    for relative in _infra_files():
        text = (ROOT / relative).read_text(encoding="utf-8")
        if any(d.code.startswith(_LEXICAL) for d in compile_sources([SourceFile(relative, text)]).diagnostics):
            continue
        invalid = [
            (number, scopes[-1])
            for number, line_tokens in enumerate(tokens[relative], 1)
            for _, _, scopes in line_tokens
            if any(s.startswith("invalid.") for s in scopes)
        ]
        assert not invalid, f"{relative}: {invalid[:5]}"
        checked += 1
    assert checked > 100


def test_invalid_input_is_marked(tokens):
    """The check above can fail: a bad escape and an unterminated string are marked invalid."""
    invalid = [
        scopes[-1]
        for relative in _infra_files()
        if "E0104" in relative or "E0103" in relative
        for line_tokens in tokens[relative]
        for _, _, scopes in line_tokens
        if scopes[-1].startswith("invalid.")
    ]
    assert "invalid.illegal.escape.infra" in invalid
    assert "invalid.illegal.unterminated-string.infra" in invalid


@pytest.mark.parametrize("keyword", words.keywords())
def test_every_keyword_of_the_grammar_is_highlighted(tokens, keyword):
    sample = f"keyword:{keyword}"
    assert sample in _samples(), f"the grammar has a new keyword `{keyword}`: highlight it and add a sample here"
    scope = _scopes_of(tokens, sample, keyword)[-1]
    expected = "constant.language.boolean" if keyword in words.CONSTANTS else "keyword."
    assert scope.startswith(expected), scope


@pytest.mark.parametrize("kind", words.kinds())
def test_every_kind_of_the_vocabulary_is_highlighted(tokens, kind):
    assert _scopes_of(tokens, f"kind:{kind}", kind)[-1] == "storage.type.kind.infra"
    assert _scopes_of(tokens, f"kind:{kind}", "Thing")[-1] == "entity.name.type.resource.infra"


@pytest.mark.parametrize("block", words.block_kinds())
def test_every_nested_block_is_highlighted(tokens, block):
    assert _scopes_of(tokens, f"block:{block}", block)[-1] == "storage.type.block.infra"


def test_a_word_that_is_no_kind_is_not_highlighted_as_one(tokens):
    """So that the kind test above can fail: the grammar lists the kinds, it does not guess."""
    assert _scopes_of(tokens, "unknown:tabel", "tabel")[-1] == "entity.name.tag.block.infra"


def test_every_include_names_a_rule_of_the_grammar():
    """vscode-textmate ignores an include it cannot find; this does not."""
    grammar = json.loads((ROOT / "editors" / "vscode" / "syntaxes" / "infra.tmLanguage.json").read_text())
    assert grammar["scopeName"] == "source.infra"
    includes = re.findall(r'"include": "#([^"]+)"', json.dumps(grammar))
    assert includes and set(includes) <= set(grammar["repository"])
    used = set(includes)
    assert set(grammar["repository"]) <= used, f"unused rules: {set(grammar['repository']) - used}"
