"""Compiling the groups of an incremental build (:mod:`infrac.project.incremental`): each
group's result as JSON data, what the build keeps in the cache and merges.

A group is compiled alone when it is the only one to compile (a rebuild after an edit). When
many are (a first build), consecutive groups are compiled together, in batches (at most
:data:`BATCHES`, of at least :data:`BATCH` stacks), and the batch's result is split per
group: one program of hundreds of stacks runs each pass over all of them, where a group of
four ran every pass of the compiler for four stacks, a third slower for the same work (the
processor's caches held the code of one pass at a time, not of all of them). A batch is split only when the split is exactly
what each group compiled alone gives: every diagnostic, label and fix points into one
group's files (or the project block, which every group reads), and no stack imports or
reads what a stack of another group publishes (a group's result would then name stacks
outside it). Otherwise the batch's groups are compiled one by one.
"""

from __future__ import annotations

from infrac.project.irjson import encode_diagnostic
from infrac.syntax import ir

TYPE_CHECKING = False  # typing's own constant, without importing typing
if TYPE_CHECKING:
    from typing import Any

#: The fewest stacks compiled in one batch (but a group of fewer is compiled alone), enough for
#: each pass to run long over one batch; and the most batches a build's groups are split into,
#: so that a batch's program is at most a quarter of the project's (its memory stays within
#: that of the whole program's compilation) while the batches are few.
BATCH = 256
BATCHES = 4


class Unsplittable(Exception):
    """A batch whose result cannot be split exactly per group (see the module's docstring)."""


def compile_group(
    modules: list[ir.Module], target: str, options, previous_record: dict[str, Any] | None, lock_path: str,
    form: int,
) -> dict[str, Any] | None:
    """One group's result as JSON data (of format ``form``), or None when it has an error
    (the whole-program compilation then reports it)."""
    results = compile_batch(modules, target, options, previous_record, lock_path, form, None)
    return None if results is None else results[0]


def compile_batch(
    modules: list[ir.Module],
    target: str,
    options,
    previous_record: dict[str, Any] | None,
    lock_path: str,
    form: int,
    members: list[tuple[frozenset[str], list[str]]] | None,
) -> list[dict[str, Any]] | None:
    """The results of the groups ``members`` (each: its files, its stacks), compiled as one
    program of ``modules`` (theirs, and the project block), in that order; None when there is
    an error. ``members`` None: the modules are one group. Raises :class:`Unsplittable`."""
    from infrac import passes
    from infrac.backends import BuildOptions, backend
    from infrac.contract import linker, replacement
    from infrac.diagnostics import has_errors
    from infrac.passes import settings as settings_pass
    from infrac.passes.state import Compilation

    # passes.run, with the project block's findings kept apart: every group reads the
    # project block, and its findings are reported once for the project.
    # what the command line's whole-program compilation gives the budgets, and what it renders with
    build = (target, BuildOptions(stage=options.stage, format=options.format))
    options = BuildOptions(stage=options.stage, format=options.format, out=options.out)
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
    artifacts = backend(target).stack_files(program, options)  # the project's files are made whole, in the merge
    if members is None:
        members = [(frozenset(m.path for m in modules), [stack.name for stack in program.stacks])]
        split = False
    else:
        split = True
    return _split(program, linkage, record, artifacts, found, project_found, replaced, members, split, form)


def _split(program, linkage, record, artifacts, found, project_found, replaced, members, split: bool, form: int) -> list:
    from infrac.cfn.limits import PSEUDO_PARAMETER_SAMPLES
    from infrac.contract import linker, lockfile
    from infrac.vocabulary.naming import program_exports, stack_name

    group_of = {name: number for number, (_, stacks) in enumerate(members) for name in stacks}
    settings = program.settings
    by_stack: dict[str, list] = {}
    for artifact in artifacts:
        if artifact.stack is not None:
            by_stack.setdefault(artifact.stack, []).append([artifact.path, artifact.text, artifact.summary])
    exports_of: dict[str, list] = {}
    for export in linkage.exports:
        exports_of.setdefault(export.stack, []).append(export)
    style = linker._SymbolicStage()
    deployed = {stack.name: linker._name(style.render(stack_name(stack.name))) for stack in program.stacks}
    results = [
        {"stacks": [], "names": [], "exported": set(), "outputs": set(), "imports": set(), "reads": []}
        for _ in members
    ]
    for stack in program.stacks:
        number = group_of.get(stack.name)
        if number is None:
            raise Unsplittable(f"stack {stack.name} of no group")
        into = results[number]
        published = exports_of.get(stack.name, [])
        for resource in stack.resources:
            # every export name in every stage, as the exports pass builds them, for uniqueness across groups
            for export in program_exports(program, stack.name, resource):
                for stage in settings.stages:
                    into["names"].append(export.name.text(stage=stage, **PSEUDO_PARAMETER_SAMPLES))
        into["exported"].update(e.name for e in published)
        into["outputs"].update((deployed[e.stack], e.output) for e in published if not e.retired)
        into["imports"].update(linkage.imports.get(stack.name, ()))
        into["reads"] += linker.read_pairs(program, stack)  # as the linker found them, without rendering again
        into["stacks"].append({
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
    exported = set().union(*(into["exported"] for into in results))  # by any group of the batch
    outputs = set().union(*(into["outputs"] for into in results))
    placed = _place(found, members, split), _place(replaced, members, split)
    out = []
    for number, into in enumerate(results):
        foreign_imports = sorted(n for n in into["imports"] if n not in into["exported"])
        foreign_reads = [list(pair) for pair in into["reads"] if pair not in into["outputs"]]
        if split and (
            any(n in exported for n in foreign_imports) or any(tuple(pair) in outputs for pair in foreign_reads)
        ):
            raise Unsplittable("a stack reads another group's export")
        out.append({
            "format": form,
            "stacks": into["stacks"],
            "diagnostics": [encode_diagnostic(d) for d in placed[0][number]],
            "project": [encode_diagnostic(d) for d in project_found],
            "replaced": [encode_diagnostic(d) for d in placed[1][number]],
            "stages": list(settings.stages),
            "warnings": dict(settings.warnings),
            "names": into["names"],
            "foreign_imports": foreign_imports,
            "foreign_reads": foreign_reads,
        })
    return out


def _place(diagnostics: list, members: list[tuple[frozenset[str], list[str]]], split: bool) -> list[list]:
    """``diagnostics`` per group: by the file of each one's primary position, every other
    position in the same group's files or in a file of no group (the project block)."""
    placed: list[list] = [[] for _ in members]
    if not split:
        placed[0] = list(diagnostics)
        return placed
    group_of_file = {path: number for number, (files, _) in enumerate(members) for path in files}
    for found in diagnostics:
        number = group_of_file.get(found.span.file) if found.span is not None else None
        if number is None:
            raise Unsplittable("a diagnostic of no one group")
        others = [label.span for label in found.labels]
        if found.fix is not None:
            others += [replacement.span for replacement in found.fix.replacements]
        if any(span is not None and group_of_file.get(span.file, number) != number for span in others):
            raise Unsplittable("a diagnostic across groups")
        placed[number].append(found)
    return placed
