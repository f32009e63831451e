"""The rules the simulator takes from AWS's published documentation (``infrac.cfn``: the
replacement and refused-update table, the stateful registry, the import and refactoring
lists), each tested both ways: the case AWS accepts and the case it refuses or treats
otherwise."""

from __future__ import annotations

import copy

import pytest

from infrac.tools.migrate.simulator import Account
from infrac.tools.migrate.simulator.model import Refused
from test_simulator import export, queue, table, template, with_data

KEY = [{"AttributeName": "sku", "KeyType": "HASH"}, {"AttributeName": "location", "KeyType": "RANGE"}]
ATTRIBUTES = [{"AttributeName": "sku", "AttributeType": "S"}, {"AttributeName": "location", "AttributeType": "S"},
              {"AttributeName": "updated", "AttributeType": "S"}]
BY_UPDATED = {"IndexName": "byUpdated", "KeySchema": [{"AttributeName": "sku", "KeyType": "HASH"},
                                                      {"AttributeName": "updated", "KeyType": "RANGE"}],
              "Projection": {"ProjectionType": "ALL"}}


def stock(**extra) -> dict:
    return table("stock", KeySchema=KEY, AttributeDefinitions=ATTRIBUTES, LocalSecondaryIndexes=[BY_UPDATED], **extra)


@pytest.fixture
def account() -> Account:
    return Account()


# ---- updates: in place, replaced, refused ----------------------------------------------------


def test_a_local_secondary_index_cannot_change(account):
    account.deploy("data", template({"Stock": stock()}))
    changed = copy.deepcopy(BY_UPDATED)
    changed["Projection"] = {"ProjectionType": "KEYS_ONLY"}
    with pytest.raises(Refused, match="LocalSecondaryIndexes"):
        account.deploy("data", template({"Stock": table(
            "stock", KeySchema=KEY, AttributeDefinitions=ATTRIBUTES, LocalSecondaryIndexes=[changed])}))
    assert account.resource("data", "Stock").properties["LocalSecondaryIndexes"] == [BY_UPDATED]


def test_the_same_table_with_new_tags_is_updated_in_place(account):
    account.deploy("data", template({"Stock": stock()}))
    with_data(account, "data", "Stock", "an item")
    events = account.deploy("data", template({"Stock": stock(Tags=[{"Key": "team", "Value": "warehouse"}])}))
    assert [(e.action, e.logical_id) for e in events] == [("update", "Stock")]
    assert account.resource("data", "Stock").data == ["an item"]


def pool(schema: list) -> dict:
    return {"Type": "AWS::Cognito::UserPool", "Properties": {"UserPoolName": "users", "Schema": schema}}


TIER = {"Name": "tier", "AttributeDataType": "String", "Mutable": True}


def test_an_existing_user_pool_attribute_cannot_change_through_the_array(account):
    """``Schema[*]``: the rule reaches into the array's elements."""
    account.deploy("auth", template({"Pool": pool([TIER])}))
    with pytest.raises(Refused, match="Schema"):
        account.deploy("auth", template({"Pool": pool([{**TIER, "AttributeDataType": "Number"}])}))


def test_a_user_pool_attribute_can_be_appended(account):
    account.deploy("auth", template({"Pool": pool([TIER])}))
    events = account.deploy("auth", template({"Pool": pool([TIER, {**TIER, "Name": "plan"}])}))
    assert [e.action for e in events] == ["update"]


def test_a_resource_type_cannot_change(account):
    account.deploy("data", template({"Jobs": queue("jobs")}))
    with pytest.raises(Refused, match="Update of resource type is not permitted"):
        account.deploy("data", template({"Jobs": {"Type": "AWS::SNS::Topic", "Properties": {"TopicName": "jobs"}}}))
    assert [e.action for e in account.deploy("data", template({"Jobs": queue("jobs", VisibilityTimeout=60)}))] == ["update"]


# ---- removal: what each deletion policy keeps --------------------------------------------------


@pytest.mark.parametrize("policy, kept", [("RetainExceptOnCreate", True), ("Retain", True), ("Delete", False),
                                          ("Snapshot", False)])
def test_a_table_removed_from_its_stack_is_kept_only_by_a_retaining_policy(account, policy, kept):
    """``RetainExceptOnCreate`` retains on removal (it deletes only when the creating operation
    rolls back); ``Snapshot`` on a table (no snapshots for DynamoDB) deletes it."""
    account.deploy("data", template({"Old": table("old", DeletionPolicy=policy), "Jobs": queue("jobs")}))
    with_data(account, "data", "Old", "an item")
    account.deploy("data", template({"Jobs": queue("jobs")}))
    found = account.physical.get(("AWS::DynamoDB::Table", "old"))
    assert (found is not None) == kept
    if kept:
        assert found.data == ["an item"] and found.stack is None


def volume(policy: str) -> dict:
    return {"Type": "AWS::EC2::Volume", "DeletionPolicy": policy, "Properties": {"AvailabilityZone": "eu-west-1a", "Size": 10}}


