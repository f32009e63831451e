"""The steps of a plan, each move by its own way, in this order:

1. retain and import, for what stack refactoring cannot take: set ``DeletionPolicy: Retain`` on
   those resources and deploy; remove them (and the resources that are recreated elsewhere)
   from their stacks, references to them written out as their values, and deploy; import them
   into their new stacks (change sets of type ``IMPORT``, outputs unchanged); publish the new
   stacks' exports;
2. stack refactoring for the rest: operations of at most 5 stacks, in the project's deploy
   order, each a pure move of the resources as they are at that point;
3. the ordinary deploys of the project's templates, in deploy order: the property changes, new
   resources (those recreated among them) and exports that a pure move leaves out;
4. the consumers: each deploys the template its new service packages to.

Each step is planned from the templates as the steps before it leave them (the planner's
``world``), so a template is always what the stack holds at that point, changed only as the
step says.
"""

from __future__ import annotations

import copy

from infrac.tools.migrate.plan.model import MAX_STACKS_PER_REFACTOR, Move, Step
from infrac.tools.migrate.plan.planner import Planner, Where
from infrac.tools.migrate.plan.templates import outputs_for, with_framework

TYPE_CHECKING = False  # typing's own constant, without importing typing
if TYPE_CHECKING:
    from typing import Any

#: Where a resource is while it is between stacks (retain and import).
IN_TRANSIT = "(in transit)"


class Sequence:
    """The steps planned so far, and where every deployed resource is after them."""

    def __init__(self, planner: Planner, moves: list[Move]):
        self.planner = planner
        self.moves = moves
        self.steps: list[Step] = []
        #: (deployed stack, logical ID) -> (stack, logical ID) where it is now
        self.here = {(s, lid): (s, lid) for s, t in planner.world.items() for lid in t["Resources"]}
        #: a resource on its way: its definition as it left its stack, and that stack
        self.departed: dict[tuple[str, str], tuple[str, dict[str, Any]]] = {}

    def placement(self, after: dict[tuple[str, str], tuple[str, str]]) -> dict[tuple[str, str], tuple[str, str]]:
        """Current position -> position after a step, for every resource; ``after`` maps the
        deployed positions of those that move in it."""
        return {self.here[o]: after.get(o, self.here[o]) for o in self.here}

    def add(self, title: str, operation: str, templates: dict[str, dict[str, Any]], effect: str, rollback: str,
            **more: Any) -> None:
        self.steps.append(Step(len(self.steps) + 1, title, operation, tuple(templates), templates, effect, rollback,
                               **more))
        for stack, template in templates.items():
            self.planner.world[stack] = copy.deepcopy(template)

    def rewritten(self, stack: str, template: dict[str, Any], placement: dict, literal: bool = False) -> dict[str, Any]:
        """A whole template of ``stack`` with its references rewritten for ``placement``."""
        result = {k: v for k, v in template.items() if k not in ("Resources", "Outputs")}
        resources = {}
        for logical_id, resource in template["Resources"].items():
            self.planner.current = logical_id
            resources[logical_id] = self.planner.placed(resource, stack, stack, placement, literal)
        self.planner.current = None
        result["Resources"] = resources
        if "Outputs" in template:
            result["Outputs"] = self.planner.rewrite(template["Outputs"], stack, stack, placement, literal)
        return result


def plan_steps(planner: Planner, moves: list[Move], creates: list[tuple[str, str]]) -> list[Step]:
    sequence = Sequence(planner, moves)
    retain_and_import(sequence)
    refactor(sequence)
    final(sequence, creates)
    return sequence.steps


