"""What a move plan is made of (moves, steps, pins, the plan itself), and the facts every part
of the planner shares: the stateful types, what the Serverless Framework adds to a stack,
the limits of the operations, and what the offline proof covers.
"""

from __future__ import annotations

import re

from infrac.base.classes import frozen
from infrac.diagnostics import Diagnostic

TYPE_CHECKING = False  # typing's own constant, without importing typing
if TYPE_CHECKING:
    from typing import Any


#: Types whose replacement or deletion loses data or identity that users depend on.
STATEFUL = frozenset(
    {
        "AWS::DynamoDB::Table",
        "AWS::DynamoDB::GlobalTable",
        "AWS::SQS::Queue",
        "AWS::S3::Bucket",
        "AWS::Cognito::UserPool",
        "AWS::Kinesis::Stream",
        "AWS::RDS::DBInstance",
        "AWS::RDS::DBCluster",
        "AWS::EFS::FileSystem",
        "AWS::Logs::LogGroup",
        "AWS::SecretsManager::Secret",
        "AWS::KMS::Key",
        "AWS::OpenSearchService::Domain",
        "AWS::Elasticsearch::Domain",
        "AWS::Backup::BackupVault",
        "AWS::Timestream::Table",
        "AWS::DocDB::DBCluster",
        "AWS::Neptune::DBCluster",
        "AWS::EC2::Volume",
    }
)

#: Attributes whose value is the resource's ``Ref``.
SAME_VALUE = {
    ("AWS::Events::EventBus", "Name"): "Ref",
    ("AWS::SQS::Queue", "QueueUrl"): "Ref",
    ("AWS::Cognito::UserPool", "UserPoolId"): "Ref",
    ("AWS::Cognito::UserPoolClient", "ClientId"): "Ref",
}

#: What the Serverless Framework adds to every stack it deploys: kept where it is.
FRAMEWORK_RESOURCES = ("ServerlessDeploymentBucket", "ServerlessDeploymentBucketPolicy")
FRAMEWORK_OUTPUTS = ("ServerlessDeploymentBucketName",)

#: Most templates a command can pass inline (``--template-body``); larger ones go through S3.
INLINE_TEMPLATE_BYTES = 51_200

MAX_STACKS_PER_REFACTOR = 5

#: A CloudFormation stack name (API reference, CreateStack: StackName).
STACK_NAME = re.compile(r"[A-Za-z][-A-Za-z0-9]{0,127}")

#: What the offline proof covers, and what it does not (printed and written with every plan).
SIMULATED = (
    "The plan is executed offline by infrac's CloudFormation simulator (infrac.tools.migrate.simulator): "
    "ownership of physical resources by stacks, create, update, replacement on create-only "
    "properties, DeletionPolicy and UpdateReplacePolicy, exports in use, IMPORT change sets, "
    "and the documented limits of stack refactoring (2-5 stacks, no property, parameter or "
    "condition change, one destination per resource, no stack-name dependent value, no empty stack)."
)
AWS_ONLY = (
    "Only AWS can confirm: that every type here is accepted by stack refactoring and resource import "
    "(AWS keeps its own deny-list), that AWS resolves the new Fn::ImportValue references to the same "
    "values, per-service validation of properties, IAM permissions, quotas, and the time each step takes."
)


@frozen
class Move:
    type: str
    source_stack: str
    source_id: str
    destination_stack: str
    destination_id: str
    how: str  # "refactor" or "import"
    stateful: bool
    #: properties (and policies) the project changes, applied after the move
    changes: tuple[str, ...] = ()


@frozen
class Step:
    number: int
    title: str
    operation: str  # "deploy", "refactor", "import", "consumer"
    stacks: tuple[str, ...]
    #: stack -> template (for deploy and import, one; for refactor, every stack in the operation)
    templates: dict[str, dict[str, Any]]
    effect: str
    rollback: str
    mappings: tuple[dict[str, Any], ...] = ()
    enable_stack_creation: bool = False
    resources_to_import: tuple[dict[str, Any], ...] = ()


@frozen
class Pin:
    """A consumer's resource the switch to imports would rename, and how it is kept."""

    stack: str
    function: str
    old_id: str
    new_id: str
    resource: dict[str, Any]
    statement: dict[str, Any]


@frozen
class Plan:
    stage: str
    region: str
    strategy: str
    moves: tuple[Move, ...]
    steps: tuple[Step, ...]
    pins: tuple[Pin, ...]
    stays: tuple[tuple[str, str], ...]
    creates: tuple[tuple[str, str], ...]
    diagnostics: tuple[Diagnostic, ...]
    notes: tuple[str, ...] = ()

    @property
    def refused(self) -> bool:
        from infrac.diagnostics import has_errors

        return has_errors(self.diagnostics)


def stack_name(stack: str, stage: str) -> str:
    """The deployed name of a project's stack: ``<stack>-<stage>``, as the Serverless Framework names it."""
    return f"{stack}-{stage}"
