"""S3 buckets, with their bucket policy derived from the block.

    bucket Uploads {
      name       = "shop-{stage}-uploads"
      versioning = true
      cors WebApp { origins = ["https://app.example.com"], methods = [GET, PUT] }
      lifecycle ExpireTemporaryUploads { prefix = "tmp/", expire_after = 7d }
      export name, arn
    }

Secure defaults: AES-256 encryption with a bucket key, every public access
blocked, ownership enforced for the bucket owner, and a bucket policy that
refuses requests without TLS (``tls_only``). ``encrypted_uploads_only`` adds a
statement that refuses uploads without server-side encryption. More statements
come from ``statement`` blocks.
"""

from __future__ import annotations

import ipaddress

from infrac.cfn import limits
from infrac.diagnostics import Diagnostic, diagnostic
from infrac.model import Block, Resource
from infrac.vocabulary.kinds import COMMON_FIELDS, Access, Attribute, BlockKind, Field, Kind, RuleContext, tag_list
from infrac.vocabulary.types import Boolean, Choice, Data, Duration, ListOf, MapOf, OneOf, Record, Text

TYPE_CHECKING = False  # typing's own constant, without importing typing
if TYPE_CHECKING:
    from typing import Any

_METHODS = Choice({m: m for m in ("GET", "PUT", "POST", "DELETE", "HEAD")})
_DAYS_DOC = "a whole number of days, such as `30d`"
_LOCK_MODES = Choice({"governance": "GOVERNANCE", "compliance": "COMPLIANCE"})

CORS = BlockKind(
    "cors",
    "A CORS rule; its label is the rule's ID.",
    {
        "origins": Field(ListOf(Text(), minimum=1), "Allowed origins.", required=True),
        "methods": Field(ListOf(_METHODS, minimum=1), "Allowed methods: GET, PUT, POST, DELETE, HEAD.", required=True),
        "headers": Field(ListOf(Text()), "Allowed request headers."),
        "expose": Field(ListOf(Text()), "Response headers the browser may read."),
        "max_age": Field(Duration(0), "How long the browser may cache the preflight answer."),
    },
)

LIFECYCLE = BlockKind(
    "lifecycle",
    "A lifecycle rule; its label is the rule's ID.",
    {
        "prefix": Field(Text(), "Only objects whose key starts with this."),
        "expire_after": Field(Duration(86400), f"Delete current objects after this long ({_DAYS_DOC})."),
        "noncurrent_expire_after": Field(
            Duration(86400), f"Delete noncurrent versions after this long ({_DAYS_DOC})."
        ),
        "abort_incomplete_after": Field(
            Duration(86400), f"Abort incomplete multipart uploads after this long ({_DAYS_DOC})."
        ),
        "enabled": Field(Boolean(), "Whether the rule applies.", default=True),
    },
)

STATEMENT = BlockKind(
    "statement",
    "A statement of the bucket policy; its label is the statement's Sid.",
    {
        "effect": Field(Choice({"allow": "Allow", "deny": "Deny"}), "`allow` or `deny`.", required=True),
        "principal": Field(Data(), 'Who: `"*"`, or a map such as `{ Service: "events.amazonaws.com" }`.', default="*"),
        "actions": Field(OneOf(Text(), ListOf(Text(), minimum=1)), "IAM actions.", required=True),
        "objects": Field(Boolean(), "Apply to the bucket's objects (`arn/*`) instead of the bucket.", default=True),
        "condition": Field(MapOf(Data()), "IAM conditions."),
        "prefix": Field(Text(), 'Only the objects whose key starts with this (`"uploads/"`); needs `objects`.'),
    },
)

