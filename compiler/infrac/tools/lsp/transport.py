"""The language server's side of the wire: framing, the JSON-RPC envelope, and an answer to
every request, whatever the client sends.

The Language Server Protocol frames each message as header lines (``Content-Length``, an
optional ``Content-Type``), an empty line, then exactly that many bytes of UTF-8 JSON.
pygls reads frames trusting them: a ``Content-Length`` of 100 GB made it allocate that much
(exit 3), a frame whose body was shorter or longer than its header said left it reading
bodies from the middle of the following frames and never answering again, and a request
whose parameters did not have the protocol's shape was logged and never answered.

Here, every frame is checked before anything is allocated for it: header lines are at most
:data:`MAX_HEADER_LINE` bytes and :data:`MAX_HEADERS` in number, ``Content-Length`` is
digits and at most :data:`MAX_BODY`, a ``Content-Type`` names UTF-8 if it names a charset.
A frame that breaks a rule is answered with the protocol's error (``-32700``, parse error,
with no id: the request's id is not known) and the stream is resynchronised: the reader
skips to the next ``Content-Length: N`` line. That line cannot occur inside a body of JSON
(a raw line break never does), so the next well-formed frame is found even when a bad
frame's length pointed into it (its body is then not JSON, and is scanned again from its
second byte), and a body that is shorter than its length says is not waited for when the
next frame's header has come after it. A body that is not UTF-8 JSON is the same parse error; a message that is not
a JSON-RPC 2.0 object is ``-32600`` (invalid request), with its id when it has a valid one;
a request whose parameters do not have the method's shape is ``-32602`` (invalid params),
with its id; a request after ``shutdown`` is ``-32600``. The server's own handlers answer
an internal failure with ``-32603`` (:func:`infrac.tools.lsp.server._safe`).

The reader runs in a thread of the server's pool, as pygls's own does, and hands each
message to the protocol on the event loop.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re

log = logging.getLogger(__name__)

#: The largest body read: a document of tens of megabytes, JSON-escaped, fits.
MAX_BODY = 64 * 1024 * 1024
#: The longest header line, and the most header lines in one frame.
MAX_HEADER_LINE = 1024
MAX_HEADERS = 16

PARSE_ERROR, INVALID_REQUEST, METHOD_NOT_FOUND, INVALID_PARAMS, INTERNAL_ERROR = -32700, -32600, -32601, -32602, -32603

#: Where a frame starts: found again after a bad one (case as the protocol writes it, or not).
_START = re.compile(rb"content-length:[ \t]*[0-9]+\r\n", re.IGNORECASE)
#: As much of the buffer as may hold the start of a match cut by a read.
_KEEP = 64
#: The most bytes of header lines in one frame, and what a header's name is made of.
_MAX_BLOCK = MAX_HEADERS * (MAX_HEADER_LINE + 2)
_NAME = re.compile(rb"[a-z0-9-]+")


class Framing(Exception):
    """A frame that breaks the protocol's rules; the message says which."""


