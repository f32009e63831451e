"""Reading a block's attributes against the fields it declares: shared by the passes."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from infrac.base.source import Span
from infrac.base.suggest import did_you_mean
from infrac.diagnostics import duplicate
from infrac.syntax import ir
from infrac.vocabulary.kinds import Field
from infrac.vocabulary.types import INVALID, Checker

TYPE_CHECKING = False  # typing's own constant, without importing typing
if TYPE_CHECKING:
    from typing import Any


def read_fields(
    attributes: Iterable[ir.Attribute],
    fields: Mapping[str, Field],
    checker: Checker,
    owner: str,
    owner_span: Span | None,
) -> tuple[dict[str, Any], dict[str, Span]]:
    """Convert each attribute by its field's type; fill defaults; report unknown,
    repeated and missing attributes. A value that failed is ``INVALID``.
    Returns the values and, for the attributes written, the spans of their values.

    ``owner`` names the block in messages, e.g. "table `Users`".
    """
    values: dict[str, Any] = {}
    spans: dict[str, Span] = {}
    first: dict[str, ir.Attribute] = {}
    for attribute in attributes:
        field = fields.get(attribute.name)
        if field is None:
            checker.error(
                "E0204",
                f"{owner} has no attribute `{attribute.name}`",
                attribute.name_span,
                label="unknown attribute",
                hint=did_you_mean(attribute.name, fields)
                or "attributes here: " + ", ".join(f"`{n}`" for n in fields),
            )
            continue
        if attribute.name in first:
            checker.report(
                duplicate(
                    f"`{attribute.name}` is set twice in {owner}",
                    attribute.name_span,
                    first[attribute.name].name_span,
                    "set",
                )
            )
            continue
        first[attribute.name] = attribute
        values[attribute.name] = field.type.convert(attribute.value, checker)
        if attribute.span is not None:
            spans[attribute.name] = attribute.span
    for name, field in fields.items():
        if name in values:
            continue
        if field.required:
            values[name] = INVALID
            checker.error(
                "E0205",
                f"{owner} needs `{name}`",
                owner_span,
                label=f"`{name}` is missing",
                notes=[f"`{name}`: {field.doc}"],
                hint=f"add `{name} = ...`",
            )
        else:
            values[name] = field.default
    return values, spans
