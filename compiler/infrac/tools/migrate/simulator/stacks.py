"""An account's physical resources and stacks, what can be asked of them, and the steps every
operation shares: create or remove a physical resource (with the policies), publish a
stack's outputs and exports, keep an export in use, name a new physical resource as AWS
would, and undo everything when an operation is refused.
"""

from __future__ import annotations

import copy

from infrac.cfn.schemas import schema
from infrac.cfn.stateful import on_removal, on_replacement
from infrac.tools.migrate.simulator.model import ACCOUNT_ID, Event, PhysicalResource, Refused, StackState
from infrac.tools.migrate.simulator.values import Resolver

TYPE_CHECKING = False  # typing's own constant, without importing typing
if TYPE_CHECKING:
    from typing import Any


class Stacks:
    """The state of one account in one region, as far as CloudFormation goes; each
    operation is a subclass (:mod:`~infrac.tools.migrate.simulator.deploy`,
    :mod:`~infrac.tools.migrate.simulator.resource_import`,
    :mod:`~infrac.tools.migrate.simulator.refactor`), all of them together the
    :class:`~infrac.tools.migrate.simulator.Account`."""

    def __init__(self, region: str = "eu-west-1", account_id: str = ACCOUNT_ID) -> None:
        self.region = region
        self.account_id = account_id
        self.physical: dict[tuple[str, str], PhysicalResource] = {}
        self.stacks: dict[str, StackState] = {}
        self.events: list[Event] = []
        #: what a ``Snapshot`` policy kept of a deleted resource: (type, identifier) -> its data
        self.snapshots: dict[tuple[str, str], list[Any]] = {}
        self._counter = 0

    def exports(self) -> dict[str, tuple[str, Any]]:
        """Every export: name -> (stack, value)."""
        return {name: (s.name, value) for s in self.stacks.values() for name, value in s.exports.items()}

    def importers(self, export: str) -> list[str]:
        return sorted(s.name for s in self.stacks.values() if export in s.imports)

    def resource(self, stack: str, logical_id: str) -> PhysicalResource:
        state = self.stacks[stack]
        kind = state.template["Resources"][logical_id]["Type"]
        return self.physical[(kind, state.resources[logical_id])]

    def find(self, kind: str, identifier: str) -> PhysicalResource | None:
        return self.physical.get((kind, identifier))

    def physical_id(self, stack: str, logical_id: str) -> str:
        """``describe-stack-resource``'s PhysicalResourceId (here: the primary identifier)."""
        if stack not in self.stacks or logical_id not in self.stacks[stack].resources:
            raise Refused(f"Resource {logical_id} does not exist for stack {stack}")
        return self.stacks[stack].resources[logical_id]

    def _atomic(self, operation) -> list[Event]:
        saved = (copy.deepcopy(self.physical), copy.deepcopy(self.stacks), list(self.events), self._counter,
                 copy.deepcopy(self.snapshots))
        before = len(self.events)
        try:
            operation()
        except Refused:
            self.physical, self.stacks, self.events, self._counter, self.snapshots = saved
            raise
        return self.events[before:]

    def _finish(self, state: StackState, resolver: Resolver, old: StackState | None) -> None:
        """Outputs, exports and imports of a stack about to replace ``old``; then it does."""
        self._outputs(state, resolver)
        self._check_exports(state, old)
        self.stacks[state.name] = state

    def _outputs(self, state: StackState, resolver: Resolver) -> None:
        for output_id, output in state.template.get("Outputs", {}).items():
            if "Condition" in output and not resolver.condition(output["Condition"]):
                continue
            value = resolver.resolve(output["Value"])
            state.outputs[output_id] = value
            if "Export" in output:
                export = resolver.resolve(output["Export"]["Name"])
                owner = self.exports().get(export)
                if owner and owner[0] != state.name:
                    raise Refused(f"Export with name {export} is already exported by stack {owner[0]}")
                if export in state.exports:
                    raise Refused(f"Template error: the export name {export} is used twice")
                state.exports[export] = value
        state.imports = set(resolver.imported)

    def _check_exports(self, state: StackState, old: StackState | None) -> None:
        """An export another stack imports can be neither removed nor changed."""
        if not old:
            return
        for export, value in old.exports.items():
            users = [u for u in self.importers(export) if u != state.name]
            if not users:
                continue
            if export not in state.exports:
                raise Refused(f"Export {export} cannot be deleted as it is in use by {', '.join(users)}")
            if state.exports[export] != value:
                raise Refused(f"Cannot update export {export} as it is in use by {', '.join(users)}")

    def _create(self, stack: str, logical_id: str, kind: str, properties: dict[str, Any]) -> str:
        identifier = self._identify(kind, properties, stack, logical_id)
        if (kind, identifier) in self.physical:
            raise Refused(f"{identifier} already exists (resource {logical_id} in stack {stack})")
        self._counter += 1
        self.physical[(kind, identifier)] = PhysicalResource(kind, identifier, properties, stack, [], self._counter,
                                                             (stack, logical_id))
        self.events.append(Event("create", stack, logical_id, kind, identifier))
        return identifier

    def _remove(self, old: StackState, logical_id: str, resource: dict[str, Any], *, replaced: bool, detail="") -> None:
        kind = resource["Type"]
        physical = self.physical[(kind, old.resources[logical_id])]
        if replaced:
            fate = on_replacement(kind, resource.get("UpdateReplacePolicy"))
        else:
            fate = on_removal(kind, resource.get("DeletionPolicy"), physical.properties)
        if fate == "retain":
            physical.stack = None
            self.events.append(Event("retain", old.name, logical_id, kind, physical.identifier, detail))
            return
        del self.physical[(kind, physical.identifier)]
        if fate == "snapshot":
            self.snapshots[(kind, physical.identifier)] = list(physical.data)
        action = "replace" if replaced else "snapshot" if fate == "snapshot" else "delete"
        self.events.append(Event(action, old.name, logical_id, kind, physical.identifier, detail))

    def _identify(self, kind: str, properties: dict[str, Any], stack: str, logical_id: str) -> str:
        """The primary identifier AWS would give the resource made from ``properties``."""
        region, account = self.region, self.account_id

        def named(key: str) -> str:
            if key in properties:
                return str(properties[key])
            self._counter += 1
            return f"{stack}-{logical_id}-{self._counter:06d}"

        if kind == "AWS::SQS::Queue":
            name = named("QueueName")
            if "QueueName" not in properties and properties.get("FifoQueue"):
                name += ".fifo"
            return f"https://sqs.{region}.amazonaws.com/{account}/{name}"
        if kind == "AWS::Events::Rule":
            bus = properties.get("EventBusName", "default")
            bus = str(bus).rsplit("/", 1)[-1]
            name = named("Name")
            return f"arn:aws:events:{region}:{account}:rule/{name}" if bus == "default" else \
                f"arn:aws:events:{region}:{account}:rule/{bus}/{name}"
        keys = schema(kind).primary_identifier if schema(kind) else ()
        if keys and all(k in properties for k in keys):
            return "|".join(str(properties[k]) for k in keys)
        if kind == "AWS::Cognito::UserPool":
            self._counter += 1
            return f"{region}_Pool{self._counter:06d}"
        if len(keys) > 1:  # e.g. a pool's client: the parent's identifier, then a generated one
            present = [str(properties[k]) for k in keys if k in properties]
            return "|".join(present + [named("__generated__")])
        return named(keys[0] if keys else "__generated__")
