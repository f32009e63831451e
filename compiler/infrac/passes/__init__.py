"""The passes, in the order they run.

Each pass is a pure function ``Compilation -> (Compilation, diagnostics)``: it
reads what earlier passes made and adds its own part. None prints, reads or
writes files. Read ``PASSES`` top to bottom to know what ``infrac check`` does.

Layer 9 of 12 (tests/test_layers.py holds the order). May import: base, diagnostics, model,
syntax, cfn, vocabulary, backends, contract.
"""

from __future__ import annotations

from collections.abc import Sequence

from infrac.base.classes import frozen
from infrac.diagnostics import Diagnostic, has_errors
from infrac.model import Program, Settings
from infrac.passes import (
    aws_rules,
    budgets,
    conditions,
    exports,
    graph,
    linkage,
    references,
    resources,
    schemas,
    secrets,
    settings,
    structure,
)
from infrac.passes.state import Compilation
from infrac.syntax import ir

TYPE_CHECKING = False  # typing's own constant, without importing typing
if TYPE_CHECKING:
    from typing import Any

PASSES = (
    structure.collect,  # files -> one declaration per stack (a stack may span files)
    settings.check,  # the project block -> Settings
    resources.check,  # resource blocks -> typed resources, by the vocabulary
    schemas.check,  # generic resources against AWS's resource provider schemas
    references.resolve,  # stack.Resource.attribute and `uses` -> checked links
    conditions.check,  # param(...), condition names, depends_on: declared; no cycles
    graph.check,  # which stack imports from which: deploy waves, no cycles
    exports.check,  # export names from the project's pattern: legal and unique
    aws_rules.check,  # what AWS would refuse at deploy time
    secrets.check,  # secrets never exported, never in an environment, never written in clear
)

#: Passes that read the stacks as the backends render them; they run only on a
#: program without errors, whose every reference resolves.
RENDERED_PASSES = (
    linkage.check,  # exports as the templates publish them: retired ones still imported
    budgets.check,  # CloudFormation's quotas per template: resources, outputs, parameters, bytes
)


@frozen
class Result:
    program: Program | None
    diagnostics: tuple[Diagnostic, ...]
    #: the project's settings, also when the program has errors (for its rule levels)
    settings: Settings | None = None
    #: the findings that suppression comments silenced, each with its comment
    #: (``(Diagnostic, Suppression)``): SARIF reports them as suppressed
    silenced: tuple = ()

    @property
    def ok(self) -> bool:
        return self.program is not None and not has_errors(self.diagnostics)


def run(modules: Sequence[ir.Module], *, build: tuple[str, Any] | None = None) -> Result:
    """Run every pass over parsed modules (given in a stable order, e.g. by path);
    ``build`` is ``(target, BuildOptions)`` when the program is compiled to be written."""
    state = Compilation(modules=tuple(modules), build=build)
    found: list[Diagnostic] = []
    for step in PASSES:
        state, diagnostics = step(state)
        found.extend(diagnostics)
    if not has_errors(found):
        for step in RENDERED_PASSES:
            state, diagnostics = step(state)
            found.extend(diagnostics)
    return Result(state.program, tuple(found), state.settings)


__all__ = ["PASSES", "RENDERED_PASSES", "Compilation", "Result", "run"]
