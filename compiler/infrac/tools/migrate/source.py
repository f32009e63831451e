"""Read a Serverless v3 service file or a CloudFormation template into one template model.

The model is what every migration tool (import, split, the move plan) works from, whatever
the input looked like:

- CloudFormation YAML, with or without short-form tags (``!Ref``, ``!GetAtt``, ``!Sub``,
  ``!If``, ``!Join``, ``!Select``, ``!Split``, ``!FindInMap``, ``!ImportValue``,
  ``!Equals``, ``!Not``, ``!And``, ``!Or``, ``!Condition``, ``!Base64``, ``!Cidr``,
  ``!GetAZs``), or JSON;
- a Serverless Framework v3 service (``serverless.yml``): its ``resources`` (a mapping or a
  list of fragments, merged), with the framework's variables resolved.

YAML is read with a safe loader only (:class:`CfnLoader`, a ``yaml.SafeLoader`` with a
constructor per short-form tag), so no input can make Python objects.

API
---

``read(source: SourceFile) -> Read``
    The one entry point. ``Read.template`` is a :class:`Template` (or None when the input
    cannot be read as one); ``Read.diagnostics`` are located diagnostics (codes E0800-E0809),
    never exceptions. Whether the file is a service or a template is decided by its content
    (a top-level ``service`` key, or ``provider``/``functions`` with ``resources``).

``decode(path, data: bytes) -> SourceFile | Diagnostic``
    The text of a file (UTF-8), or diagnostic E0800.

``load_yaml(text) -> object``
    Plain data from YAML text with :class:`CfnLoader` (short forms become long forms). For
    callers that want values without locations; raises ``yaml.YAMLError`` like PyYAML.

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

Serverless variables
--------------------

``${sls:stage}``, ``${opt:stage, ...}`` and ``${self:provider.stage}`` are the stage;
``${aws:region}``/``${opt:region, ...}`` the region and ``${aws:accountId}`` the account;
``${self:...}`` (``service``, ``provider.*``, ``custom.*``, any other key) is looked up in
the file and resolved in turn; a fallback (``${self:custom.x, 'default'}``) is used when the
lookup finds nothing. A string that depends on the stage, region or account becomes an
:class:`Interpolated` whose ``text`` uses the language's placeholders (``"core-{stage}-users"``,
literal braces doubled). A variable that cannot be resolved offline (``${env:...}``,
``${ssm:...}``, ``${cf:...}``, ``${file(...)}``...) is diagnostic E0804 at its string.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping

import yaml

from infrac.base.classes import evolve, field, frozen
from infrac.base.source import SourceFile, Span
from infrac.diagnostics import Diagnostic, diagnostic
from infrac.diagnostics.model import Label

TYPE_CHECKING = False  # typing's own constant, without importing typing
if TYPE_CHECKING:
    from typing import Any

# ---- the model ---------------------------------------------------------------------


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


@frozen(hash=False)
class Output:
    name: str
    value: Any
    description: Any = None
    export: Any = None
    condition: str | None = None
    path: str = ""


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


# ---- template paths ------------------------------------------------------------------

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


# ---- the safe loader -------------------------------------------------------------------

#: Short-form tags and the long form they stand for.
SHORT_FORMS = {
    "!Ref": "Ref",
    "!Condition": "Condition",
    "!GetAtt": "Fn::GetAtt",
    "!Sub": "Fn::Sub",
    "!If": "Fn::If",
    "!Join": "Fn::Join",
    "!Select": "Fn::Select",
    "!Split": "Fn::Split",
    "!FindInMap": "Fn::FindInMap",
    "!ImportValue": "Fn::ImportValue",
    "!Equals": "Fn::Equals",
    "!Not": "Fn::Not",
    "!And": "Fn::And",
    "!Or": "Fn::Or",
    "!Base64": "Fn::Base64",
    "!Cidr": "Fn::Cidr",
    "!GetAZs": "Fn::GetAZs",
}


class CfnLoader(yaml.SafeLoader):
    """PyYAML's safe loader, with CloudFormation's short forms turned into long forms
    and timestamps kept as text."""


def _construct_short(loader: CfnLoader, tag_suffix: str, node: yaml.Node) -> dict:
    tag = "!" + tag_suffix
    if isinstance(node, yaml.ScalarNode):
        value: Any = loader.construct_scalar(node)
        if tag == "!GetAtt":
            value = _split_getatt(value)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)
    return {SHORT_FORMS[tag]: value}


for _tag in SHORT_FORMS:
    CfnLoader.add_constructor(_tag, lambda loader, node, _t=_tag[1:]: _construct_short(loader, _t, node))
CfnLoader.add_constructor("tag:yaml.org,2002:timestamp", yaml.SafeLoader.construct_yaml_str)


def load_yaml(text: str) -> Any:
    """Plain data from YAML (or JSON) text, short forms in long form."""
    return yaml.load(text, Loader=CfnLoader)  # noqa: S506 - CfnLoader is a SafeLoader


def _split_getatt(value: Any) -> Any:
    if isinstance(value, str) and "." in value:
        head, tail = value.split(".", 1)
        return [head, tail]
    return value


# ---- reading nodes with their locations ----------------------------------------------------

#: At most this many values are read from one file (aliases can multiply a small file).
MAX_VALUES = 500_000
#: Values nest at most this deep.
MAX_DEPTH = 100


_CORE = "tag:yaml.org,2002:"
_CORE_TAGS = {"str", "int", "float", "bool", "null", "timestamp", "map", "seq"}


class _Stop(Exception):
    """Reading cannot go on; the diagnostic is already recorded."""


class _Reader:
    """Turns a composed YAML node graph into plain values, recording each value's span
    by its path and reporting problems as diagnostics."""

    def __init__(self, source: SourceFile) -> None:
        self.source = source
        self.loader = CfnLoader("")
        self.locations: dict[str, Span] = {}
        self.diagnostics: list[Diagnostic] = []
        self.count = 0

    def span(self, node: yaml.Node) -> Span:
        return Span(self.source.path, node.start_mark.index, max(node.end_mark.index, node.start_mark.index + 1))

    def error(self, code: str, message: str, span: Span | None, **kw: Any) -> None:
        self.diagnostics.append(diagnostic(code, message, span, **kw))

    def value(self, node: yaml.Node, path: str, depth: int = 0) -> Any:
        self.count += 1
        if self.count > MAX_VALUES:
            self.error(
                "E0806", f"the file holds more than {MAX_VALUES} values", self.span(node),
                label="reading stopped here",
                hint="anchors and aliases (`&a`, `*a`) may repeat a value many times; write it out instead",
            )
            raise _Stop
        if depth > MAX_DEPTH:
            self.error("E0806", f"values nest more than {MAX_DEPTH} levels deep", self.span(node), label="too deep")
            raise _Stop
        self.locations.setdefault(path, self.span(node))
        tag = node.tag
        if tag in SHORT_FORMS:
            return self.short_form(node, path, depth)
        if tag.startswith("!") or (tag.startswith(_CORE) and tag[len(_CORE):] not in _CORE_TAGS):
            shown = "!!" + tag[len(_CORE):] if tag.startswith(_CORE) else tag
            self.error(
                "E0803", f"unknown tag `{shown}`", self.span(node), label="not a CloudFormation short form",
                hint="the short forms are " + ", ".join(f"`{t}`" for t in SHORT_FORMS),
            )
            raise _Stop
        if isinstance(node, yaml.MappingNode):
            return self.mapping(node, path, depth)
        if isinstance(node, yaml.SequenceNode):
            return [self.value(item, join(path, i), depth + 1) for i, item in enumerate(node.value)]
        return self.scalar(node)

    def scalar(self, node: yaml.ScalarNode) -> Any:
        if node.tag == "tag:yaml.org,2002:timestamp":
            return node.value
        try:
            value = self.loader.construct_object(node, deep=True)
        except yaml.YAMLError as error:
            self.error("E0803", f"cannot read this value: {error.problem or error}", self.span(node))
            raise _Stop from None
        if not isinstance(value, (str, int, float, bool, type(None))):
            self.error("E0803", f"a `{node.tag}` value cannot be part of a template", self.span(node),
                       label="not text, a number, a boolean or null")
            raise _Stop
        return value

    def short_form(self, node: yaml.Node, path: str, depth: int) -> dict:
        long = SHORT_FORMS[node.tag]
        inner = join(path, long)
        if isinstance(node, yaml.ScalarNode):
            self.locations.setdefault(inner, self.span(node))
            value: Any = node.value
            if long == "Fn::GetAtt":
                value = _split_getatt(value)
        elif isinstance(node, yaml.SequenceNode):
            value = [self.value(item, join(inner, i), depth + 2) for i, item in enumerate(node.value)]
        else:
            value = self.mapping(node, inner, depth + 1)
        return {long: value}

    def mapping(self, node: yaml.MappingNode, path: str, depth: int) -> dict:
        result: dict[str, Any] = {}
        seen: dict[str, Span] = {}
        merged: list[tuple[str, Any]] = []
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                merged.extend(self.merge(value_node, path, depth))
                continue
            if not isinstance(key_node, yaml.ScalarNode):
                self.error("E0802", "a mapping key must be text", self.span(key_node), label="not a plain key")
                raise _Stop
            key = key_node.value
            if key in seen:
                self.error(
                    "E0805", f"`{key}` is given twice", self.span(key_node), label="given again here",
                    labels=[Label(seen[key], "first given here")],
                    hint="YAML and JSON readers disagree on which one wins; keep one",
                )
                continue
            seen[key] = self.span(key_node)
            child = join(path, key)
            result[key] = self.value(value_node, child, depth + 1)
            self.locations[child] = self.span(value_node)
            self.locations.setdefault(child + "#key", self.span(key_node))
        for key, value in merged:
            result.setdefault(key, value)
        if result.get("Fn::GetAtt") is not None and len(result) == 1:
            result["Fn::GetAtt"] = _split_getatt(result["Fn::GetAtt"])
        return result

    def merge(self, node: yaml.Node, path: str, depth: int) -> list[tuple[str, Any]]:
        sources = node.value if isinstance(node, yaml.SequenceNode) else [node]
        pairs: list[tuple[str, Any]] = []
        for source in sources:
            if not isinstance(source, yaml.MappingNode):
                self.error("E0802", "`<<` merges mappings only", self.span(source))
                raise _Stop
            pairs.extend(self.mapping(source, path, depth).items())
        return pairs


def _compose(source: SourceFile, diagnostics: list[Diagnostic]) -> yaml.Node | None:
    text = source.text
    stripped = text.lstrip()
    if stripped.startswith("{") or stripped.startswith("["):
        # JSON: check it as JSON first (precise errors), then read its nodes as YAML, which
        # JSON is a subset of once tabs (whitespace outside strings in JSON) become spaces.
        try:
            json.loads(text)
        except json.JSONDecodeError as error:
            diagnostics.append(diagnostic(
                "E0801", f"invalid JSON: {error.msg}", Span(source.path, error.pos, error.pos + 1),
                label=error.msg.lower(),
            ))
            return None
        text = text.replace("\t", " ")
    try:
        loader = CfnLoader(text)
        try:
            node = loader.get_single_node()
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        offset = mark.index if mark is not None else 0
        diagnostics.append(diagnostic(
            "E0801", f"invalid YAML: {error.problem or error.context}", Span(source.path, offset, offset + 1),
            label=(error.problem or "here"),
            hint="a YAML file holds one document; check the indentation and quotes around this place",
        ))
        return None
    except yaml.YAMLError as error:
        diagnostics.append(diagnostic("E0801", f"invalid YAML: {error}", Span(source.path, 0, 1)))
        return None
    except RecursionError:
        diagnostics.append(diagnostic("E0806", f"values nest more than {MAX_DEPTH} levels deep",
                                      Span(source.path, 0, 1), label="too deep"))
        return None
    return node


# ---- templates ---------------------------------------------------------------------------

_TOP_KEYS = (
    "AWSTemplateFormatVersion", "Description", "Metadata", "Parameters", "Rules", "Mappings",
    "Conditions", "Transform", "Resources", "Outputs",
)
_RESOURCE_KEYS = (
    "Type", "Properties", "DependsOn", "Condition", "DeletionPolicy", "UpdateReplacePolicy",
    "Metadata", "CreationPolicy", "UpdatePolicy",
)
_POLICIES = ("Delete", "Retain", "Snapshot", "RetainExceptOnCreate")


class _Shape:
    """Builds the model from plain data, checking the template's shape."""

    def __init__(self, file: str, locations: dict[str, Span], diagnostics: list[Diagnostic]) -> None:
        self.file = file
        self.locations = locations
        self.diagnostics = diagnostics

    def at(self, path: str) -> Span | None:
        while path:
            if path in self.locations:
                return self.locations[path]
            path = parent(path)
        return self.locations.get("")

    def key_at(self, path: str) -> Span | None:
        return self.locations.get(path + "#key") or self.at(path)

    def error(self, message: str, path: str, *, key: bool = False, label: str = "", hint: str | None = None) -> None:
        span = self.key_at(path) if key else self.at(path)
        self.diagnostics.append(diagnostic("E0802", message, span, label=label, hint=hint))

    def section(self, data: dict, name: str) -> dict:
        value = data.get(name)
        if value is None:
            return {}
        if not isinstance(value, dict):
            self.error(f"`{name}` must be a mapping", name, label="not a mapping")
            return {}
        return value

    def text(self, value: Any, path: str, what: str) -> str | None:
        if isinstance(value, str) and value:
            return value
        self.error(f"{what} must be text", path, label="not text")
        return None

    def template(self, data: Any, kind: str, service: str | None) -> Template | None:
        if not isinstance(data, dict):
            self.error("a template is a mapping with `Resources`", "", label="not a mapping")
            return None
        for key in data:
            if key not in _TOP_KEYS:
                self.error(f"unknown template section `{key}`", key, key=True, label="not a section of a template",
                           hint="the sections are " + ", ".join(f"`{k}`" for k in _TOP_KEYS))
        resources = self.section(data, "Resources")
        if "Resources" not in data and kind == "cloudformation":
            self.error("the template has no `Resources`", "", label="a template declares at least one resource")
        return Template(
            kind=kind,
            file=self.file,
            service=service,
            description=data.get("Description"),
            parameters=tuple(p for p in (self.parameter(n, v) for n, v in self.section(data, "Parameters").items()) if p),
            conditions=dict(self.section(data, "Conditions")),
            mappings=dict(self.section(data, "Mappings")),
            resources=tuple(r for r in (self.resource(n, v) for n, v in resources.items()) if r),
            outputs=tuple(o for o in (self.output(n, v) for n, v in self.section(data, "Outputs").items()) if o),
            transform=data.get("Transform"),
            rules=data.get("Rules"),
            metadata=data.get("Metadata"),
            locations=self.locations,
        )

    def parameter(self, name: str, value: Any) -> Parameter | None:
        path = join("Parameters", name)
        if not isinstance(value, dict):
            self.error(f"parameter `{name}` must be a mapping", path, label="not a mapping")
            return None
        kind = self.text(value.get("Type"), join(path, "Type") if "Type" in value else path,
                         f"the `Type` of parameter `{name}`")
        if kind is None:
            return None
        allowed = value.get("AllowedValues")
        if allowed is not None and not isinstance(allowed, list):
            self.error("`AllowedValues` must be a list", join(path, "AllowedValues"), label="not a list")
            allowed = None
        rest = {k: v for k, v in value.items() if k not in ("Type", "Default", "AllowedValues", "Description")}
        return Parameter(
            name=name, type=kind, default=value.get("Default"),
            allowed_values=tuple(allowed) if allowed is not None else None,
            description=value.get("Description"), constraints=rest, path=path,
        )

    def resource(self, logical_id: str, value: Any) -> Resource | None:
        path = join("Resources", logical_id)
        if not re.fullmatch(r"[A-Za-z0-9]+", logical_id):
            self.error(f"logical ID `{logical_id}` is not alphanumeric", path, key=True, label="not a valid logical ID")
        if not isinstance(value, dict):
            self.error(f"resource `{logical_id}` must be a mapping", path, label="not a mapping")
            return None
        for key in value:
            if key not in _RESOURCE_KEYS:
                self.error(f"unknown resource attribute `{key}`", join(path, key), key=True,
                           label="not a resource attribute",
                           hint="a resource has " + ", ".join(f"`{k}`" for k in _RESOURCE_KEYS))
        if "Type" not in value:
            self.error(f"resource `{logical_id}` has no `Type`", path, key=True, label="`Type` is missing")
            return None
        kind = self.text(value["Type"], join(path, "Type"), f"the `Type` of `{logical_id}`")
        if kind is None:
            return None
        properties = value.get("Properties") or {}
        if not isinstance(properties, dict):
            self.error("`Properties` must be a mapping", join(path, "Properties"), label="not a mapping")
            properties = {}
        depends = value.get("DependsOn", [])
        if isinstance(depends, str):
            depends = (depends,)
        elif isinstance(depends, list) and all(isinstance(d, str) for d in depends):
            depends = tuple(depends)
        else:
            self.error("`DependsOn` must be a logical ID or a list of them", join(path, "DependsOn"),
                       label="not a logical ID or a list of them")
            depends = ()
        policies = {}
        for key in ("DeletionPolicy", "UpdateReplacePolicy"):
            policy = value.get(key)
            if policy is not None and policy not in _POLICIES:
                self.error(f"`{key}` must be one of " + ", ".join(_POLICIES), join(path, key),
                           label="not a policy")
                policy = None
            policies[key] = policy
        condition = value.get("Condition")
        if condition is not None and not isinstance(condition, str):
            self.error("`Condition` must name a condition", join(path, "Condition"), label="not a condition name")
            condition = None
        return Resource(
            logical_id=logical_id, type=kind, properties=properties, depends_on=depends,
            condition=condition, deletion_policy=policies["DeletionPolicy"],
            update_replace_policy=policies["UpdateReplacePolicy"], metadata=value.get("Metadata"),
            other={k: value[k] for k in ("CreationPolicy", "UpdatePolicy") if k in value}, path=path,
        )

    def output(self, name: str, value: Any) -> Output | None:
        path = join("Outputs", name)
        if not isinstance(value, dict) or "Value" not in value:
            self.error(f"output `{name}` must be a mapping with a `Value`", path, label="`Value` is missing")
            return None
        export = value.get("Export")
        if export is not None:
            if not isinstance(export, dict) or set(export) != {"Name"}:
                self.error("`Export` must be a mapping with a `Name`", join(path, "Export"), label="not `{ Name: ... }`")
                export = None
            else:
                export = export["Name"]
        condition = value.get("Condition")
        if condition is not None and not isinstance(condition, str):
            self.error("`Condition` must name a condition", join(path, "Condition"), label="not a condition name")
            condition = None
        for key in value:
            if key not in ("Value", "Description", "Export", "Condition"):
                self.error(f"unknown output attribute `{key}`", join(path, key), key=True, label="not an output attribute")
        return Output(name=name, value=value["Value"], description=value.get("Description"), export=export,
                      condition=condition, path=path)


