"""The parser: ``grammar/infra.lark`` loaded once, LALR, lowering inline.

A file is parsed by the fast path (``infrac.syntax.lalr``: Lark's tables, a
loop of this project's) and, when that gives up at a syntax error, by Lark's
parser, which reports it. Lark is loaded then, on the first such file.

``parse(source)`` returns the file's :class:`~infrac.syntax.ir.Module` (or None when
the file has a syntax error) and its diagnostics. It never raises for any
input text.
"""

from __future__ import annotations

from infrac.base.classes import evolve, field, frozen
from infrac.base.source import SourceFile, Span
from infrac.diagnostics import Diagnostic, Label, diagnostic
from infrac.syntax import grammar_path, ir, load_lark, tables
from infrac.syntax.lalr import FastParser, FastToken, compile_tables
from infrac.syntax.lower import Lowering
from infrac.syntax.recover import BAD_CHARACTER, UNTERMINATED, recover

TYPE_CHECKING = False  # typing's own constant, without importing typing
if TYPE_CHECKING:
    from typing import Any

    from lark import Lark, Token
    from lark.exceptions import UnexpectedInput

# What the user reads instead of Lark's terminal names.
_TOKEN_WORDS = {
    "NAME": "a name",
    "STRING": "a string",
    "NUMBER": "a number",
    "TRUE": "`true`",
    "FALSE": "`false`",
    "PROJECT": "`project`",
    "STACK": "`stack`",
    "EXPORT": "`export`",
    "USES": "`uses`",
    "LBRACE": "`{`",
    "RBRACE": "`}`",
    "LBRACKET": "`[`",
    "RBRACKET": "`]`",
    "LPAR": "`(`",
    "RPAR": "`)`",
    "EQUAL": "`=`",
    "COMMA": "`,`",
    "COLON": "`:`",
    "DOT": "`.`",
    "$END": "the end of the file",
}
_VALUE_START = {"STRING", "NUMBER", "TRUE", "FALSE", "NAME", "LBRACKET", "LBRACE"}
_STATEMENT_START = {"NAME", "EXPORT", "USES"}
_ITEM_START = {"PROJECT", "STACK"}
_OPENERS = {"LBRACE": "`{`", "LBRACKET": "`[`", "LPAR": "`(`"}


def describe_expected(expected: set[str]) -> str:
    """Lark's set of acceptable terminals, in words.

    >>> describe_expected({"EQUAL", "LBRACE", "NAME", "STRING"})
    '`=`, a label (a name or a string) or `{`'
    """
    expected = set(expected)
    words: list[str] = []
    if _VALUE_START <= expected:
        words.append("a value")
        expected -= _VALUE_START
    if _ITEM_START <= expected:
        words.append("`project` or `stack`")
        expected -= _ITEM_START
    if _STATEMENT_START <= expected:
        words.append("an attribute (`name = value`), a block, `export` or `uses`")
        expected -= _STATEMENT_START
    if "EQUAL" in expected:
        words.append(_TOKEN_WORDS["EQUAL"])
        expected.discard("EQUAL")
    if {"NAME", "STRING"} <= expected and "LBRACE" in expected:
        words.append("a label (a name or a string)")
        expected -= {"NAME", "STRING"}
    order = list(_TOKEN_WORDS)
    for name in sorted(expected, key=lambda n: order.index(n) if n in order else len(order)):
        words.append(_TOKEN_WORDS.get(name, f"`{name}`"))
    if len(words) == 1:
        return words[0]
    return ", ".join(words[:-1]) + " or " + words[-1]


def _describe_token(token: Any) -> str:
    if token.type == "$END":
        return "end of file"
    if token.type in ("NAME", "NUMBER"):
        return f"{_TOKEN_WORDS[token.type][2:]} `{token.value}`"
    if token.type == "STRING":
        return "string " + token.value
    return f"`{token.value}`"


@frozen
class ParseResult:
    """``module`` is None when the file has a syntax error; ``recovered`` is then the
    module parsed with recovery (``infrac.syntax.recover``: the statements that parse,
    the broken parts in ``Module.errors``), which the checks and the language server
    read, and never the formatter."""

    module: ir.Module | None
    diagnostics: tuple[Diagnostic, ...]
    recovered: ir.Module | None = field(default=None, eq=False, repr=False)


