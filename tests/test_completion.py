"""`infrac completion SHELL`: the script each shell loads, asked for completions as the shell
asks when TAB is pressed.

bash runs everywhere the tests run. zsh and fish come from the machine's Debian release,
unpacked by `make test` into `.shells/root` (no root, nothing installed system-wide) and run
from there, their own files found through `module_path`, `fpath` and the library path.
"""

from __future__ import annotations

import os
import shlex
import subprocess

import pytest

from conftest import ROOT, run_infrac


def script(shell: str) -> str:
    process = run_infrac("completion", shell)
    assert process.returncode == 0, process.stderr
    assert process.stderr == ""
    return process.stdout


def commands_and_options() -> dict[str, list[str]]:
    """Each command of the parser with its option strings, as `infrac COMMAND --help` lists them."""
    from infrac.cli import _parser

    parser = _parser()
    commands = next(a for a in parser._actions if a.dest == "command").choices
    return {name: [s for a in command._actions for s in a.option_strings] for name, command in commands.items()}


@pytest.fixture(scope="module")
def bash_script(tmp_path_factory) -> str:
    path = tmp_path_factory.mktemp("bash") / "infrac"
    path.write_text(script("bash"), encoding="utf-8")
    return str(path)


def bash_complete(script_path: str, words: list[str], cwd=ROOT) -> list[str]:
    """What bash offers for the last of ``words`` (the word being completed; "" for a new
    one), after loading the script as bash-completion would: the function that `complete -p
    infrac` names is called with COMP_WORDS and COMP_CWORD set."""
    line = " ".join(words)
    program = (
        f"source {shlex.quote(script_path)}\n"
        "function=$(complete -p infrac | sed -n 's/.* -F \\([^ ]*\\) .*/\\1/p')\n"
        '[ -n "$function" ] || { echo "no completion registered for infrac" >&2; exit 9; }\n'
        f"COMP_WORDS=({' '.join(shlex.quote(w) for w in words)})\n"
        f"COMP_CWORD={len(words) - 1}\n"
        f"COMP_LINE={shlex.quote(line)}; COMP_POINT={len(line)}\n"
        '"$function" infrac\n'
        "printf '%s\\n' \"${COMPREPLY[@]}\"\n"
    )
    process = subprocess.run(["bash", "--norc", "--noprofile", "-c", program], capture_output=True, text=True,
                             cwd=cwd, timeout=30)
    assert process.returncode == 0, process.stderr
    assert process.stderr == "", process.stderr
    return [line for line in process.stdout.splitlines() if line]


def test_the_script_of_each_shell_is_the_same_in_every_run():
    """Deterministic output: two interpreters with different hash seeds write the same bytes."""
    import os
    import sys

    for shell in ("bash", "zsh", "fish"):
        texts = {
            subprocess.run([sys.executable, "-m", "infrac", "completion", shell], capture_output=True, text=True,
                           env={**os.environ, "PYTHONHASHSEED": seed}, check=True, timeout=60).stdout
            for seed in ("1", "2")
        }
        assert len(texts) == 1, shell
        (text,) = texts
        assert text.endswith("\n") and "infrac" in text


def test_an_unknown_shell_is_a_usage_error_with_a_suggestion():
    process = run_infrac("completion", "zhs")
    assert process.returncode == 2
    assert "did you mean `zsh`?" in process.stderr


def test_bash_registers_a_completion_for_infrac(bash_script):
    process = subprocess.run(["bash", "--norc", "--noprofile", "-c", f"source {shlex.quote(bash_script)}; complete -p infrac"],
                             capture_output=True, text=True, timeout=30)
    assert process.returncode == 0 and process.stderr == ""
    assert process.stdout.startswith("complete ") and process.stdout.rstrip().endswith(" infrac")


def test_bash_completes_every_command(bash_script):
    assert bash_complete(bash_script, ["infrac", ""]) == list(commands_and_options())
    assert bash_complete(bash_script, ["infrac", "ch"]) == ["check"]
    assert bash_complete(bash_script, ["infrac", "ex"]) == ["exports", "explain"]


@pytest.mark.parametrize("command", list(commands_and_options()))
def test_bash_completes_every_option_of_a_command(bash_script, command):
    """Every option string the command's parser has, and nothing else: the script is the parser."""
    assert sorted(bash_complete(bash_script, ["infrac", command, "--"])) == sorted(
        s for s in commands_and_options()[command] if s.startswith("--")
    )


