"""What a change does, per stack and resource: the diff of two sides (:mod:`.sides`).

Per stack, in the new deploy order (stacks that go away last):

- resources **added**, **deleted**, **modified** (each property path, old -> new) and
  **replaced**: a create-only property changes (AWS's schemas' ``createOnlyProperties``;
  a ``conditionalCreateOnlyProperties`` one *may* replace, except a table's key, which
  always does), the type changes, the logical ID changes (the resource is created anew
  and the old one deleted), or a create-only property refers to a resource that is itself
  replaced. A replacement says what is lost (the data of a table, queue, bucket or user
  pool unless its ``UpdateReplacePolicy`` retains the old one; its ARN, URL or ID), and
  whether CloudFormation would refuse it (a custom-named resource cannot be replaced under
  the same name). These are the rules of :mod:`infrac.tools.migrate.simulator`, which the
  tests hold the diff to;
- exports added and removed, with the stacks that import them;
- the template's other sections (parameters, conditions, outputs that are not exports);
- a consumer's imports (environment, IAM statements, values);
- the stack's deploy wave and the stacks it waits for; its budget (resources, outputs,
  template bytes) where it changes.

Values are compared by meaning (:mod:`.canon`): equal values never show as changes.
Pure.
"""

from __future__ import annotations

from infrac.tools.diff import replace
from infrac.tools.diff.canon import Canon
from infrac.tools.diff.model import (
    ADD,
    DELETE,
    LIST_KEYS,
    MODIFY,
    REPLACE,
    Change,
    Diff,
    ExportDiff,
    Item,
    Keyed,
    ResourceDiff,
    StackDiff,
)
from infrac.tools.diff.sides import STAGE, Side, StackSide

TYPE_CHECKING = False  # typing's own constant, without importing typing
if TYPE_CHECKING:
    from typing import Any

# ---- comparing -------------------------------------------------------------------------------


def diff(old: Side, new: Side) -> Diff:
    """The diff of ``old`` (deployed, or the last build) and ``new`` (the sources)."""
    canon = Canon(new.stage if new.stage is not None else old.stage)
    order = [name for wave in (new.waves or ()) for name in wave]
    order += [name for name in new.stacks if name not in order]
    order += [name for wave in (old.waves or ()) for name in wave if name not in order and name in old.stacks]
    order += sorted(name for name in old.stacks if name not in order)
    old_after, new_after = _after(old), _after(new)
    old_wave, new_wave = _positions(old.waves), _positions(new.waves)
    stacks = []
    for name in order:
        before, after = old.stacks.get(name), new.stacks.get(name)
        if before is None and after is None:
            continue
        action = ADD if before is None else DELETE if after is None else MODIFY
        found = StackDiff(name, action)
        found.known = old.templates
        _resources(found, before or StackSide(name, None, {}), after or StackSide(name, None, {}), old, canon)
        if after is not None and old.templates:
            sections = changes(_sections(before.template if before else None, canon),
                               _sections(after.template, canon), canon)
            exported = {oid for stack in (before, after) if stack is not None for oid, o in stack.outputs.items()
                        if isinstance(o, dict) and "Export" in o}
            found.outputs = [c for c in sections if c.path[:1] == ("Outputs",) and c.path[1:2] and c.path[1] in exported]
            found.template = [c for c in sections if c not in found.outputs]
            if (before and before.imports is not None) or after.imports is not None:
                found.imports = changes(before.imports if before else None, after.imports, canon)
        _exports(found, old, new)
        _exports_in_use(found, before, after, old, canon)
        _budget(found, before, after, old, new)
        if old.waves is not None or action != ADD:
            found.wave = (old_wave.get(name), new_wave.get(name))
        if before is not None and after is not None:
            was, now = old_after.get(name, set()), new_after.get(name, set())
            found.after = (tuple(sorted(now - was)), tuple(sorted(was - now)))
        stacks.append(found)
    return Diff(old, new, stacks)


def _positions(waves) -> dict[str, int]:
    return {name: number for number, wave in enumerate(waves or (), 1) for name in wave}


def _after(side: Side) -> dict[str, set[str]]:
    """Which stacks each stack deploys after, from who imports or reads whose exports."""
    found: dict[str, set[str]] = {}
    for export in side.exports.values():
        for user in (*export.importers, *export.readers):
            if user != export.stack:
                found.setdefault(user, set()).add(export.stack)
    return found


def _sections(template: dict[str, Any] | None, canon: Canon) -> dict[str, Any]:
    """A template without its resources; with the stage resolved, without what only carries
    the stage in (the ``Stage`` parameter, the description's ", stage X")."""
    if template is None:
        return {}
    found = {k: v for k, v in template.items() if k != "Resources"}
    if canon.stage is not None:
        parameters = {k: v for k, v in (found.get("Parameters") or {}).items() if k != STAGE}
        if parameters:
            found["Parameters"] = parameters
        else:
            found.pop("Parameters", None)
        description = found.get("Description")
        if isinstance(description, str) and description.endswith(f", stage {canon.stage}"):
            found["Description"] = description[: -len(f", stage {canon.stage}")]
    return found


