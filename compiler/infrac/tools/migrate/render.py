"""The files of a move plan: ``plan.md`` to review, ``plan.json`` for tools, ``plan.sh`` (AWS CLI
commands, one step at a time, :mod:`infrac.tools.migrate.script`), every template a step
deploys, and the consumers' pins. A preview (made from input that is not what CloudFormation
holds) is ``plan.md`` and ``plan.json`` only, marked so.

Pure: returns ``{relative path: text}``; the command line writes them.
"""

from __future__ import annotations

import json
import re

from infrac.backends.emit import to_yaml
from infrac.tools.migrate.plan.consumers import pinned_resources
from infrac.tools.migrate.plan.deployed import Deployed
from infrac.tools.migrate.plan.model import AWS_ONLY, SIMULATED, Plan, Step
from infrac.tools.migrate.rehearsal import Rehearsal
from infrac.tools.migrate.script import script

TYPE_CHECKING = False  # typing's own constant, without importing typing
if TYPE_CHECKING:
    from typing import Any


def _json(value: Any) -> str:
    return json.dumps(value, indent=1, ensure_ascii=False) + "\n"


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:80]


def step_folder(step: Step) -> str:
    """``templates/01-refactor``, ``templates/03-deploy-infrastructure-sqs-dev``."""
    what = step.operation if len(step.stacks) != 1 or step.operation == "consumer" else f"{step.operation}-{step.stacks[0]}"
    return f"templates/{step.number:02d}-{_slug(what)}"


def files(plan: Plan, deployed: list[Deployed], rehearsal: Rehearsal, diagnostics_text: str) -> dict[str, str]:
    out: dict[str, str] = {}
    if plan.preview:
        out["plan.json"] = _json(_document(plan, rehearsal, deployed))
        out["plan.md"] = _markdown(plan, rehearsal, deployed, diagnostics_text)
        return out
    for d in deployed:
        out[f"templates/previous/{d.stack}.json"] = _json(d.template)
    for step in plan.steps:
        folder = step_folder(step)
        for stack, template in step.templates.items():
            out[f"{folder}/{stack}.json"] = _json(template)
        if step.mappings:
            out[f"{folder}/resource-mappings.json"] = _json(list(step.mappings))
        if step.resources_to_import:
            out[f"{folder}/resources-to-import.json"] = _json(list(step.resources_to_import))
    for stack in sorted({p.stack for p in plan.pins}):
        pins = [p for p in plan.pins if p.stack == stack]
        header = (
            f"# Event source mappings of {stack}, pinned to the logical IDs they have now, and the\n"
            "# permissions the framework gave their functions' role for them. Add `Resources` to the\n"
            "# service's `resources: Resources:`, and remove from each function the event listed here:\n"
            + "".join(f"#   {p.function}: the event that made {p.old_id}\n" for p in pins)
        )
        out[f"consumers/{stack}.pinned.yml"] = header + to_yaml(pinned_resources(pins))
    out["plan.json"] = _json(_document(plan, rehearsal, deployed))
    out["plan.md"] = _markdown(plan, rehearsal, deployed, diagnostics_text)
    out["plan.sh"] = script(plan, step_folder)
    return out


def _document(plan: Plan, rehearsal: Rehearsal, deployed: list[Deployed]) -> dict[str, Any]:
    return {
        "format": 2,
        "executable": not plan.preview,
        "stage": plan.stage,
        "region": plan.region,
        "strategy": plan.strategy,
        "deployed": [{"stack": d.stack, "file": d.text.path, "kind": d.read.kind} for d in deployed],
        "moves": [
            {"type": m.type, "from": {"stack": m.source_stack, "logical_id": m.source_id},
             "to": {"stack": m.destination_stack, "logical_id": m.destination_id}, "how": m.how,
             **({"why_not_refactoring": m.why} if m.why else {}),
             "stateful": m.stateful, "changes_after_the_move": list(m.changes)}
            for m in plan.moves
        ],
        "resources": [{"stack": f.stack, "logical_id": f.logical_id, "type": f.type, "stateful": f.stateful,
                       "fate": f.fate, "detail": f.detail} for f in plan.fates],
        "created": [{"stack": s, "logical_id": i} for s, i in plan.creates],
        "steps": [
            {"number": s.number, "title": s.title, "operation": s.operation, "stacks": list(s.stacks),
             "templates": {stack: f"{step_folder(s)}/{stack}.json" for stack in s.templates},
             "resource_mappings": f"{step_folder(s)}/resource-mappings.json" if s.mappings else None,
             "resources_to_import": f"{step_folder(s)}/resources-to-import.json" if s.resources_to_import else None,
             "services": [{"stack": stack, "folder": folder, "config": config} for stack, folder, config in s.services],
             "enable_stack_creation": s.enable_stack_creation, "effect": s.effect, "rollback": s.rollback}
            for s in plan.steps
        ],
        "pins": [{"stack": p.stack, "function": p.function, "logical_id": p.old_id, "would_become": p.new_id}
                 for p in plan.pins],
        "diagnostics": [{"code": d.code, "severity": d.severity.value, "message": d.message} for d in plan.diagnostics],
        "notes": list(plan.notes),
        "simulation": {"ok": rehearsal.ok, "report": list(rehearsal.lines), "simulated": SIMULATED, "aws_only": AWS_ONLY},
    }


