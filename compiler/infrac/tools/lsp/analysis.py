"""A project as the language server sees it: the result of the one compile entry
(:func:`infrac.project.pipeline.check_project`, as ``infrac check`` runs it) and an index
of where each stack, resource and attribute is named, read off the syntax IR
(declarations) and the checked model (resolved references).

Everything here is pure and works in character offsets of :class:`SourceFile`;
the server (:mod:`infrac.tools.lsp.server`) turns them into LSP positions.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping

from infrac.base.classes import field, frozen
from infrac.base.source import SourceFile, Span
from infrac.contract import lockfile
from infrac.contract.linker import Linkage
from infrac.diagnostics import Diagnostic
from infrac.model import Call, Link, Program, Reference
from infrac.project.pipeline import Checked, check_project
from infrac.syntax import ir
from infrac.syntax.fmt import format_module
from infrac.syntax.parser import ParseResult, parse

TYPE_CHECKING = False  # typing's own constant, without importing typing
if TYPE_CHECKING:
    from typing import Any

STACK, RESOURCE, ATTRIBUTE, KIND, FIELD, BLOCK = "stack", "resource", "attribute", "kind", "field", "block"


@frozen
class Symbol:
    """What a name stands for: a stack, a resource, an attribute of a resource,
    or a word of the vocabulary (a kind, a field, a nested block)."""

    what: str
    stack: str = ""
    resource: str = ""
    attribute: str = ""
    #: for vocabulary words: the resource kind, and the nested block when inside one
    kind: str = ""
    block: str = ""


@frozen
class Occurrence:
    """One place where a symbol is named. ``declaration`` for the place that
    declares it (a resource's name, a stack's name, an export); ``stack`` is the
    stack the place is in; ``via`` says how a reference was written."""

    span: Span
    symbol: Symbol
    declaration: bool = False
    stack: str = ""
    via: str = ""  # "reference", "link", "uses", "export", "declaration"


class ParseCache:
    """The parse of each file, kept while its text stays the same (a keystroke
    in one file re-parses that file only)."""

    def __init__(self) -> None:
        self._parsed: dict[str, tuple[str, ParseResult]] = {}

    def __call__(self, source: SourceFile) -> ParseResult:
        kept = self._parsed.get(source.path)
        if kept is not None and kept[0] == source.text:
            return kept[1]
        parsed = parse(source)
        self._parsed[source.path] = (source.text, parsed)
        return parsed

    def module(self, source: SourceFile) -> ir.Module | None:
        """The file's module, or what parses of it (``ParseResult.recovered``)."""
        parsed = self(source)
        return parsed.module if parsed.module is not None else parsed.recovered

    def retain(self, paths: set[str]) -> None:
        """Forget the parses of files other than ``paths`` (a document closed, a file deleted)."""
        for path in set(self._parsed) - paths:
            del self._parsed[path]


