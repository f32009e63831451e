"""Lowering: grammar rules to IR nodes, called by the parser as it reduces.

This is the only module that knows the shape of the parse tree. It runs inline
in the LALR parser, so no parse tree is ever built: each method receives the
children of one rule (tokens and already-lowered nodes) and returns an IR node
whose span comes from the tokens' offsets. Both parsers call it with the same
children: the fast path (``infrac.syntax.lalr``, whose tokens are ``FastToken``)
and Lark's (``transformer=``, Lark's ``Token``).

Errors found while lowering (a bad escape, an unknown unit) become diagnostics
in ``self.diagnostics``; lowering goes on with a best-effort node.
"""

from __future__ import annotations

import re
from decimal import Decimal

from infrac.base.source import Span
from infrac.base.units import UNITS
from infrac.diagnostics import Diagnostic, diagnostic
from infrac.syntax import ir
from infrac.syntax.lalr import FastToken

#: The longest number the language reads (AWS's largest numbers have 20 digits).
MAX_DIGITS = 100
#: A number token's unit: the letters that end it (``NUMBER`` in ``grammar/infra.lark``).
_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
#: An escape in a string, compiled when a string first has a backslash.
_ESCAPE = r"\\(u\{[0-9A-Fa-f]{1,6}\}|.)"
#: Tokens: Lark's (the parser's error path; a ``str``) and the fast path's
#: (``infrac.syntax.lalr``). No IR node is a ``str``.
_TOKENS = (str, FastToken)
_SIMPLE_ESCAPES = {'"': '"', "\\": "\\", "n": "\n", "t": "\t"}


def split_number(text: str) -> tuple[str, str | None, str]:
    """A ``NUMBER`` token's whole part (with its sign), its fraction (with the point;
    None without) and its unit (maybe empty), without a regular expression to compile
    at start-up.

    >>> split_number("-12.50MiB"), split_number("7"), split_number("30s")
    (('-12', '.50', 'MiB'), ('7', None, ''), ('30', None, 's'))
    """
    number = text.rstrip(_LETTERS)
    whole, point, fraction = number.partition(".")
    return whole, point + fraction if point else None, text[len(number) :]


