"""The canonical formatter: IR (and the file's comments) -> source text.

One layout, whatever the input's: two-space indents, one statement per line,
``=`` aligned across consecutive one-line attributes, one blank line between
top-level items and at most one where the source had any. Small nested blocks,
maps and lists stay on one line when they fit in ``WIDTH`` columns; otherwise
they take one line per entry, with a trailing comma. Resources are always
written out in full.

Comments are kept: each is written before the first node that starts after
it, or at the end of the line it followed. ``parse(format(m)) == m`` for every
module ``m``, and formatting is idempotent; tests check both.
"""

from __future__ import annotations

import bisect
import re
from decimal import Decimal

from infrac.syntax import ir

WIDTH = 100
INDENT = "  "
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")
_KEYWORDS = {"true", "false"}


def format_module(module: ir.Module, text: str = "") -> str:
    """Format a module; ``text`` is the source it was parsed from, which tells
    where the user left blank lines and where comments stood."""
    return _Formatter(module, text).run()


# ---- atoms --------------------------------------------------------------------------


def quote(value: str) -> str:
    """A string literal that parses back to ``value``.

    >>> quote('say "hi"\\n')
    '"say \\\\"hi\\\\"\\\\n"'
    """
    out = []
    for char in value:
        if char == '"':
            out.append('\\"')
        elif char == "\\":
            out.append("\\\\")
        elif char == "\n":
            out.append("\\n")
        elif char == "\t":
            out.append("\\t")
        elif not char.isprintable():
            out.append(f"\\u{{{ord(char):X}}}")
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


def key(name: str) -> str:
    """A map key or label: bare when it is a plain name, quoted otherwise."""
    return name if _NAME.fullmatch(name) else quote(name)


def number(node: ir.Number) -> str:
    value = node.value
    text = format(value, "f") if isinstance(value, Decimal) else str(value)
    return text + (node.unit or "")


def inline(value: ir.Value) -> str:
    """The value on one line."""
    if isinstance(value, ir.String):
        return quote(value.value)
    if isinstance(value, ir.Number):
        return number(value)
    if isinstance(value, ir.Bool):
        return "true" if value.value else "false"
    if isinstance(value, ir.Symbol):
        return value.name
    if isinstance(value, ir.Ref):
        return value.text
    if isinstance(value, ir.List):
        return "[" + ", ".join(inline(item) for item in value.items) + "]"
    if isinstance(value, ir.Call):
        return value.name + "(" + ", ".join(inline(arg) for arg in value.args) + ")"
    if not value.entries:
        return "{}"
    return "{ " + ", ".join(f"{key(e.key)}: {inline(e.value)}" for e in value.entries) + " }"


def label(node: ir.Label) -> str:
    return quote(node.value) if isinstance(node, ir.String) else inline(node)


# ---- layout -------------------------------------------------------------------------------