def retain_and_import(sequence: Sequence) -> None:
    planner = sequence.planner
    importing = [m for m in sequence.moves if m.how == "import"]
    recreating = [m for m in sequence.moves if m.how == "recreate"]
    sources = sorted({m.source_stack for m in importing})
    for stack in sources:
        template = copy.deepcopy(planner.world[stack])
        retained = [m.source_id for m in importing if m.source_stack == stack
                    and (template["Resources"][m.source_id].get("DeletionPolicy") != "Retain"
                         or template["Resources"][m.source_id].get("UpdateReplacePolicy") != "Retain")]
        if not retained:
            continue
        for logical_id in retained:
            template["Resources"][logical_id]["DeletionPolicy"] = "Retain"
            template["Resources"][logical_id]["UpdateReplacePolicy"] = "Retain"
        sequence.add(f"{stack}: set DeletionPolicy Retain on {len(retained)} resources", "deploy", {stack: template},
                     effect=f"a policy change only; {', '.join(retained)} will outlive their removal from {stack}",
                     rollback=f"redeploy the template of the step before (or templates/previous/{stack}.json)")
    leaving = importing + recreating
    in_transit = {(m.source_stack, m.source_id): (IN_TRANSIT, m.source_id) for m in leaving}
    placement = sequence.placement(in_transit)
    # Each resource that moves by import, as its new stack will import it: references to what
    # goes with it there kept, to anything else written out as values.
    bound = sequence.placement({(m.source_stack, m.source_id): (m.destination_stack, m.destination_id)
                                for m in importing})
    for move in importing:
        planner.current = move.source_id
        sequence.departed[(move.source_stack, move.source_id)] = (move.source_stack, planner.placed(
            planner.world[move.source_stack]["Resources"][move.source_id], move.source_stack, move.destination_stack,
            bound, literal=True, own_name=move.source_stack))
        planner.current = None
    identifiers = {(m.source_stack, m.source_id): planner.identifier(m, m.source_stack, m.source_id) for m in importing}
    for stack in sorted({m.source_stack for m in leaving}):
        template = copy.deepcopy(planner.world[stack])
        gone = [m for m in leaving if m.source_stack == stack]
        for move in gone:
            template["Resources"].pop(move.source_id)
        recreated = [m.source_id for m in gone if m.how == "recreate"]
        sequence.add(
            f"{stack}: remove the resources that move by import" + (" or are recreated" if recreated else ""),
            "deploy", {stack: sequence.rewritten(stack, template, placement, literal=True)},
            effect="; ".join(x for x in (
                "the resources that move by import leave the stack and stay in the account, unmanaged; references to "
                "them are their literal values meanwhile" if len(recreated) < len(gone) else "",
                f"{', '.join(recreated)} deleted, to be created again in {'its' if len(recreated) == 1 else 'their'} "
                "new stack by the project's deploy" if recreated else "") if x),
            rollback="import them back into this stack (an IMPORT change set with the template of the step before)")
    for key in in_transit:
        sequence.here[key] = in_transit[key]
    for stack in planner.order:
        these = [m for m in importing if m.destination_stack == stack]
        if these:
            _import_into(sequence, stack, these, identifiers)


def _import_into(sequence: Sequence, stack: str, these: list[Move], identifiers: dict) -> None:
    planner = sequence.planner
    arrive = {(m.source_stack, m.source_id): (stack, m.destination_id) for m in these}
    placement = sequence.placement(arrive)
    existing = planner.world.get(stack)
    template = copy.deepcopy(existing) if existing else _skeleton(planner, stack)
    if existing:
        template = sequence.rewritten(stack, template, placement, literal=True)
    to_import = []
    lookups = []
    for move in these:
        placed = copy.deepcopy(sequence.departed[(move.source_stack, move.source_id)][1])
        placed.setdefault("DeletionPolicy", "Retain")
        placed.setdefault("UpdateReplacePolicy", "Retain")
        if "Condition" in placed:
            _bring_condition(template, planner.deployed[move.source_stack].template, placed["Condition"])
        template["Resources"][move.destination_id] = placed
        identifier = identifiers[(move.source_stack, move.source_id)]
        to_import.append({"ResourceType": move.type, "LogicalResourceId": move.destination_id,
                          "ResourceIdentifier": identifier})
        if any("${Physical:" in v for v in identifier.values()):
            lookups.append((move.source_stack, move.source_id))
    sequence.add(
        f"{stack}: import {len(these)} resources", "import", {stack: template},
        effect=f"{stack} adopts the resources as they are (a change set of type IMPORT"
               + (", which creates the stack)" if not existing else "; its outputs are unchanged)"),
        rollback="deploy the stack without them while they have DeletionPolicy Retain "
                 "(they stay in the account), then import them back where they were",
        resources_to_import=tuple(to_import), lookups=tuple(lookups))
    for key, position in arrive.items():
        sequence.here[key] = position
    published = copy.deepcopy(planner.world[stack])
    outputs = {k: v for k, v in outputs_for(planner.new[stack], set(published["Resources"])).items()
               if k not in published.get("Outputs", {})}
    if outputs:
        published["Outputs"] = {**published.get("Outputs", {}), **outputs}
        sequence.add(f"{stack}: publish its exports", "deploy", {stack: published},
                     effect="adds outputs and exports only",
                     rollback="redeploy the template of the step before")


