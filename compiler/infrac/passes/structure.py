"""Gather the files' top-level items: one project block, stacks merged across files."""

from __future__ import annotations

from infrac.base.classes import evolve
from infrac.cfn import limits
from infrac.diagnostics import Diagnostic, Label, diagnostic
from infrac.passes.state import Compilation, StackDeclaration
from infrac.syntax import ir

_PLACE = {
    ir.Export: "`export` belongs in a resource block",
    ir.Uses: "`uses` belongs directly in a stack",
    ir.Block: "blocks belong in a stack",
}


def collect(state: Compilation) -> tuple[Compilation, list[Diagnostic]]:
    found: list[Diagnostic] = []
    project: ir.Project | None = None
    parts: dict[str, list[ir.Stack]] = {}
    for module in state.modules:
        for item in module.items:
            if isinstance(item, ir.Project):
                if project is None:
                    project = item
                else:
                    found.append(
                        diagnostic(
                            "E0201",
                            "a second `project` block",
                            item.name.span,
                            label="second project block",
                            labels=[Label(project.name.span, "the project is declared here")],
                            hint="keep one `project` block for the whole project",
                        )
                    )
            else:
                parts.setdefault(item.name.name, []).append(item)

    if project is not None:
        for statement in project.body:
            if not isinstance(statement, ir.Attribute):
                found.append(_misplaced(statement, "in the project block, which holds settings only"))

    stacks = []
    for name, declarations in parts.items():
        first = declarations[0]
        if not limits.STACK_NAME.fullmatch(name):
            candidate = name.replace("_", "-").strip("-")
            found.append(
                diagnostic(
                    "E0209",
                    f"`{name}` is not a valid stack name",
                    first.name.span,
                    label="2-128 letters, digits and hyphens, starting with a letter",
                    hint=f"use hyphens between words: `{candidate}`"
                    if limits.STACK_NAME.fullmatch(candidate)
                    else None,
                )
            )
        attributes, resources, uses = [], [], []
        for part in declarations:
            for statement in part.body:
                if isinstance(statement, ir.Attribute):
                    attributes.append(statement)
                elif isinstance(statement, ir.Block):
                    resources.append(statement)
                elif isinstance(statement, ir.Uses):
                    uses.append(statement)
                else:
                    found.append(_misplaced(statement, "directly in a stack"))
        stacks.append(StackDeclaration(name, first.name.span, tuple(attributes), tuple(resources), tuple(uses)))
    return evolve(state, project=project, stacks=tuple(stacks)), found


def _misplaced(statement: ir.Statement, where: str) -> Diagnostic:
    what = {ir.Export: "`export`", ir.Uses: "`uses`", ir.Block: "a block", ir.Attribute: "an attribute"}
    span = statement.kind_span if isinstance(statement, ir.Block) else statement.span
    return diagnostic(
        "E0207",
        f"{what[type(statement)]} is not allowed {where}",
        span,
        label="not allowed here",
        hint=_PLACE.get(type(statement)),
    )
