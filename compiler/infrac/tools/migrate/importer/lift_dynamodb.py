"""DynamoDB tables lifted to the ``table`` kind: key, billing, capacity, time to live,
stream, recovery, encryption, indexes.
"""

from __future__ import annotations

from infrac.syntax import ir
from infrac.tools.migrate.importer.properties import (
    Decline,
    Properties,
    as_bool,
    as_integer,
    as_mapping,
    as_name,
    as_tags,
    as_text,
    as_word,
    one_of,
)
from infrac.tools.migrate.source.model import Resource as SourceResource
from infrac.tools.migrate.source.model import Template

TYPE_CHECKING = False  # typing's own constant, without importing typing
if TYPE_CHECKING:
    from typing import Any

    from infrac.tools.migrate.importer.properties import Lifted

_KEY_TYPES = {"S": "string", "N": "number", "B": "binary"}
_VIEWS = {
    "NEW_AND_OLD_IMAGES": "new_and_old_images", "NEW_IMAGE": "new_image", "OLD_IMAGE": "old_image", "KEYS_ONLY": "keys_only",
}


def lift_table(resource: SourceResource, template: Template) -> Lifted:
    p = Properties(resource.properties)
    types = _key_types(p.take("AttributeDefinitions"))
    p.optional("TableName", "name", as_text)
    p.required("KeySchema", "key", _key, types)
    p.choice("BillingMode", "billing", (("PAY_PER_REQUEST", None), ("PROVISIONED", ir.Symbol("provisioned"))))
    p.optional("ProvisionedThroughput", "capacity", _capacity)
    p.optional("TimeToLiveSpecification", "ttl", _ttl)
    p.optional("StreamSpecification", "stream", _stream)
    # not written: off, which the kind says (it turns them on by default)
    p.choice("PointInTimeRecoverySpecification", "pitr", ((None, ir.Bool(False)), ({"PointInTimeRecoveryEnabled": True}, None)))
    p.choice("SSESpecification", "sse", ((None, ir.Bool(False)), ({"SSEEnabled": True}, None)))
    p.optional("DeletionProtectionEnabled", "deletion_protection", as_bool)
    p.optional("Tags", "tags", as_tags)
    p.each("GlobalSecondaryIndexes", _index, "index", types)
    p.each("LocalSecondaryIndexes", _index, "local_index", types)
    return p.lifted("table")


def _key_types(definitions: Any) -> dict[str, str]:
    """``AttributeDefinitions``: each key attribute's type, as the kind writes it."""
    if not isinstance(definitions, list):
        raise Decline
    types = {}
    for definition in definitions:
        definition = as_mapping(definition, ("AttributeName", "AttributeType"))
        if not isinstance(definition["AttributeName"], str):
            raise Decline
        types[definition["AttributeName"]] = one_of(definition["AttributeType"], _KEY_TYPES)
    return types


def _key(schema: Any, types: dict[str, str]) -> ir.Map:
    if not isinstance(schema, list) or not 1 <= len(schema) <= 2:
        raise Decline
    entries = []
    for element, expected in zip(schema, ("HASH", "RANGE")):
        element = as_mapping(element, ("AttributeName", "KeyType"))
        if element["KeyType"] != expected:
            raise Decline
        entries.append(ir.Entry(element["AttributeName"], ir.Symbol(one_of(element["AttributeName"], types))))
    return ir.Map(tuple(entries))


def _ttl(value: Any) -> ir.Value | None:
    """An enabled time to live's attribute (written as null: nothing)."""
    if value is None:
        return None
    value = as_mapping(value, ("AttributeName", "Enabled"))
    if value["Enabled"] is not True:
        raise Decline
    return as_word(value["AttributeName"])


def _stream(value: Any) -> ir.Symbol | None:
    """A stream's view (written as null: nothing)."""
    if value is None:
        return None
    return ir.Symbol(one_of(as_mapping(value, ("StreamViewType",))["StreamViewType"], _VIEWS))


def _projection(value: Any) -> ir.Value | None:
    if not isinstance(value, dict):
        raise Decline
    kind = value.get("ProjectionType")
    if kind == "ALL" and set(value) == {"ProjectionType"}:
        return None
    if kind == "KEYS_ONLY" and set(value) == {"ProjectionType"}:
        return ir.Symbol("keys_only")
    if kind == "INCLUDE" and set(value) == {"ProjectionType", "NonKeyAttributes"} and isinstance(value["NonKeyAttributes"], list):
        return ir.List(tuple(as_word(a) for a in value["NonKeyAttributes"]))
    raise Decline


def _capacity(value: Any) -> ir.Map:
    value = as_mapping(value, ("ReadCapacityUnits", "WriteCapacityUnits"))
    read, write = as_integer(value["ReadCapacityUnits"]), as_integer(value["WriteCapacityUnits"])
    return ir.Map((ir.Entry("read", ir.Number(read)), ir.Entry("write", ir.Number(write))))


def _index(index: Any, keyword: str, types: dict[str, str]) -> ir.Block:
    """A global (``index``) or local (``local_index``) secondary index."""
    p = Properties(as_mapping(index, (), ("IndexName", "KeySchema", "Projection", "ProvisionedThroughput")))
    p.required("KeySchema", "key", _key, types)
    p.required("Projection", "projection", _projection)
    p.optional("ProvisionedThroughput", "capacity", _capacity)
    name = as_name(p.take("IndexName"))
    return ir.Block(keyword, (name,), tuple(p.finish()))
