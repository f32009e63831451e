"""EventBridge: custom buses, and rules with their targets.

    bus DomainEvents {
      name = "shop-{stage}-domain-events"
      export name, arn
    }

    rule OrderPlaced {
      bus     = DomainEvents
      pattern = { source: ["shop.orders"], detail-type: ["OrderPlaced"] }
      target queues.Orders { message_group = "orders" }
    }

A target is a resource of the project (``stack.Resource``, or ``Resource`` in
the same stack) or any ARN (``target Audit { arn = "arn:aws:..." }``: a name
with an ``arn`` is not looked up). When
rules of a stack send to SQS queues, the stack gets the one queue policy that
lets EventBridge send, each statement scoped to its rule
(``EventBridgeToQueuesPolicy``).
"""

from __future__ import annotations

import json
from decimal import Decimal

from infrac.cfn import limits
from infrac.diagnostics import Diagnostic, diagnostic
from infrac.model import Block, Link, Program, Reference, Resource, Stack, Template
from infrac.vocabulary.kinds import (
    COMMON_FIELDS,
    TARGET,
    Access,
    Attribute,
    BlockKind,
    Field,
    Kind,
    RuleContext,
    not_exported,
    tag_list,
)
from infrac.vocabulary.queues import is_fifo, is_queue, queue_targets, url_attribute
from infrac.vocabulary.types import Boolean, Data, Duration, Integer, LinkTo, MapOf, Name, Record, Text

TYPE_CHECKING = False  # typing's own constant, without importing typing
if TYPE_CHECKING:
    from typing import Any

#: The logical ID of the queue policy derived for a stack's rules.
QUEUE_POLICY_ID = "EventBridgeToQueuesPolicy"

BUS = Kind(
    keyword="bus",
    cfn_type="AWS::Events::EventBus",
    doc="A custom EventBridge event bus.",
    fields={
        **COMMON_FIELDS,
        "name": Field(Text(), "The bus's name.", required=True),
        "tags": Field(MapOf(Text()), "Tags, as a map from key to value."),
    },
    blocks={},
    attributes={
        "name": Attribute("name", "The bus's name."),
        "arn": Attribute("arn", "The bus's ARN.", getatt="Arn"),
    },
    properties=lambda bus: {
        "Name": bus.values["name"],
        **({"Tags": tag_list(bus.values["tags"])} if bus.values.get("tags") else {}),
    },
    access=Access(actions=(("events:PutEvents", "publish"),), resources=lambda bus, attribute: [attribute("arn")]),
    identifying=("name", "arn"),
)

TARGET_BLOCK = BlockKind(
    "target",
    "A target of the rule: `target stack.Resource { ... }`, or `target Id { arn = ... }`.",
    {
        "arn": Field(Data(), "The target's ARN, for a target that is not a resource of the project."),
        "message_group": Field(Text(), "The message group of a FIFO queue target."),
        "input": Field(Data(), "A fixed event to send instead of the matched one (JSON data)."),
        "id": Field(
            Name(r"[.\-_A-Za-z0-9]{1,64}", "1-64 letters, digits, `.`, `-` and `_`"),
            "The target's ID in the rule, to keep the one a moved rule has; the block's name by default.",
        ),
        "input_path": Field(Text(), 'The part of the event to send, as a JSON path: `"$.detail"`.'),
        "input_transformer": Field(
            Record(
                {"paths": MapOf(Text()), "template": Text()},
                required=("template",),
            ),
            "Parts of the event picked by JSON paths and sent through a template: "
            '`{ paths: { id: "$.detail.id" }, template: "{{\\"order\\": <id>}}" }` (braces doubled, as in '
            "every string).",
        ),
        "retry": Field(
            Record(
                {
                    "attempts": Integer(0, limits.EVENTS_MAX_RETRY_ATTEMPTS),
                    "max_age": Duration(limits.EVENTS_MIN_EVENT_AGE, limits.EVENTS_MAX_EVENT_AGE),
                }
            ),
            "How often and how long EventBridge retries a failed delivery: `{ attempts: 3, max_age: 1h }`.",
        ),
        "dead_letter_queue": Field(
            LinkTo("queue", needs=("arn", "url")),
            "A queue of the project for the events that could not be delivered; the rules' queue policy "
            "lets EventBridge send to it.",
        ),
        "role": Field(Data(), "The ARN of the role EventBridge assumes to reach the target."),
    },
    label=TARGET,
    link_kinds=("queue", "bus", "resource"),
)

