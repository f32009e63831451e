"""Stack refactoring: ``CreateStackRefactor`` then ``ExecuteStackRefactor``.

2 to 5 stacks, no resource created, deleted or changed, no parameter, condition or mapping
changed or added, a resource goes to one destination, no moved resource may depend on the
stack's name, ID or notification topics, only the types AWS lets it move
(:mod:`infrac.cfn.movable`), no stack left empty; new stacks only with
``enable_stack_creation``. A resource whose condition is false does not exist, so it is not
looked for. The new layout is resolved all together, so exports may be created and imported
in the same operation.
"""

from __future__ import annotations

import copy

from infrac.cfn.movable import refactor_refusal
from infrac.tools.migrate.simulator.model import Event, Refused, StackState
from infrac.tools.migrate.simulator.stacks import Stacks
from infrac.tools.migrate.simulator.templates import check_template, uses_stack_name
from infrac.tools.migrate.simulator.values import Resolver

TYPE_CHECKING = False  # typing's own constant, without importing typing
if TYPE_CHECKING:
    from typing import Any


class Refactoring(Stacks):
    """``create-stack-refactor`` and ``execute-stack-refactor``."""

    def refactor(
        self,
        stack_definitions: dict[str, dict[str, Any]],
        resource_mappings: list[dict[str, Any]] = (),  # type: ignore[assignment]
        enable_stack_creation: bool = False,
    ) -> list[Event]:
        """``create-stack-refactor`` then ``execute-stack-refactor``."""
        return self._atomic(lambda: self._refactor(stack_definitions, list(resource_mappings), enable_stack_creation))

    def _refactor(self, definitions: dict[str, dict[str, Any]], mappings: list[dict[str, Any]], create: bool) -> None:
        if not 2 <= len(definitions) <= 5:
            raise Refused(f"A stack refactor takes 2 to 5 stacks, not {len(definitions)}")
        for name, template in definitions.items():
            check_template(template)
            if not template.get("Resources"):
                raise Refused(f"{name}: CloudFormation does not support empty stacks")
            old = self.stacks.get(name)
            if old is None:
                if not create:
                    raise Refused(f"Stack {name} does not exist (set EnableStackCreation to create it)")
                for section in ("Parameters", "Conditions", "Mappings"):
                    if template.get(section):
                        raise Refused(f"{name}: a refactor cannot add {section.lower()}")
            else:
                for section in ("Parameters", "Conditions", "Mappings"):
                    if template.get(section, {}) != old.template.get(section, {}):
                        raise Refused(f"{name}: a refactor cannot change or add {section.lower()}")
        # Where every resource of the new layout comes from.
        explicit: dict[tuple[str, str], tuple[str, str]] = {}
        sources_seen: set[tuple[str, str]] = set()
        for mapping in mappings:
            source = (mapping["Source"]["StackName"], mapping["Source"]["LogicalResourceId"])
            destination = (mapping["Destination"]["StackName"], mapping["Destination"]["LogicalResourceId"])
            if source in sources_seen:
                raise Refused(f"{source[0]}.{source[1]} is mapped to more than one destination")
            sources_seen.add(source)
            explicit[destination] = source
        origin: dict[tuple[str, str], tuple[str, str]] = {}
        absent: dict[str, set[str]] = {}
        for name, template in definitions.items():
            conditions = Resolver(self, StackState(name, template, {}, {}, {}, set()), template)
            absent[name] = {lid for lid, r in template["Resources"].items()
                            if "Condition" in r and not conditions.condition(r["Condition"])}
            for logical_id, resource in template["Resources"].items():
                key = (name, logical_id)
                if logical_id in absent[name]:
                    continue
                if key in explicit:
                    origin[key] = explicit[key]
                elif name in self.stacks and logical_id in self.stacks[name].resources and not any(
                    s == key for s in sources_seen
                ):
                    origin[key] = key
                else:
                    found = [
                        (other, logical_id)
                        for other in definitions
                        if other in self.stacks and logical_id in self.stacks[other].resources
                        and self.stacks[other].template["Resources"][logical_id]["Type"] == resource["Type"]
                        and logical_id not in definitions[other]["Resources"]
                    ]
                    if len(found) != 1:
                        raise Refused(
                            f"{name}.{logical_id}: a refactor cannot create resources "
                            "(no resource of a stack in the refactor matches it)"
                        )
                    origin[key] = found[0]
        used: dict[tuple[str, str], tuple[str, str]] = {}
        for destination, source in origin.items():
            if source in used:
                raise Refused(f"{source[0]}.{source[1]} would go to both {used[source][0]} and {destination[0]}")
            used[source] = destination
        for name in definitions:
            if name in self.stacks:
                for logical_id in self.stacks[name].resources:
                    if (name, logical_id) not in used:
                        raise Refused(f"{name}.{logical_id}: a refactor cannot delete resources")
        for (name, logical_id), source in origin.items():
            if source[0] not in definitions:
                raise Refused(f"{source[0]} holds {source[1]} but is not one of the stacks in the refactor")
            kind = definitions[name]["Resources"][logical_id]["Type"]
            moved = source != (name, logical_id)
            if moved and refactor_refusal(kind):
                raise Refused(f"{source[0]}.{source[1]}: resource type {kind} does not support stack refactoring "
                              f"({refactor_refusal(kind)})")
            if moved and (
                uses_stack_name(definitions[name]["Resources"][logical_id])
                or uses_stack_name(self.stacks[source[0]].template["Resources"][source[1]])
            ):
                raise Refused(f"{source[0]}.{source[1]}: a resource whose value depends on the stack's name or ID cannot be moved")
        # The new layout, resolved all together: exports may be created and imported in the same operation.
        states: dict[str, StackState] = {}
        for name, template in definitions.items():
            identifiers = {}
            for logical_id in template["Resources"]:
                if logical_id in absent[name]:
                    continue
                source_stack, source_id = origin[(name, logical_id)]
                identifiers[logical_id] = self.stacks[source_stack].resources[source_id]
            states[name] = StackState(name, copy.deepcopy(template), identifiers, {}, {}, set())
        pending: dict[str, tuple[str, Any]] = {}
        for name, template in definitions.items():
            resolver = Resolver(self, states[name], template, states=states)
            resolver.known.update(states[name].resources)
            for output in template.get("Outputs", {}).values():
                if "Export" in output:
                    pending[resolver.resolve(output["Export"]["Name"])] = (name, output["Value"])
        resolvers = {}
        for name, template in definitions.items():
            resolver = Resolver(self, states[name], template, states=states, pending=pending)
            resolver.known.update(states[name].resources)
            for logical_id, resource in template["Resources"].items():
                if logical_id in absent[name]:
                    continue
                source_stack, source_id = origin[(name, logical_id)]
                previous = self.stacks[source_stack].template["Resources"][source_id]
                physical = self.physical[(resource["Type"], states[name].resources[logical_id])]
                properties = resolver.resolve(resource.get("Properties", {}))
                if properties != physical.properties:
                    diff = sorted(k for k in set(properties) | set(physical.properties)
                                  if properties.get(k) != physical.properties.get(k))
                    raise Refused(f"{name}.{logical_id}: a refactor cannot change resource properties ({', '.join(diff)})")
                for attribute in ("DeletionPolicy", "UpdateReplacePolicy", "Condition"):
                    if resource.get(attribute) != previous.get(attribute):
                        raise Refused(f"{name}.{logical_id}: a refactor cannot change its {attribute}")
            self._outputs(states[name], resolver)
            resolvers[name] = resolver
        old_states = {name: self.stacks.get(name) for name in definitions}
        self.stacks.update(states)
        for name in definitions:
            self._check_exports(states[name], old_states[name])
        for (name, logical_id), (source_stack, source_id) in sorted(origin.items()):
            kind = definitions[name]["Resources"][logical_id]["Type"]
            physical = self.physical[(kind, states[name].resources[logical_id])]
            physical.stack = name
            if (source_stack, source_id) != (name, logical_id):
                self.events.append(Event("move", name, logical_id, kind, physical.identifier,
                                         f"from {source_stack}.{source_id}"))
