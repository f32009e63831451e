"""Parameters and conditions: every ``param(...)``, condition name, ``condition = ...`` and
``depends_on`` names something the stack declares; conditions are condition functions
that do not refer to each other in a cycle."""

from __future__ import annotations

from collections.abc import Iterator

from infrac.base.suggest import did_you_mean
from infrac.diagnostics import Diagnostic, diagnostic
from infrac.model import Call, ConditionRef, ParameterRef, Stack
from infrac.passes.state import Compilation

TYPE_CHECKING = False  # typing's own constant, without importing typing
if TYPE_CHECKING:
    from typing import Any

#: What a condition may be at its top: CloudFormation's condition functions.
CONDITION_FUNCTIONS = ("Fn::Equals", "Fn::Not", "Fn::And", "Fn::Or")


def _nodes(value: Any) -> Iterator[Any]:
    if isinstance(value, (ParameterRef, ConditionRef)):
        yield value
    elif isinstance(value, Call):
        yield value
        for arg in value.args:
            yield from _nodes(arg)
    elif isinstance(value, dict):
        for v in value.values():
            yield from _nodes(v)
    elif isinstance(value, (list, tuple)):
        for v in value:
            yield from _nodes(v)


def check(state: Compilation) -> tuple[Compilation, list[Diagnostic]]:
    found: list[Diagnostic] = []
    for stack in state.program.stacks:
        found.extend(_stack(stack))
    return state, found


def _stack(stack: Stack) -> list[Diagnostic]:
    found: list[Diagnostic] = []
    parameters = {p.name for p in stack.parameters}
    conditions = set(stack.conditions)
    values: list[Any] = [stack.environment, stack.values, stack.conditions]
    for parameter in stack.parameters:
        values.append((parameter.default, parameter.allowed))
    for resource in stack.resources:
        values.append(resource.values)
        values.extend(block.values for blocks in resource.blocks.values() for block in blocks)
    for node in _nodes(values):
        if isinstance(node, ParameterRef) and node.name not in parameters:
            found.append(diagnostic(
                "E0410", f"unknown parameter `{node.name}` in stack `{stack.name}`", node.span,
                label="not a parameter of this stack",
                hint=did_you_mean(node.name, parameters) or f'declare it: `parameter {node.name} {{ type = string }}`',
            ))
        elif isinstance(node, ConditionRef) and node.name not in conditions:
            found.append(_unknown_condition(node.name, node.span, stack))
    for name, value in stack.conditions.items():
        if not (isinstance(value, Call) and value.function in CONDITION_FUNCTIONS):
            span = getattr(value, "span", None) or stack.span
            found.append(diagnostic(
                "E0322", f"condition `{name}` is not a condition function", span,
                label="expected `equals`, `not`, `and` or `or`",
                hint='for example `{ IsProd: equals(param(Env), "prod") }`',
            ))
    found.extend(_cycles(stack))
    names = {r.name for r in stack.resources}
    for resource in stack.resources:
        condition = resource.values.get("condition")
        if condition is not None and condition not in conditions:
            found.append(_unknown_condition(condition, resource.value_spans.get("condition"), stack))
        for other in resource.values.get("depends_on") or ():
            if other not in names:
                found.append(diagnostic(
                    "E0402", f"unknown resource `{other}` in stack `{stack.name}`",
                    resource.value_spans.get("depends_on"), label="`depends_on` names resources of the same stack",
                    hint=did_you_mean(other, names),
                ))
            elif other == resource.name:
                found.append(diagnostic(
                    "E0412", f"`{resource.name}` depends on itself", resource.value_spans.get("depends_on"),
                    label="a resource cannot wait for itself",
                ))
    return found


def _unknown_condition(name: str, span, stack: Stack) -> Diagnostic:
    return diagnostic(
        "E0411", f"unknown condition `{name}` in stack `{stack.name}`", span,
        label="not a condition of this stack",
        hint=did_you_mean(name, stack.conditions)
        or f'declare it in the stack: `conditions = {{ {name}: equals(param(Env), "prod") }}`',
    )


def _cycles(stack: Stack) -> list[Diagnostic]:
    """Conditions that refer to themselves through others."""
    refers = {
        name: [n.name for n in _nodes(value) if isinstance(n, ConditionRef) and n.name in stack.conditions]
        for name, value in stack.conditions.items()
    }
    found: list[Diagnostic] = []
    state: dict[str, int] = {}
    for name in stack.conditions:
        if name not in state:
            _visit(name, [name], stack, refers, state, found)
    return found


def _visit(name: str, path: list[str], stack: Stack, refers: dict, state: dict[str, int], found: list) -> None:
    """:func:`_cycles`' walk from one condition. A function of its own, not a closure: a
    recursive closure is a reference cycle (the function and its cell), which would keep the
    stack alive until the cyclic collector runs, and builds run without it."""
    state[name] = 1
    for other in refers[name]:
        if state.get(other) == 1:
            cycle = path[path.index(other):] + [other] if other in path else [name, other]
            span = getattr(stack.conditions[name], "span", None) or stack.span
            found.append(diagnostic(
                "E0412", "conditions refer to each other in a cycle: " + " -> ".join(cycle), span,
                label="part of the cycle", hint="a condition cannot depend on itself",
            ))
        elif other not in state:
            _visit(other, path + [other], stack, refers, state, found)
    state[name] = 2
