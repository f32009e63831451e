"""SQS queues, with their dead-letter queues declared inline.

    queue Orders {
      name               = "shop-{stage}-orders.fifo"
      fifo               = true
      visibility_timeout = 60s
      retention          = 4d
      dead_letter OrdersDeadLetterQueue {
        name         = "shop-{stage}-orders-dlq.fifo"
        max_receives = 5
      }
      export name, url, arn
    }

The dead-letter queue is a resource of its own (its label is its logical ID)
and inherits FIFO-ness from its source, so the two can never disagree.
Secure default: SQS-managed server-side encryption.
"""

from __future__ import annotations

import re
from typing import Any

from infrac import aws_limits
from infrac.diagnostics import Diagnostic, Label, diagnostic
from infrac.model import Block, Resource
from infrac.vocabulary.kinds import COMMON_FIELDS, Access, Attribute, BlockKind, Field, Kind, RuleContext, tag_list
from infrac.vocabulary.types import Boolean, Choice, Duration, Integer, MapOf, Text, format_seconds

# https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_SetQueueAttributes.html
_RETENTION = Duration(aws_limits.SQS_MIN_RETENTION, aws_limits.SQS_MAX_RETENTION)
_RETENTION_DOC = "How long a message is kept: 60s to 14d (default 4d)."
_VISIBILITY = Duration(0, aws_limits.SQS_MAX_VISIBILITY_TIMEOUT)
_ENCRYPTION = Choice({"sqs_managed": True, "none": False})

DEAD_LETTER = BlockKind(
    "dead_letter",
    "The queue's dead-letter queue; its label is its logical ID.",
    {
        "name": Field(Text(), "The dead-letter queue's name; a FIFO queue's ends in `.fifo`."),
        "max_receives": Field(
            Integer(aws_limits.SQS_MIN_MAX_RECEIVES, aws_limits.SQS_MAX_MAX_RECEIVES),
            "Receives before a message moves to the dead-letter queue (1-1000).",
            required=True,
        ),
        "retention": Field(_RETENTION, "How long a dead message is kept (default 14d).", default=14 * 86400),
    },
    repeated=False,
)

FIELDS = {
    **COMMON_FIELDS,
    "name": Field(Text(), "The queue's name; a FIFO queue's ends in `.fifo`. Generated if not set."),
    "fifo": Field(Boolean(), "A FIFO queue: ordered, exactly-once.", default=False),
    "content_dedup": Field(Boolean(), "Content-based deduplication (FIFO queues only).", default=False),
    "visibility_timeout": Field(_VISIBILITY, "How long a received message stays hidden: 0s to 12h."),
    "retention": Field(_RETENTION, _RETENTION_DOC),
    "delay": Field(Duration(0, aws_limits.SQS_MAX_DELAY), "Delivery delay: 0s to 15m."),
    "receive_wait": Field(Duration(0, aws_limits.SQS_MAX_RECEIVE_WAIT), "Long polling wait: 0s to 20s."),
    "encryption": Field(_ENCRYPTION, "`sqs_managed` (default) or `none`.", default=True),
    "tags": Field(MapOf(Text()), "Tags, as a map from key to value."),
}


def dead_letter(resource: Resource) -> Block | None:
    blocks = resource.blocks.get("dead_letter", ())
    return blocks[0] if blocks else None


def _no_dead_letter(resource: Resource) -> str | None:
    return None if dead_letter(resource) else "the queue has no dead-letter queue"


def _dead_letter_id(resource: Resource) -> str:
    return dead_letter(resource).name


ATTRIBUTES = {
    "name": Attribute("name", "The queue's name.", getatt="QueueName"),
    "url": Attribute("url", "The queue's URL."),
    "arn": Attribute("arn", "The queue's ARN.", getatt="Arn"),
    "dlq_name": Attribute(
        "dlq_name", "The dead-letter queue's name.", getatt="QueueName", owner=_dead_letter_id, missing=_no_dead_letter
    ),
    "dlq_url": Attribute("dlq_url", "The dead-letter queue's URL.", owner=_dead_letter_id, missing=_no_dead_letter),
    "dlq_arn": Attribute(
        "dlq_arn", "The dead-letter queue's ARN.", getatt="Arn", owner=_dead_letter_id, missing=_no_dead_letter
    ),
}


def properties(resource: Resource) -> dict[str, Any]:
    v = resource.values
    props: dict[str, Any] = {}
    if v["fifo"]:
        props["FifoQueue"] = True
    if v.get("name") is not None:
        props["QueueName"] = v["name"]
    if v["content_dedup"]:
        props["ContentBasedDeduplication"] = True
    for field, prop in (
        ("visibility_timeout", "VisibilityTimeout"),
        ("retention", "MessageRetentionPeriod"),
        ("delay", "DelaySeconds"),
        ("receive_wait", "ReceiveMessageWaitTimeSeconds"),
    ):
        if v.get(field) is not None:
            props[prop] = v[field]
    props["SqsManagedSseEnabled"] = v["encryption"]
    dlq = dead_letter(resource)
    if dlq is not None:
        props["RedrivePolicy"] = {
            "deadLetterTargetArn": {"Fn::GetAtt": [dlq.name, "Arn"]},
            "maxReceiveCount": dlq.values["max_receives"],
        }
    if v.get("tags"):
        props["Tags"] = tag_list(v["tags"])
    return props


