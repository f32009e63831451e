"""The diff as a versioned JSON document (``infrac diff --format json``), which the terminal
view, the Markdown and the annotations are all written from; and :func:`apply`, which
applies a document to the old templates (the property tests hold that it gives the new
ones, compared by meaning).

``version`` changes only when a field changes meaning or disappears; new fields may come
in the same version (docs/review.md describes every field).
"""

from __future__ import annotations

import copy
import json

from infrac.base.source import SourceFile, Span
from infrac.cfn import limits
from infrac.tools.diff.canon import Names, show
from infrac.tools.diff.model import ADD, DELETE, MODIFY, REPLACE, Change, Diff, Item, Keyed, ResourceDiff

TYPE_CHECKING = False  # typing's own constant, without importing typing
if TYPE_CHECKING:
    from typing import Any

VERSION = 1

#: Each budget's quota per template (docs/ci.md, "Budgets").
QUOTAS = {
    "resources": limits.MAX_RESOURCES_PER_TEMPLATE,
    "outputs": limits.MAX_OUTPUTS_PER_TEMPLATE,
    "bytes": limits.MAX_TEMPLATE_BODY_S3,
}

#: What ``--fail-on`` takes, and what each counts.
FAIL_ON = ("replace", "delete", "export-removed", "refused", "data-lost", "any")


def document(found: Diff, sources: dict[str, SourceFile], against: dict[str, Any]) -> dict[str, Any]:
    from infrac import __version__

    names = _names(found)
    stacks = []
    for stack in found.stacks:
        if stack.empty:
            continue
        entry: dict[str, Any] = {
            "name": stack.name,
            "action": stack.action,
            "location": location(stack.source, sources),
            "wave": {"old": stack.wave[0], "new": stack.wave[1]},
            "after": {"added": list(stack.after[0]), "removed": list(stack.after[1])},
            "budget": {key: {"old": old, "new": new, "quota": QUOTAS[key]} for key, (old, new) in stack.budget.items()},
            "resources": [_resource(r, sources, names) for r in stack.resources],
            "exports": [
                {"action": {DELETE: "remove", ADD: "add"}.get(e.action, "change"), "name": e.name, "reference": e.shown,
                 "importers": list(e.importers), "readers": list(e.readers)}
                for e in stack.exports
            ],
            "template": [_change(c, sources, names) for c in stack.template],
            "outputs": [_change(c, sources, names) for c in stack.outputs],
            "imports": [_change(c, sources, names) for c in stack.imports],
        }
        stacks.append(entry)
    counts = found.counts()
    return {
        "version": VERSION,
        "generator": "infrac",
        "infrac_version": __version__,
        "against": against,
        "stage": found.stage,
        "templates": found.templates,
        "summary": {
            "add": counts[ADD], "modify": counts[MODIFY], "replace": counts[REPLACE], "delete": counts[DELETE],
            "exports_added": counts["exports added"], "exports_removed": counts["exports removed"],
            "stacks_added": sum(s["action"] == ADD for s in stacks),
            "stacks_removed": sum(s["action"] == DELETE for s in stacks),
            "unchanged_stacks": sum(s.empty for s in found.stacks),
        },
        "stacks": stacks,
    }


def failing(document: dict[str, Any], fail_on: list[str]) -> list[str]:
    """What in the document ``--fail-on`` names, in words (empty: nothing)."""
    found = []
    for stack in document["stacks"]:
        for resource in stack["resources"]:
            what = f"{stack['name']}.{resource['logical_id']}"
            if resource["action"] == REPLACE and "replace" in fail_on:
                found.append(f"{what} is replaced")
            if resource["action"] == DELETE and "delete" in fail_on:
                found.append(f"{what} is deleted")
            if resource.get("refused") and "refused" in fail_on:
                found.append(f"{what}: CloudFormation would refuse the change")
            if "data" in resource.get("lost", ()) and "data-lost" in fail_on:
                found.append(f"{what} loses its data")
        for export in stack["exports"]:
            if export["action"] == "remove" and "export-removed" in fail_on:
                found.append(f"export {export['name']} is removed")
    if "any" in fail_on and not found and any(document["stacks"]):
        found.append("the change is not empty")
    return list(dict.fromkeys(found))


