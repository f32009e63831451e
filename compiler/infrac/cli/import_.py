"""``infrac import``: write .infra sources from Serverless services or CloudFormation
templates (``infrac.tools.migrate``), and the services rewired to take the moved
resources from infrac's imports. (The module's name has a trailing underscore: ``import``
is a keyword.)
"""

from __future__ import annotations

from infrac.cli.common import FAILED, OK, Command, report, with_reporting

TYPE_CHECKING = False  # typing's own constant, without importing typing
if TYPE_CHECKING:
    import argparse


def arguments(parser: argparse.ArgumentParser) -> None:
    from pathlib import Path

    parser.add_argument("files", nargs="+", type=Path, help="serverless.yml files or CloudFormation templates (YAML or JSON)")
    parser.add_argument("--out", type=Path, required=True, help="the folder for the .infra sources (empty, or a previous import)")
    parser.add_argument("--split-by", choices=("type",), help="move tables, queues, buckets, EventBridge and Cognito into their own stacks")
    parser.add_argument("--map", type=Path, help="a YAML file mapping resource types to stacks, for other groupings")
    with_reporting(parser)


#: The most bytes of a ``--map`` file: a line per resource type.
MAP_LIMIT = 1024 * 1024


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from infrac.cli.progress import Progress
    from infrac.diagnostics import diagnostic, has_errors
    from infrac.project.imported import import_problems, write_import
    from infrac.project.workspace import MAX_INPUT, display, read_input
    from infrac.tools.migrate.command import prepare

    unreadable = []

    def read(path: Path, option: str) -> bytes | None:
        try:
            return read_input(path, MAP_LIMIT if option == "--map" else MAX_INPUT)
        except OSError as error:
            unreadable.append(diagnostic("E0800", f"cannot read `{display(path)}`: {error.strerror or error}", None,
                                         hint=f"check the file given {option}"))
            return None

    inputs = [(display(path), read(path, "as input")) for path in args.files]
    mapping = (display(args.map), read(args.map, "to --map")) if args.map else None
    if unreadable:
        report(args, unreadable, {})
        return FAILED
    out = display(args.out)
    with Progress("import") as progress:
        prepared = prepare(inputs, out, args.split_by, mapping, progress)
    diagnostics = list(prepared.diagnostics)
    if getattr(args, "warnings_as_errors", False):
        from infrac.base.classes import evolve
        from infrac.diagnostics import Severity

        diagnostics = [evolve(d, severity=Severity.ERROR) for d in diagnostics]
    written = {**prepared.files, **prepared.services}  # everything under --out, nowhere else
    if not has_errors(diagnostics):
        diagnostics += import_problems(args.out, written, {})
    report(args, diagnostics, prepared.sources)
    if has_errors(diagnostics):
        return FAILED
    write_import(args.out, written, {})
    count = len(prepared.files)
    print(f"imported {len(args.files)} file{'s' * (len(args.files) != 1)} into {out}: {count} file{'s' * (count != 1)}")
    for relative in sorted(prepared.files):
        print(f"  {display(args.out / relative)}")
    for relative in sorted(prepared.services):
        print(f"  {display(args.out / relative)}  a service, taking the moved resources from the imports infrac "
              "writes: copy it into the service's folder (its first lines say which)")
    consumers = " and resolves its services' references" if prepared.services else ""
    print(f"  checked: `infrac build {out} --stage {prepared.stage}` gives the whole input back{consumers}")
    return OK


#: It drives libraries that make garbage in cycles: with the cyclic collector.
COMMAND = Command(
    "import", "write .infra sources from Serverless services or CloudFormation templates", arguments, run,
    compiles=False,
)
