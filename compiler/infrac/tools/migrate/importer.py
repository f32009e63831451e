"""From templates (:mod:`infrac.tools.migrate.source`) to ``.infra`` sources, proven by rebuilding them.

``import_templates(templates, plan)`` returns :class:`Imported`: the syntax IR of each
``.infra`` file (formatted by :mod:`infrac.syntax.fmt`, so imported code looks hand-written), the
rewritten consumer services, and diagnostics. Nothing is written here; the command line
writes all files or none.

How a resource is imported:

1. A *lifter* per first-class kind (``table``, ``queue`` with its dead-letter queue,
   ``bucket``, ``bus``, ``rule``, ``user_pool``...) turns the properties into the kind's
   attributes, or declines when a property has no attribute.
2. Every other resource becomes a generic ``resource "AWS::X::Y" LogicalId { ... }`` block
   whose ``properties`` hold the template's values: ``Ref``/``Fn::GetAtt`` of the template's
   resources become references, parameters ``param(...)``, functions calls (``if``, ``sub``...).
3. The result is compiled and rendered back (:func:`verify`): a lifted resource whose
   rendering differs from its template in any way is imported again as a generic block. So a
   first-class block is used only where it reproduces the resource exactly.

What cannot be expressed (``Mappings``/``Fn::FindInMap``, ``Transform``, ``Rules``,
``CreationPolicy``/``UpdatePolicy``, ``AWS::StackId``, an output that is not a resource's
attribute...) is diagnostic E0810 at its template path; nothing is dropped silently.
"""

from __future__ import annotations

import copy
import posixpath
import re
from collections.abc import Mapping, Sequence
from decimal import Decimal

from infrac.base import classes
from infrac.base.classes import evolve, frozen, mutable
from infrac.cfn import limits
from infrac.diagnostics import Diagnostic, diagnostic, has_errors
from infrac.syntax import ir
from infrac.tools.migrate import split
from infrac.tools.migrate.source.model import Interpolated, Template, join
from infrac.tools.migrate.source.model import Resource as SourceResource
from infrac.vocabulary import KINDS
from infrac.vocabulary.kinds import pascal

TYPE_CHECKING = False  # typing's own constant, without importing typing
if TYPE_CHECKING:
    from typing import Any

# ---- the import plan -------------------------------------------------------------------------


@frozen
class Placement:
    """Where a template's resources go: ``stacks`` maps a resource type to a stack (the
    dedicated stacks of a split); resources of other types stay in ``default`` (the template's
    own stack, or, for a service with functions, the service file itself)."""

    stacks: Mapping[str, str] = classes.field(factory=dict)

    def stack_of(self, resource: SourceResource, template: Template) -> str | None:
        if resource.type in self.stacks:
            return self.stacks[resource.type]
        for prefix, stack in self.stacks.items():
            if prefix.endswith("::*") and resource.type.startswith(prefix[:-1]):
                return stack
        return None


#: ``--split-by type``: the project's dedicated infrastructure services.
SPLIT_BY_TYPE = Placement(
    {
        "AWS::DynamoDB::Table": "infrastructure-dynamodb",
        "AWS::SQS::Queue": "infrastructure-sqs",
        "AWS::SQS::QueuePolicy": "infrastructure-sqs",
        "AWS::S3::Bucket": "infrastructure-s3",
        "AWS::S3::BucketPolicy": "infrastructure-s3",
        "AWS::Events::EventBus": "infrastructure-eventbridge",
        "AWS::Events::Rule": "infrastructure-eventbridge",
        "AWS::Events::*": "infrastructure-eventbridge",
        "AWS::Cognito::*": "infrastructure-cognito",
    }
)


@frozen
class Imported:
    #: file name -> module, for the ``.infra`` files
    modules: Mapping[str, ir.Module]
    #: new service file path -> (header comment, document), for consumers whose service is rewritten
    services: Mapping[str, Any]
    diagnostics: tuple[Diagnostic, ...]
    #: the stage the round trip was checked for
    stage: str
    #: the project's stages (the round trip's first; a `Stage` parameter's allowed values)
    stages: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return not has_errors(self.diagnostics)


# ---- values -------------------------------------------------------------------------------------


class _Unsupported(Exception):
    """A value the language cannot express; ``args`` = (template path, construct)."""


_PSEUDO = {
    "AWS::AccountId": "account", "AWS::Partition": "partition", "AWS::URLSuffix": "url_suffix",
    "AWS::Region": "aws_region", "AWS::StackName": "stack_name",
}
_FUNCTIONS = {
    "Fn::If": "if", "Fn::Equals": "equals", "Fn::Not": "not", "Fn::And": "and", "Fn::Or": "or",
    "Fn::Join": "join", "Fn::Select": "select", "Fn::Split": "split", "Fn::Base64": "base64",
    "Fn::ImportValue": "import_value", "Fn::GetAZs": "get_azs", "Fn::Cidr": "cidr",
}
_SINGLE = {"Fn::Base64", "Fn::ImportValue", "Fn::GetAZs"}
_CONDITION_ARGS = {"Fn::Not", "Fn::And", "Fn::Or"}


def escape(text: str) -> str:
    """Literal text as a string of the language (braces doubled)."""
    return text.replace("{", "{{").replace("}", "}}")


@mutable
class Refs:
    """How the template's logical IDs are written in the language: ``(stack, name, kind)``
    per resource, and each companion's owner (a dead-letter queue's source queue)."""

    targets: dict[str, tuple[str, str, str]] = classes.field(factory=dict)
    #: companion logical ID -> (owner logical ID, {("Ref", None) | ("GetAtt", "Arn"): attribute})
    companions: dict[str, tuple[str, dict]] = classes.field(factory=dict)
    parameters: set[str] = classes.field(factory=set)
    conditions: set[str] = classes.field(factory=set)
    #: logical ID -> CloudFormation type, for the attributes of generic blocks
    types: dict[str, str] = classes.field(factory=dict)
    #: the template's `Stage` parameter stands for ``{stage}``
    stage: bool = False
    #: the stack being written, and the references to other stacks it makes: (stack, name, attribute)
    here: str = ""
    used: list[tuple[str, str, str]] = classes.field(factory=list)

    def attribute(self, logical_id: str, getatt: str | None, path: str) -> ir.Ref:
        owner = logical_id
        attribute: str | None = None
        if logical_id in self.companions:
            owner, attributes = self.companions[logical_id]
            attribute = attributes.get(("GetAtt", getatt) if getatt else ("Ref", None))
            if attribute is None:
                raise _Unsupported(path, f"`{'Fn::GetAtt ' + getatt if getatt else 'Ref'}` of `{logical_id}`")
        stack, name, kind = self.targets[owner]
        if attribute is None:
            attribute = _attribute_name(kind, getatt, path, self.types.get(owner, ""))
        if stack != self.here:
            self.used.append((stack, name, attribute))
            return ir.Ref((stack, name, attribute))
        return ir.Ref((name, attribute))


def _attribute_name(kind: str, getatt: str | None, path: str, cfn_type: str = "") -> str:
    spec = KINDS[kind]
    if spec.attributes is None:
        if getatt is None:
            return "ref"
        from infrac.cfn import typecheck

        known = typecheck.attributes(cfn_type) if cfn_type else None
        for snake_name, name in (known or {}).items():
            if name == getatt:  # the schema's own name: `endpoint_address` for Endpoint.Address
                return snake_name
        snake = re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", getatt).lower()
        if "." in getatt or pascal(snake) != getatt or not re.fullmatch(r"[a-z][a-z0-9_]*", snake):
            raise _Unsupported(path, f"`Fn::GetAtt` attribute `{getatt}`")
        return snake
    for name, attribute in spec.attributes.items():
        if attribute.owner is None and attribute.getatt == getatt:
            return name
    # `Fn::GetAtt Bus.Name` where the kind reads the name with `Ref`: the same value. (Inside
    # the stacks the rebuild would show any difference; across stacks only the value travels.)
    snake = re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", getatt or "").lower()
    if getatt and snake in spec.attributes and spec.attributes[snake].owner is None:
        return snake
    raise _Unsupported(path, f"`{'Fn::GetAtt ' + getatt if getatt else 'Ref'}` of a `{kind}`")


def _symbol(name: Any, path: str, what: str) -> ir.Symbol:
    """A condition's or parameter's name, which CloudFormation makes alphanumeric."""
    if not isinstance(name, str) or not re.fullmatch(r"[A-Za-z0-9]{1,255}", name):
        raise _Unsupported(path, f"{what} `{name}`, which is not a name of letters and digits")
    return ir.Symbol(name)


