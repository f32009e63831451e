"""The CloudFormation simulator that plan-move is proven against: one behaviour per test,
each rule with the case CloudFormation accepts and the case it refuses."""

from __future__ import annotations

import copy

import pytest

from infrac.tools.migrate.simulator import Account
from infrac.tools.migrate.simulator.model import Refused

KEY = [{"AttributeName": "id", "KeyType": "HASH"}]
ATTRS = [{"AttributeName": "id", "AttributeType": "S"}]


def table(name: str, **extra) -> dict:
    properties = {"TableName": name, "BillingMode": "PAY_PER_REQUEST", "KeySchema": KEY, "AttributeDefinitions": ATTRS}
    resource = {"Type": "AWS::DynamoDB::Table", "Properties": properties}
    for key in ("DeletionPolicy", "UpdateReplacePolicy"):
        if key in extra:
            resource[key] = extra.pop(key)
    properties.update(extra)
    return resource


def queue(name: str, **extra) -> dict:
    return {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": name, **extra}}


def template(resources: dict, outputs: dict | None = None, **sections) -> dict:
    result = {"Resources": resources, **sections}
    if outputs:
        result["Outputs"] = outputs
    return result


def export(name: str, value) -> dict:
    return {"Value": value, "Export": {"Name": name}}


@pytest.fixture
def account() -> Account:
    return Account()


def with_data(account: Account, stack: str, logical_id: str, *items) -> None:
    account.resource(stack, logical_id).data.extend(items)


# ---- create, update, replace, delete ------------------------------------------------------


def test_a_stack_owns_what_it_creates_by_physical_identifier(account):
    account.deploy("data", template({"Users": table("users"), "Jobs": queue("jobs")}))
    assert account.physical_id("data", "Users") == "users"
    assert account.physical_id("data", "Jobs") == "https://sqs.eu-west-1.amazonaws.com/123456789012/jobs"
    assert account.find("AWS::DynamoDB::Table", "users").stack == "data"


def test_a_named_resource_that_already_exists_cannot_be_created(account):
    account.deploy("a", template({"Users": table("users")}))
    with pytest.raises(Refused, match="users already exists"):
        account.deploy("b", template({"Users": table("users")}))
    assert "b" not in account.stacks


def test_an_update_in_place_keeps_the_physical_resource_and_its_data(account):
    account.deploy("data", template({"Users": table("users")}))
    with_data(account, "data", "Users", {"id": "u1"})
    events = account.deploy("data", template({"Users": table("users", TimeToLiveSpecification={"Enabled": False})}))
    assert [e.action for e in events] == ["update"]
    assert account.resource("data", "Users").data == [{"id": "u1"}]


def test_changing_a_create_only_property_replaces_the_resource_and_loses_its_data(account):
    account.deploy("data", template({"Users": table("users")}))
    with_data(account, "data", "Users", {"id": "u1"})
    events = account.deploy("data", template({"Users": table("users-v2")}))
    assert [e.action for e in events] == ["create", "replace"]
    assert account.find("AWS::DynamoDB::Table", "users") is None
    assert account.resource("data", "Users").data == []


def test_update_replace_policy_retain_keeps_the_replaced_resource_unmanaged(account):
    account.deploy("data", template({"Users": table("users", UpdateReplacePolicy="Retain")}))
    with_data(account, "data", "Users", {"id": "u1"})
    account.deploy("data", template({"Users": table("users-v2", UpdateReplacePolicy="Retain")}))
    old = account.find("AWS::DynamoDB::Table", "users")
    assert old.stack is None and old.data == [{"id": "u1"}]


def test_a_custom_named_resource_cannot_be_replaced(account):
    account.deploy("data", template({"Users": table("users")}))
    changed = table("users", KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}])
    with pytest.raises(Refused, match="custom-named resource requires replacing"):
        account.deploy("data", template({"Users": changed}))


def test_removing_a_resource_deletes_it_unless_retained(account):
    account.deploy("data", template({"A": table("a"), "B": table("b", DeletionPolicy="Retain"), "C": table("c")}))
    events = account.deploy("data", template({"C": table("c")}))
    assert sorted((e.action, e.logical_id) for e in events) == [("delete", "A"), ("retain", "B")]
    assert account.find("AWS::DynamoDB::Table", "a") is None
    assert account.find("AWS::DynamoDB::Table", "b").stack is None


