"""The emitter builds PyYAML's node tree itself (infrac.backends.emit.to_yaml), by
exact type, for speed: its bytes must be PyYAML's own, through the same dumper
and representers, for every document and with both emitters."""

from __future__ import annotations

import json
from decimal import Decimal
from enum import IntEnum

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from infrac.backends import emit
from infrac.backends.emit import DUMPERS, string_style, to_json, to_yaml
from infrac.backends.escape import Escaped

# Text as infrac meets it: decoded from UTF-8 files, so never a lone surrogate.
TEXT = st.one_of(
    st.text(),
    st.sampled_from(["", " ", "yes", "No", "null", "~", "0x1F", "1e3", ".inf", "<<", "2024-01-01", "a: b", "- x", "#"]),
    st.text(alphabet=st.characters(min_codepoint=0, max_codepoint=0x10FFFF, codec="utf-8")),
)
SCALARS = st.one_of(
    TEXT,
    st.integers(),
    st.booleans(),
    st.none(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.decimals(allow_nan=False, allow_infinity=False),
)
DOCUMENTS = st.recursive(
    SCALARS,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(TEXT, inner, max_size=4)),
    max_leaves=25,
)


def pyyaml(data, dumper) -> str:
    return yaml.dump(
        data, Dumper=dumper, sort_keys=False, default_flow_style=False, allow_unicode=True, width=4096, indent=2
    )


@pytest.mark.parametrize("name", sorted(DUMPERS))
@settings(max_examples=120, deadline=None)
@given(document=DOCUMENTS)
def test_the_emitter_writes_what_pyyaml_writes(name, document):
    dumper = DUMPERS[name]
    assert to_yaml(document, dumper=dumper) == pyyaml(document, dumper)


# Documents shaped like templates: deep, wide, lists in lists, empty containers, and the
# scalars that the block writer hands to the dumper whole (long ones, folded at the width).
KEYS = st.one_of(TEXT, st.sampled_from(["Type", "Properties", "Fn::Sub", "Ref", "- x", "? y", "a: b", "#c"]))
LONG = st.integers(min_value=990, max_value=2100).map(lambda n: ("word " * n)[:n])
TEMPLATE_LIKE = st.recursive(
    st.one_of(SCALARS, LONG, st.just({}), st.just([])),
    lambda inner: st.one_of(st.lists(inner, min_size=1, max_size=5), st.dictionaries(KEYS, inner, min_size=1, max_size=5)),
    max_leaves=60,
)


@pytest.mark.parametrize("name", sorted(DUMPERS))
@settings(max_examples=150, deadline=None)
@given(document=TEMPLATE_LIKE)
def test_the_block_writer_writes_what_pyyaml_writes(name, document):
    dumper = DUMPERS[name]
    assert to_yaml(document, dumper=dumper) == pyyaml(document, dumper)


@pytest.mark.parametrize("name", sorted(DUMPERS))
def test_deep_documents_and_long_scalars_are_written_as_pyyaml_writes_them(name, monkeypatch):
    dumper = DUMPERS[name]
    deep: object = {"k" * 999: "word " * 199}
    for depth in range(100):
        deep = {"k": [deep]} if depth % 2 else {"k": deep}
    documents = [deep, {"k" * 200: 1}, {"a": "x" * 5000}, {"a": "x y" * 2000}, {"a": {"b": "é\n"}}]
    for document in documents:
        assert to_yaml(document, dumper=dumper) == pyyaml(document, dumper)
    monkeypatch.setattr(emit, "_MAX_INDENT", 10)  # deeper than this: through the dumper whole
    assert to_yaml(deep, dumper=dumper) == pyyaml(deep, dumper)


@given(text=st.text(alphabet=st.characters(min_codepoint=0, max_codepoint=0x10FFFF, codec="utf-8")))
def test_the_string_style_is_the_per_character_rule(text):
    unprintable = not text.isprintable() or any(ord(c) > 0xFFFF for c in text)
    assert (string_style(text) == '"') == unprintable


def test_other_types_still_fail_as_pyyaml_fails():
    class Other:
        pass

    with pytest.raises(yaml.representer.RepresenterError):
        to_yaml({"a": Other()})
    assert to_yaml({"a": (1, 2)}) == pyyaml({"a": (1, 2)}, DUMPERS[sorted(DUMPERS)[0]])


def test_a_seed_template_is_unchanged(tmp_path):
    document = {"Resources": {"T": {"Type": "AWS::DynamoDB::Table", "Properties": {"X": [Decimal("1.50"), 3, True]}}}}
    for dumper in DUMPERS.values():
        assert to_yaml(document, dumper=dumper) == pyyaml(document, dumper)


# JSON: the writer joins containers itself and encodes scalars with the C encoder; its bytes
# must be json.dumps(indent=2, ensure_ascii=False)'s for every document, tuples and str
# subclasses included, and anything else falls back to json.dumps itself.
JSON_DOCUMENTS = st.recursive(
    st.one_of(SCALARS, TEXT.map(Escaped)),
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.lists(inner, max_size=3).map(tuple),
        st.dictionaries(TEXT, inner, max_size=4),
    ),
    max_leaves=25,
)


def stdlib_json(document) -> str:
    return json.dumps(document, indent=2, ensure_ascii=False, default=float) + "\n"


@settings(max_examples=300, deadline=None)
@given(document=JSON_DOCUMENTS)
def test_the_json_writer_writes_what_json_dumps_writes(document):
    assert to_json(document) == stdlib_json(document)


def test_json_documents_the_writer_does_not_take_go_through_json_dumps():
    for document in ({1: "a", None: [True]}, {"a": {2.5: "x"}}, [IntEnum("E", "A").A]):
        assert to_json(document) == stdlib_json(document)
    with pytest.raises(TypeError):
        to_json({"a": object()})


# Strings the block writer writes plain without asking the dumper (names, `${Stage}`,
# `AWS::SNS::Topic`): drawn from the characters that rule is about, as keys and values.
NAMES = st.text(alphabet="aAzZ_09./-${}: ", min_size=1, max_size=12)


@pytest.mark.parametrize("name", sorted(DUMPERS))
@settings(max_examples=400, deadline=None)
@given(strings=st.lists(NAMES, min_size=1, max_size=6))
def test_names_are_written_as_pyyaml_writes_them(name, strings):
    dumper = DUMPERS[name]
    document = {s: [s, {s: s}] for s in strings}
    assert to_yaml(document, dumper=dumper) == pyyaml(document, dumper)
