"""The Pygments lexer (infrac.tools.editor.lexer): registered under the name `infra`,
no error token on any .infra file of the repository that parses, and the
grammar's keywords and the vocabulary's kinds highlighted as such."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest
from pygments.lexers import get_lexer_by_name, get_lexer_for_filename
from pygments.token import Error, Keyword, Name, Number, String

from conftest import ROOT, SEED
from infrac.base.source import SourceFile
from infrac.syntax.parser import Parser
from infrac.tools.editor import words
from infrac.tools.editor.lexer import InfraLexer


def _infra_files() -> list[str]:
    listed = subprocess.run(["git", "ls-files", "*.infra"], cwd=ROOT, capture_output=True, text=True, check=True)
    return sorted(listed.stdout.split())


def _tokens(text: str) -> list[tuple]:
    return [(t, v) for t, v in InfraLexer().get_tokens(text) if v.strip()]


def test_registered_through_the_entry_point():
    assert isinstance(get_lexer_by_name("infra"), InfraLexer)
    assert isinstance(get_lexer_for_filename("core.infra"), InfraLexer)


def test_no_error_token_on_any_valid_file():
    files = _infra_files()
    assert len(files) > 100  # the seed project, the examples and every golden case
    parser = Parser()
    checked = 0
    for relative in files:
        text = (ROOT / relative).read_text(encoding="utf-8")
        parsed = parser.parse(SourceFile(relative, text))
        if any(d.code.startswith("E01") for d in parsed.diagnostics):
            continue  # a syntax-error case: the lexer may flag it, the test needs nothing of it
        errors = [v for t, v in InfraLexer().get_tokens(text) if t is Error]
        assert not errors, f"{relative}: error tokens {errors[:5]}"
        checked += 1
    assert checked > 100


def test_invalid_input_shows_an_error_token():
    assert any(t is Error for t, _ in InfraLexer().get_tokens("stack s { table T { name = users; } }"))


def test_pygmentize_highlights_the_seed_project():
    """The command, once (every file's tokens are checked in process above)."""
    path = SEED / "core.infra"
    shown = subprocess.run(
        [sys.executable, "-m", "pygments", "-l", "infra", "-f", "raw", str(path)],
        capture_output=True, text=True, check=True,
    ).stdout
    assert "Token.Error" not in shown
    assert "Token.Keyword.Declaration\t'stack'" in shown
    assert "Token.Name.Variable\t'infrastructure-sqs.BookingCommandsQueue.url'" in shown


def test_keywords_come_from_the_grammar():
    """words.keywords() is every keyword terminal of grammar/infra.lark."""
    lark = Parser()._lark
    literal = {t.pattern.value for t in lark.terminals if t.pattern.type == "str" and t.pattern.value.isalpha()}
    assert set(words.keywords()) == literal
    assert {"project", "stack", "export", "uses", "true", "false"} <= literal


@pytest.mark.parametrize("keyword", words.statement_keywords())
def test_every_statement_keyword_is_highlighted(keyword):
    samples = {
        "project": "project shop { region = \"eu-west-1\" }",
        "stack": "stack data { }",
        "export": "stack s { table T { export name, arn } }",
        "uses": "stack s { uses data.Users { read } }",
    }
    assert keyword in samples, f"no sample for the new keyword `{keyword}`: add one here and to the lexer"
    assert any(t in Keyword and v == keyword for t, v in _tokens(samples[keyword]))


@pytest.mark.parametrize("constant", words.CONSTANTS)
def test_booleans_are_constants(constant):
    assert (Keyword.Constant, constant) in _tokens(f"stack s {{ table T {{ pitr = {constant} }} }}")


@pytest.mark.parametrize("kind", words.kinds())
def test_every_kind_of_the_vocabulary_is_highlighted(kind):
    assert (Keyword.Type, kind) in _tokens(f"stack s {{\n  {kind} Thing {{\n    name = \"x\"\n  }}\n}}")


@pytest.mark.parametrize("block", words.block_kinds())
def test_every_nested_block_is_highlighted(block):
    assert (Name.Builtin, block) in _tokens(f"stack s {{ table T {{ {block} Thing {{ }} }} }}")


def test_values_strings_and_references():
    tokens = _tokens(
        'stack s { queue Q { name = "a-{stage}-\\u{1F600}{{x}}", retention = 4d, size = 256MB,\n'
        "  fifo = true, billing = on_demand, env = { T: data.Users.name }, list = [a, 1, \"b\"] } }"
    )
    assert (String.Interpol, "{stage}") in tokens
    assert (String.Escape, "\\u{1F600}") in tokens
    assert (String.Escape, "{{") in tokens
    assert (Number.Float, "4d") in tokens and (Number.Float, "256MB") in tokens
    assert (Name.Constant, "on_demand") in tokens
    assert (Name.Variable, "data.Users.name") in tokens
    assert (Name.Property, "T") in tokens
    assert (Name.Attribute, "retention") in tokens
    assert (Name.Class, "Q") in tokens
    assert not any(t is Error for t, _ in tokens)


def test_placeholder_words_in_the_lexer_follow_the_units():
    """Units are taken from infrac.base.units: a duration in every unit lexes as one number."""
    for unit in words.units():
        assert (Number.Float, f"3{unit}") in _tokens(f"stack s {{ queue Q {{ x = 3{unit} }} }}")
    assert re.fullmatch(r"[A-Za-z]+", "".join(words.units()))
