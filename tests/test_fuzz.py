"""Fuzzing: whatever the text, checking it ends in diagnostics or success, never an exception.

Inputs come from the grammar itself (``hypothesis.extra.lark``), from random
text, and from mutations of the repository's real ``.infra`` files. ``make
fuzz`` runs the same tests with many more examples
(``INFRAC_FUZZ_EXAMPLES``).
"""

from __future__ import annotations

import os
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.lark import from_lark
from lark import Lark

from conftest import ROOT, SEED, TRIED, assert_no_traceback, run_infrac
from infrac.base.source import SourceFile
from infrac.diagnostics import Severity, has_errors
from infrac.diagnostics.render import render_text, to_json
from infrac.project.pipeline import compile_sources
from infrac.syntax.parser import grammar_path

EXAMPLES = int(os.environ.get("INFRAC_FUZZ_EXAMPLES", "150"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))

CORPUS = [
    p.read_text(encoding="utf-8")
    for p in sorted([*SEED.rglob("*.infra"), *(ROOT / "tests" / "cases").rglob("*.infra")])
]
TRICKY = ['"', "{", "}", "[", "]", "=", ",", ":", ".", "#", "\\", "\n", " ", "-", "@", "\t", "é", "\x00", "\u2028"]


def assert_checks_cleanly(files: dict[str, str]) -> None:
    TRIED["fuzz inputs"] += 1
    sources = [SourceFile(path, text) for path, text in files.items()]
    result = compile_sources(sources)  # must not raise
    by_path = {s.path: s for s in sources}
    for diagnostic in result.diagnostics:
        assert diagnostic.code and diagnostic.message
        if diagnostic.span is not None:
            assert diagnostic.span.file in by_path
            assert 0 <= diagnostic.span.start <= diagnostic.span.end <= len(by_path[diagnostic.span.file].text)
    if result.program is None:
        assert has_errors(result.diagnostics), "no program and no error to say why"
    render_text(result.diagnostics, by_path, color=True)
    to_json(result.diagnostics, by_path)
    if result.ok:
        from infrac.backends import BuildOptions, backend

        for target in ("cloudformation", "serverless"):
            backend(target).render(result.program, BuildOptions())


def _generator_grammar() -> Lark:
    return Lark(grammar_path().read_text(encoding="utf-8"), parser="lalr", lexer="contextual")


@FUZZ
@given(from_lark(_generator_grammar(), start="start"))
def test_text_generated_from_the_grammar(text):
    assert_checks_cleanly({"generated.infra": text})


@FUZZ
@given(st.text(alphabet=st.sampled_from(TRICKY + list("abcstackprojecttable0123456789")), max_size=200))
def test_random_text(text):
    assert_checks_cleanly({"random.infra": text})


@st.composite
def mutated(draw) -> str:
    text = draw(st.sampled_from(CORPUS))
    for _ in range(draw(st.integers(1, 4))):
        if not text:
            break
        start = draw(st.integers(0, len(text) - 1))
        end = draw(st.integers(start, min(len(text), start + 40)))
        action = draw(st.sampled_from(["delete", "insert", "duplicate", "replace"]))
        if action == "delete":
            text = text[:start] + text[end:]
        elif action == "insert":
            text = text[:start] + draw(st.sampled_from(TRICKY)) + text[start:]
        elif action == "duplicate":
            text = text[:end] + text[start:end] + text[end:]
        else:
            text = text[:start] + draw(st.sampled_from(TRICKY)) + text[end:]
    return text


@FUZZ
@given(mutated())
def test_mutated_real_sources(text):
    assert_checks_cleanly({"mutated.infra": text})


@FUZZ
@given(st.lists(mutated(), min_size=2, max_size=3))
def test_mutated_projects_of_several_files(texts):
    assert_checks_cleanly({f"file{i}.infra": t for i, t in enumerate(texts)})


def test_the_command_line_never_shows_a_traceback(tmp_path: Path):
    cases = {
        "binary.infra": bytes(range(256)),
        "latin1.infra": "name = \"caf\xe9\"".encode("latin-1"),
        "empty.infra": b"",
        "bom.infra": "\ufeffstack s { table T { key = { id: string } } }".encode("utf-8"),
        "deep.infra": ("stack s { t T { a = " + "[" * 2000 + "]" * 2000 + " } }").encode(),
    }
    for name, data in cases.items():
        folder = tmp_path / name.split(".")[0]
        folder.mkdir()
        (folder / name).write_bytes(data)
        for command in (["check"], ["build", "--out", str(folder / "out")], ["fmt", "--check"]):
            process = run_infrac(*command, str(folder))
            assert_no_traceback(process)
            assert process.returncode in (0, 1), (name, command, process.stderr)


def test_errors_are_errors_and_warnings_are_warnings():
    result = compile_sources([SourceFile("a.infra", "stack st {}")])
    assert [d.severity for d in result.diagnostics] == [Severity.WARNING]
    assert result.ok