class Reader:
    """The frames of a binary stream (``read1`` or ``read``), one body at a time."""

    def __init__(self, stream) -> None:
        self.stream = stream
        self.read = getattr(stream, "read1", None) or stream.read
        self.buffer = bytearray()
        self.ended = False
        self._resync = False

    def _fill(self) -> bool:
        """Read more into the buffer; False at the end of the stream."""
        if self.ended:
            return False
        chunk = self.read(65536)
        if not chunk:
            self.ended = True
            return False
        self.buffer += chunk
        return True

    def _skip_to_frame(self) -> bool:
        """Drop bytes up to the next ``Content-Length: N`` line; False at the end of the stream."""
        while True:
            match = _START.search(self.buffer)
            if match is not None:
                del self.buffer[: match.start()]
                return True
            if len(self.buffer) > _KEEP:
                del self.buffer[: len(self.buffer) - _KEEP]
            if not self._fill():
                return False

    def body(self) -> bytes | None:
        """The next frame's body; None at the end of the stream. Raises :class:`Framing` for a
        frame that breaks a rule, having skipped it (the next call reads the frame after)."""
        if self._resync:
            self._resync = False
            if not self._skip_to_frame():
                return None
        try:
            return self._frame()
        except Framing:
            self._resync = True
            raise

    def _frame(self) -> bytes | None:
        # The header block is read without being taken from the buffer: when it breaks a rule,
        # only its first byte is dropped, and the next frame is looked for from the second
        # (a body shorter than its length leaves the next frame's header after a few bytes).
        while True:
            while self.buffer[:2] == b"\r\n":
                del self.buffer[:2]  # a stray empty line between frames
            end = self.buffer.find(b"\r\n\r\n", 0, _MAX_BLOCK + 4)
            if end >= 0:
                break
            if len(self.buffer) > _MAX_BLOCK:
                del self.buffer[:1]
                raise Framing(f"more than {_MAX_BLOCK} bytes of headers")
            if not self._fill():
                return None
        try:
            length = self._headers(bytes(self.buffer[:end]).split(b"\r\n"))
        except Framing:
            del self.buffer[:1]
            raise
        del self.buffer[: end + 4]
        scanned = 0
        while len(self.buffer) < length:
            # Before waiting for more of a body, what came is looked at: a frame's header line
            # cannot occur in JSON (its raw line break), so one there means this body is
            # shorter than its length said, and the client is waiting for an answer to the
            # frame after it (waiting for the rest would never answer again).
            found = _START.search(self.buffer, max(0, scanned - _KEEP))
            if found is not None:
                del self.buffer[: found.start()]
                raise Framing(f"a body shorter than its Content-Length of {length:,} bytes")
            scanned = len(self.buffer)
            if not self._fill():
                if not self.buffer:
                    return None
                del self.buffer[:1]  # what is left is scanned for a frame, once
                raise Framing("the stream ended inside a frame's body")
        body = bytes(self.buffer[:length])
        del self.buffer[:length]
        return body

    @staticmethod
    def _headers(lines: list[bytes]) -> int:
        """The body's length, from a frame's header lines."""
        if len(lines) > MAX_HEADERS:
            raise Framing(f"more than {MAX_HEADERS} header lines")
        length = None
        for line in lines:
            if len(line) > MAX_HEADER_LINE:
                raise Framing(f"a header line longer than {MAX_HEADER_LINE} bytes")
            name, colon, value = line.partition(b":")
            name, value = name.strip().lower(), value.strip()
            if not colon or _NAME.fullmatch(name) is None:
                raise Framing("a header line that is not `Name: value`")
            if name == b"content-length":
                if length is not None:
                    raise Framing("two Content-Length headers")
                if not value.isdigit() or len(value) > 12:
                    raise Framing("a Content-Length that is not a number of bytes")
                length = int(value)
                if length > MAX_BODY:
                    raise Framing(f"a Content-Length of {length:,} bytes, more than {MAX_BODY:,}")
            elif name == b"content-type":
                charset = re.search(rb"charset\s*=\s*\"?([A-Za-z0-9_-]+)", value)
                if charset is not None and charset.group(1).lower() not in (b"utf-8", b"utf8"):
                    raise Framing("a Content-Type whose charset is not UTF-8")
        if length is None:
            raise Framing("a frame without Content-Length")
        return length

    def rescan(self, body: bytes) -> None:
        """A body that was not a message: put all of it but its first byte back in front of the
        buffer and resynchronise, in case its header's length reached into the next frame."""
        self.buffer[:0] = body[1:]
        self._resync = True


