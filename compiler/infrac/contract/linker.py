"""The project's exports and imports, as one table: who publishes what, under
which name, and who imports it.

It is read off the rendered stacks, so it says exactly what the templates
will say: every ``Export`` of every output, every ``Fn::ImportValue``. Names
keep ``{stage}`` (``infrastructure-sqs-{stage}-OrdersArn``); :meth:`Export.named`
gives the name in one stage.
"""

from __future__ import annotations

from infrac.backends.resources import StackRenderer, StageStyle, consumer_document
from infrac.base.classes import evolve, field, frozen
from infrac.base.source import Span
from infrac.contract.record import keep_record
from infrac.model import Program, Stack, Template
from infrac.vocabulary.naming import program_exports, stack_name

TYPE_CHECKING = False  # typing's own constant, without importing typing
if TYPE_CHECKING:
    from typing import Any


class _SymbolicStage(StageStyle):
    """Keeps ``{stage}`` as text, so that names compare across stages."""

    def plain(self, template: Template) -> Any:
        return "".join(p if isinstance(p, str) else "{" + p.name + "}" for p in template.parts)

    def stage_in_sub(self) -> str:
        return "{stage}"


def _name(value: Any) -> str:
    """An export name as written: a string, or an ``Fn::Sub`` of one (pseudo parameters)."""
    return value if isinstance(value, str) else value["Fn::Sub"]


@frozen
class Export:
    name: str
    stack: str
    resource: str
    attribute: str
    importers: tuple[str, ...]
    retired: str | None = None
    span: Span | None = field(default=None, eq=False, repr=False)
    #: the output that carries it, which weak references read
    output: str = ""
    #: stacks that read the output weakly (``Fn::GetStackOutput``): ``weak`` and ``both``
    #: references. A ``both`` reader is also among the importers: its export stays protected.
    readers: tuple[str, ...] = ()

    def named(self, stage: str) -> str:
        return self.name.replace("{stage}", stage)


@frozen
class Linkage:
    exports: tuple[Export, ...]
    #: importer stack -> export names it imports (``strong`` references, and ``both``)
    imports: dict[str, tuple[str, ...]]
    #: reader stack -> export names whose outputs it reads with ``Fn::GetStackOutput``
    reads: dict[str, tuple[str, ...]] = field(factory=dict)

    #: the exports by name, built on first use (the language server joins groups' linkages
    #: on every keystroke and looks few of them up)
    memo: dict[str, dict[str, Export]] = field(init=False, eq=False, repr=False, hash=False, factory=dict)

    def export(self, name: str) -> Export | None:
        index = self.memo.get("by name")
        if index is None:
            index = self.memo["by name"] = {}
            for export in self.exports:
                index.setdefault(export.name, export)
        return index.get(name)


def imports_in(value: Any) -> list[str]:
    """Every export name that a template (or any part of one) imports."""
    if isinstance(value, dict):
        if set(value) == {"Fn::ImportValue"}:
            return [_name(value["Fn::ImportValue"])]
        return [name for v in value.values() for name in imports_in(v)]
    if isinstance(value, list):
        return [name for v in value for name in imports_in(v)]
    return []


def rendered_resources(program: Program, stack: Stack) -> dict[str, Any]:
    """The stack's resources as the backend renders them, ``{stage}`` kept symbolic.

    The linker renders each stack once per program. For a program compiled to be built
    (``link(..., for_build=True)``), it keeps only what it reads off each rendering: the
    imports and the stack's replacement record (:func:`infrac.contract.record.stack_record`,
    which the build's lock needs), so that a build does not hold every stack's rendering at
    once. Otherwise (``infrac check``, the language server) it keeps the renderings in
    ``Program.memo``, for the replacement record that only a check against a lock asks for
    (it reads AWS's schemas, which a check without a lock does not load). Callers must not
    change what they get: it may be shared."""
    kept = program.memo.get(("linker.rendered", stack.name))
    return kept if kept is not None else StackRenderer(program, stack, _SymbolicStage()).resources()


def reads_in(value: Any) -> list[tuple[str, str]]:
    """Every ``(StackName, OutputName)`` that a template (or a part) reads with ``Fn::GetStackOutput``."""
    if isinstance(value, dict):
        if set(value) == {"Fn::GetStackOutput"}:
            return _read(value["Fn::GetStackOutput"])
        return [pair for v in value.values() for pair in reads_in(v)]
    if isinstance(value, list):
        return [pair for v in value for pair in reads_in(v)]
    return []


