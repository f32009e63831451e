"""The planner's questions about the deployed stacks and the project: which deployed resource
each of the project's resources is, what the project changes on it (and whether that
replaces it), whether it can move by stack refactoring, how a reference to it is written
from each stack once it has moved, and which exports in use the project keeps.
"""

from __future__ import annotations

import copy
import json
import re

from infrac.base.classes import evolve, frozen
from infrac.base.source import Span
from infrac.cfn.schemas import schema
from infrac.diagnostics import Diagnostic, diagnostic
from infrac.tools.migrate.plan.deployed import Deployed
from infrac.tools.migrate.plan.model import FRAMEWORK_RESOURCES, SAME_VALUE, STATEFUL, Move, stack_name
from infrac.tools.migrate.simulator.model import REFACTOR_UNSUPPORTED, STACK_DEPENDENT
from infrac.tools.migrate.source.model import join

TYPE_CHECKING = False  # typing's own constant, without importing typing
if TYPE_CHECKING:
    from typing import Any


def _identity(kind: str, properties: dict[str, Any]) -> str | None:
    """What names the physical resource, when the template says it literally."""
    names = {"AWS::SQS::Queue": ("QueueName",), "AWS::Events::Rule": ("EventBusName", "Name")}
    keys = names.get(kind) or (schema(kind).primary_identifier if schema(kind) else ())
    values = [properties.get(k, "default" if k == "EventBusName" else None) for k in keys]
    if not keys or any(v is None or not isinstance(v, (str, int)) for v in values):
        if kind == "AWS::Events::Rule" and isinstance(properties.get("Name"), str):
            return f"?|{properties['Name']}"
        return None
    return "|".join(str(v) for v in values)


@frozen
class Where:
    """A resource's place: its stack and its logical ID there."""

    stack: str
    logical_id: str


