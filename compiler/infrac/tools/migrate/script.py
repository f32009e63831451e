"""``plan.sh``: a move plan as AWS CLI commands, one step at a time, each shown before it runs.

What the script holds to (the tests run it, step by step, against a stand-in ``aws`` command
backed by infrac's simulator, and through shellcheck):

- every change is reviewed first: an ordinary deploy is a change set (``create-change-set``,
  its changes printed, then executed when you agree), an import a change set of type
  ``IMPORT``, a refactor is created and its actions listed before it is executed;
- identifiers AWS generated are read (``describe-stack-resource``) before anything moves and
  kept in ``run/``, so that a run resumed with ``FROM_STEP=N`` after a failure still has them;
- no value is substituted into a file: the resources to import are written as JSON by
  ``printf``, each value escaped for JSON (``/``, ``:``, ``&`` need nothing; ``"`` and ``\\``
  are escaped), and every other value is passed as an argument, quoted for the shell;
- templates over 51,200 bytes go through the S3 bucket named by ``TEMPLATE_BUCKET``;
- the consumers' step runs the Serverless Framework (``SERVERLESS``, default ``serverless``)
  in each consumer's service folder with its service file (``--config``).

Pure: returns the script's text.
"""

from __future__ import annotations

import json
import re
import shlex

from infrac.tools.migrate.plan.model import INLINE_TEMPLATE_BYTES, Plan, Step

TYPE_CHECKING = False  # typing's own constant, without importing typing
if TYPE_CHECKING:
    from collections.abc import Callable

q = shlex.quote

#: ``${Physical:stack:LogicalId}`` in an import identifier: the physical ID AWS gave the resource.
LOOKUP = re.compile(r"\$\{Physical:([^:}]+):([A-Za-z0-9]+)\}")
_PLACEHOLDER = re.compile(r"\$\{(AWS::AccountId|Physical:[^:}]+:[A-Za-z0-9]+)\}")

