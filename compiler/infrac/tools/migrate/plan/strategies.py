"""The steps of each way to move: stack refactoring (operations of at most 5 stacks, in the
project's deploy order) or retain and import (retain, remove, import, publish the exports,
refer through them); then, for both, the ordinary deploys of the project's templates.
"""

from __future__ import annotations

import copy

from infrac.tools.migrate.plan.model import MAX_STACKS_PER_REFACTOR, Move, Step
from infrac.tools.migrate.plan.planner import Planner, positions
from infrac.tools.migrate.plan.templates import destination_template, source_template, with_framework

TYPE_CHECKING = False  # typing's own constant, without importing typing
if TYPE_CHECKING:
    pass


#: Where a resource is while it is between stacks (retain and import).
IN_TRANSIT = "(in transit)"


def refactor_steps(planner: Planner, moves: list[Move], origin) -> list[Step]:
    destinations = [s for s in planner.order if any(m.destination_stack == s for m in moves)]
    operations: list[list[str]] = []
    for destination in destinations:
        sources_of = {m.source_stack for m in moves if m.destination_stack == destination}
        if operations:
            current = operations[-1]
            stacks = set(current) | {m.source_stack for m in moves if m.destination_stack in current}
            if len(stacks | sources_of | {destination}) <= MAX_STACKS_PER_REFACTOR:
                current.append(destination)
                continue
        operations.append([destination])
    steps: list[Step] = []
    moved: set[tuple[str, str]] = set()
    for index, group in enumerate(operations, 1):
        these = [m for m in moves if m.destination_stack in group]
        moved |= {(m.source_stack, m.source_id) for m in these}
        placement = positions(planner, origin, moved)
        source_stacks = sorted({m.source_stack for m in these})
        templates = {}
        for stack in source_stacks:
            templates[stack] = source_template(planner, stack, moved, placement)
        for stack in group:
            templates[stack] = destination_template(planner, stack, origin, moved, placement)
        if len(templates) > MAX_STACKS_PER_REFACTOR:
            planner.notes.append(f"refactor {index} takes {len(templates)} stacks; AWS takes at most 5")
        mappings = tuple(
            {"Source": {"StackName": m.source_stack, "LogicalResourceId": m.source_id},
             "Destination": {"StackName": m.destination_stack, "LogicalResourceId": m.destination_id}}
            for m in these
        )
        new_stacks = [s for s in group if s not in planner.deployed]
        steps.append(Step(
            len(steps) + 1,
            f"Refactor {index} of {len(operations)}: move {len(these)} resources from "
            f"{', '.join(source_stacks)} to {', '.join(group)}",
            "refactor", tuple(templates), templates,
            effect=(f"moves {len(these)} resources, as they are, with their data; "
                    + (f"creates the stacks {', '.join(new_stacks)}; " if new_stacks else "")
                    + "references to them from the stacks they leave become Fn::ImportValue of the same values; "
                      "nothing is created, deleted, replaced or changed"),
            rollback=("before execute-stack-refactor, nothing to undo (a refactor that fails to execute rolls "
                      "itself back). After it, a refactor the other way returns the resources: the source stacks' "
                      "templates in templates/previous/, and each new stack left with a placeholder resource "
                      "(an AWS::CloudFormation::WaitConditionHandle), since a stack cannot be empty; then delete "
                      "the new stacks"),
            mappings=mappings, enable_stack_creation=bool(new_stacks),
        ))
    return steps


