"""``infrac fmt``: rewrite .infra files in the canonical layout, or with ``--check`` only
say which ones would change (and with ``--diff``, how). It parses and formats; it never
compiles.
"""

from __future__ import annotations

import sys

from infrac.cli.common import FAILED, OK, Command, human, report, with_reporting

TYPE_CHECKING = False  # typing's own constant, without importing typing
if TYPE_CHECKING:
    import argparse


def arguments(parser: argparse.ArgumentParser) -> None:
    from pathlib import Path

    parser.add_argument("paths", nargs="*", type=Path, help="files or folders (default: infra.dsl/ or .)")
    parser.add_argument("--check", action="store_true", help="change nothing; exit 1 if a file would change")
    parser.add_argument(
        "--diff", action="store_true",
        help="with --check (implied): print a unified diff of each change on stdout, which `patch -p0` applies",
    )
    with_reporting(parser, rules=False)


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from infrac.diagnostics import has_errors
    from infrac.project.workspace import default_path, load, write_atomic
    from infrac.syntax.fmt import format_module
    from infrac.syntax.parser import parse

    if args.diff:
        args.check = args.product_on_stdout = True  # stdout holds the diff alone
    loaded = load(args.paths or [default_path()])
    sources = {s.path: s for s in loaded.sources}
    diagnostics = list(loaded.diagnostics)
    changed = []
    differences: list[str] = []
    for source in loaded.sources:
        parsed = parse(source)
        diagnostics.extend(parsed.diagnostics)
        if parsed.module is None or has_errors(parsed.diagnostics):
            continue
        formatted = format_module(parsed.module, source.text)
        if formatted != source.text:
            changed.append(source.path)
            if args.diff:
                differences.append(unified_diff(source.path, on_disk(source), formatted))
            elif not args.check:
                write_atomic(Path(source.path), formatted)
    report(args, diagnostics, sources)
    if differences:
        from infrac.cli.common import use_color

        text = "".join(differences)
        sys.stdout.write(colored(text) if use_color(args.color, sys.stdout) else text)
        sys.stdout.flush()
    for path in changed:
        print(f"{'would reformat' if args.check else 'reformatted'} {path}", file=sys.stderr if args.diff else human(args))
    if has_errors(diagnostics) or (args.check and changed):
        return FAILED
    return OK


def on_disk(source) -> str:
    """The file's text as it is on disk: the sources are read with a byte order mark
    dropped and CRLF line ends made LF, which the rewritten file would not have either."""
    from pathlib import Path

    try:
        return Path(source.path).read_bytes().decode("utf-8")
    except (OSError, UnicodeDecodeError):  # changed since it was read: the text as read
        return source.text


def unified_diff(path: str, before: str, after: str) -> str:
    """A unified diff of one file, as ``diff -u`` writes it and ``patch -p0`` (or ``git
    apply -p0``) reads it: both sides named by the path, no time stamps, a last line
    without its newline marked as such.

    >>> print(unified_diff("a.infra", "stack a {\\n}", "stack a {\\n}\\n"), end="")
    --- a.infra
    +++ a.infra
    @@ -1,2 +1,2 @@
     stack a {
    -}
    \\ No newline at end of file
    +}
    """
    import difflib

    lines = []
    for line in difflib.unified_diff(
        before.splitlines(keepends=True), after.splitlines(keepends=True), fromfile=path, tofile=path
    ):
        lines.append(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n")
    return "".join(lines)


def colored(diff: str) -> str:
    """The diff in a terminal's colours: headers bold, hunks cyan, removals red, additions green."""
    shown = []
    for line in diff.splitlines(keepends=True):
        end = "\n" if line.endswith("\n") else ""
        body = line.removesuffix("\n")
        if line.startswith(("--- ", "+++ ")):
            shown.append(f"\x1b[1m{body}\x1b[0m{end}")
        elif line.startswith("@@"):
            shown.append(f"\x1b[36m{body}\x1b[0m{end}")
        elif line.startswith("-"):
            shown.append(f"\x1b[31m{body}\x1b[0m{end}")
        elif line.startswith("+"):
            shown.append(f"\x1b[32m{body}\x1b[0m{end}")
        else:
            shown.append(line)
    return "".join(shown)


COMMAND = Command("fmt", "rewrite .infra files in the canonical layout", arguments, run, compiles=True)
