"""A stack's own blocks besides resources: ``parameter``, ``output`` and ``reference``,
read by the resources pass with the stack's checker."""

from __future__ import annotations

from infrac.cfn import limits
from infrac.model import Output, Parameter, StrengthChoice
from infrac.passes.fields import read_fields
from infrac.syntax import ir
from infrac.vocabulary.blocks import OUTPUT_FIELDS, PARAMETER_FIELDS, PARAMETER_KEYS, REFERENCE_FIELDS
from infrac.vocabulary.types import INVALID, Checker

TYPE_CHECKING = False  # typing's own constant, without importing typing
if TYPE_CHECKING:
    from typing import Any


def given(value: Any) -> Any:
    return None if value is INVALID else value



def parameter(block: ir.Block, checker: Checker) -> Parameter | None:
    labels = block.labels
    if len(labels) != 1 or not isinstance(labels[0], ir.Symbol):
        checker.error(
            "E0206",
            "wrong header for a `parameter` block",
            labels[0].span.to(labels[-1].span) if labels else block.kind_span,
            label="expected one name",
            hint="a `parameter` block is written `parameter Name { type = string ... }`",
        )
        return None
    name = labels[0]
    if not limits.LOGICAL_ID.fullmatch(name.name):
        checker.error("E0208", f"`{name.name}` cannot be a CloudFormation logical ID", name.span,
                      label="letters and digits only, at most 255")
        return None
    if name.name == "Stage":
        checker.error(
            "E0210",
            "`Stage` is the parameter infrac writes for the stage",
            name.span,
            label="reserved",
            hint='write "{stage}" in strings for the stage, or give the parameter another name',
        )
        return None
    attributes = []
    for statement in block.body:
        if isinstance(statement, ir.Attribute):
            attributes.append(statement)
        else:
            span = statement.kind_span if isinstance(statement, ir.Block) else statement.span
            checker.error("E0207", "only attributes are allowed in a `parameter` block", span, label="not allowed here")
            return None
    before = len(checker.diagnostics)
    values, _ = read_fields(attributes, PARAMETER_FIELDS, checker, f"parameter `{name.name}`", name.span)
    if INVALID in values.values() or len(checker.diagnostics) > before:
        return None
    allowed = values["allowed"]
    default = values["default"]
    if allowed is not None and default is not None and default not in allowed:
        span = next((a.value.span for a in attributes if a.name == "default"), name.span)
        checker.error(
            "E0323",
            f"the default of parameter `{name.name}` is not one of its allowed values",
            span,
            label="not in `allowed`",
            hint="allowed: " + ", ".join(_show(a) for a in allowed),
        )
    return Parameter(
        name=name.name,
        type=values["type"],
        default=default,
        allowed=tuple(allowed) if allowed is not None else None,
        description=values["description"],
        constraints={PARAMETER_KEYS[k]: values[k] for k in PARAMETER_KEYS if values[k] is not None},
        span=name.span,
    )



def _show(value: Any) -> str:
    from infrac.model import Template

    if isinstance(value, Template):
        return '"' + "".join(p if isinstance(p, str) else "{" + p.name + "}" for p in value.parts) + '"'
    return f"`{value}`"



def output(block: ir.Block, checker: Checker) -> Output | None:
    """``output Name { value = ..., description, condition, export }``."""
    labels = block.labels
    if len(labels) != 1 or not isinstance(labels[0], (ir.Symbol, ir.String)):
        checker.error(
            "E0206",
            "wrong header for an `output` block",
            labels[0].span.to(labels[-1].span) if labels else block.kind_span,
            label="expected one name",
            hint="an `output` block is written `output Name { value = ... }`",
        )
        return None
    name = labels[0]
    text = name.name if isinstance(name, ir.Symbol) else name.value
    if not limits.LOGICAL_ID.fullmatch(text):
        checker.error("E0208", f"`{text}` cannot be a CloudFormation output name", name.span,
                      label="letters and digits only, at most 255")
        return None
    attributes = []
    for statement in block.body:
        if not isinstance(statement, ir.Attribute):
            span = statement.kind_span if isinstance(statement, ir.Block) else statement.span
            checker.error("E0207", "only attributes are allowed in an `output` block", span, label="not allowed here")
            return None
        attributes.append(statement)
    before = len(checker.diagnostics)
    values, _ = read_fields(attributes, OUTPUT_FIELDS, checker, f"output `{text}`", name.span)
    if INVALID in values.values() or len(checker.diagnostics) > before:
        return None
    return Output(text, values["value"], values["description"], values["condition"], values["export_name"], span=name.span)



def strength_choice(block: ir.Block, checker: Checker) -> StrengthChoice | None:
    """``reference data.Users { strength = weak }`` (or ``data.Users.arn``): how this stack
    references another's resource. Its target is checked by the references pass."""
    label = block.labels[0] if len(block.labels) == 1 else None
    if not isinstance(label, ir.Ref) or len(label.parts) not in (2, 3):
        checker.error(
            "E0420",
            "a `reference` block names one resource of another stack",
            block.labels[0].span if block.labels else block.kind_span,
            label="expected `stack.Resource` or `stack.Resource.attribute`",
            hint="write `reference data.Users { strength = weak }`",
        )
        return None
    for statement in block.body:
        if not isinstance(statement, ir.Attribute):
            checker.error(
                "E0207",
                "a `reference` block holds only `strength = ...`",
                statement.kind_span if isinstance(statement, ir.Block) else statement.span,
                label="not allowed here",
            )
            return None
    values, _ = read_fields(block.body, REFERENCE_FIELDS, checker, f"`reference {label.text}`", block.kind_span)
    if values["strength"] is INVALID:
        return None
    parts = label.parts + (None,) * (3 - len(label.parts))
    return StrengthChoice(
        parts[0], parts[1], parts[2], values["strength"], span=block.kind_span, part_spans=label.part_spans
    )

