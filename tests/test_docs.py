"""Documentation generated from code stays in step with it."""

from __future__ import annotations

from conftest import CASES, ROOT
from infrac.diagnostics.codes import CODES, render_markdown


def test_diagnostics_reference_is_up_to_date():
    assert (ROOT / "docs" / "diagnostics.md").read_text(encoding="utf-8") == render_markdown(), "run `make docs`"


def test_every_code_has_a_golden_case_that_produces_it():
    """A code is only real if some input produces it: each has a case named after it
    (E0001-E0006 are about the file system: tests/test_cli.py and tests/test_faults.py cover them;
    E0812, an import's output folder: tests/test_import.py)."""
    produced = set()
    for folder in CASES.iterdir():
        expected = folder / "expected" / "diagnostics.txt"
        if folder.name[:5] in CODES:
            assert expected.is_file(), f"{folder.name} produces no diagnostic"
            assert f"[{folder.name[:5]}]" in expected.read_text(encoding="utf-8"), folder.name
            produced.add(folder.name[:5])
    missing = set(CODES) - produced - {"E0001", "E0002", "E0003", "E0004", "E0005", "E0006", "E0812"}
    assert not missing, f"codes without a case: {sorted(missing)}"


def test_every_code_is_documented():
    for entry in CODES.values():
        assert entry.title and entry.explanation and entry.fix, entry.code


def test_the_readme_example_error_is_what_infrac_prints(write_project):
    """The README shows a first project and the error one typo in it gives: both are real."""
    from conftest import run_infrac

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    project_text = readme.split("## A first project\n\n```\n", 1)[1].split("```", 1)[0]
    shown = readme.split("`infrac check shop/` says:\n\n```\n", 1)[1].split("```", 1)[0]
    folder = write_project({"shop/main.infra": project_text})
    assert run_infrac("check", "shop", cwd=folder).returncode == 0
    (folder / "shop" / "main.infra").write_text(project_text.replace("data.Users.name", "data.User.name"))
    process = run_infrac("check", "shop", cwd=folder)
    assert process.returncode == 1
    assert process.stderr.startswith(shown)
