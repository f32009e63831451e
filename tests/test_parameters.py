"""Parameters, conditions and functions in the Serverless target: the framework merges the
``Parameters`` and ``Conditions`` under ``resources`` into the template it packages (checked
with the real CLI, offline), and the packaged template passes cfn-lint. The CloudFormation
target's template is a golden case (tests/cases/ok-parameters-conditions-functions), linted
with the others by tests/test_cfn_lint.py."""

from __future__ import annotations

import json
import os
import subprocess

from conftest import CASES, run_infrac
from test_cfn_lint import cfn_lint
from test_serverless_package import OFFLINE, SERVERLESS, _no_network_prefix

CASE = CASES / "ok-parameters-conditions-functions"


def test_parameters_and_conditions_package_with_the_serverless_framework(tmp_path):
    out = tmp_path / "sls"
    project = tmp_path / "project"
    project.mkdir()
    (project / "main.infra").write_text((CASE / "main.infra").read_text())
    process = run_infrac("build", str(project), "--target", "serverless", "--out", str(out))
    assert process.returncode == 0, process.stderr
    service = out / "app"
    process = subprocess.run(
        [*_no_network_prefix(), str(SERVERLESS), "package", "--stage", "dev"],
        cwd=service, capture_output=True, text=True, env={**os.environ, **OFFLINE}, timeout=300,
    )
    assert process.returncode == 0, process.stdout + process.stderr
    packaged = service / ".serverless" / "cloudformation-template-update-stack.json"
    template = json.loads(packaged.read_text())
    assert list(template["Parameters"]) == ["Env", "Size"]
    assert template["Conditions"]["IsProd"] == {"Fn::Equals": [{"Ref": "Env"}, "prod"]}
    assert template["Resources"]["Alerts"]["Condition"] == "IsProd"
    assert template["Resources"]["Queue"]["Properties"]["DelaySeconds"] == {"Fn::If": ["NotProd", 0, 5]}
    lint = cfn_lint(packaged)
    assert lint.returncode == 0, lint.stdout
