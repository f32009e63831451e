"""A diagnostic is data: a code, a message, where, and what to do about it.

Passes return diagnostics; they never print. Rendering (terminal text, JSON) is
in :mod:`infrac.diagnostics.render`.
"""

from __future__ import annotations

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
    """Make a diagnostic whose severity comes from the registry of codes.

    >>> diagnostic("E0101", "unexpected `}`", None).severity
    <Severity.ERROR: 'error'>
    """
    from infrac.diagnostics.codes import CODES  # the registry, loaded when a finding is made

    return Diagnostic(
        code=code,
        severity=CODES[code].severity,
        message=message,
        span=span,
        label=label,
        labels=tuple(labels),
        notes=tuple(notes),
        hint=hint,
        fix=fix,
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
