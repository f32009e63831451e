"""The syntax IR and diagnostics as JSON data, for the build cache (:mod:`infrac.project.buildcache`).

Flat and positional, so that a warm build reads a module with one ``json.loads`` and one
call per node: a node is a list ``[class, field, ..., start, end, ...]`` whose class is a
number (0 String, 1 Number, 2 Bool, 3 Symbol, 4 Ref, 5 List, 6 Map, 7 Call, 8 Attribute,
9 Block, 10 Export, 11 Uses, 12 Project, 13 Stack) and whose fields are in the order
:func:`encode_module` writes them and :func:`decode_module` reads them; a span is two
numbers (its file is the module's); a value that is a node is a node list; a tuple of
nodes is a list of node lists. Names are interned, as the parser's are, so that the many
copies of `name` or `table` are one string. ``tests/test_buildcache.py`` checks that every
``.infra`` file of the repository reads back identical, spans included.

An entry is data from a folder on disk, verified before use: decoding checks every node's
length (unpacking fails otherwise), its class, the type of every field the compiler relies
on, that every span lies in the file's text, that no number is one the parser would refuse,
and that the module is no deeper than the parser allows (every later stage recurses over
it); anything else raises :class:`Foreign`, and the cache reads it as a miss.
"""

from __future__ import annotations

import json
from decimal import Decimal
from sys import intern

from infrac.base.source import Span
from infrac.syntax import ir
from infrac.syntax.parser import MAX_DEPTH

TYPE_CHECKING = False  # typing's own constant, without importing typing
if TYPE_CHECKING:
    from typing import Any

#: Bumped when the layout of a module changes.
FORMAT = 3

#: The largest number the parser accepts has 100 digits (E0310).
_DIGITS = 100


class Foreign(ValueError):
    """Data that is not what :func:`encode_module` (or :func:`encode_diagnostic`) wrote."""


class _Unencodable(Exception):
    pass


# ---- diagnostics (a cached group's findings) ---------------------------------------------


def _span(span: Span | None) -> Any:
    return None if span is None else [span.file, span.start, span.end]


def encode_diagnostic(d) -> Any:
    """A diagnostic as JSON data, for a cached result; :func:`decode_diagnostic` reads it back."""
    return [
        d.code, d.severity.value, d.message, _span(d.span), d.label,
        [[_span(label.span), label.message] for label in d.labels],
        list(d.notes), d.hint,
        None if d.fix is None else [d.fix.description, [[_span(r.span), r.text] for r in d.fix.replacements]],
    ]


def decode_diagnostic(data: Any, lengths: dict[str, int]):
    """The diagnostic :func:`encode_diagnostic` encoded; ``lengths`` gives the length of the
    text of each file a span may point into. Raises :class:`Foreign` on anything else."""
    from infrac.diagnostics.codes import CODES
    from infrac.diagnostics.model import Diagnostic, Fix, Label, Replacement, Severity, bounded

    def span(value: Any) -> Span | None:
        if value is None:
            return None
        file, start, end = value
        if type(file) is not str or type(start) is not int or type(end) is not int:
            raise Foreign("span")
        if file not in lengths or not 0 <= start <= end <= lengths[file]:
            raise Foreign("a span outside the project's files")
        return Span(file, start, end)

    def text(value: Any) -> str:
        if type(value) is not str:
            raise Foreign("text")
        return bounded(value)

    code, severity, message, where, label, labels, notes, hint, fix = data
    if type(code) is not str or code not in CODES or severity not in ("error", "warning"):
        raise Foreign("code")
    return Diagnostic(
        code=code,
        severity=Severity(severity),
        message=text(message),
        span=span(where),
        label=text(label),
        labels=tuple(Label(span(s), text(m)) for s, m in labels),
        notes=tuple(text(n) for n in notes),
        hint=None if hint is None else text(hint),
        fix=None if fix is None else Fix(text(fix[0]), tuple(Replacement(span(s), text(t)) for s, t in fix[1])),
    )


# ---- modules -----------------------------------------------------------------------------


