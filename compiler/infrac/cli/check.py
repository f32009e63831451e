"""``infrac check``: compile a project, print its diagnostics, and count its stacks and
resources when it has no errors.
"""

from __future__ import annotations

from infrac.cli.common import FAILED, OK, Command, compile_project, human, with_path, with_reporting, with_watch

TYPE_CHECKING = False  # typing's own constant, without importing typing
if TYPE_CHECKING:
    import argparse


def arguments(parser: argparse.ArgumentParser) -> None:
    with_path(parser)
    parser.add_argument("--allow-breaking", action="store_true", help="accept removing or moving exports in use")
    parser.add_argument("--no-cache", action="store_true", help="neither read nor write the build cache (~/.cache/infrac)")
    with_watch(parser)
    with_reporting(parser)


def run(args: argparse.Namespace) -> int:
    if args.watch:
        from infrac.cli.watch import watch

        return watch(args, once)
    return once(args)


def once(args: argparse.Namespace) -> int:
    compiled = compile_project(args)
    if compiled is None:
        return FAILED
    stacks = compiled.program.stacks
    resources = sum(len(s.resources) for s in stacks)
    print(
        f"ok: {len(stacks)} stack{'s' * (len(stacks) != 1)}, {resources} resource{'s' * (resources != 1)}",
        file=human(args),
    )
    return OK


COMMAND = Command("check", "check a project and print its diagnostics", arguments, run, compiles=True)
