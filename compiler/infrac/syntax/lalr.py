"""A fast path for files without syntax errors: Lark's own LALR tables, driven here.

Lark's parser spends most of its time per token in general machinery this
language does not need (a contextual lexer with line counting, a parser state
object, child filters that build lists to splice them). This module drives the
same tables Lark loads (``make parser`` computes them from ``grammar/infra.lark``,
so it accepts exactly that grammar), lexes with one regular expression made of the
grammar's own terminals, and calls the same lowering, with the same children,
in the same order, as Lark's ``transformer=`` would.

What it needs of the tables (:func:`compile_tables`: the states, the rules'
shapes, the lexer's expression, the keywords) is plain data, which ``make
parser`` also writes as Python literals (``infrac/syntax/_fast.py``, see
``infrac.syntax.tables``): a process then unmarshals it from its bytecode
instead of decoding the JSON and computing it again.

It gives up (returns None) at the first thing it does not accept: a character
no terminal matches, a token the table has no action for. The caller then
parses the file with Lark, which finds the same error and reports it as
before. So every syntax diagnostic comes from the one path that always
produced it, and a file the fast path accepts is lowered to the very module
Lark's parse gives (``tests/test_syntax_fast.py`` checks both on every
``.infra`` file of the repository and on generated and mutated text).

Why one regular expression gives Lark's tokens: apart from the keywords (which
are names, retyped by their text, as Lark's lexer does), the terminals start
with different characters, so at any position at most one of them can match.
Lark's contextual lexer tries only the terminals the parser's state accepts;
the only token that changes is a keyword in a state that accepts a name but
not that keyword (``tags = { stack: "data" }``), which Lark reads as a name,
and so does the fast path: when the state it is in before reducing anything
on the token has no action for the keyword but one for a name. The
first-character property is checked when the tables are compiled (by ``make
parser``, or at load for a grammar changed since), so that a grammar change that
breaks it turns the fast path off instead of making it wrong.
"""

from __future__ import annotations

import re
from sys import intern

from infrac.syntax import ir

TYPE_CHECKING = False  # typing's own constant, without importing typing
if TYPE_CHECKING:
    from typing import Any


class FastToken:
    """What the lowering reads of a token: Lark's ``Token`` has the same four attributes."""

    __slots__ = ("type", "value", "start_pos", "end_pos")

    def __init__(self, type: str, value: str, start_pos: int, end_pos: int) -> None:
        self.type = type
        self.value = value
        self.start_pos = start_pos
        self.end_pos = end_pos

    def __repr__(self) -> str:
        return f"FastToken({self.type!r}, {self.value!r}, {self.start_pos}, {self.end_pos})"


def _regexp(pattern: dict[str, Any]) -> str:
    """A serialized Lark pattern as a regular expression, as Lark's ``to_regexp`` writes it."""
    value = pattern["value"] if pattern["__type__"] == "PatternRE" else re.escape(pattern["value"])
    for flag in pattern["flags"]:
        value = f"(?{flag}:{value})"
    return value


#: Lark's serialized action for a shift (a reduce is 1).
_SHIFT = 0

#: Offsets shared between files, at most (see FastParser.parse).
_SHARED_OFFSETS = 1 << 16

# How a rule's reduction is done (see _compile_rule).
_GENERAL = 0  # any rule
_PASS = 1  # one child, which is the result (`?value: path`)
_WRAP = 2  # one child, spliced into the parent (`_statement: attribute`)
_CALL = 3  # one child, lowered (`value: STRING -> string`)
_EXTEND = 4  # two spliced children (`__star: __star _statement`), joined in place