class Planner:
    """The deployed stacks and the project's templates (both by deployed stack name), the
    project's exports, and what planning finds on the way: diagnostics and notes."""

    def __init__(self, deployed: list[Deployed], new: dict[str, dict[str, Any]], waves: list[list[str]],
                 consumers: set[str], stage: str, region: str, strategy: str):
        self.deployed = {d.stack: d for d in deployed}
        self.stage = stage
        self.region = region
        self.strategy = strategy
        #: the project's stacks with resources, by deployed name, in deploy order
        self.order = [stack_name(s, stage) for wave in waves for s in wave if s in new]
        self.new = {stack_name(s, stage): t for s, t in new.items()}
        self.consumers = {stack_name(s, stage) for s in consumers}
        self.diagnostics: list[Diagnostic] = []
        self.notes: list[str] = []
        #: the resource whose references are being rewritten, for diagnostics
        self.current: str | None = None
        #: (stack, logical ID, attribute or "Ref") -> export name, from the project's outputs
        self.exports: dict[tuple[str, str, str], str] = {}
        #: export name -> (stack, value)
        self.export_values: dict[str, tuple[str, Any]] = {}
        for name, template in self.new.items():
            for output in template.get("Outputs", {}).values():
                if "Export" not in output:
                    continue
                value = output["Value"]
                key = target_of(value)
                if key is not None:
                    self.exports.setdefault((name, *key), output["Export"]["Name"])
                self.export_values[output["Export"]["Name"]] = (name, value)

    # -- where each resource goes

    def match(self) -> tuple[list[Move], list[tuple[str, str]], list[tuple[str, str]], dict[Where, Where]]:
        by_identity: dict[tuple[str, str], Where] = {}
        by_id: dict[tuple[str, str], list[Where]] = {}
        for d in self.deployed.values():
            for logical_id, resource in d.template["Resources"].items():
                where = Where(d.stack, logical_id)
                identity = _identity(resource["Type"], resource.get("Properties", {}))
                if identity is not None:
                    by_identity[(resource["Type"], identity)] = where
                by_id.setdefault((resource["Type"], logical_id), []).append(where)
        moves, stays, creates = [], [], []
        origin: dict[Where, Where] = {}  # new -> old
        for name in self.order:
            for logical_id, resource in self.new[name]["Resources"].items():
                identity = _identity(resource["Type"], resource.get("Properties", {}))
                old = by_identity.get((resource["Type"], identity)) if identity else None
                if old is None:
                    candidates = by_id.get((resource["Type"], logical_id), [])
                    old = candidates[0] if len(candidates) == 1 else None
                if old is None:
                    creates.append((name, logical_id))
                    continue
                origin[Where(name, logical_id)] = old
                if old.stack == name:
                    stays.append((name, logical_id))
        moved_sources = set(origin.values())
        for (new_where, old) in origin.items():
            if old.stack == new_where.stack:
                continue
            kind = self.new[new_where.stack]["Resources"][new_where.logical_id]["Type"]
            moves.append(Move(kind, old.stack, old.logical_id, new_where.stack, new_where.logical_id, "refactor",
                              kind in STATEFUL))
        self._dropped(moved_sources)
        return moves, stays, creates, origin

    def _dropped(self, matched: set[Where]) -> None:
        """Resources of a deployed stack that the project rebuilds but no longer declares."""
        for d in self.deployed.values():
            if d.stack not in self.new:
                continue  # a consumer's stack, or one the project does not manage: it keeps what it has
            for logical_id, resource in d.template["Resources"].items():
                if Where(d.stack, logical_id) in matched or logical_id in FRAMEWORK_RESOURCES:
                    continue
                kind = resource["Type"]
                if kind not in STATEFUL:
                    self.notes.append(f"{d.stack}.{logical_id} ({kind}) is not in the project: the final deploy deletes it")
                elif resource.get("DeletionPolicy") in ("Retain", "RetainExceptOnCreate"):
                    self.diagnostics.append(diagnostic(
                        "W0852", f"`{logical_id}` ({kind}) is not in the new project; it is retained, no longer managed",
                        self.span(d, logical_id), label="left unmanaged by the final deploy",
                        hint="declare it in the project to keep managing it",
                    ))
                else:
                    self.diagnostics.append(diagnostic(
                        "E0850", f"the new project deletes `{logical_id}` ({kind}) of stack `{d.stack}`, and its data",
                        self.span(d, logical_id), label="not declared in the new project",
                        notes=["a stateful resource is never deleted by a plan"],
                        hint="declare it in the project (same logical ID and name), or set `DeletionPolicy: Retain` first",
                    ))

    # -- what changes

    def changes(self, moves: list[Move], origin: dict[Where, Where]) -> list[Move]:
        """Each move with what the project changes on it (applied after the move); a change
        that replaces a resource is E0851 (stateful) or W0853 (the others)."""
        everything = positions(self, origin, {(o.stack, o.logical_id) for o in origin.values()})
        for new_where, old in origin.items():
            new_resource = self.new[new_where.stack]["Resources"][new_where.logical_id]
            old_resource = self.deployed[old.stack].template["Resources"][old.logical_id]
            quiet = self.quiet()
            before = _normal(_without_imports(self.rewrite(old_resource, old.stack, new_where.stack, everything),
                                              self.export_values))
            self.loud(quiet)
            after = _normal(_without_imports(new_resource, self.export_values))
            changed = sorted(
                k for k in set(before.get("Properties", {})) | set(after.get("Properties", {}))
                if before.get("Properties", {}).get(k) != after.get("Properties", {}).get(k)
            )
            policies = [k for k in ("DeletionPolicy", "UpdateReplacePolicy") if before.get(k) != after.get(k)]
            kind = new_resource["Type"]
            found = schema(kind)
            replacing = [k for k in changed if found and any(
                p == k or p.startswith(k + "/") for p in found.create_only + found.conditional_create_only)]
            if replacing:
                code = "E0851" if kind in STATEFUL else "W0853"
                self.diagnostics.append(diagnostic(
                    code, f"the new project replaces `{old.logical_id}` ({kind}): {', '.join(replacing)} "
                          f"{'changes' if len(replacing) == 1 else 'change'}, and {'is' if len(replacing) == 1 else 'are'} create-only",
                    self.span(self.deployed[old.stack], old.logical_id, replacing[0]),
                    label="changed by the new project",
                    notes=[f"as deployed: {json.dumps(before.get('Properties', {}).get(replacing[0]), sort_keys=True)}",
                           f"in the project: {json.dumps(after.get('Properties', {}).get(replacing[0]), sort_keys=True)}"],
                    hint="keep the deployed value in the project; a replacement makes a new, empty resource"
                    if code == "E0851" else "keep the deployed value in the project if the moment matters",
                ))
            for index, move in enumerate(moves):
                if (move.source_stack, move.source_id) == (old.stack, old.logical_id):
                    moves[index] = evolve(move, changes=tuple(changed + policies))
        return moves

    def refactorable(self, move: Move) -> str | None:
        """Why a move cannot be a stack refactor, or None."""
        old = self.deployed[move.source_stack].template["Resources"][move.source_id]
        new = self.new[move.destination_stack]["Resources"][move.destination_id]
        if move.type in REFACTOR_UNSUPPORTED or schema(move.type) is None:
            return f"{move.type} does not support stack refactoring"
        if _stack_dependent(old) or _stack_dependent(new):
            return "a value depends on the stack's name"
        return None

    # -- templates

    def pure(self, new_where: Where, old: Where, placement: dict) -> dict[str, Any]:
        """The resource as deployed, its references rewritten for the stack it is in now."""
        resource = copy.deepcopy(self.deployed[old.stack].template["Resources"][old.logical_id])
        return self.rewrite(resource, old.stack, new_where.stack, placement)

    def quiet(self) -> int:
        """Start rewriting without reporting (a comparison, not a template); see :meth:`loud`."""
        return len(self.diagnostics)

    def loud(self, mark: int) -> None:
        del self.diagnostics[mark:]

    def rewrite(self, value: Any, namespace: str, here: str, placement: dict, literal: bool = False) -> Any:
        """A value written in stack ``namespace``'s template, for stack ``here``: a reference to
        a resource now in another stack becomes an import of the project's export (or, with
        ``literal``, the value it stands for); one to a resource renamed here is renamed."""
        if isinstance(value, list):
            return [self.rewrite(v, namespace, here, placement, literal) for v in value]
        if not isinstance(value, dict):
            return value
        target = target_of(value)
        if target is not None and (namespace, target[0]) in placement:
            stack, logical_id = placement[(namespace, target[0])]
            if stack == here:
                return {"Ref": logical_id} if target[1] == "Ref" else {"Fn::GetAtt": [logical_id, target[1]]}
            return self._import((namespace, target[0]), (stack, logical_id, target[1]), here, literal)
        if set(value) == {"Fn::Sub"}:
            text, names = (value["Fn::Sub"], {}) if isinstance(value["Fn::Sub"], str) else value["Fn::Sub"]
            names = {k: self.rewrite(v, namespace, here, placement, literal) for k, v in names.items()}
            for match in re.findall(r"\$\{([A-Za-z0-9]+)(?:\.([A-Za-z0-9.]+))?\}", text):
                logical_id, attribute = match[0], match[1] or "Ref"
                if (namespace, logical_id) not in placement or logical_id in names:
                    continue
                stack, new_id = placement[(namespace, logical_id)]
                written = "${" + logical_id + ("." + match[1] if match[1] else "") + "}"
                if stack == here:
                    text = text.replace(written, "${" + new_id + ("." + match[1] if match[1] else "") + "}")
                    continue
                variable = f"{logical_id}{attribute.replace('.', '')}"
                names[variable] = self._import((namespace, logical_id), (stack, new_id, attribute), here, literal)
                text = text.replace(written, "${" + variable + "}")
            return {"Fn::Sub": [text, names] if names else text}
        return {k: self.rewrite(v, namespace, here, placement, literal) for k, v in value.items()}

    def _import(self, old: tuple[str, str], target: tuple[str, str, str], here: str, literal: bool) -> Any:
        """``target`` (stack, logical ID, attribute), once at ``old`` (stack, logical ID), read from ``here``."""
        shown = (old[1], target[2])
        if literal:
            found = self._literal(old, target[2])
            if found is not None:
                return found
            self.diagnostics.append(diagnostic(
                "E0854", f"{self._referrer(here)} refers to {_describe(shown)}, whose value the fallback cannot write out",
                self._span_anywhere(here, self.current or old[1]), label="kept by reference",
                notes=["while the resource is between stacks, its references must be literal values"],
                hint="use the refactor path (`--strategy refactor`), which keeps references as imports",
            ))
            return {"Fn::ImportValue": "unresolved"}
        export = self.exports.get(target) or self.exports.get(self._same_as(target))
        if export is None:
            self.diagnostics.append(diagnostic(
                "E0854", f"{self._referrer(here)} refers to {_describe(shown)}, which the new project does not export",
                self._span_anywhere(here, self.current or old[1]), label="refers to a resource that moves",
                notes=[f"{old[1]} moves to {target[0]}; the reference can only follow as an import"],
                hint=f"export `{_attribute_word(target[2])}` of `{target[1]}` in the project",
            ))
            return {"Fn::ImportValue": f"unexported-{target[1]}-{target[2]}"}
        return {"Fn::ImportValue": export}

    def _same_as(self, target: tuple[str, str, str]) -> tuple[str, str, str] | None:
        """The other spelling of the same value: a bus's ``Name`` is its ``Ref``, and so on."""
        stack, logical_id, attribute = target
        resource = self.new.get(stack, {}).get("Resources", {}).get(logical_id)
        kind = resource["Type"] if resource else None
        for (type_, one), other in SAME_VALUE.items():
            if kind == type_ and attribute == one:
                return (stack, logical_id, other)
            if kind == type_ and attribute == other:
                return (stack, logical_id, one)
        return None

    def _referrer(self, stack: str) -> str:
        return f"`{self.current}` in `{stack}`" if self.current else f"`{stack}`"

    def _literal(self, old: tuple[str, str], attribute: str) -> Any:
        """The value a reference to deployed resource ``old`` (stack, logical ID) stands for,
        from its deployed properties and pseudo parameters."""
        d = self.deployed.get(old[0])
        resource = d.template["Resources"].get(old[1]) if d else None
        if resource is None:
            return None
        properties = resource.get("Properties", {})
        kind = resource["Type"]
        prefix = "arn:${AWS::Partition}"
        name_key = {"AWS::DynamoDB::Table": "TableName", "AWS::SQS::Queue": "QueueName",
                    "AWS::S3::Bucket": "BucketName", "AWS::Events::EventBus": "Name", "AWS::Events::Rule": "Name"}.get(kind)
        name = properties.get(name_key) if name_key else None
        if not isinstance(name, str):
            return None
        forms = {
            "AWS::DynamoDB::Table": {"Ref": name, "Arn": {"Fn::Sub": f"{prefix}:dynamodb:${{AWS::Region}}:${{AWS::AccountId}}:table/{name}"}},
            "AWS::SQS::Queue": {"Ref": {"Fn::Sub": f"https://sqs.${{AWS::Region}}.${{AWS::URLSuffix}}/${{AWS::AccountId}}/{name}"},
                                "QueueUrl": {"Fn::Sub": f"https://sqs.${{AWS::Region}}.${{AWS::URLSuffix}}/${{AWS::AccountId}}/{name}"},
                                "Arn": {"Fn::Sub": f"{prefix}:sqs:${{AWS::Region}}:${{AWS::AccountId}}:{name}"},
                                "QueueName": name},
            "AWS::S3::Bucket": {"Ref": name, "Arn": f"arn:aws:s3:::{name}"},
            "AWS::Events::EventBus": {"Ref": name, "Name": name,
                                      "Arn": {"Fn::Sub": f"{prefix}:events:${{AWS::Region}}:${{AWS::AccountId}}:event-bus/{name}"}},
        }
        if kind == "AWS::S3::Bucket":
            forms[kind]["Arn"] = {"Fn::Sub": f"{prefix}:s3:::{name}"}
        if kind == "AWS::Events::Rule":
            bus = self._literal_name(properties.get("EventBusName", "default"))
            if bus is None:
                return None
            path = name if bus == "default" else f"{bus}/{name}"
            # Ref of a rule on a custom bus is not written out: what it returns there is for AWS to say.
            forms[kind] = {"Arn": {"Fn::Sub": f"{prefix}:events:${{AWS::Region}}:${{AWS::AccountId}}:rule/{path}"}}
            if bus == "default":
                forms[kind]["Ref"] = name
        return forms.get(kind, {}).get(attribute)

    def identifier(self, move: Move) -> dict[str, Any]:
        """The resource identifier of an IMPORT, with ``${AWS::AccountId}`` where the account goes."""
        resource = self.deployed[move.source_stack].template["Resources"][move.source_id]
        properties = resource.get("Properties", {})
        keys = schema(move.type).primary_identifier
        if move.type == "AWS::SQS::Queue" and isinstance(properties.get("QueueName"), str):
            return {"QueueUrl": f"https://sqs.{self.region}.amazonaws.com/${{AWS::AccountId}}/{properties['QueueName']}"}
        if move.type == "AWS::Events::Rule" and isinstance(properties.get("Name"), str):
            bus = properties.get("EventBusName", "default")
            bus_name = self._literal_name(bus)
            if bus_name is not None:
                path = properties["Name"] if bus_name == "default" else f"{bus_name}/{properties['Name']}"
                return {"Arn": f"arn:aws:events:{self.region}:${{AWS::AccountId}}:rule/{path}"}
        # What the template does not say literally, AWS generated: the script reads it
        # (describe-stack-resource) before anything moves, where this placeholder is.
        lookup = f"${{Physical:{move.source_stack}:{move.source_id}}}"
        found = {}
        for key in keys:
            value = properties.get(key)
            if not isinstance(value, str) and target_of(value) is not None:  # e.g. a bucket policy's Bucket
                value = self._literal((move.source_stack, target_of(value)[0]), target_of(value)[1])
            found[key] = value if isinstance(value, str) else lookup
        return found

    def _literal_anywhere(self, target: tuple[str, str]) -> Any:
        for d in self.deployed.values():
            if target[0] in d.template["Resources"]:
                return self._literal((d.stack, target[0]), target[1])
        return None

    def _literal_name(self, value: Any) -> str | None:
        if isinstance(value, str):
            return value.rsplit("/", 1)[-1]
        target = target_of(value) if isinstance(value, dict) else None
        if target and target[1] in ("Ref", "Name"):
            found = self._literal_anywhere(target)
            return found if isinstance(found, str) else None
        return None

    # -- spans

    def span(self, d: Deployed, logical_id: str, prop: str | None = None) -> Span | None:
        """Where a resource (its logical ID) or one of its properties is written."""
        resource = d.read.resource(logical_id)
        path = resource.path if resource else ""
        if prop:
            path = join(join(path, "Properties"), prop)
        elif path and d.read.locations.get(path + "#key") is not None:
            return d.read.locations[path + "#key"]
        return d.read.span(path)

    def _span_anywhere(self, stack: str, logical_id: str) -> Span | None:
        d = self.deployed.get(stack)
        if d is not None:
            return self.span(d, logical_id)
        for d in self.deployed.values():
            if d.read.resource(logical_id):
                return self.span(d, logical_id)
        return None


