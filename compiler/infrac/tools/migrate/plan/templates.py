"""Parts of the templates a step deploys: the project's outputs that a stack can publish with the
resources it has, and the project's own template keeping the Serverless Framework's deployment
bucket.
"""

from __future__ import annotations

import copy

from infrac.tools.migrate.plan.model import FRAMEWORK_OUTPUTS, FRAMEWORK_RESOURCES
from infrac.tools.migrate.simulator.templates import references_of

TYPE_CHECKING = False  # typing's own constant, without importing typing
if TYPE_CHECKING:
    from typing import Any


def outputs_for(template: dict[str, Any], present: set[str]) -> dict[str, Any]:
    """The project's outputs that refer only to ``present`` resources."""
    return {
        k: copy.deepcopy(v) for k, v in template.get("Outputs", {}).items()
        if references_of(v.get("Value")) <= present and references_of(v.get("Value"))
    }


def with_framework(planner, stack: str, template: dict[str, Any]) -> dict[str, Any]:
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