FIELDS = {
    **COMMON_FIELDS,
    "name": Field(Text(), "The bucket's name; generated if not set."),
    "versioning": Field(Boolean(), "Keep every version of every object.", default=False),
    "encryption": Field(
        Choice({"aes256": "AES256", "kms": "aws:kms", "unset": None}),
        "Default encryption: `aes256` or `kms`; `unset` writes none, for a moved bucket that must stay "
        "exactly as deployed.",
        default="AES256",
    ),
    "bucket_key": Field(Boolean(), "Use an S3 bucket key for encryption.", default=True),
    "block_public_access": Field(
        OneOf(Boolean(), Choice({"unset": None})),
        "Block every form of public access; `unset` writes no `PublicAccessBlockConfiguration`.",
        default=True,
    ),
    "ownership": Field(
        Choice(
            {
                "bucket_owner_enforced": "BucketOwnerEnforced",
                "bucket_owner_preferred": "BucketOwnerPreferred",
                "object_writer": "ObjectWriter",
                "unset": None,
            }
        ),
        "Object ownership; `unset` writes no `OwnershipControls`.",
        default="BucketOwnerEnforced",
    ),
    "tls_only": Field(Boolean(), "Refuse requests made without TLS (bucket policy).", default=True),
    "encrypted_uploads_only": Field(
        Boolean(), "Refuse uploads without server-side encryption of the bucket's kind (bucket policy).", default=False
    ),
    "object_lock": Field(
        Record({"mode": _LOCK_MODES, "retention": Duration(86400)}),
        "S3 Object Lock (needs `versioning`): `{}` to allow locks on objects, or a default retention "
        "for every new object, `{ mode: governance, retention: 30d }` (whole days).",
    ),
    "tags": Field(MapOf(Text()), "Tags, as a map from key to value."),
}

ATTRIBUTES = {
    "name": Attribute("name", "The bucket's name."),
    "arn": Attribute("arn", "The bucket's ARN.", getatt="Arn"),
    "domain_name": Attribute("domain_name", "The bucket's domain name.", getatt="DomainName"),
    "regional_domain_name": Attribute(
        "regional_domain_name", "The bucket's regional domain name.", getatt="RegionalDomainName"
    ),
}


def _days(seconds: int) -> int:
    return seconds // 86400


def _cors(block: Block) -> dict[str, Any]:
    v = block.values
    rule: dict[str, Any] = {"Id": block.name, "AllowedOrigins": list(v["origins"]), "AllowedMethods": list(v["methods"])}
    if v.get("headers"):
        rule["AllowedHeaders"] = list(v["headers"])
    if v.get("expose"):
        rule["ExposedHeaders"] = list(v["expose"])
    if v.get("max_age") is not None:
        rule["MaxAge"] = v["max_age"]
    return rule


def _lifecycle(block: Block) -> dict[str, Any]:
    v = block.values
    rule: dict[str, Any] = {"Id": block.name, "Status": "Enabled" if v["enabled"] else "Disabled"}
    if v.get("prefix") is not None:
        rule["Prefix"] = v["prefix"]
    if v.get("expire_after") is not None:
        rule["ExpirationInDays"] = _days(v["expire_after"])
    if v.get("noncurrent_expire_after") is not None:
        rule["NoncurrentVersionExpiration"] = {"NoncurrentDays": _days(v["noncurrent_expire_after"])}
    if v.get("abort_incomplete_after") is not None:
        rule["AbortIncompleteMultipartUpload"] = {"DaysAfterInitiation": _days(v["abort_incomplete_after"])}
    return rule


