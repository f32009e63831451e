"""Completion: what may be written at the cursor, read from the text before it (which need
not parse) and from the last analysis of the project.

The text before the cursor gives the frames of open blocks and the words of the statement
being written; the analysis gives the stacks, resources and attributes a reference may name.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from infrac.base.classes import evolve, frozen
from infrac.tools.lsp.analysis import Analysis
from infrac.tools.lsp.features import fields_of
from infrac.vocabulary import KINDS
from infrac.vocabulary.kinds import Field
from infrac.vocabulary.types import Boolean, Choice, LinkTo, ListOf, OneOf, Type

_TOKEN = re.compile(
    r'"(?:[^"\\\n]|\\.)*"?|#[^\n]*|[A-Za-z_][A-Za-z0-9_-]*(?:\.[A-Za-z_][A-Za-z0-9_-]*)*\.?|-?[0-9][A-Za-z0-9.]*|\n|[{}\[\]=:,]|\S'
)


@frozen
class Item:
    """A completion: the text, what it is (``kind``, ``field``, ``value``, ``stack``,
    ``resource``, ``attribute``, ``keyword``, ``property``), a short detail and docs."""

    label: str
    what: str
    detail: str = ""
    doc: str = ""


@frozen
class _Frame:
    """An open ``{`` or ``[``: a block's header words, or the key a map or list is the value of."""

    what: str  # "block", "map", "list"
    words: tuple[str, ...] = ()
    key: str = ""


def _context(text: str) -> tuple[list[_Frame], list[str]]:
    """The open frames at the end of ``text`` and the tokens of the statement being written."""
    frames: list[_Frame] = []
    pending: list[str] = []
    for match in _TOKEN.finditer(text):
        token = match.group(0)
        if token.startswith("#"):
            continue
        if token == "\n":
            if not frames or frames[-1].what == "block":
                pending = []
            continue
        if token in "{[":
            key = pending[-2] if len(pending) >= 2 and pending[-1] in "=:" else ""
            if token == "[":
                frames.append(_Frame("list", key=key))
            elif pending and pending[-1] in "=:":
                frames.append(_Frame("map", key=key))
            else:
                frames.append(_Frame("block", tuple(pending)))
            pending = []
        elif token in "}]":
            if frames:
                frames.pop()
            pending = []
        elif token == ",":
            pending = []
        else:
            pending.append(token)
    return frames, pending


def _where(frames: list[_Frame]) -> tuple[str, str, str, list[str]]:
    """(stack name, resource kind, nested block, resource header words) from the open blocks."""
    blocks = [f for f in frames if f.what == "block"]
    stack = kind = nested = ""
    header: list[str] = []
    if blocks and blocks[0].words[:1] == ("stack",) and len(blocks[0].words) > 1:
        stack = blocks[0].words[1]
    if blocks and blocks[0].words[:1] == ("project",):
        kind = "project"
    if len(blocks) > 1 and blocks[1].words:
        kind, header = blocks[1].words[0], list(blocks[1].words)
    if len(blocks) > 2 and blocks[2].words:
        nested = blocks[2].words[0]
    return stack, kind, nested, header


def complete(analysis: Analysis | None, text: str, offset: int) -> tuple[list[Item], int]:
    """Completions at ``offset`` of ``text`` and where the word they replace starts."""
    before = text[:offset]
    frames, pending = _context(before)
    word = ""
    if pending and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_.-]*", pending[-1]) and before.endswith(pending[-1]):
        word = pending.pop()
    start = offset - len(word)
    stack, kind, nested, header = _where(frames)
    if "." in word:  # a reference: stack.Resource.attribute or Resource.attribute
        parts = word.split(".")
        return _reference_items(analysis, stack, parts[:-1], pending), offset - len(parts[-1])
    top = frames[-1] if frames else None
    if top is not None and top.what == "block" and top.words[:1] == ("uses",) and len(top.words) > 1:
        return _access_items(analysis, stack, top.words[1]), start
    if pending[:1] in (["uses"], ["reference"], ["target"]) and len(pending) == 1:
        return _stack_items(analysis, exclude=stack), start  # what follows names a stack first
    if pending[:1] == ["export"] and kind in KINDS:
        return _attribute_items(kind), start
    if len(pending) >= 2 and pending[-1] in ("=", ":") or (top is not None and top.what == "list"):
        field = _field_at(frames, pending, kind, nested)
        if top is not None and top.what == "map" and top.key == "properties" and pending[-1:] != [":"]:
            return _property_items(header), start
        return _value_items(analysis, stack, field), start
    if top is not None and top.what == "map":
        if top.key == "properties" and kind == "resource":
            return _property_items(header), start
        return [], start
    if pending:
        return [], start
    # a statement begins here
    if not frames:
        return [Item("project", "keyword", "the project's settings"), Item("stack", "keyword", "a stack")], start
    if kind == "project":
        return _field_items(fields_of("project")), start
    if len([f for f in frames if f.what == "block"]) == 1 and stack:
        items = [Item(k.keyword, "kind", k.cfn_type or "any CloudFormation type", k.doc) for k in KINDS.values()]
        items.append(Item("uses", "keyword", "a consumer's access to another stack's resource"))
        return items + _field_items(fields_of("stack")), start
    if kind in KINDS and not nested:
        found = KINDS[kind]
        items = _field_items(found.fields)
        items += [Item(b.keyword, "block", f"nested block of {kind}", b.doc) for b in found.blocks.values()]
        items.append(Item("export", "keyword", "publish attributes to other stacks"))
        return items, start
    if kind in KINDS and nested:
        return _field_items(fields_of(kind, nested if nested != "export" else "export")), start
    return [], start


def _field_at(frames: list[_Frame], pending: list[str], kind: str, nested: str) -> Field | None:
    """The field whose value is being written: ``name =`` on this line, or the list it is in."""
    name = pending[-2] if len(pending) >= 2 and pending[-1] == "=" else ""
    if not name:
        for frame in reversed(frames):
            if frame.what == "list" and frame.key:
                name = frame.key
                break
    if not name:
        return None
    if not kind:
        return fields_of("stack").get(name)
    return fields_of(kind, nested).get(name)


def _choices(type_: Type | None) -> list[Item]:
    if isinstance(type_, Choice):
        return [Item(c, "value", type_.description) for c in type_.choices]
    if isinstance(type_, Boolean):
        return [Item("true", "value"), Item("false", "value")]
    if isinstance(type_, ListOf):
        return _choices(type_.item)
    if isinstance(type_, OneOf):
        return [item for alternative in type_.alternatives for item in _choices(alternative)]
    return []


def _value_items(analysis: Analysis | None, stack: str, field: Field | None) -> list[Item]:
    if field is None:
        return []
    items = _choices(field.type)
    link_types = [field.type] if isinstance(field.type, LinkTo) else []
    if isinstance(field.type, OneOf):
        link_types = [t for t in field.type.alternatives if isinstance(t, LinkTo)]
    for link_type in link_types:
        items += _resource_items(analysis, stack, link_type.kinds) + _stack_items(analysis, exclude=stack)
    return items


def _field_items(fields: Mapping[str, Field]) -> list[Item]:
    return [
        Item(name, "field", field.type.description + (", required" if field.required else ""), field.doc)
        for name, field in fields.items()
    ]


def _attribute_items(kind: str) -> list[Item]:
    found = KINDS.get(kind)
    if found is None or found.attributes is None:
        return [Item("ref", "attribute", "the value of `Ref`")] if found else []
    return [Item(a.name, "attribute", f"{kind} attribute", a.doc) for a in found.attributes.values()]


def _stack_items(analysis: Analysis | None, exclude: str = "") -> list[Item]:
    if analysis is None or analysis.program is None:
        return []
    return [
        Item(s.name, "stack", f"stack, deploy wave {analysis.wave(s.name)}")
        for s in analysis.program.stacks
        if s.name != exclude
    ]


def _resource_items(analysis: Analysis | None, stack: str, kinds: tuple[str, ...] = ()) -> list[Item]:
    if analysis is None or analysis.program is None:
        return []
    found = analysis.program.stack(stack)
    if found is None:
        return []
    return [
        Item(r.name, "resource", f"{r.kind} in stack {stack}", KINDS[r.kind].doc)
        for r in found.resources
        if not kinds or r.kind in kinds
    ]


def _reference_items(analysis: Analysis | None, stack: str, parts: list[str], pending: list[str]) -> list[Item]:
    """After ``a.`` or ``a.B.``: the resources of stack ``a`` or the attributes of resource ``a``."""
    if analysis is None or analysis.program is None:
        return []
    program = analysis.program
    if len(parts) == 1:
        other = program.stack(parts[0])
        if other is not None:
            return _resource_items(analysis, other.name)
        own = program.stack(stack)
        resource = own.resource(parts[0]) if own else None
        return _attribute_items(resource.kind) if resource else []
    if len(parts) == 2:
        other = program.stack(parts[0])
        resource = other.resource(parts[1]) if other else None
        if resource is None:
            return []
        items = _attribute_items(resource.kind)
        if other.name != stack:  # across stacks, what is exported first
            exported = set(resource.exports)
            items = sorted(items, key=lambda i: i.label not in exported)
            items = [evolve(i, detail=i.detail + (", exported" if i.label in exported else "")) for i in items]
        return items
    return []


def _access_items(analysis: Analysis | None, stack: str, target: str) -> list[Item]:
    if analysis is None or analysis.program is None or "." not in target:
        return []
    other_name, name = target.split(".", 1)
    other = analysis.program.stack(other_name)
    resource = other.resource(name) if other else None
    access = KINDS[resource.kind].access if resource else None
    return [Item(level, "value", "access level") for level in access.levels] if access else []


def _property_items(header: list[str]) -> list[Item]:
    """A generic resource's properties, from the CloudFormation schema of its type."""
    from infrac.cfn.schemas import schema

    type_name = next((w.strip('"') for w in header[1:] if w.startswith('"')), None)
    found = schema(type_name) if type_name else None
    if found is None:
        return []
    required = set(found.required)
    return [
        Item(
            name,
            "property",
            f"{type_name}" + (", required" if name in required else ""),
            str(spec.get("description", "")) if isinstance(spec, dict) else "",
        )
        for name, spec in found.properties.items()
    ]


