"""Attribute types: how a written value is checked and what it becomes.

Each type turns one IR value into a plain Python value for the model
(``30s`` -> ``30``, ``on_demand`` -> ``"PAY_PER_REQUEST"``, a string ->
:class:`~infrac.model.Template`) or reports why it cannot, through a
:class:`Checker`. The vocabulary of resource kinds is built from these.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from infrac.base.classes import evolve
from infrac.base.suggest import did_you_mean
from infrac.base.units import DURATION, UNITS, to_base
from infrac.diagnostics import duplicate
from infrac.model import Link, Placeholder, Reference
from infrac.syntax import ir
from infrac.syntax.ir import describe
from infrac.vocabulary.checker import INVALID, STRING_PLACEHOLDERS, Checker
from infrac.vocabulary.functions import convert_call

TYPE_CHECKING = False  # typing's own constant, without importing typing
if TYPE_CHECKING:
    from typing import Any


# ---- the types ---------------------------------------------------------------------


class Type:
    """Base: ``description`` is shown in messages; ``accepts`` lists IR node classes."""

    description = "a value"
    accepts: tuple[type, ...] = ()

    def convert(self, value: ir.Value, checker: Checker) -> Any:
        raise NotImplementedError


#: What a name that must be known before the deploy may hold (an export's name, the pattern).
_KNOWN_BEFORE = STRING_PLACEHOLDERS | {"resource", "attribute"}


class Text(Type):
    """A string, with placeholders; ``references``: also ``{Resource.attribute}``."""

    description = "a string"
    accepts = (ir.String,)

    def __init__(self, references: bool = True) -> None:
        self.references = references

    def convert(self, value, checker):
        if not isinstance(value, ir.String):
            return checker.wrong_type(value, self.description)
        template = checker.template(value)
        if not self.references and template is not INVALID:
            for part in template.parts:
                if isinstance(part, Reference) or (isinstance(part, Placeholder) and part.name not in _KNOWN_BEFORE):
                    shown = part.stack + "." if isinstance(part, Reference) and part.stack else ""
                    shown += f"{part.resource}.{part.attribute}" if isinstance(part, Reference) else part.name
                    return checker.error(
                        "E0304", f"`{{{shown}}}` cannot be part of this string", part.span if isinstance(part, Reference)
                        else value.span, label="only the project's placeholders here",
                        hint="a name known before the deploy: {project}, {stage}, {stack}, {region}...",
                    )
        return template


class Prose(Type):
    """Free text for people (a reason, a note): a string, braces and all, never rendered."""

    description = "a string"
    accepts = (ir.String,)

    def convert(self, value, checker):
        if not isinstance(value, ir.String):
            return checker.wrong_type(value, self.description)
        return value.value


class Name(Type):
    """A plain name: a bare word or a string without placeholders (``ttl = expiresAt``)."""

    description = "a name"
    accepts = (ir.Symbol, ir.String)

    def __init__(self, pattern: str | None = None, rule: str = "", code: str = "E0303") -> None:
        self.pattern = re.compile(pattern) if pattern else None
        self.rule = rule
        self.code = code  # the diagnostic for a name that breaks the pattern

    def convert(self, value, checker):
        if isinstance(value, ir.Symbol):
            text = value.name
        elif isinstance(value, ir.String):
            text = value.value
        else:
            return checker.wrong_type(value, self.description)
        if self.pattern and not self.pattern.fullmatch(text):
            return checker.error(self.code, f"`{text}` is not a valid name here: {self.rule}", value.span, label=self.rule)
        return text


class Boolean(Type):
    description = "`true` or `false`"
    accepts = (ir.Bool,)

    def convert(self, value, checker):
        if not isinstance(value, ir.Bool):
            return checker.wrong_type(value, self.description)
        return value.value


class Integer(Type):
    accepts = (ir.Number,)

    def __init__(self, minimum: int | None = None, maximum: int | None = None) -> None:
        self.minimum, self.maximum = minimum, maximum
        self.description = "a whole number"

    def convert(self, value, checker):
        if not isinstance(value, ir.Number) or value.unit or not isinstance(value.value, int):
            return checker.wrong_type(value, self.description)
        return _in_range(value.value, self.minimum, self.maximum, str, value.span, checker)


class Duration(Type):
    """A duration with a unit (``30s``, ``4d``), converted to whole seconds."""

    description = "a duration such as `30s`, `15m` or `4d`"
    accepts = (ir.Number,)

    def __init__(self, minimum: int | None = None, maximum: int | None = None) -> None:
        self.minimum, self.maximum = minimum, maximum

    def convert(self, value, checker):
        if not isinstance(value, ir.Number) or value.unit not in UNITS or UNITS[value.unit][0] != DURATION:
            if isinstance(value, ir.Number) and value.unit and value.unit not in UNITS:
                return INVALID  # the unknown unit was reported when the file was parsed
            hint = f"write `{value.value}s` for seconds" if isinstance(value, ir.Number) and not value.unit else None
            checker.wrong_type(value, self.description)
            if hint:
                checker.diagnostics[-1] = evolve(checker.diagnostics[-1], hint=hint)
            return INVALID
        seconds = to_base(value.value, value.unit)
        if not isinstance(seconds, int):
            return checker.error("E0303", "a duration must be a whole number of seconds", value.span)
        return _in_range(seconds, self.minimum, self.maximum, format_seconds, value.span, checker)


def format_seconds(seconds: int) -> str:
    """``1209600`` -> ``14d``: the largest unit that divides exactly."""
    for unit in ("d", "h", "m"):
        factor = UNITS[unit][1]
        if seconds and seconds % factor == 0:
            return f"{seconds // factor}{unit}"
    return f"{seconds}s"


def _in_range(number, minimum, maximum, show, span, checker):
    if (minimum is not None and number < minimum) or (maximum is not None and number > maximum):
        allowed = bounds(minimum, maximum, show)
        return checker.error("E0303", f"{show(number)} is out of range: {allowed}", span, label=f"allowed: {allowed}")
    return number


class Choice(Type):
    """One name from a fixed set, mapped to what CloudFormation expects."""

    accepts = (ir.Symbol,)

    def __init__(self, choices: Mapping[str, Any]) -> None:
        self.choices = dict(choices)
        self.description = "one of " + ", ".join(f"`{c}`" for c in self.choices)

    def convert(self, value, checker):
        if isinstance(value, ir.String) and value.value in self.choices:
            return checker.wrong_type(value, f"the name `{value.value}` without quotes")
        if not isinstance(value, ir.Symbol):
            return checker.wrong_type(value, self.description)
        if value.name not in self.choices:
            return checker.error(
                "E0302",
                f"unknown choice `{value.name}`",
                value.span,
                label=f"expected {self.description}",
                hint=did_you_mean(value.name, self.choices) or f"choose {self.description}",
            )
        return self.choices[value.name]


class ListOf(Type):
    accepts = (ir.List,)

    def __init__(self, item: Type, minimum: int = 0, maximum: int | None = None) -> None:
        self.item, self.minimum, self.maximum = item, minimum, maximum
        self.description = f"a list of {_plural(item.description)}"

    def convert(self, value, checker):
        if not isinstance(value, ir.List):
            return checker.wrong_type(value, self.description)
        items = tuple(self.item.convert(v, checker) for v in value.items)
        if INVALID in items:
            return INVALID
        return _count_in_range(items, self.minimum, self.maximum, ("item", "items"), value.span, checker)


class MapOf(Type):
    """A map with free keys, each value of one type; keys keep their order."""

    accepts = (ir.Map,)

    def __init__(
        self,
        value: Type,
        minimum: int = 0,
        maximum: int | None = None,
        key: Name | None = None,
        description: str | None = None,
        count_rule: str | None = None,
    ) -> None:
        self.value, self.minimum, self.maximum, self.key = value, minimum, maximum, key
        self.description = description or f"a map of {_plural(value.description)}"
        self.count_rule = count_rule

    def convert(self, value, checker):
        if not isinstance(value, ir.Map):
            return checker.wrong_type(value, self.description)
        result: dict[str, Any] = {}
        ok = _check_keys(value, checker)
        for entry in value.entries:
            if self.key is not None and self.key.pattern and not self.key.pattern.fullmatch(entry.key):
                checker.error("E0303", f"`{entry.key}` is not valid here: {self.key.rule}", entry.key_span)
                ok = False
            converted = self.value.convert(entry.value, checker)
            ok = ok and converted is not INVALID
            result[entry.key] = converted
        if not ok:
            return INVALID
        return _count_in_range(
            result, self.minimum, self.maximum, ("entry", "entries"), value.span, checker, self.count_rule
        )


class MapOrFunction(MapOf):
    """A map, or a function that gives one (``if(IsProd, { ... }, no_value())``, ``param(Policy)``):
    a resource attribute CloudFormation resolves as a whole (``CreationPolicy: !If [...]``)."""

    accepts = (ir.Map, ir.Call)

    def convert(self, value, checker):
        if isinstance(value, ir.Call):
            return convert_call(value, checker, self.value.convert)
        return super().convert(value, checker)


class Record(Type):
    """A map with fixed keys: ``capacity = { read: 5, write: 5 }``."""

    accepts = (ir.Map,)

    def __init__(self, fields: Mapping[str, Type], required: tuple[str, ...] = ()) -> None:
        self.fields, self.required = dict(fields), required
        self.description = "a map with " + ", ".join(f"`{k}`" for k in self.fields)

    def convert(self, value, checker):
        if not isinstance(value, ir.Map):
            return checker.wrong_type(value, self.description)
        ok = _check_keys(value, checker)
        result: dict[str, Any] = {}
        for entry in value.entries:
            field = self.fields.get(entry.key)
            if field is None:
                checker.error(
                    "E0204",
                    f"unknown key `{entry.key}`",
                    entry.key_span,
                    label=f"expected {', '.join(f'`{k}`' for k in self.fields)}",
                    hint=did_you_mean(entry.key, self.fields),
                )
                ok = False
                continue
            result[entry.key] = field.convert(entry.value, checker)
            ok = ok and result[entry.key] is not INVALID
        for key in self.required:
            if key not in result and ok:
                checker.error("E0205", f"missing `{key}`", value.span, label=f"`{key}` is required")
                ok = False
        return result if ok else INVALID


class OneOf(Type):
    """The first alternative that accepts the value's form (e.g. a name or a list)."""

    def __init__(self, *alternatives: Type) -> None:
        self.alternatives = alternatives
        self.accepts = tuple(c for a in alternatives for c in a.accepts)
        self.description = " or ".join(a.description for a in alternatives)

    def convert(self, value, checker):
        for alternative in self.alternatives:
            if isinstance(value, alternative.accepts):
                return alternative.convert(value, checker)
        return checker.wrong_type(value, self.description)


