"""The template reader: CloudFormation YAML (short and long forms) and JSON, Serverless
services with their variables, all into one model; every problem a located diagnostic."""

from __future__ import annotations

import json

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import ROOT
from infrac.base.source import SourceFile
from infrac.tools.migrate.source import read
from infrac.tools.migrate.source.loader import load_yaml
from infrac.tools.migrate.source.model import Interpolated, join, parent


def read_text(text: str, path: str = "t.yml"):
    return read(SourceFile(path, text))


def located(result, code: str) -> list[tuple[int, int, str]]:
    """(line, column, message) of each diagnostic with ``code``."""
    out = []
    for d in result.diagnostics:
        if d.code == code:
            source = SourceFile(d.span.file, TEXTS[d.span.file])
            position = source.position(d.span.start)
            out.append((position.line, position.column, d.message))
    return out


TEXTS: dict[str, str] = {}


def read_located(text: str, path: str = "t.yml"):
    TEXTS[path] = text
    return read_text(text, path)


SHORT = """\
AWSTemplateFormatVersion: 2010-09-09
Parameters:
  Stage:
    Type: String
    Default: dev
    AllowedValues: [dev, prod]
    Description: the stage
  Size:
    Type: Number
    MinValue: 1
Conditions:
  IsProd: !Equals [!Ref Stage, prod]
  NotProd: !Not [!Condition IsProd]
Resources:
  Users:
    Type: AWS::DynamoDB::Table
    DeletionPolicy: Retain
    UpdateReplacePolicy: Retain
    DependsOn: Topic
    Condition: IsProd
    Properties:
      TableName: !Sub "${AWS::StackName}-users"
      KeySchema:
        - AttributeName: id
          KeyType: HASH
      StreamSpecification: !If [IsProd, {StreamViewType: NEW_IMAGE}, !Ref AWS::NoValue]
  Topic:
    Type: AWS::SNS::Topic
    Metadata: {note: x}
    Properties:
      TopicName: !Join ["-", [!Select [0, !Split [",", "a,b"]], !FindInMap [M, !Ref "AWS::Region", k]]]
      KmsMasterKeyId: !GetAtt Users.StreamArn
      DisplayName: !ImportValue shared-name
      Other: !Base64 text
      Cidrs: !Cidr [10.0.0.0/16, 2, 8]
      Zones: !GetAZs ""
      Either: !Or [!And [!Condition IsProd, !Condition NotProd], !Condition IsProd]
Outputs:
  UsersArn:
    Value: !GetAtt [Users, Arn]
    Export:
      Name: !Sub "${AWS::StackName}-UsersArn"
    Condition: IsProd
"""


def test_short_forms_become_long_forms():
    result = read_text(SHORT)
    assert result.ok, result.diagnostics
    template = result.template
    assert template.kind == "cloudformation"
    users = template.resource("Users")
    assert users.type == "AWS::DynamoDB::Table"
    assert users.depends_on == ("Topic",)
    assert (users.condition, users.deletion_policy, users.update_replace_policy) == ("IsProd", "Retain", "Retain")
    assert users.properties["TableName"] == {"Fn::Sub": "${AWS::StackName}-users"}
    assert users.properties["StreamSpecification"] == {
        "Fn::If": ["IsProd", {"StreamViewType": "NEW_IMAGE"}, {"Ref": "AWS::NoValue"}]
    }
    topic = template.resource("Topic").properties
    assert topic["TopicName"] == {"Fn::Join": ["-", [
        {"Fn::Select": [0, {"Fn::Split": [",", "a,b"]}]},
        {"Fn::FindInMap": ["M", {"Ref": "AWS::Region"}, "k"]},
    ]]}
    assert topic["KmsMasterKeyId"] == {"Fn::GetAtt": ["Users", "StreamArn"]}
    assert topic["DisplayName"] == {"Fn::ImportValue": "shared-name"}
    assert topic["Other"] == {"Fn::Base64": "text"}
    assert topic["Cidrs"] == {"Fn::Cidr": ["10.0.0.0/16", 2, 8]}
    assert topic["Zones"] == {"Fn::GetAZs": ""}
    assert topic["Either"] == {"Fn::Or": [
        {"Fn::And": [{"Condition": "IsProd"}, {"Condition": "NotProd"}]}, {"Condition": "IsProd"}
    ]}
    assert template.resource("Topic").metadata == {"note": "x"}
    assert template.conditions == {
        "IsProd": {"Fn::Equals": [{"Ref": "Stage"}, "prod"]},
        "NotProd": {"Fn::Not": [{"Condition": "IsProd"}]},
    }
    stage, size = template.parameters
    assert (stage.name, stage.type, stage.default, stage.allowed_values, stage.description) == (
        "Stage", "String", "dev", ("dev", "prod"), "the stage"
    )
    assert size.constraints == {"MinValue": 1}
    (output,) = template.outputs
    assert output.value == {"Fn::GetAtt": ["Users", "Arn"]}
    assert output.export == {"Fn::Sub": "${AWS::StackName}-UsersArn"}
    assert output.condition == "IsProd"