@pytest.mark.parametrize("policy, snapshots", [("Snapshot", 1), ("Delete", 0)])
def test_snapshot_keeps_a_snapshot_of_a_type_that_has_them(account, policy, snapshots):
    account.deploy("data", template({"Disk": volume(policy), "Jobs": queue("jobs")}))
    with_data(account, "data", "Disk", "blocks")
    account.deploy("data", template({"Jobs": queue("jobs")}))
    assert len(account.snapshots) == snapshots
    if snapshots:
        assert list(account.snapshots.values()) == [["blocks"]]


# ---- stack refactoring: AWS's list and the stack-dependent values ------------------------------


def monolith(account: Account, extra: dict | None = None) -> None:
    account.deploy("core", template({"Users": table("users", **(extra or {})), "Jobs": queue("jobs")}))
    with_data(account, "core", "Users", "an item")


def split(extra: dict | None = None) -> dict:
    return {"core": template({"Jobs": queue("jobs")}),
            "data": template({"Users": table("users", **(extra or {}))})}


@pytest.mark.parametrize("pseudo", ["AWS::StackName", "AWS::StackId", "AWS::NotificationARNs"])
def test_a_value_of_the_stack_keeps_a_resource_from_being_refactored(account, pseudo):
    tags = {"Tags": [{"Key": "stack", "Value": {"Fn::Join": [",", {"Ref": pseudo}]} if pseudo.endswith("ARNs")
                      else {"Ref": pseudo}}]}
    monolith(account, tags)
    with pytest.raises(Refused, match="depends on the stack"):
        account.refactor(split(tags), enable_stack_creation=True)


def test_without_a_stack_value_the_same_table_is_refactored(account):
    tags = {"Tags": [{"Key": "stack", "Value": "core-dev"}]}
    monolith(account, tags)
    events = account.refactor(split(tags), enable_stack_creation=True)
    assert [(e.action, e.stack) for e in events] == [("move", "data")]
    assert account.resource("data", "Users").data == ["an item"]


def test_a_type_outside_the_refactorable_list_is_refused_and_one_inside_moves(account):
    """AWS::SQS::QueuePolicy is NON_PROVISIONABLE: not refactorable; AWS::SQS::Queue is."""
    policy = {"Type": "AWS::SQS::QueuePolicy", "Properties": {"Queues": [{"Ref": "Jobs"}], "PolicyDocument": {}}}
    account.deploy("core", template({"Jobs": queue("jobs"), "JobsPolicy": policy, "Users": table("users")}))
    stacks = {"core": template({"Users": table("users")}),
              "queues": template({"Jobs": queue("jobs"), "JobsPolicy": policy})}
    with pytest.raises(Refused, match="AWS::SQS::QueuePolicy"):
        account.refactor(copy.deepcopy(stacks), enable_stack_creation=True)
    del stacks["queues"]["Resources"]["JobsPolicy"]
    stacks["core"]["Resources"]["JobsPolicy"] = {**policy, "Properties": {
        **policy["Properties"], "Queues": [{"Fn::ImportValue": "queues-JobsUrl"}]}}
    stacks["queues"]["Outputs"] = {"JobsUrl": export("queues-JobsUrl", {"Ref": "Jobs"})}
    events = account.refactor(stacks, enable_stack_creation=True)
    assert ("move", "queues", "Jobs") in [(e.action, e.stack, e.logical_id) for e in events]


# ---- resource import: AWS's list, and outputs left as they are ---------------------------------


def orphaned(account: Account, resource: dict, identifier: dict) -> list[dict]:
    account.deploy("old", template({"It": {**resource, "DeletionPolicy": "Retain"}, "Jobs": queue("jobs")}))
    account.deploy("old", template({"Jobs": queue("jobs")}))
    return [{"ResourceType": resource["Type"], "LogicalResourceId": "It", "ResourceIdentifier": identifier}]


def test_an_import_may_not_change_the_outputs_and_the_same_import_without_does(account):
    to_import = orphaned(account, table("users"), {"TableName": "users"})
    account.deploy("new", template({"Jobs2": queue("jobs2")}))
    retained = {"It": table("users", DeletionPolicy="Retain"), "Jobs2": queue("jobs2")}
    with pytest.raises(Refused, match="[Oo]utputs"):
        account.import_resources("new", template(retained, {"UsersArn": export("new-UsersArn", {"Fn::GetAtt": ["It", "Arn"]})}),
                                 to_import)
    events = account.import_resources("new", template(retained), to_import)
    assert [e.action for e in events] == ["import"]


def test_a_type_outside_the_import_list_is_refused(account):
    """AWS::SQS::QueuePolicy is not in AWS's list of types that support resource import."""
    policy = {"Type": "AWS::SQS::QueuePolicy", "Properties": {"Queues": ["https://sqs/jobs"], "PolicyDocument": {}}}
    account.deploy("old", template({"It": {**policy, "DeletionPolicy": "Retain"}, "Jobs": queue("jobs")}))
    identifier = account.physical_id("old", "It")
    account.deploy("old", template({"Jobs": queue("jobs")}))
    with pytest.raises(Refused, match="AWS::SQS::QueuePolicy"):
        account.import_resources("new", template({"It": {**policy, "DeletionPolicy": "Retain"}}), [
            {"ResourceType": "AWS::SQS::QueuePolicy", "LogicalResourceId": "It", "ResourceIdentifier": {"Id": identifier}}])