def _skeleton(planner: Planner, stack: str) -> dict[str, Any]:
    project = planner.new[stack]
    return {**{k: project[k] for k in ("AWSTemplateFormatVersion", "Description") if k in project}, "Resources": {}}


def _bring_condition(template: dict[str, Any], source: dict[str, Any], name: str) -> None:
    """The condition ``name`` (and what it needs: other conditions, parameters) into ``template``."""
    from infrac.tools.migrate.simulator.templates import references_of

    wanted, seen = [name], set()
    while wanted:
        condition = wanted.pop()
        if condition in seen or condition not in source.get("Conditions", {}):
            continue
        seen.add(condition)
        body = source["Conditions"][condition]
        template.setdefault("Conditions", {})[condition] = copy.deepcopy(body)
        text = str(body)
        wanted += [c for c in source.get("Conditions", {}) if f"'Condition': '{c}'" in text]
        for parameter in references_of(body) & set(source.get("Parameters", {})):
            template.setdefault("Parameters", {})[parameter] = copy.deepcopy(source["Parameters"][parameter])


def refactor(sequence: Sequence) -> None:
    planner = sequence.planner
    moving = [m for m in sequence.moves if m.how == "refactor"]
    destinations = [s for s in planner.order if any(m.destination_stack == s for m in moving)]
    operations: list[list[str]] = []
    for destination in destinations:
        sources_of = {m.source_stack for m in moving if m.destination_stack == destination}
        if operations:
            current = operations[-1]
            stacks = set(current) | {m.source_stack for m in moving if m.destination_stack in current}
            if len(stacks | sources_of | {destination}) <= MAX_STACKS_PER_REFACTOR:
                current.append(destination)
                continue
        operations.append([destination])
    for index, group in enumerate(operations, 1):
        these = [m for m in moving if m.destination_stack in group]
        arrive = {(m.source_stack, m.source_id): (m.destination_stack, m.destination_id) for m in these}
        placement = sequence.placement(arrive)
        source_stacks = sorted({sequence.here[(m.source_stack, m.source_id)][0] for m in these})
        templates: dict[str, dict[str, Any]] = {}
        for stack in source_stacks:
            template = copy.deepcopy(planner.world[stack])
            for move in these:
                if sequence.here[(move.source_stack, move.source_id)][0] == stack:
                    del template["Resources"][sequence.here[(move.source_stack, move.source_id)][1]]
            templates[stack] = sequence.rewritten(stack, template, placement)
        new_stacks = []
        for stack in group:
            existing = planner.world.get(stack)
            if existing is None:
                new_stacks.append(stack)
            template = sequence.rewritten(stack, copy.deepcopy(existing), placement) if existing else _skeleton(planner, stack)
            for move in these:
                if move.destination_stack != stack:
                    continue
                at, logical_id = sequence.here[(move.source_stack, move.source_id)]
                planner.current = logical_id
                template["Resources"][move.destination_id] = planner.placed(
                    planner.world[at]["Resources"][logical_id], at, stack, placement)
                planner.current = None
            outputs = {k: v for k, v in outputs_for(planner.new[stack], set(template["Resources"])).items()
                       if k not in template.get("Outputs", {})}
            if outputs:
                template["Outputs"] = {**template.get("Outputs", {}), **outputs}
            templates[stack] = template
        if len(templates) > MAX_STACKS_PER_REFACTOR:
            planner.notes.append(f"refactor {index} takes {len(templates)} stacks; AWS takes at most 5")
        mappings = tuple(
            {"Source": {"StackName": sequence.here[(m.source_stack, m.source_id)][0],
                        "LogicalResourceId": sequence.here[(m.source_stack, m.source_id)][1]},
             "Destination": {"StackName": m.destination_stack, "LogicalResourceId": m.destination_id}}
            for m in these
        )
        sequence.add(
            f"Refactor {index} of {len(operations)}: move {len(these)} resources from "
            f"{', '.join(source_stacks)} to {', '.join(group)}",
            "refactor", templates,
            effect=(f"moves {len(these)} resources, as they are, with their data; "
                    + (f"creates the stacks {', '.join(new_stacks)}; " if new_stacks else "")
                    + "references to them from the stacks they leave become Fn::ImportValue of the same values; "
                      "nothing is created, deleted, replaced or changed"),
            rollback=("before execute-stack-refactor, nothing to undo (a refactor that fails to execute rolls "
                      "itself back). After it, a refactor the other way returns the resources: the source stacks' "
                      "templates of the step before, and each new stack left with a placeholder resource "
                      "(an AWS::SNS::Topic with no subscription), since a stack cannot be empty; then delete "
                      "the new stacks"),
            mappings=mappings, enable_stack_creation=bool(new_stacks),
        )
        for key, position in arrive.items():
            sequence.here[key] = position


