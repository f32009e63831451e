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

from infrac.cfn import limits
from infrac.diagnostics import Diagnostic, Label, diagnostic
from infrac.model import Block, Resource
from infrac.vocabulary.kinds import COMMON_FIELDS, Access, Attribute, BlockKind, Field, Kind, RuleContext, tag_list
from infrac.vocabulary.queues import fifo_mismatch, queue_targets
from infrac.vocabulary.types import (
    Boolean,
    Choice,
    Data,
    Duration,
    Integer,
    LinkTo,
    ListOf,
    MapOf,
    OneOf,
    Text,
    format_seconds,
)

TYPE_CHECKING = False  # typing's own constant, without importing typing
if TYPE_CHECKING:
    from typing import Any

# https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_SetQueueAttributes.html
_RETENTION = Duration(limits.SQS_MIN_RETENTION, limits.SQS_MAX_RETENTION)
_RETENTION_DOC = "How long a message is kept: 60s to 14d (default 4d)."
_VISIBILITY = Duration(0, limits.SQS_MAX_VISIBILITY_TIMEOUT)
#: `unset` writes nothing, for a queue moved into infrac that must stay exactly as deployed.
_ENCRYPTION = Choice({"sqs_managed": True, "none": False, "unset": None})

DEAD_LETTER = BlockKind(
    "dead_letter",
    "The queue's dead-letter queue; its label is its logical ID.",
    {
        "name": Field(Text(), "The dead-letter queue's name; a FIFO queue's ends in `.fifo`."),
        "max_receives": Field(
            Integer(limits.SQS_MIN_MAX_RECEIVES, limits.SQS_MAX_MAX_RECEIVES),
            "Receives before a message moves to the dead-letter queue (1-1000).",
            required=True,
        ),
        "retention": Field(_RETENTION, "How long a dead message is kept (default 14d).", default=14 * 86400),
    },
    repeated=False,
)

STATEMENT = BlockKind(
    "statement",
    "A statement of the queue's policy; its label is the statement's Sid.",
    {
        "effect": Field(Choice({"allow": "Allow", "deny": "Deny"}), "`allow` or `deny`.", required=True),
        "principal": Field(Data(), 'Who: `"*"`, or a map such as `{ Service: "sns.amazonaws.com" }`.', default="*"),
        "actions": Field(OneOf(Text(), ListOf(Text(), minimum=1)), 'SQS actions: `"sqs:SendMessage"`.', required=True),
        "condition": Field(MapOf(Data()), "IAM conditions: `{ ArnEquals: { \"aws:SourceArn\": alerts.Topic.ref } }`."),
    },
)

FIELDS = {
    **COMMON_FIELDS,
    "name": Field(Text(), "The queue's name; a FIFO queue's ends in `.fifo`. Generated if not set."),
    "fifo": Field(Boolean(), "A FIFO queue: ordered, exactly-once.", default=False),
    "content_dedup": Field(Boolean(), "Content-based deduplication (FIFO queues only).", default=False),
    "visibility_timeout": Field(_VISIBILITY, "How long a received message stays hidden: 0s to 12h."),
    "retention": Field(_RETENTION, _RETENTION_DOC),
    "delay": Field(Duration(0, limits.SQS_MAX_DELAY), "Delivery delay: 0s to 15m."),
    "receive_wait": Field(Duration(0, limits.SQS_MAX_RECEIVE_WAIT), "Long polling wait: 0s to 20s."),
    "encryption": Field(
        _ENCRYPTION,
        "`sqs_managed` (default), `none`, or `unset` to leave `SqsManagedSseEnabled` out, as a moved "
        "queue may have it.",
        default=True,
    ),
    "tags": Field(MapOf(Text()), "Tags, as a map from key to value."),
    "dead_letter_queue": Field(
        LinkTo("queue", "resource", needs=("arn",)),
        "Another queue of the project that receives this queue's failed messages, for a dead-letter "
        "queue shared by several queues (a `dead_letter` block declares one of the queue's own).",
    ),
    "max_receives": Field(
        Integer(limits.SQS_MIN_MAX_RECEIVES, limits.SQS_MAX_MAX_RECEIVES),
        "With `dead_letter_queue`: receives before a message moves there (1-1000).",
    ),
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
    if v["encryption"] is not None:
        props["SqsManagedSseEnabled"] = v["encryption"]
    dlq = dead_letter(resource)
    if dlq is not None:
        props["RedrivePolicy"] = {
            "deadLetterTargetArn": {"Fn::GetAtt": [dlq.name, "Arn"]},
            "maxReceiveCount": dlq.values["max_receives"],
        }
    elif v.get("dead_letter_queue") is not None:
        props["RedrivePolicy"] = {
            "deadLetterTargetArn": v["dead_letter_queue"].attribute("arn"),
            "maxReceiveCount": v["max_receives"],
        }
    if v.get("tags"):
        props["Tags"] = tag_list(v["tags"])
    return props


def policy_id(resource: Resource) -> str:
    return f"{resource.logical_id}Policy"


def companions(resource: Resource) -> dict[str, dict]:
    """The dead-letter queue, FIFO if its source is; the queue's policy, from its statements."""
    documents = _dead_letter_queue(resource)
    statements = [
        {
            "Sid": block.name,
            "Effect": block.values["effect"],
            "Principal": block.values["principal"],
            "Action": list(block.values["actions"]) if isinstance(block.values["actions"], tuple) else block.values["actions"],
            "Resource": {"Fn::GetAtt": [resource.logical_id, "Arn"]},
            **({"Condition": block.values["condition"]} if block.values.get("condition") else {}),
        }
        for block in resource.blocks.get("statement", ())
    ]
    if statements:
        documents[policy_id(resource)] = {
            "Type": "AWS::SQS::QueuePolicy",
            "Properties": {
                "Queues": [{"Ref": resource.logical_id}],
                "PolicyDocument": {"Version": "2012-10-17", "Statement": statements},
            },
        }
    return documents


def _dead_letter_queue(resource: Resource) -> dict[str, dict]:
    dlq = dead_letter(resource)
    if dlq is None:
        return {}
    props: dict[str, Any] = {}
    if dlq.values.get("name") is not None:
        props["QueueName"] = dlq.values["name"]
    if resource.values["fifo"]:
        props["FifoQueue"] = True
    props["MessageRetentionPeriod"] = dlq.values["retention"]
    if resource.values["encryption"] is not None:
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
        if not limits.LOGICAL_ID.fullmatch(dlq.name):
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
    found += _shared_dead_letter(resource, context)
    found += _one_policy(resource, context)
    if dlq is not None:
        retention = v.get("retention") or limits.SQS_DEFAULT_RETENTION
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
                    if retention < limits.SQS_MAX_RETENTION
                    else "the dead-letter queue cannot keep messages longer than 14d: shorten the source "
                    "queue's `retention`",
                )
            )
    return found


