"""Progress on long work: a status line on a terminal, nothing elsewhere.

The commands run with their standard error on a pseudo-terminal (what a person's terminal
is to a program) and their standard output on a pipe, as in `infrac rehearse > report.txt`;
what reached the terminal is read from its other end. The same commands with standard
error on a pipe, or with `CI` set, write no progress at all.
"""

from __future__ import annotations

import fcntl
import os
import pty
import struct
import subprocess
import sys
import termios
import threading

import pytest

from conftest import ROOT, SEED

ERASE = "\r\x1b[K"
#: The terminal's width in the tests.
COLUMNS = 72


def quiet_environment(**extra: str) -> dict[str, str]:
    """This environment without what would hide or change progress (CI sets CI=true)."""
    environment = {k: v for k, v in os.environ.items() if k not in ("CI", "TERM", "COLUMNS", "LINES")}
    return {**environment, "TERM": "xterm", "NO_COLOR": "1", **extra}


def on_terminal(argv: list[str], cwd=ROOT, **extra: str) -> tuple[int, str, str]:
    """Run ``argv`` with stderr on a pseudo-terminal of ``COLUMNS`` columns: (exit code, stdout,
    what the terminal received)."""
    main, secondary = pty.openpty()
    fcntl.ioctl(secondary, termios.TIOCSWINSZ, struct.pack("HHHH", 24, COLUMNS, 0, 0))
    attributes = termios.tcgetattr(secondary)
    attributes[1] &= ~termios.ONLCR  # the bytes as written: no \r added before each \n
    termios.tcsetattr(secondary, termios.TCSANOW, attributes)
    received = bytearray()

    def read() -> None:
        while True:
            try:
                chunk = os.read(main, 4096)
            except OSError:  # EIO: the other end is closed
                return
            if not chunk:
                return
            received.extend(chunk)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        process = subprocess.run(argv, cwd=cwd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=secondary,
                                 env=quiet_environment(**extra), timeout=300)
    finally:
        os.close(secondary)
    reader.join(timeout=30)
    os.close(main)
    return process.returncode, process.stdout.decode(), received.decode()


def infrac(*args: str) -> list[str]:
    return [sys.executable, "-m", "infrac", *args]


def status_lines(terminal: str) -> list[str]:
    """The status lines as written, in order: each starts by erasing the line, and is followed
    by the next one's erasing (what follows the last erasing and ends a line is output)."""
    return [part for part in terminal.split(ERASE)[1:] if part and "\n" not in part]


# ---- the status line itself --------------------------------------------------------------------


PROBE = """
import sys, time
from infrac.cli.progress import Progress
with Progress("work") as progress:
    progress(1, 2, "first")
    progress(2, 2, "second, with a long description that does not fit on a line of the terminal")
    progress(0, 0, "a step of unknown length")
print("done", file=sys.stderr)
"""


def test_the_status_line_is_rewritten_in_place_cut_to_the_width_and_erased_at_the_end():
    code, out, terminal = on_terminal([sys.executable, "-c", PROBE])
    assert code == 0 and out == ""
    assert status_lines(terminal) == [
        "work [1/2]: first",
        "work [2/2]: second, with a long description that does not fit on a l...",
        "work: a step of unknown length",
    ]
    assert all(len(line) < COLUMNS for line in status_lines(terminal))
    assert terminal.endswith(ERASE + "done\n")  # erased before anything else is printed
    assert "\n" not in terminal.removesuffix("done\n")


@pytest.mark.parametrize("environment", [{"CI": "true"}, {"CI": "1"}, {"TERM": "dumb"}])
def test_no_status_line_in_ci_or_on_a_dumb_terminal(environment):
    code, _, terminal = on_terminal([sys.executable, "-c", PROBE], **environment)
    assert code == 0 and terminal == "done\n"


def test_no_status_line_when_stderr_is_not_a_terminal():
    process = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True,
                             env=quiet_environment(), timeout=60)
    assert process.returncode == 0 and process.stderr == "done\n"


def test_ci_set_to_false_still_shows_progress():
    _, _, terminal = on_terminal([sys.executable, "-c", PROBE], CI="false")
    assert status_lines(terminal)[0] == "work [1/2]: first"


# ---- the long commands -----------------------------------------------------------------------


