"""The move plan: from the deployed stacks to a project's stacks, without replacing anything.

:func:`make_plan` compares what is deployed (templates read by :mod:`infrac.tools.migrate.source`,
one per stack) with the stacks a project compiles to (for one stage), and returns a
:class:`Plan`: what moves where, the ordered steps (each with the templates it deploys,
its effect and how to roll it back), what the consumers must keep, and the diagnostics
that refuse the plan. Pure: the command line writes the plan's files.

Two ways to move a resource between stacks, both keeping the physical resource:

- **stack refactoring** (preferred): ``create-stack-refactor`` with the stacks' new
  templates, at most 5 stacks per operation, so the moves are packed into operations
  in the project's deploy order. Each operation is a pure move: the resources keep the
  properties they have, references to a resource now in another stack become
  ``Fn::ImportValue`` of the project's export (same value), and the project's own
  property changes (secure defaults, new resources) follow in ordinary deploys;
- **retain and import** (fallback, when a moved resource's type or a value that depends
  on the stack's name rules refactoring out): set ``DeletionPolicy: Retain``, deploy;
  remove the resources from the old stack (references to them become their literal
  values), deploy; import them into the new stacks (change sets of type ``IMPORT`` with
  identifiers from the schema's ``primaryIdentifier``), add the exports; point the old
  stack's references at the exports.

A consumer (a stack that stays, with its own service, such as ``core``) keeps its
resources, but the Serverless Framework names an event source mapping after its queue
or stream reference, so the switch from ``Fn::GetAtt`` to ``Fn::ImportValue`` renames
it (a delete and a create). The plan lists each one and writes the resources that pin
the old logical IDs.

Refused (errors, exit 1): deleting or replacing a stateful resource (a table, queue,
bucket, user pool, ...), removing or changing an export in use, a stateful resource
that can be neither refactored nor imported, a reference the new layout cannot keep.

The modules: what a plan is made of (:mod:`~infrac.tools.migrate.plan.model`), the deployed
stacks as read (:mod:`~infrac.tools.migrate.plan.deployed`), the planner's questions: where
each resource goes, what changes, how references follow
(:mod:`~infrac.tools.migrate.plan.planner`), the templates each step deploys
(:mod:`~infrac.tools.migrate.plan.templates`), the steps of each strategy
(:mod:`~infrac.tools.migrate.plan.strategies`), and the consumers' pinned event source
mappings (:mod:`~infrac.tools.migrate.plan.consumers`). The plan's files are written by
:mod:`infrac.tools.migrate.render`.
"""

from __future__ import annotations

from infrac.base.classes import evolve
from infrac.cfn.schemas import schema
from infrac.diagnostics import diagnostic
from infrac.tools.migrate.plan.consumers import consumer_step, find_pins, pin_diagnostics
from infrac.tools.migrate.plan.deployed import Deployed
from infrac.tools.migrate.plan.model import Plan
from infrac.tools.migrate.plan.planner import Planner, check_exports_in_use
from infrac.tools.migrate.plan.strategies import final_steps, import_steps, refactor_steps
from infrac.tools.migrate.simulator.model import REFACTOR_UNSUPPORTED

TYPE_CHECKING = False  # typing's own constant, without importing typing
if TYPE_CHECKING:
    from typing import Any


def make_plan(
    deployed: list[Deployed],
    new: dict[str, dict[str, Any]],
    waves: list[list[str]],
    consumers: set[str],
    stage: str,
    region: str,
    strategy: str = "auto",
) -> Plan:
    """The plan that takes ``deployed`` to the project's stacks ``new`` (templates for
    ``stage``, by project stack name, deployed as ``<stack>-<stage>``)."""
    planner = Planner(deployed, new, waves, consumers, stage, region, strategy)
    for d in deployed:
        if d.is_service:
            planner.diagnostics.append(diagnostic(
                "W0850", f"`{d.text.path}` is a Serverless service: the plan knows its `resources`, not what the framework adds",
                d.read.span(""), label=f"deployed as stack {d.stack}",
                notes=["the functions, roles and event source mappings the framework generates also refer to "
                       "the resources that move; the stack definitions written here leave them out"],
                hint=f"for a plan to execute, give the deployed template: `aws cloudformation get-template --stack-name "
                     f"{d.stack} --query TemplateBody > {d.stack}.json`, then `--from {d.stack}={d.stack}.json`",
            ))
    moves, stays, creates, origin = planner.match()
    moves = planner.changes(moves, origin)
    reasons = {(m.source_stack, m.source_id): planner.refactorable(m) for m in moves}
    blocked = {k: v for k, v in reasons.items() if v}
    if strategy == "refactor" and blocked:
        for move in moves:
            why = blocked.get((move.source_stack, move.source_id))
            if why is None:
                continue
            if move.stateful:
                planner.diagnostics.append(diagnostic(
                    "E0853", f"`{move.source_id}` ({move.type}) cannot move by stack refactoring: {why}",
                    planner.span(planner.deployed[move.source_stack], move.source_id),
                    label="refactoring would refuse it",
                    hint="plan with `--strategy auto` or `--strategy import`, which retain and import it instead",
                ))
            else:
                planner.notes.append(f"{move.source_stack}.{move.source_id} cannot be refactored: {why}")
    use_import = strategy == "import" or (strategy == "auto" and bool(blocked))
    if use_import and strategy == "auto":
        planner.notes.append("stack refactoring cannot take every move ("
                             + "; ".join(f"{s}.{i}: {w}" for (s, i), w in sorted(blocked.items()))
                             + "), so every resource moves by retain and import")
    how = "import" if use_import else "refactor"
    moves = [evolve(m, how=how) for m in moves]
    for move in moves:
        if how == "import" and (schema(move.type) is None or not schema(move.type).primary_identifier
                                or move.type in REFACTOR_UNSUPPORTED):
            if move.stateful:
                planner.diagnostics.append(diagnostic(
                    "E0853", f"`{move.source_id}` ({move.type}) can be neither refactored nor imported",
                    planner.span(planner.deployed[move.source_stack], move.source_id),
                    label="cannot move without being replaced",
                    hint="keep it in its stack and reference it from the new one",
                ))
    steps = (import_steps if use_import else refactor_steps)(planner, moves, origin)
    steps += final_steps(planner, moves, creates, steps)
    pins = find_pins(planner, moves, origin)
    if pins:
        steps.append(consumer_step(planner, pins, len(steps) + 1))
    planner.diagnostics.extend(pin_diagnostics(planner, pins))
    check_exports_in_use(planner)
    unique = list({(d.code, d.message): d for d in planner.diagnostics}.values())
    return Plan(
        stage, region, how, tuple(moves), tuple(steps), tuple(pins), tuple(stays), tuple(creates),
        tuple(unique), tuple(dict.fromkeys(planner.notes)),
    )
