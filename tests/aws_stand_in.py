"""A stand-in for the ``aws`` command, backed by infrac's CloudFormation simulator, so that the
tests run a plan's ``plan.sh`` itself, step by step.

It answers the commands ``plan.sh`` uses, with the arguments and output formats the AWS CLI v2
has for them (``--template-body file://``, shorthand ``StackName=...,TemplateBody@=file://...``,
``--query ... --output text``), and keeps the account between calls in a pickle
(``AWS_STAND_IN_STATE``): its stacks and physical resources, change sets, refactors, the S3
objects ``aws s3 cp`` uploaded, and every call it got (``calls``), for the tests to read.

``AWS_STAND_IN_FAIL_ONCE=<command>`` makes the first call of that command (``execute-stack-refactor``,
``execute-change-set``) fail, as a call to AWS can, so that a test can resume the script.

Not a product file: a test's tool. ``python aws_stand_in.py serverless ...`` is the stand-in for
the Serverless Framework's ``deploy``: it deploys the template named by
``AWS_STAND_IN_PACKAGED_<stack>`` (a template the real framework packaged) onto the account.
"""

from __future__ import annotations

import copy
import json
import os
import pickle
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "compiler"))

from infrac.tools.migrate.rehearsal import with_stand_ins  # noqa: E402
from infrac.tools.migrate.simulator import Account  # noqa: E402
from infrac.tools.migrate.simulator.model import Refused  # noqa: E402


class Failure(Exception):
    """The AWS CLI's failure: a message on stderr and exit status 255 (254 for a service error)."""


def load() -> dict:
    return pickle.loads(Path(os.environ["AWS_STAND_IN_STATE"]).read_bytes())


def save(state: dict) -> None:
    path = Path(os.environ["AWS_STAND_IN_STATE"])
    path.with_suffix(".part").write_bytes(pickle.dumps(state))
    path.with_suffix(".part").replace(path)


def options(arguments: list[str]) -> dict[str, list[str]]:
    """``--name value...`` -> {name: [values]}; a flag alone has no value."""
    found: dict[str, list[str]] = {}
    name = None
    for argument in arguments:
        if argument.startswith("--"):
            name = argument[2:]
            found.setdefault(name, [])
        elif name is not None:
            found[name].append(argument)
        else:
            raise Failure(f"unexpected argument {argument!r}")
    return found


def one(found: dict[str, list[str]], name: str) -> str:
    values = found.get(name)
    if not values or len(values) != 1:
        raise Failure(f"aws: error: argument --{name} expects one value, got {values!r}")
    return values[0]


def file_value(text: str, state: dict) -> str:
    """A parameter's value: ``file://path`` is the file's content; an S3 URL of an uploaded object, its content."""
    if text.startswith("file://"):
        return Path(text[len("file://"):]).read_text(encoding="utf-8")
    if text.startswith("https://") and ".s3.amazonaws.com/" in text:
        bucket = text[len("https://"):].split(".s3.amazonaws.com/", 1)[0]
        key = text.split(".s3.amazonaws.com/", 1)[1]
        if (bucket, key) not in state["s3"]:
            raise Failure(f"An error occurred (ValidationError): S3 error: Access Denied for {text}")
        return state["s3"][(bucket, key)]
    return text


def template_of(found: dict[str, list[str]], state: dict) -> dict:
    if "template-body" in found:
        return json.loads(file_value(one(found, "template-body"), state))
    if "template-url" in found:
        return json.loads(file_value(one(found, "template-url"), state))
    raise Failure("aws: error: one of --template-body or --template-url is required")


def shorthand(text: str, state: dict) -> dict[str, str]:
    """``StackName=x,TemplateBody@=file://y``: the AWS CLI v2's shorthand with ``@=`` loading a file."""
    found = {}
    for part in text.split(","):
        if "@=" in part:
            key, value = part.split("@=", 1)
            found[key] = file_value(value, state)
        else:
            key, value = part.split("=", 1)
            found[key] = value
    return found


def text_output(value, query_output: bool) -> str:
    return value if isinstance(value, str) else json.dumps(value, indent=2)


def dry_run(account: Account, operation) -> tuple[list, str | None]:
    """The events an operation would have, or why it is refused, the account left as it was."""
    trial = copy.deepcopy(account)
    try:
        return operation(trial), None
    except Refused as refusal:
        return [], str(refusal)