class _Formatter:
    def __init__(self, module: ir.Module, text: str) -> None:
        self.module = module
        self.text = text
        self.comments = sorted(module.comments, key=lambda c: c.span.start)
        self.starts = [c.span.start for c in self.comments]
        self.next = 0  # comments before this index are written
        self.lines: list[str] = []
        self.last = 0  # source offset just after the last thing written
        self.opened = True  # the last line opened a block: no blank line may follow
        self.blank = False  # a blank line is due before the next line

    def run(self) -> str:
        for index, item in enumerate(self.module.items):
            self.blank = index > 0
            self.comments_before(_start(item), 0)
            self.blank = index > 0
            self.container(_item_header(item), item.body, 0, item.span, _header_end(item))
        self.comments_before(None, 0)
        return "\n".join(self.lines) + "\n" if self.lines else ""

    # ---- lines and comments ---------------------------------------------------------------

    def emit(self, depth: int, line: str, start: int | None = None, end: int | None = None) -> None:
        if self.lines and not self.opened and (self.blank or self.blank_before(start)):
            self.lines.append("")
        self.blank = False
        self.lines.append(INDENT * depth + line)
        self.opened = False
        if end is not None:
            self.last = end

    def blank_before(self, start: int | None) -> bool:
        if start is None or not self.text or start <= self.last:
            return False
        return self.text.count("\n", self.last, start) >= 2

    def comments_before(self, offset: int | None, depth: int) -> None:
        """Write every comment that stands before ``offset`` (all of them if None)."""
        while self.next < len(self.comments) and (offset is None or self.starts[self.next] < offset):
            comment = self.comments[self.next]
            self.next += 1
            start = comment.span.start
            if self.lines and self.text and "\n" not in self.text[self.last : start]:
                self.lines[-1] += "  " + comment.text  # it ended the previous line
                self.last = max(self.last, comment.span.end)
            else:
                self.emit(depth, comment.text, start, comment.span.end)

    def has_comments(self, node) -> bool:
        span = getattr(node, "span", None)
        if span is None:
            return False
        i = bisect.bisect_right(self.starts, span.start, lo=self.next)
        return i < len(self.starts) and self.starts[i] < span.end

    def comment_between(self, start: int, end: int) -> bool:
        i = bisect.bisect_left(self.starts, start, lo=self.next)
        return i < len(self.starts) and self.starts[i] < end

    def fits(self, depth: int, line: str) -> bool:
        return len(INDENT * depth + line) <= WIDTH

    # ---- blocks -----------------------------------------------------------------------------

    def container(self, header: str, body: tuple, depth: int, span, header_end: int | None) -> None:
        """``header { body }`` written out in full (a project, a stack, a resource)."""
        start = span.start if span else None
        if not body and not self.has_comments(span):
            self.emit(depth, header + " {}", start, span.end if span else None)
            return
        self.emit(depth, header + " {", start, header_end)
        self.opened = True
        self.statements(body, depth + 1)
        if span is not None:
            self.comments_before(span.end, depth + 1)
        self.opened = False
        self.emit(depth, "}", None, span.end if span else None)

    def statements(self, body: tuple, depth: int) -> None:
        widths = self.alignment(body, depth)
        for index, statement in enumerate(body):
            self.comments_before(_start(statement), depth)
            self.statement(statement, depth, widths[index])

    def alignment(self, body: tuple, depth: int) -> list[int]:
        """For each statement, the width its name is padded to: runs of consecutive
        one-line attributes, unbroken by blank lines or comments, share one."""
        widths = [0] * len(body)
        run: list[int] = []

        def close() -> None:
            width = max((len(body[i].name) for i in run), default=0)
            for i in run:
                widths[i] = width
            run.clear()

        previous_end = None
        for index, statement in enumerate(body):
            one_line = isinstance(statement, ir.Attribute) and self.attribute_fits(statement, depth)
            broken = (
                previous_end is not None
                and statement.span is not None
                and self.text
                and (
                    self.text.count("\n", previous_end, statement.span.start) >= 2
                    or self.comment_between(previous_end, statement.span.start)
                )
            )
            if not one_line or broken:
                close()
            if one_line:
                run.append(index)
            previous_end = statement.span.end if statement.span else None
        close()
        return widths

    def attribute_fits(self, attribute: ir.Attribute, depth: int) -> bool:
        return not self.has_comments(attribute.value) and self.fits(
            depth, f"{attribute.name} = {inline(attribute.value)}"
        )

    def statement(self, statement: ir.Statement, depth: int, width: int) -> None:
        start = _start(statement)
        end = statement.span.end if statement.span else None
        if isinstance(statement, ir.Attribute):
            self.value(f"{statement.name.ljust(width)} = ", statement.value, depth, "", start, end)
        elif isinstance(statement, ir.Block):
            self.block(statement, depth)
        elif isinstance(statement, ir.Export) and statement.body:
            self.block(ir.Block("export", (ir.Symbol(statement.names[0].name),), statement.body, span=statement.span), depth)
        elif isinstance(statement, ir.Export):
            self.emit(depth, "export " + ", ".join(n.name for n in statement.names), start, end)
        else:
            target = label(statement.target)
            access = " { " + ", ".join(a.name for a in statement.access) + " }" if statement.access else ""
            self.emit(depth, f"uses {target}{access}", start, end)

    def block(self, block: ir.Block, depth: int) -> None:
        header = " ".join([block.kind, *(label(l) for l in block.labels)])
        if depth >= 2 and block.body and all(isinstance(s, ir.Attribute) for s in block.body):
            one_line = f"{header} {{ " + ", ".join(f"{a.name} = {inline(a.value)}" for a in block.body) + " }"
            if self.fits(depth, one_line) and not self.has_comments(block):
                self.emit(depth, one_line, _start(block), block.span.end if block.span else None)
                return
        header_end = block.labels[-1].span.end if block.labels and block.labels[-1].span else None
        self.container(header, block.body, depth, block.span, header_end)

    # ---- values -----------------------------------------------------------------------------

    def value(self, prefix: str, value: ir.Value, depth: int, suffix: str, start, end) -> None:
        """``prefix`` + value + ``suffix``, over several lines if it does not fit on one."""
        one_line = prefix + inline(value) + suffix
        multi = isinstance(value, (ir.List, ir.Map)) and (value.items if isinstance(value, ir.List) else value.entries)
        if not multi or (self.fits(depth, one_line) and not self.has_comments(value)):
            self.emit(depth, one_line, start, end)
            return
        opener, closer = ("[", "]") if isinstance(value, ir.List) else ("{", "}")
        self.emit(depth, prefix + opener, start, value.span.start + 1 if value.span else None)
        self.opened = True
        if isinstance(value, ir.List):
            for item in value.items:
                item_start = item.span.start if item.span else None
                self.comments_before(item_start, depth + 1)
                self.value("", item, depth + 1, ",", item_start, item.span.end if item.span else None)
        else:
            for entry in value.entries:
                entry_start = entry.span.start if entry.span else None
                self.comments_before(entry_start, depth + 1)
                self.value(f"{key(entry.key)}: ", entry.value, depth + 1, ",", entry_start, entry.span.end if entry.span else None)
        if value.span:
            self.comments_before(value.span.end, depth + 1)
        self.opened = False
        self.emit(depth, closer + suffix, None, end)


def _start(node) -> int | None:
    span = getattr(node, "span", None)
    return span.start if span else None


def _item_header(item: ir.Item) -> str:
    keyword = "project" if isinstance(item, ir.Project) else "stack"
    return f"{keyword} {item.name.name}"


def _header_end(item: ir.Item) -> int | None:
    return item.name.span.end if item.name.span else None
