"""Incremental builds: a project compiled group by group, each group's result kept by
the hash of everything it reads, so that a rebuild after a one-file change compiles
only the group that holds the file.

A **group** is a set of stacks closed under what the passes and the backends read
across stacks: a stack's group holds every stack it names (``stack.Resource.attribute``,
``uses stack.Resource``, ``reference stack.Resource``, a link ``stack.Resource``) and
every stack that names it, and the files that declare them (a file's stacks are one
group: a stack may span files). That is the connected components of the graph whose
edges are "a file declares both" and "a file declares one and names the other". Every
cross-stack read of the compiler (references, secrets, the queue policy that a rule in
another stack needs, the dead-letter queue of another stack, the linker's importers)
follows one of those names, so a group checks, renders and links exactly as it does
inside the whole program. The seed system is one group (core names all five stacks);
its copies in the benchmark are a hundred.

Per file, a small **summary** (the stacks it declares, the stack names it mentions, its
suppression comments) is kept in the project's **index** (one entry, named by the lock's
path) by the file's path and text, so that grouping reads no syntax IR. Per group, the
**result** (its files, its diagnostics, its part of the lock, its exports' names, what
each stack writes) is keyed by the SHA-256 of the group's files (paths and texts), the
project block, the lock's record of the group's stacks, the build's target and options,
and infrac's fingerprint (the cache's namespace). The results a build compiles are kept
in one **pack** (one entry, whatever the number of groups: a file costs a write to the
disk, and a first build wrote one per group and one per source, which took longer than
compiling them), and the index says which pack holds each result in use, per target and
options; a pack is removed when none of its results is in use, and the results in use
are written anew into one pack when the packs hold more unused results than used ones.
Parse entries are read (``check`` keeps them) but not written. Every entry is verified
before use (:mod:`infrac.project.results`); a bad one is a miss. The groups to compile
are compiled in batches, each split into the groups' results
(:mod:`infrac.project.grouped`).

What is project-wide is done over the groups' small results on every build: the
uniqueness of export names across groups, the deploy waves, the linkage and the lock,
the comparison with ``infra.lock``, the project's warning levels and suppression
comments, ``deploy-order.json`` and ``serverless-compose.yml``.

Anything outside the common case falls back to the whole-program compilation
(:func:`infrac.project.pipeline.check_project`), which then reports exactly what it always
did: a file that does not parse, a second project block, a project without stacks,
any error in any group or across groups (two groups publishing one export name, the
lock comparison), and an ``Fn::ImportValue`` or ``Fn::GetStackOutput`` written in
properties that names another group's export. :func:`build` returns None then.
A cold build (empty cache) runs the same code as a warm one, every group a miss.
Pure apart from the cache object it is given (reads and writes of entries).
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable

from infrac.base.classes import frozen
from infrac.base.source import SourceFile, Span
from infrac.project.grouped import BATCH, BATCHES, Unsplittable
from infrac.project.grouped import compile_batch as _compile_batch
from infrac.project.grouped import compile_group as _compile_group
from infrac.project.groups import Summary, groups, summarize
from infrac.project.irjson import Foreign, decode_diagnostic
from infrac.project.results import checked, decode_pack, encode_pack
from infrac.syntax import ir

TYPE_CHECKING = False  # typing's own constant, without importing typing
if TYPE_CHECKING:
    from typing import Any

#: Bumped when the content of indexes, summaries or group results changes.
FORMAT = 4


# ---- the build -----------------------------------------------------------------------------


@frozen
class Outline:
    """What the project-wide files and the command's report need of a stack (a stand-in
    for :class:`infrac.model.Stack` there): ``resources`` has one entry per resource."""

    name: str
    resources: tuple[int, ...]
    is_consumer: bool
    path: str | None
    span: None = None

    def resource(self, name: str) -> None:
        return None


@frozen
class Built:
    """An incremental build's result: what ``infrac build`` writes and reports."""

    diagnostics: tuple
    artifacts: tuple  # Artifact, in the whole-program build's order
    lock: str
    stacks: tuple[Outline, ...]
    stages: tuple[str, ...]
    compiled: int  # groups compiled (not found in the cache)
    groups: int
    #: the findings that suppression comments silenced, each with its comment
    silenced: tuple = ()


def _digest(*parts: str) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part.encode("utf-8", "surrogatepass"))
        digest.update(b"\0")
    return digest.hexdigest()


