"""What AWS would refuse at deploy time, checked now: each kind's own rules."""

from __future__ import annotations

from infrac.diagnostics import Diagnostic
from infrac.passes.state import Compilation
from infrac.vocabulary import KINDS
from infrac.vocabulary.kinds import RuleContext


def check(state: Compilation) -> tuple[Compilation, list[Diagnostic]]:
    found: list[Diagnostic] = []
    for stack in state.program.stacks:
        context = RuleContext(state.settings, stack)
        for resource in stack.resources:
            found.extend(KINDS[resource.kind].rules(resource, context))
    return state, found
