"""DynamoDB tables: ``table Users { key = { userId: string } ... }``.

Secure defaults: point-in-time recovery and server-side encryption are on
unless switched off in the source (``pitr = false``).
"""

from __future__ import annotations

from infrac.base.source import Span
from infrac.cfn import limits
from infrac.diagnostics import Diagnostic, Label, diagnostic
from infrac.model import Block, Resource
from infrac.vocabulary.kinds import COMMON_FIELDS, Access, Attribute, BlockKind, Field, Kind, RuleContext, tag_list
from infrac.vocabulary.types import Boolean, Choice, Integer, ListOf, MapOf, Name, OneOf, Record, Text

TYPE_CHECKING = False  # typing's own constant, without importing typing
if TYPE_CHECKING:
    from typing import Any

_ATTRIBUTE_NAME = Name(r"[A-Za-z0-9_.-]{1,255}", "letters, digits, `_`, `.` and `-`")
_KEY = MapOf(
    Choice({"string": "S", "number": "N", "binary": "B"}),
    minimum=1,
    maximum=2,
    key=_ATTRIBUTE_NAME,
    description="a map from attribute name to `string`, `number` or `binary`",
    count_rule="a key is a partition key and at most one sort key",
)
_KEY_DOC = (
    "The key: a map from attribute name to type (`string`, `number`, `binary`); the first "
    "entry is the partition key, the second, if any, the sort key."
)
_CAPACITY = Record({"read": Integer(1), "write": Integer(1)}, required=("read", "write"))
_CAPACITY_DOC = "Provisioned throughput, `{ read: 5, write: 5 }`; only with `billing = provisioned`."
_PROJECTION = OneOf(Choice({"all": "ALL", "keys_only": "KEYS_ONLY"}), ListOf(_ATTRIBUTE_NAME, minimum=1))
_PROJECTION_DOC = "`all`, `keys_only`, or a list of the non-key attributes to include."

INDEX = BlockKind(
    "index",
    "A global secondary index.",
    {
        "key": Field(_KEY, _KEY_DOC, required=True),
        "projection": Field(_PROJECTION, _PROJECTION_DOC, default="ALL"),
        "capacity": Field(_CAPACITY, _CAPACITY_DOC),
    },
    namespace="a table's indexes, global and local,",
    aliases=("global_index", "gsi", "global_secondary_index"),
)
LOCAL_INDEX = BlockKind(
    "local_index",
    "A local secondary index: same partition key as the table, another sort key.",
    {
        "key": Field(_KEY, _KEY_DOC, required=True),
        "projection": Field(_PROJECTION, _PROJECTION_DOC, default="ALL"),
    },
    namespace="a table's indexes, global and local,",
    aliases=("lsi", "local_secondary_index"),
)

FIELDS = {
    **COMMON_FIELDS,
    "name": Field(Text(), "The physical table name; CloudFormation generates one if it is not set."),
    "key": Field(_KEY, _KEY_DOC, required=True),
    "billing": Field(
        Choice({"on_demand": "PAY_PER_REQUEST", "provisioned": "PROVISIONED"}),
        "Billing mode.",
        default="PAY_PER_REQUEST",
    ),
    "capacity": Field(_CAPACITY, _CAPACITY_DOC),
    "pitr": Field(Boolean(), "Point-in-time recovery.", default=True),
    "sse": Field(Boolean(), "Server-side encryption with the AWS managed key.", default=True),
    "ttl": Field(_ATTRIBUTE_NAME, "The attribute that holds each item's expiry time."),
    "stream": Field(
        Choice(
            {
                "new_and_old_images": "NEW_AND_OLD_IMAGES",
                "new_image": "NEW_IMAGE",
                "old_image": "OLD_IMAGE",
                "keys_only": "KEYS_ONLY",
            }
        ),
        "The change stream and what each record holds.",
    ),
    "deletion_protection": Field(Boolean(), "Refuse to delete the table."),
    "tags": Field(MapOf(Text()), "Tags, as a map from key to value."),
}

ATTRIBUTES = {
    "name": Attribute("name", "The table's name."),
    "arn": Attribute("arn", "The table's ARN.", getatt="Arn"),
    "stream_arn": Attribute(
        "stream_arn",
        "The ARN of the table's stream.",
        getatt="StreamArn",
        missing=lambda table: None if table.values.get("stream") else "the table has no stream",
    ),
}


def _key_schema(key: dict[str, str]) -> list[dict[str, str]]:
    return [
        {"AttributeName": name, "KeyType": key_type}
        for name, key_type in zip(key, ("HASH", "RANGE"))
    ]


def _throughput(capacity: dict[str, int]) -> dict[str, int]:
    return {"ReadCapacityUnits": capacity["read"], "WriteCapacityUnits": capacity["write"]}


