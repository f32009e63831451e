"""``infrac diff``: what the sources would change, per stack and resource, against the last
build (``infra.lock``'s record, by default), a build's output folder, another lock, or
deployed templates (``infrac.tools.diff``); printed on stdout as the terminal view, JSON,
Markdown, SARIF or GitHub annotations. ``--fail-on`` makes chosen changes exit 1.
"""

from __future__ import annotations

import sys

from infrac.cli.common import FAILED, OK, USAGE, Command, report, use_color, with_path, with_reporting

TYPE_CHECKING = False  # typing's own constant, without importing typing
if TYPE_CHECKING:
    import argparse
    from pathlib import Path

FORMATS = ("text", "json", "markdown", "sarif", "github")
FAIL_ON = ("replace", "delete", "export-removed", "data-lost", "refused", "any")


def arguments(parser: argparse.ArgumentParser) -> None:
    from pathlib import Path

    with_path(parser)
    parser.add_argument(
        "--against", action="append", metavar="DIR|LOCK|[STACK=]TEMPLATE",
        help="what to compare with: a build's output folder, a lock file, or deployed templates (repeat for "
        "each stack); default: the project's infra.lock, the last build's record",
    )
    parser.add_argument("--stage", help="the stage of deployed templates given with --against (default: the "
                        "project's first)")
    parser.add_argument("--format", choices=FORMATS, default="text",
                        help="text (the terminal view), json, markdown (a pull request comment), sarif or github "
                        "(annotations at each replacement, deletion and removed export)")
    parser.add_argument("--output", type=Path, metavar="FILE", help="write the diff to FILE instead of stdout")
    parser.add_argument("--fail-on", metavar="LIST", default="",
                        help="exit 1 when the diff has any of these, separated by commas: " + ", ".join(FAIL_ON))
    with_reporting(parser)
    parser.set_defaults(product_on_stdout=True)


def run(args: argparse.Namespace) -> int:
    fail_on = [word.strip() for word in args.fail_on.split(",") if word.strip()]
    unknown = [word for word in fail_on if word not in FAIL_ON]
    if unknown:
        print(f"infrac diff: error: --fail-on: unknown `{unknown[0]}`; choose from {', '.join(FAIL_ON)}",
              file=sys.stderr)
        return USAGE
    from infrac.diagnostics import has_errors
    from infrac.project.pipeline import check_project
    from infrac.project.workspace import default_path, display, load

    root = args.path or default_path()
    loaded = load([root])
    sources = {s.path: s for s in loaded.sources}
    if has_errors(loaded.diagnostics):
        report(args, loaded.diagnostics, sources)
        return FAILED
    # The sources alone: what they change against the last build is the diff's to say.
    checked = check_project(loaded.sources, warnings_as_errors=getattr(args, "warnings_as_errors", False))
    diagnostics = list(loaded.diagnostics + checked.diagnostics)
    if has_errors(diagnostics) or checked.linkage is None:
        report(args, diagnostics, sources, checked.silenced)
        return FAILED
    program = checked.program
    chosen = _against(args, root, sources)
    if isinstance(chosen, int):
        return chosen
    against, lock_text, problems = chosen
    if problems:
        report(args, diagnostics + problems, sources, checked.silenced)
        return FAILED
    if args.stage is not None and against.kind != "deployed":
        print("infrac diff: error: --stage is for deployed templates (--against STACK=TEMPLATE); an output "
              "folder and a lock say their own stage", file=sys.stderr)
        return USAGE
    if args.stage is not None and args.stage not in program.settings.stages:
        from infrac.cli.common import unknown_stage

        return unknown_stage("diff", args.stage, program.settings.stages)
    from infrac.tools.diff.command import compare

    document, read_problems = compare(program, checked.linkage, sources, against, display(root),
                                      stage=args.stage, lock_text=lock_text)
    report(args, diagnostics + read_problems, sources, checked.silenced)
    if document is None:
        return FAILED
    text = _render(args, document, fail_on)
    if args.output is not None:
        from infrac.project.workspace import write_atomic

        write_atomic(args.output, text)
    else:
        sys.stdout.write(text)
    from infrac.tools.diff.document import failing

    found = failing(document, fail_on)
    for reason in found:
        print(f"infrac diff: --fail-on {args.fail_on}: {reason}", file=sys.stderr)
    return FAILED if found else OK


