"""Every stack of the seed system deploys into moto's CloudFormation mock, wave by
wave, with every Fn::ImportValue resolved against the stacks deployed before;
and ``infrac rehearse`` reports it.

moto does not model everything; :mod:`infrac.tools.rehearse` stubs what it cannot
deploy and says so. The test pins the list of stubbed types (``UNSUPPORTED``)
against what this moto version supports, so a moto upgrade that models more
makes it fail until the list is updated.
"""

from __future__ import annotations

import json
import warnings

import pytest

from conftest import SEED, run_infrac

boto3 = pytest.importorskip("boto3")
moto = pytest.importorskip("moto")
from moto.cloudformation.parsing import get_model_map  # noqa: E402

from infrac.contract import linker
from infrac.tools import rehearse  # noqa: E402

REGION = "eu-west-1"
#: The types moto 5.2 has no CloudFormation model for, which the rehearsal leaves out.
UNSUPPORTED = {
    "AWS::Cognito::UserPool",
    "AWS::Cognito::UserPoolClient",
    "AWS::Cognito::UserPoolDomain",
    "AWS::S3::BucketPolicy",
    "AWS::SQS::QueuePolicy",
}


def stub(template: dict) -> tuple[dict, list[str]]:
    return rehearse.stub(template, set(get_model_map()))


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
                for imported in linker.imports_in(template):
                    exporters = [n for n in deployed if imported in set(rehearse.exports_in(templates[n]))]
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
        expected = {name for t in templates.values() for name in rehearse.exports_in(t)}
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


def test_rehearse_reports_every_stack_the_stubs_and_what_aws_would_refuse():
    process = run_infrac("rehearse", str(SEED))
    assert process.returncode == 0, process.stderr
    out = process.stdout
    assert "infrastructure-dynamodb: created 23 resources" in out
    assert "infrastructure-eventbridge: created 7 resources" in out
    assert "not simulated: UserPool (AWS::Cognito::UserPool): not deployed, moto has no model for it" in out
    assert "  import infrastructure-sqs-dev-BookingCommandsQueueArn = arn:aws:sqs:eu-west-1:123456789012:" in out
    assert "core: 66 imports" in out and "<missing>" not in out
    teardown = out.split("teardown, in reverse deploy order:")[1].split("what AWS would refuse")[0]
    assert teardown.index("infrastructure-eventbridge: deleted") < teardown.index("infrastructure-sqs: deleted")
    assert (
        'infrastructure-sqs: removing any of the 12 exports infrastructure-eventbridge imports, or deleting '
        'infrastructure-sqs first: "Export infrastructure-sqs-dev-BookingCommandsQueueUrl cannot be deleted as '
        'it is in use by infrastructure-eventbridge"'
    ) in out
