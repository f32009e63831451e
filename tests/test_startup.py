"""What each command loads: a structural guard on start-up, not a timed test.

Each command runs in a fresh interpreter, as a user runs it, and reports the
modules it imported. A module that a command does not use must not be loaded by
it: `--version` is the interpreter's start-up and the version string; `check`
never loads the YAML emitter or the backends' writers; `fmt` never loads the
passes, the vocabulary or the schema checker; nothing loads the third-party
`regex` module, which Lark would import if let (docs/decisions.md, "Start-up").
The time these imports cost is measured by `make bench`, never here.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from conftest import ROOT, SEED

# Runs infrac's entry point, then writes the names of the loaded modules to stderr.
PROBE = """
import sys
from infrac.cli import main
code = main(sys.argv[1:])
sys.stdout.flush()
sys.stderr.write("\\nMODULES " + " ".join(sorted(sys.modules)) + "\\n")
raise SystemExit(code)
"""


def loaded(*args: str, cwd=None) -> tuple[int, set[str]]:
    process = subprocess.run(
        [sys.executable, "-c", PROBE, *args],
        cwd=cwd or ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "NO_COLOR": "1", "INFRAC_NO_CACHE": "1"},
        timeout=120,
    )
    assert "Traceback" not in process.stderr, process.stderr
    _, _, names = process.stderr.rpartition("\nMODULES ")
    assert names, process.stderr
    return process.returncode, set(names.split())


def interpreter() -> set[str]:
    """What the interpreter itself loads before running anything."""
    return set(subprocess.run([sys.executable, "-c", "import sys; print(' '.join(sys.modules))"],
                              capture_output=True, text=True, check=True).stdout.split())


def packages(modules: set[str]) -> set[str]:
    return {name.split(".")[0] for name in modules}


#: Never needed to compile a project: attrs and `dataclasses` (infrac's data classes
#: are its own), `typing` (imported for type checkers only), Lark's optional regex
#: engine, the test and migration tooling, the language server, the deploy rehearsal.
NEVER = {"attr", "attrs", "dataclasses", "typing", "regex", "moto", "boto3", "cfnlint", "pygls", "lsprotocol", "cattrs", "jsonschema",
         "shtab", "watchfiles", "anyio"}  # the completion script's writer; --watch's watcher and its event loop
NEVER_INFRAC = {"infrac.tools.lsp", "infrac.tools.migrate", "infrac.tools.rehearse", "infrac.tools.editor",
                "infrac.cli.completion", "infrac.cli.watch", "infrac.cli.progress"}


def assert_none_of(modules: set[str], forbidden: set[str]) -> None:
    """No module in ``forbidden`` (a name stands for its submodules too) is loaded."""
    found = sorted(m for m in modules for f in forbidden if m == f or m.startswith(f + "."))
    assert not found, f"loaded, but not needed: {found}"


def test_version_loads_nothing_but_the_command_line():
    code, modules = loaded("--version")
    assert code == 0
    extra = modules - interpreter()
    assert {m for m in extra if m.startswith("infrac")} == {"infrac", "infrac.cli"}
    # argparse, pathlib, attrs, Lark, PyYAML, typing, json...: none of them
    assert extra - {"infrac", "infrac.cli"} <= {"__future__", "gc"}, sorted(extra)


def test_the_command_modules_load_nothing_until_they_run():
    """Each command's module (infrac.cli.<module>) is imported to define its parser, and all
    of them to list the commands: at the top they import infrac.cli.common and nothing else
    (not even argparse); what a command needs, it imports when it runs."""
    probe = "import sys, infrac.cli as cli\nfor name in cli._COMMANDS:\n    cli._command(name)\nprint(*sorted(sys.modules))"
    process = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=60)
    extra = set(process.stdout.split()) - interpreter()
    modules = {"check", "build", "diff", "fmt", "reports", "rehearse", "plan_move", "lsp", "import_", "explain",
               "completion"}
    assert {m for m in extra if m.startswith("infrac")} == {
        "infrac", "infrac.cli", "infrac.cli.common", *(f"infrac.cli.{m}" for m in modules)
    }
    assert {m for m in extra if not m.startswith("infrac")} <= {"__future__", "gc"}, sorted(extra)


def test_check_loads_the_compiler_but_not_the_writers():
    code, modules = loaded("check", str(SEED))
    assert code == 0
    # it does compile: the parser and the passes are there, but not Lark, which only
    # reports syntax errors (the fast path drives the parser's tables)
    assert {"infrac.syntax.parser", "infrac.syntax.lalr", "infrac.passes", "infrac.contract.linker"} <= modules
    assert_none_of(modules, NEVER | NEVER_INFRAC | {"lark"})
    assert_none_of(modules, {
        "yaml",  # PyYAML: only to write YAML
        "infrac.backends.emit",  # the emitter
        "infrac.backends.serverless",
        "infrac.syntax.fmt",
        "infrac.tools.reports",
        "infrac.diagnostics.sarif",  # the machine formats, when not asked for
        "infrac.diagnostics.github",
        "ctypes",  # the output folder's atomic swap
        "shutil",  # argparse's help formatter is given its width (infrac.cli._columns)
        "tempfile",  # the cache makes its own files
        "glob",  # strays of a killed build are found by their names' prefix
    })


def test_a_syntax_error_loads_lark_without_regex(tmp_path):
    """Lark's parser reports syntax errors; it is loaded for them, without `regex`."""
    (tmp_path / "broken.infra").write_text("stack data {\n  table Users {\n    billing on_demand\n  }\n}\n")
    code, modules = loaded("check", str(tmp_path))
    assert code == 1
    assert {"lark", "infrac.syntax.parser"} <= modules
    assert_none_of(modules, {"regex"})