def _resources(found: StackDiff, before: StackSide, after: StackSide, old: Side, canon: Canon) -> None:
    if old.templates:
        old_ids, new_ids = list(before.resources), list(after.resources)
    else:  # a lock: the resources its record lists, and the new side's record
        old_ids, new_ids = list(before.record), list(after.record)
    removed = [lid for lid in old_ids if lid not in new_ids]
    added = [lid for lid in new_ids if lid not in old_ids]
    renamed = replace.renamed(before, after, removed, added)
    by_id: dict[str, ResourceDiff] = {}
    for logical_id in new_ids:
        entry = after.record.get(logical_id, {})
        document = after.resources.get(logical_id)
        type_name = str(entry.get("type") or (document or {}).get("Type"))
        if logical_id in added:
            diffed = ResourceDiff(ADD, logical_id, type_name, after.names.get(logical_id))
            diffed.document = document
            if logical_id in renamed:
                diffed.action = REPLACE
                diffed.renamed_from = renamed[logical_id]
                diffed.replacing = ["the logical ID"]
                diffed.old_document = before.resources.get(renamed[logical_id])
            by_id[logical_id] = diffed
            continue
        diffed = ResourceDiff(MODIFY, logical_id, type_name, after.names.get(logical_id))
        diffed.document, diffed.old_document = document, before.resources.get(logical_id)
        diffed.old_type = str(before.record.get(logical_id, {}).get("type") or (diffed.old_document or {}).get("Type"))
        if old.templates:
            diffed.changes = changes(diffed.old_document, document, canon)
        by_id[logical_id] = diffed
    replace.triggers(by_id, before, after, canon)
    replace.cascade(by_id, before, after, canon)
    for logical_id in removed:
        if logical_id in renamed.values():
            continue
        entry = before.record.get(logical_id, {})
        document = before.resources.get(logical_id)
        diffed = ResourceDiff(DELETE, logical_id, str(entry.get("type") or (document or {}).get("Type")),
                              before.names.get(logical_id))
        diffed.old_document = document
        by_id[logical_id] = diffed
    for diffed in by_id.values():
        replace.consequences(diffed, before, after, canon)
        replace.refusals(diffed)
    found.resources = [d for d in by_id.values() if d.action != MODIFY or d.changes]
    rank = {REPLACE: 0, DELETE: 1, ADD: 2, MODIFY: 3}
    position = {lid: n for n, lid in enumerate([*new_ids, *removed])}
    found.resources.sort(key=lambda d: (rank[d.action], position[d.logical_id]))


def _exports(found: StackDiff, old: Side, new: Side) -> None:
    name = found.name
    for export in sorted(old.exports.values(), key=lambda e: e.name):
        if export.stack == name and export.name not in new.exports:
            found.exports.append(ExportDiff(DELETE, export, export.importers, export.readers))
    for export in sorted(new.exports.values(), key=lambda e: e.name):
        if export.stack == name and export.name not in old.exports:
            found.exports.append(ExportDiff(ADD, export, export.importers, export.readers))


def _exports_in_use(found: StackDiff, before: StackSide | None, after: StackSide | None, old: Side,
                    canon: Canon) -> None:
    """An export another stack imports cannot change its value (CloudFormation: "Cannot
    update export ... as it is in use by ..."): a replaced resource's exports all do, and an
    output whose value is written anew does."""
    from infrac.tools.migrate.simulator.templates import references_of

    if before is None or after is None:
        return
    in_use = {e.name: [u for u in e.importers if u != found.name] for e in old.exports.values()
              if e.stack == found.name}
    replaced = {r.logical_id: r for r in found.resources if r.action == REPLACE}
    by_name = {r.resource: r for r in replaced.values() if r.resource}
    hits: dict[str, list[tuple[str, list[str]]]] = {}
    if old.templates:
        for output_id, output in after.outputs.items():
            if not isinstance(output, dict) or "Export" not in output:
                continue
            name = _export_name(output["Export"].get("Name"))
            users = in_use.get(name or "")
            if not users:
                continue
            previous = before.outputs.get(output_id)
            hit = sorted(references_of(output.get("Value")) & set(replaced))
            if hit:
                hits.setdefault(hit[0], []).append((name, users))
            elif isinstance(previous, dict) and canon(previous.get("Value")) != canon(output.get("Value")):
                found.exports.append(ExportDiff(MODIFY, old.exports[name], tuple(users), ()))
    else:
        for export in sorted(old.exports.values(), key=lambda e: e.name):
            users = in_use.get(export.name)
            if users and export.resource in by_name:
                hits.setdefault(by_name[export.resource].logical_id, []).append((export.name, users))
    for logical_id, exports in hits.items():
        names = ", ".join(f"`{name}`" for name, _ in sorted(exports))
        users = sorted({u for _, found_users in exports for u in found_users})
        plural = len(exports) != 1
        why = (f"its export{'s' * plural} {names} change{'s' * (not plural)} value while {', '.join(users)} "
               f"import{'s' * (len(users) == 1)} {'them' if plural else 'it'} (\"Cannot update export ... as it is "
               "in use\"): move the importers off first")
        diffed = replaced[logical_id]
        diffed.in_use = sorted(exports)
        diffed.refused = f"{diffed.refused}; {why}" if diffed.refused else "CloudFormation refuses: " + why


