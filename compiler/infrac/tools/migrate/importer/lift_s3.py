"""S3 buckets lifted to the ``bucket`` kind: versioning, encryption, public access, ownership,
CORS and lifecycle rules, and the TLS and encrypted-upload statements of its policy.
"""

from __future__ import annotations

from infrac.syntax import ir
from infrac.tools.migrate.importer.properties import (
    Decline,
    as_days,
    as_name,
    as_seconds,
    as_tags,
    as_text,
    as_texts,
    as_words,
    attr,
)
from infrac.tools.migrate.source.model import Resource as SourceResource
from infrac.tools.migrate.source.model import Template

TYPE_CHECKING = False  # typing's own constant, without importing typing
if TYPE_CHECKING:
    from typing import Any


def _cors_block(rule: Any) -> ir.Block:
    allowed = {"Id", "AllowedOrigins", "AllowedMethods", "AllowedHeaders", "ExposedHeaders", "MaxAge"}
    if not isinstance(rule, dict) or not {"Id", "AllowedOrigins", "AllowedMethods"} <= set(rule) <= allowed:
        raise Decline
    inner: list[ir.Statement] = [
        attr("origins", as_texts(rule["AllowedOrigins"])),
        attr("methods", as_words(rule["AllowedMethods"], {m: m for m in ("GET", "PUT", "POST", "DELETE", "HEAD")})),
    ]
    if "AllowedHeaders" in rule:
        inner.append(attr("headers", as_texts(rule["AllowedHeaders"])))
    if "ExposedHeaders" in rule:
        inner.append(attr("expose", as_texts(rule["ExposedHeaders"])))
    if "MaxAge" in rule:
        inner.append(attr("max_age", as_seconds(rule["MaxAge"])))
    return ir.Block("cors", (as_name(rule["Id"]),), tuple(inner))


def _lifecycle_block(rule: Any) -> ir.Block:
    allowed = {"Id", "Status", "Prefix", "ExpirationInDays", "NoncurrentVersionExpiration", "AbortIncompleteMultipartUpload"}
    if not isinstance(rule, dict) or not {"Id", "Status"} <= set(rule) <= allowed:
        raise Decline
    inner: list[ir.Statement] = []
    if "Prefix" in rule:
        inner.append(attr("prefix", as_text(rule["Prefix"])))
    if "ExpirationInDays" in rule:
        inner.append(attr("expire_after", as_days(rule["ExpirationInDays"])))
    if "NoncurrentVersionExpiration" in rule:
        value = rule["NoncurrentVersionExpiration"]
        if not isinstance(value, dict) or set(value) != {"NoncurrentDays"}:
            raise Decline
        inner.append(attr("noncurrent_expire_after", as_days(value["NoncurrentDays"])))
    if "AbortIncompleteMultipartUpload" in rule:
        value = rule["AbortIncompleteMultipartUpload"]
        if not isinstance(value, dict) or set(value) != {"DaysAfterInitiation"}:
            raise Decline
        inner.append(attr("abort_incomplete_after", as_days(value["DaysAfterInitiation"])))
    if rule["Status"] == "Disabled":
        inner.append(attr("enabled", ir.Bool(False)))
    elif rule["Status"] != "Enabled":
        raise Decline
    return ir.Block("lifecycle", (as_name(rule["Id"]),), tuple(inner))


def lift_bucket(resource: SourceResource, template: Template):
    p = dict(resource.properties)
    body: list[ir.Statement] = []
    if "BucketName" in p:
        body.append(attr("name", as_text(p.pop("BucketName"))))
    versioning = p.pop("VersioningConfiguration", None)
    if versioning == {"Status": "Enabled"}:
        body.append(attr("versioning", ir.Bool(True)))
    elif versioning is not None:
        raise Decline
    encryption = p.pop("BucketEncryption", None)
    try:
        (rule,) = encryption["ServerSideEncryptionConfiguration"]
        algorithm = rule["ServerSideEncryptionByDefault"]["SSEAlgorithm"]
        bucket_key = rule["BucketKeyEnabled"]
    except (TypeError, KeyError, ValueError):
        raise Decline from None
    if algorithm == "aws:kms":
        body.append(attr("encryption", ir.Symbol("kms")))
    elif algorithm != "AES256":
        raise Decline
    if bucket_key is False:
        body.append(attr("bucket_key", ir.Bool(False)))
    block = p.pop("PublicAccessBlockConfiguration", None)
    if not isinstance(block, dict) or len(set(block.values())) != 1 or len(block) != 4:
        raise Decline
    if next(iter(block.values())) is False:
        body.append(attr("block_public_access", ir.Bool(False)))
    ownership = p.pop("OwnershipControls", None)
    owners = {"BucketOwnerEnforced": "bucket_owner_enforced", "BucketOwnerPreferred": "bucket_owner_preferred", "ObjectWriter": "object_writer"}
    try:
        (owner,) = ownership["Rules"]
        owned = owners[owner["ObjectOwnership"]]
    except (TypeError, KeyError, ValueError):
        raise Decline from None
    if owned != "bucket_owner_enforced":
        body.append(attr("ownership", ir.Symbol(owned)))
    if "Tags" in p:
        body.append(attr("tags", as_tags(p.pop("Tags"))))
    blocks: list[ir.Statement] = []
    cors = p.pop("CorsConfiguration", None)
    if cors is not None:
        if not isinstance(cors, dict) or set(cors) != {"CorsRules"} or not isinstance(cors["CorsRules"], list):
            raise Decline
        blocks.extend(_cors_block(r) for r in cors["CorsRules"])
    lifecycle = p.pop("LifecycleConfiguration", None)
    if lifecycle is not None:
        if not isinstance(lifecycle, dict) or set(lifecycle) != {"Rules"} or not isinstance(lifecycle["Rules"], list):
            raise Decline
        blocks.extend(_lifecycle_block(r) for r in lifecycle["Rules"])
    if p:
        raise Decline
    companions: dict = {}
    policy = template.resource(resource.logical_id + "Policy")
    sids: list[str] = []
    if policy is not None and policy.type == "AWS::S3::BucketPolicy":
        if policy.properties.get("Bucket") != {"Ref": resource.logical_id}:
            raise Decline
        statements = (policy.properties.get("PolicyDocument") or {}).get("Statement")
        if not isinstance(statements, list):
            raise Decline
        for statement in statements:
            sid = statement.get("Sid") if isinstance(statement, dict) else None
            if sid in ("DenyInsecureTransport", "DenyUnencryptedUploads"):
                sids.append(sid)
                continue
            raise Decline  # other statements: kept as the generic policy they are
        companions[policy.logical_id] = {}
    if "DenyInsecureTransport" not in sids:
        body.append(attr("tls_only", ir.Bool(False)))
    if "DenyUnencryptedUploads" in sids:
        body.append(attr("encrypted_uploads_only", ir.Bool(True)))
    return "bucket", body + blocks, companions
