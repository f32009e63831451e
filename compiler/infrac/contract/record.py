"""The replacement record of a stack: for each resource, its type, the source resource
that declares it, and the values of the properties whose change makes CloudFormation
replace it (AWS's schemas' ``createOnlyProperties`` and ``conditionalCreateOnlyProperties``).

The linker keeps it while it renders a program for a build (:mod:`infrac.contract.linker`);
:mod:`infrac.contract.replacement` compares it with the last build's and ``infrac build``
writes it into ``infra.lock``. Pure.
"""

from __future__ import annotations

from infrac.cfn.schemas import schema
from infrac.model import Program, Resource, Stack
from infrac.vocabulary import KINDS

TYPE_CHECKING = False  # typing's own constant, without importing typing
if TYPE_CHECKING:
    from typing import Any


def keep_record(program: Program, stack: Stack, documents: dict[str, Any]) -> None:
    """Keep the record of one stack from its rendering (the linker's, while it renders a
    program compiled to be built), for :func:`infrac.contract.replacement.record`."""
    program.memo[("replacement.stack", stack.name)] = stack_record(stack, documents)


def kept_record(program: Program, stack: Stack) -> dict[str, dict[str, Any]] | None:
    """The record :func:`keep_record` kept of the stack, taken out of the program's memo; None if none was."""
    return program.memo.pop(("replacement.stack", stack.name), None)


def stack_record(stack: Stack, documents: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The record of one stack, from its resources as rendered with ``{stage}`` symbolic."""
    owners = owners_of(stack)
    entries = {}
    for logical_id, document in documents.items():
        type_name = document["Type"]
        entry: dict[str, Any] = {"type": type_name}
        if logical_id in owners:
            entry["resource"] = owners[logical_id].name
        values = replacing(type_name, document.get("Properties") or {})
        if values:
            entry["replacing"] = values
        entries[logical_id] = entry
    return entries


def owners_of(stack: Stack) -> dict[str, Resource]:
    owners = {}
    for resource in stack.resources:
        owners[resource.logical_id] = resource
        for logical_id in KINDS[resource.kind].companions(resource):
            owners[logical_id] = resource
    return owners


def replacing(type_name: str, properties: dict[str, Any]) -> dict[str, Any]:
    """The values of a resource's replacing properties (those set), by their schema path."""
    resource = schema(type_name)
    if resource is None:
        return {}
    values = {}
    for path in (*resource.create_only, *resource.conditional_create_only):
        value = _at(properties, path)
        if value is not None:
            values[path] = value
    return values


def _at(properties: dict[str, Any], path: str) -> Any:
    node: Any = properties
    for part in path.split("/"):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node