def _read(read: Any) -> list[tuple[str, str]]:
    # the user's own properties may hold any form of it: only infrac's is a link
    stack = read.get("StackName") if isinstance(read, dict) else None
    stack = stack.get("Fn::Sub") if isinstance(stack, dict) and set(stack) == {"Fn::Sub"} else stack
    output = read.get("OutputName") if isinstance(read, dict) else None
    return [(stack, output)] if isinstance(stack, str) and isinstance(output, str) else []


def _links_in(value: Any, imports: list[str], reads: list[tuple[str, str]], *, wanted: tuple[bool, bool] = (True, True)) -> None:
    """``imports_in(value)`` and ``reads_in(value)`` in one walk, appended to ``imports``
    and ``reads``: each stops where its own function stops (at its intrinsic)."""
    want_imports, want_reads = wanted
    if isinstance(value, dict):
        if len(value) == 1:
            if want_imports and "Fn::ImportValue" in value:
                imports.append(_name(value["Fn::ImportValue"]))
                want_imports = False
            elif want_reads and "Fn::GetStackOutput" in value:
                reads.extend(_read(value["Fn::GetStackOutput"]))
                want_reads = False
            if not (want_imports or want_reads):
                return
        for item in value.values():
            _links_in(item, imports, reads, wanted=(want_imports, want_reads))
    elif isinstance(value, list):
        for item in value:
            _links_in(item, imports, reads, wanted=(want_imports, want_reads))


def read_pairs(program: Program, stack: Stack) -> list[tuple[str, str]]:
    """Every ``(StackName, OutputName)`` that the stack reads with ``Fn::GetStackOutput``
    (:func:`reads_in` of its rendering), as :func:`link` found them: the rendering itself
    is not kept. Callers must not change the list."""
    link(program)
    return program.memo[("linker.reads", stack.name)]


def link(program: Program, *, for_build: bool = False) -> Linkage:
    """Every export of the project with its importers, in stack and source order. Computed
    once per program (kept in ``Program.memo``): the linker's pass and the caller that
    compiled the program ask for the same one. ``for_build``: the program is compiled to
    be written, lock included (see :func:`rendered_resources`); the first call decides."""
    if "linker.linkage" not in program.memo:
        program.memo["linker.linkage"] = _link(program, for_build)
    return program.memo["linker.linkage"]


def _link(program: Program, for_build: bool) -> Linkage:
    style = _SymbolicStage()
    exports = []
    by_output: dict[tuple[str, str], str] = {}  # (stack name as deployed, output) -> export name
    for stack in program.stacks:
        deployed = _name(style.render(stack_name(stack.name)))
        for resource in stack.resources:
            for published in program_exports(program, stack.name, resource):
                name = _name(style.render(published.name))
                if not published.spec.retired:
                    by_output[deployed, published.output_id] = name
                exports.append(
                    Export(
                        name=name,
                        stack=stack.name,
                        resource=resource.name,
                        attribute=published.spec.attribute,
                        importers=(),
                        retired=published.spec.retired,
                        span=published.spec.span,
                        output=published.output_id,
                    )
                )
    imports: dict[str, tuple[str, ...]] = {}
    reads: dict[str, tuple[str, ...]] = {}
    by_name: dict[str, Export] = {}
    for export in exports:
        by_name.setdefault(export.name, export)
    for stack in program.stacks:
        renderer = StackRenderer(program, stack, _SymbolicStage())
        resources = renderer.resources()
        if for_build:
            keep_record(program, stack, resources)
        else:
            program.memo[("linker.rendered", stack.name)] = resources
        found: list[str] = []
        pairs: list[tuple[str, str]] = []
        _links_in([resources, consumer_document(renderer)], found, pairs)
        program.memo[("linker.reads", stack.name)] = pairs
        read = [by_output[pair] for pair in pairs if pair in by_output]
        for name in read:  # `both`: the export stays imported while the stack reads the output
            export = by_name[name]
            if stack.strength(export.stack, export.resource, export.attribute, program.settings.references) == "both":
                found.append(name)
        imports[stack.name] = tuple(dict.fromkeys(found))
        if read:
            reads[stack.name] = tuple(dict.fromkeys(read))
    importers: dict[str, list[str]] = {}
    for importer, names in imports.items():
        for name in names:
            importers.setdefault(name, []).append(importer)
    readers: dict[str, list[str]] = {}
    for reader, names in reads.items():
        for name in names:
            readers.setdefault(name, []).append(reader)
    exports = [
        evolve(
            e, importers=tuple(sorted(importers.get(e.name, ()))), readers=tuple(sorted(readers.get(e.name, ())))
        )
        for e in exports
    ]
    return Linkage(tuple(exports), imports, reads)
