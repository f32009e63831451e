"""Recovery from syntax errors, as a property: any edit of a valid file (a token deleted,
inserted or duplicated anywhere) yields, with no internal error, every statement the edit
did not touch: parsed as before (the syntax IR, compared without spans) and checked as
before (its resource is in the checked program).

"Did not touch": a resource (a block of a stack) that ends before the edited token; and,
when the edit adds or removes no bracket (a bracket moves the end of every block after
it), a resource that begins after the end of the resource that holds the edit; but none
of a stack whose header (`stack name {`) the edit is in. The seed
system's files are the corpus (`make fuzz` tries more edits). Each edit that no longer
parses also reports a syntax error located inside the text.
"""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from conftest import SEED, TRIED
from infrac.base.source import SourceFile
from infrac.project.pipeline import compile_sources
from infrac.syntax import ir
from infrac.syntax.parser import parse
from test_fuzz import FUZZ

#: the seed's files, each with the others of its project
FILES = {p.name: p.read_text(encoding="utf-8") for p in sorted(SEED.glob("*.infra"))}
_TOKEN = re.compile(r'#[^\n]*|"(?:[^"\\\n]|\\.)*"|-?[0-9][A-Za-z0-9.]*|[A-Za-z_][A-Za-z0-9_-]*|[{}\[\]()=,:.]')
INSERTED = ["=", "{", "}", "[", "]", "(", ")", ",", ":", ".", "name", '"text"', "42", "stack", "uses", "export", "true"]
BRACKETS = set("{}[]()")


def _tokens(text: str) -> list[tuple[int, int]]:
    return [m.span() for m in _TOKEN.finditer(text) if not m.group(0).startswith("#")]


@st.composite
def edits(draw) -> tuple[str, str, int, str]:
    """(file, edited text, offset of the edit, the token added or removed)."""
    name = draw(st.sampled_from(sorted(FILES)))
    text = FILES[name]
    spans = _tokens(text)
    index = draw(st.integers(0, len(spans) - 1))
    start, end = spans[index]
    how = draw(st.sampled_from(["delete", "insert", "duplicate"]))
    if how == "delete":
        return name, text[:start] + text[end:], start, text[start:end]
    if how == "duplicate":
        return name, text[:end] + " " + text[start:end] + text[end:], end, text[start:end]
    token = draw(st.sampled_from(INSERTED))
    return name, text[:start] + token + " " + text[start:], start, token


def _resources(module: ir.Module) -> list[tuple[str, ir.Block]]:
    return [(item.name.name, s) for item in module.items if isinstance(item, ir.Stack) for s in item.body if isinstance(s, ir.Block)]


@FUZZ
@given(edits())
def test_an_edit_keeps_what_it_did_not_touch(edit):
    name, text, at, token = edit
    before = parse(SourceFile(name, FILES[name])).module
    parsed = parse(SourceFile(name, text))
    if parsed.module is not None:
        TRIED["edits that still parse"] += 1
        return
    TRIED["edits with syntax errors"] += 1
    assert parsed.recovered is not None
    syntax = [d for d in parsed.diagnostics if d.code.startswith("E01")]
    assert syntax and all(0 <= d.span.start <= d.span.end <= len(text) for d in syntax)
    kept = _resources(parsed.recovered)
    holder = [b for _, b in _resources(before) if b.span.start <= at < b.span.end]
    after = holder[0].span.end if holder else at
    source = FILES[name]
    headers = {  # an edit in a stack's header (`stack name {`) touches the whole stack
        item.name.name
        for item in before.items
        if isinstance(item, ir.Stack) and item.span.start <= at <= source.index("{", item.name.span.end)
    }
    untouched = [
        (stack, block)
        for stack, block in _resources(before)
        if stack not in headers and (block.span.end <= at or (not BRACKETS & set(token) and block.span.start >= after))
    ]
    for stack, block in untouched:
        assert (stack, block) in kept, (token, at, stack, block.labels)
        TRIED["untouched statements kept"] += 1
    # and checked: each untouched resource is in the checked program
    others = [SourceFile(n, t) for n, t in FILES.items() if n != name]
    result = compile_sources([*others, SourceFile(name, text)])  # never raises
    assert result.program is not None
    names = {(s.name, r.name) for s in result.program.stacks for r in s.resources}
    for stack, block in untouched:
        label = block.labels[-1] if block.labels else None
        if isinstance(label, ir.Symbol):
            assert (stack, label.name) in names, (token, at, stack, label.name)
