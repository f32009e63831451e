"""Every stack of the seed system deploys into moto's CloudFormation mock, wave by
wave, with every Fn::ImportValue resolved against the stacks deployed before.

moto does not model everything. What it cannot deploy is stubbed, and said:

- resource types moto has no CloudFormation model for (``UNSUPPORTED`` below:
  the Cognito pool, client and domain, the S3 bucket policy and the SQS queue
  policy) are left out,
  and every ``Ref``/``Fn::GetAtt`` of them becomes a stub string;
- moto's ``Ref`` of an ``AWS::Events::EventBus`` returns no name, so a ``Ref``
  of a bus is replaced by the bus's ``Name``.

The test checks the list of stubbed types against what this moto version
supports, so a moto upgrade that models more makes it fail until the list is
updated.
"""

from __future__ import annotations

import json
import warnings

import pytest

from conftest import SEED, run_infrac

boto3 = pytest.importorskip("boto3")
moto = pytest.importorskip("moto")
from moto.cloudformation.parsing import get_model_map  # noqa: E402

REGION = "eu-west-1"
UNSUPPORTED = {
    "AWS::Cognito::UserPool",
    "AWS::Cognito::UserPoolClient",
    "AWS::Cognito::UserPoolDomain",
    "AWS::S3::BucketPolicy",
    "AWS::SQS::QueuePolicy",
}
REF_BY_NAME = {"AWS::Events::EventBus": "Name"}


def stub(template: dict) -> tuple[dict, list[str]]:
    """The template as moto can deploy it, and what was stubbed."""
    resources = template["Resources"]
    removed = {k: v["Type"] for k, v in resources.items() if v["Type"] in UNSUPPORTED}
    by_name = {k: v["Properties"][REF_BY_NAME[v["Type"]]] for k, v in resources.items() if v["Type"] in REF_BY_NAME}

    def rewrite(value):
        if isinstance(value, dict):
            if set(value) == {"Ref"} and value["Ref"] in removed:
                return f"stub:{removed[value['Ref']]}:{value['Ref']}"
            if set(value) == {"Ref"} and value["Ref"] in by_name:
                return by_name[value["Ref"]]
            if set(value) == {"Fn::GetAtt"} and value["Fn::GetAtt"][0] in removed:
                logical_id, attribute = value["Fn::GetAtt"]
                return f"stub:{removed[logical_id]}:{logical_id}:{attribute}"
            return {k: rewrite(v) for k, v in value.items()}
        if isinstance(value, list):
            return [rewrite(v) for v in value]
        return value

    stubbed = {**template, "Resources": {k: rewrite(v) for k, v in resources.items() if k not in removed}}
    if "Outputs" in template:
        stubbed["Outputs"] = rewrite(template["Outputs"])
    notes = [f"{logical_id} ({kind}) left out: moto cannot deploy it" for logical_id, kind in removed.items()]
    notes += [f"Ref of {logical_id} replaced by its name: moto's Ref of a bus has none" for logical_id in by_name]
    return stubbed, notes


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> tuple[dict, dict[str, dict]]:
    tmp = tmp_path_factory.mktemp("cfn")
    process = run_infrac("build", str(SEED), "--out", str(tmp), "--stage", "dev", "--format", "json")
    assert process.returncode == 0, process.stderr
    order = json.loads((tmp / "deploy-order.json").read_text())
    templates = {
        name: json.loads((tmp / entry["template"]).read_text())
        for name, entry in order["stacks"].items()
        if "template" in entry
    }
    return order, templates


def imports_in(value) -> list[str]:
    if isinstance(value, dict):
        if set(value) == {"Fn::ImportValue"}:
            return [value["Fn::ImportValue"]]
        return [name for v in value.values() for name in imports_in(v)]
    if isinstance(value, list):
        return [name for v in value for name in imports_in(v)]
    return []


def test_the_stubbed_types_are_exactly_those_moto_lacks(built):
    _, templates = built
    used = {r["Type"] for t in templates.values() for r in t["Resources"].values()}
    assert {t for t in used if t not in get_model_map()} == UNSUPPORTED


def test_every_stack_deploys_in_order_with_every_import_resolved(built):
    order, templates = built
    deployed: list[str] = []
    with moto.mock_aws(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cloudformation = boto3.client("cloudformation", region_name=REGION)
        for wave in order["waves"]:
            for name in wave:
                if name not in templates:
                    continue
                template, notes = stub(templates[name])
                for imported in imports_in(template):
                    exporters = [n for n in deployed if imported in _exports(templates[n])]
                    assert exporters, f"{name} imports {imported}, which no stack deployed before it exports"
                    assert set(exporters) <= set(order["stacks"][name]["depends_on"])
                cloudformation.create_stack(StackName=name, TemplateBody=json.dumps(template))
                stack = cloudformation.describe_stacks(StackName=name)["Stacks"][0]
                assert stack["StackStatus"] == "CREATE_COMPLETE", (name, stack.get("StackStatusReason"), notes)
                summaries = cloudformation.list_stack_resources(StackName=name)["StackResourceSummaries"]
                assert {s["LogicalResourceId"] for s in summaries} == set(template["Resources"])
                assert all(s["ResourceStatus"] == "CREATE_COMPLETE" for s in summaries)
                deployed.append(name)
        pages = cloudformation.get_paginator("list_exports").paginate()
        exports = {e["Name"]: e["Value"] for page in pages for e in page["Exports"]}
        # Every export of every stack exists, with a real value (stubs for what moto lacks).
        expected = {name for t in templates.values() for name in _exports(t)}
        assert set(exports) == expected
        assert all(value for value in exports.values())
        # A table's imported name is the table's real name in the mock.
        dynamodb = boto3.client("dynamodb", region_name=REGION)
        assert exports["infrastructure-dynamodb-dev-UsersTableName"] == "core-dev-users"
        assert dynamodb.describe_table(TableName="core-dev-users")["Table"]["TableStatus"] == "ACTIVE"
        # The queue policy was created with the queues' imported URLs.
        sqs = boto3.client("sqs", region_name=REGION)
        url = exports["infrastructure-sqs-dev-BookingCommandsQueueUrl"]
        assert sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["FifoQueue"])["Attributes"]["FifoQueue"] == "true"
    assert deployed == [n for wave in order["waves"] for n in wave if n in templates]


def _exports(template: dict) -> set[str]:
    return {o["Export"]["Name"] for o in template.get("Outputs", {}).values()}