def to_ir(value: Any, path: str, refs: Refs) -> ir.Value:
    """A template value as a value of the language."""
    if isinstance(value, Interpolated):
        return ir.String(value.text)
    if isinstance(value, str):
        return ir.String(escape(value))
    if isinstance(value, bool):
        return ir.Bool(value)
    if isinstance(value, int):
        return ir.Number(value)
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise _Unsupported(path, "a number that is not finite")
        return ir.Number(Decimal(repr(value)) if value != int(value) or "e" in repr(value) else int(value))
    if value is None:
        raise _Unsupported(path, "`null`")
    if isinstance(value, list):
        return ir.List(tuple(to_ir(v, join(path, i), refs) for i, v in enumerate(value)))
    if isinstance(value, dict):
        if len(value) == 1:
            (key, arg), = value.items()
            if key == "Ref" or key.startswith("Fn::") or key == "Condition":
                return _intrinsic(key, arg, join(path, key), refs)
        entries = []
        for key, v in value.items():
            if not key or not key.isprintable():
                raise _Unsupported(join(path, key), "an empty or unprintable key")
            entries.append(ir.Entry(key, to_ir(v, join(path, key), refs)))
        return ir.Map(tuple(entries))
    raise _Unsupported(path, f"a value of type {type(value).__name__}")


def _intrinsic(key: str, arg: Any, path: str, refs: Refs) -> ir.Value:
    if key == "Ref":
        if not isinstance(arg, str):
            raise _Unsupported(path, "`Ref` of something that is not a name")
        if arg == "AWS::NoValue":
            return ir.Call("no_value", ())
        if arg in _PSEUDO:
            return ir.String("{" + _PSEUDO[arg] + "}")
        if arg == "Stage" and refs.stage:
            return ir.String("{stage}")
        if arg in refs.parameters:
            return ir.Call("param", (_symbol(arg, path, "the parameter"),))
        if arg in refs.targets or arg in refs.companions:
            return refs.attribute(arg, None, path)
        raise _Unsupported(path, f"`Ref` of `{arg}`")
    if key == "Fn::GetAtt":
        if not (isinstance(arg, list) and len(arg) == 2 and all(isinstance(a, str) for a in arg)):
            raise _Unsupported(path, "`Fn::GetAtt` that is not `[LogicalId, Attribute]`")
        if arg[0] not in refs.targets and arg[0] not in refs.companions:
            raise _Unsupported(path, f"`Fn::GetAtt` of `{arg[0]}`, which is not a resource of the template")
        return refs.attribute(arg[0], arg[1], path)
    if key == "Condition":
        return _symbol(arg, path, "the condition")
    if key == "Fn::Sub":
        return _sub(arg, path, refs)
    if key in _FUNCTIONS:
        if key in _SINGLE:
            return ir.Call(_FUNCTIONS[key], (to_ir(arg, path, refs),))
        if not isinstance(arg, list):
            raise _Unsupported(path, f"`{key}` without a list of arguments")
        args = []
        for i, a in enumerate(arg):
            if (key == "Fn::If" and i == 0) and isinstance(a, str):
                args.append(_symbol(a, join(path, i), "the condition"))
            elif key in _CONDITION_ARGS and isinstance(a, dict) and set(a) == {"Condition"}:
                args.append(_symbol(a["Condition"], join(path, i), "the condition"))
            else:
                args.append(to_ir(a, join(path, i), refs))
        return ir.Call(_FUNCTIONS[key], tuple(args))
    raise _Unsupported(path, f"`{key}`")


_SUB_VARIABLE = re.compile(r"\$\{([^}]*)\}")
_SUB_VARIABLE_ESCAPED = re.compile(r"\$\{\{((?:[^}]|\}(?!\}))*)\}\}")


def _sub(arg: Any, path: str, refs: Refs) -> ir.Value:
    """``Fn::Sub`` as ``sub("text {Var}", { Var: ... })``: pseudo parameters become
    placeholders, ``${Param}``/``${Res}``/``${Res.Attr}`` variables, ``${!x}`` literal text."""
    if isinstance(arg, list) and len(arg) == 2 and isinstance(arg[0], (str, Interpolated)) and isinstance(arg[1], dict):
        text, given = arg
    elif isinstance(arg, (str, Interpolated)):
        text, given = arg, {}
    else:
        raise _Unsupported(path, "`Fn::Sub` that is not a string or `[string, {variables}]`")
    variables: dict[str, ir.Value] = {}
    for name, value in given.items():
        if not name.isidentifier():
            raise _Unsupported(join(join(path, 1), name), f"the `Fn::Sub` variable name `{name}`")
        variables[name] = to_ir(value, join(join(path, 1), name), refs)
    # Serverless input keeps its own placeholders ({stage}) in an Interpolated text, where
    # the variables of Fn::Sub are escaped: ${{Name}}.
    if isinstance(text, Interpolated):
        source, pattern, literal = text.text, _SUB_VARIABLE_ESCAPED, (lambda t: t)
    else:
        source, pattern, literal = text, _SUB_VARIABLE, escape
    out = []
    position = 0
    for match in pattern.finditer(source):
        out.append(literal(source[position:match.start()]))
        position = match.end()
        name = match.group(1)
        if name.startswith("!"):
            out.append("$" + "{{" + escape(name[1:]) + "}}")
        elif name in variables:
            out.append("{" + name + "}")
        elif name in _PSEUDO:
            out.append("{" + _PSEUDO[name] + "}")
        elif name == "Stage" and refs.stage:
            out.append("{stage}")
        elif name in refs.parameters:
            variables[name] = ir.Call("param", (_symbol(name, path, "the parameter"),))
            out.append("{" + name + "}")
        elif "." in name and name.split(".", 1)[0] in (refs.targets.keys() | refs.companions.keys()):
            logical_id, attribute = name.split(".", 1)
            variable = logical_id + attribute.replace(".", "")
            variables[variable] = refs.attribute(logical_id, attribute, path)
            out.append("{" + variable + "}")
        elif name in refs.targets or name in refs.companions:
            variables[name] = refs.attribute(name, None, path)
            out.append("{" + name + "}")
        else:
            raise _Unsupported(path, f"`${{{name}}}` in `Fn::Sub`")
    out.append(literal(source[position:]))
    if not variables and not isinstance(arg, list):
        # only placeholders: a string, which the build writes as Fn::Sub where it needs one
        return ir.String("".join(out))
    args: tuple[ir.Value, ...] = (ir.String("".join(out)),)
    if variables or isinstance(arg, list):
        args += (ir.Map(tuple(ir.Entry(k, v) for k, v in variables.items())),)
    return ir.Call("sub", args)


# ---- lifters: first-class kinds --------------------------------------------------------------


class _Decline(Exception):
    """The resource does not fit the kind; it is imported as a generic block."""


def _text(value: Any) -> ir.String:
    if isinstance(value, Interpolated):
        return ir.String(value.text)
    if isinstance(value, str):
        return ir.String(escape(value))
    raise _Decline


def _word(value: Any, pattern: str = r"[A-Za-z_][A-Za-z0-9_-]*") -> ir.Value:
    """A name: bare when it can be, quoted otherwise."""
    if not isinstance(value, str):
        raise _Decline
    return ir.Symbol(value) if re.fullmatch(pattern, value) and value not in ("true", "false") else ir.String(value)


