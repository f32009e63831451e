"""One highlighting truth: the TextMate grammar (in the engine VS Code runs), the Pygments
lexer and the language server's semantic tokens, run over every `.infra` file of the
repository, must say the same of every word (a name, a string, a number, a comment):
what kind of word it is, by the one table of `infrac.tools.editor.kinds`."""

from __future__ import annotations

import re
from collections import Counter, defaultdict

from conftest import ROOT
from infrac.base.source import SourceFile
from infrac.tools.editor import kinds
from infrac.tools.editor.lexer import InfraLexer
from infrac.tools.lsp.analysis import analyse
from infrac.tools.lsp.views import semantic_tokens
from test_textmate import _LEXICAL, _infra_files, tokens  # noqa: F401 - the TextMate tokens of every file

#: the words of a file: what the three highlighters are compared on
_WORD = re.compile(r'#[^\n]*|"(?:[^"\\\n]|\\.)*"|-?[0-9][A-Za-z0-9.]*|[A-Za-z_][A-Za-z0-9_-]*')


def _textmate(lines: list, line: int, column: int) -> str | None:
    for start, end, scopes in lines[line]:
        if start <= column < end:
            return kinds.textmate_kind(scopes)
    return None


def _compare(relative: str, text: str, textmate: list, semantic: dict) -> tuple[list, Counter]:
    pygments = {index: kinds.pygments_kind(kind) for index, kind, _ in InfraLexer().get_tokens_unprocessed(text)}
    starts = sorted(pygments)
    problems, seen = [], Counter()
    line_starts = [0] + [m.end() for m in re.finditer("\n", text)]
    line = 0
    for match in _WORD.finditer(text):
        start = match.start()
        while line + 1 < len(line_starts) and line_starts[line + 1] <= start:
            line += 1
        tm = _textmate(textmate, line, start - line_starts[line])
        at = starts[max(0, _bisect(starts, start))]
        py = pygments[at]
        word = match.group(0)
        where = f"{relative}:{line + 1}: `{word[:30]}`"
        if tm != py:
            problems.append(f"{where} TextMate {tm}, Pygments {py}")
        if start in semantic:
            allowed = kinds.semantic_kinds(*semantic[start])
            if tm not in allowed:
                problems.append(f"{where} semantic {semantic[start][0]} ({allowed}), TextMate {tm}")
            seen["semantic " + semantic[start][0]] += 1
        seen[tm] += 1
    return problems, seen


def _bisect(starts: list[int], offset: int) -> int:
    import bisect

    return bisect.bisect_right(starts, offset) - 1


def test_textmate_pygments_and_semantic_tokens_agree_on_every_word(tokens):  # noqa: F811
    files = _infra_files()
    by_folder = defaultdict(list)
    for relative in files:
        by_folder[str((ROOT / relative).parent)].append(relative)
    problems, seen = [], Counter()
    for _folder, members in sorted(by_folder.items()):
        sources = [SourceFile(m, (ROOT / m).read_text(encoding="utf-8")) for m in members]
        analysis = analyse(sources)
        for source in sources:
            if any(d.code.startswith(_LEXICAL) and d.span and d.span.file == source.path for d in analysis.diagnostics):
                continue  # a syntax error: the highlighters may read what is broken differently
            semantic = {t.span.start: (t.type, t.declaration) for t in semantic_tokens(analysis, source.path)}
            found, counted = _compare(source.path, source.text, tokens[source.path], semantic)
            problems += found
            seen += counted
    assert not problems, f"{len(problems)} disagreements, e.g.:\n" + "\n".join(problems[:25])
    # every kind of word is met, and every semantic token type
    assert set(kinds.KINDS) <= set(seen), set(kinds.KINDS) - set(seen)
    assert {f"semantic {t}" for t in ("namespace", "class", "property", "type", "parameter", "function", "variable")} <= set(seen)


def _kind_in(tokens, relative: str, needle: str, word: str) -> str | None:  # noqa: F811
    text = (ROOT / relative).read_text(encoding="utf-8")
    offset = text.index(needle) + needle.index(word)
    line = text.count("\n", 0, offset)
    return _textmate(tokens[relative], line, offset - (text.rfind("\n", 0, offset) + 1))


def test_a_keyword_named_map_key_is_a_key(tokens):  # noqa: F811
    """`{ stack: ... }`: TextMate scoped it as the keyword, Pygments as a key."""
    relative = "tests/cases/E0853-plan-cannot-refactor-a-table/data.infra"
    assert _kind_in(tokens, relative, "stack:", "stack") == "key"


def test_the_attribute_of_a_reference_block_is_a_reference(tokens):  # noqa: F811
    """`reference data.Jobs.arn { ... }`: TextMate left `arn` a declaration's name."""
    relative = "tests/cases/references-weak-and-both/main.infra"
    for word in ("data", "Jobs", "arn"):
        assert _kind_in(tokens, relative, "reference data.Jobs.arn", word) == "reference", word
