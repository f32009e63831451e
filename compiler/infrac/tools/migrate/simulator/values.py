"""A stack's intrinsic functions resolved to plain values, the way CloudFormation resolves them:
references, attributes, ``Fn::Sub``, ``Fn::ImportValue`` of another stack's export, and the
conditions; and what ``Ref`` and ``Fn::GetAtt`` give for a physical resource.
"""

from __future__ import annotations

import re

from infrac.tools.migrate.simulator.model import Refused, StackState

TYPE_CHECKING = False  # typing's own constant, without importing typing
if TYPE_CHECKING:
    from typing import Any


class Resolver:
    """Resolves the intrinsic functions of one stack's template to plain values. ``account``
    is the :class:`~infrac.tools.migrate.simulator.Account` the stack is in (its region, ID,
    physical resources and exports)."""

    def __init__(self, account, state: StackState, template: dict[str, Any], *, states=None, pending=None):
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
            "AWS::NotificationARNs": [],  # the stack's SNS topics for events: none in the simulation
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
            resolver = Resolver(self.account, other, other.template, states=self.states)
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


def _ref_value(kind: str, identifier: str, account) -> str:
    """What ``Ref`` gives: a queue's URL, a rule's name, most others' identifier."""
    if kind == "AWS::Events::Rule":
        return _name_of(kind, identifier)
    if kind == "AWS::Cognito::UserPoolClient":
        return identifier.split("|")[-1]
    return identifier.split("|")[-1] if "|" in identifier else identifier


def _attribute(kind: str, identifier: str, attribute: str, properties: dict[str, Any], account) -> Any:
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