def _seconds(value: Any) -> ir.Number:
    if isinstance(value, str) and value.isdigit():
        value = int(value)
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise _Decline
    for unit, factor in (("d", 86400), ("h", 3600), ("m", 60)):
        if value and value % factor == 0:
            return ir.Number(value // factor, unit)
    return ir.Number(value, "s")


def _tags(value: Any) -> ir.Map:
    if not isinstance(value, list):
        raise _Decline
    entries = []
    for tag in value:
        if not isinstance(tag, dict) or set(tag) != {"Key", "Value"} or not isinstance(tag["Key"], str):
            raise _Decline
        entries.append(ir.Entry(tag["Key"], _text(tag["Value"])))
    if len({e.key for e in entries}) != len(entries):
        raise _Decline
    return ir.Map(tuple(entries))


def _attr(name: str, value: ir.Value) -> ir.Attribute:
    return ir.Attribute(name, value)


_KEY_TYPES = {"S": "string", "N": "number", "B": "binary"}


def _key(schema: Any, types: dict[str, str]) -> ir.Map:
    if not isinstance(schema, list) or not 1 <= len(schema) <= 2:
        raise _Decline
    entries = []
    for element, expected in zip(schema, ("HASH", "RANGE")):
        if not isinstance(element, dict) or element.get("KeyType") != expected or set(element) != {"AttributeName", "KeyType"}:
            raise _Decline
        name = element["AttributeName"]
        if not isinstance(name, str) or name not in types:
            raise _Decline
        entries.append(ir.Entry(name, ir.Symbol(_KEY_TYPES[types[name]])))
    return ir.Map(tuple(entries))


def _projection(value: Any) -> ir.Value | None:
    if not isinstance(value, dict):
        raise _Decline
    kind = value.get("ProjectionType")
    if kind == "ALL" and set(value) == {"ProjectionType"}:
        return None
    if kind == "KEYS_ONLY" and set(value) == {"ProjectionType"}:
        return ir.Symbol("keys_only")
    if kind == "INCLUDE" and set(value) == {"ProjectionType", "NonKeyAttributes"}:
        return ir.List(tuple(_word(a) for a in value["NonKeyAttributes"]))
    raise _Decline


def _capacity(value: Any) -> ir.Map:
    if not isinstance(value, dict) or set(value) != {"ReadCapacityUnits", "WriteCapacityUnits"}:
        raise _Decline
    read, write = value["ReadCapacityUnits"], value["WriteCapacityUnits"]
    if not all(isinstance(v, int) and not isinstance(v, bool) for v in (read, write)):
        raise _Decline
    return ir.Map((ir.Entry("read", ir.Number(read)), ir.Entry("write", ir.Number(write))))


def lift_table(resource: SourceResource, template: Template) -> tuple[str, list[ir.Statement], dict]:
    p = dict(resource.properties)
    body: list[ir.Statement] = []
    definitions = p.pop("AttributeDefinitions", None)
    if not isinstance(definitions, list):
        raise _Decline
    types = {}
    for d in definitions:
        if not isinstance(d, dict) or set(d) != {"AttributeName", "AttributeType"}:
            raise _Decline
        if not isinstance(d["AttributeName"], str) or not isinstance(d["AttributeType"], str) or d["AttributeType"] not in _KEY_TYPES:
            raise _Decline
        types[d["AttributeName"]] = d["AttributeType"]
    if "TableName" in p:
        body.append(_attr("name", _text(p.pop("TableName"))))
    body.append(_attr("key", _key(p.pop("KeySchema", None), types)))
    billing = p.pop("BillingMode", None)
    if billing == "PROVISIONED":
        body.append(_attr("billing", ir.Symbol("provisioned")))
    elif billing != "PAY_PER_REQUEST":
        raise _Decline
    if "ProvisionedThroughput" in p:
        body.append(_attr("capacity", _capacity(p.pop("ProvisionedThroughput"))))
    ttl = p.pop("TimeToLiveSpecification", None)
    if ttl is not None:
        if not isinstance(ttl, dict) or ttl.get("Enabled") is not True or set(ttl) != {"AttributeName", "Enabled"}:
            raise _Decline
        body.append(_attr("ttl", _word(ttl["AttributeName"])))
    stream = p.pop("StreamSpecification", None)
    if stream is not None:
        views = {"NEW_AND_OLD_IMAGES": "new_and_old_images", "NEW_IMAGE": "new_image", "OLD_IMAGE": "old_image", "KEYS_ONLY": "keys_only"}
        if not isinstance(stream, dict) or set(stream) != {"StreamViewType"} or not isinstance(stream["StreamViewType"], str) \
                or stream["StreamViewType"] not in views:
            raise _Decline
        body.append(_attr("stream", ir.Symbol(views[stream["StreamViewType"]])))
    pitr = p.pop("PointInTimeRecoverySpecification", None)
    if pitr is None:
        body.append(_attr("pitr", ir.Bool(False)))
    elif pitr != {"PointInTimeRecoveryEnabled": True}:
        raise _Decline
    sse = p.pop("SSESpecification", None)
    if sse is None:
        body.append(_attr("sse", ir.Bool(False)))
    elif sse != {"SSEEnabled": True}:
        raise _Decline
    if "DeletionProtectionEnabled" in p:
        protection = p.pop("DeletionProtectionEnabled")
        if not isinstance(protection, bool):
            raise _Decline
        body.append(_attr("deletion_protection", ir.Bool(protection)))
    if "Tags" in p:
        body.append(_attr("tags", _tags(p.pop("Tags"))))
    for key, keyword in (("GlobalSecondaryIndexes", "index"), ("LocalSecondaryIndexes", "local_index")):
        for index in p.pop(key, None) or ():
            if not isinstance(index, dict) or not set(index) <= {"IndexName", "KeySchema", "Projection", "ProvisionedThroughput"}:
                raise _Decline
            inner: list[ir.Statement] = [_attr("key", _key(index.get("KeySchema"), types))]
            projection = _projection(index.get("Projection"))
            if projection is not None:
                inner.append(_attr("projection", projection))
            if "ProvisionedThroughput" in index:
                inner.append(_attr("capacity", _capacity(index["ProvisionedThroughput"])))
            if not isinstance(index.get("IndexName"), str) or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_-]*", index["IndexName"]):
                raise _Decline
            body.append(ir.Block(keyword, (ir.Symbol(index["IndexName"]),), tuple(inner)))
    if p:
        raise _Decline
    return "table", body, {}


def lift_queue(resource: SourceResource, template: Template) -> tuple[str, list[ir.Statement], dict]:
    p = dict(resource.properties)
    body: list[ir.Statement] = []
    fifo = p.pop("FifoQueue", False)
    if not isinstance(fifo, bool):
        raise _Decline
    if "QueueName" in p:
        body.append(_attr("name", _text(p.pop("QueueName"))))
    if fifo:
        body.append(_attr("fifo", ir.Bool(True)))
    dedup = p.pop("ContentBasedDeduplication", False)
    if dedup is not False:
        if dedup is not True:
            raise _Decline
        body.append(_attr("content_dedup", ir.Bool(True)))
    for key, name in (
        ("VisibilityTimeout", "visibility_timeout"), ("MessageRetentionPeriod", "retention"),
        ("DelaySeconds", "delay"), ("ReceiveMessageWaitTimeSeconds", "receive_wait"),
    ):
        if key in p:
            body.append(_attr(name, _seconds(p.pop(key))))
    sse = p.pop("SqsManagedSseEnabled", None)
    if sse is False:
        body.append(_attr("encryption", ir.Symbol("none")))
    elif sse is not True:
        raise _Decline
    tags = p.pop("Tags", None)
    if tags is not None:
        body.append(_attr("tags", _tags(tags)))
    companions: dict = {}
    redrive = p.pop("RedrivePolicy", None)
    if redrive is not None:
        if not isinstance(redrive, dict) or set(redrive) != {"deadLetterTargetArn", "maxReceiveCount"}:
            raise _Decline
        target = redrive["deadLetterTargetArn"]
        if not (isinstance(target, dict) and set(target) == {"Fn::GetAtt"} and isinstance(target["Fn::GetAtt"], list)
                and target["Fn::GetAtt"][1:] == ["Arn"]):
            raise _Decline
        dlq = template.resource(target["Fn::GetAtt"][0])
        if dlq is None or dlq.type != "AWS::SQS::Queue":
            raise _Decline
        dp = dict(dlq.properties)
        inner: list[ir.Statement] = []
        if "QueueName" in dp:
            inner.append(_attr("name", _text(dp.pop("QueueName"))))
        receives = redrive["maxReceiveCount"]
        if not isinstance(receives, int) or isinstance(receives, bool):
            raise _Decline
        inner.append(_attr("max_receives", ir.Number(receives)))
        retention = dp.pop("MessageRetentionPeriod", None)
        if retention is None:
            raise _Decline
        if retention != 14 * 86400:
            inner.append(_attr("retention", _seconds(retention)))
        if dp.pop("FifoQueue", False) != fifo or dp.pop("SqsManagedSseEnabled", None) != (sse is not False):
            raise _Decline
        if dp.pop("Tags", None) != tags or dp:
            raise _Decline
        if (dlq.deletion_policy, dlq.update_replace_policy) != (resource.deletion_policy, resource.update_replace_policy):
            raise _Decline
        if dlq.condition or dlq.depends_on or dlq.metadata is not None or dlq.other:
            raise _Decline
        body.append(ir.Block("dead_letter", (ir.Symbol(dlq.logical_id),), tuple(inner)))
        companions[dlq.logical_id] = {("Ref", None): "dlq_url", ("GetAtt", "Arn"): "dlq_arn", ("GetAtt", "QueueName"): "dlq_name"}
    if p:
        raise _Decline
    return "queue", body, companions


@frozen
class _Link:
    """A whole resource named by a lifted block (``pool = UserPool``): written as a name in
    the same stack, ``stack.Name`` in another, once the stacks are known."""

    logical_id: str


def _link(value: Any, template: Template, type_name: str) -> _Link:
    if not (isinstance(value, dict) and set(value) == {"Ref"} and isinstance(value["Ref"], str)):
        raise _Decline
    target = template.resource(value["Ref"])
    if target is None or target.type != type_name:
        raise _Decline
    return _Link(value["Ref"])


def _words(value: Any, choices: dict[str, str]) -> ir.List:
    if not isinstance(value, list) or not value:
        raise _Decline
    reverse = {v: k for k, v in choices.items()}
    if any(not isinstance(v, str) or v not in reverse for v in value):
        raise _Decline
    return ir.List(tuple(ir.Symbol(reverse[v]) for v in value))


def _texts(value: Any) -> ir.List:
    if not isinstance(value, list):
        raise _Decline
    return ir.List(tuple(_text(v) for v in value))


def lift_bus(resource: SourceResource, template: Template):
    p = dict(resource.properties)
    if "Name" not in p:
        raise _Decline
    body: list[ir.Statement] = [_attr("name", _text(p.pop("Name")))]
    if "Tags" in p:
        body.append(_attr("tags", _tags(p.pop("Tags"))))
    if p:
        raise _Decline
    return "bus", body, {}


def lift_user_pool_domain(resource: SourceResource, template: Template):
    p = dict(resource.properties)
    if set(p) != {"Domain", "UserPoolId"}:
        raise _Decline
    return "user_pool_domain", [
        _attr("domain", _text(p["Domain"])),
        _attr("pool", _link(p["UserPoolId"], template, "AWS::Cognito::UserPool")),
    ], {}