def target_of(value: Any) -> tuple[str, str] | None:
    if not isinstance(value, dict) or len(value) != 1:
        return None
    if "Ref" in value and isinstance(value["Ref"], str) and not value["Ref"].startswith("AWS::"):
        return (value["Ref"], "Ref")
    if "Fn::GetAtt" in value:
        target = value["Fn::GetAtt"]
        logical_id, attribute = target if isinstance(target, list) else str(target).split(".", 1)
        return (logical_id, attribute) if isinstance(attribute, str) else None
    return None


def _attribute_word(attribute: str) -> str:
    """``Arn`` -> ``arn``, ``StreamArn`` -> ``stream_arn``: the name infrac's `export` uses."""
    if attribute == "Ref":
        return "the identifying attribute"
    return re.sub(r"(?<!^)(?=[A-Z])", "_", attribute).lower()


def _describe(target: tuple[str, str]) -> str:
    return f"`{target[0]}`" if target[1] == "Ref" else f"`{target[0]}.{target[1]}`"


def _stack_dependent(value: Any) -> bool:
    text = json.dumps(value)
    return any(f'"Ref": "{p}"' in text or "${" + p + "}" in text for p in STACK_DEPENDENT)


def _without_imports(value: Any, exports: dict[str, tuple[str, Any]]) -> Any:
    if isinstance(value, list):
        return [_without_imports(v, exports) for v in value]
    if not isinstance(value, dict):
        return value
    if set(value) == {"Fn::ImportValue"} and isinstance(value["Fn::ImportValue"], str) and value["Fn::ImportValue"] in exports:
        return exports[value["Fn::ImportValue"]][1]
    return {k: _without_imports(v, exports) for k, v in value.items()}


