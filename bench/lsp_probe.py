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
