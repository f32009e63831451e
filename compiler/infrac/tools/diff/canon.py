"""Template values compared by meaning, and shown as the sources write them.

Two values are equal for ``infrac diff`` when CloudFormation would deploy the same thing
from them, as far as that can be known offline:

- key order and YAML spelling do not count (``60`` and ``"60"``, ``true`` and ``"true"``:
  CloudFormation passes every scalar on as text and converts it by the property's type);
- ``Fn::Sub``, ``Fn::Join`` with an empty or fixed delimiter and plain strings are the same
  concatenation of text and references (``Fn::Sub: "a-${B}"`` is
  ``Fn::Join: ["", ["a-", {Ref: B}]]``); ``Fn::GetAtt`` is the same as a list or as
  ``A.B``; a ``Ref`` of ``AWS::NoValue`` leaves its key out;
- the stage is resolved when a stage is given (``${Stage}`` and the literal ``dev`` are
  equal for stage ``dev``), and kept as ``{stage}`` otherwise;
- ``Tags``, lists of ``{Key, Value}``, are sets (AWS keeps no order of tags).

:func:`canon` gives a value's canonical form (hashable; equal forms, equal meaning).
:func:`show` writes a value in the language's notation: ``"core-{stage}-users"`` for an
``Fn::Sub`` of the stage, ``Users.arn`` for an ``Fn::GetAtt`` of a resource of the
project, ``infrastructure-sqs.Orders.url`` for the import of its export. Pure.
"""

from __future__ import annotations

import json
import re

TYPE_CHECKING = False  # typing's own constant, without importing typing
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

#: The stage's parameter in infrac's templates (``Ref: Stage``, ``${Stage}``).
STAGE = "Stage"

#: Pseudo parameters and the language's placeholder for each, for :func:`show`.
PLACEHOLDERS = {
    STAGE: "stage",
    "AWS::Region": "aws_region",
    "AWS::AccountId": "account",
    "AWS::Partition": "partition",
    "AWS::StackName": "stack_name",
    "AWS::URLSuffix": "url_suffix",
}

_VARIABLE = re.compile(r"\$\{([^}]*)\}")


class Canon:
    """How to read values: the stage to resolve (None keeps it symbolic)."""

    def __init__(self, stage: str | None = None) -> None:
        self.stage = stage

    def __call__(self, value: Any) -> Any:
        return self.canon(value)

    def canon(self, value: Any) -> Any:
        if isinstance(value, dict):
            return self._mapping(value)
        if isinstance(value, list):
            if value and all(isinstance(v, dict) and set(v) == {"Key", "Value"} for v in value):
                return ("tags", tuple(sorted((str(self.canon(v["Key"])), _key(self.canon(v["Value"]))) for v in value)))
            return ("list", tuple(self.canon(v) for v in value))
        return scalar(value)

    def _mapping(self, value: dict) -> Any:
        if len(value) == 1:
            ((key, argument),) = value.items()
            if key == "Ref" and isinstance(argument, str):
                return self._concat([("ref", argument)])
            if key == "Fn::GetAtt":
                target = argument.split(".", 1) if isinstance(argument, str) else argument
                if isinstance(target, list) and len(target) == 2 and all(isinstance(t, str) for t in target):
                    return self._concat([("getatt", target[0], target[1])])
            if key == "Fn::Sub":
                parts = self._sub(argument)
                if parts is not None:
                    return self._concat(parts)
            if key == "Fn::Join":
                parts = self._join(argument)
                if parts is not None:
                    return self._concat(parts)
            return ("fn", key, self.canon(argument))
        return ("map", tuple(sorted(
            (k, self.canon(v)) for k, v in value.items() if not _no_value(v)
        )))

    def _sub(self, argument: Any) -> list[Any] | None:
        if isinstance(argument, str):
            text, variables = argument, {}
        elif isinstance(argument, list) and len(argument) == 2 and isinstance(argument[0], str) \
                and isinstance(argument[1], dict):
            text, variables = argument
        else:
            return None
        parts: list[Any] = []
        position = 0
        for match in _VARIABLE.finditer(text):
            parts.append(text[position:match.start()])
            position = match.end()
            name = match.group(1)
            if name.startswith("!"):
                parts.append("${" + name[1:] + "}")
            elif name in variables:
                parts.append(self.canon(variables[name]))
            elif "." in name and not name.startswith("AWS::"):
                logical_id, attribute = name.split(".", 1)
                parts.append(("getatt", logical_id, attribute))
            else:
                parts.append(("ref", name))
        parts.append(text[position:])
        return parts

    def _join(self, argument: Any) -> list[Any] | None:
        if not (isinstance(argument, list) and len(argument) == 2 and isinstance(argument[0], str)
                and isinstance(argument[1], list)):
            return None
        delimiter, items = argument
        parts: list[Any] = []
        for number, item in enumerate(items):
            if number:
                parts.append(delimiter)
            canonical = self.canon(item)
            if isinstance(canonical, tuple) and canonical[0] in ("list", "fn", "map", "tags"):
                return None  # a list-valued function: not a concatenation of text
            parts.append(canonical)
        return parts

    def _concat(self, parts: list[Any]) -> Any:
        """Text and references, adjacent texts merged; the stage resolved when one is given."""
        merged: list[Any] = []
        for part in parts:
            if isinstance(part, tuple) and part[0] == "concat":
                pieces = list(part[1])
            elif isinstance(part, tuple) and part == ("ref", STAGE) and self.stage is not None:
                pieces = [self.stage]
            else:
                pieces = [part]
            for piece in pieces:
                if isinstance(piece, str):
                    if not piece:
                        continue
                    if merged and isinstance(merged[-1], str):
                        merged[-1] += piece
                        continue
                merged.append(piece)
        if not merged:
            return ""
        if len(merged) == 1 and isinstance(merged[0], str):
            return merged[0]
        if len(merged) == 1:
            return merged[0]
        return ("concat", tuple(merged))