# ---- Serverless services ------------------------------------------------------------------

_VARIABLE = re.compile(r"\$\{([^${}]*)\}")
_QUOTED = re.compile(r"""^\s*(?:'([^']*)'|"([^"]*)")\s*$""")
_NUMBER = re.compile(r"^\s*-?[0-9]+(\.[0-9]+)?\s*$")


class _Placeholder(str):
    """A resolved variable that stands for a placeholder (``stage``)."""


class _Resolver:
    """Resolves the framework's variables in the values of a service file."""

    def __init__(self, document: dict, locations: dict[str, Span], diagnostics: list[Diagnostic]) -> None:
        self.document = document
        self.locations = locations
        self.diagnostics = diagnostics

    def error(self, message: str, path: str, hint: str | None = None) -> None:
        span = None
        while span is None and path:
            span = self.locations.get(path)
            path = parent(path)
        self.diagnostics.append(diagnostic(
            "E0804", message, span, label="cannot be resolved offline",
            hint=hint or "write the value itself, or use `${self:...}`, `${sls:stage}` or `${opt:stage, ...}`",
        ))

    def resolve(self, value: Any, path: str, depth: int = 0) -> Any:
        if isinstance(value, dict):
            return {k: self.resolve(v, join(path, k), depth) for k, v in value.items()}
        if isinstance(value, list):
            return [self.resolve(v, join(path, i), depth) for i, v in enumerate(value)]
        if isinstance(value, str) and "${" in value:
            if depth:
                return self.string(value, path, depth)
            try:
                return self.string(value, path, depth)
            except _Cycle as cycle:
                self.error(f"`${{{cycle.args[0]}}}` refers back to itself", path,
                           hint="one of the variables it uses leads back to it")
                return value
        return value

    def string(self, text: str, path: str, depth: int) -> Any:
        if depth > 20:
            raise _Cycle
        parts: list[Any] = []
        whole = _VARIABLE.fullmatch(text)
        if whole is not None:
            result = self.variable(whole.group(1), path, depth)
            if isinstance(result, _Failed):
                return text
            if isinstance(result, _Literal):
                return str(result)
            if not isinstance(result, (str, Interpolated)) or isinstance(result, _Placeholder):
                return _finish([result]) if isinstance(result, _Placeholder) else result
            if isinstance(result, str) and "${" in result:
                return self.string(result, path, depth + 1)
            return result
        position = 0
        for match in _VARIABLE.finditer(text):
            parts.append(text[position:match.start()])
            result = self.variable(match.group(1), path, depth)
            if isinstance(result, _Failed):
                return text
            if isinstance(result, (dict, list)):
                self.error(f"`${{{match.group(1)}}}` is not text and cannot be part of a string", path)
                return text
            if isinstance(result, bool):
                result = "true" if result else "false"
            elif isinstance(result, (int, float)):
                result = str(result)
            elif result is None:
                result = ""
            parts.append(result)
            position = match.end()
        parts.append(text[position:])
        if "${" in "".join(p for p in parts if isinstance(p, str) and not isinstance(p, (_Placeholder, _Literal))):
            # variables built from variables: resolve again with the inner ones filled in
            flat = "".join(p if isinstance(p, str) else "" for p in parts)
            if all(isinstance(p, str) for p in parts) and not any(isinstance(p, _Placeholder) for p in parts):
                return self.string(flat, path, depth + 1)
            self.error("a variable whose name depends on the stage cannot be resolved for every stage", path)
            return text
        return _finish(parts)

    def variable(self, expression: str, path: str, depth: int) -> Any:
        if _NOT_A_VARIABLE.match(expression):
            return _Literal("${" + expression + "}")
        choices = _split_fallbacks(expression)
        for i, choice in enumerate(choices):
            last = i == len(choices) - 1
            quoted = _QUOTED.match(choice)
            if quoted is not None:
                return quoted.group(1) if quoted.group(1) is not None else quoted.group(2)
            if _NUMBER.match(choice):
                return json.loads(choice.strip())
            found = self.source(choice.strip(), path, depth, last)
            if found is not _MISSING:
                return found
        return _Failed()

    def source(self, source: str, path: str, depth: int, last: bool) -> Any:
        if source in ("sls:stage", "opt:stage", "self:provider.stage"):
            return _Placeholder("stage")
        if source in ("aws:region", "opt:region"):
            return _Placeholder("region")
        if source == "aws:accountId":
            return _Placeholder("account")
        if source.startswith("self:"):
            key = source[5:].strip()
            if key == "service" and isinstance(self.document.get("service"), dict):
                key = "service.name"
            found = _lookup(self.document, key)
            if found is _MISSING:
                if last:
                    self.error(f"`${{{source}}}` names nothing in this file", path,
                               hint=f"add `{key}` to the file, or give a fallback: `${{{source}, 'value'}}`")
                return _MISSING
            try:
                return self.resolve(found, path, depth + 1)
            except _Cycle:
                raise _Cycle(source) from None
        if source.startswith("opt:"):
            if last:
                self.error(f"`${{{source}}}` is a command-line option", path,
                           hint="give a fallback: `${opt:name, 'value'}`")
            return _MISSING
        if last:
            name = source.split(":", 1)[0].split("(", 1)[0]
            self.error(f"`${{{source}}}` reads `{name}`, which is only known when the service is deployed", path)
        return _MISSING


