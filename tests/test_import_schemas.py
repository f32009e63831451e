"""``infrac import`` on templates generated from AWS's resource schemas: no input crashes it.

Each example is a template of one to three resources of any type the schemas publish, their
properties drawn from the type's schema (required ones, and some others), with intrinsic
functions in any position (``Ref`` of a parameter or a pseudo parameter, ``Fn::GetAtt``,
``Fn::Sub``, ``Fn::If``, ``Fn::Join``, ``Fn::Select``, ``Fn::FindInMap``, ``Fn::ImportValue``,
``Fn::Base64``, ``Ref AWS::NoValue``, a dynamic reference, ``null``), resource attributes
(``Condition``, ``DependsOn``, ``DeletionPolicy``, ``Metadata``), outputs, written as JSON or as
YAML with short-form tags. Whatever it holds, the import answers with sources or with errors
located in the input, never with an exception.

``INFRAC_SCHEMA_EXAMPLES`` sets how many templates are tried (``make fuzz`` tries many more).
"""

from __future__ import annotations

import json
import os

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import TRIED
from infrac.cfn.schemas import known_types, schema

EXAMPLES = int(os.environ.get("INFRAC_SCHEMA_EXAMPLES", "40"))
TYPES = sorted(known_types())
PSEUDO = ["AWS::AccountId", "AWS::Region", "AWS::StackName", "AWS::StackId", "AWS::Partition", "AWS::URLSuffix",
          "AWS::NotificationARNs"]


def _intrinsic(draw, others: list[str]):
    """A function where a value goes."""
    choice = draw(st.sampled_from(["ref", "pseudo", "getatt", "sub", "if", "join", "select", "map", "import",
                                   "base64", "novalue", "dynamic", "null"]))
    if choice == "ref":
        return {"Ref": "Name"}
    if choice == "pseudo":
        return {"Ref": draw(st.sampled_from(PSEUDO))}
    if choice == "getatt" and others:
        return {"Fn::GetAtt": [draw(st.sampled_from(others)), draw(st.sampled_from(["Arn", "Id", "Name", "Outputs.X"]))]}
    if choice == "sub":
        return {"Fn::Sub": draw(st.sampled_from(["${Name}-x", "${AWS::Region}", "a-${!Literal}", "{{resolve:ssm:/p}}"]))}
    if choice == "if":
        return {"Fn::If": ["IsProd", draw(st.sampled_from(["a", 1, True])), {"Ref": "AWS::NoValue"}]}
    if choice == "join":
        return {"Fn::Join": ["-", [{"Ref": "Name"}, "x"]]}
    if choice == "select":
        return {"Fn::Select": [0, {"Fn::GetAZs": ""}]}
    if choice == "map":
        return {"Fn::FindInMap": ["Table", {"Ref": "AWS::Region"}, "Key"]}
    if choice == "import":
        return {"Fn::ImportValue": {"Fn::Sub": "${Name}-export"}}
    if choice == "base64":
        return {"Fn::Base64": "text"}
    if choice == "novalue":
        return {"Ref": "AWS::NoValue"}
    if choice == "dynamic":
        return "{{resolve:secretsmanager:s:SecretString:k}}"
    return None


def _value(draw, resource, node, others: list[str], depth: int):
    """A value for a schema node: mostly what it asks for, sometimes a function."""
    node = resource.resolve(node) if isinstance(node, dict) else {}
    if draw(st.integers(0, 9)) == 0:
        return _intrinsic(draw, others)
    for key in ("oneOf", "anyOf"):
        if node.get(key):
            return _value(draw, resource, {**node, key: None, **draw(st.sampled_from(node[key]))}, others, depth)
    if "enum" in node and node["enum"]:
        return draw(st.sampled_from(node["enum"]))
    kind = node.get("type")
    kind = draw(st.sampled_from(kind)) if isinstance(kind, list) and kind else kind
    if kind == "object" or (kind is None and "properties" in node):
        if depth > 3:
            return {}
        return _object(draw, resource, node, others, depth + 1)
    if kind == "array" or (kind is None and "items" in node):
        if depth > 3:
            return []
        return [_value(draw, resource, node.get("items", {}), others, depth + 1) for _ in range(draw(st.integers(0, 2)))]
    if kind == "integer":
        low = node.get("minimum", 0)  # a schema may give a minimum above 100 and no maximum (a time in seconds)
        return draw(st.integers(low, max(low, min(node.get("maximum", low + 100), 10**6))))
    if kind == "number":
        return draw(st.sampled_from([0, 1.5, 10]))
    if kind == "boolean":
        return draw(st.booleans())
    return draw(st.text(st.characters(min_codepoint=32, max_codepoint=126), min_size=1, max_size=10))