class Data(Type):
    """Free-form data passed through to CloudFormation (a generic resource's properties).

    Strings become templates; references stay references for the resolver;
    bare names are strings; numbers with units are not allowed, as the unit
    CloudFormation wants is not known here.
    """

    description = "a value"
    accepts = (ir.String, ir.Number, ir.Bool, ir.Symbol, ir.Ref, ir.List, ir.Map, ir.Call)

    def convert(self, value, checker):
        if isinstance(value, ir.Call):
            return convert_call(value, checker, self.convert)
        if isinstance(value, ir.String):
            return checker.template(value)
        if isinstance(value, ir.Number):
            if value.unit:
                if value.unit not in UNITS:
                    return INVALID
                return checker.error(
                    "E0301",
                    "a number with a unit cannot be passed through as it is",
                    value.span,
                    label="the unit that CloudFormation expects here is not known",
                    hint="write the number in the unit the property expects",
                )
            return value.value
        if isinstance(value, ir.Bool):
            return value.value
        if isinstance(value, ir.Symbol):
            return value.name
        if isinstance(value, ir.Ref):
            return reference(value, checker)
        if isinstance(value, ir.List):
            items = tuple(self.convert(v, checker) for v in value.items)
            return INVALID if INVALID in items else items
        if len(value.entries) == 1 and value.entries[0].key == "Fn::Sub":
            return {"Fn::Sub": self._sub(value.entries[0].value, checker)}
        ok = _check_keys(value, checker)
        result = {e.key: self.convert(e.value, checker) for e in value.entries}
        return result if ok and INVALID not in result.values() else INVALID

    def _sub(self, value: ir.Value, checker: Checker) -> Any:
        """An explicit ``Fn::Sub``'s argument: a string, or a string and its variables."""
        if isinstance(value, ir.String):
            return checker.template(value, sub=True)
        if isinstance(value, ir.List) and len(value.items) == 2 and isinstance(value.items[0], ir.String):
            text, variables = checker.template(value.items[0], sub=True), self.convert(value.items[1], checker)
            return INVALID if INVALID in (text, variables) else (text, variables)
        return self.convert(value, checker)


