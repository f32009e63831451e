"""The parser's shipped tables: current, equivalent to the grammar, and loaded without pickle.

Two files are shipped: Lark's tables as JSON (``infra.lark.json``, read by Lark to
report a syntax error) and what the fast path computes from them as Python literals
(``_fast.py``); ``make parser`` writes both (``infrac.syntax.tables``).
"""

from __future__ import annotations

import json
import subprocess
import sys

from conftest import CASES, ROOT, SEED
from infrac.base.source import SourceFile
from infrac.syntax import _fast, parser, tables
from test_syntax_fast import REPOSITORY, identical

GRAMMAR = parser.grammar_path().read_text(encoding="utf-8")


def sources() -> list[SourceFile]:
    """Every ``.infra`` file of the tests and the repository, syntax errors included."""
    paths = sorted({*CASES.rglob("*.infra"), *SEED.rglob("*.infra"), *(ROOT / p for p in REPOSITORY)})
    return [SourceFile(p.relative_to(ROOT).as_posix(), p.read_text(encoding="utf-8")) for p in paths]


def test_shipped_tables_are_made_from_the_current_grammar():
    document = json.loads(tables.TABLES.read_text(encoding="utf-8"))
    assert document["grammar_sha256"] == tables.grammar_digest(GRAMMAR), "grammar changed: run `make parser`"
    assert tables.load(GRAMMAR) is not None


def test_make_parser_writes_the_shipped_tables_again():
    """Lark numbers the states and symbols differently in each run; ``make parser`` writes
    them in an order of its own, so the file it writes is the same whatever the hash seed."""
    assert tables.render(GRAMMAR) == tables.TABLES.read_text(encoding="utf-8"), "out of date: run `make parser`"


def test_the_generated_fast_tables_are_current():
    """``_fast.py`` is what ``make parser`` writes for the shipped JSON, keyed by the grammar."""
    generated = tables.render_fast(tables.TABLES.read_text(encoding="utf-8"), GRAMMAR)
    assert tables.FAST.read_text(encoding="utf-8") == generated, "out of date: run `make parser`"
    assert _fast.GRAMMAR == GRAMMAR
    assert tables.fast_tables(GRAMMAR) is _fast.TABLES
    assert tables.fast_tables(GRAMMAR + "\n") is None  # another grammar


def test_shipped_tables_parse_like_a_parser_built_from_the_grammar(monkeypatch):
    """Every file parses the same, syntax errors included, with the shipped tables (in
    ``make parser``'s numbering) and with Lark's, computed now (in Lark's numbering)."""
    shipped = parser.Parser()
    shipped_table = shipped._lark_tables()[0]["parser"]["parser"]
    monkeypatch.setattr(tables, "load", lambda grammar: None)
    monkeypatch.setattr(tables, "fast_tables", lambda grammar: None)
    monkeypatch.setattr(tables, "_numbered", lambda table: table)
    built = parser.Parser()
    assert built._lark_tables()[0]["parser"]["parser"] != shipped_table  # (the chance of the same numbers is nil)
    for source in sources():
        identical(shipped.parse(source), built.parse(source), source.path)


def test_a_stale_generated_module_is_not_used(monkeypatch):
    """A ``_fast.py`` made from another grammar (the grammar is being edited): the fast
    path's tables are computed from Lark's, and every parse is the same."""
    shipped = parser.Parser()
    computed = []

    def compile_tables(data, memo):
        computed.append(True)
        return tables_compile(data, memo)

    tables_compile = parser.compile_tables
    monkeypatch.setattr(_fast, "GRAMMAR", GRAMMAR.replace("NUMBER", "NUMERAL"))
    monkeypatch.setattr(parser, "compile_tables", compile_tables)
    assert tables.fast_tables(GRAMMAR) is None
    stale = parser.Parser()
    assert computed == [True]
    assert stale._fast is not None and stale._fast._states is not _fast.TABLES["states"]
    for source in sources():
        identical(shipped.parse(source), stale.parse(source), source.path)


def test_the_fast_path_reads_no_json(monkeypatch):
    """Lark's tables are read for the first syntax error only."""
    read = []
    load = tables.load
    monkeypatch.setattr(tables, "load", lambda grammar: read.append(grammar) or load(grammar))
    fresh = parser.Parser()
    result = fresh.parse(SourceFile("ok.infra", 'stack s {\n  queue Q { tags = { a: "b" } }\n}\n'))
    assert result.module is not None and read == []
    result = fresh.parse(SourceFile("broken.infra", "stack s {\n  queue Q {\n"))
    assert result.module is None and [d.code for d in result.diagnostics] == ["E0106"]
    assert read == [GRAMMAR]


def test_the_fast_path_loads_neither_json_nor_hashlib_nor_lark():
    """In a fresh interpreter, the parser's set-up and a correct file's parse import
    nothing to read the JSON or check its key (`fmt` loads no cache, so nothing else
    would import them)."""
    code = (
        "import sys\n"
        "from infrac.base.source import SourceFile\n"
        "from infrac.syntax.parser import parse\n"
        "assert parse(SourceFile('a.infra', 'stack s { queue Q { x = 1 } }')).module is not None\n"
        "print(' '.join(sorted(sys.modules)))\n"
    )
    process = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    modules = set(process.stdout.split())
    assert "infrac.syntax._fast" in modules
    assert not {"json", "hashlib", "_hashlib", "lark", "pickle"} & modules


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
