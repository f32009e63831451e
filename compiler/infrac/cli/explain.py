"""``infrac explain``: print what a diagnostic code means, or every code by area, from the
registry of codes."""

from __future__ import annotations

import sys

from infrac.cli.common import OK, USAGE, Command

TYPE_CHECKING = False  # typing's own constant, without importing typing
if TYPE_CHECKING:
    import argparse


def arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("code", nargs="?", help="a diagnostic code, as printed: E0402, W0501")
    parser.add_argument("--list", action="store_true", help="list every code with its title, by area")


def run(args: argparse.Namespace) -> int:
    from infrac.diagnostics.codes import CODES, render_list, render_text

    if args.list == (args.code is not None):
        print("infrac explain: error: give a code (`infrac explain E0402`) or --list", file=sys.stderr)
        return USAGE
    if args.list:
        sys.stdout.write(render_list())
        return OK
    code = args.code.upper()
    if code not in CODES:
        print(f"infrac explain: error: unknown code `{args.code}`; codes: {', '.join(CODES)}", file=sys.stderr)
        return USAGE
    sys.stdout.write(render_text(code))
    return OK


COMMAND = Command(
    "explain", "explain a diagnostic code, e.g. `infrac explain E0401`, or list them all (--list)", arguments, run,
    compiles=True,
)
