"""The syntax-level IR: what a user wrote, as frozen data.

Every node keeps the span it came from, but spans take no part in equality, so
``parse(format(module)) == module`` holds whatever the layout. The vocabulary
and the passes give these nodes their meaning; the formatter prints them back.

Lowering (``infrac.syntax.lower``) is the only code that builds these nodes from
the parse tree.
"""

from __future__ import annotations

from decimal import Decimal

from infrac.base.classes import field, frozen
from infrac.base.source import Span
from infrac.base.units import UNITS


def _span():
    return field(default=None, eq=False, repr=False, kw_only=True)


# ---- values -----------------------------------------------------------------


@frozen
class String:
    value: str
    span: Span | None = _span()


@frozen
class Number:
    """A number with an optional unit: ``42`` or ``30s`` (value 30, unit ``s``)."""

    value: int | Decimal
    unit: str | None = None
    span: Span | None = _span()


@frozen
class Bool:
    value: bool
    span: Span | None = _span()


@frozen
class Symbol:
    """A bare name used as a value: an enumeration member, an attribute name."""

    name: str
    span: Span | None = _span()


@frozen
class Ref:
    """A dotted reference: ``stack.Resource.attribute`` or ``Resource.attribute``."""

    parts: tuple[str, ...]
    span: Span | None = _span()
    part_spans: tuple[Span, ...] = field(default=(), eq=False, repr=False, kw_only=True)

    @property
    def text(self) -> str:
        return ".".join(self.parts)


@frozen
class List:
    items: tuple[Value, ...]
    span: Span | None = _span()


@frozen
class Entry:
    """``key: value`` inside a map; the key is a name or a quoted string."""

    key: str
    value: Value
    span: Span | None = _span()
    key_span: Span | None = _span()


@frozen
class Map:
    entries: tuple[Entry, ...]
    span: Span | None = _span()

    def get(self, key: str) -> Value | None:
        for entry in self.entries:
            if entry.key == key:
                return entry.value
        return None


@frozen
class Call:
    """``if(IsProd, 3, no_value())``: a CloudFormation function, by its name in the language."""

    name: str
    args: tuple[Value, ...]
    span: Span | None = _span()
    name_span: Span | None = _span()


Value = String | Number | Bool | Symbol | Ref | List | Map | Call
Label = Symbol | Ref | String


def describe(value: Value) -> str:
    """A value's kind in words, for messages."""
    if isinstance(value, String):
        return "a string"
    if isinstance(value, Number):
        if value.unit and value.unit in UNITS:
            return f"a {UNITS[value.unit][0]} `{value.value}{value.unit}`"
        return f"the number `{value.value}{value.unit or ''}`"
    if isinstance(value, Bool):
        return "`true`" if value.value else "`false`"
    if isinstance(value, Symbol):
        return f"the name `{value.name}`"
    if isinstance(value, Ref):
        return f"the reference `{value.text}`"
    if isinstance(value, List):
        return "a list"
    if isinstance(value, Call):
        return f"a call of `{value.name}`"
    return "a map"


# ---- statements ---------------------------------------------------------------


@frozen
class Ident:
    """A name in a declaration position (a stack's name, an exported attribute)."""

    name: str
    span: Span | None = _span()


@frozen
class Attribute:
    """``name = value``."""

    name: str
    value: Value
    span: Span | None = _span()
    name_span: Span | None = _span()


@frozen
class Block:
    """``kind label* { body }``: a resource, or a nested block such as an index."""

    kind: str
    labels: tuple[Label, ...]
    body: tuple[Statement, ...]
    span: Span | None = _span()
    kind_span: Span | None = _span()


@frozen
class Export:
    """``export name, arn``: the attributes a resource publishes to other stacks;
    ``export arn { ... }`` with settings for one attribute (``body``)."""

    names: tuple[Ident, ...]
    body: tuple[Statement, ...] = ()
    span: Span | None = _span()


@frozen
class Uses:
    """``uses stack.Resource { read, write }``: a consumer's import of a resource."""

    target: Ref | Symbol
    access: tuple[Ident, ...]
    span: Span | None = _span()


Statement = Attribute | Block | Export | Uses


# ---- top level ------------------------------------------------------------------


@frozen
class Project:
    name: Ident
    body: tuple[Statement, ...]
    span: Span | None = _span()


@frozen
class Stack:
    name: Ident
    body: tuple[Statement, ...]
    span: Span | None = _span()


Item = Project | Stack


@frozen
class Comment:
    """``# text``; kept for the formatter, not part of the program's meaning."""

    text: str
    span: Span


@frozen
class Broken:
    """A part of a file that did not parse (``infrac.syntax.recover``): the statement it
    dropped and the tokens it skipped, and the names written there (what it might have
    declared or named, so that the checks do not report their absence as well)."""

    span: Span
    names: tuple[str, ...] = ()


@frozen
class Module:
    """One parsed file. ``errors`` are its broken parts, when it has syntax errors and
    was parsed with recovery: the statements around them are in ``items`` as usual."""

    items: tuple[Item, ...]
    path: str = field(default="", eq=False)
    comments: tuple[Comment, ...] = field(default=(), eq=False, repr=False)
    errors: tuple[Broken, ...] = field(default=(), eq=False, repr=False)
