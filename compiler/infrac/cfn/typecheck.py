"""A generic resource's properties, checked against its type's provider schema.

The check walks the syntax IR of ``properties = { ... }`` beside the schema, so
every finding points at the key or value that causes it:

- E0700 an unknown resource type (not ``Custom::``), with did-you-mean;
- E0701 an unknown property or key, with did-you-mean;
- E0702 a value of the wrong type (string, number, boolean, list, map);
- E0703 a required property missing;
- E0704 a value outside the schema's ``enum``;
- E0705 a string that does not match the schema's ``pattern``;
- E0706 a string or list too short or too long;
- E0707 a number out of bounds;
- E0709 an ``Fn::`` function that CloudFormation does not have.

A reference (``stack.Resource.attribute``) or an intrinsic function written as a
one-key map (``{ "Fn::Sub": "..." }``) stands for a value known at deploy time
and is accepted wherever a value is expected. Strings with placeholders
(``{stage}``) are checked for their type only: their text is known per stage.
CloudFormation converts scalars between strings, numbers and booleans
(``"5"`` for an integer, ``5`` for a string), and so does this check, as
cfn-lint does; a list or map where a scalar belongs, and the reverse, are errors.

Pure: schema in, diagnostics out.

>>> from infrac.syntax import ir
>>> props = ir.Map((ir.Entry("TopicNmae", ir.String("alerts")),))
>>> [d.code for d in check_properties("AWS::SNS::Topic", props, None)]
['E0701']
"""

from __future__ import annotations

import functools
import re
from decimal import Decimal

from infrac.base.source import Span
from infrac.base.suggest import closest, did_you_mean
from infrac.cfn.schemas import ResourceSchema, known_types, schema
from infrac.diagnostics import Diagnostic, diagnostic
from infrac.syntax import ir
from infrac.syntax.ir import describe

TYPE_CHECKING = False  # typing's own constant, without importing typing
if TYPE_CHECKING:
    from typing import Any

#: What a one-key map may name to stand for a value: CloudFormation's intrinsic
#: functions (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/intrinsic-function-reference.html).
INTRINSICS = frozenset({
    "Ref", "Condition", "Fn::Base64", "Fn::Cidr", "Fn::FindInMap", "Fn::GetAtt", "Fn::GetAZs",
    "Fn::ImportValue", "Fn::Join", "Fn::Length", "Fn::Select", "Fn::Split", "Fn::Sub",
    "Fn::ToJsonString", "Fn::Transform", "Fn::If", "Fn::And", "Fn::Equals", "Fn::Not", "Fn::Or",
    "Fn::ForEach", "Fn::GetStackOutput",
})

#: Resource types that are not in the provider schemas but are valid CloudFormation.
CUSTOM = re.compile(r"Custom::[A-Za-z0-9_@-]+|AWS::CloudFormation::CustomResource")
#: Types whose schema names only some properties: a custom resource takes any property besides its
#: `ServiceToken` (its function reads them) and gives any attribute its function returns.
OPEN = frozenset({"AWS::CloudFormation::CustomResource"})


def unknown_type(type_name: str, span: Span | None) -> Diagnostic | None:
    """E0700 when ``type_name`` is neither a published type nor a custom resource."""
    if CUSTOM.fullmatch(type_name) or schema(type_name) is not None:
        return None
    hint = did_you_mean(type_name, known_types())
    if hint is None:
        # A missing vendor prefix (`SNS::Topic`) or a wrong service: compare the last parts.
        tail = type_name.split("::")[-1]
        same_tail = [t for t in known_types() if t.split("::")[-1].lower() == tail.lower()]
        if len(same_tail) == 1 or (same_tail and len(same_tail) <= 3):
            hint = "did you mean " + " or ".join(f"`{t}`" for t in same_tail) + "?"
    return diagnostic(
        "E0700",
        f"unknown resource type `{type_name}`",
        span,
        label="no CloudFormation resource type of this name",
        hint=hint or "resource types are written `AWS::Service::Type`, as in the CloudFormation "
        "resource reference; a custom resource's type starts with `Custom::`",
        notes=["types come from AWS's CloudFormation resource provider schemas"],
    )


