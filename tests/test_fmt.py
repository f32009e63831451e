"""The formatter: one canonical layout, meaning and comments kept.

Properties (hypothesis): for generated IR, ``parse(format(ir)) == ir`` and
formatting is idempotent; with comments inserted anywhere a line may hold one,
none is lost. On every parseable ``.infra`` file of the repository, formatting
keeps the meaning and is idempotent, and ``infra.dsl/`` is already canonical.
"""

from __future__ import annotations

import re
from collections import Counter
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import ROOT, SEED
from infrac.base.source import SourceFile
from infrac.base.units import UNITS
from infrac.syntax import ir
from infrac.syntax.fmt import format_module
from infrac.syntax.parser import parse

KEYWORDS = {"project", "stack", "export", "uses", "true", "false"}

names = st.from_regex(r"[A-Za-z_][A-Za-z0-9_-]{0,10}", fullmatch=True).filter(lambda n: n not in KEYWORDS)
texts = st.text(max_size=12)
numbers = st.builds(
    ir.Number,
    st.one_of(st.integers(-(10**6), 10**6), st.decimals(-1000, 1000, places=2)),
    st.one_of(st.none(), st.sampled_from(sorted(UNITS))),
)
scalars = st.one_of(
    st.builds(ir.String, texts),
    numbers,
    st.builds(ir.Bool, st.booleans()),
    st.builds(ir.Symbol, names),
    st.builds(ir.Ref, st.lists(names, min_size=2, max_size=3).map(tuple)),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.builds(ir.List, st.lists(inner, max_size=4).map(tuple)),
        st.builds(ir.Map, st.lists(st.builds(ir.Entry, texts, inner), max_size=4).map(tuple)),
        st.builds(ir.Call, names, st.lists(inner, max_size=3).map(tuple)),
    ),
    max_leaves=12,
)
labels = st.one_of(
    st.builds(ir.Symbol, names),
    st.builds(ir.String, texts),
    st.builds(ir.Ref, st.lists(names, min_size=2, max_size=3).map(tuple)),
)
idents = st.builds(ir.Ident, names)


def statements(depth: int) -> st.SearchStrategy:
    options = [
        st.builds(ir.Attribute, names, values),
        st.builds(ir.Export, st.lists(idents, min_size=1, max_size=3).map(tuple)),
        st.builds(
            ir.Export,
            st.lists(idents, min_size=1, max_size=1).map(tuple),
            st.lists(st.builds(ir.Attribute, names, values), min_size=1, max_size=3).map(tuple),
        ),
        st.builds(
            ir.Uses,
            st.builds(ir.Ref, st.lists(names, min_size=2, max_size=2).map(tuple)),
            st.lists(idents, max_size=3).map(tuple),
        ),
    ]
    if depth < 3:
        options.append(
            st.builds(
                ir.Block,
                names,
                st.lists(labels, max_size=2).map(tuple),
                st.lists(statements(depth + 1), max_size=4).map(tuple),
            )
        )
    return st.one_of(*options)


bodies = st.lists(statements(1), max_size=5).map(tuple)
items = st.one_of(st.builds(ir.Project, idents, bodies), st.builds(ir.Stack, idents, bodies))
modules = st.builds(ir.Module, st.lists(items, max_size=4).map(tuple))


def reparse(text: str) -> ir.Module:
    result = parse(SourceFile("generated.infra", text))
    assert result.module is not None, f"formatted text does not parse:\n{text}\n{result.diagnostics}"
    assert not result.diagnostics, result.diagnostics
    return result.module


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(modules)
def test_parse_of_format_is_identity(module):
    assert reparse(format_module(module)) == module


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])
@given(modules)
def test_format_is_idempotent(module):
    once = format_module(module)
    assert format_module(reparse(once), once) == once


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])
@given(modules, st.data())
def test_comments_are_never_lost(module, data):
    lines = format_module(module).splitlines()
    # A comment at the end of any line, or on a line of its own before any line.
    out = []
    comments = []
    for number, line in enumerate(lines):
        if data.draw(st.booleans(), label=f"own line before {number}"):
            comments.append(f"# own {number}")
            out.append(comments[-1])
        if data.draw(st.booleans(), label=f"end of line {number}"):
            comments.append(f"# end {number}")
            line += "  " + comments[-1]
        out.append(line)
    text = "\n".join(out) + "\n"
    parsed = reparse(text)
    formatted = format_module(parsed, text)
    assert Counter(re.findall(r"# (?:own|end) \d+", formatted)) == Counter(comments)
    assert reparse(formatted) == module
    assert format_module(reparse(formatted), formatted) == formatted


