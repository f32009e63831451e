"""Backends: how each target writes stages and references; what gets a file."""

from __future__ import annotations

import yaml

from infrac.backends import BuildOptions, backend
from infrac.backends.resources import ResolvedStage, ServerlessStage, StageParameter
from infrac.base.source import SourceFile
from infrac.model import Placeholder, Template
from infrac.project.pipeline import compile_sources

PROJECT = """
project shop {
  stages = [dev, prod]
}

stack data {
  table Users {
    name = "{project}-{stage}-users"
    key  = { userId: string }
    export name, arn
  }
}

stack app {
  uses data.Users { read }
}
"""


def build(target: str, text: str = PROJECT, **options) -> dict[str, dict]:
    result = compile_sources([SourceFile("main.infra", text)])
    assert result.ok, result.diagnostics
    artifacts = backend(target).render(result.program, BuildOptions(**options))
    return {a.path: yaml.safe_load(a.text) for a in artifacts}


def test_stage_parameter_uses_sub_and_escapes_literal_dollar_braces():
    style = StageParameter()
    assert style.render(Template(("plain",))) == "plain"
    assert not style.used
    assert style.render(Template(("cost ${x} ", Placeholder("stage")))) == {"Fn::Sub": "cost ${!x} ${Stage}"}
    assert style.render(Template((Placeholder("stage"),))) == {"Ref": "Stage"}
    assert style.used


def test_resolved_and_serverless_stages():
    template = Template(("a-", Placeholder("stage"), "-b"))
    assert ResolvedStage("prod").render(template) == "a-prod-b"
    assert ServerlessStage().render(template) == "a-${sls:stage}-b"
    # A literal "${" is escaped for the Serverless Framework, which would read it as a variable.
    literal = Template(("cost ${x} \\${y} ", Placeholder("stage")))
    assert ServerlessStage().render(literal) == "cost \\${x} \\\\\\${y} ${sls:stage}"
    with_account = Template(("${x}-", Placeholder("account"), "-", Placeholder("stage")))
    assert ServerlessStage().render(with_account) == {"Fn::Sub": "\\${!x}-${AWS::AccountId}-${sls:stage}"}


def test_cloudformation_template_has_a_stage_parameter_only_when_needed():
    templates = build("cloudformation")
    data = templates["data.yml"]
    assert data["Parameters"]["Stage"] == {
        "Type": "String",
        "Description": "The stage (environment) to deploy.",
        "AllowedValues": ["dev", "prod"],
        "Default": "dev",
    }
    assert data["Resources"]["Users"]["Properties"]["TableName"] == {"Fn::Sub": "shop-${Stage}-users"}
    assert data["Outputs"]["UsersArn"]["Export"]["Name"] == {"Fn::Sub": "data-${Stage}-UsersArn"}
    literal = build("cloudformation", "stack st {\n  table T {\n    name = \"fixed\"\n    key = { id: string }\n  }\n}\n")
    assert "Parameters" not in literal["st.yml"]


def test_a_resolved_stage_leaves_no_parameter():
    data = build("cloudformation", stage="prod")["data.yml"]
    assert "Parameters" not in data
    assert data["Description"] == "stack data of project shop, stage prod"
    assert data["Resources"]["Users"]["Properties"]["TableName"] == "shop-prod-users"


def test_a_consumer_only_stack_gets_its_imports_and_no_template():
    assert sorted(build("cloudformation")) == ["app.imports.yml", "data.yml", "deploy-order.json"]
    assert sorted(build("serverless")) == ["app/imports.yml", "data/serverless.yml", "serverless-compose.yml"]


def test_consumer_imports_hold_environment_statements_and_values():
    text = PROJECT.replace(
        "uses data.Users { read }",
        "uses data.Users { read }\n  environment = { USERS_TABLE: data.Users.name }\n"
        "  values = { UsersTableArn: data.Users.arn }",
    )
    imports = build("serverless", text)["app/imports.yml"]
    assert imports == {
        "environment": {"USERS_TABLE": {"Fn::ImportValue": "data-${sls:stage}-UsersName"}},
        "statements": [
            {
                "Effect": "Allow",
                "Action": [
                    "dynamodb:GetItem",
                    "dynamodb:Query",
                    "dynamodb:Scan",
                    "dynamodb:BatchGetItem",
                    "dynamodb:ConditionCheckItem",
                ],
                "Resource": [{"Fn::ImportValue": "data-${sls:stage}-UsersArn"}],
            }
        ],
        "values": {"UsersTableArn": {"Fn::ImportValue": "data-${sls:stage}-UsersArn"}},
    }


def test_deploy_order_and_compose_put_importers_after_exporters():
    order = build("cloudformation")["deploy-order.json"]
    assert order == {
        "waves": [["data"], ["app"]],
        "stacks": {
            "data": {"depends_on": [], "template": "data.yml"},
            "app": {"depends_on": ["data"], "imports": "app.imports.yml"},
        },
    }
    with_path = PROJECT.replace("uses data.Users { read }", 'uses data.Users { read }\n  path = "../../app"')
    assert build("serverless", with_path)["serverless-compose.yml"] == {
        "services": {"data": {"path": "data"}, "app": {"path": "../../app", "dependsOn": ["data"]}}
    }
    # Without a path, a consumer's own service is not known, so compose leaves it out.
    assert build("serverless")["serverless-compose.yml"] == {"services": {"data": {"path": "data"}}}


def test_serverless_service_wraps_the_same_resources():
    service = build("serverless")["data/serverless.yml"]
    assert service["service"] == "data"
    assert service["frameworkVersion"] == "3"
    assert service["provider"] == {"name": "aws", "region": "us-east-1", "stage": "${opt:stage, 'dev'}"}
    assert service["resources"]["Resources"]["Users"]["Properties"]["TableName"] == "shop-${sls:stage}-users"
    template = build("cloudformation", stage="dev")["data.yml"]
    resolved = build("serverless", stage="dev")["data/serverless.yml"]
    assert resolved["resources"]["Resources"] == template["Resources"]
    assert resolved["resources"]["Outputs"] == template["Outputs"]


def test_references_become_ref_getatt_or_import():
    text = PROJECT + """
stack config {
  resource "AWS::SSM::Parameter" Local {
    properties = { Type: "String", Value: Other.ref }
  }
  resource "AWS::SSM::Parameter" Other {
    properties = { Type: "String", Value: data.Users.arn, Name: config.Local.type }
  }
}
"""
    config = build("cloudformation", text, stage="dev")["config.yml"]["Resources"]
    assert config["Local"]["Properties"]["Value"] == {"Ref": "Other"}
    assert config["Other"]["Properties"]["Value"] == {"Fn::ImportValue": "data-dev-UsersArn"}
    assert config["Other"]["Properties"]["Name"] == {"Fn::GetAtt": ["Local", "Type"]}
