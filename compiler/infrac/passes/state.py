"""What the passes hand to each other."""

from __future__ import annotations

from infrac.base.classes import field, frozen
from infrac.base.source import Span
from infrac.model import Program, Settings
from infrac.syntax import ir

TYPE_CHECKING = False  # typing's own constant, without importing typing
if TYPE_CHECKING:
    from typing import Any


@frozen
class StackDeclaration:
    """A stack's statements, gathered from every file that declares part of it."""

    name: str
    span: Span | None
    attributes: tuple[ir.Attribute, ...]
    resources: tuple[ir.Block, ...]
    uses: tuple[ir.Uses, ...]


@frozen
class Compilation:
    modules: tuple[ir.Module, ...]
    project: ir.Project | None = None
    stacks: tuple[StackDeclaration, ...] = ()
    settings: Settings | None = None
    #: The checked program; resources with errors are left out of it (their names
    #: stay in ``declared`` so that references to them add no further errors).
    program: Program | None = None
    declared: dict[str, frozenset[str]] = field(factory=dict)
    #: What ``infrac build`` will write: ``(target, BuildOptions)``, for the passes that measure the
    #: emitted files (budgets); None for ``infrac check``, which measures the default build.
    build: tuple[str, Any] | None = None
