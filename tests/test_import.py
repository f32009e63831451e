"""``infrac import``: the round trip is the proof.

For every input, importing it and building the result for the matching stage gives the
input's resources. The expected side is read here with a plain YAML reader (not the
importer's), and compared after the normalisation documented in
``infrac.tools.migrate.roundtrip`` (short forms, key order, the stage and region filled in).
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import ROOT, SEED, run_infrac
from infrac.tools.migrate.roundtrip import built_resources, normalise
from infrac.tools.migrate.source.loader import load_yaml
from test_cfn_lint import cfn_lint

MONOLITH = ROOT / "examples" / "monolith"
CORPUS = ROOT / "tests" / "import" / "corpus"
INFRA_STACKS = [
    "infrastructure-cognito", "infrastructure-dynamodb", "infrastructure-eventbridge", "infrastructure-s3",
    "infrastructure-sqs",
]


class Run:
    """The command in this process (the tests call it often; a subprocess costs a start-up)."""

    def __init__(self, returncode: int, stdout: str, stderr: str) -> None:
        self.returncode, self.stdout, self.stderr = returncode, stdout, stderr


@pytest.fixture
def infrac(capsys, monkeypatch):
    monkeypatch.setenv("NO_COLOR", "1")

    def run(*args: str) -> Run:
        from infrac.cli import main

        capsys.readouterr()
        code = main(list(args))
        captured = capsys.readouterr()
        return Run(code, captured.out, captured.err)

    return run


def build(project: Path, out: Path, stage: str, run=run_infrac) -> dict[str, dict]:
    process = run("build", str(project), "--stage", stage, "--out", str(out))
    assert process.returncode == 0, process.stderr
    order = json.loads((out / "deploy-order.json").read_text())
    return {
        name: yaml.safe_load((out / entry["template"]).read_text())
        for name, entry in order["stacks"].items()
        if "template" in entry
    }


# ---- the monolith, split by type ---------------------------------------------------------------


@pytest.fixture(scope="module")
def split(tmp_path_factory):
    """The monolith imported with --split-by type (from a copy), then built for dev; the
    consumer's new service file, written under X/services/core/, copied into its folder as
    the import says."""
    root = tmp_path_factory.mktemp("split")
    shutil.copytree(MONOLITH, root / "monolith", ignore=shutil.ignore_patterns("node_modules", ".serverless"))
    process = run_infrac(
        "import", "monolith/core/serverless.yml", "monolith/infrastructure-cognito/serverless.yml",
        "--split-by", "type", "--out", "X", cwd=root,
    )
    assert process.returncode == 0, process.stderr
    assert "W0811" in process.stderr  # the authorizer stays in core: it refers to core's API
    shutil.copy(root / "X" / "services" / "core" / "serverless.infrac.yml", root / "monolith" / "core")
    return root, build(root / "X", root / "built", "dev")


def monolith_resources(service: str, stage: str = "dev") -> dict:
    text = (MONOLITH / service / "serverless.yml").read_text(encoding="utf-8")
    text = text.replace("${self:service}", service).replace("${sls:stage}", stage)
    return yaml.safe_load(text)["resources"]["Resources"]


def test_split_gives_the_five_infrastructure_stacks_and_core(split):
    root, built = split
    assert sorted(built) == INFRA_STACKS
    assert sorted(p.name for p in (root / "X").glob("*.infra")) == sorted(
        [f"{s}.infra" for s in INFRA_STACKS] + ["core.infra", "project.infra"]
    )


def test_split_uses_the_first_class_kinds_for_every_resource(split):
    root, _ = split
    text = "\n".join(p.read_text() for p in sorted((root / "X").glob("*.infra")))
    assert 'resource "' not in text
    for kind, count in (("table", 23), ("queue", 6), ("dead_letter", 6), ("bucket", 1), ("bus", 1), ("rule", 6),
                        ("user_pool", 1), ("user_pool_client", 1), ("user_pool_domain", 1)):
        assert len(re.findall(rf"^\s+{kind} \w+ {{", text, re.M)) == count, kind


def test_split_round_trip_gives_every_resource_of_the_monolith(split):
    _, built = split
    have = built_resources(built, "dev", "eu-west-1")
    core = {k: v for k, v in monolith_resources("core").items() if k != "ApiGatewayAuthorizer"}
    expected = {**core, **monolith_resources("infrastructure-cognito")}
    assert sorted(have) == sorted(expected)
    for logical_id, resource in expected.items():
        assert have[logical_id] == normalise(resource, "dev", "eu-west-1"), logical_id


def test_split_builds_the_same_stacks_as_the_seed_system(split, tmp_path):
    """infra.dsl/ is the split written by hand; the import gives the same resources, stack by stack."""
    _, built = split
    seed = build(SEED, tmp_path / "seed", "dev")
    for stack in INFRA_STACKS:
        assert built[stack]["Resources"] == seed[stack]["Resources"], stack


def test_split_exports_every_resource(split):
    _, built = split
    for stack, template in built.items():
        exported = {
            o["Value"].get("Ref") or o["Value"]["Fn::GetAtt"][0] for o in template.get("Outputs", {}).values()
        }
        for logical_id, resource in template["Resources"].items():
            if resource["Type"] in ("AWS::S3::BucketPolicy", "AWS::SQS::QueuePolicy"):
                continue  # attachments: nothing for a consumer to use
            assert logical_id in exported, f"{stack}.{logical_id}"
    names = {o["Export"]["Name"] for o in built["infrastructure-cognito"]["Outputs"].values()}
    assert "infrastructure-cognito-dev-UserPoolArn" in names  # the export core imports today


def test_split_rewrites_the_consumer_service(split):
    root, _ = split
    new = root / "monolith" / "core" / "serverless.infrac.yml"
    text = new.read_text(encoding="utf-8")
    assert text.startswith("# Written by `infrac import`")
    document = yaml.safe_load(text)
    old = yaml.safe_load((MONOLITH / "core" / "serverless.yml").read_text(encoding="utf-8"))
    assert document["functions"].keys() == old["functions"].keys()
    assert list(document["resources"]["Resources"]) == ["ApiGatewayAuthorizer"]
    environment = document["provider"]["environment"]
    assert environment["USERS_TABLE"] == "${file(../../X/build/core/imports.yml):values.UsersTableName}"
    assert environment["UPLOADS_BUCKET"] == "${file(../../X/build/core/imports.yml):values.UploadsBucketName}"
    assert environment["COGNITO_CLIENT_ID"] == old["provider"]["environment"]["COGNITO_CLIENT_ID"]
    assert "\"Ref\":" not in json.dumps(document["provider"])
    # the consumer's stack lists each value it takes; the build writes them as imports
    process = run_infrac("build", str(root / "X"), "--target", "serverless", "--out", str(root / "X" / "build"))
    assert process.returncode == 0, process.stderr
    imports = yaml.safe_load((root / "X" / "build" / "core" / "imports.yml").read_text())
    assert imports["values"]["UsersTableName"] == {"Fn::ImportValue": "infrastructure-dynamodb-${sls:stage}-UsersTableName"}


# ---- a corpus of templates -------------------------------------------------------------------------


def corpus() -> list[Path]:
    return sorted(p for p in CORPUS.iterdir() if p.suffix in (".yml", ".yaml", ".json"))


def expected_of(path: Path) -> tuple[dict, str, str]:
    """The input's resources by a plain reader: Serverless variables filled in as the framework does."""
    data = load_yaml(path.read_text(encoding="utf-8"))
    if "service" in data:
        stage = "staging"
        region = data["provider"]["region"]
        resources = data["resources"]["Resources"]
        text = json.dumps(resources)
        for variable, value in (
            ("${self:custom.prefix}", "billing-" + stage), ("${self:service}", "billing"), ("${sls:stage}", stage),
            ("${self:custom.owner}", "payments-team"), ("${self:provider.stage}", stage), ("${aws:region}", region),
        ):
            text = text.replace(variable, value)
        resources = json.loads(text.replace('"${self:custom.retention}"', "7"))
        return resources, stage, region
    resources = data["Resources"]
    if "Stage" in data.get("Parameters", {}):  # the stage, which the import writes as {stage}
        text = json.dumps(resources).replace('{"Ref": "Stage"}', '"dev"').replace("${Stage}", "dev")
        resources = json.loads(text)
    return resources, "dev", "us-east-1"


