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

Refused (errors, exit 1): deleting or replacing a stateful resource (a table, queue,
bucket, user pool, ...), removing or changing an export in use, a stateful resource
that can be neither refactored nor imported, a reference the new layout cannot keep.
"""

from __future__ import annotations

import copy
import json
import re

from infrac.base.classes import evolve, frozen
from infrac.base.source import SourceFile, Span
from infrac.cfn.schemas import schema
from infrac.diagnostics import Diagnostic, diagnostic
from infrac.tools.migrate.simulator.model import REFACTOR_UNSUPPORTED, STACK_DEPENDENT
from infrac.tools.migrate.simulator.templates import references_of
from infrac.tools.migrate.source.loader import load_yaml
from infrac.tools.migrate.source.model import Interpolated, Template, join

TYPE_CHECKING = False  # typing's own constant, without importing typing
if TYPE_CHECKING:
    from typing import Any

#: Types whose replacement or deletion loses data or identity that users depend on.
STATEFUL = frozenset(
    {
        "AWS::DynamoDB::Table",
        "AWS::DynamoDB::GlobalTable",
        "AWS::SQS::Queue",
        "AWS::S3::Bucket",
        "AWS::Cognito::UserPool",
        "AWS::Kinesis::Stream",
        "AWS::RDS::DBInstance",
        "AWS::RDS::DBCluster",
        "AWS::EFS::FileSystem",
        "AWS::Logs::LogGroup",
        "AWS::SecretsManager::Secret",
        "AWS::KMS::Key",
        "AWS::OpenSearchService::Domain",
        "AWS::Elasticsearch::Domain",
        "AWS::Backup::BackupVault",
        "AWS::Timestream::Table",
        "AWS::DocDB::DBCluster",
        "AWS::Neptune::DBCluster",
        "AWS::EC2::Volume",
    }
)

#: Attributes whose value is the resource's ``Ref``.
SAME_VALUE = {
    ("AWS::Events::EventBus", "Name"): "Ref",
    ("AWS::SQS::Queue", "QueueUrl"): "Ref",
    ("AWS::Cognito::UserPool", "UserPoolId"): "Ref",
    ("AWS::Cognito::UserPoolClient", "ClientId"): "Ref",
}

#: What the Serverless Framework adds to every stack it deploys: kept where it is.
FRAMEWORK_RESOURCES = ("ServerlessDeploymentBucket", "ServerlessDeploymentBucketPolicy")
FRAMEWORK_OUTPUTS = ("ServerlessDeploymentBucketName",)

#: Most templates a command can pass inline (``--template-body``); larger ones go through S3.
INLINE_TEMPLATE_BYTES = 51_200

MAX_STACKS_PER_REFACTOR = 5

#: A CloudFormation stack name (API reference, CreateStack: StackName).
STACK_NAME = re.compile(r"[A-Za-z][-A-Za-z0-9]{0,127}")

#: What the offline proof covers, and what it does not (printed and written with every plan).
SIMULATED = (
    "The plan is executed offline by infrac's CloudFormation simulator (infrac.tools.migrate.simulator): "
    "ownership of physical resources by stacks, create, update, replacement on create-only "
    "properties, DeletionPolicy and UpdateReplacePolicy, exports in use, IMPORT change sets, "
    "and the documented limits of stack refactoring (2-5 stacks, no property, parameter or "
    "condition change, one destination per resource, no stack-name dependent value, no empty stack)."
)
AWS_ONLY = (
    "Only AWS can confirm: that every type here is accepted by stack refactoring and resource import "
    "(AWS keeps its own deny-list), that AWS resolves the new Fn::ImportValue references to the same "
    "values, per-service validation of properties, IAM permissions, quotas, and the time each step takes."
)


@frozen
class Deployed:
    """One deployed stack, as a template read from a file."""

    stack: str
    template: dict[str, Any]
    read: Template
    text: SourceFile
    #: the raw document (for a Serverless service: its functions and events)
    raw: Any = None

    @property
    def is_service(self) -> bool:
        return self.read.kind == "serverless"


@frozen
class Move:
    type: str
    source_stack: str
    source_id: str
    destination_stack: str
    destination_id: str
    how: str  # "refactor" or "import"
    stateful: bool
    #: properties (and policies) the project changes, applied after the move
    changes: tuple[str, ...] = ()


@frozen
class Step:
    number: int
    title: str
    operation: str  # "deploy", "refactor", "import", "consumer"
    stacks: tuple[str, ...]
    #: stack -> template (for deploy and import, one; for refactor, every stack in the operation)
    templates: dict[str, dict[str, Any]]
    effect: str
    rollback: str
    mappings: tuple[dict[str, Any], ...] = ()
    enable_stack_creation: bool = False
    resources_to_import: tuple[dict[str, Any], ...] = ()


@frozen
class Pin:
    """A consumer's resource the switch to imports would rename, and how it is kept."""

    stack: str
    function: str
    old_id: str
    new_id: str
    resource: dict[str, Any]
    statement: dict[str, Any]