@frozen
class Analysis:
    """One version of a project: its sources, what the compiler says of them, and the index."""

    sources: Mapping[str, SourceFile]
    checked: Checked
    modules: Mapping[str, ir.Module]
    occurrences: tuple[Occurrence, ...]
    lock: Mapping[str, Mapping[str, Any]]
    #: the occurrences by file, built on first use
    memo: dict[Any, Any] = field(init=False, eq=False, repr=False, hash=False, factory=dict)

    @property
    def program(self) -> Program | None:
        return self.checked.program

    @property
    def linkage(self) -> Linkage | None:
        return self.checked.linkage

    @property
    def diagnostics(self) -> tuple[Diagnostic, ...]:
        return self.checked.diagnostics

    # ---- queries -------------------------------------------------------------------------

    def at(self, path: str, offset: int) -> Occurrence | None:
        """The innermost occurrence under the cursor (a cursor just after a name counts)."""
        found = [o for o in self.in_file(path) if o.span.start <= offset <= o.span.end]
        return min(found, key=lambda o: o.span.length) if found else None

    def in_file(self, path: str) -> list[Occurrence]:
        """The occurrences in one file, in the order of the index."""
        by_file = self.memo.get("by file")
        if by_file is None:
            by_file = self.memo["by file"] = {}
            for occurrence in self.occurrences:
                by_file.setdefault(occurrence.span.file, []).append(occurrence)
        return by_file.get(path, [])

    def declarations(self, symbol: Symbol) -> list[Occurrence]:
        return [o for o in self.occurrences if o.declaration and _same(o.symbol, symbol)]

    def definition(self, occurrence: Occurrence) -> list[Span]:
        """Where the symbol is declared: a reference's resource, an attribute's export
        (or its resource when it is not exported), a stack's every declaration."""
        symbol = occurrence.symbol
        if symbol.what == ATTRIBUTE:
            exports = self.declarations(symbol)
            if exports:
                return [o.span for o in exports]
            symbol = Symbol(RESOURCE, symbol.stack, symbol.resource)
        return [o.span for o in self.declarations(symbol)]

    def references(self, symbol: Symbol, include_declaration: bool = True) -> list[Occurrence]:
        """Every place that names the symbol. For an attribute: every reference to it,
        and every `uses` or link through which a stack imports its export."""
        found = [o for o in self.occurrences if _same(o.symbol, symbol) and (include_declaration or not o.declaration)]
        if symbol.what == ATTRIBUTE and self.linkage is not None:
            names = {e.name for e in self.exports_of(symbol.stack, symbol.resource, symbol.attribute)}
            importers = {stack for stack, imported in self.linkage.imports.items() if names & set(imported)}
            resource = Symbol(RESOURCE, symbol.stack, symbol.resource)
            found += [
                o
                for o in self.occurrences
                if o.via in ("uses", "link") and o.stack in importers and _same(o.symbol, resource)
            ]
        return sorted(set(found), key=lambda o: (o.span.file, o.span.start))

    def exports_of(self, stack: str, resource: str, attribute: str | None = None) -> list:
        if self.linkage is None:
            return []
        return [
            e
            for e in self.linkage.exports
            if e.stack == stack and e.resource == resource and (attribute is None or e.attribute == attribute)
        ]

    def wave(self, stack: str) -> int | None:
        """The stack's deploy wave, from 1."""
        if self.program is None:
            return None
        for number, wave in enumerate(self.program.waves, 1):
            if stack in wave:
                return number
        return None

    def format(self, path: str) -> str | None:
        """The file in the canonical layout (``infrac fmt``), or None when it does not parse."""
        module = self.modules.get(path)
        if module is None or module.errors:  # what did not parse would be lost
            return None
        return format_module(module, self.sources[path].text)

    def locked(self, stack: str, resource: str | None = None) -> list[str]:
        """The export names ``infra.lock`` records for a stack (or one of its resources): deployed."""
        return sorted(
            name
            for name, entry in self.lock.items()
            if entry.get("stack") == stack and (resource is None or entry.get("resource") == resource)
        )


def _same(a: Symbol, b: Symbol) -> bool:
    return a == b


def analyse(
    sources: Iterable[SourceFile],
    lock_text: str | None = None,
    lock_path: str = lockfile.NAME,
    parse_file: Callable[[SourceFile], ParseResult] | None = None,
) -> Analysis:
    """Compile the project as ``infrac check`` does, and index it."""
    parse_file = parse_file or ParseCache()
    sources = {s.path: s for s in sources}
    checked = check_project(sources.values(), lock_text, lock_path, parse_file=parse_file)
    modules = {}
    for path, source in sources.items():
        parsed = parse_file(source)
        module = parsed.module if parsed.module is not None else parsed.recovered  # what parses of a broken file
        if module is not None:
            modules[path] = module
    lock = (lockfile.read(lock_text) if lock_text is not None else None) or {}
    occurrences = list(declared(modules.values()))
    if checked.program is not None:
        occurrences += referenced(checked.program, sources)
    return Analysis(sources, checked, modules, tuple(occurrences), lock)


# ---- the index ------------------------------------------------------------------------------


def resource_name(block: ir.Block) -> ir.Symbol | None:
    """A resource block's name: its last label, when that is a plain name (as the resources pass reads it)."""
    if block.labels and isinstance(block.labels[-1], ir.Symbol):
        return block.labels[-1]
    return None


def declared(modules: Iterable[ir.Module]) -> Iterator[Occurrence]:
    """Declarations as written: stacks, resources, exports, and the vocabulary's words."""
    for module in modules:
        for item in module.items:
            if isinstance(item, ir.Project):
                yield from _fields(item.body, "", "project")
                continue
            stack = item.name.name
            if item.name.span is not None:
                yield Occurrence(item.name.span, Symbol(STACK, stack), True, stack, "declaration")
            for statement in item.body:
                if isinstance(statement, ir.Block):
                    yield from _resource(statement, stack)
                elif isinstance(statement, ir.Attribute) and statement.name_span is not None:
                    symbol = Symbol(FIELD, kind="stack", attribute=statement.name)
                    yield Occurrence(statement.name_span, symbol, False, stack)


