"""What a project says about its own findings: levels and suppressions.

Two ways, both in the sources so that reviewers see them:

- the project block's ``warnings = { W0601: error, W0501: off }`` sets a
  warning's level (``off``, ``warning``, ``error``) for the whole project, and
  ``--warnings-as-errors`` turns every warning left into an error;
- a comment ``# infrac: allow W0601 -- reason`` silences that warning on the
  next line (every finding of that code whose primary position is on it). The
  reason is required (E0901 without one), and a suppression that silences
  nothing is reported (W0901), so that none outlives its cause.

Errors are what CloudFormation or the service would refuse at deploy time (or
input infrac cannot read): no comment or setting silences one (E0902).
Pure: the diagnostics, the parsed modules and their texts in, diagnostics out.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence

from infrac.base.classes import evolve, frozen
from infrac.base.source import SourceFile, Span
from infrac.diagnostics.codes import CODES
from infrac.diagnostics.model import Diagnostic, Severity, diagnostic, has_errors
from infrac.syntax import ir

LEVELS = ("off", "warning", "error")
DIRECTIVE = re.compile(r"#\s*infrac\s*:\s*(?P<rest>.*)$", re.S)
#: A code; a match starts only where a run of letters starts (the same matches as without the
#: look-behind, in linear time: a comment of 200,000 letters took minutes, one start per letter).
_CODE = re.compile(r"(?<![A-Za-z])[A-Za-z]+[0-9]+")


@frozen
class Suppression:
    """``# infrac: allow W0601 -- reason``: ``codes`` on ``line`` of ``file``."""

    file: str
    line: int
    codes: tuple[str, ...]
    reason: str
    span: Span


def read_suppressions(module: ir.Module, source: SourceFile) -> tuple[list[Suppression], list[Diagnostic]]:
    """The suppression comments of one file, and what is wrong with them."""
    found: list[Suppression] = []
    problems: list[Diagnostic] = []
    for comment in module.comments:
        match = DIRECTIVE.match(comment.text)
        if match is None:
            continue
        rest = match.group("rest").strip()
        span = comment.span
        if not rest.startswith("allow") or (len(rest) > 5 and not rest[5].isspace()):
            problems.append(
                diagnostic(
                    "E0901",
                    "unknown `infrac:` directive",
                    span,
                    label="infrac reads `# infrac: allow CODE -- reason` only",
                    hint="write `# infrac: allow W0601 -- why this is fine here`, or drop `infrac:` from a plain comment",
                )
            )
            continue
        codes_text, dashes, reason = rest[5:].partition("--")
        codes = tuple(c.upper() for c in _CODE.findall(codes_text))
        leftover = _CODE.sub("", codes_text).replace(",", "").strip()
        if not codes or leftover:
            problems.append(
                diagnostic(
                    "E0901",
                    "a suppression names no code" if not codes else f"cannot read `{codes_text.strip()}` as codes",
                    span,
                    label="expected codes separated by commas, then `-- reason`",
                    hint="write `# infrac: allow W0601 -- why this is fine here`",
                )
            )
            continue
        if not dashes or not reason.strip():
            problems.append(
                diagnostic(
                    "E0901",
                    f"the suppression of {', '.join(codes)} gives no reason",
                    span,
                    label="`-- reason` is missing",
                    notes=["a suppression needs a reason, so that reviewers can judge it and later readers know why"],
                    hint=f"write `# infrac: allow {', '.join(codes)} -- why this is fine here`",
                )
            )
            continue
        kept = []
        for code in codes:
            if code not in CODES:
                problems.append(unknown_code(code, span))
            elif CODES[code].severity is Severity.ERROR:
                problems.append(unsilenceable(code, span))
            else:
                kept.append(code)
        if kept:
            line = source.position(span.start).line
            found.append(Suppression(source.path, line + 1, tuple(kept), reason.strip(), span))
    return found, problems


def unknown_code(code: str, span: Span | None) -> Diagnostic:
    from infrac.base.suggest import did_you_mean

    return diagnostic(
        "E0903",
        f"unknown diagnostic code `{code}`",
        span,
        label="not a code infrac reports",
        hint=did_you_mean(code, CODES) or "`infrac explain CODE` describes each code; docs/diagnostics.md lists them",
    )


def unsilenceable(code: str, span: Span | None) -> Diagnostic:
    return diagnostic(
        "E0902",
        f"`{code}` is an error, and errors cannot be silenced",
        span,
        label="only warnings can be allowed or given a level",
        notes=[f"{code} ({CODES[code].title}) is what a deploy would refuse, or input infrac cannot read"],
        hint=f"fix what {code} reports; `infrac explain {code}` says how",
    )


def apply(
    diagnostics: Iterable[Diagnostic],
    modules: Sequence[ir.Module],
    sources: Mapping[str, SourceFile],
    levels: Mapping[str, str],
    *,
    warnings_as_errors: bool = False,
    silenced: list[tuple[Diagnostic, Suppression]] | None = None,
) -> list[Diagnostic]:
    """The diagnostics after suppression comments, the project's levels and
    ``--warnings-as-errors``, in that order. ``silenced``, when given, receives each
    finding a comment silenced, with the comment (SARIF reports them as suppressed)."""
    suppressions: list[Suppression] = []
    problems: list[Diagnostic] = []
    for module in modules:
        source = sources.get(module.path)
        if source is None:
            continue
        found, wrong = read_suppressions(module, source)
        suppressions += found
        problems += wrong
    return apply_read(diagnostics, suppressions, problems, sources, levels, warnings_as_errors=warnings_as_errors,
                      silenced=silenced)


def apply_read(
    diagnostics: Iterable[Diagnostic],
    suppressions: Sequence[Suppression],
    problems: Sequence[Diagnostic],
    sources: Mapping[str, SourceFile],
    levels: Mapping[str, str],
    *,
    warnings_as_errors: bool = False,
    silenced: list[tuple[Diagnostic, Suppression]] | None = None,
) -> list[Diagnostic]:
    """:func:`apply` with the suppression comments already read (in file order), and
    what was wrong with them (an incremental build keeps them per file)."""
    result: list[Diagnostic] = list(problems)
    used: set[tuple[int, str]] = set()
    by_line = {}
    for number, suppression in enumerate(suppressions):
        for code in suppression.codes:
            by_line.setdefault((suppression.file, suppression.line, code), number)
    for d in diagnostics:
        if d.span is not None and d.severity is Severity.WARNING and d.span.file in sources:
            line = sources[d.span.file].position(d.span.start).line
            number = by_line.get((d.span.file, line, d.code))
            if number is not None:
                used.add((number, d.code))
                if silenced is not None:
                    silenced.append((d, suppressions[number]))
                continue
        result.append(d)
    if not has_errors(result):
        # With errors, some passes did not run: their warnings are missing, not gone.
        for number, suppression in enumerate(suppressions):
            for code in suppression.codes:
                if (number, code) not in used:
                    result.append(
                        diagnostic(
                            "W0901",
                            f"the suppression of {code} silences nothing",
                            suppression.span,
                            label=f"no {code} on the next line",
                            hint="remove the comment (the finding is gone), or move it to the line just above the finding",
                        )
                    )
    leveled = []
    for d in result:
        level = levels.get(d.code) if d.severity is Severity.WARNING else None
        if level == "off":
            continue
        if level == "error" or (warnings_as_errors and d.severity is Severity.WARNING):
            d = evolve(d, severity=Severity.ERROR)
        leveled.append(d)
    return leveled
