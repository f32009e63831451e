"""The parser's shipped tables: current, equivalent to the grammar, and loaded without pickle."""

from __future__ import annotations

import json
import subprocess
import sys

from conftest import CASES, ROOT, SEED
from infrac.source import SourceFile
from infrac.syntax import parser, tables


def test_shipped_tables_are_made_from_the_current_grammar():
    document = json.loads(tables.TABLES.read_text(encoding="utf-8"))
    grammar = parser.grammar_path().read_text(encoding="utf-8")
    assert document["grammar_sha256"] == tables.grammar_digest(grammar), "grammar changed: run `make parser`"
    assert tables.load(grammar) is not None


def test_shipped_tables_parse_like_a_parser_built_from_the_grammar(monkeypatch):
    sources = [
        SourceFile(p.relative_to(ROOT).as_posix(), p.read_text(encoding="utf-8"))
        for p in sorted([*CASES.rglob("*.infra"), *SEED.rglob("*.infra")])
    ]
    shipped = parser.Parser()
    monkeypatch.setattr(tables, "load", lambda grammar: None)
    built = parser.Parser()
    for source in sources:
        a, b = shipped.parse(source), built.parse(source)
        assert a.module == b.module and a.diagnostics == b.diagnostics, source.path


def test_no_pickle_is_loaded_and_nothing_is_written_to_the_temporary_folder(tmp_path):
    """A parser cache that another local user could plant (Lark's ``cache=True`` pickles
    into $TMPDIR) is neither written nor read."""
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    code = (
        "import pickle, sys\n"
        "def refuse(*a, **k): raise SystemExit('pickle used')\n"
        "pickle.load = pickle.loads = pickle.dump = pickle.dumps = refuse\n"
        "from infrac.cli import main\n"
        "sys.exit(main(['check', 'infra.dsl']))\n"
    )
    for _ in range(2):  # the second run is the one that would read a cache
        process = subprocess.run(
            [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, env={"TMPDIR": str(temporary), "PATH": ""}
        )
        assert process.returncode == 0, process.stderr
    assert list(temporary.iterdir()) == []
