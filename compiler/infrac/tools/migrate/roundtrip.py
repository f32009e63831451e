"""The round trip's normal form: what "the same template" means after an import.

An imported project, built for a stage, must give back the template it came from. A
CloudFormation template imported on its own is compared whole (:func:`expected_template`,
:func:`built_template`), in :func:`strict` form, which changes only what YAML and the short
forms leave open (``Fn::GetAtt: A.B`` is ``[A, B]``, a one-name ``DependsOn`` or ``Transform``
is a list, empty ``Properties`` are none, numbers by value, keys without order): functions
must come back in the form they were written.

A Serverless service, and each resource a split moves, are compared in the looser
:func:`normalise` form:

- a template's Serverless placeholders are filled in for the stage and region
  (``core-${sls:stage}-users`` is ``core-dev-users``);
- ``Ref`` of a pseudo parameter is ``Fn::Sub: ${AWS::AccountId}``;
- ``Fn::Sub`` whose text has no variable is that text (``${!x}`` is ``${x}``), and a
  variable of ``Fn::Sub`` that is a ``Ref``/``Fn::GetAtt`` is written inline
  (``${Users.Arn}``), as the importer may name it differently;
- ``Fn::GetAtt: A.B`` is ``[A, B]``; ``DependsOn`` is a sorted list; empty ``Properties``
  are no properties; key order never matters (dicts compare without it);
- across a split, ``Fn::ImportValue`` of an export is the value the export carries.
"""

from __future__ import annotations

import re
from decimal import Decimal

from infrac.tools.migrate.source.model import Interpolated, Template

TYPE_CHECKING = False  # typing's own constant, without importing typing
if TYPE_CHECKING:
    from typing import Any

_PSEUDO = {
    "account": "AWS::AccountId", "partition": "AWS::Partition", "url_suffix": "AWS::URLSuffix",
    "aws_region": "AWS::Region", "stack_name": "AWS::StackName",
}
_VARIABLE = re.compile(r"\$\{([^}]*)\}")


def expected_resources(template: Template, stage: str, region: str) -> dict[str, dict]:
    """The template's resources as CloudFormation documents, normalised. A ``Stage``
    parameter (which the import writes as ``{stage}``) has the stage's value."""
    staged = any(p.name == "Stage" for p in template.parameters)
    out = {}
    for resource in template.resources:
        document: dict[str, Any] = {"Type": resource.type}
        if resource.properties:
            document["Properties"] = resource.properties
        if resource.depends_on:
            document["DependsOn"] = list(resource.depends_on)
        for key, value in (
            ("Condition", resource.condition), ("DeletionPolicy", resource.deletion_policy),
            ("UpdateReplacePolicy", resource.update_replace_policy), ("Metadata", resource.metadata),
        ):
            if value is not None:
                document[key] = value
        out[resource.logical_id] = normalise(_with_stage(document, stage) if staged else document, stage, region)
    return out


#: The sections compared, besides ``Resources``; ``AWSTemplateFormatVersion`` is always written.
SECTIONS = ("Description", "Transform", "Metadata", "Parameters", "Rules", "Mappings", "Conditions", "Outputs")


def expected_template(template: Template, stage: str, region: str) -> dict[str, Any]:
    """The whole template as the import must rebuild it: every section, the resources with
    every attribute, in the normal form (:func:`strict` for a CloudFormation template, whose
    values come back in the form they were written; :func:`normalise` for a service's)."""
    staged = any(p.name == "Stage" for p in template.parameters) and _is_stage(template)
    document: dict[str, Any] = {}
    if template.description is not None:
        document["Description"] = template.description
    if template.transform is not None:
        document["Transform"] = template.transform
    if template.metadata is not None:
        document["Metadata"] = template.metadata
    parameters = {}
    for parameter in template.parameters:
        if parameter.name == "Stage" and staged:
            continue  # the stage: infrac writes this parameter itself
        entry: dict[str, Any] = {"Type": parameter.type}
        for key, value in (("Default", parameter.default), ("AllowedValues", parameter.allowed_values),
                           ("Description", parameter.description)):
            if value is not None:
                entry[key] = list(value) if key == "AllowedValues" else value
        entry.update(parameter.constraints)
        parameters[parameter.name] = entry
    if parameters:
        document["Parameters"] = parameters
    for key, value in (("Rules", template.rules), ("Mappings", template.mappings or None),
                       ("Conditions", template.conditions or None)):
        if value is not None:
            document[key] = value
    resources = {}
    for resource in template.resources:
        entry = {"Type": resource.type}
        if resource.properties:
            entry["Properties"] = resource.properties
        if resource.depends_on:
            entry["DependsOn"] = list(resource.depends_on)
        for key, value in (
            ("Condition", resource.condition), ("DeletionPolicy", resource.deletion_policy),
            ("UpdateReplacePolicy", resource.update_replace_policy), ("Metadata", resource.metadata),
        ):
            if value is not None:
                entry[key] = value
        entry.update(resource.other)
        resources[resource.logical_id] = entry
    document["Resources"] = resources
    outputs = {}
    for output in template.outputs:
        entry = {"Value": output.value}
        for key, value in (("Description", output.description), ("Condition", output.condition)):
            if value is not None:
                entry[key] = value
        if output.export is not None:
            entry["Export"] = {"Name": output.export}
        outputs[output.name] = entry
    if outputs:
        document["Outputs"] = outputs
    if staged:
        document = _with_stage(document, stage)
    return strict(document) if template.kind == "cloudformation" else normalise(document, stage, region)


