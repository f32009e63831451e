"""What AWS would refuse at deploy time, checked now: each kind's own rules."""

from __future__ import annotations

from infrac.diagnostics import Diagnostic, Label, diagnostic
from infrac.model import Program, Resource, Stack
from infrac.passes.state import Compilation
from infrac.vocabulary import DERIVED, KINDS
from infrac.vocabulary.kinds import RuleContext


def check(state: Compilation) -> tuple[Compilation, list[Diagnostic]]:
    found: list[Diagnostic] = []
    for stack in state.program.stacks:
        found.extend(_logical_ids(state.program, stack))
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


def _logical_ids(program: Program, stack: Stack) -> list[Diagnostic]:
    """The resources a block makes besides itself (a dead-letter queue, a bucket policy)
    and those derived for the stack need logical IDs that no other resource has."""
    owners: dict[str, Resource] = {resource.logical_id: resource for resource in stack.resources}
    found = []
    for resource in stack.resources:
        for logical_id in KINDS[resource.kind].companions(resource):
            other = owners.setdefault(logical_id, resource)
            if other is not resource:
                found.append(_taken(logical_id, resource, other, f"{resource.kind} `{resource.name}` makes"))
    for derive in DERIVED:
        for logical_id in derive(program, stack):
            if logical_id in owners:
                other = owners[logical_id]
                found.append(_taken(logical_id, other, other, "the stack's derived resources include"))
    return found


def _taken(logical_id: str, maker: Resource, other: Resource, what: str) -> Diagnostic:
    return diagnostic(
        "E0202",
        f"logical ID `{logical_id}` is used by two resources of the stack",
        other.name_span if other is not maker else maker.name_span,
        label=f"{what} a resource `{logical_id}`" if other is maker else f"`{other.name}` has this logical ID",
        labels=[Label(maker.name_span, f"{what} a resource `{logical_id}`")] if other is not maker else [],
        hint="rename one of them; CloudFormation logical IDs are unique in a template",
    )
