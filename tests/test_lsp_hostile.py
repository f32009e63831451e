"""The language server cannot be knocked over: whatever a client sends (a frame with a length
of 100 GB, frames whose length is wrong, bodies that are not JSON or not JSON-RPC, requests
whose parameters do not have the protocol's shape, documents of megabytes), the server
answers every request it can identify, with a result or with the protocol's error, and
answers the next valid request; a closed document's memory is released.

A real client talks to ``infrac lsp`` over its stdin and stdout, byte by byte (pygls' own
client cannot send a malformed frame). The fuzz test sends generated hostile input, each
followed by a valid request that must be answered; ``INFRAC_LSP_FUZZ_EXAMPLES`` sets how many
(``make fuzz`` runs more).
"""

from __future__ import annotations

import io
import json
import os
import queue
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import SEED, TRIED
from infrac.tools.lsp import transport

EXAMPLES = int(os.environ.get("INFRAC_LSP_FUZZ_EXAMPLES", "40"))
TIMEOUT = 60


def frame(message: object) -> bytes:
    body = json.dumps(message).encode()
    return b"Content-Length: %d\r\n\r\n" % len(body) + body


class Client:
    """``infrac lsp`` in a copy of the seed project, and the frames it writes, read by a thread."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.process = subprocess.Popen(
            [sys.executable, "-m", "infrac", "lsp"], cwd=root,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        )
        self.inbox: queue.Queue = queue.Queue()
        self.frames = 0
        threading.Thread(target=self._read, daemon=True).start()
        threading.Thread(target=self.process.stderr.read, daemon=True).start()
        self.ids = iter(range(1000, 10**9))
        self.request("initialize", {"processId": None, "rootUri": root.as_uri(), "capabilities": {}})
        self.send(frame({"jsonrpc": "2.0", "method": "initialized", "params": {}}))

    def _read(self) -> None:
        """Every frame the server writes must be well formed: header, empty line, JSON body."""
        stream = self.process.stdout
        while True:
            length = None
            while True:
                line = stream.readline()
                if not line:
                    self.inbox.put(None)
                    return
                if line == b"\r\n":
                    break
                name, _, value = line.partition(b":")
                if name.lower() == b"content-length":
                    length = int(value)
            self.frames += 1
            self.inbox.put(json.loads(stream.read(length)))

    def send(self, data: bytes) -> None:
        self.process.stdin.write(data)
        self.process.stdin.flush()

    def wait(self, ident: object) -> dict:
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            try:
                message = self.inbox.get(timeout=max(0.01, deadline - time.monotonic()))
            except queue.Empty:
                break
            assert message is not None, f"the server ended (exit {self.process.poll()})"
            if message.get("id") == ident and ("result" in message or "error" in message):
                return message
        raise AssertionError(f"no answer to request {ident!r} in {TIMEOUT} s")

    def request(self, method: str, params: object) -> dict:
        ident = next(self.ids)
        self.send(frame({"jsonrpc": "2.0", "id": ident, "method": method, "params": params}))
        return self.wait(ident)

    def alive(self) -> None:
        """A valid request is answered with a result."""
        uri = (self.root / "infra.dsl" / "core.infra").as_uri()
        answer = self.request("textDocument/documentSymbol", {"textDocument": {"uri": uri}})
        assert "result" in answer and answer["result"], answer

    def close(self) -> None:
        try:
            self.request("shutdown", None)
            self.send(frame({"jsonrpc": "2.0", "method": "exit"}))
            self.process.wait(timeout=30)
        finally:
            if self.process.poll() is None:
                self.process.kill()

    def rss(self) -> int:
        """The server's resident memory, in MiB."""
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) // 1024
        raise AssertionError("no VmRSS")


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    root = tmp_path_factory.mktemp("lsp-hostile")
    shutil.copytree(SEED, root / "infra.dsl")
    started = Client(root)
    started.alive()
    yield started
    started.close()


def _errors(client: Client, count: int) -> list[dict]:
    """The next ``count`` error responses without an id (answers to frames that had none)."""
    found = []
    deadline = time.monotonic() + TIMEOUT
    while len(found) < count and time.monotonic() < deadline:
        message = client.inbox.get(timeout=TIMEOUT)
        assert message is not None
        if "error" in message and message.get("id") is None:
            found.append(message)
    return found


# ---- the reproducers ---------------------------------------------------------------


