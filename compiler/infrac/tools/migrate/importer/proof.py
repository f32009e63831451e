"""The proof of an import: the ``.infra`` sources compiled and rendered back to CloudFormation,
every resource compared with its template's. A lifted resource that differs (or does not
compile) is imported again as a generic block; anything else that differs is an error.
"""

from __future__ import annotations

from collections.abc import Mapping

from infrac.diagnostics import Diagnostic, diagnostic
from infrac.syntax import ir
from infrac.tools.migrate.importer.lifting import Decisions
from infrac.tools.migrate.importer.problems import located
from infrac.tools.migrate.importer.rendering import project_module, render_sources
from infrac.tools.migrate.source.model import join


def build(sources: Mapping[str, str], stage: str):
    """Compile ``.infra`` texts and render CloudFormation for ``stage``: (result, templates by stack)."""
    import yaml

    from infrac.backends import BuildOptions, backend
    from infrac.base.source import SourceFile
    from infrac.project.pipeline import compile_sources

    result = compile_sources([SourceFile(path, text) for path, text in sorted(sources.items())])
    if not result.ok:
        return result, {}
    artifacts = backend("cloudformation").render(result.program, BuildOptions(stage=stage))
    return result, {a.stack: yaml.safe_load(a.text) for a in artifacts if a.stack and a.path == f"{a.stack}.yml"}


def verify(modules, templates, where, decisions: Decisions, stage: str, region: str, stages: tuple[str, ...] = (),
           placement=None):
    """Compile the import and compare every resource with its template's: the lifted
    resources that differ (to import again as generic blocks), and problems to report."""
    from infrac.tools.migrate.importer.placement import stack_name
    from infrac.tools.migrate.roundtrip import built_resources, expected_resources, with_stack_name

    sources = {"project.infra": render_sources({"p": project_module(stage, region, stages=stages)})["p"], **render_sources(modules)}
    result, built = build(sources, stage)
    problems: list[Diagnostic] = []
    mismatched: set[tuple[int, str]] = set()
    if not result.ok:
        owners = _owners(sources)
        for d in result.diagnostics:
            if d.severity.value != "error":
                continue
            owner = owners(d.span)
            lifted = [k for k in decisions.lifted if owner and k[1] == owner]
            if lifted:
                mismatched |= set(lifted)
            else:
                problems.append(_compile_problem(d, owner, templates, where))
        return mismatched, problems
    have = {k: with_stack_name(v, f"{k[0]}-{stage}")
            for k, v in built_resources(built, stage, region, by_stack=True).items()}
    for i, template in enumerate(templates):
        whole = _whole(template, i, where) if not placement else None
        if whole is not None:  # the whole template: every section, every resource attribute
            mismatched |= _compare_whole(template, i, built.get(whole, {}), decisions, stage, region, problems)
            continue
        home = f"{stack_name(template)}-{stage}"
        expected = {k: with_stack_name(v, home) for k, v in expected_resources(template, stage, region).items()}
        for logical_id, document in expected.items():
            if where[(i, logical_id)] is None:
                continue
            if have.get((where[(i, logical_id)], logical_id)) != document:
                owners = _lifted_owners(decisions, i, logical_id)
                if owners:
                    mismatched |= owners
                else:
                    problems.append(_differs(template, join("Resources", logical_id), logical_id,
                                             have.get((where[(i, logical_id)], logical_id)), document))
    return mismatched, problems


def _whole(template, index: int, where) -> str | None:
    """The one stack a template's resources all went to (a template imported on its own)."""
    stacks = {stack for (i, _), stack in where.items() if i == index}
    return next(iter(stacks)) if len(stacks) == 1 and None not in stacks else None


def _lifted_owners(decisions: Decisions, index: int, logical_id: str) -> set:
    return {k for k, v in decisions.lifted.items() if k[0] == index and (k[1] == logical_id or logical_id in v[2])}


