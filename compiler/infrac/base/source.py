"""Source files, spans and line/column mapping.

A span is a pair of character offsets into one file. Offsets are what the lexer
gives for free; lines and columns are computed only when a diagnostic is shown.
"""

from __future__ import annotations

import bisect

from infrac.base.classes import field, frozen


@frozen
class Span:
    """Characters ``start`` (inclusive) to ``end`` (exclusive) of ``file``.

    >>> Span("a.infra", 4, 9).length
    5
    """

    file: str
    start: int
    end: int

    @property
    def length(self) -> int:
        return self.end - self.start

    def to(self, other: Span) -> Span:
        """The span from the start of this one to the end of ``other``."""
        return Span(self.file, self.start, other.end)


@frozen
class Position:
    """A 1-based line and column (columns count characters, not bytes)."""

    line: int
    column: int


@frozen
class SourceFile:
    """The text of one ``.infra`` file, with the path used to show it."""

    path: str
    text: str
    _line_starts: list[int] = field(init=False, eq=False, repr=False)

    def __post_init__(self) -> None:
        starts = [0]
        find = self.text.find
        i = find("\n")
        while i != -1:
            starts.append(i + 1)
            i = find("\n", i + 1)
        object.__setattr__(self, "_line_starts", starts)

    @property
    def line_count(self) -> int:
        return len(self._line_starts)

    def position(self, offset: int) -> Position:
        """Line and column of a character offset (clamped to the text).

        >>> SourceFile("a", "ab\\ncd").position(4)
        Position(line=2, column=2)
        """
        offset = max(0, min(offset, len(self.text)))
        index = bisect.bisect_right(self._line_starts, offset) - 1
        return Position(index + 1, offset - self._line_starts[index] + 1)

    def line_text(self, line: int) -> str:
        """The text of a 1-based line, without its line break."""
        start = self._line_starts[line - 1]
        end = self._line_starts[line] - 1 if line < len(self._line_starts) else len(self.text)
        return self.text[start:end].rstrip("\r")

    def offset(self, line: int, column: int) -> int:
        """The offset of a 1-based line and column (inverse of :meth:`position`)."""
        return self._line_starts[line - 1] + column - 1