def _object_lock(lock: dict[str, Any]) -> dict[str, Any]:
    configuration: dict[str, Any] = {"ObjectLockEnabled": "Enabled"}
    if lock.get("retention") is not None:
        days = lock["retention"] // 86400
        retention = {"Mode": lock["mode"], "Years": days // 365} if days % 365 == 0 else {"Mode": lock["mode"], "Days": days}
        configuration["Rule"] = {"DefaultRetention": retention}
    return configuration


def properties(resource: Resource) -> dict[str, Any]:
    v = resource.values
    props: dict[str, Any] = {}
    if v.get("name") is not None:
        props["BucketName"] = v["name"]
    if v["versioning"]:
        props["VersioningConfiguration"] = {"Status": "Enabled"}
    if v.get("object_lock") is not None:
        props["ObjectLockEnabled"] = True
        props["ObjectLockConfiguration"] = _object_lock(v["object_lock"])
    if v["encryption"] is not None:
        props["BucketEncryption"] = {
            "ServerSideEncryptionConfiguration": [
                {"ServerSideEncryptionByDefault": {"SSEAlgorithm": v["encryption"]}, "BucketKeyEnabled": v["bucket_key"]}
            ]
        }
    # Written out either way (unless `unset`): S3 blocks public access on new buckets unless told otherwise.
    blocked = v["block_public_access"]
    if blocked is not None:
        props["PublicAccessBlockConfiguration"] = {
            "BlockPublicAcls": blocked,
            "BlockPublicPolicy": blocked,
            "IgnorePublicAcls": blocked,
            "RestrictPublicBuckets": blocked,
        }
    if v["ownership"] is not None:
        props["OwnershipControls"] = {"Rules": [{"ObjectOwnership": v["ownership"]}]}
    if resource.blocks.get("cors"):
        props["CorsConfiguration"] = {"CorsRules": [_cors(b) for b in resource.blocks["cors"]]}
    if resource.blocks.get("lifecycle"):
        props["LifecycleConfiguration"] = {"Rules": [_lifecycle(b) for b in resource.blocks["lifecycle"]]}
    if v.get("tags"):
        props["Tags"] = tag_list(v["tags"])
    return props


def policy_id(resource: Resource) -> str:
    return f"{resource.logical_id}Policy"


def companions(resource: Resource) -> dict[str, dict]:
    """The bucket policy: the secure defaults' statements, then the ``statement`` blocks."""
    arn = {"Fn::GetAtt": [resource.logical_id, "Arn"]}
    objects = {"Fn::Join": ["", [arn, "/*"]]}
    statements: list[dict[str, Any]] = []
    if resource.values["tls_only"]:
        statements.append(
            {
                "Sid": "DenyInsecureTransport",
                "Effect": "Deny",
                "Principal": "*",
                "Action": "s3:*",
                "Resource": [arn, objects],
                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
            }
        )
    if resource.values["encrypted_uploads_only"]:
        statements.append(
            {
                "Sid": "DenyUnencryptedUploads",
                "Effect": "Deny",
                "Principal": "*",
                "Action": "s3:PutObject",
                "Resource": objects,
                "Condition": {"StringNotEquals": {"s3:x-amz-server-side-encryption": resource.values["encryption"]}},
            }
        )
    for block in resource.blocks.get("statement", ()):
        v = block.values
        statement: dict[str, Any] = {
            "Sid": block.name,
            "Effect": v["effect"],
            "Principal": v["principal"],
            "Action": v["actions"] if not isinstance(v["actions"], tuple) else list(v["actions"]),
            "Resource": objects if v["objects"] else arn,
        }
        if v.get("prefix") is not None:
            statement["Resource"] = {"Fn::Join": ["", [arn, "/", v["prefix"], "*"]]}
        if v.get("condition"):
            statement["Condition"] = v["condition"]
        statements.append(statement)
    if not statements:
        return {}
    return {
        policy_id(resource): {
            "Type": "AWS::S3::BucketPolicy",
            "Properties": {
                "Bucket": {"Ref": resource.logical_id},
                "PolicyDocument": {"Version": "2012-10-17", "Statement": statements},
            },
        }
    }


# ---- rules S3 enforces at deploy time ---------------------------------------------------

def rules(resource: Resource, context: RuleContext) -> list[Diagnostic]:
    found: list[Diagnostic] = _object_lock_rules(resource)
    if resource.values["encrypted_uploads_only"] and resource.values["encryption"] is None:
        found.append(
            diagnostic(
                "E0604",
                "`encrypted_uploads_only` needs the bucket's encryption",
                resource.value_spans.get("encrypted_uploads_only", resource.name_span),
                label="`encryption = unset` names no kind of encryption to require",
                hint="set `encryption = aes256` or `kms`, or remove `encrypted_uploads_only`",
            )
        )
    for block in resource.blocks.get("statement", ()):
        if block.values.get("prefix") is not None and not block.values["objects"]:
            found.append(
                diagnostic(
                    "E0604",
                    f"statement `{block.name}` is scoped to a key prefix but applies to the bucket",
                    block.value_spans.get("prefix", block.name_span),
                    label="a prefix selects objects",
                    hint="remove `objects = false`, or the `prefix`",
                )
            )
    name = resource.values.get("name")
    bad = context.first_bad_name(name, _name_problem) if name is not None else None
    if bad is not None:
        stage, text, problem = bad
        found.append(
            diagnostic(
                "E0604",
                f"bucket name `{text}` (stage `{stage}`) {problem}",
                name.span,
                label=problem,
                hint="bucket names: 3-63 characters of lower-case letters, digits, `.` and `-`",
            )
        )
    defaults = [sid for sid, on in (("DenyInsecureTransport", resource.values["tls_only"]),
                                     ("DenyUnencryptedUploads", resource.values["encrypted_uploads_only"])) if on]
    for block in resource.blocks.get("statement", ()):
        if block.name in defaults:
            found.append(
                diagnostic(
                    "E0202",
                    f"statement `{block.name}` has the ID of a statement the bucket already has",
                    block.name_span,
                    label="the secure defaults write a statement with this ID",
                    hint="give the statement another ID; statement IDs are unique in a policy",
                )
            )
    for block in resource.blocks.get("lifecycle", ()):
        for field in ("expire_after", "noncurrent_expire_after", "abort_incomplete_after"):
            seconds = block.values.get(field)
            if seconds is not None and seconds % 86400:
                found.append(
                    diagnostic(
                        "E0604",
                        f"lifecycle rule `{block.name}`: `{field}` must be whole days",
                        block.value_spans.get(field, block.name_span),
                        label="S3 counts lifecycle periods in days",
                        hint=f"write it in days, such as `{max(1, round(seconds / 86400))}d`",
                    )
                )
        if not any(block.values.get(f) is not None for f in ("expire_after", "noncurrent_expire_after", "abort_incomplete_after")):
            found.append(
                diagnostic(
                    "E0604",
                    f"lifecycle rule `{block.name}` does nothing",
                    block.name_span,
                    label="no action",
                    hint="set `expire_after`, `noncurrent_expire_after` or `abort_incomplete_after`",
                )
            )
    return found


def _object_lock_rules(resource: Resource) -> list[Diagnostic]:
    lock = resource.values.get("object_lock")
    if lock is None:
        return []
    span = resource.value_spans.get("object_lock", resource.name_span)
    # https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-lock.html
    if not resource.values["versioning"]:
        return [diagnostic("E0604", "S3 Object Lock needs versioning", span, label="the bucket is not versioned",
                           hint="add `versioning = true`")]
    if (lock.get("mode") is None) != (lock.get("retention") is None):
        return [diagnostic("E0604", "a default retention needs both `mode` and `retention`", span,
                           label="one of the two is missing",
                           hint="`object_lock = { mode: governance, retention: 30d }`, or `{}` for no default")]
    if lock.get("retention") is not None and lock["retention"] % 86400:
        return [diagnostic("E0604", "an object lock's retention is a whole number of days", span,
                           label="not whole days", hint=f"write {_DAYS_DOC}")]
    return []


def _name_problem(name: str) -> str | None:
    if not 3 <= len(name) <= 63:
        return f"is {len(name)} characters long; bucket names have 3 to 63"
    if name != name.lower():
        return "has upper-case letters"
    bad = sorted({c for c in name if not (c.isascii() and (c.isalnum() or c in ".-"))})
    if bad:
        return "contains " + ", ".join(f"`{c}`" for c in bad)
    if not limits.BUCKET_NAME.fullmatch(name):
        return "must start and end with a letter or a digit"
    if ".." in name:
        return "has two dots in a row"
    try:
        ipaddress.IPv4Address(name)
    except ValueError:
        return None
    return "looks like an IP address"


def _iam_resources(resource: Resource, attribute) -> list[Any]:
    """The bucket's objects."""
    return [{"Fn::Join": ["", [attribute("arn"), "/*"]]}]


BUCKET = Kind(
    keyword="bucket",
    cfn_type="AWS::S3::Bucket",
    doc="An S3 bucket, with its bucket policy.",
    fields=FIELDS,
    blocks={"cors": CORS, "lifecycle": LIFECYCLE, "statement": STATEMENT},
    attributes=ATTRIBUTES,
    properties=properties,
    companions=companions,
    rules=rules,
    identifying=("name", "arn"),
    access=Access(
        actions=(("s3:GetObject", "read"), ("s3:PutObject", "write"), ("s3:DeleteObject", "write")),
        resources=_iam_resources,
    ),
)

