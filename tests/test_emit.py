"""The emitter: libyaml and pure-Python output identical, safe YAML, deterministic."""

from __future__ import annotations

import os
from decimal import Decimal

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import CASES
from infrac.backends import emit

GOLDEN = sorted(CASES.glob("*/expected/cloudformation/*.yml"))


@pytest.mark.skipif(len(emit.DUMPERS) < 2, reason="PyYAML was built without libyaml")
@pytest.mark.parametrize("path", GOLDEN, ids=lambda p: f"{p.parts[-4]}/{p.name}")
def test_c_and_pure_emitters_give_the_same_bytes(path):
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    outputs = {name: emit.to_yaml(data, dumper=dumper) for name, dumper in emit.DUMPERS.items()}
    assert len(set(outputs.values())) == 1, outputs.keys()


@pytest.mark.skipif(len(emit.DUMPERS) < 2, reason="PyYAML was built without libyaml")
def test_c_and_pure_emitters_agree_on_awkward_strings():
    data = {
        "strings": ["yes", "no", "on", "off", "null", "~", "1.0", "0x1F", "1e3", "", " padded ", "a: b", "- x",
                    "#not a comment", "multi\nline", "tab\there", "é€😀", "x" * 5000, "${Stage}", "'quoted'", '"dq"'],
        "numbers": [0, -1, 10**20, Decimal("2.50"), 1.5],
        "booleans": [True, False],
        "nested": {"a": [{"b": []}, {}]},
    }
    outputs = {emit.to_yaml(data, dumper=dumper) for dumper in emit.DUMPERS.values()}
    assert len(outputs) == 1


def test_strings_that_look_like_other_types_are_quoted():
    text = emit.to_yaml({"v": ["yes", "on", "null", "1.0", "12", "true"]})
    assert yaml.safe_load(text) == {"v": ["yes", "on", "null", "1.0", "12", "true"]}


def test_shared_objects_are_written_twice_not_as_aliases():
    shared = {"Ref": "Stage"}
    text = emit.to_yaml({"a": shared, "b": shared})
    assert "&" not in text and "*" not in text


def test_keys_keep_the_order_they_were_given():
    assert emit.to_yaml({"b": 1, "a": 2}) == "b: 1\na: 2\n"


def test_json_output():
    assert emit.to_json({"a": [Decimal("2.5"), "é"]}) == '{\n  "a": [\n    2.5,\n    "é"\n  ]\n}\n'


@pytest.mark.skipif(len(emit.DUMPERS) < 2, reason="PyYAML was built without libyaml")
@settings(max_examples=int(os.environ.get("INFRAC_FUZZ_EXAMPLES", "500")))
@given(st.dictionaries(st.text(min_size=1, max_size=8).filter(str.isprintable), st.lists(st.text(max_size=30), max_size=3), max_size=4))
def test_c_and_pure_emitters_agree_on_any_text(data):
    # Keys are never empty nor unprintable: the language refuses such keys (E0303),
    # and the two emitters write them differently.
    outputs = {emit.to_yaml(data, dumper=dumper) for dumper in emit.DUMPERS.values()}
    assert len(outputs) == 1
    assert yaml.safe_load(outputs.pop()) == data