def built_template(built: dict[str, Any], expected: dict[str, Any], kind: str, stage: str, region: str) -> dict[str, Any]:
    """A built template in the same normal form as :func:`expected_template`'s: without the
    format version (always written), infrac's own description where the input had none, and
    the ``Stage`` parameter (the stage)."""
    document = {k: v for k, v in built.items() if k in SECTIONS or k == "Resources"}
    if "Description" not in expected:
        document.pop("Description", None)
    parameters = dict(document.get("Parameters") or {})
    if "Stage" in parameters and "Stage" not in (expected.get("Parameters") or {}):
        del parameters["Stage"]
    if parameters:
        document["Parameters"] = parameters
    else:
        document.pop("Parameters", None)
    return strict(document) if kind == "cloudformation" else normalise(document, stage, region)


def strict(value: Any) -> Any:
    """The normal form of a CloudFormation template, which changes only what YAML and the
    short forms leave open: ``Fn::GetAtt: A.B`` is ``[A, B]``, a one-name ``DependsOn`` or
    ``Transform`` is a list, empty ``Properties`` are none; numbers compare by value, keys
    without order."""
    if isinstance(value, list):
        return [strict(v) for v in value]
    if isinstance(value, Decimal):  # a number as the template spelt it, compared by value
        return int(value) if value == value.to_integral_value() else float(value)
    if not isinstance(value, dict):
        return value
    if set(value) == {"Fn::GetAtt"} and isinstance(value["Fn::GetAtt"], str) and "." in value["Fn::GetAtt"]:
        return {"Fn::GetAtt": value["Fn::GetAtt"].split(".", 1)}
    out = {k: strict(v) for k, v in value.items()}
    if "Type" in out and isinstance(out.get("DependsOn"), str):
        out["DependsOn"] = [out["DependsOn"]]
    if "Type" in out and out.get("Properties") == {}:
        del out["Properties"]
    if isinstance(out.get("Transform"), str) and "Resources" in out:
        out["Transform"] = [out["Transform"]]
    return out


def _is_stage(template: Template) -> bool:
    from infrac.tools.migrate.importer.values import stage_parameter

    return stage_parameter(template) is not None


def _with_stage(value: Any, stage: str) -> Any:
    if isinstance(value, dict):
        if value == {"Ref": "Stage"}:
            return stage
        if set(value) == {"Fn::Sub"}:
            arg = value["Fn::Sub"]
            if isinstance(arg, str):
                return {"Fn::Sub": arg.replace("${Stage}", stage)}
            if isinstance(arg, list) and len(arg) == 2 and isinstance(arg[0], str):
                return {"Fn::Sub": [arg[0].replace("${Stage}", stage), _with_stage(arg[1], stage)]}
        return {k: _with_stage(v, stage) for k, v in value.items()}
    if isinstance(value, list):
        return [_with_stage(v, stage) for v in value]
    return value


def built_resources(templates: dict[str, dict], stage: str, region: str, by_stack: bool = False) -> dict:
    """Every resource of built templates (stack -> template), imports replaced by the
    values they carry, normalised; keyed by logical ID, or by ``(stack, logical ID)``."""
    exports = {
        output["Export"]["Name"]: output["Value"]
        for template in templates.values()
        for output in (template.get("Outputs") or {}).values()
        if isinstance(output.get("Export", {}).get("Name"), str)
    }
    out: dict = {}
    for stack, template in templates.items():
        for logical_id, resource in (template.get("Resources") or {}).items():
            key = (stack, logical_id) if by_stack else logical_id
            out[key] = normalise(_without_imports(resource, exports), stage, region)
    return out


