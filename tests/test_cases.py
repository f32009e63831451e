"""Golden cases: each folder under tests/cases/ is one behaviour.

A case holds ``.infra`` sources (or ``generate.json``, below), or templates to import under
``templates/`` (Serverless services or CloudFormation templates, see ``import_outputs``), and
``expected/``. A case with a ``deployed/`` folder is a move plan (see ``plan_outputs``).

- ``expected/diagnostics.txt``: what ``infrac check`` prints (no colour), or
  absent when the case has no diagnostics;
- ``expected/cloudformation/<stack>.yml``: the templates, when the case builds.

``INFRAC_UPDATE=1 make test`` rewrites ``expected/``; review the diff.

A case about size (hundreds of resources) holds ``generate.json`` instead of
writing them all out: for each file, a ``head``, a ``repeat`` written ``count``
times with ``{n}`` replaced by the zero-padded number, and a ``tail``.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from conftest import CASES, UPDATE
from infrac.backends import BuildOptions, backend
from infrac.base.source import SourceFile
from infrac.contract import lockfile, replacement
from infrac.contract.linker import link
from infrac.diagnostics import has_errors
from infrac.diagnostics.render import render_text
from infrac.project.pipeline import compile_sources


def case_names() -> list[str]:
    return sorted(p.name for p in CASES.iterdir() if p.is_dir())


def load_case(folder: Path) -> list[SourceFile]:
    sources = [
        SourceFile(p.relative_to(folder).as_posix(), p.read_text(encoding="utf-8"))
        for p in sorted(folder.rglob("*.infra"))
        if "expected" not in p.relative_to(folder).parts
    ]
    generate = folder / "generate.json"
    if generate.is_file():
        for path, spec in json.loads(generate.read_text(encoding="utf-8"))["files"].items():
            width = len(str(spec["count"]))
            body = "".join(spec["repeat"].replace("{n}", str(n).zfill(width)) for n in range(1, spec["count"] + 1))
            sources.append(SourceFile(path, spec["head"] + body + spec["tail"]))
    return sorted(sources, key=lambda s: s.path)


def load_templates(folder: Path) -> list:
    """The case's templates, each a SourceFile or the diagnostic that it cannot be read."""
    from infrac.tools.migrate.source import decode

    return [
        decode(p.relative_to(folder).as_posix(), p.read_bytes())
        for p in sorted((folder / "templates").glob("*"))
        if p.is_file()
    ]


def import_outputs(folder: Path) -> dict[str, str]:
    """What ``infrac import`` makes of a case's templates (``--split-by type`` when the case
    has a file named ``split-by-type``): its diagnostics, located in the templates, and the
    ``.infra`` files it writes (``import/``)."""
    from infrac.tools.migrate.command import prepare

    inputs = [(p.relative_to(folder).as_posix(), p.read_bytes()) for p in sorted((folder / "templates").glob("*")) if p.is_file()]
    split = "type" if (folder / "split-by-type").is_file() else None
    mapping = folder / "map.yml"
    prepared = prepare(inputs, "out", split, ("map.yml", mapping.read_bytes()) if mapping.is_file() else None)
    outputs = {f"import/{path}": text for path, text in prepared.files.items()}
    text = render_text(prepared.diagnostics, prepared.sources)
    if text:
        outputs["diagnostics.txt"] = text
    return outputs