def build(
    sources: Iterable[SourceFile],
    cache,
    target: str,
    options,
    lock_text: str | None,
    lock_path: str,
    *,
    allow_breaking: bool = False,
    warnings_as_errors: bool = False,
) -> Built | None:
    """``infrac build``'s compilation, group by group through ``cache`` (a
    :class:`infrac.project.buildcache.BuildCache`); None when the whole-program compilation
    must decide (see the module's docstring). ``lock_text`` is None or a lock that
    :func:`infrac.project.workspace.read_lock` accepted. ``options`` is the build's
    :class:`~infrac.backends.BuildOptions` (its emitter is not used)."""
    sources = sorted(sources, key=lambda s: s.path)
    by_path = {s.path: s for s in sources}
    lengths = {s.path: len(s.text) for s in sources}
    keys = {s.path: _digest("file", s.path, s.text) for s in sources}
    summaries: dict[str, Summary] = {}
    modules: dict[str, ir.Module] = {}
    # the project's index (named by its lock's path): each file's summary by the file's key,
    # and, per target and options, the pack that holds each group's result
    index_key = _digest("index", str(FORMAT), lock_path)
    index = cache.get("summary", index_key) or {}
    known = index.get("files") if type(index.get("files")) is dict else {}
    packs_of = _packs_of(index.get("builds"))

    def parse(source: SourceFile):
        # Parse entries are read (a `check` keeps them) but not written: a build keeps what it
        # compiled in one pack, and writing one file per source cost more than parsing it.
        return cache.parse(source, keep=False)

    kept: dict[str, Any] = {}
    for source in sources:
        key = keys[source.path]
        summary = None
        if key in known:
            try:
                summary = Summary.decode(known[key], lengths[source.path])
            except (ValueError, KeyError, TypeError, IndexError):
                summary = None
        if summary is None:
            parsed = parse(source)
            if parsed.module is None or parsed.diagnostics:
                return None  # a syntax error: the whole-program compilation reports it
            modules[source.path] = parsed.module
            summary = summarize(parsed.module, source)
            kept[key] = summary.encode()
        else:
            kept[key] = known[key]  # kept as it was written
        summaries[source.path] = summary
    if any(s.problems for s in summaries.values()) or sum(s.projects for s in summaries.values()) > 1:
        return None
    project_path = next((p for p, s in summaries.items() if s.project), None)
    project_key = "none"
    if project_path is not None:
        start, end = summaries[project_path].project
        project_key = _digest(project_path, str(start), by_path[project_path].text[start:end])
    files_of = groups(summaries)
    if not files_of:
        return None
    # a lock the command line read (infrac.project.workspace.read_lock found no problem in it): parsed once here
    previous_exports: dict | None = {}
    previous_record = None  # the lock's record of resources
    if lock_text is not None:
        from infrac.contract import replacement

        document = json.loads(lock_text)
        previous_exports = document["exports"]
        previous_record = replacement.from_document(document)
    build_key = json.dumps([target, options.stage, options.format, options.out, lock_text is not None, lock_path])
    options_key = _digest(target, str(options.stage), options.format, options.out)
    in_pack = packs_of.get(options_key, {})  # group key -> pack, as the last build with these options left them
    loaded: dict[str, dict] = {}  # pack name -> its results (group key -> result data)

    def cached(key: str) -> dict | None:
        name = in_pack.get(key)
        if name is None:
            return None
        if name not in loaded:
            payload = cache.read("group", f"{name}.pack")
            try:
                loaded[name] = decode_pack(payload, FORMAT) if payload is not None else {}
            except Foreign:
                loaded[name] = {}
        try:
            return checked(loaded[name].get(key), FORMAT, lengths)
        except Foreign:
            return None

    def module(path: str) -> ir.Module | None:
        if path not in modules:
            parsed = parse(by_path[path])
            if parsed.module is None or parsed.diagnostics:
                return None
            modules[path] = parsed.module
        return modules[path]

    used: list[str] = []
    found: dict[str, dict] = {}  # group key -> result, from the cache or compiled now
    missing: list[tuple[str, list[str]]] = []  # (key, files) of the groups to compile, in order
    for files in files_of:
        stacks = [name for path in files for name in summaries[path].declares]
        recorded = json.dumps({name: (previous_record or {}).get(name) for name in sorted(set(stacks))}, sort_keys=True)
        key = _digest("group", str(FORMAT), build_key, project_key, recorded, *(keys[p] for p in files))
        used.append(key)
        result = cached(key)
        if result is not None:
            found[key] = result
        else:
            missing.append((key, files))

    def with_project(files: list[str]) -> list[ir.Module] | None:
        """The modules of ``files`` and, when none of them holds it, the project block."""
        group_modules = [module(p) for p in files]
        if any(m is None for m in group_modules):
            return None
        if project_path is not None and project_path not in files:
            project = module(project_path)
            if project is None:
                return None
            items = tuple(i for i in project.items if isinstance(i, ir.Project))
            group_modules.append(ir.Module(items, path=project_path))
            group_modules.sort(key=lambda m: m.path)
        return group_modules

    compiled: dict[str, dict] = {}
    for batch in _batches(missing, summaries):
        # A build runs with the cyclic collector off (infrac.cli.run), so a batch's program
        # must be freed by reference counting when the next one is compiled, for the peak
        # memory to be the largest batch's rather than the sum of all: the compiler makes
        # no reference cycles (a recursive closure is one; tests/test_incremental.py holds
        # a group's compilation to leaving none behind).
        results = None
        if len(batch) > 1:
            files = sorted({path for _, group in batch for path in group})
            batch_modules = with_project(files)
            if batch_modules is None:
                return None
            members = [(frozenset(group), [n for p in group for n in summaries[p].declares]) for _, group in batch]
            try:
                results = _compile_batch(batch_modules, target, options, previous_record, lock_path, FORMAT, members)
            except Unsplittable:
                results = None  # each group on its own, below
            else:
                if results is None:
                    return None  # an error: the whole-program compilation reports it
            del batch_modules
        if results is None:
            results = []
            for _, group in batch:
                group_modules = with_project(group)
                if group_modules is None:
                    return None
                result = _compile_group(group_modules, target, options, previous_record, lock_path, FORMAT)
                if result is None:
                    return None
                results.append(result)
                del group_modules
        for (key, group), result in zip(batch, results):
            compiled[key] = result
            for path in group:
                if path != project_path:  # the other groups read its project block
                    modules.pop(path, None)
    found.update(compiled)
    results = [found[key] for key in used]
    index_packs = _keep(cache, packs_of, options_key, in_pack, loaded, used, compiled, dict(zip(used, results)))
    if kept != known or index_packs != packs_of:
        cache.put("summary", index_key, {"files": kept, "builds": index_packs})

    try:
        return _merge(results, summaries, by_path, files_of, target, options, lock_text, lock_path,
                      previous_exports, allow_breaking, warnings_as_errors, len(compiled))
    except (KeyError, ValueError, TypeError, IndexError, AttributeError):  # a foreign or damaged entry
        return None


