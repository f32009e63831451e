"""Typing into the language server as a user does: character by character, through a
real client (pygls' client against `infrac lsp`, as tests/test_lsp.py runs it), from an
empty line to a finished reference, in every place a reference is written (a map's
value in `environment` and `values`, `uses`, `reference`, a rule's `target`). At every
keystroke the file does not parse most of the time; at every keystroke:

- completion offers what is legal there: the stacks after `uses `, the stack's
  resources right after `stack.`, the resource's attributes right after
  `stack.Resource.`, the access levels inside `uses stack.Resource { }`;
- the other files keep their answers (hover and go to definition in another file) and
  their diagnostics (a finding planted in another file stays published);
- the file's syntax errors are reported, at most one for the statement being typed (and
  one for the `{` it leaves open until its `}` is typed).
"""

from __future__ import annotations

import asyncio
import re
import shutil
from pathlib import Path

import pytest
from lsprotocol import types as lsp

from conftest import SEED
from test_lsp import Session, _fields, _position

CORE, SQS, BRIDGE = "infra.dsl/core.infra", "infra.dsl/sqs.infra", "infra.dsl/eventbridge.infra"

#: Each place a reference is written: the file, the line the new line goes after, the
#: indentation, what is typed, and what it must parse to in the end.
TYPED = [
    ("environment", CORE, "  environment = {\n", "    ", "NEW_QUEUE_URL: infrastructure-sqs.PaymentEventsQueue.url,"),
    ("values", CORE, "  values = {\n", "    ", "NewJobsArn: infrastructure-sqs.PayoutJobsQueue.arn,"),
    ("uses", CORE, "  uses infrastructure-dynamodb.UsersTable { read, write }\n", "  ",
     "uses infrastructure-s3.UploadsBucket { read }"),
    ("reference", CORE, "  uses infrastructure-dynamodb.UsersTable { read, write }\n", "  ",
     "reference infrastructure-cognito.UserPool { strength = both }"),
    ("target", BRIDGE, "    target infrastructure-sqs.PaymentEventsQueue { message_group = \"payments\" }\n", "    ",
     'target infrastructure-sqs.SearchIndexingQueue { message_group = "search" }'),
]


@pytest.fixture
def project(tmp_path) -> Path:
    root = tmp_path / "workspace"
    shutil.copytree(SEED, root / "infra.dsl")
    return root


def _expected(typed: str) -> tuple[str, str] | None:
    """What must be offered after ``typed`` (the text of the line so far): (what, label)."""
    if typed.endswith("{ ") and typed.lstrip().startswith("uses "):
        return "access", "read"
    word = typed.split(" ")[-1]
    parts = word.split(".")
    if len(parts) == 2 and parts[1] == "":
        return "resource", {"infrastructure-sqs": None, "infrastructure-s3": "UploadsBucket",
                            "infrastructure-cognito": "UserPool"}.get(parts[0]) or ""
    if len(parts) == 3 and parts[2] == "":
        return "attribute", "arn"
    if typed.lstrip() in ("uses ", "reference ", "target ") and word == "":
        return "stack", "infrastructure-sqs"
    return None


async def _type(s: Session, name: str, relative: str, after: str, indent: str, line: str, final: str) -> None:
    text = s.texts[relative]
    where = text.index(after) + len(after)
    await s.edit(relative, [lsp.TextEdit(lsp.Range(_position(text, where), _position(text, where)), indent + "\n")])
    cursor = where + len(indent)
    checked = 0
    for index, char in enumerate(line):
        text = s.texts[relative]
        await s.edit(relative, [lsp.TextEdit(lsp.Range(_position(text, cursor), _position(text, cursor)), char)])
        cursor += 1
        typed = line[: index + 1]
        # completion answers at every keystroke, with what is legal here when that is known
        items = await s.client.text_document_completion_async(
            lsp.CompletionParams(lsp.TextDocumentIdentifier(s.uri(relative)), _position(s.texts[relative], cursor))
        )
        labels = [i.label for i in items.items] if items is not None else []
        expected = _expected(typed)
        if expected is not None:
            what, label = expected
            if what == "resource" and not label:
                label = re.search(r"infrastructure-sqs\.(\w+)", line).group(1)
            assert label in labels, (name, typed, what, labels[:8])
            checked += 1
        # the file's syntax errors: at most one for the statement being typed, and the `{`
        # it leaves open until its `}` is typed
        syntax = [d for d in s.diagnostics.get(s.uri(relative), []) if str(d.code).startswith("E01")]
        unclosed = [d for d in syntax if d.code == "E0106"]
        assert len(syntax) - len(unclosed) <= 1, (name, typed, [d.message for d in syntax])
        assert len(unclosed) <= (typed.count("{") > typed.count("}")), (name, typed, [d.message for d in syntax])
        # another file keeps its answers and its diagnostics
        other = SQS
        shown = await s.client.text_document_hover_async(
            lsp.HoverParams(**_fields(s.at(other, "queue PaymentEventsQueue", 8)))
        )
        assert shown is not None and "PaymentEventsQueue" in shown.contents.value, (name, typed)
        assert "E0204" in s.codes(other), (name, typed)
    assert checked >= 2, name
    # the finished line parses and the file has no syntax error left
    assert not [d for d in s.diagnostics.get(s.uri(relative), []) if str(d.code).startswith("E01")], name
    assert final in s.texts[relative]


def test_typing_every_kind_of_reference_character_by_character(project):
    asyncio.run(_session(project))


async def _session(root: Path) -> None:
    s = Session(root)
    await s.start()
    try:
        for relative in (CORE, SQS, BRIDGE):
            await s.open(relative)
        # a finding in another file, which must stay published while the typing goes on
        await s.replace(SQS, "    visibility_timeout", "    visibility_timeot")
        assert "E0204" in s.codes(SQS)
        for name, relative, after, indent, line in TYPED:
            await _type(s, name, relative, after, indent, line, line)
            # definition from the new reference to the resource, across files
            text = s.texts[relative]
            resource = line.split(".")[1].split(" ")[0].split(",")[0]
            found = await s.client.text_document_definition_async(
                lsp.DefinitionParams(lsp.TextDocumentIdentifier(s.uri(relative)), _position(text, text.index(line) + line.index(resource) + 1))
            )
            assert found, (name, resource)
    finally:
        await s.stop()