def cloudformation(command: str, found: dict[str, list[str]], state: dict) -> str:
    account: Account = state["account"]
    if command == "describe-stack-resource":
        stack, logical_id = one(found, "stack-name"), one(found, "logical-resource-id")
        try:
            identifier = account.physical_id(stack, logical_id)
        except Refused as refusal:
            raise Failure(f"An error occurred (ValidationError) when calling the DescribeStackResource operation: "
                          f"{refusal}") from None
        return identifier.split("|")[-1]
    if command == "create-change-set":
        stack, name, kind = one(found, "stack-name"), one(found, "change-set-name"), one(found, "change-set-type")
        template = with_stand_ins(template_of(found, state))[0]
        exists = stack in account.stacks
        if kind == "UPDATE" and not exists or kind == "CREATE" and exists:
            raise Failure(f"An error occurred (ValidationError): Stack [{stack}] {'does not exist' if not exists else 'already exists'}")
        if kind == "IMPORT":
            to_import = json.loads(file_value(one(found, "resources-to-import"), state))
            state["imported"].append(to_import)
            events, reason = dry_run(account, lambda a: a.import_resources(stack, template, to_import))
        else:
            to_import = None
            events, reason = dry_run(account, lambda a: a.deploy(stack, template))
            if reason is None and exists and template == account.stacks[stack].template:
                reason = "The submitted information didn't contain changes. Submit different information to create a change set."
        state["change_sets"][(stack, name)] = {"kind": kind, "template": template, "to_import": to_import,
                                               "events": events, "reason": reason}
        return json.dumps({"Id": f"arn:aws:cloudformation:{account.region}:{account.account_id}:changeSet/{name}"})
    if command in ("describe-change-set", "delete-change-set", "execute-change-set"):
        key = (one(found, "stack-name"), one(found, "change-set-name"))
        change_set = state["change_sets"].get(key)
        if change_set is None:
            raise Failure(f"An error occurred (ChangeSetNotFound): ChangeSet [{key[1]}] does not exist")
        if command == "delete-change-set":
            del state["change_sets"][key]
            return ""
        if command == "describe-change-set":
            if found.get("query") == ["StatusReason"]:
                return change_set["reason"] or "None"
            return "\n".join(f"|  {e.action:<8} | {e.logical_id:<40} | {e.type:<32} |" for e in change_set["events"])
        if change_set["reason"] is not None:
            raise Failure(f"An error occurred (InvalidChangeSetStatus): ChangeSet [{key[1]}] cannot be executed "
                          f"in its current status of [FAILED]")
        fail_once(command, state)
        stack = key[0]
        try:
            if change_set["kind"] == "IMPORT":
                account.import_resources(stack, change_set["template"], change_set["to_import"])
            else:
                account.deploy(stack, change_set["template"])
        except Refused as refusal:
            state["failed"] = str(refusal)
        del state["change_sets"][key]
        return ""
    if command == "create-stack-refactor":
        definitions = {}
        for text in found.get("stack-definitions", []):
            definition = shorthand(text, state)
            body = definition.get("TemplateBody") or file_value(definition["TemplateURL"], state)
            definitions[definition["StackName"]] = with_stand_ins(json.loads(body))[0]
        mappings = json.loads(file_value(one(found, "resource-mappings"), state))
        create = "enable-stack-creation" in found
        events, reason = dry_run(account, lambda a: a.refactor(definitions, mappings, create))
        identifier = f"refactor-{len(state['refactors']) + 1}"
        state["refactors"][identifier] = {"definitions": definitions, "mappings": mappings, "create": create,
                                          "events": events, "reason": reason,
                                          "description": one(found, "description")}
        return identifier
    if command in ("describe-stack-refactor", "list-stack-refactor-actions", "execute-stack-refactor"):
        refactor = state["refactors"][one(found, "stack-refactor-id")]
        if command == "describe-stack-refactor":
            return json.dumps({"Description": refactor["description"], "StackIds": sorted(refactor["definitions"]),
                               "Status": "CREATE_FAILED" if refactor["reason"] else "CREATE_COMPLETE",
                               "StatusReason": refactor["reason"] or ""}, indent=2)
        if command == "list-stack-refactor-actions":
            return "\n".join(f"|  MOVE  | {e.logical_id:<40} | {e.detail:<50} |" for e in refactor["events"])
        if refactor["reason"]:
            raise Failure(f"An error occurred (ValidationError): the refactor's status is CREATE_FAILED: {refactor['reason']}")
        fail_once(command, state)
        account.refactor(refactor["definitions"], refactor["mappings"], refactor["create"])
        refactor["executed"] = True
        return ""
    raise Failure(f"aws: error: the stand-in does not know `cloudformation {command}`")


