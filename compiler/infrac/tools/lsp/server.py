"""``infrac lsp``: the language server, over stdin and stdout (pygls).

A thin layer: each change of any file checks the file's project again as ``infrac check``
does, with the editor's unsaved texts in place of the files on disk, group of stacks by
group (only the groups whose files changed: :mod:`infrac.tools.lsp.incremental`), and
publishes the diagnostics of each file whose diagnostics changed. Every answer comes from
that analysis (:mod:`infrac.tools.lsp.analysis`, :mod:`infrac.tools.lsp.features`), also
while files have syntax errors: the parser recovers, and what parses is checked.

A project is the folder ``infrac check`` would be pointed at: from a file's
folder up, as long as the parent folder holds ``.infra`` files too, stopping at
a folder with an ``infra.lock`` and at the workspace's root. Paths are shown as
the command shows them when run in the workspace's root folder.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from pathlib import Path

from lsprotocol import types as lsp
from pygls.exceptions import JsonRpcException
from pygls.lsp.server import LanguageServer
from pygls.uris import from_fs_path, to_fs_path

from infrac import __version__
from infrac.base.classes import evolve
from infrac.base.source import SourceFile, Span
from infrac.contract import lockfile
from infrac.diagnostics import Diagnostic, Severity, sort_key
from infrac.diagnostics.codes import help_uri
from infrac.project.workspace import SUFFIX, display, load, read_lock
from infrac.tools.lsp import completion as completions
from infrac.tools.lsp import features, views
from infrac.tools.lsp.analysis import RESOURCE, STACK, Analysis
from infrac.tools.lsp.incremental import Incremental
from infrac.tools.lsp.protocol import _safe, to_offset, to_range

log = logging.getLogger(__name__)

#: JSON-RPC error code for a request the server understood and declines (LSP's RequestFailed).
REQUEST_FAILED = -32803


def _normalise(text: str) -> str:
    """As :func:`infrac.project.workspace.load` reads a file."""
    return (text[1:] if text.startswith("\ufeff") else text).replace("\r\n", "\n")


# ---- projects -------------------------------------------------------------------------------------


class Project:
    """One project folder: its files (as on disk, or as the editor has them) and
    the latest analysis."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.incremental = Incremental()
        self.overlays: dict[str, str] = {}  # display path -> the editor's text
        self.analysis: Analysis | None = None
        self.published: dict[str, list[lsp.Diagnostic]] = {}  # what each file shows now
        self.shown: dict[str, SourceFile] = {}
        self._sources: dict[str, SourceFile] = {}  # the editor's texts, as files
        self._disk_sources: dict[str, SourceFile] = {}
        self._disk: tuple | None = None

    def reload(self) -> None:
        """Forget what was read from disk (a file was created, deleted or saved)."""
        self._disk = None

    def forget_closed(self) -> None:
        """Drop the editor's texts of closed documents and the parses of files that are no
        longer in the project (a closed document that is not on disk)."""
        for path in [p for p in self._sources if p not in self.overlays]:
            del self._sources[path]
        self.incremental.parse_cache.retain(set(self.shown))

    def _read(self) -> tuple:
        if self._disk is None:
            loaded = load([self.folder])
            shown: dict[str, SourceFile] = {}
            lock_text, problem = read_lock(self.folder / lockfile.NAME, shown)  # as `infrac check` reads it
            self._disk = (loaded, None if problem else lock_text, problem, shown)
            self._disk_sources = {s.path: s for s in sorted(loaded.sources, key=lambda s: s.path)}
        return self._disk

    def analyse(self) -> Analysis:
        """Compile the project as ``infrac check`` does: the files, then the lock."""
        loaded, lock_text, problem, shown = self._read()
        current = dict(self._disk_sources)  # the files as on disk, then the editor's texts over them
        for path, text in self.overlays.items():
            source = self._sources.get(path)
            if source is None or source.text != text:  # one SourceFile per text: its lines are indexed once
                source = self._sources[path] = SourceFile(path, text)
            current[path] = source
        sources = list(current.values())
        analysis = self.incremental.analyse(sources, lock_text, display(self.folder / lockfile.NAME))
        extra = tuple(d for d in loaded.diagnostics if d.code != "E0002" or not sources)
        extra += (problem,) if problem is not None else ()
        if extra:
            analysis = evolve(
                analysis, checked=evolve(analysis.checked, diagnostics=extra + analysis.checked.diagnostics)
            )
        self.analysis = analysis
        self.shown = {**analysis.sources, **shown}  # the lock, when a diagnostic points into it
        return analysis


