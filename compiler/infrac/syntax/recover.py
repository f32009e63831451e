"""Error recovery: a file with syntax errors parsed as far as it goes, every broken
statement found.

The fast path (:mod:`infrac.syntax.lalr`) gives up at the first token it has no action
for. This module drives the same tables and the same lowering over the whole file and,
at each token the parser cannot take:

1. records the error: the token, the terminals the parser would have accepted there
   (found as Lark's interactive parser finds them: each terminal of the state fed to a
   copy of the stack), and the parser's value stack, from which the diagnostic is
   worded (:mod:`infrac.syntax.parser`);
2. keeps what is finished (reduced as a `}` would reduce it: a block closed but for its
   optional `,`, an attribute whose value is complete) and drops the statement being
   written: the stacks are cut back to the innermost
   state that holds a list of statements (the body of a stack, a block, an export or
   the project) or the file's list of stacks;
3. skips to a token where a statement can start again: a closing `}` of that list, a
   keyword, or a token that may start a statement and begins a line (or follows a
   comma), never inside brackets the dropped part left open; a line of the dropped
   part after its first can be that token, so a statement cut short by a missing `=` or
   `{` does not take the next line with it;
4. at the end of the file, closes what is still open (a missing `}`, `]` or `)` is
   inserted), dropping a statement left half-written, so that everything before is kept.

The broken parts are kept as :class:`~infrac.syntax.ir.Broken` nodes beside the tree
(``Module.errors``): their spans, and the names written in them (what a dropped
declaration might have declared, so that the checks do not report its absence). Every
statement that parses is lowered as in a file without errors: the passes see only
well-formed statements. Nothing here raises for any text, and every loop is bounded
by the number of tokens.
"""

from __future__ import annotations

from sys import intern

from infrac.syntax.lalr import FastParser, FastToken

TYPE_CHECKING = False  # typing's own constant, without importing typing
if TYPE_CHECKING:
    from typing import Any

#: Tokens that no terminal is: a character no token starts with, a string not closed on its line.
BAD_CHARACTER = "$CHARACTER"
UNTERMINATED = "$UNTERMINATED"

_OPENERS = {"LBRACE": "RBRACE", "LBRACKET": "RBRACKET", "LPAR": "RPAR"}
_CLOSERS = {v: k for k, v in _OPENERS.items()}
_RESTART = {"RBRACE", "STACK", "PROJECT", "EXPORT", "USES", "$END"}
_STATEMENT_KEYWORDS = {"EXPORT", "USES"}


class SyntaxFault:
    """One error the parser met: ``token`` (of type ``$END``, :data:`BAD_CHARACTER`,
    :data:`UNTERMINATED` or a terminal), the terminals it would have taken, and its value
    stack at that moment (tokens, lowered nodes, lists of them)."""

    __slots__ = ("token", "expected", "values", "reported")

    def __init__(self, token: FastToken, expected: set[str], values: list) -> None:
        self.token = token
        self.expected = expected
        self.values = values
        self.reported = True


class Recovered:
    """What :func:`recover` gives: the module (without path or comments), the comments'
    (start, end), the deepest the value stack went, the faults, and the broken parts as
    (start, end, names)."""

    __slots__ = ("module", "comments", "deepest", "faults", "broken")

    def __init__(self, module, comments, deepest, faults, broken) -> None:
        self.module = module
        self.comments = comments
        self.deepest = deepest
        self.faults = faults
        self.broken = broken


def _lex(fast: FastParser, text: str) -> tuple[list[FastToken], list[bool], list[tuple[int, int]]]:
    """Every token of the text (dropped ones too), whether each begins a line, and the comments."""
    tokens: list[FastToken] = []
    starts_line: list[bool] = []
    comments: list[tuple[int, int]] = []
    keywords = fast._keywords
    lexer = fast._lexer
    position = 0
    last_end = 0
    while True:
        match = lexer.match(text, position)
        if match is None:  # pragma: no cover - the expression always matches a character or the end
            break
        kind = match.lastgroup
        start, end = match.span(kind)
        position = end
        if kind == "COMMENT":
            comments.append((start, end))
            continue
        if kind == "_END":
            tokens.append(FastToken("$END", "", len(text), len(text)))
            starts_line.append(True)
            break
        if kind == "_ERROR":
            if text[start] == '"':  # a string left open: the rest of its line
                line_end = text.find("\n", start)
                end = position = len(text) if line_end == -1 else line_end
                kind = UNTERMINATED
            else:
                kind = BAD_CHARACTER
        value = text[start:end]
        if kind == "NAME":
            value = intern(value)
            kind = keywords.get(value, kind)
        tokens.append(FastToken(kind, value, start, end))
        starts_line.append(not tokens[:-1] or "\n" in text[last_end:start])
        last_end = end
    return tokens, starts_line, comments


