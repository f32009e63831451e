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
    does not depend on the order they were found in. The project's
    rule levels and suppression comments (:mod:`infrac.syntax.suppressions`) apply
    to what the passes found; ``warnings_as_errors`` makes every warning left an error.
    A file with syntax errors is checked as far as it parses (``ParseResult.recovered``):
    its syntax errors, and what the checks find in the statements that parse, except what
    may follow from the broken ones (:func:`_follows_from`), in it and in other files.
    ``build`` (``(target, BuildOptions)``) is what ``infrac build`` will write, which the
    budgets measure; without it they measure the default CloudFormation build."""
    sources = sorted(sources, key=lambda s: s.path)
    modules = []
    found: list[Diagnostic] = []
    for source in sources:
        parsed = parse_file(source)
        found.extend(parsed.diagnostics)
        module = parsed.module if parsed.module is not None else parsed.recovered
        if module is None and has_errors(parsed.diagnostics):
            return Result(None, tuple(found))  # nothing of the file could be read (nesting too deep)
        if module is not None:
            modules.append(module)
    broken = [b for m in modules for b in m.errors]
    result = passes.run(modules, build=build)
    checked = list(result.diagnostics)
    if broken:  # every statement that parses is checked; nothing that follows from a broken one is said
        checked = [d for d in checked if not _follows_from(d, modules, broken)]
    levels = result.settings.warnings if result.settings is not None else {}
    silenced: list = []
    diagnostics = rules.apply(
        found + checked,
        modules,
        {s.path: s for s in sources},
        levels,
        warnings_as_errors=warnings_as_errors,
        silenced=silenced,
    )
    return Result(result.program, tuple(diagnostics), result.settings, tuple(silenced))


#: Findings about a name that may have been declared in a statement that did not parse.
_NAMING = {"E0401", "E0402", "E0403", "E0404", "E0406", "E0410", "E0411"}


def _follows_from(found: Diagnostic, modules: list, broken: list) -> bool:
    """Whether a finding of the checks may be an echo of a syntax error: it lies in a block
    that lost a statement (a required attribute seems missing), or it names what a broken
    statement may have declared (an unknown resource, an attribute not exported)."""
    places = [found.span]
    if found.code in _NAMING:  # the resource named, "declared here", lost a statement: its export, maybe
        places += [label.span for label in found.labels]
    for span in places:
        if span is None:
            continue
        for module in modules:
            if module.errors and module.path == span.file:
                for block in _broken_blocks(module):
                    if block.start <= span.start and span.end <= block.end:
                        return True
    if found.code in _NAMING:
        named = {part for quoted in found.message.split("`")[1::2] for part in quoted.split(".")}
        return any(named.intersection(b.names) for b in broken)
    return False


def _broken_blocks(module) -> list:
    """The spans of the blocks (below a stack) that hold a broken part of the module."""
    from infrac.syntax import ir

    spans = []
    pending = [s for item in module.items for s in item.body]
    while pending:
        statement = pending.pop()
        if not isinstance(statement, (ir.Block, ir.Export)) or statement.span is None:
            continue
        here = statement.span
        if any(here.start <= b.span.start and b.span.end <= here.end for b in module.errors):
            spans.append(here)
            pending.extend(statement.body)
    return spans


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
