"""The resource kinds reference (``docs/kinds.md``), generated from the vocabulary.

    python -m infrac.tools.reference > docs/kinds.md

Everything on the page is read from :data:`infrac.vocabulary.KINDS`: each
field's type, default and allowed values, each nested block, attribute and
access level. The CloudFormation property a field maps to is not written down
anywhere by hand: it is *measured*. For each field the kind renders a sample
resource with the field at its default and at sample values of its type, and
the page lists the places of the rendered documents that changed. A field that
changes nothing on its own (a reason, say) is listed as such. So the reference
cannot drift from what the backends write; ``tests/test_site.py`` checks that
the committed page is the one this module writes.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator, Mapping

from infrac.backends.resources import StackRenderer, StageParameter
from infrac.base.classes import evolve, frozen
from infrac.model import Block, Link, Program, Resource, Settings, Stack, Template
from infrac.vocabulary import KINDS, Kind, blocks
from infrac.vocabulary.kinds import COMMON_FIELDS, NAME, NONE, TARGET, BlockKind, Field
from infrac.vocabulary.types import (
    Boolean,
    Choice,
    Data,
    Duration,
    Integer,
    LinkTo,
    ListOf,
    MapOf,
    Name,
    OneOf,
    Prose,
    Record,
    Text,
    Type,
    bounds,
    format_seconds,
)

TYPE_CHECKING = False  # typing's own constant, without importing typing
if TYPE_CHECKING:
    from typing import Any

_STACK = "docs"
_SAMPLE = "Sample"
#: Candidates for a plain name; the first ones a field's pattern accepts are used.
_NAMES = ("sample", "other", "Sample1", "Other2", "AWS::SNS::Topic", "AWS::SQS::Queue", "a.b", "c-d")


class ReferenceError(Exception):
    """The vocabulary holds something this generator cannot describe (a new type)."""


# ---- sample values, in the model's terms (after conversion) ------------------------------


def samples(field_type: Type, links: tuple[Link, ...] = ()) -> list[Any]:
    """At least two different values a field of this type may hold, as the model holds them.

    >>> samples(Choice({"on": "ON", "off": "OFF"}))
    ['ON', 'OFF']
    >>> samples(Duration(60, 3600))
    [60, 3600]
    """
    if isinstance(field_type, Boolean):
        return [True, False]
    if isinstance(field_type, Choice):
        return list(dict.fromkeys(field_type.choices.values()))
    if isinstance(field_type, (Integer, Duration)):
        low = field_type.minimum if field_type.minimum is not None else 1
        high = field_type.maximum if field_type.maximum is not None else low + 86400
        return [low, high]
    if isinstance(field_type, Text):
        return [Template.of(["sample-one"]), Template.of(["sample-two"])]
    if isinstance(field_type, Prose):
        return ["one reason", "another reason"]
    if isinstance(field_type, Name):
        names = [n for n in _NAMES if field_type.pattern is None or field_type.pattern.fullmatch(n)]
        if len(names) < 2:
            raise ReferenceError(f"no sample name for the pattern {field_type.pattern.pattern!r}")
        return names[:2]
    if isinstance(field_type, ListOf):
        count = max(field_type.minimum, 1)
        found = [tuple([item] * count) for item in samples(field_type.item, links)]
        return found + ([()] if field_type.minimum == 0 else [])
    if isinstance(field_type, MapOf):
        count = max(field_type.minimum, 1)
        keys = samples(field_type.key, links) if field_type.key is not None else ["keyOne", "keyTwo"]
        # both the keys and the values vary from one sample to the next
        return [
            {keys[(i + j) % len(keys)]: value for j in range(count)}
            for i, value in enumerate(samples(field_type.value, links))
        ]
    if isinstance(field_type, Record):
        alternatives = {key: samples(t, links) for key, t in field_type.fields.items()}
        return [{key: values[i % len(values)] for key, values in alternatives.items()} for i in (0, 1)]
    if isinstance(field_type, OneOf):
        return [value for alternative in field_type.alternatives for value in samples(alternative, links)]
    if isinstance(field_type, Data):
        return [Template.of(["sample"]), {"SampleKey": Template.of(["sample"])}]
    if isinstance(field_type, LinkTo):
        fitting = [link for link in links if not field_type.kinds or link.kinds[0] in field_type.kinds]
        if len(fitting) < 2:
            raise ReferenceError(f"no resources to link for {field_type.description}")
        return [evolve(link, kinds=field_type.kinds, needs=field_type.needs) for link in fitting]
    raise ReferenceError(f"no samples for the type {type(field_type).__name__}")


# ---- a sample project holding one resource of a kind --------------------------------------


def _values(fields: Mapping[str, Field], links: tuple[Link, ...]) -> dict[str, Any]:
    """Required fields at a sample value, the others at their defaults, as the passes fill them."""
    return {
        name: samples(field.type, links)[0] if field.required else field.default for name, field in fields.items()
    }


def _block(block_kind: BlockKind, links: tuple[Link, ...], index: int = 0) -> Block:
    values = _values(block_kind.fields, links)
    name: str | None = f"{_SAMPLE}{block_kind.keyword.title().replace('_', '')}{index or ''}"
    if block_kind.label == NONE:
        name = None
    if block_kind.label == TARGET:
        values["target"] = None  # a target by ARN: the header's link is described in words
        values = {**values, **{k: samples(f.type, links)[0] for k, f in block_kind.fields.items() if k == "arn"}}
    return Block(block_kind.keyword, name, values)


def _resource(kind: Kind, name: str, links: tuple[Link, ...], with_blocks: bool) -> Resource:
    blocks = {keyword: (_block(b, links),) if with_blocks else () for keyword, b in kind.blocks.items()}
    return Resource(kind.keyword, name, name, _values(kind.fields, links), blocks, exports=())


def _link_targets(kind: Kind) -> list[Resource]:
    """Two resources of each kind the kind's fields link to."""
    wanted: list[str] = []
    all_fields = [*kind.fields.values(), *(f for b in kind.blocks.values() for f in b.fields.values())]
    for field in all_fields:
        for t in _types_in(field.type):
            if isinstance(t, LinkTo) and t.kinds:
                wanted.append(t.kinds[0])
    found = []
    for keyword in dict.fromkeys(wanted):
        for suffix in ("A", "B"):
            found.append(_resource(KINDS[keyword], f"Linked{keyword.title().replace('_', '')}{suffix}", (), False))
    return found


