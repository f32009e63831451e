"""Attribute types: what a written value becomes, and what it is refused for."""

from __future__ import annotations

from decimal import Decimal

import pytest

from infrac.base.source import SourceFile
from infrac.model import Placeholder, Reference, Template
from infrac.syntax import ir
from infrac.syntax.parser import parse
from infrac.vocabulary.types import (
    INVALID,
    Boolean,
    Checker,
    Choice,
    Data,
    Duration,
    Integer,
    ListOf,
    MapOf,
    Name,
    OneOf,
    Record,
    Text,
    format_seconds,
)


def value(text: str) -> ir.Value:
    """The IR of one value, as the parser makes it."""
    module = parse(SourceFile("v.infra", f"project p {{ v = {text} }}")).module
    return module.items[0].body[0].value


def convert(type_, text: str):
    checker = Checker()
    result = type_.convert(value(text), checker)
    return result, [d.code for d in checker.diagnostics]


@pytest.mark.parametrize(
    ("text", "seconds"), [("30s", 30), ("15m", 900), ("2h", 7200), ("4d", 345600), ("1.5m", 90)]
)
def test_durations_become_seconds(text, seconds):
    assert convert(Duration(), text) == (seconds, [])


def test_duration_refusals():
    assert convert(Duration(), "30") == (INVALID, ["E0301"])  # a unit is required
    assert convert(Duration(), "5MB") == (INVALID, ["E0301"])  # a size is not a duration
    assert convert(Duration(), "1.5s") == (INVALID, ["E0303"])  # whole seconds only
    assert convert(Duration(maximum=43200), "13h") == (INVALID, ["E0303"])
    assert convert(Duration(), "4days")[0] is INVALID  # E0105 was reported by the parser


def test_duration_hint_for_a_bare_number():
    checker = Checker()
    Duration().convert(value("30"), checker)
    assert checker.diagnostics[0].hint == "write `30s` for seconds"


def test_format_seconds_uses_the_largest_exact_unit():
    assert [format_seconds(s) for s in (1209600, 7200, 90, 61, 0)] == ["14d", "2h", "90s", "61s", "0s"]


def test_choices_map_to_what_cloudformation_expects():
    billing = Choice({"on_demand": "PAY_PER_REQUEST", "provisioned": "PROVISIONED"})
    assert convert(billing, "on_demand") == ("PAY_PER_REQUEST", [])
    assert convert(billing, "ondemand") == (INVALID, ["E0302"])
    assert convert(billing, '"on_demand"') == (INVALID, ["E0301"])


def test_scalars():
    assert convert(Boolean(), "true") == (True, [])
    assert convert(Boolean(), "yes") == (INVALID, ["E0301"])
    assert convert(Integer(1, 10), "5") == (5, [])
    assert convert(Integer(1, 10), "11") == (INVALID, ["E0303"])
    assert convert(Integer(), "2.5") == (INVALID, ["E0301"])
    assert convert(Name(r"[a-z]+", "lower case"), "abc") == ("abc", [])
    assert convert(Name(r"[a-z]+", "lower case"), '"ABC"') == (INVALID, ["E0303"])


def test_text_becomes_a_template():
    assert convert(Text(), '"core-{stage}-x {{y}}"') == (Template(("core-", Placeholder("stage"), "-x {y}")), [])
    assert convert(Text(), '"{nope}"') == (INVALID, ["E0304"])
    assert convert(Text(), '"a { b"') == (INVALID, ["E0304"])


def test_collections():
    assert convert(ListOf(Integer(), maximum=2), "[1, 2]") == ((1, 2), [])
    assert convert(ListOf(Integer(), maximum=2), "[1, 2, 3]") == (INVALID, ["E0303"])
    assert convert(MapOf(Integer()), "{ a: 1, b: 2 }") == ({"a": 1, "b": 2}, [])
    assert convert(MapOf(Integer()), "{ a: 1, a: 2 }") == (INVALID, ["E0202"])
    capacity = Record({"read": Integer(1), "write": Integer(1)}, required=("read", "write"))
    assert convert(capacity, "{ read: 1, write: 2 }") == ({"read": 1, "write": 2}, [])
    assert convert(capacity, "{ read: 1 }") == (INVALID, ["E0205"])
    assert convert(capacity, "{ read: 1, write: 2, writes: 3 }") == (INVALID, ["E0204"])


def test_one_of_picks_the_alternative_by_form():
    projection = OneOf(Choice({"all": "ALL"}), ListOf(Name()))
    assert convert(projection, "all") == ("ALL", [])
    assert convert(projection, "[a, b]") == (("a", "b"), [])
    assert convert(projection, "5") == (INVALID, ["E0301"])


def test_data_passes_through_with_references():
    result, codes = convert(Data(), '{ A: [1, 2.5, true, x, "s"], B: data.Users.arn, C: Users.name }')
    assert codes == []
    assert result["A"] == (1, Decimal("2.5"), True, "x", Template(("s",)))
    assert result["B"] == Reference("data", "Users", "arn")
    assert result["C"] == Reference("", "Users", "name")
    assert convert(Data(), "a.b.c.d") == (INVALID, ["E0405"])


def test_a_template_text_fills_every_placeholder_or_names_the_missing_ones():
    template = Template(("core-", Placeholder("stage"), "-", Placeholder("stack"), "", Placeholder("stage")))
    assert template.text(stage="dev", stack="s", other="x") == "core-dev-sdev"
    assert template.text(stage="dev", stack="s") == "".join(template.fill(stage="dev", stack="s").parts)
    with pytest.raises(KeyError, match=r"unfilled placeholders: \['stack'\]"):
        template.text(stage="dev")
