"""EventBridge buses and rules lifted to the ``bus`` and ``rule`` kinds; a rule's queue
targets with the queue policy the kind derives.
"""

from __future__ import annotations

import re

from infrac.syntax import ir
from infrac.tools.migrate.importer.properties import (
    Decline,
    Link,
    as_link,
    as_plain,
    as_tags,
    as_text,
    attr,
)
from infrac.tools.migrate.source.model import Interpolated, Template
from infrac.tools.migrate.source.model import Resource as SourceResource

TYPE_CHECKING = False  # typing's own constant, without importing typing
if TYPE_CHECKING:
    from typing import Any


def lift_bus(resource: SourceResource, template: Template):
    p = dict(resource.properties)
    if "Name" not in p:
        raise Decline
    body: list[ir.Statement] = [attr("name", as_text(p.pop("Name")))]
    if "Tags" in p:
        body.append(attr("tags", as_tags(p.pop("Tags"))))
    if p:
        raise Decline
    return "bus", body, {}


#: The queue policy a stack's rules get from their queue targets (the ``rule`` kind derives it).
QUEUE_POLICY_ID = "EventBridgeToQueuesPolicy"


def lift_rule(resource: SourceResource, template: Template):
    p = dict(resource.properties)
    body: list[ir.Statement] = []
    if "Name" in p:
        body.append(attr("name", as_text(p.pop("Name"))))
    if "Description" in p:
        body.append(attr("description", as_text(p.pop("Description"))))
    if "EventBusName" in p:
        body.append(attr("bus", as_link(p.pop("EventBusName"), template, "AWS::Events::EventBus")))
    if "EventPattern" in p:
        pattern = p.pop("EventPattern")
        if not isinstance(pattern, dict) or not pattern:
            raise Decline
        body.append(attr("pattern", as_plain(pattern)))
    if "ScheduleExpression" in p:
        body.append(attr("schedule", as_text(p.pop("ScheduleExpression"))))
    state = p.pop("State", None)
    if state == "DISABLED":
        body.append(attr("enabled", ir.Bool(False)))
    elif state != "ENABLED":
        raise Decline
    companions: dict = {}
    for target in p.pop("Targets", None) or ():
        if not isinstance(target, dict) or not {"Id", "Arn"} <= set(target) <= {"Id", "Arn", "SqsParameters", "Input"}:
            raise Decline
        inner: list[ir.Statement] = []
        arn = target["Arn"]
        queue = None
        if isinstance(arn, dict) and set(arn) == {"Fn::GetAtt"} and isinstance(arn["Fn::GetAtt"], list) \
                and arn["Fn::GetAtt"][1:] == ["Arn"]:
            queue = template.resource(arn["Fn::GetAtt"][0])
        if queue is not None and queue.type == "AWS::SQS::Queue" and target["Id"] == queue.logical_id:
            label: Any = Link(queue.logical_id)
            companions[QUEUE_POLICY_ID] = {}
        else:
            if not isinstance(target["Id"], str) or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_-]*", target["Id"]):
                raise Decline
            label = ir.Symbol(target["Id"])
            if isinstance(arn, (str, Interpolated)):
                inner.append(attr("arn", as_text(arn)))
            else:
                raise Decline
        if "SqsParameters" in target:
            group = target["SqsParameters"]
            if not isinstance(group, dict) or set(group) != {"MessageGroupId"}:
                raise Decline
            inner.append(attr("message_group", as_text(group["MessageGroupId"])))
        if "Input" in target:
            inner.append(attr("input", as_text(target["Input"])))
        body.append(ir.Block("target", (label,), tuple(inner)))
    if p:
        raise Decline
    if companions and template.resource(QUEUE_POLICY_ID) is None:
        raise Decline  # the policy the kind would add is not in the template
    return "rule", body, companions