def test_bash_completes_an_options_choices(bash_script):
    assert bash_complete(bash_script, ["infrac", "build", "--target", ""]) == ["cloudformation", "serverless"]
    assert bash_complete(bash_script, ["infrac", "build", "--ta"]) == ["--target"]
    assert bash_complete(bash_script, ["infrac", "check", "--diagnostic-format", "s"]) == ["sarif"]
    assert bash_complete(bash_script, ["infrac", "completion", ""]) == ["bash", "zsh", "fish"]


def test_bash_completes_the_diagnostic_codes_for_explain(bash_script):
    assert bash_complete(bash_script, ["infrac", "explain", "E040"]) == [f"E040{n}" for n in range(1, 8)]


def test_bash_completes_paths_as_files_or_folders(bash_script, tmp_path):
    (tmp_path / "shop").mkdir()
    (tmp_path / "shop.infra").write_text("stack a {}\n")
    # a project: a folder or a file; --out: a folder
    assert sorted(bash_complete(bash_script, ["infrac", "check", "sh"], cwd=tmp_path)) == ["shop", "shop.infra"]
    assert bash_complete(bash_script, ["infrac", "build", "--out", "sh"], cwd=tmp_path) == ["shop"]
    assert sorted(bash_complete(bash_script, ["infrac", "import", "--map", "sh"], cwd=tmp_path)) == ["shop", "shop.infra"]


#: Where `make test` unpacks zsh and fish (Makefile, SHELLS_STAMP).
SHELLS = ROOT / ".shells" / "root"


def zsh() -> tuple[list[str], str]:
    """The zsh to run and the lines that make its own modules and functions found."""
    unpacked = SHELLS / "bin" / "zsh"
    if not unpacked.is_file():
        pytest.fail("zsh is not unpacked: `make test` unpacks it into .shells/ (Makefile, SHELLS_STAMP)")
    modules = next((SHELLS / "usr" / "lib").glob("*/zsh/*"))
    functions = SHELLS / "usr" / "share" / "zsh" / "functions"
    paths = " ".join(shlex.quote(str(p)) for p in sorted(functions.iterdir()) if p.is_dir())
    return [str(unpacked), "-f", "-c"], f"module_path=({shlex.quote(str(modules))})\nfpath=({paths} $fpath)\n"


def fish() -> tuple[list[str], dict[str, str]]:
    unpacked = SHELLS / "usr" / "bin" / "fish"
    if not unpacked.is_file():
        pytest.fail("fish is not unpacked: `make test` unpacks it into .shells/ (Makefile, SHELLS_STAMP)")
    libraries = ":".join(str(p) for p in (SHELLS / "usr" / "lib").glob("*-linux-gnu"))
    return [str(unpacked), "--no-config", "-c"], {**os.environ, "LD_LIBRARY_PATH": libraries}


def test_zsh_loads_the_script_as_a_completion_function(tmp_path):
    """zsh reads the script as the function `_infrac` from a folder of $fpath; compinit
    then binds it to `infrac`."""
    (tmp_path / "_infrac").write_text(script("zsh"), encoding="utf-8")
    command, setup = zsh()
    program = setup + (
        f"fpath=({shlex.quote(str(tmp_path))} $fpath)\n"
        "autoload -U compinit && compinit -u -D\n"
        "print -r -- ${_comps[infrac]}\n"
        "autoload -Uz +X _infrac && print -r -- ok\n"
    )
    process = subprocess.run([*command, program], capture_output=True, text=True, timeout=60)
    assert process.returncode == 0, process.stderr
    assert process.stdout.split() == ["_infrac", "ok"], process.stdout + process.stderr


def test_fish_completes_commands_options_and_choices(tmp_path):
    path = tmp_path / "infrac.fish"
    path.write_text(script("fish"), encoding="utf-8")
    command, environment = fish()

    def complete(line: str) -> list[str]:
        program = f"source {shlex.quote(str(path))}; complete -C {shlex.quote(line)}"
        process = subprocess.run([*command, program], capture_output=True, text=True, timeout=60, env=environment)
        assert process.returncode == 0, process.stderr
        return [entry.split("\t")[0] for entry in process.stdout.splitlines()]

    assert "check" in complete("infrac ch")
    assert complete("infrac build --target ") == ["cloudformation", "serverless"]
    assert "--target" in complete("infrac build --ta")
