"""What the language server shows beside the answers of :mod:`infrac.tools.lsp.features`:
semantic tokens, folding ranges, document highlights, selection ranges, signature help and
inlay hints, as plain data in character offsets (the server converts them), from an
:class:`~infrac.tools.lsp.analysis.Analysis` (also of a file with syntax errors: its
recovered module) and the vocabulary.
"""

from __future__ import annotations

from collections.abc import Iterator

from infrac.base.classes import frozen
from infrac.base.source import Span
from infrac.syntax import ir
from infrac.tools.lsp.analysis import ATTRIBUTE, BLOCK, FIELD, KIND, RESOURCE, STACK, Analysis, Occurrence
from infrac.vocabulary.functions import FUNCTIONS

#: Semantic token types, in the order of the legend the server announces. ``infrac.tools.editor.kinds``
#: holds the table that ties them to the TextMate scopes and the Pygments tokens.
TOKEN_TYPES = ("namespace", "class", "property", "type", "parameter", "function", "variable", "keyword")
#: what each occurrence of the index is, as a semantic token type
_BY_SYMBOL = {STACK: "namespace", RESOURCE: "class", ATTRIBUTE: "property", KIND: "type", BLOCK: "type", FIELD: "variable"}
#: declarations are marked with the token modifier of that name
TOKEN_MODIFIERS = ("declaration",)


@frozen
class SemanticToken:
    span: Span
    type: str
    declaration: bool = False


def semantic_tokens(analysis: Analysis, path: str) -> list[SemanticToken]:
    """The file's names by what they stand for: stacks, resources, attributes of resources,
    kinds and nested blocks, settings, parameters and functions; in order, never overlapping."""
    found: dict[tuple[int, int], SemanticToken] = {}
    for occurrence in analysis.in_file(path):
        kind = _BY_SYMBOL.get(occurrence.symbol.what)
        if kind is not None:
            found[(occurrence.span.start, occurrence.span.end)] = SemanticToken(occurrence.span, kind, occurrence.declaration)
    module = analysis.modules.get(path)
    if module is not None:
        for call in _calls(module):
            if call.name_span is not None:
                found[(call.name_span.start, call.name_span.end)] = SemanticToken(call.name_span, "function")
            if call.name == "param" and call.args and isinstance(call.args[0], ir.Symbol) and call.args[0].span:
                span = call.args[0].span
                found[(span.start, span.end)] = SemanticToken(span, "parameter")
        for block in _blocks(module):
            if block.kind == "parameter" and block.labels and isinstance(block.labels[-1], ir.Symbol):
                label = block.labels[-1]
                if label.span is not None:
                    found[(label.span.start, label.span.end)] = SemanticToken(label.span, "parameter", True)
    tokens = []
    end = -1
    for (start, stop), token in sorted(found.items()):
        if start >= end:  # the outermost of overlapping ones is dropped by the sort: keep the first
            tokens.append(token)
            end = stop
    return tokens


def _walk(module: ir.Module) -> Iterator:
    pending: list = list(module.items)
    while pending:
        node = pending.pop()
        yield node
        if isinstance(node, (ir.Project, ir.Stack, ir.Block, ir.Export)):
            pending.extend(node.body)
            if isinstance(node, ir.Block):
                pending.extend(node.labels)
        elif isinstance(node, ir.Attribute):
            pending.append(node.value)
        elif isinstance(node, ir.Entry):
            pending.append(node.value)
        elif isinstance(node, ir.Map):
            pending.extend(node.entries)
        elif isinstance(node, ir.List):
            pending.extend(node.items)
        elif isinstance(node, ir.Call):
            pending.extend(node.args)
        elif isinstance(node, ir.Uses):
            pending.append(node.target)


def _calls(module: ir.Module) -> Iterator[ir.Call]:
    return (node for node in _walk(module) if isinstance(node, ir.Call))


def _blocks(module: ir.Module) -> Iterator[ir.Block]:
    return (node for node in _walk(module) if isinstance(node, ir.Block))


# ---- folding, highlights, selection ---------------------------------------------------------


