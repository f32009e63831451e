"""The build cache is only ever a cache: whatever its folder holds, a build writes what a build
without it writes, and never fails because of it.

Each kind of bad entry is planted with a valid checksum (what a tampered or foreign entry
looks like once it passes the first check): nested beyond any reader, of another shape, with
spans outside the file, paths outside the output folder, numbers where texts belong, floats,
a FIFO, a link, a folder, an entry too large. ``build --check`` reads nothing from the cache.
The cache's folders are opened once and used through their descriptors: a folder swapped in
while a build runs (a parent folder others can write) is never read.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from conftest import assert_no_traceback
from infrac import cli
from infrac.project import buildcache, incremental
from test_buildcache import FILES, _build, _write


def _plant(entry: Path, payload: bytes) -> None:
    """Replace an entry by ``payload`` with a valid checksum."""
    entry.write_bytes(hashlib.sha256(payload).hexdigest().encode() + b"\n" + payload)


def _payload(entry: Path) -> bytes:
    return entry.read_bytes().partition(b"\n")[2]


def _entries(cache: Path, part: str) -> list[Path]:
    return sorted(p for p in cache.rglob("*") if p.parent.name == part and p.is_file() and not p.name.startswith("."))


@pytest.fixture
def warm(tmp_path, capsys, monkeypatch):
    """A project built once with the cache (every part filled: `check` keeps parses), and the
    output of a build without it."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    project = tmp_path / "project"
    project.mkdir()
    _write(project, FILES)
    cold = _build(project, tmp_path / "cold", capsys, cache=False, target="cloudformation")
    assert cold[0] == 0
    assert _build(project, tmp_path / "first", capsys, cache=True, target="cloudformation")[:3] == cold[:3]
    assert cli.main(["check", str(project)]) == 0
    capsys.readouterr()
    for part in ("parse", "summary", "group"):
        assert _entries(tmp_path / "cache", part), part
    return tmp_path, project, cold


def _rebuild(warm, capsys, name: str = "again"):
    root, project, cold = warm
    built = _build(project, root / name, capsys, cache=True, target="cloudformation")
    assert built[0] == 0 and built[1] == cold[1] and built[2] == cold[2]
    return built


DEEP = b"[" * 100_000 + b"]" * 100_000


@pytest.mark.parametrize("part", ["summary", "group", "parse"])
def test_an_entry_nested_100000_deep_with_a_valid_checksum_is_a_miss(warm, capsys, part):
    """The issue's case: such an entry made every later build exit 3 until the cache was deleted."""
    for entry in _entries(warm[0] / "cache", part):
        _plant(entry, DEEP if part != "group" else b'{"format": 4}\n' + DEEP)
    _rebuild(warm, capsys)
    assert cli.main(["check", str(warm[1])]) == 0


def _first_pack(root: Path) -> tuple[Path, dict, str]:
    pack = _entries(root / "cache", "group")[0]
    head, _, texts = _payload(pack).decode().partition("\n")
    return pack, json.loads(head), texts


def _replant_pack(pack: Path, head: dict, texts: str) -> None:
    _plant(pack, json.dumps(head, separators=(",", ":")).encode() + b"\n" + texts.encode())


def _each_stack(head: dict):
    for result in head["results"].values():
        yield from result["stacks"]


GROUP_DAMAGE = {
    "an artifact outside the output folder": lambda s: s["artifacts"][0].__setitem__(0, "../../escaped.yml"),
    "the manifest as an artifact": lambda s: s["artifacts"][0].__setitem__(0, ".infrac-manifest.json"),
    "a text's number out of range": lambda s: s["artifacts"][0].__setitem__(1, 10**9),
    "a count of resources too large to make": lambda s: s.__setitem__("resources", 10**12),
    "a name that is not a string": lambda s: s.__setitem__("name", ["data"]),
    "an export of the wrong width": lambda s: s.__setitem__("exports", [["only", "three", "fields"]]),
    "a key more": lambda s: s.__setitem__("planted", True),
    "a key less": lambda s: s.pop("imports"),
}


@pytest.mark.parametrize("damage", sorted(GROUP_DAMAGE))
def test_a_group_result_of_another_shape_is_a_miss(warm, capsys, damage):
    pack, head, texts = _first_pack(warm[0])
    for stack in _each_stack(head):
        GROUP_DAMAGE[damage](stack)
    _replant_pack(pack, head, texts)
    _rebuild(warm, capsys)
    assert not (warm[0] / "escaped.yml").exists()