def test_check_loads_only_the_format_it_prints():
    code, modules = loaded("check", str(SEED), "--diagnostic-format", "sarif")
    assert code == 0
    assert "infrac.diagnostics.sarif" in modules
    assert_none_of(modules, {"infrac.diagnostics.github", "yaml", "regex"})


def test_fmt_loads_the_parser_and_the_formatter_only():
    code, modules = loaded("fmt", "--check", str(SEED))
    assert code == 0
    assert {"infrac.syntax.parser", "infrac.syntax.fmt"} <= modules
    assert_none_of(modules, NEVER | NEVER_INFRAC | {"lark"})
    assert_none_of(modules, {
        "yaml",
        "infrac.passes",
        "infrac.contract.linker",
        "infrac.contract.lockfile",
        "infrac.project.pipeline",
        "infrac.vocabulary",
        "infrac.cfn",  # the schema checker and the schema index
        "infrac.backends",
        "infrac.project.buildcache",
        "infrac.model",
    })


def test_build_loads_the_target_it_writes(tmp_path):
    code, modules = loaded("build", str(SEED), "--target", "cloudformation", "--out", str(tmp_path / "out"),
                           "--check")
    assert code in (0, 1)
    assert {"yaml", "infrac.backends.cloudformation", "infrac.backends.emit"} <= modules
    assert_none_of(modules, NEVER | NEVER_INFRAC)
    assert_none_of(modules, {"infrac.backends.serverless", "infrac.syntax.fmt", "infrac.diagnostics.sarif"})
    # PyYAML comes through infrac.base.yamlimport (its reader's expression written the fast way),
    # and without the temporary folder's module (the cache and the output make their own files)
    assert "infrac.base.yamlimport" in modules
    assert_none_of(modules, {"tempfile", "shutil", "glob"})


@pytest.mark.parametrize("environment", [{}, {"COLUMNS": "123"}, {"COLUMNS": "40", "LINES": "10"},
                                         {"COLUMNS": "wide"}, {"COLUMNS": "-3"}, {"LINES": "50"}])
def test_the_help_width_is_the_one_shutil_gives(environment, monkeypatch):
    """infrac.cli gives argparse's help formatter the width shutil would (without importing it)."""
    import shutil

    from infrac.cli import _columns

    for name in ("COLUMNS", "LINES"):
        monkeypatch.delenv(name, raising=False)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    assert _columns() == shutil.get_terminal_size().columns


def test_pyyamls_expression_written_positively_matches_the_same_characters():
    """infrac.base.yamlimport gives PyYAML's reader the complement of its character class,
    written positively: it must match exactly the characters PyYAML's own does, and
    PyYAML must still hold the expression it writes (else nothing is substituted)."""
    import ast
    import re

    from infrac.base import yamlimport

    yaml = yamlimport.load_yaml()
    assert re.compile.__module__ == "re"  # restored
    assert yaml.reader.Reader.NON_PRINTABLE.pattern in (yamlimport.NON_PRINTABLE, yamlimport.NON_PRINTABLE_POSITIVE)
    with open(yaml.reader.__file__, encoding="utf-8") as stream:
        source = ast.parse(stream.read())
    compiled = [ast.literal_eval(node.args[0]) for node in ast.walk(source) if isinstance(node, ast.Call)
                and ast.unparse(node.func) == "re.compile" and node.args]
    assert yamlimport.NON_PRINTABLE in compiled
    theirs = re.compile(yamlimport.NON_PRINTABLE)
    ours = re.compile(yamlimport.NON_PRINTABLE_POSITIVE)
    text = "".join(map(chr, range(0x110000)))
    assert [m.start() for m in theirs.finditer(text)] == [m.start() for m in ours.finditer(text)]


@pytest.mark.parametrize("command", ["check", "build", "diff", "fmt", "graph", "exports", "rehearse", "plan-move",
                                     "lsp", "import", "explain", "completion"])
def test_a_command_alone_has_the_arguments_it_has_among_all(command):
    """The command line defines only the arguments of the command it runs: each
    command's parser must be the same as when every command is defined."""
    from infrac.cli import _parser

    def subparser(parser):
        action = next(a for a in parser._actions if a.dest == "command")
        return action.choices[command]

    alone, among_all = subparser(_parser([command])), subparser(_parser())
    assert alone.format_help() == among_all.format_help()
    assert [a.dest for a in alone._actions] == [a.dest for a in among_all._actions]
    assert alone._defaults == among_all._defaults



