"""A simulation of CloudFormation's semantics, to rehearse a migration offline.

What it models, and nothing more (each rule has a positive and a negative test in
``tests/test_simulator.py``):

- an account holds physical resources, keyed by type and primary identifier (the
  schema's ``primaryIdentifier``, from :mod:`infrac.cfn.schemas`), each with its
  properties, its data (a table's items, a queue's messages, a bucket's objects)
  and the stack that manages it, if any;
- ``deploy`` creates or updates a stack: new logical IDs are created (a named
  resource whose name is taken fails, as in AWS); changed create-only properties
  replace the resource (a new physical resource; the old one is deleted unless
  ``UpdateReplacePolicy: Retain``; a custom-named resource cannot be replaced);
  other changes update in place; removed logical IDs are deleted unless
  ``DeletionPolicy: Retain``;
- exports and imports: an import needs an existing export of another stack; an
  export another stack imports cannot be removed or changed, and that stack
  cannot be deleted;
- ``import_resources`` is a change set of type ``IMPORT``: every resource to
  import is in the template with a ``DeletionPolicy`` and its whole primary
  identifier, the physical resource exists and no stack manages it, and nothing
  else in the stack changes;
- ``refactor`` is ``CreateStackRefactor`` + ``ExecuteStackRefactor``: 2 to 5
  stacks, no resource created, deleted or changed, no parameter, condition or
  mapping changed or added, a resource goes to one destination, no moved
  resource may depend on the stack's name or ID, only supported types, no stack
  left empty; new stacks only with ``enable_stack_creation``.

Every operation is all or nothing: a refused one raises :class:`Refused` and
leaves the account as it was, like CloudFormation's rollback.

Conditions are evaluated (``Fn::Equals``, ``Fn::Not``, ``Fn::And``, ``Fn::Or``, ``Condition``)
and parameters take their defaults.

What it does not model: resource-specific validation (it accepts any property
value), eventual consistency, service quotas, drift, IAM, the system tags
(``aws:cloudformation:*``) that a refactor rewrites, and the exact set of types AWS
accepts for refactoring and import (see ``REFACTOR_UNSUPPORTED``). Only AWS can
confirm those.
"""

from __future__ import annotations

import copy
import json
import re

from infrac.base.classes import field, frozen, mutable
from infrac.cfn.schemas import schema

TYPE_CHECKING = False  # typing's own constant, without importing typing
if TYPE_CHECKING:
    from typing import Any

ACCOUNT_ID = "123456789012"

#: Types refused by refactoring and import here: not registry types, or made to
#: run code at deploy time. AWS's own list (User Guide, "Stack refactoring",
#: resource limitations) may refuse more; only AWS can confirm it.
REFACTOR_UNSUPPORTED = frozenset(
    {
        "AWS::CloudFormation::CustomResource",
        "AWS::CloudFormation::WaitCondition",
        "AWS::CloudFormation::WaitConditionHandle",
        "AWS::CloudFormation::Macro",
    }
)

#: Pseudo parameters whose value differs between two stacks.
STACK_DEPENDENT = ("AWS::StackName", "AWS::StackId")


class Refused(Exception):
    """CloudFormation refuses the operation (or rolls it back); nothing changed."""


@mutable
class PhysicalResource:
    type: str
    identifier: str
    properties: dict[str, Any]
    #: the stack that manages it, or None when it is unmanaged (retained, or never managed)
    stack: str | None
    #: the data it holds: items, messages, objects (whatever a test puts there)
    data: list[Any] = field(factory=list)
    #: monotonically increasing creation number, to tell a replacement from an update
    generation: int = 0


@mutable
class StackState:
    name: str
    template: dict[str, Any]
    #: logical ID -> physical identifier
    resources: dict[str, str]
    #: output logical ID -> resolved value
    outputs: dict[str, Any]
    #: export name -> resolved value
    exports: dict[str, Any]
    #: export names it imports
    imports: set[str]


