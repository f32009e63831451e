"""Budgets: the CloudFormation quotas that bite as a stack grows, checked on the
stacks as rendered.

Per template: 500 resources, 200 outputs, 200 parameters, a body of at most
1 MB (through S3) and 51,200 bytes when passed inline. Counted on what the
CloudFormation backend writes by default (YAML, ``{stage}`` left to a
parameter): a queue's dead-letter queue, a bucket's policy and the queue
policies derived from rules are resources; every export is an output. Each
finding is reported at the stack's declaration, with how far over (or how
near) and a hint to split. Export names, unique per account and region across
every stack and every stage, are checked by :mod:`infrac.passes.exports` (E0503).
The numbers live in :mod:`infrac.cfn.limits`.
"""

from __future__ import annotations

import re
from collections import Counter

from infrac.base.classes import frozen
from infrac.cfn import limits
from infrac.diagnostics import Diagnostic, diagnostic
from infrac.model import Stack

TYPE_CHECKING = False  # typing's own constant, without importing typing
if TYPE_CHECKING:  # the passes import this module
    from infrac.passes.state import Compilation

_MOVE = (
    "move a group of resources that belong together to a stack of its own, "
    "and reference them across stacks (`stack.Resource.attribute`)"
)
SPLIT = "split the stack: " + _MOVE


@frozen
class Measure:
    """One quota of one template: what it counts, how many, the quota, and its unit."""

    what: str
    used: int
    quota: int
    unit: str


def measures(template: dict, body: bytes) -> list[Measure]:
    """The quotas of a rendered template, with what it uses of each."""
    return [
        Measure("resources", len(template.get("Resources", {})), limits.MAX_RESOURCES_PER_TEMPLATE, "resources"),
        Measure("outputs", len(template.get("Outputs", {})), limits.MAX_OUTPUTS_PER_TEMPLATE, "outputs"),
        Measure("parameters", len(template.get("Parameters", {})), limits.MAX_PARAMETERS_PER_TEMPLATE, "parameters"),
        Measure("template body", len(body), limits.MAX_TEMPLATE_BODY_S3, "bytes"),
    ]


def findings(stack: Stack, template: dict, body: bytes, *, inline: bool = True) -> list[Diagnostic]:
    """E0910 over a quota, W0910 near one, W0911 over the inline body size (when the
    template may be passed inline: not the Serverless Framework's, always uploaded)."""
    found = []
    for measure in measures(template, body):
        share = f"{measure.used:,} {measure.unit}"
        if measure.used > measure.quota:
            found.append(
                diagnostic(
                    "E0910",
                    f"stack `{stack.name}` has {share} of {measure.what}, {measure.used - measure.quota:,} over "
                    f"CloudFormation's {measure.quota:,}"
                    if measure.what == "template body"
                    else f"stack `{stack.name}` has {share}, {measure.used - measure.quota:,} more than "
                    f"CloudFormation's {measure.quota:,} per template",
                    stack.span,
                    label=f"{share}: CloudFormation refuses this template",
                    notes=_breakdown(measure, template),
                    hint=SPLIT,
                )
            )
        elif measure.used >= measure.quota * limits.NEAR_QUOTA:
            found.append(
                diagnostic(
                    "W0910",
                    f"stack `{stack.name}` is near CloudFormation's quota of {measure.quota:,} {measure.unit}"
                    + (" of template body" if measure.what == "template body" else " per template")
                    + f": {share} ({measure.used * 100 // measure.quota}%)",
                    stack.span,
                    label=f"{measure.quota - measure.used:,} {measure.unit} left",
                    notes=_breakdown(measure, template),
                    hint="plan the split now: " + _MOVE,
                )
            )
    if inline and limits.MAX_TEMPLATE_BODY_INLINE < len(body) <= limits.MAX_TEMPLATE_BODY_S3:
        found.append(
            diagnostic(
                "W0911",
                f"stack `{stack.name}`'s template is {len(body):,} bytes, over the "
                f"{limits.MAX_TEMPLATE_BODY_INLINE:,} bytes CloudFormation takes inline",
                stack.span,
                label=f"{len(body) - limits.MAX_TEMPLATE_BODY_INLINE:,} bytes over the inline size",
                notes=["`aws cloudformation deploy` needs `--s3-bucket`; `--template-body` fails; "
                       "the Serverless Framework always uploads to S3"],
                hint="deploy through an S3 bucket, or " + SPLIT,
            )
        )
    return found


