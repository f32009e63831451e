"""The resource types that hold data or an identity users depend on: one registry, read by the
move planner, the simulator, the replacement check of ``infrac build`` and the docs.

A resource of one of these types loses what it holds when CloudFormation deletes it, or
replaces it (a new physical resource; the old one deleted). ``stateful.json`` beside this
module holds, per type: what to call one (``noun``), what is lost (``lost``), the AWS API
reference of the service's delete operation that says so (``source``, with its ``quote``),
whether ``DeletionPolicy: Snapshot`` applies to it (``snapshot``), and the deletion policy
CloudFormation applies when the template gives none (``default_deletion_policy``, ``Delete``
unless said).

The data is reviewed by hand, not generated: each entry was checked against its source
page (the quotes are the delete operations' documentation in the AWS service models of the
botocore that ``constraints.txt`` pins, which are the API references' text). Types whose
deletion loses nothing stored (a trail, a cache in front of DynamoDB), or only subscriptions
or metadata (a topic, a Glue database), are not listed. To add a type: an entry with its
noun, what is lost and the delete operation's page; ``tests/test_stateful.py`` holds every
entry to its fields and the docs list them (``make docs``).

What happens to a resource removed from a template, or replaced, follows from its policies as
AWS documents them (DeletionPolicy, https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-attribute-deletionpolicy.html;
UpdateReplacePolicy, https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-attribute-updatereplacepolicy.html):
:func:`on_removal` and :func:`on_replacement`.

>>> stateful("AWS::DynamoDB::Table").noun
'table'
>>> stateful("AWS::Lambda::Function") is None
True
>>> on_removal("AWS::SQS::Queue", "RetainExceptOnCreate")
'retain'
>>> on_removal("AWS::RDS::DBInstance", None, {})
'snapshot'
>>> on_removal("AWS::S3::Bucket", "Snapshot")
'delete'
"""

from __future__ import annotations

import functools
import json
from pathlib import Path

from infrac.base.classes import frozen

TYPE_CHECKING = False  # typing's own constant, without importing typing
if TYPE_CHECKING:
    from typing import Any

DATA = Path(__file__).resolve().parent / "stateful.json"

#: The DeletionPolicy and UpdateReplacePolicy pages, the source of :func:`on_removal` and :func:`on_replacement`.
DELETION_POLICY = "https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-attribute-deletionpolicy.html"
UPDATE_REPLACE_POLICY = (
    "https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-attribute-updatereplacepolicy.html"
)


@frozen
class StatefulType:
    type: str
    #: what to call one: "table", "queue", "user pool"
    noun: str
    #: what a deletion or a replacement loses
    lost: str
    #: the AWS page that says so, and its words
    source: str
    quote: str = ""
    #: DeletionPolicy Snapshot applies to it (a snapshot is taken before the deletion)
    snapshot: bool = False
    #: the policy when the template gives none
    default_deletion_policy: str = "Delete"


@functools.cache
def registry() -> dict[str, StatefulType]:
    """Every stateful type, by CloudFormation type name."""
    document = json.loads(DATA.read_text(encoding="utf-8"))
    return {name: StatefulType(name, **entry) for name, entry in document["types"].items()}


def stateful(type_name: str) -> StatefulType | None:
    """The registry's entry for ``type_name``; None for a type that holds nothing to lose."""
    return registry().get(type_name)


def is_stateful(type_name: str) -> bool:
    return type_name in registry()


def noun(type_name: str) -> str:
    """What to call a resource of the type in a message: "table", or "resource"."""
    found = stateful(type_name)
    return found.noun if found else "resource"


def deletion_policy(type_name: str, policy: str | None, properties: dict[str, Any] | None = None) -> str:
    """The DeletionPolicy that applies: the one given, or CloudFormation's default (``Snapshot`` for an
    RDS cluster, and for an RDS instance that is not part of a cluster; ``Delete`` otherwise)."""
    if policy:
        return policy
    found = stateful(type_name)
    default = found.default_deletion_policy if found else "Delete"
    if type_name == "AWS::RDS::DBInstance" and (properties or {}).get("DBClusterIdentifier"):
        return "Delete"
    return default


def on_removal(type_name: str, policy: str | None, properties: dict[str, Any] | None = None) -> str:
    """What CloudFormation does to a resource removed from its stack's template (or when the
    stack is deleted): ``retain`` (``Retain``, and ``RetainExceptOnCreate``, which deletes only
    when the operation that created the resource rolls back), ``snapshot`` (``Snapshot`` on a
    type that supports it: a snapshot, then the deletion) or ``delete``."""
    policy = deletion_policy(type_name, policy, properties)
    if policy in ("Retain", "RetainExceptOnCreate"):
        return "retain"
    if policy == "Snapshot" and _snapshots(type_name):
        return "snapshot"
    return "delete"


def on_replacement(type_name: str, policy: str | None) -> str:
    """What happens to the old physical resource when an update replaces it: ``retain``
    (``UpdateReplacePolicy: Retain``: kept, out of the stack), ``snapshot`` (``Snapshot`` on a
    type that supports it) or ``delete`` (the default; ``Snapshot`` on any other type reverts to it)."""
    if policy == "Retain":
        return "retain"
    if policy == "Snapshot" and _snapshots(type_name):
        return "snapshot"
    return "delete"


def _snapshots(type_name: str) -> bool:
    found = stateful(type_name)
    return bool(found and found.snapshot)