def check_properties(type_name: str, properties: ir.Map | None, header: Span | None) -> list[Diagnostic]:
    """Every finding of ``properties`` (None when absent) against ``type_name``'s schema.

    ``header`` is where a missing required property is reported when the
    resource has no ``properties`` at all."""
    resource = schema(type_name)
    if resource is None:
        return []
    walker = _Walker(resource)
    root = {"type": "object", "properties": resource.properties, "required": list(resource.required),
            "additionalProperties": True if type_name in OPEN else resource.raw.get("additionalProperties", False)}
    if properties is None:
        missing = [p for p in resource.required if p not in _read_only_top(resource)]
        if missing:
            walker.missing(missing, header, f"`{type_name}`")
        return walker.found
    walker.object(properties, root, type_name, top=True)
    if not walker.found:
        walker.combinations(properties, resource, type_name)
    return walker.found


def _read_only_top(resource: ResourceSchema) -> set[str]:
    return {p for p in resource.read_only if "/" not in p}


#: How many (value, schema) pairs one resource's check may visit. Alternatives (``oneOf``)
#: nested in recursive definitions could otherwise make the work grow exponentially with the
#: depth of the value; past the budget the rest is accepted unchecked.
BUDGET = 20_000


class _Walker:
    def __init__(self, resource: ResourceSchema, budget: list[int] | None = None) -> None:
        self.resource = resource
        self.found: list[Diagnostic] = []
        self.budget = budget if budget is not None else [BUDGET]

    # ---- findings ---------------------------------------------------------------

    def error(self, code: str, message: str, span: Span | None, **kwargs: Any) -> None:
        # One finding per place and code: a list item checked by `prefixItems` and `items` alike.
        if span is not None and any(d.code == code and d.span == span for d in self.found):
            return
        self.found.append(diagnostic(code, message, span, **kwargs))

    def missing(self, names: list[str], span: Span | None, where: str) -> None:
        listed = ", ".join(f"`{n}`" for n in names)
        self.error(
            "E0703",
            f"{where} needs {listed}" if len(names) > 1 else f"{where} needs `{names[0]}`",
            span,
            label="required " + ("properties" if len(names) > 1 else "property") + " missing",
            hint="add " + ", ".join(f"`{n}: ...`" for n in names),
        )

    # ---- the walk ---------------------------------------------------------------

    def value(self, value: ir.Value, node: dict[str, Any], where: str) -> None:
        self.budget[0] -= 1
        if self.budget[0] < 0:
            return
        node = self.resource.resolve(node)
        if not isinstance(node, dict):
            return
        if _stands_in(value):
            self.intrinsic(value)
            return
        for part in node.get("allOf", ()):
            self.value(value, part, where)
        for key in ("oneOf", "anyOf"):
            if key in node:
                self.alternatives(value, node[key], node, where)
                return
        types = _types(node)
        if types is None:
            if "properties" in node or "patternProperties" in node:
                types = ("object",)
            elif "items" in node:
                types = ("array",)
            else:
                return self.scalar_rules(value, node, where)
        form = _form(value)
        if form == "object":
            if "object" not in types:
                return self.wrong(value, types, where)
            return self.object(value, node, where)
        if form == "array":
            if "array" not in types:
                return self.wrong(value, types, where)
            return self.array(value, node, where)
        if not _scalar_fits(value, types):
            return self.wrong(value, types, where)
        self.scalar_rules(value, node, where)

    def intrinsic(self, value: ir.Value) -> None:
        if isinstance(value, ir.Map):
            entry = value.entries[0]
            if entry.key not in INTRINSICS:
                self.error(
                    "E0709",
                    f"`{entry.key}` is not a CloudFormation intrinsic function",
                    entry.key_span,
                    label="unknown function",
                    hint=did_you_mean(entry.key, INTRINSICS),
                )

    def alternatives(self, value: ir.Value, options: list[dict], node: dict, where: str) -> None:
        trials = []
        for option in options:
            merged = {**{k: v for k, v in node.items() if k not in ("oneOf", "anyOf")}, **self.resource.resolve(option)}
            trial = _Walker(self.resource, self.budget)
            trial.value(value, merged, where)
            if not trial.found:
                return
            trials.append(trial.found)
        # None fits: report the closest alternative's findings.
        self.found.extend(min(trials, key=len))

    def wrong(self, value: ir.Value, types: tuple[str, ...], where: str) -> None:
        expected = " or ".join(dict.fromkeys(_TYPE_WORDS.get(t, t) for t in types))
        self.error(
            "E0702",
            f"`{where}` expects {expected}, found {describe(value)}",
            value.span,
            label=f"expected {expected}",
        )

    def object(self, value: ir.Map, node: dict[str, Any], where: str, top: bool = False) -> None:
        properties = node.get("properties") or {}
        patterns = node.get("patternProperties") or {}
        closed = node.get("additionalProperties") is False or (top and node.get("additionalProperties") is not True)
        read_only = _read_only_top(self.resource) if top else set()
        seen = set()
        for entry in value.entries:
            seen.add(entry.key)
            prefix = entry.key if top else f"{where}.{entry.key}"
            if entry.key in properties:
                if entry.key in read_only:
                    self.error(
                        "E0701",
                        f"`{entry.key}` of `{where}` is an attribute, which CloudFormation sets",
                        entry.key_span,
                        label="read-only: it cannot be set",
                        hint=f"remove it; read it as `{snake(entry.key)}` instead",
                    )
                    continue
                self.value(entry.value, properties[entry.key], prefix)
                continue
            pattern = next((p for p in patterns if _search(p, entry.key)), None)
            if pattern is not None:
                self.value(entry.value, patterns[pattern], prefix)
                continue
            if not closed and not patterns:
                continue
            offered = [p for p in properties if p not in read_only]
            meant = closest(entry.key, offered)
            hint = f"did you mean `{meant}`?" if meant else None
            if meant is not None:
                seen.add(meant)  # a misspelt required property is one mistake, not two
            if hint is None and offered:
                hint = "properties here: " + ", ".join(f"`{p}`" for p in offered[:12]) + (
                    ", ..." if len(offered) > 12 else ""
                )
            self.error(
                "E0701",
                f"`{where}` has no property `{entry.key}`",
                entry.key_span,
                label="unknown property",
                hint=hint,
            )
        missing = [name for name in node.get("required", ()) if name not in seen]
        if missing:
            self.missing(missing, value.span, f"`{where}`")

    def combinations(self, value: ir.Map, resource: ResourceSchema, where: str) -> None:
        """The type's rules on which properties go together: one of several sets
        (``oneOf``/``anyOf`` of ``required`` lists), and ``dependentRequired``."""
        given = {entry.key for entry in value.entries}
        for key in ("oneOf", "anyOf"):
            options = [o.get("required") for o in resource.raw.get(key, ()) if isinstance(o, dict)]
            if options and all(isinstance(o, list) and o for o in options):
                if not any(set(o) <= given for o in options):
                    shown = " or ".join("`" + "`, `".join(o) + "`" for o in options)
                    self.error("E0703", f"`{where}` needs {shown}", value.span,
                               label="required properties missing", hint=f"add {shown}")
        for name, needs in sorted((resource.raw.get("dependentRequired") or {}).items()):
            missing = [n for n in needs if n not in given]
            if name in given and missing:
                self.missing(missing, value.span, f"`{where}` with `{name}`")

    def array(self, value: ir.List, node: dict[str, Any], where: str) -> None:
        self.length(len(value.items), node.get("minItems"), node.get("maxItems"), ("item", "items"), value.span, where)
        items = node.get("items")
        prefix = node.get("prefixItems") if isinstance(node.get("prefixItems"), list) else []
        for index, item in enumerate(value.items):
            if index < len(prefix) and isinstance(prefix[index], dict):
                self.value(item, prefix[index], f"{where}[{index}]")
            if isinstance(items, dict):
                self.value(item, items, f"{where}[{index}]")

    def scalar_rules(self, value: ir.Value, node: dict[str, Any], where: str) -> None:
        text = _literal(value)
        if "const" in node and "enum" not in node:
            node = {**node, "enum": [node["const"]]}
        if "enum" in node and text is not None:
            allowed = [str(v) if not isinstance(v, bool) else str(v).lower() for v in node["enum"]]
            if text not in allowed and not (isinstance(value, ir.Bool) and str(value.value).lower() in allowed):
                shown = ", ".join(f"`{a}`" for a in allowed[:12]) + (", ..." if len(allowed) > 12 else "")
                self.error(
                    "E0704",
                    f"`{text}` is not a value `{where}` accepts",
                    value.span,
                    label="not one of the allowed values",
                    hint=did_you_mean(text, allowed) or f"allowed: {shown}",
                )
                return
        if isinstance(value, (ir.String, ir.Symbol)) and text is not None:
            if not self.length(len(text), node.get("minLength"), node.get("maxLength"), ("character", "characters"),
                               value.span, where):
                return
            pattern = node.get("pattern")
            if isinstance(pattern, str) and _compiled(pattern) is not None and not _search(pattern, text):
                self.error(
                    "E0705",
                    f"`{text}` does not match the pattern of `{where}`",
                    value.span,
                    label="does not match " + (pattern if len(pattern) <= 60 else pattern[:57] + "..."),
                    notes=[f"the pattern: {pattern}"],
                )
        number = _number(value)
        if number is not None and ("minimum" in node or "maximum" in node):
            low, high = node.get("minimum"), node.get("maximum")
            if (low is not None and number < low) or (high is not None and number > high):
                allowed = _bounds(low, high)
                self.error(
                    "E0707",
                    f"{_show(number)} is out of range for `{where}`: {allowed}",
                    value.span,
                    label=f"allowed: {allowed}",
                )

    def length(self, count: int, low: int | None, high: int | None, nouns, span: Span | None, where: str) -> bool:
        """Whether ``count`` is within bounds; reports it when not."""
        if (low is not None and count < low) or (high is not None and count > high):
            allowed = _bounds(low, high)
            self.error(
                "E0706",
                f"`{where}` takes {allowed} {nouns[1]}, found {count}",
                span,
                label=f"{count} {nouns[0] if count == 1 else nouns[1]}",
            )
            return False
        return True