def encode_module(module: ir.Module) -> Any:
    """A module as JSON data (see above); raises _Unencodable for a module that did
    not come from parsing one file (a span of another file, a missing span)."""
    path = module.path

    def span(value: Span | None) -> tuple[int, int]:
        if type(value) is not Span or value.file != path:
            raise _Unencodable(value)
        return value.start, value.end

    def node(value: Any) -> list:
        cls = type(value)
        # the commonest first
        if cls is ir.Attribute:
            return [8, value.name, node(value.value), *span(value.span), *span(value.name_span)]
        if cls is ir.Symbol:
            return [3, value.name, *span(value.span)]
        if cls is ir.String:
            return [0, value.value, *span(value.span)]
        if cls is ir.Block:
            labels = [node(label) for label in value.labels]
            return [9, value.kind, labels, body(value.body), *span(value.span), *span(value.kind_span)]
        if cls is ir.Ref:
            parts = [n for part in value.part_spans for n in span(part)]
            return [4, list(value.parts), *span(value.span), parts]
        if cls is ir.Map:
            if any(type(e) is not ir.Entry for e in value.entries):
                raise _Unencodable(value)
            entries = [[e.key, node(e.value), *span(e.span), *span(e.key_span)] for e in value.entries]
            return [6, entries, *span(value.span)]
        if cls is ir.Number:
            number = value.value
            if type(number) is Decimal:
                number = str(number)
            elif type(number) is not int:
                raise _Unencodable(value)
            return [1, number, value.unit, *span(value.span)]
        if cls is ir.Bool:
            return [2, value.value, *span(value.span)]
        if cls is ir.List:
            return [5, [node(item) for item in value.items], *span(value.span)]
        if cls is ir.Call:
            return [7, value.name, [node(a) for a in value.args], *span(value.span), *span(value.name_span)]
        if cls is ir.Export:
            return [10, [ident(n) for n in value.names], body(value.body), *span(value.span)]
        if cls is ir.Uses:
            return [11, node(value.target), [ident(n) for n in value.access], *span(value.span)]
        if cls is ir.Project or cls is ir.Stack:
            return [12 if cls is ir.Project else 13, ident(value.name), body(value.body), *span(value.span)]
        raise _Unencodable(value)

    def ident(value: ir.Ident) -> list:
        if type(value) is not ir.Ident:
            raise _Unencodable(value)
        return [value.name, *span(value.span)]

    def body(statements: tuple) -> list:
        return [node(s) for s in statements]

    comments = []
    for comment in module.comments:
        if type(comment) is not ir.Comment:
            raise _Unencodable(comment)
        comments.append([comment.text, *span(comment.span)])
    return {"format": FORMAT, "items": [node(item) for item in module.items], "comments": comments}


class _Integers(dict):
    """JSON's integers, one object per value: spans hold two offsets each, and numbers
    above 256 are objects of their own (a sixth of a module's memory otherwise)."""

    def __missing__(self, text: str) -> int:
        value = self[text] = int(text)
        return value


_INTEGERS = _Integers()


def _no_float(text: str) -> Any:
    raise Foreign("a module holds no floating-point number")


def read_module(text: str, path: str, length: int) -> ir.Module:
    """:func:`decode_module` of an entry's JSON text (``length``: of the file's text)."""
    if len(_INTEGERS) > 1 << 16:  # a long-lived process read a large file
        _INTEGERS.clear()
    data = json.loads(text, parse_int=_INTEGERS.__getitem__, parse_float=_no_float, parse_constant=_no_float)
    return decode_module(data, path, length)


def _decimal(value: str) -> Decimal:
    """A number the parser could have read (digits, one point), as the lowering makes it."""
    whole, _, fraction = value.removeprefix("-").partition(".")
    if not whole.isdigit() or not whole.isascii() or (fraction and not (fraction.isdigit() and fraction.isascii())):
        raise Foreign("number")
    if len(whole) + len(fraction) > _DIGITS:
        raise Foreign("number")
    return Decimal(value)