@pytest.mark.parametrize("path", corpus(), ids=lambda p: p.name)
def test_corpus_round_trip(path, tmp_path, infrac):
    process = infrac("import", str(path), "--out", str(tmp_path / "src"))
    assert process.returncode == 0, process.stderr
    expected, stage, region = expected_of(path)
    built = build(tmp_path / "src", tmp_path / "built", stage, infrac)
    have = built_resources(built, stage, region)
    assert sorted(have) == sorted(expected)
    for logical_id, resource in expected.items():
        assert have[logical_id] == normalise(resource, stage, region), logical_id
    # imported code is formatted as `infrac fmt` writes it
    assert infrac("fmt", "--check", str(tmp_path / "src")).returncode == 0


def test_corpus_covers_what_it_should():
    text = "\n".join(p.read_text(encoding="utf-8") for p in corpus())
    for construct in ("Conditions", "!If", "AWS::NoValue", "DependsOn", "AllowedValues", "Default", "!Sub\n", "${sls:stage}"):
        assert construct in text, construct
    assert any(p.suffix == ".json" for p in corpus())


def test_corpus_uses_first_class_kinds_where_they_fit(tmp_path, infrac):
    process = infrac("import", str(CORPUS / "queues.yml"), "--out", str(tmp_path))
    assert process.returncode == 0, process.stderr
    text = (tmp_path / "queues.infra").read_text()
    assert "queue Orders {" in text and "dead_letter OrdersDlq" in text
    assert 'resource "AWS::SQS::Queue" Emails' in text  # KmsMasterKeyId has no attribute: kept generic


# ---- what cannot be expressed, and the output folder ------------------------------------------------------


def test_a_construct_that_cannot_be_expressed_is_a_located_error_and_nothing_is_written(tmp_path, infrac):
    template = tmp_path / "t.yml"
    template.write_text("Resources:\n  T:\n    Type: AWS::SNS::Topic\n    Properties:\n      TopicName: !Sub '${Missing}-t'\n")
    process = infrac("import", str(template), "--out", str(tmp_path / "out"))
    assert process.returncode == 1
    assert "error[E0810]: `${Missing}` in `Fn::Sub`, which names nothing the template declares" in process.stderr
    assert "t.yml:5:18" in process.stderr
    assert not (tmp_path / "out").exists()


def test_the_output_folder_is_never_overwritten_without_care(tmp_path, infrac):
    template = CORPUS / "queues.yml"
    out = tmp_path / "out"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    process = infrac("import", str(template), "--out", str(out))
    assert process.returncode == 1 and "E0812" in process.stderr and "notes.txt" in process.stderr
    (out / "notes.txt").unlink()
    assert infrac("import", str(template), "--out", str(out)).returncode == 0
    assert infrac("import", str(template), "--out", str(out)).returncode == 0  # over its own import
    (out / "queues.infra").write_text((out / "queues.infra").read_text() + "# edited\n")
    process = infrac("import", str(template), "--out", str(out))
    assert process.returncode == 1 and "was changed since it was imported" in process.stderr
    assert (out / "queues.infra").read_text().endswith("# edited\n")


def test_the_import_writes_under_out_only_the_consumers_service_included(tmp_path, infrac, monkeypatch):
    """A file beside the input is never touched (before, the new service was written there,
    replacing one of the same name); the new service is under X/services/<stack>/."""
    shutil.copytree(MONOLITH / "core", tmp_path / "core", ignore=shutil.ignore_patterns("src"))
    (tmp_path / "core" / "serverless.infrac.yml").write_text("mine\n")
    monkeypatch.chdir(tmp_path)
    before = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))
    process = infrac("import", "core/serverless.yml", "--split-by", "type", "--out", "X")
    assert process.returncode == 0, process.stderr
    assert (tmp_path / "core" / "serverless.infrac.yml").read_text() == "mine\n"
    after = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*") if not p.is_relative_to(tmp_path / "X"))
    assert after == [p for p in before if p != Path("X")]
    written = (tmp_path / "X" / "services" / "core" / "serverless.infrac.yml").read_text()
    assert written.startswith("# Written by `infrac import`") and "from core/" in written
    assert 'config = "serverless.infrac.yml"' in (tmp_path / "X" / "core.infra").read_text()
    assert "X/services/core/serverless.infrac.yml" in process.stdout
    # imported again over its own import: the same files
    assert infrac("import", "core/serverless.yml", "--split-by", "type", "--out", "X").returncode == 0


ADMIN = """\
service: admin
frameworkVersion: '3'
provider:
  name: aws
  runtime: python3.11
  region: eu-west-1
  stage: "${opt:stage, 'dev'}"
  environment:
    REPORTS_TABLE:
      Ref: ReportsTable
functions:
  report:
    handler: src/report.handler
resources:
  Resources:
    ReportsTable:
      Type: AWS::DynamoDB::Table
      Properties:
        TableName: admin-${sls:stage}-reports
        BillingMode: PAY_PER_REQUEST
        KeySchema: [{AttributeName: id, KeyType: HASH}]
        AttributeDefinitions: [{AttributeName: id, AttributeType: S}]
"""


