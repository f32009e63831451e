"""The language server's incremental analysis (`infrac.tools.lsp.incremental`): through any
sequence of edits it says what the whole-program check says (the same diagnostics, the same
program, the same index), while checking again only the groups of stacks an edit touches;
and the server publishes each file's diagnostics only when they change."""

from __future__ import annotations

import asyncio
import random
import re
import shutil
from collections import Counter
from pathlib import Path

from lsprotocol import types as lsp

from conftest import SEED, TRIED
from infrac.base.source import SourceFile
from infrac.tools.lsp.analysis import analyse
from infrac.tools.lsp.incremental import Incremental
from test_lsp import Session


def _copies(n: int) -> dict[str, str]:
    """The seed system n times, each copy's stacks renamed (two groups that never meet)."""
    texts = {}
    names = ["infrastructure-dynamodb", "infrastructure-sqs", "infrastructure-s3", "infrastructure-eventbridge",
             "infrastructure-cognito", "core"]
    for k in range(n):
        for path in sorted(SEED.glob("*.infra")):
            if path.name == "project.infra":
                if k == 0:
                    texts["project.infra"] = path.read_text(encoding="utf-8")
                continue
            text = path.read_text(encoding="utf-8")
            for name in names:
                text = re.sub(rf"(?<![A-Za-z0-9_-]){name}(?![A-Za-z0-9_])", f"{name}-c{k}", text)
            texts[f"c{k}/{path.name}"] = text
    return texts


EDITS = [
    ("visibility_timeout", "visibility_timeot"),  # a finding in the file
    ("queue PaymentEventsQueue {", "queue PaymentEventsQueue {\n    name = "),  # a syntax error
    ("export name, url, arn, dlq_name, dlq_url, dlq_arn", "export name, arn, dlq_name, dlq_url, dlq_arn"),  # breaks core
    ("PaymentEventsQueue", "PaymentQueue"),  # a rename that breaks references
    ("stack infrastructure-sqs", "stack infrastructure-sqs-moved"),  # the stack's name: the groups change
]


def _state(analysis) -> tuple:
    diagnostics = sorted((d.code, d.message, d.span.file if d.span else "", d.span.start if d.span else -1) for d in analysis.diagnostics)
    program = analysis.program
    stacks = [(s.name, tuple(r.name for r in s.resources)) for s in program.stacks] if program else None
    waves = program.waves if program else None
    occurrences = sorted((o.span.file, o.span.start, o.span.end, o.symbol.what, o.declaration) for o in analysis.occurrences)
    return diagnostics, stacks, waves, occurrences


def test_incremental_analysis_is_the_whole_programs_through_edits():
    rng = random.Random(23)
    texts = _copies(2)
    incremental = Incremental()
    lock = (SEED / "infra.lock").read_text(encoding="utf-8")
    for step in range(16):
        path = rng.choice(sorted(p for p in texts if p != "project.infra"))
        old, new = rng.choice(EDITS)
        if rng.random() < 0.5 and new in texts[path]:
            old, new = new, old  # undo
        texts[path] = texts[path].replace(old, new, 1)
        sources = [SourceFile(p, t) for p, t in sorted(texts.items())]
        use_lock = lock if step % 4 == 0 else None
        got = incremental.analyse(sources, use_lock)
        want = analyse(sources, use_lock)
        assert _state(got) == _state(want), (step, path, old, new)
        TRIED["incremental analyses compared"] += 1


def test_an_edit_checks_only_its_group():
    texts = _copies(3)
    incremental = Incremental()
    incremental.analyse([SourceFile(p, t) for p, t in texts.items()])
    assert incremental.checked_groups == 3
    texts["c1/sqs.infra"] = texts["c1/sqs.infra"].replace("visibility_timeout", "visibility_timeot", 1)
    analysis = incremental.analyse([SourceFile(p, t) for p, t in texts.items()])
    assert incremental.checked_groups == 1
    assert [d.code for d in analysis.diagnostics] == ["E0204"]
    again = incremental.analyse([SourceFile(p, t) for p, t in texts.items()])
    assert incremental.checked_groups == 0 and again.diagnostics == analysis.diagnostics


def test_opening_every_file_publishes_each_files_diagnostics_once(tmp_path):
    root = tmp_path / "workspace"
    shutil.copytree(SEED, root / "infra.dsl")
    asyncio.run(_open_all(root))


class CountingSession(Session):
    """A session that counts the diagnostics published for each file."""

    def __init__(self, root: Path) -> None:
        super().__init__(root)
        self.published: Counter[str] = Counter()
        handler = self.client.protocol.fm.features[lsp.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS]

        def count(params: lsp.PublishDiagnosticsParams) -> None:
            self.published[params.uri] += 1
            handler(params)

        self.client.protocol.fm.features[lsp.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS] = count


async def _open_all(root: Path) -> None:
    s = CountingSession(root)
    published = s.published
    await s.start()
    try:
        files = sorted(p.relative_to(root).as_posix() for p in (root / "infra.dsl").glob("*.infra"))
        for relative in files:
            await s.open(relative)
        assert set(published) == {s.uri(f) for f in files}
        assert max(published.values()) == 1, published
        # a change publishes the file whose diagnostics change, and only it
        published.clear()
        await s.replace("infra.dsl/sqs.infra", "    visibility_timeout", "    visibility_timeot")
        assert list(published) == [s.uri("infra.dsl/sqs.infra")]
    finally:
        await s.stop()
