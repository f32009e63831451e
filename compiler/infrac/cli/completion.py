"""``infrac completion SHELL``: the completion script of a shell for the ``infrac`` command,
written by shtab from the command line's own parser (every command, option and choice as
``infrac --help`` has them), so that it cannot drift from the commands. Paths complete as
files or folders, ``explain`` completes the diagnostic codes.
"""

from __future__ import annotations

import sys

from infrac.cli.common import OK, Command

TYPE_CHECKING = False  # typing's own constant, without importing typing
if TYPE_CHECKING:
    import argparse

SHELLS = ("bash", "zsh", "fish")

#: The arguments that name a folder (the others given as a path name a file, or either).
FOLDERS = {"out"}

#: Where each shell's script is read from when it starts, for the help and the docs.
INSTALL = {
    "bash": "~/.local/share/bash-completion/completions/infrac",
    "zsh": "a folder of your $fpath, as _infrac (e.g. ~/.zfunc/_infrac with fpath+=(~/.zfunc) in ~/.zshrc)",
    "fish": "~/.config/fish/completions/infrac.fish",
}


def arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "shell", choices=SHELLS,
        help="the shell; save the script where it reads completions: " + "; ".join(
            f"{shell}: {place}" for shell, place in INSTALL.items()
        ),
    )


def run(args: argparse.Namespace) -> int:
    import shtab

    parser = args.parser
    annotate(parser, shtab)
    text = shtab.complete(parser, args.shell)
    sys.stdout.write(text if text.endswith("\n") else text + "\n")
    return OK


def annotate(parser: argparse.ArgumentParser, shtab) -> None:
    """Say what each argument completes to: a path as a file or a folder (shtab's
    ``complete`` attribute), a diagnostic code as one of the codes."""
    from pathlib import Path

    for command in subcommands(parser).values():
        for action in command._actions:
            if action.type is Path or action.metavar in ("FILE", "[STACK=]FILE"):
                action.complete = shtab.DIRECTORY if action.dest in FOLDERS else shtab.FILE
        if command.prog == f"{parser.prog} explain":
            from infrac.diagnostics.codes import CODES

            next(a for a in command._actions if a.dest == "code").choices = sorted(CODES)


def subcommands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    """Each command's parser, by name."""
    return next(a for a in parser._actions if a.dest == "command").choices


#: Given the parser of every command (`args.parser`): it is what the script completes.
COMMAND = Command(
    "completion", "print the completion script of a shell (bash, zsh, fish)", arguments, run,
    compiles=True, whole_parser=True,
)