def _batches(missing: list[tuple[str, list[str]]], summaries: dict[str, Summary]) -> list[list[tuple[str, list[str]]]]:
    """The groups to compile, in order, in batches of consecutive groups: at most
    :data:`~infrac.project.grouped.BATCHES` batches of at least
    :data:`~infrac.project.grouped.BATCH` stacks each (a group of more is a batch of its own)."""
    counts = [sum(len(summaries[path].declares) for path in files) for _, files in missing]
    limit = max(BATCH, -(-sum(counts) // BATCHES))
    batches: list[list[tuple[str, list[str]]]] = []
    size = limit
    for group, stacks in zip(missing, counts):
        if size + stacks > limit:
            batches.append([])
            size = 0
        batches[-1].append(group)
        size += stacks
    return batches


def _packs_of(data: Any) -> dict[str, dict[str, str]]:
    """The index's packs (options key -> group key -> pack name), or none when it is not of
    that shape."""
    if type(data) is not dict:
        return {}
    for mapping in data.values():
        if type(mapping) is not dict or any(type(name) is not str for name in mapping.values()):
            return {}
    return data


def _keep(cache, packs_of: dict, options_key: str, in_pack: dict[str, str], loaded: dict[str, dict],
          used: list[str], compiled: dict[str, dict], results: dict[str, dict]) -> dict:
    """Write the groups compiled now into one new pack (one file, however many groups: a
    first build writes one), and return the index's packs as they are now. The results
    of groups no longer in use stay in their pack until the pack holds more of them than of
    results in use; then every result in use is written into one new pack, and the old
    packs are removed. So the cache grows with the project, not with its history."""
    mapping = {key: in_pack[key] for key in used if key not in compiled}
    live = len(set(used))
    stored = len(compiled) + sum(len(loaded.get(name, ())) for name in set(mapping.values()))
    if stored > 2 * live:
        compiled, mapping = results, {}  # compact: everything in use, in one pack
    if compiled:
        name = os.urandom(16).hex()
        cache.write("group", f"{name}.pack", encode_pack(compiled, FORMAT))
        mapping.update((key, name) for key in compiled)
    if mapping == in_pack:
        return packs_of
    updated = {**packs_of, options_key: mapping}
    still = {name for other in updated.values() for name in other.values()}
    for name in set(in_pack.values()) - still:
        cache.delete("group", f"{name}.pack")
    return updated


def _merge(results, summaries, by_path, files_of, target, options, lock_text, lock_path,
           previous_exports, allow_breaking, warnings_as_errors, compiled) -> Built | None:
    from infrac.backends import Artifact
    from infrac.contract import lockfile
    from infrac.diagnostics import has_errors
    from infrac.model import Program
    from infrac.passes.graph import deploy_waves
    from infrac.syntax import suppressions as rules

    # export names unique across groups (within a group the exports pass checked them)
    owner: dict[str, int] = {}
    for number, result in enumerate(results):
        for name in result["names"]:
            if owner.setdefault(name, number) != number:
                return None
    # stacks in the whole program's order: by file, then by first declaration
    entries: dict[str, tuple[int, dict]] = {}
    for number, result in enumerate(results):
        for entry in result["stacks"]:
            entries[entry["name"]] = (number, entry)
    order = list(dict.fromkeys(name for path in sorted(summaries) for name in summaries[path].declares))
    if sorted(order) != sorted(entries):
        return None
    # imports and reads of other groups' exports: the whole program links those
    exported: dict[str, int] = {}
    outputs: dict[tuple[str, str], int] = {}
    for number, result in enumerate(results):
        for entry in result["stacks"]:
            for name, _resource, _attribute, _importers, retired, output, _readers in entry["exports"]:
                exported.setdefault(name, number)
                if not retired:
                    outputs.setdefault((f"{entry['name']}-{{stage}}", output), number)
    for number, result in enumerate(results):
        if any(exported.get(name, number) != number for name in result["foreign_imports"]):
            return None
        if any(outputs.get((stack, output), number) != number for stack, output in result["foreign_reads"]):
            return None

    lock_exports: list[tuple[str, str]] = []
    lock_records: list[tuple[str, str]] = []
    dependencies: dict[str, tuple[str, ...]] = {}
    outlines = []
    artifacts = []
    for name in order:
        _, entry = entries[name]
        lock_exports += [(export, text) for export, text in entry["lock_exports"]]
        if entry["lock_record"] is not None:
            lock_records.append((name, entry["lock_record"]))
        dependencies[name] = tuple(entry["dependencies"])
        outlines.append(Outline(name, tuple(range(entry["resources"])), bool(entry["consumer"]), entry["path"]))
        for path, text, summary in entry["artifacts"]:
            artifacts.append(Artifact(path, text, stack=name, summary=summary))

    # diagnostics: the groups', the project block's once, then the project's levels and
    # suppression comments over them all (infrac.syntax.suppressions.apply)
    lengths = {path: len(source.text) for path, source in by_path.items()}
    found = [decode_diagnostic(d, lengths) for result in results for d in result["diagnostics"]]
    found += [decode_diagnostic(d, lengths) for d in results[0]["project"]]
    suppressions = [
        rules.Suppression(path, line, codes, reason, Span(path, start, end))
        for path in sorted(summaries)
        for line, codes, reason, start, end in summaries[path].suppressions
    ]
    silenced: list = []
    diagnostics = rules.apply_read(
        found, suppressions, [], by_path, results[0]["warnings"], warnings_as_errors=warnings_as_errors,
        silenced=silenced,
    )
    if has_errors(diagnostics):
        return None
    skeleton = Program(settings=None, stacks=tuple(outlines), dependencies=dependencies,
                       waves=deploy_waves(dependencies))
    lock_records.sort()
    lock_exports.sort()
    lock = lockfile.join([line for _, line in lock_exports], [line for _, line in lock_records])
    if lock_text is not None and previous_exports is not None:
        # A lock written again byte for byte records every export it held, from the same stack:
        # the comparison has nothing to find (the common case, and the project's whole linkage
        # need not be built for it).
        if not allow_breaking and lock != lock_text and lockfile.compare(
            previous_exports, _linkage(order, entries), skeleton, lock_path
        ):
            return None  # errors only: the whole program says them, with their places
        diagnostics += [decode_diagnostic(d, lengths) for result in results for d in result["replaced"]]
    from infrac.backends import backend

    artifacts += backend(target).project_files(skeleton, options)
    return Built(
        tuple(diagnostics), tuple(artifacts), lock, tuple(outlines), tuple(results[0]["stages"]),
        compiled, len(results), tuple(silenced),
    )


def _linkage(order: list[str], entries: dict[str, tuple[int, dict]]):
    """The project's linkage from the groups' results (for the comparison with the lock)."""
    from infrac.contract.linker import Export, Linkage

    exports = []
    imports: dict[str, tuple[str, ...]] = {}
    reads: dict[str, tuple[str, ...]] = {}
    for name in order:
        entry = entries[name][1]
        for export, resource, attribute, importers, retired, output, readers in entry["exports"]:
            exports.append(Export(export, name, resource, attribute, tuple(importers), retired,
                                  output=output, readers=tuple(readers)))
        imports[name] = tuple(entry["imports"])
        if entry["reads"] is not None:
            reads[name] = tuple(entry["reads"])
    return Linkage(tuple(exports), imports, reads)
