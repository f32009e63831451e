"""What the lifters share: a resource's properties taken one by one into a kind's body, and the
readers that turn a property's value into the kind's value, or decline the kind.

A lifter is a declaration over :class:`Properties`: each property the kind has an attribute
for is taken into that attribute (:meth:`~Properties.optional`, :meth:`~Properties.required`,
:meth:`~Properties.choice`), a property whose value the kind implies is checked
(:meth:`~Properties.expect`), and what is still there at the end (:meth:`~Properties.lifted`)
is a property the kind cannot say: the kind declines (:class:`Decline`) and the resource is
imported as a generic block. A reader (``as_text``, ``as_seconds``...) declines any value it
has no form for, so a lifter never has to say what it declines property by property.

Taking a property does not read it: ``take`` gives it as written, and ``default`` stands for
a property that is not written (None unless said otherwise). ``optional`` writes an
attribute only for a property that is written; ``required`` declines one that is not.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from infrac.base.classes import frozen
from infrac.syntax import ir
from infrac.tools.migrate.importer.values import Refs, Unsupported, escape, to_ir
from infrac.tools.migrate.source.model import Interpolated, Template
from infrac.tools.migrate.source.model import Resource as SourceResource

TYPE_CHECKING = False  # typing's own constant, without importing typing
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

    #: What a lifter gives: the kind, the block's body, and the companions its block makes
    #: (logical ID -> {("Ref", None) | ("GetAtt", attribute): the kind's attribute}).
    Lifted = tuple[str, list[ir.Statement], dict]

#: A name in the language: a label, a bare word.
NAME = r"[A-Za-z_][A-Za-z0-9_-]*"


class Decline(Exception):
    """The resource does not fit the kind; it is imported as a generic block."""


@frozen
class Link:
    """A whole resource named by a lifted block (``pool = UserPool``): written as a name in
    the same stack, ``stack.Name`` in another, once the stacks are known."""

    logical_id: str


def choose(value: Any, options: Sequence[tuple[Any, ir.Value | None]]) -> ir.Value | None:
    """The kind's value for a value as written: ``options`` pairs each value the kind can say
    with its value in the kind (None: the kind's default, nothing to write). A boolean or null
    matches only itself (``1`` is not ``true``); other values match by equality. Any other
    value declines."""
    for written, chosen in options:
        if (value is written) if isinstance(written, bool) or written is None else (value == written):
            return chosen
    raise Decline


class Properties:
    """A resource's properties (or a nested mapping's) as a lifter takes them into a body."""

    def __init__(self, properties: Mapping[str, Any], left: dict[str, Any] | None = None) -> None:
        #: the properties not taken yet
        self.left = dict(properties) if left is None else left
        self.body: list[ir.Statement] = []

    def has(self, key: str) -> bool:
        """Whether the property is written (and not taken yet)."""
        return key in self.left

    def take(self, key: str, default: Any = None) -> Any:
        """The property's value as written (``default`` when it is not written), taken."""
        return self.left.pop(key, default)

    def attribute(self, name: str, value: ir.Value | None) -> None:
        """``name = value`` in the body; nothing for None (the kind's default)."""
        if value is not None:
            self.body.append(ir.Attribute(name, value))

    def block(self, block: ir.Statement) -> None:
        self.body.append(block)

    def optional(self, key: str, name: str, read: Callable[..., ir.Value | None], *args: Any) -> None:
        """``name = read(value, *args)`` when the property is written; nothing when it is not."""
        if key in self.left:
            self.attribute(name, read(self.left.pop(key), *args))

    def required(self, key: str, name: str, read: Callable[..., ir.Value | None], *args: Any) -> None:
        """``name = read(value, *args)``; a property that is not written is read as None, which
        the readers decline."""
        self.attribute(name, read(self.left.pop(key, None), *args))

    def choice(self, key: str, name: str, options: Sequence[tuple[Any, ir.Value | None]], default: Any = None) -> Any:
        """``name`` as :func:`choose` gives it for the property's value (``default`` when it is
        not written); the value as written."""
        value = self.left.pop(key, default)
        self.attribute(name, choose(value, options))
        return value

    def expect(self, key: str, value: Any, default: Any = None) -> None:
        """Decline unless the property is ``value`` (``default`` when it is not written): a
        value the kind implies, so writes nothing for."""
        if self.left.pop(key, default) != value:
            raise Decline

    def each(self, key: str, read: Callable[..., ir.Statement], *args: Any) -> None:
        """A block ``read(item, *args)`` per item of the property's list (none when the
        property is not written, or empty); any other value declines."""
        items = self.left.pop(key, None) or []
        if not isinstance(items, list):
            raise Decline
        for item in items:
            self.block(read(item, *args))

    def group(self) -> Properties:
        """The same properties, taken into a body of its own: a block of the kind that groups
        properties the template writes side by side (a client's ``oauth``)."""
        return Properties({}, self.left)

    def finish(self) -> list[ir.Statement]:
        """The body, once every property is taken; a property left is one the kind has no
        attribute for, and declines."""
        if self.left:
            raise Decline
        return self.body

    def lifted(self, kind: str, companions: dict | None = None) -> Lifted:
        """The kind, its body and its companions, once every property is taken."""
        return kind, self.finish(), {} if companions is None else companions