def test_deleting_a_stack_follows_each_deletion_policy(account):
    account.deploy("data", template({"A": table("a"), "B": table("b", DeletionPolicy="Retain")}))
    account.delete_stack("data")
    assert account.find("AWS::DynamoDB::Table", "a") is None
    assert account.find("AWS::DynamoDB::Table", "b").stack is None
    assert "data" not in account.stacks


def test_a_refused_operation_changes_nothing(account):
    account.deploy("data", template({"Users": table("users")}))
    before = copy.deepcopy((account.physical, account.stacks))
    with pytest.raises(Refused):
        account.deploy("data", template({"Users": table("users"), "Bad": {"Type": "AWS::SQS::Queue",
                                                                          "Properties": {"X": {"Ref": "Nope"}}}}))
    assert (account.physical, account.stacks) == before


# ---- exports and imports -------------------------------------------------------------------


def producer(value_key: str = "Arn") -> dict:
    return template({"Users": table("users")}, {"UsersArn": export("data-UsersArn", {"Fn::GetAtt": ["Users", value_key]})})


def consumer() -> dict:
    return template({"Q": queue("q", Tags=[{"Key": "t", "Value": {"Fn::ImportValue": "data-UsersArn"}}])})


def test_an_import_resolves_to_the_exported_value(account):
    account.deploy("data", producer())
    account.deploy("app", consumer())
    assert account.resource("app", "Q").properties["Tags"][0]["Value"].endswith(":table/users")
    assert account.importers("data-UsersArn") == ["app"]


def test_an_import_needs_an_existing_export(account):
    with pytest.raises(Refused, match="No export named data-UsersArn"):
        account.deploy("app", consumer())


def test_an_export_in_use_cannot_be_removed(account):
    account.deploy("data", producer())
    account.deploy("app", consumer())
    with pytest.raises(Refused, match="cannot be deleted as it is in use by app"):
        account.deploy("data", template({"Users": table("users")}))
    account.deploy("app", template({"Q": queue("q")}))  # stop importing first
    account.deploy("data", template({"Users": table("users")}))


def test_an_export_in_use_cannot_change_value(account):
    account.deploy("data", producer())
    account.deploy("app", consumer())
    with pytest.raises(Refused, match="Cannot update export data-UsersArn as it is in use by app"):
        account.deploy("data", producer("StreamArn") | {"Resources": {"Users": table(
            "users", StreamSpecification={"StreamViewType": "KEYS_ONLY"})}})


def test_a_stack_whose_export_is_imported_cannot_be_deleted(account):
    account.deploy("data", producer())
    account.deploy("app", consumer())
    with pytest.raises(Refused, match="in use by app"):
        account.delete_stack("data")
    account.delete_stack("app")
    account.delete_stack("data")


def test_an_export_name_is_unique_in_the_account(account):
    account.deploy("data", producer())
    with pytest.raises(Refused, match="already exported by stack data"):
        account.deploy("other", template({"T": table("t")}, {"O": export("data-UsersArn", "x")}))


# ---- resource import --------------------------------------------------------------------------


def orphan(account: Account) -> None:
    """``users`` exists, with data, and no stack manages it."""
    account.deploy("old", template({"Users": table("users", DeletionPolicy="Retain"), "Other": queue("o")}))
    with_data(account, "old", "Users", {"id": "u1"})
    account.deploy("old", template({"Other": queue("o")}))


TO_IMPORT = [{"ResourceType": "AWS::DynamoDB::Table", "LogicalResourceId": "Users",
              "ResourceIdentifier": {"TableName": "users"}}]


def test_import_adopts_an_unmanaged_resource_with_its_data(account):
    orphan(account)
    events = account.import_resources("new", template({"Users": table("users", DeletionPolicy="Retain")}), TO_IMPORT)
    assert [e.action for e in events] == ["import"]
    assert account.resource("new", "Users").data == [{"id": "u1"}]


def test_import_needs_a_deletion_policy(account):
    orphan(account)
    with pytest.raises(Refused, match="need a DeletionPolicy"):
        account.import_resources("new", template({"Users": table("users")}), TO_IMPORT)


def test_import_needs_the_whole_primary_identifier(account):
    orphan(account)
    wrong = [{**TO_IMPORT[0], "ResourceIdentifier": {"Arn": "arn:aws:dynamodb:::table/users"}}]
    with pytest.raises(Refused, match="identifier of AWS::DynamoDB::Table is TableName"):
        account.import_resources("new", template({"Users": table("users", DeletionPolicy="Retain")}), wrong)


def test_import_needs_an_existing_physical_resource(account):
    with pytest.raises(Refused, match="no AWS::DynamoDB::Table with identifier users exists"):
        account.import_resources("new", template({"Users": table("users", DeletionPolicy="Retain")}), TO_IMPORT)


