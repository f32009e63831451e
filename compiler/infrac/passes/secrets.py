"""Secrets stay secret: never exported, never in a consumer's environment, never literal.

Which attributes and properties are secrets is listed once, in
:mod:`infrac.cfn.secrets`; this pass applies the list to every resource,
whatever block declared it (a typed kind or a generic ``resource``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from infrac.cfn import secrets
from infrac.diagnostics import Diagnostic, diagnostic
from infrac.model import Call, Link, NoValue, ParameterRef, Placeholder, Program, Reference, Resource, Template
from infrac.passes.state import Compilation
from infrac.vocabulary import KINDS
from infrac.vocabulary.kinds import secret_attribute

TYPE_CHECKING = False  # typing's own constant, without importing typing
if TYPE_CHECKING:
    from typing import Any


def check(state: Compilation) -> tuple[Compilation, list[Diagnostic]]:
    program = state.program
    found: list[Diagnostic] = []
    for stack in program.stacks:
        for resource in stack.resources:
            for attribute in resource.exports:
                secret = secret_attribute(resource, attribute)
                if secret:
                    found.append(
                        diagnostic(
                            "E0610",
                            f"`{resource.name}.{attribute}` is a secret ({secret}) and cannot be exported",
                            resource.export_spans.get(attribute, resource.name_span),
                            label="a CloudFormation export is readable by every stack in the account and region",
                            hint="keep the secret in its stack: store it in Secrets Manager there, and export "
                            "the secret's ARN instead",
                        )
                    )
            found.extend(_literal_secrets(resource))
        for section, values in (("environment", stack.environment), ("values", stack.values)):
            for reference in _references(values):
                if reference.stack != stack.name:
                    continue  # imported: E0404 (not exported) or E0610 at the export says it once
                target = _target(program, reference)
                secret = secret_attribute(target, reference.attribute) if target else None
                if secret:
                    found.append(
                        diagnostic(
                            "E0610",
                            f"`{reference.resource}.{reference.attribute}` is a secret ({secret}) and cannot "
                            f"be written to `{section}`",
                            reference.span,
                            label="anyone who can read the service's configuration would read it",
                            hint="store the secret in Secrets Manager and pass the secret's ARN; the code "
                            "reads the value at run time",
                        )
                    )
    return state, found


def _target(program: Program, reference: Reference) -> Resource | None:
    stack = program.stack(reference.stack)
    return stack.resource(reference.resource) if stack else None


def _references(value: Any) -> Iterator[Reference]:
    if isinstance(value, Reference):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _references(item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _references(item)


def _literal_secrets(resource: Resource) -> list[Diagnostic]:
    """A password or key written in clear in a generic resource's properties."""
    kind = KINDS.get(resource.kind)
    if kind is None or kind.cfn_type is not None:
        return []
    type_name = resource.values.get("type")
    properties = resource.values.get("properties")
    if not isinstance(type_name, str) or not isinstance(properties, dict):
        return []
    found = []
    for path, value in _leaves(properties, ()):
        if not secrets.is_secret_property(type_name, _names(path)) or _is_safe(value):
            continue
        shown = ".".join(str(p) for p in path)
        found.append(
            diagnostic(
                "E0611",
                f"`{shown}` of `{resource.name}` is a secret written in clear",
                getattr(value, "span", None) or resource.value_spans.get("properties") or resource.name_span,
                label="this value would be stored in the template, the repository and CloudFormation",
                hint=secrets.DYNAMIC_REFERENCE_HINT,
            )
        )
    return found


def _names(path: tuple) -> tuple[str, ...]:
    return tuple(p for p in path if isinstance(p, str))


def _leaves(value: Any, path: tuple) -> Iterator[tuple[tuple, Any]]:
    """Every scalar under ``value`` with its path (map keys, list positions)."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _leaves(item, (*path, key))
    elif isinstance(value, (list, tuple)):
        for position, item in enumerate(value):
            yield from _leaves(item, (*path, position))
    else:
        yield path, value


def _is_safe(value: Any) -> bool:
    """A value known only at deploy time: a reference to another resource or a parameter, a
    dynamic reference resolved at deploy time, or a function of those."""
    if isinstance(value, (Reference, ParameterRef, NoValue, Link)) or value is None:
        return True
    if isinstance(value, Template):
        text = "".join(p if isinstance(p, str) else "x" for p in value.parts)
        if secrets.is_dynamic_reference(_SUB_VARIABLE.sub("x", text)):
            return True
        # a text built from parameters or attributes (`{"password": "${DbPassword}"}`): the
        # secret is what the deploy gives, not what is written
        return _SUB_VARIABLE.search(text) is not None or any(
            isinstance(p, (Reference, ParameterRef)) or (isinstance(p, Placeholder) and p.name not in _BUILT)
            for p in value.parts
        )
    if isinstance(value, Call):
        if value.function == "Ref":  # a pseudo parameter
            return True
        if value.function == "Fn::Join" and len(value.args) == 2 and isinstance(value.args[1], (list, tuple)):
            # a dynamic reference joined from parts: "{{resolve:secretsmanager:", Secret.ref, ":SecretString}}"
            text = "".join(_text(p) for p in value.args[1])
            if secrets.is_dynamic_reference(text):
                return True
        arguments = value.args[1:] if value.function == "Fn::If" else value.args
        return all(_is_safe(leaf) for _, leaf in _leaves(arguments, ()))
    if isinstance(value, bool):  # NoPasswordRequired = true and the like
        return True
    return False


def _text(value: Any) -> str:
    """A value's literal text, an ``x`` for what the deploy gives."""
    if isinstance(value, str):
        return value
    if isinstance(value, Template):
        return "".join(p if isinstance(p, str) else "x" for p in value.parts)
    return "x"


#: Placeholders the build fills in: what they give is in the template.
_BUILT = frozenset({"project", "stage", "stack", "region"})
#: A variable of an explicit ``Fn::Sub``'s text, kept as written: ``${DbSecret}``.
_SUB_VARIABLE = re.compile(r"\$\{[^{}]*\}")