def decode_module(data: Any, path: str, length: int) -> ir.Module:
    """The module :func:`encode_module` encoded for a file of ``length`` characters; raises on
    anything else (:class:`Foreign`, or the ``ValueError``, ``TypeError``, ``KeyError``,
    ``IndexError`` or ``AttributeError`` of a malformed node)."""
    if data.get("format") != FORMAT:
        raise Foreign("another format")
    String, Number, Bool, Symbol, Ref, List, Map, Entry, Call = (
        ir.String, ir.Number, ir.Bool, ir.Symbol, ir.Ref, ir.List, ir.Map, ir.Entry, ir.Call,
    )  # fmt: skip

    def at(start: int, end: int) -> Span:
        if not 0 <= start <= end <= length:
            raise Foreign("a span outside the file")
        return Span(path, start, end)

    def name(value: Any) -> str:
        if type(value) is not str:
            raise Foreign("a name")
        return intern(value)

    def string(n: list, depth: int) -> ir.String:
        _, value, start, end = n
        if type(value) is not str:
            raise Foreign("string")
        return String(value, span=at(start, end))

    def number(n: list, depth: int) -> ir.Number:
        _, value, unit, start, end = n
        if type(value) is str:
            value = _decimal(value)
        elif type(value) is not int or abs(value) >= 10**_DIGITS:
            raise Foreign("number")
        if unit is not None and type(unit) is not str:
            raise Foreign("unit")
        return Number(value, unit, span=at(start, end))

    def bool_(n: list, depth: int) -> ir.Bool:
        _, value, start, end = n
        if type(value) is not bool:
            raise Foreign("bool")
        return Bool(value, span=at(start, end))

    def symbol(n: list, depth: int) -> ir.Symbol:
        _, value, start, end = n
        return Symbol(name(value), span=at(start, end))

    def ref(n: list, depth: int) -> ir.Ref:
        _, parts, start, end, spans = n
        if not parts or len(spans) != 2 * len(parts):
            raise Foreign("ref")
        part_spans = tuple(at(spans[i], spans[i + 1]) for i in range(0, len(spans), 2))
        return Ref(tuple([name(p) for p in parts]), span=at(start, end), part_spans=part_spans)

    def list_(n: list, depth: int) -> ir.List:
        _, items, start, end = n
        return List(tuple([node(i, depth) for i in items]), span=at(start, end))

    def map_(n: list, depth: int) -> ir.Map:
        _, entries, start, end = n
        return Map(tuple([entry(*e, depth=depth) for e in entries]), span=at(start, end))

    def entry(key: str, value: list, start: int, end: int, key_start: int, key_end: int, *, depth: int) -> ir.Entry:
        return Entry(name(key), node(value, depth), span=at(start, end), key_span=at(key_start, key_end))

    def call(n: list, depth: int) -> ir.Call:
        _, called, args, start, end, name_start, name_end = n
        return Call(
            name(called),
            tuple([node(a, depth) for a in args]),
            span=at(start, end),
            name_span=at(name_start, name_end),
        )

    def attribute(n: list, depth: int) -> ir.Attribute:
        _, key, value, start, end, name_start, name_end = n
        return ir.Attribute(name(key), node(value, depth), span=at(start, end), name_span=at(name_start, name_end))

    def block(n: list, depth: int) -> ir.Block:
        _, kind, labels, statements, start, end, kind_start, kind_end = n
        return ir.Block(
            name(kind),
            tuple([node(label, depth) for label in labels]),
            tuple([node(s, depth) for s in statements]),
            span=at(start, end),
            kind_span=at(kind_start, kind_end),
        )

    def export(n: list, depth: int) -> ir.Export:
        _, names, statements, start, end = n
        return ir.Export(
            tuple([ident(*i) for i in names]), tuple([node(s, depth) for s in statements]), span=at(start, end)
        )

    def uses(n: list, depth: int) -> ir.Uses:
        _, target, access, start, end = n
        return ir.Uses(node(target, depth), tuple([ident(*i) for i in access]), span=at(start, end))

    def project(n: list, depth: int) -> ir.Project:
        _, label, statements, start, end = n
        return ir.Project(ident(*label), tuple([node(s, depth) for s in statements]), span=at(start, end))

    def stack(n: list, depth: int) -> ir.Stack:
        _, label, statements, start, end = n
        return ir.Stack(ident(*label), tuple([node(s, depth) for s in statements]), span=at(start, end))

    def ident(value: str, start: int, end: int) -> ir.Ident:
        return ir.Ident(name(value), span=at(start, end))

    decoders = (
        string, number, bool_, symbol, ref, list_, map_, call, attribute, block, export, uses, project, stack,
    )  # fmt: skip

    def node(n: list, depth: int) -> Any:
        # Every node counts one level (the parser counts fewer: labels, exports and uses
        # nest no deeper than the values they hold), so a module decoded here is never
        # deeper than one the parser accepts, which every later stage recurses over.
        if depth > MAX_DEPTH or type(n) is not list:
            raise Foreign("nested deeper than the parser allows")
        kind = n[0]
        if type(kind) is not int or not 0 <= kind < 12:
            raise Foreign("not a node")
        return decoders[kind](n, depth + 1)

    items = []
    for item in data["items"]:
        kind = item[0] if type(item) is list and item else None
        if kind != 12 and kind != 13:
            raise Foreign("not a module")
        items.append(decoders[kind](item, 2))
    comments = []
    for text, start, end in data["comments"]:
        if type(text) is not str:
            raise Foreign("comment")
        comments.append(ir.Comment(text, at(start, end)))
    return ir.Module(tuple(items), path=path, comments=tuple(comments))