_AUTH_FLOWS = {
    "user_srp": "ALLOW_USER_SRP_AUTH", "refresh_token": "ALLOW_REFRESH_TOKEN_AUTH",
    "user_password": "ALLOW_USER_PASSWORD_AUTH", "admin_user_password": "ALLOW_ADMIN_USER_PASSWORD_AUTH",
    "custom": "ALLOW_CUSTOM_AUTH",
}
_UNITS = {"minutes": 60, "hours": 3600, "days": 86400}


def lift_user_pool_client(resource: SourceResource, template: Template):
    p = dict(resource.properties)
    body: list[ir.Statement] = [
        _attr("name", _text(p.pop("ClientName", None))),
        _attr("pool", _link(p.pop("UserPoolId", None), template, "AWS::Cognito::UserPool")),
    ]
    secret = p.pop("GenerateSecret", None)
    if not isinstance(secret, bool):
        raise _Decline
    if secret:
        body.append(_attr("generate_secret", ir.Bool(True)))
    if "ExplicitAuthFlows" in p:
        body.append(_attr("auth_flows", _words(p.pop("ExplicitAuthFlows"), _AUTH_FLOWS)))
    prevent = p.pop("PreventUserExistenceErrors", None)
    if prevent == "LEGACY":
        body.append(_attr("prevent_user_existence_errors", ir.Bool(False)))
    elif prevent != "ENABLED":
        raise _Decline
    units = p.pop("TokenValidityUnits", {})
    if not isinstance(units, dict):
        raise _Decline
    for prop, unit_key, field in (
        ("AccessTokenValidity", "AccessToken", "access_token_validity"),
        ("IdTokenValidity", "IdToken", "id_token_validity"),
        ("RefreshTokenValidity", "RefreshToken", "refresh_token_validity"),
    ):
        if prop in p:
            amount = p.pop(prop)
            unit = units.pop(unit_key, None)
            if not isinstance(amount, int) or isinstance(amount, bool) or not isinstance(unit, str) or unit not in _UNITS:
                raise _Decline
            body.append(_attr(field, _seconds(amount * _UNITS[unit])))
    if units:
        raise _Decline
    if "SupportedIdentityProviders" in p:
        body.append(_attr("identity_providers", _texts(p.pop("SupportedIdentityProviders"))))
    if p.pop("AllowedOAuthFlowsUserPoolClient", None) is True:
        inner: list[ir.Statement] = [
            _attr("flows", _words(p.pop("AllowedOAuthFlows", None), {k: k for k in ("code", "implicit", "client_credentials")})),
            _attr("scopes", _texts(p.pop("AllowedOAuthScopes", None))),
        ]
        if "CallbackURLs" in p:
            inner.append(_attr("callback_urls", _texts(p.pop("CallbackURLs"))))
        if "LogoutURLs" in p:
            inner.append(_attr("logout_urls", _texts(p.pop("LogoutURLs"))))
        body.append(ir.Block("oauth", (), tuple(inner)))
    if p:
        raise _Decline
    return "user_pool_client", body, {}


_VERIFIABLE = {"email": "email", "phone_number": "phone_number"}
_MFA = {"off": "OFF", "on": "ON", "optional": "OPTIONAL"}
_MFA_METHODS = {"totp": "SOFTWARE_TOKEN_MFA", "sms": "SMS_MFA", "email": "EMAIL_OTP"}
_DATA_TYPES = {"String": "string", "Number": "number", "DateTime": "datetime", "Boolean": "boolean"}


def lift_user_pool(resource: SourceResource, template: Template):
    p = dict(resource.properties)
    body: list[ir.Statement] = [_attr("name", _text(p.pop("UserPoolName", None)))]
    for prop, field, choices in (
        ("UsernameAttributes", "username_attributes", _VERIFIABLE),
        ("AutoVerifiedAttributes", "auto_verify", _VERIFIABLE),
    ):
        if prop in p:
            body.append(_attr(field, _words(p.pop(prop), choices)))
    if "MfaConfiguration" in p:
        written = p.pop("MfaConfiguration")
        mfa = {v: k for k, v in _MFA.items()}.get(written) if isinstance(written, str) else None
        if mfa is None:
            raise _Decline
        body.append(_attr("mfa", ir.Symbol(mfa)))
    if "EnabledMfas" in p:
        body.append(_attr("mfa_methods", _words(p.pop("EnabledMfas"), _MFA_METHODS)))
    if "AccountRecoverySetting" in p:
        setting = p.pop("AccountRecoverySetting")
        mechanisms = setting.get("RecoveryMechanisms") if isinstance(setting, dict) and set(setting) == {"RecoveryMechanisms"} else None
        if not isinstance(mechanisms, list) or [m.get("Priority") if isinstance(m, dict) else None for m in mechanisms] != list(range(1, len(mechanisms) + 1)):
            raise _Decline
        body.append(_attr("recovery", _words([m.get("Name") for m in mechanisms],
                                             {k: k for k in ("verified_email", "verified_phone_number")})))
    if "UserPoolTags" in p:
        tags = p.pop("UserPoolTags")
        if not isinstance(tags, dict):
            raise _Decline
        body.append(_attr("tags", ir.Map(tuple(ir.Entry(k, _text(v)) for k, v in tags.items()))))
    blocks: list[ir.Statement] = []
    if "Policies" in p:
        policies = p.pop("Policies")
        policy = policies.get("PasswordPolicy") if isinstance(policies, dict) and set(policies) == {"PasswordPolicy"} else None
        keys = {"MinimumLength", "RequireLowercase", "RequireUppercase", "RequireNumbers", "RequireSymbols"}
        if not isinstance(policy, dict) or not keys <= set(policy) <= keys | {"TemporaryPasswordValidityDays"}:
            raise _Decline
        inner: list[ir.Statement] = []
        length = policy["MinimumLength"]
        if not isinstance(length, int) or isinstance(length, bool):
            raise _Decline
        if length != 8:
            inner.append(_attr("min_length", ir.Number(length)))
        for key, field in (("RequireLowercase", "lowercase"), ("RequireUppercase", "uppercase"),
                           ("RequireNumbers", "numbers"), ("RequireSymbols", "symbols")):
            if not isinstance(policy[key], bool):
                raise _Decline
            if policy[key] is not True:
                inner.append(_attr(field, ir.Bool(False)))
        if "TemporaryPasswordValidityDays" in policy:
            days = policy["TemporaryPasswordValidityDays"]
            if not isinstance(days, int) or isinstance(days, bool):
                raise _Decline
            inner.append(_attr("temporary_validity", ir.Number(days, "d")))
        blocks.append(ir.Block("password", (), tuple(inner)))
    for entry in p.pop("Schema", None) or ():
        if not isinstance(entry, dict) or not {"Name", "AttributeDataType", "Mutable"} <= set(entry) <= {"Name", "AttributeDataType", "Mutable", "Required"}:
            raise _Decline
        if not isinstance(entry["AttributeDataType"], str) or entry["AttributeDataType"] not in _DATA_TYPES \
                or not isinstance(entry["Mutable"], bool) or entry.get("Required", False) not in (True, False):
            raise _Decline
        if entry.get("Required") is False or not isinstance(entry["Name"], str) or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_-]*", entry["Name"]):
            raise _Decline
        inner = []
        if entry["AttributeDataType"] != "String":
            inner.append(_attr("type", ir.Symbol(_DATA_TYPES[entry["AttributeDataType"]])))
        if entry.get("Required"):
            inner.append(_attr("required", ir.Bool(True)))
        if entry["Mutable"] is not True:
            inner.append(_attr("mutable", ir.Bool(False)))
        blocks.append(ir.Block("attribute", (ir.Symbol(entry["Name"]),), tuple(inner)))
    if p:
        raise _Decline
    return "user_pool", body + blocks, {}


#: The queue policy a stack's rules get from their queue targets (the ``rule`` kind derives it).
QUEUE_POLICY_ID = "EventBridgeToQueuesPolicy"


def _plain_ir(value: Any) -> ir.Value:
    """Data without functions or references (an event pattern), or decline."""
    try:
        return to_ir(value, "", Refs())
    except _Unsupported:
        raise _Decline from None


