"""Latency of the language server: from a `textDocument/didChange` to the
`textDocument/publishDiagnostics` that follow it, on the seed project.

    .venv/bin/python editors/lsp_latency.py [--changes 60] [--project infra.dsl]

Starts `infrac lsp` as an editor does (over stdio, in a copy of the project),
opens every file, then types into core.infra: each change alternates between
a valid edit and one that breaks a cross-stack reference, so that every round
recompiles the whole project and the diagnostics really change. Prints the
median, 90th percentile and worst time until the changed file's diagnostics
arrive, and until every file of the project has its diagnostics. A measurement,
not a test: it asserts nothing about time.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from lsprotocol import types as lsp
from pygls.lsp.client import LanguageClient

ROOT = Path(__file__).resolve().parent.parent


async def measure(project: Path, changes: int, warmup: int) -> tuple[list[float], list[float], int]:
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        shutil.copytree(project, root / project.name)
        files = sorted((root / project.name).glob("*.infra"))
        target = next((f for f in files if f.name == "core.infra"), files[0])
        client = LanguageClient("latency", "1")
        arrivals: list[tuple[str, float, int]] = []
        arrived = asyncio.Event()

        @client.feature(lsp.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
        def on_diagnostics(params: lsp.PublishDiagnosticsParams) -> None:
            arrivals.append((params.uri, time.perf_counter(), len(params.diagnostics)))
            arrived.set()

        await client.start_io(sys.executable, "-m", "infrac", "lsp", cwd=str(root))
        await client.initialize_async(
            lsp.InitializeParams(capabilities=lsp.ClientCapabilities(), root_uri=root.as_uri())
        )
        client.initialized(lsp.InitializedParams())
        for path in files:
            client.text_document_did_open(
                lsp.DidOpenTextDocumentParams(
                    lsp.TextDocumentItem(path.as_uri(), "infra", 1, path.read_text(encoding="utf-8"))
                )
            )
        await _wait_for(arrivals, arrived, len(files) * len(files))

        pid = client._server.pid if client._server is not None else None
        cpu_before = 0.0
        text = target.read_text(encoding="utf-8")
        good = ".BookingCommandsQueue.url"
        bad = ".BookingComandsQueue.url"
        start = text.index(good)
        first, every = [], []
        errors_seen = 0
        for round_ in range(changes + warmup):
            old, new = (good, bad) if round_ % 2 == 0 else (bad, good)
            line = text.count("\n", 0, start)
            column = start - (text.rfind("\n", 0, start) + 1)
            change = lsp.TextDocumentContentChangePartial(
                range=lsp.Range(lsp.Position(line, column), lsp.Position(line, column + len(old))), text=new
            )
            text = text[:start] + new + text[start + len(old) :]
            arrivals.clear()
            arrived.clear()
            sent = time.perf_counter()
            client.text_document_did_change(
                lsp.DidChangeTextDocumentParams(
                    lsp.VersionedTextDocumentIdentifier(version=round_ + 2, uri=target.as_uri()), [change]
                )
            )
            await _wait_for(arrivals, arrived, len(files))
            mine = next(t for uri, t, _ in arrivals if uri == target.as_uri())
            errors_seen += next(n for uri, _, n in arrivals if uri == target.as_uri()) > 0
            if round_ == warmup - 1:
                cpu_before = _cpu_seconds(pid)
            if round_ >= warmup:
                first.append(mine - sent)
                every.append(max(t for _, t, _ in arrivals) - sent)
        cpu = (_cpu_seconds(pid) - cpu_before) / changes
        await client.shutdown_async(None)
        client.exit(None)
        await client.stop()
        return first, every, errors_seen, cpu


def _cpu_seconds(pid: int | None) -> float:
    """The server process's CPU time (user + system), where /proc tells it; NaN elsewhere."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError, TypeError):
        return float("nan")
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def _wait_for(arrivals: list, arrived: asyncio.Event, count: int) -> None:
    while len(arrivals) < count:
        arrived.clear()
        await asyncio.wait_for(arrived.wait(), 60)


def _summary(name: str, times: list[float]) -> str:
    ms = sorted(t * 1000 for t in times)
    p90 = ms[min(len(ms) - 1, int(len(ms) * 0.9))]
    return f"{name}: median {statistics.median(ms):.1f} ms, p90 {p90:.1f} ms, worst {ms[-1]:.1f} ms"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--project", type=Path, default=ROOT / "infra.dsl")
    parser.add_argument("--changes", type=int, default=60)
    parser.add_argument("--warmup", type=int, default=6)
    args = parser.parse_args()
    first, every, errors, cpu = asyncio.run(measure(args.project.resolve(), args.changes, args.warmup))
    sources = sorted(args.project.glob("*.infra"))
    size = sum(len(p.read_text(encoding="utf-8")) for p in sources)
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"project {args.project.name}: {len(sources)} files, {size} characters; {args.changes} changes")
    print(f"machine: {os.cpu_count()} cores, load average {load} (other work slows every number below)")
    print(_summary("didChange -> diagnostics of the changed file", first))
    print(_summary("didChange -> diagnostics of every file     ", every))
    print(f"server CPU time per change: {cpu * 1000:.1f} ms (the floor of the latency on an idle machine)")
    print(f"(rounds whose diagnostics showed the error: {errors} of {args.changes + args.warmup}, as expected: half)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
