"""What the simulator reads in a template: its shape, the references between its resources and
the order they are created in, a value that depends on the stack's name, and what an update
of a resource's properties does (:mod:`infrac.cfn.updates`: in place, replaced, or refused).
"""

from __future__ import annotations

import json
import re

from infrac.cfn import updates
from infrac.tools.migrate.simulator.model import STACK_DEPENDENT, Refused

TYPE_CHECKING = False  # typing's own constant, without importing typing
if TYPE_CHECKING:
    from typing import Any


def check_template(template: dict[str, Any]) -> None:
    if not isinstance(template, dict) or not isinstance(template.get("Resources"), dict):
        raise Refused("Template format error: a template needs a Resources section")
    for logical_id, resource in template["Resources"].items():
        if not re.fullmatch(r"[A-Za-z0-9]{1,255}", logical_id):
            raise Refused(f"Template format error: {logical_id!r} is not a valid logical ID")
        if not isinstance(resource, dict) or "Type" not in resource:
            raise Refused(f"Template format error: {logical_id} has no Type")


def comparable(resource: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in resource.items() if k != "Metadata"}


def uses_stack_name(value: Any) -> bool:
    text = json.dumps(value)
    return any(f'"Ref": "{p}"' in text or "${" + p + "}" in text for p in STACK_DEPENDENT)


def update_changes(kind: str, before: dict[str, Any], after: dict[str, Any]) -> list[updates.Change]:
    """The documented rules an update from ``before`` to ``after`` meets: replacements and refusals."""
    return updates.changes(kind, before, after)


def references_of(value: Any) -> set[str]:
    """The logical IDs (and parameters) a template value refers to."""
    found: set[str] = set()
    if isinstance(value, dict):
        if set(value) == {"Ref"} and isinstance(value["Ref"], str):
            found.add(value["Ref"])
        elif set(value) == {"Fn::GetAtt"}:
            target = value["Fn::GetAtt"]
            found.add(target[0] if isinstance(target, list) else str(target).split(".", 1)[0])
        elif set(value) == {"Fn::Sub"}:
            text = value["Fn::Sub"] if isinstance(value["Fn::Sub"], str) else value["Fn::Sub"][0]
            names = value["Fn::Sub"][1] if isinstance(value["Fn::Sub"], list) else {}
            for name in re.findall(r"\$\{([^!}][^}]*)\}", text):
                if name.split(".", 1)[0] not in names:
                    found.add(name.split(".", 1)[0])
            found |= references_of(names)
        else:
            for item in value.values():
                found |= references_of(item)
    elif isinstance(value, list):
        for item in value:
            found |= references_of(item)
    return found


def creation_order(template: dict[str, Any]) -> list[str]:
    """Logical IDs in an order where each comes after what it refers to."""
    resources = template["Resources"]
    needs = {}
    for logical_id, resource in resources.items():
        depends = resource.get("DependsOn", [])
        depends = [depends] if isinstance(depends, str) else list(depends)
        needs[logical_id] = {r for r in references_of(resource.get("Properties", {})) | set(depends) if r in resources}
    ordered: list[str] = []
    done: set[str] = set()
    while len(ordered) < len(resources):
        ready = sorted(k for k in resources if k not in done and needs[k] <= done)
        if not ready:
            raise Refused(f"Circular dependency between resources: {sorted(set(resources) - done)}")
        ordered += ready
        done |= set(ready)
    return ordered