def _projection(projection: Any) -> dict[str, Any]:
    if isinstance(projection, tuple):
        return {"ProjectionType": "INCLUDE", "NonKeyAttributes": list(projection)}
    return {"ProjectionType": projection}


def _index(block: Block) -> dict[str, Any]:
    index: dict[str, Any] = {
        "IndexName": block.name,
        "KeySchema": _key_schema(block.values["key"]),
        "Projection": _projection(block.values["projection"]),
    }
    if block.values.get("capacity"):
        index["ProvisionedThroughput"] = _throughput(block.values["capacity"])
    return index


def _attribute_definitions(resource: Resource) -> list[dict[str, str]]:
    """Every key attribute of the table and its indexes, once, in order of first use."""
    types: dict[str, str] = {}
    for key, _ in _keys(resource):
        for name, attribute_type in key.items():
            types.setdefault(name, attribute_type)
    return [{"AttributeName": name, "AttributeType": t} for name, t in types.items()]


def _keys(resource: Resource) -> list[tuple[dict[str, str], Span | None]]:
    """The key of the table and of each of its indexes, with where each is written."""
    indexes = (*resource.blocks.get("index", ()), *resource.blocks.get("local_index", ()))
    return [
        (resource.values["key"], resource.value_spans.get("key", resource.name_span)),
        *((b.values["key"], b.value_spans.get("key", b.name_span)) for b in indexes),
    ]


def properties(resource: Resource) -> dict[str, Any]:
    v = resource.values
    props: dict[str, Any] = {}
    if v.get("name") is not None:
        props["TableName"] = v["name"]
    props["BillingMode"] = v["billing"]
    props["AttributeDefinitions"] = _attribute_definitions(resource)
    props["KeySchema"] = _key_schema(v["key"])
    if v.get("capacity"):
        props["ProvisionedThroughput"] = _throughput(v["capacity"])
    if resource.blocks.get("index"):
        props["GlobalSecondaryIndexes"] = [_index(b) for b in resource.blocks["index"]]
    if resource.blocks.get("local_index"):
        props["LocalSecondaryIndexes"] = [_index(b) for b in resource.blocks["local_index"]]
    if v.get("ttl"):
        props["TimeToLiveSpecification"] = {"AttributeName": v["ttl"], "Enabled": True}
    if v.get("stream"):
        props["StreamSpecification"] = {"StreamViewType": v["stream"]}
    if v["pitr"]:
        props["PointInTimeRecoverySpecification"] = {"PointInTimeRecoveryEnabled": True}
    if v["sse"]:
        props["SSESpecification"] = {"SSEEnabled": True}
    if v.get("deletion_protection") is not None:
        props["DeletionProtectionEnabled"] = v["deletion_protection"]
    if v.get("tags"):
        props["Tags"] = tag_list(v["tags"])
    return props


def _iam_resources(resource: Resource, attribute) -> list[Any]:
    """The table and, when it has any, its indexes (``<arn>/index/*``)."""
    arn = attribute("arn")
    entries = [arn]
    if resource.blocks.get("index") or resource.blocks.get("local_index"):
        entries.append({"Fn::Join": ["/", [arn, "index", "*"]]})
    return entries


# ---- rules DynamoDB enforces at deploy time ----------------------------------------------


def rules(resource: Resource, context: RuleContext) -> list[Diagnostic]:
    return [
        *_name_rule(resource, context),
        *_index_count_rule(resource),
        *_local_index_rule(resource),
        *_capacity_rule(resource),
        *_key_type_rule(resource),
    ]


def _table_name_problem(text: str) -> str | None:
    return None if limits.TABLE_NAME.fullmatch(text) else "not a valid DynamoDB table name"


def _name_rule(resource: Resource, context: RuleContext) -> list[Diagnostic]:
    name = resource.values.get("name")
    bad = context.first_bad_name(name, _table_name_problem) if name is not None else None
    if bad is None:
        return []
    stage, text, _ = bad
    return [
        diagnostic(
            "E0601",
            f"table name `{text}` (stage `{stage}`) is not a valid DynamoDB table name",
            name.span,
            label="3-255 characters of letters, digits, `_`, `.` and `-`",
        )
    ]


def _index_count_rule(resource: Resource) -> list[Diagnostic]:
    found = []
    for keyword, limit, what in (
        ("index", limits.MAX_GLOBAL_INDEXES, "global"),
        ("local_index", limits.MAX_LOCAL_INDEXES, "local"),
    ):
        blocks = resource.blocks.get(keyword, ())
        if len(blocks) > limit:
            found.append(
                diagnostic(
                    "E0601",
                    f"{len(blocks)} {what} secondary indexes; a table has at most {limit}",
                    blocks[limit].name_span,
                    label=f"{what} index number {limit + 1}",
                )
            )
    return found