def plan_outputs(folder: Path) -> dict[str, str]:
    """What ``infrac plan-move`` says of a case's project and the deployed stacks under
    ``deployed/`` (a template is the stack named by its file's stem), the consumers' next
    templates under ``consumers/`` (the same way), options in ``plan-move.json`` (``strategy``,
    ``preview``, ``new``: as the command line's flags): its diagnostics, and the simulation's
    verdict."""
    import json

    from infrac.cli.plan_move import _acknowledged, _recorded, _spans
    from infrac.tools.migrate import source
    from infrac.tools.migrate.plan import make_plan
    from infrac.tools.migrate.plan.deployed import deployed_stack
    from infrac.tools.migrate.rehearsal import rehearse
    from infrac.tools.rehearse import templates

    options = json.loads((folder / "plan-move.json").read_text()) if (folder / "plan-move.json").is_file() else {}
    sources = load_case(folder)
    result = compile_sources(sources)
    assert result.ok, result.diagnostics
    program = result.program
    stage, region = program.settings.stages[0], program.settings.region
    texts = {s.path: s for s in sources}
    deployed = []
    for path in sorted((folder / "deployed").iterdir()):
        text = SourceFile(path.relative_to(folder).as_posix(), path.read_text(encoding="utf-8"))
        texts[text.path] = text
        read = source.read(text)
        assert read.ok, read.diagnostics
        deployed.append(deployed_stack(read.template, text, stage, region, None))
    futures = {}
    consumers_folder = folder / "consumers"
    for path in sorted(consumers_folder.iterdir()) if consumers_folder.is_dir() else ():
        text = SourceFile(path.relative_to(folder).as_posix(), path.read_text(encoding="utf-8"))
        texts[text.path] = text
        read = source.read(text)
        assert read.ok, read.diagnostics
        futures[path.stem] = deployed_stack(read.template, text, stage, region, path.stem).template
    lock = folder / lockfile.NAME
    plan = make_plan(deployed, templates(program, stage), [list(w) for w in program.waves],
                     {s.name for s in program.stacks if s.is_consumer}, stage, region, options.get("strategy", "auto"),
                     futures=futures, acknowledged=_acknowledged(program, stage), preview=options.get("preview", False),
                     recorded=_recorded(lock.read_text(encoding="utf-8") if lock.is_file() else None),
                     new_stacks=set(options.get("new", [])), spans=_spans(program))
    diagnostics = list(plan.diagnostics)
    verdict = "refused by the planner"
    if not plan.refused:
        rehearsal = rehearse(plan, deployed)
        verdict = "\n".join(rehearsal.lines)
        if not rehearsal.ok:
            from infrac.diagnostics import diagnostic

            step, reason = rehearsal.refused
            diagnostics.append(diagnostic("E0855", f"the simulated execution refused step {step}: {reason}", None))
    outputs = {"simulation.txt": verdict + "\n"}
    text = render_text(diagnostics, texts)
    if text:
        outputs["diagnostics.txt"] = text
    return outputs


def actual_outputs(folder: Path) -> dict[str, str]:
    """What infrac says of a case: its diagnostics (with those of its ``infra.lock``,
    when the case has one) and, when it builds, its CloudFormation."""
    if (folder / "templates").is_dir():
        return import_outputs(folder)
    if (folder / "deployed").is_dir():
        return plan_outputs(folder)
    sources = load_case(folder)
    result = compile_sources(sources)
    diagnostics = list(result.diagnostics)
    lock = folder / lockfile.NAME
    if result.ok and lock.is_file():
        previous = lockfile.read(lock.read_text(encoding="utf-8"))
        assert previous is not None, f"{lock} is not a lock"
        diagnostics += lockfile.compare(previous, link(result.program), result.program, lockfile.NAME)
        diagnostics += replacement.compare(replacement.read(lock.read_text(encoding="utf-8")), result.program,
                                           lockfile.NAME)
    outputs: dict[str, str] = {}
    text = render_text(diagnostics, {s.path: s for s in sources})
    if text:
        outputs["diagnostics.txt"] = text
    if result.ok and not has_errors(diagnostics):
        for artifact in backend("cloudformation").render(result.program, BuildOptions()):
            outputs[f"cloudformation/{artifact.path}"] = artifact.text
    return outputs


def expected_outputs(folder: Path) -> dict[str, str]:
    expected = folder / "expected"
    if not expected.is_dir():
        return {}
    return {
        p.relative_to(expected).as_posix(): p.read_text(encoding="utf-8")
        for p in sorted(expected.rglob("*"))
        if p.is_file()
    }


@pytest.mark.parametrize("name", case_names())
def test_case(name: str) -> None:
    folder = CASES / name
    actual = actual_outputs(folder)
    if UPDATE:
        shutil.rmtree(folder / "expected", ignore_errors=True)
        for relative, text in actual.items():
            path = folder / "expected" / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        return
    expected = expected_outputs(folder)
    assert sorted(actual) == sorted(expected), "outputs differ; INFRAC_UPDATE=1 rewrites them"
    for relative in expected:
        assert actual[relative] == expected[relative], f"{name}/expected/{relative} differs"


def test_every_case_has_sources() -> None:
    for name in case_names():
        folder = CASES / name
        assert load_case(folder) or load_templates(folder), f"tests/cases/{name} has no .infra file or template"
