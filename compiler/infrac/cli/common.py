"""What the commands share: exit codes, the arguments for a project and for reporting,
printing diagnostics in the chosen format, and compiling a project against its lock.

Standard library only at the top, like every module of the command line: a command
imports what it needs when it runs (docs/performance.md).
"""

from __future__ import annotations

import os
import sys

TYPE_CHECKING = False  # typing's own constant, without importing typing
if TYPE_CHECKING:
    import argparse
    from collections.abc import Callable
    from typing import TextIO

OK, FAILED, USAGE, INTERNAL = 0, 1, 2, 3
DIAGNOSTIC_FORMATS = ("text", "json", "sarif", "github")


class Command:
    """A command of the command line, as its module declares it: its name, its line in
    ``infrac --help``, what defines its arguments on its parser, what runs it (the parsed
    arguments to an exit code), and whether it compiles and exits (then the ``infrac``
    program runs it without the cyclic collector: :func:`infrac.cli.run`). A command
    that reads the command line itself (``completion``) asks for the parser of every
    command, given to it as ``args.parser``."""

    __slots__ = ("name", "help", "arguments", "run", "compiles", "whole_parser")

    def __init__(
        self,
        name: str,
        help: str,
        arguments: Callable[[argparse.ArgumentParser], None],
        run: Callable[[argparse.Namespace], int],
        *,
        compiles: bool,
        whole_parser: bool = False,
    ) -> None:
        self.name, self.help, self.arguments, self.run, self.compiles = name, help, arguments, run, compiles
        self.whole_parser = whole_parser


# ---- arguments ----------------------------------------------------------------------------


def with_path(command: argparse.ArgumentParser) -> None:
    from pathlib import Path

    command.add_argument("path", nargs="?", type=Path, help="project folder or file (default: infra.dsl/ or .)")


def with_watch(command: argparse.ArgumentParser) -> None:
    """``--watch``, which :mod:`infrac.cli.watch` runs."""
    command.add_argument(
        "--watch", action="store_true",
        help="run again whenever a .infra file or infra.lock changes, until Ctrl-C (needs infrac[watch])",
    )


def with_reporting(command: argparse.ArgumentParser, *, rules: bool = True) -> None:
    from pathlib import Path

    command.add_argument(
        "--diagnostic-format",
        choices=DIAGNOSTIC_FORMATS,
        default="text",
        help="how diagnostics are printed: text (stderr), or json, sarif, github (stdout, or stderr for a "
        "command whose stdout is its product)",
    )
    command.add_argument(
        "--diagnostic-output", type=Path, metavar="FILE", help="write the diagnostics to FILE instead"
    )
    command.add_argument(
        "--color", choices=("auto", "always", "never"), default="auto", help="colour in diagnostics"
    )
    if rules:
        command.add_argument(
            "--warnings-as-errors", action="store_true", help="treat every warning as an error (exit 1)"
        )


# ---- reporting ----------------------------------------------------------------------------


def use_color(choice: str, stream) -> bool:
    if choice != "auto":
        return choice == "always"
    return stream.isatty() and not os.environ.get("NO_COLOR") and os.environ.get("TERM") != "dumb"


def machine(args: argparse.Namespace) -> bool:
    return getattr(args, "diagnostic_format", "text") != "text"


def human(args: argparse.Namespace) -> TextIO:
    """Where lines meant for people go: stdout, unless a machine format takes it."""
    if machine(args) and args.diagnostic_output is None and not getattr(args, "product_on_stdout", False):
        return sys.stderr
    return sys.stdout


def report(args: argparse.Namespace, diagnostics, sources, silenced=()) -> None:
    """Print every diagnostic of the run, once, in file order, in the chosen format. The
    machine formats print a document even when there is nothing to say (an empty SARIF run).
    ``silenced`` are the findings that comments in the sources silenced, with each comment:
    SARIF reports them as suppressed, the other formats leave them out."""
    form = args.diagnostic_format
    if form == "text":
        color = args.diagnostic_output is None and use_color(args.color, sys.stderr)
        if diagnostics:
            from infrac.diagnostics.render import render_text

            text = render_text(diagnostics, sources, color=color)
        else:
            text = ""
    elif form == "json":
        from infrac.diagnostics.render import to_json

        text = to_json(diagnostics, sources)
    elif form == "sarif":
        from infrac.diagnostics.sarif import to_sarif

        text = to_sarif(diagnostics, sources, silenced=silenced, arguments=getattr(args, "argv", None))
    else:
        from infrac.diagnostics.github import to_github

        text = to_github(diagnostics, sources)
    if args.diagnostic_output is not None:
        from infrac.project.workspace import write_atomic

        write_atomic(args.diagnostic_output, text)
    elif form == "text" or getattr(args, "product_on_stdout", False):
        sys.stderr.write(text)
    else:
        sys.stdout.write(text)


