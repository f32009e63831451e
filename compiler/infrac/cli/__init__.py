"""The ``infrac`` command: arguments, files, terminal, exit codes; nothing else.

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
    from pathlib import Path
    from typing import TextIO

OK, FAILED, USAGE, INTERNAL = 0, 1, 2, 3
DIAGNOSTIC_FORMATS = ("text", "json", "sarif", "github")


class _Unused:
    """Stands for the parser of a command that is not being run: it is not defined
    (with argparse, defining parsers and arguments is most of a command's start-up)."""

    def add_argument(self, *args, **kwargs) -> None:
        pass

    def set_defaults(self, **kwargs) -> None:
        pass


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
    from pathlib import Path

    class Formatter(argparse.HelpFormatter):
        """argparse's own, given the width it would compute (see `_columns`)."""

        def __init__(self, prog, indent_increment=2, max_help_position=24, width=None, **kwargs):
            width = _columns() - 2 if width is None else width
            super().__init__(prog, indent_increment, max_help_position, width, **kwargs)

    parser = argparse.ArgumentParser(
        prog="infrac",
        description="A compiler for infrastructure: .infra files to CloudFormation and Serverless services.",
        formatter_class=Formatter,
    )
    parser.add_argument("--version", action="version", version=f"infrac {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.required = True
    chosen = _command_word(argv) if argv is not None else None
    if chosen not in _COMMANDS:
        chosen = None

    def command(name: str, **kwargs) -> argparse.ArgumentParser:
        if chosen not in (None, name):
            return _Unused()  # type: ignore[return-value]
        return commands.add_parser(name, formatter_class=Formatter, **kwargs)

    def with_path(command: argparse.ArgumentParser) -> None:
        command.add_argument("path", nargs="?", type=Path, help="project folder or file (default: infra.dsl/ or .)")

    def with_reporting(command: argparse.ArgumentParser, *, rules: bool = True) -> None:
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

    check = command("check", help="check a project and print its diagnostics")
    with_path(check)
    check.add_argument("--allow-breaking", action="store_true", help="accept removing or moving exports in use")
    check.add_argument("--no-cache", action="store_true", help="neither read nor write the build cache (~/.cache/infrac)")
    with_reporting(check)

    build = command("build", help="check a project and write its deployable files")
    with_path(build)
    build.add_argument("--target", choices=("cloudformation", "serverless"), default="cloudformation")
    build.add_argument("--out", type=Path, help="output folder (default: build/TARGET)")
    build.add_argument("--stage", help="write this stage into the output instead of leaving it to deploy time")
    build.add_argument("--format", choices=("yaml", "json"), default="yaml", help="template format (cloudformation)")
    build.add_argument("--allow-breaking", action="store_true", help="accept removing or moving exports in use")
    build.add_argument("--no-cache", action="store_true", help="neither read nor write the build cache (~/.cache/infrac)")
    build.add_argument(
        "--check",
        action="store_true",
        help="write nothing; exit 1 if --out (or infra.lock) differs from what the sources produce",
    )
    with_reporting(build)

    fmt = command("fmt", help="rewrite .infra files in the canonical layout")
    fmt.add_argument("paths", nargs="*", type=Path, help="files or folders (default: infra.dsl/ or .)")
    fmt.add_argument("--check", action="store_true", help="change nothing; exit 1 if a file would change")
    with_reporting(fmt, rules=False)

    graph = command("graph", help="the stacks in deploy waves, with their exports and importers")
    with_path(graph)
    graph.add_argument("--format", choices=("text", "mermaid", "dot"), default="text")
    with_reporting(graph)
    graph.set_defaults(product_on_stdout=True)

    exports = command("exports", help="every export's name per stage, with its importers")
    with_path(exports)
    exports.add_argument("--stage", help="one stage only (default: every stage of the project)")
    exports.add_argument("--format", choices=("text", "json"), default="text")
    with_reporting(exports)
    exports.set_defaults(product_on_stdout=True)

    rehearse = command(
        "rehearse", help="deploy every stack into moto's CloudFormation mock, in order, and tear it down"
    )
    with_path(rehearse)
    rehearse.add_argument("--stage", help="the stage to rehearse (default: the project's first)")
    with_reporting(rehearse)
    rehearse.set_defaults(product_on_stdout=True)

    plan_move = command(
        "plan-move", help="plan moving deployed resources into the project's stacks without replacing any"
    )
    with_path(plan_move)
    plan_move.add_argument(
        "--from", dest="deployed", action="append", required=True, metavar="[STACK=]FILE",
        help="a deployed stack: a Serverless service file (stack <service>-<stage>) or a CloudFormation "
        "template (stack STACK, or the file's stem); repeat for each stack",
    )
    plan_move.add_argument("--out", type=Path, required=True, help="folder for the plan, its script and its templates")
    plan_move.add_argument("--stage", help="the deployed stage (default: the project's first)")
    plan_move.add_argument(
        "--strategy", choices=("auto", "refactor", "import"), default="auto",
        help="stack refactoring, retain-and-import, or refactoring where every move allows it (default)",
    )
    with_reporting(plan_move)
    command("lsp", help="the language server, over stdin and stdout, for editors")

    imp = command(
        "import", help="write .infra sources from Serverless services or CloudFormation templates"
    )
    imp.add_argument("files", nargs="+", type=Path, help="serverless.yml files or CloudFormation templates (YAML or JSON)")
    imp.add_argument("--out", type=Path, required=True, help="the folder for the .infra sources (empty, or a previous import)")
    imp.add_argument("--split-by", choices=("type",), help="move tables, queues, buckets, EventBridge and Cognito into their own stacks")
    imp.add_argument("--map", type=Path, help="a YAML file mapping resource types to stacks, for other groupings")
    with_reporting(imp)

    explain = command("explain", help="explain a diagnostic code, e.g. `infrac explain E0401`")
    explain.add_argument("code")
    return parser


def run() -> None:
    """The ``infrac`` program (``python -m infrac``): :func:`main` on the process's
    arguments, then exit with its code.

    A compilation allocates millions of small objects that live until the process
    ends, and almost none of them in reference cycles: the cyclic collector would
    only traverse them again and again (a tenth of a large build), and once more
    when the interpreter shuts down. So the commands that compile (``_COMPILING``)
    run with the collector off, and the program freezes what it made before
    exiting (the shutdown collection skips frozen objects). The others turn it back
    on: ``infrac lsp`` runs as long as the editor does, and the rehearsals and the
    import drive libraries (moto, boto3) that make garbage in cycles. :func:`main`
    itself, called in a process that goes on (tests, tools), leaves the collector
    as it was (docs/decisions.md, "Start-up").

    A compiling command has closed every file it wrote when :func:`main` returns; the
    program then flushes its output and ends the process without tearing the
    interpreter down (freeing every object and module one by one, about a twentieth
    of a small build). If the flush fails (a closed pipe), it exits as before, and
    the interpreter reports it as it always did.
    """
    gc.disable()
    code = main()
    if not gc.isenabled():  # a compiling command (or --version): nothing else runs in the process
        try:
            for stream in (sys.stdout, sys.stderr):
                if stream is not None:
                    stream.flush()
        except (OSError, ValueError):
            pass
        else:
            os._exit(code)
    gc.freeze()
    sys.exit(code)


def main(argv: list[str] | None = None) -> int:
    if (sys.argv[1:] if argv is None else argv) == ["--version"]:
        print(f"infrac {__version__}")
        return OK
    # Where the collector runs (not under `run`): collect less often than by default,
    # for the reason `run` gives.
    gc.set_threshold(100_000, 50, 1000)
    argv = sys.argv[1:] if argv is None else argv
    args = _parser(argv).parse_args(argv)
    if args.command not in _COMPILING:
        gc.enable()  # see `run`
    try:
        return _COMMANDS[args.command](args)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return OK
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


# ---- reporting ------------------------------------------------------------------------


def _use_color(choice: str, stream) -> bool:
    if choice != "auto":
        return choice == "always"
    return stream.isatty() and not os.environ.get("NO_COLOR") and os.environ.get("TERM") != "dumb"


def _machine(args: argparse.Namespace) -> bool:
    return getattr(args, "diagnostic_format", "text") != "text"


def _human(args: argparse.Namespace) -> TextIO:
    """Where lines meant for people go: stdout, unless a machine format takes it."""
    if _machine(args) and args.diagnostic_output is None and not getattr(args, "product_on_stdout", False):
        return sys.stderr
    return sys.stdout


def _report(args: argparse.Namespace, diagnostics, sources) -> None:
    """Print every diagnostic of the run, once, in file order, in the chosen format. The
    machine formats print a document even when there is nothing to say (an empty SARIF run)."""
    form = args.diagnostic_format
    if form == "text":
        color = args.diagnostic_output is None and _use_color(args.color, sys.stderr)
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

        text = to_sarif(diagnostics, sources)
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


class _Compiled:
    """A project compiled without errors, with its linkage and lock; or, for ``build``,
    what an incremental build (:mod:`infrac.project.incremental`) made, in ``built`` (then
    ``program`` and ``linkage`` are None)."""

    def __init__(self, program, linkage, lock_path, lock_text: str | None, cache, built=None) -> None:
        self.program, self.linkage, self.lock_path, self.lock_text = program, linkage, lock_path, lock_text
        self.cache = cache
        self.built = built


def _cache(args: argparse.Namespace):
    """The user's build cache (:mod:`infrac.project.buildcache`), or None: with --no-cache
    or INFRAC_NO_CACHE=1, or when its folder cannot be created or is not safe to use."""
    if getattr(args, "no_cache", False) or os.environ.get("INFRAC_NO_CACHE"):
        return None
    from infrac.project.buildcache import BuildCache, Unusable

    try:
        return BuildCache()
    except Unusable as error:
        print(f"infrac: warning: not using the build cache: {error}; delete it to start a new one", file=sys.stderr)
    except OSError:  # a read-only checkout: build without it
        pass
    return None


def _compile(args: argparse.Namespace) -> _Compiled | None:
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
        _report(args, loaded.diagnostics, sources)
        return None
    lock_path = (root if root.is_dir() else root.parent) / lockfile.NAME
    lock_text, problem = read_lock(lock_path, sources)
    cache = _cache(args)
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
            _report(args, list(loaded.diagnostics + built.diagnostics), sources)
            return _Compiled(None, None, lock_path, lock_text, cache, built)
    checked = check_project(
        loaded.sources,
        None if problem else lock_text,
        display(lock_path),
        allow_breaking=getattr(args, "allow_breaking", False),
        warnings_as_errors=getattr(args, "warnings_as_errors", False),
        **({"parse_file": cache.parse} if cache else {}),
        build=_build_target(args, cache),
    )
    diagnostics = list(loaded.diagnostics + checked.diagnostics)
    if problem is not None:
        diagnostics.append(problem)
    compiled = None
    if checked.linkage is not None:
        compiled = _Compiled(checked.program, checked.linkage, lock_path, lock_text, cache)
    _report(args, diagnostics, sources)
    return None if has_errors(diagnostics) else compiled


def _build_target(args: argparse.Namespace, cache=None):
    """For ``infrac build``: the target and options, so that the budgets measure what it
    writes (a CloudFormation template is emitted there once, through the cache)."""
    if args.command != "build":
        return None
    from infrac.backends import BuildOptions

    return args.target, BuildOptions(stage=args.stage, format=args.format, emitter=cache.emit if cache else None)


def _unknown_stage(command: str, stage: str, stages: tuple[str, ...]) -> int:
    print(f"infrac {command}: error: unknown stage `{stage}`; the project's stages are {', '.join(stages)}", file=sys.stderr)
    return USAGE


# ---- commands ---------------------------------------------------------------------------


def _check(args: argparse.Namespace) -> int:
    compiled = _compile(args)
    if compiled is None:
        return FAILED
    stacks = compiled.program.stacks
    resources = sum(len(s.resources) for s in stacks)
    print(
        f"ok: {len(stacks)} stack{'s' * (len(stacks) != 1)}, {resources} resource{'s' * (resources != 1)}",
        file=_human(args),
    )
    return OK


def _build(args: argparse.Namespace) -> int:
    if args.format == "json" and args.target != "cloudformation":
        print("infrac build: error: --format json is for --target cloudformation", file=sys.stderr)
        return USAGE
    compiled = _compile(args)
    if compiled is None:
        return FAILED
    built = compiled.built
    stages = built.stages if built else compiled.program.settings.stages
    if args.stage is not None and args.stage not in stages:
        return _unknown_stage("build", args.stage, stages)
    from pathlib import Path

    from infrac.project.workspace import OutputError, display, write_outputs

    out = args.out or Path("build") / args.target
    if built is not None:
        artifacts, lock, program_stacks = built.artifacts, built.lock, built.stacks
    else:
        from infrac.backends import BuildOptions, backend
        from infrac.contract import lockfile, replacement

        emitter = compiled.cache.emit if compiled.cache else None
        options = BuildOptions(stage=args.stage, format=args.format, out=str(out), emitter=emitter)
        artifacts = backend(args.target).render(compiled.program, options)
        lock = lockfile.render(compiled.linkage, replacement.record(compiled.program))
        program_stacks = compiled.program.stacks
    if args.check:
        return _build_check(args, out, {a.path: a.text for a in artifacts}, compiled, lock)
    human = _human(args)
    try:
        removed = write_outputs(
            out, {a.path: a.text for a in artifacts}, (compiled.lock_path, lock) if lock != compiled.lock_text else None
        )
    except OutputError as error:
        _report(args, [error.diagnostic], {})
        return FAILED
    stacks = len(program_stacks)
    print(f"built {stacks} stack{'s' * (stacks != 1)} for {args.target} in {display(out)}", file=human)
    shown = [display(out / a.path) for a in artifacts]
    width = max((len(path) for path in shown), default=0)
    for artifact, path in zip(artifacts, shown):
        what = f"{artifact.stack}: {artifact.summary}" if artifact.stack else artifact.summary
        print(f"  {path.ljust(width)}  {what}", file=human)
    for relative in removed:
        print(f"  removed {display(out / relative)} (no longer built)", file=human)
    if args.target == "serverless":
        from infrac.backends.serverless import relative_to

        for stack in program_stacks:
            if stack.path is not None and stack.is_consumer:
                include = relative_to(str(out / stack.name / "imports.yml"), stack.path)
                print(f"  {stack.name}'s serverless.yml includes it as ${{file({include})}}", file=human)
    if lock != compiled.lock_text:
        print(f"  {display(compiled.lock_path)}  the published exports: commit it with the sources", file=human)
    return OK


#: Lines of unified diff shown per different file; the rest is counted.
_DIFF_LINES = 20


def _build_check(args: argparse.Namespace, out: Path, files: dict[str, str], compiled: _Compiled, lock: str) -> int:
    """``build --check``: compare, write nothing. The lock counts too: a build would rewrite it."""
    import difflib

    from infrac.contract.lockfile import NAME as lockfile_name
    from infrac.project.workspace import Difference, compare_outputs, display

    differences = [(display(out / d.path), d) for d in compare_outputs(out, files)]
    if lock != compiled.lock_text:
        kind = "missing" if compiled.lock_text is None else "different"
        differences.append(
            (display(compiled.lock_path), Difference(lockfile_name, kind, expected=lock, actual=compiled.lock_text))
        )
    human = _human(args)
    if not differences:
        print(f"ok: {display(out)} is what the sources produce ({len(files)} files)", file=human)
        return OK
    print(f"infrac build --check: {display(out)} is not what the sources produce; run `infrac build` and commit:",
          file=human)
    for shown, difference in differences:
        meaning = {
            "missing": "missing (the build would write it)",
            "extra": "extra (an earlier build wrote it; the build would remove it)",
            "different": "different (edited by hand, or not rebuilt)",
        }[difference.kind]
        print(f"  {shown}: {meaning}", file=human)
        if difference.kind == "different":
            diff = list(
                difflib.unified_diff(
                    (difference.actual or "").splitlines(keepends=True),
                    (difference.expected or "").splitlines(keepends=True),
                    fromfile=f"{shown} (on disk)",
                    tofile=f"{shown} (from the sources)",
                    n=1,
                )
            )
            for line in diff[:_DIFF_LINES]:
                print("    " + line.rstrip("\n"), file=human)
            if len(diff) > _DIFF_LINES:
                print(f"    ... {len(diff) - _DIFF_LINES} more diff lines", file=human)
    return FAILED


def _fmt(args: argparse.Namespace) -> int:
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
    _report(args, diagnostics, sources)
    for path in changed:
        print(f"{'would reformat' if args.check else 'reformatted'} {path}", file=_human(args))
    if has_errors(diagnostics) or (args.check and changed):
        return FAILED
    return OK


def _graph(args: argparse.Namespace) -> int:
    compiled = _compile(args)
    if compiled is None:
        return FAILED
    from infrac.tools import reports

    render = {"text": reports.graph_text, "mermaid": reports.graph_mermaid, "dot": reports.graph_dot}[args.format]
    sys.stdout.write(render(compiled.program, compiled.linkage))
    return OK


def _exports(args: argparse.Namespace) -> int:
    compiled = _compile(args)
    if compiled is None:
        return FAILED
    stages = compiled.program.settings.stages
    if args.stage is not None:
        if args.stage not in stages:
            return _unknown_stage("exports", args.stage, stages)
        stages = (args.stage,)
    from infrac.tools import reports

    render = reports.exports_json if args.format == "json" else reports.exports_text
    sys.stdout.write(render(compiled.program, compiled.linkage, stages))
    return OK


def _rehearse(args: argparse.Namespace) -> int:
    try:
        import moto  # noqa: F401
    except ImportError:
        print("infrac rehearse: error: moto is not installed; install it with `pip install 'infrac[rehearse]'`",
              file=sys.stderr)
        return USAGE
    compiled = _compile(args)
    if compiled is None:
        return FAILED
    stages = compiled.program.settings.stages
    stage = args.stage or stages[0]
    if stage not in stages:
        return _unknown_stage("rehearse", stage, stages)
    from infrac.tools.rehearse import rehearse, render

    report = rehearse(compiled.program, stage)
    sys.stdout.write(render(report))
    return OK if report.ok else FAILED


def _import(args: argparse.Namespace) -> int:
    from infrac.diagnostics import has_errors
    from infrac.project.workspace import display, import_problems, read_bytes, write_import
    from infrac.tools.migrate.command import prepare

    inputs = [(display(path), read_bytes(path)) for path in args.files]
    mapping = (display(args.map), read_bytes(args.map)) if args.map else None
    out = display(args.out)
    prepared = prepare(inputs, out, args.split_by, mapping)
    diagnostics = list(prepared.diagnostics)
    if getattr(args, "warnings_as_errors", False):
        from infrac.base.classes import evolve
        from infrac.diagnostics import Severity

        diagnostics = [evolve(d, severity=Severity.ERROR) for d in diagnostics]
    if not has_errors(diagnostics):
        diagnostics += import_problems(args.out, prepared.files, prepared.services)
    _report(args, diagnostics, prepared.sources)
    if has_errors(diagnostics):
        return FAILED
    write_import(args.out, prepared.files, prepared.services)
    count = len(prepared.files)
    print(f"imported {len(args.files)} file{'s' * (len(args.files) != 1)} into {out}: {count} file{'s' * (count != 1)}")
    for relative in sorted(prepared.files):
        print(f"  {display(args.out / relative)}")
    for path in sorted(prepared.services):
        print(f"  {path}  the service, taking the moved resources from the imports infrac writes")
    print(f"  checked: `infrac build {out} --stage {prepared.stage}` gives the resources of the input")
    return OK


def _plan_move(args: argparse.Namespace) -> int:
    compiled = _compile(args)
    if compiled is None:
        return FAILED
    program = compiled.program
    stages = program.settings.stages
    stage = args.stage or stages[0]
    if stage not in stages:
        return _unknown_stage("plan-move", stage, stages)
    from pathlib import Path

    from infrac.diagnostics import diagnostic, has_errors
    from infrac.diagnostics.render import render_text
    from infrac.project.workspace import display, write_outputs
    from infrac.tools.migrate import source as migrate_source
    from infrac.tools.migrate.plan import make_plan
    from infrac.tools.migrate.plan.deployed import deployed_stack
    from infrac.tools.migrate.plan.model import AWS_ONLY
    from infrac.tools.migrate.rehearsal import rehearse as rehearse_plan
    from infrac.tools.migrate.render import files
    from infrac.tools.rehearse import templates

    diagnostics = []
    texts = {}
    deployed = []
    for given in args.deployed:
        name, _, file = given.rpartition("=") if "=" in given and not Path(given).exists() else ("", "", given)
        path = Path(file)
        try:
            data = path.read_bytes()
        except OSError as error:
            diagnostics.append(diagnostic("E0800", f"cannot read `{display(path)}`: {error.strerror or error}", None,
                                          hint="check the path given to --from"))
            continue
        decoded = migrate_source.decode(display(path), data)
        if not isinstance(decoded, migrate_source.SourceFile):
            diagnostics.append(decoded)
            continue
        texts[decoded.path] = decoded
        read = migrate_source.read(decoded)
        diagnostics.extend(read.diagnostics)
        if read.template is not None and read.ok:
            deployed.append(deployed_stack(read.template, decoded, stage, program.settings.region, name or None))
    if has_errors(diagnostics):
        _report(args, diagnostics, texts)
        return FAILED
    from infrac.tools.migrate.plan.model import STACK_NAME

    for stack in deployed:
        if not STACK_NAME.fullmatch(stack.stack):
            print(f"infrac plan-move: error: `{stack.stack}` ({stack.text.path}) is not a CloudFormation stack name: "
                  "a letter, then letters, digits and hyphens, at most 128 characters", file=sys.stderr)
            return USAGE
    names = [d.stack for d in deployed]
    if len(set(names)) != len(names):
        twice = sorted({n for n in names if names.count(n) > 1})
        print(f"infrac plan-move: error: stack `{twice[0]}` is given twice with --from", file=sys.stderr)
        return USAGE
    consumers = {s.name for s in program.stacks if s.is_consumer}
    waves = [list(wave) for wave in program.waves]
    plan = make_plan(deployed, templates(program, stage), waves, consumers, stage, program.settings.region, args.strategy)
    diagnostics.extend(plan.diagnostics)
    rehearsal = None
    if not plan.refused:
        rehearsal = rehearse_plan(plan, deployed)
        if not rehearsal.ok:
            step, reason = rehearsal.refused or (0, "; ".join(rehearsal.lines[-1:]))
            diagnostics.append(diagnostic(
                "E0855", f"the simulated execution refused step {step}: {reason}", None,
                notes=list(rehearsal.lines), hint="fix the project or the deployed templates given, and plan again",
            ))
    _report(args, diagnostics, texts)
    if has_errors(diagnostics):
        print(f"infrac plan-move: refused; nothing written to {display(args.out)}", file=sys.stderr)
        return FAILED
    warnings_text = render_text([d for d in diagnostics], texts, color=False)
    written = files(plan, deployed, rehearsal, warnings_text)
    write_outputs(args.out, written)
    (args.out / "plan.sh").chmod(0o755)
    stateful = sum(m.stateful for m in plan.moves)
    how = "stack refactoring" if plan.strategy == "refactor" else "retain and import"
    print(f"planned {len(plan.moves)} moves ({stateful} stateful) by {how} in {len(plan.steps)} steps, "
          f"stage {stage}: {display(args.out / 'plan.md')}, {display(args.out / 'plan.sh')}")
    print("simulated execution (infrac's CloudFormation simulator, not AWS):")
    for line in rehearsal.lines:
        print(f"  {line}")
    print(AWS_ONLY)
    return OK


def _lsp(args: argparse.Namespace) -> int:
    try:
        import pygls  # noqa: F401
    except ImportError:
        print("infrac lsp: error: pygls is not installed; install it with `pip install 'infrac[lsp]'`", file=sys.stderr)
        return USAGE
    from infrac.tools.lsp.server import serve

    serve()
    return OK


def _explain(args: argparse.Namespace) -> int:
    from infrac.diagnostics.codes import CODES, render_text

    code = args.code.upper()
    if code not in CODES:
        print(f"infrac explain: error: unknown code `{args.code}`; codes: {', '.join(CODES)}", file=sys.stderr)
        return USAGE
    sys.stdout.write(render_text(code))
    return OK


#: The commands that compile a project (or explain a code) and exit: under `run`, they
#: run without the cyclic collector.
_COMPILING = frozenset({"check", "build", "fmt", "graph", "exports", "explain"})

_COMMANDS = {
    "check": _check,
    "build": _build,
    "fmt": _fmt,
    "graph": _graph,
    "exports": _exports,
    "rehearse": _rehearse,
    "plan-move": _plan_move,
    "lsp": _lsp,
    "explain": _explain,
    "import": _import,
}
