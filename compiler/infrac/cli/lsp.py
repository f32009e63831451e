"""``infrac lsp``: the language server (``infrac.tools.lsp``), for editors, over stdin
and stdout; it needs the ``lsp`` extra (pygls).
"""

from __future__ import annotations

import sys

from infrac.cli.common import OK, USAGE, Command

TYPE_CHECKING = False  # typing's own constant, without importing typing
if TYPE_CHECKING:
    import argparse


def arguments(parser: argparse.ArgumentParser) -> None:
    """None: the editor starts the server and talks to it over stdin and stdout."""


def run(args: argparse.Namespace) -> int:
    try:
        import pygls  # noqa: F401
    except ImportError:
        print("infrac lsp: error: pygls is not installed; install it with `pip install 'infrac[lsp]'`", file=sys.stderr)
        return USAGE
    from infrac.tools.lsp.server import serve

    serve()
    return OK


#: Runs as long as the editor does: with the cyclic collector.
COMMAND = Command("lsp", "the language server, over stdin and stdout, for editors", arguments, run, compiles=False)
