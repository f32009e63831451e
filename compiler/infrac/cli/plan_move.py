"""``infrac plan-move``: plan moving deployed resources (given as the templates CloudFormation holds)
into the project's stacks without replacing or deleting any stateful one, rehearse the plan on
infrac's CloudFormation simulator, and write it with its script and templates
(``infrac.tools.migrate``). The consumers' next templates come from packaging their services
with the Serverless Framework, or from ``--consumer``.
"""

from __future__ import annotations

import sys

from infrac.cli.common import (
    FAILED,
    OK,
    USAGE,
    Command,
    compile_project,
    report,
    unknown_stage,
    with_path,
    with_reporting,
)

TYPE_CHECKING = False  # typing's own constant, without importing typing
if TYPE_CHECKING:
    import argparse

    from infrac.cli.progress import Progress


def arguments(parser: argparse.ArgumentParser) -> None:
    from pathlib import Path

    with_path(parser)
    parser.add_argument(
        "--from", dest="deployed", action="append", required=True, metavar="[STACK=]FILE",
        help="a deployed stack's template, as CloudFormation holds it (`aws cloudformation get-template "
        "--template-stage Processed`): the stack STACK, or the file's stem; repeat for each stack",
    )
    parser.add_argument("--out", type=Path, required=True, help="folder for the plan, its script and its templates")
    parser.add_argument("--stage", help="the deployed stage (default: the project's first)")
    parser.add_argument(
        "--strategy", choices=("auto", "refactor", "import"), default="auto",
        help="stack refactoring where a move allows it and retain-and-import for the rest (auto, the default), "
        "or one of them for every move",
    )
    parser.add_argument(
        "--consumer", action="append", default=[], metavar="STACK=FILE",
        help="the template a consumer's new service packages to (`serverless package`), for stack STACK",
    )
    parser.add_argument(
        "--serverless", metavar="COMMAND",
        help="the Serverless Framework command that packages the consumers' services (default: `serverless` on PATH)",
    )
    parser.add_argument(
        "--new", action="append", default=[], metavar="STACK",
        help="a stack of the project that is not deployed yet (the plan creates it); repeat for each",
    )
    parser.add_argument(
        "--preview", action="store_true",
        help="plan from service files or unprocessed templates, for review: plan.md and plan.json, no script",
    )
    with_reporting(parser)


def run(args: argparse.Namespace) -> int:
    compiled = compile_project(args)
    if compiled is None:
        return FAILED
    program = compiled.program
    stages = program.settings.stages
    stage = args.stage or stages[0]
    if stage not in stages:
        return unknown_stage("plan-move", stage, stages)
    from infrac.cli.progress import Progress

    with Progress("plan-move") as progress:
        return plan_moves(args, compiled, stage, progress)


def _read(given: str, what: str, texts: dict, diagnostics: list):
    """A file of the command line as a source of the migration reader, or None (said)."""
    from pathlib import Path

    from infrac.diagnostics import diagnostic
    from infrac.project.workspace import display, read_input
    from infrac.tools.migrate import source as migrate_source

    path = Path(given)
    try:
        data = read_input(path)
    except OSError as error:
        diagnostics.append(diagnostic("E0800", f"cannot read `{display(path)}`: {error.strerror or error}", None,
                                      hint=f"check the path given to {what}"))
        return None
    decoded = migrate_source.decode(display(path), data)
    if not isinstance(decoded, migrate_source.SourceFile):
        diagnostics.append(decoded)
        return None
    texts[decoded.path] = decoded
    read = migrate_source.read(decoded)
    diagnostics.extend(read.diagnostics)
    return (read.template, decoded) if read.template is not None and read.ok else None


def _named(given: str) -> tuple[str, str]:
    """``STACK=FILE`` -> (STACK, FILE); a FILE that exists with ``=`` in its name is a file."""
    from pathlib import Path

    return given.split("=", 1) if "=" in given and not Path(given).exists() else ("", given)  # type: ignore[return-value]