def import_steps(planner: Planner, moves: list[Move], origin) -> list[Step]:
    steps: list[Step] = []
    source_stacks = sorted({m.source_stack for m in moves})
    for stack in source_stacks:
        template = copy.deepcopy(planner.deployed[stack].template)
        retained = [m.source_id for m in moves if m.source_stack == stack
                    and (template["Resources"][m.source_id].get("DeletionPolicy") != "Retain"
                         or "UpdateReplacePolicy" not in template["Resources"][m.source_id])]
        if not retained:
            continue
        for logical_id in retained:
            template["Resources"][logical_id]["DeletionPolicy"] = "Retain"
            template["Resources"][logical_id].setdefault("UpdateReplacePolicy", "Retain")
        steps.append(Step(len(steps) + 1, f"{stack}: set DeletionPolicy Retain on {len(retained)} resources",
                          "deploy", (stack,), {stack: template},
                          effect=f"a policy change only; {', '.join(retained)} will outlive their removal from {stack}",
                          rollback=f"redeploy the template that was deployed before (templates/previous/{stack}.json)"))
    moved = {(m.source_stack, m.source_id) for m in moves}
    in_transit = positions(planner, origin, moved, to=IN_TRANSIT)
    for stack in source_stacks:
        template = source_template(planner, stack, moved, in_transit, literal=True)
        steps.append(Step(len(steps) + 1, f"{stack}: remove the resources that move, keeping them",
                          "deploy", (stack,), {stack: template},
                          effect="the moving resources leave the stack and stay in the account, unmanaged; "
                                 "references to them are their literal values meanwhile",
                          rollback="import them back into this stack (an IMPORT change set with the previous template)"))
    placement = positions(planner, origin, moved)
    for stack in planner.order:
        these = [m for m in moves if m.destination_stack == stack]
        if not these:
            continue
        template = destination_template(planner, stack, origin, moved, placement, with_outputs=False)
        for resource in template["Resources"].values():
            resource.setdefault("DeletionPolicy", "Retain")
            resource.setdefault("UpdateReplacePolicy", "Retain")
        to_import = tuple(
            {"ResourceType": m.type, "LogicalResourceId": m.destination_id, "ResourceIdentifier": planner.identifier(m)}
            for m in these
        )
        steps.append(Step(len(steps) + 1, f"{stack}: import {len(these)} resources", "import", (stack,),
                          {stack: template},
                          effect=f"{stack} adopts the resources as they are (a change set of type IMPORT"
                                 + (", which creates the stack)" if stack not in planner.deployed else ")"),
                          rollback="deploy the stack without them while they have DeletionPolicy Retain "
                                   "(they stay in the account), then import them back where they were",
                          resources_to_import=to_import))
        with_outputs = destination_template(planner, stack, origin, moved, placement)
        if with_outputs.get("Outputs"):
            for resource in with_outputs["Resources"].values():
                resource.setdefault("DeletionPolicy", "Retain")
                resource.setdefault("UpdateReplacePolicy", "Retain")
            steps.append(Step(len(steps) + 1, f"{stack}: publish its exports", "deploy", (stack,), {stack: with_outputs},
                              effect="adds outputs and exports only",
                              rollback="redeploy the template of the step before"))
    for stack in source_stacks:
        template = source_template(planner, stack, moved, placement)
        steps.append(Step(len(steps) + 1, f"{stack}: refer to the moved resources through their exports",
                          "deploy", (stack,), {stack: template},
                          effect="literal values become Fn::ImportValue of the same values; nothing is replaced",
                          rollback="redeploy the template of the removal step"))
    return steps


def final_steps(planner: Planner, moves: list[Move], creates, before: list[Step]) -> list[Step]:
    """Ordinary deploys of the project's templates, in deploy order: the property changes,
    new resources and exports that a pure move leaves out."""
    steps: list[Step] = []
    count = len(before)
    moved_to = {m.destination_stack for m in moves}
    for stack in planner.order:
        template = with_framework(planner, stack, planner.new[stack])
        changed = [m for m in moves if m.destination_stack == stack and m.changes]
        created = [lid for s, lid in creates if s == stack]
        what = []
        if changed:
            what.append(f"{len(changed)} resources change ({', '.join(sorted({c for m in changed for c in m.changes}))})")
        if created:
            what.append(f"{len(created)} created ({', '.join(created)})")
        if stack not in moved_to and stack in planner.deployed:
            what.append("an update in place")
        last = [b.number for b in before if stack in b.templates]
        rollback = (f"redeploy {stack}'s template of step {last[-1]}" if last else
                    f"redeploy {stack}'s template as it was (templates/previous/{stack}.json)" if stack in planner.deployed
                    else f"delete {stack}, whose resources are all new")
        steps.append(Step(count + len(steps) + 1, f"{stack}: deploy the project's template", "deploy", (stack,),
                          {stack: template},
                          effect="; ".join(what) if what else "no change to resources (outputs and exports only, if any)",
                          rollback=rollback))
    return steps
