"""What the language server answers, as plain data: hover text, completion items,
quick fixes, renames and symbols, from an :class:`~infrac.tools.lsp.analysis.Analysis`
and the vocabulary. Offsets are character offsets; the server converts them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from infrac.base.classes import evolve, frozen
from infrac.base.source import SourceFile, Span
from infrac.diagnostics import Diagnostic
from infrac.syntax import ir
from infrac.tools.lsp.analysis import (
    ATTRIBUTE,
    BLOCK,
    FIELD,
    KIND,
    RESOURCE,
    STACK,
    Analysis,
    Occurrence,
    Symbol,
    analyse,
    resource_name,
)
from infrac.vocabulary import KINDS
from infrac.vocabulary.kinds import Field
from infrac.vocabulary.types import Boolean, Choice, LinkTo, ListOf, OneOf, Type

#: What a text edit is here: replace ``span`` by ``text``.
Edit = tuple[Span, str]


def fields_of(kind: str, block: str = "") -> Mapping[str, Field]:
    """The attributes a block takes: a resource kind's, a nested block's, or the
    settings of ``project``, ``stack`` and ``export`` blocks."""
    from infrac.passes import resources, settings

    if kind == "project":
        return settings.FIELDS
    if kind == "stack":
        return resources.STACK_FIELDS
    if block == "export":
        return resources.EXPORT_FIELDS
    found = KINDS.get(kind)
    if found is None:
        return {}
    if block:
        nested = found.blocks.get(block)
        return nested.fields if nested else {}
    return found.fields


# ---- hover ----------------------------------------------------------------------------------


def hover(analysis: Analysis, occurrence: Occurrence) -> str | None:
    """Markdown for the symbol under the cursor."""
    symbol = occurrence.symbol
    if symbol.what == STACK:
        return _hover_stack(analysis, symbol.stack)
    if symbol.what == RESOURCE:
        return _hover_resource(analysis, symbol)
    if symbol.what == ATTRIBUTE:
        return _hover_attribute(analysis, symbol)
    if symbol.what == KIND:
        kind = KINDS.get(symbol.kind)
        if kind is None:
            return None
        type_name = f" (`{kind.cfn_type}`)" if kind.cfn_type else ""
        return f"**{kind.keyword}**{type_name}\n\n{kind.doc}"
    if symbol.what == BLOCK:
        kind = KINDS.get(symbol.kind)
        nested = kind.blocks.get(symbol.block) if kind else None
        return f"**{symbol.block}** (in a `{symbol.kind}`)\n\n{nested.doc}" if nested else None
    if symbol.what == FIELD:
        field = fields_of(symbol.kind, symbol.block).get(symbol.attribute)
        if field is None:
            return None
        where = symbol.block or symbol.kind
        required = ", required" if field.required else ""
        return f"**{symbol.attribute}** ({where}{required}): {field.type.description}\n\n{field.doc}"
    return None


def _hover_stack(analysis: Analysis, name: str) -> str:
    lines = [f"**stack** `{name}`"]
    program = analysis.program
    wave = analysis.wave(name)
    if program is not None and wave is not None:
        lines.append(f"deploy wave {wave} of {len(program.waves)}")
        imports = program.dependencies.get(name, ())
        users = sorted(s for s, deps in program.dependencies.items() if name in deps)
        if imports:
            lines.append("imports from " + ", ".join(f"`{s}`" for s in imports))
        if users:
            lines.append("imported by " + ", ".join(f"`{s}`" for s in users))
        stack = program.stack(name)
        if stack is not None:
            lines.append(f"{len(stack.resources)} resource{'s' * (len(stack.resources) != 1)}")
    locked = analysis.locked(name)
    if locked:
        lines.append(f"deployed: infra.lock records {len(locked)} export{'s' * (len(locked) != 1)} of this stack")
    return "\n\n".join(lines)


def _export_table(analysis: Analysis, exports: list) -> list[str]:
    program = analysis.program
    if not exports or program is None:
        return []
    stages = program.settings.stages
    rows = ["| attribute | " + " | ".join(stages) + " | imported by |", "|---" * (len(stages) + 2) + "|"]
    for export in exports:
        names = " | ".join(f"`{export.named(stage)}`" for stage in stages)
        importers = ", ".join(f"`{i}`" for i in export.importers) or "-"
        retired = f" (retired: {export.retired})" if export.retired else ""
        rows.append(f"| `{export.attribute}`{retired} | {names} | {importers} |")
    return ["\n".join(rows)]


def _resource_of(analysis: Analysis, stack: str, name: str):
    program = analysis.program
    found = program.stack(stack) if program else None
    return found.resource(name) if found else None


def _hover_resource(analysis: Analysis, symbol: Symbol) -> str:
    resource = _resource_of(analysis, symbol.stack, symbol.resource)
    if resource is None:
        return f"`{symbol.stack}.{symbol.resource}` (not checked yet: it or its stack has errors)"
    kind = KINDS[resource.kind]
    type_name = kind.type_name(resource)
    lines = [f"**{resource.kind}** `{resource.name}` in stack `{symbol.stack}` (`{type_name}`)", kind.doc]
    lines.append(f"logical ID `{resource.logical_id}`")
    wave = analysis.wave(symbol.stack)
    if wave is not None:
        lines.append(f"stack `{symbol.stack}` deploys in wave {wave}")
    if analysis.linkage is None:
        lines.append("exports: not known while the project has errors")
    else:
        lines += _export_table(analysis, analysis.exports_of(symbol.stack, symbol.resource)) or ["exports nothing"]
    return "\n\n".join(lines)


def _hover_attribute(analysis: Analysis, symbol: Symbol) -> str:
    resource = _resource_of(analysis, symbol.stack, symbol.resource)
    head = f"`{symbol.stack}.{symbol.resource}.{symbol.attribute}`"
    if resource is None:
        return head
    attribute = KINDS[resource.kind].attribute(symbol.attribute)
    lines = [f"{head}: {attribute.doc}" if attribute else head]
    exports = analysis.exports_of(symbol.stack, symbol.resource, symbol.attribute)
    if exports:
        lines += _export_table(analysis, exports)
    elif analysis.linkage is not None:
        lines.append("not exported")
    return "\n\n".join(lines)


# ---- completion -------------------------------------------------------------------------------

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
    if pending[:1] == ["uses"]:
        return _stack_items(analysis, exclude=stack), start
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


# ---- quick fixes ---------------------------------------------------------------------------------

_DID_YOU_MEAN = re.compile(r"did you mean `([^`]+)`\?")
_ADD_EXPORT = re.compile(r"add `export ([^`]+)`")


@frozen
class Fix:
    title: str
    edits: tuple[Edit, ...]
    diagnostic: Diagnostic


def fixes(analysis: Analysis, diagnostic: Diagnostic) -> list[Fix]:
    """The quick fixes a diagnostic carries: its did-you-mean, or the export it asks for."""
    found = []
    hint = diagnostic.hint or ""
    match = _DID_YOU_MEAN.search(hint)
    source = analysis.sources.get(diagnostic.span.file) if diagnostic.span is not None else None
    if match and source is not None:
        edit = _replacement(source, diagnostic.span, match.group(1))
        if edit is not None:
            found.append(Fix(f"Change to `{match.group(1)}`", (edit,), diagnostic))
    match = _ADD_EXPORT.search(hint)
    if match:
        wanted = [name.strip() for name in match.group(1).split(",")]
        target = _fix_target(analysis, diagnostic)
        if target is not None:
            edit = _add_exports(analysis, *target, wanted)
            if edit is not None:
                found.append(Fix(f"Export {', '.join(f'`{w}`' for w in edit[1])} of `{target[1]}`", (edit[0],), diagnostic))
    return found


def _replacement(source: SourceFile, span: Span, suggestion: str) -> Edit | None:
    """The edit that puts the suggestion in place of the misspelled word the span marks:
    the whole span when it is one word (or one quoted string, kept quoted), else the
    first name in it (an attribute's name in `name = value`)."""
    text = source.text[span.start : span.end]
    if len(text) >= 2 and text[0] == text[-1] == '"':
        return span, '"' + suggestion.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if re.fullmatch(r"[^\s=:,\[\]]+", text):
        return span, suggestion
    first = re.match(r"\s*([A-Za-z_][A-Za-z0-9_-]*)", text)
    if first is None:
        return None
    return Span(span.file, span.start + first.start(1), span.start + first.end(1)), suggestion


def _fix_target(analysis: Analysis, diagnostic: Diagnostic) -> tuple[str, str] | None:
    """(stack, resource) that the diagnostic asks to export from: the resource it marks "declared here",
    or the one it is about."""
    spans = [label.span for label in diagnostic.labels] + [diagnostic.span]
    for span in spans:
        if span is None:
            continue
        for occurrence in analysis.occurrences:
            if occurrence.declaration and occurrence.symbol.what == RESOURCE and occurrence.span == span:
                return occurrence.symbol.stack, occurrence.symbol.resource
    return None


def _add_exports(analysis: Analysis, stack: str, name: str, wanted: list[str]) -> tuple[Edit, list[str]] | None:
    """The edit that exports ``wanted`` (beyond what is exported already) from resource ``name``."""
    for path, module in analysis.modules.items():
        for item in module.items:
            if not isinstance(item, ir.Stack) or item.name.name != stack:
                continue
            for block in item.body:
                label = resource_name(block) if isinstance(block, ir.Block) else None
                if label is None or label.name != name:
                    continue
                exported = {i.name for s in block.body if isinstance(s, ir.Export) for i in s.names}
                missing = [w for w in wanted if w not in exported]
                if not missing:
                    return None
                plain = [s for s in block.body if isinstance(s, ir.Export) and not s.body]
                if plain and plain[-1].names[-1].span is not None:
                    end = plain[-1].names[-1].span.end
                    return (Span(path, end, end), "".join(f", {m}" for m in missing)), missing
                return _insert_statement(analysis.sources[path], block, "export " + ", ".join(missing)), missing
    return None


def _insert_statement(source: SourceFile, block: ir.Block, statement: str) -> Edit:
    """An edit that adds a statement as the last of a block, indented like the block's body."""
    close = block.span.end - 1  # the block's `}`
    head = source.position(block.span.start)
    indent = re.match(r"\s*", source.line_text(head.line)).group(0)
    line_start = source.text.rfind("\n", 0, close) + 1
    if source.text[line_start:close].strip():  # `}` shares its line: `table T { key = ... }`
        return Span(source.path, close, close), f"{statement} "
    return Span(source.path, line_start, line_start), f"{indent}  {statement}\n"


# ---- rename ---------------------------------------------------------------------------------------


class RenameRefused(Exception):
    """A rename that would change what is deployed; the message says why and what to do."""


_VALID = {
    STACK: re.compile(r"[A-Za-z][A-Za-z0-9-]{1,127}"),
    RESOURCE: re.compile(r"[A-Za-z_][A-Za-z0-9_-]*"),
}


def rename(analysis: Analysis, occurrence: Occurrence, new_name: str) -> list[Edit]:
    """Every edit that renames a resource or a stack, or :class:`RenameRefused`."""
    symbol = occurrence.symbol
    if symbol.what not in (STACK, RESOURCE):
        raise RenameRefused("only resources and stacks can be renamed")
    if not _VALID[symbol.what].fullmatch(new_name):
        raise RenameRefused(f"`{new_name}` is not a valid {symbol.what} name")
    if symbol.what == STACK:
        locked = analysis.locked(symbol.stack)
        if locked:
            raise RenameRefused(
                f"stack `{symbol.stack}` is deployed (infra.lock records its exports {', '.join(locked[:3])}"
                f"{', ...' if len(locked) > 3 else ''}): renaming it would make a new CloudFormation stack "
                "and remove the old one with everything in it"
            )
    else:
        resource = _resource_of(analysis, symbol.stack, symbol.resource)
        locked = analysis.locked(symbol.stack, symbol.resource)
        if locked and resource is not None and resource.logical_id == symbol.resource:
            raise RenameRefused(
                f"`{symbol.resource}` is deployed (infra.lock records its export {locked[0]}); renaming it "
                "changes its logical ID, which replaces the resource. Set "
                f"`id = \"{resource.logical_id}\"` in it first to keep the logical ID, then rename"
            )
    edits = [(o.span, new_name) for o in analysis.references(symbol)]
    _refuse_lock_changes(analysis, edits)
    return edits


def _refuse_lock_changes(analysis: Analysis, edits: list[Edit]) -> None:
    """Compile the renamed project: refuse if an export name that infra.lock records would change."""
    if not analysis.lock:
        return
    texts = {path: source.text for path, source in analysis.sources.items()}
    for span, text in sorted(edits, key=lambda e: (e[0].file, -e[0].start)):
        texts[span.file] = texts[span.file][: span.start] + text + texts[span.file][span.end :]
    renamed = analyse([SourceFile(path, text) for path, text in texts.items()])
    if renamed.linkage is None:
        return
    names = {e.name for e in renamed.linkage.exports}
    lost = sorted(name for name in analysis.lock if name not in names)
    if lost:
        raise RenameRefused(
            f"the rename changes the export {lost[0]} that infra.lock records as deployed"
            + (f" (and {len(lost) - 1} more)" if len(lost) > 1 else "")
            + "; importers would break"
        )


# ---- symbols ---------------------------------------------------------------------------------------


@frozen
class Outline:
    """A document symbol: a stack, a resource, a nested block, with their children."""

    name: str
    what: str  # "stack", "resource", "block", "project"
    detail: str
    span: Span
    name_span: Span
    children: tuple[Outline, ...] = ()


def outline(module: ir.Module) -> list[Outline]:
    found = []
    for item in module.items:
        if item.span is None or item.name.span is None:
            continue
        what = "project" if isinstance(item, ir.Project) else "stack"
        children = tuple(_outline_block(b) for b in item.body if isinstance(b, ir.Block) and b.span is not None)
        found.append(Outline(item.name.name, what, what, item.span, item.name.span, children))
    return found


def _outline_block(block: ir.Block) -> Outline:
    label = resource_name(block)
    name = label.name if label else block.kind
    name_span = label.span if label and label.span else block.kind_span or block.span
    children = tuple(_outline_block(b) for b in block.body if isinstance(b, ir.Block) and b.span is not None)
    what = "resource" if block.kind in KINDS else "block"
    return Outline(name, what, block.kind, block.span, name_span, children)