def recover(fast: FastParser, text: str) -> Recovered:
    """Parse ``text`` with recovery (see the module's docstring)."""
    states = fast._states
    rules = fast._rules
    dropped = fast._dropped
    keyword_types = set(fast._keywords.values())
    end_state = fast._end
    tokens, starts_line, comments = _lex(fast, text)
    faults: list[SyntaxFault] = []
    broken: list[tuple[int, int, tuple[str, ...]]] = []
    state_stack = [fast._start]
    values: list = []
    first: list[int] = []  # the index of the first token of each entry of `values`
    deepest = 0
    index = 0
    last_fault = -1
    skipped_to_end = False
    budget = 4 * len(tokens) + 64  # recoveries and insertions: each makes progress

    def kind_in(state: int, token: FastToken, line_start: bool = False) -> str | None:
        """The terminal the token is read as in the state (a keyword may read as a name), or None.
        `uses` or `export` beginning a line is not read as a name (a label of a block header
        left unfinished on the line before, an access level of a `uses` left open): the
        statement before it is what is broken."""
        kind = token.type
        actions = states[state]
        if kind in actions:
            return kind
        if kind in keyword_types and "NAME" in actions:
            if line_start and kind in _STATEMENT_KEYWORDS and "entry" not in actions:
                return None  # `uses`/`export` starting a line is a statement, except as a map's key
            return "NAME"
        return None

    def accepts(stack: list[int], kind: str) -> bool:
        stack = list(stack)
        while True:
            action = states[stack[-1]].get(kind)
            if action is None:
                return False
            if action >= 0:
                return True
            _, size, origin, *_rest = rules[~action]
            if size:
                del stack[-size:]
            stack.append(states[stack[-1]][origin])
            if kind == "$END" and stack[-1] == end_state:
                return True

    def reduce(rule: tuple, position: int) -> Any:
        _, size, origin, plain, keep, callback, inline, single = rule
        if size:
            children = values[-size:]
            start = first[-size]
            del values[-size:]
            del first[-size:]
            del state_stack[-size:]
        else:
            children = []
            start = position
        if plain is not None:
            kept = list(children) if plain is True else [children[i] for i in plain]
        else:
            kept = []
            for child_index, splice in keep:
                if splice:
                    kept += children[child_index]
                else:
                    kept.append(children[child_index])
        if inline:
            value = kept
        elif single and len(kept) == 1:
            value = kept[0]
        else:
            value = callback(kept)
        state_stack.append(states[state_stack[-1]][origin])
        values.append(value)
        first.append(start)
        return value

    def feed(token: FastToken, kind: str, position: int) -> Any:
        """Shift the token (reducing first as the table says); the final module at the end."""
        nonlocal deepest
        while True:
            action = states[state_stack[-1]][kind]
            if action >= 0:
                state_stack.append(action)
                values.append(None if kind in dropped else token)
                first.append(position)
                deepest = max(deepest, len(values))
                return None
            value = reduce(rules[~action], position)
            if kind == "$END" and state_stack[-1] == end_state:
                return value

    def sync_depth() -> int:
        """The innermost entry of the state stack that holds a list of statements or stacks."""
        for depth in range(len(state_stack) - 1, -1, -1):
            actions = states[state_stack[depth]]
            if "_statement" in actions or "_item" in actions:
                return depth
        return 0  # pragma: no cover - the start state holds the list of stacks

    def open_brackets(start: int, stop: int) -> list[str]:
        """The brackets tokens[start:stop] leave open, innermost last."""
        opened: list[str] = []
        for token in tokens[start:stop]:
            if token.type in _OPENERS:
                opened.append(token.type)
            elif token.type in _CLOSERS and opened and opened[-1] == _CLOSERS[token.type]:
                opened.pop()
        return opened

    def names(start: int, stop: int) -> tuple[str, ...]:
        return tuple(t.value for t in tokens[start:stop] if t.type == "NAME" or t.type in keyword_types)

    while budget > 0:
        token = tokens[index]
        kind = kind_in(state_stack[-1], token, starts_line[index])
        if kind is not None and token.type not in (BAD_CHARACTER, UNTERMINATED):
            if kind == "NAME" and token.type != "NAME":  # a keyword the state reads as a name
                token = FastToken("NAME", token.value, token.start_pos, token.end_pos)
            shifted = False
            while True:  # reduce as the table says, then shift; an error in the state reached
                action = states[state_stack[-1]].get(kind)
                if action is None:
                    break
                if action >= 0:
                    state_stack.append(action)
                    values.append(None if kind in dropped else token)
                    first.append(index)
                    deepest = max(deepest, len(values))
                    shifted = True
                    break
                value = reduce(rules[~action], index)
                if kind == "$END" and state_stack[-1] == end_state:
                    return Recovered(value, comments, deepest, faults, broken)
            if shifted:
                index += 1
                continue
        state = state_stack[-1]
        budget -= 1
        # ---- an error at tokens[index] ---------------------------------------------------------
        expected = {t for t in states[state] if t.isupper() or t == "$END"}
        accepted = {t for t in expected if accepts(state_stack, t)}
        fault = SyntaxFault(token, accepted or expected, _snapshot(values))
        if token.type == "$END":
            fault.reported = not skipped_to_end
            faults.append(fault)
            _close_at_end(state_stack, values, first, accepts, feed, sync_depth, index, len(text), broken, tokens)
            result = feed(token, "$END", index) if accepts(state_stack, "$END") else None
            if result is None:  # pragma: no cover - closing every bracket always ends the file
                return Recovered(None, comments, deepest, faults, broken)
            return Recovered(result, comments, deepest, faults, broken)
        fault.reported = index != last_fault
        faults.append(fault)
        # what is finished before the error is kept: reduced as a `}` would reduce it (a block
        # closed but for its optional `,`, an attribute whose value is complete)
        while True:
            action = states[state_stack[-1]].get("RBRACE")
            if action is None or action >= 0:
                break
            reduce(rules[~action], index)
        depth = sync_depth()
        region = first[depth] if depth < len(first) else index  # the first token of the dropped statement
        del state_stack[depth + 1 :]
        del values[depth:]
        del first[depth:]
        sync = state_stack[-1]
        resume = None
        if index != last_fault:  # a later line of the dropped part may start the next statement
            for candidate in range(region + 1, index):
                if starts_line[candidate] and kind_in(sync, tokens[candidate]) and not open_brackets(region, candidate):
                    resume = candidate
                    break
        if resume is None:
            opened = len(open_brackets(region, index))
            candidate = index if index != last_fault else index + 1
            while candidate < len(tokens):
                current = tokens[candidate]
                if current.type == "$END":
                    break
                if current.type in _STATEMENT_KEYWORDS and starts_line[candidate] and current.type in states[sync]:
                    break  # a statement begins here, whatever the dropped part left open
                if opened == 0 and kind_in(sync, current) and (
                    current.type in _RESTART
                    or starts_line[candidate]
                    or (candidate > 0 and tokens[candidate - 1].type in ("COMMA", "RBRACE"))
                ):
                    break
                if current.type in _OPENERS:
                    opened += 1
                elif current.type in _CLOSERS and opened:
                    opened -= 1
                candidate += 1
            resume = candidate
            skipped_to_end = tokens[resume].type == "$END" and opened > 0
        region = min(region, index)
        stop = resume if resume > region else region + 1  # tokens[region:stop] are dropped or skipped
        broken.append((tokens[region].start_pos, tokens[stop - 1].end_pos, names(region, stop)))
        last_fault = index
        index = resume
    return Recovered(None, comments, deepest, faults, broken)  # pragma: no cover - the budget is never spent