def _shared_dead_letter(resource: Resource, context: RuleContext) -> list[Diagnostic]:
    v = resource.values
    link = v.get("dead_letter_queue")
    where = resource.value_spans.get("dead_letter_queue", resource.name_span)
    if link is not None and dead_letter(resource) is not None:
        return [diagnostic("E0631", f"queue `{resource.name}` has a `dead_letter` block and a `dead_letter_queue`",
                           where, label="a queue has one dead-letter queue",
                           hint="keep the block for a queue of its own, or the link for a shared one")]
    if link is not None and v.get("max_receives") is None:
        return [diagnostic("E0631", f"queue `{resource.name}` needs `max_receives` with its `dead_letter_queue`",
                           where, label="`max_receives` is missing", hint="add `max_receives = 5`")]
    if link is None and v.get("max_receives") is not None:
        return [diagnostic("E0631", f"`max_receives` of queue `{resource.name}` has no `dead_letter_queue`",
                           resource.value_spans.get("max_receives", resource.name_span),
                           label="no dead-letter queue to move messages to",
                           hint="add `dead_letter_queue = SharedDeadLetters`, or remove `max_receives`")]
    if link is None:
        return []
    target = context.resolve(link)
    return fifo_mismatch(resource, bool(v["fifo"]), target, where)


def _one_policy(resource: Resource, context: RuleContext) -> list[Diagnostic]:
    """A queue has one policy: its own statements, or the one infrac derives for the rules
    that send to it, not both (the stack deployed last would replace the other's)."""
    statements = resource.blocks.get("statement", ())
    if not statements:
        return []
    for stack in context.program.stacks:
        for rule in (r for r in stack.resources if r.kind == "rule"):
            if any(queue is resource for _, queue in queue_targets(rule, context.program)):
                return [
                    diagnostic(
                        "E0632",
                        f"queue `{resource.name}` has a policy of its own and is a target of rule `{rule.name}`",
                        statements[0].name_span,
                        label="this queue's policy",
                        labels=[Label(rule.name_span, "its policy lets this rule send to the queue")]
                        if rule.name_span else [],
                        notes=["a queue has one policy: the one written last would remove the other's statements"],
                        hint="add the rule's permission as a statement here (principal events.amazonaws.com, "
                        "`sqs:SendMessage`, condition on the rule's ARN) and send to the queue by `arn` instead",
                    )
                ]
    return []


def _name_problem(name: str, fifo: bool) -> str | None:
    if len(name) > limits.SQS_MAX_NAME:
        return f"is {len(name)} characters long, more than {limits.SQS_MAX_NAME}"
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
    blocks={"dead_letter": DEAD_LETTER, "statement": STATEMENT},
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