def test_import_refuses_a_resource_another_stack_manages(account):
    account.deploy("old", template({"Users": table("users")}))
    with pytest.raises(Refused, match="already belongs to stack old"):
        account.import_resources("new", template({"Users": table("users", DeletionPolicy="Retain")}), TO_IMPORT)


def test_import_changes_nothing_else(account):
    orphan(account)
    account.deploy("new", template({"Q": queue("q")}))
    with pytest.raises(Refused, match="cannot create resources"):
        account.import_resources("new", template({"Users": table("users", DeletionPolicy="Retain"),
                                                  "Q": queue("q"), "R": queue("r")}), TO_IMPORT)
    with pytest.raises(Refused, match="cannot update resources"):
        account.import_resources("new", template({"Users": table("users", DeletionPolicy="Retain"),
                                                  "Q": queue("q", DelaySeconds=5)}), TO_IMPORT)


# ---- refactor -------------------------------------------------------------------------------------


def monolith(account: Account) -> None:
    account.deploy("core", template({
        "Users": table("users"),
        "Jobs": queue("jobs"),
        "Worker": queue("worker", Tags=[{"Key": "users", "Value": {"Fn::GetAtt": ["Users", "Arn"]}}]),
    }))
    with_data(account, "core", "Users", {"id": "u1"})
    with_data(account, "core", "Jobs", "message")


def split() -> dict:
    return {
        "core": template({"Worker": queue("worker", Tags=[{"Key": "users", "Value": {"Fn::ImportValue": "data-UsersArn"}}]),
                          "Jobs": queue("jobs")}),
        "data": template({"Users": table("users")}, {"UsersArn": export("data-UsersArn", {"Fn::GetAtt": ["Users", "Arn"]})}),
    }


def test_refactor_moves_a_resource_with_its_data_and_wires_exports(account):
    monolith(account)
    events = account.refactor(split(), enable_stack_creation=True)
    assert [(e.action, e.stack, e.logical_id) for e in events] == [("move", "data", "Users")]
    assert account.resource("data", "Users").data == [{"id": "u1"}]
    assert account.find("AWS::DynamoDB::Table", "users").stack == "data"
    assert account.importers("data-UsersArn") == ["core"]


def test_refactor_takes_two_to_five_stacks(account):
    monolith(account)
    with pytest.raises(Refused, match="2 to 5 stacks, not 1"):
        account.refactor({"core": split()["core"]})
    six = {**split(), **{f"s{i}": template({f"T{i}": table(f"t{i}")}) for i in range(4)}}
    with pytest.raises(Refused, match="2 to 5 stacks, not 6"):
        account.refactor(six, enable_stack_creation=True)


def test_refactor_creates_stacks_only_when_asked(account):
    monolith(account)
    with pytest.raises(Refused, match="set EnableStackCreation"):
        account.refactor(split())


def test_refactor_cannot_change_a_property(account):
    monolith(account)
    stacks = split()
    stacks["data"]["Resources"]["Users"]["Properties"]["PointInTimeRecoverySpecification"] = {
        "PointInTimeRecoveryEnabled": True}
    with pytest.raises(Refused, match=r"cannot change resource properties \(PointInTimeRecoverySpecification\)"):
        account.refactor(stacks, enable_stack_creation=True)
    assert account.find("AWS::DynamoDB::Table", "users").stack == "core"


def test_refactor_cannot_change_a_deletion_policy(account):
    monolith(account)
    stacks = split()
    stacks["data"]["Resources"]["Users"]["DeletionPolicy"] = "Retain"
    with pytest.raises(Refused, match="cannot change its DeletionPolicy"):
        account.refactor(stacks, enable_stack_creation=True)


def test_refactor_cannot_create_or_delete_resources(account):
    monolith(account)
    stacks = split()
    stacks["data"]["Resources"]["Extra"] = queue("extra")
    with pytest.raises(Refused, match="cannot create resources"):
        account.refactor(stacks, enable_stack_creation=True)
    stacks = split()
    del stacks["core"]["Resources"]["Jobs"]
    with pytest.raises(Refused, match="core.Jobs: a refactor cannot delete resources"):
        account.refactor(stacks, enable_stack_creation=True)