@frozen
class Plan:
    stage: str
    region: str
    strategy: str
    moves: tuple[Move, ...]
    steps: tuple[Step, ...]
    pins: tuple[Pin, ...]
    stays: tuple[tuple[str, str], ...]
    creates: tuple[tuple[str, str], ...]
    diagnostics: tuple[Diagnostic, ...]
    notes: tuple[str, ...] = ()

    @property
    def refused(self) -> bool:
        from infrac.diagnostics import has_errors

        return has_errors(self.diagnostics)


def stack_name(stack: str, stage: str) -> str:
    """The deployed name of a project's stack: ``<stack>-<stage>``, as the Serverless Framework names it."""
    return f"{stack}-{stage}"


# ---- reading what is deployed -------------------------------------------------------------------


def deployed_stack(read: Template, text: SourceFile, stage: str, region: str, name: str | None) -> Deployed:
    """A deployed stack from a read file: a Serverless service is ``<service>-<stage>``; a
    template is ``name``, or its file's stem."""
    if name is None:
        if read.kind == "serverless":
            name = stack_name(read.service or "service", stage)
        else:
            name = text.path.replace("\\", "/").rsplit("/", 1)[-1].rsplit(".", 1)[0]
    template: dict[str, Any] = {"Resources": {}}
    for parameter in read.parameters:
        entry = {"Type": parameter.type, **parameter.constraints}
        if parameter.default is not None:
            entry["Default"] = parameter.default
        template.setdefault("Parameters", {})[parameter.name] = _plain(entry, stage, region)
    if read.conditions:
        template["Conditions"] = _plain(dict(read.conditions), stage, region)
    if read.mappings:
        template["Mappings"] = _plain(dict(read.mappings), stage, region)
    for resource in read.resources:
        entry = {"Type": resource.type}
        if resource.condition:
            entry["Condition"] = resource.condition
        if resource.depends_on:
            entry["DependsOn"] = list(resource.depends_on)
        if resource.deletion_policy:
            entry["DeletionPolicy"] = resource.deletion_policy
        if resource.update_replace_policy:
            entry["UpdateReplacePolicy"] = resource.update_replace_policy
        entry.update(resource.other)
        if resource.metadata is not None:
            entry["Metadata"] = resource.metadata
        if resource.properties:
            entry["Properties"] = resource.properties
        template["Resources"][resource.logical_id] = _plain(entry, stage, region)
    for output in read.outputs:
        entry = {"Value": output.value}
        if output.description is not None:
            entry["Description"] = output.description
        if output.export is not None:
            entry["Export"] = {"Name": output.export}
        if output.condition:
            entry["Condition"] = output.condition
        template.setdefault("Outputs", {})[output.name] = _plain(entry, stage, region)
    raw = None
    if read.kind == "serverless":
        try:
            raw = load_yaml(text.text)
        except Exception:  # the reader has already reported what is wrong with the file
            raw = None
    return Deployed(name, template, read, text, raw)


def _plain(value: Any, stage: str, region: str) -> Any:
    """Template values with the reader's placeholders filled in for one stage."""
    if isinstance(value, Interpolated):
        names = set(value.placeholders)
        if names <= {"stage", "region"}:
            return value.render(stage=stage, region=region)
        text = value.text.replace("$", "$$")
        rendered = Interpolated(text).render(
            stage=stage, region=region, account="${AWS::AccountId}", **{n: "${" + n + "}" for n in names - {"stage", "region", "account"}}
        )
        return {"Fn::Sub": rendered.replace("$$", "$!")}
    if isinstance(value, dict):
        return {k: _plain(v, stage, region) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v, stage, region) for v in value]
    return value


