"""Replacements and deletions in a diff: what triggers them, and what they cost.

The rules are CloudFormation's as :mod:`infrac.tools.migrate.simulator` models them (and
``tests/test_diff.py`` runs both on the same changes):

- a resource is replaced when its type changes, when a create-only property changes, or a
  conditionally create-only one (then it *may* be; a table's key always is), when its
  logical ID changes, and when a create-only property refers to a resource that is replaced
  (its new physical resource gives the reference a new value);
- the old physical resource is deleted, unless its ``UpdateReplacePolicy`` (for a
  replacement) or ``DeletionPolicy`` (for a deletion) is ``Retain``: then it stays in the
  account, no longer managed by the stack;
- an update in place that the service refuses (a table's second index added in one update)
  is refused, by the rules of :mod:`infrac.cfn.updates`;
- a custom-named resource cannot be replaced under the same name: CloudFormation creates
  the new one first and refuses ("CloudFormation cannot update a stack when a custom-named
  resource requires replacing"), and a new logical ID with the old name is refused the same
  way ("already exists").
"""

from __future__ import annotations

from infrac.cfn.schemas import schema
from infrac.tools.diff.model import DELETE, MODIFY, REPLACE, Change, ResourceDiff, at
from infrac.tools.diff.sides import StackSide, identifier_keys

TYPE_CHECKING = False  # typing's own constant, without importing typing
if TYPE_CHECKING:
    from typing import Any

    from infrac.tools.diff.canon import Canon


def renamed(before: StackSide, after: StackSide, removed: list[str], added: list[str]) -> dict[str, str]:
    """New logical ID -> old one, for the resources whose logical ID changes: the same source
    resource and type (or, where the old side does not name its resources, the same type
    and the same custom name)."""
    pairs: dict[str, str] = {}
    for new_id in added:
        new_type = after.record.get(new_id, {}).get("type")
        owner = after.names.get(new_id)
        candidates = [
            old_id for old_id in removed
            if before.record.get(old_id, {}).get("type") == new_type
            and owner is not None and before.names.get(old_id) == owner
        ]
        if not candidates and not before.names and before.template is not None:
            candidates = [
                old_id for old_id in removed
                if before.record.get(old_id, {}).get("type") == new_type
                and _same_name(before.resources.get(old_id), after.resources.get(new_id), str(new_type))
            ]
        if len(candidates) == 1 and candidates[0] not in pairs.values():
            pairs[new_id] = candidates[0]
    return pairs


def _same_name(old: dict | None, new: dict | None, type_name: str) -> bool:
    keys = identifier_keys(type_name)
    if not keys or old is None or new is None:
        return False
    a, b = old.get("Properties") or {}, new.get("Properties") or {}
    return all(k in a and k in b for k in keys) and all(a[k] == b[k] for k in keys)


def triggers(by_id: dict[str, ResourceDiff], before: StackSide, after: StackSide, canon: Canon) -> None:
    """Mark the resources that a type or create-only change replaces."""
    for diffed in by_id.values():
        if diffed.action != MODIFY:
            continue
        if diffed.old_type != diffed.type:
            _replace(diffed, ["the type"], True)
            continue
        old = before.record.get(diffed.logical_id, {}).get("replacing") or {}
        new = after.record.get(diffed.logical_id, {}).get("replacing") or {}
        if not isinstance(old, dict):
            continue
        changed = [p for p in sorted(set(old) | set(new)) if canon(old.get(p)) != canon(new.get(p))]
        if changed:
            _replace(diffed, changed, any(_certain(diffed.type, p) for p in changed))
            _collapse(diffed, old, new)


def cascade(by_id: dict[str, ResourceDiff], before: StackSide, after: StackSide, canon: Canon) -> None:
    """Replace what refers, in a create-only property, to a resource being replaced; and list
    the other references to one as changes (their values change at deploy time)."""
    from infrac.tools.migrate.simulator.templates import references_of

    while True:
        replaced = {lid for lid, d in by_id.items() if d.action == REPLACE}
        more = False
        for diffed in by_id.values():
            if diffed.action != MODIFY:
                continue
            new = after.record.get(diffed.logical_id, {}).get("replacing") or {}
            for path in sorted(new):
                hit = sorted(references_of(new[path]) & replaced)
                if hit:
                    _replace(diffed, [path], _certain(diffed.type, path))
                    diffed.cause = hit[0]
                    old = before.record.get(diffed.logical_id, {}).get("replacing") or {}
                    _collapse(diffed, old if isinstance(old, dict) else {}, new, why=f"`{hit[0]}` is replaced")
                    more = True
                    break
        if not more:
            break
    replaced = {lid for lid, d in by_id.items() if d.action == REPLACE}
    if not replaced:
        return
    for diffed in by_id.values():
        if diffed.action not in (MODIFY, REPLACE) or diffed.document is None:
            continue
        shown = {c.path for c in diffed.changes}
        for path, target in _references(diffed.document.get("Properties"), ("Properties",)):
            if target in replaced and target != diffed.logical_id and not any(path[: len(p)] == p for p in shown):
                value = at(diffed.document, path)
                diffed.changes.append(Change(path, value, value, f"`{target}` is replaced: its value changes"))
                shown.add(path)


def _references(value: Any, path: tuple[Any, ...]) -> list[tuple[tuple[Any, ...], str]]:
    """(path, logical ID) of every reference in a value, at the reference's own place."""
    from infrac.tools.migrate.simulator.templates import references_of

    if isinstance(value, dict):
        if len(value) == 1 and next(iter(value)) in ("Ref", "Fn::GetAtt", "Fn::Sub"):
            return [(path, target) for target in sorted(references_of(value))]
        return [found for k, v in value.items() for found in _references(v, (*path, k))]
    if isinstance(value, list):
        return [found for i, v in enumerate(value) for found in _references(v, (*path, i))]
    return []