def lift_rule(resource: SourceResource, template: Template):
    p = dict(resource.properties)
    body: list[ir.Statement] = []
    if "Name" in p:
        body.append(_attr("name", _text(p.pop("Name"))))
    if "Description" in p:
        body.append(_attr("description", _text(p.pop("Description"))))
    if "EventBusName" in p:
        body.append(_attr("bus", _link(p.pop("EventBusName"), template, "AWS::Events::EventBus")))
    if "EventPattern" in p:
        pattern = p.pop("EventPattern")
        if not isinstance(pattern, dict) or not pattern:
            raise _Decline
        body.append(_attr("pattern", _plain_ir(pattern)))
    if "ScheduleExpression" in p:
        body.append(_attr("schedule", _text(p.pop("ScheduleExpression"))))
    state = p.pop("State", None)
    if state == "DISABLED":
        body.append(_attr("enabled", ir.Bool(False)))
    elif state != "ENABLED":
        raise _Decline
    companions: dict = {}
    for target in p.pop("Targets", None) or ():
        if not isinstance(target, dict) or not {"Id", "Arn"} <= set(target) <= {"Id", "Arn", "SqsParameters", "Input"}:
            raise _Decline
        inner: list[ir.Statement] = []
        arn = target["Arn"]
        queue = None
        if isinstance(arn, dict) and set(arn) == {"Fn::GetAtt"} and isinstance(arn["Fn::GetAtt"], list) \
                and arn["Fn::GetAtt"][1:] == ["Arn"]:
            queue = template.resource(arn["Fn::GetAtt"][0])
        if queue is not None and queue.type == "AWS::SQS::Queue" and target["Id"] == queue.logical_id:
            label: Any = _Link(queue.logical_id)
            companions[QUEUE_POLICY_ID] = {}
        else:
            if not isinstance(target["Id"], str) or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_-]*", target["Id"]):
                raise _Decline
            label = ir.Symbol(target["Id"])
            if isinstance(arn, (str, Interpolated)):
                inner.append(_attr("arn", _text(arn)))
            else:
                raise _Decline
        if "SqsParameters" in target:
            group = target["SqsParameters"]
            if not isinstance(group, dict) or set(group) != {"MessageGroupId"}:
                raise _Decline
            inner.append(_attr("message_group", _text(group["MessageGroupId"])))
        if "Input" in target:
            inner.append(_attr("input", _text(target["Input"])))
        body.append(ir.Block("target", (label,), tuple(inner)))
    if p:
        raise _Decline
    if companions and template.resource(QUEUE_POLICY_ID) is None:
        raise _Decline  # the policy the kind would add is not in the template
    return "rule", body, companions


def _days(value: Any) -> ir.Number:
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise _Decline
    return ir.Number(value, "d")


def _cors_block(rule: Any) -> ir.Block:
    allowed = {"Id", "AllowedOrigins", "AllowedMethods", "AllowedHeaders", "ExposedHeaders", "MaxAge"}
    if not isinstance(rule, dict) or not {"Id", "AllowedOrigins", "AllowedMethods"} <= set(rule) <= allowed:
        raise _Decline
    inner: list[ir.Statement] = [
        _attr("origins", _texts(rule["AllowedOrigins"])),
        _attr("methods", _words(rule["AllowedMethods"], {m: m for m in ("GET", "PUT", "POST", "DELETE", "HEAD")})),
    ]
    if "AllowedHeaders" in rule:
        inner.append(_attr("headers", _texts(rule["AllowedHeaders"])))
    if "ExposedHeaders" in rule:
        inner.append(_attr("expose", _texts(rule["ExposedHeaders"])))
    if "MaxAge" in rule:
        inner.append(_attr("max_age", _seconds(rule["MaxAge"])))
    return ir.Block("cors", (_name(rule["Id"]),), tuple(inner))


def _name(value: Any) -> ir.Symbol:
    if not isinstance(value, str) or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_-]*", value):
        raise _Decline
    return ir.Symbol(value)


def _lifecycle_block(rule: Any) -> ir.Block:
    allowed = {"Id", "Status", "Prefix", "ExpirationInDays", "NoncurrentVersionExpiration", "AbortIncompleteMultipartUpload"}
    if not isinstance(rule, dict) or not {"Id", "Status"} <= set(rule) <= allowed:
        raise _Decline
    inner: list[ir.Statement] = []
    if "Prefix" in rule:
        inner.append(_attr("prefix", _text(rule["Prefix"])))
    if "ExpirationInDays" in rule:
        inner.append(_attr("expire_after", _days(rule["ExpirationInDays"])))
    if "NoncurrentVersionExpiration" in rule:
        value = rule["NoncurrentVersionExpiration"]
        if not isinstance(value, dict) or set(value) != {"NoncurrentDays"}:
            raise _Decline
        inner.append(_attr("noncurrent_expire_after", _days(value["NoncurrentDays"])))
    if "AbortIncompleteMultipartUpload" in rule:
        value = rule["AbortIncompleteMultipartUpload"]
        if not isinstance(value, dict) or set(value) != {"DaysAfterInitiation"}:
            raise _Decline
        inner.append(_attr("abort_incomplete_after", _days(value["DaysAfterInitiation"])))
    if rule["Status"] == "Disabled":
        inner.append(_attr("enabled", ir.Bool(False)))
    elif rule["Status"] != "Enabled":
        raise _Decline
    return ir.Block("lifecycle", (_name(rule["Id"]),), tuple(inner))


def lift_bucket(resource: SourceResource, template: Template):
    p = dict(resource.properties)
    body: list[ir.Statement] = []
    if "BucketName" in p:
        body.append(_attr("name", _text(p.pop("BucketName"))))
    versioning = p.pop("VersioningConfiguration", None)
    if versioning == {"Status": "Enabled"}:
        body.append(_attr("versioning", ir.Bool(True)))
    elif versioning is not None:
        raise _Decline
    encryption = p.pop("BucketEncryption", None)
    try:
        (rule,) = encryption["ServerSideEncryptionConfiguration"]
        algorithm = rule["ServerSideEncryptionByDefault"]["SSEAlgorithm"]
        bucket_key = rule["BucketKeyEnabled"]
    except (TypeError, KeyError, ValueError):
        raise _Decline from None
    if algorithm == "aws:kms":
        body.append(_attr("encryption", ir.Symbol("kms")))
    elif algorithm != "AES256":
        raise _Decline
    if bucket_key is False:
        body.append(_attr("bucket_key", ir.Bool(False)))
    block = p.pop("PublicAccessBlockConfiguration", None)
    if not isinstance(block, dict) or len(set(block.values())) != 1 or len(block) != 4:
        raise _Decline
    if next(iter(block.values())) is False:
        body.append(_attr("block_public_access", ir.Bool(False)))
    ownership = p.pop("OwnershipControls", None)
    owners = {"BucketOwnerEnforced": "bucket_owner_enforced", "BucketOwnerPreferred": "bucket_owner_preferred", "ObjectWriter": "object_writer"}
    try:
        (owner,) = ownership["Rules"]
        owned = owners[owner["ObjectOwnership"]]
    except (TypeError, KeyError, ValueError):
        raise _Decline from None
    if owned != "bucket_owner_enforced":
        body.append(_attr("ownership", ir.Symbol(owned)))
    if "Tags" in p:
        body.append(_attr("tags", _tags(p.pop("Tags"))))
    blocks: list[ir.Statement] = []
    cors = p.pop("CorsConfiguration", None)
    if cors is not None:
        if not isinstance(cors, dict) or set(cors) != {"CorsRules"} or not isinstance(cors["CorsRules"], list):
            raise _Decline
        blocks.extend(_cors_block(r) for r in cors["CorsRules"])
    lifecycle = p.pop("LifecycleConfiguration", None)
    if lifecycle is not None:
        if not isinstance(lifecycle, dict) or set(lifecycle) != {"Rules"} or not isinstance(lifecycle["Rules"], list):
            raise _Decline
        blocks.extend(_lifecycle_block(r) for r in lifecycle["Rules"])
    if p:
        raise _Decline
    companions: dict = {}
    policy = template.resource(resource.logical_id + "Policy")
    sids: list[str] = []
    if policy is not None and policy.type == "AWS::S3::BucketPolicy":
        if policy.properties.get("Bucket") != {"Ref": resource.logical_id}:
            raise _Decline
        statements = (policy.properties.get("PolicyDocument") or {}).get("Statement")
        if not isinstance(statements, list):
            raise _Decline
        for statement in statements:
            sid = statement.get("Sid") if isinstance(statement, dict) else None
            if sid in ("DenyInsecureTransport", "DenyUnencryptedUploads"):
                sids.append(sid)
                continue
            raise _Decline  # other statements: kept as the generic policy they are
        companions[policy.logical_id] = {}
    if "DenyInsecureTransport" not in sids:
        body.append(_attr("tls_only", ir.Bool(False)))
    if "DenyUnencryptedUploads" in sids:
        body.append(_attr("encrypted_uploads_only", ir.Bool(True)))
    return "bucket", body + blocks, companions


LIFTERS = {
    "AWS::DynamoDB::Table": lift_table,
    "AWS::SQS::Queue": lift_queue,
    "AWS::Events::EventBus": lift_bus,
    "AWS::Cognito::UserPool": lift_user_pool,
    "AWS::Cognito::UserPoolClient": lift_user_pool_client,
    "AWS::Cognito::UserPoolDomain": lift_user_pool_domain,
    "AWS::Events::Rule": lift_rule,
    "AWS::S3::Bucket": lift_bucket,
}


# ---- assembling the project --------------------------------------------------------------------

def stack_name(template: Template) -> str:
    """A template's own stack: its service's name, or its file's name."""
    name = template.service or re.sub(r"\.(ya?ml|json|template)$", "", template.file.rsplit("/", 1)[-1])
    name = re.sub(r"[^A-Za-z0-9-]+", "-", name).strip("-") or "imported"
    if not limits.STACK_NAME.fullmatch(name):
        name = ("stack-" + name)[:128].rstrip("-")
    return name if limits.STACK_NAME.fullmatch(name) else "imported"


def is_consumer(template: Template) -> bool:
    """A service with functions: its own file stays, and takes the moved resources by imports."""
    document = template.document
    return isinstance(document, dict) and bool(document.get("functions"))


