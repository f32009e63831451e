"""Every template infrac writes passes cfn-lint, the real CloudFormation linter.

cfn-lint runs once over all templates (its start-up costs about a second).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import CASES, SEED, run_infrac


def cfn_lint(*paths: Path) -> subprocess.CompletedProcess:
    executable = Path(sys.executable).with_name("cfn-lint")
    command = [str(executable)] if executable.exists() else [shutil.which("cfn-lint") or "cfn-lint"]
    return subprocess.run([*command, "--", *map(str, paths)], capture_output=True, text=True, timeout=600)


@pytest.fixture(scope="module")
def templates(tmp_path_factory) -> list[Path]:
    out = tmp_path_factory.mktemp("templates")
    for name, extra in (("parameter", []), ("prod", ["--stage", "prod"]), ("json", ["--format", "json"])):
        process = run_infrac("build", str(SEED), "--out", str(out / name), *extra)
        assert process.returncode == 0, process.stderr
    built = [
        folder / entry["template"]
        for folder in sorted(out.iterdir())
        for entry in json.loads((folder / "deploy-order.json").read_text())["stacks"].values()
        if "template" in entry
    ]
    # Warning cases (W...) build on purpose what cfn-lint warns about too.
    golden = [
        p
        for p in sorted(CASES.glob("*/expected/cloudformation/*.yml"))
        if not p.parts[-4].startswith("W") and not p.name.endswith(".imports.yml")
    ]
    return built + golden


def test_every_template_passes_cfn_lint(templates):
    assert len(templates) > 5
    process = cfn_lint(*templates)
    assert process.returncode == 0, process.stdout + process.stderr
    assert process.stdout == ""


def test_cfn_lint_does_find_problems(tmp_path):
    """The check above can fail: a broken template is reported."""
    broken = tmp_path / "broken.yml"
    broken.write_text(
        "Resources:\n  T:\n    Type: AWS::DynamoDB::Table\n    Properties:\n      BillingMode: ON_DEMAND\n"
    )
    process = cfn_lint(broken)
    assert process.returncode != 0
    assert "E3" in process.stdout