RULE_FIELDS = {
    **COMMON_FIELDS,
    "name": Field(Text(), "The rule's name; generated if not set."),
    "description": Field(Text(), "What the rule is for."),
    "bus": Field(LinkTo("bus", needs=("name",)), "The bus the rule listens on; the default bus if not set."),
    "pattern": Field(MapOf(Data(), minimum=1), "The event pattern, as a map."),
    "schedule": Field(Text(), 'A schedule instead of a pattern: `"rate(5 minutes)"`, `"cron(0 12 * * ? *)"`.'),
    "enabled": Field(Boolean(), "Whether the rule is on.", default=True),
}


def target_resource_arn(block: Block) -> Any:
    link: Link | None = block.values.get("target")
    return link.attribute("arn") if link is not None else block.values["arn"]


def rule_properties(rule: Resource) -> dict[str, Any]:
    v = rule.values
    props: dict[str, Any] = {}
    if v.get("name") is not None:
        props["Name"] = v["name"]
    if v.get("description") is not None:
        props["Description"] = v["description"]
    if v.get("bus") is not None:
        props["EventBusName"] = v["bus"].attribute("name")
    if v.get("pattern") is not None:
        props["EventPattern"] = v["pattern"]
    if v.get("schedule") is not None:
        props["ScheduleExpression"] = v["schedule"]
    props["State"] = "ENABLED" if v["enabled"] else "DISABLED"
    targets = []
    for block in rule.blocks.get("target", ()):
        bv = block.values
        target: dict[str, Any] = {"Id": bv.get("id") or block.name, "Arn": target_resource_arn(block)}
        if bv.get("message_group") is not None:
            target["SqsParameters"] = {"MessageGroupId": bv["message_group"]}
        if bv.get("input") is not None:
            target["Input"] = _input(bv["input"])
        if bv.get("input_path") is not None:
            target["InputPath"] = bv["input_path"]
        if bv.get("input_transformer") is not None:
            transformer = bv["input_transformer"]
            target["InputTransformer"] = {
                **({"InputPathsMap": dict(transformer["paths"])} if transformer.get("paths") else {}),
                "InputTemplate": transformer["template"],
            }
        if bv.get("retry") is not None:
            retry = bv["retry"]
            target["RetryPolicy"] = {
                **({"MaximumRetryAttempts": retry["attempts"]} if "attempts" in retry else {}),
                **({"MaximumEventAgeInSeconds": retry["max_age"]} if "max_age" in retry else {}),
            }
        if bv.get("dead_letter_queue") is not None:
            target["DeadLetterConfig"] = {"Arn": bv["dead_letter_queue"].attribute("arn")}
        if bv.get("role") is not None:
            target["RoleArn"] = bv["role"]
        targets.append(target)
    if targets:
        props["Targets"] = targets
    return props


def _input(value: Any) -> Any:
    """A target's fixed input: a string as written, or a map or list as its JSON text."""
    if isinstance(value, Template):
        return value
    return json.dumps(_plain(value), separators=(",", ":"))


def _plain(value: Any) -> Any:
    if isinstance(value, Template):
        return "".join(value.parts)  # literal: checked by rule_rules
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    if isinstance(value, Decimal):
        return float(value)
    return value


def _is_plain(value: Any) -> bool:
    if isinstance(value, Template):
        return value.is_literal
    if isinstance(value, dict):
        return all(_is_plain(v) for v in value.values())
    if isinstance(value, tuple):
        return all(_is_plain(v) for v in value)
    return not isinstance(value, (Reference, Link))


