"""The language server's analysis, kept up to date edit by edit.

A keystroke changes one file. :class:`Incremental` parses that file again (every other
file keeps its parse), summarizes it as an incremental build does
(:func:`infrac.project.groups.summarize`), groups the project's files as the build groups
them (:func:`infrac.project.groups.groups`: stacks closed under the names they read),
and checks again only the groups whose files changed; each other group's result (its
program, its diagnostics, its linkage and its part of the index) is kept from the last
analysis. What is project-wide is then computed over the groups' results: the merged
program (stacks in the whole program's order, the deploy waves of the merged
dependencies), the merged linkage, and the comparison with ``infra.lock``.

Whatever a group cannot see falls back to the whole-program compilation
(:func:`infrac.tools.lsp.analysis.analyse`, which is :func:`infrac.project.pipeline.check_project`):
a second project block, a wrong suppression comment, a file nothing could be read of,
an export name published by two groups. The build cache's on-disk entries hold rendered
templates, not programs, so the server keeps its groups' results in memory, by the
texts they were checked from.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from itertools import chain, count
from operator import attrgetter

from infrac.base.source import SourceFile
from infrac.contract import lockfile, replacement
from infrac.contract.linker import Linkage
from infrac.diagnostics import Diagnostic
from infrac.model import Program
from infrac.passes import Result
from infrac.project.groups import Summary, groups, summarize
from infrac.project.pipeline import Checked, compile_sources
from infrac.syntax import ir
from infrac.syntax.parser import ParseResult
from infrac.tools.lsp.analysis import Analysis, Occurrence, ParseCache, analyse, declared, referenced

TYPE_CHECKING = False  # typing's own constant, without importing typing
if TYPE_CHECKING:
    from typing import Any


_SERIALS = count()


class _Group:
    """One group's result: the texts it was checked from, and what it gave."""

    __slots__ = ("key", "result", "linkage", "by_file", "broken_exports", "moved", "serial")

    def __init__(self, key, result: Result, linkage: Linkage | None, by_file: dict, broken_exports: list, moved: bool) -> None:
        self.moved = moved  # an export the lock records for another stack is published here
        self.serial = next(_SERIALS)  # this result, apart from any other (ids may be reused)
        self.key = key
        self.result = result
        self.linkage = linkage
        self.by_file = by_file  # path -> its occurrences
        self.broken_exports = broken_exports  # what the lock's exports of its stacks say of it


class Occurrences(Sequence):
    """The index's occurrences, file after file, read from the groups' lists as they are
    iterated (a keystroke at 100 times the seed would otherwise copy some 70,000 of them)."""

    __slots__ = ("_by_file", "_flat")

    def __init__(self, by_file: dict[str, list[Occurrence]]) -> None:
        self._by_file = by_file
        self._flat: tuple[Occurrence, ...] | None = None

    def __iter__(self) -> Iterator[Occurrence]:
        return chain.from_iterable(self._by_file.values())

    def __len__(self) -> int:
        return sum(len(found) for found in self._by_file.values())

    def __getitem__(self, index):
        if self._flat is None:
            self._flat = tuple(self)
        return self._flat[index]


class _Joined:
    """The groups' stacks, dependencies, imports, reads and occurrences by file, joined, and
    kept from call to call: a call removes the groups that changed and adds their new results."""

    def __init__(self) -> None:
        self.groups: dict[int, _Group] = {}
        self.stacks: dict[str, Any] = {}
        self.dependencies: dict[str, tuple[str, ...]] = {}
        self.imports: dict[str, tuple[str, ...]] = {}
        self.reads: dict[str, tuple[str, ...]] = {}
        self.by_file: dict[str, list[Occurrence]] = {}

    def update(self, found: list[_Group]) -> None:
        current = {g.serial: g for g in found}
        for serial in [s for s in self.groups if s not in current]:
            group = self.groups.pop(serial)
            program, linkage = group.result.program, group.linkage
            for stack in program.stacks if program is not None else ():
                self.stacks.pop(stack.name, None)
                self.dependencies.pop(stack.name, None)
            for name in linkage.imports if linkage is not None else ():
                self.imports.pop(name, None)
            for name in linkage.reads if linkage is not None else ():
                self.reads.pop(name, None)
            for path in group.by_file:
                self.by_file.pop(path, None)
        for serial, group in current.items():
            if serial in self.groups:
                continue
            self.groups[serial] = group
            program, linkage = group.result.program, group.linkage
            if program is not None:
                self.stacks.update((s.name, s) for s in program.stacks)
                self.dependencies.update(program.dependencies)
            if linkage is not None:
                self.imports.update(linkage.imports)
                self.reads.update(linkage.reads)
            self.by_file.update(group.by_file)


