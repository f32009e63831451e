"""``infrac graph`` and ``infrac exports``: reports on a compiled project
(``infrac.tools.reports``), printed on stdout, their product (diagnostics go to stderr).
"""

from __future__ import annotations

import sys

from infrac.cli.common import FAILED, OK, Command, compile_project, unknown_stage, with_path, with_reporting

TYPE_CHECKING = False  # typing's own constant, without importing typing
if TYPE_CHECKING:
    import argparse


def graph_arguments(parser: argparse.ArgumentParser) -> None:
    with_path(parser)
    parser.add_argument(
        "--format", choices=("text", "mermaid", "dot", "github-matrix"), default="text",
        help="text (default), a Mermaid flowchart, Graphviz's dot language, or the waves as GitHub Actions job "
        "matrices (lines for $GITHUB_OUTPUT)",
    )
    with_reporting(parser)
    parser.set_defaults(product_on_stdout=True)


def graph(args: argparse.Namespace) -> int:
    compiled = compile_project(args)
    if compiled is None:
        return FAILED
    from infrac.tools import reports

    render = {"text": reports.graph_text, "mermaid": reports.graph_mermaid, "dot": reports.graph_dot,
              "github-matrix": reports.graph_github_matrix}[args.format]
    sys.stdout.write(render(compiled.program, compiled.linkage))
    return OK


def exports_arguments(parser: argparse.ArgumentParser) -> None:
    with_path(parser)
    parser.add_argument("--stage", help="one stage only (default: every stage of the project)")
    parser.add_argument(
        "--format", choices=("text", "json"), default="text", help="text (default), or JSON for tools"
    )
    with_reporting(parser)
    parser.set_defaults(product_on_stdout=True)


def exports(args: argparse.Namespace) -> int:
    compiled = compile_project(args)
    if compiled is None:
        return FAILED
    stages = compiled.program.settings.stages
    if args.stage is not None:
        if args.stage not in stages:
            return unknown_stage("exports", args.stage, stages)
        stages = (args.stage,)
    from infrac.tools import reports

    render = reports.exports_json if args.format == "json" else reports.exports_text
    sys.stdout.write(render(compiled.program, compiled.linkage, stages))
    return OK


GRAPH = Command(
    "graph", "the stacks in deploy waves, with their exports and importers", graph_arguments, graph, compiles=True
)
EXPORTS = Command(
    "exports", "every export's name per stage, with its importers", exports_arguments, exports, compiles=True
)