# ---- helpers --------------------------------------------------------------------------

_TYPE_WORDS = {
    "string": "a string", "integer": "a whole number", "number": "a number", "boolean": "`true` or `false`",
    "array": "a list", "object": "a map",
}


def _types(node: dict[str, Any]) -> tuple[str, ...] | None:
    kind = node.get("type")
    if kind is None:
        return None
    return (kind,) if isinstance(kind, str) else tuple(kind)


_DYNAMIC = re.compile(r"\{\{\s*resolve:")


def _stands_in(value: ir.Value) -> bool:
    """A reference, a function (``if(...)``), a one-key map naming an intrinsic function
    (``Fn::...`` or ``Ref``), or a string holding a dynamic reference (``{{resolve:ssm:...}}``),
    which CloudFormation replaces by the value it reads."""
    if isinstance(value, (ir.Ref, ir.Call)):
        return True
    if isinstance(value, ir.String) and _DYNAMIC.search(_literal(value) or ""):
        return True
    return (
        isinstance(value, ir.Map)
        and len(value.entries) == 1
        and (value.entries[0].key in INTRINSICS or value.entries[0].key.startswith("Fn::"))
    )


def _form(value: ir.Value) -> str:
    if isinstance(value, ir.Map):
        return "object"
    if isinstance(value, ir.List):
        return "array"
    return "scalar"