def test_a_content_length_of_100_gb_is_answered_and_the_server_goes_on(client):
    """It killed the server (MemoryError, exit 3)."""
    client.send(b"Content-Length: 100000000000\r\n\r\n{}")
    [error] = _errors(client, 1)
    assert error["error"]["code"] == -32700 and "Content-Length" in error["error"]["message"]
    client.alive()
    assert client.process.poll() is None


def test_frames_of_the_wrong_length_leave_the_server_answering(client):
    """Four framing errors left it alive but never answering again: a body shorter than its
    length swallows the start of the next frame."""
    valid = frame({"jsonrpc": "2.0", "method": "initialized", "params": {}})
    client.send(b"Content-Length: 50\r\n\r\n{}" + valid)  # too long: reaches into the next frame
    client.send(b"Content-Length: 1\r\n\r\n{}")  # too short: a stray byte before the next frame
    client.send(b"Content-Length: abc\r\n\r\n")
    client.send(b"no header at all\r\n\r\n")
    client.alive()
    client.alive()


def test_a_body_shorter_than_its_length_does_not_stop_the_server_answering(client):
    """The server waited for the rest of a body that never came, and read the client's next
    requests as that body: it never answered again."""
    client.send(b"Content-Length: 5000\r\n\r\n{}")
    client.alive()  # sent after it, on its own: answered
    client.send(b"Content-Length: 5000\r\n\r\n{\"jsonrpc\": \"2.0\", \"method\": \"initialized\"")
    client.alive()


def test_requests_with_malformed_parameters_are_answered_with_an_error(client):
    """Two such requests got no answer at all."""
    first = client.request("textDocument/hover", {"textDocument": 5})
    second = client.request("textDocument/definition", {"position": {"line": "x"}})
    assert first["error"]["code"] == second["error"]["code"] == -32602
    client.alive()


@pytest.mark.parametrize(
    "data, code",
    [
        (b"\xff\xfe not utf-8", -32700),
        (b"{not json", -32700),
        (b"[" * 100_000, -32700),
        (b"[1, 2]", -32600),
        (b'{"jsonrpc": "1.0", "id": 7, "method": "x"}', -32600),
        (b'{"jsonrpc": "2.0", "id": {"a": 1}, "method": "shutdown"}', -32600),
        (b'{"jsonrpc": "2.0", "id": 7.5, "method": "shutdown"}', -32600),
        (b'{"jsonrpc": "2.0", "id": 8, "method": 5}', -32600),
        (b'{"jsonrpc": "2.0", "id": 9, "method": "textDocument/hover", "params": 5}', -32600),
        (b'{"jsonrpc": "2.0", "id": 10, "method": "no/such/method"}', -32601),
    ],
)
def test_a_message_that_is_not_a_request_is_answered_with_its_error(client, data, code):
    client.send(b"Content-Length: %d\r\n\r\n" % len(data) + data)
    known = json.loads(data).get("id") if code in (-32600, -32601) and data.startswith(b"{") else None
    known = known if isinstance(known, int) and not isinstance(known, bool) else None
    answer = client.wait(known) if known is not None else _errors(client, 1)[0]
    assert answer["error"]["code"] == code, answer
    client.alive()


def test_a_document_of_megabytes_is_answered_and_its_memory_released(client):
    """A 5 MB document left the server holding 605 MB once closed: the parser's table of shared
    offsets kept every offset of the file, and pinned the memory they were allocated in."""
    sys.path.insert(0, str(Path(__file__).parent))
    import scale_project

    text = "".join(t for p, t in scale_project.project(1.0).items() if p != "project.infra")
    uri = (client.root / "infra.dsl" / "huge.infra").as_uri()
    client.alive()
    before = client.rss()
    client.send(frame({"jsonrpc": "2.0", "method": "textDocument/didOpen",
                       "params": {"textDocument": {"uri": uri, "languageId": "infra", "version": 1, "text": text}}}))
    client.alive()
    opened = client.rss()
    client.send(frame({"jsonrpc": "2.0", "method": "textDocument/didClose", "params": {"textDocument": {"uri": uri}}}))
    client.alive()
    closed = client.rss()
    assert opened - before > 50  # the document was analysed
    assert closed - before < (opened - before) / 2, (before, opened, closed)


# ---- the reader, alone -----------------------------------------------------------------------


def bodies(data: bytes) -> list[object]:
    """What the reader makes of a byte stream: each body, or the Framing error."""
    reader = transport.Reader(io.BytesIO(data))
    found: list[object] = []
    while True:
        try:
            body = reader.body()
        except transport.Framing as error:
            found.append(error)
            continue
        if body is None:
            return found
        if transport.decode(body)[1] is not None:
            reader.rescan(body)
            found.append("not JSON")
            continue
        found.append(body)