def _types_in(field_type: Type) -> Iterator[Type]:
    yield field_type
    for inner in (getattr(field_type, "item", None), getattr(field_type, "value", None)):
        if isinstance(inner, Type):
            yield from _types_in(inner)
    for inner in (*getattr(field_type, "alternatives", ()), *getattr(field_type, "fields", {}).values()):
        yield from _types_in(inner)


@frozen
class _Sample:
    kind: Kind
    resource: Resource
    others: tuple[Resource, ...]
    links: tuple[Link, ...]

    def render(self, resource: Resource) -> dict[str, Any]:
        stack = Stack(_STACK, (resource, *self.others), ())
        program = Program(_SETTINGS, (stack,))
        return StackRenderer(program, stack, StageParameter()).resources()


_SETTINGS = Settings("docs", "us-east-1", ("dev",), Template.of(["{stack}-{stage}-{resource}{attribute}"]))


def _sample(kind: Kind) -> _Sample:
    others = tuple(_link_targets(kind))
    links = tuple(Link(_STACK, r.name, (r.kind,)) for r in others)
    return _Sample(kind, _resource(kind, _SAMPLE, links, with_blocks=True), others, links)


def sample_of(kind: Kind) -> _Sample:
    """A sample resource of the kind, with the resources its fields link to, to render
    (``sample.render(resource)``): what the page measures, and ``infrac diff`` too."""
    return _sample(kind)


# ---- what changes when a field does -------------------------------------------------------


def _differences(a: Any, b: Any, path: tuple[str, ...] = ()) -> set[tuple[str, ...]]:
    if isinstance(a, dict) and isinstance(b, dict):
        found: set[tuple[str, ...]] = set()
        for key in dict.fromkeys([*a, *b]):
            if key not in a or key not in b:
                found.add((*path, key))
            else:
                found |= _differences(a[key], b[key], (*path, key))
        return found
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        found = set()
        for x, y in zip(a, b):
            found |= _differences(x, y, (*path, "[]"))
        return found
    return set() if a == b else {path}


differences = _differences