def _resource(block: ir.Block, stack: str) -> Iterator[Occurrence]:
    if block.kind_span is not None:
        yield Occurrence(block.kind_span, Symbol(KIND, kind=block.kind), False, stack)
    name = resource_name(block)
    if name is None or name.span is None:
        return
    yield Occurrence(name.span, Symbol(RESOURCE, stack, name.name), True, stack, "declaration")
    for statement in block.body:
        if isinstance(statement, ir.Export):
            for ident in statement.names:
                if ident.span is not None:
                    symbol = Symbol(ATTRIBUTE, stack, name.name, ident.name)
                    yield Occurrence(ident.span, symbol, True, stack, "export")
    yield from _fields(block.body, stack, block.kind)


def _fields(body: tuple, stack: str, kind: str, block: str = "") -> Iterator[Occurrence]:
    """Attribute names and nested blocks, for hover. ``kind`` is a resource kind, or
    ``project`` and ``stack`` for the settings of those blocks."""
    for statement in body:
        if isinstance(statement, ir.Attribute) and statement.name_span is not None:
            symbol = Symbol(FIELD, kind=kind, block=block, attribute=statement.name)
            yield Occurrence(statement.name_span, symbol, False, stack)
        elif isinstance(statement, ir.Block) and kind:
            if statement.kind_span is not None:
                yield Occurrence(statement.kind_span, Symbol(BLOCK, kind=kind, block=statement.kind), False, stack)
            yield from _fields(statement.body, stack, kind, statement.kind)


def referenced(program: Program, sources: Mapping[str, SourceFile]) -> Iterator[Occurrence]:
    """References as the compiler resolved them (``Resource.attribute`` gets its stack)."""
    for stack in program.stacks:
        values: list[Any] = [stack.environment, stack.values, stack.conditions]
        for resource in stack.resources:
            values.append(resource.values)
            values += [b.values for blocks in resource.blocks.values() for b in blocks]
        for value in values:
            for ref in _references_in(value):
                if isinstance(ref, Reference):
                    yield from _reference(ref, stack.name)
                else:
                    yield from _link(ref, stack.name, sources)
        for use in stack.uses:
            spans = use.part_spans
            if len(spans) >= 2:
                yield Occurrence(spans[0], Symbol(STACK, use.stack), False, stack.name, "uses")
                yield Occurrence(spans[1], Symbol(RESOURCE, use.stack, use.resource), False, stack.name, "uses")
        for choice in stack.strengths:  # reference stack.Resource(.attribute) { strength = ... }
            names = (STACK, RESOURCE, ATTRIBUTE)
            for what, span in zip(names, choice.part_spans):
                symbol = Symbol(what, choice.stack, *((choice.resource,) if what != STACK else ()))
                if what == ATTRIBUTE:
                    symbol = Symbol(ATTRIBUTE, choice.stack, choice.resource, choice.attribute or "")
                yield Occurrence(span, symbol, False, stack.name, "reference")


def _references_in(value: Any) -> Iterator[Reference | Link]:
    if isinstance(value, (Reference, Link)):
        yield value
    elif isinstance(value, Mapping):
        for v in value.values():
            yield from _references_in(v)
    elif isinstance(value, (tuple, list)):
        for v in value:
            yield from _references_in(v)
    elif isinstance(value, Call):  # if(IsProd, Users.arn, ...): the references in its arguments
        yield from _references_in(value.args)


def _reference(ref: Reference, stack: str) -> Iterator[Occurrence]:
    spans = dict(zip(("stack", "resource", "attribute")[-len(ref.part_spans) :], ref.part_spans))
    if "stack" in spans:
        yield Occurrence(spans["stack"], Symbol(STACK, ref.stack), False, stack, "reference")
    if "resource" in spans:
        yield Occurrence(spans["resource"], Symbol(RESOURCE, ref.stack, ref.resource), False, stack, "reference")
    if "attribute" in spans:
        symbol = Symbol(ATTRIBUTE, ref.stack, ref.resource, ref.attribute)
        yield Occurrence(spans["attribute"], symbol, False, stack, "reference")


_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")


def _link(link: Link, stack: str, sources: Mapping[str, SourceFile]) -> Iterator[Occurrence]:
    """A link's span covers ``stack.Resource`` or ``Resource``; its parts are found in the text."""
    span = link.span
    source = sources.get(span.file) if span is not None else None
    if source is None:
        return
    parts = [(m.group(0), m.start(), m.end()) for m in _NAME.finditer(source.text, span.start, span.end)]
    if len(parts) == 2:
        (_, start, end), (_, rstart, rend) = parts
        yield Occurrence(Span(span.file, start, end), Symbol(STACK, link.stack), False, stack, "link")
        yield Occurrence(Span(span.file, rstart, rend), Symbol(RESOURCE, link.stack, link.resource), False, stack, "link")
    elif len(parts) == 1:
        _, start, end = parts[0]
        yield Occurrence(Span(span.file, start, end), Symbol(RESOURCE, link.stack, link.resource), False, stack, "link")
