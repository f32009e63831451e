"""Diagnostics as data: the model, the registry of codes, and the renderers."""

from infrac.diagnostics.model import Diagnostic, Label, Severity, diagnostic, duplicate, has_errors, sort_key

__all__ = ["Diagnostic", "Label", "Severity", "diagnostic", "duplicate", "has_errors", "sort_key"]
