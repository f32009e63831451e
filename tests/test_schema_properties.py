"""Property tests: generic resources generated from AWS's schemas.

A generator reads a type's schema and writes a resource that fits it (its
required properties, and some optional scalar ones, each with a value the
schema allows). Valid resources pass ``infrac check`` and, built together into
one template, cfn-lint (one process for all). Each mutation of a valid resource
(a misspelt property, a value of the wrong type, a required property removed,
a value outside an enum, a number out of bounds) gives exactly one diagnostic,
with the expected code, at the span of what was changed.
"""

from __future__ import annotations

import random
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from infrac.backends import BuildOptions, backend
from infrac.base.source import SourceFile
from infrac.cfn.schemas import ResourceSchema, schema
from infrac.cfn.typecheck import INTRINSICS
from infrac.project.pipeline import compile_sources
from infrac.syntax.fmt import quote

#: Types that real projects put next to infrac's own kinds, across services.
#: Left out: types whose validity cfn-lint judges by rules beyond the provider schema
#: (a rule needs a pattern or a schedule, a subscription's topic ARN has a format, an
#: alarm needs one of three metric forms, a table's key matches its attribute
#: definitions), which a generator that reads only the schema cannot know.
TYPES = (
    "AWS::SNS::Topic", "AWS::SQS::Queue", "AWS::SSM::Parameter",
    "AWS::Logs::LogGroup", "AWS::Events::EventBus", "AWS::S3::Bucket",
    "AWS::Lambda::Permission", "AWS::Kinesis::Stream", "AWS::SecretsManager::Secret",
    "AWS::Scheduler::ScheduleGroup", "AWS::ECR::Repository",
    "AWS::StepFunctions::Activity", "AWS::Logs::MetricFilter", "AWS::KMS::Alias",
    "AWS::Cognito::UserPoolGroup", "AWS::AppConfig::Application",
)

#: Strings tried, in order, for a string property with a pattern.
SAMPLES = (
    "example", "example-1", "Example1", "ex", "1", "60", "example.com", "/example", "alias/example",
    "arn:aws:sqs:us-east-1:123456789012:example", "arn:aws:lambda:us-east-1:123456789012:function:example",
    "lambda:InvokeFunction", "sns.amazonaws.com", "rate(1 day)", "a1b2c3d4", "us-east-1",
)

#: Object properties whose meaning is a free-form document (policies, patterns): not generated.
FREE_FORM = object()


def scalar_type(node: dict) -> str | None:
    kind = node.get("type")
    if isinstance(kind, list):
        kind = kind[0]
    return kind


def generate(rs: ResourceSchema, node: dict, rng: random.Random, depth: int = 0) -> Any:
    """A value that fits ``node``, or FREE_FORM when none is generated."""
    node = rs.resolve(node)
    for key in ("oneOf", "anyOf"):
        if key in node:
            node = {**{k: v for k, v in node.items() if k != key}, **rs.resolve(node[key][0])}
    if "enum" in node:
        return rng.choice(node["enum"])
    kind = scalar_type(node) or ("object" if "properties" in node else None)
    if kind == "string":
        low, high = node.get("minLength", 1), node.get("maxLength", 64)
        pattern = node.get("pattern")
        for sample in SAMPLES:
            try:
                fits = pattern is None or re.search(pattern, sample)
            except re.error:
                return FREE_FORM
            if fits and low <= len(sample) <= high:
                return sample
        return FREE_FORM
    if kind in ("integer", "number"):
        low, high = node.get("minimum", 1), node.get("maximum", 1000)
        return int(rng.randint(int(low), int(min(high, low + 100))))
    if kind == "boolean":
        return rng.random() < 0.5
    if kind == "array" and depth < 3:
        items = node.get("items")
        if not isinstance(items, dict):
            return FREE_FORM
        count = max(1, node.get("minItems", 1))
        values = [generate(rs, items, rng, depth + 1) for _ in range(count)]
        return FREE_FORM if any(v is FREE_FORM for v in values) or len({repr(v) for v in values}) < count else values
    if kind == "object" and depth < 3 and node.get("properties"):
        out = {}
        for name in node.get("required", ()):
            value = generate(rs, node["properties"].get(name, {}), rng, depth + 1)
            if value is FREE_FORM:
                return FREE_FORM
            out[name] = value
        return out or FREE_FORM
    return FREE_FORM


def is_simple(rs: ResourceSchema, node: dict) -> bool:
    node = rs.resolve(node)
    return scalar_type(node) in ("string", "integer", "number", "boolean") and "oneOf" not in node and "anyOf" not in node


