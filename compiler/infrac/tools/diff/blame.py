"""Where each change of a diff comes from in the sources.

A changed property of a resource is traced to the field that writes it, by measuring, as
the kinds' reference does (:mod:`infrac.tools.reference`): a sample resource of the kind
is rendered with each field at different values, and the properties that change are that
field's. Of the fields that write a property, the one the source sets is the change's
origin: its place (file, line, column) and its text as written (``visibility_timeout = 2m``).
Where the field's value is the property's (a duration in seconds, a choice), the old value
is written in the source's notation too (``1m``). A change no field explains (a default of
infrac's) is placed at the resource's name; a deleted resource at its stack's header.
"""

from __future__ import annotations

from infrac.base.classes import evolve
from infrac.base.source import SourceFile, Span
from infrac.contract.record import owners_of
from infrac.model import Program, Resource
from infrac.tools.diff.canon import scalar
from infrac.tools.diff.model import ADD, DELETE, Diff, Keyed

TYPE_CHECKING = False  # typing's own constant, without importing typing
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

    from infrac.vocabulary import Kind


class Origin:
    """Where a change comes from: ``label`` (``visibility_timeout``, ``index.projection``),
    the span of the value written and its text, and how to write an old value the same way."""

    __slots__ = ("label", "span", "text", "written")

    def __init__(self, label: str, span: Span | None, text: str, written: Callable[[Any], str | None] | None) -> None:
        self.label, self.span, self.text, self.written = label, span, text, written


def blame(found: Diff, program: Program, sources: dict[str, SourceFile]) -> None:
    """Set the ``source`` of each stack, resource and change of ``found`` that the sources explain."""
    for stack_diff in found.stacks:
        stack = program.stack(stack_diff.name)
        if stack is None:
            continue
        stack_diff.source = stack.span
        owners = owners_of(stack)
        for resource_diff in stack_diff.resources:
            owner = owners.get(resource_diff.logical_id)
            if resource_diff.action == DELETE or owner is None:
                resource_diff.source = stack.span
                continue
            resource_diff.source = owner.name_span
            if resource_diff.action == ADD:
                continue
            for change in resource_diff.changes:
                change.source = _origin(owner, resource_diff.logical_id, change.path, change.new, sources)
            trigger = next((c.source for c in resource_diff.changes
                            if c.source is not None and c.source.span is not None and c.path[1:2] and
                            ".".join(str(p) for p in c.path[1:]) in resource_diff.replacing), None)
            if trigger is not None:
                resource_diff.source = trigger.span


def _origin(owner: Resource, logical_id: str, path: tuple[Any, ...], new: Any,
            sources: dict[str, SourceFile]) -> Origin | None:
    from infrac.vocabulary import KINDS

    kind = KINDS.get(owner.kind)
    if kind is None or not path:
        return None
    own = logical_id == owner.logical_id
    key = tuple(path[:2]) if path[0] == "Properties" and len(path) > 1 else tuple(path[:1])
    for label in _measured(kind).get((own, key), ()):
        field_name, _, inner = label.partition(".")
        if not inner and field_name in owner.value_spans:
            span = owner.value_spans[field_name]
            field = kind.fields.get(field_name)
            written = _writer(field.type if field else None, owner.values.get(field_name), new)
            return Origin(field_name, span, _excerpt(span, sources), written)
        if inner:
            block = _block(owner, field_name, inner, path)
            if block is not None:
                span = block.value_spans[inner]
                block_kind = kind.blocks[field_name]
                field = block_kind.fields.get(inner)
                written = _writer(field.type if field else None, block.values.get(inner), new)
                return Origin(label, span, _excerpt(span, sources), written)
    return None


def _block(owner: Resource, keyword: str, field: str, path: tuple[Any, ...]):
    """The block of ``owner`` that sets ``field``: the one a keyed path names, or the first."""
    written = [b for b in owner.blocks.get(keyword, ()) if field in b.value_spans]
    names = [p.value for p in path if isinstance(p, Keyed)]
    for block in written:
        if block.name is not None and block.name in names:
            return block
    return written[0] if written else None


