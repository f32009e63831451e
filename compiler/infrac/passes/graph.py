"""The stack graph: which stack imports from which, and the order to deploy them.

An edge runs from an importer to each stack it takes a value from (a
reference, a link, a `uses`). Stacks deploy in waves: every stack after all the
stacks it imports from; the stacks of one wave may deploy in parallel. A cycle
can never deploy, and is an error that shows the whole path.
"""

from __future__ import annotations

from infrac.base.classes import evolve
from infrac.diagnostics import Diagnostic, Label, diagnostic
from infrac.model import Call, Link, Program, Reference, Stack
from infrac.passes.state import Compilation

TYPE_CHECKING = False  # typing's own constant, without importing typing
if TYPE_CHECKING:
    from typing import Any


def _targets(value: Any) -> list[Reference | Link]:
    if isinstance(value, (Reference, Link)):
        return [value]
    if isinstance(value, dict):
        return [t for v in value.values() for t in _targets(v)]
    if isinstance(value, (tuple, list)):
        return [t for v in value for t in _targets(v)]
    if isinstance(value, Call):
        return _targets(value.args)
    return []


def stack_dependencies(stack: Stack) -> dict[str, Any]:
    """The stacks ``stack`` imports from, each with the span of its first use."""
    found: dict[str, Any] = {}
    values = [stack.environment, stack.values, stack.conditions]
    for resource in stack.resources:
        values.append(resource.values)
        values.extend(block.values for blocks in resource.blocks.values() for block in blocks)
    for target in _targets(values):
        if target.stack and target.stack != stack.name:
            found.setdefault(target.stack, target.span)
    for use in stack.uses:
        if use.stack != stack.name:
            found.setdefault(use.stack, use.span)
    return found


def deploy_waves(dependencies: dict[str, tuple[str, ...]]) -> tuple[tuple[str, ...], ...]:
    """Waves of stacks, each after every stack it depends on; names sorted in a wave.

    >>> deploy_waves({"api": ("data", "queues"), "queues": ("data",), "data": ()})
    (('data',), ('queues',), ('api',))
    """
    # Kahn's algorithm, each stack's wave one after the latest of its dependencies': linear
    # in stacks and edges. Stacks on a cycle, and those after one, get no wave (check()
    # reports the cycle).
    missing = {name: len(set(deps) & dependencies.keys()) for name, deps in dependencies.items()}
    dependents: dict[str, list[str]] = {}
    for name, deps in dependencies.items():
        for dep in set(deps) & dependencies.keys():
            dependents.setdefault(dep, []).append(name)
    wave = {name: 0 for name, count in missing.items() if count == 0}
    ready = list(wave)
    while ready:
        name = ready.pop()
        for dependent in dependents.get(name, ()):
            wave[dependent] = max(wave.get(dependent, 0), wave[name] + 1)
            missing[dependent] -= 1
            if missing[dependent] == 0:
                ready.append(dependent)
    waves: list[list[str]] = [[] for _ in range(max(wave.values(), default=-1) + 1)]
    for name, number in wave.items():
        if missing[name] == 0:
            waves[number].append(name)
    return tuple(tuple(sorted(names)) for names in waves)


def find_cycle(dependencies: dict[str, tuple[str, ...]]) -> list[str] | None:
    """A cycle as a path ``[a, b, ..., a]``, or None."""
    state: dict[str, int] = {}  # 1 on the path, 2 done
    path: list[str] = []
    for name in sorted(dependencies):
        if name not in state:
            cycle = _visit(name, dependencies, state, path)
            if cycle:
                return cycle
    return None


def _visit(name: str, dependencies: dict[str, tuple[str, ...]], state: dict[str, int], path: list[str]) -> list[str] | None:
    """:func:`find_cycle`'s walk from one stack (a function of its own: a recursive closure
    is a reference cycle, freed only by the cyclic collector, which builds run without)."""
    state[name] = 1
    path.append(name)
    for dep in sorted(dependencies.get(name, ())):
        if state.get(dep) == 1:
            return path[path.index(dep) :] + [dep]
        if dep not in state and dep in dependencies:
            cycle = _visit(dep, dependencies, state, path)
            if cycle:
                return cycle
    path.pop()
    state[name] = 2
    return None


def check(state: Compilation) -> tuple[Compilation, list[Diagnostic]]:
    program: Program = state.program
    spans = {stack.name: stack_dependencies(stack) for stack in program.stacks}
    dependencies = {name: tuple(sorted(deps)) for name, deps in spans.items()}
    found: list[Diagnostic] = []
    cycle = find_cycle(dependencies)
    if cycle is not None:
        edges = list(zip(cycle, cycle[1:]))
        first, second = edges[0]
        found.append(
            diagnostic(
                "E0407",
                "stacks import from each other in a cycle: " + " -> ".join(cycle),
                spans[first][second],
                label=f"`{first}` imports from `{second}` here",
                labels=[
                    Label(spans[a][b], f"`{a}` imports from `{b}` here") for a, b in edges[1:] if spans[a][b]
                ],
                notes=["each stack must deploy after the stacks it imports from, so none of these can deploy first"],
                hint="move the resources that both sides need into a stack of their own",
            )
        )
    program = evolve(program, dependencies=dependencies, waves=deploy_waves(dependencies))
    return evolve(state, program=program), found
