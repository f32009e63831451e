"""Shared helpers for the test suite."""

from __future__ import annotations

import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import settings

# Property tests check behaviour, never time: no per-example deadline (a loaded machine made
# an example exceed hypothesis's default 200 ms, and shrinking that "failure" ran for half an
# hour). Performance is measured by `make bench`.
settings.register_profile("infrac", deadline=None)
settings.load_profile("infrac")

ROOT = Path(__file__).resolve().parent.parent
CASES = ROOT / "tests" / "cases"
SEED = ROOT / "infra.dsl"

#: What the fuzzing, kill and quoting tests tried, by kind; printed at the end of the run
#: (``make fuzz`` reports its counts this way).
TRIED: Counter[str] = Counter()


def pytest_sessionfinish(session) -> None:
    """A worker of ``pytest -n`` (make test) hands its counts to the controller."""
    if hasattr(session.config, "workeroutput"):
        session.config.workeroutput["tried"] = dict(TRIED)


def pytest_configure(config) -> None:
    if config.pluginmanager.hasplugin("xdist"):
        config.pluginmanager.register(_WorkerCounts())


class _WorkerCounts:
    """Adds up what each worker of ``pytest -n`` tried (the hook exists only with xdist)."""

    @pytest.hookimpl(optionalhook=True)
    def pytest_testnodedown(self, node, error) -> None:
        TRIED.update(getattr(node, "workeroutput", {}).get("tried", {}))


def pytest_terminal_summary(terminalreporter) -> None:
    if TRIED:
        terminalreporter.write_line("tried: " + ", ".join(f"{count} {kind}" for kind, count in sorted(TRIED.items())))


#: Set INFRAC_UPDATE=1 to rewrite expected outputs instead of comparing them.
UPDATE = os.environ.get("INFRAC_UPDATE") == "1"


def run_infrac(*args: str, cwd: Path | None = None, env: dict | None = None) -> subprocess.CompletedProcess:
    """The real command, in a subprocess, as a user runs it."""
    return subprocess.run(
        [sys.executable, "-m", "infrac", *args],
        cwd=cwd or ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "NO_COLOR": "1", **(env or {})},
        timeout=120,
    )


def assert_no_traceback(process: subprocess.CompletedProcess) -> None:
    assert "Traceback" not in process.stderr, process.stderr
    assert "internal error" not in process.stderr, process.stderr


@pytest.fixture
def write_project(tmp_path):
    """Write ``{relative path: text}`` under a temporary folder; return the folder."""

    def write(files: dict[str, str]) -> Path:
        for relative, text in files.items():
            path = tmp_path / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        return tmp_path

    return write


@pytest.fixture(autouse=True, scope="session")
def _private_build_cache(tmp_path_factory):
    """infrac's build cache (infrac.project.buildcache) in a folder of this test run's own,
    shared by its tests, rather than in the user's ~/.cache."""
    previous = os.environ.get("XDG_CACHE_HOME")
    os.environ["XDG_CACHE_HOME"] = str(tmp_path_factory.mktemp("xdg-cache"))
    yield
    if previous is None:
        os.environ.pop("XDG_CACHE_HOME", None)
    else:
        os.environ["XDG_CACHE_HOME"] = previous


@pytest.fixture(scope="session")
def built_site(tmp_path_factory) -> Path:
    """The documentation site, built once per session with ``mkdocs build --strict`` into a
    temporary folder (tests/test_site.py checks the build, tests/test_site_browser.py opens it)."""
    out = tmp_path_factory.mktemp("site")
    done = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--config-file", str(ROOT / "mkdocs.yml"),
         "--site-dir", str(out)],
        cwd=ROOT, capture_output=True, text=True, env={**os.environ, "NO_MKDOCS_2_WARNING": "1"}, timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert "WARNING" not in done.stderr, done.stderr
    return out


def pytest_collection_finish(session) -> None:
    """Start the documented installs of tests/test_install.py in the background, when it is
    collected: they run while the tests before it do. A worker of ``pytest -n`` collects every
    test but runs only its share: it leaves them to the first of its tests that waits."""
    if os.environ.get("PYTEST_XDIST_WORKER"):
        return
    for item in session.items:
        if item.path.name == "test_install.py":
            item.module.INSTALLS.start()
            session.config.add_cleanup(item.module.INSTALLS.stop)
            return