def _compare_whole(template, index: int, built: dict, decisions: Decisions, stage: str, region: str, problems) -> set:
    from infrac.tools.migrate.roundtrip import SECTIONS, built_template, expected_template

    expected = expected_template(template, stage, region)
    have = built_template(built, expected, template.kind, stage, region)
    mismatched: set = set()
    want_resources, have_resources = expected.get("Resources", {}), have.get("Resources", {})
    for logical_id in dict.fromkeys([*want_resources, *have_resources]):
        if want_resources.get(logical_id) == have_resources.get(logical_id):
            continue
        owners = _lifted_owners(decisions, index, logical_id)
        if owners:
            mismatched |= owners
        elif logical_id in want_resources:
            problems.append(_differs(template, join("Resources", logical_id), logical_id,
                                     have_resources.get(logical_id), want_resources[logical_id]))
        else:
            problems.append(_differs(template, "Resources", "the template", {logical_id: have_resources[logical_id]},
                                     None))
    if mismatched:
        return mismatched
    for section in SECTIONS:
        if expected.get(section) == have.get(section):
            continue
        want, got = expected.get(section), have.get(section)
        if isinstance(want, dict) and isinstance(got, dict):
            for name in dict.fromkeys([*want, *got]):
                if want.get(name) != got.get(name):
                    problems.append(_differs(template, join(section, name), f"`{section}.{name}`", got.get(name),
                                             want.get(name)))
                    break
        else:
            problems.append(_differs(template, section, f"`{section}`", got, want))
    return mismatched


def _differs(template, path: str, what: str, built, expected) -> Diagnostic:
    shown = what if what.startswith("`") or what.startswith("the ") else f"`{what}`"
    return located(
        template, path, f"{shown} would not be rebuilt exactly as it is", "E0813", key=True,
        label="the import differs from this",
        notes=[f"built: {built!r}"[:400], f"expected: {expected!r}"[:400]],
        hint="please report this: the importer should have said what it cannot express",
    )


def _owners(sources: Mapping[str, str]):
    from infrac.base.source import SourceFile
    from infrac.syntax.parser import parse

    ranges = []
    for path, text in sources.items():
        module = parse(SourceFile(path, text)).module
        for item in module.items if module else ():
            for statement in getattr(item, "body", ()):
                if isinstance(statement, ir.Block) and statement.span and statement.labels:
                    ranges.append((path, statement.span.start, statement.span.end, getattr(statement.labels[-1], "name", "")))

    def owner(span) -> str | None:
        if span is None:
            return None
        for path, start, end, name in ranges:
            if span.file == path and start <= span.start < end:
                return name
        return None

    return owner


def _compile_problem(d: Diagnostic, owner: str | None, templates, where) -> Diagnostic:
    for _i, template in enumerate(templates):
        if owner and template.resource(owner) is not None:
            return located(template, join("Resources", owner), f"the imported `{owner}` does not compile: {d.message}",
                            "E0813", key=True, label="imported from here", notes=[f"{d.code}: {d.message}"],
                            hint=d.hint or "change the resource so that it is valid, then import again")
    for template in templates:  # a condition, parameter, mapping or output the message names, or the template
        sections = {"Conditions": list(template.conditions), "Parameters": [p.name for p in template.parameters],
                    "Mappings": list(template.mappings), "Outputs": [o.name for o in template.outputs],
                    "Rules": list(template.rules) if isinstance(template.rules, dict) else []}
        for section, names in sections.items():
            name = next((n for n in names if f"`{n}`" in d.message), None)
            if name is not None:
                return located(template, join(section, name), f"the imported `{section}.{name}` does not compile: "
                               f"{d.message}", "E0813", key=True, label="imported from here", notes=[f"{d.code}: {d.message}"],
                               hint=d.hint or "please report this: the importer should have said what it cannot express")
    first = templates[0] if templates else None
    return diagnostic("E0813", f"the imported project does not compile: {d.message}",
                      first.key_span("") if first is not None else None, notes=[d.code],
                      hint="please report this: the importer should have said what it cannot express")