class LinkTo(Type):
    """A resource of the project, named as a whole: ``Name`` in the same stack,
    ``stack.Name`` in another. ``kinds`` limits what it may be."""

    accepts = (ir.Symbol, ir.Ref)

    def __init__(self, *kinds: str, needs: tuple[str, ...] = ()) -> None:
        self.kinds, self.needs = kinds, needs
        self.description = "a " + " or a ".join(f"`{k}`" for k in kinds) if kinds else "a resource"

    def convert(self, value, checker):
        return link(value, checker, self.kinds, self.needs)


def link(value: ir.Value, checker: Checker, kinds: tuple[str, ...] = (), needs: tuple[str, ...] = ()) -> Link | Any:
    if isinstance(value, ir.Symbol):
        return Link("", value.name, kinds, needs, span=value.span)
    if isinstance(value, ir.Ref) and len(value.parts) == 2:
        return Link(value.parts[0], value.parts[1], kinds, needs, span=value.span)
    if isinstance(value, (ir.Symbol, ir.Ref)):
        return checker.error(
            "E0405",
            f"`{value.text}` does not name a resource",
            value.span,
            label="expected `Resource` or `stack.Resource`",
        )
    return checker.wrong_type(value, "a resource: `Resource` or `stack.Resource`")


def reference(value: ir.Ref, checker: Checker) -> Reference | Any:
    """``stack.Resource.attribute`` or ``Resource.attribute`` (stack left empty)."""
    if len(value.parts) == 3:
        stack, resource, attribute = value.parts
    elif len(value.parts) == 2:
        stack, (resource, attribute) = "", value.parts
    else:
        return checker.error(
            "E0405",
            f"`{value.text}` is not a reference",
            value.span,
            label="expected `stack.Resource.attribute` or `Resource.attribute`",
        )
    return Reference(stack, resource, attribute, span=value.span, part_spans=value.part_spans)


