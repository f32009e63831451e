"""References and ``uses``: every name they hold must exist, and cross-stack ones
must be exported.

``Resource.attribute`` inside a stack becomes ``stack.Resource.attribute``
with the stack filled in, so backends never guess.
"""

from __future__ import annotations

from collections.abc import Callable

from infrac.base.classes import evolve, frozen
from infrac.base.suggest import article, closest, did_you_mean
from infrac.cfn import typecheck
from infrac.diagnostics import Diagnostic, Fix, Label, Replacement, diagnostic
from infrac.model import Call, Link, Program, Reference, Resource, Stack, StrengthChoice, Template
from infrac.passes.settings import weak_reference_warning
from infrac.passes.state import Compilation
from infrac.vocabulary import KINDS
from infrac.vocabulary.kinds import not_exported

TYPE_CHECKING = False  # typing's own constant, without importing typing
if TYPE_CHECKING:
    from typing import Any


def map_references(value: Any, function: Callable[[Reference | Link], Reference | Link]) -> Any:
    """``value`` with every :class:`Reference` and :class:`Link` inside it replaced by ``function(it)``."""
    if isinstance(value, (Reference, Link)):
        return function(value)
    if isinstance(value, dict):
        return {k: map_references(v, function) for k, v in value.items()}
    if isinstance(value, tuple):
        return tuple(map_references(v, function) for v in value)
    if isinstance(value, Call):
        return evolve(value, args=map_references(value.args, function))
    if isinstance(value, Template) and any(isinstance(part, Reference) for part in value.parts):
        return evolve(value, parts=tuple(function(p) if isinstance(p, Reference) else p for p in value.parts))
    return value


@frozen
class _Scope:
    program: Program
    declared: dict[str, frozenset[str]]

    def target(self, stack_name: str, resource_name: str) -> Resource | None:
        stack = self.program.stack(stack_name)
        return stack.resource(resource_name) if stack else None


def resolve(state: Compilation) -> tuple[Compilation, list[Diagnostic]]:
    scope = _Scope(state.program, state.declared)
    found: list[Diagnostic] = []
    stacks = []
    for stack in state.program.stacks:
        resources = []
        for resource in stack.resources:

            def fill(ref: Reference | Link, _stack: Stack = stack) -> Reference | Link:
                if isinstance(ref, Link):
                    return _link(ref, _stack, scope, found)
                return _reference(ref, _stack, scope, found)

            blocks = {
                keyword: tuple(evolve(b, values=map_references(dict(b.values), fill)) for b in blocks)
                for keyword, blocks in resource.blocks.items()
            }
            resources.append(
                evolve(resource, values=map_references(dict(resource.values), fill), blocks=blocks)
            )
        for use in stack.uses:
            found.extend(_use(use, stack, scope))
        for choice in stack.strengths:
            found.extend(_strength(choice, stack, scope))

        def fill_environment(ref: Reference | Link, _stack: Stack = stack) -> Reference | Link:
            if isinstance(ref, Link):  # get_att(Resource, ...)
                return _link(ref, _stack, scope, found)
            return _reference(ref, _stack, scope, found)

        conditions = map_references(dict(stack.conditions), fill_environment)
        outputs = tuple(
            evolve(o, value=map_references(o.value, fill_environment), export=map_references(o.export, fill_environment))
            for o in stack.outputs
        )
        metadata = map_references(stack.metadata, fill_environment) if stack.metadata else stack.metadata
        environment = map_references(dict(stack.environment), fill_environment)
        values = map_references(dict(stack.values), fill_environment)
        stacks.append(evolve(
            stack, resources=tuple(resources), environment=environment, values=values, conditions=conditions,
            outputs=outputs, metadata=metadata,
        ))
    program = evolve(state.program, stacks=tuple(stacks))
    return evolve(state, program=program), found


def _find(
    stack_name: str, resource_name: str, stack_span, resource_span, scope: _Scope
) -> tuple[bool, list[Diagnostic]]:
    """Whether ``stack_name.resource_name`` is declared, with the diagnostics if not."""
    if stack_name not in scope.declared:
        return False, [
            diagnostic(
                "E0401",
                f"unknown stack `{stack_name}`",
                stack_span,
                label="no stack of this name",
                hint=did_you_mean(stack_name, scope.declared),
                fix=_rename(stack_span, stack_name, scope.declared),
            )
        ]
    names = scope.declared[stack_name]
    if resource_name not in names:
        return False, [
            diagnostic(
                "E0402",
                f"unknown resource `{resource_name}` in stack `{stack_name}`",
                resource_span,
                label=f"not declared in stack `{stack_name}`",
                hint=did_you_mean(resource_name, names),
                fix=_rename(resource_span, resource_name, names),
            )
        ]
    return True, []


def _rename(span, name: str, candidates) -> Fix | None:
    """The fix for a misspelled name: the closest declared one, written in its place."""
    match = closest(name, candidates)
    if match is None or span is None or span.length != len(name):
        return None
    return Fix(f"replace `{name}` by `{match}`", (Replacement(span, match),))