def _certain(type_name: str, path: str) -> bool:
    from infrac.contract.replacement import ALWAYS

    found = schema(type_name)
    conditional = found.conditional_create_only if found else ()
    return path not in conditional or (type_name, path) in ALWAYS


def _replace(diffed: ResourceDiff, paths: list[str], certain: bool) -> None:
    diffed.action = REPLACE
    diffed.replacing = [p.replace("/", ".") for p in paths]
    diffed.certain = certain


def _collapse(diffed: ResourceDiff, old: dict[str, Any], new: dict[str, Any], why: str = "") -> None:
    """One change per replacing property, whole, in place of the changes inside it."""
    for path in list(old) + [p for p in new if p not in old]:
        if path.replace("/", ".") not in diffed.replacing:
            continue
        parts = ("Properties", *path.split("/"))
        kept = [c for c in diffed.changes if c.path[: len(parts)] != parts]
        diffed.changes = [Change(parts, old.get(path), new.get(path), why), *kept]


def consequences(diffed: ResourceDiff, before: StackSide, after: StackSide, canon: Canon) -> None:
    """What a replacement or deletion costs, and whether CloudFormation refuses it."""
    from infrac.contract.replacement import LOST, STATEFUL

    if diffed.action not in (REPLACE, DELETE):
        return
    old_document = diffed.old_document
    if diffed.action == DELETE:
        policy = _policy(old_document, None, "DeletionPolicy")
        diffed.retained = policy == "Retain"
        if diffed.type in STATEFUL and not diffed.retained:
            diffed.lost.append("data")
            diffed.data_lost = f"the {STATEFUL[diffed.type]} is deleted with what it holds"
            if policy is None:
                diffed.data_lost += " (unless its DeletionPolicy retains it: the record does not say)"
        return
    policy = _policy(old_document, diffed.document, "UpdateReplacePolicy")
    diffed.retained = policy == "Retain"
    if diffed.type in STATEFUL and not diffed.retained:
        diffed.lost.append("data")
        diffed.data_lost = LOST[diffed.type]
    diffed.lost += _identity(diffed.type, [old_document, diffed.document])
    keys = identifier_keys(diffed.type)
    old_properties = (old_document or {}).get("Properties")
    new_properties = (diffed.document or {}).get("Properties")
    old_values = old_properties if old_properties is not None else _recorded(before, diffed, keys, True)
    new_values = new_properties if new_properties is not None else _recorded(after, diffed, keys, False)
    if keys and all(k in old_values and k in new_values for k in keys) and \
            all(canon(old_values[k]) == canon(new_values[k]) for k in keys):
        names = ", ".join(f"`{k}`" for k in keys)
        if diffed.renamed_from:
            diffed.refused = (f"CloudFormation creates `{diffed.logical_id}` before it deletes "
                              f"`{diffed.renamed_from}`, and its {names} is taken by the old one")
        else:
            diffed.refused = (f"CloudFormation cannot replace a custom-named resource: {names} stays the same; "
                              "give it a new name as well")
    else:
        diffed.lost.append("name")


def refusals(diffed: ResourceDiff) -> None:
    """An update the service itself refuses (a table's second index added in one update, a
    local secondary index changed...): the rules of :mod:`infrac.cfn.updates`, which the
    simulator applies too. Only where both sides' properties are known (not against a lock)."""
    from infrac.cfn import updates

    if diffed.action not in (MODIFY, REPLACE) or diffed.old_type != diffed.type or diffed.renamed_from:
        return
    old = (diffed.old_document or {}).get("Properties")
    new = (diffed.document or {}).get("Properties")
    if not isinstance(old, dict) or not isinstance(new, dict):
        return
    found = updates.changes(diffed.type, old, new)
    refused = [c for c in found if c.effect == "refuse"]
    if updates.verdict(found) == "refuse":  # no documented replacement creates it anew
        rule = refused[0].rule
        why = f"the update of {refused[0].path} is refused by the service ({rule.when or rule.quote}; {rule.source})"
        diffed.refused = f"{diffed.refused}; {why}" if diffed.refused else "CloudFormation refuses: " + why


def _recorded(side: StackSide, diffed: ResourceDiff, keys: tuple[str, ...], old: bool) -> dict[str, Any]:
    logical_id = (diffed.renamed_from or diffed.logical_id) if old else diffed.logical_id
    values = side.record.get(logical_id, {}).get("replacing") or {}
    return {k: values[k] for k in keys if isinstance(values, dict) and k in values}


def _policy(old: dict | None, new: dict | None, key: str) -> str | None:
    for document in (old, new):
        if document is not None:
            value = document.get(key)
            return value if isinstance(value, str) else "Delete"
    return None


#: What identifies a physical resource of each type, and changes when it is replaced.
IDENTITY = {
    "AWS::DynamoDB::Table": ("ARN",),
    "AWS::SQS::Queue": ("URL", "ARN"),
    "AWS::S3::Bucket": ("ARN",),
    "AWS::Cognito::UserPool": ("ID", "ARN"),
    "AWS::Cognito::UserPoolClient": ("ID",),
    "AWS::Events::EventBus": ("ARN",),
    "AWS::Events::Rule": ("ARN",),
}


def _identity(type_name: str, documents: list[dict | None]) -> list[str]:
    found = list(IDENTITY.get(type_name, ("physical ID",)))
    if type_name == "AWS::DynamoDB::Table" and any("StreamSpecification" in ((d or {}).get("Properties") or {})
                                                   for d in documents):
        found.append("stream ARN")
    return found

