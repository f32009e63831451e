"""Fuzzing ``infrac plan-move`` and ``infrac import``: whatever the deployed templates, service
files, output folders and flags, the commands end in a plan, a diagnostic or a usage error
(exit 0, 1 or 2), never an internal error (exit 3) or a traceback.

The templates are built from the pieces a template has (resources of real and made-up types,
``Custom::`` ones, intrinsic functions, deletion policies, conditions, ``DependsOn``), often
wrong in type or shape; the output folder is missing, empty, a file, or holds foreign files;
the flags are drawn from every option of the commands. ``make fuzz`` runs many more examples
(``INFRAC_FUZZ_EXAMPLES``); ``make test`` a short share.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from conftest import TRIED

EXAMPLES = max(10, int(os.environ.get("INFRAC_FUZZ_EXAMPLES", "150")) // 5)
FUZZ = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))

PROJECT = {
    "project.infra": 'project shop {\n  region = "eu-west-1"\n  stages = [dev]\n}\n',
    "data.infra": """\
stack data {
  retired = { Old: "gone" }
  resource "AWS::DynamoDB::Table" Users {
    properties = {
      TableName: "users-dev",
      BillingMode: "PAY_PER_REQUEST",
      KeySchema: [{ AttributeName: "id", KeyType: "HASH" }],
      AttributeDefinitions: [{ AttributeName: "id", AttributeType: "S" }],
    }
    export ref, arn
  }
  resource "AWS::SQS::Queue" Jobs {
    properties = { QueueName: "jobs-dev" }
    export ref, arn
  }
  resource "Custom::Seed" Seed {
    properties = { ServiceToken: "arn:aws:lambda:eu-west-1:123456789012:function:seed" }
  }
}
stack app {
  path = "app"
  config = "serverless.infrac.yml"
  environment = { USERS: data.Users.ref }
}
""",
}

NAMES = ["Users", "Jobs", "Seed", "Old", "Other", "AWS::StackName", "AWS::NotificationARNs", "", "x" * 300, "Users.Arn", "ApiGatewayRestApi"]
TYPES = ["AWS::DynamoDB::Table", "AWS::SQS::Queue", "AWS::SQS::QueuePolicy", "Custom::Seed", "AWS::Fake::Thing",
         "AWS::Logs::LogGroup", "AWS::S3::Bucket", "AWS::Lambda::EventSourceMapping", "AWS::CloudFormation::CustomResource",
         "", 7, None, ["AWS::SQS::Queue"]]
PROPERTY_NAMES = ["TableName", "QueueName", "KeySchema", "AttributeDefinitions", "LocalSecondaryIndexes", "Tags",
                  "BillingMode", "ServiceToken", "Queues", "PolicyDocument", "LogGroupName", "BucketName", "Key", "Value"]
SCALARS = st.one_of(st.none(), st.booleans(), st.integers(-3, 3), st.sampled_from(["users-dev", "jobs-dev", "/a:b&c", "${AWS::StackName}-x", "", "HASH", "S"]),
                    st.text(max_size=8))


def _intrinsic(children):
    return st.one_of(
        st.builds(lambda n: {"Ref": n}, st.one_of(st.sampled_from(NAMES), SCALARS)),
        st.builds(lambda n, a: {"Fn::GetAtt": [n, a]}, st.sampled_from(NAMES), st.sampled_from(["Arn", "QueueUrl", "StreamArn", 3])),
        st.builds(lambda n: {"Fn::GetAtt": n}, st.one_of(st.sampled_from(["Users.Arn", "Nope.Arn", "Users"]), SCALARS)),
        st.builds(lambda t: {"Fn::Sub": t}, st.sampled_from(["${Users}", "${Users.Arn}/x", "${AWS::StackName}", "${!Users}", "${", "${Bucket}"])),
        st.builds(lambda t, v: {"Fn::Sub": [t, v]}, st.sampled_from(["${Bucket}", "${Users}"]), st.dictionaries(st.sampled_from(["Bucket", "Users"]), children, max_size=2)),
        st.builds(lambda v: {"Fn::ImportValue": v}, children),
        st.builds(lambda v: {"Fn::If": v}, st.lists(children, max_size=3)),
        st.builds(lambda v: {"Fn::Join": v}, st.lists(children, max_size=3)),
    )


VALUES = st.recursive(
    SCALARS,
    lambda children: st.one_of(
        st.lists(children, max_size=3),
        st.dictionaries(st.sampled_from(PROPERTY_NAMES), children, max_size=3),
        _intrinsic(children),
    ),
    max_leaves=12,
)

RESOURCE = st.fixed_dictionaries(
    {"Type": st.sampled_from(TYPES)},
    optional={
        "Properties": st.one_of(st.dictionaries(st.sampled_from(PROPERTY_NAMES), VALUES, max_size=4), SCALARS),
        "DeletionPolicy": st.sampled_from(["Retain", "Delete", "Snapshot", "RetainExceptOnCreate", "Nope", 3, None]),
        "UpdateReplacePolicy": st.sampled_from(["Retain", "Delete", "Snapshot", 3]),
        "Condition": st.sampled_from(["HasAudit", "Missing", 3, None]),
        "DependsOn": st.one_of(st.sampled_from(NAMES), st.lists(st.sampled_from(NAMES), max_size=3), SCALARS),
        "Metadata": VALUES,
    },
)

TEMPLATE = st.fixed_dictionaries(
    {"Resources": st.one_of(st.dictionaries(st.sampled_from(NAMES), st.one_of(RESOURCE, SCALARS), max_size=5), SCALARS)},
    optional={
        "Conditions": st.dictionaries(st.sampled_from(["HasAudit", "Other"]), VALUES, max_size=2),
        "Parameters": st.dictionaries(st.sampled_from(["Stage", "Env"]), st.one_of(
            st.fixed_dictionaries({"Type": st.sampled_from(["String", "Number", 3])}, optional={"Default": SCALARS}), SCALARS), max_size=2),
        "Outputs": st.dictionaries(st.sampled_from(["UsersArn", "X"]), st.one_of(
            st.fixed_dictionaries({"Value": VALUES}, optional={"Export": st.fixed_dictionaries({"Name": VALUES})}), SCALARS), max_size=2),
        "Transform": st.sampled_from(["AWS::Serverless-2016-10-31", ["X"], 3]),
        "functions": st.dictionaries(st.sampled_from(["work"]), VALUES, max_size=1),
        "service": st.sampled_from(["app", "", 3]),
        "provider": VALUES,
    },
)

#: A deployed template the project matches, to be edited: what reaches the planner.
BASE = {
    "Resources": {
        "Users": {"Type": "AWS::DynamoDB::Table", "Properties": {
            "TableName": "users-dev", "BillingMode": "PAY_PER_REQUEST",
            "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
            "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}]}},
        "Jobs": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": "jobs-dev"}},
        "Old": {"Type": "AWS::DynamoDB::Table", "Properties": {"TableName": "old-dev"}},
    },
}
SIMPLE = st.one_of(SCALARS, _intrinsic(SCALARS), st.lists(SCALARS, max_size=2))
EDITS = st.lists(st.tuples(
    st.sampled_from(["Users", "Jobs", "Seed", "Old", "Other"]),
    st.sampled_from(["drop", "Type", "Properties", "DeletionPolicy", "Condition", "DependsOn", "property", "property",
                     "property", "policy", "depends", "custom"]),
    SIMPLE, st.sampled_from(PROPERTY_NAMES),
    st.sampled_from(["Retain", "Delete", "Snapshot", "RetainExceptOnCreate"]),
    st.sampled_from(["Users", "Jobs", "Old"])), max_size=4)


def edited(edits) -> dict:
    import copy

    template = copy.deepcopy(BASE)
    resources = template["Resources"]
    for logical_id, what, value, key, policy, other in edits:
        resource = resources.setdefault(logical_id, {"Type": "AWS::SNS::Topic"})
        if what == "drop":
            resources.pop(logical_id)
        elif what == "property" and isinstance(resource.get("Properties"), dict):
            resource["Properties"][key] = value
        elif what == "policy":
            resource["DeletionPolicy"] = policy
        elif what == "depends":
            resource["DependsOn"] = other
        elif what == "custom":
            resource.update({"Type": "Custom::Seed", "Properties": {"ServiceToken": "arn:aws:lambda:eu-west-1:1:function:s"}})
        elif what != "property":
            resource[what] = value
    return template


#: A template as a file: JSON, YAML-looking text, or its JSON cut short or with a byte changed.
TEXTS = st.one_of(
    EDITS.map(edited).map(json.dumps),
    EDITS.map(edited).map(json.dumps),
    TEMPLATE.map(json.dumps),
    st.tuples(TEMPLATE.map(json.dumps), st.integers(0, 400)).map(lambda t: t[0][: t[1]]),
    st.tuples(TEMPLATE.map(json.dumps), st.integers(0, 400), st.sampled_from(['"', "{", "\x00", "é", "\\", "]"])).map(
        lambda t: t[0][: t[1]] + t[2] + t[0][t[1] + 1:]),
    st.sampled_from(["", "Resources: {}\n", "- a\n- b\n", "Resources:\n  T: !Ref\n", "Resources: !Sub x\n", "%YAML 9\n", "\xff"]),
)

#: What the output folder holds before the command runs.
OUT_STATES = st.sampled_from(["missing", "empty", "file", "foreign", "nested-missing", "symlink"])


def prepare_out(root: Path, state: str) -> str:
    out = root / "out"
    if state == "empty":
        out.mkdir()
    elif state == "file":
        out.write_text("a file\n")
    elif state == "foreign":
        out.mkdir()
        (out / "notes.txt").write_text("mine\n")
        (out / "plan.md").mkdir()
    elif state == "nested-missing":
        return str(root / "no" / "such" / "out")
    elif state == "symlink":
        out.symlink_to(root / "elsewhere")
    return str(out)


def run(argv: list[str]) -> int:
    """The command in this process; what it prints is read by the caller through capsys."""
    from infrac.cli import main

    return main(argv)


@pytest.fixture
def project(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("fuzz-plan")
    (root / "p").mkdir()
    for name, text in PROJECT.items():
        (root / "p" / name).write_text(text)
    (root / "app").mkdir()
    return root


@FUZZ
@given(deployed=TEXTS, consumer=st.one_of(st.none(), TEXTS), out=OUT_STATES,
       flags=st.lists(st.sampled_from([
           ["--strategy", "import"], ["--strategy", "refactor"], ["--preview"], ["--new", "app-dev"],
           ["--new", "data-dev"], ["--new", "../x"], ["--stage", "dev"], ["--stage", "qa"], ["--consumer", "nope"],
           ["--serverless", "/no/such/serverless"], ["--serverless", "false"], ["--format", "json"],
           ["--from", "data-dev=missing.json"], ["--warnings-as-errors"]]), max_size=3),
       name=st.sampled_from(["app-dev", "data-dev", "", "9bad", "app-dev=x"]))
# found by this test: a service's function that is not a mapping (exit 3 before)
@example(deployed='{"Resources": null, "service": "app", "functions": {"work": true}}', consumer=None, out="missing",
         flags=[], name="data-dev")
def test_plan_move_never_fails_inside(project, capsys, deployed, consumer, out, flags, name):
    TRIED["plan-move runs"] += 1
    case = project / f"case-{TRIED['plan-move runs']}"
    case.mkdir()
    (case / "deployed.json").write_text(deployed, encoding="utf-8", errors="surrogateescape")
    argv = ["plan-move", str(project / "p"), "--from", f"{name}={case / 'deployed.json'}" if name else str(case / "deployed.json"),
            "--out", prepare_out(case, out), "--serverless", "/no/such/serverless"]
    if consumer is not None:
        (case / "next.json").write_text(consumer, encoding="utf-8", errors="surrogateescape")
        argv += ["--consumer", f"app-dev={case / 'next.json'}"]
    for flag in flags:
        argv += flag
    try:
        code = run(argv)
    except SystemExit as exit_:  # argparse's usage errors
        code = exit_.code
    captured = capsys.readouterr()
    TRIED["plan-move runs that reached the planner"] += code == 0 or "E085" in captured.err
    assert code in (0, 1, 2), (argv, captured.err[-2000:])
    assert "Traceback" not in captured.err and "internal error" not in captured.err, captured.err[-2000:]


@FUZZ
@given(texts=st.lists(TEXTS, min_size=1, max_size=2), out=OUT_STATES,
       flags=st.lists(st.sampled_from([["--split-by", "type"], ["--map", "map.yml"], ["--map", "missing.yml"],
                                        ["--warnings-as-errors"]]), max_size=2),
       mapping=st.sampled_from(["AWS::SQS::*: queues\n", "x", "AWS::Nope: ../x\n", "- a\n", "{}", "AWS::SQS::Queue: [1]\n"]),
       folders=st.sampled_from(["one", "two", "same"]))
# found by this test: --out a link to nothing; a lone surrogate (a JSON escape) in a message
# written to a stream that cannot encode it (exit 3 before)
@example(texts=['{"Resources": null}'], out="symlink", flags=[], mapping="x", folders="one")
@example(texts=['{"Resources": {"T": {"Type": "AWS::SQS::Queue", "Properties": {"Ref": "\\ud800"}}}}'], out="missing",
         flags=[], mapping="x", folders="one")
def test_import_never_fails_inside(tmp_path_factory, capsys, texts, out, flags, mapping, folders):
    TRIED["import runs"] += 1
    case = tmp_path_factory.mktemp("fuzz-import")
    files = []
    for index, text in enumerate(texts):
        folder = case / ("svc" if folders == "same" else f"svc{index}")
        folder.mkdir(exist_ok=True)
        path = folder / ("serverless.yml" if index == 0 or folders != "same" else "other.yml")
        path.write_text(text, encoding="utf-8", errors="surrogateescape")
        files.append(str(path))
    (case / "map.yml").write_text(mapping)
    argv = ["import", *files, "--out", prepare_out(case, out)]
    for flag in flags:
        argv += [flag[0], str(case / flag[1])] if flag[0] == "--map" else flag
    cwd = os.getcwd()
    os.chdir(case)
    try:
        code = run(argv)
    except SystemExit as exit_:
        code = exit_.code
    finally:
        os.chdir(cwd)
    captured = capsys.readouterr()
    assert code in (0, 1, 2), (argv, captured.err[-2000:])
    assert "Traceback" not in captured.err and "internal error" not in captured.err, captured.err[-2000:]