# ---- the plan ----------------------------------------------------------------------------------


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
class _Where:
    stack: str
    logical_id: str


class _Planner:
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
                key = _target(value)
                if key is not None:
                    self.exports.setdefault((name, *key), output["Export"]["Name"])
                self.export_values[output["Export"]["Name"]] = (name, value)

    # -- where each resource goes

    def match(self) -> tuple[list[Move], list[tuple[str, str]], list[tuple[str, str]], dict[_Where, _Where]]:
        by_identity: dict[tuple[str, str], _Where] = {}
        by_id: dict[tuple[str, str], list[_Where]] = {}
        for d in self.deployed.values():
            for logical_id, resource in d.template["Resources"].items():
                where = _Where(d.stack, logical_id)
                identity = _identity(resource["Type"], resource.get("Properties", {}))
                if identity is not None:
                    by_identity[(resource["Type"], identity)] = where
                by_id.setdefault((resource["Type"], logical_id), []).append(where)
        moves, stays, creates = [], [], []
        origin: dict[_Where, _Where] = {}  # new -> old
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
                origin[_Where(name, logical_id)] = old
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

    def _dropped(self, matched: set[_Where]) -> None:
        """Resources of a deployed stack that the project rebuilds but no longer declares."""
        for d in self.deployed.values():
            if d.stack not in self.new:
                continue  # a consumer's stack, or one the project does not manage: it keeps what it has
            for logical_id, resource in d.template["Resources"].items():
                if _Where(d.stack, logical_id) in matched or logical_id in FRAMEWORK_RESOURCES:
                    continue
                kind = resource["Type"]
                if kind not in STATEFUL:
                    self.notes.append(f"{d.stack}.{logical_id} ({kind}) is not in the project: the final deploy deletes it")
                elif resource.get("DeletionPolicy") in ("Retain", "RetainExceptOnCreate"):
                    self.diagnostics.append(diagnostic(
                        "W0852", f"`{logical_id}` ({kind}) is not in the new project; it is retained, no longer managed",
                        self._span(d, logical_id), label="left unmanaged by the final deploy",
                        hint="declare it in the project to keep managing it",
                    ))
                else:
                    self.diagnostics.append(diagnostic(
                        "E0850", f"the new project deletes `{logical_id}` ({kind}) of stack `{d.stack}`, and its data",
                        self._span(d, logical_id), label="not declared in the new project",
                        notes=["a stateful resource is never deleted by a plan"],
                        hint="declare it in the project (same logical ID and name), or set `DeletionPolicy: Retain` first",
                    ))

    # -- what changes

    def changes(self, moves: list[Move], origin: dict[_Where, _Where]) -> list[Move]:
        """Each move with what the project changes on it (applied after the move); a change
        that replaces a resource is E0851 (stateful) or W0853 (the others)."""
        everything = _placement(self, origin, {(o.stack, o.logical_id) for o in origin.values()})
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
                    self._span(self.deployed[old.stack], old.logical_id, replacing[0]),
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

    def pure(self, new_where: _Where, old: _Where, placement: dict) -> dict[str, Any]:
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
        target = _target(value)
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
            if not isinstance(value, str) and _target(value) is not None:  # e.g. a bucket policy's Bucket
                value = self._literal((move.source_stack, _target(value)[0]), _target(value)[1])
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
        target = _target(value) if isinstance(value, dict) else None
        if target and target[1] in ("Ref", "Name"):
            found = self._literal_anywhere(target)
            return found if isinstance(found, str) else None
        return None

    # -- spans

    def _span(self, d: Deployed, logical_id: str, prop: str | None = None) -> Span | None:
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
            return self._span(d, logical_id)
        for d in self.deployed.values():
            if d.read.resource(logical_id):
                return self._span(d, logical_id)
        return None


def _target(value: Any) -> tuple[str, str] | None:
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


def _outputs_for(template: dict[str, Any], present: set[str]) -> dict[str, Any]:
    """The project's outputs that refer only to ``present`` resources."""
    return {
        k: v for k, v in template.get("Outputs", {}).items()
        if references_of(v.get("Value")) <= present and references_of(v.get("Value"))
    }


