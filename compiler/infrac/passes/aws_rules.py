"""What AWS would refuse at deploy time, checked now: each kind's own rules."""

from __future__ import annotations

from infrac.diagnostics import Diagnostic, diagnostic
from infrac.model import Resource
from infrac.passes.state import Compilation
from infrac.vocabulary import KINDS
from infrac.vocabulary.kinds import RuleContext


def check(state: Compilation) -> tuple[Compilation, list[Diagnostic]]:
    found: list[Diagnostic] = []
    for stack in state.program.stacks:
        context = RuleContext(state.settings, stack, state.program)
        for resource in stack.resources:
            found.extend(KINDS[resource.kind].rules(resource, context))
            found.extend(_missing_exports(resource))
            found.extend(_protection(resource))
    return state, found


def _missing_exports(resource: Resource) -> list[Diagnostic]:
    """An exported attribute that this resource does not have (a table without a stream)."""
    found = []
    kind = KINDS[resource.kind]
    for attribute in resource.exports:
        spec = kind.attribute(attribute)
        reason = spec.missing(resource) if spec.missing else None
        if reason:
            found.append(
                diagnostic(
                    "E0501",
                    f"{resource.kind} `{resource.name}` has no `{attribute}` to export: {reason}",
                    resource.export_spans.get(attribute, resource.name_span),
                    label=reason,
                    hint=f"stop exporting `{attribute}`, or change the {resource.kind} so that it has one",
                )
            )
    return found


def _protection(resource: Resource) -> list[Diagnostic]:
    """A resource kept on deletion but not on replacement loses its data all the same
    when an update replaces it."""
    kept = resource.values.get("deletion_policy") in ("Retain", "Snapshot")
    if not kept or resource.values.get("update_replace_policy"):
        return []
    policy = resource.values["deletion_policy"].lower()
    return [
        diagnostic(
            "W0601",
            f"`{resource.name}` is kept when deleted but not when replaced",
            resource.name_span,
            label=f"deletion_policy = {policy}, no update_replace_policy",
            hint=f"add `update_replace_policy = {policy}`",
        )
    ]