def test_two_services_of_one_folder_get_a_file_each(tmp_path, infrac, monkeypatch):
    """Two service files in one folder (`--config` chooses): each new file has its stack's name,
    so that neither overwrites the other once copied into the folder."""
    shutil.copytree(MONOLITH / "core", tmp_path / "core", ignore=shutil.ignore_patterns("src"))
    (tmp_path / "core" / "admin.yml").write_text(ADMIN)
    monkeypatch.chdir(tmp_path)
    process = infrac("import", "core/serverless.yml", "core/admin.yml", "--split-by", "type", "--out", "X")
    assert process.returncode == 0, process.stderr
    files = sorted(p.relative_to(tmp_path / "X").as_posix() for p in (tmp_path / "X" / "services").rglob("*.yml"))
    assert files == ["services/admin/serverless.admin.infrac.yml", "services/core/serverless.core.infrac.yml"]


# ---- generated templates --------------------------------------------------------------------------------

_names = st.from_regex(r"[A-Z][a-z]{2,8}", fullmatch=True)
_text = st.text(st.characters(min_codepoint=32, max_codepoint=126), min_size=1, max_size=12)


@st.composite
def templates(draw):
    """Tables, queues (with dead-letter queues), topics with conditions, parameters and
    references between them, in random combinations."""
    resources: dict = {}
    template: dict = {"Parameters": {"Env": {"Type": "String", "Default": "dev", "AllowedValues": ["dev", "prod"]}},
                      "Conditions": {"IsProd": {"Fn::Equals": [{"Ref": "Env"}, "prod"]}}}
    for index in range(draw(st.integers(1, 4))):
        name = draw(_names) + str(index)
        kind = draw(st.sampled_from(["table", "queue", "topic"]))
        if kind == "table":
            key = draw(st.sampled_from(["S", "N"]))
            properties = {
                "TableName": draw(st.from_regex(r"[a-z]{3,10}", fullmatch=True)) + str(index),
                "BillingMode": "PAY_PER_REQUEST",
                "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": key}],
                "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
            }
            if draw(st.booleans()):
                properties["PointInTimeRecoverySpecification"] = {"PointInTimeRecoveryEnabled": True}
                properties["SSESpecification"] = {"SSEEnabled": True}
            if draw(st.booleans()):
                properties["StreamSpecification"] = {"StreamViewType": "NEW_IMAGE"}
            resources[name] = {"Type": "AWS::DynamoDB::Table", "Properties": properties}
            if draw(st.booleans()):
                resources[name]["DeletionPolicy"] = resources[name]["UpdateReplacePolicy"] = "Retain"
        elif kind == "queue":
            properties = {"SqsManagedSseEnabled": True, "VisibilityTimeout": draw(st.integers(0, 43200))}
            if draw(st.booleans()):
                resources[name + "Dlq"] = {"Type": "AWS::SQS::Queue", "Properties": {
                    "MessageRetentionPeriod": 1209600, "SqsManagedSseEnabled": True}}
                properties["RedrivePolicy"] = {"deadLetterTargetArn": {"Fn::GetAtt": [name + "Dlq", "Arn"]},
                                               "maxReceiveCount": draw(st.integers(1, 1000))}
            if draw(st.booleans()):
                properties["DelaySeconds"] = {"Fn::If": ["IsProd", draw(st.integers(0, 900)), {"Ref": "AWS::NoValue"}]}
            resources[name] = {"Type": "AWS::SQS::Queue", "Properties": properties}
            if draw(st.booleans()):
                resources[name]["Condition"] = "IsProd"
        else:
            properties = {"DisplayName": draw(_text), "Tags": [{"Key": "env", "Value": {"Ref": "Env"}}]}
            others = [k for k in resources if resources[k]["Type"] != "AWS::SNS::Topic"]
            if others and draw(st.booleans()):
                other = draw(st.sampled_from(others))
                properties["TopicName"] = {"Fn::Sub": ["${Name}-topic", {"Name": {"Ref": other}}]}
            resource = {"Type": "AWS::SNS::Topic", "Properties": properties}
            if draw(st.booleans()):
                resource["Condition"] = "IsProd"
            resources[name] = resource
    template["Resources"] = resources
    return template


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(templates())
def test_generated_templates_round_trip(template):
    """In process (no subprocess per example): import, build for dev, compare."""
    from infrac.tools.migrate.command import prepare
    from infrac.tools.migrate.importer.proof import build as build_sources

    text = json.dumps(template, indent=1)
    prepared = prepare([("generated.json", text.encode())], "out", None, None)
    assert not [d for d in prepared.diagnostics if d.severity.value == "error"], prepared.diagnostics
    result, built = build_sources(prepared.files, "dev")
    assert result.ok, result.diagnostics
    have = built_resources(built, "dev", "us-east-1")
    assert have == {k: normalise(v, "dev", "us-east-1") for k, v in template["Resources"].items()}




def test_split_consumer_packages_with_the_serverless_framework(split):
    """The rewritten service, with the imports the build writes, packages offline with the real
    CLI, and the packaged template passes cfn-lint, as do the five stacks' templates. (The five infrastructure services build to
    the seed system's resources, which tests/test_serverless_package.py packages.)"""
    import os
    import subprocess

    from test_serverless_package import OFFLINE, SERVERLESS, _no_network_prefix

    root, _ = split
    service = root / "monolith" / "core"
    if not (root / "X" / "build" / "core" / "imports.yml").is_file():
        process = run_infrac("build", str(root / "X"), "--target", "serverless", "--out", str(root / "X" / "build"))
        assert process.returncode == 0, process.stderr
    process = subprocess.run(
        [*_no_network_prefix(), str(SERVERLESS), "package", "--stage", "dev", "--config", "serverless.infrac.yml"],
        cwd=service, capture_output=True, text=True, env={**os.environ, **OFFLINE}, timeout=300,
    )
    assert process.returncode == 0, process.stdout + process.stderr
    packaged = service / ".serverless" / "cloudformation-template-update-stack.json"
    template = json.loads(packaged.read_text())
    environment = template["Resources"]["CreateBookingLambdaFunction"]["Properties"]["Environment"]["Variables"]
    assert environment["USERS_TABLE"] == {"Fn::ImportValue": "infrastructure-dynamodb-dev-UsersTableName"}
    assert not any(r["Type"] == "AWS::DynamoDB::Table" for r in template["Resources"].values())
    # one cfn-lint run (its start-up is the cost) for the packaged service and the five stacks
    templates = sorted((root / "built").glob("infrastructure-*.yml"))
    assert len(templates) == 5
    lint = cfn_lint(packaged, *templates)
    assert lint.returncode == 0, lint.stdout


