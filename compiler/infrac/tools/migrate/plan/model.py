"""What a move plan is made of (moves, steps, pins, the fate of every deployed resource, the
plan itself), and the facts every part of the planner shares: what the Serverless Framework
adds to a stack, the limits of the operations, and what the offline proof covers. The
stateful types are :mod:`infrac.cfn.stateful`'s registry.
"""

from __future__ import annotations

import re

from infrac.base.classes import frozen
from infrac.diagnostics import Diagnostic

TYPE_CHECKING = False  # typing's own constant, without importing typing
if TYPE_CHECKING:
    from typing import Any


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
    "ownership of physical resources by stacks, create, update, replacement and refused updates as AWS "
    "documents them per property, DeletionPolicy and UpdateReplacePolicy, conditions, exports in use, "
    "IMPORT change sets (importable types, nothing else changed), and the documented limits of stack "
    "refactoring (2-5 stacks, the types AWS lists, no property, parameter or condition change, one "
    "destination per resource, no stack-name dependent value, no empty stack); consumers deploy the "
    "template their service packages to."
)
AWS_ONLY = (
    "Only AWS can confirm: that AWS accepts each type for stack refactoring and resource import as its "
    "published lists say, that AWS resolves the new Fn::ImportValue references to the same "
    "values, per-service validation of properties, IAM permissions, quotas, and the time each step takes."
)


@frozen
class Move:
    type: str
    source_stack: str
    source_id: str
    destination_stack: str
    destination_id: str
    #: "refactor", "import" (retain and import), or "recreate" (deleted, then created anew:
    #: a resource that holds nothing and that neither way can move)
    how: str
    stateful: bool
    #: properties (and policies) the project changes, applied after the move
    changes: tuple[str, ...] = ()
    #: why it does not move by stack refactoring ("" when it does)
    why: str = ""


@frozen
class Fate:
    """What the plan does to one resource of a deployed stack (every one is listed): ``moves``,
    ``stays`` (unchanged), ``changes`` (in place), ``replaced``, ``deleted``, ``retained`` (left
    in the account, no longer managed), ``recreated`` (deleted, and created in its new stack), or
    ``absent`` (its condition is false at the stage: it does not exist)."""

    stack: str
    logical_id: str
    type: str
    fate: str
    #: where it goes, which properties change, why: a few words for plan.md
    detail: str = ""
    stateful: bool = False


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
    #: for an import, the lookups its identifiers need: (stack, logical ID) of each resource whose
    #: physical ID the script reads before anything moves
    lookups: tuple[tuple[str, str], ...] = ()
    #: for the consumers' step: (stack, service folder, service file) of each consumer it deploys
    services: tuple[tuple[str, str, str], ...] = ()


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
    #: how the moves go: "refactor", "import", "mixed" (some of each), or "none"
    strategy: str
    moves: tuple[Move, ...]
    steps: tuple[Step, ...]
    pins: tuple[Pin, ...]
    stays: tuple[tuple[str, str], ...]
    creates: tuple[tuple[str, str], ...]
    diagnostics: tuple[Diagnostic, ...]
    notes: tuple[str, ...] = ()
    #: every resource of every deployed stack, and what the plan does to it
    fates: tuple[Fate, ...] = ()
    #: made from input that is not what CloudFormation holds (a service file): to review, not to run
    preview: bool = False
    #: the account the deployed templates name (when one does), for the simulation
    account: str | None = None

    @property
    def refused(self) -> bool:
        from infrac.diagnostics import has_errors

        return has_errors(self.diagnostics)


def stack_name(stack: str, stage: str) -> str:
    """The deployed name of a project's stack: ``<stack>-<stage>``, as the Serverless Framework names it."""
    return f"{stack}-{stage}"