@mutable
class _Plan:
    """Decisions for one attempt: which resources are lifted to which kind, and which not."""

    #: logical ID (per template index) -> (kind, body, companions)
    lifted: dict[tuple[int, str], tuple[str, list, dict]] = classes.field(factory=dict)
    generic: set[tuple[int, str]] = classes.field(factory=set)


def _located(template: Template, path: str, message: str, code: str = "E0810", key: bool = False, **kw) -> Diagnostic:
    return diagnostic(code, message, template.key_span(path) if key else template.span(path), **kw)


def _template_problems(template: Template) -> list[Diagnostic]:
    found = []
    if template.mappings:
        found.append(_located(template, "Mappings", "`Mappings` cannot be expressed in the language", label="not imported",
                              hint="write the values the stack uses where they are used, or use a parameter"))
    if template.rules is not None:
        found.append(_located(template, "Rules", "`Rules` (parameter checks) cannot be expressed in the language",
                              key=True, label="not imported", hint="check the parameters' values another way"))
    if template.metadata is not None:
        found.append(_located(template, "Metadata", "the template's `Metadata` is not imported", "W0812", key=True,
                              label="left out", hint="infrac writes its own template description and no metadata"))
    if template.transform is not None:
        found.append(_located(template, "Transform", "`Transform` (macros, SAM) cannot be expressed in the language",
                              label="not imported", hint="import the template the transform produces instead"))
    for parameter in template.parameters:
        if parameter.name == "Stage" and stage_parameter(template) is None:
            found.append(_located(template, parameter.path, "a `Stage` parameter with constraints or of another type",
                                  key=True, label="not imported",
                                  hint="infrac writes the `Stage` parameter itself, a string allowed the project's "
                                  "stages: keep only `Type: String`, `Default` and `AllowedValues`"))
        for key in parameter.constraints:
            if key not in _PARAMETER_KEYS:
                found.append(_located(template, join(parameter.path, key), f"parameter setting `{key}` cannot be expressed",
                                      label="not imported"))
    for resource in template.resources:
        for key in resource.other:
            found.append(_located(template, join(resource.path, key), f"`{key}` cannot be expressed in the language",
                                  key=True, label="not imported", hint="set it on the deployed stack another way, or remove it"))
        for key, policy in (("DeletionPolicy", resource.deletion_policy), ("UpdateReplacePolicy", resource.update_replace_policy)):
            if policy == "RetainExceptOnCreate":
                found.append(_located(template, join(resource.path, key), "`RetainExceptOnCreate` cannot be expressed",
                                      label="not imported", hint="use `Retain`"))
        if resource.type.startswith("AWS::Serverless::"):
            found.append(_located(template, join(resource.path, "Type"), f"`{resource.type}` is a SAM type",
                                  label="needs the SAM transform", hint="import the template the transform produces"))
    return found


def stage_parameter(template: Template):
    """The template's ``Stage`` parameter when it is what infrac writes for ``{stage}`` (a string,
    a default, allowed values): its uses become ``{stage}`` and its values the project's stages."""
    for parameter in template.parameters:
        if parameter.name != "Stage":
            continue
        values = [parameter.default, *(parameter.allowed_values or ())]
        if (
            parameter.type == "String"
            and not parameter.constraints
            and isinstance(parameter.default, str)
            and all(isinstance(v, str) and re.fullmatch(r"[a-z][a-z0-9-]*", v) for v in values)
        ):
            return parameter
    return None


_PARAMETER_KEYS = {
    "AllowedPattern": "pattern", "MinLength": "min_length", "MaxLength": "max_length", "MinValue": "min_value",
    "MaxValue": "max_value", "ConstraintDescription": "constraint_description", "NoEcho": "no_echo",
}
_PARAMETER_TYPES = {"String": "string", "Number": "number", "List<Number>": "number_list", "CommaDelimitedList": "comma_list"}
_POLICY = {"Retain": "retain", "Delete": "delete", "Snapshot": "snapshot"}


def _parameter_block(parameter, refs: Refs) -> ir.Block:
    kind = _PARAMETER_TYPES.get(parameter.type)
    body: list[ir.Statement] = [_attr("type", ir.Symbol(kind) if kind else ir.String(parameter.type))]
    if parameter.default is not None:
        body.append(_attr("default", to_ir(parameter.default, join(parameter.path, "Default"), refs)))
    if parameter.allowed_values is not None:
        body.append(_attr("allowed", to_ir(list(parameter.allowed_values), join(parameter.path, "AllowedValues"), refs)))
    if parameter.description is not None:
        if not isinstance(parameter.description, str):
            raise _Unsupported(join(parameter.path, "Description"), "a description that is not text")
        body.append(_attr("description", ir.String(escape(parameter.description))))
    for key, value in parameter.constraints.items():
        if key in ("AllowedPattern", "ConstraintDescription"):
            if not isinstance(value, str):
                raise _Unsupported(join(parameter.path, key), f"`{key}` that is not text")
            body.append(_attr(_PARAMETER_KEYS[key], ir.String(escape(value))))
        elif key in _PARAMETER_KEYS:
            body.append(_attr(_PARAMETER_KEYS[key], to_ir(value, join(parameter.path, key), refs)))
    return ir.Block("parameter", (_symbol(parameter.name, parameter.path, "the parameter"),), tuple(body))


def _with_links(statement: ir.Statement, refs: Refs, path: str) -> ir.Statement:
    """A lifted attribute whose value names a whole resource (or a block whose label does:
    a rule's target), written for the stack it is in."""
    if isinstance(statement, ir.Block) and statement.labels and isinstance(statement.labels[0], _Link):
        logical_id = statement.labels[0].logical_id
        if logical_id not in refs.targets:
            raise _Unsupported(path, f"a link to `{logical_id}`")
        stack, name, _ = refs.targets[logical_id]
        if stack != refs.here:
            refs.used.extend([(stack, name, "arn"), (stack, name, "url")])
            return evolve(statement, labels=(ir.Ref((stack, name)),))
        return evolve(statement, labels=(ir.Symbol(name),))
    if isinstance(statement, ir.Attribute) and isinstance(statement.value, _Link):
        logical_id = statement.value.logical_id
        if logical_id not in refs.targets:
            raise _Unsupported(path, f"a link to `{logical_id}`")
        stack, name, kind = refs.targets[logical_id]
        if stack != refs.here:
            refs.used.append((stack, name, "id"))
            return evolve(statement, value=ir.Ref((stack, name)))
        return evolve(statement, value=ir.Symbol(name))
    return statement


def _resource_block(index: int, resource: SourceResource, template: Template, plan: _Plan, refs: Refs) -> ir.Block:
    common: list[ir.Statement] = []
    if resource.condition:
        common.append(_attr("condition", _symbol(resource.condition, join(resource.path, "Condition"), "the condition")))
    if resource.depends_on:
        common.append(_attr("depends_on", ir.List(tuple(ir.Symbol(d) for d in resource.depends_on))))
    if resource.metadata is not None:
        if not isinstance(resource.metadata, dict):
            raise _Unsupported(join(resource.path, "Metadata"), "`Metadata` that is not a mapping")
        common.append(_attr("metadata", to_ir(resource.metadata, join(resource.path, "Metadata"), refs)))
    for key, field in ((resource.deletion_policy, "deletion_policy"), (resource.update_replace_policy, "update_replace_policy")):
        if key in _POLICY:
            common.append(_attr(field, ir.Symbol(_POLICY[key])))
    lifted = plan.lifted.get((index, resource.logical_id))
    if lifted is not None:
        kind, body, _ = lifted
        body = [_with_links(statement, refs, join(resource.path, "Properties")) for statement in body]
        attributes = [s for s in body if isinstance(s, ir.Attribute)]
        blocks = [s for s in body if not isinstance(s, ir.Attribute)]
        return ir.Block(kind, (ir.Symbol(resource.logical_id),), tuple(attributes + common + blocks))
    body = list(common)
    if resource.properties:
        body.append(_attr("properties", to_ir(resource.properties, join(resource.path, "Properties"), refs)))
    return ir.Block("resource", (ir.String(resource.type), ir.Symbol(resource.logical_id)), tuple(body))


def _references(value: Any) -> set[str]:
    """Logical IDs a value refers to (``Ref``, ``Fn::GetAtt``, ``${X}`` in ``Fn::Sub``)."""
    found: set[str] = set()
    if isinstance(value, dict):
        if set(value) == {"Ref"} and isinstance(value["Ref"], str):
            found.add(value["Ref"])
        elif set(value) == {"Fn::GetAtt"} and isinstance(value["Fn::GetAtt"], list) and value["Fn::GetAtt"]:
            found.add(str(value["Fn::GetAtt"][0]))
        elif set(value) == {"Fn::Sub"}:
            arg = value["Fn::Sub"]
            text = arg[0] if isinstance(arg, list) and arg else arg
            text = text.text if isinstance(text, Interpolated) else text
            if isinstance(text, str):
                found |= {m.group(1).strip("{}").split(".")[0] for m in re.finditer(r"\$\{+([^}!][^}]*)\}", text)}
            if isinstance(arg, list) and len(arg) > 1:
                found |= _references(arg[1])
        else:
            for v in value.values():
                found |= _references(v)
    elif isinstance(value, list):
        for v in value:
            found |= _references(v)
    return found


