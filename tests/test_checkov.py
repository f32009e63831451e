"""Secure defaults, proven by checkov (pinned, in .venv-checkov: see docs/ci.md) on every
CloudFormation template of the seed system, in one checkov process.

Every failed check must be one that docs/ci.md accepts, with its reason; an accepted check
that no longer fails must leave the docs. Where a check fails because the source opts out of
a secure default (`pitr = false`), the failing resources must be exactly those that say so.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from conftest import ROOT, SEED
from infrac.backends import BuildOptions, backend
from infrac.project.pipeline import compile_sources
from infrac.project.workspace import load

CHECKOV = ROOT / ".venv-checkov" / "bin" / "checkov"

#: check -> why infrac's output accepts it; docs/ci.md lists each with the same reason.
ACCEPTED = {
    "CKV_AWS_119": "DynamoDB tables are encrypted at rest with the AWS managed key (`sse = true`, the default); "
    "a customer managed KMS key is a choice with a cost and a key policy to own, made per table in `properties`.",
    "CKV_AWS_28": "point-in-time recovery is on by default; the tables that fail say `pitr = false` in the source "
    "(the monolith had it off for them, and the migration keeps every property).",
    "CKV_AWS_18": "access logging needs a separate log bucket with its own policy: infrastructure of its own, "
    "not a default infrac can create for every bucket.",
    "CKV_AWS_27": "queues are encrypted with SQS managed keys (`SqsManagedSseEnabled`, the default); checkov asks "
    "for a KMS key, which has a cost and a key policy to own.",
}


@pytest.fixture(scope="module")
def scan(tmp_path_factory):
    assert CHECKOV.is_file(), "checkov is not installed: `make test` installs it into .venv-checkov"
    result = compile_sources(load([SEED]).sources)
    assert result.ok
    out = tmp_path_factory.mktemp("seed-cfn")
    for artifact in backend("cloudformation").render(result.program, BuildOptions()):
        if artifact.path.endswith(".yml") and not artifact.path.endswith(".imports.yml"):
            (out / artifact.path).write_text(artifact.text, encoding="utf-8")
    process = subprocess.run(
        [str(CHECKOV), "-d", str(out), "--framework", "cloudformation", "--compact", "-o", "json", "--skip-download"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert process.returncode in (0, 1), process.stderr[-2000:]  # 1: some checks failed
    return result.program, json.loads(process.stdout), sorted(p.name for p in out.iterdir())


def test_checkov_read_every_template(scan):
    program, report, files = scan
    assert report["summary"]["parsing_errors"] == 0
    assert report["summary"]["checkov_version"] == "3.3.30"
    # checkov counts the resources of every template it read (some templates have none it checks)
    resources = sum(
        len(backend("cloudformation").template(program, s, BuildOptions())["Resources"]) for s in program.stacks if s.resources
    )
    assert report["summary"]["resource_count"] == resources
    assert len(files) == sum(1 for s in program.stacks if s.resources)


def test_every_failed_check_is_accepted_and_documented(scan):
    _, report, _ = scan
    failed = {c["check_id"] for c in report["results"]["failed_checks"]}
    assert failed == set(ACCEPTED), "a check failed that docs/ci.md does not accept, or an accepted one passes now"
    docs = (ROOT / "docs" / "ci.md").read_text(encoding="utf-8")
    for check, reason in ACCEPTED.items():
        assert f"| {check} | {reason} |" in docs, f"docs/ci.md does not list {check} with its reason"


def test_the_only_tables_without_pitr_are_those_that_say_so(scan):
    program, report, _ = scan
    opted_out = {
        r.logical_id for s in program.stacks for r in s.resources if r.kind == "table" and r.values.get("pitr") is False
    }
    failing = {c["resource"].split(".")[1] for c in report["results"]["failed_checks"] if c["check_id"] == "CKV_AWS_28"}
    assert opted_out and failing == opted_out


def test_bucket_defaults_pass(scan):
    """Encryption, the public access block (four checks) and versioning, by default."""
    _, report, _ = scan
    passed = {c["check_id"] for c in report["results"]["passed_checks"] if c["resource"].startswith("AWS::S3::Bucket.")}
    assert {"CKV_AWS_19", "CKV_AWS_53", "CKV_AWS_54", "CKV_AWS_55", "CKV_AWS_56"} <= passed


@pytest.mark.parametrize("path", [Path("constraints-checkov.txt")])
def test_checkov_is_pinned(path):
    pins = (ROOT / path).read_text(encoding="utf-8").splitlines()
    assert "checkov==3.3.30" in pins
