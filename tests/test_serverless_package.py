"""Every generated Serverless service, and core's own service that includes the
imports infrac writes for it, packages with the real Serverless Framework v3 CLI
(``serverless package``, offline, placeholder credentials, no network), and the
packaged CloudFormation passes cfn-lint.

The CLI comes from ``node_modules`` (``npm ci`` in the Makefile, pinned in
package-lock.json). Packaging runs two services at a time.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from conftest import ROOT, SEED, run_infrac
from test_cfn_lint import cfn_lint

SERVERLESS = ROOT / "node_modules" / ".bin" / "serverless"
OFFLINE = {
    "AWS_ACCESS_KEY_ID": "AKIAFAKEFAKEFAKEFAKE",
    "AWS_SECRET_ACCESS_KEY": "fake",
    "AWS_REGION": "us-east-1",
    "SLS_TELEMETRY_DISABLED": "1",
    "SLS_NOTIFICATIONS_MODE": "off",
    "SLS_DEPRECATION_DISABLE": "*",
}


def _no_network_prefix() -> list[str]:
    """``unshare -n`` makes any attempt to reach the network fail at once (needs root)."""
    unshare = shutil.which("unshare")
    if unshare and subprocess.run([unshare, "-n", "true"], capture_output=True).returncode == 0:
        return [unshare, "-n"]
    return []


def package(service: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*_no_network_prefix(), str(SERVERLESS), "package", "--stage", "dev"],
        cwd=service,
        capture_output=True,
        text=True,
        env={**os.environ, **OFFLINE},
        timeout=300,
    )


@pytest.fixture(scope="module")
def services(tmp_path_factory) -> list[Path]:
    assert SERVERLESS.exists(), "the Serverless Framework CLI is missing: run `make test`, which runs `npm ci`"
    # The same layout as the repository: build/sls beside examples/split/core, whose
    # serverless.yml includes ../../../build/sls/core/imports.yml.
    root = tmp_path_factory.mktemp("project")
    process = run_infrac("build", str(SEED), "--target", "serverless", "--out", str(root / "build" / "sls"))
    assert process.returncode == 0, process.stderr
    shutil.copytree(ROOT / "examples" / "split" / "core", root / "examples" / "split" / "core")
    generated = sorted(p.parent for p in (root / "build" / "sls").glob("*/serverless.yml"))
    return [*generated, root / "examples" / "split" / "core"]


def test_every_service_packages(services):
    assert [p.name for p in services] == [
        "infrastructure-cognito",
        "infrastructure-dynamodb",
        "infrastructure-eventbridge",
        "infrastructure-s3",
        "infrastructure-sqs",
        "core",
    ]
    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(package, services))
    for service, process in zip(services, results):
        assert process.returncode == 0, f"{service.name}:\n{process.stdout}\n{process.stderr}"
        assert (service / ".serverless" / "cloudformation-template-update-stack.json").is_file()


def test_packaged_templates_pass_cfn_lint(services):
    packaged = [s / ".serverless" / "cloudformation-template-update-stack.json" for s in services]
    missing = [p for p in packaged if not p.is_file()]
    if missing:
        pytest.skip("packaging failed; see test_every_service_packages")
    process = cfn_lint(*packaged)
    assert process.returncode == 0, process.stdout + process.stderr


def test_packaging_does_fail_on_a_broken_service(tmp_path):
    """The check above can fail: with configValidationMode: error, a wrong key stops it."""
    (tmp_path / "serverless.yml").write_text(
        "service: broken\nframeworkVersion: '3'\nconfigValidationMode: error\n"
        "provider:\n  name: aws\n  stage: dev\n  notAKey: true\n"
    )
    process = package(tmp_path)
    assert process.returncode != 0