def project_folder(path: Path, root: Path) -> Path:
    """The project a file belongs to (see the module's docstring)."""
    folder = path.parent
    while not (folder / lockfile.NAME).is_file():
        parent = folder.parent
        if parent == folder or folder == root or not parent.is_relative_to(root):
            break
        try:
            siblings = any(p.suffix == SUFFIX and p.is_file() for p in parent.iterdir())
        except OSError:
            break
        if not siblings:
            break
        folder = parent
    return folder


class InfraServer(LanguageServer):
    def __init__(self) -> None:
        super().__init__("infrac", __version__, text_document_sync_kind=lsp.TextDocumentSyncKind.Incremental)
        self.root = Path.cwd()
        self.projects: dict[Path, Project] = {}

    # -- files and projects --

    def path_of(self, uri: str) -> Path | None:
        path = to_fs_path(uri)
        return Path(path).resolve() if path else None

    def display_of(self, path: Path) -> str:
        return display(path)

    def uri_of(self, shown: str) -> str:
        return from_fs_path(str((self.root / shown).resolve()))

    def project_of(self, uri: str) -> Project | None:
        path = self.path_of(uri)
        if path is None or path.suffix != SUFFIX:
            return None
        folder = project_folder(path, self.root)
        project = self.projects.get(folder)
        if project is None:
            project = self.projects[folder] = Project(folder)
        return project

    def source(self, uri: str) -> tuple[Analysis, SourceFile] | None:
        project = self.project_of(uri)
        if project is None:
            return None
        analysis = project.analysis or self.refresh(project)
        source = analysis.sources.get(self.display_of(self.path_of(uri)))
        return (analysis, source) if source is not None else None

    def refresh(self, project: Project) -> Analysis:
        """Analyse the project again (the groups of stacks that changed, see
        :mod:`infrac.tools.lsp.incremental`) and publish the diagnostics of each file whose
        diagnostics changed."""
        analysis = project.analyse()
        shown = project.shown
        now: dict[str, list[lsp.Diagnostic]] = {}
        first = min(analysis.sources, default=None)
        for found in sorted(analysis.diagnostics, key=sort_key):
            path = found.span.file if found.span is not None and found.span.file in shown else first
            if path is not None:
                now.setdefault(path, []).append(self.to_lsp(shown, found))
        published = project.published
        # the files whose diagnostics may have changed: those with some now or before, new files,
        # and files that left the project (cleared)
        candidates = set(now) | {p for p, shown_there in published.items() if shown_there}
        candidates |= analysis.sources.keys() - published.keys()
        candidates |= published.keys() - analysis.sources.keys()
        for path in sorted(candidates):
            diagnostics = now.get(path, [])
            if published.get(path) != diagnostics:
                self.text_document_publish_diagnostics(
                    lsp.PublishDiagnosticsParams(uri=self.uri_of(path), diagnostics=diagnostics)
                )
            if path in analysis.sources or diagnostics:
                published[path] = diagnostics
            else:
                published.pop(path, None)
        return analysis

    def workspace_edit(self, changes: dict[str, list[lsp.TextEdit]]) -> lsp.WorkspaceEdit:
        """Edits by file: as ``documentChanges`` (each with the version of the open document it
        was computed on) when the client supports them, else as ``changes``."""
        capabilities = getattr(self, "client_capabilities", None)
        workspace = getattr(capabilities, "workspace", None)
        edit = getattr(workspace, "workspace_edit", None)
        if not getattr(edit, "document_changes", False):
            return lsp.WorkspaceEdit(changes=changes)
        documents = []
        for uri, edits in changes.items():
            document = self.workspace.text_documents.get(uri)
            version = document.version if document is not None else None
            documents.append(
                lsp.TextDocumentEdit(lsp.OptionalVersionedTextDocumentIdentifier(uri=uri, version=version), edits)
            )
        return lsp.WorkspaceEdit(document_changes=documents)

    def to_lsp(self, sources: Mapping[str, SourceFile], found: Diagnostic) -> lsp.Diagnostic:
        """A diagnostic as the protocol has it: the message, then the hint on a line of its own."""
        source = sources.get(found.span.file) if found.span is not None else None
        where = to_range(source, found.span) if source else lsp.Range(lsp.Position(0, 0), lsp.Position(0, 0))
        related = [
            lsp.DiagnosticRelatedInformation(
                location=lsp.Location(self.uri_of(label.span.file), to_range(sources[label.span.file], label.span)),
                message=label.message,
            )
            for label in found.labels
            if label.span is not None and label.span.file in sources
        ]
        message = found.message
        if found.hint:
            message += f"\nhelp: {found.hint}"
        return lsp.Diagnostic(
            range=where,
            message=message,
            code_description=lsp.CodeDescription(href=help_uri(found.code)),
            severity=lsp.DiagnosticSeverity.Error if found.severity is Severity.ERROR else lsp.DiagnosticSeverity.Warning,
            code=found.code,
            source="infrac",
            related_information=related or None,
        )


