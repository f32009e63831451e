"""The language server's change-to-diagnostics latency, over stdio JSON-RPC.

Opens one file of the project, then sends full-text changes (alternately
valid and with a typo) and times each ``didChange`` until the server publishes
diagnostics for that file; then opens every other file of the project and counts
the diagnostics published for each file (once each: only what changed is published
again). Used by ``run.py`` when ``infrac lsp`` exists.
"""

from __future__ import annotations

import json
import queue
import statistics
import subprocess
import threading
import time
from pathlib import Path

EDITS = 20
TIMEOUT = 15.0


def _send(stream, message: dict) -> None:
    body = json.dumps(message).encode()
    stream.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
    stream.flush()


def _reader(stream, inbox: queue.Queue) -> None:
    while True:
        length = None
        while True:
            line = stream.readline()
            if not line:
                inbox.put(None)
                return
            line = line.strip()
            if not line:
                break
            if line.lower().startswith(b"content-length:"):
                length = int(line.split(b":")[1])
        inbox.put(json.loads(stream.read(length)))


def _wait(inbox: queue.Queue, match, publishes: dict[str, int] | None = None) -> dict | None:
    """The first message that matches; ``publishes`` counts the diagnostics published per file meanwhile."""
    deadline = time.perf_counter() + TIMEOUT
    while time.perf_counter() < deadline:
        try:
            message = inbox.get(timeout=max(0.0, deadline - time.perf_counter()))
        except queue.Empty:
            return None
        if message is None:
            return None
        if publishes is not None and message.get("method") == "textDocument/publishDiagnostics":
            publishes[message["params"]["uri"]] = publishes.get(message["params"]["uri"], 0) + 1
        if match(message):
            return message
    return None


def measure(command: list[str], project: Path) -> dict | None:
    files = sorted(project.rglob("*.infra"))
    path = next((p for p in files if p.name == "sqs.infra"), files[0])
    uri = path.resolve().as_uri()
    text = path.read_text(encoding="utf-8")
    broken = text.replace("visibility_timeout", "visibility_timeot", 1)
    server = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    inbox: queue.Queue = queue.Queue()
    threading.Thread(target=_reader, args=(server.stdout, inbox), daemon=True).start()
    latencies = []
    try:
        _send(server.stdin, {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
            "processId": None, "rootUri": project.resolve().as_uri(), "capabilities": {}}})
        if _wait(inbox, lambda m: m.get("id") == 1) is None:
            return None
        _send(server.stdin, {"jsonrpc": "2.0", "method": "initialized", "params": {}})
        _send(server.stdin, {"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {
            "textDocument": {"uri": uri, "languageId": "infra", "version": 1, "text": text}}})
        published = lambda m: m.get("method") == "textDocument/publishDiagnostics" and m["params"]["uri"] == uri  # noqa: E731
        publishes: dict[str, int] = {}  # per file, over the first open and the opening of every file
        _send(server.stdin, {"jsonrpc": "2.0", "id": 4, "method": "workspace/symbol", "params": {"query": "zzz"}})
        _wait(inbox, lambda m: m.get("id") == 4, publishes)
        for version in range(2, EDITS + 2):
            start = time.perf_counter()
            _send(server.stdin, {"jsonrpc": "2.0", "method": "textDocument/didChange", "params": {
                "textDocument": {"uri": uri, "version": version},
                "contentChanges": [{"text": text if version % 2 else broken}]}})
            if _wait(inbox, published) is None:
                return None
            latencies.append(time.perf_counter() - start)
        # open every file: each file's diagnostics were published once (at the first open), not again
        while not inbox.empty():
            inbox.get_nowait()
        started = time.perf_counter()
        for other in files:
            _send(server.stdin, {"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {
                "textDocument": {"uri": other.resolve().as_uri(), "languageId": "infra", "version": 1,
                                 "text": other.read_text(encoding="utf-8")}}})
        _send(server.stdin, {"jsonrpc": "2.0", "id": 3, "method": "workspace/symbol", "params": {"query": "zzz"}})
        # until the request sent after the opens is answered: every open was handled
        _wait(inbox, lambda m: m.get("id") == 3, publishes)
        opened = time.perf_counter() - started
        _send(server.stdin, {"jsonrpc": "2.0", "id": 2, "method": "shutdown", "params": None})
        _wait(inbox, lambda m: m.get("id") == 2)
        _send(server.stdin, {"jsonrpc": "2.0", "method": "exit", "params": None})
    finally:
        try:
            server.wait(timeout=5)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
    return {
        "median": statistics.median(latencies), "min": min(latencies), "max": max(latencies), "runs": len(latencies),
        "files": len(files), "open_all_seconds": opened,
        "files_published": len(publishes),
        "most_published_for_one_file": max((n for u, n in publishes.items() if u != uri), default=0),
    }