def test_the_plain_loader_agrees_with_the_located_reader():
    data = load_yaml(SHORT)
    template = read_text(SHORT).template
    assert data["AWSTemplateFormatVersion"] == "2010-09-09"
    assert data["Resources"]["Users"]["Properties"] == template.resource("Users").properties
    assert data["Resources"]["Topic"]["Properties"] == template.resource("Topic").properties
    assert data["Conditions"] == template.conditions


def test_json_and_yaml_give_the_same_model():
    data = load_yaml(SHORT)
    as_json = json.dumps(data, indent="\t")
    from_json = read_text(as_json, "t.json").template
    from_yaml = read_text(SHORT).template
    assert from_json.resources == from_yaml.resources
    assert from_json.parameters == from_yaml.parameters
    assert from_json.outputs == from_yaml.outputs
    assert from_json.conditions == from_yaml.conditions


def test_every_value_has_its_template_path():
    text = SHORT
    template = read_located(text).template
    span = template.span("Resources.Users.Properties.KeySchema[0]")
    assert text[span.start:span.end].startswith("AttributeName: id")
    span = template.span("Resources.Users.Properties.KeySchema[0].KeyType")
    assert text[span.start:span.end] == "HASH"
    # an intrinsic's arguments are located under its long form
    span = template.span("Resources.Topic.Properties.KmsMasterKeyId")
    assert text[span.start:span.end] == "!GetAtt Users.StreamArn"
    # a path that does not exist falls back to its nearest ancestor
    assert template.span("Resources.Users.Properties.Nope") == template.span("Resources.Users.Properties")


def test_paths_join_and_split():
    assert join("", "Resources") == "Resources"
    path = join(join(join("Resources", "T"), "Tags"), "a.b")
    assert path == 'Resources.T.Tags["a.b"]'
    assert parent(path) == "Resources.T.Tags"
    assert parent("Resources.T.KeySchema[10]") == "Resources.T.KeySchema"
    assert parent(join("X", 'we["ird"].')) == "X"


def test_the_monolith_reads_without_findings():
    core = ROOT / "examples" / "monolith" / "core" / "serverless.yml"
    result = read(SourceFile(core.as_posix(), core.read_text(encoding="utf-8")))
    assert result.ok and not result.diagnostics, result.diagnostics
    template = result.template
    assert (template.kind, template.service) == ("serverless", "core")
    kinds = [r.type for r in template.resources]
    assert kinds.count("AWS::DynamoDB::Table") == 23
    assert kinds.count("AWS::SQS::Queue") == 12
    users = template.resource("UsersTable")
    assert users.properties["TableName"] == Interpolated("core-{stage}-users")
    assert users.properties["TableName"].render(stage="prod") == "core-prod-users"
    assert {"Key": "service", "Value": "core"} in users.properties["Tags"]


SERVICE = """\
service: shop
provider:
  name: aws
  stage: ${opt:stage, 'dev'}
  region: eu-west-1
custom:
  prefix: ${self:service}-${self:provider.stage}
  size: 5
  limits: {read: 1}
  missing: ${self:custom.nothere, 'fallback'}
  loop: ${self:custom.loop}
resources:
  - Resources:
      A:
        Type: AWS::SQS::Queue
        Properties:
          QueueName: ${self:custom.prefix}-a
          DelaySeconds: ${self:custom.size}
          Tags: [{Key: region, Value: "${self:provider.region}"}, {Key: r, Value: "${aws:region}"}]
          Literal: "{not a placeholder}-${sls:stage}"
          Fallback: ${self:custom.missing}
          Whole: ${self:custom.limits}
          Account: arn:aws:sqs:${aws:region}:${aws:accountId}:x
  - Resources:
      B:
        Type: AWS::SNS::Topic
    Outputs:
      AArn:
        Value: !GetAtt A.Arn
        Export:
          Name: ${self:service}-${sls:stage}-AArn
"""