def _markdown(plan: Plan, rehearsal: Rehearsal, deployed: list[Deployed], diagnostics_text: str) -> str:
    stateful = sum(m.stateful for m in plan.moves)
    lost = [e for e in rehearsal.events if e.action in ("replace", "delete", "snapshot")]
    outcome = ("In the simulation nothing is replaced or deleted." if not lost else
               "In the simulation these are replaced or deleted, as listed below: "
               + ", ".join(f"`{e.stack}.{e.logical_id}` ({e.type}, {'replaced' if e.action == 'replace' else 'deleted'})"
                           for e in lost) + ".")
    simulated = {int(line.split(":")[0].split()[1]): line.split(":", 1)[1].strip()
                 for line in rehearsal.lines if line.startswith("step ")}
    hows = {how: sum(1 for m in plan.moves if m.how == how) for how in ("refactor", "import", "recreate")}
    ways = ", ".join(f"{n} by {what}" for what, n in (("stack refactoring", hows["refactor"]),
                                                      ("retain and import", hows["import"]),
                                                      ("deletion and creation anew", hows["recreate"])) if n)
    lines = [f"# Move plan, stage `{plan.stage}`, region `{plan.region}`", ""]
    if plan.preview:
        lines += ["> **PREVIEW: not executable.** It was made from input that is not what CloudFormation holds "
                  "(a service file, or a template before its transform), so it knows only part of what is deployed. "
                  "It has no script. Give each stack's deployed template (`aws cloudformation get-template "
                  "--stack-name STACK --template-stage Processed`) for a plan to run.", ""]
    lines += [
        f"{len(plan.moves)} resources move ({stateful} of them hold data){': ' + ways if ways else ''}, "
        f"in {len(plan.steps)} steps. {outcome}",
        "",
    ]
    if not plan.preview:
        lines += ["Run `./plan.sh`: it shows each change set or refactor before it runs it and asks (`YES=1` does "
                  "not ask; `FROM_STEP=N` starts at step N, after a failure the step that failed). Templates larger "
                  "than 51,200 bytes go through the S3 bucket named by `TEMPLATE_BUCKET`.", ""]
    lines += [
        "## What is proven offline, and what only AWS can confirm",
        "",
        SIMULATED,
        "",
        "Simulated execution of this plan:",
        "",
        *[f"- {line}" for line in rehearsal.lines],
        "",
        AWS_ONLY,
        "",
        "## The deployed stacks (as given)",
        "",
        "| stack | file | read as |",
        "|---|---|---|",
        *[f"| `{d.stack}` | `{d.text.path}` | {d.read.kind} |" for d in deployed],
        "",
        "## Every deployed resource",
        "",
        "What the plan does to each resource of the deployed stacks.",
        "",
        "| stack | resource | type | holds data | fate | detail |",
        "|---|---|---|---|---|---|",
        *[f"| `{f.stack}` | `{f.logical_id}` | {f.type} | {'yes' if f.stateful else ''} | {f.fate} | "
          f"{_cell(f.detail)} |" for f in plan.fates],
        "",
        "## What moves",
        "",
        "| resource | type | from | to | how | after the move |",
        "|---|---|---|---|---|---|",
    ]
    for m in plan.moves:
        renamed = f" (as `{m.destination_id}`)" if m.destination_id != m.source_id else ""
        how = {"refactor": "stack refactoring", "import": "retain and import", "recreate": "deleted, created anew",
               "none": "cannot move"}[m.how] + (f" ({_cell(m.why)})" if m.why else "")
        lines.append(f"| `{m.source_id}`{renamed} | {m.type} | `{m.source_stack}` | `{m.destination_stack}` | {how} | "
                     f"{', '.join(m.changes) or 'no change'} |")
    if plan.creates:
        lines += ["", "Created by the project (in the final deploys): "
                  + ", ".join(f"`{s}.{i}`" for s, i in plan.creates) + "."]
    if diagnostics_text:
        lines += ["", "## Findings", "", "```", diagnostics_text.rstrip("\n"), "```"]
    lines += ["", "## Steps"]
    for step in plan.steps:
        lines += ["", f"### {step.number}. {step.title}", "", f"- Effect: {step.effect}",
                  f"- Simulated: {simulated.get(step.number, 'not run')}", f"- Roll back: {step.rollback}"]
        if step.templates:
            lines.append("- Templates: " + ", ".join(f"`{step_folder(step)}/{s}.json`" for s in step.templates))
        if step.mappings:
            lines.append(f"- Resource mappings: `{step_folder(step)}/resource-mappings.json`")
        if step.resources_to_import:
            lines.append(f"- Resources to import: `{step_folder(step)}/resources-to-import.json`")
    if plan.pins:
        lines += ["", "## Consumers", "",
                  "The Serverless Framework names an event source mapping after its queue or stream reference; "
                  "when the reference becomes an import, the name changes and CloudFormation would replace the "
                  "mapping. Keep each one under its current logical ID with `consumers/<stack>.pinned.yml`:",
                  "", "| stack | function | keeps | instead of |", "|---|---|---|---|"]
        lines += [f"| `{p.stack}` | `{p.function}` | `{p.old_id}` | `{p.new_id}` |" for p in plan.pins]
    if plan.notes:
        lines += ["", "## Notes", "", *[f"- {n}" for n in plan.notes]]
    return "\n".join(lines) + "\n"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")