server = InfraServer()


# ---- documents ------------------------------------------------------------------------------------


@server.feature(lsp.INITIALIZE)
def initialize(ls: InfraServer, params: lsp.InitializeParams) -> None:
    root = None
    if params.workspace_folders:
        root = to_fs_path(params.workspace_folders[0].uri)
    elif params.root_uri:
        root = to_fs_path(params.root_uri)
    if root and Path(root).is_dir():
        ls.root = Path(root).resolve()
        os.chdir(ls.root)  # paths are shown as `infrac check` shows them when run here


@server.feature(lsp.TEXT_DOCUMENT_DID_OPEN)
@_safe
def did_open(ls: InfraServer, params: lsp.DidOpenTextDocumentParams) -> None:
    project = ls.project_of(params.text_document.uri)
    if project is None:
        return
    path = ls.display_of(ls.path_of(params.text_document.uri))
    if project.analysis is not None and path not in project.analysis.sources:
        project.reload()  # a new file
    project.overlays[path] = _normalise(params.text_document.text)
    ls.refresh(project)


@server.feature(lsp.TEXT_DOCUMENT_DID_CHANGE)
@_safe
def did_change(ls: InfraServer, params: lsp.DidChangeTextDocumentParams) -> None:
    project = ls.project_of(params.text_document.uri)
    if project is None:
        return
    document = ls.workspace.get_text_document(params.text_document.uri)
    project.overlays[ls.display_of(ls.path_of(params.text_document.uri))] = _normalise(document.source)
    ls.refresh(project)


@server.feature(lsp.TEXT_DOCUMENT_DID_CLOSE)
@_safe
def did_close(ls: InfraServer, params: lsp.DidCloseTextDocumentParams) -> None:
    project = ls.project_of(params.text_document.uri)
    if project is None:
        return
    project.overlays.pop(ls.display_of(ls.path_of(params.text_document.uri)), None)
    project.reload()
    ls.refresh(project)
    release(project)


@server.feature(lsp.TEXT_DOCUMENT_DID_SAVE)
@_safe
def did_save(ls: InfraServer, params: lsp.DidSaveTextDocumentParams) -> None:
    project = ls.project_of(params.text_document.uri)
    if project is not None:
        project.reload()


@server.feature(lsp.WORKSPACE_DID_CHANGE_WATCHED_FILES)
@_safe
def did_change_watched_files(ls: InfraServer, params: lsp.DidChangeWatchedFilesParams) -> None:
    touched = {}
    for change in params.changes:
        path = ls.path_of(change.uri)
        if path is not None and path.name == lockfile.NAME:
            project = ls.projects.get(path.parent)
        else:
            project = ls.project_of(change.uri)
        if project is not None:
            project.reload()
            touched[project.folder] = project
    for project in touched.values():
        ls.refresh(project)


# ---- navigation ------------------------------------------------------------------------------------


def _at(ls: InfraServer, uri: str, position: lsp.Position):
    found = ls.source(uri)
    if found is None:
        return None, None
    analysis, source = found
    return analysis, analysis.at(source.path, to_offset(source, position))


def _location(ls: InfraServer, analysis: Analysis, span: Span) -> lsp.Location:
    return lsp.Location(ls.uri_of(span.file), to_range(analysis.sources[span.file], span))


