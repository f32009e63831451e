"""The templates a step deploys: a stack the resources leave, with the references to them
rewritten; a stack they arrive in, with the resources as they are deployed; the project's
own template, keeping the Serverless Framework's deployment bucket.
"""

from __future__ import annotations

import copy

from infrac.tools.migrate.plan.model import FRAMEWORK_OUTPUTS, FRAMEWORK_RESOURCES
from infrac.tools.migrate.plan.planner import Planner, Where
from infrac.tools.migrate.simulator.templates import references_of

TYPE_CHECKING = False  # typing's own constant, without importing typing
if TYPE_CHECKING:
    from typing import Any


def source_template(planner: Planner, stack: str, moved: set[tuple[str, str]], placement, literal=False) -> dict:
    template = copy.deepcopy(planner.deployed[stack].template)
    resources = {}
    for logical_id, resource in template["Resources"].items():
        if (stack, logical_id) not in moved:
            planner.current = logical_id
            resources[logical_id] = planner.rewrite(resource, stack, stack, placement, literal)
    planner.current = None
    template["Resources"] = resources
    return planner.rewrite(template, stack, stack, placement, literal)


def destination_template(planner: Planner, stack: str, origin, moved, placement, with_outputs=True) -> dict:
    project = planner.new[stack]
    template: dict[str, Any] = {}
    for key in ("AWSTemplateFormatVersion", "Description"):
        if key in project:
            template[key] = project[key]
    resources = {}
    for logical_id in project["Resources"]:
        old = origin.get(Where(stack, logical_id))
        if old is not None and ((old.stack, old.logical_id) in moved or old.stack == stack):
            resources[logical_id] = planner.pure(Where(stack, logical_id), old, placement)
    if stack in planner.deployed:  # what the project drops stays until the final deploy removes it
        kept = {o.logical_id for o in origin.values() if o.stack == stack}
        for logical_id, resource in planner.deployed[stack].template["Resources"].items():
            if logical_id not in kept and logical_id not in resources:
                resources[logical_id] = planner.rewrite(copy.deepcopy(resource), stack, stack, placement)
    template["Resources"] = resources
    if with_outputs:
        outputs = _outputs_for(project, set(resources))
        if outputs:
            template["Outputs"] = outputs
    return template


def _outputs_for(template: dict[str, Any], present: set[str]) -> dict[str, Any]:
    """The project's outputs that refer only to ``present`` resources."""
    return {
        k: v for k, v in template.get("Outputs", {}).items()
        if references_of(v.get("Value")) <= present and references_of(v.get("Value"))
    }


def with_framework(planner: Planner, stack: str, template: dict[str, Any]) -> dict[str, Any]:
    """The project's template, with the deployment bucket the Serverless Framework keeps in a
    stack it deployed (deleting it would fail, or lose the framework's artifacts)."""
    deployed = planner.deployed.get(stack)
    if deployed is None:
        return template
    extra = {k: v for k, v in deployed.template["Resources"].items() if k in FRAMEWORK_RESOURCES}
    outputs = {k: v for k, v in deployed.template.get("Outputs", {}).items() if k in FRAMEWORK_OUTPUTS}
    if not extra and not outputs:
        return template
    result = copy.deepcopy(template)
    result["Resources"] = {**extra, **result["Resources"]}
    if outputs:
        result["Outputs"] = {**outputs, **result.get("Outputs", {})}
    return result
