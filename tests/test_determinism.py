"""Output is the same bytes whatever the hash seed or the order files are found in."""

from __future__ import annotations

import filecmp
import shutil

from conftest import SEED, run_infrac


def build(source, out, seed: str, target: str = "cloudformation") -> None:
    process = run_infrac("build", str(source), "--target", target, "--out", str(out), env={"PYTHONHASHSEED": seed})
    assert process.returncode == 0, process.stderr


def same_tree(a, b) -> bool:
    comparison = filecmp.dircmp(a, b)
    if comparison.left_only or comparison.right_only or comparison.funny_files:
        return False
    _, mismatch, errors = filecmp.cmpfiles(a, b, comparison.common_files, shallow=False)
    return not mismatch and not errors and all(same_tree(a / d, b / d) for d in comparison.common_dirs)


def test_same_output_whatever_the_hash_seed(tmp_path):
    for target in ("cloudformation", "serverless"):
        build(SEED, tmp_path / f"{target}-1", "1", target)
        build(SEED, tmp_path / f"{target}-2", "12345", target)
        assert same_tree(tmp_path / f"{target}-1", tmp_path / f"{target}-2")


def test_same_output_whatever_the_file_names_and_order(tmp_path):
    """Files are compiled in path order; renaming them so that order reverses
    changes which file a stack's parts come from first, never the output's bytes
    when each stack lives in one file."""
    build(SEED, tmp_path / "first", "0")
    shuffled = tmp_path / "shuffled"
    shuffled.mkdir()
    for number, path in enumerate(sorted(SEED.rglob("*.infra"), reverse=True)):
        shutil.copy(path, shuffled / f"{number:02d}-{path.name}")
    build(shuffled, tmp_path / "second", "0")
    assert same_tree(tmp_path / "first", tmp_path / "second")
