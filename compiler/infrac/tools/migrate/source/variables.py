"""The Serverless Framework's variables in a service file, resolved offline.

``${sls:stage}``, ``${opt:stage, ...}`` and ``${self:provider.stage}`` are the stage;
``${aws:region}``/``${opt:region, ...}`` the region and ``${aws:accountId}`` the account;
``${self:...}`` (``service``, ``provider.*``, ``custom.*``, any other key) is looked up in
the file and resolved in turn; a fallback (``${self:custom.x, 'default'}``) is used when the
lookup finds nothing. A string that depends on the stage, region or account becomes an
:class:`~infrac.tools.migrate.source.model.Interpolated` whose ``text`` uses the language's
placeholders (``"core-{stage}-users"``, literal braces doubled). A variable that cannot be
resolved offline (``${env:...}``, ``${ssm:...}``, ``${cf:...}``, ``${file(...)}``...) is
diagnostic E0804 at its string.

Resolving is bounded: variables that expand into each other (``a: ${self:b}${self:b}``,
``b: ${self:c}${self:c}``...) double at each step, so a service of a kilobyte could ask for
gigabytes. Every value looked at and every character written counts against
:data:`MAX_EXPANSION`; past it, resolving stops with one E0806 at the value being resolved,
and the time taken is linear in the limit.
"""

from __future__ import annotations

import json
import re

from infrac.base.source import Span
from infrac.diagnostics import Diagnostic, diagnostic
from infrac.tools.migrate.source.model import Interpolated, join, parent

TYPE_CHECKING = False  # typing's own constant, without importing typing
if TYPE_CHECKING:
    from typing import Any


_VARIABLE = re.compile(r"\$\{([^${}]*)\}")


_QUOTED = re.compile(r"""^\s*(?:'([^']*)'|"([^"]*)")\s*$""")


_NUMBER = re.compile(r"^\s*-?[0-9]{1,40}(\.[0-9]{1,40})?\s*$")


#: The most work resolving a service's variables may take: values looked at plus characters
#: written (a real service's variables write a few kilobytes).
MAX_EXPANSION = 2_000_000


class _TooLarge(Exception):
    pass


class _Placeholder(str):
    """A resolved variable that stands for a placeholder (``stage``)."""


class Resolver:
    """Resolves the framework's variables in the values of a service file."""

    def __init__(self, document: dict, locations: dict[str, Span], diagnostics: list[Diagnostic]) -> None:
        self.document = document
        self.locations = locations
        self.diagnostics = diagnostics
        self.spent = 0

    def charge(self, work: int) -> None:
        self.spent += work
        if self.spent > MAX_EXPANSION:
            raise _TooLarge

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
        if depth or self.spent > MAX_EXPANSION:
            return self._resolve(value, path, depth)
        try:
            return self._resolve(value, path, depth)
        except _TooLarge:
            if self.spent < MAX_EXPANSION + (1 << 60):
                self.spent = MAX_EXPANSION + (1 << 60)  # reported once; later values are left as written
                span = None
                while span is None and path:
                    span = self.locations.get(path)
                    path = parent(path)
                self.diagnostics.append(diagnostic(
                    "E0806", f"the service's variables expand to more than {MAX_EXPANSION:,} characters", span,
                    label="resolving stopped here",
                    hint="variables that use other variables more than once double at each step; write the value out",
                ))
            return value

    def _resolve(self, value: Any, path: str, depth: int = 0) -> Any:
        self.charge(1)
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
        self.charge(len(text))
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
        self.charge(sum(len(p) if isinstance(p, str) else len(getattr(p, "text", "")) for p in parts))
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
                return self._resolve(found, path, depth + 1)
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
