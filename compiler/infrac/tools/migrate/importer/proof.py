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


def verify(modules, templates, where, decisions: Decisions, stage: str, region: str, stages: tuple[str, ...] = ()):
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
        home = f"{stack_name(template)}-{stage}"
        expected = {k: with_stack_name(v, home) for k, v in expected_resources(template, stage, region).items()}
        for logical_id, document in expected.items():
            if where[(i, logical_id)] is None:
                continue
            if have.get((where[(i, logical_id)], logical_id)) != document:
                owners = {k for k, v in decisions.lifted.items() if k[0] == i and (k[1] == logical_id or logical_id in v[2])}
                if owners:
                    mismatched |= owners
                else:
                    problems.append(located(
                        template, join("Resources", logical_id),
                        f"`{logical_id}` would not be rebuilt exactly as it is", "E0813", key=True,
                        label="the import differs from this resource",
                        notes=[f"built: {have.get((where[(i, logical_id)], logical_id))!r}"[:400]],
                        hint="please report this: the importer should have said what it cannot express",
                    ))
    return mismatched, problems


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
    return diagnostic("E0813", f"the imported project does not compile: {d.message}", None, notes=[d.code])
