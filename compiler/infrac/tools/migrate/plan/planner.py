"""The planner's questions about the deployed stacks and the project: which deployed resource
each of the project's resources is, what the project changes on it (in place, a replacement,
or a change the service refuses, :mod:`infrac.cfn.updates`), how it can move (stack
refactoring, retain and import, or not at all, :mod:`infrac.cfn.movable`), and the fate of
every resource of every deployed stack, the consumers' included: moved, unchanged, changed,
replaced, deleted, retained. Deleting or replacing a stateful resource
(:mod:`infrac.cfn.stateful`) is refused unless the source acknowledges it.
"""

from __future__ import annotations

import copy
import json

from infrac.base.classes import frozen
from infrac.base.source import Span
from infrac.cfn import movable, updates
from infrac.cfn.stateful import is_stateful, noun, on_removal
from infrac.diagnostics import Diagnostic, diagnostic
from infrac.tools.migrate.plan.deployed import Deployed
from infrac.tools.migrate.plan.model import FRAMEWORK_RESOURCES, Fate, Move, stack_name
from infrac.tools.migrate.plan.references import References, target_of
from infrac.tools.migrate.plan.values import Context, absent, account_of, canonical
from infrac.tools.migrate.simulator.model import STACK_DEPENDENT

TYPE_CHECKING = False  # typing's own constant, without importing typing
if TYPE_CHECKING:
    from typing import Any


def _identity(kind: str, properties: dict[str, Any], context: Context) -> str | None:
    """What names the physical resource, when the template says it (pseudo parameters and the
    stack's own name resolved)."""
    from infrac.cfn.schemas import schema

    names = {"AWS::SQS::Queue": ("QueueName",), "AWS::Events::Rule": ("EventBusName", "Name")}
    keys = names.get(kind) or (schema(kind).primary_identifier if schema(kind) else ())
    values = [canonical(properties.get(k, "default" if k == "EventBusName" else None), context) for k in keys]
    if not keys or any(v is None or not isinstance(v, (str, int)) for v in values):
        name = canonical(properties.get("Name"), context)
        if kind == "AWS::Events::Rule" and isinstance(name, str):
            return f"?|{name}"
        return None
    return "|".join(str(v) for v in values)


@frozen
class Where:
    """A resource's place: its stack and its logical ID there."""

    stack: str
    logical_id: str