def compile_tables(data: dict[str, Any], memo: dict[int, Any]) -> dict[str, Any]:
    """What :class:`FastParser` needs of Lark's serialized tables (``tables.load``), as
    plain data: ``make parser`` writes it into ``infrac/syntax/_fast.py`` as literals,
    so that a process only unmarshals it (see ``infrac.syntax.tables``).

    - ``start``, ``end``: the parser's first state and the state it accepts in;
    - ``states``: state -> {terminal or rule name: state to shift to (>= 0) or ~index
      of the rule to reduce};
    - ``rules``: (how, size, name of the rule, plain, kept children as (index, splice),
      name of the lowering's callback, whether the result is spliced into the parent,
      whether a single child is the result), in the order the states first reduce them;
    - ``lexer``: the one regular expression, ``keywords``: keyword -> terminal,
      ``dropped``: the tokens no rule keeps (sorted);
    - ``distinct``: whether no two terminals (keywords aside) can start with the same
      character, the property the lexer relies on (:func:`_distinct`).
    """
    frontend = data["parser"]
    table = frontend["parser"]
    symbols = table["tokens"]  # number -> terminal or rule name
    rules: dict[int, int] = {}
    compiled_rules: list[tuple] = []
    states: dict[int, dict[str, int]] = {}
    for state, actions in table["states"].items():
        compiled = {}
        for symbol, (action, arg) in actions.items():
            if action == _SHIFT:
                compiled[symbols[symbol]] = arg
            else:
                rule = arg["@"]
                if rule not in rules:
                    rules[rule] = len(compiled_rules)
                    compiled_rules.append(_compile_rule(memo[rule]))
                compiled[symbols[symbol]] = ~rules[rule]
        states[state] = compiled
    terminals = {t["name"]: t for t in (memo[ref["@"]] for ref in frontend["lexer_conf"]["terminals"])}
    patterns = {name: _regexp(t["pattern"]) for name, t in terminals.items()}
    ignored = set(frontend["lexer_conf"]["ignore"])
    keywords = {
        t["pattern"]["value"]: name
        for name, t in terminals.items()
        if t["pattern"]["__type__"] == "PatternStr"
        and "NAME" in patterns
        and re.fullmatch(patterns["NAME"], t["pattern"]["value"])
    }
    # Tokens no rule keeps (`=`, `,`, ...) are pushed as None: the lowering never sees them.
    kept = {
        sym["name"]
        for rule in (memo[ref["@"]] for ref in frontend["parser_conf"]["rules"])
        for sym in rule["expansion"]
        if sym["__type__"] == "Terminal" and (not sym["filter_out"] or rule["options"]["keep_all_tokens"])
    }
    dropped = sorted(name for name in terminals if name not in kept and name not in ignored)
    # One match per token: the ignored layout before it, then the token, the end of the
    # text, or anything else (the fast path gives up). Comments are tokens here, kept
    # for the formatter.
    layout = "|".join(patterns[name] for name in sorted(ignored - {"COMMENT"}))
    groups = [
        f"(?P<{name}>{patterns[name]})"
        for name in terminals
        if name not in keywords.values() and name not in ignored - {"COMMENT"}
    ]
    lexer = f"(?:{layout})*(?:" + "|".join([*groups, r"(?P<_END>\Z)", r"(?P<_ERROR>[\s\S])"]) + ")"
    return {
        "start": table["start_states"]["start"],
        "end": table["end_states"]["start"],
        "states": states,
        "rules": compiled_rules,
        "lexer": lexer,
        "keywords": keywords,
        "dropped": dropped,
        "distinct": _distinct([p for name, p in patterns.items() if name not in keywords.values()]),
    }


def _compile_rule(rule: dict[str, Any]) -> tuple:
    """A rule's entry in ``compile_tables(...)["rules"]``."""
    expansion = rule["expansion"]
    options = rule["options"]
    origin = rule["origin"]["name"]
    keep = tuple(
        (i, sym["__type__"] == "NonTerminal" and sym["name"].startswith("_"))
        for i, sym in enumerate(expansion)
        if not (sym["__type__"] == "Terminal" and sym["filter_out"]) or options["keep_all_tokens"]
    )
    name = rule["alias"] or origin
    inline = origin.startswith("_") and not rule["alias"]
    single = bool(options["expand1"] and not rule["alias"])
    callback = None if inline else name
    plain: Any = None  # the kept children's indexes when none is spliced (True: all of them)
    if not any(splice for _, splice in keep):
        plain = True if len(keep) == len(expansion) else tuple(i for i, _ in keep)
    # The commonest reductions, done in place on the top of the stack.
    shortcut = _GENERAL
    if len(expansion) == 1 and plain is True:
        shortcut = _WRAP if inline else _PASS if single else _CALL
    elif inline and len(expansion) == 2 and keep == ((0, True), (1, True)):
        shortcut = _EXTEND
    return (shortcut, len(expansion), origin, plain, keep, callback, inline, single)


def _distinct(patterns: list[str]) -> bool:
    """The property the lexer relies on: no two terminals (keywords aside) can
    start with the same character. Tested on every printable ASCII character,
    alone and followed by a digit, a letter or a quote."""
    compiled = [re.compile(p) for p in patterns]
    for code in range(0x20, 0x7F):
        for char in (chr(code), chr(code) + "0", chr(code) + "a", chr(code) + '"'):
            if sum(1 for p in compiled if p.match(char)) > 1:
                return False
    return True