def scalar(value: Any) -> Any:
    """A scalar as CloudFormation passes it on: text (``True`` is ``"true"``, ``60.0`` is ``"60"``)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (int, float)):
        return str(value)
    return value


def _key(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=str)


def _no_value(value: Any) -> bool:
    return isinstance(value, dict) and value == {"Ref": "AWS::NoValue"}


def equal(a: Any, b: Any, canon: Canon) -> bool:
    return canon(a) == canon(b)


# ---- shown as the sources write them -----------------------------------------------------


class Names:
    """What :func:`show` needs to write references as the sources do: the resources of the
    stack by logical ID (``Users`` for a ``Ref`` or the attribute's name for an
    ``Fn::GetAtt``), and the exports by name (``stack.Resource.attribute``)."""

    def __init__(
        self,
        attribute: Callable[[str, str | None], str | None] | None = None,
        exports: dict[str, str] | None = None,
    ) -> None:
        #: (logical ID, Fn::GetAtt name or None for Ref) -> ``Resource.attribute``, or None
        self.attribute = attribute or (lambda logical_id, getatt: None)
        #: export name with ``{stage}`` -> ``stack.Resource.attribute``
        self.exports = exports or {}


LIMIT = 100


def show(value: Any, names: Names | None = None, limit: int = LIMIT) -> str:
    """``value`` in the language's notation, cut at ``limit`` characters.

    >>> show({"Fn::Sub": "core-${Stage}-users"})
    '"core-{stage}-users"'
    >>> show([{"AttributeName": "id", "KeyType": "HASH"}])
    '[{ AttributeName: "id", KeyType: "HASH" }]'
    >>> show(None)
    'not set'
    """
    text = _show(value, names or Names())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _show(value: Any, names: Names) -> str:
    if value is None:
        return "not set"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return scalar(value)
    if isinstance(value, str):
        return _quote(value.replace("{", "{{").replace("}", "}}"))
    if isinstance(value, list):
        return "[" + ", ".join(_show(v, names) for v in value) + "]"
    if isinstance(value, dict):
        if len(value) == 1:
            ((key, argument),) = value.items()
            shown = _function(key, argument, names)
            if shown is not None:
                return shown
        return "{ " + ", ".join(f"{_word(k)}: {_show(v, names)}" for k, v in value.items()) + " }" if value else "{}"
    return str(value)


def _function(key: str, argument: Any, names: Names) -> str | None:
    if key == "Ref" and isinstance(argument, str):
        if argument in PLACEHOLDERS:
            return '"{' + PLACEHOLDERS[argument] + '}"'
        return names.attribute(argument, None) or f"ref({argument})"
    if key == "Fn::GetAtt":
        target = argument.split(".", 1) if isinstance(argument, str) else argument
        if isinstance(target, list) and len(target) == 2:
            return names.attribute(target[0], target[1]) or f"get_att({target[0]}, {target[1]})"
    if key == "Fn::Sub" and isinstance(argument, str):
        return _quote(_placeholders(argument))
    if key == "Fn::ImportValue":
        name = _export_name(argument)
        if name is not None and name in names.exports:
            return names.exports[name]
        return f"import_value({_show(argument, names)})"
    if key == "Fn::GetStackOutput" and isinstance(argument, dict):
        return f"stack_output({_show(argument.get('StackName'), names)}, {_show(argument.get('OutputName'), names)})"
    if key.startswith("Fn::"):
        word = re.sub(r"(?<=[a-z])([A-Z])", r"_\1", key[4:]).lower()
        arguments = argument if isinstance(argument, list) else [argument]
        return f"{word}(" + ", ".join(_show(a, names) for a in arguments) + ")"
    return None


def _placeholders(text: str) -> str:
    """An ``Fn::Sub`` text with the language's placeholders: ``${Stage}`` is ``{stage}``."""
    text = text.replace("{", "{{").replace("}", "}}")

    def one(match: re.Match[str]) -> str:
        name = match.group(1)
        return "{" + PLACEHOLDERS[name] + "}" if name in PLACEHOLDERS else "${" + name + "}"

    return re.sub(r"\$\{\{([^}]*)\}\}", one, text)


def export_name(value: Any) -> str | None:
    """An export's name as the lock writes it (``{stage}`` for the stage), from a template's
    ``Export: Name`` or an ``Fn::ImportValue``'s argument; None when it is computed."""
    return _export_name(value)


def _export_name(value: Any) -> str | None:
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and set(value) == {"Fn::Sub"} and isinstance(value["Fn::Sub"], str):
        return value["Fn::Sub"].replace("${" + STAGE + "}", "{stage}")
    return None


def _quote(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


def _word(key: str) -> str:
    return key if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_-]*", key) else _quote(key)
