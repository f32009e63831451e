"""A diagnostic is data: a code, a message, where, and what to do about it.

Passes return diagnostics; they never print. Rendering (terminal text, JSON) is
in :mod:`infrac.diagnostics.render`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from infrac.base.classes import frozen
from infrac.base.source import Span
from infrac.diagnostics.severity import Severity


@frozen
class Label:
    """A secondary span with a short message, e.g. "first declared here"."""

    span: Span
    message: str


@frozen
class Replacement:
    """Replace the text of ``span`` by ``text`` (an empty span inserts)."""

    span: Span
    text: str


@frozen
class Fix:
    """A change to the sources that resolves a diagnostic, for tools that apply fixes
    (SARIF ``fixes``, JSON ``fix``); ``description`` says it in words."""

    description: str
    replacements: tuple[Replacement, ...]


@frozen
class Diagnostic:
    """One finding about the user's input.

    ``span`` is the primary location (None only for findings about the project
    as a whole, such as an empty folder); ``label`` is the short text shown
    beside the caret; ``labels`` point at related places; ``notes`` explain;
    ``hint`` says how to fix it; ``fix``, when there is one, is the edit that does it.
    """

    code: str
    severity: Severity
    message: str
    span: Span | None
    label: str = ""
    labels: tuple[Label, ...] = ()
    notes: tuple[str, ...] = ()
    hint: str | None = None
    fix: Fix | None = None


#: Longest token shown whole between backquotes in a message, a label, a note or a hint;
#: a longer one is cut to its first and last characters around `…`, with its length.
QUOTED = 200
#: Longest text of a message, a label, a note or a hint once its tokens are cut.
MAX_TEXT = 1000
#: Backquoted tokens, taken in pairs from the left (so that prose between two short tokens
#: is never read as one long token).
_QUOTE = re.compile(r"`([^`]*)`")


def _cut_quote(match: re.Match) -> str:
    token = match[1]
    if len(token) <= QUOTED:
        return match[0]
    return f"`{token[:60]}…{token[-30:]}` ({len(token):,} characters)"


def bounded(text: str) -> str:
    """``text`` with every quoted token cut to an excerpt and the whole cut to
    :data:`MAX_TEXT` characters: a diagnostic's size does not grow with its input (a
    name of a megabyte is quoted in 91 characters).

    >>> bounded("unknown resource `" + "A" * 1000 + "` in stack `data`")
    'unknown resource `AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA…AAAAAAAAAAAAAAAAAAAAAAAAAAAAAA` (1,000 characters) in stack `data`'
    >>> bounded("keep `strong` unless " + "the stack must change; " * 10 + "`both` moves it") == (
    ...     "keep `strong` unless " + "the stack must change; " * 10 + "`both` moves it")
    True
    """
    if len(text) <= QUOTED:
        return text
    if "`" in text:
        text = _QUOTE.sub(_cut_quote, text)
    if len(text) > MAX_TEXT:
        text = f"{text[:MAX_TEXT]}… ({len(text) - MAX_TEXT:,} more characters)"
    return text


def diagnostic(
    code: str,
    message: str,
    span: Span | None,
    *,
    label: str = "",
    labels: Iterable[Label] = (),
    notes: Iterable[str] = (),
    hint: str | None = None,
    fix: Fix | None = None,
) -> Diagnostic:
    """Make a diagnostic whose severity comes from the registry of codes; every text in it
    :func:`bounded`.

    >>> diagnostic("E0101", "unexpected `}`", None).severity
    <Severity.ERROR: 'error'>
    """
    from infrac.diagnostics.codes import CODES  # the registry, loaded when a finding is made

    return Diagnostic(
        code=code,
        severity=CODES[code].severity,
        message=bounded(message),
        span=span,
        label=bounded(label),
        labels=tuple(Label(label.span, bounded(label.message)) for label in labels),
        notes=tuple(bounded(note) for note in notes),
        hint=None if hint is None else bounded(hint),
        fix=None if fix is None else Fix(bounded(fix.description), fix.replacements),
    )


def duplicate(message: str, span: Span | None, first: Span | None, verb: str, hint: str | None = None) -> Diagnostic:
    """E0202, the one diagnostic for a name given twice: ``verb`` says how
    ("declared", "set", "exported"), for the labels "declared again here" and
    "first declared here"."""
    return diagnostic(
        "E0202",
        message,
        span,
        label=f"{verb} again here",
        labels=[Label(first, f"first {verb} here")] if first is not None else [],
        hint=hint,
    )


def has_errors(diagnostics: Iterable[Diagnostic]) -> bool:
    return any(d.severity is Severity.ERROR for d in diagnostics)


def sort_key(d: Diagnostic) -> tuple:
    """Diagnostics are shown in file order, whatever order the passes found them."""
    if d.span is None:
        return ("", -1, d.code, d.message)
    return (d.span.file, d.span.start, d.code, d.message)