def final(sequence: Sequence, creates: list[tuple[str, str]]) -> None:
    """Ordinary deploys of the project's templates, in deploy order: the property changes,
    new resources and exports that a pure move leaves out."""
    planner = sequence.planner
    moved_to = {m.destination_stack for m in sequence.moves}
    for stack in planner.order:
        template = with_framework(planner, stack, planner.new[stack])
        changed = [m for m in sequence.moves if m.destination_stack == stack and m.changes]
        created = [lid for s, lid in creates if s == stack]
        recreated = [m.destination_id for m in sequence.moves if m.destination_stack == stack and m.how == "recreate"]
        what = []
        if changed:
            what.append(f"{len(changed)} resources change ({', '.join(sorted({c for m in changed for c in m.changes}))})")
        if created:
            what.append(f"{len(created)} created ({', '.join(created)})")
        if recreated:
            what.append(f"recreated here: {', '.join(recreated)}")
        if stack not in moved_to and stack in planner.deployed:
            what.append("an update in place")
        last = [b.number for b in sequence.steps if stack in b.templates]
        rollback = (f"redeploy {stack}'s template of step {last[-1]}" if last else
                    f"redeploy {stack}'s template as it was (templates/previous/{stack}.json)" if stack in planner.deployed
                    else f"delete {stack}, whose resources are all new")
        sequence.add(f"{stack}: deploy the project's template", "deploy", {stack: template},
                     effect="; ".join(what) if what else "no change to resources (outputs and exports only, if any)",
                     rollback=rollback)


def stack_order(planner: Planner) -> dict[str, int]:
    """Each stack's place in the plan's deploy order: the project's stacks, then the consumers."""
    order = {stack: i for i, stack in enumerate(planner.order)}
    for stack in sorted(planner.deployed):
        order.setdefault(stack, len(order) + 1000)
    return order


def check_crossings(planner: Planner) -> None:
    """``DependsOn`` that a move takes across stacks becomes the order of the stacks: the
    dependency's stack deploys first, or the plan is refused."""
    from infrac.diagnostics import diagnostic

    order = stack_order(planner)
    for here, resource, there, dependency in sorted(set(planner.crossings)):
        if there == "(in transit)" or order.get(there, -1) < order.get(here, -1):
            planner.notes.append(f"`{resource}` of {here} depended on `{dependency}`, now in {there}: {there} "
                                 f"deploys first, which keeps the order")
            continue
        planner.diagnostics.append(diagnostic(
            "E0854", f"`{resource}` depends on `{dependency}` (DependsOn), which ends in stack `{there}`, deployed "
                     f"after `{here}`",
            planner._span_anywhere(here, resource), label="a DependsOn across stacks",
            notes=["a DependsOn cannot name a resource of another stack; the order of the stacks must keep it"],
            hint=f"keep `{resource}` and `{dependency}` in one stack, or make `{here}` import from `{there}`",
        ))


def moved_where(origin: dict[Where, Where]) -> dict[tuple[str, str], tuple[str, str]]:
    return {(o.stack, o.logical_id): (n.stack, n.logical_id) for n, o in origin.items()}