def _rule_stacks_by_queue(program: Program) -> dict[int, set[str]]:
    """For each queue (by identity) that rules target, the stacks of those rules; computed
    once per program, not once per rule (which made checking quadratic in the stacks), and
    kept in the program's memo (a module-level cache kept the last program alive: a
    language server held a closed document's whole compilation)."""
    kept = program.memo.get("rule stacks by queue")
    if kept is not None:
        return kept
    found: dict[int, set[str]] = {}
    for stack in program.stacks:
        for rule in stack.resources:
            if rule.kind == "rule":
                for _, queue in queue_targets(rule, program):
                    found.setdefault(id(queue), set()).add(stack.name)
    program.memo["rule stacks by queue"] = found
    return found


def _resource_of(program: Program, link: Link | None) -> Resource | None:
    stack = program.stack(link.stack) if link is not None else None
    return stack.resource(link.resource) if stack else None


def derived(program: Program, stack: Stack) -> dict[str, dict]:
    """The queue policy that lets the stack's rules send to their queue targets."""
    queues: list[Reference] = []
    statements = []
    for rule in (r for r in stack.resources if r.kind == "rule"):
        targets = queue_targets(rule, program)
        for block, queue in targets:
            link: Link = block.values["target"]
            url = link.attribute(url_attribute(queue))
            if url not in queues:
                queues.append(url)
            sid = f"Allow{rule.logical_id}" if len(targets) == 1 else f"Allow{rule.logical_id}To{block.name}"
            statements.append(
                {
                    "Sid": sid,
                    "Effect": "Allow",
                    "Principal": {"Service": "events.amazonaws.com"},
                    "Action": "sqs:SendMessage",
                    "Resource": link.attribute("arn"),
                    "Condition": {"ArnEquals": {"aws:SourceArn": {"Fn::GetAtt": [rule.logical_id, "Arn"]}}},
                }
            )
        for block in rule.blocks.get("target", ()):
            dead_letters: Link | None = block.values.get("dead_letter_queue")
            target = _resource_of(program, dead_letters)
            if target is None or not is_queue(target):
                continue
            if dead_letters.attribute(url_attribute(target)) not in queues:
                queues.append(dead_letters.attribute(url_attribute(target)))
            statements.append(
                {
                    "Sid": f"Allow{rule.logical_id}DeadLettersFrom{block.name}",
                    "Effect": "Allow",
                    "Principal": {"Service": "events.amazonaws.com"},
                    "Action": "sqs:SendMessage",
                    "Resource": dead_letters.attribute("arn"),
                    "Condition": {"ArnEquals": {"aws:SourceArn": {"Fn::GetAtt": [rule.logical_id, "Arn"]}}},
                }
            )
    if not statements:
        return {}
    return {
        QUEUE_POLICY_ID: {
            "Type": "AWS::SQS::QueuePolicy",
            "Properties": {
                "Queues": queues,
                "PolicyDocument": {"Version": "2012-10-17", "Statement": statements},
            },
        }
    }


def rule_rules(rule: Resource, context: RuleContext) -> list[Diagnostic]:
    found: list[Diagnostic] = []
    v = rule.values
    targets = rule.blocks.get("target", ())
    if (v.get("pattern") is None) == (v.get("schedule") is None):
        found.append(
            diagnostic(
                "E0605",
                f"rule `{rule.name}` needs " + ("a `pattern` or a `schedule`" if v.get("pattern") is None else "either a `pattern` or a `schedule`, not both"),
                rule.name_span,
                label="a rule matches events or runs on a schedule",
            )
        )
    if v.get("schedule") is not None and v.get("bus") is not None:
        found.append(
            diagnostic(
                "E0605",
                "a scheduled rule runs on the default bus",
                rule.value_spans.get("bus", rule.name_span),
                label="remove `bus`",
            )
        )
    # https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-quota.html
    if len(targets) > limits.MAX_RULE_TARGETS:
        found.append(
            diagnostic(
                "E0605",
                f"rule `{rule.name}` has {len(targets)} targets; a rule has at most {limits.MAX_RULE_TARGETS}",
                targets[limits.MAX_RULE_TARGETS].name_span,
                label=f"target number {limits.MAX_RULE_TARGETS + 1}",
                hint="split the targets over several rules with the same pattern",
            )
        )
    for block in targets:
        found.extend(_target_rules(rule, block, context))
    return found


