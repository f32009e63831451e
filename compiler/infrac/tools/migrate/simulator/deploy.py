"""``deploy`` and ``delete-stack``: a stack created, updated to a new template, or deleted.

New logical IDs are created (a named resource whose name is taken fails, as in AWS); a
logical ID whose type changes is refused ("Update of resource type is not permitted"); a
change that AWS documents as a replacement (:mod:`infrac.cfn.updates`) replaces the resource
(a new physical resource; the old one deleted unless ``UpdateReplacePolicy`` keeps it; a
custom-named resource cannot be replaced), one the service refuses fails the update, and
other changes update in place; removed logical IDs go as their ``DeletionPolicy`` says
(:mod:`infrac.cfn.stateful`). A stack whose export another stack imports cannot be deleted.
"""

from __future__ import annotations

import copy

from infrac.cfn import updates
from infrac.tools.migrate.simulator.model import Event, Refused, StackState
from infrac.tools.migrate.simulator.stacks import Stacks
from infrac.tools.migrate.simulator.templates import check_template, creation_order, update_changes
from infrac.tools.migrate.simulator.values import Resolver

TYPE_CHECKING = False  # typing's own constant, without importing typing
if TYPE_CHECKING:
    from typing import Any


class Deploying(Stacks):
    """``aws cloudformation deploy`` and ``delete-stack``."""

    def deploy(self, stack: str, template: dict[str, Any]) -> list[Event]:
        """Create the stack, or update it to ``template`` (``aws cloudformation deploy``)."""
        return self._atomic(lambda: self._deploy(stack, template))

    def delete_stack(self, stack: str) -> list[Event]:
        return self._atomic(lambda: self._delete_stack(stack))

    def _deploy(self, name: str, template: dict[str, Any]) -> None:
        check_template(template)
        old = self.stacks.get(name)
        state = StackState(name, copy.deepcopy(template), {}, {}, {}, set())
        old_resources = old.template["Resources"] if old else {}
        resolver = Resolver(self, state, template)
        for logical_id in creation_order(template):
            resource = template["Resources"][logical_id]
            if "Condition" in resource and not resolver.condition(resource["Condition"]):
                continue
            kind = resource["Type"]
            properties = resolver.resolve(resource.get("Properties", {}))
            previous = old_resources.get(logical_id) if old and logical_id in old.resources else None
            if previous is not None and previous["Type"] != kind:
                raise Refused("Update of resource type is not permitted. The new template modifies resource type "
                              f"of the following resources: [{logical_id}]")
            if previous is None:
                state.resources[logical_id] = self._create(name, logical_id, kind, properties)
                resolver.known[logical_id] = state.resources[logical_id]
                continue
            current = self.physical[(kind, old.resources[logical_id])]
            found = update_changes(kind, current.properties, properties)
            if updates.verdict(found) == "refuse":
                refusal = next(c for c in found if c.effect == "refuse")
                raise Refused(f"{logical_id}: the update of {refusal.path} is refused by the service "
                              f"({refusal.rule.when or refusal.rule.quote}; {refusal.rule.source})")
            changed = [c.path for c in found if c.effect != "refuse"]  # replaced: created anew
            if changed:
                identifier = self._identify(kind, properties, name, logical_id)
                if identifier == current.identifier:
                    raise Refused(
                        f"CloudFormation cannot update a stack when a custom-named resource requires replacing. "
                        f"Rename {current.identifier} and update the stack again. ({logical_id}: {', '.join(changed)})"
                    )
                state.resources[logical_id] = self._create(name, logical_id, kind, properties)
                self._remove(old, logical_id, previous, replaced=True, detail=", ".join(changed))
            else:
                policies = [k for k in ("DeletionPolicy", "UpdateReplacePolicy") if previous.get(k) != resource.get(k)]
                if current.properties != properties or policies:
                    current.properties = properties
                    self.events.append(Event("update", name, logical_id, kind, current.identifier, ", ".join(policies)))
                state.resources[logical_id] = current.identifier
            resolver.known[logical_id] = state.resources[logical_id]
        if old:
            for logical_id, previous in old_resources.items():
                if logical_id in old.resources and logical_id not in state.resources:
                    self._remove(old, logical_id, previous, replaced=False)
        self._finish(state, resolver, old)

    def _delete_stack(self, name: str) -> None:
        state = self.stacks.get(name)
        if state is None:
            raise Refused(f"Stack with id {name} does not exist")
        for export in state.exports:
            users = [u for u in self.importers(export) if u != name]
            if users:
                raise Refused(f"Export {export} cannot be deleted as it is in use by {', '.join(users)}")
        for logical_id, resource in state.template["Resources"].items():
            if logical_id in state.resources:
                self._remove(state, logical_id, resource, replaced=False)
        del self.stacks[name]