def _excerpt(span: Span | None, sources: dict[str, SourceFile]) -> str:
    source = sources.get(span.file) if span is not None else None
    if source is None:
        return ""
    text = source.text[span.start:span.end]
    first = text.split("\n", 1)[0].strip()
    return first + (" ..." if "\n" in text.strip() else "")


def _writer(field_type: Any, value: Any, new: Any) -> Callable[[Any], str | None] | None:
    """How to write a property's value as the source writes the field, when the field's
    value is the property's own (compared as CloudFormation reads it)."""
    from infrac.vocabulary.types import Boolean, Choice, Duration, Integer, format_seconds

    if field_type is None or scalar(value) != scalar(new) or isinstance(new, (dict, list)):
        return None
    if isinstance(field_type, Duration):
        return lambda v: format_seconds(int(v)) if _whole(v) else None
    if isinstance(field_type, Choice):
        back = {scalar(cfn): word for word, cfn in field_type.choices.items()}
        return lambda v: back.get(scalar(v))
    if isinstance(field_type, (Boolean, Integer)):
        return lambda v: scalar(v) if not isinstance(v, (dict, list)) and v is not None else None
    return None


def _whole(value: Any) -> bool:
    try:
        return int(str(value)) == float(str(value))
    except ValueError:
        return False


# ---- which fields write which properties, measured --------------------------------------------

_MEASURED: dict[str, dict[tuple[bool, tuple[str, ...]], tuple[str, ...]]] = {}


def _measured(kind: Kind) -> dict[tuple[bool, tuple[str, ...]], tuple[str, ...]]:
    """(the resource's own logical ID or a companion's, top-level key) -> the fields that
    change it (``field``, ``block.field`` or ``block``), measured once per kind."""
    if kind.keyword not in _MEASURED:
        _MEASURED[kind.keyword] = _measure(kind)
    return _MEASURED[kind.keyword]


def _measure(kind: Kind) -> dict[tuple[bool, tuple[str, ...]], tuple[str, ...]]:
    from infrac.tools.reference import ReferenceError, differences, sample_of, samples

    found: dict[tuple[bool, tuple[str, ...]], list[str]] = {}
    try:
        sample = sample_of(kind)
    except ReferenceError:
        return {}

    def note(label: str, variants: list[Resource]) -> None:
        try:
            renderings = [sample.render(v) for v in variants]
        except Exception:  # a combination no checked program holds: nothing learnt
            return
        paths: set[tuple[str, ...]] = set()
        for other in renderings[1:]:
            paths |= differences(renderings[0], other)
        own_id = sample.resource.logical_id
        for path in paths:
            rest = path[1:]
            if not rest:
                continue
            key = tuple(rest[:2]) if rest[0] == "Properties" and len(rest) > 1 else tuple(rest[:1])
            labels = found.setdefault((path[0] == own_id, key), [])
            if label not in labels:
                labels.append(label)

    base = sample.resource
    for name, field in kind.fields.items():
        if name in ("id", "replace", "internal"):
            continue
        try:
            values = ([] if field.required else [field.default]) + samples(field.type, sample.links)
        except ReferenceError:
            continue
        note(name, [evolve(base, values={**base.values, name: v}) for v in values])
    for keyword, block_kind in kind.blocks.items():
        blocks = base.blocks.get(keyword) or ()
        if not blocks:
            continue
        block = blocks[0]
        note(keyword, [evolve(base, blocks={**base.blocks, keyword: ()}), base])
        for name, field in block_kind.fields.items():
            try:
                values = ([] if field.required else [field.default]) + samples(field.type, sample.links)
            except ReferenceError:
                continue
            note(f"{keyword}.{name}", [
                evolve(base, blocks={**base.blocks, keyword: (evolve(block, values={**block.values, name: v}),)})
                for v in values
            ])
    return {key: tuple(labels) for key, labels in found.items()}