def make_plan(
    deployed: list[Deployed],
    new: dict[str, dict[str, Any]],
    waves: list[list[str]],
    consumers: set[str],
    stage: str,
    region: str,
    strategy: str = "auto",
) -> Plan:
    """The plan that takes ``deployed`` to the project's stacks ``new`` (templates for
    ``stage``, by project stack name, deployed as ``<stack>-<stage>``)."""
    planner = _Planner(deployed, new, waves, consumers, stage, region, strategy)
    for d in deployed:
        if d.is_service:
            planner.diagnostics.append(diagnostic(
                "W0850", f"`{d.text.path}` is a Serverless service: the plan knows its `resources`, not what the framework adds",
                d.read.span(""), label=f"deployed as stack {d.stack}",
                notes=["the functions, roles and event source mappings the framework generates also refer to "
                       "the resources that move; the stack definitions written here leave them out"],
                hint=f"for a plan to execute, give the deployed template: `aws cloudformation get-template --stack-name "
                     f"{d.stack} --query TemplateBody > {d.stack}.json`, then `--from {d.stack}={d.stack}.json`",
            ))
    moves, stays, creates, origin = planner.match()
    moves = planner.changes(moves, origin)
    reasons = {(m.source_stack, m.source_id): planner.refactorable(m) for m in moves}
    blocked = {k: v for k, v in reasons.items() if v}
    if strategy == "refactor" and blocked:
        for move in moves:
            why = blocked.get((move.source_stack, move.source_id))
            if why is None:
                continue
            if move.stateful:
                planner.diagnostics.append(diagnostic(
                    "E0853", f"`{move.source_id}` ({move.type}) cannot move by stack refactoring: {why}",
                    planner._span(planner.deployed[move.source_stack], move.source_id),
                    label="refactoring would refuse it",
                    hint="plan with `--strategy auto` or `--strategy import`, which retain and import it instead",
                ))
            else:
                planner.notes.append(f"{move.source_stack}.{move.source_id} cannot be refactored: {why}")
    use_import = strategy == "import" or (strategy == "auto" and bool(blocked))
    if use_import and strategy == "auto":
        planner.notes.append("stack refactoring cannot take every move ("
                             + "; ".join(f"{s}.{i}: {w}" for (s, i), w in sorted(blocked.items()))
                             + "), so every resource moves by retain and import")
    how = "import" if use_import else "refactor"
    moves = [evolve(m, how=how) for m in moves]
    for move in moves:
        if how == "import" and (schema(move.type) is None or not schema(move.type).primary_identifier
                                or move.type in REFACTOR_UNSUPPORTED):
            if move.stateful:
                planner.diagnostics.append(diagnostic(
                    "E0853", f"`{move.source_id}` ({move.type}) can be neither refactored nor imported",
                    planner._span(planner.deployed[move.source_stack], move.source_id),
                    label="cannot move without being replaced",
                    hint="keep it in its stack and reference it from the new one",
                ))
    steps = (_import_steps if use_import else _refactor_steps)(planner, moves, origin)
    steps += _final_steps(planner, moves, creates, steps)
    pins = _pins(planner, moves, origin)
    if pins:
        steps.append(_consumer_step(planner, pins, len(steps) + 1))
    planner.diagnostics.extend(_pin_diagnostics(planner, pins))
    _check_exports_in_use(planner)
    unique = list({(d.code, d.message): d for d in planner.diagnostics}.values())
    return Plan(
        stage, region, how, tuple(moves), tuple(steps), tuple(pins), tuple(stays), tuple(creates),
        tuple(unique), tuple(dict.fromkeys(planner.notes)),
    )


#: Where a resource is while it is between stacks (retain and import).
IN_TRANSIT = "(in transit)"


def _placement(planner: _Planner, origin: dict[_Where, _Where], moved: set[tuple[str, str]],
               to: str | None = None) -> dict[tuple[str, str], tuple[str, str]]:
    """(deployed stack, logical ID) -> (stack, logical ID) where that resource is once ``moved``
    (positions in the deployed stacks) have moved (or, with ``to``, are all there)."""
    placement = {(d.stack, lid): (d.stack, lid) for d in planner.deployed.values() for lid in d.template["Resources"]}
    for new_where, old in origin.items():
        if (old.stack, old.logical_id) in moved:
            placement[(old.stack, old.logical_id)] = (to, old.logical_id) if to else (new_where.stack, new_where.logical_id)
    return placement