PRELUDE = r'''set -euo pipefail
cd "$(dirname "$0")"
export AWS_REGION="${AWS_REGION:-@REGION@}"
FROM_STEP="${FROM_STEP:-1}"
STEP=0
RUN=run  # what the script keeps between runs: the identifiers it read before anything moved
mkdir -p "$RUN"

confirm() {
  [ "${YES:-}" = 1 ] && return 0
  local answer=
  printf '%s [y/N] ' "$1"  # printed here: `read -p` shows its prompt only on a terminal
  read -r answer || true
  [ "$answer" = y ] || { echo "stopped before step $STEP is done; FROM_STEP=$STEP resumes there"; exit 1; }
}

step() {  # number title: whether to run the step (FROM_STEP skips those before it)
  STEP=$1
  [ "$1" -ge "$FROM_STEP" ] || return 1
  printf '\n== step %s: %s\n' "$1" "$2"
}

json_text() {  # a string as the inside of a JSON string: backslashes and double quotes escaped
  local text=$1
  case "$text" in *[[:cntrl:]]*) echo "unexpected control character in \"$text\"" >&2; exit 1;; esac
  text=${text//\\/\\\\}
  text=${text//\"/\\\"}
  printf '%s' "$text"
}

upload() {  # file: its S3 URL, once copied to TEMPLATE_BUCKET (for a template over 51,200 bytes)
  : "${TEMPLATE_BUCKET:?$1 is over 51,200 bytes: set TEMPLATE_BUCKET to an S3 bucket for templates}"
  aws s3 cp --quiet "$1" "s3://$TEMPLATE_BUCKET/infrac-plan/$1" >&2
  printf 'https://%s.s3.amazonaws.com/infrac-plan/%s' "$TEMPLATE_BUCKET" "$1"
}

large() {  # file: whether it is too large to pass inline
  [ "$(wc -c < "$1")" -gt @INLINE@ ]
}

template_args() {  # file: sets TEMPLATE to the arguments that pass it (--template-body or --template-url)
  if large "$1"; then TEMPLATE=(--template-url "$(upload "$1")"); else TEMPLATE=(--template-body "file://$1"); fi
}

stack_definition() {  # stack file: one --stack-definitions entry, for create-stack-refactor
  if large "$2"; then printf 'StackName=%s,TemplateURL=%s' "$1" "$(upload "$2")"
  else printf 'StackName=%s,TemplateBody@=file://%s' "$1" "$2"; fi
}

physical() {  # stack logical-id: the physical ID, read once and kept in $RUN
  local kept="$RUN/physical-$1-$2"
  if [ ! -s "$kept" ]; then
    aws cloudformation describe-stack-resource --stack-name "$1" --logical-resource-id "$2" \
      --query StackResourceDetail.PhysicalResourceId --output text > "$kept.part"
    mv "$kept.part" "$kept"
  fi
  cat "$kept"
}

review() {  # stack change-set: print the changes
  aws cloudformation describe-change-set --stack-name "$1" --change-set-name "$2" \
    --query 'Changes[].ResourceChange.[Action,LogicalResourceId,ResourceType,Replacement]' --output table
}

change_set() {  # stack file CREATE|UPDATE|IMPORT [resources-to-import]: a change set, reviewed, then executed
  local stack=$1 file=$2 kind=$3 name reason
  name="infrac-step-$STEP-$(date +%s)"
  template_args "$file"
  local more=()
  [ "$kind" = IMPORT ] && more=(--resources-to-import "file://$4")
  aws cloudformation create-change-set --stack-name "$stack" --change-set-name "$name" --change-set-type "$kind" \
    "${TEMPLATE[@]}" "${more[@]}" --capabilities CAPABILITY_IAM CAPABILITY_NAMED_IAM CAPABILITY_AUTO_EXPAND > /dev/null
  if ! aws cloudformation wait change-set-create-complete --stack-name "$stack" --change-set-name "$name"; then
    reason="$(aws cloudformation describe-change-set --stack-name "$stack" --change-set-name "$name" \
      --query StatusReason --output text)"
    case "$reason" in
      *"didn't contain changes"*|*"No updates are to be performed"*)
        echo "$stack: nothing to change"
        aws cloudformation delete-change-set --stack-name "$stack" --change-set-name "$name"
        return 0;;
    esac
    echo "$stack: the change set failed: $reason" >&2
    exit 1
  fi
  review "$stack" "$name"
  confirm "execute this change set on $stack?"
  aws cloudformation execute-change-set --stack-name "$stack" --change-set-name "$name"
  case "$kind" in
    CREATE) aws cloudformation wait stack-create-complete --stack-name "$stack";;
    IMPORT) aws cloudformation wait stack-import-complete --stack-name "$stack";;
    *) aws cloudformation wait stack-update-complete --stack-name "$stack";;
  esac
}

refactor() {  # title mappings [--enable-stack-creation] -- stack file ...: a refactor, reviewed, then executed
  local title=$1 mappings=$2 id
  shift 2
  local create=()
  if [ "$1" = --enable-stack-creation ]; then create=(--enable-stack-creation); shift; fi
  shift  # --
  local definitions=()
  while [ "$#" -gt 0 ]; do definitions+=("$(stack_definition "$1" "$2")"); shift 2; done
  id="$(aws cloudformation create-stack-refactor "${create[@]}" --description "$title" \
    --stack-definitions "${definitions[@]}" --resource-mappings "file://$mappings" \
    --query StackRefactorId --output text)"
  aws cloudformation wait stack-refactor-create-complete --stack-refactor-id "$id"
  aws cloudformation describe-stack-refactor --stack-refactor-id "$id"
  aws cloudformation list-stack-refactor-actions --stack-refactor-id "$id" --output table
  confirm "execute this refactor?"
  aws cloudformation execute-stack-refactor --stack-refactor-id "$id"
  aws cloudformation wait stack-refactor-execute-complete --stack-refactor-id "$id"
}
'''