def _places(renderings: list[dict[str, Any]], depth: int) -> list[str]:
    """Where the renderings differ, as ``Property.Sub[]`` (the sample resource's own
    Properties), a top-level key (``DeletionPolicy``), or ``AWS::Type Property``."""
    first = renderings[0]
    paths: set[tuple[str, ...]] = set()
    for other in renderings[1:]:
        paths |= _differences(first, other)
    places = []
    for path in paths:
        logical_id, rest = path[0], path[1:]
        if not rest:  # a whole resource is there in some renderings only
            if any(_SAMPLE not in r for r in renderings):
                places.append("the logical ID")
            else:
                document = next(r[logical_id] for r in renderings if logical_id in r)
                places.append(f"`{document['Type']}` (another resource)")
            continue
        document = first[logical_id] if logical_id in first else renderings[-1][logical_id]
        if rest[0] == "Properties":
            rest = rest[1:]
        where = _dotted(rest, depth) or "Properties"
        places.append(f"`{where}`" if logical_id == _SAMPLE else f"`{where}` of the `{document['Type']}` it adds")
    return sorted(set(places))


def _dotted(path: tuple[str, ...], depth: int) -> str:
    parts: list[str] = []
    names = 0
    for part in path:
        if part == "[]":
            if parts:
                parts[-1] += "[]"
            continue
        if names == depth:
            break
        parts.append(part)
        names += 1
    return ".".join(parts).removesuffix("[]")


def field_places(sample: _Sample | None, name: str, field: Field) -> list[str]:
    """Where in the rendered stack a resource field lands."""
    try:
        if sample is None:
            raise ReferenceError("the kind's required fields have types without samples")
        return _field_places(sample, name, field)
    except ReferenceError as error:
        return [f"{NOT_MEASURED}: {error}"]


#: What the page says where a type is new to this module; tests/test_reference.py fails on it.
NOT_MEASURED = "not measured"


def _field_places(sample: _Sample, name: str, field: Field) -> list[str]:
    places = _vary(sample, sample.resource, name, field)
    if places:
        return places
    # Some fields take effect only with others (a shared dead-letter queue and its receive
    # count): measure again with every other field set and no nested blocks.
    try:
        full = evolve(
            sample.resource,
            values={**sample.resource.values, **_first_samples(sample.kind.fields, sample.links)},
            blocks={keyword: () for keyword in sample.kind.blocks},
        )
        return _vary(sample, full, name, field)
    except Exception:  # the combination is one no checked program holds: keep the first answer
        return places


def _first_samples(fields: Mapping[str, Field], links: tuple[Link, ...]) -> dict[str, Any]:
    found = {}
    for name, field in fields.items():
        if name in COMMON_FIELDS:
            continue
        try:
            found[name] = samples(field.type, links)[0]
        except ReferenceError:
            continue
    return found


def _vary(sample: _Sample, base: Resource, name: str, field: Field) -> list[str]:
    """Where the rendering changes when ``name`` takes its default and sample values in ``base``."""
    alternatives = samples(field.type, sample.links)
    if not field.required:
        alternatives = [field.default, *alternatives]
    renderings = []
    for value in alternatives:
        changed = evolve(base, values={**base.values, name: value})
        if name == "id":
            changed = evolve(changed, logical_id=value if value is not None else base.name)
        renderings.append(sample.render(changed))
    return _places(renderings, depth=1)


def block_places(sample: _Sample | None, block_kind: BlockKind, name: str | None, field: Field | None) -> list[str]:
    """Where a nested block lands (``name`` None), or one of its fields."""
    try:
        if sample is None:
            raise ReferenceError("the kind's required fields have types without samples")
        return _block_places(sample, block_kind, name, field)
    except ReferenceError as error:
        return [f"{NOT_MEASURED}: {error}"]


def _block_places(sample: _Sample, block_kind: BlockKind, name: str | None, field: Field | None) -> list[str]:
    base = sample.resource
    block = base.blocks[block_kind.keyword][0]
    if name is None:
        variants = [(), (block,)]
    else:
        alternatives = samples(field.type, sample.links)
        if not field.required:
            alternatives = [field.default, *alternatives]
        variants = [(evolve(block, values={**block.values, name: value}),) for value in alternatives]
    renderings = [
        sample.render(evolve(base, blocks={**base.blocks, block_kind.keyword: blocks})) for blocks in variants
    ]
    return _places(renderings, depth=1 if name is None else 3)


# ---- the page -----------------------------------------------------------------------------