def _names(found: Diff) -> Names:
    """How to write references as the sources do, from what both sides know."""
    from infrac.vocabulary import KINDS

    by_type: dict[str, Any] = {k.cfn_type: k for k in KINDS.values() if k.cfn_type}
    owners: dict[str, tuple[str, str]] = {}  # logical ID -> (resource name, type)
    for side in (found.old, found.new):
        for stack in side.stacks.values():
            for logical_id, name in stack.names.items():
                type_name = stack.record.get(logical_id, {}).get("type")
                if name == logical_id or logical_id not in owners:
                    owners.setdefault(logical_id, (name, str(type_name)))
    kinds_by_resource: dict[str, Any] = {}
    program = found.new.program
    if program is not None:
        for stack in program.stacks:
            for resource in stack.resources:
                kinds_by_resource.setdefault(resource.logical_id, KINDS.get(resource.kind))

    def attribute(logical_id: str, getatt: str | None) -> str | None:
        owner = owners.get(logical_id)
        if owner is None or owner[0] is None:
            return None
        kind = kinds_by_resource.get(logical_id) or by_type.get(owner[1])
        if kind is None or kind.attributes is None:
            return None
        for attribute in kind.attributes.values():
            if attribute.getatt == getatt and attribute.owner is None:
                return f"{owner[0]}.{attribute.name}"
        return None

    exports = {}
    for side in (found.old, found.new):
        for export in side.exports.values():
            if export.shown():
                exports.setdefault(export.name, export.shown())
    return Names(attribute, exports)


def _resource(diffed: ResourceDiff, sources: dict[str, SourceFile], names: Names) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "action": diffed.action,
        "logical_id": diffed.logical_id,
        "type": diffed.type,
        "resource": diffed.resource,
        "location": location(diffed.source, sources),
    }
    if diffed.old_type != diffed.type:
        entry["old_type"] = diffed.old_type
    if diffed.action == REPLACE:
        entry.update({
            "replacing": list(diffed.replacing),
            "certain": diffed.certain,
            "renamed_from": diffed.renamed_from,
            "cause": diffed.cause or None,
        })
    if diffed.action in (REPLACE, DELETE):
        entry.update({
            "retained": diffed.retained,
            "lost": list(diffed.lost),
            "data_lost": diffed.data_lost or None,
            "refused": diffed.refused or None,
        })
    if diffed.in_use:
        entry["exports_in_use"] = [{"name": name, "importers": list(users)} for name, users in diffed.in_use]
    entry["changes"] = [_change(c, sources, names) for c in diffed.changes]
    if diffed.action == ADD or diffed.renamed_from:
        entry["document"] = diffed.document
    return entry


def _change(change: Change, sources: dict[str, SourceFile], names: Names) -> dict[str, Any]:
    origin = change.source
    old, new = change.old, change.new
    last = change.path[-1] if change.path else None
    if isinstance(last, Keyed) and last.field == "Key" and all(
            v is None or (isinstance(v, dict) and set(v) == {"Key", "Value"}) for v in (old, new)):
        old, new = (v["Value"] if v is not None else None for v in (old, new))  # a tag: its value
    old_shown, new_shown = show(old, names), show(new, names)
    if old_shown == new_shown and not change.why:  # what the sources write alike, spelt out
        old_shown, new_shown = show(old), show(new)
    if origin is not None and origin.written is not None:
        old_written, new_written = _written(origin, change.old), _written(origin, change.new)
        if old_written is not None and new_written is not None:
            old_shown, new_shown = old_written, new_written
    entry: dict[str, Any] = {
        "path": [_segment(p) for p in change.path],
        "at": path_text(change.path),
        "old": change.old,
        "new": change.new,
        "old_shown": old_shown,
        "new_shown": new_shown,
    }
    if change.why:
        entry["why"] = change.why
    if origin is not None:
        entry["source"] = {"field": origin.label, "text": origin.text, "location": location(origin.span, sources)}
    return entry


def _written(origin: Any, value: Any) -> str | None:
    if value is None:
        return "not set"
    try:
        return origin.written(value)
    except (TypeError, ValueError):
        return None


