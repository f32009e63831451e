"""DynamoDB tables lifted to the ``table`` kind: key, billing, capacity, time to live,
stream, recovery, encryption, indexes.
"""

from __future__ import annotations

import re

from infrac.syntax import ir
from infrac.tools.migrate.importer.properties import (
    Decline,
    as_tags,
    as_text,
    as_word,
    attr,
)
from infrac.tools.migrate.source.model import Resource as SourceResource
from infrac.tools.migrate.source.model import Template

TYPE_CHECKING = False  # typing's own constant, without importing typing
if TYPE_CHECKING:
    from typing import Any


_KEY_TYPES = {"S": "string", "N": "number", "B": "binary"}


def _key(schema: Any, types: dict[str, str]) -> ir.Map:
    if not isinstance(schema, list) or not 1 <= len(schema) <= 2:
        raise Decline
    entries = []
    for element, expected in zip(schema, ("HASH", "RANGE")):
        if not isinstance(element, dict) or element.get("KeyType") != expected or set(element) != {"AttributeName", "KeyType"}:
            raise Decline
        name = element["AttributeName"]
        if not isinstance(name, str) or name not in types:
            raise Decline
        entries.append(ir.Entry(name, ir.Symbol(_KEY_TYPES[types[name]])))
    return ir.Map(tuple(entries))


def _projection(value: Any) -> ir.Value | None:
    if not isinstance(value, dict):
        raise Decline
    kind = value.get("ProjectionType")
    if kind == "ALL" and set(value) == {"ProjectionType"}:
        return None
    if kind == "KEYS_ONLY" and set(value) == {"ProjectionType"}:
        return ir.Symbol("keys_only")
    if kind == "INCLUDE" and set(value) == {"ProjectionType", "NonKeyAttributes"}:
        return ir.List(tuple(as_word(a) for a in value["NonKeyAttributes"]))
    raise Decline


def _capacity(value: Any) -> ir.Map:
    if not isinstance(value, dict) or set(value) != {"ReadCapacityUnits", "WriteCapacityUnits"}:
        raise Decline
    read, write = value["ReadCapacityUnits"], value["WriteCapacityUnits"]
    if not all(isinstance(v, int) and not isinstance(v, bool) for v in (read, write)):
        raise Decline
    return ir.Map((ir.Entry("read", ir.Number(read)), ir.Entry("write", ir.Number(write))))


def lift_table(resource: SourceResource, template: Template) -> tuple[str, list[ir.Statement], dict]:
    p = dict(resource.properties)
    body: list[ir.Statement] = []
    definitions = p.pop("AttributeDefinitions", None)
    if not isinstance(definitions, list):
        raise Decline
    types = {}
    for d in definitions:
        if not isinstance(d, dict) or set(d) != {"AttributeName", "AttributeType"}:
            raise Decline
        if not isinstance(d["AttributeName"], str) or not isinstance(d["AttributeType"], str) or d["AttributeType"] not in _KEY_TYPES:
            raise Decline
        types[d["AttributeName"]] = d["AttributeType"]
    if "TableName" in p:
        body.append(attr("name", as_text(p.pop("TableName"))))
    body.append(attr("key", _key(p.pop("KeySchema", None), types)))
    billing = p.pop("BillingMode", None)
    if billing == "PROVISIONED":
        body.append(attr("billing", ir.Symbol("provisioned")))
    elif billing != "PAY_PER_REQUEST":
        raise Decline
    if "ProvisionedThroughput" in p:
        body.append(attr("capacity", _capacity(p.pop("ProvisionedThroughput"))))
    ttl = p.pop("TimeToLiveSpecification", None)
    if ttl is not None:
        if not isinstance(ttl, dict) or ttl.get("Enabled") is not True or set(ttl) != {"AttributeName", "Enabled"}:
            raise Decline
        body.append(attr("ttl", as_word(ttl["AttributeName"])))
    stream = p.pop("StreamSpecification", None)
    if stream is not None:
        views = {"NEW_AND_OLD_IMAGES": "new_and_old_images", "NEW_IMAGE": "new_image", "OLD_IMAGE": "old_image", "KEYS_ONLY": "keys_only"}
        if not isinstance(stream, dict) or set(stream) != {"StreamViewType"} or not isinstance(stream["StreamViewType"], str) \
                or stream["StreamViewType"] not in views:
            raise Decline
        body.append(attr("stream", ir.Symbol(views[stream["StreamViewType"]])))
    pitr = p.pop("PointInTimeRecoverySpecification", None)
    if pitr is None:
        body.append(attr("pitr", ir.Bool(False)))
    elif pitr != {"PointInTimeRecoveryEnabled": True}:
        raise Decline
    sse = p.pop("SSESpecification", None)
    if sse is None:
        body.append(attr("sse", ir.Bool(False)))
    elif sse != {"SSEEnabled": True}:
        raise Decline
    if "DeletionProtectionEnabled" in p:
        protection = p.pop("DeletionProtectionEnabled")
        if not isinstance(protection, bool):
            raise Decline
        body.append(attr("deletion_protection", ir.Bool(protection)))
    if "Tags" in p:
        body.append(attr("tags", as_tags(p.pop("Tags"))))
    for key, keyword in (("GlobalSecondaryIndexes", "index"), ("LocalSecondaryIndexes", "local_index")):
        for index in p.pop(key, None) or ():
            if not isinstance(index, dict) or not set(index) <= {"IndexName", "KeySchema", "Projection", "ProvisionedThroughput"}:
                raise Decline
            inner: list[ir.Statement] = [attr("key", _key(index.get("KeySchema"), types))]
            projection = _projection(index.get("Projection"))
            if projection is not None:
                inner.append(attr("projection", projection))
            if "ProvisionedThroughput" in index:
                inner.append(attr("capacity", _capacity(index["ProvisionedThroughput"])))
            if not isinstance(index.get("IndexName"), str) or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_-]*", index["IndexName"]):
                raise Decline
            body.append(ir.Block(keyword, (ir.Symbol(index["IndexName"]),), tuple(inner)))
    if p:
        raise Decline
    return "table", body, {}
