"""Where each imported resource goes: a stack per template, or the dedicated stacks of a split
(``--split-by type``, ``--map``); and what stays in a consumer's own service file, the
resources that refer to what the framework generates.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from infrac.base import classes
from infrac.base.classes import frozen
from infrac.cfn import limits
from infrac.tools.migrate.source.model import Interpolated, Template
from infrac.tools.migrate.source.model import Resource as SourceResource

TYPE_CHECKING = False  # typing's own constant, without importing typing
if TYPE_CHECKING:
    from typing import Any


@frozen
class Placement:
    """Where a template's resources go: ``stacks`` maps a resource type to a stack (the
    dedicated stacks of a split); resources of other types stay in ``default`` (the template's
    own stack, or, for a service with functions, the service file itself)."""

    stacks: Mapping[str, str] = classes.field(factory=dict)

    def stack_of(self, resource: SourceResource, template: Template) -> str | None:
        if resource.type in self.stacks:
            return self.stacks[resource.type]
        for prefix, stack in self.stacks.items():
            if prefix.endswith("::*") and resource.type.startswith(prefix[:-1]):
                return stack
        return None


#: ``--split-by type``: the project's dedicated infrastructure services.
SPLIT_BY_TYPE = Placement(
    {
        "AWS::DynamoDB::Table": "infrastructure-dynamodb",
        "AWS::SQS::Queue": "infrastructure-sqs",
        "AWS::SQS::QueuePolicy": "infrastructure-sqs",
        "AWS::S3::Bucket": "infrastructure-s3",
        "AWS::S3::BucketPolicy": "infrastructure-s3",
        "AWS::Events::EventBus": "infrastructure-eventbridge",
        "AWS::Events::Rule": "infrastructure-eventbridge",
        "AWS::Events::*": "infrastructure-eventbridge",
        "AWS::Cognito::*": "infrastructure-cognito",
    }
)


def stack_name(template: Template) -> str:
    """A template's own stack: its service's name, or its file's name."""
    name = template.service or re.sub(r"\.(ya?ml|json|template)$", "", template.file.rsplit("/", 1)[-1])
    name = re.sub(r"[^A-Za-z0-9-]+", "-", name).strip("-") or "imported"
    if not limits.STACK_NAME.fullmatch(name):
        name = ("stack-" + name)[:128].rstrip("-")
    return name if limits.STACK_NAME.fullmatch(name) else "imported"


def is_consumer(template: Template) -> bool:
    """A service with functions: its own file stays, and takes the moved resources by imports."""
    document = template.document
    return isinstance(document, dict) and bool(document.get("functions"))


def _references(value: Any) -> set[str]:
    """Logical IDs a value refers to (``Ref``, ``Fn::GetAtt``, ``${X}`` in ``Fn::Sub``)."""
    found: set[str] = set()
    if isinstance(value, dict):
        if set(value) == {"Ref"} and isinstance(value["Ref"], str):
            found.add(value["Ref"])
        elif set(value) == {"Fn::GetAtt"} and isinstance(value["Fn::GetAtt"], list) and value["Fn::GetAtt"]:
            found.add(str(value["Fn::GetAtt"][0]))
        elif set(value) == {"Fn::Sub"}:
            arg = value["Fn::Sub"]
            text = arg[0] if isinstance(arg, list) and arg else arg
            text = text.text if isinstance(text, Interpolated) else text
            variables = arg[1] if isinstance(arg, list) and len(arg) > 1 and isinstance(arg[1], dict) else {}
            if isinstance(text, str):
                found |= {m.group(1).strip("{}").split(".")[0] for m in re.finditer(r"\$\{+([^}!][^}]*)\}", text)}
                found -= set(variables)  # a variable of the map is no resource, whatever its name
            if isinstance(arg, list) and len(arg) > 1:
                found |= _references(arg[1])
        else:
            for v in value.values():
                found |= _references(v)
    elif isinstance(value, list):
        for v in value:
            found |= _references(v)
    return found


def staying(template: Template, split: bool = True) -> dict[str, str]:
    """A service's resources that refer to what the framework generates (the API, a
    function's role), directly or through each other: they stay in the service file.
    Logical ID -> the outside name it refers to."""
    if not is_consumer(template) or not split:
        return {}
    known = {r.logical_id for r in template.resources} | {p.name for p in template.parameters}
    stays: dict[str, str] = {}
    changed = True
    while changed:
        changed = False
        for resource in template.resources:
            if resource.logical_id in stays:
                continue
            refs = _references(resource.properties) | set(resource.depends_on)
            outside = sorted(r for r in refs if (r not in known and not r.startswith("AWS::")) or r in stays)
            if outside:
                stays[resource.logical_id] = outside[0]
                changed = True
    return stays


def place(templates: Sequence[Template], placement: Placement | None) -> dict[tuple[int, str], str | None]:
    """Each resource's stack; None for what stays in a consumer's own service file."""
    where: dict[tuple[int, str], str | None] = {}
    for i, template in enumerate(templates):
        own = stack_name(template)
        stays = staying(template, placement is not None)
        for resource in template.resources:
            if resource.logical_id in stays:
                where[(i, resource.logical_id)] = None
                continue
            stack = placement.stack_of(resource, template) if placement else None
            if (
                placement is not None
                and resource.type == "AWS::SQS::QueuePolicy"
                and "AWS::Events::Rule" in placement.stacks
                and any(
                    (r := template.resource(x)) is not None and r.type == "AWS::Events::Rule"
                    for x in _references(resource.properties)
                )
            ):
                # the policy that lets rules send: beside the rules, or the two stacks would
                # import from each other (the rules target the queues)
                stack = placement.stacks["AWS::Events::Rule"]
            if stack is None:
                stack = None if placement is not None and is_consumer(template) else own
            where[(i, resource.logical_id)] = stack
    return where