def test_service_variables_are_resolved_and_fragments_merged():
    result = read_text(SERVICE, "serverless.yml")
    assert result.ok, result.diagnostics
    template = result.template
    assert template.service == "shop"
    assert [r.logical_id for r in template.resources] == ["A", "B"]
    properties = template.resource("A").properties
    assert properties["QueueName"] == Interpolated("shop-{stage}-a")
    assert properties["DelaySeconds"] == 5
    assert properties["Tags"] == [{"Key": "region", "Value": "eu-west-1"}, {"Key": "r", "Value": Interpolated("{region}")}]
    assert properties["Literal"] == Interpolated("{{not a placeholder}}-{stage}")
    assert properties["Literal"].render(stage="dev") == "{not a placeholder}-dev"
    assert properties["Fallback"] == "fallback"
    assert properties["Whole"] == {"read": 1}
    assert properties["Account"] == Interpolated("arn:aws:sqs:{region}:{account}:x")
    assert template.outputs[0].export == Interpolated("shop-{stage}-AArn")
    # paths are the template's, inside `resources`
    span = template.span("Resources.A.Properties.QueueName")
    assert SERVICE[span.start:span.end] == "${self:custom.prefix}-a"


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("${env:TABLE}", "`${env:TABLE}` reads `env`, which is only known when the service is deployed"),
        ("${ssm:/a/b}", "`${ssm:/a/b}` reads `ssm`, which is only known when the service is deployed"),
        ("${self:custom.nope}", "`${self:custom.nope}` names nothing in this file"),
        ("${opt:color}", "`${opt:color}` is a command-line option"),
        ("${self:custom.loop}", "`${self:custom.loop}` refers back to itself"),
    ],
)
def test_unresolvable_variables_are_located(value, message):
    text = SERVICE.replace("${self:custom.prefix}-a", value)
    result = read_located(text, "serverless.yml")
    assert not result.ok
    ((line, column, found),) = located(result, "E0804")
    assert found == message
    assert text.splitlines()[line - 1][column - 1:].startswith(value)


@pytest.mark.parametrize(
    ("text", "code", "where", "message"),
    [
        ("Resources:\n  A:\n    Type: X\n   Properties: {}\n", "E0801", (4, 4), "invalid YAML"),
        ('{"Resources": {"A": {"Type": "X",}}}', "E0801", (1, 34), "invalid JSON"),
        ("Resources:\n  A:\n    Properties: {}\n", "E0802", (2, 3), "resource `A` has no `Type`"),
        ("Resources:\n  A:\n    Type: X\n    Propertis: {}\n", "E0802", (4, 5), "unknown resource attribute"),
        ("Resources:\n  A-b:\n    Type: X\n", "E0802", (2, 3), "logical ID `A-b` is not alphanumeric"),
        ("Resources:\n  A:\n    Type: X\n    DependsOn: {a: 1}\n", "E0802", (4, 16), "`DependsOn` must be"),
        ("Resorces: {}\n", "E0802", (1, 1), "unknown template section `Resorces`"),
        ("Resources:\n  A:\n    Type: !Reference X\n", "E0803", (3, 11), "unknown tag `!Reference`"),
        ("Resources:\n  A:\n    Type: !!python/object:os.system x\n", "E0803", (3, 11), "unknown tag"),
        ("Resources:\n  A:\n    Type: X\n  A:\n    Type: Y\n", "E0805", (4, 3), "`A` is given twice"),
        ("Outputs:\n  O: {Description: x}\nResources: {}\n", "E0802", (2, 6), "output `O` must be"),
    ],
)
def test_problems_are_located_diagnostics(text, code, where, message):
    result = read_located(text, "t.json" if text.startswith("{") else "t.yml")
    assert not result.ok
    found = located(result, code)
    assert found, result.diagnostics
    line, column, text_found = found[0]
    assert (line, column) == where
    assert text_found.startswith(message)


def test_aliases_cannot_expand_without_bound():
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 8):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]")
    result = read_text("\n".join(lines) + "\n")
    assert [d.code for d in result.diagnostics] == ["E0806"]


def test_deep_nesting_is_a_diagnostic():
    text = "Resources: " + "[" * 2000 + "]" * 2000 + "\n"
    result = read_text(text)
    assert [d.code for d in result.diagnostics] == ["E0806"]


def test_the_safe_loader_makes_no_objects():
    with pytest.raises(yaml.YAMLError):
        load_yaml("!!python/object/apply:os.system ['true']")


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=60))
def test_any_text_gives_a_result_or_diagnostics(text):
    result = read_text(text)
    assert result.template is not None or result.diagnostics
    for d in result.diagnostics:
        assert d.span is not None and 0 <= d.span.start <= len(text) + 1
