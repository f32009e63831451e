"""A change set of type ``IMPORT``: existing physical resources adopted by a stack.

Every resource to import is of a type AWS lists as importable (:mod:`infrac.cfn.movable`), is
in the template with a ``DeletionPolicy`` and its whole primary identifier, the physical
resource exists and no stack manages it, and nothing else in the stack changes (no resource
created, updated or deleted in the same operation). Outputs stay as they are: AWS says an
import creates, deletes and changes nothing but adds resources, and says nothing of outputs;
the simulator refuses a change of them, and plans change them in a later update (as the AWS
CDK does, which leaves outputs out of a stack it creates by import).
"""

from __future__ import annotations

import copy

from infrac.cfn.movable import import_refusal
from infrac.cfn.schemas import schema
from infrac.tools.migrate.simulator.model import Event, Refused, StackState
from infrac.tools.migrate.simulator.stacks import Stacks
from infrac.tools.migrate.simulator.templates import check_template, comparable, creation_order
from infrac.tools.migrate.simulator.values import Resolver

TYPE_CHECKING = False  # typing's own constant, without importing typing
if TYPE_CHECKING:
    from typing import Any


class Importing(Stacks):
    """``create-change-set --change-set-type IMPORT``, then its execution."""

    def import_resources(
        self, stack: str, template: dict[str, Any], resources_to_import: list[dict[str, Any]]
    ) -> list[Event]:
        """A change set of type IMPORT (the stack is created when it does not exist)."""
        return self._atomic(lambda: self._import(stack, template, resources_to_import))

    def _import(self, name: str, template: dict[str, Any], to_import: list[dict[str, Any]]) -> None:
        check_template(template)
        old = self.stacks.get(name)
        old_resources = old.template["Resources"] if old else {}
        wanted = {entry["LogicalResourceId"]: entry for entry in to_import}
        for logical_id, resource in template["Resources"].items():
            if logical_id in wanted:
                continue
            if logical_id not in old_resources:
                raise Refused(f"{logical_id}: an IMPORT change set cannot create resources; only import them")
            if comparable(old_resources[logical_id]) != comparable(resource):
                raise Refused(f"{logical_id}: an IMPORT change set cannot update resources in the same operation")
        for logical_id in old_resources:
            if logical_id not in template["Resources"]:
                raise Refused(f"{logical_id}: an IMPORT change set cannot delete resources")
        if template.get("Outputs", {}) != (old.template.get("Outputs", {}) if old else {}):
            raise Refused("an IMPORT change set adds resources only: change the outputs in an update after it")
        state = StackState(name, copy.deepcopy(template), dict(old.resources) if old else {}, {}, {}, set())
        resolver = Resolver(self, state, template)
        resolver.known.update(state.resources)
        missing = sorted(set(wanted) - set(template["Resources"]))
        if missing:
            raise Refused(f"Resource {missing[0]} to import is not in the template")
        for logical_id in (k for k in creation_order(template) if k in wanted):
            entry = wanted[logical_id]
            resource = template["Resources"][logical_id]
            kind = entry["ResourceType"]
            if resource["Type"] != kind:
                raise Refused(f"{logical_id}: ResourceType {kind} does not match the template's {resource['Type']}")
            if "DeletionPolicy" not in resource:
                raise Refused(f"{logical_id}: resources to import need a DeletionPolicy in the template")
            if import_refusal(kind) or schema(kind) is None:
                raise Refused(f"{logical_id}: resource type {kind} does not support import ({import_refusal(kind)})")
            keys = schema(kind).primary_identifier
            identifier_map = entry.get("ResourceIdentifier", {})
            if set(identifier_map) != set(keys):
                raise Refused(f"{logical_id}: the identifier of {kind} is {', '.join(keys)}, not {', '.join(identifier_map) or 'nothing'}")
            identifier = "|".join(str(identifier_map[k]) for k in keys)
            physical = self.physical.get((kind, identifier))
            if physical is None:
                raise Refused(f"{logical_id}: no {kind} with identifier {identifier} exists")
            if physical.stack is not None:
                raise Refused(f"{logical_id}: {identifier} already belongs to stack {physical.stack}")
            properties = resolver.resolve(resource.get("Properties", {}))
            for key in keys:  # identifiers that are properties must agree with the template
                if key in properties and str(properties[key]) != str(identifier_map[key]):
                    raise Refused(f"{logical_id}: the template's {key} is {properties[key]}, not {identifier_map[key]}")
            physical.stack = name
            physical.properties = properties
            state.resources[logical_id] = identifier
            resolver.known[logical_id] = identifier
            self.events.append(Event("import", name, logical_id, kind, identifier))
        self._finish(state, resolver, old)
