"""The parser's fast path (``infrac.syntax.lalr``) against Lark's own parse.

For any text, the fast path either gives up or gives exactly what Lark's parse
with the lowering gives: the same module, with every span (spans take no part in
``==``, so they are compared field by field here), the same comments and the same
diagnostics; and it does the same on the tables ``make parser`` generated
(``infrac/syntax/_fast.py``) as on tables computed from Lark's at load. The properties run on every ``.infra`` file of the repository and on
generated and mutated text; ``make fuzz`` runs them with more examples.
"""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.lark import from_lark

from conftest import ROOT, TRIED
from infrac.base.classes import fields, has
from infrac.base.source import SourceFile
from infrac.syntax import _fast, tables
from infrac.syntax.lalr import compile_tables
from infrac.syntax.lower import split_number
from infrac.syntax.parser import MAX_DEPTH, Parser, grammar_path
from test_fuzz import CORPUS, FUZZ, TRICKY, _generator_grammar, mutated

FAST = Parser()
LARK = Parser()
LARK._fast = None  # Lark's parse only


def _computed() -> Parser:
    """A parser whose fast path computes its tables from Lark's, as for a grammar
    changed since ``make parser``, instead of reading the generated ``_fast.py``."""
    saved = tables.fast_tables
    tables.fast_tables = lambda grammar: None
    try:
        return Parser()
    finally:
        tables.fast_tables = saved


COMPUTED = _computed()

REPOSITORY = sorted(
    p.relative_to(ROOT).as_posix()
    for p in ROOT.rglob("*.infra")
    if not {"node_modules", ".venv", ".git"} & set(p.relative_to(ROOT).parts)
)


def identical(a, b, where: str = "result") -> None:
    """Equal in every field, spans included, down to the last node."""
    assert type(a) is type(b), f"{where}: {type(a).__name__} != {type(b).__name__}"
    if has(type(a)):
        for field in fields(type(a)):
            identical(getattr(a, field.name), getattr(b, field.name), f"{where}.{field.name}")
    elif isinstance(a, (tuple, list)):
        assert len(a) == len(b), f"{where}: {len(a)} != {len(b)} items"
        for i, (x, y) in enumerate(zip(a, b)):
            identical(x, y, f"{where}[{i}]")
    else:
        assert a == b, f"{where}: {a!r} != {b!r}"


def check(text: str) -> bool:
    """Both paths agree on ``text``, and so does the fast path on tables computed
    now instead of generated; True when the fast path took it."""
    source = SourceFile("file.infra", text)
    fast = FAST.parse(source)
    lark = LARK.parse(source)
    if lark.module is None and (fast.recovered is not None or len(fast.diagnostics) > 1):
        # (recovery that gave up at the nesting limit has no module, but reports the limit too)
        # a syntax error: the first one reported as Lark reports it, then those recovery finds
        assert fast.module is None and len(lark.diagnostics) == 1
        syntax = [d for d in fast.diagnostics if d.code in ("E0101", "E0102", "E0103", "E0106")]  # not the lowering's E0104
        if syntax[0].span.start < lark.diagnostics[0].span.start:
            # recovery sees the break first in two cases: a statement left unfinished before a
            # line that starts with `uses` or `export` (which Lark reads as a name), and a
            # header left unfinished at the end of its line, reported on that line
            said = [syntax[0].message] + [label.message for label in syntax[0].labels]
            unfinished = said[0].endswith("is neither an attribute nor a block") or said[0].startswith("a unit apart")
            assert any(m.startswith(("unexpected `uses`", "unexpected `export`")) for m in said) or (
                unfinished and "\n" in text[syntax[0].span.end : lark.diagnostics[0].span.start]
            ), said
            TRIED["syntax errors found before Lark's"] += 1
        else:
            identical(syntax[0], lark.diagnostics[0], "first syntax error")
        assert all(d.code.startswith("E01") or d.code == "E0310" for d in fast.diagnostics)
        TRIED["syntax errors recovered"] += len(fast.diagnostics)
    else:
        identical(fast, lark)
    identical(fast, COMPUTED.parse(source))
    taken = FAST._fast.parse(text) is not None
    assert (COMPUTED._fast.parse(text) is not None) == taken
    TRIED["fast path " + ("taken" if taken else "declined")] += 1
    return taken


def test_the_fast_path_is_on():
    assert FAST._fast is not None and FAST._fast.usable
    assert COMPUTED._fast is not None and COMPUTED._fast.usable


def test_the_generated_tables_are_the_computed_ones():
    """FAST reads the literals ``make parser`` wrote, COMPUTED computed the same now."""
    assert FAST._fast._states is _fast.TABLES["states"]
    assert COMPUTED._fast._states is not _fast.TABLES["states"]
    grammar = grammar_path().read_text(encoding="utf-8")
    assert compile_tables(*tables.load(grammar)) == _fast.TABLES
    for attribute in ("_start", "_end", "_states", "_keywords", "_dropped"):
        assert getattr(FAST._fast, attribute) == getattr(COMPUTED._fast, attribute), attribute
    assert FAST._fast._lexer.pattern == COMPUTED._fast._lexer.pattern
    shapes = [rule[:5] + rule[6:] for rule in FAST._fast._rules]
    assert shapes == [rule[:5] + rule[6:] for rule in COMPUTED._fast._rules]
    callbacks = [rule[5] and rule[5].__name__ for rule in FAST._fast._rules]
    assert callbacks == [rule[5] and rule[5].__name__ for rule in COMPUTED._fast._rules]


