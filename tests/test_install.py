"""infrac installed as the documentation says, in clean environments, and used.

The install commands are read from the pages a user reads them on, never copied here:
the tabs of "Install" in docs/getting-started.md (pipx; pip in a virtual environment; a wheel
built from a checkout) and the ``run:`` steps of docs/ci.md's GitHub Actions workflow. Each runs
as written in ``bash -euo pipefail``, in an empty folder, with one substitution: the
repository's address (``[project.urls] Repository`` of pyproject.toml) becomes a local git
repository holding this checkout's sources, tagged as the release the docs name, so the test
installs what the repository holds now, without the network to GitHub. Dependencies come from
the package index as they would for a user, pinned by constraints.txt (``PIP_CONSTRAINT``) so
that a run is repeatable. The ``python3`` on the ``PATH`` is the interpreter this environment
was made from, not this checkout's .venv.

Each installed ``infrac`` then runs from its own environment (not from this checkout) with a
build cache of its own: ``check`` on the first project of the docs, ``build`` of the seed
system (byte for byte what this checkout builds), ``import`` of the monolith (the same sources
this checkout writes), ``completion bash`` (shtab is a dependency, not an extra), and ``lsp``,
which answers an ``initialize`` request over stdio.

The installs spend a minute or two in pip: they run one after another in the background from
the end of the test collection (``Installs``), so that they overlap the tests before these.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import threading
import tomllib
from pathlib import Path

import pytest
import yaml

from conftest import ROOT, run_infrac
from infrac import __version__

PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
REPOSITORY = PYPROJECT["project"]["urls"]["Repository"]
TAG = f"v{__version__}"
GETTING_STARTED = ROOT / "docs" / "getting-started.md"
#: The interpreter this environment was made from: the `python3` of a machine without the checkout.
BASE_BIN = Path(sys.base_prefix) / "bin"


def documented_tab(title: str) -> str:
    """The ```sh block of the tab ``=== "title"`` of getting-started.md's Install section."""
    text = GETTING_STARTED.read_text(encoding="utf-8")
    section = text.split("\n## Install\n", 1)[1].split("\n## ", 1)[0]
    tab = section.split(f'\n=== "{title}"\n', 1)[1]
    block = tab.split("    ```sh\n", 1)[1].split("\n    ```", 1)[0]
    return "\n".join(line.removeprefix("    ") for line in block.splitlines()) + "\n"


def documented_workflow() -> list[dict]:
    text = (ROOT / "docs" / "ci.md").read_text(encoding="utf-8")
    workflow = yaml.safe_load(text.split("## A GitHub Actions workflow\n\n```yaml\n", 1)[1].split("```", 1)[0])
    return workflow["jobs"]["infrac"]["steps"]


def make_remote(under: Path) -> str:
    """The repository's address, made local: this checkout's files (tracked, and new ones not
    ignored) committed in a fresh git repository and tagged as the documented release."""
    folder = under / Path(REPOSITORY).name
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT, capture_output=True, check=True,
    ).stdout.decode().split("\0")
    for relative in filter(None, listed):
        source = ROOT / relative
        if source.is_file():
            (folder / relative).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, folder / relative)
    git = ["git", "-c", "user.name=infrac tests", "-c", "user.email=tests@infrac.invalid", "-c", "init.defaultBranch=main"]
    for command in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "the sources under test"], ["tag", TAG]):
        subprocess.run([*git, *command], cwd=folder, check=True, capture_output=True)
    # with a host: the pip that Python 3.11's venv brings refuses a `name @ git+file:///path` reference
    return "file://localhost" + folder.as_posix()