def _export_name(value: Any) -> str | None:
    from infrac.tools.diff.canon import export_name

    name = export_name(value)
    return name.replace("${sls:stage}", "{stage}") if name else None


def _budget(found: StackDiff, before: StackSide | None, after: StackSide | None, old: Side, new: Side) -> None:
    def counts(stack: StackSide | None, side: Side) -> tuple[int | None, int | None, int | None]:
        if stack is None:
            return 0, 0, 0
        if side.templates and stack.template is not None:
            return len(stack.resources), len(stack.outputs), stack.size
        if stack.template is None and stack.imports is not None and not stack.record:
            return None, None, None  # a consumer: no template of infrac's
        outputs = sum(1 for e in side.exports.values() if e.stack == stack.name)
        return len(stack.record), outputs, None

    was, now = counts(before, old), counts(after, new)
    for key, a, b in zip(("resources", "outputs", "bytes"), was, now):
        if a is not None and b is not None and a != b:
            found.budget[key] = (a, b)


# ---- property changes ------------------------------------------------------------------------


def changes(old: Any, new: Any, canon: Canon, path: tuple[Any, ...] = ()) -> list[Change]:
    """Where ``old`` and ``new`` differ in meaning, each at the deepest path that says it."""
    if canon(old) == canon(new):
        return []
    if _plain_map(old) and _plain_map(new):
        found: list[Change] = []
        for key in [*new, *(k for k in old if k not in new)]:
            found += changes(_present(old.get(key)), _present(new.get(key)), canon, (*path, key))
        return found
    if isinstance(old, list) and isinstance(new, list):
        field = _list_key(old, new, canon)
        if field is not None:
            old_keys = [_key_of(item, field, canon) for item in old]
            new_keys = [_key_of(item, field, canon) for item in new]
            if [k for k in old_keys if k in new_keys] != [k for k in new_keys if k in old_keys]:
                return [Change(path, old, new, "the order changes")]
            found = []
            for index, key in enumerate(old_keys):  # removed first, then in the new list's order
                if key not in new_keys:
                    found += changes(old[index], None, canon, (*path, Keyed(field, old[index][field], index)))
            for index, key in enumerate(new_keys):
                before = old[old_keys.index(key)] if key in old_keys else None
                found += changes(before, new[index], canon, (*path, Keyed(field, new[index][field], index)))
            return found
        if len(old) == len(new) and old and all(isinstance(i, (dict, list)) for i in [*old, *new]):
            found = []
            for index, (a, b) in enumerate(zip(old, new)):
                found += changes(a, b, canon, (*path, index))
            return found
        items = _items(old, new, canon, path)
        if items is not None:
            return items
    return [Change(path, old, new)]


def _items(old: list, new: list, canon: Canon, path: tuple[Any, ...]) -> list[Change] | None:
    """Elements removed from and added to a list, when that is all that changes (every
    element is there once, and those kept stay in order); None otherwise."""
    old_keys, new_keys = [repr(canon(i)) for i in old], [repr(canon(i)) for i in new]
    if len(set(old_keys)) != len(old_keys) or len(set(new_keys)) != len(new_keys):
        return None
    kept_old = [k for k in old_keys if k in new_keys]
    if kept_old != [k for k in new_keys if k in old_keys]:
        return None
    removed = [Change((*path, Item(old[i], i)), old[i], None) for i, k in enumerate(old_keys) if k not in new_keys]
    added = [Change((*path, Item(new[i], i)), None, new[i]) for i, k in enumerate(new_keys) if k not in old_keys]
    return removed + added


def _present(value: Any) -> Any:
    return None if isinstance(value, dict) and value == {"Ref": "AWS::NoValue"} else value


def _plain_map(value: Any) -> bool:
    """A mapping of properties, not an intrinsic function (one key, ``Ref`` or ``Fn::...``)."""
    if not isinstance(value, dict):
        return False
    return not (len(value) == 1 and next(iter(value)) in ("Ref", "Condition") or
                len(value) == 1 and next(iter(value)).startswith("Fn::"))


def _list_key(old: list, new: list, canon: Canon) -> str | None:
    items = [*old, *new]
    if not items or not all(isinstance(i, dict) for i in items):
        return None
    for field in LIST_KEYS:
        if all(field in i for i in items):
            if len({_key_of(i, field, canon) for i in old}) == len(old) and \
                    len({_key_of(i, field, canon) for i in new}) == len(new):
                return field
    return None


def _key_of(item: dict, field: str, canon: Canon) -> Any:
    return repr(canon(item[field]))