def _render(args: argparse.Namespace, document: dict, fail_on: list[str]) -> str:
    if args.format == "json":
        from infrac.tools.diff.document import to_json

        return to_json(document)
    if args.format == "markdown":
        from infrac.tools.diff.render import render_markdown

        return render_markdown(document)
    if args.format == "sarif":
        from infrac.tools.diff.annotations import to_sarif

        invocation = {"commandLine": " ".join(["infrac", *_quoted(getattr(args, "argv", None) or [])]),
                      "arguments": list(getattr(args, "argv", None) or []), "executionSuccessful": True}
        return to_sarif(document, fail_on, invocation)
    if args.format == "github":
        from infrac.tools.diff.annotations import to_github

        return to_github(document, fail_on)
    from infrac.tools.diff.render import render_text

    return render_text(document, color=args.output is None and use_color(args.color, sys.stdout))


def _quoted(words: list[str]) -> list[str]:
    import shlex

    return [shlex.quote(word) for word in words]


def _against(args: argparse.Namespace, root: Path, sources: dict):
    """What to compare with: (Against, the project's lock text, diagnostics), or an exit code.
    A lock that cannot be read is added to ``sources``, for its excerpt."""
    from pathlib import Path

    from infrac.contract import lockfile
    from infrac.diagnostics import diagnostic
    from infrac.project.workspace import display, read_input, read_lock
    from infrac.tools.diff.command import Against

    lock_path = (root if root.is_dir() else root.parent) / lockfile.NAME
    lock_text, problem = read_lock(lock_path, sources)
    given = args.against or []
    if not given:
        if problem is not None:
            return None, None, [problem]
        what = display(lock_path) + ("" if lock_text is not None else " (none yet: every stack is new)")
        return Against("lock", what, text=lock_text or _EMPTY_LOCK), lock_text, []
    folders = [g for g in given if Path(g).is_dir()]
    if folders:
        if len(given) > 1:
            print("infrac diff: error: --against takes one output folder, alone", file=sys.stderr)
            return USAGE
        from infrac.project.outputs import read_output_folder

        out = Path(folders[0])
        files, unreadable = read_output_folder(out)
        problems = [diagnostic("E0800", f"cannot read `{display(out / f)}`", None,
                               hint="check the file, or build the folder again") for f in unreadable]
        if not files and not unreadable:
            problems.append(diagnostic("E0800", f"`{display(out)}` holds no build", None,
                                       hint="give the output folder of `infrac build`"))
        return Against("folder", display(out), files=files), lock_text, problems
    deployed, problems = [], []
    for word in given:
        name, _, file = word.rpartition("=") if "=" in word and not Path(word).exists() else ("", "", word)
        path = Path(file)
        try:
            data = read_input(path)
        except OSError as error:
            problems.append(diagnostic("E0800", f"cannot read `{display(path)}`: {error.strerror or error}", None,
                                       hint="check the path given to --against"))
            continue
        if len(given) == 1 and not name and _is_lock(data):
            text = data.decode("utf-8")
            found = lockfile.problem(text)
            if found is not None:
                return None, None, [diagnostic("E0006", f"`{display(path)}` is not a lock this infrac can read: "
                                               f"{found[0]}", None, hint="give a lock written by infrac build")]
            return Against("lock", display(path), text=text), lock_text, []
        deployed.append((name or None, display(path), data))
    if problems:
        return None, None, problems
    return Against("deployed", ", ".join(display(Path(d[1])) for d in deployed), deployed=deployed), lock_text, []


_EMPTY_LOCK = '{"generator": "infrac", "version": 1, "exports": {}}'


def _is_lock(data: bytes) -> bool:
    import json

    try:
        document = json.loads(data)
    except ValueError:
        return False
    return isinstance(document, dict) and document.get("generator") == "infrac" and "exports" in document


COMMAND = Command(
    "diff", "what the sources would change, per stack and resource, against the last build or deployed templates",
    arguments, run, compiles=True,
)
