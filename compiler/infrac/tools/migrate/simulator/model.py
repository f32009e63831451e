"""What the simulated account records: physical resources, stacks and events, and the
refusal that undoes an operation.
"""

from __future__ import annotations

from infrac.base.classes import field, frozen, mutable

TYPE_CHECKING = False  # typing's own constant, without importing typing
if TYPE_CHECKING:
    from typing import Any


ACCOUNT_ID = "123456789012"

#: Pseudo parameters whose value differs between two stacks (stack refactoring, "Resource
#: limitations": "pseudo parameters whose values differ between the source and destination
#: stacks, such as AWS::StackName"; the stack's ID and its notification topics are its own too).
STACK_DEPENDENT = ("AWS::StackName", "AWS::StackId", "AWS::NotificationARNs")


class Refused(Exception):
    """CloudFormation refuses the operation (or rolls it back); nothing changed."""


@mutable
class PhysicalResource:
    type: str
    identifier: str
    properties: dict[str, Any]
    #: the stack that manages it, or None when it is unmanaged (retained, or never managed)
    stack: str | None
    #: the data it holds: items, messages, objects (whatever a test puts there)
    data: list[Any] = field(factory=list)
    #: monotonically increasing creation number, to tell a replacement from an update
    generation: int = 0
    #: the logical ID and stack it was created with (the system tags a refactor rewrites)
    origin: tuple[str, str] | None = None


@mutable
class StackState:
    name: str
    template: dict[str, Any]
    #: logical ID -> physical identifier
    resources: dict[str, str]
    #: output logical ID -> resolved value
    outputs: dict[str, Any]
    #: export name -> resolved value
    exports: dict[str, Any]
    #: export names it imports
    imports: set[str]


@frozen
class Event:
    """One thing an operation did, for the record: ``create``, ``update``,
    ``replace``, ``delete``, ``retain``, ``snapshot`` (deleted after a snapshot),
    ``import``, ``move``."""

    action: str
    stack: str
    logical_id: str
    type: str
    identifier: str
    detail: str = ""
