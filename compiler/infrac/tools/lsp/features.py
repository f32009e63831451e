"""What the language server answers, as plain data: hover text, quick fixes, renames and
symbols (completion is in :mod:`infrac.tools.lsp.completion`), from an :class:`~infrac.tools.lsp.analysis.Analysis`
and the vocabulary. Offsets are character offsets; the server converts them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from infrac.base.classes import frozen
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
from infrac.vocabulary import KINDS, blocks
from infrac.vocabulary.kinds import Field

#: What a text edit is here: replace ``span`` by ``text``.
Edit = tuple[Span, str]


def fields_of(kind: str, block: str = "") -> Mapping[str, Field]:
    """The attributes a block takes: a resource kind's, a nested block's, or the
    settings of ``project``, ``stack`` and ``export`` blocks."""
    if kind == "project":
        return blocks.PROJECT_FIELDS
    if kind == "stack":
        return blocks.STACK_FIELDS
    if block == "export":
        return blocks.EXPORT_FIELDS
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
