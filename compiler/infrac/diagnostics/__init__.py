"""Diagnostics as data: the model, the registry of codes, and the renderers.

A finding is a :class:`Diagnostic` (code, severity, message, spans, notes, hint, fix) made
by :func:`diagnostic`, which takes its severity from the registry
(:mod:`~infrac.diagnostics.codes`, from which ``docs/diagnostics.md`` and ``infrac
explain`` are made). Renderers turn findings into terminal text and JSON
(:mod:`~infrac.diagnostics.render`), SARIF (:mod:`~infrac.diagnostics.sarif`) and GitHub
annotations (:mod:`~infrac.diagnostics.github`). Nothing here knows what found them.

Layer 2 of 12 (tests/test_layers.py holds the order). May import: base.
"""

from infrac.diagnostics.model import (
    Diagnostic,
    Fix,
    Label,
    Replacement,
    Severity,
    diagnostic,
    duplicate,
    has_errors,
    sort_key,
)

__all__ = ["Diagnostic", "Fix", "Label", "Replacement", "Severity", "diagnostic", "duplicate", "has_errors", "sort_key"]