def test_rehearse_shows_each_stack_deployed_and_torn_down_on_a_terminal():
    code, out, terminal = on_terminal(infrac("rehearse", str(SEED)), INFRAC_NO_CACHE="1")
    assert code == 0, terminal
    lines = status_lines(terminal)
    assert lines[:2] == ["rehearse: loading moto", "rehearse: starting moto's CloudFormation mock"]
    # the seed system's five stacks, in the report's order, then in reverse
    stacks = [line.split(":")[0] for line in out.splitlines() if line.startswith("infrastructure-")]
    assert len(stacks) == 5
    assert lines[2:] == [f"rehearse [{n}/5]: deploying {stack}" for n, stack in enumerate(stacks, 1)] + [
        f"rehearse [{n}/5]: tearing down {stack}" for n, stack in enumerate(reversed(stacks), 1)
    ]
    assert terminal.endswith(ERASE)  # nothing left on the screen
    assert out.startswith("rehearsal in moto's CloudFormation mock, stage dev\n")  # the report, on stdout


def test_import_shows_each_file_read_on_a_terminal_and_nothing_in_ci(tmp_path):
    import shutil

    monolith = tmp_path / "monolith"
    shutil.copytree(ROOT / "examples" / "monolith", monolith, ignore=shutil.ignore_patterns("node_modules", ".serverless"))
    args = ("import", "core/serverless.yml", "infrastructure-cognito/serverless.yml", "--split-by", "type")
    code, out, terminal = on_terminal(infrac(*args, "--out", "out"), cwd=monolith)
    assert code == 0, terminal
    assert status_lines(terminal)[:3] == [
        "import [1/2]: reading core/serverless.yml",
        "import [2/2]: reading infrastructure-cognito/serverless.yml",
        "import: importing 2 templates, and checking they rebuild",
    ]
    # the warnings that follow start on an erased line
    assert ERASE + "warning[W0811]" in terminal
    assert out.startswith("imported 2 files into out: ")

    code, again, terminal = on_terminal(infrac(*args, "--out", "out2"), cwd=monolith, CI="true")
    assert code == 0
    assert terminal.startswith("warning[W0811]") and ERASE not in terminal and "import [" not in terminal
    assert again.replace("out2", "out") == out


def test_plan_move_shows_the_files_read_and_the_steps_simulated_on_a_terminal(write_project):
    project = write_project({
        "p/project.infra": 'project shop {\n  region = "eu-west-1"\n  stages = [dev]\n}\n',
        "p/data.infra": 'stack data {\n  table Users {\n    name = "users-{stage}"\n    key  = { id: string }\n  }\n}\n',
        "deployed/legacy-dev.yml": "Resources:\n  Users:\n    Type: AWS::DynamoDB::Table\n    Properties:\n"
                                   "      TableName: users-dev\n      BillingMode: PAY_PER_REQUEST\n"
                                   "      KeySchema: [{AttributeName: id, KeyType: HASH}]\n"
                                   "      AttributeDefinitions: [{AttributeName: id, AttributeType: S}]\n",
    })
    code, _, terminal = on_terminal(infrac("plan-move", "p", "--from", "deployed/legacy-dev.yml", "--out", "out"),
                                    cwd=project, INFRAC_NO_CACHE="1")
    lines = status_lines(terminal)
    assert lines[:2] == ["plan-move [1/1]: reading deployed/legacy-dev.yml", "plan-move: planning the moves of 1 stack"]
    assert lines[2].startswith("plan-move [1/2]: simulating step 1: ")
    # the simulator refuses to leave legacy-dev empty: the diagnostic starts on an erased line
    assert code == 1 and ERASE + "error[E0855]" in terminal


def test_bench_shows_each_pair_of_runs_on_a_terminal():
    probe = (
        "import sys\n"
        f"sys.path.insert(0, {str(ROOT / 'bench')!r})\n"
        "import run\n"
        "result = run.paired('pass', [sys.executable, '-c', 'pass'], [sys.executable, '-c', 'pass'], 2)\n"
        "print(result['runs'])\n"
    )
    code, out, terminal = on_terminal([sys.executable, "-c", probe])
    assert code == 0 and out == "2\n"
    assert status_lines(terminal) == ["bench [0/2]: pass: warming up", "bench [1/2]: pass", "bench [2/2]: pass"]
    assert terminal.endswith(ERASE)