def _check_keys(value: ir.Map, checker: Checker) -> bool:
    """Keys are unique, not empty, and one line of printable text: no AWS property,
    tag or condition key is otherwise (and the YAML emitters would disagree on it)."""
    seen: dict[str, ir.Entry] = {}
    ok = True
    for entry in value.entries:
        if not entry.key:
            checker.error("E0303", "a key cannot be empty", entry.key_span, label="empty key")
            ok = False
        elif not entry.key.isprintable():
            checker.error(
                "E0303",
                "a key cannot hold line breaks, tabs or other control characters",
                entry.key_span,
                label="unprintable character in this key",
            )
            ok = False
        elif entry.key in seen:
            checker.report(duplicate(f"key `{entry.key}` appears twice", entry.key_span, seen[entry.key].key_span, "given"))
            ok = False
        else:
            seen[entry.key] = entry
    return ok


def _count_in_range(items, minimum, maximum, nouns, span, checker, rule=None):
    """``nouns`` is (singular, plural); ``rule`` replaces the generic message's reason."""
    if len(items) < minimum or (maximum is not None and len(items) > maximum):
        allowed = bounds(minimum, maximum)
        noun = nouns[0] if len(items) == 1 else nouns[1]
        return checker.error(
            "E0303",
            f"{len(items)} {noun} given: {rule or allowed + ' allowed'}",
            span,
            label=f"allowed: {allowed}",
        )
    return items


def bounds(minimum: int | None, maximum: int | None, show=str) -> str:
    """``1 to 5``, ``at least 1``, ``at most 5``, ``exactly 2``."""
    if minimum is not None and maximum is not None:
        return f"exactly {show(minimum)}" if minimum == maximum else f"{show(minimum)} to {show(maximum)}"
    if maximum is None:
        return f"at least {show(minimum)}"
    return f"at most {show(maximum)}"


def _plural(description: str) -> str:
    for article in ("a ", "an "):
        if description.startswith(article):
            return description[len(article) :] + "s"
    return description


__all__ = [
    "INVALID", "Boolean", "Checker", "Choice", "Data", "Duration", "Integer", "LinkTo", "ListOf", "Prose",
    "MapOf", "Name", "OneOf", "Record", "Text", "Type", "describe", "format_seconds", "reference",
]