class FastParser:
    """The tables :func:`compile_tables` gives (from ``infrac/syntax/_fast.py``, or
    computed from Lark's serialized tables), with the lowering's callbacks, for the
    loop in :meth:`parse`. Lark itself is not needed for this."""

    def __init__(self, tables: dict[str, Any], lowering: Any) -> None:
        self._lowering = lowering
        self._start = tables["start"]
        self._end = tables["end"]
        self._states: dict[int, dict[str, int]] = tables["states"]
        self._rules = [  # the callbacks' names made the lowering's methods
            (*shape, None if callback is None else getattr(lowering, callback, None), inline, single)
            for *shape, callback, inline, single in tables["rules"]
        ]
        self._keywords: dict[str, str] = tables["keywords"]
        self._dropped = set(tables["dropped"])
        self._lexer = re.compile(tables["lexer"])
        self._usable = tables["distinct"] and all(
            callback is not None or inline or single for *_, callback, inline, single in self._rules
        )
        # One int object per offset for every file parsed: spans hold two each, and
        # offsets above 256 are objects of their own (a sixth of a parsed module's memory).
        self._offsets: dict[int, int] = {}

    @property
    def usable(self) -> bool:
        return self._usable

    def parse(self, text: str) -> tuple[ir.Module, list[tuple[int, int]], int] | None:
        """The lowered module, the comments' (start, end) and the deepest the parser's
        stack went; None when the text is not for the fast path."""
        try:
            return self._parse(text)
        finally:
            # A large file leaves a large table: it is cleared now, not at the next parse, so
            # that a long-lived process (the language server) does not keep the offsets of a
            # file it has forgotten (they pinned its memory after a 5 MB document was closed).
            if len(self._offsets) > _SHARED_OFFSETS:
                self._offsets.clear()

    def _parse(self, text: str) -> tuple[ir.Module, list[tuple[int, int]], int] | None:
        states = self._states
        rules = self._rules
        keywords = self._keywords
        comments: list[tuple[int, int]] = []
        state = self._start
        state_stack = [state]
        values: list = []
        deepest = 0
        keyword_types = set(keywords.values())
        share = self._offsets.setdefault
        dropped = self._dropped
        end = self._end
        for match in self._lexer.finditer(text):
            kind = match.lastgroup
            if kind in dropped:
                token = None
            elif kind == "NAME":
                value = intern(match[kind])  # names repeat: one string for all of them
                start, stop = match.span(kind)
                token = FastToken(keywords.get(value, kind), value, share(start, start), share(stop, stop))
                kind = token.type
            elif kind == "COMMENT":
                comments.append(match.span(kind))
                continue
            elif kind == "_END":
                kind = "$END"
            elif kind == "_ERROR":
                return None
            else:
                start, stop = match.span(kind)
                token = FastToken(kind, match[kind], share(start, start), share(stop, stop))
            fresh = True  # no rule reduced yet on this token: the state Lark's lexer would use
            while True:
                action = states[state].get(kind)
                if action is None:
                    if fresh and kind in keyword_types and "NAME" in states[state]:
                        # Lark's contextual lexer reads a keyword the state does not accept as a name
                        kind = token.type = "NAME"
                        continue
                    return None
                if action >= 0:  # shift
                    state = action
                    state_stack.append(state)
                    values.append(token)
                    if len(values) > deepest:
                        deepest = len(values)
                    break
                fresh = False
                rule = rules[~action]
                shortcut = rule[0]
                if shortcut == _PASS:
                    value = values[-1]
                elif shortcut == _WRAP:
                    value = values[-1] = [values[-1]]
                elif shortcut == _CALL:
                    value = values[-1] = rule[5]([values[-1]])
                elif shortcut == _EXTEND:
                    tail = values.pop()
                    value = values[-1]
                    value += tail
                    state_stack.pop()
                else:
                    _, size, origin, plain, keep, callback, inline, single = rule
                    if size:
                        children = values[-size:]
                        del values[-size:]
                        del state_stack[-size:]
                    else:
                        children = []
                    if plain is not None:  # no child to splice
                        kept = children if plain is True else [children[i] for i in plain]
                    else:
                        kept = []
                        for index, splice in keep:
                            if splice:
                                if kept:
                                    kept += children[index]
                                else:  # left recursion: extend the list in place
                                    kept = children[index]
                            else:
                                kept.append(children[index])
                    if inline:
                        value = kept
                    elif single and len(kept) == 1:
                        value = kept[0]
                    else:
                        value = callback(kept)
                    state = states[state_stack[-1]][origin]
                    state_stack.append(state)
                    values.append(value)
                    if kind == "$END" and state == end:
                        return value, comments, deepest
                    continue
                # the shortcuts leave one entry for the rule on the stacks: its state changes
                state = state_stack[-1] = states[state_stack[-2]][rule[2]]
                if kind == "$END" and state == end:
                    return value, comments, deepest
        return None  # pragma: no cover - the text always ends with an end match
