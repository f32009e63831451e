"""The shapes of what an incremental build keeps in the build cache, checked before use.

A cached entry is data read from a folder on disk (:mod:`infrac.project.buildcache`): a
group's result is used only when every value in it has the type and the bounds the merge
relies on, every path it would write is a relative path inside the output folder, and every
diagnostic decodes with spans inside the project's files. Anything else raises
:class:`~infrac.project.irjson.Foreign`, which the build reads as a miss (it compiles the
group again). The checks walk a fixed shape, never deeper than it.
"""

from __future__ import annotations

import json

from infrac.project.irjson import Foreign, decode_diagnostic

TYPE_CHECKING = False  # typing's own constant, without importing typing
if TYPE_CHECKING:
    from typing import Any

#: More resources than any stack holds (CloudFormation allows 500): a count beyond is foreign.
MAX_RESOURCES = 100_000
_LEVELS = ("off", "warning", "error")


def _fail(what: str) -> Foreign:
    return Foreign(f"not a group result: {what}")


def _strings(value: Any, what: str) -> list[str]:
    if type(value) is not list or any(type(item) is not str for item in value):
        raise _fail(what)
    return value


def _string(value: Any, what: str, optional: bool = False) -> None:
    if type(value) is not str and not (optional and value is None):
        raise _fail(what)


def _rows(value: Any, what: str, width: int) -> list[list]:
    if type(value) is not list or any(type(row) is not list or len(row) != width for row in value):
        raise _fail(what)
    return value


def _relative(path: str) -> bool:
    parts = path.split("/")
    return (
        bool(path) and "\\" not in path and "\x00" not in path and not path.startswith("/")
        and all(part not in ("", ".", "..") for part in parts)
    )


_STACK_KEYS = frozenset({
    "name", "resources", "consumer", "path", "dependencies", "artifacts", "exports", "imports", "reads",
    "lock_exports", "lock_record",
})


def _stack(entry: Any) -> None:
    if type(entry) is not dict or entry.keys() != _STACK_KEYS:
        raise _fail("a stack")
    _string(entry["name"], "a stack's name")
    count = entry["resources"]
    if type(count) is not int or not 0 <= count <= MAX_RESOURCES:
        raise _fail("a count of resources")
    if type(entry["consumer"]) is not bool:
        raise _fail("consumer")
    _string(entry["path"], "a consumer's path", optional=True)
    _strings(entry["dependencies"], "dependencies")
    for row in _rows(entry["artifacts"], "artifacts", 3):
        _strings(row, "an artifact")
        if not _relative(row[0]) or row[0] == ".infrac-manifest.json":
            raise _fail("an artifact's path")
    for name, resource, attribute, importers, retired, output, readers in _rows(entry["exports"], "exports", 7):
        for value in (name, resource, attribute, output):
            _string(value, "an export")
        _string(retired, "an export's retirement", optional=True)
        _strings(importers, "an export's importers")
        _strings(readers, "an export's readers")
    _strings(entry["imports"], "imports")
    if entry["reads"] is not None:
        _strings(entry["reads"], "reads")
    for row in _rows(entry["lock_exports"], "the lock's exports", 2):
        _strings(row, "the lock's exports")
    _string(entry["lock_record"], "the lock's record", optional=True)


_RESULT_KEYS = frozenset({
    "format", "stacks", "diagnostics", "project", "replaced", "stages", "warnings", "names", "foreign_imports",
    "foreign_reads",
})


def checked(result: Any, form: int, lengths: dict[str, int]) -> dict:
    """``result``, when it is a group's result of format ``form`` whose diagnostics point into
    files of these ``lengths`` (display path to length of text); raises Foreign otherwise."""
    if type(result) is not dict or result.keys() != _RESULT_KEYS or result["format"] != form:
        raise _fail("its keys")
    stacks = result["stacks"]
    if type(stacks) is not list or not stacks:
        raise _fail("stacks")
    for entry in stacks:
        _stack(entry)
    for part in ("diagnostics", "project", "replaced"):
        found = result[part]
        if type(found) is not list:
            raise _fail(part)
        for data in found:
            try:
                decode_diagnostic(data, lengths)
            except (ValueError, TypeError, KeyError, IndexError) as error:
                raise _fail(f"a diagnostic ({error})") from None
    if not _strings(result["stages"], "stages"):
        raise _fail("stages")
    warnings = result["warnings"]
    if type(warnings) is not dict or any(type(v) is not str or v not in _LEVELS for v in warnings.values()):
        raise _fail("warnings")
    _strings(result["names"], "export names")
    _strings(result["foreign_imports"], "foreign imports")
    for row in _rows(result["foreign_reads"], "foreign reads", 2):
        _strings(row, "a foreign read")
    return result


def encode_pack(results: dict[str, dict], form: int) -> list[str]:
    """Group results (group key to result) as one entry: a line of JSON, then the texts the
    results hold (each file's text, each stack's pieces of the lock), one after the other
    (the JSON gives each one's length, and holds each text's number in its place). The
    texts are most of the bytes, and are written and read without JSON's escaping of every
    line break and quote. In pieces, for :meth:`infrac.project.buildcache.BuildCache.write`."""
    texts: list[str] = []

    def text(value: str) -> int:
        texts.append(value)
        return len(texts) - 1

    shapes = {}
    for key, result in results.items():
        stacks = []
        for entry in result["stacks"]:
            record = entry["lock_record"]
            stacks.append({
                **entry,
                "artifacts": [[path, text(body), summary] for path, body, summary in entry["artifacts"]],
                "lock_exports": [[name, text(member)] for name, member in entry["lock_exports"]],
                "lock_record": None if record is None else text(record),
            })
        shapes[key] = {**result, "stacks": stacks}
    head = json.dumps(
        {"format": form, "results": shapes, "texts": [len(t) for t in texts]}, separators=(",", ":"), ensure_ascii=False
    )
    return [head, "\n", *texts]


def decode_pack(payload: str, form: int) -> dict[str, Any]:
    """The results of a pack (group key to result, each still to be :func:`checked`), when
    ``payload`` is what :func:`encode_pack` wrote; raises Foreign otherwise (a text's number
    that is not one is left in place, and :func:`checked` finds it)."""
    from infrac.project.buildcache import loads

    cut = payload.find("\n")
    if cut < 0:
        raise Foreign("not a pack of group results")
    try:
        pack = loads(payload[:cut])
    except (ValueError, RecursionError, MemoryError) as error:
        raise Foreign(f"not a pack of group results: {type(error).__name__}") from None
    if type(pack) is not dict or pack.get("format") != form or type(pack.get("results")) is not dict:
        raise Foreign("not a pack of group results")
    lengths = pack.get("texts")
    if type(lengths) is not list or any(type(n) is not int or n < 0 for n in lengths) or \
            cut + 1 + sum(lengths) != len(payload):
        raise Foreign("a pack whose texts are not whole")
    texts, at = [], cut + 1
    for length in lengths:
        texts.append(payload[at : at + length])
        at += length

    def text(number: Any) -> Any:
        return texts[number] if type(number) is int and 0 <= number < len(texts) else number

    results = pack["results"]
    for result in results.values():
        stacks = result.get("stacks") if type(result) is dict else None
        for entry in stacks if type(stacks) is list else ():
            if type(entry) is not dict:
                continue
            for field in ("artifacts", "lock_exports"):
                for row in entry.get(field) if type(entry.get(field)) is list else ():
                    if type(row) is list and len(row) >= 2:
                        row[1] = text(row[1])
            if entry.get("lock_record") is not None:
                entry["lock_record"] = text(entry["lock_record"])
    return results
