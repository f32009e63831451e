"""``infrac plan-move``: plan moving deployed resources (given as Serverless services or
CloudFormation templates) into the project's stacks without replacing any, rehearse the
plan on infrac's CloudFormation simulator, and write it with its script and templates
(``infrac.tools.migrate``).
"""

from __future__ import annotations

import sys

from infrac.cli.common import (
    FAILED,
    OK,
    USAGE,
    Command,
    compile_project,
    left_aside,
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
        help="a deployed stack: a Serverless service file (stack <service>-<stage>) or a CloudFormation "
        "template (stack STACK, or the file's stem); repeat for each stack",
    )
    parser.add_argument("--out", type=Path, required=True, help="folder for the plan, its script and its templates")
    parser.add_argument("--stage", help="the deployed stage (default: the project's first)")
    parser.add_argument(
        "--strategy", choices=("auto", "refactor", "import"), default="auto",
        help="stack refactoring, retain-and-import, or refactoring where every move allows it (default)",
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
        return plan_moves(args, program, stage, progress)


def plan_moves(args: argparse.Namespace, program, stage: str, progress: Progress) -> int:
    """Read the deployed stacks, plan, simulate and write the plan (the status line
    ``progress`` follows the reading and the simulated steps)."""
    from pathlib import Path

    from infrac.diagnostics import diagnostic, has_errors
    from infrac.diagnostics.render import render_text
    from infrac.project.outputs import OutputError, write_outputs
    from infrac.project.workspace import display, read_input
    from infrac.tools.migrate import source as migrate_source
    from infrac.tools.migrate.plan import make_plan
    from infrac.tools.migrate.plan.deployed import deployed_stack
    from infrac.tools.migrate.plan.model import AWS_ONLY
    from infrac.tools.migrate.rehearsal import rehearse as rehearse_plan
    from infrac.tools.migrate.render import files
    from infrac.tools.rehearse import templates

    diagnostics = []
    texts = {}
    deployed = []
    for number, given in enumerate(args.deployed, 1):
        progress(number, len(args.deployed), f"reading {given}")
        name, _, file = given.rpartition("=") if "=" in given and not Path(given).exists() else ("", "", given)
        path = Path(file)
        try:
            data = read_input(path)
        except OSError as error:
            diagnostics.append(diagnostic("E0800", f"cannot read `{display(path)}`: {error.strerror or error}", None,
                                          hint="check the path given to --from"))
            continue
        decoded = migrate_source.decode(display(path), data)
        if not isinstance(decoded, migrate_source.SourceFile):
            diagnostics.append(decoded)
            continue
        texts[decoded.path] = decoded
        read = migrate_source.read(decoded)
        diagnostics.extend(read.diagnostics)
        if read.template is not None and read.ok:
            deployed.append(deployed_stack(read.template, decoded, stage, program.settings.region, name or None))
    progress.clear()
    if has_errors(diagnostics):
        report(args, diagnostics, texts)
        return FAILED
    from infrac.tools.migrate.plan.model import STACK_NAME

    for stack in deployed:
        if not STACK_NAME.fullmatch(stack.stack):
            print(f"infrac plan-move: error: `{stack.stack}` ({stack.text.path}) is not a CloudFormation stack name: "
                  "a letter, then letters, digits and hyphens, at most 128 characters", file=sys.stderr)
            return USAGE
    names = [d.stack for d in deployed]
    if len(set(names)) != len(names):
        twice = sorted({n for n in names if names.count(n) > 1})
        print(f"infrac plan-move: error: stack `{twice[0]}` is given twice with --from", file=sys.stderr)
        return USAGE
    consumers = {s.name for s in program.stacks if s.is_consumer}
    waves = [list(wave) for wave in program.waves]
    progress(0, 0, f"planning the moves of {len(deployed)} stack{'s' * (len(deployed) != 1)}")
    plan = make_plan(deployed, templates(program, stage), waves, consumers, stage, program.settings.region, args.strategy)
    diagnostics.extend(plan.diagnostics)
    rehearsal = None
    if not plan.refused:
        rehearsal = rehearse_plan(plan, deployed, progress)
        if not rehearsal.ok:
            step, reason = rehearsal.refused or (0, "; ".join(rehearsal.lines[-1:]))
            diagnostics.append(diagnostic(
                "E0855", f"the simulated execution refused step {step}: {reason}", None,
                notes=list(rehearsal.lines), hint="fix the project or the deployed templates given, and plan again",
            ))
    progress.clear()
    report(args, diagnostics, texts)
    if has_errors(diagnostics):
        print(f"infrac plan-move: refused; nothing written to {display(args.out)}", file=sys.stderr)
        return FAILED
    warnings_text = render_text([d for d in diagnostics], texts, color=False)
    written = files(plan, deployed, rehearsal, warnings_text)
    try:
        left_aside(write_outputs(args.out, written))
    except OutputError as error:
        report(args, [error.diagnostic], {})
        return FAILED
    (args.out / "plan.sh").chmod(0o755)
    stateful = sum(m.stateful for m in plan.moves)
    how = "stack refactoring" if plan.strategy == "refactor" else "retain and import"
    print(f"planned {len(plan.moves)} moves ({stateful} stateful) by {how} in {len(plan.steps)} steps, "
          f"stage {stage}: {display(args.out / 'plan.md')}, {display(args.out / 'plan.sh')}")
    print("simulated execution (infrac's CloudFormation simulator, not AWS):")
    for line in rehearsal.lines:
        print(f"  {line}")
    print(AWS_ONLY)
    return OK


#: The simulator and the readers make garbage in cycles: with the cyclic collector.
COMMAND = Command(
    "plan-move", "plan moving deployed resources into the project's stacks without replacing any", arguments, run,
    compiles=False,
)
