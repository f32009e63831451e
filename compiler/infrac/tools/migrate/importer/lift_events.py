"""EventBridge buses and rules lifted to the ``bus`` and ``rule`` kinds; a rule's queue
targets with the queue policy the kind derives.
"""

from __future__ import annotations

from infrac.syntax import ir
from infrac.tools.migrate.importer.properties import (
    Decline,
    Link,
    Properties,
    arn_of,
    as_link,
    as_mapping,
    as_name,
    as_plain,
    as_tags,
    as_text,
)
from infrac.tools.migrate.source.model import Resource as SourceResource
from infrac.tools.migrate.source.model import Template

TYPE_CHECKING = False  # typing's own constant, without importing typing
if TYPE_CHECKING:
    from typing import Any

    from infrac.tools.migrate.importer.properties import Lifted

#: The queue policy a stack's rules get from their queue targets (the ``rule`` kind derives it).
QUEUE_POLICY_ID = "EventBridgeToQueuesPolicy"


def lift_bus(resource: SourceResource, template: Template) -> Lifted:
    p = Properties(resource.properties)
    p.required("Name", "name", as_text)
    p.optional("Tags", "tags", as_tags)
    return p.lifted("bus")


def lift_rule(resource: SourceResource, template: Template) -> Lifted:
    p = Properties(resource.properties)
    p.optional("Name", "name", as_text)
    p.optional("Description", "description", as_text)
    p.optional("EventBusName", "bus", as_link, template, "AWS::Events::EventBus")
    p.optional("EventPattern", "pattern", _pattern)
    p.optional("ScheduleExpression", "schedule", as_text)
    p.choice("State", "enabled", (("ENABLED", None), ("DISABLED", ir.Bool(False))))
    p.each("Targets", _target, template)
    to_queues = any(isinstance(s, ir.Block) and isinstance(s.labels[0], Link) for s in p.body)
    if to_queues and template.resource(QUEUE_POLICY_ID) is None:
        raise Decline  # the policy the kind would add is not in the template
    return p.lifted("rule", {QUEUE_POLICY_ID: {}} if to_queues else {})


def _pattern(value: Any) -> ir.Value:
    if not isinstance(value, dict) or not value:
        raise Decline
    return as_plain(value)


def _target(target: Any, template: Template) -> ir.Block:
    """A rule's target: a queue of the template (labelled by the queue itself, its ``Id``
    being the queue's logical ID), or any other ARN under its ``Id``."""
    t = Properties(as_mapping(target, ("Id", "Arn"), ("SqsParameters", "Input")))
    target_id, arn = t.take("Id"), t.take("Arn")
    queue = arn_of(arn, template)
    if queue is not None and queue.type == "AWS::SQS::Queue" and target_id == queue.logical_id:
        label: Any = Link(queue.logical_id)
    else:
        label = as_name(target_id)
        t.attribute("arn", as_text(arn))
    t.optional("SqsParameters", "message_group", _message_group)
    t.optional("Input", "input", as_text)
    return ir.Block("target", (label,), tuple(t.finish()))


def _message_group(value: Any) -> ir.String:
    return as_text(as_mapping(value, ("MessageGroupId",))["MessageGroupId"])
