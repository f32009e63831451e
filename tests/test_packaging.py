"""The distributions for the package index: ``python -m build`` makes the sdist and, from it,
the wheel (the pinned hatchling and hatch-fancy-pypi-readme, without build isolation, so no
network); ``twine check --strict`` accepts both; the metadata is complete; the wheel carries the
grammar and the licence, and runs from itself.

(Every other test runs against the editable install, which reads grammar/infra.lark from the
source tree. tests/test_install.py installs infrac as the documentation says.)
"""

from __future__ import annotations

import email.parser
import os
import re
import subprocess
import sys
import sysconfig
import tarfile
import tomllib
import zipfile
from pathlib import Path

import pytest

from conftest import ROOT
from infrac import __version__

PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
REPOSITORY = PYPROJECT["project"]["urls"]["Repository"]


@pytest.fixture(scope="module")
def dist(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    process = subprocess.run(
        [sys.executable, "-m", "build", "--no-isolation", "--outdir", str(out), str(ROOT)],
        capture_output=True, text=True, timeout=300,
    )
    assert process.returncode == 0, process.stdout + process.stderr
    assert sorted(p.name for p in out.iterdir()) == [f"infrac-{__version__}-py3-none-any.whl", f"infrac-{__version__}.tar.gz"]
    return out


@pytest.fixture(scope="module")
def wheel(dist) -> Path:
    return dist / f"infrac-{__version__}-py3-none-any.whl"


@pytest.fixture(scope="module")
def metadata(wheel):
    with zipfile.ZipFile(wheel) as archive:
        return email.parser.Parser().parsestr(archive.read(f"infrac-{__version__}.dist-info/METADATA").decode())


def test_twine_accepts_both_distributions(dist):
    process = subprocess.run(
        [sys.executable, "-m", "twine", "check", "--strict", *sorted(map(str, dist.iterdir()))],
        capture_output=True, text=True, timeout=120,
    )
    assert process.returncode == 0, process.stdout + process.stderr
    assert process.stdout.count("PASSED") == 2, process.stdout


def test_the_metadata_is_complete(metadata):
    import trove_classifiers

    assert metadata["Name"] == "infrac" and metadata["Version"] == __version__
    assert metadata["Summary"] and metadata["Author"]
    assert metadata["License-Expression"] == "MIT" and metadata.get_all("License-File") == ["LICENSE"]
    assert metadata["Requires-Python"] == ">=3.11"
    urls = dict(value.split(", ", 1) for value in metadata.get_all("Project-URL"))
    assert set(urls) == {"Homepage", "Documentation", "Repository", "Issues"}
    assert all(url.startswith(REPOSITORY) for url in urls.values()), urls
    keywords = metadata["Keywords"].split(",")
    assert {"cloudformation", "serverless", "infrastructure-as-code"} <= set(keywords)
    classifiers = metadata.get_all("Classifier")
    assert not set(classifiers) - trove_classifiers.classifiers, "not a classifier of the package index"
    assert not [c for c in classifiers if c.startswith("License ::")], "the licence is License-Expression"
    assert "Programming Language :: Python :: 3.11" in classifiers and "Environment :: Console" in classifiers
    assert any(c.startswith("Development Status ::") for c in classifiers)
    assert sorted(metadata.get_all("Provides-Extra")) == sorted(PYPROJECT["project"]["optional-dependencies"])
    requires = metadata.get_all("Requires-Dist")
    assert any(r.startswith("pygls") and "extra == 'lsp'" in r for r in requires)


def test_the_description_is_the_readme_with_links_that_work_from_the_index(metadata):
    """The package index shows README.md; a relative link leads nowhere there, so each link into
    the repository is made absolute, to the release's tag, and leads to a file of the repository."""
    assert metadata["Description-Content-Type"] == "text/markdown"
    description = metadata.get_payload()
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    links = re.findall(r"\]\(([^)]+)\)", description)
    assert len(links) == len(re.findall(r"\]\(([^)]+)\)", readme)) >= 10
    prefix = f"{REPOSITORY}/blob/v{__version__}/"
    for link in links:
        assert link.startswith(prefix), link
        assert (ROOT / link.removeprefix(prefix).split("#")[0]).is_file(), link
    assert re.sub(r"\]\([^)]+\)", "]()", description).strip() == re.sub(r"\]\([^)]+\)", "]()", readme).strip()


def test_the_sdist_holds_the_sources_and_the_licence(dist):
    with tarfile.open(dist / f"infrac-{__version__}.tar.gz") as archive:
        names = {name.split("/", 1)[1] for name in archive.getnames() if "/" in name}
    top = {name.split("/", 1)[0] for name in names}
    assert top == {"compiler", "grammar", "README.md", "LICENSE", "pyproject.toml", "PKG-INFO", ".gitignore"}, top
    assert "grammar/infra.lark" in names and "compiler/infrac/cli/__init__.py" in names


def test_the_wheel_ships_the_grammar_and_the_licence_and_runs_from_them(wheel, tmp_path, write_project):
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        assert "infrac/grammar/infra.lark" in names
        assert archive.read("infrac/grammar/infra.lark") == (ROOT / "grammar" / "infra.lark").read_bytes()
        assert archive.read(f"infrac-{__version__}.dist-info/licenses/LICENSE") == (ROOT / "LICENSE").read_bytes()
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