def describe(field_type: Type) -> tuple[str, str]:
    """(the type in words, the values it allows)."""
    if isinstance(field_type, Choice):
        return "choice", ", ".join(f"`{c}`" for c in field_type.choices)
    if isinstance(field_type, Duration):
        return "duration", bounds(field_type.minimum, field_type.maximum, format_seconds) if (
            field_type.minimum, field_type.maximum) != (None, None) else "any"
    if isinstance(field_type, Integer):
        return "whole number", bounds(field_type.minimum, field_type.maximum) if (
            field_type.minimum, field_type.maximum) != (None, None) else "any"
    if isinstance(field_type, Boolean):
        return "boolean", "`true`, `false`"
    if isinstance(field_type, Name):
        return "name", field_type.rule or "any name"
    if isinstance(field_type, ListOf):
        inner, allowed = describe(field_type.item)
        count = "" if (field_type.minimum, field_type.maximum) == (0, None) else (
            f"; items: {bounds(field_type.minimum, field_type.maximum)}")
        return f"list of {inner}", allowed + count
    if isinstance(field_type, MapOf):
        inner, allowed = describe(field_type.value)
        count = "" if (field_type.minimum, field_type.maximum) == (0, None) else (
            f"; entries: {bounds(field_type.minimum, field_type.maximum)}")
        return f"map of {inner}", allowed + count
    if isinstance(field_type, Record):
        return "map", "keys " + ", ".join(f"`{k}`" for k in field_type.fields) + (
            "; " + ", ".join(f"`{k}`" for k in field_type.required) + " required" if field_type.required else "")
    if isinstance(field_type, OneOf):
        described = [describe(a) for a in field_type.alternatives]
        allowed = dict.fromkeys(part for d in described for part in d[1].split("; "))
        return " or ".join(d[0] for d in described), "; ".join(allowed)
    if isinstance(field_type, LinkTo):
        return "resource", "a " + " or ".join(f"`{k}`" for k in field_type.kinds) + " of the project"
    if isinstance(field_type, Text):
        return "string", "placeholders allowed"
    if isinstance(field_type, Prose):
        return "string", "free text"
    if isinstance(field_type, Data):
        return "data", "any value, passed through"
    return getattr(field_type, "description", type(field_type).__name__), NOT_MEASURED


def show_default(field: Field) -> str:
    if field.required:
        return "required"
    value = field.default
    if value is None:
        return "not set"
    choices = [t for t in _types_in(field.type) if isinstance(t, Choice)]
    for choice in choices:
        for written, meant in choice.choices.items():
            if meant == value:
                return f"`{written}`"
    if isinstance(field.type, Duration):
        return f"`{format_seconds(value)}`"
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    if isinstance(value, str):
        return f'`"{value}"`'
    return f"`{value}`"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _places_cell(places: list[str]) -> str:
    own = [p for p in places if p.startswith("`") and " of the " not in p and "(another resource)" not in p]
    return ", ".join(own + [p for p in places if p not in own]) or "nothing by itself"


def _plain_table(fields: Mapping[str, Field], defaults: Mapping[str, str] | None = None) -> list[str]:
    """A table of fields that do not become CloudFormation properties (settings)."""
    lines = ["| attribute | type | default | allowed | meaning |", "|---|---|---|---|---|"]
    for name, field in fields.items():
        kind, allowed = describe(field.type)
        default = (defaults or {}).get(name) or show_default(field)
        if isinstance(field.default, tuple):
            default = "`[" + ", ".join(str(v) for v in field.default) + "]`"
        lines.append(f"| `{name}` | {_cell(kind)} | {_cell(default)} | {_cell(allowed)} | {_cell(field.doc)} |")
    return lines


def _field_table(rows: list[tuple[str, Field, list[str]]]) -> list[str]:
    lines = [
        "| attribute | type | default | allowed | CloudFormation | meaning |",
        "|---|---|---|---|---|---|",
    ]
    for name, field, places in rows:
        kind, allowed = describe(field.type)
        lines.append(
            f"| `{name}` | {_cell(kind)} | {show_default(field)} | {_cell(allowed)} | "
            f"{_cell(_places_cell(places))} | {_cell(field.doc)} |"
        )
    return lines


_HEADER = {
    NAME: "`{0} Name {{ ... }}`",
    NONE: "`{0} {{ ... }}`",
    TARGET: "`{0} stack.Resource {{ ... }}` or `{0} Id {{ arn = ... }}`",
}


