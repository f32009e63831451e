"""The peer: the same CloudFormation templates, built with troposphere.

A troposphere program builds each stack as typed objects (``dynamodb.Table``,
``sqs.Queue``, ``Output(Export=...)``, ``Sub``, ``GetAtt``, ``ImportValue``...),
which troposphere validates, and writes it with ``Template.to_yaml()``. The
system's description is the benchmark's data (the same JSON the floor reads),
so both build exactly the same stacks; troposphere writes its own YAML layout
(short-form tags through cfn-flip), which is as close to infrac's output as
troposphere can get.

    python bench/peer_troposphere.py DATA.json OUT
"""

from __future__ import annotations

import importlib
import json
import os
import sys

from troposphere import (
    AWSHelperFn,
    BaseAWSObject,
    Export,
    GetAtt,
    ImportValue,
    Output,
    Parameter,
    Ref,
    Sub,
    Tags,
    Template,
)

_MODULES = {"Events": "events", "Cognito": "cognito", "DynamoDB": "dynamodb", "SQS": "sqs", "S3": "s3", "IAM": "iam"}
_CLASSES: dict[str, type] = {}


def resource_class(type_name: str) -> type:
    """``AWS::SQS::Queue`` -> ``troposphere.sqs.Queue``."""
    if type_name not in _CLASSES:
        service = type_name.split("::")[1]
        module = importlib.import_module("troposphere." + _MODULES.get(service, service.lower()))
        for value in vars(module).values():
            if getattr(value, "resource_type", None) == type_name:
                _CLASSES[type_name] = value
                break
        else:
            raise KeyError(type_name)
    return _CLASSES[type_name]


def intrinsic(value):
    """An intrinsic function as troposphere's helper, or None."""
    if isinstance(value, dict) and len(value) == 1:
        (key, argument), = value.items()
        if key == "Ref":
            return Ref(argument)
        if key == "Fn::GetAtt":
            return GetAtt(*argument)
        if key == "Fn::Sub":
            return Sub(argument)
        if key == "Fn::ImportValue":
            return ImportValue(convert(argument))
    return None


def convert(value):
    helper = intrinsic(value)
    if helper is not None:
        return helper
    if isinstance(value, dict):
        return {k: convert(v) for k, v in value.items()}
    if isinstance(value, list):
        return [convert(v) for v in value]
    return value


def build(cls: type, title: str | None, properties: dict) -> BaseAWSObject:
    """A troposphere object with typed nested properties, as a program would write it."""
    arguments = {}
    for name, value in properties.items():
        expected = cls.props[name][0] if name in cls.props else None
        arguments[name] = typed(expected, value)
    return cls(title, **arguments) if title else cls(**arguments)


def typed(expected, value):
    helper = intrinsic(value)
    if helper is not None:
        return helper
    if _is_tags(expected) and isinstance(value, list):
        return Tags(*[Tags({tag["Key"]: convert(tag["Value"])}) for tag in value])
    if isinstance(expected, type) and issubclass(expected, BaseAWSObject) and isinstance(value, dict):
        return build(expected, None, value)
    if isinstance(expected, list) and isinstance(value, list):
        inner = expected[0]
        if isinstance(inner, type) and issubclass(inner, BaseAWSObject):
            return [build(inner, None, v) if isinstance(v, dict) and intrinsic(v) is None else convert(v) for v in value]
    return convert(value)


def _is_tags(expected) -> bool:
    options = expected if isinstance(expected, tuple) else (expected,)
    return any(option is Tags for option in options)


def template(document: dict) -> Template:
    t = Template(Description=document.get("Description"))
    t.set_version(document["AWSTemplateFormatVersion"])
    for name, parameter in document.get("Parameters", {}).items():
        t.add_parameter(Parameter(name, **parameter))
    for logical_id, resource in document["Resources"].items():
        cls = resource_class(resource["Type"])
        obj = build(cls, logical_id, resource.get("Properties", {}))
        for attribute in ("DeletionPolicy", "UpdateReplacePolicy"):
            if attribute in resource:
                setattr(obj, attribute, resource[attribute])
        t.add_resource(obj)
    for logical_id, output in document.get("Outputs", {}).items():
        t.add_output(
            Output(
                logical_id,
                Description=output["Description"],
                Value=convert(output["Value"]),
                Export=Export(convert(output["Export"]["Name"])),
            )
        )
    return t


def main(data_path: str, out: str) -> None:
    with open(data_path, encoding="utf-8") as stream:
        files = json.load(stream)["files"]
    for entry in files:
        path = os.path.join(out, entry["path"])
        os.makedirs(os.path.dirname(path), exist_ok=True)
        document = entry.get("yaml")
        if isinstance(document, dict) and "Resources" in document:
            text = entry["header"] + template(document).to_yaml()
        elif "yaml" in entry:  # a consumer's imports: no template, so no troposphere
            text = entry["header"] + json.dumps(document, indent=2) + "\n"
        else:
            text = entry["text"]
        with open(path, "w", encoding="utf-8", newline="\n") as stream:
            stream.write(text)


if __name__ == "__main__":
    assert AWSHelperFn
    main(sys.argv[1], sys.argv[2])