@server.feature(lsp.TEXT_DOCUMENT_DEFINITION)
@_safe
def definition(ls: InfraServer, params: lsp.DefinitionParams):
    analysis, occurrence = _at(ls, params.text_document.uri, params.position)
    if occurrence is None:
        return None
    return [_location(ls, analysis, span) for span in analysis.definition(occurrence)] or None


@server.feature(lsp.TEXT_DOCUMENT_REFERENCES)
@_safe
def references(ls: InfraServer, params: lsp.ReferenceParams):
    analysis, occurrence = _at(ls, params.text_document.uri, params.position)
    if occurrence is None:
        return None
    found = analysis.references(occurrence.symbol, params.context.include_declaration)
    return [_location(ls, analysis, o.span) for o in found] or None


@server.feature(lsp.TEXT_DOCUMENT_HOVER)
@_safe
def hover(ls: InfraServer, params: lsp.HoverParams):
    analysis, occurrence = _at(ls, params.text_document.uri, params.position)
    if occurrence is None:
        return None
    text = features.hover(analysis, occurrence)
    if text is None:
        return None
    source = analysis.sources[occurrence.span.file]
    return lsp.Hover(contents=lsp.MarkupContent(kind=lsp.MarkupKind.Markdown, value=text), range=to_range(source, occurrence.span))


_SYMBOL_KINDS = {
    "project": lsp.SymbolKind.Package,
    "stack": lsp.SymbolKind.Module,
    "resource": lsp.SymbolKind.Class,
    "block": lsp.SymbolKind.Struct,
}


@server.feature(lsp.TEXT_DOCUMENT_DOCUMENT_SYMBOL)
@_safe
def document_symbol(ls: InfraServer, params: lsp.DocumentSymbolParams):
    found = ls.source(params.text_document.uri)
    if found is None:
        return None
    analysis, source = found
    module = analysis.modules.get(source.path)
    if module is None:
        return []

    def convert(item: features.Outline) -> lsp.DocumentSymbol:
        return lsp.DocumentSymbol(
            name=item.name,
            kind=_SYMBOL_KINDS[item.what],
            range=to_range(source, item.span),
            selection_range=to_range(source, item.name_span),
            detail=item.detail,
            children=[convert(c) for c in item.children],
        )

    return [convert(item) for item in features.outline(module)]


@server.feature(lsp.WORKSPACE_SYMBOL)
@_safe
def workspace_symbol(ls: InfraServer, params: lsp.WorkspaceSymbolParams):
    query = params.query.lower()
    found = []
    for project in ls.projects.values():
        analysis = project.analysis or ls.refresh(project)
        for occurrence in analysis.occurrences:
            symbol = occurrence.symbol
            if not occurrence.declaration or symbol.what not in (STACK, RESOURCE):
                continue
            name = symbol.resource or symbol.stack
            if query and query not in name.lower():
                continue
            found.append(
                lsp.SymbolInformation(
                    name=name,
                    kind=lsp.SymbolKind.Class if symbol.what == RESOURCE else lsp.SymbolKind.Module,
                    location=_location(ls, analysis, occurrence.span),
                    container_name=symbol.stack if symbol.what == RESOURCE else None,
                )
            )
    return found


# ---- editing ----------------------------------------------------------------------------------------

_ITEM_KINDS = {
    "kind": lsp.CompletionItemKind.Class,
    "block": lsp.CompletionItemKind.Struct,
    "field": lsp.CompletionItemKind.Field,
    "value": lsp.CompletionItemKind.EnumMember,
    "keyword": lsp.CompletionItemKind.Keyword,
    "stack": lsp.CompletionItemKind.Module,
    "resource": lsp.CompletionItemKind.Variable,
    "attribute": lsp.CompletionItemKind.Property,
    "property": lsp.CompletionItemKind.Property,
}


@server.feature(lsp.TEXT_DOCUMENT_COMPLETION, lsp.CompletionOptions(trigger_characters=[".", " ", "="]))
@_safe
def completion(ls: InfraServer, params: lsp.CompletionParams):
    found = ls.source(params.text_document.uri)
    if found is None:
        return None
    analysis, source = found
    offset = to_offset(source, params.position)
    items, start = completions.complete(analysis, source.text, offset)
    replace = to_range(source, Span(source.path, start, offset))
    return lsp.CompletionList(
        is_incomplete=False,
        items=[
            lsp.CompletionItem(
                label=item.label,
                kind=_ITEM_KINDS.get(item.what),
                detail=item.detail or None,
                documentation=lsp.MarkupContent(kind=lsp.MarkupKind.Markdown, value=item.doc) if item.doc else None,
                text_edit=lsp.TextEdit(replace, item.label),
                sort_text=f"{index:04d}",
            )
            for index, item in enumerate(items)
        ],
    )


