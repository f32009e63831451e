"""`check --watch` and `build --watch`, as a user runs them: a process left running while
files of the project are edited, its output read as it comes, then stopped with Ctrl-C
(SIGINT)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from conftest import ROOT

TABLE = "stack data {\n  table Users {\n    key = { userId: string }\n    export name\n  }\n}\n"
BROKEN = TABLE.replace("table Users {", "table Users {\n    bilin = on_demand")
QUEUE = "stack jobs {\n  queue Jobs {\n    visibility_timeout = 30s\n  }\n}\n"
#: How long a change may take to be seen and run on a busy machine; the tests wait for what
#: they expect and never sleep that long when all goes well.
PATIENCE = 60


class Watch:
    """``infrac ARGS --watch`` running in the background, its stdout and stderr collected."""

    def __init__(self, *args: str, cwd: Path, cache: Path) -> None:
        environment = {**os.environ, "NO_COLOR": "1", "XDG_CACHE_HOME": str(cache), "PYTHONUNBUFFERED": "1"}
        environment.pop("INFRAC_NO_CACHE", None)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "infrac", *args, "--watch"], cwd=cwd, env=environment,
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        self.out: list[str] = []
        self.err: list[str] = []
        self.readers = [threading.Thread(target=self._read, args=(stream, into), daemon=True)
                        for stream, into in ((self.process.stdout, self.out), (self.process.stderr, self.err))]
        for reader in self.readers:
            reader.start()

    @staticmethod
    def _read(stream, into: list[str]) -> None:
        for line in stream:
            into.append(line)

    @property
    def stdout(self) -> str:
        return "".join(self.out)

    @property
    def stderr(self) -> str:
        return "".join(self.err)

    def wait_for(self, text: str, *, count: int = 1, on: str = "stdout") -> None:
        deadline = time.monotonic() + PATIENCE
        while time.monotonic() < deadline:
            if getattr(self, on).count(text) >= count:
                return
            if self.process.poll() is not None:
                break
            time.sleep(0.05)
        raise AssertionError(f"never saw {text!r} ({count}) on {on}:\n{self.stdout}\n---\n{self.stderr}")

    def stop(self) -> int:
        """Ctrl-C, as a terminal sends it."""
        self.process.send_signal(signal.SIGINT)
        code = self.process.wait(timeout=PATIENCE)
        for reader in self.readers:
            reader.join(timeout=PATIENCE)
        return code

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()


@pytest.fixture
def watching(tmp_path):
    started: list[Watch] = []

    def start(*args: str, cwd: Path) -> Watch:
        started.append(Watch(*args, cwd=cwd, cache=tmp_path / "cache"))
        return started[-1]

    yield start
    for watch in started:
        watch.kill()


def write(path: Path, text: str) -> None:
    """As an editor saves: the whole file at once, in place."""
    path.write_text(text, encoding="utf-8")


def test_check_watch_runs_again_after_each_change_and_stops_cleanly_on_ctrl_c(tmp_path, watching):
    project = tmp_path / "shop"
    project.mkdir()
    write(project / "main.infra", TABLE)
    watch = watching("check", "shop", cwd=tmp_path)
    watch.wait_for("infrac: watching shop for changes (Ctrl-C to stop)\n")
    assert watch.stdout == "ok: 1 stack, 1 resource\ninfrac: watching shop for changes (Ctrl-C to stop)\n"

    write(project / "main.infra", BROKEN)
    watch.wait_for("error[E0204]", on="stderr")
    watch.wait_for("\n--- run 2: shop/main.infra changed ---\n")
    write(project / "main.infra", TABLE)
    watch.wait_for("ok: 1 stack, 1 resource\n", count=2)
    assert "--- run 3: shop/main.infra changed ---\nok: 1 stack, 1 resource\n" in watch.stdout

    # a new file is a change; a file saved unchanged is none (no run 5 before run 5's edit)
    write(project / "jobs.infra", QUEUE)
    watch.wait_for("--- run 4: shop/jobs.infra changed ---\nok: 2 stacks, 2 resources\n")
    write(project / "jobs.infra", QUEUE)
    (project / "notes.txt").write_text("not a source\n")
    time.sleep(1.5)
    assert "run 5" not in watch.stdout
    (project / "jobs.infra").unlink()
    watch.wait_for("--- run 5: shop/jobs.infra changed ---\nok: 1 stack, 1 resource\n")

    code = watch.stop()
    assert code == 130
    assert watch.stderr.endswith("\ninfrac: stopped watching\n")
    assert "Traceback" not in watch.stderr and "internal error" not in watch.stderr
    assert watch.stdout.count("--- run ") == 4


def test_a_change_saved_before_the_watcher_is_armed_is_not_lost(tmp_path, watching):
    """Saved as soon as the first run has printed, before "watching": the run it asks for
    still comes (the watcher compares the inputs once it is armed)."""
    project = tmp_path / "shop"
    project.mkdir()
    write(project / "main.infra", TABLE)
    watch = watching("check", "shop", cwd=tmp_path)
    watch.wait_for("ok: 1 stack, 1 resource\n")
    write(project / "main.infra", BROKEN)
    watch.wait_for("error[E0204]", on="stderr")
    watch.wait_for("infrac: watching shop for changes (Ctrl-C to stop)\n")
    assert watch.stop() == 130


def test_build_watch_rebuilds_from_the_cache_and_is_not_woken_by_what_it_writes(tmp_path, watching):
    """Two stacks in two files are two groups of the incremental build, each cached with the
    lock's record of it. Builds before the watch wrote both: the watch's first run reads
    both from the cache, and after an edit of one file, the other's again. The output folder
    and the lock are under the watched folder: writing them starts no run."""
    write(tmp_path / "data.infra", TABLE)
    write(tmp_path / "jobs.infra", QUEUE)
    environment = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache")}
    environment.pop("INFRAC_NO_CACHE", None)
    for _ in range(2):  # the first writes the lock, the second the groups keyed with it
        subprocess.run([sys.executable, "-m", "infrac", "build", ".", "--out", "out"], cwd=tmp_path, env=environment,
                       check=True, capture_output=True, timeout=PATIENCE)

    def groups() -> dict[str, int]:
        """The packs of group results (one per build that compiled groups), by name."""
        return {p.name: p.stat().st_mtime_ns for p in (tmp_path / "cache").rglob("group/*.pack")}

    def results(name: str) -> int:
        """How many group results a pack holds."""
        [pack] = (tmp_path / "cache").rglob(f"group/{name}")
        payload = pack.read_text().partition("\n")[2]  # after the checksum: a line of JSON, then the texts
        return len(json.loads(payload.partition("\n")[0])["results"])

    before = groups()
    assert sum(results(name) for name in before) >= 2
    watch = watching("build", ".", "--out", "out", cwd=tmp_path)
    watch.wait_for("infrac: watching . for changes (Ctrl-C to stop)\n")
    assert "built 2 stacks for cloudformation in out\n" in watch.stdout
    assert (tmp_path / "infra.lock").is_file() and "VisibilityTimeout: 30" in (tmp_path / "out" / "jobs.yml").read_text()
    first = groups()
    assert first == before
    time.sleep(1.0)
    assert "--- run" not in watch.stdout  # the output folder and the lock it wrote: no change of the inputs

    write(tmp_path / "jobs.infra", QUEUE.replace("30s", "45s"))
    watch.wait_for("--- run 2: jobs.infra changed ---\nbuilt 2 stacks for cloudformation in out\n")
    assert "VisibilityTimeout: 45" in (tmp_path / "out" / "jobs.yml").read_text()
    second = groups()
    new = [name for name in second if name not in first]
    assert len(new) == 1 and results(new[0]) == 1, (first, second)  # jobs' group alone was compiled
    assert all(second.get(name) == first[name] for name in first if name in second)  # data's: read, not written

    assert watch.stop() == 130
    assert "Traceback" not in watch.stderr


def test_watch_without_a_folder_to_watch_reports_and_exits(tmp_path):
    process = subprocess.run([sys.executable, "-m", "infrac", "check", "missing", "--watch"], cwd=tmp_path,
                             capture_output=True, text=True, timeout=PATIENCE, env={**os.environ, "NO_COLOR": "1"})
    assert process.returncode == 1
    assert "error[E0001]: `missing` does not exist" in process.stderr
    assert "watching" not in process.stdout


def test_watch_loads_the_watcher_and_turns_the_collector_on():
    """Only --watch loads watchfiles (tests/test_startup.py: check and build never do); the
    watching process lives on, so it collects its garbage."""
    probe = (
        "import gc, sys\n"
        "import infrac.cli.watch as w\n"
        "from infrac.cli import main\n"
        "seen = []\n"
        "class Stop(Exception): pass\n"
        "import watchfiles\n"
        "def fake(*a, **k):\n"
        "    seen.append(gc.isenabled())\n"
        "    raise KeyboardInterrupt\n"
        "    yield\n"
        "watchfiles.watch = fake\n"
        "gc.disable()\n"
        "code = main(['check', 'infra.dsl', '--watch'])\n"
        "print(code, seen, 'watchfiles' in sys.modules)\n"
    )
    process = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, timeout=PATIENCE,
                             env={**os.environ, "NO_COLOR": "1"})
    assert process.stdout.splitlines()[-1] == "130 [True] True", process.stdout + process.stderr


def test_watch_without_the_extra_is_a_usage_error_naming_it():
    probe = (
        "import sys\n"
        "sys.modules['watchfiles'] = None  # as if the watch extra were not installed\n"
        "from infrac.cli import main\n"
        "print(main(['build', 'infra.dsl', '--watch']))\n"
    )
    process = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, timeout=PATIENCE)
    assert process.stdout == "2\n"
    assert process.stderr == ("infrac build: error: --watch needs watchfiles; install it with "
                              "`pip install 'infrac[watch]'`\n")
