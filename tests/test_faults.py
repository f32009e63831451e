"""Faults and hostile files around a project: each a diagnostic and exit 1, never an
internal error, and nothing the user had is lost."""

from __future__ import annotations

import json
import os
import stat

import pytest

from conftest import assert_no_traceback, run_infrac

TABLE = "stack data {\n  table Users {\n    key = { userId: string }\n    export name, arn\n  }\n}\n"


def fails_with(process, code: str) -> None:
    assert process.returncode == 1, process.stderr
    assert_no_traceback(process)
    assert f"error[{code}]" in process.stderr, process.stderr


def test_out_naming_a_file_is_a_diagnostic(write_project):
    project = write_project({"main.infra": TABLE, "taken": "a file"})
    fails_with(run_infrac("build", ".", "--out", "taken", cwd=project), "E0004")
    assert (project / "taken").read_text() == "a file"
    assert not (project / "infra.lock").exists()


def test_out_that_cannot_be_created_is_a_diagnostic(write_project):
    project = write_project({"main.infra": TABLE})
    fails_with(run_infrac("build", ".", "--out", "/proc/infrac-out/x", cwd=project), "E0004")
    fails_with(run_infrac("build", ".", "--out", "main.infra/x", cwd=project), "E0004")


def test_out_holding_other_files_is_refused_and_left_alone(write_project):
    project = write_project({"main.infra": TABLE})
    fails_with(run_infrac("build", ".", "--out", ".", cwd=project), "E0005")
    assert sorted(p.name for p in project.iterdir()) == ["main.infra"]


def test_a_number_of_thousands_of_digits_is_a_diagnostic(write_project):
    project = write_project({"main.infra": "stack a {\n  queue Q {\n    retention = " + "9" * 5000 + "s\n  }\n}\n"})
    process = run_infrac("check", ".", cwd=project)
    fails_with(process, "E0310")
    assert len(process.stderr) < 2000


@pytest.mark.parametrize(
    "lock",
    ['{"exports": 5}', '{"version": 1, "exports": 5}', '{"version": 1, "exports": {"x": {"stack": 1}}}', "[1, 2", ""],
)
def test_a_malformed_lock_is_a_diagnostic_and_is_kept(write_project, lock):
    project = write_project({"main.infra": TABLE, "infra.lock": lock})
    fails_with(run_infrac("build", ".", "--out", "out", cwd=project), "E0006")
    assert (project / "infra.lock").read_text() == lock
    assert not (project / "out").exists()


def test_a_lock_that_is_a_folder_is_a_diagnostic(write_project):
    project = write_project({"main.infra": TABLE})
    (project / "infra.lock").mkdir()
    fails_with(run_infrac("check", ".", cwd=project), "E0006")


@pytest.mark.parametrize(
    "manifest",
    [
        '{"files": "abc"}',
        '{"generator": "infrac", "files": ["precious.txt"]}',
        '{"generator": "infrac", "version": 2, "files": {"precious.txt": "' + "0" * 64 + '"}}',
        '{"generator": "infrac", "version": 2, "files": {"../main.infra": "' + "0" * 64 + '"}}',
        "not json",
        "[]",
    ],
)
def test_a_manifest_never_deletes_a_file_infrac_did_not_write(write_project, manifest):
    project = write_project({"main.infra": TABLE, "out/a": "mine", "out/precious.txt": "mine too"})
    (project / "out" / ".infrac-manifest.json").write_text(manifest)
    process = run_infrac("build", ".", "--out", "out", cwd=project)
    if manifest.startswith('{"generator": "infrac", "version": 2, "files": {"precious'):
        # A well-formed manifest whose digest does not match: the file is the user's, and kept.
        assert process.returncode == 0, process.stderr
    else:
        fails_with(process, "E0005")
    assert (project / "out" / "a").read_text() == "mine"
    assert (project / "out" / "precious.txt").read_text() == "mine too"
    assert (project / "main.infra").read_text() == TABLE


def test_a_changed_output_file_is_not_overwritten(write_project):
    project = write_project({"main.infra": TABLE})
    assert run_infrac("build", ".", "--out", "out", cwd=project).returncode == 0
    (project / "out" / "data.yml").write_text("edited by hand")
    fails_with(run_infrac("build", ".", "--out", "out", cwd=project), "E0005")
    assert (project / "out" / "data.yml").read_text() == "edited by hand"


@pytest.mark.parametrize("umask", [0o022, 0o077, 0o002])
def test_file_modes_follow_the_umask(write_project, umask):
    project = write_project({"main.infra": TABLE})
    previous = os.umask(umask)
    try:
        assert run_infrac("build", ".", "--out", "out", "--target", "serverless", cwd=project).returncode == 0
    finally:
        os.umask(previous)
    for path in [project / "infra.lock", *(project / "out").rglob("*")]:
        mode = stat.S_IMODE(path.stat().st_mode)
        assert mode == (0o777 if path.is_dir() else 0o666) & ~umask, (path, oct(mode))