def _object(draw, resource, node, others, depth):
    properties = node.get("properties") or {}
    names = list(node.get("required") or [])
    optional = [n for n in properties if n not in names]
    if optional:
        names += draw(st.lists(st.sampled_from(optional), max_size=3, unique=True))
    return {name: _value(draw, resource, properties.get(name, {}), others, depth) for name in names if name in properties}


@st.composite
def templates(draw):
    resources = {}
    for index in range(draw(st.integers(1, 3))):
        type_name = draw(st.sampled_from(TYPES))
        resource = schema(type_name)
        others = list(resources)
        top = {"type": "object", "properties": resource.properties, "required": list(resource.required)}
        document = {"Type": type_name, "Properties": _object(draw, resource, top, others, 0)}
        if draw(st.booleans()):
            document["Condition"] = "IsProd"
        if others and draw(st.booleans()):
            document["DependsOn"] = draw(st.sampled_from(others))
        if draw(st.booleans()):
            document["DeletionPolicy"] = draw(st.sampled_from(["Retain", "Delete", "Snapshot", "RetainExceptOnCreate"]))
        if draw(st.integers(0, 3)) == 0:
            document["Metadata"] = {"Note": _intrinsic(draw, others)}
        resources[f"R{index}{type_name.split('::')[-1][:20]}"] = document
    template = {
        "Parameters": {"Name": {"Type": "String", "Default": "n"}},
        "Mappings": {"Table": {"us-east-1": {"Key": "v"}}},
        "Conditions": {"IsProd": {"Fn::Equals": [{"Ref": "Name"}, "prod"]}},
        "Resources": resources,
    }
    if draw(st.booleans()):
        name = draw(st.sampled_from(list(resources)))
        template["Outputs"] = {"Out": {"Value": draw(st.sampled_from([{"Ref": name}, {"Fn::Sub": "${Name}"}, "v"])),
                                       "Export": {"Name": {"Fn::Sub": "${AWS::StackName}-Out"}}}}
    return template, draw(st.sampled_from(["json", "yaml"]))


def _yaml(template: dict) -> str:
    """YAML with short-form tags (``!Ref``, ``!Sub``...) for the functions."""

    class Tagged(yaml.SafeDumper):
        pass

    def represent_dict(dumper, data):
        if len(data) == 1:
            (key, value), = data.items()
            tag = "Ref" if key == "Ref" else key[4:] if key.startswith("Fn::") else None
            if tag and tag not in ("Transform",):
                if isinstance(value, list):
                    return dumper.represent_sequence(f"!{tag}", value)
                if isinstance(value, dict):
                    return dumper.represent_mapping(f"!{tag}", value)
                return dumper.represent_scalar(f"!{tag}", str(value))
        return dumper.represent_dict(data)

    Tagged.add_representer(dict, represent_dict)
    return yaml.dump(template, Dumper=Tagged, sort_keys=False)


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
@given(templates())
def test_a_template_from_the_schemas_gives_an_import_or_located_errors(case):
    from infrac.tools.migrate.command import prepare

    template, form = case
    text = json.dumps(template, indent=1) if form == "json" else _yaml(template)
    prepared = prepare([(f"t.{form}", text.encode())], "out", None, None)
    errors = [d for d in prepared.diagnostics if d.severity.value == "error"]
    TRIED["templates from the schemas"] += 1
    TRIED["of them imported" if not errors else "of them refused with located errors"] += 1
    assert prepared.files or errors
    assert all(d.span is not None for d in errors), errors
