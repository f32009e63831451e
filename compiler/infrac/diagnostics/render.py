"""Renderers: diagnostics to terminal text or to JSON (SARIF: :mod:`.sarif`; GitHub: :mod:`.github`).

The text form follows the compilers users already read every day::

    error[E0402]: unknown resource `Userz` in stack `data`
     --> infra.dsl/core.infra:3:13
      |
    3 |   uses data.Userz { read }
      |             ^^^^^ not declared in stack `data`
      |
      = help: did you mean `Users`?
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping

from infrac.base.source import SourceFile, Span
from infrac.diagnostics.model import Diagnostic, Severity, sort_key

_TAB = "    "
#: Longest excerpt line shown: longer lines are cut around their marks, with `…` at the cuts.
MAX_EXCERPT = 160
#: Most diagnostics printed as text; the summary line still counts them all.
MAX_SHOWN = 100


class Style:
    """ANSI colour for terminal output, or the text unchanged when colour is off (also the diff view's)."""

    def __init__(self, color: bool) -> None:
        self.color = color

    def __call__(self, text: str, *codes: str) -> str:
        if not self.color or not text:
            return text
        return f"\x1b[{';'.join(codes)}m{text}\x1b[0m"


_SEVERITY_COLOR = {Severity.ERROR: "31", Severity.WARNING: "33"}


def render_text(
    diagnostics: Iterable[Diagnostic],
    sources: Mapping[str, SourceFile],
    *,
    color: bool = False,
) -> str:
    """All diagnostics, in file order, followed by a one-line count."""
    style = Style(color)
    ordered = sorted(diagnostics, key=sort_key)
    blocks = [_render_one(d, sources, style) for d in ordered[:MAX_SHOWN]]
    errors = sum(d.severity is Severity.ERROR for d in ordered)
    warnings = len(ordered) - errors
    if len(ordered) > MAX_SHOWN:
        rest = len(ordered) - MAX_SHOWN
        blocks.append(f"... and {rest} more diagnostic{'s' * (rest != 1)} not shown (`--diagnostic-format json` lists all)\n")
    if ordered:
        blocks.append(_summary(errors, warnings, style))
    return "\n".join(blocks)


def _summary(errors: int, warnings: int, style: Style) -> str:
    parts = []
    if errors:
        parts.append(style(f"{errors} error{'s' if errors != 1 else ''}", "1", "31"))
    if warnings:
        parts.append(style(f"{warnings} warning{'s' if warnings != 1 else ''}", "1", "33"))
    return ", ".join(parts) + "\n"


def _render_one(d: Diagnostic, sources: Mapping[str, SourceFile], style: Style) -> str:
    color = _SEVERITY_COLOR[d.severity]
    head = style(f"{d.severity.value}[{d.code}]", "1", color) + style(f": {d.message}", "1")
    out = [head]
    source = sources.get(d.span.file) if d.span else None
    if d.span is None or source is None:
        if d.span is not None:
            out.append(f" --> {d.span.file}")
        out += _notes(d, " ", style)
        return "\n".join(out) + "\n"

    labels = [(d.span, d.label, True)] + [(l.span, l.message, False) for l in d.labels]
    lines = [source.position(span.start).line for span, _, _ in labels if span.file in sources]
    gutter = len(str(max(lines)))
    pad = " " * gutter
    bar = style("|", "1", "34")
    pos = source.position(d.span.start)
    out.append(f"{pad}{style('-->', '1', '34')} {d.span.file}:{pos.line}:{pos.column}")
    out.append(f"{pad} {bar}")
    # Excerpts in file order: the primary file first, then the others; within a
    # file by line, each line shown once with all its marks below it.
    groups: dict[tuple[str, int], list] = {}
    for span, message, primary in labels:
        label_source = sources.get(span.file)
        if label_source is None:
            continue
        line = label_source.position(span.start).line
        groups.setdefault((span.file, line), []).append((span, message, primary))
    current_file = d.span.file
    for file, line in sorted(groups, key=lambda key: (key[0] != d.span.file, key)):
        label_source = sources[file]
        if file != current_file:
            first = min(span.start for span, _, _ in groups[file, line])
            p = label_source.position(first)
            out.append(f"{pad}{style(':::', '1', '34')} {file}:{p.line}:{p.column}")
            current_file = file
        number = str(line).rjust(gutter)
        marks = sorted(groups[file, line], key=lambda item: (not item[2], item[0].start))
        window = _window(label_source, line, marks[0][0])
        out.append(f"{style(number, '1', '34')} {bar} {_excerpt(label_source.line_text(line), window)}".rstrip())
        for span, message, primary in marks:
            out.append(f"{pad} {bar} " + _mark(label_source, span, message, primary, color, style, window))
    out.append(f"{pad} {bar}")
    out += _notes(d, pad + " ", style)
    return "\n".join(out) + "\n"


def _window(source: SourceFile, line: int, anchor: Span) -> tuple[int, int]:
    """The characters of a line shown: all of it when short, else MAX_EXCERPT around the
    primary mark (a line of 20,000 characters is shown in 160)."""
    text = source.line_text(line)
    if len(text) <= MAX_EXCERPT:
        return 0, len(text)
    column = source.position(anchor.start).column - 1 if source.position(anchor.start).line == line else 0
    low = max(0, min(column - MAX_EXCERPT // 3, len(text) - MAX_EXCERPT))
    return low, low + MAX_EXCERPT


def _excerpt(text: str, window: tuple[int, int]) -> str:
    low, high = window
    return ("…" if low else "") + text[low:high].replace("\t", _TAB) + ("…" if high < len(text) else "")


def _mark(
    source: SourceFile, span: Span, message: str, primary: bool, color: str, style: Style, window: tuple[int, int]
) -> str:
    """The caret line under a span: `^^^ message` (primary) or `--- message`."""
    start = source.position(span.start)
    end = source.position(max(span.start, span.end))
    text = source.line_text(start.line)
    low, high = window
    # Columns are characters; tabs are shown as four spaces, so the marks move with them.
    first = min(max(start.column - 1, low), high)
    before = ("…" if low else "") + text[low:first].replace("\t", _TAB)
    last_column = end.column if end.line == start.line else len(text) + 1
    width = max(1, len(text[first : min(last_column - 1, high)].replace("\t", _TAB)))
    mark = ("^" if primary else "-") * width
    mark_style = ("1", color) if primary else ("1", "34")
    return " " * len(before) + style(mark + (" " + message if message else ""), *mark_style)


def _notes(d: Diagnostic, pad: str, style: Style) -> list[str]:
    out = [f"{pad}{style('=', '1', '34')} note: {note}" for note in d.notes]
    if d.hint:
        out.append(f"{pad}{style('=', '1', '34')} help: {d.hint}")
    return out


#: The version of the JSON document ``--diagnostic-format json`` prints; raised only
#: when a field changes meaning or disappears (new fields may be added).
JSON_VERSION = 1


def to_json(diagnostics: Iterable[Diagnostic], sources: Mapping[str, SourceFile]) -> str:
    """The diagnostics as a JSON document (``docs/ci.md`` describes it): positions are
    1-based lines and columns counted in characters, ends exclusive."""
    from infrac import __version__

    ordered = sorted(diagnostics, key=sort_key)
    errors = sum(d.severity is Severity.ERROR for d in ordered)
    document = {
        "version": JSON_VERSION,
        "generator": "infrac",
        "infrac_version": __version__,
        "summary": {"errors": errors, "warnings": len(ordered) - errors},
        "diagnostics": [_as_dict(d, sources) for d in ordered],
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def location(span: Span | None, sources: Mapping[str, SourceFile]) -> dict | None:
    """A span as ``file``, character offsets, and (when the file is known) 1-based
    ``line``/``column`` of its start and ``end_line``/``end_column`` just after its end."""
    if span is None:
        return None
    loc: dict = {"file": span.file, "start": span.start, "end": span.end}
    source = sources.get(span.file)
    if source is not None:
        start, end = source.position(span.start), source.position(max(span.start, span.end))
        loc.update(line=start.line, column=start.column, end_line=end.line, end_column=end.column)
    return loc


def _as_dict(d: Diagnostic, sources: Mapping[str, SourceFile]) -> dict:
    from infrac.diagnostics.codes import CODES

    return {
        "code": d.code,
        "severity": d.severity.value,
        "title": CODES[d.code].title if d.code in CODES else "",
        "message": d.message,
        "location": location(d.span, sources),
        "label": d.label,
        "labels": [{"message": l.message, "location": location(l.span, sources)} for l in d.labels],
        "notes": list(d.notes),
        "hint": d.hint,
        "fix": None
        if d.fix is None
        else {
            "description": d.fix.description,
            "replacements": [{"location": location(r.span, sources), "text": r.text} for r in d.fix.replacements],
        },
    }