class _Cycle(Exception):
    pass


class _Literal(str):
    """``${AWS::Region}``, ``${Name}``, ``${!x}``: CloudFormation's own (Fn::Sub), kept as text."""


#: What the framework leaves to CloudFormation: pseudo parameters, plain names, ``${!...}``.
_NOT_A_VARIABLE = re.compile(r"AWS::|!|[A-Za-z0-9_.]*$")


class _Failed:
    """A variable that could not be resolved; the diagnostic is recorded."""


_MISSING = object()


def _split_fallbacks(expression: str) -> list[str]:
    parts, current, quote = [], "", None
    for char in expression:
        if quote:
            current += char
            if char == quote:
                quote = None
        elif char in "'\"":
            quote = char
            current += char
        elif char == ",":
            parts.append(current)
            current = ""
        else:
            current += char
    parts.append(current)
    return [p for p in (p.strip() for p in parts) if p]


def _lookup(document: Any, dotted: str) -> Any:
    value = document
    for key in dotted.split("."):
        if isinstance(value, dict) and key in value:
            value = value[key]
        elif isinstance(value, list) and key.isdigit() and int(key) < len(value):
            value = value[int(key)]
        else:
            return _MISSING
    return value


def _finish(parts: list[Any]) -> Any:
    if not any(isinstance(p, (_Placeholder, Interpolated)) for p in parts):
        return "".join(parts)
    text = ""
    for part in parts:
        if isinstance(part, _Placeholder):
            text += "{" + str(part) + "}"
        elif isinstance(part, Interpolated):
            text += part.text
        else:
            text += part.replace("{", "{{").replace("}", "}}")
    return Interpolated(text)


