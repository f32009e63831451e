"""Diagnostics as data: the model, the registry of codes, and the renderers."""

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