def _snapshot(values: list) -> list:
    """The value stack as it is now (lists copied: the parser extends them in place)."""
    return [list(v) if isinstance(v, list) else v for v in values]


def _close_at_end(state_stack, values, first, accepts, feed, sync_depth, index, length, broken, tokens) -> None:
    """At the end of the file: insert the closing brackets still missing, innermost first,
    dropping a statement left half-written when its bracket cannot close it."""
    for _ in range(4 * len(state_stack) + 8):
        if accepts(state_stack, "$END"):
            return
        opener = _innermost_open(values)
        closer = _OPENERS[opener] if opener else None
        if closer is not None and accepts(state_stack, closer):
            feed(FastToken(closer, "", length, length), closer, index)
            if not broken or broken[-1][:2] != (length, length):  # the blocks it closes are unfinished
                broken.append((length, length, ()))
            continue
        depth = sync_depth()
        if depth + 1 >= len(state_stack):
            if closer is None:
                return
            # the list of statements itself cannot take the closer: drop back one more level
            depth = max(0, depth - 1)
        start = first[depth] if depth < len(first) else index
        dropped = tokens[start:index]
        if dropped:
            broken.append((dropped[0].start_pos, dropped[-1].end_pos, ()))
        del state_stack[depth + 1 :]
        del values[depth:]
        del first[depth:]


def _innermost_open(values: list) -> str | None:
    """The innermost bracket left open on the value stack (a finished block's braces may
    still be there, waiting for an optional `,`, so they are matched)."""
    opened: list[str] = []
    for value in values:
        if isinstance(value, FastToken):
            if value.type in _OPENERS:
                opened.append(value.type)
            elif value.type in _CLOSERS and opened:
                opened.pop()
    return opened[-1] if opened else None
