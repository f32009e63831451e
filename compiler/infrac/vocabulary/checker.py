"""The checker that types convert values with: it collects diagnostics and knows the
placeholders in scope; and ``INVALID``, what a type returns for a value it rejected.

Below the types and the functions (:mod:`infrac.vocabulary.functions`), which both use it.
"""

from __future__ import annotations

import re

from infrac.base.classes import field, mutable
from infrac.base.source import Span
from infrac.base.suggest import did_you_mean
from infrac.diagnostics import Diagnostic, diagnostic
from infrac.model import Placeholder, Reference, Template
from infrac.syntax import ir
from infrac.syntax.ir import describe

TYPE_CHECKING = False  # typing's own constant, without importing typing
if TYPE_CHECKING:
    from typing import Any


class _Invalid:
    def __repr__(self) -> str:
        return "INVALID"


#: What a type returns for a value it rejected (after reporting why).
INVALID: Any = _Invalid()

#: Placeholders every string may use: the project's, and CloudFormation's pseudo
#: parameters that only the deploy knows (``{account}``, ``{partition}``, ``{url_suffix}``,
#: ``{aws_region}`` and ``{stack_name}``: the region and the name of the stack as deployed).
STRING_PLACEHOLDERS = frozenset(
    {"project", "stage", "stack", "region", "account", "partition", "url_suffix", "aws_region", "stack_name", "stack_id"}
)
#: ``{Resource.attribute}`` (or ``{stack.Resource.attribute}``) in a string: a reference.
_REFERENCE = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*(\.[A-Za-z_][A-Za-z0-9_-]*){1,2}")

_PLACEHOLDER = re.compile(r"\{\{|\}\}|\{([^{}]*)\}|[{}]")
#: Inside an explicit ``Fn::Sub`` string, ``${...}`` is CloudFormation's own syntax, kept as written.
_SUB_PLACEHOLDER = re.compile(r"\$\{[^{}]*\}|\{\{|\}\}|\{([^{}]*)\}|[{}]")


@mutable
class Checker:
    """Collects diagnostics while values are converted; knows the placeholders in scope."""

    placeholders: frozenset[str] = STRING_PLACEHOLDERS
    diagnostics: list[Diagnostic] = field(factory=list)

    def error(self, code: str, message: str, span: Span | None, **kwargs) -> Any:
        self.diagnostics.append(diagnostic(code, message, span, **kwargs))
        return INVALID

    def report(self, found: Diagnostic) -> Any:
        self.diagnostics.append(found)
        return INVALID

    def wrong_type(self, value: ir.Value, expected: str) -> Any:
        return self.error(
            "E0301", f"expected {expected}, found {describe(value)}", value.span, label=f"expected {expected}"
        )

    def template(self, node: ir.String, sub: bool = False) -> Template | Any:
        """Split a string into text and ``{placeholder}`` parts, checking each.
        ``sub``: the string is an explicit ``Fn::Sub``'s, whose ``${...}`` stay as written."""
        parts: list[str | Placeholder] = []
        text = node.value
        position = 0
        ok = True
        for match in (_SUB_PLACEHOLDER if sub else _PLACEHOLDER).finditer(text):
            parts.append(text[position : match.start()])
            position = match.end()
            token = match.group(0)
            if token.startswith("${"):
                parts.append(token)
                continue
            if token in ("{{", "}}"):
                parts.append(token[0])
                continue
            if not ok:  # one diagnostic per string: the first mistake in it
                continue
            name = match.group(1)
            if name is None:  # a lone brace
                ok = False
                self.error(
                    "E0304",
                    f"a lone `{token}` in a string",
                    _inner_span(node, match.start(), match.end()),
                    label="braces enclose a placeholder such as {stage}",
                    hint=f"write `{token * 2}` for a literal `{token}`",
                )
                continue
            if name in self.placeholders:
                parts.append(Placeholder(name))
                continue
            if _REFERENCE.fullmatch(name):
                parts.append(_reference_part(name, node, match.start() + 1, match.end() - 1))
                continue
            ok = False
            self.error(
                "E0304",
                f"unknown placeholder `{{{name}}}`",
                _inner_span(node, match.start(), match.end()),
                label="not a placeholder",
                hint=did_you_mean(name, self.placeholders, "{{{}}}")
                or f"placeholders here: {', '.join('{' + p + '}' for p in sorted(self.placeholders))}, "
                "and `{Resource.attribute}`; write `{{` for a literal brace",
            )
        parts.append(text[position:])
        if not ok:
            return INVALID
        return Template.of(parts, span=node.span)


def _reference_part(name: str, node: ir.String, start: int, end: int) -> Reference:
    """``{Users.arn}`` in a string: the reference, with the spans of its parts where known."""
    words = name.split(".")
    span = _inner_span(node, start, end)
    part_spans: tuple[Span, ...] = ()
    if span is not None and span.length == len(name):
        offsets, position = [], span.start
        for word in words:
            offsets.append(Span(span.file, position, position + len(word)))
            position += len(word) + 1
        part_spans = tuple(offsets)
    stack = words[0] if len(words) == 3 else ""
    return Reference(stack, words[-2], words[-1], span=span, part_spans=part_spans)


def _inner_span(node: ir.String, start: int, end: int) -> Span | None:
    """The span of ``value[start:end]`` inside a string literal, when it can be known."""
    span = node.span
    if span is None:
        return None
    if span.length != len(node.value) + 2:  # escapes shift offsets: point at the whole string
        return span
    return Span(span.file, span.start + 1 + start, span.start + 1 + end)