def environment(tmp_path: Path) -> dict[str, str]:
    """A user's shell: the machine's python3 and git, pipx, no virtual environment active."""
    tools = tmp_path / "tools"
    tools.mkdir(parents=True, exist_ok=True)
    pipx = Path(sys.executable).parent / "pipx"  # pinned in constraints.txt, installed by make
    (tools / "pipx").symlink_to(pipx)
    env = {key: value for key, value in os.environ.items()
           if key not in ("VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME", "PIP_REQUIRE_VIRTUALENV")}
    env.update({
        "PATH": os.pathsep.join([str(tmp_path / "pipx" / "bin"), str(tools), str(BASE_BIN), "/usr/local/bin", "/usr/bin", "/bin"]),
        "PIPX_HOME": str(tmp_path / "pipx"),
        "PIPX_BIN_DIR": str(tmp_path / "pipx" / "bin"),
        "PIPX_MAN_DIR": str(tmp_path / "pipx" / "man"),
        "PIP_CONSTRAINT": str(ROOT / "constraints.txt"),
        # pip's cache stays the user's (the session moves XDG_CACHE_HOME for infrac's own cache)
        "PIP_CACHE_DIR": os.environ.get("PIP_CACHE_DIR") or str(Path.home() / ".cache" / "pip"),
        "XDG_CACHE_HOME": str(tmp_path / "cache"),
        "NO_COLOR": "1",
    })
    return env


class Installs:
    """The documented installs, run one after another in the background from the end of the
    test collection (conftest.py's ``pytest_collection_finish``), each in a folder of its own:
    they spend a minute or two in pip on the second core while the tests before this module run
    on the first. The tests below wait for theirs."""

    def __init__(self) -> None:
        self.root: Path | None = None
        self.done: dict[str, threading.Event] = {}
        self.results: dict[str, tuple[int, str, str, str, Path, dict]] = {}
        self.current: subprocess.Popen | None = None
        self.stopping = False

    def cases(self) -> dict[str, tuple[str, str]]:
        """name -> (the documented commands, the folder they run in, inside the case's own)"""
        [install] = [step["run"] for step in documented_workflow() if REPOSITORY in step.get("run", "")]
        return {
            "pipx": (documented_tab("pipx"), "user"),
            "pip": (documented_tab("pip, in a virtual environment"), "project"),
            "wheel": (documented_tab("A wheel, built from a checkout"), "user"),
            "ci": (install, "repository"),
        }

    def start(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="infrac-installs-"))
        cases = self.cases()
        self.done = {name: threading.Event() for name in cases}
        threading.Thread(target=self._run, args=(cases,), daemon=True).start()

    def _run(self, cases: dict[str, tuple[str, str]]) -> None:
        try:
            remote = make_remote(self.root / "remote")
        except Exception as error:  # reported by each test that waits
            remote = error
        for name, (script, folder) in cases.items():
            case = self.root / name
            env = environment(case)
            try:
                if isinstance(remote, Exception):
                    raise remote
                assert REPOSITORY in script, "the documented commands no longer name the repository"
                if name == "ci":  # actions/setup-python: a Python of its own, first on the PATH
                    subprocess.run([BASE_BIN / "python3", "-m", "venv", case / "runner"], env=env, check=True,
                                   capture_output=True, timeout=120)
                    env["PATH"] = os.pathsep.join([str(case / "runner" / "bin"), env["PATH"]])
                (case / folder).mkdir(parents=True)
                if self.stopping:
                    raise RuntimeError("stopped")
                self.current = subprocess.Popen(
                    ["bash", "-euo", "pipefail", "-c", script.replace(REPOSITORY, remote)],
                    cwd=case / folder, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                )
                out, err = self.current.communicate(timeout=600)
                self.results[name] = (self.current.returncode, script, out, err, case, env)
            except Exception as error:
                self.results[name] = (-1, script, "", repr(error), case, env)
            self.done[name].set()

    def result(self, name: str) -> tuple[str, Path, dict]:
        """Wait for an install; what it printed on stdout, its folder and its environment."""
        if self.root is None:  # a worker of `pytest -n`, or the module run alone
            self.start()
        assert self.done[name].wait(timeout=900), f"{name}: the install did not finish"
        code, script, out, err, case, env = self.results[name]
        assert code == 0, f"{script}\n{out}\n{err}"
        return out, case, env

    def stop(self) -> None:
        self.stopping = True
        if self.current is not None and self.current.poll() is None:
            self.current.kill()
        if self.root is not None:
            shutil.rmtree(self.root, ignore_errors=True)


INSTALLS = Installs()


@pytest.fixture(scope="module", autouse=True)
def _installs_removed():
    """The installs' folders go when this module's tests are done, however they started."""
    yield
    INSTALLS.stop()


