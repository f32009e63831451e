"""The diff as data: what changes per stack and resource (made by :mod:`.engine`, read by
:mod:`.render`, :mod:`.document` and :mod:`.annotations`)."""

from __future__ import annotations

TYPE_CHECKING = False  # typing's own constant, without importing typing
if TYPE_CHECKING:
    from typing import Any

    from infrac.tools.diff.sides import Export, Side

#: The kinds of list element that are matched by a key rather than by position.
LIST_KEYS = ("Key", "IndexName", "AttributeName", "Sid", "Id", "Name")

ADD, DELETE, MODIFY, REPLACE = "add", "delete", "modify", "replace"


class Keyed:
    """A path segment that picks the element of a list whose ``field`` is ``value``; ``index``
    is its place in the list that has it (the new one, unless it is removed)."""

    __slots__ = ("field", "value", "index")

    def __init__(self, field: str, value: Any, index: int = 0) -> None:
        self.field, self.value, self.index = field, value, index

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Keyed) and (self.field, self.value) == (other.field, other.value)

    def __hash__(self) -> int:
        return hash((self.field, str(self.value)))

    def __repr__(self) -> str:
        return f"Keyed({self.field!r}, {self.value!r})"


class Item:
    """A path segment for an element added to or removed from a list whose elements are
    not keyed: the element's value, and its index in the list that has it."""

    __slots__ = ("value", "index")

    def __init__(self, value: Any, index: int) -> None:
        self.value, self.index = value, index

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Item) and (self.value, self.index) == (other.value, other.index)

    def __hash__(self) -> int:
        return hash(self.index)

    def __repr__(self) -> str:
        return f"Item({self.value!r}, {self.index})"


class Change:
    """One value that changes: at ``path`` (keys, list indexes, :class:`Keyed`), from ``old``
    to ``new`` (None: absent). ``why`` says why a value that reads the same changes
    (a reference to a replaced resource). ``source`` is set by :mod:`.blame`."""

    __slots__ = ("path", "old", "new", "why", "source")

    def __init__(self, path: tuple[Any, ...], old: Any, new: Any, why: str = "") -> None:
        self.path, self.old, self.new, self.why = path, old, new, why
        self.source = None


class ResourceDiff:
    __slots__ = ("action", "logical_id", "type", "old_type", "resource", "changes", "replacing", "certain",
                 "lost", "data_lost", "retained", "refused", "renamed_from", "cause", "document", "old_document",
                 "source", "in_use")

    def __init__(self, action: str, logical_id: str, type_name: str, resource: str | None = None) -> None:
        self.action, self.logical_id, self.type, self.resource = action, logical_id, type_name, resource
        self.old_type = type_name
        self.changes: list[Change] = []
        #: the create-only properties that change (``the type``, ``the logical ID`` too)
        self.replacing: list[str] = []
        #: False when every trigger is a conditional create-only property: "may replace"
        self.certain = True
        #: what is lost: ``data``, ``ARN``, ``URL``, ``ID``, ``name``
        self.lost: list[str] = []
        self.data_lost = ""
        #: the old resource is kept in the account (a Retain policy)
        self.retained = False
        #: why CloudFormation would refuse the change, or ""
        self.refused = ""
        #: the resource's exports that other stacks import, whose values a replacement changes
        self.in_use: list[tuple[str, list[str]]] = []
        self.renamed_from: str | None = None
        #: the replaced resource whose new identity replaces this one, or ""
        self.cause = ""
        self.document: dict[str, Any] | None = None
        self.old_document: dict[str, Any] | None = None
        self.source = None


class ExportDiff:
    __slots__ = ("action", "name", "stack", "shown", "importers", "readers")

    def __init__(self, action: str, export: Export, importers: tuple[str, ...], readers: tuple[str, ...]) -> None:
        self.action, self.name, self.stack = action, export.name, export.stack
        self.shown = export.shown()
        self.importers, self.readers = importers, readers


class StackDiff:
    __slots__ = ("name", "action", "resources", "exports", "template", "outputs", "imports", "budget", "wave",
                 "after", "source", "known")

    def __init__(self, name: str, action: str) -> None:
        self.name, self.action = name, action
        self.resources: list[ResourceDiff] = []
        self.exports: list[ExportDiff] = []
        #: the template's sections other than Resources, as changes (outputs that carry no export)
        self.template: list[Change] = []
        #: the changes of the outputs that carry an export (shown as ``exports``)
        self.outputs: list[Change] = []
        #: a consumer's imports document, as changes
        self.imports: list[Change] = []
        #: what -> (old, new) for ``resources``, ``outputs``, ``bytes`` where it changes
        self.budget: dict[str, tuple[int | None, int | None]] = {}
        #: (old wave, new wave), 1-based, None where the stack is not in that side
        self.wave: tuple[int | None, int | None] = (None, None)
        #: (stacks it now waits for, stacks it no longer waits for)
        self.after: tuple[tuple[str, ...], tuple[str, ...]] = ((), ())
        self.source = None
        #: whether the old side knew the whole template (not only a lock's record)
        self.known = True

    @property
    def empty(self) -> bool:
        return not (self.resources or self.exports or self.template or self.outputs or self.imports or self.budget
                    or self.after[0] or self.after[1] or None not in self.wave and self.wave[0] != self.wave[1]
                    or self.action in (ADD, DELETE))


class Diff:
    __slots__ = ("old", "new", "stacks", "stage", "templates")

    def __init__(self, old: Side, new: Side, stacks: list[StackDiff]) -> None:
        self.old, self.new, self.stacks = old, new, stacks
        self.stage = new.stage
        self.templates = old.templates

    @property
    def empty(self) -> bool:
        return all(s.empty for s in self.stacks)

    def counts(self) -> dict[str, int]:
        found = {ADD: 0, MODIFY: 0, REPLACE: 0, DELETE: 0, "exports added": 0, "exports removed": 0}
        for stack in self.stacks:
            for resource in stack.resources:
                found[resource.action] += 1
            for export in stack.exports:
                if export.action in (ADD, DELETE):
                    found["exports added" if export.action == ADD else "exports removed"] += 1
        return found



def at(document: Any, path: tuple[Any, ...]) -> Any:
    """The value at ``path`` in a document (None when absent)."""
    node = document
    for part in path:
        if isinstance(part, Item):
            return part.value
        if isinstance(part, Keyed):
            if not isinstance(node, list):
                return None
            node = next((i for i in node if isinstance(i, dict) and i.get(part.field) == part.value), None)
        elif isinstance(part, int):
            node = node[part] if isinstance(node, list) and part < len(node) else None
        else:
            node = node.get(part) if isinstance(node, dict) else None
        if node is None:
            return None
    return node