def script(plan: Plan, folder: Callable[[Step], str]) -> str:
    """The text of ``plan.sh``; ``folder`` names each step's folder of templates."""
    lines = [
        "#!/usr/bin/env bash",
        f"# Move plan written by infrac plan-move: stage {plan.stage}, {len(plan.moves)} resources, "
        f"{len(plan.steps)} steps. Review plan.md first.",
        "# YES=1 answers every question; FROM_STEP=N starts at step N (after a failure, the step that failed);",
        "# TEMPLATE_BUCKET names an S3 bucket for templates over 51,200 bytes; SERVERLESS is the Serverless",
        "# Framework's command (default: serverless).",
        *PRELUDE.replace("@REGION@", plan.region).replace("@INLINE@", str(INLINE_TEMPLATE_BYTES)).splitlines(),
    ]
    lookups = sorted({lookup for step in plan.steps for lookup in step.lookups})
    accounts = any("${AWS::AccountId}" in json.dumps(entry) for step in plan.steps for entry in step.resources_to_import)
    names: dict[tuple[str, str], str] = {}
    if accounts or lookups:
        lines += ["", "# Read before anything moves (kept in $RUN for a resumed run)."]
    if accounts:
        lines += ['ACCOUNT="$(aws sts get-caller-identity --query Account --output text)"',
                  '[[ "$ACCOUNT" =~ ^[0-9]{12}$ ]] || { echo "unexpected account ID: $ACCOUNT" >&2; exit 1; }']
    for number, (stack, logical_id) in enumerate(lookups, 1):
        names[(stack, logical_id)] = f"PHYSICAL_{number}"
        lines.append(f'PHYSICAL_{number}="$(physical {q(stack)} {q(logical_id)})"  # {stack}.{logical_id}')
    for step in plan.steps:
        where = folder(step)
        lines += ["", f"if step {step.number} {q(step.title)}; then", *_comment("effect", step.effect),
                  *_comment("roll back", step.rollback)]
        if step.operation == "refactor":
            arguments = [q(step.title[:1000]), q(f"{where}/resource-mappings.json")]
            if step.enable_stack_creation:
                arguments.append("--enable-stack-creation")
            arguments.append("--")
            arguments += [f"{q(stack)} {q(where + '/' + stack + '.json')}" for stack in step.templates]
            lines.append("  refactor " + " \\\n    ".join(arguments))
        elif step.operation == "deploy":
            (stack,) = step.templates
            kind = "UPDATE" if _exists_before(plan, step, stack) else "CREATE"
            lines.append(f"  change_set {q(stack)} {q(where + '/' + stack + '.json')} {kind}")
        elif step.operation == "import":
            (stack,) = step.templates
            target = f'"$RUN/resources-to-import-{step.number}.json"'
            lines.append("  {")
            lines.append("    printf '[\\n'")
            for index, entry in enumerate(step.resources_to_import):
                head = json.dumps({"ResourceType": entry["ResourceType"], "LogicalResourceId": entry["LogicalResourceId"]})
                keys = list(entry["ResourceIdentifier"])
                template = head[:-1] + ', "ResourceIdentifier": {' + ", ".join(
                    json.dumps(k) + ': "%s"' for k in keys) + "}}" + (",\\n" if index < len(step.resources_to_import) - 1
                                                                     else "\\n")
                values = " ".join(f'"$(json_text {_shell_value(entry["ResourceIdentifier"][k], names)})"' for k in keys)
                lines.append(f"    printf {q(template)} {values}")
            lines.append("    printf ']\\n'")
            lines.append(f"  }} > {target}")
            kind = "IMPORT"
            lines.append(f"  change_set {q(stack)} {q(where + '/' + stack + '.json')} {kind} {target}")
        else:
            for stack, service, config in step.services:
                pinned = [p for p in plan.pins if p.stack == stack]
                if pinned:
                    lines.append(f"  echo {q(f'First apply consumers/{stack}.pinned.yml to {service}/{config} (plan.md, Consumers).')}")
                command = f"serverless deploy --config {config} --stage {plan.stage}"
                lines += [
                    f"  confirm {q(f'deploy {stack}: `{command}` in {service}?')}",
                    f'  (cd {q(service)} && "${{SERVERLESS:-serverless}}" deploy --config {q(config)} --stage {q(plan.stage)})',
                ]
        lines.append("fi")
    lines += ["", 'echo "done: every step of the plan ran"']
    return "\n".join(lines) + "\n"


def _exists_before(plan: Plan, step: Step, stack: str) -> bool:
    """Whether the stack exists when the step runs: deployed, or made by an earlier step."""
    deployed = {f.stack for f in plan.fates}
    return stack in deployed or any(stack in s.templates for s in plan.steps if s.number < step.number)


def _comment(label: str, text: str) -> list[str]:
    words = f"{label}: {text}".split()
    lines, line = [], "  #"
    for word in words:
        if len(line) + len(word) + 1 > 110:
            lines.append(line)
            line = "  #  "
        line += " " + word
    return [*lines, line]


def _shell_value(value: str, names: dict[tuple[str, str], str]) -> str:
    """An identifier with placeholders, as one shell word: literal parts quoted, the account and
    the looked-up physical IDs as variables."""
    parts = []
    position = 0
    for match in _PLACEHOLDER.finditer(value):
        if match.start() > position:
            parts.append(q(value[position:match.start()]))
        inside = match.group(1)
        if inside == "AWS::AccountId":
            parts.append('"$ACCOUNT"')
        else:
            _, stack, logical_id = inside.split(":")
            parts.append(f'"${names[(stack, logical_id)]}"')
        position = match.end()
    if position < len(value) or not parts:
        parts.append(q(value[position:]))
    return "".join(parts)