class Parser:
    """The LALR parser with the lowering built in; build it once and reuse it.

    Not re-entrant: the lowering keeps the current file's state while it runs.
    """

    def __init__(self) -> None:
        self._lowering = Lowering()
        self._comments: list[Token] = []
        self._grammar = grammar_path().read_text(encoding="utf-8")
        self._tables: tuple[dict[str, Any], dict[str, Any]] | None = None
        # the fast path's tables as `make parser` wrote them (Python literals); when the
        # grammar changed since, computed now from Lark's (no cache: see infrac.syntax.tables)
        fast_tables = tables.fast_tables(self._grammar) or compile_tables(*self._lark_tables())
        self._fast: FastParser | None = FastParser(fast_tables, self._lowering)
        if not self._fast.usable:  # the grammar no longer suits it: Lark parses everything
            self._fast = None
        self._lark_parser: Lark | None = None

    def _lark_tables(self) -> tuple[dict[str, Any], dict[str, Any]]:
        """Lark's serialized tables: the JSON `make parser` wrote, read on first use;
        when the grammar changed since, computed now."""
        if self._tables is None:
            self._tables = tables.load(self._grammar) or tables.build(self._grammar)
        return self._tables

    @property
    def _lark(self) -> Lark:
        """Lark's parser on the same tables, loaded on first use (a syntax error)."""
        if self._lark_parser is None:
            lark = load_lark()
            callbacks = {"transformer": self._lowering, "lexer_callbacks": {"COMMENT": self._comments.append}}
            self._lark_parser = lark.Lark._load_from_dict(*self._lark_tables(), **callbacks)
        return self._lark_parser

    def parse(self, source: SourceFile) -> ParseResult:
        self._lowering.file = source.path
        self._lowering.diagnostics = []
        self._comments.clear()
        if self._fast is not None:  # files without syntax errors: see infrac.syntax.lalr
            fast = self._fast.parse(source.text)
            if fast is not None:
                module, comments, deepest = fast
                # the parser's stack holds at least one entry per level of nesting
                if deepest > MAX_DEPTH and _too_deep(module) is not None:
                    pass  # reported by the path below
                else:
                    return ParseResult(
                        evolve(
                            module,
                            path=source.path,
                            comments=tuple(
                                ir.Comment(source.text[start:end], Span(source.path, start, end))
                                for start, end in comments
                            ),
                        ),
                        tuple(self._lowering.diagnostics),
                    )
            self._lowering.diagnostics = []  # the path below lowers again
        parser = self._lark
        from lark.exceptions import UnexpectedInput, VisitError

        try:
            module = parser.parse(source.text)
        except UnexpectedInput as error:
            if self._fast is not None:  # every error, and what parses around them
                token = getattr(error, "token", None)
                at = len(source.text) if token is not None and token.type == "$END" else token.start_pos if token is not None else error.pos_in_stream
                return self._recover(source, self._syntax_error(source, error), at)
            return ParseResult(None, (self._syntax_error(source, error),))
        except VisitError as error:  # pragma: no cover - a bug in the lowering, not in the input
            raise error.orig_exc from error
        deep = _too_deep(module)
        if deep is not None:
            return ParseResult(None, (_too_deep_diagnostic(deep),))
        comments = tuple(ir.Comment(str(c), Span(source.path, c.start_pos, c.end_pos)) for c in self._comments)
        module = evolve(module, path=source.path, comments=comments)
        return ParseResult(module, tuple(self._lowering.diagnostics))

    def _recover(self, source: SourceFile, first: Diagnostic, at: int) -> ParseResult:
        """A file with a syntax error (``first``, as Lark reports it): parsed again with
        recovery (the error at offset ``at`` is that one), every later syntax error reported (one per broken statement), and the
        module of what parses."""
        assert self._fast is not None
        self._lowering.diagnostics = []
        recovered = recover(self._fast, source.text)
        faults = [f for f in recovered.faults if f.reported]
        if faults and faults[0].token.start_pos < at and faults[0].token.type in ("USES", "EXPORT"):
            # recovery found the break earlier than Lark's error, which follows from it (a
            # block header or a `uses` left unfinished reads the next line's keyword as a name)
            first, at = self._fault(source, faults[0].token, faults[0].expected, faults[0].values), faults[0].token.start_pos
        found = [first] + [
            self._fault(source, fault.token, fault.expected, fault.values)
            for fault in faults
            if fault.token.start_pos > at and not (fault.token.type == "$END" and at == len(source.text))
        ]
        module = recovered.module
        if module is None or not isinstance(module, ir.Module):  # pragma: no cover - recovery always ends the file
            return ParseResult(None, tuple(found) + tuple(self._lowering.diagnostics))
        deep = _too_deep(module) if recovered.deepest > MAX_DEPTH else None
        if deep is not None:
            return ParseResult(None, (*found, _too_deep_diagnostic(deep)))
        module = evolve(
            module,
            path=source.path,
            comments=tuple(
                ir.Comment(source.text[start:end], Span(source.path, start, end)) for start, end in recovered.comments
            ),
            errors=tuple(ir.Broken(Span(source.path, start, end), names) for start, end, names in recovered.broken),
        )
        diagnostics = sorted([*found, *self._lowering.diagnostics], key=lambda d: (d.span.start, d.code))
        return ParseResult(None, tuple(diagnostics), module)

    def _syntax_error(self, source: SourceFile, error: UnexpectedInput) -> Diagnostic:
        from lark.exceptions import UnexpectedCharacters, UnexpectedToken

        if isinstance(error, UnexpectedCharacters):
            return _unexpected_character(source, error.pos_in_stream)
        assert isinstance(error, UnexpectedToken)
        stack = list(getattr(getattr(error, "state", None), "value_stack", None) or [])
        return self._fault(source, error.token, set(error.accepts or error.expected), stack)

    def _fault(self, source: SourceFile, token: Any, expected: set[str], stack: list) -> Diagnostic:
        """The diagnostic of a syntax error at ``token`` (Lark's or the fast path's), where
        the parser would have accepted ``expected``, with its value stack ``stack``."""
        if token.type in (BAD_CHARACTER, UNTERMINATED):
            return _unexpected_character(source, token.start_pos)
        stack = _flat(stack)
        described = describe_expected(expected)
        if token.type == "$END":
            end = len(source.text.rstrip())  # just after the last thing written
            labels = []
            opener = _innermost_open(stack)
            if opener is not None:
                labels.append(
                    Label(
                        Span(source.path, opener.start_pos, opener.end_pos),
                        f"this {_OPENERS[opener.type]} is never closed",
                    )
                )
            return diagnostic(
                "E0106",
                "unexpected end of file",
                Span(source.path, end, end),
                label=f"expected {described}",
                labels=labels,
                hint="close every `{` and `[` that is opened",
            )
        hint = None
        labels = []
        if "EQUAL" in expected:
            hint = "an attribute is written `name = value`; a block is `kind Name { ... }`"
        header = _open_header(stack, expected)
        at = Span(source.path, token.start_pos, token.end_pos)
        if header is not None:
            kind, *words = header
            line_end = source.text.find("\n", kind.end_pos)
            if line_end != -1 and line_end < token.start_pos:  # the header is what its first line holds
                words = [w for w in words if _start(w) < line_end]
            last = words[-1] if words else kind
            where = Span(source.path, kind.start_pos, _end(last))
            written = source.text[where.start : where.end]
            if "\n" in source.text[where.end : token.start_pos]:
                # the header's line ends without `{`: that line is what is broken, not the next one
                return _unfinished_line(source, where, written, kind, words, token, described)
            if words:
                labels.append(Label(where, "this reads as the header of a block, which needs `{`"))
                if len(words) == 1:
                    value = source.text[_start(last) : _end(last)]
                    hint = f"to set an attribute, write `{kind.value} = {value}`; a block is `{kind.value} Name {{ ... }}`"
        return diagnostic(
            "E0101",
            f"unexpected {_describe_token(token)}",
            at,
            label=f"expected {described}",
            labels=labels,
            hint=hint,
        )


