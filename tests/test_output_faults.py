"""Faults around the output folder's exchange: every check that can fail is made before it,
so that a refused build changes nothing and names the path at fault; what the exchange
leaves (the previous output) never stops this build or the next one.

Permissions are what a user without privileges meets. The suite may run as root, for whom
the kernel ignores them: the builds then run in a child that has given up the capabilities
that override them (``CAP_DAC_OVERRIDE``, ``CAP_DAC_READ_SEARCH``, ``CAP_FOWNER``).
"""

from __future__ import annotations

import ctypes
import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import assert_no_traceback

TABLE = "stack data {\n  table Users {\n    key = { userId: string }\n    export name, arn\n  }\n}\n"
PR_CAPBSET_DROP = 24
OVERRIDES = (1, 2, 3)  # CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH, CAP_FOWNER


def _without_overrides() -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    for capability in OVERRIDES:  # out of the bounding set: gone after exec, even for root
        if libc.prctl(PR_CAPBSET_DROP, capability, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP)")


def _can_drop() -> bool:
    if not sys.platform.startswith("linux"):
        return False
    probe = subprocess.run([sys.executable, "-c", "pass"], preexec_fn=_without_overrides, capture_output=True)
    return probe.returncode == 0


pytestmark = pytest.mark.skipif(
    os.geteuid() == 0 and not _can_drop(), reason="runs as root and cannot give up the capabilities"
)


def build(root: Path, *more: str) -> subprocess.CompletedProcess:
    """``infrac build p --out out`` in ``root``, as a user for whom permissions hold."""
    return subprocess.run(
        [sys.executable, "-m", "infrac", "build", "p", "--out", "out", "--no-cache", *more],
        cwd=root, capture_output=True, text=True, timeout=120,
        env={**os.environ, "NO_COLOR": "1"},
        preexec_fn=_without_overrides if os.geteuid() == 0 else None,
    )


def snapshot(folder: Path) -> dict[str, bytes | str]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() if p.is_file() else "folder"
        for p in sorted(folder.rglob("*"))
    }


def strays(project: Path) -> list[str]:
    return sorted(p.name for p in project.iterdir() if p.name.startswith(".out"))


@pytest.fixture
def built(tmp_path) -> Path:
    """A project (``p``) built once (its output ``out`` and its lock in place), then edited."""
    (tmp_path / "p").mkdir()
    (tmp_path / "p" / "main.infra").write_text(TABLE, encoding="utf-8")
    assert build(tmp_path).returncode == 0
    (tmp_path / "p" / "main.infra").write_text(TABLE[:-2] + "  table Orders {\n    key = { id: string }\n    export arn\n  }\n}\n", encoding="utf-8")
    return tmp_path


def test_a_read_only_output_folder_is_refused_before_the_exchange(built):
    """The issue's case: the new output was swapped in, then the build failed (exit 3) on the old
    copy, which stayed beside it and made every later build fail."""
    before, lock = snapshot(built / "out"), (built / "p" / "infra.lock").read_bytes()
    os.chmod(built / "out", 0o555)
    try:
        process = build(built)
        assert process.returncode == 1, process.stderr
        assert_no_traceback(process)
        assert "error[E0004]: `out` cannot be written" in process.stderr
        assert snapshot(built / "out") == before
        assert (built / "p" / "infra.lock").read_bytes() == lock
        assert strays(built) == []
    finally:
        os.chmod(built / "out", 0o755)
    assert build(built).returncode == 0


def test_a_read_only_folder_inside_the_output_is_named(built):
    (built / "out" / "notes").mkdir()
    os.chmod(built / "out" / "notes", 0o555)
    try:
        process = build(built)
        assert process.returncode == 1, process.stderr
        assert "error[E0004]: `out/notes` cannot be written" in process.stderr
        assert strays(built) == []
    finally:
        os.chmod(built / "out" / "notes", 0o755)


