"""The parser's LALR tables as plain JSON data, shipped in the package: no pickle, no cache.

Lark can cache a parser it built, but only as a pickle, and by default in the
shared temporary folder, where another local user could plant one that runs
code when loaded. infrac instead commits the tables that Lark computes from
``grammar/infra.lark`` as JSON (``infra.lark.json`` beside this module,
written by ``make parser``), and reads them with :func:`json.loads`, which
executes nothing. The file records the SHA-256 of the grammar it was made
from; when the grammar has changed since (while it is being edited), the
parser is built from the grammar instead, which is slower but never wrong.

Lark's serialized form holds tuples and dictionaries keyed by numbers, which
JSON has not; they are written as ``{"__tuple__": [...]}`` and
``{"__int_keys__": [[k, v], ...]}`` and turned back on reading.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

TABLES = Path(__file__).resolve().parent / "infra.lark.json"

#: The options the parser is built with, here and in ``make parser``.
OPTIONS: dict[str, Any] = {"parser": "lalr", "lexer": "contextual", "maybe_placeholders": True}


def grammar_digest(grammar: str) -> str:
    return hashlib.sha256(grammar.encode("utf-8")).hexdigest()


def encode(value: Any) -> Any:
    if isinstance(value, dict):
        if all(isinstance(k, str) for k in value):
            return {k: encode(v) for k, v in value.items()}
        if not all(isinstance(k, int) and not isinstance(k, bool) for k in value):
            raise TypeError(f"cannot write keys {sorted(map(repr, value))[:3]} as JSON")
        return {"__int_keys__": [[k, encode(v)] for k, v in value.items()]}
    if isinstance(value, tuple):
        return {"__tuple__": [encode(v) for v in value]}
    if isinstance(value, list):
        return [encode(v) for v in value]
    if value is None or isinstance(value, (str, int, bool)):
        return value
    raise TypeError(f"cannot write {type(value).__name__} as JSON")


def _decode(node: dict[str, Any]) -> Any:
    if len(node) == 1:
        if "__int_keys__" in node:
            return {k: v for k, v in node["__int_keys__"]}
        if "__tuple__" in node:
            return tuple(node["__tuple__"])
    return node


def render(grammar: str) -> str:
    """The tables file's text for ``grammar``."""
    from infrac.syntax import load_lark

    lark = load_lark()
    from lark.grammar import Rule
    from lark.lexer import TerminalDef

    data, memo = lark.Lark(grammar, **OPTIONS).memo_serialize([TerminalDef, Rule])
    document = {"grammar_sha256": grammar_digest(grammar), "data": encode(data), "memo": encode(memo)}
    return json.dumps(document, sort_keys=True, separators=(",", ":")) + "\n"


def build(grammar: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """Lark's ``(data, memo)`` computed from ``grammar`` now (slower: the grammar changed
    since ``make parser``), in the form :func:`load` gives."""
    document = json.loads(render(grammar), object_hook=_decode)
    return document["data"], document["memo"]


def load(grammar: str) -> tuple[dict[str, Any], dict[str, Any]] | None:
    """Lark's ``(data, memo)`` for ``grammar`` from the shipped tables; None when
    they are missing or were made from another grammar."""
    try:
        text = TABLES.read_text(encoding="utf-8")
    except OSError:
        return None
    document = json.loads(text, object_hook=_decode)
    if document.get("grammar_sha256") != grammar_digest(grammar):
        return None
    return document["data"], document["memo"]


if __name__ == "__main__":  # make parser
    from infrac.syntax.parser import grammar_path

    TABLES.write_text(render(grammar_path().read_text(encoding="utf-8")), encoding="utf-8")
    print(f"wrote {TABLES}")
