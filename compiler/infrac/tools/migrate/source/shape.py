"""A template's plain data checked for the shape of a template and built into the model.

Unknown sections and resource attributes, a resource without a ``Type``, values of the wrong
kind where a section, a name or a policy is expected: diagnostic E0802 at the value (or its
key), and the part that cannot be read is left out of the model.
"""

from __future__ import annotations

import re

from infrac.base.source import Span
from infrac.diagnostics import Diagnostic, diagnostic
from infrac.tools.migrate.source.model import Output, Parameter, Resource, Template, join, parent

TYPE_CHECKING = False  # typing's own constant, without importing typing
if TYPE_CHECKING:
    from typing import Any


_TOP_KEYS = (
    "AWSTemplateFormatVersion", "Description", "Metadata", "Parameters", "Rules", "Mappings",
    "Conditions", "Transform", "Resources", "Outputs",
)


_RESOURCE_KEYS = (
    "Type", "Properties", "DependsOn", "Condition", "DeletionPolicy", "UpdateReplacePolicy",
    "Metadata", "CreationPolicy", "UpdatePolicy", "Version", "Description",
)


_POLICIES = ("Delete", "Retain", "Snapshot", "RetainExceptOnCreate")


#: The most resources one file may declare: ten times CloudFormation's limit per stack (500).
MAX_RESOURCES = 5000


class Shape:
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
        if len(resources) > MAX_RESOURCES:
            self.diagnostics.append(diagnostic(
                "E0806", f"the file declares {len(resources):,} resources, more than the {MAX_RESOURCES:,} read",
                self.key_at("Resources"), label="too many resources",
                hint="CloudFormation takes at most 500 resources in a stack: import the file in parts",
            ))
            return None
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
            other={k: value[k] for k in ("CreationPolicy", "UpdatePolicy", "Version", "Description") if k in value}, path=path,
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