# ---- what an installed infrac must do ---------------------------------------------------------


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> Path:
    """What this checkout's infrac makes: the seed system built, the monolith imported."""
    folder = tmp_path_factory.mktemp("reference")
    _inputs(folder)
    built = run_infrac("build", "infra.dsl", "--target", "cloudformation", "--out", "build/cfn", cwd=folder)
    assert built.returncode == 0, built.stderr
    imported = run_infrac(*IMPORT, cwd=folder)
    assert imported.returncode == 0, imported.stderr
    return folder


IMPORT = ("import", "monolith/core/serverless.yml", "monolith/infrastructure-cognito/serverless.yml",
          "--split-by", "type", "--out", "imported")


def _inputs(folder: Path) -> None:
    shutil.copytree(ROOT / "infra.dsl", folder / "infra.dsl")
    shutil.copytree(ROOT / "examples" / "monolith", folder / "monolith",
                    ignore=shutil.ignore_patterns("node_modules", ".serverless"))
    shutil.copytree(ROOT / "docs" / "examples" / "shop", folder / "shop")


def _files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _lsp_initialize(command: list[str], cwd: Path, env: dict) -> dict:
    """Start the language server, send `initialize` over stdio, return its reply; then shut it down."""
    process = subprocess.Popen(command, cwd=cwd, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE)
    timer = threading.Timer(60, process.kill)
    timer.start()

    def send(message: dict) -> None:
        body = json.dumps(message).encode()
        process.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        process.stdin.flush()

    def reply(number: int) -> dict:
        while True:
            headers = {}
            while (line := process.stdout.readline()) not in (b"\r\n", b""):
                name, _, value = line.decode().partition(":")
                headers[name.strip().lower()] = value.strip()
            assert "content-length" in headers, f"the server closed its output: {process.stderr.read().decode()}"
            message = json.loads(process.stdout.read(int(headers["content-length"])))
            if message.get("id") == number:
                return message

    try:
        send({"jsonrpc": "2.0", "id": 1, "method": "initialize",
              "params": {"processId": os.getpid(), "rootUri": cwd.as_uri(), "capabilities": {}}})
        answer = reply(1)
        send({"jsonrpc": "2.0", "method": "initialized", "params": {}})
        send({"jsonrpc": "2.0", "id": 2, "method": "shutdown"})
        assert reply(2).get("error") is None
        send({"jsonrpc": "2.0", "method": "exit"})
        assert process.wait(timeout=30) == 0, process.stderr.read().decode()
    finally:
        timer.cancel()
        if process.poll() is None:  # pragma: no cover
            process.kill()
            process.wait()
        process.stdin.close()
        process.stdout.close()
        process.stderr.close()
    return answer


