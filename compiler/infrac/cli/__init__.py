"""The ``infrac`` command: arguments, files, terminal, exit codes; nothing else.

This module is the program (:func:`run`, :func:`main`) and its parser, built from the
commands' own modules, one per command: ``check``, ``build``, ``fmt``, ``reports``
(``graph`` and ``exports``), ``rehearse``, ``plan_move``, ``import_``, ``lsp``,
``explain``, ``completion``. Each declares its arguments and what runs it (a
:class:`~infrac.cli.common.Command`); ``common`` holds what they share (exit codes,
reporting diagnostics, compiling a project). Defining parsers and arguments is most of
a command's start-up with argparse, so the parser defines only the command being run,
and a command's module is imported only when it is chosen (every one, to list them);
the command modules import nothing but the standard library until they run.

A mistyped command, option or choice is answered with the closest one there is
(``did you mean `check`?``), from the parser's own lists.

Exit codes: 0 success (warnings allowed), 1 the input has errors (or ``fmt
--check`` found files to reformat), 2 the command line is wrong, 3 infrac
itself failed (a bug: please report it).

Layer 12 of 12, the top (tests/test_layers.py holds the order). May import: base, diagnostics,
model, syntax, cfn, vocabulary, backends, contract, passes, project, tools.
"""

from __future__ import annotations

# Imports are deferred to the commands that need them, so that `--version` is
# the interpreter's start-up and little else, and `check` never loads the YAML
# emitter or the backends it does not use (docs/performance.md).
import gc
import os
import sys

from infrac import __version__

TYPE_CHECKING = False  # typing's own constant, without importing typing
if TYPE_CHECKING:
    import argparse

    from infrac.cli.common import Command


def run() -> None:
    """The ``infrac`` program (``python -m infrac``): :func:`main` on the process's
    arguments, then exit with its code.

    A compilation allocates millions of small objects that live until the process
    ends, and almost none of them in reference cycles: the cyclic collector would
    only traverse them again and again (a tenth of a large build), and once more
    when the interpreter shuts down. So the commands that compile (declared with
    ``compiles=True``) run with the collector off, and the program freezes what it
    made before exiting (the shutdown collection skips frozen objects). The others
    turn it back on: ``infrac lsp`` runs as long as the editor does, and the
    rehearsals and the import drive libraries (moto, boto3) that make garbage in
    cycles. :func:`main` itself, called in a process that goes on (tests, tools),
    leaves the collector as it was (docs/decisions.md, "Start-up").

    A compiling command has closed every file it wrote when :func:`main` returns; the
    program then flushes its output and ends the process without tearing the
    interpreter down (freeing every object and module one by one, about a twentieth
    of a small build).

    The exit code is the command's, also when whoever reads its output stopped reading
    (``infrac build --check | head -1``): a closed pipe loses the rest of the output,
    never the verdict. What is left to write goes to the null device instead.
    """
    gc.disable()
    code = main()
    for stream in (sys.stdout, sys.stderr):
        if stream is not None:
            try:
                stream.flush()
            except (OSError, ValueError):
                _discard(stream)
    if not gc.isenabled():  # a compiling command (or --version): nothing else runs in the process
        os._exit(code)
    gc.freeze()
    sys.exit(code)


class _PipeSafe:
    """A standard stream that a closed pipe cannot stop: once the reader has gone, what
    is written goes to the null device, and the command runs on to its own exit code."""

    def __init__(self, stream) -> None:
        self._stream = stream
        self.closed_pipe = False

    def write(self, text: str) -> int:
        if not self.closed_pipe:
            try:
                try:
                    return self._stream.write(text)
                except UnicodeEncodeError:  # a lone surrogate read from a JSON escape: shown escaped
                    return self._stream.write(text.encode("utf-8", "backslashreplace").decode("utf-8"))
            except BrokenPipeError:
                self.closed_pipe = True
                _discard(self._stream)
        return len(text)

    def flush(self) -> None:
        if not self.closed_pipe:
            try:
                self._stream.flush()
            except BrokenPipeError:
                self.closed_pipe = True
                _discard(self._stream)

    def __getattr__(self, name: str):
        return getattr(self._stream, name)