def _source_template(planner: _Planner, stack: str, moved: set[tuple[str, str]], placement, literal=False) -> dict:
    template = copy.deepcopy(planner.deployed[stack].template)
    resources = {}
    for logical_id, resource in template["Resources"].items():
        if (stack, logical_id) not in moved:
            planner.current = logical_id
            resources[logical_id] = planner.rewrite(resource, stack, stack, placement, literal)
    planner.current = None
    template["Resources"] = resources
    return planner.rewrite(template, stack, stack, placement, literal)


def _destination_template(planner: _Planner, stack: str, origin, moved, placement, with_outputs=True) -> dict:
    project = planner.new[stack]
    template: dict[str, Any] = {}
    for key in ("AWSTemplateFormatVersion", "Description"):
        if key in project:
            template[key] = project[key]
    resources = {}
    for logical_id in project["Resources"]:
        old = origin.get(_Where(stack, logical_id))
        if old is not None and ((old.stack, old.logical_id) in moved or old.stack == stack):
            resources[logical_id] = planner.pure(_Where(stack, logical_id), old, placement)
    if stack in planner.deployed:  # what the project drops stays until the final deploy removes it
        kept = {o.logical_id for o in origin.values() if o.stack == stack}
        for logical_id, resource in planner.deployed[stack].template["Resources"].items():
            if logical_id not in kept and logical_id not in resources:
                resources[logical_id] = planner.rewrite(copy.deepcopy(resource), stack, stack, placement)
    template["Resources"] = resources
    if with_outputs:
        outputs = _outputs_for(project, set(resources))
        if outputs:
            template["Outputs"] = outputs
    return template


def _refactor_steps(planner: _Planner, moves: list[Move], origin) -> list[Step]:
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
        placement = _placement(planner, origin, moved)
        source_stacks = sorted({m.source_stack for m in these})
        templates = {}
        for stack in source_stacks:
            templates[stack] = _source_template(planner, stack, moved, placement)
        for stack in group:
            templates[stack] = _destination_template(planner, stack, origin, moved, placement)
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


def _import_steps(planner: _Planner, moves: list[Move], origin) -> list[Step]:
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
    in_transit = _placement(planner, origin, moved, to=IN_TRANSIT)
    for stack in source_stacks:
        template = _source_template(planner, stack, moved, in_transit, literal=True)
        steps.append(Step(len(steps) + 1, f"{stack}: remove the resources that move, keeping them",
                          "deploy", (stack,), {stack: template},
                          effect="the moving resources leave the stack and stay in the account, unmanaged; "
                                 "references to them are their literal values meanwhile",
                          rollback="import them back into this stack (an IMPORT change set with the previous template)"))
    placement = _placement(planner, origin, moved)
    for stack in planner.order:
        these = [m for m in moves if m.destination_stack == stack]
        if not these:
            continue
        template = _destination_template(planner, stack, origin, moved, placement, with_outputs=False)
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
        with_outputs = _destination_template(planner, stack, origin, moved, placement)
        if with_outputs.get("Outputs"):
            for resource in with_outputs["Resources"].values():
                resource.setdefault("DeletionPolicy", "Retain")
                resource.setdefault("UpdateReplacePolicy", "Retain")
            steps.append(Step(len(steps) + 1, f"{stack}: publish its exports", "deploy", (stack,), {stack: with_outputs},
                              effect="adds outputs and exports only",
                              rollback="redeploy the template of the step before"))
    for stack in source_stacks:
        template = _source_template(planner, stack, moved, placement)
        steps.append(Step(len(steps) + 1, f"{stack}: refer to the moved resources through their exports",
                          "deploy", (stack,), {stack: template},
                          effect="literal values become Fn::ImportValue of the same values; nothing is replaced",
                          rollback="redeploy the template of the removal step"))
    return steps


