"""A diagnostic quotes what the user wrote, and its size does not grow with it: a token of a
megabyte is quoted as an excerpt in every message, label, note and hint, in every format."""

from __future__ import annotations

import time

import pytest

from infrac import cli
from infrac.diagnostics.model import MAX_TEXT, QUOTED, bounded, diagnostic
from infrac.syntax.suppressions import _CODE

PROJECT = 'project p {\n  region = "eu-west-1"\n  stages = [dev]\n}\n'
TABLE = "table T { key = { id: string } }"


def hostile(n: int) -> dict[str, str]:
    """Sources with a token of ``n`` characters in each place a diagnostic quotes one."""
    big, name = "A" * n, "a" * n
    return {
        "reference": f"stack data {{\n  {TABLE}\n}}\nstack app {{\n  environment = {{ X: data.{big}.name }}\n}}\n",
        "stack": f"stack {name} {{\n  {TABLE}\n}}\nstack {name} {{\n  {TABLE}\n}}\n",
        "resource": f"stack data {{\n  table {big} {{ key = {{ id: string }} }}\n  table {big} {{ key = {{ id: string }} }}\n}}\n",
        "kind": f"stack data {{\n  {name} T {{ key = {{ id: string }} }}\n}}\n",
        "field": f"stack data {{\n  table T {{\n    key = {{ id: string }}\n    {name} = 1\n  }}\n}}\n",
        "symbol": f"stack data {{\n  table T {{\n    key = {{ id: string }}\n    billing = {name}\n  }}\n}}\n",
        "string": f'stack data {{\n  queue Q {{ name = "{big}" }}\n}}\n',
        "number": f"stack data {{\n  queue Q {{ visibility_timeout = {'9' * n} }}\n}}\n",
        "unit": f"stack data {{\n  queue Q {{ visibility_timeout = 5{name} }}\n}}\n",
        "attribute": f"stack data {{\n  {TABLE}\n}}\nstack app {{\n  environment = {{ X: data.T.{name} }}\n}}\n",
        "syntax": f"stack data {{\n  {TABLE} {big} {big}\n}}\n",
        "placeholder": f'stack data {{\n  queue Q {{ name = "{{{name}}}" }}\n}}\n',
        "access": f"stack data {{\n  {TABLE}\n}}\nstack app {{\n  uses data.T {{ {name} }}\n}}\n",
        "suppression": f"# infrac: allow W{'0' * n} -- {big}\nstack data {{\n  {TABLE}\n}}\n",
    }


def _check(tmp_path, capsys, text: str, form: str) -> tuple[int, str]:
    (tmp_path / "p.infra").write_text(PROJECT, encoding="utf-8")
    (tmp_path / "main.infra").write_text(text, encoding="utf-8")
    code = cli.main(["check", str(tmp_path), "--no-cache", "--diagnostic-format", form])
    out, err = capsys.readouterr()
    return code, out + err


@pytest.mark.parametrize("form", ["text", "json", "sarif", "github"])
def test_a_name_of_a_megabyte_is_quoted_in_an_excerpt(tmp_path, capsys, form):
    """The issue's case: a 1 MB name gave 2 MB of diagnostics in every format."""
    code, output = _check(tmp_path, capsys, hostile(1_000_000)["reference"], form)
    assert code == 1
    assert "E0402" in output
    assert "(1,000,000 characters)" in output
    assert len(output) < 6_000  # SARIF carries the rule's full description


@pytest.mark.parametrize("place", sorted(hostile(1)))
@pytest.mark.parametrize("form", ["text", "json"])
def test_every_quoted_token_is_cut(tmp_path, capsys, place, form):
    code, output = _check(tmp_path, capsys, hostile(50_000)[place], form)
    assert code == 1, output
    assert "internal error" not in output
    assert len(output) < 8_000, output[:2000]


def test_a_long_token_keeps_its_ends_and_says_its_length():
    text = bounded("unknown resource `" + "B" + "x" * 500 + "E" + "` in stack `data`")
    assert text == f"unknown resource `B{'x' * 59}…{'x' * 29}E` (502 characters) in stack `data`"


def test_short_tokens_and_texts_are_left_as_they_are():
    for text in ["", "unknown `a`", "`" + "x" * QUOTED + "` is fine", "a ` lone backquote " + "y" * 300]:
        assert bounded(text) == text


def test_a_long_text_without_quotes_is_cut_to_the_limit():
    text = bounded("word " * 10_000)
    assert len(text) < MAX_TEXT + 40
    assert text.endswith(f"… ({50_000 - MAX_TEXT:,} more characters)")


def test_every_text_of_a_diagnostic_is_cut():
    from infrac.diagnostics.model import Fix, Label

    token = "`" + "z" * 10_000 + "`"
    found = diagnostic(
        "E0402", token, None, label=token, labels=[Label(None, token)], notes=[token], hint=token,
        fix=Fix(token, ()),
    )
    texts = [found.message, found.label, found.labels[0].message, *found.notes, found.hint, found.fix.description]
    assert all(len(text) < 120 for text in texts), texts


def test_a_long_suppression_comment_is_read_in_linear_time():
    # every letter was the start of a match attempt that scanned to the end: minutes for 200,000
    text = " " + "A" * 100_000 + ", W0601"
    start = time.process_time()
    assert _CODE.findall(text) == ["W0601"]
    assert time.process_time() - start < 1.0
