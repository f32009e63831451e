"""From source texts to a checked program: parse every file, then run the passes.

Pure: the caller reads the files (see :mod:`infrac.workspace`) and decides what
to do with the result.

>>> from infrac.source import SourceFile
>>> result = compile_sources([SourceFile("a.infra", "stack data { table T { key = { id: string } } }")])
>>> result.ok, [s.name for s in result.program.stacks]
(True, ['data'])
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from infrac import passes
from infrac.diagnostics import Diagnostic, has_errors
from infrac.passes import Result
from infrac.source import SourceFile


def compile_sources(sources: Iterable[SourceFile], parse: Callable | None = None) -> Result:
    """Parse and check a project. Files are taken in path order, so the result
    does not depend on the order they were found in. A syntax error in any file
    stops before the passes, whose findings would only echo it.

    ``parse`` stands in for :func:`infrac.syntax.parser.parse` (the build cache's
    gives the same results, from the cache when it can)."""
    if parse is None:
        from infrac.syntax.parser import parse
    modules = []
    found: list[Diagnostic] = []
    for source in sorted(sources, key=lambda s: s.path):
        parsed = parse(source)
        found.extend(parsed.diagnostics)
        if parsed.module is not None:
            modules.append(parsed.module)
    if has_errors(found):
        return Result(None, tuple(found))
    result = passes.run(modules)
    return Result(result.program, tuple(found) + result.diagnostics)