def _local_index_rule(resource: Resource) -> list[Diagnostic]:
    found = []
    table_key = list(resource.values["key"])
    for block in resource.blocks.get("local_index", ()):
        index_key = list(block.values["key"])
        span = block.value_spans.get("key", block.name_span)
        if len(table_key) < 2:
            found.append(
                diagnostic(
                    "E0601",
                    f"local index `{block.name}` needs a table with a sort key",
                    block.name_span,
                    label="the table's key is a partition key only",
                    hint="local indexes share the table's partition key and add another sort key; "
                    "use a global `index` here",
                )
            )
        elif len(index_key) != 2 or index_key[0] != table_key[0]:
            found.append(
                diagnostic(
                    "E0601",
                    f"local index `{block.name}` must use the table's partition key `{table_key[0]}` and a sort key",
                    span,
                    label=f"expected key = {{ {table_key[0]}: ..., <sort key>: ... }}",
                )
            )
    return found


def _capacity_rule(resource: Resource) -> list[Diagnostic]:
    """Provisioned tables need capacity on the table and every global index; on-demand forbid it."""
    found = []
    v = resource.values
    provisioned = v["billing"] == "PROVISIONED"
    if provisioned and not v.get("capacity"):
        found.append(
            diagnostic(
                "E0601",
                "a provisioned table needs `capacity`",
                resource.value_spans.get("billing", resource.name_span),
                label="billing = provisioned",
                hint="add `capacity = { read: 5, write: 5 }`, or use `billing = on_demand`",
            )
        )
    if not provisioned and v.get("capacity"):
        found.append(
            diagnostic(
                "E0601",
                "an on-demand table cannot have `capacity`",
                resource.value_spans["capacity"],
                label="the table bills on demand",
                hint="remove `capacity`, or set `billing = provisioned`",
            )
        )
    for block in resource.blocks.get("index", ()):
        has_capacity = bool(block.values.get("capacity"))
        if provisioned and not has_capacity:
            found.append(
                diagnostic(
                    "E0601",
                    f"index `{block.name}` needs `capacity`: the table is provisioned",
                    block.name_span,
                    label="no capacity",
                    hint="add `capacity = { read: 5, write: 5 }` to the index",
                )
            )
        elif has_capacity and not provisioned:
            found.append(
                diagnostic(
                    "E0601",
                    f"index `{block.name}` cannot have `capacity`: the table bills on demand",
                    block.value_spans["capacity"],
                    label="the table bills on demand",
                    hint="remove `capacity` from the index",
                )
            )
    return found


def _key_type_rule(resource: Resource) -> list[Diagnostic]:
    """One type per key attribute across the table and its indexes."""
    found = []
    seen: dict[str, tuple[str, Span | None]] = {}
    for key, key_span in _keys(resource):
        for attribute, attribute_type in key.items():
            if attribute in seen and seen[attribute][0] != attribute_type:
                first_type, first_span = seen[attribute]
                found.append(
                    diagnostic(
                        "E0602",
                        f"key attribute `{attribute}` is {_TYPE_WORD[attribute_type]} here "
                        f"and {_TYPE_WORD[first_type]} before",
                        key_span,
                        label=f"`{attribute}` is {_TYPE_WORD[attribute_type]} here",
                        labels=[Label(first_span, f"`{attribute}` is {_TYPE_WORD[first_type]} here")] if first_span else [],
                        hint="give the attribute one type in every key",
                    )
                )
            seen.setdefault(attribute, (attribute_type, key_span))
    return found


_TYPE_WORD = {"S": "`string`", "N": "`number`", "B": "`binary`"}

TABLE = Kind(
    keyword="table",
    cfn_type="AWS::DynamoDB::Table",
    doc="A DynamoDB table.",
    fields=FIELDS,
    blocks={"index": INDEX, "local_index": LOCAL_INDEX},
    attributes=ATTRIBUTES,
    properties=properties,
    rules=rules,
    identifying=("name", "arn"),
    access=Access(
        actions=(
            ("dynamodb:GetItem", "read"),
            ("dynamodb:PutItem", "write"),
            ("dynamodb:UpdateItem", "write"),
            ("dynamodb:DeleteItem", "write"),
            ("dynamodb:Query", "read"),
            ("dynamodb:Scan", "read"),
            ("dynamodb:BatchGetItem", "read"),
            ("dynamodb:BatchWriteItem", "write"),
            ("dynamodb:ConditionCheckItem", "read"),
        ),
        resources=_iam_resources,
    ),
)