@pytest.mark.parametrize("damage", ["a span past the file", "an unknown code", "a span in no file", "a level"])
def test_a_group_result_with_a_foreign_diagnostic_is_a_miss(warm, capsys, damage):
    pack, head, texts = _first_pack(warm[0])
    result = next(iter(head["results"].values()))
    diagnostic = ["W0601", "warning", "planted", ["project/data.infra", 0, 1], "", [], [], None, None]
    if damage == "a span past the file":
        diagnostic[3] = ["project/data.infra", 0, 10**6]
    elif damage == "an unknown code":
        diagnostic[0] = "X9999"
    elif damage == "a span in no file":
        diagnostic[3] = ["/etc/passwd", 0, 1]
    else:
        result["warnings"] = {"W0601": "loud"}
    result["diagnostics"].append(diagnostic)
    _replant_pack(pack, head, texts)
    _rebuild(warm, capsys)


def test_a_pack_whose_texts_are_not_whole_is_a_miss(warm, capsys):
    pack, head, texts = _first_pack(warm[0])
    _replant_pack(pack, head, texts[:-1])
    _rebuild(warm, capsys)


@pytest.mark.parametrize(
    "payload",
    [
        b'{"files": {"x": {"declares": [1.5]}}}',  # a float: no entry holds one
        b'{"files": NaN}',
        b'{"files": {}, "builds": {"k": {"g": 5}}}',
        b"\xff\xfe",
        b"[]",
    ],
)
def test_a_foreign_index_is_a_miss(warm, capsys, payload):
    for entry in _entries(warm[0] / "cache", "summary"):
        _plant(entry, payload)
    _rebuild(warm, capsys)


def test_a_summary_with_spans_outside_its_file_is_a_miss(warm, capsys):
    for entry in _entries(warm[0] / "cache", "summary"):
        index = json.loads(_payload(entry))
        for summary in index["files"].values():
            summary["suppressions"] = [[1, ["W0601"], "planted", 0, 10**7]]
            summary["project"] = [0, 10**7] if summary["project"] else None
        _plant(entry, json.dumps(index).encode())
    _rebuild(warm, capsys)


@pytest.mark.parametrize(
    "change",
    [
        lambda d: {**d, "items": [[13, ["data", 0, 4], [[0, "x", 0, 10**6]], 0, 1]]},  # a span past the file
        lambda d: {**d, "items": [[13, ["data", 0, 4], [[1, "1e999999", None, 0, 1]], 0, 1]]},  # no such number
        lambda d: {**d, "items": [[13, ["data", 0, 4], [[1, 10**150, None, 0, 1]], 0, 1]]},  # beyond the parser's
        lambda d: {**d, "items": [[13, ["data", 0, 4], [[2, "yes", 0, 1]], 0, 1]]},  # a bool that is not one
        lambda d: {**d, "items": [[13, ["data", 0, 4], [[4, [], 0, 1, []]], 0, 1]]},  # a reference to nothing
        lambda d: {**d, "items": [[13, ["data", 0, 4], [_deep(80)], 0, 1]]},  # deeper than the parser allows
        lambda d: {**d, "comments": [[7, 0, 1]]},
    ],
)
def test_a_parse_entry_of_another_shape_is_a_miss(warm, capsys, change):
    root, project, cold = warm
    for entry in _entries(root / "cache", "parse"):
        _plant(entry, json.dumps(change(json.loads(_payload(entry)))).encode())
    assert cli.main(["check", str(project), "--color", "never"]) == 0
    capsys.readouterr()


def _deep(levels: int) -> list:
    node: list = [0, "x", 0, 1]
    for _ in range(levels):
        node = [5, [node], 0, 1]
    return node


@pytest.mark.parametrize("kind", ["fifo", "link", "folder", "large"])
def test_an_entry_that_is_not_a_regular_file_of_ours_is_a_miss(warm, capsys, kind):
    for part in ("summary", "group", "parse"):
        for entry in _entries(warm[0] / "cache", part):
            entry.unlink()
            if kind == "fifo":
                os.mkfifo(entry)  # opened as it is, a FIFO blocks the build forever
            elif kind == "link":
                (warm[0] / "elsewhere").write_bytes(b"planted")
                entry.symlink_to(warm[0] / "elsewhere")
            elif kind == "folder":
                entry.mkdir()
            else:
                with open(entry, "wb") as stream:
                    stream.truncate(buildcache.MAX_ENTRY + 1)  # sparse: no disk
    _rebuild(warm, capsys)
    assert cli.main(["check", str(warm[1])]) == 0


def test_a_part_replaced_by_a_file_or_a_link_is_a_miss(warm, capsys):
    namespace = next(p for p in (warm[0] / "cache" / "infrac").iterdir() if p.is_dir())
    (namespace / "group").rename(warm[0] / "moved")
    (namespace / "group").symlink_to(warm[0] / "moved")
    for name in ("summary", "parse"):
        target = namespace / name
        os.rename(target, warm[0] / f"moved-{name}")
        target.write_bytes(b"not a folder")
    _rebuild(warm, capsys)