# ---- the repository's own sources ------------------------------------------------------


def repository_sources() -> list[Path]:
    return sorted([*SEED.rglob("*.infra"), *(ROOT / "tests").rglob("*.infra")])


def parseable(path: Path) -> tuple[SourceFile, ir.Module] | None:
    """The file and its module, unless it has a syntax error (which `infrac fmt` leaves alone)."""
    source = SourceFile(path.as_posix(), path.read_text(encoding="utf-8"))
    result = parse(source)
    return (source, result.module) if result.module is not None and not result.diagnostics else None


@pytest.mark.parametrize("path", repository_sources(), ids=lambda p: p.relative_to(ROOT).as_posix())
def test_format_keeps_meaning_and_comments_and_is_idempotent(path):
    found = parseable(path)
    if found is None:
        pytest.skip("a syntax-error case: nothing to format")
    source, module = found
    formatted = format_module(module, source.text)
    again = reparse(formatted)
    assert again == module
    assert Counter(c.text for c in again.comments) == Counter(c.text for c in module.comments)
    assert format_module(again, formatted) == formatted


@pytest.mark.parametrize("path", sorted(SEED.rglob("*.infra")), ids=lambda p: p.name)
def test_seed_system_is_formatted(path):
    source, module = parseable(path)
    assert format_module(module, source.text) == source.text, "run `make fmt`"


# ---- the layout itself ------------------------------------------------------------------


def fmt(text: str) -> str:
    source = SourceFile("a.infra", text)
    return format_module(parse(source).module, text)


def test_layout_is_canonical():
    messy = (
        'stack data{table Users{key={userId:string} billing=on_demand\n\n\n'
        'index ByEmail{key={email:string} projection=all} export name,arn}}'
    )
    assert fmt(messy) == (
        "stack data {\n"
        "  table Users {\n"
        "    key     = { userId: string }\n"
        "    billing = on_demand\n"
        "\n"
        "    index ByEmail { key = { email: string }, projection = all }\n"
        "    export name, arn\n"
        "  }\n"
        "}\n"
    )


def test_long_values_are_split_one_entry_per_line_with_trailing_commas():
    text = 'stack s { resource "AWS::X::Y" R { properties = { ' + ", ".join(
        f'Key{i}: "value number {i}"' for i in range(6)
    ) + " } } }"
    assert fmt(text).splitlines()[2:5] == [
        "    properties = {",
        '      Key0: "value number 0",',
        '      Key1: "value number 1",',
    ]


def test_comments_stay_where_they_were():
    text = "# head\nstack s {  # after the brace\n  # before\n  table T {\n    key = { id: string }  # trailing\n  }\n  # last\n}\n"
    assert fmt(text) == text


def test_top_level_items_are_separated_by_one_blank_line():
    assert fmt("stack a {}\n\n\n\nstack b {}") == "stack a {}\n\nstack b {}\n"


def test_strings_are_escaped_and_keys_quoted_when_needed():
    assert fmt('stack s { resource "A::B::C" R { p = { "a b": "x\\"y\\\\z\\n", ok: "\\u{1F600}" } } }') == (
        "stack s {\n"
        '  resource "A::B::C" R {\n'
        '    p = { "a b": "x\\"y\\\\z\\n", ok: "😀" }\n'
        "  }\n"
        "}\n"
    )


def test_numbers_keep_their_units_and_decimals():
    assert fmt("stack s { t { a = 30s, b = 2.50, c = -4 } }").splitlines()[1] == "  t {"
    module = parse(SourceFile("a", "stack s { t T { a = 2.50 } }")).module
    assert module.items[0].body[0].body[0].value == ir.Number(Decimal("2.5"))