def _breakdown(measure: Measure, template: dict) -> list[str]:
    if measure.what != "resources":
        return []
    types = Counter(r.get("Type", "?") for r in template.get("Resources", {}).values())
    return ["by type: " + ", ".join(f"{n} {t}" for t, n in sorted(types.items(), key=lambda i: (-i[1], i[0])))]


def check(state: Compilation) -> tuple[Compilation, list[Diagnostic]]:
    """The pass: every stack's template as the build writes it (``state.build``; by default
    the CloudFormation target in YAML, the stage left to a parameter). A CloudFormation
    build measures the very text it writes: the backend emits it here, once, and the
    build writes it (:meth:`~infrac.backends.cloudformation.CloudFormation.measured_file`).
    Otherwise, for YAML, the emitter runs only for a template that could be over 51,200
    bytes (see :func:`yaml_size_bound`), so that ``infrac check`` of a small project stays
    light. The Serverless Framework packages its own template, as JSON, and always uploads
    it to S3: there the JSON form is measured and the inline size does not apply."""
    from infrac.backends.base import BuildOptions
    from infrac.backends.cloudformation import HEADER, CloudFormation

    target, options = state.build or ("cloudformation", BuildOptions())
    shared = state.build is not None and target == "cloudformation"
    if target != "cloudformation":  # the framework writes JSON; the stage is its own
        options = BuildOptions(stage=options.stage, format="json")
    backend = CloudFormation()
    found: list[Diagnostic] = []
    for stack in state.program.stacks:
        if not stack.resources:
            continue
        if shared:
            template, text = backend.measured_file(state.program, stack, options)
            body = text.encode("utf-8")
        else:
            template = backend.template(state.program, stack, options)
            if options.format == "json":
                from infrac.backends.emit import to_json

                body = to_json(template).encode("utf-8")
            elif len(HEADER) + yaml_size_bound(template) <= limits.MAX_TEMPLATE_BODY_INLINE:
                body = b""  # under every size quota: no size finding is possible
            else:
                from infrac.backends.emit import to_yaml

                body = (HEADER + to_yaml(template)).encode("utf-8")
        found += findings(stack, template, body, inline=target == "cloudformation")
    return state, found


_PLAIN = re.compile(r"[a-zA-Z0-9\-_./]*")


def yaml_size_bound(value: object, depth: int = 0) -> int:
    """At least as many bytes as the block YAML of ``value`` written by
    :func:`infrac.backends.emit.to_yaml` (indent 2, width 4096): each entry is a
    line of its indent, its key, ``": "`` and its scalar, where a scalar of plain
    characters takes at most its length plus quotes, a printable ASCII one twice
    that (quotes doubled), and any other up to ten bytes a character (escapes).

    >>> yaml_size_bound({"Type": "AWS::SNS::Topic"}) >= len("Type: AWS::SNS::Topic\\n")
    True
    """
    if isinstance(value, dict):
        if not value:
            return 3
        return sum(2 * depth + _scalar_bound(str(k), depth) + 3 + yaml_size_bound(v, depth + 1) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        if not value:
            return 3
        return sum(2 * depth + 3 + yaml_size_bound(v, depth + 1) for v in value)
    return _scalar_bound(str(value).lower() if isinstance(value, bool) else str(value), depth)


def _scalar_bound(text: str, depth: int) -> int:
    # a scalar past the width is folded at its spaces, each break with its indent
    folds = 0 if len(text) < 4000 else (len(text) // 2000 + 1) * (2 * depth + 8)
    if _PLAIN.fullmatch(text):
        return len(text) + 2 + folds
    if text.isascii() and text.isprintable():
        return 2 * len(text) + 2 + folds
    return 10 * len(text) + 2 + folds