def test_build_check_reads_nothing_from_the_cache(warm, capsys):
    """The issue's case: a planted group result changed the output, and `build --check` passed
    against it; only `--no-cache --check` caught it."""
    root, project, cold = warm
    pack, head, texts = _first_pack(root)
    number = next(a[1] for stack in _each_stack(head) for a in stack["artifacts"] if "Users" in texts)
    start = sum(head["texts"][:number])
    template = texts[start : start + head["texts"][number]]
    assert "Users" in template
    planted = texts[:start] + template.replace("Users", "Plant") + texts[start + len(template):]  # a file, not the lock
    _replant_pack(pack, head, planted)
    out = root / "first"  # the output the cache was filled for: its group results are used
    assert _build(project, out, capsys, cache=True, target="cloudformation")[0] == 0  # the cache is trusted here
    assert b"Plant" in b"".join((out / name).read_bytes() for name in os.listdir(out) if name.endswith(".yml"))
    argv = ["build", str(project), "--target", "cloudformation", "--out", str(out), "--check", "--color", "never"]
    assert cli.main(argv) == 1
    assert "is not what the sources produce" in capsys.readouterr().out
    assert cli.main([*argv[:-3], "--out", str(root / "cold"), "--check"]) == 0


def test_a_folder_swapped_in_after_the_cache_is_opened_is_never_read(warm, capsys):
    """The cache's folders are used through the descriptors opened first: a twin put in their
    place (a parent folder others can write) is not read, whatever it holds."""
    root, project, cold = warm
    top = root / "cache" / "infrac"
    cache = buildcache.BuildCache()
    twin = root / "twin"
    import shutil

    shutil.copytree(top, twin)
    for entry in (p for p in twin.rglob("*") if p.is_file()):
        payload = _payload(entry).replace(b"Users", b"Plant")
        _plant(entry, payload)
    os.rename(top, root / "original")
    os.rename(twin, top)
    from infrac.backends import BuildOptions
    from infrac.project.workspace import display, load

    sources = load([project]).sources
    built = incremental.build(sources, cache, "cloudformation", BuildOptions(out=str(root / "x")), None,
                              display(project / "infra.lock"))
    cache.close()
    assert built is not None
    assert not any("Plant" in artifact.text for artifact in built.artifacts)


@pytest.mark.skipif(os.geteuid() != 0, reason="needs a folder of another user")
def test_folders_swapped_during_builds_in_a_parent_others_can_write(tmp_path):
    """The issue's case: with XDG_CACHE_HOME in a world-writable folder without the sticky bit,
    another user swapping folders during a build put that user's text into 5 of 40 outputs.
    Here another user (uid 65534) swaps a twin of the cache folder, full of planted entries,
    in and out while 40 builds run: every output is the cold build's."""
    shared = tmp_path / "shared"
    shared.mkdir()
    os.chmod(shared, 0o777)  # others can write, and no sticky bit
    project = tmp_path / "project"
    project.mkdir()
    _write(project, FILES)
    env = {**os.environ, "XDG_CACHE_HOME": str(shared), "NO_COLOR": "1"}

    def build(out: Path, *more: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "infrac", "build", str(project), "--out", str(out), *more],
                              capture_output=True, text=True, env=env, timeout=120)

    assert build(tmp_path / "cold", "--no-cache").returncode == 0
    assert build(tmp_path / "first").returncode == 0
    twin = shared / "twin"
    import shutil

    shutil.copytree(shared / "infrac", twin)
    for entry in (p for p in twin.rglob("*") if p.is_file()):
        _plant(entry, _payload(entry).replace(b"Users", b"Plant"))
    for path in [twin, *twin.rglob("*")]:
        os.chown(path, 65534, 65534, follow_symlinks=False)
    stop = threading.Event()

    import ctypes

    renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
    paths = (os.fsencode(shared / "infrac"), os.fsencode(twin))
    swaps = [0]

    def swap() -> None:  # the two folders exchanged (RENAME_EXCHANGE), again and again
        while not stop.is_set():
            if renameat2(-100, paths[0], -100, paths[1], 2) == 0:
                swaps[0] += 1

    swapper = threading.Thread(target=swap)
    swapper.start()
    try:
        for number in range(40):
            (project / "data.infra").write_text(FILES["data.infra"].replace("30s", f"{number + 31}s"))
            expected_process = build(tmp_path / f"c{number}", "--no-cache")
            process = build(tmp_path / f"w{number}")
            assert_no_traceback(process)
            assert process.returncode == 0, process.stderr
            written = {p.name: p.read_bytes() for p in (tmp_path / f"w{number}").iterdir()}
            expected = {p.name: p.read_bytes() for p in (tmp_path / f"c{number}").iterdir()}
            assert expected_process.returncode == 0
            assert written == expected, number
    finally:
        stop.set()
        swapper.join()
    assert swaps[0] > 40, swaps