def companions(resource: Resource) -> dict[str, dict]:
    """The dead-letter queue, FIFO if its source is."""
    dlq = dead_letter(resource)
    if dlq is None:
        return {}
    props: dict[str, Any] = {}
    if dlq.values.get("name") is not None:
        props["QueueName"] = dlq.values["name"]
    if resource.values["fifo"]:
        props["FifoQueue"] = True
    props["MessageRetentionPeriod"] = dlq.values["retention"]
    props["SqsManagedSseEnabled"] = resource.values["encryption"]
    if resource.values.get("tags"):
        props["Tags"] = tag_list(resource.values["tags"])
    document: dict[str, Any] = {"Type": "AWS::SQS::Queue"}
    for field, key in (("deletion_policy", "DeletionPolicy"), ("update_replace_policy", "UpdateReplacePolicy")):
        if resource.values.get(field):
            document[key] = resource.values[field]
    document["Properties"] = props
    return {dlq.name: document}


# ---- rules SQS enforces at deploy time --------------------------------------------------

_QUEUE_NAME = re.compile(r"[A-Za-z0-9_-]+")


def rules(resource: Resource, context: RuleContext) -> list[Diagnostic]:
    found: list[Diagnostic] = []
    v = resource.values
    fifo = v["fifo"]
    dlq = dead_letter(resource)
    names = [(v.get("name"), resource.value_spans.get("name"), "queue")]
    if dlq is not None:
        names.append((dlq.values.get("name"), dlq.value_spans.get("name"), "dead-letter queue"))
        if not aws_limits.LOGICAL_ID.fullmatch(dlq.name):
            found.append(
                diagnostic("E0208", f"`{dlq.name}` cannot be a CloudFormation logical ID", dlq.name_span,
                           label="letters and digits only, at most 255")
            )
    for template, span, what in names:
        bad = context.first_bad_name(template, lambda text: _name_problem(text, fifo)) if template else None
        if bad is not None:
            stage, name, problem = bad
            found.append(
                diagnostic(
                    "E0603",
                    f"{what} name `{name}` (stage `{stage}`) {problem}",
                    template.span or span,
                    label=problem,
                    hint="a FIFO queue's name ends in `.fifo`, a standard queue's does not" if "fifo" in problem else None,
                )
            )
    if v["content_dedup"] and not fifo:
        found.append(
            diagnostic(
                "E0603",
                "content-based deduplication is for FIFO queues",
                resource.value_spans.get("content_dedup", resource.name_span),
                label="this queue is a standard queue",
                hint="set `fifo = true`, or remove `content_dedup`",
            )
        )
    if dlq is not None:
        retention = v.get("retention") or aws_limits.SQS_DEFAULT_RETENTION
        if dlq.values["retention"] <= retention:
            found.append(
                diagnostic(
                    "W0602",
                    "the dead-letter queue keeps messages no longer than its source queue",
                    dlq.value_spans.get("retention", dlq.name_span),
                    label=f"{format_seconds(dlq.values['retention'])}, source queue {format_seconds(retention)}",
                    labels=[Label(resource.value_spans["retention"], "source queue retention")]
                    if "retention" in resource.value_spans
                    else [],
                    notes=[
                        "a message's age counts from when it was first sent, so it can expire in the "
                        "dead-letter queue before anyone looks at it"
                    ],
                    hint="give the dead-letter queue a longer `retention` (up to 14d)"
                    if retention < aws_limits.SQS_MAX_RETENTION
                    else "the dead-letter queue cannot keep messages longer than 14d: shorten the source "
                    "queue's `retention`",
                )
            )
    return found


def _name_problem(name: str, fifo: bool) -> str | None:
    if len(name) > aws_limits.SQS_MAX_NAME:
        return f"is {len(name)} characters long, more than {aws_limits.SQS_MAX_NAME}"
    if fifo != name.endswith(".fifo"):
        return "must end in `.fifo`" if fifo else "ends in `.fifo` but the queue is not FIFO"
    stem = name[: -len(".fifo")] if fifo else name
    if not _QUEUE_NAME.fullmatch(stem):
        return "may only hold letters, digits, `-` and `_`"
    return None


def _iam_resources(resource: Resource, attribute) -> list[Any]:
    return [attribute("arn")]


QUEUE = Kind(
    keyword="queue",
    cfn_type="AWS::SQS::Queue",
    doc="An SQS queue, standard or FIFO, with an optional dead-letter queue.",
    fields=FIELDS,
    blocks={"dead_letter": DEAD_LETTER},
    attributes=ATTRIBUTES,
    properties=properties,
    companions=companions,
    rules=rules,
    identifying=("name", "url", "arn"),
    access=Access(
        actions=(
            ("sqs:SendMessage", "send"),
            ("sqs:ReceiveMessage", "consume"),
            ("sqs:DeleteMessage", "consume"),
            ("sqs:ChangeMessageVisibility", "consume"),
            ("sqs:GetQueueAttributes", "send"),
            ("sqs:GetQueueAttributes", "consume"),
        ),
        resources=_iam_resources,
    ),
)