def _is_service(data: Any) -> bool:
    return isinstance(data, dict) and (
        "service" in data or ("provider" in data and ("functions" in data or "resources" in data))
    )


def _service(data: dict, locations: dict[str, Span], file: str, diagnostics: list[Diagnostic]) -> Template | None:
    resolver = _Resolver(data, locations, diagnostics)
    service = data.get("service")
    if isinstance(service, dict):
        service = service.get("name")
    if not isinstance(service, str) or "${" in service:
        diagnostics.append(diagnostic("E0802", "the service has no plain `service` name",
                                      locations.get("service", locations.get("")), label="a name is needed"))
        return None
    resources = data.get("resources") or {}
    fragments: list[tuple[str, Any]]
    if isinstance(resources, list):
        fragments = [(join("resources", i), r) for i, r in enumerate(resources)]
    else:
        fragments = [("resources", resources)]
    merged: dict[str, Any] = {}
    template_locations: dict[str, Span] = {"": locations.get("resources", locations.get("", Span(file, 0, 1)))}
    for prefix, fragment in fragments:
        if not isinstance(fragment, dict):
            diagnostics.append(diagnostic("E0802", "`resources` must be a mapping (or a list of mappings)",
                                          locations.get(prefix), label="not a mapping"))
            continue
        for key, path in list(locations.items()):
            if path is not None and (key == prefix or key.startswith(prefix + ".") or key.startswith(prefix + "[")):
                rest = key[len(prefix):].lstrip(".")
                if rest:
                    template_locations.setdefault(rest, path)
        resolved = resolver.resolve(fragment, prefix)
        for section, content in resolved.items():
            if section == "extensions":
                diagnostics.append(diagnostic(
                    "E0804", "`resources.extensions` changes resources the framework generates",
                    locations.get(join(prefix, section) + "#key"), label="not read by the importer",
                    hint="move these properties into the resources themselves",
                ))
                continue
            if isinstance(content, dict) and isinstance(merged.get(section), dict):
                merged[section].update(content)
            else:
                merged[section] = content
    shape = _Shape(file, template_locations, diagnostics)
    template = shape.template(merged, "serverless", service)
    if template is None:
        return None
    provider = data.get("provider") if isinstance(data.get("provider"), dict) else {}
    stage = provider.get("stage")
    if isinstance(stage, str):
        fallback = re.fullmatch(r"\$\{opt:stage,\s*(?:'([^']*)'|\"([^\"]*)\")\s*\}", stage.strip())
        stage = (fallback.group(1) or fallback.group(2)) if fallback else (stage if "${" not in stage else None)
    region = provider.get("region")
    return evolve(
        template,
        stage=stage if isinstance(stage, str) else "dev",
        region=region if isinstance(region, str) and "${" not in region else None,
        document=data,
        document_locations=locations,
    )