def test_import_output_does_not_depend_on_the_hash_seed(tmp_path):
    outputs = []
    for seed in ("0", "4242"):
        out = tmp_path / seed
        process = run_infrac("import", str(CORPUS / "conditions.yml"), str(CORPUS / "queues.yml"),
                             "--split-by", "type", "--out", str(out), env={"PYTHONHASHSEED": seed})
        assert process.returncode == 0, process.stderr
        outputs.append({p.name: p.read_bytes() for p in sorted(out.iterdir())})
    assert outputs[0] == outputs[1]


def test_a_mapping_file_groups_resources_into_other_stacks(tmp_path, infrac):
    mapping = tmp_path / "stacks.yml"
    mapping.write_text("AWS::DynamoDB::Table: data\nAWS::SQS::*: messaging\n")
    out = tmp_path / "src"
    process = infrac("import", str(CORPUS / "tables.json"), str(CORPUS / "queues.yml"), "--map", str(mapping), "--out", str(out))
    assert process.returncode == 0, process.stderr
    assert sorted(p.name for p in out.glob("*.infra")) == ["data.infra", "messaging.infra", "project.infra", "tables.infra"]
    built = build(out, tmp_path / "built", "dev", infrac)
    assert sorted(built["data"]["Resources"]) == ["Orders", "Sessions"]
    assert sorted(built["messaging"]["Resources"]) == ["Emails", "EmailsDlq", "EmailsPolicy", "Orders", "OrdersDlq"]
    # the stream consumer stays in its template's stack and imports the table's stream
    consumer = built["tables"]["Resources"]["OrdersConsumer"]["Properties"]["EventSourceArn"]
    assert consumer == {"Fn::ImportValue": "data-dev-OrdersStreamArn"}


_json = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(-10, 10), st.text(max_size=6),
              st.sampled_from(["${AWS::Region}", "${Missing}", "{stage}", "${!x}", "a.b"])),
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.dictionaries(st.sampled_from(["Ref", "Fn::GetAtt", "Fn::Sub", "Fn::If", "Fn::Join", "Condition",
                                         "Fn::FindInMap", "Key", "Value", "Name", "Tags"]), inner, max_size=2),
    ),
    max_leaves=8,
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(st.sampled_from(["TopicName", "Tags", "QueueName", "TableName", "KeySchema", "X"]), _json, max_size=3),
       st.sampled_from(["AWS::SNS::Topic", "AWS::SQS::Queue", "AWS::DynamoDB::Table", "AWS::S3::Bucket"]))
def test_any_properties_give_an_import_or_located_diagnostics(properties, kind):
    """Whatever the values, the importer answers with sources or diagnostics, never an exception."""
    from infrac.tools.migrate.command import prepare

    template = {"Resources": {"A": {"Type": kind, "Properties": properties}, "B": {"Type": "AWS::SNS::Topic"}}}
    prepared = prepare([("t.json", json.dumps(template).encode())], "out", None, None)
    errors = [d for d in prepared.diagnostics if d.severity.value == "error"]
    assert prepared.files or errors
    assert all(d.span is not None for d in errors), errors


