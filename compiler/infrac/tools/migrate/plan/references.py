"""How references follow a moved resource: from the stack a template belongs to, a reference to
a resource now in another stack becomes an import of the project's export of that value (or,
while the resource is between stacks, the value itself, written out); one to a resource renamed
in the same stack is renamed; a value built from the stack's own name keeps the name it was
built from. And what identifies a resource to import, and where a resource is written, for
diagnostics.

The planner (:mod:`~infrac.tools.migrate.plan.planner`) holds the state these methods read:
the deployed stacks, the templates as they are at the current step (``world``), the
project's exports.
"""

from __future__ import annotations

import copy
import re

from infrac.base.source import Span
from infrac.cfn.schemas import schema
from infrac.diagnostics import diagnostic
from infrac.tools.migrate.plan.deployed import Deployed
from infrac.tools.migrate.plan.model import SAME_VALUE, Move
from infrac.tools.migrate.plan.values import Context, canonical
from infrac.tools.migrate.source.model import join

TYPE_CHECKING = False  # typing's own constant, without importing typing
if TYPE_CHECKING:
    from typing import Any

#: The property that names a resource of the types whose references can be written out.
NAME_KEYS = {"AWS::DynamoDB::Table": "TableName", "AWS::SQS::Queue": "QueueName", "AWS::S3::Bucket": "BucketName",
             "AWS::Events::EventBus": "Name", "AWS::Events::Rule": "Name", "AWS::Logs::LogGroup": "LogGroupName",
             "AWS::SNS::Topic": "TopicName", "AWS::Kinesis::Stream": "Name"}


