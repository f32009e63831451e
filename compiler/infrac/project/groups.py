"""The groups of a project that an incremental build compiles apart
(:mod:`infrac.project.incremental`): per file, a summary of the stacks it declares and
names; per project, the connected groups of files and stacks.

A group holds every stack that its stacks name and every stack that names them, and the
files that declare them, so that a group checks, renders and links exactly as it does
inside the whole program.
"""

from __future__ import annotations

from infrac.base.classes import frozen
from infrac.base.source import SourceFile
from infrac.syntax import ir

TYPE_CHECKING = False  # typing's own constant, without importing typing
if TYPE_CHECKING:
    from typing import Any


@frozen
class Summary:
    """What grouping and the project-wide steps need of one parsed file."""

    declares: tuple[str, ...]  # stack names, in order of first declaration in the file
    names: tuple[str, ...]  # the first part of every dotted name in the file (a superset of the stacks it reads)
    project: tuple[int, int] | None  # the project block's span, if the file has one
    projects: int  # how many project blocks
    suppressions: tuple[tuple[int, tuple[str, ...], str, int, int], ...]  # (line, codes, reason, start, end)
    problems: bool  # a suppression comment that is wrong (an error)

    def encode(self) -> Any:
        return {
            "declares": list(self.declares),
            "names": list(self.names),
            "project": list(self.project) if self.project else None,
            "projects": self.projects,
            "suppressions": [[s[0], list(s[1]), s[2], s[3], s[4]] for s in self.suppressions],
            "problems": self.problems,
        }

    @classmethod
    def decode(cls, data: Any, length: int) -> Summary:
        """The summary :meth:`encode` wrote for a file of ``length`` characters: read from the
        build cache, so every value is checked (a ValueError or TypeError otherwise)."""

        def strings(value: Any) -> tuple[str, ...]:
            if type(value) is not list or any(type(item) is not str for item in value):
                raise TypeError("not a list of names")
            return tuple(value)

        def offsets(start: Any, end: Any) -> tuple[int, int]:
            if type(start) is not int or type(end) is not int or not 0 <= start <= end <= length:
                raise ValueError("a span outside the file")
            return start, end

        if type(data) is not dict:
            raise TypeError("not a summary")
        project, projects, problems = data["project"], data["projects"], data["problems"]
        if type(projects) is not int or projects < 0 or type(problems) is not bool:
            raise TypeError("not a summary")
        suppressions = []
        for line, codes, reason, start, end in data["suppressions"]:
            if type(line) is not int or line < 1 or type(reason) is not str:
                raise TypeError("not a suppression")
            suppressions.append((line, strings(codes), reason, *offsets(start, end)))
        return cls(
            strings(data["declares"]),
            strings(data["names"]),
            None if project is None else offsets(*project),
            projects,
            tuple(suppressions),
            problems,
        )


def _first_parts(value: Any, found: set[str]) -> None:
    """The first part of every dotted name under a statement or value."""
    kind = type(value)
    if kind is ir.Ref:
        found.add(value.parts[0])
    elif kind is ir.Attribute:
        _first_parts(value.value, found)
    elif kind is ir.Block:
        for label in value.labels:
            _first_parts(label, found)
        for statement in value.body:
            _first_parts(statement, found)
    elif kind is ir.Map:
        for entry in value.entries:
            _first_parts(entry.value, found)
    elif kind is ir.List:
        for item in value.items:
            _first_parts(item, found)
    elif kind is ir.Call:
        for arg in value.args:
            _first_parts(arg, found)
    elif kind is ir.Uses:
        _first_parts(value.target, found)
    elif kind is ir.Export:
        for statement in value.body:
            _first_parts(statement, found)
    elif kind in (ir.Stack, ir.Project):
        for statement in value.body:
            _first_parts(statement, found)


def summarize(module: ir.Module, source: SourceFile) -> Summary:
    from infrac.syntax.suppressions import read_suppressions

    declares: dict[str, None] = {}
    names: set[str] = set()
    project = None
    projects = 0
    for item in module.items:
        if isinstance(item, ir.Project):
            projects += 1
            if project is None and item.span is not None:
                project = (item.span.start, item.span.end)
        else:
            declares.setdefault(item.name.name, None)
        _first_parts(item, names)
    suppressions, problems = read_suppressions(module, source)
    return Summary(
        tuple(declares),
        tuple(sorted(names)),
        project,
        projects,
        tuple((s.line, s.codes, s.reason, s.span.start, s.span.end) for s in suppressions),
        bool(problems),
    )


def groups(summaries: dict[str, Summary]) -> list[list[str]]:
    """The files of each group, each in path order; the groups in the order of their first file.
    Files that declare no stack belong to none."""
    declared = {name for s in summaries.values() for name in s.declares}
    parent: dict[str, str] = {}

    def find(name: str) -> str:
        while parent.setdefault(name, name) != name:
            parent[name] = parent[parent[name]]
            name = parent[name]
        return name

    for path, summary in summaries.items():
        if not summary.declares:
            continue
        node = "\0file\0" + path
        for name in (*summary.declares, *(n for n in summary.names if n in declared)):
            a, b = find(node), find(name)
            if a != b:
                parent[a] = b
    members: dict[str, list[str]] = {}
    for path in sorted(summaries):
        if summaries[path].declares:
            members.setdefault(find("\0file\0" + path), []).append(path)
    return list(members.values())