#: Words users write after a number for the units the language writes in it (`30s`).
_UNIT_WORDS = {
    **{unit: unit for unit in ("s", "m", "h", "d", "B", "KB", "MB", "GB", "KiB", "MiB", "GiB")},
    "sec": "s", "secs": "s", "second": "s", "seconds": "s",
    "min": "m", "mins": "m", "minute": "m", "minutes": "m",
    "hour": "h", "hours": "h", "day": "d", "days": "d",
    "bytes": "B", "kb": "KB", "mb": "MB", "gb": "GB",
}


def _unfinished_line(source: SourceFile, where: Span, written: str, kind: Any, words: list, token: Any, described: str):
    """A statement that ends its line unfinished (`billing on_demand`, `30 seconds`): reported on
    that line, with the token that showed it as a second place."""
    labels = [Label(Span(source.path, token.start_pos, token.end_pos), f"unexpected {_describe_token(token)}: expected {described}")]
    before = source.text[: where.start]
    line_before = before[before.rfind("\n") + 1 :]
    number = line_before.rstrip(" \t")
    digits = number[len(number.rstrip("0123456789.")) :]
    unit = _UNIT_WORDS.get(kind.value)
    if not words and unit is not None and digits and digits[0].isdigit() and number != line_before:
        return diagnostic(
            "E0101",
            f"a unit apart from its number: `{digits} {kind.value}`",
            where,
            label="a unit is written right after its number",
            labels=labels,
            hint=f"write `{digits}{unit}` (durations: s, m, h, d; sizes: B, KB, MB, GB, KiB, MiB, GiB)",
        )
    if words and len(words) == 1:
        value = source.text[_start(words[0]) : _end(words[0])]
        hint = f"to set an attribute, write `{kind.value} = {value}`; a block is `{kind.value} Name {{ ... }}`"
    else:
        hint = "an attribute is written `name = value`; a block is `kind Name { ... }`"
    return diagnostic(
        "E0101",
        f"`{written}` is neither an attribute nor a block",
        where,
        label="this reads as the header of a block, which needs `{`" if words else "`=` or `{` is missing after this",
        labels=labels,
        hint=hint,
    )