def _without_imports(value: Any, exports: dict) -> Any:
    if isinstance(value, dict):
        if set(value) == {"Fn::ImportValue"} and isinstance(value["Fn::ImportValue"], str):
            return exports.get(value["Fn::ImportValue"], value)
        return {k: _without_imports(v, exports) for k, v in value.items()}
    if isinstance(value, list):
        return [_without_imports(v, exports) for v in value]
    return value


def normalise(value: Any, stage: str, region: str) -> Any:
    if isinstance(value, Interpolated):
        return _text(value, stage, region)
    if isinstance(value, list):
        return [normalise(v, stage, region) for v in value]
    if not isinstance(value, dict):
        return value
    if set(value) == {"Ref"} and value["Ref"] in _PSEUDO.values():
        return {"Fn::Sub": "${" + value["Ref"] + "}"}
    if set(value) == {"Fn::GetAtt"} and isinstance(value["Fn::GetAtt"], str) and "." in value["Fn::GetAtt"]:
        return {"Fn::GetAtt": value["Fn::GetAtt"].split(".", 1)}
    if set(value) == {"Fn::Sub"}:
        return _sub(value["Fn::Sub"], stage, region)
    out = {k: normalise(v, stage, region) for k, v in value.items()}
    if "Type" in out and "DependsOn" in out:
        depends = out["DependsOn"]
        out["DependsOn"] = sorted([depends] if isinstance(depends, str) else depends)
    if "Type" in out and out.get("Properties") == {}:
        del out["Properties"]
    return out


def _text(value: Interpolated, stage: str, region: str, in_sub: bool = False) -> Any:
    """A Serverless string with placeholders, as the build writes it (``in_sub``: the text
    of an ``Fn::Sub``, whose ``${...}`` are its own)."""
    sub = any(p in _PSEUDO for p in value.placeholders)
    parts = re.split(r"(\{\{|\}\}|\{[a-z_]+\})", value.text)
    text = ""
    for part in parts:
        if part in ("{{", "}}"):
            text += part[0]
        elif part.startswith("{") and part.endswith("}") and len(part) > 2:
            name = part[1:-1]
            text += {"stage": stage, "region": region}.get(name) or "\x00" + name + "\x00"
        else:
            text += part.replace("${", "${!") if sub and not in_sub else part
    if in_sub:
        return re.sub("\x00([a-z_]+)\x00", lambda m: "${" + _PSEUDO[m.group(1)] + "}", text)
    if not sub:
        return text
    return _sub(re.sub("\x00([a-z_]+)\x00", lambda m: "${" + _PSEUDO[m.group(1)] + "}", text), stage, region)


def _sub(arg: Any, stage: str, region: str) -> Any:
    if isinstance(arg, Interpolated):
        arg = _text(arg, stage, region, in_sub=True)
    if isinstance(arg, list) and len(arg) == 2 and isinstance(arg[1], dict):
        text = arg[0]
        if isinstance(text, Interpolated):
            text = _text(text, stage, region, in_sub=True)
        variables = {}
        for name, v in arg[1].items():
            v = normalise(v, stage, region)
            if isinstance(v, dict) and set(v) == {"Ref"} and isinstance(v["Ref"], str):
                text = text.replace("${" + name + "}", "${" + v["Ref"] + "}")
            elif isinstance(v, dict) and set(v) == {"Fn::GetAtt"} and isinstance(v["Fn::GetAtt"], list):
                text = text.replace("${" + name + "}", "${" + ".".join(v["Fn::GetAtt"]) + "}")
            else:
                variables[name] = v
        if variables:
            return {"Fn::Sub": [text, variables]}
        arg = text
    if isinstance(arg, str):
        if not any(not m.group(1).startswith("!") for m in _VARIABLE.finditer(arg)):
            return arg.replace("${!", "${")
        return {"Fn::Sub": arg}
    return {"Fn::Sub": normalise(arg, stage, region)}



def with_stack_name(value: Any, name: str) -> Any:
    """A normalised value with ``${AWS::StackName}`` resolved to the stack it is deployed in
    (``name``): a resource read from one stack and built into another compares by the value
    the name has, not by the placeholder."""
    if isinstance(value, list):
        return [with_stack_name(v, name) for v in value]
    if not isinstance(value, dict):
        return value
    if set(value) == {"Fn::Sub"}:
        arg = value["Fn::Sub"]
        if isinstance(arg, str):
            return _sub(arg.replace("${AWS::StackName}", name), "", "")
        if isinstance(arg, list) and len(arg) == 2 and isinstance(arg[0], str):
            return {"Fn::Sub": [arg[0].replace("${AWS::StackName}", name), with_stack_name(arg[1], name)]}
    return {k: with_stack_name(v, name) for k, v in value.items()}