class Planner(References):
    """The deployed stacks and the project's templates (both by deployed stack name), the
    project's exports, what the consumers deploy next, and what planning finds on the way:
    the fate of each deployed resource, diagnostics and notes."""

    def __init__(self, deployed: list[Deployed], new: dict[str, dict[str, Any]], waves: list[list[str]],
                 consumers: set[str], stage: str, region: str, strategy: str, *,
                 futures: dict[str, dict[str, Any]] | None = None,
                 acknowledged: dict[tuple[str, str], tuple[str, str]] | None = None):
        self.deployed = {d.stack: d for d in deployed}
        self.stage = stage
        self.region = region
        self.strategy = strategy
        self.account = account_of([d.template for d in deployed])
        #: the project's stacks with resources, by deployed name, in deploy order
        self.order = [stack_name(s, stage) for wave in waves for s in wave if s in new]
        self.new = {stack_name(s, stage): t for s, t in new.items()}
        self.consumers = {stack_name(s, stage) for s in consumers}
        #: a consumer's next template: what its new service deploys, by deployed stack name
        self.futures = dict(futures or {})
        #: (deployed stack, logical ID) -> ("replace" or "retired", why): what the source acknowledges
        self.acknowledged = dict(acknowledged or {})
        self.diagnostics: list[Diagnostic] = []
        self.notes: list[str] = []
        #: a preview may leave a consumer's next template unknown (then its deploy is not simulated)
        self.preview = False
        self.current: str | None = None
        self.crossings: list[tuple[str, str, str, str]] = []
        #: every deployed stack's template as it is at the step being planned
        self.world: dict[str, dict[str, Any]] = {d.stack: copy.deepcopy(d.template) for d in deployed}
        self.fates: dict[tuple[str, str], Fate] = {}
        #: (stack, logical ID, attribute or "Ref") -> export name, from the project's outputs
        self.exports: dict[tuple[str, str, str], str] = {}
        #: export name -> (stack, value)
        self.export_values: dict[str, tuple[str, Any]] = {}
        for name, template in self.new.items():
            for output in template.get("Outputs", {}).values():
                if "Export" not in output:
                    continue
                value = output["Value"]
                key = target_of(value)
                if key is not None:
                    self.exports.setdefault((name, *key), output["Export"]["Name"])
                self.export_values[output["Export"]["Name"]] = (name, value)
        self.absent = {d.stack: absent(d.template, self.context(d.stack), stage) for d in deployed}
        self.new_absent = {name: absent(t, self.context(name), stage) for name, t in self.new.items()}

    def context(self, stack: str) -> Context:
        return Context(stack, self.region, self.account, self.export_values)

    def fate(self, stack: str, logical_id: str, kind: str, what: str, detail: str = "") -> None:
        self.fates[(stack, logical_id)] = Fate(stack, logical_id, kind, what, detail, is_stateful(kind))

    # -- where each resource goes

    def match(self) -> tuple[list[Move], list[tuple[str, str]], list[tuple[str, str]], dict[Where, Where]]:
        by_identity: dict[tuple[str, str], Where] = {}
        by_id: dict[tuple[str, str], list[Where]] = {}
        for d in self.deployed.values():
            for logical_id, resource in d.template["Resources"].items():
                if logical_id in self.absent[d.stack]:
                    self.fate(d.stack, logical_id, resource["Type"], "absent",
                              f"its condition `{resource.get('Condition')}` is false at stage {self.stage}: it does not exist")
                    continue
                where = Where(d.stack, logical_id)
                identity = _identity(resource["Type"], resource.get("Properties", {}), self.context(d.stack))
                if identity is not None:
                    by_identity[(resource["Type"], identity)] = where
                by_id.setdefault((resource["Type"], logical_id), []).append(where)
        moves, stays, creates = [], [], []
        origin: dict[Where, Where] = {}  # new -> old
        for name in self.order:
            for logical_id, resource in self.new[name]["Resources"].items():
                if logical_id in self.new_absent[name]:
                    continue  # not created at this stage: its condition travels with it
                identity = _identity(resource["Type"], resource.get("Properties", {}), self.context(name))
                old = by_identity.get((resource["Type"], identity)) if identity else None
                if old is None:
                    candidates = by_id.get((resource["Type"], logical_id), [])
                    old = candidates[0] if len(candidates) == 1 else None
                if old is None or old in origin.values():
                    creates.append((name, logical_id))
                    continue
                origin[Where(name, logical_id)] = old
                if old.stack == name:
                    stays.append((name, logical_id))
        for new_where, old in origin.items():
            if old.stack == new_where.stack:
                continue
            kind = self.new[new_where.stack]["Resources"][new_where.logical_id]["Type"]
            moves.append(Move(kind, old.stack, old.logical_id, new_where.stack, new_where.logical_id, "refactor",
                              is_stateful(kind)))
        return moves, stays, creates, origin

    # -- what changes

    def final_placement(self, origin: dict[Where, Where]) -> dict[tuple[str, str], tuple[str, str]]:
        """Where every deployed resource is once the plan has run."""
        placement = {(d.stack, lid): (d.stack, lid) for d in self.deployed.values() for lid in d.template["Resources"]}
        for new_where, old in origin.items():
            placement[(old.stack, old.logical_id)] = (new_where.stack, new_where.logical_id)
        return placement

    def compare(self, old: Where, before: dict[str, Any], here: str, after: dict[str, Any],
                placement: dict) -> tuple[list[str], list[updates.Change]]:
        """What differs between a deployed resource and what ``here`` deploys in its place: the
        properties and policies that change, and the documented rules those changes meet."""
        mark = len(self.diagnostics)
        rewritten = self.placed(before, old.stack, here, placement)
        del self.diagnostics[mark:]
        del self.crossings[:]
        old_properties = canonical(rewritten.get("Properties", {}), self.context(old.stack))
        new_properties = canonical(after.get("Properties", {}), self.context(here))
        changed = sorted(k for k in set(old_properties) | set(new_properties)
                         if old_properties.get(k) != new_properties.get(k))
        changed += [k for k in ("DeletionPolicy", "UpdateReplacePolicy") if before.get(k) != after.get(k)]
        return changed, updates.changes(before["Type"], old_properties, new_properties)

    def changes(self, moves: list[Move], origin: dict[Where, Where]) -> list[Move]:
        """Each move with what the project changes on it (applied after the move); each matched
        resource's fate. A change the service refuses is E0858; one that replaces a resource is
        E0851 (stateful, unless the source says ``replace``) or W0853 (the others)."""
        placement = self.final_placement(origin)
        by_source = {(m.source_stack, m.source_id): i for i, m in enumerate(moves)}
        for new_where, old in origin.items():
            new_resource = self.new[new_where.stack]["Resources"][new_where.logical_id]
            old_resource = self.deployed[old.stack].template["Resources"][old.logical_id]
            changed, found = self.compare(old, old_resource, new_where.stack, new_resource, placement)
            verdict = self.judge(old, new_where, old_resource["Type"], found, changed)
            index = by_source.get((old.stack, old.logical_id))
            if index is not None:
                moves[index] = _with_changes(moves[index], changed)
                where = f"to `{new_where.stack}`" + (f" as `{new_where.logical_id}`"
                                                     if new_where.logical_id != old.logical_id else "")
                after = {"replace": "; then replaced", "refuse": "; then refused"}.get(verdict, "")
                self.fate(old.stack, old.logical_id, old_resource["Type"], "moves",
                          where + (f"; then {', '.join(changed)} change{after}" if changed else ""))
            else:
                self.fate_in_place(old, old_resource["Type"], verdict, changed)
        return moves

    def fate_in_place(self, old: Where, kind: str, verdict: str, changed: list[str]) -> None:
        if not changed:
            self.fate(old.stack, old.logical_id, kind, "stays", "unchanged")
        elif verdict == "replace":
            self.fate(old.stack, old.logical_id, kind, "replaced", ", ".join(changed))
        else:
            self.fate(old.stack, old.logical_id, kind, "changes", "in place: " + ", ".join(changed))

    def judge(self, old: Where, new_where: Where | None, kind: str, found: list[updates.Change],
              changed: list[str]) -> str:
        """Report what an update from the deployed resource to the new one does; its verdict."""
        verdict = updates.verdict(found)
        d = self.deployed[old.stack]
        if verdict == "refuse":
            change = next(c for c in found if c.effect == "refuse")
            self.diagnostics.append(diagnostic(
                "E0858", f"the service refuses the update of `{old.logical_id}` ({kind}): {change.path} changes",
                self.span(d, old.logical_id, change.path), label="cannot change after creation",
                notes=[n for n in (change.rule.when and f"when: {change.rule.when}",
                                   f"AWS: \"{_short(change.rule.quote)}\" ({change.rule.source})") if n],
                hint="keep the deployed value in the project; a new value needs a new resource and a data migration",
            ))
        elif verdict == "replace":
            found = [c for c in found if c.effect != "refuse"]  # a new resource: the update's refusals do not apply
            acknowledged = self.acknowledged.get((new_where.stack, new_where.logical_id)) if new_where else None
            paths = [c.path for c in found]
            may = all(c.effect == "conditional" for c in found)
            if acknowledged is not None and acknowledged[0] == "replace":
                self.notes.append(f"{old.stack}.{old.logical_id} is replaced ({', '.join(paths)}); the source says why: "
                                  f"{acknowledged[1]}")
                return verdict
            code = "E0851" if is_stateful(kind) else "W0853"
            first = found[0]
            self.diagnostics.append(diagnostic(
                code, f"the new project {'may replace' if may else 'replaces'} `{old.logical_id}` ({kind}): "
                      f"{', '.join(paths)} {'changes' if len(paths) == 1 else 'change'}",
                self.span(d, old.logical_id, first.path), label="changed by the new project",
                notes=[n for n in (first.rule.when and f"replaced when: {_short(first.rule.when)}",
                                   f"AWS: \"{_short(first.rule.quote)}\" ({first.rule.source})") if n]
                + ([f"a replacement loses {_lost(kind)}"] if code == "E0851" else []),
                hint="keep the deployed value in the project; a replacement makes a new, empty resource "
                     '(or say why it may go: `replace = "why"` on the resource)'
                if code == "E0851" else "keep the deployed value in the project if the moment matters",
            ))
        return verdict

    # -- what is dropped, and what the consumers do

    def account_for_the_rest(self, origin: dict[Where, Where], moves: list[Move]) -> None:
        """The fate of every deployed resource the project does not declare: in a stack the project
        builds, or a consumer's whose next template is known, it is deleted (E0850 for a stateful
        one, unless retained or retired); in a consumer's without one, the plan is incomplete (E0859)."""
        matched = set(origin.values())
        placement = self.final_placement(origin)
        for d in self.deployed.values():
            future = self.futures.get(d.stack)
            if d.stack not in self.new and future is None and d.stack in self.consumers and self.preview:
                self.notes.append(f"{d.stack}: what its new service deploys is not known, so its deploy is not "
                                  "planned or simulated")
            elif d.stack not in self.new and future is None and d.stack in self.consumers:
                self.diagnostics.append(diagnostic(
                    "E0859", f"the plan does not know what `{d.stack}`'s new service deploys",
                    d.read.span(""), label="a consumer of the project",
                    notes=["its deploy is a step of the plan: a resource its new service no longer declares would be "
                           "deleted, with its data, and the plan cannot see it"],
                    hint=f"package the service (`serverless package --stage {self.stage} --package DIR`) and give "
                         f"`--consumer {d.stack}=DIR/cloudformation-template-update-stack.json`, or let plan-move package "
                         "it: the Serverless Framework on PATH, or `--serverless COMMAND`",
                ))
            for logical_id, resource in d.template["Resources"].items():
                where = Where(d.stack, logical_id)
                kind = resource["Type"]
                if where in matched or logical_id in self.absent[d.stack] or (d.stack, logical_id) in self.fates:
                    continue
                target = self.new.get(d.stack) if d.stack in self.new else future
                if target is None:
                    self.fate(d.stack, logical_id, kind, "stays", "the project does not manage this stack")
                    continue
                if logical_id in FRAMEWORK_RESOURCES and d.stack in self.new:
                    self.fate(d.stack, logical_id, kind, "stays", "the Serverless Framework's, kept")
                    continue
                now = target["Resources"].get(logical_id)
                if now is not None and now["Type"] != kind:
                    self.diagnostics.append(diagnostic(
                        "E0858", f"the new template changes the type of `{logical_id}` from {kind} to {now['Type']}",
                        self.span(d, logical_id), label="a resource's type cannot change",
                        notes=["CloudFormation refuses it: \"Update of resource type is not permitted\""],
                        hint="keep the logical ID for the old type, and give the new resource another one",
                    ))
                    self.fate(d.stack, logical_id, kind, "refused", f"its type would become {now['Type']}")
                elif now is not None:
                    changed, found = self.compare(where, resource, d.stack, now, placement)
                    verdict = self.judge(where, Where(d.stack, logical_id), kind, found, changed)
                    self.fate_in_place(where, kind, verdict, changed)
                else:
                    self._dropped(d, logical_id, resource)

    def _dropped(self, d: Deployed, logical_id: str, resource: dict[str, Any]) -> None:
        kind = resource["Type"]
        fate = on_removal(kind, resource.get("DeletionPolicy"), resource.get("Properties"))
        retired = self.acknowledged.get((d.stack, logical_id))
        if fate == "retain":
            self.fate(d.stack, logical_id, kind, "retained", "no longer managed (DeletionPolicy keeps it)")
            if is_stateful(kind):
                self.diagnostics.append(diagnostic(
                    "W0852", f"`{logical_id}` ({kind}) is not in the new project; it is retained, no longer managed",
                    self.span(d, logical_id), label="left unmanaged by the final deploy",
                    hint="declare it in the project to keep managing it",
                ))
            return
        detail = "a snapshot is kept" if fate == "snapshot" else ""
        if retired is not None:
            detail = "; ".join(x for x in (detail, f"retired: {retired[1]}") if x)
        self.fate(d.stack, logical_id, kind, "deleted", detail)
        if not is_stateful(kind) or retired is not None:
            return
        self.diagnostics.append(diagnostic(
            "E0850", f"the plan deletes `{logical_id}` ({kind}) of stack `{d.stack}`, and its data",
            self.span(d, logical_id), label="not declared in the new " + ("service" if d.stack not in self.new else "project"),
            notes=[f"a deletion loses {_lost(kind)}"] + (["DeletionPolicy Snapshot keeps a snapshot, but the "
                                                           f"{noun(kind)} itself is gone"] if fate == "snapshot" else []),
            hint="declare it (same logical ID and name), or set `DeletionPolicy: Retain` and deploy first, or say "
                 f'why it may go: `retired = {{ {logical_id}: "why" }}` on the stack',
        ))

    # -- how each resource moves

    def how(self, move: Move) -> tuple[str, str]:
        """How a move goes, and why it does not go by stack refactoring ("" when it does)."""
        old = self.deployed[move.source_stack].template["Resources"][move.source_id]
        new = self.new[move.destination_stack]["Resources"][move.destination_id]
        why = movable.refactor_refusal(move.type) or ""
        if not why and (_stack_dependent(old) or _stack_dependent(new)):
            which = ", ".join(p for p in STACK_DEPENDENT if _uses(old, p) or _uses(new, p))
            why = f"a value depends on the stack ({which})"
        if not why and "Condition" in old:
            why = f"its condition `{old['Condition']}` would be new to `{move.destination_stack}`, and a refactor adds none"
        if move.type.startswith("Custom::") or move.type == movable.CUSTOM_RESOURCE:
            return "none", "a custom resource runs its provider's code when it is created or deleted"
        if self.strategy == "import" and not why:
            why = "`--strategy import`"
        if not why:
            return "refactor", ""
        if self.strategy != "refactor" and movable.importable(move.type):
            return "import", why
        if not move.stateful:
            return "recreate", why
        return "none", why

    def span_of(self, move: Move) -> Span | None:
        return self.span(self.deployed[move.source_stack], move.source_id)


