"""``infrac rehearse``: deploy every stack into moto's CloudFormation mock, wave by
wave, before a real deploy; then tear them down and see what AWS would refuse.

moto (``pip install infrac[rehearse]``) runs in process with no network. It does
not model everything, and the report says so rather than pretend:

- resource types it has no CloudFormation model for are left out, and every
  ``Ref``/``Fn::GetAtt`` of them becomes a stub string;
- its ``Ref`` of an ``AWS::Events::EventBus`` returns no name, so a ``Ref`` of a
  bus is replaced by the bus's ``Name``;
- it does not refuse to delete a stack whose export another stack imports, as
  AWS does; the rehearsal checks that itself, from the exports and imports;
- it does not know ``Fn::GetStackOutput`` (weak references): the rehearsal
  replaces each by the output's value from the stack deployed before, which it
  names ``<stack>-<stage>`` as the reference does, and lists it.
"""

from __future__ import annotations

import json
import warnings

from infrac.backends import BuildOptions, backend
from infrac.base.classes import frozen
from infrac.contract.linker import imports_in, link
from infrac.model import Program

TYPE_CHECKING = False  # typing's own constant, without importing typing
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

#: A Ref of these types gives the resource's name in AWS; moto gives nothing usable.
REF_BY_NAME = {"AWS::Events::EventBus": "Name"}


@frozen
class StackReport:
    name: str
    created: tuple[str, ...]
    imports: tuple[tuple[str, str], ...]  # (export name, value)
    stubbed: tuple[str, ...]
    error: str | None = None


@frozen
class Report:
    stage: str
    stacks: tuple[StackReport, ...]
    teardown: tuple[str, ...]
    refusals: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return all(s.error is None for s in self.stacks)


def templates(program: Program, stage: str) -> dict[str, dict]:
    """The CloudFormation templates of every stack that has resources, for one stage."""
    artifacts = backend("cloudformation").render(program, BuildOptions(stage=stage, format="json"))
    return {a.stack: json.loads(a.text) for a in artifacts if a.stack and a.path == f"{a.stack}.json"}


def stub(template: dict, supported: set[str]) -> tuple[dict, list[str]]:
    """The template as moto can deploy it, and what was changed for that, in words."""
    resources = template["Resources"]
    removed = {k: v["Type"] for k, v in resources.items() if v["Type"] not in supported}
    by_name = {k: v["Properties"][REF_BY_NAME[v["Type"]]] for k, v in resources.items() if v["Type"] in REF_BY_NAME}

    def rewrite(value: Any) -> Any:
        if isinstance(value, dict):
            if set(value) == {"Ref"} and value["Ref"] in removed:
                return f"stub:{removed[value['Ref']]}:{value['Ref']}"
            if set(value) == {"Ref"} and value["Ref"] in by_name:
                return by_name[value["Ref"]]
            if set(value) == {"Fn::GetAtt"} and value["Fn::GetAtt"][0] in removed:
                logical_id, attribute = value["Fn::GetAtt"]
                return f"stub:{removed[logical_id]}:{logical_id}:{attribute}"
            return {k: rewrite(v) for k, v in value.items()}
        if isinstance(value, list):
            return [rewrite(v) for v in value]
        return value

    stubbed = {**template, "Resources": {k: rewrite(v) for k, v in resources.items() if k not in removed}}
    if "Outputs" in template:
        stubbed["Outputs"] = rewrite(template["Outputs"])
    notes = [f"{logical_id} ({kind}): not deployed, moto has no model for it" for logical_id, kind in removed.items()]
    notes += [f"Ref of {logical_id}: replaced by the bus's name, which moto's Ref lacks" for logical_id in by_name]
    return stubbed, notes


def resolve_stack_outputs(value: Any, outputs: dict[str, dict[str, str]]) -> tuple[Any, list[str]]:
    """``value`` with every ``Fn::GetStackOutput`` replaced by the output's value (moto does not
    know the function); ``outputs`` maps each deployed stack's name to its outputs. A read of an
    output that does not exist is left as it is, and moto fails the stack, as AWS would."""
    notes: list[str] = []

    def rewrite(part: Any) -> Any:
        if isinstance(part, dict):
            if set(part) == {"Fn::GetStackOutput"}:
                read = part["Fn::GetStackOutput"]
                found = outputs.get(read.get("StackName"), {}).get(read.get("OutputName"))
                if found is not None:
                    notes.append(f"Fn::GetStackOutput {read['StackName']}.{read['OutputName']}: "
                                 "resolved by the rehearsal, moto does not know the function")
                    return found
            return {k: rewrite(v) for k, v in part.items()}
        if isinstance(part, list):
            return [rewrite(v) for v in part]
        return part

    return rewrite(value), notes


def exports_in(template: dict) -> list[str]:
    """Every export name a template publishes."""
    return [o["Export"]["Name"] for o in template.get("Outputs", {}).values()]


