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
    write_atomic(manifest, manifest_text(files))
    return removed


def manifest_text(files: Iterable[str]) -> str:
    """The manifest a build writes beside its files: what it wrote, for the next build."""
    return json.dumps({"generator": "infrac", "files": sorted(files)}, indent=2) + "\n"


@attrs.frozen
class Difference:
    """A file of ``--out`` that is not what the sources produce: ``missing``,
    ``extra`` (written by an earlier build, no longer built) or ``different``."""

    path: str
    kind: str
    expected: str | None = None
    actual: str | None = None


def compare_outputs(out: Path, files: dict[str, str]) -> list[Difference]:
    """How ``out`` differs from a build that would write ``files`` (and its manifest).
    Files the manifest does not list (a README kept beside the templates) are not
    the build's and are left out, as the build itself leaves them."""
    expected = dict(files)
    expected[MANIFEST] = manifest_text(files)
    previous: list[str] = []
    manifest = out / MANIFEST
    if manifest.is_file():
        try:
            previous = [str(p) for p in json.loads(manifest.read_text(encoding="utf-8")).get("files", [])]
        except (ValueError, AttributeError):
            previous = []
    found = []
    for relative in sorted(expected):
        path = out / relative
        if not path.is_file():
            found.append(Difference(relative, "missing", expected=expected[relative]))
            continue
        try:
            actual = path.read_bytes().decode("utf-8")
        except UnicodeDecodeError:
            actual = "(not UTF-8 text)\n"
        if actual != expected[relative]:
            found.append(Difference(relative, "different", expected=expected[relative], actual=actual))
    for relative in sorted(set(previous) - set(expected)):
        if (out / relative).is_file():
            found.append(Difference(relative, "extra"))
    return found
