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

Refused (errors, exit 1): deleting or replacing a stateful resource (:mod:`infrac.cfn.stateful`)
that the source does not acknowledge (``retired``, ``replace``), an update the service
refuses, removing or changing an export in use, a resource that can be neither refactored
nor imported (and holds data, or is a custom resource), a reference the new layout cannot
keep, a stack the project knows with no deployed template, a consumer whose next template
is unknown.

The modules: what a plan is made of (:mod:`~infrac.tools.migrate.plan.model`), the deployed
stacks as read (:mod:`~infrac.tools.migrate.plan.deployed`), the planner's questions: where
each resource goes, what changes, how references follow
(:mod:`~infrac.tools.migrate.plan.planner`), values as CloudFormation resolves them
(:mod:`~infrac.tools.migrate.plan.values`), references that follow a moved resource
(:mod:`~infrac.tools.migrate.plan.references`), the steps
(:mod:`~infrac.tools.migrate.plan.strategies`, :mod:`~infrac.tools.migrate.plan.templates`),
and the consumers (:mod:`~infrac.tools.migrate.plan.consumers`). The plan's files are written by
:mod:`infrac.tools.migrate.render`.
"""

from __future__ import annotations

from infrac.base.classes import evolve
from infrac.diagnostics import diagnostic
from infrac.tools.migrate.plan.consumers import consumer_step, find_pins, pin_diagnostics, with_pins
from infrac.tools.migrate.plan.deployed import Deployed
from infrac.tools.migrate.plan.model import Plan
from infrac.tools.migrate.plan.planner import Planner, check_exports_in_use
from infrac.tools.migrate.plan.strategies import check_crossings, plan_steps

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
    *,
    futures: dict[str, dict[str, Any]] | None = None,
    acknowledged: dict[tuple[str, str], tuple[str, str]] | None = None,
    services: dict[str, tuple[str, str]] | None = None,
    preview: bool = False,
    recorded: dict[str, dict[str, Any]] | None = None,
    new_stacks: set[str] | None = None,
    spans: dict[tuple[str, ...], Any] | None = None,
) -> Plan:
    """The plan that takes ``deployed`` to the project's stacks ``new`` (templates for
    ``stage``, by project stack name, deployed as ``<stack>-<stage>``). ``futures`` are the
    consumers' next templates (by deployed stack name), ``acknowledged`` what the source
    says may be replaced or deleted ((deployed stack, logical ID) -> (``replace`` or
    ``retired``, why)), ``services`` each consumer's service folder and file, ``recorded``
    the resources ``infra.lock`` records (by project stack), ``new_stacks`` the deployed
    names of stacks said to be new (``--new``), ``spans`` where the project declares each
    stack (``(stack,)``) and resource (``(stack, logical ID)``)."""
    planner = Planner(deployed, new, waves, consumers, stage, region, strategy, futures=futures,
                      acknowledged=acknowledged)
    planner.preview = preview
    for d in deployed:
        _deployed_state(planner, d, preview)
    moves, stays, creates, origin = planner.match()
    _unknown_stacks(planner, creates, recorded or {}, new_stacks or set(), spans or {})
    moves = planner.changes(moves, origin)
    pins = find_pins(planner, moves, origin)
    planner.futures = {s: with_pins(t, [p for p in pins if p.stack == s], stage) for s, t in planner.futures.items()}
    planner.account_for_the_rest(origin, moves)
    decided = []
    for move in moves:
        how, why = planner.how(move)
        decided.append(evolve(move, how=how, why=why))
        if how == "none":
            planner.diagnostics.append(diagnostic(
                "E0853", f"`{move.source_id}` ({move.type}) can be neither refactored nor imported: {why}",
                planner.span_of(move), label=f"cannot move to {move.destination_stack} without being replaced",
                notes=[n for n in (
                    "a custom resource's provider would delete and create what it manages"
                    if move.type.startswith("Custom::") else "",
                    "`--strategy refactor` rules out retain-and-import" if strategy == "refactor" else "") if n],
                hint="keep it in its stack (in the project too) and refer to it from the new one"
                + ("; or plan with `--strategy auto`" if strategy == "refactor" else ""),
            ))
        elif how == "import" and strategy == "auto":
            planner.notes.insert(0, f"`{move.source_id}` ({move.type}) moves by retain and import, not by stack "
                                    f"refactoring: {why}")
        elif how == "recreate":
            planner.notes.append(f"`{move.source_id}` ({move.type}) is deleted from {move.source_stack} and created "
                                 f"again in {move.destination_stack}: {why}, and resource import does not take it "
                                 "either; it holds no data")
        if how != "none":
            planner.fate(move.source_stack, move.source_id, move.type,
                         "recreated" if how == "recreate" else "moves",
                         planner.fates[(move.source_stack, move.source_id)].detail
                         + {"refactor": " (stack refactoring)", "import": " (retain and import)", "recreate": ""}[how])
    moves = decided
    steps = plan_steps(planner, [m for m in moves if m.how != "none"], creates)
    check_crossings(planner)
    step = consumer_step(planner, pins, len(steps) + 1, services or {}) if steps else None
    if step is not None:
        steps.append(step)
    planner.diagnostics.extend(pin_diagnostics(planner, pins))
    check_exports_in_use(planner)
    unique = list({(d.code, d.message): d for d in planner.diagnostics}.values())
    hows = {m.how for m in moves if m.how in ("refactor", "import")}
    kind = "mixed" if len(hows) == 2 else next(iter(hows)) if hows else "none"
    order = {(d.stack, lid): i for i, d in enumerate(deployed) for lid in d.template["Resources"]}
    fates = sorted(planner.fates.values(), key=lambda f: order.get((f.stack, f.logical_id), 0))
    return Plan(
        stage, region, kind, tuple(moves), tuple(steps), tuple(pins), tuple(stays), tuple(creates),
        tuple(unique), tuple(dict.fromkeys(planner.notes)), tuple(fates), preview, planner.account,
    )


def _deployed_state(planner: Planner, d: Deployed, preview: bool) -> None:
    """A stack read from anything but the template CloudFormation holds makes the plan a
    preview: W0850 when a preview was asked for, E0856 otherwise."""
    why = ("is a Serverless service: the plan knows its `resources`, not what the framework adds" if d.is_service
           else "has a `Transform`: CloudFormation holds the processed template" if d.read.transform is not None
           else None)
    if why is None:
        return
    command = (f"aws cloudformation get-template --stack-name {d.stack} --template-stage Processed "
               f"--query TemplateBody --output json > {d.stack}.json")
    planner.diagnostics.append(diagnostic(
        "W0850" if preview else "E0856", f"`{d.text.path}` {why}",
        d.read.span(""), label=f"deployed as stack {d.stack}",
        notes=["the functions, roles and event source mappings the framework generates also refer to the resources "
               "that move, and a deploy deletes what the template given does not hold"],
        hint=f"for a plan to execute, give the deployed template: `{command}`, then `--from {d.stack}={d.stack}.json`"
        + ("" if preview else "; `--preview` makes a plan to review from it, without a script"),
    ))


def _unknown_stacks(planner: Planner, creates: list[tuple[str, str]], recorded: dict[str, dict[str, Any]],
                    new_stacks: set[str], spans: dict[tuple[str, ...], Any]) -> None:
    """A stack the plan would deploy without knowing what it holds: a consumer of the project
    (its own service deploys it: it exists), or one whose named resources ``infra.lock``
    records as built, given no ``--from``. E0857, unless ``--new`` says it is not deployed."""
    from infrac.tools.migrate.plan.references import NAME_KEYS
    from infrac.tools.migrate.plan.values import canonical

    suffix = f"-{planner.stage}"
    for stack in sorted(planner.consumers - set(planner.deployed) - new_stacks):
        project = stack[: -len(suffix)]
        planner.diagnostics.append(diagnostic(
            "E0857", f"no deployed template for `{stack}`, the stack of the project's service `{project}`",
            spans.get((project,)), label="a consumer: its own service deploys it",
            notes=["its service is deployed already, and the plan cannot know what its stack holds: what the plan "
                   "creates may collide with it, what it deletes goes unseen"],
            hint=f"give it: `aws cloudformation get-template --stack-name {stack} --template-stage Processed --query "
                 f"TemplateBody --output json > {stack}.json` and `--from {stack}={stack}.json`; or, if it was never "
                 f"deployed, `--new {stack}`",
        ))
    for stack, logical_id in creates:
        if stack in planner.deployed or stack in new_stacks:
            continue
        project = stack[: -len(suffix)]
        entry = recorded.get(project, {}).get(logical_id)
        resource = planner.new[stack]["Resources"][logical_id]
        key = NAME_KEYS.get(resource["Type"])
        name = canonical(resource.get("Properties", {}).get(key), planner.context(stack)) if key else None
        if entry is None or not isinstance(name, str):
            continue
        planner.diagnostics.append(diagnostic(
            "E0857", f"the plan would create `{logical_id}` ({name}) in `{stack}`, which no --from gives, and infra.lock "
                     "records it as built",
            spans.get((project, logical_id)), label="may exist already",
            notes=["a built resource may be deployed: creating one with the same name fails, or, for a stack that "
                   "exists, the plan does not see what else it holds"],
            hint=f"give the stack that holds it with `--from STACK=FILE` (its deployed template), or, if `{stack}` "
                 f"was never deployed, `--new {stack}`",
        ))