class Incremental:
    """A project's analysis, recomputed group by group (see the module's docstring)."""

    def __init__(self) -> None:
        self.parse_cache = ParseCache()
        self._summaries: dict[str, tuple[str, Summary]] = {}
        self._groups: dict[tuple[str, ...], _Group] = {}
        self.checked_groups = 0  # groups checked again by the last analysis (for tests)
        self._lock: tuple[str | None, dict | None, dict | None] = (None, None, None)
        self._shape: dict = {}
        self._lock_names: tuple = (None, {})
        self._order: tuple = (None, [])
        self._grouped: tuple = (None, set())
        self._joined = _Joined()
        self._context: tuple | None = None  # the project block and the lock the groups were checked with
        self._owners: dict[str, int] = {}  # export name -> the group (its serial) that publishes it
        self._owned: dict[int, list[str]] = {}  # group (its serial) -> the export names it publishes
        self._last: tuple | None = None  # the sources, the lock and the analysis of the last call
        self._files: dict[str, tuple] = {}  # path -> (source, parse, module, summary) of the last call
        self._files_of: list[list[str]] = []

    def _published(self, found: list[_Group]) -> bool:
        """Whether an export name is published by two groups; the owners of names are kept
        from call to call, and only the groups that changed are looked at."""
        owners = self._owners
        known = self._owned
        current = {g.serial: g for g in found if g.linkage is not None}
        for key in [k for k in known if k not in current]:  # groups gone or changed
            for name in known.pop(key):
                if owners.get(name) == key:
                    del owners[name]
        clash = False
        for key, group in current.items():
            if key in known:
                continue
            names = [e.name for e in group.linkage.exports]
            known[key] = names
            for name in names:
                if owners.setdefault(name, key) != key:
                    clash = True
        return clash

    def _lock_by_stack(self, previous: dict) -> dict[str, dict[str, dict]]:
        """The lock's exports by the stack that publishes them."""
        if self._lock_names[0] is not previous:
            by_stack: dict[str, dict[str, dict]] = {}
            for name, entry in previous.items():
                by_stack.setdefault(str(entry.get("stack")), {})[name] = entry
            self._lock_names = (previous, by_stack)
        return self._lock_names[1]

    def _lock_stacks(self, previous: dict):
        """The stacks whose exports the lock records."""
        return self._lock_by_stack(previous).keys()

    def _read_lock(self, lock_text: str | None) -> tuple[dict | None, dict | None]:
        """The lock's exports and its record of resources, read once per text of the lock."""
        if lock_text is None:
            return None, None
        if self._lock[0] != lock_text:
            previous = lockfile.read(lock_text)
            self._lock = (lock_text, previous, replacement.read(lock_text) if previous is not None else None)
        return self._lock[1], self._lock[2]

    def _summary(self, source: SourceFile, module: ir.Module) -> Summary:
        kept = self._summaries.get(source.path)
        if kept is not None and kept[0] == source.text:
            return kept[1]
        summary = summarize(module, source)
        self._summaries[source.path] = (source.text, summary)
        return summary

    def analyse(
        self, sources: Iterable[SourceFile], lock_text: str | None = None, lock_path: str = lockfile.NAME
    ) -> Analysis:
        sources = {s.path: s for s in sorted(sources, key=attrgetter("path"))}
        last = self._last
        if (
            last is not None
            and last[1] == lock_text
            and len(last[0]) == len(sources)
            and all(last[0].get(path) is source for path, source in sources.items())
        ):
            self.checked_groups = 0
            return last[2]  # nothing changed (a file opened as it is on disk)
        parsed: dict[str, ParseResult] = {}
        modules: dict[str, ir.Module] = {}
        summaries: dict[str, Summary] = {}
        before = self._files
        changed_paths: list[str] = []
        for path, source in sources.items():
            kept = before.get(path)
            if kept is not None and kept[0] is source:  # the same file as last time: its parse and summary
                parsed[path], modules[path], summaries[path] = kept[1], kept[2], kept[3]
                continue
            changed_paths.append(path)
            result = parsed[path] = self.parse_cache(source)
            module = result.module if result.module is not None else result.recovered
            if module is None:
                return self._whole(sources, lock_text, lock_path)
            modules[path] = module
            summaries[path] = self._summary(source, module)
        for path in list(self._summaries):
            if path not in sources:
                del self._summaries[path]
        self._files = {path: (source, parsed[path], modules[path], summaries[path]) for path, source in sources.items()}
        if any(s.problems for s in summaries.values()) or sum(s.projects for s in summaries.values()) > 1:
            return self._whole(sources, lock_text, lock_path)
        project_path = next((p for p, s in summaries.items() if s.projects), None)
        project_text = ""
        if project_path is not None:
            start, end = summaries[project_path].project or (0, 0)
            project_text = sources[project_path].text[start:end]
        shape = self._shape
        if changed_paths or len(shape) != len(summaries) or any(path not in shape for path in changed_paths):
            # what the files declare and name decides the groups
            fresh = {path: (summaries[path].declares, summaries[path].names) for path in changed_paths}
            if len(shape) != len(summaries) or any(shape.get(path) != value for path, value in fresh.items()):
                shape = {path: (s.declares, s.names) for path, s in summaries.items()}
                self._files_of, self._shape = groups(summaries), shape
        files_of = self._files_of
        kept: dict[tuple[str, ...], _Group] = {}
        self.checked_groups = 0
        changed = set(changed_paths)
        same_context = self._context == (project_path, project_text, lock_text)
        self._context = (project_path, project_text, lock_text)
        for files in files_of:
            group = self._groups.get(tuple(files))
            if group is not None and same_context and not any(p in changed for p in files):
                kept[tuple(files)] = group  # nothing it reads changed
                continue
            key = (project_path, project_text, lock_text, *(sources[p].text for p in files))
            if group is None or group.key != key:
                group = self._check(files, key, sources, parsed, modules, project_path, lock_text, lock_path)
                self.checked_groups += 1
            kept[tuple(files)] = group
        self._groups = kept
        analysis = self._merge(sources, parsed, modules, summaries, list(kept.values()), project_path, lock_text, lock_path)
        self._last = (sources, lock_text, analysis)
        return analysis

    def _check(self, files, key, sources, parsed, modules, project_path, lock_text, lock_path) -> _Group:
        """Check one group's files (with the project block) as ``infrac check`` checks a project;
        what would replace a resource the lock records is found group by group, as an
        incremental build finds it (the comparison of exports is project-wide)."""
        from infrac.contract.linker import link

        group_sources = [sources[p] for p in files]
        results = {p: parsed[p] for p in files}
        if project_path is not None and project_path not in results:
            module = modules[project_path]
            items = tuple(i for i in module.items if isinstance(i, ir.Project))
            results[project_path] = ParseResult(ir.Module(items, path=project_path), ())
            group_sources.append(sources[project_path])
        result = compile_sources(group_sources, parse_file=lambda source: results[source.path])
        linkage = link(result.program) if result.ok else None
        previous, record = self._read_lock(lock_text)
        broken_exports: list = []
        moved = False
        if linkage is not None and previous is not None and record is not None:
            replaced = replacement.compare(record, result.program, lock_path)
            if replaced:
                result = Result(result.program, result.diagnostics + tuple(replaced), result.settings)
            by_stack = self._lock_by_stack(previous)
            mine = {name: entry for s in result.program.stacks for name, entry in by_stack.get(s.name, {}).items()}
            broken_exports = lockfile.compare(mine, linkage, result.program, lock_path)
            moved = any(previous[e.name].get("stack") != e.stack for e in linkage.exports if e.name in previous)
        group_modules = [modules[p] for p in files]
        by_file: dict[str, list[Occurrence]] = {p: [] for p in files}
        for occurrence in declared(group_modules):
            by_file.setdefault(occurrence.span.file, []).append(occurrence)
        if result.program is not None:
            for occurrence in referenced(result.program, sources):
                by_file.setdefault(occurrence.span.file, []).append(occurrence)
        return _Group(key, result, linkage, by_file, broken_exports, moved)

    def _merge(self, sources, parsed, modules, summaries, found, project_path, lock_text, lock_path) -> Analysis:
        diagnostics: list[Diagnostic] = []
        if self._grouped[0] is not self._files_of:
            self._grouped = (self._files_of, {p for files in self._files_of for p in files})
        grouped = self._grouped[1]
        ungrouped = {}
        if len(grouped) != len(sources):
            for path in sources:  # files in no group (no stack declared): their syntax errors, their index
                if path not in grouped:
                    diagnostics += parsed[path].diagnostics
                    ungrouped[path] = list(declared([modules[path]]))
        joined = self._joined
        joined.update(found)
        seen: set[Diagnostic] = set(diagnostics)
        for group in found:
            for diagnostic in group.result.diagnostics:
                if diagnostic not in seen:  # the project block's findings, once
                    seen.add(diagnostic)
                    diagnostics.append(diagnostic)
        programs = [g.result.program for g in found if g.result.program is not None]
        program = None
        by_name = joined.stacks
        if programs:
            if self._order[0] is not self._files_of:  # the whole program's order: by file, then by declaration
                self._order = (self._files_of, list(dict.fromkeys(n for p in sorted(summaries) for n in summaries[p].declares)))
            order = [n for n in self._order[1] if n in by_name]
            dependencies = dict(joined.dependencies)
            # a stack's wave depends on its own group only (groups are closed under what they read):
            # the project's waves are the groups' waves, joined wave by wave
            waves: list[list[str]] = []
            for p in programs:
                for number, wave in enumerate(p.waves):
                    if number == len(waves):
                        waves.append([])
                    waves[number] += wave
            program = Program(
                programs[0].settings,
                tuple(by_name[n] for n in order),
                dependencies,
                tuple(tuple(sorted(wave)) for wave in waves),
            )
        linkages = [g.linkage for g in found if g.linkage is not None]
        linkage = None
        if linkages:
            if self._published(found):  # one name published by two groups
                return self._whole(sources, lock_text, lock_path)
            linkage = Linkage(
                tuple(chain.from_iterable(lk.exports for lk in linkages)), dict(joined.imports), dict(joined.reads)
            )
        ok = program is not None and len(linkages) == len(found)
        previous, _record = self._read_lock(lock_text)
        lock_unreadable = lock_text is not None and previous is None
        if ok and previous is not None:
            # each group compared the lock's exports of its own stacks; an export that moved to
            # another group's stack, or whose stack is gone, is compared over the whole linkage
            if any(g.moved for g in found) or not self._lock_stacks(previous) <= by_name.keys():
                diagnostics += lockfile.compare(previous, linkage, program, lock_path)
            else:
                diagnostics += [d for g in found for d in g.broken_exports]
        settings = next((g.result.settings for g in found if g.result.settings is not None), None)
        checked = Checked(Result(program, tuple(diagnostics), settings), linkage, tuple(diagnostics), lock_unreadable)
        by_file = dict(joined.by_file)
        by_file.update(ungrouped)
        analysis = Analysis(sources, checked, modules, Occurrences(by_file), previous or {})
        analysis.memo["by file"] = by_file
        return analysis

    def _whole(self, sources, lock_text, lock_path) -> Analysis:
        self._groups = {}
        self._joined = _Joined()
        self._owners, self._owned = {}, {}
        self._last = None
        self._files = {}
        self.checked_groups = -1
        return analyse(sources.values(), lock_text, lock_path, self.parse_cache)
