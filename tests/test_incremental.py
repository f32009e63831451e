"""Incremental builds (infrac.project.incremental) never change a result.

Two copies of a project receive the same generated sequence of edits; after each,
one is built with the build cache (group by group, most groups from the cache) and
the other without it (the whole-program compilation). The output folders, the
``infra.lock`` beside the sources, the diagnostics printed and the exit codes must be
identical, byte for byte. The edits merge and split groups (a cross-stack reference
added and removed), make two groups publish one export name, move a resource
between the files of one stack, rename a stack, delete and add files, break and
repair the syntax, change the project block, add suppression comments, send a rule's
events to another group's queue, and import another group's export by hand.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from infrac import cli
from infrac.base.source import SourceFile
from infrac.contract.linker import Export
from infrac.project import buildcache, incremental
from infrac.project import groups as grouping
from infrac.syntax.parser import parse
from test_buildcache import APP, DATA, PROJECT  # the same small project, one stack more here

DATA2 = """stack data {
  queue Spare {
    visibility_timeout = 10s
    export arn
  }
}
"""
OTHER = """stack other {
  queue Q {
    visibility_timeout = 5s
    export arn
  }
}
"""
FILES = {"project.infra": PROJECT, "data.infra": DATA, "data2.infra": DATA2, "app.infra": APP, "other.infra": OTHER}


def _edit(files: dict[str, str], kind: int, n: int) -> dict[str, str]:
    files = dict(files)
    other = files.get("other.infra", OTHER)
    if kind == 0:  # a value changes
        files["data.infra"] = files["data.infra"].replace("visibility_timeout = 30s", f"visibility_timeout = {n + 1}s")
    elif kind == 1:  # a reference across groups appears (the groups merge) or goes (they split)
        if "data.Jobs.arn" in other:
            files["other.infra"] = OTHER
        else:
            files["other.infra"] = other.replace("queue Q {", "queue Q {\n    dead_letter_queue = data.Jobs", 1) \
                if n % 2 else other.rstrip()[:-1] + "  values = { JobsArn: data.Jobs.arn }\n}\n"
    elif kind == 2:  # another group publishes one of this group's export names, or stops
        if "reason" in other:
            files["other.infra"] = OTHER
        else:
            name = "data-{stage}-UsersArn" if n % 2 else "shared-{stage}-arn"
            files["other.infra"] = other.replace(
                "export arn", f'export arn {{ name = "{name}", reason = "kept for an old consumer" }}', 1
            )
    elif kind == 3:  # a resource moves between the two files of stack data
        if "queue Spare" in files.get("data2.infra", ""):
            spare = DATA2.split("\n", 1)[1].rsplit("}", 1)[0]
            files["data2.infra"] = "stack data {\n  table Moved { key = { id: string } }\n}\n"
            files["data.infra"] = files["data.infra"].rstrip()[:-1] + spare + "}\n"
        else:
            files["data2.infra"] = DATA2
            files["data.infra"] = DATA
    elif kind == 4:  # a stack is renamed
        files["other.infra"] = other.replace("stack other", f"stack other{n % 3}", 1) if "stack other " in other \
            else OTHER
    elif kind == 5:  # a file is deleted or added
        if n % 2:
            files.pop("other.infra", None)
        else:
            files[f"extra{n % 3}.infra"] = f"stack extra{n % 3} {{\n  queue E{n} {{ visibility_timeout = {n + 1}s }}\n}}\n"
    elif kind == 6:  # a syntax error, repaired by the next such edit
        if files["app.infra"].endswith("stack {\n"):
            files["app.infra"] = APP
        else:
            files["app.infra"] = files["app.infra"] + "stack {\n"
    elif kind == 7:  # the project block, which every group reads
        choices = [
            PROJECT.replace('"eu-west-1"', f'"eu-west-{n % 3 + 1}"'),
            PROJECT.replace("}", "  exports_required = true\n}"),
            PROJECT.replace("}", "  warnings = { W0601: error }\n}"),
            PROJECT.replace("}", "  warnings = { W0601: off }\n}"),
            PROJECT.replace("}", "  references = weak\n}"),
            PROJECT,
        ]
        files["project.infra"] = choices[n % len(choices)]
    elif kind == 8:  # a warning, suppressed or not, and a suppression that silences nothing
        table = "  table Users {\n"
        if "deletion_policy" in files["data.infra"]:
            files["data.infra"] = DATA
        elif n % 2:
            files["data.infra"] = files["data.infra"].replace(table, table + "    deletion_policy = retain\n", 1)
        else:
            files["data.infra"] = files["data.infra"].replace(
                table, table + "    # infrac: allow W0601 -- kept by hand\n    deletion_policy = retain\n", 1
            )
        if n % 3 == 0:
            files["other.infra"] = "# infrac: allow W0602 -- nothing here\n" + other
    elif kind == 9:  # a stack declares nothing (a warning in its own group)
        if files.pop("empty.infra", None) is None:
            files["empty.infra"] = "stack empty {\n}\n"
    elif kind == 10:  # an import or a read of another group's export, written by hand in properties
        if "AWS::SSM::Parameter" in other:
            files["other.infra"] = OTHER
        else:
            value = '{ "Fn::ImportValue": "data-{stage}-UsersArn" }' if n % 2 else \
                '{ "Fn::GetStackOutput": { StackName: "data-{stage}", OutputName: "UsersArn" } }'
            files["other.infra"] = other.rstrip()[:-1] + (
                f'  resource "AWS::SSM::Parameter" P {{\n    properties = {{ Type: "String", Value: {value} }}\n  }}\n}}\n'
            )
    elif kind == 11:  # a rule of another group sends to a queue of this one (its stack gets the queue policy)
        if "rule Route" in other:
            files["other.infra"] = OTHER
        else:
            files["other.infra"] = other.rstrip()[:-1] + (
                '  bus Events { name = "{project}-{stage}-events" }\n'
                '  rule Route {\n    bus = Events\n    pattern = { source: ["shop"] }\n    target data.Jobs {}\n  }\n}\n'
            )
    else:  # back to the original file
        name = sorted(FILES)[n % len(FILES)]
        files[name] = FILES[name]
    return files


def _write(project: Path, files: dict[str, str]) -> None:
    project.mkdir(exist_ok=True)
    for old in project.glob("*.infra"):
        if old.name not in files:
            old.unlink()
    for name, text in files.items():
        path = project / name
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")


def _build(root: Path, capsys, *, cache: bool, target: str, form: str) -> tuple:
    """A build in ``root`` (project/, out/ and the lock, by the same relative paths in every root)."""
    here = os.getcwd()
    os.chdir(root)
    try:
        argv = ["build", "project", "--target", target, "--out", "out", "--color", "never", "--diagnostic-format", form]
        code = cli.main(argv if cache else [*argv, "--no-cache"])
    finally:
        os.chdir(here)
    printed = capsys.readouterr()
    out = root / "out"
    written = {p.relative_to(out).as_posix(): p.read_bytes() for p in out.rglob("*") if p.is_file()} if out.is_dir() else {}
    lock = root / "project" / "infra.lock"
    return code, printed.err, printed.out, written, lock.read_bytes() if lock.exists() else None


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    edits=st.lists(st.tuples(st.integers(0, 12), st.integers(0, 40)), min_size=1, max_size=5),
    target=st.sampled_from(["cloudformation", "serverless"]),
    form=st.sampled_from(["text", "json"]),
)
def test_a_warm_build_is_the_whole_program_build(tmp_path_factory, capsys, edits, target, form):
    root = tmp_path_factory.mktemp("incremental")
    before = os.environ.get("XDG_CACHE_HOME")
    os.environ["XDG_CACHE_HOME"] = str(root / "cache")
    try:
        warm, cold = root / "warm", root / "cold"
        warm.mkdir()
        cold.mkdir()
        files = dict(FILES)
        for step, (kind, n) in enumerate([(0, 0), *edits]):
            files = _edit(files, kind, n) if step else files
            _write(warm / "project", files)
            _write(cold / "project", files)
            got = _build(warm, capsys, cache=True, target=target, form=form)
            expected = _build(cold, capsys, cache=False, target=target, form=form)
            assert got == expected, f"after edits {edits[:step]}"
    finally:
        if before is None:
            os.environ.pop("XDG_CACHE_HOME", None)
        else:
            os.environ["XDG_CACHE_HOME"] = before


def _summaries(files: dict[str, str]) -> dict[str, grouping.Summary]:
    found = {}
    for name, text in files.items():
        source = SourceFile(name, text)
        found[name] = grouping.summarize(parse(source).module, source)
    return found


def test_groups_are_the_stacks_closed_under_the_names_they_read():
    found = grouping.groups(_summaries(FILES))
    assert found == [["app.infra", "data.infra", "data2.infra"], ["other.infra"]]
    merged = {**FILES, "other.infra": OTHER.replace("queue Q {", "queue Q {\n    dead_letter_queue = data.Jobs")}
    assert grouping.groups(_summaries(merged)) == [["app.infra", "data.infra", "data2.infra", "other.infra"]]
    # a resource named like a stack does not merge groups that do not read each other
    alike = {**FILES, "other.infra": OTHER.replace("queue Q", "queue data")}
    assert len(grouping.groups(_summaries(alike))) == 2


def test_a_rebuild_after_a_one_file_change_compiles_one_group(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    _write(tmp_path / "project", FILES)
    _build(tmp_path, capsys, cache=True, target="cloudformation", form="text")  # writes infra.lock
    _build(tmp_path, capsys, cache=True, target="cloudformation", form="text")  # compares with it
    calls = []
    real = incremental._compile_group
    monkeypatch.setattr(incremental, "_compile_group", lambda *a, **k: calls.append(a[0]) or real(*a, **k))
    assert _build(tmp_path, capsys, cache=True, target="cloudformation", form="text")[0] == 0
    assert calls == []  # nothing changed: every group from the cache
    _write(tmp_path / "project", {**FILES, "other.infra": OTHER.replace("5s", "6s")})
    parsed, decoded = [], []
    real_parse = buildcache.BuildCache.parse

    def parse_file(self, source, **options):
        before = self.parsed
        result = real_parse(self, source, **options)
        (parsed if self.parsed > before else decoded).append(source.path)
        return result

    monkeypatch.setattr(buildcache.BuildCache, "parse", parse_file)
    assert _build(tmp_path, capsys, cache=True, target="cloudformation", form="text")[0] == 0
    assert [[m.path for m in modules] for modules in calls] == [["project/other.infra", "project/project.infra"]]
    # the edited file, and the project block the group reads (a build keeps no parse entries)
    assert parsed == ["project/other.infra", "project/project.infra"]
    assert decoded == []


def test_deleting_the_cache_changes_nothing(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    _write(tmp_path / "project", FILES)
    _build(tmp_path, capsys, cache=True, target="serverless", form="text")  # writes infra.lock
    first = _build(tmp_path, capsys, cache=True, target="serverless", form="text")
    import shutil

    shutil.rmtree(tmp_path / "cache")
    assert _build(tmp_path, capsys, cache=True, target="serverless", form="text") == first


_FOREIGN = b'{"format": 1, "stacks": [{"name": 1}]}'


@pytest.mark.parametrize(
    "damage", [b"", b"{", b"0" * 64 + b"\n{}", b"\xff\xfe", hashlib.sha256(_FOREIGN).hexdigest().encode() + b"\n" + _FOREIGN]
)
def test_a_damaged_group_or_summary_entry_is_a_miss(tmp_path, capsys, monkeypatch, damage):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    _write(tmp_path / "project", FILES)
    _build(tmp_path, capsys, cache=True, target="cloudformation", form="json")  # writes infra.lock
    first = _build(tmp_path, capsys, cache=True, target="cloudformation", form="json")
    for entry in (tmp_path / "cache").rglob("*"):
        if entry.parent.name in ("group", "summary") and entry.is_file():
            entry.write_bytes(damage)
    assert _build(tmp_path, capsys, cache=True, target="cloudformation", form="json") == first


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=10,
)


@settings(max_examples=60, deadline=None)
@given(
    exports=st.dictionaries(st.text(max_size=10), st.dictionaries(st.text(max_size=6), _JSON, max_size=4), max_size=4),
    resources=st.dictionaries(st.text(max_size=10), st.dictionaries(st.text(max_size=6), _JSON, min_size=1, max_size=3),
                              max_size=3),
)
def test_the_lock_assembled_from_fragments_is_the_lock_dumped_whole(exports, resources):
    from infrac.contract import lockfile

    document = {"generator": "infrac", "version": lockfile.VERSION, "exports": dict(sorted(exports.items()))}
    if resources:
        document["resources"] = {s: {k: r[k] for k in sorted(r)} for s, r in sorted(resources.items())}
    expected = json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    assembled = lockfile.assemble(
        [(name, lockfile.fragment(entry)) for name, entry in sorted(exports.items())],
        [(stack, lockfile.stack_fragment(record)) for stack, record in sorted(resources.items())],
    )
    assert assembled == expected


_NAMES = st.text(max_size=8)


@settings(max_examples=80, deadline=None)
@given(
    exports=st.lists(
        st.builds(
            lambda name, stack, resource, attribute, importers, retired, readers: Export(
                name, stack, resource, attribute, tuple(importers), retired, readers=tuple(readers)
            ),
            _NAMES, _NAMES, _NAMES, _NAMES, st.lists(_NAMES, max_size=3), st.none() | _NAMES, st.lists(_NAMES, max_size=2),
        ),
        max_size=4,
    ),
    resources=st.dictionaries(_NAMES, st.dictionaries(_NAMES, _JSON, min_size=1, max_size=2), max_size=2),
)
def test_each_export_is_written_as_the_whole_lock_dumps_it(exports, resources):
    from infrac.contract import lockfile
    from infrac.contract.linker import Linkage

    for export in exports:
        assert lockfile.export_member(export) == lockfile.member(export.name, lockfile.fragment(lockfile.entry(export)))
    document = {
        "generator": "infrac",
        "version": lockfile.VERSION,
        "exports": {e.name: lockfile.entry(e) for e in sorted(exports, key=lambda e: e.name)},
    }
    if resources:
        document["resources"] = {s: {k: r[k] for k in sorted(r)} for s, r in sorted(resources.items())}
    expected = json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    assert lockfile.render(Linkage(tuple(exports), {}), resources) == expected


def test_the_cache_keeps_the_groups_of_the_last_build_per_options(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))

    def stored() -> tuple[int, int]:
        """Packs, and results in them."""
        packs = list((tmp_path / "cache").rglob("group/*.pack"))
        results = sum(len(json.loads(p.read_text().split("\n")[1])["results"]) for p in packs)
        return len(packs), results

    _write(tmp_path / "project", FILES)
    _build(tmp_path, capsys, cache=True, target="cloudformation", form="text")  # writes infra.lock
    assert stored() == (1, 2)  # a first build: one pack for its two groups
    _build(tmp_path, capsys, cache=True, target="cloudformation", form="text")
    _build(tmp_path, capsys, cache=True, target="serverless", form="text")
    assert stored() == (2, 4)  # two groups, two targets
    for n in range(5):
        _write(tmp_path / "project", {**FILES, "other.infra": OTHER.replace("5s", f"{n + 6}s")})
        _build(tmp_path, capsys, cache=True, target="cloudformation", form="text")
        packs, results = stored()
        assert results <= 2 * 2 + 2  # at most twice the results in use, per target
    assert _build(tmp_path, capsys, cache=True, target="serverless", form="text")[0] == 0


@pytest.mark.parametrize("target", ["cloudformation", "serverless"])
def test_compiling_a_group_leaves_no_reference_cycle_of_the_compiler(target):
    """A build runs without the cyclic collector and frees each group's program by reference
    counting before compiling the next: a cycle through the compiler's objects (a recursive
    closure held a stack, a dumper its document) kept every group's program to the end, and
    the build collected after each group to free them (a twentieth of a large first build)."""
    import gc

    from conftest import SEED
    from infrac.backends import BuildOptions
    from infrac.project.workspace import load

    loaded = load([SEED])
    modules = [parse(source).module for source in loaded.sources]
    gc.collect()
    enabled = gc.isenabled()
    gc.disable()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        result = incremental._compile_group(
            modules, target, BuildOptions(out="out"), None, "infra.dsl/infra.lock", incremental.FORMAT
        )
        assert result is not None
        del result
        gc.collect()
        cyclic = [o for o in gc.garbage if (getattr(o, "__module__", None) or type(o).__module__ or "").startswith("infrac")]
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
        if enabled:
            gc.enable()
    assert cyclic == [], sorted({getattr(o, "__qualname__", type(o).__qualname__) for o in cyclic})


def _batch(files: dict[str, str]) -> tuple[list, list, list]:
    """The modules of a project's groups compiled as one batch, and each group's alone (with the
    project block, as an incremental build gives them), and the groups (files, stacks)."""
    from infrac.syntax import ir

    summaries = _summaries(files)
    modules = {name: parse(SourceFile(name, text)).module for name, text in files.items()}
    project = ir.Module(tuple(i for i in modules["project.infra"].items if isinstance(i, ir.Project)),
                        path="project.infra")
    members = [(frozenset(group), [n for p in group for n in summaries[p].declares])
               for group in grouping.groups(summaries)]
    together = sorted([modules[p] for files_, _ in members for p in files_] + [project], key=lambda m: m.path)
    alone = [sorted([modules[p] for p in files_] + [project], key=lambda m: m.path) for files_, _ in members]
    return together, alone, members


@pytest.mark.parametrize("target", ["cloudformation", "serverless"])
@pytest.mark.parametrize("edits", [[], [(8, 1)], [(8, 0), (9, 0)], [(2, 1)], [(5, 0)], [(7, 4), (8, 1)], [(7, 1)]])
def test_a_batch_of_groups_splits_into_what_each_group_gives_alone(target, edits):
    """A first build compiles its groups in batches and splits the result per group: what it
    keeps for each group is exactly what compiling the group alone gives (warnings, suppressions
    and an empty stack included), or it has an error that the whole program has too."""
    from infrac.backends import BuildOptions
    from infrac.project import grouped

    files = dict(FILES)
    for kind, n in edits:
        files = _edit(files, kind, n)
    together, alone, members = _batch(files)
    assert len(members) >= 2
    options = BuildOptions(out="out")
    expected = [grouped.compile_group(m, target, options, None, "infra.lock", incremental.FORMAT) for m in alone]
    split = grouped.compile_batch(together, target, options, None, "infra.lock", incremental.FORMAT, members)
    if split is None:  # an error across groups (one export name published twice): the whole program says it
        from infrac.diagnostics import has_errors
        from infrac.project.pipeline import compile_sources

        assert has_errors(compile_sources([SourceFile(n, t) for n, t in files.items()]).diagnostics)
        return
    assert split == expected


@pytest.mark.parametrize("n", [0, 1])
def test_a_batch_whose_groups_read_each_other_is_not_split(n):
    """A group that imports (or reads) another group's export by hand, in properties: its
    export's importers would name a stack of another group."""
    from infrac.backends import BuildOptions
    from infrac.project import grouped

    together, _, members = _batch(_edit(dict(FILES), 10, n))
    with pytest.raises(grouped.Unsplittable):
        grouped.compile_batch(together, "cloudformation", BuildOptions(out="out"), None, "infra.lock",
                              incremental.FORMAT, members)