def test_strays_of_a_killed_build_are_swept_and_nothing_else(write_project):
    project = write_project({"main.infra": TABLE})
    assert run_infrac("build", ".", "--out", "out", cwd=project).returncode == 0
    stray = project / ".out.infrac-k1ll3d"
    (stray / "sub").mkdir(parents=True)
    (stray / ".infrac-manifest.json").write_text("{}")
    (stray / "sub" / "half.yml").write_text("half")
    (project / ".out.infrac-empty").mkdir()
    (project / ".infra.lock.0123456789ab.infrac-tmp").write_text("{")
    mine = project / ".out.infrac-mine"  # not infrac's: no manifest, not empty
    mine.mkdir()
    (mine / "keep").write_text("keep")
    (project / "main.infra").write_text(TABLE.replace("name, arn", "arn"))
    assert run_infrac("build", ".", "--out", "out", cwd=project).returncode == 0
    assert sorted(p.name for p in project.iterdir()) == [".out.infrac-mine", "infra.lock", "main.infra", "out"]
    assert (mine / "keep").read_text() == "keep"


def test_strays_are_found_by_name_whatever_characters_it_holds(write_project):
    """An output folder and a lock whose names hold glob characters (`[`, `*`, `?`)."""
    project = write_project({"main.infra": TABLE})
    assert run_infrac("build", ".", "--out", "o[u]t*?", cwd=project).returncode == 0
    (project / ".o[u]t*?.infrac-k1ll3d").mkdir()
    (project / ".infra.lock.0123456789ab.infrac-tmp").write_text("{")
    (project / ".other.infrac-k1ll3d").mkdir()  # another output's: kept
    (project / "main.infra").write_text(TABLE.replace("name, arn", "arn"))
    assert run_infrac("build", ".", "--out", "o[u]t*?", cwd=project).returncode == 0
    assert sorted(p.name for p in project.iterdir()) == [".other.infrac-k1ll3d", "infra.lock", "main.infra", "o[u]t*?"]


def test_the_manifest_records_what_was_written(write_project):
    project = write_project({"main.infra": TABLE})
    assert run_infrac("build", ".", "--out", "out", cwd=project).returncode == 0
    manifest = json.loads((project / "out" / ".infrac-manifest.json").read_text())
    assert manifest["generator"] == "infrac" and manifest["version"] == 2
    assert sorted(manifest["files"]) == ["data.yml", "deploy-order.json"]


def test_one_string_full_of_mistakes_gives_one_short_diagnostic(write_project):
    # 20 KB of lone braces in one string: once 10,000 diagnostics each repeating the line.
    project = write_project({"main.infra": 'stack app {\n  queue Q {\n    name = "' + "{ " * 10_000 + '"\n  }\n}\n'})
    process = run_infrac("check", ".", cwd=project)
    fails_with(process, "E0304")
    assert process.stderr.count("error[") == 1
    assert max(len(line) for line in process.stderr.splitlines()) < 300
    assert len(process.stderr) < 2000


def test_many_mistakes_print_a_capped_number_with_the_count_of_the_rest(write_project):
    stacks = "".join(f"stack s{i} {{\n  queue Q {{\n    nmae = \"x\"\n  }}\n}}\n" for i in range(300))
    project = write_project({"main.infra": stacks})
    process = run_infrac("check", ".", cwd=project)
    assert process.returncode == 1
    assert process.stderr.count("error[E0204]") == 100
    assert "... and 200 more diagnostics not shown" in process.stderr
    assert process.stderr.rstrip().endswith("300 errors")
    listed = json.loads(run_infrac("check", ".", "--diagnostic-format", "json", cwd=project).stdout)
    assert len(listed["diagnostics"]) == 300  # the machine format lists every one


def test_a_source_linked_from_outside_the_project_is_refused(write_project, tmp_path_factory):
    outside = tmp_path_factory.mktemp("elsewhere")
    (outside / "secret.infra").write_text("stack leaked {\n  nope nope\n}\n")
    project = write_project({"main.infra": TABLE})
    (project / "link.infra").symlink_to(outside / "secret.infra")
    process = run_infrac("check", ".", cwd=project)
    fails_with(process, "E0003")
    assert "nope" not in process.stderr  # nothing of the file is shown
    # A link that stays inside the project is read as usual.
    (project / "link.infra").unlink()
    (project / "shared").mkdir()
    (project / "shared" / "real.infra").write_text("stack more {\n  table T {\n    key = { id: string }\n  }\n}\n")
    (project / "alias.infra").symlink_to(project / "shared" / "real.infra")
    assert run_infrac("check", ".", cwd=project).returncode == 1  # `more` declared twice: read twice


def test_compose_paths_work_from_any_output_folder(tmp_path):
    """A consumer's `path` is relative to the file declaring it; the compose file names it
    relative to itself, wherever --out is."""
    import shutil

    import yaml

    from conftest import ROOT

    shutil.copytree(ROOT / "infra.dsl", tmp_path / "infra.dsl")
    shutil.copytree(ROOT / "examples" / "split" / "core", tmp_path / "examples" / "split" / "core")
    for out in ("build/sls", "deeper/still/out", "../outside-out"):
        process = run_infrac("build", "infra.dsl", "--target", "serverless", "--out", out, cwd=tmp_path)
        assert process.returncode == 0, process.stderr
        folder = (tmp_path / out).resolve()
        services = yaml.safe_load((folder / "serverless-compose.yml").read_text())["services"]
        for name, entry in services.items():
            assert (folder / entry["path"] / "serverless.yml").is_file(), (out, name, entry["path"])
        assert (folder / services["core"]["path"]).resolve() == (tmp_path / "examples" / "split" / "core").resolve()
        include = process.stdout.split("core's serverless.yml includes it as ${file(", 1)[1].split(")}", 1)[0]
        assert (tmp_path / "examples" / "split" / "core" / include).resolve() == folder / "core" / "imports.yml"
