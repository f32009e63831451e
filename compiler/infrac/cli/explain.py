"""``infrac explain``: print what a diagnostic code means, from the registry of codes."""

from __future__ import annotations

import sys

from infrac.cli.common import OK, USAGE, Command

TYPE_CHECKING = False  # typing's own constant, without importing typing
if TYPE_CHECKING:
    import argparse


def arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("code")


def run(args: argparse.Namespace) -> int:
    from infrac.diagnostics.codes import CODES, render_text

    code = args.code.upper()
    if code not in CODES:
        print(f"infrac explain: error: unknown code `{args.code}`; codes: {', '.join(CODES)}", file=sys.stderr)
        return USAGE
    sys.stdout.write(render_text(code))
    return OK


COMMAND = Command("explain", "explain a diagnostic code, e.g. `infrac explain E0401`", arguments, run, compiles=True)
