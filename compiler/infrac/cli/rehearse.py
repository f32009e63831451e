"""``infrac rehearse``: deploy every stack of a stage into moto's CloudFormation mock, in
order, and tear it down (``infrac.tools.rehearse``); it needs the ``rehearse`` extra.
"""

from __future__ import annotations

import sys

from infrac.cli.common import FAILED, OK, USAGE, Command, compile_project, unknown_stage, with_path, with_reporting

TYPE_CHECKING = False  # typing's own constant, without importing typing
if TYPE_CHECKING:
    import argparse


def arguments(parser: argparse.ArgumentParser) -> None:
    with_path(parser)
    parser.add_argument("--stage", help="the stage to rehearse (default: the project's first)")
    with_reporting(parser)
    parser.set_defaults(product_on_stdout=True)


def run(args: argparse.Namespace) -> int:
    from infrac.cli.progress import Progress

    with Progress("rehearse") as progress:
        progress(0, 0, "loading moto")
        try:
            import moto  # noqa: F401
        except ImportError:
            progress.clear()
            print("infrac rehearse: error: moto is not installed; install it with `pip install 'infrac[rehearse]'`",
                  file=sys.stderr)
            return USAGE
        progress.clear()
        compiled = compile_project(args)
        if compiled is None:
            return FAILED
        stages = compiled.program.settings.stages
        stage = args.stage or stages[0]
        if stage not in stages:
            return unknown_stage("rehearse", stage, stages)
        progress(0, 0, "starting moto's CloudFormation mock")
        from infrac.tools.rehearse import rehearse, render

        report = rehearse(compiled.program, stage, progress)
    sys.stdout.write(render(report))
    return OK


#: moto and boto3 make garbage in cycles: with the cyclic collector.
COMMAND = Command(
    "rehearse", "deploy every stack into moto's CloudFormation mock, in order, and tear it down", arguments, run,
    compiles=False,
)
