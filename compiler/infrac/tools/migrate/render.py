"""The files of a move plan: ``plan.md`` to review, ``plan.json`` for tools, ``plan.sh`` (AWS CLI
commands, one step at a time), every template a step deploys, and the consumers' pins.

Pure: returns ``{relative path: text}``; the command line writes them.
"""

from __future__ import annotations

import json
import re
import shlex

from infrac.backends.emit import to_yaml
from infrac.tools.migrate.plan.deployed import Deployed
from infrac.tools.migrate.plan.model import AWS_ONLY, INLINE_TEMPLATE_BYTES, SIMULATED, Pin, Plan, Step
from infrac.tools.migrate.rehearsal import LOOKUP, Rehearsal

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
    out["plan.sh"] = _script(plan, out)
    return out


PIN_POLICY = "InfracPinnedEventSourcesPolicy"


def pinned_resources(pins: list[Pin]) -> dict[str, Any]:
    """The resources that keep a consumer's event source mappings: each mapping under its
    current logical ID, and one policy on the functions' role with what the framework
    granted for the events (they no longer are events, so it grants nothing now)."""
    resources: dict[str, Any] = {}
    for pin in pins:
        resource = json.loads(json.dumps(pin.resource))
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


def _document(plan: Plan, rehearsal: Rehearsal, deployed: list[Deployed]) -> dict[str, Any]:
    return {
        "format": 1,
        "stage": plan.stage,
        "region": plan.region,
        "strategy": plan.strategy,
        "deployed": [{"stack": d.stack, "file": d.text.path, "kind": d.read.kind} for d in deployed],
        "moves": [
            {"type": m.type, "from": {"stack": m.source_stack, "logical_id": m.source_id},
             "to": {"stack": m.destination_stack, "logical_id": m.destination_id}, "how": m.how,
             "stateful": m.stateful, "changes_after_the_move": list(m.changes)}
            for m in plan.moves
        ],
        "created": [{"stack": s, "logical_id": i} for s, i in plan.creates],
        "steps": [
            {"number": s.number, "title": s.title, "operation": s.operation, "stacks": list(s.stacks),
             "templates": {stack: f"{step_folder(s)}/{stack}.json" for stack in s.templates},
             "resource_mappings": f"{step_folder(s)}/resource-mappings.json" if s.mappings else None,
             "resources_to_import": f"{step_folder(s)}/resources-to-import.json" if s.resources_to_import else None,
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
    lost = [e for e in rehearsal.events if e.action in ("replace", "delete")]
    outcome = ("In the simulation nothing is replaced or deleted." if not lost else
               "In the simulation no stateful resource is replaced or deleted; these others are: "
               + ", ".join(f"`{e.stack}.{e.logical_id}` ({e.type}, {'replaced' if e.action == 'replace' else 'deleted'})"
                           for e in lost) + ".")
    simulated = {int(line.split(":")[0].split()[1]): line.split(":", 1)[1].strip()
                 for line in rehearsal.lines if line.startswith("step ")}
    lines = [
        f"# Move plan, stage `{plan.stage}`, region `{plan.region}`",
        "",
        f"{len(plan.moves)} resources move ({stateful} of them hold data) by "
        + ("stack refactoring" if plan.strategy == "refactor" else "retain and import")
        + f", in {len(plan.steps)} steps. {outcome}",
        "",
        "Run `./plan.sh` (it stops before each step for a yes; `YES=1` skips the questions, "
        "`FROM_STEP=N` starts at step N). Templates larger than 51,200 bytes go through the S3 "
        "bucket named by `TEMPLATE_BUCKET`.",
        "",
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
        "## What moves",
        "",
        "| resource | type | from | to | after the move |",
        "|---|---|---|---|---|",
    ]
    for m in plan.moves:
        renamed = f" (as `{m.destination_id}`)" if m.destination_id != m.source_id else ""
        lines.append(f"| `{m.source_id}`{renamed} | {m.type} | `{m.source_stack}` | `{m.destination_stack}` | "
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


def _script(plan: Plan, out: dict[str, str]) -> str:
    q = shlex.quote
    lines = [
        "#!/usr/bin/env bash",
        f"# Move plan written by infrac plan-move: stage {plan.stage}, {len(plan.moves)} resources, "
        f"{len(plan.steps)} steps. Review plan.md first.",
        "# YES=1 answers every question; FROM_STEP=N starts at step N; TEMPLATE_BUCKET names an S3",
        "# bucket for templates over 51,200 bytes.",
        "set -euo pipefail",
        'cd "$(dirname "$0")"',
        f'export AWS_REGION="${{AWS_REGION:-{plan.region}}}"',
        'ACCOUNT="$(aws sts get-caller-identity --query Account --output text)"',
        'FROM_STEP="${FROM_STEP:-1}"',
        "confirm() {",
        '  [ "${YES:-}" = 1 ] && return 0',
        '  read -r -p "$1 [y/N] " answer; [ "$answer" = y ] || { echo "stopped"; exit 1; }',
        "}",
        "step() {",
        '  [ "$1" -ge "$FROM_STEP" ] || return 1',
        '  printf "\\n== step %s: %s\\n" "$1" "$2"',
        "}",
        "body() {  # --template-body, or --template-url through TEMPLATE_BUCKET for a large template",
        '  if [ "$(wc -c < "$1")" -le ' + str(INLINE_TEMPLATE_BYTES) + ' ]; then echo "TemplateBody@=file://$1"; else',
        '    : "${TEMPLATE_BUCKET:?$1 is over 51,200 bytes: set TEMPLATE_BUCKET to an S3 bucket for templates}"',
        '    aws s3 cp --quiet "$1" "s3://$TEMPLATE_BUCKET/infrac-plan/$1"',
        '    echo "TemplateURL=https://$TEMPLATE_BUCKET.s3.amazonaws.com/infrac-plan/$1"; fi',
        "}",
        "template() {  # the same for a change set: --template-body, or --template-url",
        '  local found; found="$(body "$1")"',
        '  case "$found" in TemplateBody@=*) echo "--template-body ${found#TemplateBody@=}";;',
        '    *) echo "--template-url ${found#TemplateURL=}";; esac',
        "}",
        "account() {  # the file with the account ID filled in",
        '  sed "s/\\${AWS::AccountId}/$ACCOUNT/g" "$1" > "$1.$ACCOUNT"; echo "$1.$ACCOUNT"',
        "}",
        "deploy() {  # stack template",
        '  local bucket=(); [ -n "${TEMPLATE_BUCKET:-}" ] && bucket=(--s3-bucket "$TEMPLATE_BUCKET" --s3-prefix infrac-plan)',
        '  aws cloudformation deploy --stack-name "$1" --template-file "$2" "${bucket[@]}" \\',
        "    --no-fail-on-empty-changeset --capabilities CAPABILITY_IAM CAPABILITY_NAMED_IAM",
        "}",
    ]
    lookups = sorted({
        found for step in plan.steps for entry in step.resources_to_import
        for value in entry["ResourceIdentifier"].values() for found in LOOKUP.findall(value)
    })
    if lookups:
        lines += ["", "# Identifiers AWS generated, read before anything moves."]
        for stack, logical_id in lookups:
            lines.append(f"PHYSICAL_{logical_id}=\"$(aws cloudformation describe-stack-resource --stack-name {q(stack)} "
                         f"--logical-resource-id {q(logical_id)} --query StackResourceDetail.PhysicalResourceId --output text)\"")
        lines += ["account() {  # the file with the account ID and the identifiers above filled in",
                  '  sed -e "s/\\${AWS::AccountId}/$ACCOUNT/g" '
                  + " ".join(f'-e "s/\\${{Physical:{s}:{i}}}/$PHYSICAL_{i}/g"' for s, i in lookups)
                  + ' "$1" > "$1.$ACCOUNT"; echo "$1.$ACCOUNT"', "}"]
    for step in plan.steps:
        folder = step_folder(step)
        lines += ["", f"if step {step.number} {q(step.title)}; then", f"  # effect: {step.effect}",
                  f"  # roll back: {step.rollback}"]
        if step.operation == "refactor":
            definitions = " ".join(f'"StackName={s},$(body {q(folder + "/" + s + ".json")})"' for s in step.templates)
            create = " --enable-stack-creation" if step.enable_stack_creation else ""
            lines += [
                f"  id=\"$(aws cloudformation create-stack-refactor{create} --description {q(step.title[:1000])} \\",
                f"    --stack-definitions {definitions} \\",
                f"    --resource-mappings file://{folder}/resource-mappings.json --query StackRefactorId --output text)\"",
                '  aws cloudformation wait stack-refactor-create-complete --stack-refactor-id "$id"',
                '  aws cloudformation describe-stack-refactor --stack-refactor-id "$id"',
                '  aws cloudformation list-stack-refactor-actions --stack-refactor-id "$id" --output table',
                '  confirm "execute this refactor?"',
                '  aws cloudformation execute-stack-refactor --stack-refactor-id "$id"',
                '  aws cloudformation wait stack-refactor-execute-complete --stack-refactor-id "$id"',
            ]
        elif step.operation == "deploy":
            (stack,) = step.templates
            lines += [f'  confirm "deploy {stack}?"', f"  deploy {q(stack)} {q(folder + '/' + stack + '.json')}"]
        elif step.operation == "import":
            (stack,) = step.templates
            name = f"infrac-import-{step.number}"
            to_import = f"{folder}/resources-to-import.json"
            kind = "IMPORT"
            lines.append(f'  resources="$(account {q(to_import)})"')
            lines += [
                f"  aws cloudformation create-change-set --stack-name {q(stack)} --change-set-name {name} "
                f"--change-set-type {kind} \\",
                f"    --resources-to-import \"file://$resources\" $(template {q(folder + '/' + stack + '.json')}) "
                "--capabilities CAPABILITY_IAM CAPABILITY_NAMED_IAM",
                f"  aws cloudformation wait change-set-create-complete --stack-name {q(stack)} --change-set-name {name}",
                f"  aws cloudformation describe-change-set --stack-name {q(stack)} --change-set-name {name} --output table",
                f'  confirm "import into {stack}?"',
                f"  aws cloudformation execute-change-set --stack-name {q(stack)} --change-set-name {name}",
                f"  aws cloudformation wait stack-import-complete --stack-name {q(stack)}",
            ]
        else:
            lines += [
                "  echo 'Apply consumers/*.pinned.yml to each service (see plan.md, Consumers), then deploy it,'",
                "  echo 'e.g. `serverless deploy --stage " + plan.stage + "` in its folder.'",
                '  confirm "deployed the consumers?"',
            ]
        lines.append("fi")
    lines += ["", 'echo "done: every step of the plan ran"']
    return "\n".join(lines) + "\n"
