"""From templates (:mod:`infrac.tools.migrate.source`) to ``.infra`` sources, proven by rebuilding them.

``import_templates(templates, placement)`` returns :class:`Imported`: the syntax IR of each
``.infra`` file (formatted by :mod:`infrac.syntax.fmt`, so imported code looks hand-written), the
rewritten consumer services, and diagnostics. Nothing is written here; the command line
writes all files or none.

How a resource is imported:

1. A *lifter* per first-class kind (``table``, ``queue`` with its dead-letter queue,
   ``bucket``, ``bus``, ``rule``, ``user_pool``...) turns the properties into the kind's
   attributes, or declines when a property has no attribute.
2. Every other resource becomes a generic ``resource "AWS::X::Y" LogicalId { ... }`` block
   whose ``properties`` hold the template's values: ``Ref``/``Fn::GetAtt`` of the template's
   resources become references, parameters ``param(...)``, functions calls (``if``, ``sub``...).
3. The result is compiled and rendered back (:func:`verify`): a lifted resource whose
   rendering differs from its template in any way is imported again as a generic block. So a
   first-class block is used only where it reproduces the resource exactly.

What cannot be expressed (``Mappings``/``Fn::FindInMap``, ``Transform``, ``Rules``,
``CreationPolicy``/``UpdatePolicy``, ``AWS::StackId``, an output that is not a resource's
attribute...) is diagnostic E0810 at its template path; nothing is dropped silently.

The modules, in the order an import goes through them: where each resource goes
(:mod:`~infrac.tools.migrate.importer.placement`); what the language cannot say, as
diagnostics (:mod:`~infrac.tools.migrate.importer.problems`); template values as values of
the language (:mod:`~infrac.tools.migrate.importer.values`); the first-class kinds, one
module of lifters per AWS service (``lift_dynamodb``, ``lift_sqs``, ``lift_s3``,
``lift_events``, ``lift_cognito``) on the helper they share
(:mod:`~infrac.tools.migrate.importer.properties`), and which resources are lifted
(:mod:`~infrac.tools.migrate.importer.lifting`); the ``.infra`` modules of one attempt
(:mod:`~infrac.tools.migrate.importer.rendering`); and the proof
(:mod:`~infrac.tools.migrate.importer.proof`). This module runs the attempts.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from infrac.base.classes import frozen
from infrac.diagnostics import Diagnostic, has_errors
from infrac.syntax import ir
from infrac.tools.migrate.importer.lifting import Decisions, lift
from infrac.tools.migrate.importer.placement import Placement, place, staying
from infrac.tools.migrate.importer.problems import located, template_problems
from infrac.tools.migrate.importer.proof import verify
from infrac.tools.migrate.importer.rendering import render
from infrac.tools.migrate.importer.values import stage_parameter
from infrac.tools.migrate.source.model import Template, join

TYPE_CHECKING = False  # typing's own constant, without importing typing
if TYPE_CHECKING:
    from typing import Any


@frozen
class Imported:
    #: file name -> module, for the ``.infra`` files
    modules: Mapping[str, ir.Module]
    #: new service file path -> (header comment, document), for consumers whose service is rewritten
    services: Mapping[str, Any]
    diagnostics: tuple[Diagnostic, ...]
    #: the stage the round trip was checked for
    stage: str
    #: the project's stages (the round trip's first; a `Stage` parameter's allowed values)
    stages: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return not has_errors(self.diagnostics)


def import_templates(templates: Sequence[Template], placement: Placement | None = None, out: str = "out") -> Imported:
    """Import templates into one project; see the module's documentation."""
    diagnostics: list[Diagnostic] = []
    for template in templates:
        diagnostics.extend(template_problems(template))
    stage_parameters = [p for p in (stage_parameter(t) for t in templates) if p is not None]
    stage = next((t.stage for t in templates if t.stage), None) or (
        stage_parameters[0].default if stage_parameters else "dev"
    )
    stages = tuple(dict.fromkeys([stage, *(v for p in stage_parameters for v in (p.allowed_values or ()))]))
    region = next((t.region for t in templates if t.region), None) or "us-east-1"
    where = place(templates, placement)
    for template in templates:
        for logical_id, outside in staying(template, placement is not None).items():
            diagnostics.append(located(
                template, join("Resources", logical_id),
                f"`{logical_id}` stays in the service: it refers to `{outside}`", "W0811", key=True,
                label="kept in the service file", hint="the new service file keeps it as it is",
            ))
    seen: dict[tuple[str, str], tuple[int, str]] = {}
    for (i, logical_id), stack in where.items():
        if stack is None:
            continue
        if (stack, logical_id) in seen:
            diagnostics.append(located(
                templates[i], join("Resources", logical_id),
                f"logical ID `{logical_id}` is also used by `{templates[seen[(stack, logical_id)][0]].file}` in stack `{stack}`",
                "E0811", key=True, label="two resources of one stack would share this ID",
                hint="import the two templates separately, or rename one resource",
            ))
        seen.setdefault((stack, logical_id), (i, logical_id))
    if any(d.code == "E0811" for d in diagnostics):
        return Imported({}, {}, tuple(diagnostics), stage)
    decisions = Decisions()
    for _ in range(6):
        lift(templates, where, decisions)
        modules, consumers, found = render(templates, where, decisions, stage, region, placement, out)
        if has_errors(found) or has_errors(diagnostics):
            return Imported({}, {}, tuple(diagnostics + found), stage)
        mismatched, problems = verify(modules, templates, where, decisions, stage, region, stages, placement)
        if not mismatched:
            return Imported(modules, consumers, tuple(diagnostics + found + problems), stage, stages)
        decisions.generic |= mismatched
        decisions.lifted = {k: v for k, v in decisions.lifted.items() if k not in mismatched}
    return Imported({}, {}, tuple(diagnostics + problems), stage)
