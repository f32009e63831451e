"""Escaping for the Serverless Framework's variable syntax: the one place that does it.

The framework reads ``${...}`` in every string value of a service (and of the files it
includes) as one of its variables. Every string infrac writes for it goes through
:func:`for_serverless`, which escapes all of them but the ``Escaped`` ones, built by
:class:`~infrac.backends.resources.ServerlessStage` around infrac's own ``${sls:stage}``
with the user's text escaped by :func:`serverless_literal`. Quoting for YAML readers is
the emitter's (:mod:`infrac.backends.emit`). This module imports no YAML, so that
``infrac check`` stays light.
"""

from __future__ import annotations

import re

TYPE_CHECKING = False  # typing's own constant, without importing typing
if TYPE_CHECKING:
    from typing import Any


class Escaped(str):
    """Text already escaped for the Serverless Framework's variable syntax, with its own
    variables (``${sls:stage}``) in it: :func:`for_serverless` leaves it as it is."""


_VARIABLE = re.compile(r"(\\*)\$\{")
# After a `$`, the framework takes the next character without its escaping meaning, so a
# `$` right before `$` or a backslash cannot be followed by an escaped `${` in one string.
_HAZARD = re.compile(r"\$[$\\]")


def serverless_literal(text: str, before_variable: bool = False) -> str:
    """``text`` as the Serverless Framework reads it back literally: every ``${`` is
    preceded by a backslash, and the backslashes already before it are doubled (the
    framework reads 2k+1 backslashes and ``${`` as k backslashes and a literal ``${``).
    Exact for every text without ``$$`` or ``$\\`` (see :func:`serverless_text`).

    >>> serverless_literal("cost ${self:service} \\\\${x} $x")
    'cost \\\\${self:service} \\\\\\\\\\\\${x} $x'
    """
    escaped = _VARIABLE.sub(lambda m: m.group(1) * 2 + "\\${", text)
    if before_variable:  # infrac's own `${...}` follows: backslashes before it are doubled
        trailing = len(escaped) - len(escaped.rstrip("\\"))
        escaped += "\\" * trailing
    return escaped


def pieces(text: str) -> list[str]:
    """``text`` cut after each ``$`` that stands before ``$`` or a backslash: pieces that
    :func:`serverless_literal` writes exactly, to be joined by CloudFormation."""
    return re.split(r"(?<=\$)(?=[$\\])", text)


def has_hazard(text: str) -> bool:
    return _HAZARD.search(text) is not None


def serverless_text(text: str) -> Any:
    """A literal string for a file the framework reads: escaped, or, when it cannot be
    written as one string, an ``Fn::Join`` of pieces that can."""
    if "$" not in text and type(text) is str:  # most text: nothing to escape
        return text
    if not has_hazard(text):
        return serverless_literal(text)
    return {"Fn::Join": ["", [serverless_literal(piece) for piece in pieces(text)]]}


def for_serverless(data: Any) -> Any:
    """A document for a file the Serverless Framework reads (a service, an included file):
    every string value escaped with :func:`serverless_text`, except the ``Escaped`` ones
    that carry infrac's own variables. Keys are left alone: the framework resolves
    variables in values only."""
    kind = type(data)
    if kind is str:
        return serverless_text(data)
    if kind is dict:
        return {key: for_serverless(value) for key, value in data.items()}
    if isinstance(data, Escaped):
        return str(data)
    if isinstance(data, str):
        return serverless_text(data)
    if isinstance(data, dict):
        return {key: for_serverless(value) for key, value in data.items()}
    if isinstance(data, (list, tuple)):
        return [for_serverless(value) for value in data]
    return data