def _reference(ref: Reference, stack: Stack, scope: _Scope, found: list[Diagnostic]) -> Reference:
    stack_name = ref.stack or stack.name
    ref = evolve(ref, stack=stack_name)
    exists, diagnostics = _find(stack_name, ref.resource, ref.part_span("stack"), ref.part_span("resource"), scope)
    found.extend(diagnostics)
    target = scope.target(stack_name, ref.resource) if exists else None
    if target is None:  # unknown (reported above) or declared with errors (reported already)
        return ref
    kind = KINDS[target.kind]
    typed = typecheck.attribute_problem(target.values["type"], ref.attribute, ref.part_span("attribute")) if (
        kind.cfn_type is None and kind.attribute(ref.attribute) is not None
    ) else None
    if typed is not None:
        found.append(typed)
    elif kind.attribute(ref.attribute) is None:
        found.append(
            diagnostic(
                "E0403",
                f"{target.kind} `{target.name}` has no attribute `{ref.attribute}`",
                ref.part_span("attribute"),
                label="unknown attribute",
                hint=kind.attribute_hint(ref.attribute),
            )
        )
    elif kind.attribute(ref.attribute).missing and kind.attribute(ref.attribute).missing(target):
        reason = kind.attribute(ref.attribute).missing(target)
        found.append(
            diagnostic(
                "E0403",
                f"{target.kind} `{target.name}` has no `{ref.attribute}`: {reason}",
                ref.part_span("attribute"),
                label=reason,
            )
        )
    elif stack_name != stack.name and ref.attribute not in target.exports:
        found.append(not_exported(target, stack_name, ref.attribute, stack.name, ref.span))
    return ref


def _link(link: Link, stack: Stack, scope: _Scope, found: list[Diagnostic]) -> Link:
    stack_name = link.stack or stack.name
    link = evolve(link, stack=stack_name)
    exists, diagnostics = _find(stack_name, link.resource, link.span, link.span, scope)
    found.extend(diagnostics)
    target = scope.target(stack_name, link.resource) if exists else None
    if target is not None and link.kinds and target.kind not in link.kinds:
        expected = " or ".join(f"{article(k)} `{k}`" for k in link.kinds)
        found.append(
            diagnostic(
                "E0406",
                f"`{link.resource}` is {article(target.kind)} `{target.kind}`, not {expected}",
                link.span,
                label=f"expected {expected}",
                labels=[Label(target.name_span, "declared here")] if target.name_span else [],
            )
        )
    elif target is not None and stack_name != stack.name:
        found.extend(
            not_exported(target, stack_name, attribute, stack.name, link.span)
            for attribute in link.needs
            if attribute not in target.exports
        )
    return link


def _strength(choice: StrengthChoice, stack: Stack, scope: _Scope) -> list[Diagnostic]:
    """A ``reference`` block names another stack's resource (and attribute); ``weak`` is warned about."""
    spans = dict(zip(("stack", "resource", "attribute"), choice.part_spans))
    if choice.stack == stack.name:
        return [
            diagnostic(
                "E0420",
                f"`reference` names a resource of its own stack `{stack.name}`",
                spans.get("stack", choice.span),
                label="the stack this block is in",
                hint="inside a stack, `Resource.attribute` is a plain `Ref`/`Fn::GetAtt`: it has no strength",
            )
        ]
    exists, found = _find(choice.stack, choice.resource, spans.get("stack"), spans.get("resource"), scope)
    target = scope.target(choice.stack, choice.resource) if exists else None
    if target is None:
        return found
    if choice.attribute is not None and KINDS[target.kind].attribute(choice.attribute) is None:
        return [
            diagnostic(
                "E0403",
                f"{target.kind} `{target.name}` has no attribute `{choice.attribute}`",
                spans.get("attribute", choice.span),
                label="unknown attribute",
                hint=KINDS[target.kind].attribute_hint(choice.attribute),
            )
        ]
    if choice.strength == "weak":
        what = f"`{choice.stack}.{choice.resource}" + (f".{choice.attribute}`" if choice.attribute else "`")
        return [weak_reference_warning(choice.span, f"every reference of stack `{stack.name}` to {what}")]
    return []


def _use(use, stack: Stack, scope: _Scope) -> list[Diagnostic]:
    stack_span, resource_span = (use.part_spans + (use.span, use.span))[:2]
    if use.stack == stack.name:
        return [
            diagnostic(
                "E0405",
                f"`uses` names a resource of its own stack `{stack.name}`",
                stack_span,
                label="the stack this statement is in",
                hint="`uses` imports from another stack; inside a stack, refer to `Resource.attribute`",
            )
        ]
    exists, diagnostics = _find(use.stack, use.resource, stack_span, resource_span, scope)
    target = scope.target(use.stack, use.resource) if exists else None
    if target is None:
        return diagnostics
    access = KINDS[target.kind].access
    levels = access.levels if access else ()
    if access is not None:
        # The attributes the IAM statements name must travel as exports.
        needed: list[str] = []
        access.resources(target, lambda attribute: needed.append(attribute))
        diagnostics.extend(
            not_exported(target, use.stack, attribute, stack.name, resource_span)
            for attribute in dict.fromkeys(needed)
            if attribute not in target.exports
        )
    for level, span in zip(use.access, use.access_spans or (use.span,) * len(use.access)):
        if level not in levels:
            diagnostics.append(
                diagnostic(
                    "E0302",
                    f"unknown access `{level}` for {target.kind} `{target.name}`",
                    span,
                    label="not an access level of this resource",
                    hint=did_you_mean(level, levels)
                    or (
                        "access levels: " + ", ".join(f"`{l}`" for l in levels)
                        if levels
                        else f"{article(target.kind)} `{target.kind}` resource has no access levels"
                    ),
                )
            )
    return diagnostics
