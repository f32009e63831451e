"""Execute a move plan offline, in :mod:`infrac.tools.migrate.simulator`, and check what it promises.

The deployed stacks are created in a fresh simulated account (the account and region the
deployed templates name) from the templates the plan was made from; every stateful resource
(:mod:`infrac.cfn.stateful`) is given a marker of data (an item, a message, an object); then
each step runs as the script would run it, the consumers deploying the templates their new
services package to. At the end, every moved resource must be the same physical resource
(not replaced: the same creation number) in its new stack, with its marker; nothing stateful
may have been deleted or replaced on the way; and nothing deployed may have been deleted or
replaced that the plan does not list so (``Plan.fates``).

Resources that a deployed template refers to but does not declare (those the Serverless
Framework generates, such as ``ApiGatewayRestApi``, when the input is a service file) get
a stand-in, and the report says so.
"""

from __future__ import annotations

import copy
import re

from infrac.base.classes import field, frozen
from infrac.cfn.stateful import is_stateful
from infrac.tools.migrate.plan.deployed import Deployed
from infrac.tools.migrate.plan.model import Pin, Plan
from infrac.tools.migrate.simulator import Account
from infrac.tools.migrate.simulator.model import ACCOUNT_ID, Refused
from infrac.tools.migrate.simulator.templates import references_of

TYPE_CHECKING = False  # typing's own constant, without importing typing
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

STAND_IN = "AWS::CloudFormation::WaitConditionHandle"
#: ``${Physical:stack:LogicalId}`` in an import identifier: the physical ID AWS gave the resource.
LOOKUP = re.compile(r"\$\{Physical:([^:}]+):([A-Za-z0-9]+)\}")


@frozen
class Rehearsal:
    ok: bool
    lines: tuple[str, ...]
    #: the step that was refused, and why
    refused: tuple[int, str] | None
    account: Any = field(eq=False, repr=False, default=None)
    #: what the plan's steps did, in order (the deployed stacks' creation left out)
    events: tuple[Any, ...] = field(eq=False, repr=False, default=())


