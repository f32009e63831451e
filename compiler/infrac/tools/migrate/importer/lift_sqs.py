"""SQS queues lifted to the ``queue`` kind, with the dead-letter queue of a redrive policy as
its ``dead_letter`` block.
"""

from __future__ import annotations

from infrac.syntax import ir
from infrac.tools.migrate.importer.properties import (
    Decline,
    Properties,
    arn_of,
    as_integer,
    as_mapping,
    as_seconds,
    as_tags,
    as_text,
)
from infrac.tools.migrate.source.model import Resource as SourceResource
from infrac.tools.migrate.source.model import Template

TYPE_CHECKING = False  # typing's own constant, without importing typing
if TYPE_CHECKING:
    from typing import Any

    from infrac.tools.migrate.importer.properties import Lifted

_DURATIONS = (
    ("VisibilityTimeout", "visibility_timeout"), ("MessageRetentionPeriod", "retention"),
    ("DelaySeconds", "delay"), ("ReceiveMessageWaitTimeSeconds", "receive_wait"),
)
#: How long a dead-letter queue keeps a message unless its block says otherwise.
_DEAD_LETTER_RETENTION = 14 * 86400


def lift_queue(resource: SourceResource, template: Template) -> Lifted:
    p = Properties(resource.properties)
    p.optional("QueueName", "name", as_text)
    fifo = p.choice("FifoQueue", "fifo", ((False, None), (True, ir.Bool(True))), default=False)
    p.choice("ContentBasedDeduplication", "content_dedup", ((False, None), (True, ir.Bool(True))), default=False)
    for key, name in _DURATIONS:
        p.optional(key, name, as_seconds)
    encrypted = p.choice("SqsManagedSseEnabled", "encryption", ((True, None), (False, ir.Symbol("none"))))
    tags = p.take("Tags")
    if tags is not None:
        p.attribute("tags", as_tags(tags))
    companions: dict = {}
    redrive = p.take("RedrivePolicy")
    if redrive is not None:
        dead_letter = _dead_letter(redrive, resource, template, fifo, encrypted, tags)
        p.block(dead_letter)
        companions[dead_letter.labels[0].name] = {
            ("Ref", None): "dlq_url", ("GetAtt", "Arn"): "dlq_arn", ("GetAtt", "QueueName"): "dlq_name",
        }
    return p.lifted("queue", companions)


def _dead_letter(
    redrive: Any, queue: SourceResource, template: Template, fifo: bool, encrypted: bool, tags: Any,
) -> ir.Block:
    """The queue a redrive policy sends to, as the block the kind makes of it: a queue of the
    template whose FIFO-ness, encryption, tags and policies are its source's, and which sets
    nothing else."""
    redrive = as_mapping(redrive, ("deadLetterTargetArn", "maxReceiveCount"))
    dlq = arn_of(redrive["deadLetterTargetArn"], template)
    if dlq is None or dlq.type != "AWS::SQS::Queue":
        raise Decline
    d = Properties(dlq.properties)
    d.optional("QueueName", "name", as_text)
    d.attribute("max_receives", ir.Number(as_integer(redrive["maxReceiveCount"])))
    retention = d.take("MessageRetentionPeriod")
    if retention is None:
        raise Decline
    if retention != _DEAD_LETTER_RETENTION:
        d.attribute("retention", as_seconds(retention))
    d.expect("FifoQueue", fifo, default=False)
    d.expect("SqsManagedSseEnabled", encrypted)
    d.expect("Tags", tags)
    body = d.finish()
    if (dlq.deletion_policy, dlq.update_replace_policy) != (queue.deletion_policy, queue.update_replace_policy):
        raise Decline
    if dlq.condition or dlq.depends_on or dlq.metadata is not None or dlq.other:
        raise Decline
    return ir.Block("dead_letter", (ir.Symbol(dlq.logical_id),), tuple(body))
