"""The build cache (infrac.project.buildcache) never changes a result.

A warm build (with the cache that the previous builds filled) writes the same
bytes, the same diagnostics and the same exit code as a cold one (no cache),
after any sequence of edits; corrupt entries are ignored; a cache folder that
others can write is not used.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import ROOT, SEED
from infrac import cli
from infrac.base.source import SourceFile
from infrac.project import buildcache, irjson
from infrac.syntax.parser import parse
from test_syntax_fast import REPOSITORY, identical

PROJECT = 'project shop {\n  region = "eu-west-1"\n  stages = [dev, prod]\n}\n'
DATA = """stack data {
  table Users {
    name   = "{project}-{stage}-users"
    key    = { userId: string }
    stream = new_and_old_images
    export name, arn
  }
  queue Jobs {
    name               = "{project}-{stage}-jobs"
    visibility_timeout = 30s
    export url, arn
  }
}
"""
APP = """stack app {
  environment = { USERS_TABLE: data.Users.name, JOBS_QUEUE: data.Jobs.url }
  uses data.Users { read }
}
"""
FILES = {"project.infra": PROJECT, "data.infra": DATA, "app.infra": APP}


def _edit(files: dict[str, str], kind: int, n: int) -> dict[str, str]:
    files = dict(files)
    if kind == 0:  # a value changes
        files["data.infra"] = files["data.infra"].replace("visibility_timeout = 30s", f"visibility_timeout = {n + 1}s")
    elif kind == 1:  # a resource is added
        files["data.infra"] = files["data.infra"].rstrip()[:-1] + f"  table T{n} {{ key = {{ id: string }} }}\n}}\n"
    elif kind == 2:  # a reference breaks (an error), or is repaired by a later edit
        files["app.infra"] = files["app.infra"].replace("data.Users.name", f"data.User{n}.name")
    elif kind == 3:  # a syntax error
        files["data.infra"] = files["data.infra"] + "stack {\n"
    elif kind == 4:  # back to the original file
        name = sorted(FILES)[n % len(FILES)]
        files[name] = FILES[name]
    elif kind == 5:  # a setting every stack reads
        files["project.infra"] = files["project.infra"].replace('"eu-west-1"', f'"eu-west-{n % 3 + 1}"')
    else:  # a file is added
        files[f"extra{n % 2}.infra"] = f"stack extra{n % 2} {{\n  queue Q{n} {{ visibility_timeout = {n + 1}s }}\n}}\n"
    return files


def _build(project: Path, out: Path, capsys, *, cache: bool, target: str) -> tuple[int, str, dict[str, bytes]]:
    argv = ["build", str(project), "--target", target, "--out", str(out), "--color", "never"]
    code = cli.main(argv if cache else [*argv, "--no-cache"])
    diagnostics = capsys.readouterr().err
    written = (
        {p.relative_to(out).as_posix(): p.read_bytes() for p in out.rglob("*") if p.is_file()} if out.is_dir() else {}
    )
    return code, diagnostics, written


def _write(project: Path, files: dict[str, str]) -> None:
    for old in project.glob("*.infra"):
        if old.name not in files:
            old.unlink()
    for name, text in files.items():
        (project / name).write_text(text, encoding="utf-8")


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    edits=st.lists(st.tuples(st.integers(0, 6), st.integers(0, 40)), min_size=1, max_size=4),
    target=st.sampled_from(["cloudformation", "serverless"]),
)
def test_a_warm_build_writes_what_a_cold_one_writes(tmp_path_factory, capsys, edits, target):
    root = tmp_path_factory.mktemp("edits")
    os.environ["XDG_CACHE_HOME"] = str(root / "cache")
    try:
        project, warm_out = root / "project", root / "warm"
        project.mkdir()
        files = dict(FILES)
        _write(project, files)
        _build(project, warm_out, capsys, cache=True, target=target)  # fills the cache
        for step, (kind, n) in enumerate(edits):
            files = _edit(files, kind, n)
            _write(project, files)
            warm = _build(project, warm_out, capsys, cache=True, target=target)
            cold = _build(project, root / f"cold{step}", capsys, cache=False, target=target)
            assert warm[0] == cold[0]
            assert warm[1] == cold[1]
            if warm[0] == 0:
                assert warm[2] == cold[2]
    finally:
        os.environ["XDG_CACHE_HOME"] = str(root.parent)


def test_the_seed_system_checked_after_an_edit_parses_one_file_and_builds_identically(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    project = tmp_path / "seed"
    project.mkdir()
    for source in [*SEED.glob("*.infra"), SEED / "infra.lock"]:
        (project / source.name).write_bytes(source.read_bytes())
    assert _build(project, tmp_path / "first", capsys, cache=True, target="cloudformation")[0] == 0
    assert cli.main(["check", str(project)]) == 0  # a check keeps every file's parse
    sqs = project / "sqs.infra"
    sqs.write_text(sqs.read_text(encoding="utf-8").replace("visibility_timeout = 1m", "visibility_timeout = 2m", 1))
    cache = buildcache.BuildCache()
    from infrac.project.pipeline import compile_sources
    from infrac.project.workspace import load

    result = compile_sources(load([project]).sources, parse_file=cache.parse)
    assert result.ok and cache.parsed == 1
    cache.close()
    warm = _build(project, tmp_path / "warm", capsys, cache=True, target="cloudformation")
    cold = _build(project, tmp_path / "cold", capsys, cache=False, target="cloudformation")
    assert warm[0] == cold[0] == 0 and warm[2] == cold[2]


def test_corrupt_entries_are_ignored_and_replaced(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    project = tmp_path / "project"
    project.mkdir()
    _write(project, FILES)
    first = _build(project, tmp_path / "a", capsys, cache=True, target="cloudformation")
    assert cli.main(["check", str(project)]) == 0  # parse entries too
    entries = [p for p in (tmp_path / "cache").rglob("*") if p.is_file()]
    assert {p.parent.name for p in entries} >= {"parse", "summary", "group"}
    for number, entry in enumerate(entries):
        entry.write_bytes([b"", b"{", b'{"format": 1, "module": {"c": "Module", "f": [1]}}', b"\xff\xfe"][number % 4])
    again = _build(project, tmp_path / "b", capsys, cache=True, target="cloudformation")
    assert again[:2] == first[:2] and again[2] == first[2]
    assert cli.main(["check", str(project)]) == 0  # the parse entries replaced
    # an entry whose text was changed after it was written (its checksum no longer matches)
    for entry in (p for p in (tmp_path / "cache").rglob("*") if p.is_file()):
        digest, _, text = entry.read_text(encoding="utf-8").partition("\n")
        entry.write_text(digest + "\n" + text.replace("Users", "Userz"), encoding="utf-8")
    assert _build(project, tmp_path / "c", capsys, cache=True, target="cloudformation")[:3] == first[:3]


def test_a_cache_folder_others_can_write_is_not_used(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    (tmp_path / "cache" / "infrac").mkdir(parents=True)
    os.chmod(tmp_path / "cache" / "infrac", 0o777)
    project = tmp_path / "project"
    project.mkdir()
    _write(project, FILES)
    code = cli.main(["build", str(project), "--out", str(tmp_path / "out")])
    assert code == 0
    assert "not using the build cache" in capsys.readouterr().err
    assert list((tmp_path / "cache" / "infrac").iterdir()) == []


def test_a_link_in_place_of_the_cache_folder_is_not_followed(tmp_path, monkeypatch):
    (tmp_path / "elsewhere").mkdir(mode=0o700)
    (tmp_path / "cache").mkdir()
    (tmp_path / "cache" / "infrac").symlink_to(tmp_path / "elsewhere")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    with pytest.raises(buildcache.Unusable):
        buildcache.BuildCache()


def test_new_folders_are_private(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    cache = buildcache.BuildCache()
    assert not (cache.folder / "parse").exists()  # made when first written
    cache.parse(SourceFile("a.infra", "stack data {\n}\n"))
    cache.emit({"a": 1}, "yaml", lambda document: "a: 1\n")
    cache.put("group", "0" * 64, {"format": 1})
    for folder in (cache.top, cache.folder, *(cache.folder / p for p in ("parse", "emit", "group"))):
        assert folder.stat().st_mode & 0o777 == 0o700
    assert (cache.folder / "group" / f"{'0' * 64}.json").is_file()


@pytest.mark.parametrize("path", REPOSITORY)
def test_the_syntax_ir_reads_back_identical_with_every_span(path):
    """Every file of the repository that parses: the decoded module equals the parsed
    one in every field, spans, comments and path included."""
    source = SourceFile(path, (ROOT / path).read_text(encoding="utf-8"))
    module = parse(source).module
    if module is None:
        return  # a syntax error: nothing is cached
    text = json.dumps(irjson.encode_module(module), separators=(",", ":"), ensure_ascii=False)
    decoded = irjson.decode_module(json.loads(text), source.path, len(source.text))
    identical(decoded, module)
    assert repr(decoded) == repr(module)


def test_the_syntax_ir_property_covers_files_that_parse():
    assert (
        sum(parse(SourceFile(p, (ROOT / p).read_text(encoding="utf-8"))).module is not None for p in REPOSITORY) > 100
    )


@pytest.mark.parametrize(
    "corrupt",
    [
        lambda d: {**d, "format": irjson.FORMAT + 1},
        lambda d: {**d, "items": [[99, "x", 0, 1]]},
        lambda d: {**d, "items": [d["items"][0][:-1]]},
        lambda d: {**d, "items": [[0, "a string is not an item", 0, 1]]},
        lambda d: {**d, "comments": [["# c", 0]]},
        lambda d: {k: v for k, v in d.items() if k != "items"},
    ],
)
def test_a_corrupt_entry_does_not_decode(corrupt):
    source = SourceFile("infra.dsl/sqs.infra", (SEED / "sqs.infra").read_text(encoding="utf-8"))
    data = json.loads(json.dumps(irjson.encode_module(parse(source).module)))
    with pytest.raises((ValueError, KeyError, TypeError, IndexError, AttributeError)):
        irjson.decode_module(corrupt(data), source.path, len(source.text))


def test_a_number_too_long_for_python_is_a_miss():
    text = json.dumps({"format": irjson.FORMAT, "items": [[0, "x", 0, 1]], "comments": []})
    with pytest.raises(ValueError):
        irjson.read_module(text.replace("[0, 1]", "[0, 1" + "0" * 5000 + "]"), "f.infra", 10**6)


def test_offsets_are_shared_between_modules():
    """Spans hold two offsets each; an offset is one object in every module, parsed or
    read back (two copies of a file in two folders: every offset is in both)."""
    text = (SEED / "sqs.infra").read_text(encoding="utf-8")
    sources = [SourceFile(f"{folder}/sqs.infra", text) for folder in ("c1", "c2")]
    parsed = [parse(s).module for s in sources]
    read = [irjson.read_module(json.dumps(irjson.encode_module(m)), m.path, len(text)) for m in parsed]
    for first, second in (parsed, read):
        pairs = list(zip(first.items[0].body, second.items[0].body))
        assert pairs and all(x.span.end > 256 for x, _ in pairs)
        assert all(x.span.start is y.span.start and x.span.end is y.span.end for x, y in pairs)


def test_a_rebuild_writes_only_the_files_whose_bytes_changed(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    project, out = tmp_path / "project", tmp_path / "out"
    project.mkdir()
    files = {**FILES, "other.infra": "stack other {\n  queue Q { visibility_timeout = 5s }\n}\n"}
    _write(project, files)
    assert _build(project, out, capsys, cache=True, target="cloudformation")[0] == 0
    before = {p.name: p.stat() for p in out.iterdir()}
    _write(project, {**files, "other.infra": files["other.infra"].replace("5s", "6s")})
    assert _build(project, out, capsys, cache=True, target="cloudformation")[0] == 0
    after = {p.name: p.stat() for p in out.iterdir()}
    assert after["other.yml"].st_ino != before["other.yml"].st_ino
    for name in ("data.yml", "app.imports.yml"):
        assert (after[name].st_ino, after[name].st_mtime_ns) == (before[name].st_ino, before[name].st_mtime_ns)


def test_the_fingerprint_covers_every_module_of_infrac_and_the_grammar(monkeypatch):
    """The namespace of a cache changes with any file infrac runs or reads: the fingerprint
    walked only the project layer's folder once the build cache moved into it."""
    visited = []
    real = os.scandir

    def scandir(folder):
        visited.append(Path(folder))
        return real(folder)

    monkeypatch.setattr(buildcache.os, "scandir", scandir)
    buildcache._fingerprint()
    package = Path(buildcache.__file__).resolve().parents[1]
    assert package / "syntax" in visited and package / "vocabulary" in visited and package / "cfn" / "schemas" in visited
    assert ROOT / "grammar" in visited