def _unexpected_character(source: SourceFile, pos: int) -> Diagnostic:
    char = source.text[pos]
    if char == '"':
        line_end = source.text.find("\n", pos)
        line_end = len(source.text) if line_end == -1 else line_end
        return diagnostic(
            "E0103",
            "unterminated string",
            Span(source.path, pos, line_end),
            label="this string is not closed on its line",
            hint='close it with `"`; strings cannot span lines (write \\n for a line break)',
        )
    shown = repr(char)[1:-1] if not char.isprintable() or char.isspace() else char
    return diagnostic(
        "E0102",
        f"unexpected character `{shown}`",
        Span(source.path, pos, pos + 1),
        label="no token of the language starts with this character",
        hint="put text that is not a name or a number in double quotes" if char.isprintable() else None,
    )


def _is_token(item: Any) -> bool:
    """Lark's tokens are strings; the fast path's are FastToken. No IR node is either."""
    return isinstance(item, (str, FastToken))


def _flat(stack: list) -> list:
    """The value stack with the lists of inlined rules (labels, statements) spliced in:
    the fast path's lists, Lark's trees."""
    flat: list = []
    for item in stack:
        if isinstance(item, list):
            flat.extend(item)
        elif isinstance(getattr(item, "children", None), list):  # Lark's tree of an inlined rule
            flat.extend(item.children)
        elif item is not None:
            flat.append(item)
    return flat


def _open_header(stack: list, expected: set[str]) -> list | None:
    """A block header still waiting for its `{` (`billing on_demand`, or a lone
    `seconds` where `=` or `{` must follow): the kind token and its labels, from the top
    of the parser's stack."""
    if "LBRACE" not in expected:
        return None
    stack = list(stack)
    words: list = []

    def label(item: Any) -> bool:
        return isinstance(item, (ir.Symbol, ir.Ref)) or (_is_token(item) and item.type in ("STRING", "NAME"))

    if len(stack) >= 2 and _is_token(stack[-1]) and stack[-1].type == "NAME" and label(stack[-2]):
        words.append(stack.pop())  # a label being written, not reduced yet
    while stack and not (_is_token(stack[-1]) and stack[-1].type == "NAME"):
        item = stack.pop()
        if not (isinstance(item, (ir.Symbol, ir.Ref)) or (_is_token(item) and item.type == "STRING")):
            return None
        words.insert(0, item)
    if not stack:
        return None
    if not words and "EQUAL" not in expected:
        return None
    return [stack[-1], *words]


def _start(item) -> int:  # a token or a node
    return item.start_pos if _is_token(item) else item.span.start


def _end(item) -> int:
    return item.end_pos if _is_token(item) else item.span.end


def _innermost_open(stack: list) -> Any:
    """The innermost `{` or `[` left open. The parser's stack may still hold a
    finished block's braces (waiting for an optional `,`), so they are matched."""
    open_: list = []
    for value in stack:
        if _is_token(value) and value.type in _OPENERS:
            open_.append(value)
        elif _is_token(value) and value.type in ("RBRACE", "RBRACKET", "RPAR") and open_:
            open_.pop()
    return open_[-1] if open_ else None


def _too_deep_diagnostic(deep) -> Diagnostic:
    return diagnostic(
        "E0107",
        f"nested more than {MAX_DEPTH} levels deep",
        deep.span,
        label=f"level {MAX_DEPTH + 1}",
        hint="flatten the structure; no AWS resource needs this depth",
    )


#: Deeper nesting is refused, so that every later stage may recurse safely.
MAX_DEPTH = 64


def _too_deep(module: ir.Module):
    """The first node nested deeper than ``MAX_DEPTH``, found without recursion."""
    pending = [(item, 1) for item in module.items]
    while pending:
        node, depth = pending.pop()
        if depth > MAX_DEPTH:
            return node
        if isinstance(node, (ir.Project, ir.Stack, ir.Block)):
            children = node.body
        elif isinstance(node, ir.Attribute):
            children = (node.value,)
        elif isinstance(node, ir.List):
            children = node.items
        elif isinstance(node, ir.Map):
            children = tuple(e.value for e in node.entries)
        elif isinstance(node, ir.Call):
            children = node.args
        else:
            children = ()
        pending.extend((child, depth + 1) for child in children)
    return None


_PARSER: Parser | None = None


def parse(source: SourceFile) -> ParseResult:
    """Parse one file with the process-wide parser (built on first use)."""
    global _PARSER
    if _PARSER is None:
        _PARSER = Parser()
    return _PARSER.parse(source)