def wait(what: str, found: dict[str, list[str]], state: dict) -> str:
    if what == "change-set-create-complete":
        change_set = state["change_sets"].get((one(found, "stack-name"), one(found, "change-set-name")))
        if change_set is None or change_set["reason"] is not None:
            raise Failure('Waiter ChangeSetCreateComplete failed: Waiter encountered a terminal failure state: '
                          'For expression "Status" we matched expected path: "FAILED"')
        return ""
    if what == "stack-refactor-create-complete":
        if state["refactors"][one(found, "stack-refactor-id")]["reason"]:
            raise Failure("Waiter StackRefactorCreateComplete failed: terminal failure state CREATE_FAILED")
        return ""
    if what in ("stack-create-complete", "stack-update-complete", "stack-import-complete",
                "stack-refactor-execute-complete"):
        failed = state.pop("failed", None)
        if failed:
            raise Failure(f"Waiter {what} failed: the operation rolled back: {failed}")
        return ""
    raise Failure(f"aws: error: the stand-in does not know `cloudformation wait {what}`")


def fail_once(command: str, state: dict) -> None:
    if os.environ.get("AWS_STAND_IN_FAIL_ONCE") == command and command not in state["failed_once"]:
        state["failed_once"].append(command)
        raise Failure(f"An error occurred (Throttling) when calling {command}: Rate exceeded")


def main(argv: list[str]) -> int:
    state = load()
    state["calls"].append({"argv": argv, "cwd": os.getcwd()})
    try:
        if argv[:1] == ["serverless"]:
            output = serverless(argv[1:], state)
        elif argv[:2] == ["sts", "get-caller-identity"]:
            output = state["account"].account_id
        elif argv[:2] == ["s3", "cp"]:
            found = [a for a in argv[2:] if not a.startswith("--")]
            source, target = found
            bucket, key = target[len("s3://"):].split("/", 1)
            state["s3"][(bucket, key)] = Path(source).read_text(encoding="utf-8")
            output = ""
        elif argv[:2] == ["cloudformation", "wait"]:
            output = wait(argv[2], options(argv[3:]), state)
        elif argv[:1] == ["cloudformation"]:
            output = cloudformation(argv[1], options(argv[2:]), state)
        else:
            raise Failure(f"aws: error: the stand-in does not know {argv[:2]}")
    except Failure as failure:
        save(state)
        print(failure, file=sys.stderr)
        return 255
    save(state)
    if output:
        print(output)
    return 0


def serverless(argv: list[str], state: dict) -> str:
    """``serverless deploy --config FILE --stage STAGE``: the packaged template named for this
    service's stack deployed onto the account."""
    found = options(argv[1:])
    if argv[:1] != ["deploy"] or "config" not in found or "stage" not in found:
        raise Failure(f"serverless: expected `deploy --config FILE --stage STAGE`, got {argv}")
    config = one(found, "config")
    if not Path(config).is_file():
        raise Failure(f'Invalid "--config" value: Cannot find "{config}" in service folder')
    stack = state["services"][os.getcwd()]
    template = json.loads(Path(os.environ[f"AWS_STAND_IN_PACKAGED_{stack.replace('-', '_')}"]).read_text())
    try:
        state["account"].deploy(stack, with_stand_ins(template)[0])
    except Refused as refusal:
        raise Failure(f"Error: CloudFormation rolled back the deploy of {stack}: {refusal}") from None
    return f"Service deployed to stack {stack}"


def new_state(account: Account, services: dict[str, str] | None = None) -> dict:
    """A state file's content for an account (its stacks deployed already)."""
    return {"account": account, "calls": [], "change_sets": {}, "refactors": {}, "s3": {}, "imported": [],
            "failed_once": [], "services": dict(services or {})}


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
