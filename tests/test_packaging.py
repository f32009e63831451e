"""The wheel carries the grammar, and the installed command finds it.

(Every other test runs against the editable install, which reads
grammar/infra.lark from the source tree.)
"""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
import zipfile

from conftest import ROOT


def test_the_wheel_ships_the_grammar_and_runs_from_it(tmp_path, write_project):
    process = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-w", str(tmp_path / "dist"), str(ROOT)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert process.returncode == 0, process.stdout + process.stderr
    [wheel] = (tmp_path / "dist").glob("infrac-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        assert "infrac/grammar/infra.lark" in names
        assert archive.read("infrac/grammar/infra.lark") == (ROOT / "grammar" / "infra.lark").read_bytes()
        archive.extractall(tmp_path / "installed")

    project = write_project({"main.infra": "stack data {\n  table T {\n    key = { id: string }\n  }\n}\n"})
    # The unpacked wheel first; the dependencies from this environment's site-packages
    # (no .pth file is read from PYTHONPATH, so the editable checkout stays out of the way).
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tmp_path / "installed"), sysconfig.get_paths()["purelib"]])}
    code = (
        "import infrac, infrac.syntax.parser as p, sys; from infrac.cli import main; "
        "print(infrac.__file__); print(p.grammar_path()); sys.exit(main(['check', sys.argv[1]]))"
    )
    run = subprocess.run(
        [sys.executable, "-s", "-c", code, str(project)],
        capture_output=True, text=True, env=env, cwd=tmp_path, timeout=120,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    module_file, grammar, summary = run.stdout.splitlines()
    assert module_file.startswith(str(tmp_path / "installed"))
    assert grammar == str(tmp_path / "installed" / "infrac" / "grammar" / "infra.lark")
    assert summary == "ok: 1 stack, 1 resource"
