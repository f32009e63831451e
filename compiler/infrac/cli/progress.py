"""Progress of long work, for a person at a terminal: one status line on standard error
(``import [3/40]: reading services/orders.yml``), rewritten in place as the work goes on
and erased before anything else is printed, so that what stays on the screen is the
command's output as it would be without it.

Nothing at all is written when standard error is not a terminal (a pipe, a file, a test),
when the environment variable ``CI`` is set (CI services set it; some of them give the
job a terminal whose log is then a file), or when ``TERM`` is ``dumb`` (a terminal that
cannot erase a line). The work itself reports through a plain function,
``progress(number, total, what)``, which the layers below the command line take as an
argument and know nothing else about.
"""

from __future__ import annotations

import os
import sys

TYPE_CHECKING = False  # typing's own constant, without importing typing
if TYPE_CHECKING:
    from typing import TextIO

#: Erase from the cursor to the end of the line (ECMA-48 EL), after a carriage return.
_ERASE = "\r\x1b[K"


def wanted(stream: TextIO) -> bool:
    """Whether progress is shown on ``stream``: a terminal, outside CI, that can erase a line."""
    if os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no"):
        return False
    if os.environ.get("TERM") == "dumb":
        return False
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # closed, or not a file
        return False


class Progress:
    """The status line of one command: call it with ``(number, total, what)`` (``total``
    0 when unknown), :meth:`clear` it before printing anything else; as a context manager,
    it is cleared at the end whatever happens."""

    def __init__(self, label: str, stream: TextIO | None = None) -> None:
        self.label = label
        self.stream = sys.stderr if stream is None else stream
        self.shown = wanted(self.stream)
        self.visible = False

    def __call__(self, number: int, total: int, what: str) -> None:
        if not self.shown:
            return
        count = f" [{number}/{total}]" if total else ""
        line = f"{self.label}{count}: {what}"
        width = self._width()
        if len(line) >= width:  # a wrapped line could not be rewritten in place
            line = line[: max(width - 4, 0)] + "..."
        self._write(_ERASE + line)
        self.visible = True

    def clear(self) -> None:
        if self.visible:
            self._write(_ERASE)
            self.visible = False

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc_info) -> None:
        self.clear()

    def _width(self) -> int:
        try:
            return os.get_terminal_size(self.stream.fileno()).columns or 80
        except (AttributeError, ValueError, OSError):
            return 80

    def _write(self, text: str) -> None:
        try:
            self.stream.write(text)
            self.stream.flush()
        except (OSError, ValueError):  # the terminal went away: the work goes on
            self.shown = False