@pytest.mark.parametrize("path", REPOSITORY)
def test_every_file_of_the_repository(path):
    text = (ROOT / path).read_text(encoding="utf-8")
    taken = check(text)
    if LARK.parse(SourceFile(path, text)).module is not None:  # no syntax error
        assert taken, path


@pytest.mark.parametrize(
    "text",
    [
        'stack s {\n  queue Q { tags = { true: "1", stack: "2", uses: "3" } }\n}\n',
        'project A{}projectA#{A=\n""}',
        ' Blocks\nstack s {\n  queue Q { tags = ' + "[" * 70 + '"leaf"' + "]" * 70 + ' }\n}\n',  # and nesting past the limit (found by the fuzzer)  # a header unfinished at its line's end, reported there (found by the fuzzer)
        "stack project { export = 1 }",
        "stack s { t T { uses = true, export x, uses s.T { export } } }",
        "stack s { x = true.false }",
        "project stack { true = 1 }",
    ],
)
def test_a_keyword_where_only_a_name_fits(text):
    """Lark's contextual lexer reads a keyword the parser's state does not accept as a name."""
    check(text)


@pytest.mark.parametrize("depth", [MAX_DEPTH - 2, MAX_DEPTH - 1, MAX_DEPTH, MAX_DEPTH + 5])
def test_nesting_at_the_limit(depth):
    text = "stack s {\n  queue Q { x = " + "[" * depth + "1" + "]" * depth + " }\n}\n"
    check(text)


@pytest.mark.parametrize(
    "text", ["", "   \n", "# only a comment", "stack s {}", "stack s {} \t\n# end", "stack s {}\x0b"]
)
def test_edges(text):
    check(text)


@FUZZ
@given(from_lark(_generator_grammar(), start="start"))
def test_text_generated_from_the_grammar(text):
    check(text)


@FUZZ
@given(mutated())
def test_mutated_real_sources(text):
    check(text)


KEYWORDS = ["project", "stack", "export", "uses", "true", "false"]


@st.composite
def keywords_for_names(draw) -> str:
    """A real file with some of its names replaced by keywords (a map key, a label, a
    block's kind, a reference's part...), where Lark's lexer decides by the parser's state."""
    text = draw(st.sampled_from(CORPUS))
    names = [m.span() for m in re.finditer(r"[A-Za-z_][A-Za-z0-9_-]*", text)]
    if not names:
        return text
    chosen = sorted(set(draw(st.lists(st.integers(0, len(names) - 1), min_size=1, max_size=6))))
    pieces, last = [], 0
    for index in chosen:
        start, end = names[index]
        pieces += [text[last:start], draw(st.sampled_from(KEYWORDS))]
        last = end
    return "".join(pieces) + text[last:]


@FUZZ
@given(keywords_for_names())
def test_keywords_in_place_of_names(text):
    check(text)


@FUZZ
@given(st.text(alphabet=st.sampled_from(TRICKY + list("abcstackprojecttrue0123456789")), max_size=200))
def test_random_text(text):
    check(text)


def test_the_fast_path_turns_off_for_a_grammar_whose_terminals_overlap():
    """A terminal starting like another (`-` and a negative number) would make the one
    expression's tokens differ from Lark's: such a grammar is parsed by Lark alone."""
    from infrac.syntax.lalr import FastParser
    from infrac.syntax.lower import Lowering

    class Negating(Lowering):
        def negated(self, children):
            return children[0]

    def fast(grammar: str) -> FastParser:
        return FastParser(compile_tables(*tables.build(grammar)), Negating())

    grammar = grammar_path().read_text(encoding="utf-8")
    assert fast(grammar).usable
    changed = grammar.replace("| call\n", '| call\n      | "-" value -> negated\n', 1)
    assert changed != grammar
    assert not compile_tables(*tables.build(changed))["distinct"]
    assert not fast(changed).usable
    # the same rule with a terminal of its own first character is fine
    fine = grammar.replace("| call\n", '| call\n      | "~" value -> negated\n', 1)
    assert fast(fine).usable
    # and a rule whose callback the lowering lacks turns it off too
    assert not FastParser(compile_tables(*tables.build(fine)), Lowering()).usable


#: The grammar's NUMBER terminal, as the fast path's lexer holds it.
NUMBER = re.search(r"\(\?P<NUMBER>(.*?)\)\|\(\?P<STRING>", _fast.TABLES["lexer"]).group(1)


@FUZZ
@given(st.from_regex(NUMBER, fullmatch=True))
def test_a_number_splits_as_the_regular_expression_splits_it(text):
    """The lowering splits a number token with string methods (no expression to compile
    at start-up) into the same parts as the expression the lowering used before, for any
    token the grammar's NUMBER terminal matches."""
    assert NUMBER == r"-?[0-9]+(\.[0-9]+)?[A-Za-z]*", "NUMBER changed: check split_number"
    assert split_number(text) == re.fullmatch(r"(-?[0-9]+)(\.[0-9]+)?([A-Za-z]*)", text).groups()
