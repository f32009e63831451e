"""The code passes ruff (pyflakes, bugbear, import order), as configured in pyproject.toml."""

import shutil
import subprocess
import sys
from pathlib import Path

from conftest import ROOT


def test_ruff():
    executable = Path(sys.executable).with_name("ruff")
    command = str(executable) if executable.exists() else shutil.which("ruff") or "ruff"
    process = subprocess.run(
        [command, "check", "--no-cache", "compiler", "tests"], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert process.returncode == 0, process.stdout + process.stderr
