"""Parameters and conditions: every ``param(...)``, condition name, ``condition = ...`` and
``depends_on`` names something the stack declares; conditions are condition functions
that do not refer to each other in a cycle."""

from __future__ import annotations

from collections.abc import Iterator

from infrac.base.suggest import did_you_mean
from infrac.diagnostics import Diagnostic, diagnostic
from infrac.model import Call, ConditionRef, MappingRef, ParameterRef, Stack, Template
from infrac.passes.state import Compilation

TYPE_CHECKING = False  # typing's own constant, without importing typing
if TYPE_CHECKING:
    from typing import Any

#: What a condition may be at its top: CloudFormation's condition functions.
CONDITION_FUNCTIONS = ("Fn::Equals", "Fn::Not", "Fn::And", "Fn::Or")


def _nodes(value: Any) -> Iterator[Any]:
    if isinstance(value, (ParameterRef, ConditionRef, MappingRef)):
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
    values.extend((output.value, output.export) for output in stack.outputs)
    values.extend([stack.rules, stack.mappings, stack.metadata])
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
        elif isinstance(node, MappingRef) and node.name not in stack.mappings:
            found.append(diagnostic(
                "E0413", f"unknown mapping `{node.name}` in stack `{stack.name}`", node.span,
                label="not a key of the stack's `mappings`",
                hint=did_you_mean(node.name, stack.mappings)
                or f'declare it: `mappings = {{ {node.name}: {{ "us-east-1": {{ Key: "value" }} }} }}`',
            ))
        elif isinstance(node, Call) and node.function == "Fn::FindInMap":
            found.extend(_missing_keys(node, stack))
    for output in stack.outputs:
        if output.condition is not None and output.condition not in conditions:
            found.append(_unknown_condition(output.condition, output.span, stack))
    for name, value in stack.conditions.items():
        if not (isinstance(value, Call) and value.function in CONDITION_FUNCTIONS or isinstance(value, ConditionRef)):
            span = getattr(value, "span", None) or stack.span
            found.append(diagnostic(
                "E0322", f"condition `{name}` is not a condition function", span,
                label="expected `equals`, `not`, `and`, `or`, or another condition's name",
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


def _missing_keys(call: Call, stack: Stack) -> list[Diagnostic]:
    """``find_in_map`` with literal keys that the mapping does not hold (unless a default is given)."""
    name, first, second, *default = call.args
    mapping = stack.mappings.get(getattr(name, "name", ""))
    if mapping is None or default:
        return []
    keys = [_literal(first), _literal(second)]
    if keys[0] is not None and keys[0] not in mapping:
        missing = f"`{keys[0]}`"
    elif keys[0] is not None and keys[1] is not None and keys[1] not in mapping[keys[0]]:
        missing = f"`{keys[1]}` under `{keys[0]}`"
    else:
        return []
    return [diagnostic(
        "E0413", f"mapping `{name.name}` has no key {missing}", call.span,
        label="CloudFormation refuses the template", hint="add the key to the mapping, or correct it",
    )]


def _literal(value: Any) -> str | None:
    if isinstance(value, str):
        return value
    if isinstance(value, Template) and value.is_literal:
        return "".join(value.parts)
    return None


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
