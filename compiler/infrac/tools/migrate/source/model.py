"""The template model every migration tool works from: a template's parameters, conditions,
resources and outputs, each value located by its template path.

:class:`Template`
    ``kind`` (``"cloudformation"`` or ``"serverless"``), ``file``, ``service`` (the
    Serverless service name), ``description``, ``parameters``, ``conditions`` (name ->
    value), ``mappings``, ``resources`` (:class:`Resource`, in file order), ``outputs``
    (:class:`Output`), ``transform``, ``rules``, ``metadata``, and ``locations``: template path -> :class:`Span`.
    ``template.span(path)`` gives the span of a value or, failing that, of its nearest
    located ancestor, ``template.key_span(path)`` that of the key holding it; ``template.resource(logical_id)`` finds a resource.

:class:`Resource`
    ``logical_id``, ``type``, ``properties`` (a dict, possibly empty), ``depends_on`` (a
    tuple of logical IDs, a single string becomes a one-item tuple), ``condition``,
    ``deletion_policy``, ``update_replace_policy``, ``metadata``, ``other`` (attributes kept
    but not modelled: ``CreationPolicy``, ``UpdatePolicy``), ``path`` (``Resources.<id>``).

:class:`Parameter`, :class:`Output`
    ``Parameter``: ``name``, ``type``, ``default``, ``allowed_values``, ``description``,
    ``constraints`` (the other keys: ``MinLength``, ``NoEcho``...), ``path``.
    ``Output``: ``name``, ``value``, ``description``, ``export`` (the export's ``Name``
    value, or None), ``condition``, ``path``.

Values
------

Values are plain data: dicts (keys in file order), lists, ``str``, ``int``, ``float``,
``bool``, ``None``, and :class:`Interpolated`. Intrinsic functions are in their long form
(``{"Ref": x}``, ``{"Fn::GetAtt": [resource, attribute]}``, ``{"Fn::Sub": ...}``); the
string form of ``Fn::GetAtt`` (``"A.B"``) is split into the list form. YAML timestamps stay
text (``AWSTemplateFormatVersion: 2010-09-09`` is a string, as AWS reads it).

A value's template path is built with :func:`join`: ``Resources.UsersTable.Properties``,
then ``KeySchema[0]``; keys that are not plain words are quoted (``Tags["a.b"]``).
For a Serverless service the paths are those of the template inside ``resources``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping

from infrac.base.classes import field, frozen
from infrac.base.source import Span
from infrac.diagnostics import Diagnostic

TYPE_CHECKING = False  # typing's own constant, without importing typing
if TYPE_CHECKING:
    from typing import Any


@frozen
class Interpolated:
    """A string that depends on the stage (or region, account), in the language's
    placeholder syntax: ``"core-{stage}-users"``; literal ``{`` and ``}`` are doubled."""

    text: str

    @property
    def placeholders(self) -> tuple[str, ...]:
        return tuple(m.group(1) for m in _PLACEHOLDER.finditer(self.text.replace("{{", "").replace("}}", "")))

    def render(self, **values: str) -> str:
        """The text with each placeholder replaced (``render(stage="dev")``)."""

        def one(match: re.Match[str]) -> str:
            token = match.group(0)
            if token in ("{{", "}}"):
                return token[0]
            return values[match.group(1)]

        return re.sub(r"\{\{|\}\}|\{([a-z_]+)\}", one, self.text)


_PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")


@frozen(hash=False)
class Parameter:
    name: str
    type: str
    default: Any = None
    allowed_values: tuple | None = None
    description: str | None = None
    constraints: dict = field(factory=dict)
    path: str = ""


@frozen(hash=False)
class Resource:
    logical_id: str
    type: str
    properties: dict = field(factory=dict)
    depends_on: tuple[str, ...] = ()
    condition: str | None = None
    deletion_policy: str | None = None
    update_replace_policy: str | None = None
    metadata: Any = None
    other: dict = field(factory=dict)
    path: str = ""

    def document(self) -> dict[str, Any]:
        """The resource's entry of a template, its values as read (placeholders kept)."""
        entry: dict[str, Any] = {"Type": self.type}
        if self.condition:
            entry["Condition"] = self.condition
        if self.depends_on:
            entry["DependsOn"] = list(self.depends_on)
        if self.deletion_policy:
            entry["DeletionPolicy"] = self.deletion_policy
        if self.update_replace_policy:
            entry["UpdateReplacePolicy"] = self.update_replace_policy
        entry.update(self.other)
        if self.metadata is not None:
            entry["Metadata"] = self.metadata
        if self.properties:
            entry["Properties"] = self.properties
        return entry