def _with_framework(planner: _Planner, stack: str, template: dict[str, Any]) -> dict[str, Any]:
    """The project's template, with the deployment bucket the Serverless Framework keeps in a
    stack it deployed (deleting it would fail, or lose the framework's artifacts)."""
    deployed = planner.deployed.get(stack)
    if deployed is None:
        return template
    extra = {k: v for k, v in deployed.template["Resources"].items() if k in FRAMEWORK_RESOURCES}
    outputs = {k: v for k, v in deployed.template.get("Outputs", {}).items() if k in FRAMEWORK_OUTPUTS}
    if not extra and not outputs:
        return template
    result = copy.deepcopy(template)
    result["Resources"] = {**extra, **result["Resources"]}
    if outputs:
        result["Outputs"] = {**outputs, **result.get("Outputs", {})}
    return result


def _final_steps(planner: _Planner, moves: list[Move], creates, before: list[Step]) -> list[Step]:
    """Ordinary deploys of the project's templates, in deploy order: the property changes,
    new resources and exports that a pure move leaves out."""
    steps: list[Step] = []
    count = len(before)
    moved_to = {m.destination_stack for m in moves}
    for stack in planner.order:
        template = _with_framework(planner, stack, planner.new[stack])
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


# ---- consumers ------------------------------------------------------------------------------------

_MAPPING_ID = re.compile(r"^(?P<function>[A-Za-z0-9]+)EventSourceMapping(?P<kind>SQS|Dynamodb|Kinesis)(?P<name>[A-Za-z0-9]+)$")


def _alphanumeric(name: str) -> str:
    """The Serverless Framework's ``normalizeNameToAlphaNumericOnly``."""
    cleaned = re.sub(r"[^0-9A-Za-z]", "", name)
    return cleaned[:1].upper() + cleaned[1:]


def _function_id(name: str) -> str:
    """The Serverless Framework's ``getNormalizedFunctionName``."""
    cleaned = name.replace("-", "Dash").replace("_", "Underscore")
    return cleaned[:1].upper() + cleaned[1:]


def _pins(planner: _Planner, moves: list[Move], origin) -> list[Pin]:
    """Event source mappings that the framework would rename when their source becomes an import."""
    moved = {(m.source_stack, m.source_id): m for m in moves}
    pins: list[Pin] = []
    for d in planner.deployed.values():
        # (function's logical prefix, kind, target, attribute, resource, function as written)
        candidates: list[tuple[str, str, str, str, dict, str]] = []
        for logical_id, resource in d.template["Resources"].items():
            match = _MAPPING_ID.match(logical_id)
            if resource["Type"] != "AWS::Lambda::EventSourceMapping" or not match:
                continue
            target = _target(resource.get("Properties", {}).get("EventSourceArn"))
            if target and (d.stack, target[0]) in moved and _alphanumeric(target[0]) == match["name"]:
                candidates.append((match["function"], match["kind"], target[0], target[1], resource,
                                   _function_name(d, match["function"])))
        for function, events in ((d.raw or {}).get("functions") or {}).items() if d.is_service else ():
            for event in (events or {}).get("events") or []:
                if not isinstance(event, dict):
                    continue
                kind, config = next(iter(event.items()))
                if kind not in ("sqs", "stream") or not isinstance(config, dict):
                    continue
                target = _target(config.get("arn"))
                if not target or (d.stack, target[0]) not in moved:
                    continue
                label = "SQS" if kind == "sqs" else _alphanumeric(str(config.get("type", "dynamodb")))
                properties = {"BatchSize": config.get("batchSize", 10 if kind == "sqs" else 100),
                              "EventSourceArn": config["arn"],
                              "FunctionName": {"Fn::GetAtt": [f"{_function_id(function)}LambdaFunction", "Arn"]},
                              "Enabled": config.get("enabled", True)}
                if kind == "stream":
                    properties["StartingPosition"] = config.get("startingPosition", "TRIM_HORIZON")
                if config.get("functionResponseType"):
                    properties["FunctionResponseTypes"] = [config["functionResponseType"]]
                if config.get("maximumBatchingWindow") is not None:
                    properties["MaximumBatchingWindowInSeconds"] = config["maximumBatchingWindow"]
                resource = {"Type": "AWS::Lambda::EventSourceMapping", "DependsOn": ["IamRoleLambdaExecution"],
                            "Properties": properties}
                candidates.append((_function_id(function), label, target[0], target[1], resource, function))
        for function, label, target, attribute, resource, written in candidates:
            move = moved[(d.stack, target)]
            export = planner.exports.get((move.destination_stack, move.destination_id, attribute))
            if export is None:
                continue
            old_id = f"{function}EventSourceMapping{label}{_alphanumeric(target)}"
            new_id = f"{function}EventSourceMapping{label}{_alphanumeric(export)}"
            pinned = copy.deepcopy(resource)
            pinned["Properties"]["EventSourceArn"] = {"Fn::ImportValue": export}
            actions = (["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"] if label == "SQS" else
                       ["dynamodb:GetRecords", "dynamodb:GetShardIterator", "dynamodb:DescribeStream",
                        "dynamodb:ListStreams"] if label == "Dynamodb" else
                       ["kinesis:GetRecords", "kinesis:GetShardIterator", "kinesis:DescribeStream",
                        "kinesis:DescribeStreamSummary", "kinesis:ListShards", "kinesis:ListStreams"])
            statement = {"Effect": "Allow", "Action": actions, "Resource": [{"Fn::ImportValue": export}]}
            # The pin goes into the service file, which is for every stage.
            pinned["Properties"]["EventSourceArn"] = {"Fn::ImportValue": _any_stage(export, planner.stage)}
            statement["Resource"] = [pinned["Properties"]["EventSourceArn"]]
            pins.append(Pin(d.stack, written, old_id, new_id, pinned, statement))
    return sorted(pins, key=lambda p: (p.stack, p.old_id))