# ---- the entry point -----------------------------------------------------------------------


def decode(path: str, data: bytes) -> SourceFile | Diagnostic:
    """The text of a file's bytes (UTF-8, a leading BOM allowed), or E0800 where it is not."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        return diagnostic(
            "E0800", f"`{path}` is not UTF-8 text", None, notes=[f"byte {error.start} cannot be decoded"],
            hint="save the file as UTF-8",
        )
    return SourceFile(path, text)


def read(source: SourceFile) -> Read:
    """Read one service file or template; see the module's documentation."""
    diagnostics: list[Diagnostic] = []
    node = _compose(source, diagnostics)
    if node is None:
        if not diagnostics:
            diagnostics.append(diagnostic("E0802", "the file is empty", Span(source.path, 0, 1),
                                          label="a template is a mapping with `Resources`"))
        return Read(None, tuple(diagnostics))
    reader = _Reader(source)
    try:
        data = reader.value(node, "")
    except _Stop:
        return Read(None, tuple(diagnostics + reader.diagnostics))
    diagnostics.extend(reader.diagnostics)
    reader.locations[""] = reader.span(node)
    if _is_service(data):
        template = _service(data, reader.locations, source.path, diagnostics)
    else:
        template = _Shape(source.path, reader.locations, diagnostics).template(data, "cloudformation", None)
    return Read(template, tuple(diagnostics))