def _target_rules(rule: Resource, block: Block, context: RuleContext) -> list[Diagnostic]:
    found: list[Diagnostic] = []
    link: Link | None = block.values.get("target")
    has_arn = block.values.get("arn") is not None
    if link is not None and has_arn:
        return [
            diagnostic(
                "E0605",
                f"target `{block.name}` names a resource and an `arn`",
                block.value_spans["arn"],
                label="the resource in the header gives the ARN",
                hint="remove `arn`",
            )
        ]
    inputs = [field for field in ("input", "input_path", "input_transformer") if block.values.get(field) is not None]
    if len(inputs) > 1:
        found.append(
            diagnostic(
                "E0605",
                f"target `{block.name}` sets both `{inputs[0]}` and `{inputs[1]}`",
                block.value_spans.get(inputs[1], block.name_span),
                label="a target takes one of `input`, `input_path` and `input_transformer`",
                hint=f"keep one: `{inputs[0]}` or `{inputs[1]}`",
            )
        )
    given = block.values.get("input")
    if given is not None and not isinstance(given, Template) and not _is_plain(given):
        found.append(
            diagnostic(
                "E0605",
                f"the input of target `{block.name}` is sent as JSON text, so it cannot hold placeholders or references",
                block.value_spans["input"],
                label="a map or list of plain values only",
                hint="write the input as a string to use placeholders in it",
            )
        )
    target = context.resolve(link) if link is not None else None
    if target is None:
        return found
    if link.stack != context.stack.name:
        needed = ("arn", url_attribute(target)) if is_queue(target) else ("arn",)
        found.extend(
            not_exported(target, link.stack, attribute, context.stack.name, link.span)
            for attribute in needed
            if attribute not in target.exports
        )
    if is_queue(target):
        others = sorted(
            name for name in _rule_stacks_by_queue(context.program).get(id(target), ()) if name != context.stack.name
        )
        if others:
            found.append(
                diagnostic(
                    "E0605",
                    f"queue `{link.resource}` is a target of rules in stacks `{context.stack.name}` and `{others[0]}`",
                    link.span,
                    label="each of these stacks writes the queue's policy",
                    notes=["a queue has one policy: the stack deployed last would remove the other's permission"],
                    hint="keep the rules that send to one queue in one stack",
                )
            )
    fifo = is_fifo(target) if is_queue(target) else False  # None: not known before deploy
    group = block.values.get("message_group")
    if fifo and group is None:
        found.append(
            diagnostic(
                "E0605",
                f"target `{block.name}` is a FIFO queue and needs `message_group`",
                block.name_span,
                label="a FIFO queue target needs a message group",
                hint='add `message_group = "..."`: messages of one group are delivered in order',
            )
        )
    elif group is not None and fifo is False:
        found.append(
            diagnostic(
                "E0605",
                f"`message_group` is for FIFO queue targets; `{block.name}` is not one",
                block.value_spans["message_group"],
                label="not a FIFO queue",
            )
        )
    return found


RULE = Kind(
    keyword="rule",
    cfn_type="AWS::Events::Rule",
    doc="An EventBridge rule, with its targets.",
    fields=RULE_FIELDS,
    blocks={"target": TARGET_BLOCK},
    attributes={
        "name": Attribute("name", "The rule's name."),
        "arn": Attribute("arn", "The rule's ARN.", getatt="Arn"),
    },
    properties=rule_properties,
    rules=rule_rules,
    identifying=("name", "arn"),
)