def folding_ranges(analysis: Analysis, path: str) -> list[Span]:
    """Every stack, block, map and list that spans lines, and every run of comment lines."""
    module = analysis.modules.get(path)
    source = analysis.sources.get(path)
    if module is None or source is None:
        return []
    found = []
    for node in _walk(module):
        if isinstance(node, (ir.Project, ir.Stack, ir.Block, ir.Export, ir.Map, ir.List)) and node.span is not None:
            if "\n" in source.text[node.span.start : node.span.end]:
                found.append(node.span)
    run: list[ir.Comment] = []
    for comment in [*module.comments, None]:
        if run and (
            comment is None or source.text[run[-1].span.end : comment.span.start].count("\n") != 1
            or source.text[source.text.rfind("\n", 0, comment.span.start) + 1 : comment.span.start].strip()
        ):
            if len(run) > 1:
                found.append(Span(path, run[0].span.start, run[-1].span.end))
            run = []
        if comment is not None:
            run.append(comment)
    return sorted(found, key=lambda s: (s.start, -s.end))


def highlights(analysis: Analysis, occurrence: Occurrence) -> list[Occurrence]:
    """The places in the occurrence's file that name the same symbol."""
    return [o for o in analysis.in_file(occurrence.span.file) if o.symbol == occurrence.symbol]


def selection(analysis: Analysis, path: str, offset: int) -> list[Span]:
    """The nodes around the offset, innermost first: a name, its value, its statement, its
    block, its stack."""
    module = analysis.modules.get(path)
    if module is None:
        return []
    around = [
        node.span
        for node in _walk(module)
        if getattr(node, "span", None) is not None and node.span.start <= offset <= node.span.end
    ]
    occurrence = analysis.at(path, offset)
    if occurrence is not None:
        around.append(occurrence.span)
    unique = {(s.start, s.end): s for s in around}
    return sorted(unique.values(), key=lambda s: (s.length, -s.start))


# ---- signature help and inlay hints --------------------------------------------------------------


@frozen
class Signature:
    label: str
    doc: str
    parameters: tuple[str, ...]
    active: int


def signature(text: str, offset: int) -> Signature | None:
    """The function whose arguments the cursor is in (``sub("...", |``), and which argument."""
    depth = 0
    argument = 0
    index = offset - 1
    in_string = False
    while index >= 0:
        char = text[index]
        if char == "\n" and depth == 0 and not in_string:
            pass
        if char == '"' and (index == 0 or text[index - 1] != "\\"):
            in_string = not in_string
        elif not in_string:
            if char in ")]}":
                depth += 1
            elif char in "[{":
                if depth == 0:
                    return None
                depth -= 1
            elif char == "(":
                if depth == 0:
                    start = index
                    while start > 0 and (text[start - 1].isalnum() or text[start - 1] in "_-"):
                        start -= 1
                    function = FUNCTIONS.get(text[start:index])
                    if function is None:
                        return None
                    names = list(function.args) + (["..."] if function.repeat else [])
                    active = min(argument, len(names) - 1) if names else 0
                    return Signature(function.signature, function.doc, tuple(names), active)
                depth -= 1
            elif char == "," and depth == 0:
                argument += 1
        index -= 1
    return None


@frozen
class InlayHint:
    offset: int
    label: str
    tooltip: str


def inlay_hints(analysis: Analysis, path: str, start: int, end: int) -> list[InlayHint]:
    """After each reference to another stack's attribute: the export it reads, by its name."""
    found = []
    for occurrence in analysis.in_file(path):
        symbol = occurrence.symbol
        if symbol.what != ATTRIBUTE or occurrence.declaration or not start <= occurrence.span.end <= end:
            continue
        if symbol.stack == occurrence.stack:
            continue  # in its own stack a reference reads no export
        exports = analysis.exports_of(symbol.stack, symbol.resource, symbol.attribute)
        if exports:
            export = exports[0]
            found.append(InlayHint(occurrence.span.end, f" → {export.name}", f"`{symbol.stack}.{symbol.resource}.{symbol.attribute}` is exported as `{export.name}`"))
    return found


# ---- the protocol's side ------------------------------------------------------------------------------


