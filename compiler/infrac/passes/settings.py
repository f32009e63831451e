"""The project block -> :class:`~infrac.model.Settings`.

    project shop {
      region  = "eu-west-1"
      stages  = [dev, staging, prod]
      exports = "{stack}-{stage}-{resource}{attribute}"
    }

A project without a project block gets the defaults below.
"""

from __future__ import annotations

from infrac.base.classes import evolve
from infrac.diagnostics import Diagnostic, diagnostic, duplicate
from infrac.diagnostics.codes import CODES
from infrac.diagnostics.model import Severity
from infrac.model import Settings
from infrac.passes.fields import read_fields
from infrac.passes.state import Compilation
from infrac.syntax import ir
from infrac.syntax.suppressions import unknown_code, unsilenceable
from infrac.vocabulary.blocks import DEFAULT_EXPORTS, DEFAULT_NAME, EXPORT_PLACEHOLDERS, PROJECT_FIELDS
from infrac.vocabulary.checker import INVALID, Checker

#: The pattern as a template: ``{stack}-{stage}-{resource}{attribute}``.
DEFAULT_EXPORTS_TEMPLATE = Checker(placeholders=EXPORT_PLACEHOLDERS).template(ir.String(DEFAULT_EXPORTS))


def check(state: Compilation) -> tuple[Compilation, list[Diagnostic]]:
    project = state.project
    checker = Checker(placeholders=EXPORT_PLACEHOLDERS)
    values, _ = read_fields(
        [s for s in project.body if isinstance(s, ir.Attribute)] if project else [],
        PROJECT_FIELDS,
        checker,
        "the project block",
        project.name.span if project else None,
    )
    exports = values["exports"]
    stages = values["stages"]
    if stages is not INVALID and len(set(stages)) != len(stages):
        items = _attribute_value(project, "stages").items
        seen = {}
        for item in items:
            name = item.name if isinstance(item, ir.Symbol) else item.value
            if name in seen:
                checker.report(duplicate(f"stage `{name}` is listed twice", item.span, seen[name].span, "listed"))
                break
            seen[name] = item
        stages = INVALID
    warnings = values["warnings"] if values["warnings"] is not INVALID else {}
    if warnings:
        entries = {e.key: e for e in _attribute_value(project, "warnings").entries}
        for code in list(warnings):
            if code not in CODES:
                checker.report(unknown_code(code, entries[code].key_span))
            elif CODES[code].severity is Severity.ERROR:
                checker.report(unsilenceable(code, entries[code].key_span))
            else:
                continue
            del warnings[code]
    settings = Settings(
        name=project.name.name if project else DEFAULT_NAME,
        region=values["region"] if values["region"] is not INVALID else PROJECT_FIELDS["region"].default,
        stages=stages if stages is not INVALID else PROJECT_FIELDS["stages"].default,
        exports=exports if exports not in (None, INVALID) else DEFAULT_EXPORTS_TEMPLATE,
        exports_required=values["exports_required"] is True,
        warnings=dict(warnings),
        references=values["references"] if values["references"] is not INVALID else "strong",
        span=project.span if project else None,
    )
    if settings.references == "weak":
        checker.report(weak_reference_warning(_attribute_value(project, "references").span, "every reference of the project"))
    return evolve(state, settings=settings), checker.diagnostics


def weak_reference_warning(span, what: str) -> Diagnostic:
    """W0420: what a weak reference gives up, at the place that chose it."""
    return diagnostic(
        "W0420",
        f"{what} is weak: CloudFormation will not protect the outputs it reads",
        span,
        label="strength = weak",
        notes=[
            "`Fn::GetStackOutput` reads the other stack's output without an export: CloudFormation lets that "
            "stack change or remove the output at any time, and this stack learns of it only at its next deploy "
            "(which then fails, or reads the new value); infra.lock does not protect it either",
            "infrac still orders the deploys (deploy-order.json) and still checks the reference at build time",
        ],
        hint="keep `strong` (the default) unless the exporting stack must be free to change; `both` moves a "
        "consumer to the weak form while its export stays protected",
    )


def _attribute_value(project: ir.Project, name: str) -> ir.Value:
    return next(s.value for s in project.body if isinstance(s, ir.Attribute) and s.name == name)
