"""What ``infrac import`` writes into its output folder: over a previous import only, and never
over a file the user changed since (a manifest records each file's digest).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from infrac.project.workspace import display, write_atomic

#: What a previous ``infrac import`` wrote into its output folder, with each file's digest.
IMPORT_MANIFEST = ".infrac-import.json"


def _text_digest(text: str) -> str:
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
    if out.exists() and not out.is_dir() or out.is_symlink() and not out.exists():
        what = "a file" if out.exists() else "a link to nothing"
        problems.append(diagnostic("E0812", f"`{display(out)}` is {what}, not a folder", None,
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
            elif _text_digest(path.read_text(encoding="utf-8", errors="replace")) != previous[relative]:
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
    digests = {relative: _text_digest(text) for relative, text in sorted(files.items())}
    write_atomic(manifest, json.dumps({"generator": "infrac import", "files": digests}, indent=2) + "\n")
