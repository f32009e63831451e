"""S3 buckets lifted to the ``bucket`` kind: versioning, encryption, public access, ownership,
CORS and lifecycle rules, and the TLS and encrypted-upload statements of its policy.
"""

from __future__ import annotations

from infrac.syntax import ir
from infrac.tools.migrate.importer.properties import (
    Decline,
    Properties,
    as_days,
    as_mapping,
    as_name,
    as_seconds,
    as_tags,
    as_text,
    as_texts,
    as_words,
    choose,
)
from infrac.tools.migrate.source.model import Resource as SourceResource
from infrac.tools.migrate.source.model import Template

TYPE_CHECKING = False  # typing's own constant, without importing typing
if TYPE_CHECKING:
    from typing import Any

    from infrac.tools.migrate.importer.properties import Lifted

_OWNERS = {
    "BucketOwnerEnforced": "bucket_owner_enforced", "BucketOwnerPreferred": "bucket_owner_preferred",
    "ObjectWriter": "object_writer",
}
_METHODS = {m: m for m in ("GET", "PUT", "POST", "DELETE", "HEAD")}
#: The statements of a bucket's policy the kind writes (``tls_only``, ``encrypted_uploads_only``).
_STATEMENTS = ("DenyInsecureTransport", "DenyUnencryptedUploads")


def lift_bucket(resource: SourceResource, template: Template) -> Lifted:
    p = Properties(resource.properties)
    p.optional("BucketName", "name", as_text)
    p.choice("VersioningConfiguration", "versioning", ((None, None), ({"Status": "Enabled"}, ir.Bool(True))))
    algorithm, bucket_key = _default_encryption(p.take("BucketEncryption"))
    p.attribute("encryption", choose(algorithm, (("AES256", None), ("aws:kms", ir.Symbol("kms")))))
    if bucket_key is False:
        p.attribute("bucket_key", ir.Bool(False))
    p.required("PublicAccessBlockConfiguration", "block_public_access", _public_access)
    p.required("OwnershipControls", "ownership", _ownership)
    p.optional("Tags", "tags", as_tags)
    for rule in _rules(p.take("CorsConfiguration"), "CorsRules"):
        p.block(_cors(rule))
    for rule in _rules(p.take("LifecycleConfiguration"), "Rules"):
        p.block(_lifecycle(rule))
    p.finish()  # every property is taken; what follows reads the bucket's policy
    companions, statements = _policy(resource, template)
    if "DenyInsecureTransport" not in statements:
        p.attribute("tls_only", ir.Bool(False))
    if "DenyUnencryptedUploads" in statements:
        p.attribute("encrypted_uploads_only", ir.Bool(True))
    return p.lifted("bucket", companions)


def _default_encryption(value: Any) -> tuple[Any, Any]:
    """``BucketEncryption``'s one rule: its algorithm and whether it uses a bucket key."""
    try:
        (rule,) = value["ServerSideEncryptionConfiguration"]
        return rule["ServerSideEncryptionByDefault"]["SSEAlgorithm"], rule["BucketKeyEnabled"]
    except (TypeError, KeyError, ValueError):
        raise Decline from None


def _public_access(value: Any) -> ir.Bool | None:
    """The four settings of ``PublicAccessBlockConfiguration``, all the same: off, or the default."""
    values = list(value.values()) if isinstance(value, dict) else []
    if len(values) != 4 or any(v is not values[0] and v != values[0] for v in values):
        raise Decline
    return ir.Bool(False) if values[0] is False else None


def _ownership(value: Any) -> ir.Symbol | None:
    """``OwnershipControls``' one rule (enforced is the default)."""
    try:
        (owner,) = value["Rules"]
        owned = _OWNERS[owner["ObjectOwnership"]]
    except (TypeError, KeyError, ValueError):
        raise Decline from None
    return None if owned == "bucket_owner_enforced" else ir.Symbol(owned)


def _rules(configuration: Any, key: str) -> list:
    """The rules of a CORS or lifecycle configuration (none when it is not written)."""
    if configuration is None:
        return []
    rules = as_mapping(configuration, (key,))[key]
    if not isinstance(rules, list):
        raise Decline
    return rules


def _cors(rule: Any) -> ir.Block:
    r = Properties(as_mapping(rule, ("Id", "AllowedOrigins", "AllowedMethods"), ("AllowedHeaders", "ExposedHeaders", "MaxAge")))
    label = as_name(r.take("Id"))
    r.required("AllowedOrigins", "origins", as_texts)
    r.required("AllowedMethods", "methods", as_words, _METHODS)
    r.optional("AllowedHeaders", "headers", as_texts)
    r.optional("ExposedHeaders", "expose", as_texts)
    r.optional("MaxAge", "max_age", as_seconds)
    return ir.Block("cors", (label,), tuple(r.finish()))


def _lifecycle(rule: Any) -> ir.Block:
    r = Properties(as_mapping(rule, ("Id", "Status"), (
        "Prefix", "ExpirationInDays", "NoncurrentVersionExpiration", "AbortIncompleteMultipartUpload",
    )))
    label = as_name(r.take("Id"))
    r.optional("Prefix", "prefix", as_text)
    r.optional("ExpirationInDays", "expire_after", as_days)
    r.optional("NoncurrentVersionExpiration", "noncurrent_expire_after", _days_of, "NoncurrentDays")
    r.optional("AbortIncompleteMultipartUpload", "abort_incomplete_after", _days_of, "DaysAfterInitiation")
    r.choice("Status", "enabled", (("Enabled", None), ("Disabled", ir.Bool(False))))
    return ir.Block("lifecycle", (label,), tuple(r.finish()))


def _days_of(value: Any, key: str) -> ir.Number:
    """The days of a ``{key: days}`` mapping."""
    return as_days(as_mapping(value, (key,))[key])


def _policy(bucket: SourceResource, template: Template) -> tuple[dict, list[str]]:
    """The bucket's policy (``<Bucket>Policy``), when the kind makes it: as a companion, with
    the statements it holds; no policy, none of them. Any other statement declines (the
    policy stays the generic resource it is)."""
    policy = template.resource(bucket.logical_id + "Policy")
    if policy is None or policy.type != "AWS::S3::BucketPolicy":
        return {}, []
    if policy.properties.get("Bucket") != {"Ref": bucket.logical_id}:
        raise Decline
    document = policy.properties.get("PolicyDocument") or {}
    statements = document.get("Statement") if isinstance(document, dict) else None
    if not isinstance(statements, list):
        raise Decline
    sids = []
    for statement in statements:
        sid = statement.get("Sid") if isinstance(statement, dict) else None
        if sid not in _STATEMENTS:
            raise Decline
        sids.append(sid)
    return {policy.logical_id: {}}, sids
