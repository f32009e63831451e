"""The language server (`infrac lsp`) in a real client session over stdio
(pygls' client against the command as a user's editor starts it), on a copy of
the seed project: diagnostics as the CLI gives them, across files; a quick fix;
go to definition across stacks; the importers of an export; hover; completion;
rename (refused where it would change what is deployed); formatting; and
half-typed input."""

from __future__ import annotations

import asyncio
import json
import shutil
import sys
from pathlib import Path

import pytest
from lsprotocol import types as lsp
from pygls.lsp.client import LanguageClient

from conftest import SEED, run_infrac
from infrac.base.source import SourceFile
from infrac.syntax.fmt import format_module
from infrac.syntax.parser import parse
from infrac.tools.lsp import completion, features
from infrac.tools.lsp.analysis import analyse

TIMEOUT = 30


class Session:
    """A client, the texts it has open, and the diagnostics the server published."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.client = LanguageClient("infrac-test", "1")
        self.diagnostics: dict[str, list[lsp.Diagnostic]] = {}
        self.published = asyncio.Event()
        self.texts: dict[str, str] = {}
        self.versions: dict[str, int] = {}

        @self.client.feature(lsp.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
        def on_diagnostics(params: lsp.PublishDiagnosticsParams) -> None:
            self.diagnostics[params.uri] = params.diagnostics
            self.published.set()

    def uri(self, relative: str) -> str:
        return (self.root / relative).resolve().as_uri()

    async def start(self) -> None:
        await self.client.start_io(sys.executable, "-m", "infrac", "lsp", cwd=str(self.root))
        await self.client.initialize_async(
            lsp.InitializeParams(
                capabilities=lsp.ClientCapabilities(),
                root_uri=self.root.as_uri(),
                workspace_folders=[lsp.WorkspaceFolder(self.root.as_uri(), "project")],
            )
        )
        self.client.initialized(lsp.InitializedParams())

    async def stop(self) -> None:
        await self.client.shutdown_async(None)
        self.client.exit(None)
        await self.client.stop()

    async def settle(self) -> None:
        """Wait until the server has answered everything sent so far (its diagnostics included)."""
        await asyncio.wait_for(
            self.client.text_document_document_symbol_async(
                lsp.DocumentSymbolParams(lsp.TextDocumentIdentifier(self.uri("infra.dsl/core.infra")))
            ),
            TIMEOUT,
        )

    async def open(self, relative: str) -> None:
        text = (self.root / relative).read_text(encoding="utf-8")
        self.texts[relative], self.versions[relative] = text, 1
        self.client.text_document_did_open(
            lsp.DidOpenTextDocumentParams(lsp.TextDocumentItem(self.uri(relative), "infra", 1, text))
        )
        await self.settle()

    async def replace(self, relative: str, old: str, new: str) -> None:
        """Edit an open file as an editor does: an incremental change of one range."""
        text = self.texts[relative]
        assert text.count(old) >= 1, old
        start = text.index(old)
        await self.edit(relative, [lsp.TextEdit(_range(text, start, start + len(old)), new)])

    async def edit(self, relative: str, edits: list[lsp.TextEdit]) -> None:
        text = self.texts[relative]
        changes = []
        for edit in sorted(edits, key=lambda e: (e.range.start.line, e.range.start.character), reverse=True):
            start, end = _offset(text, edit.range.start), _offset(text, edit.range.end)
            text = text[:start] + edit.new_text + text[end:]
            changes.append(lsp.TextDocumentContentChangePartial(range=edit.range, text=edit.new_text))
        self.texts[relative] = text
        self.versions[relative] += 1
        self.client.text_document_did_change(
            lsp.DidChangeTextDocumentParams(
                lsp.VersionedTextDocumentIdentifier(uri=self.uri(relative), version=self.versions[relative]), changes
            )
        )
        await self.settle()

    def codes(self, relative: str) -> list[str]:
        return [d.code for d in self.diagnostics.get(self.uri(relative), [])]

    def at(self, relative: str, needle: str, shift: int = 0) -> lsp.TextDocumentPositionParams:
        text = self.texts[relative]
        return lsp.TextDocumentPositionParams(
            lsp.TextDocumentIdentifier(self.uri(relative)), _position(text, text.index(needle) + shift)
        )


def _position(text: str, offset: int) -> lsp.Position:
    line = text.count("\n", 0, offset)
    return lsp.Position(line, offset - (text.rfind("\n", 0, offset) + 1))


def _offset(text: str, position: lsp.Position) -> int:
    lines = text.split("\n")
    return sum(len(line) + 1 for line in lines[: position.line]) + position.character


def _range(text: str, start: int, end: int) -> lsp.Range:
    return lsp.Range(_position(text, start), _position(text, end))


def _cli_diagnostics(root: Path, files: dict[str, str]) -> list[dict]:
    """What `infrac check --diagnostic-format json` says of the same texts."""
    copy = root.parent / "cli"
    shutil.copytree(root / "infra.dsl", copy / "infra.dsl")
    for relative, text in files.items():
        (copy / relative).write_text(text, encoding="utf-8")
    process = run_infrac("check", "infra.dsl", "--diagnostic-format", "json", cwd=copy)
    shutil.rmtree(copy)
    return json.loads(process.stdout)["diagnostics"]


@pytest.fixture
def project(tmp_path) -> Path:
    root = tmp_path / "workspace"
    shutil.copytree(SEED, root / "infra.dsl")
    return root


def test_a_session_on_the_seed_project(project):
    asyncio.run(_session(project))


async def _session(root: Path) -> None:
    session = Session(root)
    await session.start()
    try:
        await _scenario(session, root)
    finally:
        await session.stop()


async def _scenario(s: Session, root: Path) -> None:
    core, sqs = "infra.dsl/core.infra", "infra.dsl/sqs.infra"
    await s.open(core)
    await s.open(sqs)
    # Every file of the project gets its diagnostics (none: the seed is clean).
    every = sorted(p.relative_to(root).as_posix() for p in (root / "infra.dsl").glob("*.infra"))
    assert sorted(u for u in s.diagnostics) == sorted(s.uri(p) for p in every)
    assert all(not d for d in s.diagnostics.values())

    # A typo in a cross-stack reference: the CLI's code, message and range.
    await s.replace(core, "infrastructure-sqs.BookingCommandsQueue.url", "infrastructure-sqs.BookingComandsQueue.url")
    [found] = s.diagnostics[s.uri(core)]
    [cli] = _cli_diagnostics(root, {core: s.texts[core]})
    assert found.code == cli["code"] == "E0402"
    assert found.message.split("\n")[0] == cli["message"]
    location = cli["location"]
    assert (found.range.start.line + 1, found.range.start.character + 1) == (location["line"], location["column"])
    assert (found.range.end.line + 1, found.range.end.character + 1) == (location["end_line"], location["end_column"])
    text = s.texts[core]
    assert text[_offset(text, found.range.start) : _offset(text, found.range.end)] == "BookingComandsQueue"

    # The quick fix it offers.
    actions = await s.client.text_document_code_action_async(
        lsp.CodeActionParams(
            lsp.TextDocumentIdentifier(s.uri(core)), found.range, lsp.CodeActionContext(diagnostics=[found])
        )
    )
    [action] = actions
    assert action.title == "Change to `BookingCommandsQueue`"
    await s.edit(core, action.edit.changes[s.uri(core)])
    assert "infrastructure-sqs.BookingCommandsQueue.url" in s.texts[core]
    assert s.codes(core) == []

    # A break in another file shows where it breaks: sqs stops exporting `url`.
    await s.replace(sqs, "export name, url, arn, dlq_name, dlq_url, dlq_arn", "export name, arn, dlq_name, dlq_url, dlq_arn")
    assert "E0404" in s.codes(core)
    broken = next(d for d in s.diagnostics[s.uri(core)] if d.code == "E0404")
    actions = await s.client.text_document_code_action_async(
        lsp.CodeActionParams(
            lsp.TextDocumentIdentifier(s.uri(core)), broken.range, lsp.CodeActionContext(diagnostics=[broken])
        )
    )
    [export_fix] = [a for a in actions if a.title.startswith("Export")]
    assert list(export_fix.edit.changes) == [s.uri(sqs)]  # the fix is in the exporting file
    await s.edit(sqs, export_fix.edit.changes[s.uri(sqs)])
    assert "export name, arn, dlq_name, dlq_url, dlq_arn, url" in s.texts[sqs]
    assert s.codes(core) == [] and s.codes(sqs) == []

    # Go to definition: a cross-stack reference to its resource, an attribute to its export.
    [target] = await s.client.text_document_definition_async(
        lsp.DefinitionParams(**_fields(s.at(core, "infrastructure-sqs.PaymentEventsQueue.url", 20)))
    )
    assert target.uri == s.uri(sqs)
    line = s.texts[sqs].split("\n")[target.range.start.line]
    assert line[target.range.start.character : target.range.end.character] == "PaymentEventsQueue"
    [export] = await s.client.text_document_definition_async(
        lsp.DefinitionParams(**_fields(s.at(core, "infrastructure-sqs.PaymentEventsQueue.url", 40)))
    )
    assert export.uri == s.uri(sqs)
    assert s.texts[sqs].split("\n")[export.range.start.line].strip().startswith("export")

    # Find references of an export: every importer.
    export_line = s.texts[sqs].index("queue PaymentEventsQueue")
    url = s.texts[sqs].index("url", s.texts[sqs].index("export name, url", export_line))
    found_references = await s.client.text_document_references_async(
        lsp.ReferenceParams(
            text_document=lsp.TextDocumentIdentifier(s.uri(sqs)),
            position=_position(s.texts[sqs], url),
            context=lsp.ReferenceContext(include_declaration=False),
        )
    )
    # core reads it (PAYMENT_EVENTS_QUEUE_URL); infrastructure-eventbridge imports it for the
    # queue policy of the rule that targets the queue, as infra.lock records.
    bridge = "infra.dsl/eventbridge.infra"
    places = {(r.uri, r.range.start.line) for r in found_references}
    core_line = s.texts[core][: s.texts[core].index("PAYMENT_EVENTS_QUEUE_URL")].count("\n")
    bridge_text = (root / bridge).read_text(encoding="utf-8")
    bridge_line = bridge_text[: bridge_text.index("target infrastructure-sqs.PaymentEventsQueue")].count("\n")
    assert (s.uri(core), core_line) in places and (s.uri(bridge), bridge_line) in places
    assert {uri for uri, _ in places} == {s.uri(core), s.uri(bridge)}

    # Hover: the kind, the export names per stage, the importers, the deploy wave.
    shown = await s.client.text_document_hover_async(
        lsp.HoverParams(**_fields(s.at(core, "infrastructure-sqs.PaymentEventsQueue.url", 20)))
    )
    text = shown.contents.value
    assert "**queue** `PaymentEventsQueue`" in text
    assert "infrastructure-sqs-prod-PaymentEventsQueueUrl" in text and "`core`" in text
    assert "wave 1" in text

    # Symbols: the file's outline, and the project's resources by name.
    outline = await s.client.text_document_document_symbol_async(
        lsp.DocumentSymbolParams(lsp.TextDocumentIdentifier(s.uri(sqs)))
    )
    [stack] = outline
    assert stack.name == "infrastructure-sqs" and "PaymentEventsQueue" in [c.name for c in stack.children]
    found_symbols = await s.client.workspace_symbol_async(lsp.WorkspaceSymbolParams(query="paymentevents"))
    assert {(x.name, x.container_name) for x in found_symbols} == {("PaymentEventsQueue", "infrastructure-sqs")}

    # Completion in a reference.
    await s.replace(core, "  uses infrastructure-s3.UploadsBucket { read, write }\n", "  uses infrastructure-s3.Up\n")
    items = await s.client.text_document_completion_async(
        lsp.CompletionParams(**_fields(s.at(core, "infrastructure-s3.Up", len("infrastructure-s3.Up"))))
    )
    assert "UploadsBucket" in [i.label for i in items.items]
    await s.replace(core, "  uses infrastructure-s3.Up\n", "  uses infrastructure-s3.UploadsBucket { read, write }\n")

    # Rename: refused for a deployed resource, done with every reference for a new one.
    with pytest.raises(Exception, match="deployed"):
        await s.client.text_document_rename_async(
            lsp.RenameParams(**_fields(s.at(core, "infrastructure-sqs.PaymentEventsQueue.url", 20)), new_name="Payments")
        )
    await s.replace(sqs, "stack infrastructure-sqs {\n", 'stack infrastructure-sqs {\n  queue Scratch {\n    internal = "tests"\n    export arn\n  }\n')
    await s.replace(core, "  values = {\n", "  values = {\n    ScratchArn: infrastructure-sqs.Scratch.arn,\n")
    assert s.codes(core) == [] and s.codes(sqs) == []
    renamed = await s.client.text_document_rename_async(
        lsp.RenameParams(**_fields(s.at(sqs, "queue Scratch", 7)), new_name="Sketch")
    )
    assert set(renamed.changes) == {s.uri(core), s.uri(sqs)}
    for relative in (core, sqs):
        await s.edit(relative, renamed.changes[s.uri(relative)])
    assert "infrastructure-sqs.Sketch.arn" in s.texts[core] and "queue Sketch {" in s.texts[sqs]
    assert s.codes(core) == [] and s.codes(sqs) == []

    # Formatting through infrac's formatter.
    await s.replace(core, "  uses infrastructure-s3.UploadsBucket { read, write }", "  uses   infrastructure-s3.UploadsBucket {read,write}")
    edits = await s.client.text_document_formatting_async(
        lsp.DocumentFormattingParams(lsp.TextDocumentIdentifier(s.uri(core)), lsp.FormattingOptions(2, True))
    )
    await s.edit(core, edits)
    expected = format_module(parse(SourceFile(core, s.texts[core])).module, s.texts[core])
    assert s.texts[core] == expected
    assert "  uses infrastructure-s3.UploadsBucket { read, write }" in s.texts[core]

    # Half-typed input: a syntax error in one file, and the server goes on.
    await s.replace(sqs, "  queue PayoutJobsQueue {", "  queue PayoutJobsQueue { name = ")
    assert s.codes(sqs) and s.codes(sqs)[0].startswith("E01")
    shown = await s.client.text_document_hover_async(
        lsp.HoverParams(**_fields(s.at(core, "stack core", 8)))
    )
    assert shown is not None and "**stack** `core`" in shown.contents.value


def _fields(position: lsp.TextDocumentPositionParams) -> dict:
    return {"text_document": position.text_document, "position": position.position}


# ---- the features on their own -------------------------------------------------------------------


def _seed() -> list[SourceFile]:
    return [SourceFile(p.relative_to(SEED.parent).as_posix(), p.read_text(encoding="utf-8")) for p in sorted(SEED.glob("*.infra"))]


def test_completion_of_kinds_fields_values_and_schema_properties():
    analysis = analyse(_seed())
    text = "stack s {\n  \n}\n"
    items, _ = completion.complete(analysis, text, text.index("\n  ") + 3)
    assert {"table", "queue", "resource", "uses"} <= {i.label for i in items}

    text = "stack s {\n  table T {\n    bil\n  }\n}\n"
    items, start = completion.complete(analysis, text, text.index("bil") + 3)
    billing = next(i for i in items if i.label == "billing")
    assert billing.doc and text[start:].startswith("bil")

    text = "stack s {\n  table T {\n    billing = \n  }\n}\n"
    items, _ = completion.complete(analysis, text, text.index("= ") + 2)
    assert {"on_demand", "provisioned"} <= {i.label for i in items}

    text = 'stack s {\n  resource "AWS::SNS::Topic" T {\n    properties = { \n  }\n}\n'
    items, _ = completion.complete(analysis, text, text.index("{ \n") + 2)
    assert "TopicName" in {i.label for i in items}

    text = "stack s {\n  uses infrastructure-sqs.PayoutJobsQueue { \n}\n"
    items, _ = completion.complete(analysis, text, text.index("{ \n") + 2)
    assert {"send", "consume"} == {i.label for i in items}


def test_completion_in_references():
    analysis = analyse(_seed())
    text = "stack s {\n  environment = { Q: infrastructure-sqs.PaymentEventsQueue. }\n}\n"
    offset = text.index(". }") + 1
    items, start = completion.complete(analysis, text, offset)
    assert start == offset
    url = next(i for i in items if i.label == "url")
    assert url.doc == "The queue's URL." and "exported" in url.detail
    text = "stack s {\n  environment = { Q: infrastructure-s }\n}\n"
    items, _ = completion.complete(analysis, text, text.index(" }"))
    assert items == []  # a stack name is not completed in the middle of a word that is no reference yet
    text = "stack s {\n  uses infra\n}\n"
    items, _ = completion.complete(analysis, text, text.index("infra\n") + 5)
    assert "infrastructure-sqs" in {i.label for i in items}


def test_hover_on_fields_and_kinds():
    sources = _seed()
    analysis = analyse(sources)
    sqs = next(s for s in sources if s.path.endswith("sqs.infra"))
    field = analysis.at(sqs.path, sqs.text.index("visibility_timeout") + 3)
    assert "How long a received message stays hidden" in features.hover(analysis, field)
    kind = analysis.at(sqs.path, sqs.text.index("queue BookingCommandsQueue") + 1)
    assert features.hover(analysis, kind).startswith("**queue** (`AWS::SQS::Queue`)")


def test_half_typed_input_never_raises():
    """Every prefix of a seed file, as if typed: analysis and completion answer, whatever the text."""
    sources = _seed()
    core = next(s for s in sources if s.path.endswith("eventbridge.infra"))
    others = [s for s in sources if s is not core]
    for end in range(0, len(core.text), 97):
        text = core.text[:end]
        analysis = analyse([*others, SourceFile(core.path, text)])
        completion.complete(analysis, text, len(text))
        for occurrence in analysis.occurrences:
            features.hover(analysis, occurrence)


def test_every_quick_fix_of_the_golden_cases_fixes_its_diagnostic():
    """For each golden case, apply each quick fix on its own and compile again: the
    diagnostic it fixes is gone, and the fix brings no syntax error (the cases with
    syntax errors offer fixes for what parses around them)."""
    applied = 0
    for folder in sorted((SEED.parent / "tests" / "cases").iterdir()):
        files = sorted(folder.glob("*.infra"))
        if not files:
            continue
        sources = [SourceFile(p.name, p.read_text(encoding="utf-8")) for p in files]
        analysis = analyse(sources)
        for diagnostic in analysis.diagnostics:
            for fix in features.fixes(analysis, diagnostic):
                texts = {s.path: s.text for s in sources}
                for span, text in sorted(fix.edits, key=lambda e: -e[0].start):
                    texts[span.file] = texts[span.file][: span.start] + text + texts[span.file][span.end :]
                after = analyse([SourceFile(path, text) for path, text in texts.items()])
                syntax = [d for d in analysis.diagnostics if d.code.startswith("E01")]
                assert len([d for d in after.diagnostics if d.code.startswith("E01")]) == len(syntax), (folder.name, fix.title)
                same = [
                    d for d in after.diagnostics
                    if d.code == diagnostic.code and d.span is not None and d.span.start == diagnostic.span.start
                ]
                assert not same, (folder.name, fix.title, same[0].message)
                applied += 1
    assert applied >= 20


def _occurrence(analysis, path_end: str, needle: str, shift: int = 0):
    source = next(s for s in analysis.sources.values() if s.path.endswith(path_end))
    return analysis.at(source.path, source.text.index(needle) + shift)


def test_rename_is_refused_for_what_is_deployed_and_done_without_a_lock():
    lock = (SEED / "infra.lock").read_text(encoding="utf-8")
    deployed = analyse(_seed(), lock)
    stack = _occurrence(deployed, "sqs.infra", "stack infrastructure-sqs", 7)
    with pytest.raises(features.RenameRefused, match="stack `infrastructure-sqs` is deployed"):
        features.rename(deployed, stack, "infrastructure-queues")
    queue = _occurrence(deployed, "sqs.infra", "queue PayoutJobsQueue", 7)
    with pytest.raises(features.RenameRefused, match='Set `id = "PayoutJobsQueue"`'):
        features.rename(deployed, queue, "PayoutQueue")

    fresh = analyse(_seed())  # never built: no infra.lock
    stack = _occurrence(fresh, "sqs.infra", "stack infrastructure-sqs", 7)
    edits = features.rename(fresh, stack, "infrastructure-queues")
    files = {span.file.rsplit("/", 1)[-1] for span, _ in edits}
    assert files == {"sqs.infra", "core.infra", "eventbridge.infra"}
    assert all(text == "infrastructure-queues" for _, text in edits)
    with pytest.raises(features.RenameRefused, match="not a valid"):
        features.rename(fresh, stack, "9 queues")


def test_features_never_raise_on_mangled_files():
    """Random cuts out of the seed's files: every query answers something or nothing, never raises."""
    import random

    rng = random.Random(11)
    sources = _seed()
    for _ in range(12):
        index = rng.randrange(len(sources))
        text = sources[index].text
        start = rng.randrange(len(text))
        mangled = text[:start] + text[start + rng.randrange(1, 40) :]
        changed = [*sources[:index], SourceFile(sources[index].path, mangled), *sources[index + 1 :]]
        analysis = analyse(changed)
        for offset in range(0, len(mangled), 211):
            completion.complete(analysis, mangled, offset)
            occurrence = analysis.at(sources[index].path, offset)
            if occurrence is not None:
                features.hover(analysis, occurrence)
                analysis.definition(occurrence)
                analysis.references(occurrence.symbol)
        for diagnostic in analysis.diagnostics:
            features.fixes(analysis, diagnostic)
        module = analysis.modules.get(sources[index].path)
        if module is not None:
            features.outline(module)
            analysis.format(sources[index].path)


def test_a_lock_it_cannot_read_is_the_cli_diagnostic(project, monkeypatch):
    from infrac.tools.lsp.server import Project

    lock = project / "infra.dsl" / "infra.lock"
    lock.write_text(lock.read_text(encoding="utf-8")[:200], encoding="utf-8")  # cut short
    monkeypatch.chdir(project)
    analysis = Project(project / "infra.dsl").analyse()
    [found] = [d for d in analysis.diagnostics if d.code == "E0006"]
    document = json.loads(run_infrac("check", "--diagnostic-format", "json", cwd=project).stdout)
    [cli] = [d for d in document["diagnostics"] if d["code"] == "E0006"]
    assert found.message == cli["message"] and found.span.file == cli["location"]["file"] == "infra.dsl/infra.lock"