_POOL = {"Type": "AWS::Cognito::UserPool", "Properties": {"UserPoolName": "p"}}
_BUCKET = {
    "BucketEncryption": {"ServerSideEncryptionConfiguration": [
        {"ServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}, "BucketKeyEnabled": True}]},
    "PublicAccessBlockConfiguration": {
        "BlockPublicAcls": True, "BlockPublicPolicy": True, "IgnorePublicAcls": True, "RestrictPublicBuckets": True},
    "OwnershipControls": {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]},
}
_TABLE = {"BillingMode": "PAY_PER_REQUEST", "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}],
          "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}]}


@pytest.mark.parametrize("resources", [
    {"T": {"Type": "AWS::DynamoDB::Table", "Properties": {**_TABLE, "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": {"a": 1}}]}}},
    {"T": {"Type": "AWS::DynamoDB::Table", "Properties": {**_TABLE, "AttributeDefinitions": [{"AttributeName": 5, "AttributeType": "S"}],
                                                          "KeySchema": [{"AttributeName": 5, "KeyType": "HASH"}]}}},
    {"T": {"Type": "AWS::DynamoDB::Table", "Properties": {**_TABLE, "KeySchema": [{"AttributeName": ["id"], "KeyType": "HASH"}]}}},
    {"T": {"Type": "AWS::DynamoDB::Table", "Properties": {**_TABLE, "StreamSpecification": {"StreamViewType": ["NEW_IMAGE"]}}}},
    {"Pool": {**_POOL, "Properties": {"UserPoolName": "p", "MfaConfiguration": {"a": "OFF"}}}},
    {"Pool": {**_POOL, "Properties": {"UserPoolName": "p", "Schema": [{"Name": "n", "AttributeDataType": ["String"], "Mutable": True}]}}},
    {"Pool": _POOL, "Client": {"Type": "AWS::Cognito::UserPoolClient", "Properties": {
        "ClientName": "c", "UserPoolId": {"Ref": "Pool"}, "GenerateSecret": False, "PreventUserExistenceErrors": "ENABLED",
        "AccessTokenValidity": 1, "TokenValidityUnits": {"AccessToken": ["hours"]}}}},
    {"Q": {"Type": "AWS::SQS::Queue", "Properties": {"SqsManagedSseEnabled": True, "RedrivePolicy": {
        "deadLetterTargetArn": {"Fn::GetAtt": {"D": "Arn"}}, "maxReceiveCount": 3}}}},
    {"R": {"Type": "AWS::Events::Rule", "Properties": {"State": "ENABLED", "Targets": [{"Id": "a", "Arn": {"Fn::GetAtt": {"Q": "Arn"}}}]}}},
    {"T": {"Type": "AWS::DynamoDB::Table", "Properties": {**_TABLE, "GlobalSecondaryIndexes": 5}}},
    {"T": {"Type": "AWS::DynamoDB::Table", "Properties": {**_TABLE, "GlobalSecondaryIndexes": [{
        "IndexName": "g", "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
        "Projection": {"ProjectionType": "INCLUDE", "NonKeyAttributes": 5}}]}}},
    {"R": {"Type": "AWS::Events::Rule", "Properties": {"State": "ENABLED", "Targets": True}}},
    {"Pool": {**_POOL, "Properties": {"UserPoolName": "p", "Schema": 3}}},
    {"S": {"Type": "AWS::S3::Bucket", "Properties": {**_BUCKET, "PublicAccessBlockConfiguration": {
        "BlockPublicAcls": {"a": 1}, "BlockPublicPolicy": True, "IgnorePublicAcls": True, "RestrictPublicBuckets": True}}}},
    {"S": {"Type": "AWS::S3::Bucket", "Properties": _BUCKET},
     "SPolicy": {"Type": "AWS::S3::BucketPolicy", "Properties": {"Bucket": {"Ref": "S"}, "PolicyDocument": ["x"]}}},
], ids=["table-attribute-type", "table-attribute-name", "table-key-name", "table-stream-view", "pool-mfa",
        "pool-schema-type", "client-token-unit", "queue-dead-letter-target", "rule-target-arn", "table-indexes",
        "table-projection-attributes", "rule-targets", "pool-schema", "bucket-public-access", "bucket-policy-document"])
def test_a_value_of_another_shape_declines_the_kind(resources):
    """A mapping or a list where a lifter looks a word up, a number where it reads a list, a
    list where it reads a mapping: not a value of the kind. The resource is imported as a
    generic block (or said to be inexpressible), never an internal error."""
    from infrac.tools.migrate.command import prepare

    prepared = prepare([("data.json", json.dumps({"Resources": resources}).encode())], "out", None, None)
    errors = [d for d in prepared.diagnostics if d.severity.value == "error"]
    assert all(d.span is not None for d in errors), errors
    if prepared.files:
        text = prepared.files["data.infra"]
        resource_type = next(r["Type"] for r in resources.values() if r is not _POOL)
        assert re.search(rf'resource "{resource_type}" \w+ {{', text), text
    else:
        assert errors


# ---- the whole template, written back as it was written -------------------------------------------------


def imported(text: str, name: str = "t.yaml"):
    """Import one template in process: the prepared files (or the errors) and the rebuilt template."""
    from infrac.tools.migrate.command import prepare
    from infrac.tools.migrate.importer.proof import build as build_sources

    prepared = prepare([(name, text.encode())], "out", None, None)
    errors = [d for d in prepared.diagnostics if d.severity.value == "error"]
    if errors:
        return prepared, errors, None
    result, built = build_sources(prepared.files, prepared.stage)
    assert result.ok, result.diagnostics
    (template,) = built.values()
    return prepared, [], template


def source_of(prepared) -> str:
    return next(text for path, text in prepared.files.items() if path != "project.infra")


def test_braces_in_parameter_patterns_and_descriptions_are_not_doubled():
    prepared, errors, template = imported(
        "Description: IPs like \\d{1,3}\nParameters:\n  Ip:\n    Type: String\n    AllowedPattern: '\\d{1,3}'\n"
        "    Description: 'up to {3} digits'\n    ConstraintDescription: '{n}'\n"
        "Resources:\n  T:\n    Type: AWS::SNS::Topic\n"
    )
    assert not errors, errors
    assert template["Parameters"]["Ip"] == {
        "Type": "String", "AllowedPattern": "\\d{1,3}", "Description": "up to {3} digits", "ConstraintDescription": "{n}"}
    assert template["Description"] == "IPs like \\d{1,3}"


def test_sub_of_a_parameter_and_a_pseudo_parameter_stays_a_sub_with_its_text():
    prepared, errors, template = imported(
        "Parameters:\n  AppName: {Type: String}\nResources:\n  T:\n    Type: AWS::SNS::Topic\n"
        "    Properties:\n      TopicName: !Sub ${AppName}-${AWS::Region}\n      DisplayName: !Ref AWS::Region\n"
    )
    assert not errors, errors
    assert '"{AppName}-{aws_region}"' in source_of(prepared) and "aws_region()" in source_of(prepared)
    assert template["Resources"]["T"]["Properties"] == {
        "TopicName": {"Fn::Sub": "${AppName}-${AWS::Region}"}, "DisplayName": {"Ref": "AWS::Region"}}


def test_a_sub_without_variables_and_a_variable_map_come_back_as_written():
    _, errors, template = imported(
        "Resources:\n  T:\n    Type: AWS::SNS::Topic\n    Properties:\n      TopicName: !Sub plain-${!Literal}\n"
        "      DisplayName: !Sub ['${A}-x', {A: !Ref AWS::StackName}]\n"
    )
    assert not errors, errors
    assert template["Resources"]["T"]["Properties"] == {
        "TopicName": {"Fn::Sub": "plain-${!Literal}"},
        "DisplayName": {"Fn::Sub": ["${A}-x", {"A": {"Ref": "AWS::StackName"}}]}}


def test_a_number_keeps_its_spelling():
    _, errors, template = imported("Resources:\n  T:\n    Type: AWS::SNS::Topic\n    Metadata: {Version: 1.0}\n")
    assert not errors, errors
    assert str(template["Resources"]["T"]["Metadata"]["Version"]) == "1.0"


@pytest.mark.parametrize("value", [
    "!Ref KeyType",  # a table's AttributeType given by a parameter
    "!ImportValue {'Fn::Join': ['-', [!Ref KeyType, x]]}",
    "!ImportValue {'Ref': KeyType}",
    "!ImportValue {'Fn::Sub': '${KeyType}-x'}",
], ids=["attribute-type-ref", "import-of-join", "import-of-ref", "import-of-sub"])
def test_values_that_crashed_the_importer_import(value):
    _, errors, template = imported(
        "Parameters:\n  KeyType: {Type: String, Default: S}\nResources:\n  T:\n    Type: AWS::DynamoDB::Table\n"
        "    Properties:\n      BillingMode: PAY_PER_REQUEST\n      KeySchema: [{AttributeName: id, KeyType: HASH}]\n"
        f"      AttributeDefinitions: [{{AttributeName: id, AttributeType: {value}}}]\n"
    )
    assert not errors, errors
    assert template["Resources"]["T"]["Properties"]["AttributeDefinitions"][0]["AttributeType"] == load_yaml(
        f"v: {value}")["v"]


def test_a_dynamic_reference_built_with_sub_is_not_a_secret_in_clear():
    _, errors, template = imported(
        "Parameters:\n  Cred: {Type: String}\nResources:\n  Db:\n    Type: AWS::RDS::DBInstance\n    Properties:\n"
        "      DBInstanceClass: db.t3.micro\n      Engine: mysql\n      MasterUsername: admin\n"
        "      MasterUserPassword: !Sub '{{resolve:secretsmanager:${Cred}}}'\n"
    )
    assert not errors, errors
    assert template["Resources"]["Db"]["Properties"]["MasterUserPassword"] == {
        "Fn::Sub": "{{resolve:secretsmanager:${Cred}}}"}


def test_a_condition_name_that_starts_with_a_digit_is_a_string():
    prepared, errors, template = imported(
        "Parameters:\n  Env: {Type: String}\nConditions:\n  2Zones: !Equals [!Ref Env, prod]\n"
        "  Other: !Not [!Condition 2Zones]\nResources:\n  T:\n    Type: AWS::SNS::Topic\n    Condition: 2Zones\n"
        "    Properties:\n      TopicName: !If [2Zones, a, b]\n"
    )
    assert not errors, errors
    assert re.search(r'condition += "2Zones"', source_of(prepared))
    assert template["Resources"]["T"]["Properties"]["TopicName"] == {"Fn::If": ["2Zones", "a", "b"]}
    assert template["Conditions"]["Other"] == {"Fn::Not": [{"Condition": "2Zones"}]}


def test_outputs_keep_their_names_values_conditions_and_computed_export_names():
    _, errors, template = imported(
        "Conditions:\n  IsOn: !Equals [a, a]\nResources:\n  T:\n    Type: AWS::SNS::Topic\nOutputs:\n"
        "  TopicArn:\n    Value: !Ref T\n    Export: {Name: !Sub '${AWS::StackName}-TopicArn'}\n"
        "  Joined:\n    Condition: IsOn\n    Description: a URL\n    Value: !Sub 'https://${T.TopicName}/x'\n"
        "    Export: {Name: !Join ['-', [!Ref AWS::StackName, url]]}\n  Plain:\n    Value: 42\n"
    )
    assert not errors, errors
    assert template["Outputs"] == {
        "TopicArn": {"Value": {"Ref": "T"}, "Export": {"Name": {"Fn::Sub": "${AWS::StackName}-TopicArn"}}},
        "Joined": {"Condition": "IsOn", "Description": "a URL", "Value": {"Fn::Sub": "https://${T.TopicName}/x"},
                   "Export": {"Name": {"Fn::Join": ["-", [{"Ref": "AWS::StackName"}, "url"]]}}},
        "Plain": {"Value": 42},
    }


def test_mappings_rules_policies_and_every_pseudo_parameter_are_imported():
    text = (
        "Mappings:\n  Images:\n    us-east-1: {Ami: ami-1}\nRules:\n  Check:\n    Assertions:\n"
        "      - Assert: !Contains [[a], a]\n        AssertDescription: always\n"
        "Resources:\n  T:\n    Type: AWS::SNS::Topic\n    DeletionPolicy: RetainExceptOnCreate\n"
        "    UpdatePolicy: {AutoScalingReplacingUpdate: {WillReplace: true}}\n"
        "    CreationPolicy: {ResourceSignal: {Count: 1, Timeout: PT5M}}\n    Properties:\n"
        "      DisplayName: !FindInMap [Images, !Ref 'AWS::Region', Ami]\n"
        "      Tags:\n" + "".join(
            f"        - {{Key: k{i}, Value: !Ref 'AWS::{p}'}}\n"
            for i, p in enumerate(["AccountId", "Partition", "URLSuffix", "Region", "StackName", "StackId"]))
        + "      TopicName: !Select [0, !Ref 'AWS::NotificationARNs']\n      KmsMasterKeyId: null\n"
    )
    _, errors, template = imported(text)
    assert not errors, errors
    expected = load_yaml(text)
    assert template["Mappings"] == expected["Mappings"] and template["Rules"] == expected["Rules"]
    assert template["Resources"] == expected["Resources"]


def test_another_providers_service_is_refused_by_name():
    prepared, errors, _ = imported("service: fn\nprovider:\n  name: google\n  runtime: nodejs18\nfunctions: {}\n",
                                   "serverless.yml")
    assert [d.code for d in errors] == ["E0815"]
    assert "Google Cloud" in errors[0].message and errors[0].span is not None


SAM_APP = (
    "Transform: AWS::Serverless-2016-10-31\nResources:\n  Hello:\n    Type: AWS::Serverless::Function\n"
    "    Properties:\n      Handler: app.handler\n      Runtime: python3.12\n      CodeUri: hello/\n"
    "      Events:\n        Get:\n          Type: Api\n          Properties: {Path: /hello, Method: get}\n"
)


def test_a_sam_application_is_imported_as_the_cloudformation_the_transform_makes():
    prepared, errors, template = imported(SAM_APP)
    assert not errors, errors
    assert {name: r["Type"] for name, r in template["Resources"].items()} == {
        "Hello": "AWS::Lambda::Function", "HelloRole": "AWS::IAM::Role",
        "HelloGetPermissionProd": "AWS::Lambda::Permission", "ServerlessRestApi": "AWS::ApiGateway::RestApi",
        **{name: r["Type"] for name, r in template["Resources"].items() if name.startswith("ServerlessRestApiDeployment")},
        "ServerlessRestApiProdStage": "AWS::ApiGateway::Stage",
    }
    assert "Transform" not in template
    warnings = [d for d in prepared.diagnostics if d.code == "W0813"]
    assert len(warnings) == 2 and all(d.span is not None for d in warnings)
    assert template["Resources"]["Hello"]["Properties"]["Code"] == {"S3Bucket": "sam-package-placeholder", "S3Key": "hello"}


def test_a_sam_application_the_translator_refuses_is_a_located_error():
    text = SAM_APP.split("      Events:")[0] + "      Events: {Get: {Type: Api, Properties: {Path: 7}}}\n"
    prepared, errors, _ = imported(text)
    assert errors and {d.code for d in errors} == {"E0816"}
    assert all(d.span is not None for d in errors)
    assert "Hello" in errors[0].message


def test_condition_names_with_the_punctuation_cloudformation_allows_are_strings():
    prepared, errors, template = imported(
        "Conditions:\n  Zones-2: !Equals [a, a]\n  Nat&Zones: !Not [!Condition Zones-2]\nResources:\n  T:\n"
        "    Type: AWS::SNS::Topic\n    Condition: Nat&Zones\n"
    )
    assert not errors, errors
    assert 'condition = "Nat&Zones"' in source_of(prepared)
    assert template["Resources"]["T"]["Condition"] == "Nat&Zones"
    assert template["Conditions"]["Nat&Zones"] == {"Fn::Not": [{"Condition": "Zones-2"}]}


def test_a_condition_given_as_another_conditions_name_is_imported():
    _, errors, template = imported(
        "Conditions:\n  IsProd: !Equals [a, a]\n  Alias: !Condition IsProd\nResources:\n  T:\n"
        "    Type: AWS::SNS::Topic\n    Condition: Alias\n"
    )
    assert not errors, errors
    assert template["Conditions"]["Alias"] == {"Condition": "IsProd"}


def test_a_rules_assertion_combines_the_rules_tests_with_and():
    text = (
        "Parameters:\n  Users: {Type: CommaDelimitedList}\nRules:\n  Check:\n    Assertions:\n"
        "      - Assert: !And [!Contains [!Ref Users, a], !EachMemberIn [!Ref Users, [a, b]]]\n"
        "Resources:\n  T:\n    Type: AWS::SNS::Topic\n"
    )
    _, errors, template = imported(text)
    assert not errors, errors
    assert template["Rules"] == load_yaml(text)["Rules"]


def test_creation_and_update_policies_given_by_a_function_are_imported():
    text = (
        "Conditions:\n  IsOn: !Equals [a, a]\nResources:\n  W:\n    Type: AWS::CloudFormation::WaitCondition\n"
        "    CreationPolicy: !If [IsOn, {ResourceSignal: {Count: 1}}, !Ref AWS::NoValue]\n"
        "    UpdatePolicy: !If [IsOn, {AutoScalingReplacingUpdate: {WillReplace: true}}, !Ref AWS::NoValue]\n"
    )
    _, errors, template = imported(text)
    assert not errors, errors
    assert template["Resources"]["W"] == load_yaml(text)["Resources"]["W"]


def test_a_custom_resource_takes_any_property_and_gives_any_attribute():
    text = (
        "Resources:\n  C:\n    Type: AWS::CloudFormation::CustomResource\n    Properties:\n"
        "      ServiceToken: arn:aws:lambda:us-east-1:123456789012:function:f\n      KmsKeyId: k\n"
        "  T:\n    Type: AWS::SNS::Topic\n    Properties:\n      TopicName: !GetAtt C.public_subnet\n"
    )
    _, errors, template = imported(text)
    assert not errors, errors
    assert template["Resources"] == load_yaml(text)["Resources"]


def test_a_dynamic_reference_is_not_held_to_the_propertys_pattern():
    text = (
        "Resources:\n  M:\n    Type: AWS::Lambda::EventSourceMapping\n    Properties:\n      FunctionName: f\n"
        "      EventSourceArn: '{{resolve:ssm:/queue/arn}}'\n"
    )
    _, errors, template = imported(text)
    assert not errors, errors
    assert template["Resources"]["M"]["Properties"]["EventSourceArn"] == "{{resolve:ssm:/queue/arn}}"


def test_a_sam_application_of_the_repository_and_an_alias_parameter_are_imported():
    text = (
        "Transform: AWS::Serverless-2016-10-31\nParameters:\n  Alias: {Type: String, Default: live}\nResources:\n"
        "  App:\n    Type: AWS::Serverless::Application\n    Properties:\n      Location:\n"
        "        ApplicationId: arn:aws:serverlessrepo:us-east-1:123456789012:applications/my-app\n"
        "        SemanticVersion: 1.0.0\n"
        "  Fn:\n    Type: AWS::Serverless::Function\n    Properties:\n      Handler: a.h\n      Runtime: python3.12\n"
        "      CodeUri: s3://code/fn.zip\n      AutoPublishAlias: !Ref Alias\n"
    )
    prepared, errors, template = imported(text)
    assert not errors, errors
    assert template["Resources"]["App"]["Properties"]["TemplateURL"].endswith("/serverlessrepo/my-app.yaml")
    assert template["Resources"]["FnAliaslive"]["Properties"]["Name"] == "live"
    assert sum(d.code == "W0813" for d in prepared.diagnostics) == 2


def test_a_dynamic_reference_joined_from_parts_and_a_secret_built_from_parameters_are_not_in_clear():
    text = (
        "Parameters:\n  Pass: {Type: String, NoEcho: true}\nResources:\n  S:\n    Type: AWS::SecretsManager::Secret\n"
        "  Db:\n    Type: AWS::RDS::DBCluster\n    Properties:\n      Engine: aurora-mysql\n      MasterUsername: admin\n"
        "      MasterUserPassword: !Join ['', ['{{resolve:secretsmanager:', !Ref S, ':SecretString:password}}']]\n"
        "  Broker:\n    Type: AWS::SecretsManager::Secret\n    Properties:\n"
        "      SecretString: !Sub '{\"username\": \"admin\", \"password\": \"${Pass}\"}'\n"
    )
    _, errors, template = imported(text)
    assert not errors, errors
    assert template["Resources"] == load_yaml(text)["Resources"]


def test_a_password_in_clear_is_still_refused():
    _, errors, _ = imported(
        "Resources:\n  Db:\n    Type: AWS::RDS::DBInstance\n    Properties:\n      DBInstanceClass: db.t3.micro\n"
        "      Engine: mysql\n      MasterUsername: admin\n      MasterUserPassword: hunter22\n"
    )
    assert [d.code for d in errors] == ["E0813"] and "E0611" in errors[0].notes[0] and errors[0].span is not None


def test_a_decimal_parameter_default_is_rebuilt_exactly():
    _, errors, template = imported(
        "Parameters:\n  Version: {Type: String, Default: 3.13}\nResources:\n  T:\n    Type: AWS::SNS::Topic\n"
    )
    assert not errors, errors
    assert template["Parameters"]["Version"]["Default"] == 3.13


def test_the_older_resource_level_version_and_description_are_kept():
    text = (
        "Resources:\n  C:\n    Type: Custom::Thing\n    Version: '1.0'\n    Description: a thing\n    Properties:\n"
        "      ServiceToken: arn:aws:lambda:us-east-1:123456789012:function:f\n  T:\n    Type: AWS::SNS::Topic\n"
        "    Description: a topic\n"
    )
    prepared, errors, template = imported(text)
    assert not errors, errors
    assert template["Resources"] == load_yaml(text)["Resources"]
    assert 'version     = "1.0"' in source_of(prepared)


# ---- the consumer's rewritten service: no reference to a moved resource left ------------------------

SHOP = """\
service: shop
frameworkVersion: '3'
provider:
  name: aws
  runtime: python3.11
  region: eu-west-1
  stage: "${opt:stage, 'dev'}"
  environment:
    UPLOADS_ARN: !Sub "${Uploads.Arn}/*"
    UPLOADS_URL: !Sub ["https://${Uploads.RegionalDomainName}/${Prefix}", {Prefix: incoming}]
    UPLOADS_NAME: !Sub ["${Name}", {Name: !Ref Uploads}]
    LITERAL: !Sub "${!Uploads} stays as text"
functions:
  upload:
    handler: src/upload.handler
resources:
  Resources:
    Uploads:
      Type: AWS::S3::Bucket
      Properties:
        BucketName: shop-${sls:stage}-uploads
    UploadsPolicy:
      Type: AWS::S3::BucketPolicy
      Properties:
        Bucket: !Ref Uploads
        PolicyDocument:
          Version: "2012-10-17"
          Statement:
            - Effect: Deny
              Principal: "*"
              Action: "s3:*"
              Resource: !Sub ["arn:aws:s3:::${Bucket}/*", {Bucket: !Ref Uploads}]
              Condition: {Bool: {"aws:SecureTransport": "false"}}
    Authorizer:
      Type: AWS::ApiGateway::Authorizer
      DependsOn: Uploads
      Properties:
        Name: shop
        Type: TOKEN
        RestApiId: !Ref ApiGatewayRestApi
        AuthorizerUri: !Sub "arn:aws:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/${Uploads.Arn}/invocations"
        IdentitySource: method.request.header.Authorization
"""


@pytest.fixture
def shop(tmp_path, infrac, monkeypatch):
    (tmp_path / "shop").mkdir()
    (tmp_path / "shop" / "serverless.yml").write_text(SHOP)
    monkeypatch.chdir(tmp_path)
    process = infrac("import", "shop/serverless.yml", "--split-by", "type", "--out", "X")
    return process, tmp_path


def test_moved_resources_named_in_sub_text_become_variables_of_its_map(shop):
    process, root = shop
    assert process.returncode == 0, process.stderr
    document = yaml.safe_load((root / "X" / "services" / "shop" / "serverless.infrac.yml").read_text())
    imports = "${file(../X/build/shop/imports.yml):values."
    environment = document["provider"]["environment"]
    assert environment["UPLOADS_ARN"] == {"Fn::Sub": ["${UploadsArn}/*", {"UploadsArn": imports + "UploadsArn}"}]}
    assert environment["UPLOADS_URL"] == {"Fn::Sub": ["https://${UploadsRegionalDomainName}/${Prefix}", {
        "Prefix": "incoming", "UploadsRegionalDomainName": imports + "UploadsRegionalDomainName}"}]}
    assert environment["UPLOADS_NAME"] == {"Fn::Sub": ["${Name}", {"Name": imports + "UploadsRef}"}]}
    assert environment["LITERAL"] == {"Fn::Sub": "${!Uploads} stays as text"}
    authorizer = document["resources"]["Resources"]["Authorizer"]
    assert "DependsOn" not in authorizer  # the bucket's stack deploys before the service
    assert "${UploadsArn}" in authorizer["Properties"]["AuthorizerUri"]["Fn::Sub"][0]
    assert "checked: `infrac build X --stage dev` gives the whole input back and resolves its services' references" \
        in process.stdout


def test_a_sub_variable_named_like_no_resource_does_not_keep_a_policy_behind(shop):
    """The policy's ``${Bucket}`` is a variable of its map, not a resource of the framework's:
    the policy moves with its bucket (it stayed in the service before, which refused the plan)."""
    process, root = shop
    assert process.returncode == 0, process.stderr
    assert "UploadsPolicy" not in yaml.safe_load(
        (root / "X" / "services" / "shop" / "serverless.infrac.yml").read_text())["resources"]["Resources"]
    assert "W0811" in process.stderr and "Authorizer" in process.stderr
    assert "`UploadsPolicy`" not in process.stderr


def test_the_check_of_the_rewritten_service_finds_each_form_of_reference():
    """The check behind the "checked" line: every form a moved resource can be named in."""
    from infrac.tools.migrate.split import leftovers

    document = {
        "a": {"Ref": "Uploads"},
        "b": {"Fn::GetAtt": ["Uploads", "Arn"]},
        "c": {"Fn::GetAtt": "Uploads.Arn"},
        "d": {"Fn::Sub": "${Uploads.Arn}/*"},
        "e": {"Fn::Sub": ["${Uploads}", {"Other": 1}]},
        "f": [{"Fn::Sub": ["${Uploads}", {"Uploads": "a variable of the map"}]}, {"Fn::Sub": "${!Uploads}"},
              {"Ref": "Staying"}],
    }
    assert leftovers(document, {"Uploads"}) == [
        ("a", "Uploads"), ("b", "Uploads"), ("c", "Uploads"), ("d.Fn::Sub", "Uploads"), ("e.Fn::Sub", "Uploads")]


TAGGED = """\
service: tagged
frameworkVersion: '3'
provider:
  name: aws
  runtime: python3.11
  region: eu-west-1
  stage: "${opt:stage, 'dev'}"
  environment:
    JOBS: !Ref Jobs
functions:
  work:
    handler: src/work.handler
resources:
  Resources:
    Jobs:
      Type: AWS::SQS::Queue
      Properties:
        QueueName: tagged-${sls:stage}-jobs
        Tags:
          - Key: stack
            Value: !Ref AWS::StackName
    Bus:
      Type: AWS::Events::EventBus
      Properties:
        Name: tagged-${sls:stage}-bus
    Forward:
      Type: AWS::Events::Rule
      Properties:
        EventBusName: !Ref Bus
        EventPattern: {source: [shop]}
        Targets:
          - Id: jobs
            Arn: !GetAtt Jobs.Arn
            InputTransformer:
              InputPathsMap: {id: "$.detail.id"}
              InputTemplate: '{"id": <id>}'
"""


def test_a_stack_name_value_keeps_the_deployed_name_when_its_resource_moves(tmp_path, infrac, monkeypatch):
    """The queue's tag reads the stack's name: deployed in tagged-dev, it says tagged-dev. Moved
    to the queues stack, `{stack_name}` would say queues-dev (before, the import wrote that, and
    its check agreed); the import writes the deployed name instead. The bus and its rule land in
    stacks of their own (`--map`), the rule's input transformer kept."""
    (tmp_path / "tagged").mkdir()
    (tmp_path / "tagged" / "serverless.yml").write_text(TAGGED)
    (tmp_path / "map.yml").write_text("AWS::Events::Rule: rules\nAWS::Events::EventBus: buses\nAWS::SQS::*: queues\n")
    monkeypatch.chdir(tmp_path)
    process = infrac("import", "tagged/serverless.yml", "--map", "map.yml", "--out", "X")
    assert process.returncode == 0, process.stderr
    queues = (tmp_path / "X" / "queues.infra").read_text()
    assert 'Tags: [{ Key: "stack", Value: "tagged-{stage}" }]' in queues
    rules = (tmp_path / "X" / "rules.infra").read_text()
    assert "EventBusName: buses.Bus.name" in rules and "Arn: queues.Jobs.arn" in rules
    assert "InputTemplate:" in rules


def test_the_imports_check_compares_the_stack_name_by_its_value():
    """The check behind it: the same placeholder in two stacks is two values."""
    from infrac.tools.migrate.roundtrip import with_stack_name

    assert with_stack_name({"Fn::Sub": "${AWS::StackName}"}, "tagged-dev") == "tagged-dev"
    assert with_stack_name({"Tags": [{"Value": {"Fn::Sub": "${AWS::StackName}-${AWS::Region}"}}]}, "q-dev") == {
        "Tags": [{"Value": {"Fn::Sub": "q-dev-${AWS::Region}"}}]}
    assert with_stack_name({"Fn::Sub": "${AWS::StackName}"}, "queues-dev") != with_stack_name(
        {"Fn::Sub": "${AWS::StackName}"}, "tagged-dev")
