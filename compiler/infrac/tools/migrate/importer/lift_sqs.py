"""SQS queues lifted to the ``queue`` kind, with the dead-letter queue of a redrive policy as
its ``dead_letter`` block.
"""

from __future__ import annotations

from infrac.syntax import ir
from infrac.tools.migrate.importer.properties import (
    Decline,
    as_seconds,
    as_tags,
    as_text,
    attr,
)
from infrac.tools.migrate.source.model import Resource as SourceResource
from infrac.tools.migrate.source.model import Template


def lift_queue(resource: SourceResource, template: Template) -> tuple[str, list[ir.Statement], dict]:
    p = dict(resource.properties)
    body: list[ir.Statement] = []
    fifo = p.pop("FifoQueue", False)
    if not isinstance(fifo, bool):
        raise Decline
    if "QueueName" in p:
        body.append(attr("name", as_text(p.pop("QueueName"))))
    if fifo:
        body.append(attr("fifo", ir.Bool(True)))
    dedup = p.pop("ContentBasedDeduplication", False)
    if dedup is not False:
        if dedup is not True:
            raise Decline
        body.append(attr("content_dedup", ir.Bool(True)))
    for key, name in (
        ("VisibilityTimeout", "visibility_timeout"), ("MessageRetentionPeriod", "retention"),
        ("DelaySeconds", "delay"), ("ReceiveMessageWaitTimeSeconds", "receive_wait"),
    ):
        if key in p:
            body.append(attr(name, as_seconds(p.pop(key))))
    sse = p.pop("SqsManagedSseEnabled", None)
    if sse is False:
        body.append(attr("encryption", ir.Symbol("none")))
    elif sse is not True:
        raise Decline
    tags = p.pop("Tags", None)
    if tags is not None:
        body.append(attr("tags", as_tags(tags)))
    companions: dict = {}
    redrive = p.pop("RedrivePolicy", None)
    if redrive is not None:
        if not isinstance(redrive, dict) or set(redrive) != {"deadLetterTargetArn", "maxReceiveCount"}:
            raise Decline
        target = redrive["deadLetterTargetArn"]
        if not (isinstance(target, dict) and set(target) == {"Fn::GetAtt"} and isinstance(target["Fn::GetAtt"], list)
                and target["Fn::GetAtt"][1:] == ["Arn"]):
            raise Decline
        dlq = template.resource(target["Fn::GetAtt"][0])
        if dlq is None or dlq.type != "AWS::SQS::Queue":
            raise Decline
        dp = dict(dlq.properties)
        inner: list[ir.Statement] = []
        if "QueueName" in dp:
            inner.append(attr("name", as_text(dp.pop("QueueName"))))
        receives = redrive["maxReceiveCount"]
        if not isinstance(receives, int) or isinstance(receives, bool):
            raise Decline
        inner.append(attr("max_receives", ir.Number(receives)))
        retention = dp.pop("MessageRetentionPeriod", None)
        if retention is None:
            raise Decline
        if retention != 14 * 86400:
            inner.append(attr("retention", as_seconds(retention)))
        if dp.pop("FifoQueue", False) != fifo or dp.pop("SqsManagedSseEnabled", None) != (sse is not False):
            raise Decline
        if dp.pop("Tags", None) != tags or dp:
            raise Decline
        if (dlq.deletion_policy, dlq.update_replace_policy) != (resource.deletion_policy, resource.update_replace_policy):
            raise Decline
        if dlq.condition or dlq.depends_on or dlq.metadata is not None or dlq.other:
            raise Decline
        body.append(ir.Block("dead_letter", (ir.Symbol(dlq.logical_id),), tuple(inner)))
        companions[dlq.logical_id] = {("Ref", None): "dlq_url", ("GetAtt", "Arn"): "dlq_arn", ("GetAtt", "QueueName"): "dlq_name"}
    if p:
        raise Decline
    return "queue", body, companions
