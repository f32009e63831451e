"""``infrac plan-move`` on small projects, one rule each: what it refuses (with a located
diagnostic, never a crash), what it keeps, and how each resource moves. Each test is a
case an operator met, run through the command line as they run it.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import assert_no_traceback, run_infrac

PROJECT = 'project shop {\n  region = "eu-west-1"\n  stages = [dev, prod]\n}\n'
TABLE = """\
    Type: AWS::DynamoDB::Table
    Properties:
      TableName: {name}
      BillingMode: PAY_PER_REQUEST
      KeySchema: [{{AttributeName: id, KeyType: HASH}}]
      AttributeDefinitions: [{{AttributeName: id, AttributeType: S}}]
"""


#: What stays in app-dev (a stack keeps at least one resource): in the project and deployed.
APP = 'stack app {\n  resource "AWS::SNS::Topic" Alerts {\n    properties = { TopicName: "alerts-dev" }\n  }\n}\n'
ALERTS = "  Alerts:\n    Type: AWS::SNS::Topic\n    Properties: {TopicName: alerts-dev}\n"


def table(name: str) -> str:
    return TABLE.format(name=name)


def block(logical_id: str, name: str, more: str = "") -> str:
    """A generic table block of the language, its physical name given."""
    return (f'  resource "AWS::DynamoDB::Table" {logical_id} {{\n'
            f'    properties = {{\n      TableName: "{name}",\n      BillingMode: "PAY_PER_REQUEST",\n'
            '      KeySchema: [{ AttributeName: "id", KeyType: "HASH" }],\n'
            '      AttributeDefinitions: [{ AttributeName: "id", AttributeType: "S" }],\n'
            f'{more}    }}\n  }}\n')


def plan(tmp_path: Path, sources: dict[str, str], deployed: dict[str, str], *flags: str):
    """Write the project (p/) and the deployed templates (deployed/STACK.yml), run plan-move."""
    (tmp_path / "p").mkdir()
    (tmp_path / "p" / "project.infra").write_text(PROJECT)
    for name, text in sources.items():
        (tmp_path / "p" / name).write_text(text)
    (tmp_path / "deployed").mkdir()
    froms = []
    for stack, text in deployed.items():
        (tmp_path / "deployed" / f"{stack}.yml").write_text(text)
        froms += ["--from", f"{stack}=deployed/{stack}.yml"]
    process = run_infrac("plan-move", "p", *froms, "--out", "plan", *flags, cwd=tmp_path)
    assert_no_traceback(process)
    return process


def document(tmp_path: Path) -> dict:
    return json.loads((tmp_path / "plan" / "plan.json").read_text())


# ---- how each resource moves -----------------------------------------------------------------


def test_one_blocked_refactor_moves_only_that_resource_by_retain_and_import(tmp_path):
    """A table tagged with its stack's name cannot be refactored; the other still is, and
    the first thing the command says is why."""
    process = plan(tmp_path, {"data.infra": "stack data {\n" + block("Users", "users-dev", '      Tags: [{ Key: "stack", Value: "app-dev" }],\n') + block("Orders", "orders-dev") + "}\n",
                              "app.infra": APP}, {
        "app-dev": "Resources:\n  Users:\n" + table("users-dev") + "      Tags: [{Key: stack, Value: !Ref AWS::StackName}]\n"
                   "  Orders:\n" + table("orders-dev") + ALERTS,
    })
    assert process.returncode == 0, process.stderr
    assert process.stdout.splitlines()[0] == (
        "`Users` (AWS::DynamoDB::Table) moves by retain and import, not by stack refactoring: a value depends on "
        "the stack (AWS::StackName)")
    hows = {m["from"]["logical_id"]: m["how"] for m in document(tmp_path)["moves"]}
    assert hows == {"Users": "import", "Orders": "refactor"}
    assert "by stack refactoring and retain-and-import" in process.stdout


def test_a_custom_resource_that_would_move_gets_a_located_refusal(tmp_path):
    process = plan(tmp_path, {"data.infra": 'stack data {\n  resource "Custom::Seed" Seed {\n'
                                            '    properties = { ServiceToken: "arn:aws:lambda:eu-west-1:123456789012:function:seed" }\n'
                                            "  }\n}\n"}, {
        "app-dev": "Resources:\n  Seed:\n    Type: Custom::Seed\n    Properties:\n"
                   "      ServiceToken: arn:aws:lambda:eu-west-1:123456789012:function:seed\n",
    })
    assert process.returncode == 1
    assert "error[E0853]: `Seed` (Custom::Seed) can be neither refactored nor imported: a custom resource runs " \
           "its provider's code" in process.stderr
    assert "--> deployed/app-dev.yml:2:3" in process.stderr
    assert not (tmp_path / "plan").exists()


# ---- every deployed resource accounted for ---------------------------------------------------


def test_a_table_the_project_retires_may_be_deleted_and_plan_md_says_so(tmp_path):
    process = plan(tmp_path, {"data.infra": 'stack data {\n  retired = { Orders: "orders moved to the ledger in March" }\n'
                                            + block("Users", "users-dev") + "}\n"}, {
        "data-dev": "Resources:\n  Users:\n" + table("users-dev") + "  Orders:\n" + table("orders-dev"),
    })
    assert process.returncode == 0, process.stderr
    fates = {(f["stack"], f["logical_id"]): f for f in document(tmp_path)["resources"]}
    assert fates[("data-dev", "Orders")]["fate"] == "deleted"
    assert "orders moved to the ledger in March" in fates[("data-dev", "Orders")]["detail"]
    assert fates[("data-dev", "Users")]["fate"] == "stays"
    markdown = (tmp_path / "plan" / "plan.md").read_text()
    assert "Orders" in markdown and "orders moved to the ledger in March" in markdown


def test_without_retired_the_same_deletion_is_refused(tmp_path):
    process = plan(tmp_path, {"data.infra": "stack data {\n" + block("Users", "users-dev") + "}\n"}, {
        "data-dev": "Resources:\n  Users:\n" + table("users-dev") + "  Orders:\n" + table("orders-dev"),
    })
    assert process.returncode == 1
    assert "error[E0850]: the plan deletes `Orders` (AWS::DynamoDB::Table) of stack `data-dev`" in process.stderr


@pytest.mark.parametrize("policy", ["RetainExceptOnCreate", "Snapshot"])
def test_retain_except_on_create_keeps_a_dropped_table_and_snapshot_deletes_it(tmp_path, policy):
    """As AWS documents them: ``RetainExceptOnCreate`` behaves like ``Retain`` except in the
    operation that created the resource, so a table removed later is kept (unmanaged);
    ``Snapshot`` on a type without snapshots (a DynamoDB table) reverts to ``Delete``."""
    process = plan(tmp_path, {"data.infra": "stack data {\n" + block("Users", "users-dev") + "}\n"}, {
        "data-dev": "Resources:\n  Users:\n" + table("users-dev")
                    + f"  Orders:\n    DeletionPolicy: {policy}\n" + table("orders-dev"),
    })
    if policy == "RetainExceptOnCreate":
        assert process.returncode == 0, process.stderr
        assert "warning[W0852]: `Orders` (AWS::DynamoDB::Table) is not in the new project; it is retained" in process.stderr
    else:
        assert process.returncode == 1
        assert "error[E0850]: the plan deletes `Orders`" in process.stderr


# ---- values as the deployed stack holds them -------------------------------------------------


def test_values_the_framework_resolved_are_not_changes(tmp_path):
    """The deployed template holds the account and stage as literals; the project writes them as
    placeholders: the same values, no change."""
    process = plan(tmp_path, {"data.infra": 'stack data {\n  resource "AWS::SNS::Topic" Alerts {\n'
                                            '    properties = { TopicName: "alerts-{stage}", Tags: [{ Key: "owner", Value: "{account}" }] }\n'
                                            '  }\n  resource "AWS::SQS::Queue" Jobs {\n'
                                            '    properties = { QueueName: "jobs-{stage}", RedriveAllowPolicy: { redrivePermission: "byQueue", sourceQueueArns: ["arn:aws:sqs:{aws_region}:{account}:other"] } }\n'
                                            "  }\n}\n"}, {
        "data-dev": "Resources:\n  Alerts:\n    Type: AWS::SNS::Topic\n    Properties:\n      TopicName: alerts-dev\n"
                    "      Tags: [{Key: owner, Value: '123456789012'}]\n"
                    "  Jobs:\n    Type: AWS::SQS::Queue\n    Properties:\n      QueueName: jobs-dev\n"
                    "      RedriveAllowPolicy: {redrivePermission: byQueue, sourceQueueArns: "
                    "['arn:aws:sqs:eu-west-1:123456789012:other']}\n",
    })
    assert process.returncode == 0, process.stderr
    fates = {f["logical_id"]: (f["fate"], f["detail"]) for f in document(tmp_path)["resources"]}
    assert fates == {"Alerts": ("stays", "unchanged"), "Jobs": ("stays", "unchanged")}


def test_a_name_computed_from_the_stack_name_is_never_silently_renamed(tmp_path):
    """Deployed as ``${AWS::StackName}-users`` in app-dev; the project writes ``{stack_name}-users``
    in data: the name would become data-dev-users, a new table."""
    process = plan(tmp_path, {"data.infra": "stack data {\n" + block("Users", "{stack_name}-users") + "}\n", "app.infra": APP}, {
        "app-dev": "Resources:\n  Users:\n" + table("!Sub ${AWS::StackName}-users") + ALERTS,
    })
    assert process.returncode == 1
    assert "error[E0851]: the new project replaces `Users` (AWS::DynamoDB::Table): TableName changes" in process.stderr


def test_the_deployed_value_of_a_stack_name_moves_with_its_resource(tmp_path):
    """The same table, the project keeping the deployed value: it moves, by retain and import
    (its deployed name depends on the stack), and keeps its name."""
    process = plan(tmp_path, {"data.infra": "stack data {\n" + block("Users", "app-dev-users") + "}\n", "app.infra": APP}, {
        "app-dev": "Resources:\n  Users:\n" + table("!Sub ${AWS::StackName}-users") + ALERTS,
    })
    assert process.returncode == 0, process.stderr
    (move,) = document(tmp_path)["moves"]
    assert move["how"] == "import"
    script = (tmp_path / "plan" / "plan.sh").read_text()
    assert "app-dev-users" in script


def test_a_resource_whose_condition_is_false_at_the_stage_is_not_moved(tmp_path):
    """``Audit`` exists only in prod; planned for dev, it does not exist and does not move."""
    deployed = ("Parameters:\n  Stage: {Type: String, Default: dev}\nConditions:\n"
                "  IsProd: !Equals [!Ref Stage, prod]\nResources:\n  Users:\n" + table("users-dev")
                + "  Audit:\n    Type: AWS::Logs::LogGroup\n    Condition: IsProd\n    Properties: {RetentionInDays: 30}\n")
    process = plan(tmp_path, {"data.infra": 'stack data {\n  conditions = { IsProd: equals("{stage}", "prod") }\n'
                                            + block("Users", "users-dev")
                                            + '  resource "AWS::Logs::LogGroup" Audit {\n    condition = IsProd\n'
                                              "    properties = { RetentionInDays: 30 }\n  }\n}\n", "app.infra": APP}, {
        "app-dev": deployed + ALERTS,
    })
    assert process.returncode == 0, process.stderr
    moves = [m["from"]["logical_id"] for m in document(tmp_path)["moves"]]
    assert moves == ["Users"]


def test_a_depends_on_across_stacks_deployed_in_the_wrong_order_is_refused_by_name(tmp_path):
    """``Alerts`` (to stack alpha) depends on ``Users`` (to stack beta); beta deploys after alpha."""
    process = plan(tmp_path, {"alpha.infra": 'stack alpha {\n  resource "AWS::SNS::Topic" Alerts {\n'
                                         '    properties = { TopicName: "alerts-dev" }\n  }\n}\n',
                              "beta.infra": "stack beta {\n" + block("Users", "users-dev") + "}\n"}, {
        "app-dev": "Resources:\n  Users:\n" + table("users-dev")
                   + "  Alerts:\n    Type: AWS::SNS::Topic\n    DependsOn: Users\n    Properties: {TopicName: alerts-dev}\n",
    })
    assert process.returncode == 1
    assert "`Alerts` depends on `Users` (DependsOn)" in process.stderr


def test_a_reference_from_a_moved_resource_to_one_that_stays_is_named(tmp_path):
    """``Alerts`` moves to data; the table it tags itself with stays in app-dev, which exports nothing."""
    process = plan(tmp_path, {"data.infra": 'stack data {\n  resource "AWS::SNS::Topic" Alerts {\n'
                                            '    properties = { TopicName: "alerts-dev", Tags: [{ Key: "table", Value: "users-dev" }] }\n'
                                            "  }\n}\n",
                              "app.infra": "stack app {\n" + block("Users", "users-dev") + "}\n"}, {
        "app-dev": "Resources:\n  Users:\n" + table("users-dev")
                   + "  Alerts:\n    Type: AWS::SNS::Topic\n    Properties:\n      TopicName: alerts-dev\n"
                     "      Tags: [{Key: table, Value: !Ref Users}]\n",
    })
    assert process.returncode == 1
    assert "refers to" in process.stderr and "stays behind in `app-dev`" in process.stderr
    assert "--map" in process.stderr


# ---- the command's folders -------------------------------------------------------------------


def test_foreign_files_in_out_are_a_diagnostic_not_a_crash(tmp_path):
    (tmp_path / "plan").mkdir()
    (tmp_path / "plan" / "notes.txt").write_text("mine\n")
    process = plan(tmp_path, {"data.infra": "stack data {\n" + block("Users", "users-dev") + "}\n"}, {
        "data-dev": "Resources:\n  Users:\n" + table("users-dev"),
    })
    assert process.returncode == 1, process.stdout
    assert "error[E0005]: `plan` holds files that infrac did not write" in process.stderr
    assert (tmp_path / "plan" / "notes.txt").read_text() == "mine\n"
