"""The round trip's normal form: what "the same resources" means after an import.

An imported project, built for a stage, must give the resources its templates had for that
stage. The two are compared after this normalisation, which removes only differences of
form, never of meaning:

- a template's Serverless placeholders are filled in for the stage and region
  (``core-${sls:stage}-users`` is ``core-dev-users``);
- ``Ref`` of a pseudo parameter is ``Fn::Sub: ${AWS::AccountId}`` (how the build writes
  ``{account}``, ``{aws_region}``, ``{stack_name}``...);
- ``Fn::Sub`` whose text has no variable is that text (``${!x}`` is ``${x}``), and a
  variable of ``Fn::Sub`` that is a ``Ref``/``Fn::GetAtt`` is written inline
  (``${Users.Arn}``), as the importer may name it differently;
- ``Fn::GetAtt: A.B`` is ``[A, B]``; ``DependsOn`` is a sorted list; empty ``Properties``
  are no properties; key order never matters (dicts compare without it);
- across a split, ``Fn::ImportValue`` of an export is the value the export carries.
"""

from __future__ import annotations

import re

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