@frozen
class Event:
    """One thing an operation did, for the record: ``create``, ``update``,
    ``replace``, ``delete``, ``retain``, ``import``, ``move``."""

    action: str
    stack: str
    logical_id: str
    type: str
    identifier: str
    detail: str = ""


def _is_stateful_data(kind: str) -> bool:
    return kind in {"AWS::DynamoDB::Table", "AWS::SQS::Queue", "AWS::S3::Bucket"}


class Account:
    """One AWS account in one region, as far as CloudFormation goes."""

    def __init__(self, region: str = "eu-west-1", account_id: str = ACCOUNT_ID) -> None:
        self.region = region
        self.account_id = account_id
        self.physical: dict[tuple[str, str], PhysicalResource] = {}
        self.stacks: dict[str, StackState] = {}
        self.events: list[Event] = []
        self._counter = 0

    # ---- queries --------------------------------------------------------------------

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

    # ---- operations -------------------------------------------------------------------

    def deploy(self, stack: str, template: dict[str, Any]) -> list[Event]:
        """Create the stack, or update it to ``template`` (``aws cloudformation deploy``)."""
        return self._atomic(lambda: self._deploy(stack, template))

    def delete_stack(self, stack: str) -> list[Event]:
        return self._atomic(lambda: self._delete_stack(stack))

    def import_resources(
        self, stack: str, template: dict[str, Any], resources_to_import: list[dict[str, Any]]
    ) -> list[Event]:
        """A change set of type IMPORT (the stack is created when it does not exist)."""
        return self._atomic(lambda: self._import(stack, template, resources_to_import))

    def refactor(
        self,
        stack_definitions: dict[str, dict[str, Any]],
        resource_mappings: list[dict[str, Any]] = (),  # type: ignore[assignment]
        enable_stack_creation: bool = False,
    ) -> list[Event]:
        """``create-stack-refactor`` then ``execute-stack-refactor``."""
        return self._atomic(lambda: self._refactor(stack_definitions, list(resource_mappings), enable_stack_creation))

    def _atomic(self, operation) -> list[Event]:
        saved = (copy.deepcopy(self.physical), copy.deepcopy(self.stacks), list(self.events), self._counter)
        before = len(self.events)
        try:
            operation()
        except Refused:
            self.physical, self.stacks, self.events, self._counter = saved
            raise
        return self.events[before:]

    # ---- deploy -----------------------------------------------------------------------

    def _deploy(self, name: str, template: dict[str, Any]) -> None:
        _check_template(template)
        old = self.stacks.get(name)
        state = StackState(name, copy.deepcopy(template), {}, {}, {}, set())
        old_resources = old.template["Resources"] if old else {}
        resolver = _Resolver(self, state, template)
        for logical_id in _order(template):
            resource = template["Resources"][logical_id]
            if "Condition" in resource and not resolver.condition(resource["Condition"]):
                continue
            kind = resource["Type"]
            properties = resolver.resolve(resource.get("Properties", {}))
            previous = old_resources.get(logical_id) if old and logical_id in old.resources else None
            if previous is None or previous["Type"] != kind:
                if previous is not None:  # a new type under an old logical ID: replaced
                    self._remove(old, logical_id, previous, replaced=True)
                state.resources[logical_id] = self._create(name, logical_id, kind, properties)
                resolver.known[logical_id] = state.resources[logical_id]
                continue
            current = self.physical[(kind, old.resources[logical_id])]
            changed = _replacing_changes(kind, current.properties, properties)
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

    def _finish(self, state: StackState, resolver: _Resolver, old: StackState | None) -> None:
        """Outputs, exports and imports of a stack about to replace ``old``; then it does."""
        self._outputs(state, resolver)
        self._check_exports(state, old)
        self.stacks[state.name] = state

    def _outputs(self, state: StackState, resolver: _Resolver) -> None:
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
        self.physical[(kind, identifier)] = PhysicalResource(kind, identifier, properties, stack, [], self._counter)
        self.events.append(Event("create", stack, logical_id, kind, identifier))
        return identifier

    def _remove(self, old: StackState, logical_id: str, resource: dict[str, Any], *, replaced: bool, detail="") -> None:
        kind = resource["Type"]
        physical = self.physical[(kind, old.resources[logical_id])]
        policy = resource.get("UpdateReplacePolicy" if replaced else "DeletionPolicy", "Delete")
        if policy == "Retain":
            physical.stack = None
            self.events.append(Event("retain", old.name, logical_id, kind, physical.identifier, detail))
        else:
            del self.physical[(kind, physical.identifier)]
            self.events.append(Event("replace" if replaced else "delete", old.name, logical_id, kind,
                                     physical.identifier, detail))

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

    # ---- import -----------------------------------------------------------------------

    def _import(self, name: str, template: dict[str, Any], to_import: list[dict[str, Any]]) -> None:
        _check_template(template)
        old = self.stacks.get(name)
        old_resources = old.template["Resources"] if old else {}
        wanted = {entry["LogicalResourceId"]: entry for entry in to_import}
        for logical_id, resource in template["Resources"].items():
            if logical_id in wanted:
                continue
            if logical_id not in old_resources:
                raise Refused(f"{logical_id}: an IMPORT change set cannot create resources; only import them")
            if _comparable(old_resources[logical_id]) != _comparable(resource):
                raise Refused(f"{logical_id}: an IMPORT change set cannot update resources in the same operation")
        for logical_id in old_resources:
            if logical_id not in template["Resources"]:
                raise Refused(f"{logical_id}: an IMPORT change set cannot delete resources")
        state = StackState(name, copy.deepcopy(template), dict(old.resources) if old else {}, {}, {}, set())
        resolver = _Resolver(self, state, template)
        resolver.known.update(state.resources)
        missing = sorted(set(wanted) - set(template["Resources"]))
        if missing:
            raise Refused(f"Resource {missing[0]} to import is not in the template")
        for logical_id in (k for k in _order(template) if k in wanted):
            entry = wanted[logical_id]
            resource = template["Resources"][logical_id]
            kind = entry["ResourceType"]
            if resource["Type"] != kind:
                raise Refused(f"{logical_id}: ResourceType {kind} does not match the template's {resource['Type']}")
            if "DeletionPolicy" not in resource:
                raise Refused(f"{logical_id}: resources to import need a DeletionPolicy in the template")
            if kind in REFACTOR_UNSUPPORTED or schema(kind) is None:
                raise Refused(f"{logical_id}: resource type {kind} does not support import")
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

    # ---- refactor ---------------------------------------------------------------------

    def _refactor(self, definitions: dict[str, dict[str, Any]], mappings: list[dict[str, Any]], create: bool) -> None:
        if not 2 <= len(definitions) <= 5:
            raise Refused(f"A stack refactor takes 2 to 5 stacks, not {len(definitions)}")
        for name, template in definitions.items():
            _check_template(template)
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
        for name, template in definitions.items():
            for logical_id, resource in template["Resources"].items():
                key = (name, logical_id)
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
            if moved and (kind in REFACTOR_UNSUPPORTED or schema(kind) is None):
                raise Refused(f"{source[0]}.{source[1]}: resource type {kind} does not support stack refactoring")
            if moved and (
                _uses_stack_name(definitions[name]["Resources"][logical_id])
                or _uses_stack_name(self.stacks[source[0]].template["Resources"][source[1]])
            ):
                raise Refused(f"{source[0]}.{source[1]}: a resource whose value depends on the stack's name or ID cannot be moved")
        # The new layout, resolved all together: exports may be created and imported in the same operation.
        states: dict[str, StackState] = {}
        for name, template in definitions.items():
            identifiers = {}
            for logical_id in template["Resources"]:
                source_stack, source_id = origin[(name, logical_id)]
                identifiers[logical_id] = self.stacks[source_stack].resources[source_id]
            states[name] = StackState(name, copy.deepcopy(template), identifiers, {}, {}, set())
        pending: dict[str, tuple[str, Any]] = {}
        for name, template in definitions.items():
            resolver = _Resolver(self, states[name], template, states=states)
            resolver.known.update(states[name].resources)
            for output in template.get("Outputs", {}).values():
                if "Export" in output:
                    pending[resolver.resolve(output["Export"]["Name"])] = (name, output["Value"])
        resolvers = {}
        for name, template in definitions.items():
            resolver = _Resolver(self, states[name], template, states=states, pending=pending)
            resolver.known.update(states[name].resources)
            for logical_id, resource in template["Resources"].items():
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

    # ---- physical identity --------------------------------------------------------------

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