def staying(template: Template, split: bool = True) -> dict[str, str]:
    """A service's resources that refer to what the framework generates (the API, a
    function's role), directly or through each other: they stay in the service file.
    Logical ID -> the outside name it refers to."""
    if not is_consumer(template) or not split:
        return {}
    known = {r.logical_id for r in template.resources} | {p.name for p in template.parameters}
    stays: dict[str, str] = {}
    changed = True
    while changed:
        changed = False
        for resource in template.resources:
            if resource.logical_id in stays:
                continue
            refs = _references(resource.properties) | set(resource.depends_on)
            outside = sorted(r for r in refs if (r not in known and not r.startswith("AWS::")) or r in stays)
            if outside:
                stays[resource.logical_id] = outside[0]
                changed = True
    return stays


def _place(templates: Sequence[Template], placement: Placement | None) -> dict[tuple[int, str], str | None]:
    """Each resource's stack; None for what stays in a consumer's own service file."""
    where: dict[tuple[int, str], str | None] = {}
    for i, template in enumerate(templates):
        own = stack_name(template)
        stays = staying(template, placement is not None)
        for resource in template.resources:
            if resource.logical_id in stays:
                where[(i, resource.logical_id)] = None
                continue
            stack = placement.stack_of(resource, template) if placement else None
            if (
                placement is not None
                and resource.type == "AWS::SQS::QueuePolicy"
                and "AWS::Events::Rule" in placement.stacks
                and any(
                    (r := template.resource(x)) is not None and r.type == "AWS::Events::Rule"
                    for x in _references(resource.properties)
                )
            ):
                # the policy that lets rules send: beside the rules, or the two stacks would
                # import from each other (the rules target the queues)
                stack = placement.stacks["AWS::Events::Rule"]
            if stack is None:
                stack = None if placement is not None and is_consumer(template) else own
            where[(i, resource.logical_id)] = stack
    return where


def import_templates(templates: Sequence[Template], placement: Placement | None = None, out: str = "out") -> Imported:
    """Import templates into one project; see the module's documentation."""
    diagnostics: list[Diagnostic] = []
    for template in templates:
        diagnostics.extend(_template_problems(template))
    stage_parameters = [p for p in (stage_parameter(t) for t in templates) if p is not None]
    stage = next((t.stage for t in templates if t.stage), None) or (
        stage_parameters[0].default if stage_parameters else "dev"
    )
    stages = tuple(dict.fromkeys([stage, *(v for p in stage_parameters for v in (p.allowed_values or ()))]))
    region = next((t.region for t in templates if t.region), None) or "us-east-1"
    where = _place(templates, placement)
    for template in templates:
        for logical_id, outside in staying(template, placement is not None).items():
            diagnostics.append(_located(
                template, join("Resources", logical_id),
                f"`{logical_id}` stays in the service: it refers to `{outside}`", "W0811", key=True,
                label="kept in the service file", hint="the new service file keeps it as it is",
            ))
    seen: dict[tuple[str, str], tuple[int, str]] = {}
    for (i, logical_id), stack in where.items():
        if stack is None:
            continue
        if (stack, logical_id) in seen:
            diagnostics.append(_located(
                templates[i], join("Resources", logical_id),
                f"logical ID `{logical_id}` is also used by `{templates[seen[(stack, logical_id)][0]].file}` in stack `{stack}`",
                "E0811", key=True, label="two resources of one stack would share this ID",
                hint="import the two templates separately, or rename one resource",
            ))
        seen.setdefault((stack, logical_id), (i, logical_id))
    if any(d.code == "E0811" for d in diagnostics):
        return Imported({}, {}, tuple(diagnostics), stage)
    plan = _Plan()
    for _ in range(6):
        modules, consumers, found = _attempt(templates, where, plan, stage, region, placement, out)
        if has_errors(found) or has_errors(diagnostics):
            return Imported({}, {}, tuple(diagnostics + found), stage)
        mismatched, problems = verify(modules, templates, where, plan, stage, region, stages)
        if not mismatched:
            return Imported(modules, consumers, tuple(diagnostics + found + problems), stage, stages)
        plan.generic |= mismatched
        plan.lifted = {k: v for k, v in plan.lifted.items() if k not in mismatched}
    return Imported({}, {}, tuple(diagnostics + problems), stage)


def _lift(templates, where, plan: _Plan) -> None:
    taken: set[tuple[int, str]] = set()
    for (i, _logical_id), (_, _, companions) in plan.lifted.items():
        taken |= {(i, c) for c in companions}
    for i, template in enumerate(templates):
        for resource in template.resources:
            key = (i, resource.logical_id)
            if key in plan.lifted or key in plan.generic or key in taken or where[key] is None:
                continue
            lifter = LIFTERS.get(resource.type)
            if lifter is None:
                continue
            try:  # on a copy: a lifter takes properties apart as it goes
                kind, body, companions = lifter(copy.deepcopy(resource), template)
            except _Decline:
                plan.generic.add(key)
                continue
            shared = {c for c in companions if c == QUEUE_POLICY_ID}  # one policy for all the rules
            if any(
                ((i, c) in taken and c not in shared) or (i, c) in plan.lifted or where.get((i, c)) != where[key]
                for c in companions
            ):
                plan.generic.add(key)
                continue
            plan.lifted[key] = (kind, body, companions)
            taken |= {(i, c) for c in companions}
    # a companion that is itself lifted (a dead-letter queue that was looked at first) is
    # taken back: its owner's block makes it
    for key in list(plan.lifted):
        if key in taken:
            del plan.lifted[key]


def _attempt(templates, where, plan: _Plan, stage: str, region: str, placement: Placement | None, out: str):
    _lift(templates, where, plan)
    found: list[Diagnostic] = []
    companions_of: dict[tuple[int, str], tuple[str, dict]] = {}
    for (i, owner), (_, _, companions) in plan.lifted.items():
        for companion, attributes in companions.items():
            companions_of[(i, companion)] = (owner, attributes)
    stacks: dict[str, list[ir.Statement]] = {}
    exports: dict[tuple[str, str], set[str]] = {}
    consumers: dict[str, Any] = {}
    order: list[str] = []
    for i, template in enumerate(templates):
        refs = Refs(
            parameters={p.name for p in template.parameters}, conditions=set(template.conditions),
            stage=stage_parameter(template) is not None,
        )
        for resource in template.resources:
            key = (i, resource.logical_id)
            if where[key] is None:
                continue
            if key in companions_of:
                refs.companions[resource.logical_id] = companions_of[key]
            else:
                kind = plan.lifted[key][0] if key in plan.lifted else "resource"
                refs.targets[resource.logical_id] = (where[key], resource.logical_id, kind)
                refs.types[resource.logical_id] = resource.type
        stacks_here = list(dict.fromkeys(where[(i, r.logical_id)] for r in template.resources if where[(i, r.logical_id)]))
        if not stacks_here and not is_consumer(template):
            stacks_here = [stack_name(template)]
        for stack in stacks_here:
            if stack not in stacks:
                stacks[stack] = []
                order.append(stack)
            refs.here = stack
            try:
                for parameter in template.parameters:
                    if parameter.name != "Stage":
                        stacks[stack].append(_parameter_block(parameter, refs))
                if template.conditions:
                    entries = tuple(
                        ir.Entry(_symbol(name, join("Conditions", name), "the condition").name,
                                 to_ir(value, join("Conditions", name), refs))
                        for name, value in template.conditions.items()
                    )
                    stacks[stack].insert(0, _attr("conditions", ir.Map(entries)))
            except _Unsupported as error:
                found.append(_unsupported(template, error))
        for resource in template.resources:
            key = (i, resource.logical_id)
            stack = where[key]
            if stack is None or key in companions_of:
                continue
            refs.here = stack
            try:
                block = _resource_block(i, resource, template, plan, refs)
            except _Unsupported as error:
                found.append(_unsupported(template, error))
                continue
            stacks[stack].append(block)
            if placement is not None:
                kind = KINDS[plan.lifted[key][0] if key in plan.lifted else "resource"]
                wanted = set(kind.identifying or ("ref",))
                if key in plan.lifted:  # a companion's attributes too (a dead-letter queue's)
                    wanted |= {a for attributes in plan.lifted[key][2].values() for a in attributes.values()}
                exports.setdefault((stack, resource.logical_id), set()).update(wanted)
        for stack, name, attribute in refs.used:
            exports.setdefault((stack, name), set()).add(attribute)
        refs.used.clear()
        found.extend(_outputs(template, refs, exports, where, i))
        if is_consumer(template) and placement is not None:
            consumers[stack_name(template)] = (i, template, refs)
    services: dict[str, Any] = {}
    consumer_modules: dict[str, ir.Module] = {}
    for stack, (i, template, refs) in consumers.items():
        service_dir = posixpath.dirname(template.file) or "."
        imports_file = split.imports_path(service_dir, out, stack)

        moved = {}
        for resource in template.resources:
            if where[(i, resource.logical_id)] is None:
                continue

            def one(getatt, path, _id=resource.logical_id, _refs=refs, _stack=stack):
                _refs.here = _stack
                return _refs.attribute(_id, getatt, path)

            moved[resource.logical_id] = one
        try:
            consumer = split.rewrite(template, stack, moved, imports_file)
        except _Unsupported as error:
            path, construct = error.args
            span = None
            while span is None and path:
                span = template.document_locations.get(path)
                path = path.rsplit(".", 1)[0] if "." in path else ""
            found.append(diagnostic(
                "E0810", f"{construct} cannot be expressed in the language", span, label="not imported",
                notes=[f"at `{error.args[0]}` of the service"],
                hint="refer to the resource by `Ref` or another attribute its kind has",
            ))
            continue
        for stack_name_, name, attribute in refs.used:
            exports.setdefault((stack_name_, name), set()).add(attribute)
        refs.used.clear()
        consumer_modules[f"{stack}.infra"] = ir.Module((ir.Stack(ir.Ident(stack), tuple(split.consumer_statements(consumer, service_dir, out))),))
        header = split.HEADER.format(
            source=posixpath.basename(template.file), imports=imports_file, out=out, build=split.BUILD_FOLDER,
            name=split.NEW_SERVICE_FILE,
        )
        services[posixpath.join(service_dir, split.NEW_SERVICE_FILE)] = (header, consumer.document)
    # exports, in each resource block
    modules: dict[str, ir.Module] = {}
    for stack in order:
        body = []
        for statement in stacks[stack]:
            if isinstance(statement, ir.Block) and statement.kind != "parameter":
                name = statement.labels[-1].name
                wanted = exports.get((stack, name))
                if wanted:
                    statement = _with_exports(statement, wanted)
            body.append(statement)
        modules[f"{stack}.infra"] = ir.Module((ir.Stack(ir.Ident(stack), tuple(body)),))
    modules.update(consumer_modules)
    return modules, services, found