def valid_properties(type_name: str, rng: random.Random) -> dict[str, Any] | None:
    """Required properties and a few optional scalar ones; None when the type's required
    properties cannot be generated."""
    rs = schema(type_name)
    read_only = set(rs.read_only)
    out: dict[str, Any] = {}
    for name in rs.required:
        value = generate(rs, rs.properties[name], rng)
        if value is FREE_FORM:
            return None
        out[name] = value
    optional = [
        name for name in rs.properties
        if name not in out and name not in read_only and "/" not in name and is_simple(rs, rs.properties[name])
        and "enum" in rs.resolve(rs.properties[name])  # enums: always meaningful on their own
    ]
    for name in rng.sample(optional, min(len(optional), 2)):
        value = generate(rs, rs.properties[name], rng)
        if value is not FREE_FORM:
            out[name] = value
    return out


def write(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, str):
        return quote(value.replace("{", "{{").replace("}", "}}"))
    if isinstance(value, list):
        return "[" + ", ".join(write(v) for v in value) + "]"
    return "{ " + ", ".join(f"{quote(k)}: {write(v)}" for k, v in value.items()) + " }"


def source(resources: dict[str, tuple[str, dict[str, Any]]]) -> str:
    lines = ['project gen {\n  region = "us-east-1"\n  stages = [dev]\n}\n', "stack generated {"]
    for name, (type_name, properties) in resources.items():
        lines.append(f'  resource "{type_name}" {name} {{')
        if properties:
            lines.append("    properties = {")
            lines.extend(f"      {quote(k)}: {write(v)}," for k, v in properties.items())
            lines.append("    }")
        lines.append("  }")
    lines.append("}\n")
    return "\n".join(lines)


def check(text: str):
    return compile_sources([SourceFile("main.infra", text)])


def generated(seed: int) -> dict[str, tuple[str, dict[str, Any]]]:
    rng = random.Random(seed)
    out = {}
    for index, type_name in enumerate(TYPES):
        properties = valid_properties(type_name, rng)
        if properties is not None:
            out[f"R{index}"] = (type_name, properties)
    return out


def test_the_generator_covers_most_types():
    assert len(generated(0)) >= len(TYPES) - 4, sorted(set(TYPES) - {t for t, _ in generated(0).values()})


@pytest.mark.parametrize("seed", range(3))
def test_valid_resources_pass_check(seed):
    result = check(source(generated(seed)))
    assert result.ok and not result.diagnostics, [d.message for d in result.diagnostics]


def test_valid_resources_pass_cfn_lint(tmp_path):
    """Every generated resource of several seeds, in templates linted by one cfn-lint run."""
    paths = []
    for seed in range(3):
        result = check(source(generated(seed)))
        assert result.ok, [d.message for d in result.diagnostics]
        for artifact in backend("cloudformation").render(result.program, BuildOptions()):
            if artifact.path.endswith(".yml"):
                path = tmp_path / f"{seed}-{artifact.path}"
                path.write_text(artifact.text, encoding="utf-8")
                paths.append(path)
    executable = Path(sys.executable).with_name("cfn-lint")
    process = subprocess.run([str(executable), "--", *map(str, paths)], capture_output=True, text=True, timeout=300)
    assert process.returncode == 0, process.stdout + process.stderr


# ---- mutations: one mistake, one diagnostic, at the mistake -------------------------------


def one_resource(data, predicate) -> tuple[str, dict[str, Any], str]:
    type_name = data.draw(st.sampled_from(TYPES))
    properties = valid_properties(type_name, random.Random(data.draw(st.integers(0, 10_000))))
    if properties is None or not predicate(type_name, properties):
        return None
    return type_name, properties


def only(result, code: str, text: str, needle: str) -> None:
    assert len(result.diagnostics) == 1, [(d.code, d.message) for d in result.diagnostics]
    found = result.diagnostics[0]
    assert found.code == code, found.message
    start = text.index(needle)
    assert (found.span.start, found.span.end) == (start, start + len(needle)), (found.message, needle)


SETTINGS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])


@SETTINGS
@given(st.data())
def test_a_misspelt_property_gives_one_e0701_at_its_key(data):
    drawn = one_resource(data, lambda t, p: bool(p))
    if drawn is None:
        return
    type_name, properties = drawn
    key = data.draw(st.sampled_from(sorted(properties)))
    wrong = key + "Zq"
    mutated = {(wrong if k == key else k): v for k, v in properties.items()}
    text = source({"Mutated": (type_name, mutated)})
    only(check(text), "E0701", text, quote(wrong))


@SETTINGS
@given(st.data())
def test_a_value_of_the_wrong_shape_gives_one_e0702_at_the_value(data):
    drawn = one_resource(data, lambda t, p: bool(p))
    if drawn is None:
        return
    type_name, properties = drawn
    key = data.draw(st.sampled_from(sorted(properties)))
    is_list = isinstance(properties[key], list)
    replacement = "not-a-list-4242" if is_list else [4242, 4243]
    text = source({"Mutated": (type_name, {**properties, key: replacement})})
    only(check(text), "E0702", text, write(replacement))


