"""The parser's LALR tables as plain data, shipped in the package: no pickle, no cache.

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
``{"__int_keys__": [[k, v], ...]}`` and turned back on reading. Lark numbers
the parser's states and symbols in the order of sets (one hashed by identity),
differently in each run; ``make parser`` numbers them in an order of its own
(:func:`_numbered`), so that it writes the same file whatever the run.

The fast path (``infrac.syntax.lalr``) does not read the JSON: ``make parser``
also writes what it computes from these tables (``lalr.compile_tables``: the
states, the rules' shapes with their callbacks by name, the lexer's expression,
the keywords, the dropped tokens, the terminals' check) as Python literals in
``_fast.py`` beside this module, keyed by the grammar's text itself (compared
as it is read: no hash to compute, so the fast path imports neither
:mod:`hashlib` nor :mod:`json`). Python compiles it to bytecode once, like any
module of the package, so a process only unmarshals it (:func:`fast_tables`).
When the key does not match the grammar, the same data is computed from the
JSON (or from the grammar) instead. Lark, loaded only to report a syntax
error, still reads the JSON (:func:`load`).
"""

from __future__ import annotations

from pathlib import Path

TYPE_CHECKING = False  # typing's own constant, without importing typing
if TYPE_CHECKING:
    from typing import Any

_HERE = Path(__file__).parent  # absolute: the import system gives a module its full path
TABLES = _HERE / "infra.lark.json"
FAST = _HERE / "_fast.py"

#: The options the parser is built with, here and in ``make parser``.
OPTIONS: dict[str, Any] = {"parser": "lalr", "lexer": "contextual", "maybe_placeholders": True}


def grammar_digest(grammar: str) -> str:
    import hashlib

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
    import json

    from infrac.syntax import load_lark

    lark = load_lark()
    from lark.grammar import Rule
    from lark.lexer import TerminalDef

    data, memo = lark.Lark(grammar, **OPTIONS).memo_serialize([TerminalDef, Rule])
    data["parser"]["parser"] = _numbered(data["parser"]["parser"])
    document = {"grammar_sha256": grammar_digest(grammar), "data": encode(data), "memo": encode(memo)}
    return json.dumps(document, sort_keys=True, separators=(",", ":")) + "\n"


def _numbered(table: dict[str, Any]) -> dict[str, Any]:
    """Lark's serialized parse table with its symbols and states numbered in an order of
    their own: the symbols by name, the states in the order a breadth-first walk from the
    start state reaches them, each state's shifts taken in the order of their symbols.
    Lark numbers both in the order of sets, one of them hashed by identity, so that each
    run numbered them differently; the parser is the same whatever the numbers."""
    names = sorted(table["tokens"].values())
    symbol = {old: names.index(name) for old, name in table["tokens"].items()}
    states = table["states"]

    def ordered(state: int) -> list[tuple[int, tuple[int, Any]]]:
        """The state's actions, (symbol, (action, argument)), by the symbols' new numbers;
        the action is 0 for a shift (the argument: the next state), 1 for a reduce."""
        return sorted(states[state].items(), key=lambda item: symbol[item[0]])

    order: list[int] = []
    pending = [table["start_states"][start] for start in sorted(table["start_states"])]
    while pending:
        state = pending.pop(0)
        if state not in order:
            order.append(state)
            pending += [arg for _, (action, arg) in ordered(state) if action == 0]
    if len(order) != len(states):
        raise ValueError("a state of the parser is not reachable from its start")
    number = {old: new for new, old in enumerate(order)}
    return {
        "tokens": dict(enumerate(names)),
        "states": {
            number[old]: {symbol[s]: (action, number[arg] if action == 0 else arg) for s, (action, arg) in ordered(old)}
            for old in order
        },
        "start_states": {start: number[state] for start, state in table["start_states"].items()},
        "end_states": {start: number[state] for start, state in table["end_states"].items()},
    }


def _read(text: str) -> dict[str, Any]:
    import json

    return json.loads(text, object_hook=_decode)


def build(grammar: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """Lark's ``(data, memo)`` computed from ``grammar`` now (slower: the grammar changed
    since ``make parser``), in the form :func:`load` gives."""
    document = _read(render(grammar))
    return document["data"], document["memo"]


def load(grammar: str) -> tuple[dict[str, Any], dict[str, Any]] | None:
    """Lark's ``(data, memo)`` for ``grammar`` from the shipped tables; None when
    they are missing or were made from another grammar."""
    try:
        text = TABLES.read_text(encoding="utf-8")
    except OSError:
        return None
    document = _read(text)
    if document.get("grammar_sha256") != grammar_digest(grammar):
        return None
    return document["data"], document["memo"]


def fast_tables(grammar: str) -> dict[str, Any] | None:
    """The fast path's tables (``lalr.compile_tables``) for ``grammar`` from the
    generated ``_fast.py``; None when it is missing or was made from another grammar."""
    try:
        from infrac.syntax import _fast
    except ImportError:
        return None
    if _fast.GRAMMAR != grammar:
        return None
    return _fast.TABLES


def render_fast(tables_text: str, grammar: str) -> str:
    """The text of ``_fast.py`` for the tables file's text ``tables_text``, made from
    ``grammar``: the fast path's tables computed from the very tables Lark reads, as
    Python literals."""
    from infrac.syntax.lalr import compile_tables

    document = _read(tables_text)
    if document["grammar_sha256"] != grammar_digest(grammar):
        raise ValueError("the tables were made from another grammar: run `make parser`")
    compiled = compile_tables(document["data"], document["memo"])
    lines = [
        '"""The fast parser\'s tables (``infrac.syntax.lalr.compile_tables``) for grammar/infra.lark,',
        "as literals. Generated by `make parser` (infrac.syntax.tables) from infra.lark.json: do not edit.",
        '"""',
        "",
        "# ruff: noqa",
        "# fmt: off",
        "",
        "# the grammar these tables are for (infrac.syntax.tables.fast_tables compares it)",
        f"GRAMMAR = {grammar!r}",
        "",
        "TABLES = {",
    ]
    for key, value in compiled.items():
        if isinstance(value, dict) and key == "states":
            lines.append(f"    {key!r}: {{")
            lines += [f"        {k!r}: {v!r}," for k, v in value.items()]
            lines.append("    },")
        elif isinstance(value, list) and key == "rules":
            lines.append(f"    {key!r}: [")
            lines += [f"        {v!r}," for v in value]
            lines.append("    ],")
        else:
            lines.append(f"    {key!r}: {value!r},")
    lines.append("}")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":  # make parser
    from infrac.syntax import grammar_path

    grammar = grammar_path().read_text(encoding="utf-8")
    text = render(grammar)
    TABLES.write_text(text, encoding="utf-8")
    print(f"wrote {TABLES}")
    FAST.write_text(render_fast(text, grammar), encoding="utf-8")
    print(f"wrote {FAST}")