def _unsupported(template: Template, error: _Unsupported) -> Diagnostic:
    path, construct = error.args
    return _located(
        template, path, f"{construct} cannot be expressed in the language", label="not imported",
        notes=[f"at `{path}`"],
        hint="rewrite this value in a form the language has (see docs/language.md), or leave the resource out of the import",
    )


def _with_exports(block: ir.Block, wanted: set) -> ir.Block:
    """The block with ``export`` statements for the attributes wanted (names, or
    ``(attribute, export name)`` for an export kept under its own name), in the kind's order."""
    kind = KINDS[block.kind]
    order = list(kind.attributes or {})
    plain = sorted((n for n in wanted if isinstance(n, str)), key=lambda n: (order.index(n) if n in order else len(order), n))
    named = sorted(n for n in wanted if isinstance(n, tuple))
    statements = [s for s in block.body if not isinstance(s, ir.Export)]
    extra: list[ir.Statement] = []
    if plain:
        extra.append(ir.Export(tuple(ir.Ident(n) for n in plain)))
    for attribute, name in named:
        extra.append(ir.Export((ir.Ident(attribute),), (
            _attr("name", ir.String(name)),
            _attr("reason", ir.String("the name it is exported under today")),
        )))
    return evolve(block, body=tuple(statements + extra))


def _outputs(template: Template, refs: Refs, exports: dict, where: dict, index: int) -> list[Diagnostic]:
    """Outputs with an export become ``export`` statements; anything else is said."""
    found = []
    for output in template.outputs:
        value = output.value
        target = None
        if isinstance(value, dict) and set(value) == {"Ref"} and isinstance(value["Ref"], str):
            target = (value["Ref"], None)
        elif isinstance(value, dict) and set(value) == {"Fn::GetAtt"} and isinstance(value["Fn::GetAtt"], list):
            target = (value["Fn::GetAtt"][0], value["Fn::GetAtt"][1])
        if output.export is None:
            found.append(_located(template, output.path, f"output `{output.name}` has no export and is not imported", "W0810",
                                  label="infrac writes outputs for exports", hint="export it if another stack needs it"))
            continue
        if output.condition is not None or target is None or target[0] not in refs.targets and target[0] not in refs.companions:
            found.append(_unsupported(template, _Unsupported(join(output.path, "Value"), f"output `{output.name}` (not a resource's attribute)")))
            continue
        if where.get((index, target[0])) is None and target[0] not in refs.companions:
            found.append(_unsupported(template, _Unsupported(output.path, f"output `{output.name}` of a resource that stays in the service")))
            continue
        refs.here = ""
        try:
            reference = refs.attribute(target[0], target[1], join(output.path, "Value"))
        except _Unsupported as error:
            found.append(_unsupported(template, error))
            continue
        refs.used.clear()
        stack, name, attribute = reference.parts
        expected = f"{escape(stack)}-{{stage}}-{escape(name)}{pascal(attribute)}"
        given = output.export.text if isinstance(output.export, Interpolated) else (
            escape(output.export) if isinstance(output.export, str) else None)
        if given is None:
            found.append(_unsupported(template, _Unsupported(join(output.path, "Export.Name"), "an export name computed by a function")))
            continue
        exports.setdefault((stack, name), set()).add(attribute if given == expected else (attribute, given))
    return found


# ---- the proof: rebuild and compare ----------------------------------------------------------------


def project_module(stage: str, region: str, name: str = "imported", stages: tuple[str, ...] = ()) -> ir.Module:
    listed = tuple(dict.fromkeys([stage, *stages]))
    return ir.Module((ir.Project(ir.Ident(name), (
        _attr("region", ir.String(region)),
        _attr("stages", ir.List(tuple(ir.Symbol(s) for s in listed))),
    )),))


def render_sources(modules: Mapping[str, ir.Module]) -> dict[str, str]:
    """The ``.infra`` texts, as the formatter writes them."""
    from infrac.syntax.fmt import format_module

    return {path: format_module(module) for path, module in modules.items()}


def build(sources: Mapping[str, str], stage: str):
    """Compile ``.infra`` texts and render CloudFormation for ``stage``: (result, templates by stack)."""
    import yaml

    from infrac.backends import BuildOptions, backend
    from infrac.base.source import SourceFile
    from infrac.project.pipeline import compile_sources

    result = compile_sources([SourceFile(path, text) for path, text in sorted(sources.items())])
    if not result.ok:
        return result, {}
    artifacts = backend("cloudformation").render(result.program, BuildOptions(stage=stage))
    return result, {a.stack: yaml.safe_load(a.text) for a in artifacts if a.stack and a.path == f"{a.stack}.yml"}


def verify(modules, templates, where, plan: _Plan, stage: str, region: str, stages: tuple[str, ...] = ()):
    """Compile the import and compare every resource with its template's: the lifted
    resources that differ (to import again as generic blocks), and problems to report."""
    from infrac.tools.migrate.roundtrip import built_resources, expected_resources

    sources = {"project.infra": render_sources({"p": project_module(stage, region, stages=stages)})["p"], **render_sources(modules)}
    result, built = build(sources, stage)
    problems: list[Diagnostic] = []
    mismatched: set[tuple[int, str]] = set()
    if not result.ok:
        owners = _owners(sources)
        for d in result.diagnostics:
            if d.severity.value != "error":
                continue
            owner = owners(d.span)
            lifted = [k for k in plan.lifted if owner and k[1] == owner]
            if lifted:
                mismatched |= set(lifted)
            else:
                problems.append(_compile_problem(d, owner, templates, where))
        return mismatched, problems
    have = built_resources(built, stage, region, by_stack=True)
    for i, template in enumerate(templates):
        expected = expected_resources(template, stage, region)
        for logical_id, document in expected.items():
            if where[(i, logical_id)] is None:
                continue
            if have.get((where[(i, logical_id)], logical_id)) != document:
                owners = {k for k, v in plan.lifted.items() if k[0] == i and (k[1] == logical_id or logical_id in v[2])}
                if owners:
                    mismatched |= owners
                else:
                    problems.append(_located(
                        template, join("Resources", logical_id),
                        f"`{logical_id}` would not be rebuilt exactly as it is", "E0813", key=True,
                        label="the import differs from this resource",
                        notes=[f"built: {have.get((where[(i, logical_id)], logical_id))!r}"[:400]],
                        hint="please report this: the importer should have said what it cannot express",
                    ))
    return mismatched, problems


def _owners(sources: Mapping[str, str]):
    from infrac.base.source import SourceFile
    from infrac.syntax.parser import parse

    ranges = []
    for path, text in sources.items():
        module = parse(SourceFile(path, text)).module
        for item in module.items if module else ():
            for statement in getattr(item, "body", ()):
                if isinstance(statement, ir.Block) and statement.span and statement.labels:
                    ranges.append((path, statement.span.start, statement.span.end, getattr(statement.labels[-1], "name", "")))

    def owner(span) -> str | None:
        if span is None:
            return None
        for path, start, end, name in ranges:
            if span.file == path and start <= span.start < end:
                return name
        return None

    return owner


def _compile_problem(d: Diagnostic, owner: str | None, templates, where) -> Diagnostic:
    for _i, template in enumerate(templates):
        if owner and template.resource(owner) is not None:
            return _located(template, join("Resources", owner), f"the imported `{owner}` does not compile: {d.message}",
                            "E0813", key=True, label="imported from here", notes=[f"{d.code}: {d.message}"],
                            hint=d.hint or "change the resource so that it is valid, then import again")
    return diagnostic("E0813", f"the imported project does not compile: {d.message}", None, notes=[d.code])