def _discard(stream) -> None:
    """Point a stream whose pipe is closed at the null device, so that the data still in
    its buffer (and any written later) is dropped instead of failing again at exit."""
    try:
        null = os.open(os.devnull, os.O_WRONLY)
        try:
            os.dup2(null, stream.fileno())
        finally:
            os.close(null)
    except (OSError, ValueError, AttributeError):
        pass


def main(argv: list[str] | None = None) -> int:
    if (sys.argv[1:] if argv is None else argv) == ["--version"]:
        print(f"infrac {__version__}")
        return 0  # OK, before any other module of the command line is imported
    # Where the collector runs (not under `run`): collect less often than by default,
    # for the reason `run` gives.
    gc.set_threshold(100_000, 50, 1000)
    from infrac.cli.common import FAILED, INTERNAL

    argv = sys.argv[1:] if argv is None else argv
    args = _parser(argv).parse_args(argv)
    args.argv = list(argv)  # the command line, for SARIF's record of the invocation
    chosen = _command(args.command)
    if chosen.whole_parser:
        args.parser = _parser()
    if not chosen.compiles:
        gc.enable()  # see `run`
    streams = sys.stdout, sys.stderr
    if args.command != "lsp":  # the language server owns its pipes
        sys.stdout, sys.stderr = _PipeSafe(sys.stdout), _PipeSafe(sys.stderr)
    try:
        return chosen.run(args)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # a pipe other than stdout and stderr: the verdict is unknown
        return FAILED
    except Exception as error:  # a bug in infrac, never the user's input
        if os.environ.get("INFRAC_DEBUG"):
            raise
        print(
            f"infrac: internal error: {type(error).__name__}: {error}\n"
            "This is a bug in infrac, not in your project. Run again with INFRAC_DEBUG=1 "
            "for the traceback, and please report it.",
            file=sys.stderr,
        )
        return INTERNAL
    finally:
        sys.stdout, sys.stderr = streams


# ---- the commands and the parser ---------------------------------------------------------


#: Every command, in the order ``infrac --help`` lists them (see `_command` for its module).
_COMMANDS = (
    "check", "build", "diff", "fmt", "graph", "exports", "rehearse", "plan-move", "lsp", "import", "explain",
    "completion",
)


def _command(name: str) -> Command:
    """The command called ``name``, from its module (imported now, if not before)."""
    if name == "check":
        from infrac.cli.check import COMMAND
    elif name == "build":
        from infrac.cli.build import COMMAND
    elif name == "diff":
        from infrac.cli.diff import COMMAND
    elif name == "fmt":
        from infrac.cli.fmt import COMMAND
    elif name == "graph":
        from infrac.cli.reports import GRAPH as COMMAND
    elif name == "exports":
        from infrac.cli.reports import EXPORTS as COMMAND
    elif name == "rehearse":
        from infrac.cli.rehearse import COMMAND
    elif name == "plan-move":
        from infrac.cli.plan_move import COMMAND
    elif name == "lsp":
        from infrac.cli.lsp import COMMAND
    elif name == "import":
        from infrac.cli.import_ import COMMAND
    elif name == "explain":
        from infrac.cli.explain import COMMAND
    elif name == "completion":
        from infrac.cli.completion import COMMAND
    else:
        raise KeyError(name)
    return COMMAND


def _columns() -> int:
    """``shutil.get_terminal_size().columns``, the same steps without importing ``shutil``
    (and the compression modules it imports): argparse's help formatter asks for it each
    time one is made, which is also while the parser is defined."""
    try:
        columns = int(os.environ["COLUMNS"])
    except (KeyError, ValueError):
        columns = 0
    try:
        lines = int(os.environ["LINES"])
    except (KeyError, ValueError):
        lines = 0
    if columns <= 0 or lines <= 0:
        try:
            size = os.get_terminal_size(sys.__stdout__.fileno())
        except (AttributeError, ValueError, OSError):
            size = os.terminal_size((80, 24))
        if columns <= 0:
            columns = size.columns or 80
    return columns