def plan_moves(args: argparse.Namespace, compiled, stage: str, progress: Progress) -> int:
    """Read the deployed stacks and the consumers' next templates, plan, simulate and write the
    plan (the status line ``progress`` follows the reading and the simulated steps)."""
    from infrac.diagnostics import has_errors
    from infrac.diagnostics.render import render_text
    from infrac.project.outputs import OutputError, write_outputs
    from infrac.project.workspace import display
    from infrac.tools.migrate.plan import make_plan
    from infrac.tools.migrate.plan.deployed import deployed_stack
    from infrac.tools.migrate.plan.model import AWS_ONLY, STACK_NAME
    from infrac.tools.migrate.rehearsal import rehearse as rehearse_plan
    from infrac.tools.migrate.render import files
    from infrac.tools.rehearse import templates

    program = compiled.program
    region = program.settings.region
    diagnostics: list = []
    texts: dict = {}
    deployed = []
    for number, given in enumerate(args.deployed, 1):
        progress(number, len(args.deployed), f"reading {given}")
        name, file = _named(given)
        found = _read(file, "--from", texts, diagnostics)
        if found is not None:
            deployed.append(deployed_stack(found[0], found[1], stage, region, name or None))
    futures_given = {}
    for given in args.consumer:
        name, file = _named(given)
        if not name:
            print(f"infrac plan-move: error: --consumer takes STACK=FILE, not `{given}`", file=sys.stderr)
            return USAGE
        found = _read(file, "--consumer", texts, diagnostics)
        if found is not None:
            futures_given[name] = deployed_stack(found[0], found[1], stage, region, name).template
    progress.clear()
    if has_errors(diagnostics):
        report(args, diagnostics, texts)
        return FAILED
    names = [d.stack for d in deployed] + list(futures_given) + list(args.new)
    for stack in names:
        if not STACK_NAME.fullmatch(stack):
            print(f"infrac plan-move: error: `{stack}` is not a CloudFormation stack name: "
                  "a letter, then letters, digits and hyphens, at most 128 characters", file=sys.stderr)
            return USAGE
    given = [d.stack for d in deployed]
    if len(set(given)) != len(given):
        twice = sorted({n for n in given if given.count(n) > 1})
        print(f"infrac plan-move: error: stack `{twice[0]}` is given twice with --from", file=sys.stderr)
        return USAGE
    consumers = {s.name for s in program.stacks if s.is_consumer}
    services = {f"{s.name}-{stage}": (s.path, s.config or "serverless.yml") for s in program.stacks
                if s.is_consumer and s.path is not None}
    futures = dict(futures_given)
    for stack, (folder, config) in sorted(services.items()):
        if stack in futures or stack not in given:
            continue
        progress(0, 0, f"packaging {stack}'s service in {folder}")
        packaged = _package(args, folder, config, stage, stack, diagnostics, texts)
        if packaged is not None:
            futures[stack] = deployed_stack(packaged[0], packaged[1], stage, region, stack).template
    progress.clear()
    if has_errors(diagnostics):
        report(args, diagnostics, texts)
        return FAILED
    waves = [list(wave) for wave in program.waves]
    progress(0, 0, f"planning the moves of {len(deployed)} stack{'s' * (len(deployed) != 1)}")
    plan = make_plan(
        deployed, templates(program, stage), waves, consumers, stage, region, args.strategy,
        futures=futures, acknowledged=_acknowledged(program, stage), preview=args.preview,
        services={s: (_absolute(folder), config) for s, (folder, config) in services.items()},
        recorded=_recorded(compiled.lock_text), new_stacks=set(args.new), spans=_spans(program),
    )
    diagnostics.extend(plan.diagnostics)
    rehearsal = None
    if not plan.refused:
        rehearsal = rehearse_plan(plan, deployed, progress)
        if not rehearsal.ok:
            from infrac.diagnostics import diagnostic

            step, reason = rehearsal.refused or (0, "; ".join(rehearsal.lines[-1:]))
            diagnostics.append(diagnostic(
                "E0855", f"the simulated execution refused step {step}: {reason}", None,
                notes=list(rehearsal.lines), hint="fix the project or the deployed templates given, and plan again",
            ))
    progress.clear()
    why = [n for n in plan.notes if "not by stack refactoring" in n]
    for line in why:
        print(line)
    report(args, diagnostics, texts)
    if has_errors(diagnostics):
        print(f"infrac plan-move: refused; nothing written to {display(args.out)}", file=sys.stderr)
        return FAILED
    warnings_text = render_text([d for d in diagnostics], texts, color=False)
    written = files(plan, deployed, rehearsal, warnings_text)
    try:
        write_outputs(args.out, written)
    except OutputError as error:
        report(args, [error.diagnostic], {})
        return FAILED
    stateful = sum(m.stateful for m in plan.moves)
    how = {"refactor": "stack refactoring", "import": "retain and import", "mixed": "stack refactoring and "
           "retain-and-import", "none": "no move"}[plan.strategy]
    if plan.preview:
        print(f"PREVIEW, not executable: {len(plan.moves)} moves ({stateful} stateful) by {how}, stage {stage}: "
              f"{display(args.out / 'plan.md')} (no script: give the deployed templates for one)")
    else:
        (args.out / "plan.sh").chmod(0o755)
        print(f"planned {len(plan.moves)} moves ({stateful} stateful) by {how} in {len(plan.steps)} steps, "
              f"stage {stage}: {display(args.out / 'plan.md')}, {display(args.out / 'plan.sh')}")
    print("simulated execution (infrac's CloudFormation simulator, not AWS):")
    for line in rehearsal.lines:
        print(f"  {line}")
    print(AWS_ONLY)
    return OK