@pytest.mark.parametrize("argv", [
    [], ["-h"], ["-h", "check"], ["--version", "check"], ["frobnicate"], ["check"], ["check", "--help"],
    ["check", "p", "--bogus"], ["check", "p", "--diagnostic-format", "sarif", "--color", "never"],
    ["build", "--target", "terraform"], ["build", "p", "--out", "o", "--stage", "dev", "--format", "json"],
    ["fmt", "a", "b", "--check"], ["graph", "--format", "dot"], ["exports", "--stage"], ["lsp", "extra"],
    ["import", "a.yml", "--out", "x", "--split-by", "type"], ["explain"], ["plan-move", "--from", "a.yml"],
    ["chek"], ["--verison"], ["build", "--formt", "json"], ["build", "--target", "cloudformaton"],
    ["check", "--watch"], ["fmt", "--check", "--diff"], ["explain", "--list"], ["completion", "zsh"],
    ["diff", "p", "--against", "a", "--against", "b=c.json", "--format", "markdown", "--fail-on", "replace"],
    ["diff", "--format", "yaml"], ["graph", "--format", "github-matrix"],
])
def test_the_parser_of_one_command_answers_as_the_parser_of_all(argv, capsys):
    """Stdout, stderr, exit status and arguments: the same from the parser built for
    ``argv``'s command alone as from the one with every command."""
    from infrac.cli import _parser

    def outcome(parser):
        try:
            result = vars(parser.parse_args(argv))
        except SystemExit as exit:
            result = ("exit", exit.code)
        out, err = capsys.readouterr()
        return result, out, err

    assert outcome(_parser(argv)) == outcome(_parser())

def test_main_in_a_process_that_goes_on_leaves_the_collector_on(capsys):
    """The `infrac` program runs with the cyclic collector off (`cli.run`); a caller
    of `main` in its own process (tests, tools) keeps its collector."""
    import gc

    from infrac.cli import main

    assert gc.isenabled()
    assert main(["check", str(SEED), "--no-cache"]) == 0
    assert gc.isenabled()
    assert gc.get_freeze_count() == 0


def test_the_program_runs_with_the_collector_off_and_the_server_with_it_on():
    """Under `cli.run`, the compiling commands run without the cyclic collector; the
    language server and the commands that drive moto and boto3 keep it."""
    probe = (
        "import gc, os, sys\n"
        "import infrac.cli as cli\n"
        "seen = []\n"
        "real_exit = os._exit\n"
        "def fast_exit(code):\n"
        "    print(seen, 'fast exit', code)\n"
        "    sys.stdout.flush()\n"
        "    real_exit(code)\n"
        "os._exit = fast_exit\n"
        "cli._command(sys.argv[1]).run = lambda args: seen.append(gc.isenabled()) or 0\n"
        "sys.argv = ['infrac', *sys.argv[1:]]\n"
        "try:\n"
        "    cli.run()\n"
        "finally:\n"
        "    print(seen, gc.get_freeze_count() > 0)\n"
    )
    for args, enabled in ((["check"], False), (["build"], False), (["fmt"], False), (["lsp"], True),
                          (["rehearse"], True), (["import", "x.yml", "--out", "x"], True)):
        process = subprocess.run([sys.executable, "-c", probe, *args], capture_output=True, text=True, timeout=60)
        # the compiling commands end the process without tearing the interpreter down
        expected = f"[{enabled}] True" if enabled else f"[{enabled}] fast exit 0"
        assert process.stdout.strip() == expected, (args, process.stdout, process.stderr)


def test_the_program_ends_with_its_output_whole_and_its_exit_code(tmp_path, capsys, monkeypatch):
    """The compiling commands end the process at once (infrac.cli.run): what they
    print is all there, byte for byte what :func:`infrac.cli.main` prints in a
    process that goes on, and the exit code is the command's."""
    from infrac.cli import main

    (tmp_path / "broken").mkdir()
    (tmp_path / "broken" / "broken.infra").write_text("stack data {\n  table Users {\n    billing on_demand\n  }\n}\n")
    environment = {**os.environ, "INFRAC_NO_CACHE": "1", "NO_COLOR": "1"}
    monkeypatch.setenv("INFRAC_NO_CACHE", "1")
    monkeypatch.setenv("NO_COLOR", "1")
    for argv, expected_code in ((["check", str(SEED), "--diagnostic-format", "json"], 0),
                                (["check", str(tmp_path / "broken")], 1),
                                (["build", str(SEED), "--out", str(tmp_path / "out"), "--check"], 1)):
        process = subprocess.run([sys.executable, "-m", "infrac", *argv], capture_output=True, text=True,
                                 timeout=120, env=environment, cwd=ROOT)
        capsys.readouterr()
        code = main(argv)
        printed = capsys.readouterr()
        assert (process.returncode, process.stdout, process.stderr) == (code, printed.out, printed.err)
        assert code == expected_code and (printed.out or printed.err)