def register(server, at) -> None:
    """Register these views' handlers on the language server; ``at(ls, uri, position)``
    is the server's (analysis, occurrence under the cursor)."""
    from lsprotocol import types as lsp

    from infrac.tools.lsp.protocol import _safe, to_offset, to_position, to_range

    _LEGEND = lsp.SemanticTokensLegend(token_types=list(TOKEN_TYPES), token_modifiers=list(TOKEN_MODIFIERS))


    @server.feature(lsp.TEXT_DOCUMENT_SEMANTIC_TOKENS_FULL, _LEGEND)
    @_safe
    def on_semantic_tokens(ls, params: lsp.SemanticTokensParams):
        found = ls.source(params.text_document.uri)
        if found is None:
            return None
        analysis, source = found
        data: list[int] = []
        line = column = 0
        for token in semantic_tokens(analysis, source.path):
            where = to_range(source, token.span)
            if where.start.line != where.end.line:
                continue
            delta_line = where.start.line - line
            delta_column = where.start.character - (column if delta_line == 0 else 0)
            data += [delta_line, delta_column, where.end.character - where.start.character,
                     TOKEN_TYPES.index(token.type), 1 if token.declaration else 0]
            line, column = where.start.line, where.start.character
        return lsp.SemanticTokens(data=data)


    @server.feature(lsp.TEXT_DOCUMENT_FOLDING_RANGE)
    @_safe
    def folding_range(ls, params: lsp.FoldingRangeParams):
        found = ls.source(params.text_document.uri)
        if found is None:
            return None
        analysis, source = found
        ranges = []
        for span in folding_ranges(analysis, source.path):
            where = to_range(source, span)
            if where.end.line > where.start.line:
                comment = source.text[span.start : span.start + 1] == "#"
                ranges.append(lsp.FoldingRange(
                    start_line=where.start.line, end_line=where.end.line,
                    kind=lsp.FoldingRangeKind.Comment if comment else lsp.FoldingRangeKind.Region,
                ))
        return ranges


    @server.feature(lsp.TEXT_DOCUMENT_DOCUMENT_HIGHLIGHT)
    @_safe
    def document_highlight(ls, params: lsp.DocumentHighlightParams):
        analysis, occurrence = at(ls, params.text_document.uri, params.position)
        if occurrence is None:
            return None
        source = analysis.sources[occurrence.span.file]
        return [
            lsp.DocumentHighlight(
                range=to_range(source, o.span),
                kind=lsp.DocumentHighlightKind.Write if o.declaration else lsp.DocumentHighlightKind.Read,
            )
            for o in highlights(analysis, occurrence)
        ]


    @server.feature(lsp.TEXT_DOCUMENT_SELECTION_RANGE)
    @_safe
    def selection_range(ls, params: lsp.SelectionRangeParams):
        found = ls.source(params.text_document.uri)
        if found is None:
            return None
        analysis, source = found
        answers = []
        for position in params.positions:
            offset = to_offset(source, position)
            chain = None
            for span in reversed(selection(analysis, source.path, offset)):
                chain = lsp.SelectionRange(range=to_range(source, span), parent=chain)
            answers.append(chain or lsp.SelectionRange(range=lsp.Range(position, position)))
        return answers


    @server.feature(lsp.TEXT_DOCUMENT_SIGNATURE_HELP, lsp.SignatureHelpOptions(trigger_characters=["(", ","]))
    @_safe
    def signature_help(ls, params: lsp.SignatureHelpParams):
        found = ls.source(params.text_document.uri)
        if found is None:
            return None
        _analysis, source = found
        found_signature = signature(source.text, to_offset(source, params.position))
        if found_signature is None:
            return None
        return lsp.SignatureHelp(
            signatures=[
                lsp.SignatureInformation(
                    label=found_signature.label,
                    documentation=lsp.MarkupContent(kind=lsp.MarkupKind.Markdown, value=found_signature.doc),
                    parameters=[lsp.ParameterInformation(label=name) for name in found_signature.parameters],
                )
            ],
            active_signature=0,
            active_parameter=found_signature.active,
        )


    @server.feature(lsp.TEXT_DOCUMENT_INLAY_HINT)
    @_safe
    def inlay_hint(ls, params: lsp.InlayHintParams):
        found = ls.source(params.text_document.uri)
        if found is None:
            return None
        analysis, source = found
        start, end = to_offset(source, params.range.start), to_offset(source, params.range.end)
        return [
            lsp.InlayHint(position=to_position(source, hint.offset), label=hint.label, tooltip=hint.tooltip,
                          kind=lsp.InlayHintKind.Type, padding_left=True)
            for hint in inlay_hints(analysis, source.path, start, end)
        ]