def _any_stage(name: str, stage: str) -> str:
    """An export name for a service file: the stage as the framework's variable."""
    return name.replace(f"-{stage}-", "-${sls:stage}-", 1)


def _function_name(d: Deployed, prefix: str) -> str:
    """A function's name in its service file, from the packaged template: the deployed
    ``FunctionName`` (``core-dev-processBookingCommands``) without ``<service>-<stage>-``."""
    function = d.template["Resources"].get(f"{prefix}LambdaFunction", {})
    name = function.get("Properties", {}).get("FunctionName")
    if isinstance(name, str) and name.startswith(d.stack + "-"):
        return name[len(d.stack) + 1:]
    return prefix


def _consumer_step(planner: _Planner, pins: list[Pin], number: int) -> Step:
    stacks = tuple(sorted({p.stack for p in pins}))
    return Step(
        number, f"Consumers ({', '.join(stacks)}): deploy the new service with its event source mappings pinned",
        "consumer", stacks, {},
        effect=(f"{len(pins)} event source mappings keep their logical IDs (pinned in the service's `resources`, "
                "see consumers/); every other reference to a moved resource is already an import"),
        rollback="redeploy the previous version of the service",
    )


def _pin_diagnostics(planner: _Planner, pins: list[Pin]) -> list[Diagnostic]:
    found = []
    for pin in pins:
        d = planner.deployed[pin.stack]
        span = planner._span(d, pin.old_id) if d.read.resource(pin.old_id) else _function_span(d, pin.function)
        found.append(diagnostic(
            "W0851", f"switching to imports renames `{pin.old_id}` to `{pin.new_id}` (an event source mapping)",
            span, label="named after its queue or stream reference",
            notes=["the Serverless Framework names the mapping after the `arn` it is given; an import is another name, "
                   "so CloudFormation would delete the mapping and create a new one (a pause in processing, "
                   "or a conflict while both exist)"],
            hint=f"pin it: declare it in the service's `resources` under `{pin.old_id}` (consumers/{pin.stack}.pinned.yml) "
                 "and remove the event from the function",
        ))
    return found


def _function_span(d: Deployed, function: str) -> Span | None:
    match = re.search(rf"(?m)^\s+{re.escape(function)}:\s*$", d.text.text)
    lowered = function[:1].lower() + function[1:]
    match = match or re.search(rf"(?m)^\s+{re.escape(lowered)}:\s*$", d.text.text)
    if match is None:
        return d.read.span("")
    start = match.start() + len(match.group(0)) - len(match.group(0).lstrip())
    return Span(d.text.path, start, start + len(lowered))


def _check_exports_in_use(planner: _Planner) -> None:
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