def _segment(part: Any) -> Any:
    if isinstance(part, Item):
        return {"item": part.value, "index": part.index}
    if isinstance(part, Keyed):
        return {"key": part.field, "value": part.value, "index": part.index}
    return part


def path_text(path: tuple[Any, ...]) -> str:
    """``Properties.RedrivePolicy.maxReceiveCount`` as people read it: ``RedrivePolicy.maxReceiveCount``;
    list elements ``[0]``, or by their key ``GlobalSecondaryIndexes[ByEmail]``."""
    parts = list(path[1:]) if path[:1] == ("Properties",) and len(path) > 1 else list(path)
    text = ""
    for part in parts:
        if isinstance(part, Item) or (isinstance(part, dict) and "item" in part):
            continue  # an element added or removed: the change shows its value
        if isinstance(part, Keyed):
            text += f"[{part.value if isinstance(part.value, str) else json.dumps(part.value)}]"
        elif isinstance(part, dict):
            text += f"[{part['value']}]"
        elif isinstance(part, int):
            text += f"[{part}]"
        else:
            text += ("." if text else "") + str(part)
    return text or "(whole)"


def location(span: Span | None, sources: dict[str, SourceFile]) -> dict[str, Any] | None:
    """A span as the diagnostics' JSON writes it (1-based lines, columns in characters)."""
    if span is None:
        return None
    source = sources.get(span.file)
    if source is None:
        return {"file": span.file}
    start, end = source.position(span.start), source.position(max(span.start, span.end))
    return {"file": span.file, "line": start.line, "column": start.column,
            "end_line": end.line, "end_column": end.column}


def to_json(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


# ---- applying a document ------------------------------------------------------------------


def apply(templates: dict[str, dict[str, Any]], document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The old templates (stack -> template) with the document's changes made: the new ones,
    as far as a diff says (equal values by meaning are left as the old side wrote them)."""
    result = copy.deepcopy(templates)
    for stack in document["stacks"]:
        if stack["action"] == DELETE:
            result.pop(stack["name"], None)
            continue
        if not stack["resources"] and not stack["template"] and stack["name"] not in result:
            continue  # a consumer: no template
        template = result.setdefault(stack["name"], {})
        for change in [*stack["template"], *stack["outputs"]]:
            _set(template, change["path"], change["new"])
        resources = template.setdefault("Resources", {})
        for resource in stack["resources"]:
            if resource["action"] == DELETE:
                resources.pop(resource["logical_id"], None)
            elif resource.get("document") is not None and (resource["action"] == ADD or resource.get("renamed_from")):
                resources.pop(resource.get("renamed_from") or "", None)
                resources[resource["logical_id"]] = copy.deepcopy(resource["document"])
            else:
                for change in resource["changes"]:
                    _set(resources.setdefault(resource["logical_id"], {}), change["path"], change["new"])
    return result


def _set(document: dict[str, Any], path: list[Any], value: Any) -> None:
    node: Any = document
    for number, part in enumerate(path):
        last = number == len(path) - 1
        if isinstance(part, dict) and "item" in part:  # an element added to or removed from a list
            if value is None:
                node.remove(part["item"])
            else:
                node.insert(part["index"], copy.deepcopy(value))
            return
        if isinstance(part, dict):  # a keyed element of a list
            items = node
            found = next((i for i, item in enumerate(items) if isinstance(item, dict)
                          and item.get(part["key"]) == part["value"]), None)
            if last:
                if value is None and found is not None:
                    items.pop(found)
                elif value is not None and found is not None:
                    items[found] = copy.deepcopy(value)
                elif value is not None:
                    items.insert(part.get("index", len(items)), copy.deepcopy(value))
                return
            node = items[found]
        elif isinstance(part, int):
            if last:
                node[part] = copy.deepcopy(value)
                return
            node = node[part]
        else:
            if last:
                if value is None:
                    node.pop(part, None)
                else:
                    node[part] = copy.deepcopy(value)
                return
            following = path[number + 1]
            if not isinstance(node.get(part), (dict, list)):
                node[part] = [] if isinstance(following, (int, dict)) else {}
            node = node[part]