def rehearse(program: Program, stage: str, progress: Callable[[int, int, str], None] | None = None) -> Report:
    """Deploy, report, tear down. Needs moto (``infrac[rehearse]``). ``progress`` is told
    each stack deployed and deleted: ``(number, total, what)``."""
    progress = progress or (lambda number, total, what: None)
    import boto3
    from moto import mock_aws
    from moto.cloudformation.parsing import get_model_map

    supported = set(get_model_map())
    stacks = templates(program, stage)
    order = [name for wave in program.waves for name in wave if name in stacks]
    reports: list[StackReport] = []
    with mock_aws(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cloudformation = boto3.client("cloudformation", region_name=program.settings.region)
        outputs: dict[str, dict[str, str]] = {}  # deployed stack name -> its outputs
        for number, name in enumerate(order, 1):
            progress(number, len(order), f"deploying {name}")
            template, notes = stub(stacks[name], supported)
            template, weak_notes = resolve_stack_outputs(template, outputs)
            notes += weak_notes
            try:
                cloudformation.create_stack(StackName=name, TemplateBody=json.dumps(template))
                status = cloudformation.describe_stacks(StackName=name)["Stacks"][0]["StackStatus"]
                error = None if status == "CREATE_COMPLETE" else status
            except Exception as failure:  # what moto says is the report's content
                error = f"{type(failure).__name__}: {failure}"
            created: tuple[str, ...] = ()
            if error is None:
                described = cloudformation.describe_stacks(StackName=name)["Stacks"][0].get("Outputs", [])
                outputs[f"{name}-{stage}"] = {o["OutputKey"]: o["OutputValue"] for o in described}
                summaries = cloudformation.list_stack_resources(StackName=name)["StackResourceSummaries"]
                created = tuple(f"{s['LogicalResourceId']} ({s['ResourceType']})" for s in summaries)
            exports = {
                e["Name"]: e["Value"]
                for page in cloudformation.get_paginator("list_exports").paginate()
                for e in page["Exports"]
            }
            imports = tuple((n, exports.get(n, "<missing>")) for n in dict.fromkeys(imports_in(template)))
            reports.append(StackReport(name, created, imports, tuple(notes), error))
            if error is not None:
                break

        linkage = link(program)
        importers = {e.named(stage): set(e.importers) for e in linkage.exports}
        exports = {
            e["Name"]: e["Value"]
            for page in cloudformation.get_paginator("list_exports").paginate()
            for e in page["Exports"]
        }
        for consumer in (s for s in program.stacks if s.is_consumer and s.name not in stacks):
            names = [n.replace("{stage}", stage) for n in linkage.imports.get(consumer.name, ())]
            reports.append(
                StackReport(
                    consumer.name,
                    (),
                    tuple((n, exports.get(n, "<missing>")) for n in names),
                    ("its own service is not part of the rehearsal; its imports are resolved here",),
                    None if all(n in exports for n in names) else "an import names no deployed export",
                )
            )
        deployed = [r.name for r in reports if r.error is None and r.name in stacks]
        refusals = []
        for name in deployed:
            used: dict[str, list[str]] = {}
            for export in exports_in(stacks[name]):
                for user in sorted(importers.get(export, ())):
                    used.setdefault(user, []).append(export)
            for user, names in sorted(used.items()):
                refusals.append(
                    f"{name}: removing any of the {len(names)} exports {user} imports, or deleting {name} "
                    f'first: "Export {names[0]} cannot be deleted as it is in use by {user}"'
                )
        teardown = [
            f"{r.name}: remove its own service first, as it imports from the stacks below"
            for r in reports
            if r.name not in stacks
        ]
        remaining = list(deployed)
        for number, name in enumerate(reversed(deployed), 1):
            progress(number, len(deployed), f"tearing down {name}")
            still = sorted(
                u for e in exports_in(stacks[name]) for u in importers.get(e, ()) if u in remaining and u != name
            )
            if still:
                teardown.append(f"{name}: AWS would refuse, {', '.join(still)} still import its exports")
                continue
            cloudformation.delete_stack(StackName=name)
            remaining.remove(name)
            teardown.append(f"{name}: deleted")
    return Report(stage, tuple(reports), tuple(teardown), tuple(refusals))


def render(report: Report) -> str:
    lines = [f"rehearsal in moto's CloudFormation mock, stage {report.stage}", ""]
    for stack in report.stacks:
        if stack.error:
            lines.append(f"{stack.name}: FAILED: {stack.error}")
        elif stack.created:
            lines.append(f"{stack.name}: created {len(stack.created)} resource{'s' * (len(stack.created) != 1)}")
        else:
            lines.append(f"{stack.name}: {len(stack.imports)} imports")
        for name, value in stack.imports:
            lines.append(f"  import {name} = {value}")
        for note in stack.stubbed:
            lines.append(f"  not simulated: {note}")
    lines += ["", "teardown, in reverse deploy order:"]
    lines += [f"  {line}" for line in report.teardown]
    lines += ["", "what AWS would refuse (moto does not check it; infrac does, from the imports):"]
    lines += [f"  {line}" for line in report.refusals] or ["  nothing"]
    return "\n".join(lines) + "\n"