# ---- templates ------------------------------------------------------------------------------

def _check_template(template: dict[str, Any]) -> None:
    if not isinstance(template, dict) or not isinstance(template.get("Resources"), dict):
        raise Refused("Template format error: a template needs a Resources section")
    for logical_id, resource in template["Resources"].items():
        if not re.fullmatch(r"[A-Za-z0-9]{1,255}", logical_id):
            raise Refused(f"Template format error: {logical_id!r} is not a valid logical ID")
        if not isinstance(resource, dict) or "Type" not in resource:
            raise Refused(f"Template format error: {logical_id} has no Type")


def _comparable(resource: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in resource.items() if k != "Metadata"}


def _uses_stack_name(value: Any) -> bool:
    text = json.dumps(value)
    return any(f'"Ref": "{p}"' in text or "${" + p + "}" in text for p in STACK_DEPENDENT)


def _replacing_changes(kind: str, before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    """The create-only (and, conservatively, conditionally create-only) properties that differ."""
    found = schema(kind)
    if found is None:
        return []
    changed = []
    for path in found.create_only + found.conditional_create_only:
        if _at(before, path) != _at(after, path):
            changed.append(path)
    return changed


def _at(value: Any, path: str) -> Any:
    for part in path.split("/"):
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


def references_of(value: Any) -> set[str]:
    """The logical IDs (and parameters) a template value refers to."""
    found: set[str] = set()
    if isinstance(value, dict):
        if set(value) == {"Ref"} and isinstance(value["Ref"], str):
            found.add(value["Ref"])
        elif set(value) == {"Fn::GetAtt"}:
            target = value["Fn::GetAtt"]
            found.add(target[0] if isinstance(target, list) else str(target).split(".", 1)[0])
        elif set(value) == {"Fn::Sub"}:
            text = value["Fn::Sub"] if isinstance(value["Fn::Sub"], str) else value["Fn::Sub"][0]
            names = value["Fn::Sub"][1] if isinstance(value["Fn::Sub"], list) else {}
            for name in re.findall(r"\$\{([^!}][^}]*)\}", text):
                if name.split(".", 1)[0] not in names:
                    found.add(name.split(".", 1)[0])
            found |= references_of(names)
        else:
            for item in value.values():
                found |= references_of(item)
    elif isinstance(value, list):
        for item in value:
            found |= references_of(item)
    return found


def _order(template: dict[str, Any]) -> list[str]:
    """Logical IDs in an order where each comes after what it refers to."""
    resources = template["Resources"]
    needs = {}
    for logical_id, resource in resources.items():
        depends = resource.get("DependsOn", [])
        depends = [depends] if isinstance(depends, str) else list(depends)
        needs[logical_id] = {r for r in references_of(resource.get("Properties", {})) | set(depends) if r in resources}
    ordered: list[str] = []
    done: set[str] = set()
    while len(ordered) < len(resources):
        ready = sorted(k for k in resources if k not in done and needs[k] <= done)
        if not ready:
            raise Refused(f"Circular dependency between resources: {sorted(set(resources) - done)}")
        ordered += ready
        done |= set(ready)
    return ordered


class _Resolver:
    """Resolves the intrinsic functions of one stack's template to plain values."""

    def __init__(self, account: Account, state: StackState, template: dict[str, Any], *, states=None, pending=None):
        self.account = account
        self.state = state
        self.template = template
        self.known: dict[str, str] = {}
        self.imported: set[str] = set()
        self.states = states or {}
        self.pending = pending or {}
        self.conditions = {}
        for name, condition in template.get("Conditions", {}).items():
            self.conditions[name] = condition

    def pseudo(self, name: str) -> Any:
        values = {
            "AWS::Region": self.account.region,
            "AWS::AccountId": self.account.account_id,
            "AWS::Partition": "aws",
            "AWS::URLSuffix": "amazonaws.com",
            "AWS::StackName": self.state.name,
            "AWS::StackId": f"arn:aws:cloudformation:{self.account.region}:{self.account.account_id}:stack/{self.state.name}/id",
            "AWS::NoValue": _NO_VALUE,
        }
        return values.get(name)

    def resolve(self, value: Any) -> Any:
        return _drop_no_value(self._resolve(value))

    def _resolve(self, value: Any) -> Any:
        if isinstance(value, list):
            return [self._resolve(v) for v in value]
        if not isinstance(value, dict):
            return value
        if len(value) == 1:
            (key, argument), = value.items()
            if key == "Ref":
                return self.ref(argument)
            if key == "Fn::GetAtt":
                logical_id, attribute = argument if isinstance(argument, list) else argument.split(".", 1)
                return self.get_att(logical_id, attribute)
            if key == "Fn::Sub":
                return self.sub(argument)
            if key == "Fn::Join":
                delimiter, items = argument
                return delimiter.join(str(i) for i in self._resolve(items))
            if key == "Fn::Select":
                index, items = self._resolve(argument)
                return items[int(index)]
            if key == "Fn::Split":
                delimiter, text = self._resolve(argument)
                return text.split(delimiter)
            if key == "Fn::ImportValue":
                return self.import_value(self._resolve(argument))
            if key == "Fn::If":
                name, yes, no = argument
                return self._resolve(yes if self.condition(name) else no)
            if key == "Fn::GetStackOutput":
                raise Refused("Fn::GetStackOutput is not simulated")
        return {k: self._resolve(v) for k, v in value.items()}

    def condition(self, name: str) -> bool:
        return bool(self._condition(self.conditions[name]))

    def _condition(self, value: Any) -> Any:
        if isinstance(value, dict) and len(value) == 1:
            (key, argument), = value.items()
            if key == "Fn::Equals":
                a, b = (self._resolve(v) for v in argument)
                return str(a) == str(b)
            if key == "Fn::Not":
                return not self._condition(argument[0])
            if key == "Fn::And":
                return all(self._condition(v) for v in argument)
            if key == "Fn::Or":
                return any(self._condition(v) for v in argument)
            if key == "Condition":
                return self.condition(argument)
        return self._resolve(value)

    def ref(self, name: str) -> Any:
        if name.startswith("AWS::"):
            return self.pseudo(name)
        parameters = self.template.get("Parameters", {})
        if name in parameters:
            return parameters[name].get("Default")
        identifier = self._identifier(name)
        kind = self.template["Resources"][name]["Type"]
        return _ref_value(kind, identifier, self.account)

    def _identifier(self, logical_id: str) -> str:
        if logical_id not in self.template.get("Resources", {}):
            raise Refused(f"Template format error: unresolved resource dependency {logical_id} in {self.state.name}")
        if logical_id not in self.known:
            raise Refused(f"{self.state.name}: {logical_id} is referred to before it exists")
        return self.known[logical_id]

    def get_att(self, logical_id: str, attribute: str) -> Any:
        identifier = self._identifier(logical_id)
        kind = self.template["Resources"][logical_id]["Type"]
        physical = self.account.physical.get((kind, identifier))
        properties = physical.properties if physical else {}
        return _attribute(kind, identifier, attribute, properties, self.account)

    def sub(self, argument: Any) -> str:
        text, names = (argument, {}) if isinstance(argument, str) else argument
        names = {k: self._resolve(v) for k, v in names.items()}

        def replace(match: re.Match) -> str:
            name = match.group(1)
            if name.startswith("!"):
                return "${" + name[1:] + "}"
            if name in names:
                return str(names[name])
            if "." in name and not name.startswith("AWS::"):
                logical_id, attribute = name.split(".", 1)
                return str(self.get_att(logical_id, attribute))
            return str(self.ref(name))

        return re.sub(r"\$\{([^}]*)\}", replace, text)

    def import_value(self, name: str) -> Any:
        exports = self.account.exports()
        if name in self.pending:
            stack, value = self.pending[name]
            if stack == self.state.name:
                raise Refused(f"{stack} imports its own export {name}")
            self.imported.add(name)
            other = self.states[stack]
            resolver = _Resolver(self.account, other, other.template, states=self.states)
            resolver.known.update(other.resources)
            return resolver.resolve(value)
        if name not in exports or (self.states and exports[name][0] in self.states):
            raise Refused(f"No export named {name} found")
        if exports[name][0] == self.state.name:
            raise Refused(f"{self.state.name} imports its own export {name}")
        self.imported.add(name)
        return exports[name][1]


_NO_VALUE = object()


def _drop_no_value(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _drop_no_value(v) for k, v in value.items() if v is not _NO_VALUE}
    if isinstance(value, list):
        return [_drop_no_value(v) for v in value if v is not _NO_VALUE]
    return value


def _name_of(kind: str, identifier: str) -> str:
    if kind == "AWS::SQS::Queue" or kind == "AWS::Events::Rule":
        return identifier.rsplit("/", 1)[-1]
    return identifier.split("|")[-1]


def _ref_value(kind: str, identifier: str, account: Account) -> str:
    """What ``Ref`` gives: a queue's URL, a rule's name, most others' identifier."""
    if kind == "AWS::Events::Rule":
        return _name_of(kind, identifier)
    if kind == "AWS::Cognito::UserPoolClient":
        return identifier.split("|")[-1]
    return identifier.split("|")[-1] if "|" in identifier else identifier


def _attribute(kind: str, identifier: str, attribute: str, properties: dict[str, Any], account: Account) -> Any:
    region, number = account.region, account.account_id
    name = _name_of(kind, identifier)
    arns = {
        "AWS::DynamoDB::Table": f"arn:aws:dynamodb:{region}:{number}:table/{name}",
        "AWS::SQS::Queue": f"arn:aws:sqs:{region}:{number}:{name}",
        "AWS::S3::Bucket": f"arn:aws:s3:::{name}",
        "AWS::Events::EventBus": f"arn:aws:events:{region}:{number}:event-bus/{name}",
        "AWS::Events::Rule": identifier,
        "AWS::Cognito::UserPool": f"arn:aws:cognito-idp:{region}:{number}:userpool/{identifier}",
    }
    if attribute == "Arn":
        return arns.get(kind, f"arn:aws:{kind.split('::')[1].lower()}:{region}:{number}:{identifier}")
    if kind == "AWS::DynamoDB::Table" and attribute == "StreamArn":
        if "StreamSpecification" not in properties:
            raise Refused(f"Table {name} has no stream, so it has no StreamArn")
        return f"{arns[kind]}/stream/2020-01-01T00:00:00.000"
    if kind == "AWS::SQS::Queue":
        return {"QueueName": name, "QueueUrl": identifier}.get(attribute, f"{identifier}.{attribute}")
    if kind == "AWS::Events::EventBus" and attribute == "Name":
        return name
    if kind == "AWS::S3::Bucket" and attribute == "DomainName":
        return f"{name}.s3.amazonaws.com"
    if kind == "AWS::Cognito::UserPool" and attribute == "UserPoolId":
        return identifier
    if kind == "AWS::Cognito::UserPool" and attribute == "ProviderName":
        return f"cognito-idp.{region}.amazonaws.com/{identifier}"
    if kind == "AWS::Cognito::UserPoolClient" and attribute == "ClientId":
        return identifier.split("|")[-1]
    return f"{identifier}.{attribute}"
