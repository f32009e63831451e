"""From source texts to a checked program: parse every file, then run the passes.

Pure: the caller reads the files (see :mod:`infrac.workspace`) and decides what
to do with the result.

>>> from infrac.source import SourceFile
>>> result = compile_sources([SourceFile("a.infra", "stack data { table T { key = { id: string } } }")])
>>> result.ok, [s.name for s in result.program.stacks]
(True, ['data'])
"""

from __future__ import annotations

from collections.abc import Iterable

from infrac import passes
from infrac.diagnostics import Diagnostic, has_errors, rules
from infrac.passes import Result
from infrac.source import SourceFile
from infrac.syntax.parser import parse


def compile_sources(sources: Iterable[SourceFile], *, warnings_as_errors: bool = False) -> Result:
    """Parse and check a project. Files are taken in path order, so the result
    does not depend on the order they were found in. A syntax error in any file
    stops before the passes, whose findings would only echo it. The project's
    rule levels and suppression comments (:mod:`infrac.diagnostics.rules`) apply
    to what the passes found; ``warnings_as_errors`` makes every warning left an error."""
    sources = sorted(sources, key=lambda s: s.path)
    modules = []
    found: list[Diagnostic] = []
    for source in sources:
        parsed = parse(source)
        found.extend(parsed.diagnostics)
        if parsed.module is not None:
            modules.append(parsed.module)
    if has_errors(found):
        return Result(None, tuple(found))
    result = passes.run(modules)
    levels = result.settings.warnings if result.settings is not None else {}
    diagnostics = rules.apply(
        found + list(result.diagnostics),
        modules,
        {s.path: s for s in sources},
        levels,
        warnings_as_errors=warnings_as_errors,
    )
    return Result(result.program, tuple(diagnostics), result.settings)