class Lowering:
    """Per-parse state lives in ``file`` and ``diagnostics``; see ``Parser.parse``."""

    def __init__(self) -> None:
        self.file = ""
        self.diagnostics: list[Diagnostic] = []

    # ---- helpers ------------------------------------------------------------------

    def _span(self, first, last) -> Span:
        """From the start of ``first`` to the end of ``last`` (tokens or nodes)."""
        start = first.start_pos if isinstance(first, _TOKENS) else first.span.start
        end = last.end_pos if isinstance(last, _TOKENS) else last.span.end
        return Span(self.file, start, end)

    def _token_span(self, token) -> Span:
        return Span(self.file, token.start_pos, token.end_pos)

    def _ident(self, token) -> ir.Ident:
        return ir.Ident(token.value, span=self._token_span(token))

    def _string(self, token) -> ir.String:
        return ir.String(self._unescape(token), span=self._token_span(token))

    def _unescape(self, token) -> str:
        body = token.value[1:-1]
        if "\\" not in body:
            return body
        base = token.start_pos + 1

        def replace(match: re.Match) -> str:
            seq = match.group(1)
            if seq in _SIMPLE_ESCAPES:
                return _SIMPLE_ESCAPES[seq]
            if seq.startswith("u{"):
                codepoint = int(seq[2:-1], 16)
                if codepoint <= 0x10FFFF and not 0xD800 <= codepoint <= 0xDFFF:
                    return chr(codepoint)
            span = Span(self.file, base + match.start(), base + match.end())
            self.diagnostics.append(
                diagnostic(
                    "E0104",
                    f"invalid escape `\\{seq}` in a string",
                    span,
                    label="not an escape the language knows",
                    hint='write `\\\\` for a backslash; escapes are \\" \\\\ \\n \\t \\u{HEX}',
                )
            )
            return seq

        return re.sub(_ESCAPE, replace, body)

    @staticmethod
    def _statements(children) -> tuple:
        return tuple([c for c in children if c is not None and not isinstance(c, _TOKENS)])

    # ---- top level ----------------------------------------------------------------------

    def start(self, children) -> ir.Module:
        return ir.Module(tuple(children), path=self.file)

    def project(self, children) -> ir.Project:
        keyword, name, *body, close = children
        return ir.Project(
            self._ident(name), self._statements(body), span=Span(self.file, keyword.start_pos, close.end_pos)
        )

    def stack(self, children) -> ir.Stack:
        keyword, name, *body, close = children
        return ir.Stack(
            self._ident(name), self._statements(body), span=Span(self.file, keyword.start_pos, close.end_pos)
        )

    # ---- statements ---------------------------------------------------------------------

    def attribute(self, children) -> ir.Attribute:
        name, value = children
        start = name.start_pos
        return ir.Attribute(
            name.value,
            value,
            span=Span(self.file, start, value.span.end),
            name_span=Span(self.file, start, name.end_pos),
        )

    def block(self, children) -> ir.Block:
        kind, *rest, close = children
        open_index = next(i for i, c in enumerate(rest) if isinstance(c, _TOKENS) and c.type == "LBRACE")
        labels = tuple(self._string(c) if isinstance(c, _TOKENS) else c for c in rest[:open_index])
        body = self._statements(rest[open_index + 1 :])
        return ir.Block(
            kind.value,
            labels,
            body,
            span=Span(self.file, kind.start_pos, close.end_pos),
            kind_span=self._token_span(kind),
        )

    def export(self, children) -> ir.Export:
        keyword, *rest = children
        if any(isinstance(c, _TOKENS) and c.type == "LBRACE" for c in rest):
            name, _open, *body, close = rest
            return ir.Export(
                (self._ident(name),), self._statements(body), span=Span(self.file, keyword.start_pos, close.end_pos)
            )
        return ir.Export(tuple(self._ident(n) for n in rest), span=Span(self.file, keyword.start_pos, rest[-1].end_pos))

    def uses(self, children) -> ir.Uses:
        keyword, target, *rest = children
        access = tuple(self._ident(t) for t in rest if isinstance(t, _TOKENS) and t.type == "NAME")
        last = rest[-1] if rest else target
        return ir.Uses(target, access, span=self._span(keyword, last))

    # ---- values ---------------------------------------------------------------------------

    def string(self, children) -> ir.String:
        return self._string(children[0])

    def number(self, children) -> ir.Number:
        token = children[0]
        whole, fraction, unit = split_number(token.value)
        digits = len(whole.lstrip("-")) + len(fraction or "") - bool(fraction)
        if digits > MAX_DIGITS:  # no AWS value has so many; Python refuses to convert 4300+
            self.diagnostics.append(
                diagnostic(
                    "E0310",
                    f"a number of {digits} digits",
                    self._token_span(token),
                    label=f"more than {MAX_DIGITS} digits",
                    hint="no AWS setting takes such a number; if it is an identifier, write it as a string",
                )
            )
            return ir.Number(0, None, span=self._token_span(token))
        value: int | Decimal = Decimal(whole + fraction) if fraction else int(whole)
        if unit and unit not in UNITS:
            start = token.end_pos - len(unit)
            self.diagnostics.append(
                diagnostic(
                    "E0105",
                    f"unknown unit `{unit}`",
                    Span(self.file, start, token.end_pos),
                    label="not a unit",
                    hint="durations: s, m, h, d; sizes: B, KB, MB, GB, KiB, MiB, GiB",
                )
            )
        return ir.Number(value, unit or None, span=self._token_span(token))

    def true(self, children) -> ir.Bool:
        return ir.Bool(True, span=self._token_span(children[0]))

    def false(self, children) -> ir.Bool:
        return ir.Bool(False, span=self._token_span(children[0]))

    def path(self, children) -> ir.Symbol | ir.Ref:
        file = self.file
        if len(children) == 1:
            name = children[0]
            return ir.Symbol(name.value, span=Span(file, name.start_pos, name.end_pos))
        return ir.Ref(
            tuple([c.value for c in children]),
            span=Span(file, children[0].start_pos, children[-1].end_pos),
            part_spans=tuple([Span(file, c.start_pos, c.end_pos) for c in children]),
        )

    def list(self, children) -> ir.List:
        open_, *items, close = children
        return ir.List(tuple([i for i in items if i is not None]), span=Span(self.file, open_.start_pos, close.end_pos))

    def map(self, children) -> ir.Map:
        open_, *entries, close = children
        return ir.Map(
            tuple([e for e in entries if e is not None]), span=Span(self.file, open_.start_pos, close.end_pos)
        )

    def call(self, children) -> ir.Call:
        name, _open, *args, close = children
        return ir.Call(
            name.value,
            tuple([a for a in args if a is not None]),
            span=Span(self.file, name.start_pos, close.end_pos),
            name_span=self._token_span(name),
        )

    def entry(self, children) -> ir.Entry:
        key, value = children
        text = self._unescape(key) if key.type == "STRING" else key.value
        start = key.start_pos
        return ir.Entry(
            text, value, span=Span(self.file, start, value.span.end), key_span=Span(self.file, start, key.end_pos)
        )
