"""The file system side: finding and reading sources, writing outputs atomically.

Only the command line uses this module; the compiler itself never touches disk.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path

import attrs

from infrac.diagnostics import Diagnostic, diagnostic
from infrac.source import SourceFile

SUFFIX = ".infra"
_SKIPPED_FOLDERS = {"node_modules", "__pycache__"}
MANIFEST = ".infrac-manifest.json"


def default_path() -> Path:
    """``infra.dsl/`` when the current folder has one, else the current folder."""
    candidate = Path("infra.dsl")
    return candidate if candidate.is_dir() else Path(".")


def display(path: Path) -> str:
    """The path as diagnostics show it: relative to the current folder when inside it."""
    try:
        relative = Path(os.path.relpath(path))
    except ValueError:  # another drive on Windows
        return path.as_posix()
    return path.as_posix() if relative.parts[:1] == ("..",) else relative.as_posix()


def find_sources(root: Path) -> list[Path]:
    """Every ``.infra`` file under ``root`` (or ``root`` itself), hidden folders skipped."""
    if root.is_file():
        return [root]
    found = []
    for folder, subfolders, files in os.walk(root):
        subfolders[:] = sorted(d for d in subfolders if not d.startswith(".") and d not in _SKIPPED_FOLDERS)
        found.extend(Path(folder) / f for f in files if f.endswith(SUFFIX))
    return sorted(found, key=display)


@attrs.frozen
class Loaded:
    sources: tuple[SourceFile, ...]
    diagnostics: tuple[Diagnostic, ...]


def load(paths: Iterable[Path]) -> Loaded:
    """Read sources; a path that is missing, holds no sources or is not UTF-8 is a diagnostic."""
    sources: list[SourceFile] = []
    found: list[Diagnostic] = []
    for root in paths:
        if not root.exists():
            found.append(diagnostic("E0001", f"`{display(root)}` does not exist", None, hint="check the path"))
            continue
        files = find_sources(root)
        if not files:
            found.append(
                diagnostic(
                    "E0002",
                    f"no {SUFFIX} files in `{display(root)}`",
                    None,
                    hint="point the command at the folder that holds the project's .infra files",
                )
            )
        for path in files:
            try:
                text = path.read_bytes().decode("utf-8")
            except (OSError, UnicodeDecodeError) as error:
                reason = "it is not UTF-8 text" if isinstance(error, UnicodeDecodeError) else error.strerror
                found.append(diagnostic("E0001", f"cannot read `{display(path)}`: {reason}", None))
                continue
            if text.startswith("\ufeff"):
                text = text[1:]
            sources.append(SourceFile(display(path), text.replace("\r\n", "\n")))
    return Loaded(tuple(sources), tuple(found))


def write_atomic(path: Path, text: str) -> None:
    """Write a file so that readers see the old content or the new, never a part."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as stream:
            stream.write(text)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def write_outputs(out: Path, files: dict[str, str]) -> list[str]:
    """Write a build's files under ``out``; remove the files that the previous
    build wrote there and this one does not (listed in a manifest), and nothing
    else. Returns the removed paths."""
    manifest = out / MANIFEST
    previous: list[str] = []
    if manifest.is_file():
        try:
            previous = list(json.loads(manifest.read_text(encoding="utf-8")).get("files", []))
        except (ValueError, AttributeError):
            previous = []
    for relative, text in files.items():
        write_atomic(out / relative, text)
    removed = []
    for relative in sorted(set(previous) - set(files)):
        stale = out / relative
        if stale.is_file() and stale.resolve().is_relative_to(out.resolve()):
            stale.unlink()
            removed.append(relative)
    write_atomic(manifest, json.dumps({"generator": "infrac", "files": sorted(files)}, indent=2) + "\n")
    return removed


# ---- infrac import -------------------------------------------------------------------------

#: What a previous ``infrac import`` wrote into its output folder, with each file's digest.
IMPORT_MANIFEST = ".infrac-import.json"


def read_bytes(path: Path) -> bytes | None:
    """A file's bytes, or None when it cannot be read (the caller reports it)."""
    try:
        return path.read_bytes()
    except OSError:
        return None


def _digest(text: str) -> str:
    import hashlib

    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def import_problems(out: Path, files: dict[str, str], services: dict[str, str]) -> list:
    """Why the import may not write: ``out`` holds files no import wrote, or an imported file
    was changed since (it would lose the change); a service file it would replace is not its
    own. An empty list when it may."""
    from infrac.diagnostics import diagnostic

    problems = []
    previous: dict[str, str] = {}
    manifest = out / IMPORT_MANIFEST
    if manifest.is_file():
        try:
            previous = dict(json.loads(manifest.read_text(encoding="utf-8")).get("files", {}))
        except (ValueError, AttributeError, TypeError):
            previous = {}
    if out.exists() and not out.is_dir():
        problems.append(diagnostic("E0812", f"`{display(out)}` is a file, not a folder", None,
                                   hint="give --out a folder"))
        return problems
    if out.is_dir():
        for path in sorted(p for p in out.rglob("*") if p.is_file()):
            relative = path.relative_to(out).as_posix()
            if relative == IMPORT_MANIFEST or relative.startswith("build/") or relative == "infra.lock":
                continue
            if relative not in previous:
                problems.append(diagnostic(
                    "E0812", f"`{display(path)}` was not written by `infrac import`", None,
                    notes=["the import writes into an empty folder, or over a previous import"],
                    hint="choose another --out, or move the file away",
                ))
            elif _digest(path.read_text(encoding="utf-8", errors="replace")) != previous[relative]:
                problems.append(diagnostic(
                    "E0812", f"`{display(path)}` was changed since it was imported", None,
                    hint="importing again would lose the change: choose another --out",
                ))
    for service in sorted(services):
        path = Path(service)
        if path.exists():
            head = path.read_text(encoding="utf-8", errors="replace")[:40]
            if not head.startswith("# Written by `infrac import`"):
                problems.append(diagnostic(
                    "E0812", f"`{service}` exists and was not written by `infrac import`", None,
                    hint="move it away; the import writes the consumer's new service file there",
                ))
    return problems


def write_import(out: Path, files: dict[str, str], services: dict[str, str]) -> None:
    """Write every file of an import (checked by :func:`import_problems` first), then the
    manifest; remove what the previous import wrote that this one does not."""
    manifest = out / IMPORT_MANIFEST
    previous: dict[str, str] = {}
    if manifest.is_file():
        try:
            previous = dict(json.loads(manifest.read_text(encoding="utf-8")).get("files", {}))
        except (ValueError, AttributeError, TypeError):
            previous = {}
    for relative, text in files.items():
        write_atomic(out / relative, text)
    for service, text in services.items():
        write_atomic(Path(service), text)
    for relative in sorted(set(previous) - set(files)):
        stale = out / relative
        if stale.is_file() and stale.resolve().is_relative_to(out.resolve()):
            stale.unlink()
    digests = {relative: _digest(text) for relative, text in sorted(files.items())}
    write_atomic(manifest, json.dumps({"generator": "infrac import", "files": digests}, indent=2) + "\n")
