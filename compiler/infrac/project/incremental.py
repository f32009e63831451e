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
suppression comments) is cached by the file's path and text, so that grouping reads no
syntax IR. Per group, the **result** (its files, its diagnostics, its part of the lock,
its exports' names, what each stack writes) is cached by the SHA-256 of the group's
files (paths and texts), the project block, the lock's record of the group's stacks,
the build's target and options, and infrac's fingerprint (the cache's namespace).

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

import gc
import hashlib
import json
from collections.abc import Iterable

from infrac.base.classes import frozen
from infrac.base.source import SourceFile, Span
from infrac.project.buildcache import decode_diagnostic, encode_diagnostic
from infrac.project.groups import Summary, groups, summarize
from infrac.syntax import ir

TYPE_CHECKING = False  # typing's own constant, without importing typing
if TYPE_CHECKING:
    from typing import Any

#: Bumped when the content of summaries or group results changes.
FORMAT = 3


# ---- one group, compiled -------------------------------------------------------------------


def _compile_group(
    modules: list[ir.Module],
    target: str,
    options,
    previous_record: dict[str, Any] | None,
    lock_path: str,
    emitter=None,
) -> dict[str, Any] | None:
    """A group's result as JSON data, or None when it has an error (the whole-program
    compilation then reports it). ``emitter`` is the build cache's, or None."""
    from infrac import passes
    from infrac.backends import BuildOptions, backend
    from infrac.cfn.limits import PSEUDO_PARAMETER_SAMPLES
    from infrac.contract import linker, lockfile, replacement
    from infrac.diagnostics import has_errors
    from infrac.passes import settings as settings_pass
    from infrac.passes.state import Compilation
    from infrac.vocabulary.naming import program_exports, stack_name

    # passes.run, with the project block's findings kept apart: every group reads the
    # project block, and its findings are reported once for the project.
    # what the command line's whole-program compilation gives the budgets, and what it renders with
    build = (target, BuildOptions(stage=options.stage, format=options.format, emitter=emitter))
    options = BuildOptions(stage=options.stage, format=options.format, out=options.out, emitter=emitter)
    state = Compilation(modules=tuple(modules), build=build)
    found: list = []
    project_found: list = []
    for step in passes.PASSES:
        state, diagnostics = step(state)
        (project_found if step is settings_pass.check else found).extend(diagnostics)
    if has_errors(found) or has_errors(project_found):
        return None
    for step in passes.RENDERED_PASSES:
        state, diagnostics = step(state)
        found.extend(diagnostics)
    if has_errors(found):
        return None
    program = state.program
    linkage = linker.link(program)
    replaced = []
    if previous_record is not None:
        replaced = replacement.compare(previous_record, program, lock_path)
        if has_errors(replaced):
            return None
    record = replacement.record(program)
    artifacts = backend(target).render(program, options)
    by_stack: dict[str, list] = {}
    for artifact in artifacts:
        if artifact.stack is not None:
            by_stack.setdefault(artifact.stack, []).append([artifact.path, artifact.text, artifact.summary])
    # every export name in every stage, as the exports pass builds them, for uniqueness across groups
    names = []
    settings = program.settings
    for stack in program.stacks:
        for resource in stack.resources:
            for published in program_exports(program, stack.name, resource):
                for stage in settings.stages:
                    names.append(published.name.text(stage=stage, **PSEUDO_PARAMETER_SAMPLES))
    exported = {e.name for e in linkage.exports}
    style = linker._SymbolicStage()
    deployed = {stack.name: linker._name(style.render(stack_name(stack.name))) for stack in program.stacks}
    outputs = {(deployed[e.stack], e.output) for e in linkage.exports if not e.retired}
    foreign_imports = sorted({n for names_ in linkage.imports.values() for n in names_ if n not in exported})
    foreign_reads = []
    for stack in program.stacks:  # as the linker found them, without rendering the stack again
        foreign_reads += [list(pair) for pair in linker.read_pairs(program, stack) if pair not in outputs]
    exports_of: dict[str, list] = {}
    for export in linkage.exports:
        exports_of.setdefault(export.stack, []).append(export)
    stacks = []
    for stack in program.stacks:
        published = exports_of.get(stack.name, [])
        stacks.append({
            "name": stack.name,
            "resources": len(stack.resources),
            "consumer": stack.is_consumer,
            "path": stack.path,
            "dependencies": list(program.dependencies.get(stack.name, ())),
            "artifacts": by_stack.get(stack.name, []),
            "exports": [
                [e.name, e.resource, e.attribute, list(e.importers), e.retired, e.output, list(e.readers)]
                for e in published
            ],
            "imports": list(linkage.imports.get(stack.name, ())),
            "reads": list(linkage.reads[stack.name]) if stack.name in linkage.reads else None,
            # the lock's pieces for this stack (infrac.contract.lockfile.join joins them)
            "lock_exports": [[e.name, lockfile.export_member(e)] for e in published],
            "lock_record": lockfile.member(stack.name, lockfile.stack_fragment(record[stack.name]))
            if record.get(stack.name) else None,
        })
    return {
        "format": FORMAT,
        "stacks": stacks,
        "diagnostics": [encode_diagnostic(d) for d in found],
        "project": [encode_diagnostic(d) for d in project_found],
        "replaced": [encode_diagnostic(d) for d in replaced],
        "stages": list(settings.stages),
        "warnings": dict(settings.warnings),
        "names": names,
        "foreign_imports": foreign_imports,
        "foreign_reads": foreign_reads,
    }


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
    keys = {s.path: _digest("file", s.path, s.text) for s in sources}
    summaries: dict[str, Summary] = {}
    modules: dict[str, ir.Module] = {}
    # the project's summaries, one entry (file key -> summary) for the project (named by its lock's path)
    index_key = _digest("index", str(FORMAT), lock_path)
    index = cache.get("summary", index_key) or {}
    known = index.get("files") if isinstance(index.get("files"), dict) else {}
    kept: dict[str, Any] = {}
    for source in sources:
        key = keys[source.path]
        summary = None
        if key in known:
            try:
                summary = Summary.decode(known[key])
            except (ValueError, KeyError, TypeError, IndexError):
                summary = None
        if summary is None:
            parsed = cache.parse(source)
            if parsed.module is None or parsed.diagnostics:
                return None  # a syntax error: the whole-program compilation reports it
            modules[source.path] = parsed.module
            summary = summarize(parsed.module, source)
        # a summary read from the index is kept as it was written; one made now is encoded
        kept[key] = summary.encode() if source.path in modules else known[key]
        summaries[source.path] = summary
    # the group entries the last build with these options used, by a digest of the options
    last_groups = index.get("groups") if isinstance(index.get("groups"), dict) else {}
    if kept != known:
        cache.put("summary", index_key, {"files": kept, "groups": last_groups})
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

    def module(path: str) -> ir.Module | None:
        if path not in modules:
            parsed = cache.parse(by_path[path])
            if parsed.module is None or parsed.diagnostics:
                return None
            modules[path] = parsed.module
        return modules[path]

    results = []
    used = []
    compiled = 0
    for files in files_of:
        stacks = [name for path in files for name in summaries[path].declares]
        recorded = json.dumps({name: (previous_record or {}).get(name) for name in sorted(set(stacks))}, sort_keys=True)
        key = _digest("group", str(FORMAT), build_key, project_key, recorded, *(keys[p] for p in files))
        used.append(key)
        result = cache.get("group", key)
        if result is not None and result.get("format") != FORMAT:
            result = None
        if result is None:
            if compiled:
                # A group's program holds reference cycles, and a build runs with the cyclic
                # collector off (infrac.cli.run): collect the youngest generation, the objects
                # made since the last group was compiled, so that each group's program is freed
                # before the next one's (a project's peak memory is then its largest group's,
                # not the sum of all). Not after the last group: its program dies with the build
                # (collecting then traversed every object the process had made, a twentieth of
                # a small build).
                gc.collect(0)
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
            result = _compile_group(
                group_modules,
                target,
                options,
                previous_record,
                lock_path,
                # a group compiled again emits through the cache the stacks whose documents did
                # not change; a first build (no summaries yet) does without its hashing
                cache.emit if known else None,
            )
            if result is None:
                return None
            compiled += 1
            cache.put("group", key, result)
            for path in files:
                if path != project_path:  # the other groups read its project block
                    modules.pop(path, None)
        results.append(result)
    # entries this project's previous build with the same options used and this one does not are
    # not read again unless the edit is undone: removed, so that the cache grows with the project,
    # not with its history (removing an entry is always safe: a miss)
    options_key = _digest(target, str(options.stage), options.format, options.out)
    previous = last_groups.get(options_key)
    if previous != used:
        for stale in set(previous if isinstance(previous, list) else ()) - set(used):
            if isinstance(stale, str):
                cache.delete("group", stale)
        cache.put("summary", index_key, {"files": kept, "groups": {**last_groups, options_key: used}})

    try:
        return _merge(results, summaries, by_path, files_of, target, options, lock_text, lock_path,
                      previous_exports, allow_breaking, warnings_as_errors, compiled)
    except (KeyError, ValueError, TypeError, IndexError, AttributeError):  # a foreign or damaged entry
        return None


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
    found = [decode_diagnostic(d) for result in results for d in result["diagnostics"]]
    found += [decode_diagnostic(d) for d in results[0]["project"]]
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
        diagnostics += [decode_diagnostic(d) for result in results for d in result["replaced"]]
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