def _absolute(folder: str) -> str:
    import os

    return os.path.abspath(folder).replace("\\", "/")


def _package(args, folder: str, config: str, stage: str, stack: str, diagnostics: list, texts: dict):
    """The template a consumer's service packages to, by the Serverless Framework (``--serverless``,
    or ``serverless`` on PATH) into a temporary folder; None, said (E0859), when it cannot."""
    import shlex
    import shutil
    import subprocess
    import tempfile
    from pathlib import Path

    from infrac.diagnostics import diagnostic

    command = shlex.split(args.serverless) if args.serverless else ["serverless"]
    found = shutil.which(command[0]) if command else None
    asked = f"`{command[0]} package --stage {stage} --config {config} --package DIR` in {folder}"
    if found is None:
        diagnostics.append(diagnostic(
            "E0859", f"cannot package `{stack}`'s service: no Serverless Framework command "
                     f"(`{command[0] if command else ''}` is not found)", None,
            notes=["the plan deploys the consumer's new service: it needs the template that service packages to"],
            hint=f"run {asked} and give `--consumer {stack}=DIR/cloudformation-template-update-stack.json`, or name "
                 "the framework's command with `--serverless COMMAND`",
        ))
        return None
    with tempfile.TemporaryDirectory(prefix="infrac-package-") as out:
        try:
            process = subprocess.run(
                [found, *command[1:], "package", "--stage", stage, "--config", config, "--package", out],
                cwd=folder, capture_output=True, text=True, timeout=900, stdin=subprocess.DEVNULL,
            )
        except (OSError, subprocess.SubprocessError) as error:
            process = None
            failure = str(error)
        template = Path(out) / "cloudformation-template-update-stack.json"
        if process is None or process.returncode != 0 or not template.is_file():
            said = failure if process is None else (process.stderr or process.stdout).strip().splitlines()[-8:]
            diagnostics.append(diagnostic(
                "E0859", f"packaging `{stack}`'s service failed", None,
                notes=[said] if isinstance(said, str) else said or ["no template was written"],
                hint=f"fix the service so that {asked} works, or give the packaged template with "
                     f"`--consumer {stack}=FILE`",
            ))
            return None
        return _read_packaged(template, stack, diagnostics, texts)


def _read_packaged(template, stack: str, diagnostics: list, texts: dict):
    from infrac.tools.migrate import source as migrate_source

    decoded = migrate_source.decode(f"{stack} (packaged)", template.read_bytes())
    if not isinstance(decoded, migrate_source.SourceFile):
        diagnostics.append(decoded)
        return None
    texts[decoded.path] = decoded
    read = migrate_source.read(decoded)
    diagnostics.extend(read.diagnostics)
    return (read.template, decoded) if read.template is not None and read.ok else None


def _acknowledged(program, stage: str) -> dict[tuple[str, str], tuple[str, str]]:
    """What the source says may go: each resource's ``replace = "why"`` (its companions too), each
    stack's ``retired``, by deployed stack and logical ID."""
    from infrac.contract.record import owners_of

    found: dict[tuple[str, str], tuple[str, str]] = {}
    for stack in program.stacks:
        deployed = f"{stack.name}-{stage}"
        for logical_id, resource in owners_of(stack).items():
            why = resource.values.get("replace")
            if isinstance(why, str):
                found[(deployed, logical_id)] = ("replace", why)
        for logical_id, why in stack.retired.items():
            found[(deployed, logical_id)] = ("retired", why)
    return found


def _recorded(lock_text: str | None) -> dict:
    from infrac.contract import replacement

    return replacement.read(lock_text) if lock_text else {}


def _spans(program) -> dict:
    from infrac.contract.record import owners_of

    found: dict = {}
    for stack in program.stacks:
        found[(stack.name,)] = stack.span
        for logical_id, resource in owners_of(stack).items():
            found[(stack.name, logical_id)] = resource.name_span
    return found


#: The simulator and the readers make garbage in cycles: with the cyclic collector.
COMMAND = Command(
    "plan-move", "plan moving deployed resources into the project's stacks without replacing any", arguments, run,
    compiles=False,
)