class _Server:
    """One `infrac lsp` with one file of its project open, for :func:`paired`."""

    def __init__(self, command: list[str], project: Path) -> None:
        files = sorted(project.rglob("*.infra"))
        path = next((p for p in files if p.name == "sqs.infra"), files[0])
        self.uri = path.resolve().as_uri()
        self.text = path.read_text(encoding="utf-8")
        self.broken = self.text.replace("visibility_timeout", "visibility_timeot", 1)
        self.version = 1
        self.process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        self.inbox: queue.Queue = queue.Queue()
        threading.Thread(target=_reader, args=(self.process.stdout, self.inbox), daemon=True).start()
        _send(self.process.stdin, {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
            "processId": None, "rootUri": project.resolve().as_uri(), "capabilities": {}}})
        self.ready = _wait(self.inbox, lambda m: m.get("id") == 1) is not None
        _send(self.process.stdin, {"jsonrpc": "2.0", "method": "initialized", "params": {}})
        _send(self.process.stdin, {"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {
            "textDocument": {"uri": self.uri, "languageId": "infra", "version": 1, "text": self.text}}})
        _send(self.process.stdin, {"jsonrpc": "2.0", "id": 2, "method": "workspace/symbol", "params": {"query": "zzz"}})
        self.ready = self.ready and _wait(self.inbox, lambda m: m.get("id") == 2) is not None

    def change(self) -> float | None:
        """One change (alternately with the typo and without); seconds until its diagnostics."""
        self.version += 1
        start = time.perf_counter()
        _send(self.process.stdin, {"jsonrpc": "2.0", "method": "textDocument/didChange", "params": {
            "textDocument": {"uri": self.uri, "version": self.version},
            "contentChanges": [{"text": self.text if self.version % 2 else self.broken}]}})
        published = _wait(self.inbox, lambda m: m.get("method") == "textDocument/publishDiagnostics"
                          and m["params"]["uri"] == self.uri)
        return time.perf_counter() - start if published is not None else None

    def stop(self) -> None:
        try:
            _send(self.process.stdin, {"jsonrpc": "2.0", "id": 9, "method": "shutdown", "params": None})
            _wait(self.inbox, lambda m: m.get("id") == 9)
            _send(self.process.stdin, {"jsonrpc": "2.0", "method": "exit", "params": None})
            self.process.wait(timeout=5)
        except (OSError, subprocess.TimeoutExpired):
            self.process.kill()
            self.process.wait()


def paired(command: list[str], baseline: Path, project: Path) -> dict | None:
    """The change-to-diagnostics latency on ``project`` against ``baseline`` (the 1x project),
    edit by edit, alternately: two servers run side by side, so a busy machine slows both
    alike; the ratio is taken pair by pair (median, min, max), as the suite's other pairs."""
    servers = [_Server(command, baseline), _Server(command, project)]
    try:
        if not all(s.ready for s in servers):
            return None
        ratios, times = [], []
        for _ in range(EDITS):
            first, second = servers[0].change(), servers[1].change()
            if first is None or second is None:
                return None
            ratios.append(second / first)
            times.append(second)
        return {"ratio": {"median": statistics.median(ratios), "min": min(ratios), "max": max(ratios)},
                "median": statistics.median(times), "runs": len(ratios)}
    finally:
        for server in servers:
            server.stop()