# ---- readers: a property's value as the kind's, or decline ---------------------------------------


def as_text(value: Any) -> ir.String:
    if isinstance(value, Interpolated):
        return ir.String(value.text)
    if isinstance(value, str):
        return ir.String(escape(value))
    raise Decline


def as_texts(value: Any) -> ir.List:
    if not isinstance(value, list):
        raise Decline
    return ir.List(tuple(as_text(v) for v in value))


def as_word(value: Any, pattern: str = NAME) -> ir.Value:
    """A name: bare when it can be, quoted otherwise."""
    if not isinstance(value, str):
        raise Decline
    return ir.Symbol(value) if re.fullmatch(pattern, value) and value not in ("true", "false") else ir.String(value)


def as_name(value: Any) -> ir.Symbol:
    """A label: a bare name, or decline."""
    if not isinstance(value, str) or not re.fullmatch(NAME, value):
        raise Decline
    return ir.Symbol(value)


def one_of(value: Any, choices: Mapping[str, Any]) -> Any:
    """``choices[value]`` for a text that is one of its keys, or decline."""
    if not isinstance(value, str) or value not in choices:
        raise Decline
    return choices[value]


def as_words(value: Any, choices: Mapping[str, str]) -> ir.List:
    """A list of the kind's words (``choices`` maps each to the value as written)."""
    if not isinstance(value, list) or not value:
        raise Decline
    reverse = {v: k for k, v in choices.items()}
    return ir.List(tuple(ir.Symbol(one_of(v, reverse)) for v in value))


def as_bool(value: Any) -> ir.Bool:
    if not isinstance(value, bool):
        raise Decline
    return ir.Bool(value)


def as_integer(value: Any) -> int:
    """A whole number (not a boolean), as written."""
    if not isinstance(value, int) or isinstance(value, bool):
        raise Decline
    return value


def as_seconds(value: Any) -> ir.Number:
    """A duration in seconds, in the largest unit that divides it."""
    if isinstance(value, str) and value.isdigit():
        value = int(value)
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise Decline
    for unit, factor in (("d", 86400), ("h", 3600), ("m", 60)):
        if value and value % factor == 0:
            return ir.Number(value // factor, unit)
    return ir.Number(value, "s")


def as_days(value: Any) -> ir.Number:
    """A number of days, at least one."""
    if as_integer(value) < 1:
        raise Decline
    return ir.Number(value, "d")


def as_mapping(value: Any, keys: Sequence[str], optional: Sequence[str] = ()) -> dict:
    """The value, when it is a mapping with every one of ``keys`` and no key but those and
    ``optional``."""
    if not isinstance(value, dict) or not set(keys) <= set(value) <= {*keys, *optional}:
        raise Decline
    return value


def as_tags(value: Any) -> ir.Map:
    """CloudFormation's ``[{Key, Value}]`` as a map, each key once."""
    if not isinstance(value, list):
        raise Decline
    entries = []
    for tag in value:
        tag = as_mapping(tag, ("Key", "Value"))
        if not isinstance(tag["Key"], str):
            raise Decline
        entries.append(ir.Entry(tag["Key"], as_text(tag["Value"])))
    if len({e.key for e in entries}) != len(entries):
        raise Decline
    return ir.Map(tuple(entries))


def as_link(value: Any, template: Template, type_name: str) -> Link:
    """``Ref`` of a resource of the template of type ``type_name``: the whole resource."""
    if not (isinstance(value, dict) and set(value) == {"Ref"} and isinstance(value["Ref"], str)):
        raise Decline
    target = template.resource(value["Ref"])
    if target is None or target.type != type_name:
        raise Decline
    return Link(value["Ref"])


def arn_of(value: Any, template: Template) -> SourceResource | None:
    """The template's resource whose ``Arn`` the value is (``Fn::GetAtt [Resource, Arn]``), or None."""
    if (isinstance(value, dict) and set(value) == {"Fn::GetAtt"} and isinstance(value["Fn::GetAtt"], list)
            and value["Fn::GetAtt"][1:] == ["Arn"]):
        return template.resource(value["Fn::GetAtt"][0])
    return None


def as_plain(value: Any) -> ir.Value:
    """Data without functions or references (an event pattern), or decline."""
    try:
        return to_ir(value, "", Refs())
    except Unsupported:
        raise Decline from None

