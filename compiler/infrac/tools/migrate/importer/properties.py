"""What the lifters share: the readers of property values that give a kind's values (text,
names, durations, tags, links to a whole resource) or decline the kind.
"""

from __future__ import annotations

import re

from infrac.base.classes import frozen
from infrac.syntax import ir
from infrac.tools.migrate.importer.values import Refs, Unsupported, escape, to_ir
from infrac.tools.migrate.source.model import Interpolated, Template

TYPE_CHECKING = False  # typing's own constant, without importing typing
if TYPE_CHECKING:
    from typing import Any


class Decline(Exception):
    """The resource does not fit the kind; it is imported as a generic block."""


def as_text(value: Any) -> ir.String:
    if isinstance(value, Interpolated):
        return ir.String(value.text)
    if isinstance(value, str):
        return ir.String(escape(value))
    raise Decline


def as_word(value: Any, pattern: str = r"[A-Za-z_][A-Za-z0-9_-]*") -> ir.Value:
    """A name: bare when it can be, quoted otherwise."""
    if not isinstance(value, str):
        raise Decline
    return ir.Symbol(value) if re.fullmatch(pattern, value) and value not in ("true", "false") else ir.String(value)


def as_seconds(value: Any) -> ir.Number:
    if isinstance(value, str) and value.isdigit():
        value = int(value)
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise Decline
    for unit, factor in (("d", 86400), ("h", 3600), ("m", 60)):
        if value and value % factor == 0:
            return ir.Number(value // factor, unit)
    return ir.Number(value, "s")


def as_tags(value: Any) -> ir.Map:
    if not isinstance(value, list):
        raise Decline
    entries = []
    for tag in value:
        if not isinstance(tag, dict) or set(tag) != {"Key", "Value"} or not isinstance(tag["Key"], str):
            raise Decline
        entries.append(ir.Entry(tag["Key"], as_text(tag["Value"])))
    if len({e.key for e in entries}) != len(entries):
        raise Decline
    return ir.Map(tuple(entries))


def attr(name: str, value: ir.Value) -> ir.Attribute:
    return ir.Attribute(name, value)


@frozen
class Link:
    """A whole resource named by a lifted block (``pool = UserPool``): written as a name in
    the same stack, ``stack.Name`` in another, once the stacks are known."""

    logical_id: str


def as_link(value: Any, template: Template, type_name: str) -> Link:
    if not (isinstance(value, dict) and set(value) == {"Ref"} and isinstance(value["Ref"], str)):
        raise Decline
    target = template.resource(value["Ref"])
    if target is None or target.type != type_name:
        raise Decline
    return Link(value["Ref"])


def as_words(value: Any, choices: dict[str, str]) -> ir.List:
    if not isinstance(value, list) or not value:
        raise Decline
    reverse = {v: k for k, v in choices.items()}
    if any(not isinstance(v, str) or v not in reverse for v in value):
        raise Decline
    return ir.List(tuple(ir.Symbol(reverse[v]) for v in value))


def as_texts(value: Any) -> ir.List:
    if not isinstance(value, list):
        raise Decline
    return ir.List(tuple(as_text(v) for v in value))


def as_plain(value: Any) -> ir.Value:
    """Data without functions or references (an event pattern), or decline."""
    try:
        return to_ir(value, "", Refs())
    except Unsupported:
        raise Decline from None


def as_days(value: Any) -> ir.Number:
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise Decline
    return ir.Number(value, "d")


def as_name(value: Any) -> ir.Symbol:
    if not isinstance(value, str) or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_-]*", value):
        raise Decline
    return ir.Symbol(value)
