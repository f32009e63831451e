"""The parser: ``grammar/infra.lark`` loaded once, LALR, lowering inline.

A file is parsed by the fast path (``infrac.syntax.lalr``: Lark's tables, a
loop of this project's) and, when that gives up at a syntax error, by Lark's
parser, which reports it. Lark is loaded then, on the first such file.

``parse(source)`` returns the file's :class:`~infrac.syntax.ir.Module` (or None when
the file has a syntax error) and its diagnostics. It never raises for any
input text.
"""

from __future__ import annotations

from infrac.base.classes import evolve, frozen
from infrac.base.source import SourceFile, Span
from infrac.diagnostics import Diagnostic, Label, diagnostic
from infrac.syntax import grammar_path, ir, load_lark, tables
from infrac.syntax.lalr import FastParser, compile_tables
from infrac.syntax.lower import Lowering

TYPE_CHECKING = False  # typing's own constant, without importing typing
if TYPE_CHECKING:
    from typing import Any

    from lark import Lark, Token
    from lark.exceptions import UnexpectedCharacters, UnexpectedInput, UnexpectedToken

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


def _describe_token(token: Token) -> str:
    if token.type == "$END":
        return "end of file"
    if token.type in ("NAME", "NUMBER"):
        return f"{_TOKEN_WORDS[token.type][2:]} `{token}`"
    if token.type == "STRING":
        return "string " + str(token)
    return f"`{token}`"


@frozen
class ParseResult:
    module: ir.Module | None
    diagnostics: tuple[Diagnostic, ...]


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
            return ParseResult(None, (self._syntax_error(source, error),))
        except VisitError as error:  # pragma: no cover - a bug in the lowering, not in the input
            raise error.orig_exc from error
        deep = _too_deep(module)
        if deep is not None:
            return ParseResult(
                None,
                (
                    diagnostic(
                        "E0107",
                        f"nested more than {MAX_DEPTH} levels deep",
                        deep.span,
                        label=f"level {MAX_DEPTH + 1}",
                        hint="flatten the structure; no AWS resource needs this depth",
                    ),
                ),
            )
        comments = tuple(ir.Comment(str(c), Span(source.path, c.start_pos, c.end_pos)) for c in self._comments)
        module = evolve(module, path=source.path, comments=comments)
        return ParseResult(module, tuple(self._lowering.diagnostics))

    def _syntax_error(self, source: SourceFile, error: UnexpectedInput) -> Diagnostic:
        from lark.exceptions import UnexpectedCharacters, UnexpectedToken

        if isinstance(error, UnexpectedCharacters):
            return _unexpected_character(source, error)
        assert isinstance(error, UnexpectedToken)
        token = error.token
        expected = describe_expected(error.accepts or error.expected)
        if token.type == "$END":
            end = len(source.text.rstrip())  # just after the last thing written
            labels = []
            opener = _innermost_open(error)
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
                label=f"expected {expected}",
                labels=labels,
                hint="close every `{` and `[` that is opened",
            )
        hint = None
        labels = []
        if "EQUAL" in (error.accepts or error.expected):
            hint = "an attribute is written `name = value`; a block is `kind Name { ... }`"
        header = _open_header(error)
        if header is not None:
            kind, *words = header
            first, last = kind, words[-1]
            labels.append(
                Label(
                    Span(source.path, first.start_pos, _end(last)),
                    "this reads as the header of a block, which needs `{`",
                )
            )
            if len(words) == 1:
                value = source.text[_start(last) : _end(last)]
                hint = f"to set an attribute, write `{kind} = {value}`; a block is `{kind} Name {{ ... }}`"
        return diagnostic(
            "E0101",
            f"unexpected {_describe_token(token)}",
            Span(source.path, token.start_pos, token.end_pos),
            label=f"expected {expected}",
            labels=labels,
            hint=hint,
        )


def _unexpected_character(source: SourceFile, error: UnexpectedCharacters) -> Diagnostic:
    pos = error.pos_in_stream
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


def _open_header(error: UnexpectedToken) -> list | None:
    """A block header still waiting for its `{` (`billing on_demand`): the kind
    token and its labels, from the top of the parser's stack."""
    if "LBRACE" not in (error.accepts or error.expected):
        return None
    from lark import Token

    stack = list(getattr(getattr(error, "state", None), "value_stack", None) or [])
    words: list = []
    while stack and not (isinstance(stack[-1], Token) and stack[-1].type == "NAME"):
        item = stack.pop()
        if not (isinstance(item, (ir.Symbol, ir.Ref)) or (isinstance(item, Token) and item.type == "STRING")):
            return None
        words.insert(0, item)
    if not stack or not words:
        return None
    return [stack[-1], *words]


def _start(item) -> int:  # a Lark token (a str) or a node
    return item.start_pos if isinstance(item, str) else item.span.start


def _end(item) -> int:
    return item.end_pos if isinstance(item, str) else item.span.end


def _innermost_open(error: UnexpectedToken) -> Token | None:
    """The innermost `{` or `[` left open. The parser's stack may still hold a
    finished block's braces (waiting for an optional `,`), so they are matched."""
    from lark import Token

    state = getattr(error, "state", None)
    open_: list[Token] = []
    for value in getattr(state, "value_stack", None) or []:
        if isinstance(value, Token) and value.type in _OPENERS:
            open_.append(value)
        elif isinstance(value, Token) and value.type in ("RBRACE", "RBRACKET", "RPAR") and open_:
            open_.pop()
    return open_[-1] if open_ else None


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