def left_aside(written) -> None:
    """Warn of the folders a build could not remove beside its output (an
    :class:`infrac.project.outputs.Written`): the output is complete; the next build retries."""
    for path, reason in written.left:
        print(f"infrac: warning: cannot remove `{path}`, left beside the output: {reason}; "
              "the next build removes it once it can", file=sys.stderr)


def unknown_stage(command: str, stage: str, stages: tuple[str, ...]) -> int:
    print(f"infrac {command}: error: unknown stage `{stage}`; the project's stages are {', '.join(stages)}", file=sys.stderr)
    return USAGE


# ---- compiling ----------------------------------------------------------------------------


class Compiled:
    """A project compiled without errors, with its linkage and lock; or, for ``build``,
    what an incremental build (:mod:`infrac.project.incremental`) made, in ``built`` (then
    ``program`` and ``linkage`` are None)."""

    def __init__(self, program, linkage, lock_path, lock_text: str | None, cache, built=None) -> None:
        self.program, self.linkage, self.lock_path, self.lock_text = program, linkage, lock_path, lock_text
        self.cache = cache
        self.built = built


def build_cache(args: argparse.Namespace):
    """The user's build cache (:mod:`infrac.project.buildcache`), or None: with --no-cache
    or INFRAC_NO_CACHE=1, for ``build --check`` (which says whether the output on disk is
    what the sources produce, and so trusts nothing it did not compute now), or when its
    folder cannot be created or is not safe to use."""
    if getattr(args, "no_cache", False) or os.environ.get("INFRAC_NO_CACHE"):
        return None
    if args.command == "build" and getattr(args, "check", False):
        return None
    from infrac.project.buildcache import BuildCache, Unusable

    try:
        return BuildCache()
    except Unusable as error:
        print(f"infrac: warning: not using the build cache: {error}; delete it to start a new one", file=sys.stderr)
    except OSError:  # a read-only checkout: build without it
        pass
    return None


def compile_project(args: argparse.Namespace) -> Compiled | None:
    """Load and compile the project and compare its exports with ``infra.lock``;
    report diagnostics. None when there are errors."""
    from infrac.contract import lockfile
    from infrac.diagnostics import has_errors
    from infrac.project.pipeline import check_project
    from infrac.project.workspace import default_path, display, load, read_lock

    root = args.path or default_path()
    loaded = load([root])
    sources = {s.path: s for s in loaded.sources}
    if has_errors(loaded.diagnostics):
        report(args, loaded.diagnostics, sources)
        return None
    lock_path = (root if root.is_dir() else root.parent) / lockfile.NAME
    lock_text, problem = read_lock(lock_path, sources)
    cache = build_cache(args)
    if cache is not None and problem is None and args.command == "build":
        from pathlib import Path

        from infrac.backends import BuildOptions
        from infrac.project import incremental

        options = BuildOptions(stage=args.stage, format=args.format, out=str(args.out or Path("build") / args.target))
        built = incremental.build(
            loaded.sources, cache, args.target, options, lock_text, display(lock_path),
            allow_breaking=args.allow_breaking, warnings_as_errors=args.warnings_as_errors,
        )
        if built is not None:
            report(args, list(loaded.diagnostics + built.diagnostics), sources, built.silenced)
            return Compiled(None, None, lock_path, lock_text, cache, built)
    checked = check_project(
        loaded.sources,
        None if problem else lock_text,
        display(lock_path),
        allow_breaking=getattr(args, "allow_breaking", False),
        warnings_as_errors=getattr(args, "warnings_as_errors", False),
        **({"parse_file": cache.parse} if cache else {}),
        build=build_target(args, cache),
    )
    diagnostics = list(loaded.diagnostics + checked.diagnostics)
    if problem is not None:
        diagnostics.append(problem)
    compiled = None
    if checked.linkage is not None:
        compiled = Compiled(checked.program, checked.linkage, lock_path, lock_text, cache)
    report(args, diagnostics, sources, checked.silenced)
    return None if has_errors(diagnostics) else compiled


def build_target(args: argparse.Namespace, cache=None):
    """For ``infrac build``: the target and options, so that the budgets measure what it
    writes (a CloudFormation template is emitted there once, through the cache)."""
    if args.command != "build":
        return None
    from infrac.backends import BuildOptions

    return args.target, BuildOptions(stage=args.stage, format=args.format, emitter=cache.emit if cache else None)
