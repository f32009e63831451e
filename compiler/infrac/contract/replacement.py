"""Replacement awareness: which changes make CloudFormation replace a resource.

A resource is replaced (a new physical resource is created and the old one
deleted) when a property its schema lists in ``createOnlyProperties`` changes
(a table's or a bucket's name, a queue's FIFO flag), when one of the
``conditionalCreateOnlyProperties`` changes in a way that needs it (a table's
key schema), when its type changes, and when its logical ID changes.

``record`` reads those values off the stacks as the backend renders them
(``{stage}`` kept symbolic, as the linker does), per stack and logical ID;
``infrac build`` keeps the record in ``infra.lock`` under ``resources``.
``compare`` reads the record of the last build and says what this version
would replace: an error (E0720) for a resource that holds data (a table, a
bucket, a queue, a user pool) or that the source retains, unless the source
acknowledges it with ``replace = "why"``; a warning (W0720) otherwise. Pure.
"""

from __future__ import annotations

import json

from infrac.cfn.schemas import schema
from infrac.contract.linker import rendered_resources
from infrac.contract.record import kept_record, owners_of, stack_record
from infrac.diagnostics import Diagnostic, diagnostic
from infrac.model import Program, Resource

TYPE_CHECKING = False  # typing's own constant, without importing typing
if TYPE_CHECKING:
    from typing import Any

#: Types whose resources hold data that a replacement does not carry over, by what to call them.
STATEFUL = {
    "AWS::DynamoDB::Table": "table",
    "AWS::S3::Bucket": "bucket",
    "AWS::SQS::Queue": "queue",
    "AWS::Cognito::UserPool": "user pool",
}

#: What is lost when each stateful type is replaced.
LOST = {
    "AWS::DynamoDB::Table": "its items are not copied to the new table",
    "AWS::S3::Bucket": "its objects are not copied to the new bucket",
    "AWS::SQS::Queue": "messages waiting in it are lost, and its URL and ARN change",
    "AWS::Cognito::UserPool": "its users and their passwords are not carried over",
}

#: Conditional create-only properties that replace the resource whenever they change
#: (AWS's schema lists them as "may replace"; for these, every change does).
ALWAYS = {("AWS::DynamoDB::Table", "KeySchema")}


def record(program: Program) -> dict[str, dict[str, dict[str, Any]]]:
    """Per stack and logical ID: the type, the source resource that declares it, and
    the values of its replacement-triggering properties (those set). Made once per
    program (kept in ``Program.memo``), from what the linker kept of each stack's
    rendering; callers must not change it."""
    if "replacement.record" not in program.memo:
        out: dict[str, dict[str, dict[str, Any]]] = {}
        for stack in program.stacks:
            entries = kept_record(program, stack)
            if entries is None:
                entries = stack_record(stack, rendered_resources(program, stack))
            if entries:
                out[stack.name] = entries
        program.memo["replacement.record"] = out
    return program.memo["replacement.record"]


def read(text: str) -> dict[str, dict[str, dict[str, Any]]]:
    """The record in a lock's text; empty for a lock written before it existed, or unreadable."""
    try:
        document = json.loads(text)
    except ValueError:
        return {}
    return from_document(document)


def from_document(document: Any) -> dict[str, dict[str, dict[str, Any]]]:
    """:func:`read`, of a lock already parsed as JSON."""
    resources = document.get("resources") if isinstance(document, dict) else None
    if not isinstance(resources, dict):
        return {}
    return {
        stack: {lid: e for lid, e in entries.items() if isinstance(e, dict)}
        for stack, entries in resources.items()
        if isinstance(entries, dict)
    }


