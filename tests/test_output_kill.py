"""All or nothing: a build killed (SIGKILL) anywhere in its write phase leaves the output
folder exactly as the previous build left it, or exactly as the new one writes it, and
never a new output beside an old ``infra.lock``; the next build sweeps what the killed
one left behind.

Each kill forks a child that runs the write phase (``outputs.write_outputs``, what
``infrac build`` runs once the project compiled) and is killed either at a chosen step
(the ``outputs._step`` seam names each one) or at a random moment, by the parent, while
the seam stretches each step. ``INFRAC_KILL_POINTS`` sets the number of kills (200 here;
``make fuzz`` runs more).
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import time
from pathlib import Path

import pytest

from conftest import TRIED
from infrac.backends import BuildOptions, backend
from infrac.base.source import SourceFile
from infrac.contract import lockfile
from infrac.contract.linker import link
from infrac.project import outputs
from infrac.project.pipeline import compile_sources

KILLS = int(os.environ.get("INFRAC_KILL_POINTS", "200"))

DATA = 'stack data {\n  table Users {\n    key = { id: string }\n    export name, arn\n  }\n}\n'
OLD = 'stack old {\n  queue Jobs {\n    name = "jobs-{stage}"\n    export arn\n  }\n}\n'
APP = "stack app {\n  uses data.Users { read }\n}\n"


def build(text: str) -> tuple[dict[str, str], str]:
    result = compile_sources([SourceFile("main.infra", text)])
    assert result.ok, result.diagnostics
    artifacts = backend("serverless").render(result.program, BuildOptions())
    return {a.path: a.text for a in artifacts}, lockfile.render(link(result.program))


def snapshot(folder: Path) -> dict[str, object]:
    """Every entry under ``folder``: file contents, link targets, and folders."""
    found: dict[str, object] = {}
    if not folder.exists():
        return found
    for path in sorted(folder.rglob("*")):
        relative = path.relative_to(folder).as_posix()
        if path.is_symlink():
            found[relative] = ("link", os.readlink(path))
        elif path.is_dir():
            found[relative] = "folder"
        else:
            found[relative] = path.read_bytes()
    return found


def strays(project: Path) -> list[str]:
    return sorted(p.name for p in project.iterdir() if p.name.startswith("."))


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_sigkill_anywhere_in_the_write_phase_leaves_the_old_or_the_new_output(tmp_path):
    project = tmp_path / "project"
    project.mkdir()
    out, lock = project / "out", project / lockfile.NAME
    builds = {"A": build(DATA + OLD + APP), "B": build(DATA.replace("name, arn", "arn") + APP)}
    assert builds["A"][1] != builds["B"][1]

    # The previous output, with files of the user's that every build keeps.
    outputs.write_outputs(out, builds["A"][0], (lock, builds["A"][1]))
    (out / "notes.txt").write_text("mine")
    (out / "data" / ".serverless").mkdir()
    (out / "data" / ".serverless" / "data.zip").write_bytes(b"PK\x03\x04")
    (out / "empty").mkdir()
    (out / "link").symlink_to("notes.txt")
    expected = {"A": (snapshot(out), builds["A"][1])}
    scratch = tmp_path / "scratch"
    shutil.copytree(out, scratch / "out", symlinks=True)
    outputs.write_outputs(scratch / "out", builds["B"][0], (scratch / lockfile.NAME, builds["B"][1]))
    expected["B"] = (snapshot(scratch / "out"), builds["B"][1])
    assert expected["A"][0] != expected["B"][0]

    # How many steps a write phase has, to choose kill points among them.
    steps: list[str] = []
    outputs._step = steps.append
    try:
        outputs.write_outputs(scratch / "out", builds["A"][0], None)
    finally:
        outputs._step = lambda name: None
    assert len(steps) > 10, steps

    state = "A"
    outcomes = {"old": 0, "new": 0}
    generator = random.Random(8)
    for attempt in range(KILLS):
        target = "B" if state == "A" else "A"
        files, lock_text = builds[target]
        at_step = attempt % 2 == 0
        kill_at = generator.randrange(len(steps) + 2)
        delay = generator.uniform(0, 0.03)
        pid = os.fork()
        if pid == 0:  # the build
            try:
                counter = iter(range(10**6))

                def step(name: str, counter=counter, at_step=at_step, kill_at=kill_at) -> None:
                    if at_step:
                        if next(counter) == kill_at:
                            os.kill(os.getpid(), signal.SIGKILL)
                    else:
                        time.sleep(0.001)

                outputs._step = step
                outputs.write_outputs(out, files, (lock, lock_text))
            finally:
                os._exit(0)
        if not at_step:
            time.sleep(delay)
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        os.waitpid(pid, 0)

        now, now_lock = snapshot(out), lock.read_text(encoding="utf-8")
        matches = [name for name, (folder, _) in expected.items() if folder == now]
        assert matches, f"kill {attempt} (step {kill_at if at_step else f'{delay:.4f}s'}) left a mixed output: {sorted(now)}"
        assert now_lock in (builds["A"][1], builds["B"][1]), f"kill {attempt} left a partial lock"
        if matches[0] == target:
            assert now_lock == lock_text, f"kill {attempt} left a new output beside an old lock"
        outcomes["new" if matches[0] == target else "old"] += 1
        TRIED["kill points"] += 1
        state = matches[0]

    # Both outcomes happened, and the next build sweeps what the killed ones left.
    assert outcomes["old"] and outcomes["new"], outcomes
    outputs.write_outputs(out, builds["B"][0], (lock, builds["B"][1]))
    assert snapshot(out) == expected["B"][0]
    assert strays(project) == [], strays(project)
    print(f"{KILLS} kills: {outcomes['old']} left the old output, {outcomes['new']} the new")
