"""What the kinds that send to queues know of queues, whichever block declares them.

A queue's dead-letter queue, an EventBridge rule's targets and a generic
``AWS::SQS::Queue`` meet here: :mod:`infrac.vocabulary.sqs`,
:mod:`infrac.vocabulary.events` and :mod:`infrac.vocabulary.generic` import these
facts, and this module imports none of them.
"""

from __future__ import annotations

from infrac.diagnostics import Diagnostic, Label, diagnostic
from infrac.model import Block, Program, Resource


def is_queue(resource: Resource) -> bool:
    """An SQS queue, whichever block declares it."""
    return resource.kind == "queue" or (resource.kind == "resource" and resource.values.get("type") == "AWS::SQS::Queue")


def is_fifo(resource: Resource) -> bool | None:
    """Whether a queue, declared by either block, is FIFO; None when not known before deploy."""
    if resource.kind == "queue":
        return bool(resource.values["fifo"])
    if resource.kind == "resource" and resource.values.get("type") == "AWS::SQS::Queue":
        flag = dict(resource.values.get("properties") or {}).get("FifoQueue", False)
        if isinstance(flag, bool):
            return flag
        if isinstance(flag, str) and flag.lower() in ("true", "false"):
            return flag.lower() == "true"
        return None
    return None


def url_attribute(queue: Resource) -> str:
    """The attribute that reads a queue's URL: `url`, or `ref` for a generic queue."""
    return "url" if queue.kind == "queue" else "ref"


def queue_targets(rule: Resource, program: Program) -> list[tuple[Block, Resource]]:
    """The rule's targets that are SQS queues of the project, with the queues."""
    found = []
    for block in rule.blocks.get("target", ()):
        link = block.values.get("target")
        if link is None:
            continue
        stack = program.stack(link.stack)
        queue = stack.resource(link.resource) if stack else None
        if queue is not None and is_queue(queue):
            found.append((block, queue))
    return found


def fifo_mismatch(source: Resource, source_fifo: bool | None, target: Resource | None, span) -> list[Diagnostic]:
    """E0630 when a queue and the dead-letter queue it redrives to differ in FIFO-ness, whatever
    blocks declared them: SQS refuses the redrive policy at deploy time."""
    target_fifo = is_fifo(target) if target is not None else None
    if source_fifo is None or target_fifo is None or source_fifo == target_fifo:
        return []
    kinds = ("FIFO", "standard") if source_fifo else ("standard", "FIFO")
    return [
        diagnostic(
            "E0630",
            f"{kinds[0]} queue `{source.name}` sends failed messages to {kinds[1]} queue `{target.name}`",
            span,
            label=f"`{target.name}` is a {kinds[1]} queue",
            labels=[Label(target.name_span, "declared here")] if target.name_span else [],
            notes=["SQS requires a queue and its dead-letter queue to be of the same type, FIFO or standard"],
            hint="make both FIFO or both standard, or send the failures to a queue of the same type",
        )
    ]