class References:
    """The rewriting of references, for :class:`~infrac.tools.migrate.plan.planner.Planner`."""

    deployed: dict[str, Deployed]
    world: dict[str, dict[str, Any]]
    exports: dict[tuple[str, str, str], str]
    region: str
    account: str | None
    diagnostics: list
    #: the resource whose references are being rewritten, for diagnostics
    current: str | None
    #: DependsOn that a move takes across stacks: (stack, resource, stack of the dependency, dependency)
    crossings: list[tuple[str, str, str, str]]

    def resource_now(self, stack: str, logical_id: str) -> dict[str, Any] | None:
        """A resource's definition as its stack holds it at the current step."""
        template = self.world.get(stack) or (self.deployed[stack].template if stack in self.deployed else None)
        return (template or {}).get("Resources", {}).get(logical_id)

    def rewrite(self, value: Any, namespace: str, here: str, placement: dict, literal: bool = False,
                own_name: str | None = None) -> Any:
        """A value written in stack ``namespace``'s template, for stack ``here``: a reference to
        a resource now in another stack becomes an import of the project's export (or, with
        ``literal``, the value it stands for); one to a resource renamed here is renamed; with
        ``own_name``, the stack's name (``AWS::StackName``) is written out as that name."""
        if isinstance(value, list):
            return [self.rewrite(v, namespace, here, placement, literal, own_name) for v in value]
        if not isinstance(value, dict):
            return value
        if own_name is not None and value == {"Ref": "AWS::StackName"}:
            return own_name
        target = target_of(value)
        if target is not None and (namespace, target[0]) in placement:
            stack, logical_id = placement[(namespace, target[0])]
            if stack == here:
                return {"Ref": logical_id} if target[1] == "Ref" else {"Fn::GetAtt": [logical_id, target[1]]}
            return self._import((namespace, target[0]), (stack, logical_id, target[1]), here, literal)
        if set(value) == {"Fn::Sub"}:
            argument = value["Fn::Sub"]
            text, names = (argument, {}) if isinstance(argument, str) else (argument[0], dict(argument[1]))
            names = {k: self.rewrite(v, namespace, here, placement, literal, own_name) for k, v in names.items()}
            if own_name is not None:
                text = text.replace("${AWS::StackName}", own_name.replace("${", "${!"))
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
                while variable in names:
                    variable += "Value"
                names[variable] = self._import((namespace, logical_id), (stack, new_id, attribute), here, literal)
                text = text.replace(written, "${" + variable + "}")
            return {"Fn::Sub": [text, names] if names else text}
        return {k: self.rewrite(v, namespace, here, placement, literal, own_name) for k, v in value.items()}

    def placed(self, resource: dict[str, Any], namespace: str, here: str, placement: dict, literal: bool = False,
               own_name: str | None = None) -> dict[str, Any]:
        """A whole resource definition rewritten for ``here`` (see :meth:`rewrite`): its
        ``DependsOn`` renamed, and left out where the dependency is now in another stack
        (:attr:`crossings` keeps it, for the order of the stacks)."""
        result = self.rewrite(copy.deepcopy(resource), namespace, here, placement, literal, own_name)
        depends = result.get("DependsOn")
        if depends is not None:
            kept = []
            for name in [depends] if isinstance(depends, str) else depends:
                stack, logical_id = placement.get((namespace, name), (namespace, name))
                if stack == here:
                    kept.append(logical_id)
                else:
                    self.crossings.append((here, self.current or "", stack, logical_id))
            if kept:
                result["DependsOn"] = kept[0] if isinstance(depends, str) and len(kept) == 1 else kept
            else:
                del result["DependsOn"]
        return result

    def _import(self, old: tuple[str, str], target: tuple[str, str, str], here: str, literal: bool) -> Any:
        """``target`` (stack, logical ID, attribute), once at ``old`` (stack, logical ID), read from ``here``."""
        shown = (old[1], target[2])
        if literal:
            found = self.literal(old, target[2])
            if found is not None:
                return found
            self.diagnostics.append(diagnostic(
                "E0854", f"{self._referrer(here)} refers to {_describe(shown)}, whose value cannot be written out "
                         "while it moves by retain and import",
                self._span_anywhere(here, self.current or old[1]), label="kept by reference",
                notes=["while the resource is between stacks, its references must be literal values"],
                hint="let it move by stack refactoring (`--strategy auto` or `refactor`), which keeps references "
                     "as imports, or refer to a value that its name gives (`name`, `arn`)",
            ))
            return {"Fn::ImportValue": "unresolved"}
        export = self.exports.get(target) or self.exports.get(self._same_as(target))
        if export is not None:
            return {"Fn::ImportValue": export}
        if target[0] == old[0] and here != old[0]:
            # the referrer moves; what it refers to stays behind
            self.diagnostics.append(diagnostic(
                "E0854", f"{self._referrer(here)} moves to `{here}`, but refers to {_describe(shown)}, which stays "
                         f"behind in `{old[0]}`",
                self._span_anywhere(old[0], self.current or old[1]), label="refers to a resource that stays",
                notes=[f"`{old[1]}` stays in `{old[0]}`, which exports nothing for it; the reference cannot follow"],
                hint=f"keep `{self.current}` in `{old[0]}` with `{old[1]}` (with `infrac import`, `--map` chooses "
                     f"the stack of each type), or move `{old[1]}` too" if self.current else
                     f"move `{old[1]}` too, or export it from `{old[0]}`",
            ))
        else:
            self.diagnostics.append(diagnostic(
                "E0854", f"{self._referrer(here)} refers to {_describe(shown)}, which the new project does not export",
                self._span_anywhere(here, self.current or old[1]), label="refers to a resource that moves",
                notes=[f"{old[1]} moves to {target[0]}; the reference can only follow as an import"],
                hint=f"export `{_attribute_word(target[2])}` of `{target[1]}` in the project",
            ))
        return {"Fn::ImportValue": f"unexported-{target[1]}-{target[2]}"}

    def _same_as(self, target: tuple[str, str, str]) -> tuple[str, str, str] | None:
        """The other spelling of the same value: a bus's ``Name`` is its ``Ref``, and so on."""
        stack, logical_id, attribute = target
        resource = self.new.get(stack, {}).get("Resources", {}).get(logical_id)  # type: ignore[attr-defined]
        kind = resource["Type"] if resource else None
        for (type_, one), other in SAME_VALUE.items():
            if kind == type_ and attribute == one:
                return (stack, logical_id, other)
            if kind == type_ and attribute == other:
                return (stack, logical_id, one)
        return None

    def _referrer(self, stack: str) -> str:
        return f"`{self.current}` in `{stack}`" if self.current else f"`{stack}`"

    def name_of(self, stack: str, logical_id: str) -> str | None:
        """The physical name a resource's template gives it, as a string (a name built from the
        stack's own name, or from pseudo parameters, resolved for that stack), or None."""
        resource = self.resource_now(stack, logical_id)
        key = NAME_KEYS.get(resource["Type"]) if resource else None
        if key is None:
            return None
        value = canonical(resource.get("Properties", {}).get(key), Context(stack, self.region, self.account))
        return value if isinstance(value, str) else None

    def literal(self, old: tuple[str, str], attribute: str) -> Any:
        """The value a reference to resource ``old`` (stack, logical ID) stands for, from its
        properties and pseudo parameters; None when the template does not say it."""
        resource = self.resource_now(*old)
        if resource is None:
            return None
        properties = resource.get("Properties", {})
        kind = resource["Type"]
        name = self.name_of(*old)
        if name is None:
            return None
        prefix = "arn:${AWS::Partition}"
        account = "${AWS::AccountId}"
        forms = {
            "AWS::DynamoDB::Table": {"Ref": name, "Arn": {"Fn::Sub": f"{prefix}:dynamodb:${{AWS::Region}}:{account}:table/{name}"}},
            "AWS::SQS::Queue": {"Ref": {"Fn::Sub": f"https://sqs.${{AWS::Region}}.${{AWS::URLSuffix}}/{account}/{name}"},
                                "QueueUrl": {"Fn::Sub": f"https://sqs.${{AWS::Region}}.${{AWS::URLSuffix}}/{account}/{name}"},
                                "Arn": {"Fn::Sub": f"{prefix}:sqs:${{AWS::Region}}:{account}:{name}"},
                                "QueueName": name},
            "AWS::S3::Bucket": {"Ref": name, "Arn": {"Fn::Sub": f"{prefix}:s3:::{name}"}},
            "AWS::Events::EventBus": {"Ref": name, "Name": name,
                                      "Arn": {"Fn::Sub": f"{prefix}:events:${{AWS::Region}}:{account}:event-bus/{name}"}},
            "AWS::Logs::LogGroup": {"Ref": name,
                                    "Arn": {"Fn::Sub": f"{prefix}:logs:${{AWS::Region}}:{account}:log-group:{name}:*"}},
            "AWS::SNS::Topic": {"Ref": {"Fn::Sub": f"{prefix}:sns:${{AWS::Region}}:{account}:{name}"},
                                "TopicArn": {"Fn::Sub": f"{prefix}:sns:${{AWS::Region}}:{account}:{name}"},
                                "TopicName": name},
            "AWS::Kinesis::Stream": {"Ref": name, "Arn": {"Fn::Sub": f"{prefix}:kinesis:${{AWS::Region}}:{account}:stream/{name}"}},
        }
        if kind == "AWS::Events::Rule":
            bus = self._literal_name(old[0], properties.get("EventBusName", "default"))
            if bus is None:
                return None
            path = name if bus == "default" else f"{bus}/{name}"
            # Ref of a rule on a custom bus is not written out: what it returns there is for AWS to say.
            forms[kind] = {"Arn": {"Fn::Sub": f"{prefix}:events:${{AWS::Region}}:{account}:rule/{path}"}}
            if bus == "default":
                forms[kind]["Ref"] = name
        return forms.get(kind, {}).get(attribute)

    def identifier(self, move: Move, stack: str, logical_id: str) -> dict[str, Any]:
        """The resource identifier of an IMPORT of the resource at ``stack``/``logical_id`` (before
        it leaves), with ``${AWS::AccountId}`` where the account goes, and
        ``${Physical:stack:LogicalId}`` where the script reads a physical ID before anything moves."""
        resource = self.resource_now(stack, logical_id) or {}
        properties = resource.get("Properties", {})
        keys = schema(move.type).primary_identifier
        name = self.name_of(stack, logical_id)
        if move.type == "AWS::SQS::Queue" and name is not None:
            return {"QueueUrl": f"https://sqs.{self.region}.amazonaws.com/${{AWS::AccountId}}/{name}"}
        if move.type == "AWS::Events::Rule" and name is not None:
            bus_name = self._literal_name(stack, properties.get("EventBusName", "default"))
            if bus_name is not None:
                path = name if bus_name == "default" else f"{bus_name}/{name}"
                return {"Arn": f"arn:aws:events:{self.region}:${{AWS::AccountId}}:rule/{path}"}
        lookup = f"${{Physical:{stack}:{logical_id}}}"
        found = {}
        for key in keys:
            value = canonical(properties.get(key), Context(stack, self.region, self.account))
            if not isinstance(value, str) and target_of(value) is not None:  # e.g. a bucket policy's Bucket
                value = self.literal((stack, target_of(value)[0]), target_of(value)[1])
                value = canonical(value, Context(stack, self.region, self.account))
            found[key] = value if isinstance(value, str) else lookup
        return found

    def _literal_name(self, stack: str, value: Any) -> str | None:
        if isinstance(value, str):
            return value.rsplit("/", 1)[-1]
        target = target_of(value) if isinstance(value, dict) else None
        if target and target[1] in ("Ref", "Name"):
            found = self.literal((stack, target[0]), target[1])
            return found if isinstance(found, str) else None
        return None

    # -- spans

    def span(self, d: Deployed, logical_id: str, prop: str | None = None) -> Span | None:
        """Where a resource (its logical ID) or one of its properties is written."""
        resource = d.read.resource(logical_id)
        path = resource.path if resource else ""
        if prop:
            path = join(join(path, "Properties"), prop.split("[")[0].split(".")[0])
        elif path and d.read.locations.get(path + "#key") is not None:
            return d.read.locations[path + "#key"]
        return d.read.span(path)

    def _span_anywhere(self, stack: str, logical_id: str) -> Span | None:
        d = self.deployed.get(stack)
        if d is not None and d.read.resource(logical_id):
            return self.span(d, logical_id)
        for other in self.deployed.values():
            if other.read.resource(logical_id):
                return self.span(other, logical_id)
        return d.read.span("") if d is not None else None


def target_of(value: Any) -> tuple[str, str] | None:
    if not isinstance(value, dict) or len(value) != 1:
        return None
    if "Ref" in value and isinstance(value["Ref"], str) and not value["Ref"].startswith("AWS::"):
        return (value["Ref"], "Ref")
    if "Fn::GetAtt" in value:
        target = value["Fn::GetAtt"]
        if isinstance(target, list) and len(target) == 2 and all(isinstance(t, str) for t in target):
            return (target[0], target[1])
        if isinstance(target, str) and "." in target:
            logical_id, attribute = target.split(".", 1)
            return (logical_id, attribute)
    return None


def _attribute_word(attribute: str) -> str:
    """``Arn`` -> ``arn``, ``StreamArn`` -> ``stream_arn``: the name infrac's `export` uses."""
    if attribute == "Ref":
        return "the identifying attribute"
    return re.sub(r"(?<!^)(?=[A-Z])", "_", attribute).lower()


def _describe(target: tuple[str, str]) -> str:
    return f"`{target[0]}`" if target[1] == "Ref" else f"`{target[0]}.{target[1]}`"