_NUMERIC = re.compile(r"-?\d+(\.\d+)?")


def _scalar_fits(value: ir.Value, types: tuple[str, ...]) -> bool:
    """Whether CloudFormation takes the scalar for one of ``types`` (it converts between them)."""
    for kind in types:
        if kind == "string":
            return True
        if kind in ("integer", "number"):
            if isinstance(value, ir.Number) and (kind == "number" or isinstance(value.value, int)):
                return True
            text = _literal(value)
            if isinstance(value, (ir.String, ir.Symbol)) and (text is None or _NUMERIC.fullmatch(text)):
                if text is None or kind == "number" or "." not in text:
                    return True
        if kind == "boolean":
            if isinstance(value, ir.Bool):
                return True
            text = _literal(value)
            if isinstance(value, (ir.String, ir.Symbol)) and (text is None or text.lower() in ("true", "false")):
                return True
    return False


def _literal(value: ir.Value) -> str | None:
    """A scalar's text as CloudFormation receives it, when it is known before deploy."""
    if isinstance(value, ir.String):
        return None if "{" in value.value.replace("{{", "").replace("}}", "") else value.value.replace(
            "{{", "{").replace("}}", "}")
    if isinstance(value, ir.Symbol):
        return value.name
    if isinstance(value, ir.Number) and not value.unit:
        return str(value.value)
    if isinstance(value, ir.Bool):
        return "true" if value.value else "false"
    return None