def test_a_folder_inside_the_output_that_cannot_be_read_is_named(built):
    (built / "out" / "private").mkdir()
    os.chmod(built / "out" / "private", 0o000)
    try:
        process = build(built)
        assert process.returncode == 1, process.stderr
        assert_no_traceback(process)
        assert "error[E0004]: cannot read `out/private`: Permission denied" in process.stderr
    finally:
        os.chmod(built / "out" / "private", 0o755)


def test_a_previous_output_left_read_only_is_removed_by_the_next_build(built):
    """What the failing builds of the issue left: the old copy beside the output, read-only."""
    stray = built / ".out.infrac-0123456789ab"
    os.rename(built / "out", stray)
    (built / "out").mkdir()
    os.chmod(stray, 0o555)
    process = build(built)
    assert process.returncode == 0, process.stderr
    assert strays(built) == []
    assert "warning" not in process.stderr


def test_an_unwritable_lock_is_named_and_nothing_changes(built):
    """The error named the output folder when it was infra.lock that could not be written."""
    before = snapshot(built / "out")
    os.chmod(built / "p", 0o555)
    try:
        process = build(built)
    finally:
        os.chmod(built / "p", 0o755)
    assert process.returncode == 1, process.stderr
    assert "error[E0004]: cannot write `p/infra.lock`: Permission denied" in process.stderr
    assert "`out`" not in process.stderr
    assert snapshot(built / "out") == before
    assert strays(built) == []


@pytest.mark.skipif(os.geteuid() != 0, reason="needs a file of another user")
def test_a_previous_output_that_cannot_be_removed_leaves_the_new_one_whole(built):
    """After the exchange only the previous output is removed: when that fails (a file of another
    user in a sticky folder, which no check can foresee), the new output stays, whole, and the
    build warns with the path of the old one."""
    shared = built / "out" / "shared"
    shared.mkdir()
    (shared / "theirs.txt").write_text("another user's")
    os.chown(shared / "theirs.txt", 65534, 65534)
    os.chmod(shared, 0o1777)
    os.chown(shared, 65534, 65534)
    process = build(built)
    assert process.returncode == 0, process.stderr
    left = strays(built)
    assert len(left) == 1
    assert f"warning: cannot remove `{left[0]}`" in process.stderr
    assert "Orders" in (built / "out" / "data.yml").read_text()
    assert (built / "out" / "shared" / "theirs.txt").read_text() == "another user's"
    again = build(built)  # the stray does not stop the next build
    assert again.returncode == 0, again.stderr


def test_plan_move_into_a_folder_it_may_not_replace_is_a_diagnostic(tmp_path):
    """plan-move wrote its plan without handling the output's refusal: exit 3."""
    (tmp_path / "p").mkdir()
    (tmp_path / "p" / "project.infra").write_text('project shop {\n  region = "eu-west-1"\n  stages = [dev]\n}\n')
    (tmp_path / "p" / "data.infra").write_text(
        'stack data {\n  table Users {\n    name = "users-{stage}"\n    key  = { id: string }\n  }\n}\n'
    )
    (tmp_path / "data-dev.yml").write_text(
        "Resources:\n  Users:\n    Type: AWS::DynamoDB::Table\n    Properties:\n      TableName: users-dev\n"
        "      BillingMode: PAY_PER_REQUEST\n      KeySchema: [{AttributeName: id, KeyType: HASH}]\n"
        "      AttributeDefinitions: [{AttributeName: id, AttributeType: S}]\n"
    )
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "mine.txt").write_text("not a plan")
    process = subprocess.run(
        [sys.executable, "-m", "infrac", "plan-move", "p", "--from", "data-dev.yml", "--out", "out"],
        cwd=tmp_path, capture_output=True, text=True, timeout=120, env={**os.environ, "NO_COLOR": "1"},
    )
    assert process.returncode == 1, process.stderr
    assert_no_traceback(process)
    assert "error[E0005]: `out` holds files that infrac did not write" in process.stderr
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["mine.txt"]
