"""``infrac fmt``: rewrite .infra files in the canonical layout, or with ``--check`` only
say which ones would change. It parses and formats; it never compiles.
"""

from __future__ import annotations

from infrac.cli.common import FAILED, OK, Command, human, report, with_reporting

TYPE_CHECKING = False  # typing's own constant, without importing typing
if TYPE_CHECKING:
    import argparse


def arguments(parser: argparse.ArgumentParser) -> None:
    from pathlib import Path

    parser.add_argument("paths", nargs="*", type=Path, help="files or folders (default: infra.dsl/ or .)")
    parser.add_argument("--check", action="store_true", help="change nothing; exit 1 if a file would change")
    with_reporting(parser, rules=False)


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from infrac.diagnostics import has_errors
    from infrac.project.workspace import default_path, load, write_atomic
    from infrac.syntax.fmt import format_module
    from infrac.syntax.parser import parse

    loaded = load(args.paths or [default_path()])
    sources = {s.path: s for s in loaded.sources}
    diagnostics = list(loaded.diagnostics)
    changed = []
    for source in loaded.sources:
        parsed = parse(source)
        diagnostics.extend(parsed.diagnostics)
        if parsed.module is None or has_errors(parsed.diagnostics):
            continue
        formatted = format_module(parsed.module, source.text)
        if formatted != source.text:
            changed.append(source.path)
            if not args.check:
                write_atomic(Path(source.path), formatted)
    report(args, diagnostics, sources)
    for path in changed:
        print(f"{'would reformat' if args.check else 'reformatted'} {path}", file=human(args))
    if has_errors(diagnostics) or (args.check and changed):
        return FAILED
    return OK


COMMAND = Command("fmt", "rewrite .infra files in the canonical layout", arguments, run, compiles=True)
