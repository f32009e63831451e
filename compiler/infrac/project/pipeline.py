"""From source texts to a checked program: parse every file, then run the passes.

Pure: the caller reads the files (see :mod:`infrac.project.workspace`) and decides what
to do with the result.

>>> from infrac.base.source import SourceFile
>>> result = compile_sources([SourceFile("a.infra", "stack data { table T { key = { id: string } } }")])
>>> result.ok, [s.name for s in result.program.stacks]
(True, ['data'])
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from infrac import passes
from infrac.base.classes import frozen
from infrac.base.source import SourceFile
from infrac.contract import lockfile, replacement
from infrac.contract.linker import Linkage, link
from infrac.diagnostics import Diagnostic, has_errors
from infrac.model import Program
from infrac.passes import Result
from infrac.syntax import suppressions as rules
from infrac.syntax.parser import ParseResult, parse

TYPE_CHECKING = False  # typing's own constant, without importing typing
if TYPE_CHECKING:
    from typing import Any


def compile_sources(
    sources: Iterable[SourceFile],
    *,
    warnings_as_errors: bool = False,
    parse_file: Callable[[SourceFile], ParseResult] = parse,
    build: tuple[str, Any] | None = None,
) -> Result:
    """Parse and check a project. Files are taken in path order, so the result
    does not depend on the order they were found in. A syntax error in any file
    stops before the passes, whose findings would only echo it. The project's
    rule levels and suppression comments (:mod:`infrac.syntax.suppressions`) apply
    to what the passes found; ``warnings_as_errors`` makes every warning left an error.
    ``build`` (``(target, BuildOptions)``) is what ``infrac build`` will write, which the
    budgets measure; without it they measure the default CloudFormation build."""
    sources = sorted(sources, key=lambda s: s.path)
    modules = []
    found: list[Diagnostic] = []
    for source in sources:
        parsed = parse_file(source)
        found.extend(parsed.diagnostics)
        if parsed.module is not None:
            modules.append(parsed.module)
    if has_errors(found):
        return Result(None, tuple(found))
    result = passes.run(modules, build=build)
    levels = result.settings.warnings if result.settings is not None else {}
    silenced: list = []
    diagnostics = rules.apply(
        found + list(result.diagnostics),
        modules,
        {s.path: s for s in sources},
        levels,
        warnings_as_errors=warnings_as_errors,
        silenced=silenced,
    )
    return Result(result.program, tuple(diagnostics), result.settings, tuple(silenced))


@frozen
class Checked:
    """A project compiled and compared with its ``infra.lock``: what ``infrac check``
    reports, and what the language server shows as you type.

    ``linkage`` is there when the program has no errors; ``lock_unreadable`` says
    that a lock was given that this infrac cannot read (it is then ignored).
    """

    result: Result
    linkage: Linkage | None
    diagnostics: tuple[Diagnostic, ...]
    lock_unreadable: bool = False

    @property
    def silenced(self) -> tuple:
        """The findings that suppression comments silenced, each with its comment."""
        return self.result.silenced

    @property
    def program(self) -> Program | None:
        return self.result.program


def check_project(
    sources: Iterable[SourceFile],
    lock_text: str | None = None,
    lock_path: str = "infra.lock",
    *,
    allow_breaking: bool = False,
    warnings_as_errors: bool = False,
    parse_file: Callable[[SourceFile], ParseResult] = parse,
    build: tuple[str, Any] | None = None,
) -> Checked:
    """Compile a project and compare its exports with the lock's text (if any),
    shown as ``lock_path`` in messages. The command line and the language server
    both call this; neither adds findings of its own.

    ``parse_file`` lets a caller that compiles the same files again and again
    (the language server) reuse the parse of a file whose text did not change.
    """
    result = compile_sources(sources, warnings_as_errors=warnings_as_errors, parse_file=parse_file, build=build)
    diagnostics = list(result.diagnostics)
    if not result.ok:
        return Checked(result, None, tuple(diagnostics))
    linkage = link(result.program)
    previous = lockfile.read(lock_text) if lock_text is not None else {}
    if previous is not None and not allow_breaking:
        diagnostics += lockfile.compare(previous, linkage, result.program, lock_path)
    if lock_text is not None and previous is not None:
        diagnostics += replacement.compare(replacement.read(lock_text), result.program, lock_path)
    return Checked(result, linkage, tuple(diagnostics), lock_unreadable=previous is None)
