"""Generic resources (``resource "AWS::X::Y" Name { ... }``), typed by AWS's schemas.

For each generic resource that the resources pass accepted: its type must be
one CloudFormation publishes (or a custom resource), its ``properties`` must
fit the type's provider schema, and what it exports must be an attribute
``Fn::GetAtt`` can read (see :mod:`infrac.cfn.typecheck`). Only the schemas of
the types the project names are read. A resource with a finding is left out of
the program, like any resource with an error, its name kept in ``declared``.
"""

from __future__ import annotations

from infrac.base.classes import evolve
from infrac.cfn import typecheck
from infrac.diagnostics import Diagnostic, has_errors
from infrac.model import Resource
from infrac.passes.state import Compilation
from infrac.syntax import ir

GENERIC = "resource"


def check(state: Compilation) -> tuple[Compilation, list[Diagnostic]]:
    if state.program is None:
        return state, []
    found: list[Diagnostic] = []
    stacks = []
    for stack, declaration in zip(state.program.stacks, state.stacks):
        blocks = {_name(block): block for block in declaration.resources if block.kind == GENERIC}
        kept = []
        for resource in stack.resources:
            diagnostics = _resource(resource, blocks.get(resource.name)) if resource.kind == GENERIC else []
            found.extend(diagnostics)
            if not has_errors(diagnostics):
                kept.append(resource)
        stacks.append(evolve(stack, resources=tuple(kept)) if len(kept) != len(stack.resources) else stack)
    program = evolve(state.program, stacks=tuple(stacks))
    return evolve(state, program=program), found


def _name(block: ir.Block) -> str | None:
    last = block.labels[-1] if block.labels else None
    return last.name if isinstance(last, ir.Symbol) else None


def _resource(resource: Resource, block: ir.Block | None) -> list[Diagnostic]:
    type_name = resource.values["type"]
    unknown = typecheck.unknown_type(type_name, resource.value_spans.get("type"))
    if unknown is not None:
        return [unknown]
    properties = None
    if block is not None:
        for statement in block.body:
            if isinstance(statement, ir.Attribute) and statement.name == "properties":
                properties = statement.value if isinstance(statement.value, ir.Map) else None
    found = typecheck.check_properties(type_name, properties, resource.value_spans.get("type") or resource.name_span)
    for spec in resource.export_specs:
        problem = typecheck.attribute_problem(type_name, spec.attribute, spec.span, exported=True)
        if problem is not None:
            found.append(problem)
    return found