def test_refactor_cannot_add_parameters_or_conditions(account):
    monolith(account)
    stacks = split()
    stacks["data"]["Parameters"] = {"Stage": {"Type": "String", "Default": "dev"}}
    with pytest.raises(Refused, match="cannot add parameters"):
        account.refactor(stacks, enable_stack_creation=True)
    stacks = split()
    stacks["core"]["Conditions"] = {"IsProd": {"Fn::Equals": ["a", "b"]}}
    with pytest.raises(Refused, match="cannot change or add conditions"):
        account.refactor(stacks, enable_stack_creation=True)


def test_refactor_sends_a_resource_to_one_destination_only(account):
    monolith(account)
    stacks = split()
    mappings = [
        {"Source": {"StackName": "core", "LogicalResourceId": "Users"},
         "Destination": {"StackName": "data", "LogicalResourceId": "Users"}},
        {"Source": {"StackName": "core", "LogicalResourceId": "Users"},
         "Destination": {"StackName": "data", "LogicalResourceId": "Users2"}},
    ]
    with pytest.raises(Refused, match="more than one destination"):
        account.refactor(stacks, mappings, enable_stack_creation=True)


def test_refactor_may_rename_a_logical_id_with_a_mapping(account):
    monolith(account)
    stacks = split()
    stacks["data"]["Resources"] = {"UsersTable": table("users")}
    stacks["data"]["Outputs"]["UsersArn"]["Value"] = {"Fn::GetAtt": ["UsersTable", "Arn"]}
    mapping = [{"Source": {"StackName": "core", "LogicalResourceId": "Users"},
                "Destination": {"StackName": "data", "LogicalResourceId": "UsersTable"}}]
    account.refactor(stacks, mapping, enable_stack_creation=True)
    assert account.resource("data", "UsersTable").data == [{"id": "u1"}]


def test_refactor_refuses_a_value_that_depends_on_the_stack_name(account):
    account.deploy("core", template({"Users": table("users", Tags=[{"Key": "s", "Value": {"Ref": "AWS::StackName"}}]),
                                     "Jobs": queue("jobs")}))
    stacks = {"core": template({"Jobs": queue("jobs")}),
              "data": template({"Users": table("users", Tags=[{"Key": "s", "Value": "core"}])})}
    with pytest.raises(Refused, match="depends on the stack's name"):
        account.refactor(stacks, enable_stack_creation=True)


def test_refactor_refuses_unsupported_types(account):
    account.deploy("core", template({"Wait": {"Type": "AWS::CloudFormation::WaitConditionHandle"}, "Jobs": queue("jobs")}))
    stacks = {"core": template({"Jobs": queue("jobs")}),
              "other": template({"Wait": {"Type": "AWS::CloudFormation::WaitConditionHandle"}})}
    with pytest.raises(Refused, match="does not support stack refactoring"):
        account.refactor(stacks, enable_stack_creation=True)


def test_refactor_cannot_leave_a_stack_empty(account):
    account.deploy("core", template({"Users": table("users")}))
    with pytest.raises(Refused, match="core: CloudFormation does not support empty stacks"):
        account.refactor({"core": template({}), "data": template({"Users": table("users")})}, enable_stack_creation=True)


def test_refactor_keeps_an_export_in_use_by_a_stack_outside_it(account):
    account.deploy("core", template({"Users": table("users"), "Jobs": queue("jobs")},
                                    {"UsersArn": export("core-UsersArn", {"Fn::GetAtt": ["Users", "Arn"]})}))
    account.deploy("app", template({"Q": queue("q", Tags=[{"Key": "t", "Value": {"Fn::ImportValue": "core-UsersArn"}}])}))
    stacks = {"core": template({"Jobs": queue("jobs")}), "data": template({"Users": table("users")})}
    with pytest.raises(Refused, match="Export core-UsersArn cannot be deleted as it is in use by app"):
        account.refactor(stacks, enable_stack_creation=True)


def test_a_resource_whose_condition_is_false_is_not_created_and_goes_when_it_turns_false(account):
    def stack(prod: str) -> dict:
        return template({"Users": table("users"), "Audit": {**table("audit"), "Condition": "IsProd"}},
                        Parameters={"Stage": {"Type": "String", "Default": prod}},
                        Conditions={"IsProd": {"Fn::Equals": [{"Ref": "Stage"}, "prod"]}})

    account.deploy("data", stack("dev"))
    assert account.find("AWS::DynamoDB::Table", "audit") is None
    account.deploy("data", stack("prod"))
    assert account.find("AWS::DynamoDB::Table", "audit").stack == "data"
    events = account.deploy("data", stack("dev"))
    assert [(e.action, e.logical_id) for e in events] == [("delete", "Audit")]