def exercise(infrac: Path, work: Path, env: dict, reference: Path) -> None:
    """check, build, import, completion and lsp with an installed `infrac`, from an environment of its own."""
    assert infrac.is_file(), infrac
    version = subprocess.run([infrac, "--version"], env=env, capture_output=True, text=True, timeout=60)
    assert version.stdout.strip() == f"infrac {__version__}", version
    # the package is the installed one, grammar included, not this checkout
    python = shlex.split(infrac.read_text(encoding="utf-8").splitlines()[0].removeprefix("#!"))
    where = subprocess.run(
        [*python, "-c", "import infrac, infrac.syntax.parser as p; print(infrac.__file__); print(p.grammar_path())"],
        env=env, capture_output=True, text=True, timeout=60,
    )
    module, grammar = where.stdout.split()
    assert not module.startswith(str(ROOT)) and grammar.endswith("infrac/grammar/infra.lark"), where.stdout
    assert Path(grammar).read_bytes() == (ROOT / "grammar" / "infra.lark").read_bytes()

    work.mkdir(parents=True, exist_ok=True)
    _inputs(work)

    def infrac_run(*args: str) -> subprocess.CompletedProcess:
        done = subprocess.run([infrac, *args], cwd=work, env=env, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, (args, done.stdout, done.stderr)
        assert "Traceback" not in done.stderr, done.stderr
        return done

    assert infrac_run("check", "shop").stdout.startswith("ok: 2 stacks")
    # shtab comes with infrac: the completion script is there without an extra
    assert infrac_run("completion", "bash").stdout.rstrip().endswith(" infrac")
    infrac_run("build", "infra.dsl", "--target", "cloudformation", "--out", "build/cfn")
    assert _files(work / "build" / "cfn") == _files(reference / "build" / "cfn")
    infrac_run(*IMPORT)
    assert _files(work / "imported") == _files(reference / "imported")
    answer = _lsp_initialize([str(infrac), "lsp"], work, env)
    assert answer["result"]["serverInfo"] == {"name": "infrac", "version": __version__}
    capabilities = answer["result"]["capabilities"]
    assert capabilities["definitionProvider"] and capabilities["renameProvider"], capabilities


# ---- the documented installs ------------------------------------------------------------------


def test_the_docs_install_the_release_of_this_version():
    """The tag the docs install is this version's, and the README gives the pipx tab's command."""
    pipx = documented_tab("pipx")
    assert f"{REPOSITORY}@{TAG}" in pipx
    for title in ("pip, in a virtual environment", "A wheel, built from a checkout"):
        assert TAG in documented_tab(title), title
    [install] = [step["run"] for step in documented_workflow() if "pip install" in step.get("run", "")]
    assert f"{REPOSITORY}@{TAG}" in install
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert f"```sh\n{pipx.splitlines()[0]}\n```" in readme


def test_pipx_as_documented(reference):
    out, case, env = INSTALLS.result("pipx")
    assert out.splitlines()[-1] == f"infrac {__version__}"
    exercise(case / "pipx" / "bin" / "infrac", case / "work", env, reference)


def test_pip_in_a_virtual_environment_as_documented(reference):
    out, case, env = INSTALLS.result("pip")
    assert out.splitlines()[-1] == f"infrac {__version__}"
    exercise(case / "project" / ".venv" / "bin" / "infrac", case / "work", env, reference)


def test_a_wheel_built_from_a_checkout_as_documented(reference):
    out, case, env = INSTALLS.result("wheel")
    assert out.splitlines()[-1] == f"infrac {__version__}"
    [wheel] = (case / "user" / Path(REPOSITORY).name / "dist").glob("*.whl")
    assert wheel.name == f"infrac-{__version__}-py3-none-any.whl" and wheel.name in documented_tab(
        "A wheel, built from a checkout")
    exercise(case / "pipx" / "bin" / "infrac", case / "work", env, reference)


def test_the_ci_workflow_as_documented(reference):
    """Every `run:` step of docs/ci.md's workflow, in order, in a copy of the seed system whose
    CloudFormation templates are committed; Python is a clean virtual environment first on the
    PATH, as actions/setup-python leaves it. (The install step ran in the background.)"""
    _, case, env = INSTALLS.result("ci")
    repository = case / "repository"
    shutil.copytree(ROOT / "infra.dsl", repository / "infra.dsl")
    shutil.copytree(reference / "build", repository / "build")
    steps = [step["run"] for step in documented_workflow() if "run" in step]
    assert len(steps) >= 5 and REPOSITORY in steps[0] and not any(REPOSITORY in step for step in steps[1:])
    for step in steps[1:]:
        done = subprocess.run(["bash", "-euo", "pipefail", "-c", step], cwd=repository, env=env,
                              capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, (step, done.stdout, done.stderr)
    assert shutil.which("infrac", path=env["PATH"]) == str(case / "runner" / "bin" / "infrac")
    sarif = json.loads((repository / "infrac.sarif").read_text(encoding="utf-8"))
    assert sarif["version"] == "2.1.0" and sarif["runs"][0]["tool"]["driver"]["version"] == __version__


def test_the_documented_extras_are_the_packages_extras():
    """getting-started.md's table names every extra a user installs; the rest are for working
    on infrac, and the page says so."""
    text = GETTING_STARTED.read_text(encoding="utf-8")
    table = re.findall(r"^\| `(\w+)` \|", text.split("\n## Install\n", 1)[1].split("\n## ", 1)[0], re.M)
    development = re.search(r"The (`\w+`(?:, `\w+`)*,? and `\w+`) extras are for working on infrac", text)
    assert table and development
    extras = set(PYPROJECT["project"]["optional-dependencies"])
    assert sorted(table + re.findall(r"`(\w+)`", development.group(1))) == sorted(extras)