def with_stand_ins(template: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """``template`` with a stand-in for each logical ID it refers to without declaring it."""
    declared = set(template.get("Resources", {})) | set(template.get("Parameters", {}))
    wanted = sorted(
        r for r in references_of({"Resources": template.get("Resources", {}), "Outputs": template.get("Outputs", {})})
        if r not in declared and not r.startswith("AWS::")
    )
    if not wanted:
        return template, []
    result = copy.deepcopy(template)
    for logical_id in wanted:
        result["Resources"][logical_id] = {"Type": STAND_IN}
    return result, wanted


def _identifiers(plan: Plan, account: Account) -> dict[str, dict[str, Any]]:
    """Every IMPORT's identifiers, read before anything moves (as the script does)."""
    found: dict[str, dict[str, Any]] = {}
    for step in plan.steps:
        for entry in step.resources_to_import:
            values = {}
            for key, value in entry["ResourceIdentifier"].items():
                for stack, logical_id in LOOKUP.findall(value):
                    physical = account.physical_id(stack, logical_id).split("|")[-1]
                    value = value.replace(f"${{Physical:{stack}:{logical_id}}}", physical)
                values[key] = value.replace("${AWS::AccountId}", account.account_id)
            found[f"{step.number}:{entry['LogicalResourceId']}"] = values
    return found


def consumer_template(plan: Plan, account: Account, stack: str, pins: list[Pin], pinned: bool) -> dict[str, Any]:
    """The consumer's template once its new service deploys: what it has after the moves, with
    its event source mappings pinned (kept) or renamed as the framework would name them."""
    template = copy.deepcopy(account.stacks[stack].template)
    for pin in pins:
        if pin.stack != stack or pin.old_id not in template["Resources"]:
            continue
        if not pinned:
            template["Resources"][pin.new_id] = template["Resources"].pop(pin.old_id)
    return template


def _listed(plan: Plan, event) -> bool:
    """The plan lists this deletion or replacement among its fates."""
    for fate in plan.fates:
        if (fate.stack, fate.logical_id) == (event.stack, event.logical_id):
            return fate.fate in ("deleted", "replaced", "recreated") or (
                event.action == "replace" and "replaced" in fate.detail)
    return False


def rehearse(plan: Plan, deployed: list[Deployed], progress: Callable[[int, int, str], None] | None = None) -> Rehearsal:
    """Execute ``plan`` on the simulator, from the ``deployed`` stacks; ``progress`` is told
    each step: ``(number, total, what)``."""
    account = Account(plan.region, plan.account or ACCOUNT_ID)
    lines: list[str] = []
    stand_ins: dict[str, list[str]] = {}
    pending = list(deployed)
    for _ in range(len(deployed) + 1):  # exporters before importers, whatever the order given
        left = []
        for d in pending:
            template, added = with_stand_ins(d.template)
            try:
                account.deploy(d.stack, template)
                stand_ins[d.stack] = added
            except Refused:
                left.append(d)
        pending = left
        if not pending:
            break
    if pending:
        names = ", ".join(d.stack for d in pending)
        return Rehearsal(False, (f"the deployed stacks cannot be recreated in the simulator: {names}",), (0, names))
    for stack, added in sorted(stand_ins.items()):
        if added:
            lines.append(f"{stack}: stand-ins for what the file refers to but does not declare: {', '.join(added)}")
    deployed_ids = {(d.stack, lid) for d in deployed for lid in d.template["Resources"]}
    owners = {(account.stacks[s].template["Resources"][lid]["Type"], identifier): (s, lid)
              for s in account.stacks for lid, identifier in account.stacks[s].resources.items()}
    markers: dict[tuple[str, str], tuple[str, int]] = {}
    for (kind, identifier), physical in sorted(account.physical.items()):
        if is_stateful(kind):
            physical.data.append(f"marker:{identifier}")
            markers[(kind, identifier)] = (f"marker:{identifier}", physical.generation)
    identifiers = _identifiers(plan, account)
    start = len(account.events)
    for step in plan.steps:
        if progress is not None:
            progress(step.number, len(plan.steps), f"simulating step {step.number}: {step.title}")
        try:
            if step.operation == "refactor":
                templates = {s: with_stand_ins(t)[0] for s, t in step.templates.items()}
                events = account.refactor(templates, list(step.mappings), step.enable_stack_creation)
            elif step.operation == "deploy":
                (stack, template), = step.templates.items()
                events = account.deploy(stack, with_stand_ins(template)[0])
            elif step.operation == "import":
                (stack, template), = step.templates.items()
                entries = [{**e, "ResourceIdentifier": identifiers[f"{step.number}:{e['LogicalResourceId']}"]}
                           for e in step.resources_to_import]
                events = account.import_resources(stack, with_stand_ins(template)[0], entries)
            else:  # the consumers deploy what their new services package to, mappings pinned
                events = []
                for stack in step.stacks:
                    events += account.deploy(stack, with_stand_ins(step.templates[stack])[0])
        except Refused as refusal:
            lines.append(f"step {step.number} ({step.title}): REFUSED: {refusal}")
            return Rehearsal(False, tuple(lines), (step.number, str(refusal)), account, tuple(account.events[start:]))
        counts: dict[str, int] = {}
        for event in events:
            counts[event.action] = counts.get(event.action, 0) + 1
        summary = ", ".join(f"{n} {a}{'d' if a.endswith('e') else 'ed'}" if a != "retain" else f"{n} retained"
                            for a, n in sorted(counts.items())) or "no resource changed"
        lines.append(f"step {step.number}: {summary}")
        lost = [e for e in events if e.action in ("delete", "replace", "snapshot") and is_stateful(e.type)
                and not _listed(plan, e)]
        if lost:
            what = ", ".join(f"{e.logical_id} ({e.action})" for e in lost)
            lines.append(f"step {step.number}: a stateful resource was lost: {what}")
            return Rehearsal(False, tuple(lines), (step.number, what), account, tuple(account.events[start:]))
    problems = []
    unlisted = sorted({f"{e.stack}.{e.logical_id} ({e.action})" for e in account.events[start:]
                       if e.action in ("delete", "replace", "snapshot") and (e.stack, e.logical_id) in deployed_ids
                       and e.stack in {d.stack for d in deployed} and not _listed(plan, e)})
    if unlisted:
        problems.append("deleted or replaced, and not listed so by the plan: " + ", ".join(unlisted))
    for move in plan.moves:
        if move.how in ("none", "recreate"):
            continue
        physical = account.resource(move.destination_stack, move.destination_id)
        marker = markers.get((physical.type, physical.identifier))
        if move.stateful and (marker is None or marker[0] not in physical.data or marker[1] != physical.generation):
            problems.append(f"{move.destination_stack}.{move.destination_id}: not the resource that was deployed, or its data is gone")
    going = {(f.stack, f.logical_id) for f in plan.fates if f.fate in ("deleted", "replaced")}
    acknowledged = {key for key in markers if owners.get(key) in going}
    markers = {k: v for k, v in markers.items() if k not in acknowledged}
    kept = sum(1 for (kind, identifier), (text, generation) in markers.items()
               if (kind, identifier) in account.physical and text in account.physical[(kind, identifier)].data
               and account.physical[(kind, identifier)].generation == generation)
    replaced = sum(1 for e in account.events[start:] if e.action == "replace")
    lines.append(
        f"moved {len(plan.moves)} resources ({sum(m.stateful for m in plan.moves)} stateful), "
        f"replaced {replaced or 'none'}{' (none stateful)' if replaced else ''}; "
        f"{kept} of {len(markers)} stateful resources kept their data"
    )
    lines += problems
    return Rehearsal(not problems and kept == len(markers), tuple(lines), None, account, tuple(account.events[start:]))
