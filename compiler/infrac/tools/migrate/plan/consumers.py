"""The consumers: their event source mappings, and the step that deploys their new services.

The Serverless Framework names an event source mapping after its queue or stream reference,
so the switch to an import would rename it (a delete and a create). Each is found, pinned
under its old logical ID, and said (W0851). The consumers' step deploys what each new service
packages to (given to the planner as ``futures``), with those pins applied.
"""

from __future__ import annotations

import copy
import re

from infrac.base.source import Span
from infrac.diagnostics import Diagnostic, diagnostic
from infrac.tools.migrate.plan.deployed import Deployed
from infrac.tools.migrate.plan.model import Move, Pin, Step
from infrac.tools.migrate.plan.planner import Planner
from infrac.tools.migrate.plan.references import target_of

TYPE_CHECKING = False  # typing's own constant, without importing typing
if TYPE_CHECKING:
    from typing import Any


_MAPPING_ID = re.compile(r"^(?P<function>[A-Za-z0-9]+)EventSourceMapping(?P<kind>SQS|Dynamodb|Kinesis)(?P<name>[A-Za-z0-9]+)$")


def _alphanumeric(name: str) -> str:
    """The Serverless Framework's ``normalizeNameToAlphaNumericOnly``."""
    cleaned = re.sub(r"[^0-9A-Za-z]", "", name)
    return cleaned[:1].upper() + cleaned[1:]


def _function_id(name: str) -> str:
    """The Serverless Framework's ``getNormalizedFunctionName``."""
    cleaned = name.replace("-", "Dash").replace("_", "Underscore")
    return cleaned[:1].upper() + cleaned[1:]


def find_pins(planner: Planner, moves: list[Move], origin) -> list[Pin]:
    """Event source mappings that the framework would rename when their source becomes an import."""
    moved = {(m.source_stack, m.source_id): m for m in moves}
    pins: list[Pin] = []
    for d in planner.deployed.values():
        # (function's logical prefix, kind, target, attribute, resource, function as written)
        candidates: list[tuple[str, str, str, str, dict, str]] = []
        for logical_id, resource in d.template["Resources"].items():
            match = _MAPPING_ID.match(logical_id)
            if resource["Type"] != "AWS::Lambda::EventSourceMapping" or not match:
                continue
            target = target_of(resource.get("Properties", {}).get("EventSourceArn"))
            if target and (d.stack, target[0]) in moved and _alphanumeric(target[0]) == match["name"]:
                candidates.append((match["function"], match["kind"], target[0], target[1], resource,
                                   _function_name(d, match["function"])))
        functions = (d.raw or {}).get("functions") if d.is_service and isinstance(d.raw, dict) else None
        for function, events in functions.items() if isinstance(functions, dict) else ():
            listed = events.get("events") if isinstance(events, dict) else None
            for event in listed if isinstance(listed, list) else []:
                if not isinstance(event, dict) or not event:
                    continue
                kind, config = next(iter(event.items()))
                if kind not in ("sqs", "stream") or not isinstance(config, dict):
                    continue
                target = target_of(config.get("arn"))
                if not target or (d.stack, target[0]) not in moved:
                    continue
                label = "SQS" if kind == "sqs" else _alphanumeric(str(config.get("type", "dynamodb")))
                properties = {"BatchSize": config.get("batchSize", 10 if kind == "sqs" else 100),
                              "EventSourceArn": config["arn"],
                              "FunctionName": {"Fn::GetAtt": [f"{_function_id(function)}LambdaFunction", "Arn"]},
                              "Enabled": config.get("enabled", True)}
                if kind == "stream":
                    properties["StartingPosition"] = config.get("startingPosition", "TRIM_HORIZON")
                if config.get("functionResponseType"):
                    properties["FunctionResponseTypes"] = [config["functionResponseType"]]
                if config.get("maximumBatchingWindow") is not None:
                    properties["MaximumBatchingWindowInSeconds"] = config["maximumBatchingWindow"]
                resource = {"Type": "AWS::Lambda::EventSourceMapping", "DependsOn": ["IamRoleLambdaExecution"],
                            "Properties": properties}
                candidates.append((_function_id(function), label, target[0], target[1], resource, function))
        for function, label, target, attribute, resource, written in candidates:
            move = moved[(d.stack, target)]
            export = planner.exports.get((move.destination_stack, move.destination_id, attribute))
            if export is None:
                continue
            old_id = f"{function}EventSourceMapping{label}{_alphanumeric(target)}"
            new_id = f"{function}EventSourceMapping{label}{_alphanumeric(export)}"
            pinned = copy.deepcopy(resource)
            pinned["Properties"]["EventSourceArn"] = {"Fn::ImportValue": export}
            actions = (["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"] if label == "SQS" else
                       ["dynamodb:GetRecords", "dynamodb:GetShardIterator", "dynamodb:DescribeStream",
                        "dynamodb:ListStreams"] if label == "Dynamodb" else
                       ["kinesis:GetRecords", "kinesis:GetShardIterator", "kinesis:DescribeStream",
                        "kinesis:DescribeStreamSummary", "kinesis:ListShards", "kinesis:ListStreams"])
            statement = {"Effect": "Allow", "Action": actions, "Resource": [{"Fn::ImportValue": export}]}
            # The pin goes into the service file, which is for every stage.
            pinned["Properties"]["EventSourceArn"] = {"Fn::ImportValue": _any_stage(export, planner.stage)}
            statement["Resource"] = [pinned["Properties"]["EventSourceArn"]]
            future = planner.futures.get(d.stack)
            if future is not None and (old_id in future["Resources"] or new_id not in future["Resources"]):
                continue  # the new service keeps the mapping's name, or has no such mapping
            pins.append(Pin(d.stack, written, old_id, new_id, pinned, statement))
    return sorted(pins, key=lambda p: (p.stack, p.old_id))