def _kind_section(kind: Kind) -> list[str]:
    try:
        sample: _Sample | None = _sample(kind)
    except ReferenceError:
        sample = None  # each field says it is not measured
    lines = [f"## `{kind.keyword}`", ""]
    type_text = f"`{kind.cfn_type}`" if kind.cfn_type else "the type written in the header"
    header = f'`{kind.keyword} Name {{ ... }}`' if kind.cfn_type else f'`{kind.keyword} "AWS::Service::Type" Name {{ ... }}`'
    lines += [f"{kind.doc} Written {header}; CloudFormation type {type_text}.", ""]
    if kind.cfn_type is None:
        lines += [
            "The type must exist, and `properties` and the exported attributes are checked against the "
            "type's resource provider schema from AWS (`compiler/infrac/cfn/schemas/`): property names, "
            "required properties, types and allowed values.",
            "",
        ]
    rows = [
        (name, field, field_places(sample, name, field))
        for name, field in kind.fields.items()
        if name not in COMMON_FIELDS and not (kind.cfn_type is None and name == "type")
    ]
    if rows:
        lines += _field_table(rows) + [""]
    for keyword, block_kind in kind.blocks.items():
        where = _places_cell(block_places(sample, block_kind, None, None))
        repeated = "may appear more than once" if block_kind.repeated else "at most once"
        lines += [
            f"### `{keyword}` block",
            "",
            f"{block_kind.doc} Written {_HEADER[block_kind.label].format(keyword)}; {repeated}; "
            f"becomes {where}.",
            "",
        ]
        if block_kind.label == TARGET:
            kinds = ", ".join(f"`{k}`" for k in block_kind.link_kinds)
            lines += [f"A target named `stack.Resource` (or `Resource` in the same stack) is a {kinds} of the "
                      "project, and its `Arn` comes from that resource.", ""]
        block_rows = [
            (name, field, block_places(sample, block_kind, name, field)) for name, field in block_kind.fields.items()
        ]
        lines += _field_table(block_rows) + [""]
    if kind.attributes is None:
        lines += [
            "**Attributes** for references and exports: `ref` for `Ref`, and any `Fn::GetAtt` attribute "
            "in snake_case (`topic_arn` for `TopicArn`).",
            "",
        ]
    else:
        lines += ["**Attributes** for references and exports:", "", "| attribute | value | meaning |", "|---|---|---|"]
        for attribute in kind.attributes.values():
            value = f"`Fn::GetAtt {attribute.getatt}`" if attribute.getatt else "`Ref`"
            if attribute.owner is not None:
                value += " of the companion resource"
            lines.append(f"| `{attribute.name}` | {value} | {_cell(attribute.doc)} |")
        lines.append("")
    if kind.identifying:
        lines += [
            "Exported under `exports_required = true`: " + ", ".join(f"`{a}`" for a in kind.identifying) + ".",
            "",
        ]
    if kind.access is not None:
        lines += ["**Access levels** for `uses`:", "", "| level | IAM actions |", "|---|---|"]
        for level in kind.access.levels:
            actions = ", ".join(f"`{a}`" for a in kind.access.actions_for((level,)))
            lines.append(f"| `{level}` | {actions} |")
        lines.append("")
    return lines


def render() -> str:
    """The whole page, in Markdown."""
    lines = [
        "<!-- Generated by `python -m infrac.tools.reference` (make docs); do not edit. -->",
        "",
        "# Resource kinds",
        "",
        "Every kind of resource block, read from the vocabulary (`compiler/infrac/vocabulary/`). "
        "The *CloudFormation* column is measured: the places of the rendered template that change "
        "when the attribute does (`Properties` of the resource itself unless another type is named). "
        "The [language page](language.md) explains the constructs, with examples.",
        "",
    ]
    # The project block and the stacks' own attributes are read by passes, not kinds.
    lines += ["## The project block", "", "`project Name { ... }`: at most one in a project.", ""]
    lines += _plain_table(blocks.PROJECT_FIELDS, {"exports": f'`"{blocks.DEFAULT_EXPORTS}"`'}) + [""]
    lines += [
        "## Attributes of a stack",
        "",
        "`stack name { ... }` holds resource blocks, `uses` statements, and these attributes, which "
        "make it a consumer of other stacks' values (see [Cross-stack references](patterns.md)).",
        "",
    ]
    lines += _plain_table(blocks.STACK_FIELDS) + [""]
    lines += ["## Attributes of every resource", ""]
    common_rows = [(name, field, field_places(_sample(KINDS["table"]), name, field)) for name, field in COMMON_FIELDS.items()]
    lines += _field_table(common_rows) + [""]
    lines += ["Kinds: " + ", ".join(f"[`{k}`](#{_anchor(k)})" for k in KINDS) + ".", ""]
    for kind in KINDS.values():
        lines += _kind_section(kind)
    return "\n".join(lines).rstrip() + "\n"


def _anchor(keyword: str) -> str:
    return re.sub(r"[^a-z0-9_-]", "", keyword.lower())


def main() -> int:
    sys.stdout.write(render())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