def compare(previous: dict[str, dict[str, dict[str, Any]]], program: Program, path: str) -> list[Diagnostic]:
    """What this version would replace, against the record of the last build."""
    if not previous:
        return []
    now = record(program)
    found: list[Diagnostic] = []
    # the program's stacks that the record knows, in the record's order (by name): a group of
    # an incremental build is compared with the whole project's record, and walking the
    # record instead made a first build quadratic (every group looked up every stack)
    for stack_name in sorted({stack.name for stack in program.stacks if stack.name in previous}):
        entries = previous[stack_name]
        stack = program.stack(stack_name)
        current = now.get(stack_name, {})
        owners = owners_of(stack)
        for logical_id, before in sorted(entries.items()):
            after = current.get(logical_id)
            if after is None:
                renamed = [
                    lid for lid, entry in current.items()
                    if lid not in entries and entry.get("resource") == before.get("resource")
                    and entry.get("type") == before.get("type") and before.get("resource")
                ]
                if len(renamed) == 1:
                    found.append(_renamed(before, logical_id, renamed[0], owners[renamed[0]], path))
                continue
            owner = owners.get(logical_id)
            if owner is None:
                continue
            if after.get("type") != before.get("type"):
                found.append(_replaced(owner, logical_id, str(after["type"]), "the type",
                                       before.get("type"), after.get("type"), path))
                continue
            if not isinstance(before.get("replacing", {}), dict):
                continue  # a damaged entry says nothing about what was deployed
            old, new = before.get("replacing", {}), after.get("replacing") or {}
            changed = [name for name in sorted(set(old) | set(new)) if old.get(name) != new.get(name)]
            if changed:
                found.append(_replaced(owner, logical_id, str(after["type"]), changed[0], old.get(changed[0]),
                                       new.get(changed[0]), path,
                                       [f"`{n}` changes too, from {_show(old.get(n))} to {_show(new.get(n))}"
                                        for n in changed[1:]]))
    return found


def _show(value: Any) -> str:
    if value is None:
        return "not set"
    text = json.dumps(value, sort_keys=True, ensure_ascii=False)
    return f"`{text if len(text) <= 80 else text[:77] + '...'}`"


def _severity(owner: Resource, type_name: str) -> tuple[str, str]:
    """(code, why it matters) for a replacement of ``owner``'s resource of ``type_name``."""
    retained = "Retain" in (owner.values.get("deletion_policy"), owner.values.get("update_replace_policy"))
    acknowledged = owner.values.get("replace") is not None
    if type_name in STATEFUL:
        why = f"a new {STATEFUL[type_name]} is created and the old one deleted: {LOST[type_name]}"
    else:
        why = "a new physical resource is created and the old one deleted; its ARN and name may change"
    if retained and type_name not in STATEFUL:
        why += "; the source retains this resource, so something depends on keeping it"
    serious = (type_name in STATEFUL or retained) and not acknowledged
    return ("E0720" if serious else "W0720"), why


def _replaced(
    owner: Resource, logical_id: str, type_name: str, name: str, old: Any, new: Any, path: str,
    more: list[str] | None = None,
) -> Diagnostic:
    code, why = _severity(owner, type_name)
    conditional = (type_name, name) not in ALWAYS and name in (schema(type_name).conditional_create_only
                                                               if schema(type_name) else ())
    verb = "may replace" if conditional else "replaces"
    what = logical_id if logical_id == owner.logical_id else f"{logical_id} (of `{owner.name}`)"
    return diagnostic(
        code,
        f"this change {verb} `{what}`: `{name}` changes from {_show(old)} to {_show(new)}",
        owner.name_span,
        label=f"{type_name} `{name}` cannot change in place",
        notes=[*(more or []), f"{path} records the value deployed by the last build", why],
        hint=_hint(code, owner),
    )


def _renamed(before: dict, old_id: str, new_id: str, owner: Resource, path: str) -> Diagnostic:
    type_name = str(before.get("type"))
    code, why = _severity(owner, type_name)
    return diagnostic(
        code,
        f"logical ID `{old_id}` becomes `{new_id}`: CloudFormation replaces the resource",
        owner.name_span,
        label="a new logical ID is a new resource",
        notes=[f"{path} records `{old_id}` for `{owner.name}`", why],
        hint=f"keep the logical ID with `id = \"{old_id}\"`" + (
            "" if code == "W0720" else ', or acknowledge the replacement with `replace = "why"`'),
    )


def _hint(code: str, owner: Resource) -> str:
    if code == "E0720":
        return ('undo the change, or acknowledge the replacement in the source with `replace = "why"` '
                "once the data is safe elsewhere")
    if owner.values.get("replace") is not None:
        return "acknowledged with `replace`; remove it after the next deploy"
    return "undo the change if the resource must stay the same one"