VALID = frame({"jsonrpc": "2.0", "id": 1, "method": "shutdown"})


@pytest.mark.parametrize(
    "junk",
    [
        b"",
        b"\r\n",
        b"Content-Length: 99999999999999\r\n\r\n",
        b"Content-Length: 100\r\n\r\n{}",
        b"Content-Length: 2\r\n\r\n{}}}}",
        b"Content-Type: application/json; charset=latin-1\r\nContent-Length: 2\r\n\r\n{}",
        b"X" * 5000 + b"\r\n\r\n",
        b"A: b\r\n" * 40 + b"\r\n",
        b"Content-Length: 2\r\nContent-Length: 2\r\n\r\n{}",
        b"Content-Length: 3\r\n\r\n\xff\xfe\xfd",
    ],
)
def test_the_reader_finds_the_next_frame_after_any_junk(junk):
    assert bodies(junk + VALID)[-1] == VALID.partition(b"\r\n\r\n")[2]


def test_a_frame_names_its_charset_or_utf_8():
    ok = b'Content-Type: application/vscode-jsonrpc; charset=utf-8\r\nContent-Length: 2\r\n\r\n{}'
    assert bodies(ok) == [b"{}"]


@settings(max_examples=EXAMPLES * 10, deadline=None)
@given(junk=st.binary(max_size=300))
def test_the_reader_resynchronises_after_random_bytes(junk):
    TRIED["language server frames read"] += 1
    assert bodies(junk + b"\r\n" + VALID)[-1] == VALID.partition(b"\r\n\r\n")[2]


# ---- fuzz: a real server, hostile input, then a valid request -------------------------------

_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)
_METHODS = [
    "textDocument/hover", "textDocument/definition", "textDocument/references", "textDocument/completion",
    "textDocument/documentSymbol", "textDocument/codeAction", "textDocument/rename", "textDocument/prepareRename",
    "textDocument/formatting", "workspace/symbol", "textDocument/didOpen", "textDocument/didChange",
    "textDocument/didClose", "textDocument/didSave", "workspace/didChangeWatchedFiles", "$/cancelRequest",
]


@st.composite
def hostile(draw) -> tuple[bytes, object | None]:
    """Bytes to send, and the id of the request in them that must be answered (None: none)."""
    kind = draw(st.sampled_from(["frame", "length", "body", "params", "document"]))
    if kind == "frame":
        return draw(st.binary(max_size=200)) + b"\r\n\r\n", None
    if kind == "length":
        body = json.dumps(draw(_JSON)).encode()
        declared = draw(st.sampled_from([0, len(body) - 1, len(body) + 7, 2**40]))
        return b"Content-Length: %d\r\n\r\n" % max(declared, 0) + body, None
    if kind == "body":
        body = draw(st.sampled_from([b"[", b"{}", b"null", b'"x"', b"\xc3\x28"])) + draw(st.binary(max_size=40))
        return b"Content-Length: %d\r\n\r\n" % len(body) + body, None
    method = draw(st.sampled_from(_METHODS))
    if kind == "params":
        params = draw(_JSON)
        params = params if isinstance(params, (dict, list)) else {"textDocument": params}
    else:
        uri = "file:///nowhere/x.infra" if draw(st.booleans()) else None
        text = draw(st.sampled_from(["stack s {\n", "{" * 5000, "a" * 200_000, "stack a {\n}\n" * 20_000]))
        params = {"textDocument": {"uri": uri or "file:///tmp/infrac-lsp-fuzz/a.infra", "languageId": "infra",
                                    "version": 1, "text": text}}
        method = "textDocument/didOpen"
    ident = draw(st.integers(1, 999)) if not method.startswith(("textDocument/did", "workspace/did", "$/")) else None
    message = {"jsonrpc": "2.0", "method": method, "params": params}
    if ident is not None:
        message["id"] = ident
    return frame(message), ident


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
@given(sent=hostile())
def test_after_any_hostile_input_the_server_answers_the_next_valid_request(client, sent):
    data, ident = sent
    TRIED["language server inputs"] += 1
    client.send(data)
    if ident is not None:
        answer = client.wait(ident)  # a result or an error, never nothing
        assert "result" in answer or answer["error"]["code"] in (-32600, -32601, -32602, -32603, -32803), answer
    client.alive()
    assert client.process.poll() is None