def _any_stage(name: str, stage: str) -> str:
    """An export name for a service file: the stage as the framework's variable."""
    return name.replace(f"-{stage}-", "-${sls:stage}-", 1)


def _function_name(d: Deployed, prefix: str) -> str:
    """A function's name in its service file, from the packaged template: the deployed
    ``FunctionName`` (``core-dev-processBookingCommands``) without ``<service>-<stage>-``."""
    function = d.template["Resources"].get(f"{prefix}LambdaFunction", {})
    name = function.get("Properties", {}).get("FunctionName")
    if isinstance(name, str) and name.startswith(d.stack + "-"):
        return name[len(d.stack) + 1:]
    return prefix


PIN_POLICY = "InfracPinnedEventSourcesPolicy"


def pinned_resources(pins: list[Pin]) -> dict[str, Any]:
    """The resources that keep a consumer's event source mappings: each mapping under its
    current logical ID, and one policy on the functions' role with what the framework
    granted for the events (they no longer are events, so it grants nothing now)."""
    resources: dict[str, Any] = {}
    for pin in pins:
        resource = copy.deepcopy(pin.resource)
        depends = resource.get("DependsOn", [])
        resource["DependsOn"] = [*([depends] if isinstance(depends, str) else depends), PIN_POLICY]
        resources[pin.old_id] = resource
    resources[PIN_POLICY] = {
        "Type": "AWS::IAM::Policy",
        "Properties": {
            "PolicyName": "pinned-event-sources",
            "Roles": [{"Ref": "IamRoleLambdaExecution"}],
            "PolicyDocument": {"Version": "2012-10-17", "Statement": [p.statement for p in pins]},
        },
    }
    return {"Resources": resources}


def with_pins(template: dict[str, Any], pins: list[Pin], stage: str) -> dict[str, Any]:
    """A consumer's packaged template as it is once its service has the pins: each renamed
    mapping back under its old logical ID, and the pins' policy."""
    if not pins:
        return template
    result = copy.deepcopy(template)
    for pin in pins:
        result["Resources"].pop(pin.new_id, None)
    pinned = pinned_resources(pins)["Resources"]
    for resource in pinned.values():
        _for_stage(resource, stage)
    result["Resources"].update(pinned)
    return result


def _for_stage(value: Any, stage: str) -> Any:
    """The framework's ``${sls:stage}`` in a pin, as packaging fills it in."""
    if isinstance(value, dict):
        for key, item in value.items():
            if isinstance(item, str):
                value[key] = item.replace("${sls:stage}", stage)
            else:
                _for_stage(item, stage)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            if isinstance(item, str):
                value[index] = item.replace("${sls:stage}", stage)
            else:
                _for_stage(item, stage)
    return value


def consumer_step(planner: Planner, pins: list[Pin], number: int,
                  services: dict[str, tuple[str, str]]) -> Step | None:
    """The consumers' step: each consumer whose next template is known deploys it (its service,
    with the pins applied)."""
    stacks = tuple(sorted(s for s in planner.futures if s in planner.deployed))
    if not stacks:
        return None
    templates = {s: planner.futures[s] for s in stacks}  # the pins applied already
    return Step(
        number, f"Consumers ({', '.join(stacks)}): deploy the new service"
        + (" with its event source mappings pinned" if pins else ""),
        "consumer", stacks, templates,
        effect=(f"{len(pins)} event source mappings keep their logical IDs (pinned in the service's `resources`, "
                "see consumers/); " if pins else "")
        + "every reference to a moved resource is an import; the service's own resources go as its new template says",
        rollback="redeploy the previous version of the service",
        services=tuple((s, *services.get(s, ("", "serverless.yml"))) for s in stacks),
    )


def pin_diagnostics(planner: Planner, pins: list[Pin]) -> list[Diagnostic]:
    found = []
    for pin in pins:
        d = planner.deployed[pin.stack]
        span = planner.span(d, pin.old_id) if d.read.resource(pin.old_id) else _function_span(d, pin.function)
        found.append(diagnostic(
            "W0851", f"switching to imports renames `{pin.old_id}` to `{pin.new_id}` (an event source mapping)",
            span, label="named after its queue or stream reference",
            notes=["the Serverless Framework names the mapping after the `arn` it is given; an import is another name, "
                   "so CloudFormation would delete the mapping and create a new one (a pause in processing, "
                   "or a conflict while both exist)"],
            hint=f"pin it: declare it in the service's `resources` under `{pin.old_id}` (consumers/{pin.stack}.pinned.yml) "
                 "and remove the event from the function",
        ))
    return found


def _function_span(d: Deployed, function: str) -> Span | None:
    match = re.search(rf"(?m)^\s+{re.escape(function)}:\s*$", d.text.text)
    lowered = function[:1].lower() + function[1:]
    match = match or re.search(rf"(?m)^\s+{re.escape(lowered)}:\s*$", d.text.text)
    if match is None:
        return d.read.span("")
    start = match.start() + len(match.group(0)) - len(match.group(0).lstrip())
    return Span(d.text.path, start, start + len(lowered))