def _command_word(argv: list[str]) -> str | None:
    """The command the command line starts with, if it starts with one (``infrac -h
    check`` asks for the list of every command)."""
    return argv[0] if argv and not argv[0].startswith("-") else None


def _parser(argv: list[str] | None = None) -> argparse.ArgumentParser:
    """The command line's parser. When ``argv`` starts with a known command, only that
    command is defined: what the parser then says and does is what the parser with
    every command would (its errors and help show the command's own usage, or the
    `COMMAND` metavar); otherwise every command is, for the list and the choices."""
    import argparse

    class Formatter(argparse.HelpFormatter):
        """argparse's own, given the width it would compute (see `_columns`)."""

        def __init__(self, prog, indent_increment=2, max_help_position=24, width=None, **kwargs):
            width = _columns() - 2 if width is None else width
            super().__init__(prog, indent_increment, max_help_position, width, **kwargs)

    class Parser(argparse.ArgumentParser):
        """argparse's own, with a suggestion for a mistyped command, option or choice."""

        def _check_value(self, action, value):
            try:
                super()._check_value(action, value)
            except argparse.ArgumentError:
                from infrac.base.suggest import did_you_mean

                suggestion = did_you_mean(str(value), map(str, action.choices))
                if suggestion is None:
                    raise
                choices = ", ".join(map(repr, action.choices))
                raise argparse.ArgumentError(
                    action, f"invalid choice: {value!r}; {suggestion} (choose from {choices})"
                ) from None

        def parse_args(self, args=None, namespace=None):
            """argparse's own, which the program calls on the top parser only: an unknown
            option is reported by the command it was given to, with the closest of its own."""
            parsed, unknown = self.parse_known_args(args, namespace)
            if unknown:
                commands = next(a for a in self._actions if a.dest == "command")
                parser = commands.choices.get(getattr(parsed, "command", None), self)
                message = f"unrecognized arguments: {' '.join(unknown)}"
                hints = [_option_hint(parser, word) for word in unknown if word.startswith("-")]
                parser.error("; ".join([message, *filter(None, hints)]))
            return parsed

        def parse_known_args(self, args=None, namespace=None):
            """An unknown option before the command is named as such (argparse would only
            say that the command is missing)."""
            words = sys.argv[1:] if args is None else args
            if self._subparsers is not None and words and words[0].startswith("-") and words[0] != "-":
                known = {s for a in self._actions for s in a.option_strings}
                word = words[0].partition("=")[0]
                if word not in known and not any(s.startswith(word) for s in known if word.startswith("--")):
                    hint = _option_hint(self, words[0])
                    self.error("; ".join(filter(None, [f"unrecognized arguments: {words[0]}", hint])))
            return super().parse_known_args(args, namespace)

    parser = Parser(
        prog="infrac",
        description="A compiler for infrastructure: .infra files to CloudFormation and Serverless services.",
        formatter_class=Formatter,
    )
    parser.add_argument("--version", action="version", version=f"infrac {__version__}")
    commands = parser.add_subparsers(
        dest="command", metavar="COMMAND", help="the command to run; `infrac COMMAND --help` shows its options"
    )
    commands.required = True
    chosen = _command_word(argv) if argv is not None else None
    for name in (chosen,) if chosen in _COMMANDS else _COMMANDS:
        defined = _command(name)
        defined.arguments(commands.add_parser(name, formatter_class=Formatter, help=defined.help))
    return parser


def _option_hint(parser: argparse.ArgumentParser, word: str) -> str | None:
    """``did you mean `--format`?`` for ``--formt`` (or ``--formt=json``), from ``parser``'s options."""
    from infrac.base.suggest import did_you_mean

    options = [s for action in parser._actions for s in action.option_strings if s.startswith("--")]
    return did_you_mean(word.partition("=")[0], options)
