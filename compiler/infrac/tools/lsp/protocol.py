"""What the language server's handlers share: positions as the protocol counts them
(lines and UTF-16 columns) and character offsets, and the guard that keeps a bug in a
handler from taking the server down."""

from __future__ import annotations

import functools
import logging
import traceback

from lsprotocol import types as lsp
from pygls.exceptions import JsonRpcException, JsonRpcInternalError

from infrac.base.source import SourceFile, Span

log = logging.getLogger("infrac.tools.lsp.server")


def _utf16(text: str) -> int:
    return len(text) + sum(1 for c in text if ord(c) > 0xFFFF)


def to_offset(source: SourceFile, position: lsp.Position) -> int:
    """An LSP position (line, UTF-16 column) as a character offset, clamped to the text."""
    line = max(0, min(position.line, source.line_count - 1)) + 1
    start = source.offset(line, 1)
    text = source.line_text(line)
    units = 0
    for index, char in enumerate(text):
        if units >= position.character:
            return start + index
        units += 2 if ord(char) > 0xFFFF else 1
    return start + len(text)


def to_position(source: SourceFile, offset: int) -> lsp.Position:
    found = source.position(offset)
    return lsp.Position(found.line - 1, _utf16(source.line_text(found.line)[: found.column - 1]))


def to_range(source: SourceFile, span: Span) -> lsp.Range:
    return lsp.Range(to_position(source, span.start), to_position(source, span.end))



def _safe(function):
    """A handler that never takes the server down: a bug is logged, and a request is answered
    with the protocol's internal error (a notification has no answer)."""

    @functools.wraps(function)
    def wrapper(ls, params):
        try:
            return function(ls, params)
        except JsonRpcException:
            raise
        except Exception:  # a bug in infrac, never the user's input
            log.error("infrac lsp: %s failed:\n%s", function.__name__, traceback.format_exc())
            ls.window_log_message(
                lsp.LogMessageParams(type=lsp.MessageType.Error, message=f"infrac: internal error in {function.__name__}; see the log")
            )
            if ls.protocol.msg_id is not None:  # a request: answered with an error, not with nothing
                raise JsonRpcInternalError(f"infrac: internal error in {function.__name__}") from None
            return None

    return wrapper