def _with_changes(move: Move, changed: list[str]) -> Move:
    from infrac.base.classes import evolve

    return evolve(move, changes=tuple(changed))


def _lost(kind: str) -> str:
    from infrac.cfn.stateful import stateful

    found = stateful(kind)
    return found.lost if found else "what it holds"


def _short(text: str, limit: int = 220) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _uses(value: Any, pseudo: str) -> bool:
    text = json.dumps(value)
    return f'"Ref": "{pseudo}"' in text or "${" + pseudo + "}" in text


def _stack_dependent(value: Any) -> bool:
    return any(_uses(value, p) for p in STACK_DEPENDENT)


def check_exports_in_use(planner: Planner) -> None:
    """An export of a deployed stack that a deployed stack imports must survive the plan."""
    imported: dict[str, list[str]] = {}
    for d in planner.deployed.values():
        for name in _imports_in(d.template):
            imported.setdefault(name, []).append(d.stack)
    for d in planner.deployed.values():
        for output_id, output in d.template.get("Outputs", {}).items():
            export = output.get("Export", {}).get("Name")
            if not isinstance(export, str) or export not in imported or d.stack not in planner.new:
                continue
            kept = planner.export_values.get(export)
            same = kept is not None and kept[0] == d.stack and \
                canonical(kept[1], planner.context(d.stack)) == canonical(output["Value"], planner.context(d.stack))
            if not same:
                users = ", ".join(sorted(set(imported[export])))
                planner.diagnostics.append(diagnostic(
                    "E0852", f"the new project {'removes' if kept is None else 'changes'} export `{export}`, which {users} imports",
                    _output_span(d, output_id),
                    label="in use", notes=["CloudFormation refuses to remove or change an export in use"],
                    hint="keep the export (same name, same value) in the project; retire it only after its importers stop",
                ))


def _output_span(d: Deployed, name: str) -> Span | None:
    for output in d.read.outputs:
        if output.name == name:
            return d.read.span(output.path)
    return d.read.span("")


def _imports_in(value: Any) -> list[str]:
    found = []
    if isinstance(value, dict):
        if set(value) == {"Fn::ImportValue"} and isinstance(value["Fn::ImportValue"], str):
            return [value["Fn::ImportValue"]]
        for v in value.values():
            found += _imports_in(v)
    elif isinstance(value, list):
        for v in value:
            found += _imports_in(v)
    return found