def _normal(value: Any) -> Any:
    """One spelling per reference: ``Fn::GetAtt`` as a list."""
    if isinstance(value, list):
        return [_normal(v) for v in value]
    if not isinstance(value, dict):
        return value
    if set(value) == {"Fn::GetAtt"} and isinstance(value["Fn::GetAtt"], str):
        return {"Fn::GetAtt": value["Fn::GetAtt"].split(".", 1)}
    return {k: _normal(v) for k, v in value.items()}


def positions(planner: Planner, origin: dict[Where, Where], moved: set[tuple[str, str]],
               to: str | None = None) -> dict[tuple[str, str], tuple[str, str]]:
    """(deployed stack, logical ID) -> (stack, logical ID) where that resource is once ``moved``
    (positions in the deployed stacks) have moved (or, with ``to``, are all there)."""
    placement = {(d.stack, lid): (d.stack, lid) for d in planner.deployed.values() for lid in d.template["Resources"]}
    for new_where, old in origin.items():
        if (old.stack, old.logical_id) in moved:
            placement[(old.stack, old.logical_id)] = (to, old.logical_id) if to else (new_where.stack, new_where.logical_id)
    return placement


def check_exports_in_use(planner: Planner) -> None:
    """An export of a deployed stack that a deployed stack imports must survive the plan."""
    imported: dict[str, list[str]] = {}
    for d in planner.deployed.values():
        for name in _imports_in(d.template):
            imported.setdefault(name, []).append(d.stack)
    for d in planner.deployed.values():
        for output_id, output in d.template.get("Outputs", {}).items():
            export = output.get("Export", {}).get("Name")
            if not isinstance(export, str) or export not in imported or d.stack not in planner.new:
                continue
            kept = planner.export_values.get(export)
            if kept is None or kept[0] != d.stack or _normal(kept[1]) != _normal(output["Value"]):
                users = ", ".join(sorted(set(imported[export])))
                planner.diagnostics.append(diagnostic(
                    "E0852", f"the new project {'removes' if kept is None else 'changes'} export `{export}`, which {users} imports",
                    _output_span(d, output_id),
                    label="in use", notes=["CloudFormation refuses to remove or change an export in use"],
                    hint="keep the export (same name, same value) in the project; retire it only after its importers stop",
                ))


def _output_span(d: Deployed, name: str) -> Span | None:
    for output in d.read.outputs:
        if output.name == name:
            return d.read.span(output.path)
    return d.read.span("")


def _imports_in(value: Any) -> list[str]:
    found = []
    if isinstance(value, dict):
        if set(value) == {"Fn::ImportValue"} and isinstance(value["Fn::ImportValue"], str):
            return [value["Fn::ImportValue"]]
        for v in value.values():
            found += _imports_in(v)
    elif isinstance(value, list):
        for v in value:
            found += _imports_in(v)
    return found