def decode(body: bytes) -> tuple[object | None, tuple[int, str] | None]:
    """A body as JSON data, or the error (code, message) to answer it with."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return None, (PARSE_ERROR, "the message is not UTF-8")
    try:
        return json.loads(text), None
    except (ValueError, RecursionError) as error:
        reason = "nested too deeply" if isinstance(error, RecursionError) else str(error)
        return None, (PARSE_ERROR, f"the message is not JSON: {reason[:200]}")


def _valid_id(value: object) -> bool:
    return (type(value) is int and -(2**31) <= value < 2**31) or (type(value) is str and len(value) <= 256)


def envelope(data: object) -> tuple[object | None, tuple[int, str] | None]:
    """The id of a message to answer, and the error when ``data`` is not a JSON-RPC 2.0 message
    (the id is None when the message has none, or none that is valid)."""
    if type(data) is not dict:
        return None, (INVALID_REQUEST, "a message is a JSON object (batches are not used by the protocol)")
    ident = data.get("id")
    ident = ident if _valid_id(ident) else None
    if data.get("jsonrpc") != "2.0":
        return ident, (INVALID_REQUEST, "not a JSON-RPC 2.0 message")
    if "id" in data and ident is None:
        return None, (INVALID_REQUEST, "an id is an integer or a string")
    if "method" in data:
        if type(data["method"]) is not str or len(data["method"]) > 256:
            return ident, (INVALID_REQUEST, "a method is a string")
        if data.get("params") is not None and type(data["params"]) not in (dict, list):
            return ident, (INVALID_REQUEST, "params are an object or an array")
    elif ident is None or ("result" not in data and "error" not in data):
        return None, (INVALID_REQUEST, "neither a request, a notification nor a response")
    return ident, None


def answer_error(protocol, ident: object | None, error: tuple[int, str]) -> None:
    """Send the error response (``id`` null when the request's id is not known)."""
    code, message = error
    protocol._send_data({"jsonrpc": "2.0", "id": ident, "error": {"code": code, "message": message}})


def dispatch(protocol, body: bytes, reader: Reader | None = None) -> None:
    """Hand one frame's body to the protocol, or answer it with the error it deserves."""
    data, error = decode(body)
    if error is not None:
        if reader is not None:
            reader.rescan(body)
        answer_error(protocol, None, error)
        return
    ident, error = envelope(data)
    if error is not None:
        answer_error(protocol, ident, error)
        return
    request = "method" in data and ident is not None
    if request and protocol._shutdown and data["method"] != "exit":
        answer_error(protocol, ident, (INVALID_REQUEST, "the server is shutting down"))
        return
    try:
        message = protocol.structure_message(data)
    except Exception as error:  # the parameters do not have the method's shape
        log.warning("infrac lsp: a message of the wrong shape: %s", type(error).__name__)
        if request and protocol.get_message_type(data["method"]) is None:
            answer_error(protocol, ident, (METHOD_NOT_FOUND, f"no method `{data['method'][:80]}`"))
        elif request:
            answer_error(protocol, ident, (INVALID_PARAMS, f"the parameters of `{data['method'][:80]}` "
                                           "do not have the protocol's shape"))
        return
    try:
        protocol.handle_message(message)
    except Exception:  # a bug in pygls or infrac, never the client's input: answered, not fatal
        log.exception("infrac lsp: handling a message failed")
        if request:
            answer_error(protocol, ident, (INTERNAL_ERROR, "internal error"))


async def _serve(server, reader: Reader) -> None:
    loop = asyncio.get_running_loop()
    while not server._stop_event.is_set():
        try:
            body = await loop.run_in_executor(server.thread_pool, reader.body)
        except Framing as error:
            answer_error(server.protocol, None, (PARSE_ERROR, f"bad frame: {error}"))
            continue
        if body is None:
            break
        dispatch(server.protocol, body, reader)


def serve(server, stdin, stdout) -> None:
    """Run ``server`` (a pygls server) over binary ``stdin`` and ``stdout`` until the client
    ends the stream or sends ``exit``."""
    from threading import Event

    from pygls.io_ import StdoutWriter

    server._stop_event = Event()
    server.protocol.set_writer(StdoutWriter(stdout))
    try:
        asyncio.run(_serve(server, Reader(stdin)))
    except BrokenPipeError:
        log.error("infrac lsp: the client is gone")
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        server.shutdown()