def _number(value: ir.Value) -> Decimal | int | None:
    if isinstance(value, ir.Number) and not value.unit:
        return value.value
    text = _literal(value) if isinstance(value, (ir.String, ir.Symbol)) else None
    if text is not None and _NUMERIC.fullmatch(text):
        return Decimal(text)
    return None


def _bounds(low, high) -> str:
    if low is not None and high is not None:
        return f"exactly {_show(low)}" if low == high else f"{_show(low)} to {_show(high)}"
    if high is None:
        return f"at least {_show(low)}"
    return f"at most {_show(high)}"


def _show(number) -> str:
    if isinstance(number, float) and number.is_integer():
        return str(int(number))
    return str(number)


@functools.lru_cache(maxsize=4096)
def _compiled(pattern: str) -> re.Pattern | None:
    """The schema's pattern as a Python regex; None for the few that use syntax Python
    lacks (``\\p{...}``), which are then not checked rather than checked wrongly."""
    try:
        return re.compile(pattern)
    except (re.error, OverflowError):
        return None


def _search(pattern: str, text: str) -> bool:
    compiled = _compiled(pattern)
    return compiled is None or compiled.search(text) is not None


def snake(name: str) -> str:
    """A schema attribute path as infrac writes it: ``Endpoint/Address`` -> ``endpoint_address``,
    ``QueueURL`` -> ``queue_url``.

    >>> snake("Endpoint/Address"), snake("QueueURL"), snake("Arn"), snake("StreamArn")
    ('endpoint_address', 'queue_url', 'arn', 'stream_arn')
    """
    parts = []
    for segment in name.split("/"):
        words = re.findall(r"[A-Z]+(?=[A-Z][a-z]|\d|\b|$)|[A-Z]?[a-z]+|\d+|[A-Z]+", segment)
        parts.append("_".join(w.lower() for w in words) or segment.lower())
    return "_".join(parts)


def attributes(type_name: str) -> dict[str, str] | None:
    """The attributes ``Fn::GetAtt`` can read on ``type_name``, by their snake_case name, each
    with its ``Fn::GetAtt`` name (``endpoint_address`` -> ``Endpoint.Address``); None when the
    type has no schema (a custom resource), whose attributes are not known."""
    return _attributes(type_name) if schema(type_name) is not None and type_name not in OPEN else None


@functools.cache
def _attributes(type_name: str) -> dict[str, str]:
    return {snake(path): path.replace("/", ".") for path in schema(type_name).attributes}


def attribute_problem(type_name: str, name: str, span: Span | None, exported: bool = False) -> Diagnostic | None:
    """E0708 when ``name`` (snake_case, or ``ref``) is not an attribute of ``type_name``."""
    if name == "ref":
        return None
    known = attributes(type_name)
    if known is None or name in known:
        return None
    resource = schema(type_name)
    write_only = {snake(p): p for p in resource.write_only}
    properties = {snake(p): p for p in resource.properties}
    doing = "exported" if exported else "read"
    if name in write_only:
        message = f"`{write_only[name]}` of `{type_name}` is write-only and cannot be {doing}"
        label = "CloudFormation never reads it back"
    elif name in properties:
        message = f"`{properties[name]}` of `{type_name}` is a property, not an attribute `Fn::GetAtt` can read"
        label = "not an attribute"
    else:
        message = f"`{type_name}` has no attribute `{name}`"
        label = "unknown attribute"
    offered = ["ref", *known]
    hint = did_you_mean(name, offered) or "attributes: " + ", ".join(f"`{a}`" for a in offered)
    return diagnostic("E0708", message, span, label=label, hint=hint)


def getatt(type_name: str, name: str) -> str | None:
    """The ``Fn::GetAtt`` name of a snake_case attribute, when the schema knows the type."""
    known = attributes(type_name)
    return known.get(name) if known else None



__all__ = [
    "INTRINSICS", "attribute_problem", "attributes", "check_properties", "getatt", "snake", "unknown_type",
]
