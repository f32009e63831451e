"""The rest of the protocol, through a real client on a copy of the seed project: semantic
tokens that tell a stack, a resource, an attribute, a parameter and a function apart;
folding ranges; document highlights; selection ranges; signature help for functions;
inlay hints with the export a reference reads; each diagnostic's link to its code's
entry; rename edits as `documentChanges` for a client that supports them."""

from __future__ import annotations

import asyncio
import shutil
import sys
from pathlib import Path

from lsprotocol import types as lsp

from conftest import SEED
from infrac.diagnostics.codes import help_uri
from test_lsp import Session, _position

CORE, SQS = "infra.dsl/core.infra", "infra.dsl/sqs.infra"

PARAMETERS = """stack params-demo {
  parameter Env {
    type    = string
    default = "qa"
  }
  resource "AWS::SNS::Topic" Alerts {
    properties = { TopicName: join("-", [param(Env), "alerts"]) }
  }
}
"""


class CapableSession(Session):
    """A client that supports `documentChanges` in workspace edits."""

    async def start(self) -> None:
        await self.client.start_io(sys.executable, "-m", "infrac", "lsp", cwd=str(self.root))
        capabilities = lsp.ClientCapabilities(
            workspace=lsp.WorkspaceClientCapabilities(
                workspace_edit=lsp.WorkspaceEditClientCapabilities(document_changes=True)
            )
        )
        await self.client.initialize_async(
            lsp.InitializeParams(capabilities=capabilities, root_uri=self.root.as_uri(),
                                 workspace_folders=[lsp.WorkspaceFolder(self.root.as_uri(), "project")])
        )
        self.client.initialized(lsp.InitializedParams())


def _decode(data: list[int], text: str) -> list[tuple[str, str, bool]]:
    """(the text, the token type, a declaration) of each semantic token."""
    from infrac.tools.lsp.views import TOKEN_TYPES

    lines = text.split("\n")
    found, line, column = [], 0, 0
    for index in range(0, len(data), 5):
        delta_line, delta_column, length, kind, modifiers = data[index : index + 5]
        line += delta_line
        column = column + delta_column if delta_line == 0 else delta_column
        found.append((lines[line][column : column + length], TOKEN_TYPES[kind], bool(modifiers & 1)))
    return found


def test_the_views_of_the_protocol(tmp_path):
    root = tmp_path / "workspace"
    shutil.copytree(SEED, root / "infra.dsl")
    (root / "infra.dsl" / "params.infra").write_text(PARAMETERS, encoding="utf-8")
    asyncio.run(_session(root))


async def _session(root: Path) -> None:
    s = CapableSession(root)
    await s.start()
    try:
        await s.open(CORE)
        await s.open(SQS)
        await s.open("infra.dsl/params.infra")
        core = s.texts[CORE]

        tokens = await s.client.text_document_semantic_tokens_full_async(
            lsp.SemanticTokensParams(lsp.TextDocumentIdentifier(s.uri(CORE)))
        )
        decoded = _decode(tokens.data, core)
        assert ("core", "namespace", True) in decoded  # the stack's declaration
        assert ("infrastructure-sqs", "namespace", False) in decoded  # a stack in a reference
        assert ("PaymentEventsQueue", "class", False) in decoded  # a resource
        assert ("url", "property", False) in decoded  # an attribute of a resource
        params = _decode((await s.client.text_document_semantic_tokens_full_async(
            lsp.SemanticTokensParams(lsp.TextDocumentIdentifier(s.uri("infra.dsl/params.infra")))
        )).data, s.texts["infra.dsl/params.infra"])
        assert ("Env", "parameter", True) in params and ("Env", "parameter", False) in params
        assert ("join", "function", False) in params and ("param", "function", False) in params
        assert ("resource", "type", False) in params

        folds = await s.client.text_document_folding_range_async(
            lsp.FoldingRangeParams(lsp.TextDocumentIdentifier(s.uri(SQS)))
        )
        sqs = s.texts[SQS].split("\n")
        queue_line = next(i for i, line in enumerate(sqs) if "queue PaymentEventsQueue" in line)
        fold = next(f for f in folds if f.start_line == queue_line)
        assert sqs[fold.end_line].strip() == "}"

        position = _position(core, core.index("infrastructure-sqs.PaymentEventsQueue.url") + 20)
        found = await s.client.text_document_document_highlight_async(
            lsp.DocumentHighlightParams(lsp.TextDocumentIdentifier(s.uri(CORE)), position)
        )
        lines = core.split("\n")
        assert found and all(lines[h.range.start.line][h.range.start.character : h.range.end.character] == "PaymentEventsQueue" for h in found)

        [chain] = await s.client.text_document_selection_range_async(
            lsp.SelectionRangeParams(lsp.TextDocumentIdentifier(s.uri(CORE)), [position])
        )
        widths = []
        while chain is not None:
            r = chain.range
            widths.append((r.end.line - r.start.line, r.end.character - r.start.character if r.end.line == r.start.line else 0))
            chain = chain.parent
        assert len(widths) >= 4 and widths[0] == (0, len("PaymentEventsQueue")) and widths[-1][0] > 10

        params_text = s.texts["infra.dsl/params.infra"]
        help_ = await s.client.text_document_signature_help_async(
            lsp.SignatureHelpParams(lsp.TextDocumentIdentifier(s.uri("infra.dsl/params.infra")),
                                    _position(params_text, params_text.index('"-", [') + 5))
        )
        assert help_.signatures[0].label.startswith("join(") and help_.active_parameter == 1

        hints = await s.client.text_document_inlay_hint_async(
            lsp.InlayHintParams(lsp.TextDocumentIdentifier(s.uri(CORE)),
                                lsp.Range(lsp.Position(0, 0), lsp.Position(len(lines), 0)))
        )
        labels = [h.label for h in hints]
        assert any("PaymentEventsQueueUrl" in label for label in labels), labels[:5]

        await s.replace(SQS, "    visibility_timeout", "    visibility_timeot")
        [typo] = [d for d in s.diagnostics[s.uri(SQS)] if d.code == "E0204"]
        assert typo.code_description.href == help_uri("E0204")

        await s.replace(SQS, "stack infrastructure-sqs {\n", 'stack infrastructure-sqs {\n  queue Scratch {\n    internal = "tests"\n  }\n')
        renamed = await s.client.text_document_rename_async(
            lsp.RenameParams(lsp.TextDocumentIdentifier(s.uri(SQS)), _position(s.texts[SQS], s.texts[SQS].index("Scratch") + 1), "Sketch")
        )
        assert renamed.changes is None and renamed.document_changes
        [edit] = renamed.document_changes
        assert edit.text_document.uri == s.uri(SQS) and edit.text_document.version == s.versions[SQS]
    finally:
        await s.stop()
