"""``infrac build``: compile a project and write its deployable files for a target, with
the lock of its exports; or, with ``--check``, write nothing and say whether the files
and the lock on disk are what the sources produce.
"""

from __future__ import annotations

import sys

from infrac.cli.common import (
    FAILED,
    OK,
    USAGE,
    Command,
    compile_project,
    human,
    left_aside,
    report,
    unknown_stage,
    with_path,
    with_reporting,
    with_watch,
)

TYPE_CHECKING = False  # typing's own constant, without importing typing
if TYPE_CHECKING:
    import argparse
    from pathlib import Path

    from infrac.cli.common import Compiled


def arguments(parser: argparse.ArgumentParser) -> None:
    from pathlib import Path

    with_path(parser)
    parser.add_argument(
        "--target", choices=("cloudformation", "serverless"), default="cloudformation",
        help="CloudFormation templates (default), or a Serverless Framework v3 service per stack",
    )
    parser.add_argument("--out", type=Path, help="output folder (default: build/TARGET)")
    parser.add_argument("--stage", help="write this stage into the output instead of leaving it to deploy time")
    parser.add_argument("--format", choices=("yaml", "json"), default="yaml", help="template format (cloudformation)")
    parser.add_argument("--allow-breaking", action="store_true", help="accept removing or moving exports in use")
    parser.add_argument("--no-cache", action="store_true", help="neither read nor write the build cache (~/.cache/infrac)")
    parser.add_argument(
        "--check",
        action="store_true",
        help="write nothing, and read nothing from the build cache; exit 1 if --out (or infra.lock) "
        "differs from what the sources produce",
    )
    with_watch(parser)
    with_reporting(parser)


def run(args: argparse.Namespace) -> int:
    if args.format == "json" and args.target != "cloudformation":
        print("infrac build: error: --format json is for --target cloudformation", file=sys.stderr)
        return USAGE
    if args.watch:
        from infrac.cli.watch import watch

        return watch(args, once)
    return once(args)


def once(args: argparse.Namespace) -> int:
    compiled = compile_project(args)
    if compiled is None:
        return FAILED
    built = compiled.built
    stages = built.stages if built else compiled.program.settings.stages
    if args.stage is not None and args.stage not in stages:
        return unknown_stage("build", args.stage, stages)
    from pathlib import Path

    from infrac.project.outputs import OutputError, write_outputs
    from infrac.project.workspace import display

    out = args.out or Path("build") / args.target
    if built is not None:
        artifacts, lock, program_stacks = built.artifacts, built.lock, built.stacks
    else:
        from infrac.backends import BuildOptions, backend
        from infrac.contract import lockfile, replacement

        emitter = compiled.cache.emit if compiled.cache else None
        options = BuildOptions(stage=args.stage, format=args.format, out=str(out), emitter=emitter)
        artifacts = backend(args.target).render(compiled.program, options)
        lock = lockfile.render(compiled.linkage, replacement.record(compiled.program))
        program_stacks = compiled.program.stacks
    if args.check:
        return check(args, out, {a.path: a.text for a in artifacts}, compiled, lock)
    stream = human(args)
    try:
        written = write_outputs(
            out, {a.path: a.text for a in artifacts}, (compiled.lock_path, lock) if lock != compiled.lock_text else None
        )
    except OutputError as error:
        report(args, [error.diagnostic], {})
        return FAILED
    left_aside(written)
    stacks = len(program_stacks)
    print(f"built {stacks} stack{'s' * (stacks != 1)} for {args.target} in {display(out)}", file=stream)
    shown = [display(out / a.path) for a in artifacts]
    width = max((len(path) for path in shown), default=0)
    for artifact, path in zip(artifacts, shown):
        what = f"{artifact.stack}: {artifact.summary}" if artifact.stack else artifact.summary
        print(f"  {path.ljust(width)}  {what}", file=stream)
    for relative in written.removed:
        print(f"  removed {display(out / relative)} (no longer built)", file=stream)
    if args.target == "serverless":
        from infrac.backends.serverless import relative_to

        for stack in program_stacks:
            if stack.path is not None and stack.is_consumer:
                include = relative_to(str(out / stack.name / "imports.yml"), stack.path)
                print(f"  {stack.name}'s serverless.yml includes it as ${{file({include})}}", file=stream)
    if lock != compiled.lock_text:
        print(f"  {display(compiled.lock_path)}  the published exports: commit it with the sources", file=stream)
    return OK


#: Lines of unified diff shown per different file; the rest is counted.
DIFF_LINES = 20


def check(args: argparse.Namespace, out: Path, files: dict[str, str], compiled: Compiled, lock: str) -> int:
    """``build --check``: compare, write nothing. The lock counts too: a build would rewrite it."""
    import difflib

    from infrac.contract.lockfile import NAME as lockfile_name
    from infrac.project.outputs import Difference, compare_outputs
    from infrac.project.workspace import display

    differences = [(display(out / d.path), d) for d in compare_outputs(out, files)]
    if lock != compiled.lock_text:
        kind = "missing" if compiled.lock_text is None else "different"
        differences.append(
            (display(compiled.lock_path), Difference(lockfile_name, kind, expected=lock, actual=compiled.lock_text))
        )
    stream = human(args)
    if not differences:
        print(f"ok: {display(out)} is what the sources produce ({len(files)} files)", file=stream)
        return OK
    print(f"infrac build --check: {display(out)} is not what the sources produce; run `infrac build` and commit:",
          file=stream)
    for shown, difference in differences:
        meaning = {
            "missing": "missing (the build would write it)",
            "extra": "extra (an earlier build wrote it; the build would remove it)",
            "different": "different (edited by hand, or not rebuilt)",
        }[difference.kind]
        print(f"  {shown}: {meaning}", file=stream)
        if difference.kind == "different":
            diff = list(
                difflib.unified_diff(
                    (difference.actual or "").splitlines(keepends=True),
                    (difference.expected or "").splitlines(keepends=True),
                    fromfile=f"{shown} (on disk)",
                    tofile=f"{shown} (from the sources)",
                    n=1,
                )
            )
            for line in diff[:DIFF_LINES]:
                print("    " + line.rstrip("\n"), file=stream)
            if len(diff) > DIFF_LINES:
                print(f"    ... {len(diff) - DIFF_LINES} more diff lines", file=stream)
    return FAILED


COMMAND = Command("build", "check a project and write its deployable files", arguments, run, compiles=True)