@SETTINGS
@given(st.data())
def test_a_missing_required_property_gives_one_e0703(data):
    drawn = one_resource(data, lambda t, p: bool(schema(t).required))
    if drawn is None:
        return
    type_name, properties = drawn
    key = data.draw(st.sampled_from(sorted(schema(type_name).required)))
    rest = {k: v for k, v in properties.items() if k != key}
    text = source({"Mutated": (type_name, rest)})
    result = check(text)
    assert [d.code for d in result.diagnostics] == ["E0703"], [d.message for d in result.diagnostics]
    assert f"`{key}`" in result.diagnostics[0].message


@SETTINGS
@given(st.data())
def test_a_value_outside_the_enum_gives_one_e0704_at_the_value(data):
    def has_enum(type_name, properties):
        rs = schema(type_name)
        return any(isinstance(v, str) and "enum" in rs.resolve(rs.properties[k]) for k, v in properties.items())

    drawn = one_resource(data, has_enum)
    if drawn is None:
        return
    type_name, properties = drawn
    rs = schema(type_name)
    keys = sorted(k for k, v in properties.items() if isinstance(v, str) and "enum" in rs.resolve(rs.properties[k]))
    key = data.draw(st.sampled_from(keys))
    text = source({"Mutated": (type_name, {**properties, key: "NotAllowed4242"})})
    only(check(text), "E0704", text, quote("NotAllowed4242"))


def test_a_number_out_of_bounds_gives_one_e0707_at_the_value():
    for type_name in TYPES:
        rs = schema(type_name)
        for name, node in rs.properties.items():
            node = rs.resolve(node)
            if scalar_type(node) == "integer" and "maximum" in node and name not in rs.read_only:
                properties = valid_properties(type_name, random.Random(1))
                if properties is None:
                    continue
                text = source({"Mutated": (type_name, {**properties, name: int(node["maximum"]) + 4242})})
                only(check(text), "E0707", text, str(int(node["maximum"]) + 4242))


def test_intrinsic_functions_stand_for_any_value():
    """Ref, Fn::GetAtt, Fn::Sub... are accepted wherever a value is expected, whatever its type."""
    for function in sorted(INTRINSICS - {"Condition"}):
        text = source({"Q": ("AWS::SQS::Queue", {"DelaySeconds": {function: "x"}, "Tags": {function: "y"}})})
        result = check(text)
        assert not result.diagnostics, (function, [d.message for d in result.diagnostics])


def string_properties(predicate):
    for type_name in TYPES:
        rs = schema(type_name)
        for name, node in rs.properties.items():
            node = rs.resolve(node)
            if scalar_type(node) == "string" and "enum" not in node and name not in rs.read_only and predicate(node):
                yield type_name, name, node


def test_a_string_too_long_gives_one_e0706_at_the_value():
    checked = 0
    for type_name, name, node in string_properties(lambda n: "maxLength" in n and n["maxLength"] < 5000):
        properties = valid_properties(type_name, random.Random(1))
        if properties is None:
            continue
        value = "a" * (node["maxLength"] + 1)
        text = source({"Mutated": (type_name, {**properties, name: value})})
        only(check(text), "E0706", text, quote(value))
        checked += 1
    assert checked >= 5


def test_a_string_that_breaks_the_pattern_gives_one_e0705_at_the_value():
    value = "bad value!?"
    checked = 0
    for type_name, name, node in string_properties(lambda n: "pattern" in n):
        try:
            breaks = re.search(node["pattern"], value) is None
        except re.error:
            continue
        if not breaks or len(value) > node.get("maxLength", 10**6) or len(value) < node.get("minLength", 0):
            continue
        properties = valid_properties(type_name, random.Random(1))
        if properties is None:
            continue
        text = source({"Mutated": (type_name, {**properties, name: value})})
        only(check(text), "E0705", text, quote(value))
        checked += 1
    assert checked >= 5


def test_the_check_of_one_resource_is_bounded(monkeypatch):
    """Alternatives in recursive definitions (a WAF rule's nested statements) could make the
    work grow with the depth of the value; past a budget of visits the rest is not checked."""
    from infrac.cfn import typecheck

    properties = {"DelaySeconds": 5, "Tags": [{"Key": "a", "Value": "b"}] * 3, "VisibilityTimeout": [1]}
    text = source({"Q": ("AWS::SQS::Queue", properties)})
    assert [d.code for d in check(text).diagnostics] == ["E0702"]
    monkeypatch.setattr(typecheck, "BUDGET", 3)
    assert check(text).diagnostics == ()