@frozen(hash=False)
class Output:
    name: str
    value: Any
    description: Any = None
    export: Any = None
    condition: str | None = None
    path: str = ""

    def document(self) -> dict[str, Any]:
        """The output's entry of a template, its values as read (placeholders kept)."""
        entry: dict[str, Any] = {"Value": self.value}
        if self.description is not None:
            entry["Description"] = self.description
        if self.export is not None:
            entry["Export"] = {"Name": self.export}
        if self.condition:
            entry["Condition"] = self.condition
        return entry


@frozen(hash=False)
class Template:
    kind: str
    file: str
    service: str | None = None
    description: Any = None
    parameters: tuple[Parameter, ...] = ()
    conditions: dict = field(factory=dict)
    mappings: dict = field(factory=dict)
    resources: tuple[Resource, ...] = ()
    outputs: tuple[Output, ...] = ()
    transform: Any = None
    #: the template's ``Rules`` and ``Metadata`` sections, as written
    rules: Any = None
    metadata: Any = None
    locations: Mapping[str, Span] = field(factory=dict, eq=False, repr=False)
    #: a service's default stage (``${opt:stage, 'dev'}`` gives ``dev``) and region, if known
    stage: str | None = None
    region: str | None = None
    #: a service's whole file as plain data, variables unresolved (to rewrite it when split)
    document: Any = field(default=None, eq=False, repr=False)
    #: the spans of the service file's values by their path in the file (``functions.api.events[0]``)
    document_locations: Mapping[str, Span] = field(factory=dict, eq=False, repr=False)

    def span(self, path: str) -> Span | None:
        """The span of the value at ``path``, or of its nearest located ancestor."""
        while path:
            found = self.locations.get(path)
            if found is not None:
                return found
            path = parent(path)
        return self.locations.get("")

    def key_span(self, path: str) -> Span | None:
        """The span of the key that holds the value at ``path`` (``UsersTable:``), or :meth:`span`."""
        return self.locations.get(path + "#key") or self.span(path)

    def resource(self, logical_id: str) -> Resource | None:
        for resource in self.resources:
            if resource.logical_id == logical_id:
                return resource
        return None


@frozen
class Read:
    template: Template | None
    diagnostics: tuple[Diagnostic, ...]

    @property
    def ok(self) -> bool:
        from infrac.diagnostics import has_errors

        return self.template is not None and not has_errors(self.diagnostics)


_WORD = re.compile(r"[A-Za-z0-9_:/@-]+")


def join(path: str, key: str | int) -> str:
    """The path of a child value.

    >>> join(join(join("Resources", "UsersTable"), "KeySchema"), 0)
    'Resources.UsersTable.KeySchema[0]'
    >>> join("Tags", "a.b")
    'Tags["a.b"]'
    """
    if isinstance(key, int):
        return f"{path}[{key}]"
    if _WORD.fullmatch(key):
        return f"{path}.{key}" if path else key
    return f"{path}[{json.dumps(key, ensure_ascii=False)}]"


def parent(path: str) -> str:
    """The path one level up (``""`` at the top).

    >>> parent("Resources.T.KeySchema[0]"), parent("Resources"), parent('Tags["a.b"]')
    ('Resources.T.KeySchema', '', 'Tags')
    """
    if path.endswith('"]'):
        i = path.rfind('["')
        while i > 0:
            try:
                json.loads(path[i + 1 : -1])
                return path[:i]
            except ValueError:
                i = path.rfind('["', 0, i)
        return ""
    if path.endswith("]"):
        return path[: path.rfind("[")]
    cut = path.rfind(".")
    return path[:cut] if cut != -1 else ""