@server.feature(
    lsp.TEXT_DOCUMENT_CODE_ACTION, lsp.CodeActionOptions(code_action_kinds=[lsp.CodeActionKind.QuickFix])
)
@_safe
def code_action(ls: InfraServer, params: lsp.CodeActionParams):
    found = ls.source(params.text_document.uri)
    if found is None:
        return None
    analysis, source = found
    start, end = to_offset(source, params.range.start), to_offset(source, params.range.end)
    actions = []
    for diagnostic in analysis.diagnostics:
        span = diagnostic.span
        if span is None or span.file != source.path or span.end < start or span.start > end:
            continue
        for fix in features.fixes(analysis, diagnostic):
            changes: dict[str, list[lsp.TextEdit]] = {}
            for edit_span, text in fix.edits:
                changes.setdefault(ls.uri_of(edit_span.file), []).append(
                    lsp.TextEdit(to_range(analysis.sources[edit_span.file], edit_span), text)
                )
            actions.append(
                lsp.CodeAction(
                    title=fix.title,
                    kind=lsp.CodeActionKind.QuickFix,
                    diagnostics=[ls.to_lsp(analysis.sources, diagnostic)],
                    edit=ls.workspace_edit(changes),
                    is_preferred=True,
                )
            )
    return actions


@server.feature(lsp.TEXT_DOCUMENT_PREPARE_RENAME)
@_safe
def prepare_rename(ls: InfraServer, params: lsp.PrepareRenameParams):
    analysis, occurrence = _at(ls, params.text_document.uri, params.position)
    if occurrence is None or occurrence.symbol.what not in (STACK, RESOURCE):
        return None
    return to_range(analysis.sources[occurrence.span.file], occurrence.span)


@server.feature(lsp.TEXT_DOCUMENT_RENAME)
@_safe
def rename(ls: InfraServer, params: lsp.RenameParams):
    analysis, occurrence = _at(ls, params.text_document.uri, params.position)
    if occurrence is None:
        return None
    try:
        edits = features.rename(analysis, occurrence, params.new_name)
    except features.RenameRefused as refused:
        ls.window_show_message(lsp.ShowMessageParams(type=lsp.MessageType.Warning, message=f"infrac: {refused}"))
        raise JsonRpcException(message=str(refused), code=REQUEST_FAILED) from None
    changes: dict[str, list[lsp.TextEdit]] = {}
    for span, text in edits:
        changes.setdefault(ls.uri_of(span.file), []).append(lsp.TextEdit(to_range(analysis.sources[span.file], span), text))
    return ls.workspace_edit(changes)


@server.feature(lsp.TEXT_DOCUMENT_FORMATTING)
@_safe
def formatting(ls: InfraServer, params: lsp.DocumentFormattingParams):
    found = ls.source(params.text_document.uri)
    if found is None:
        return None
    analysis, source = found
    formatted = analysis.format(source.path)
    if formatted is None or formatted == source.text:
        return []
    end = lsp.Position(source.line_count, 0)
    return [lsp.TextEdit(lsp.Range(lsp.Position(0, 0), end), formatted)]


views.register(server, _at)


def release(project: Project) -> None:
    """Free what a closed document held: the parses of files no longer in the project, the
    cyclic garbage of the compilations, and the memory the allocator keeps (a 5 MB document
    kept 605 MB after it was closed)."""
    import gc

    project.forget_closed()
    gc.collect()
    _trim()


def _trim() -> None:
    """Give the C allocator's free memory back to the system (glibc's ``malloc_trim``), where
    there is one: Python's large strings and lists live there, not in its own arenas."""
    try:
        import ctypes

        ctypes.CDLL(None).malloc_trim(0)
    except (OSError, AttributeError):
        pass


def serve() -> None:
    import sys

    from infrac.tools.lsp.transport import serve as run

    logging.basicConfig(level=logging.WARNING, format="%(message)s")  # to stderr: stdout is the protocol
    run(server, sys.stdin.buffer, sys.stdout.buffer)
