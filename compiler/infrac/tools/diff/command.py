"""``infrac diff`` without the terminal: a compiled project and what it is compared with
(a lock's text, an output folder's files, deployed templates), to the diff's document and
the diagnostics of files that cannot be read. The command line reads the files and prints.
"""

from __future__ import annotations

from infrac.base.source import SourceFile
from infrac.diagnostics import Diagnostic
from infrac.model import Program
from infrac.tools.diff import blame, document, engine, sides

TYPE_CHECKING = False  # typing's own constant, without importing typing
if TYPE_CHECKING:
    from typing import Any

    from infrac.contract.linker import Linkage


class Against:
    """What the sources are compared with. ``kind``: ``lock`` (``text``), ``folder``
    (``files``: path in the folder -> text) or ``deployed`` (``deployed``: ``(stack name or
    None, file path, bytes)`` each); ``what`` names it for people."""

    __slots__ = ("kind", "what", "text", "files", "deployed")

    def __init__(self, kind: str, what: str, *, text: str | None = None, files: dict[str, str] | None = None,
                 deployed: list[tuple[str | None, str, bytes]] | None = None) -> None:
        self.kind, self.what, self.text = kind, what, text
        self.files, self.deployed = files or {}, deployed or []


DESCRIPTIONS = {
    "lock": "the last build's record",
    "folder": "a build's output folder",
    "deployed": "deployed templates",
}


def folder_build(files: dict[str, str]) -> tuple[str, str, str | None]:
    """(target, format, stage) of the build that wrote an output folder's files."""
    from infrac.tools.migrate.source.loader import load_yaml

    target, form, stage = "cloudformation", "yaml", None
    if any(path.endswith("/serverless.yml") for path in files) or "serverless-compose.yml" in files:
        target = "serverless"
    elif any(path.endswith(".json") and path != "deploy-order.json" and "/" not in path for path in files):
        form = "json"
    for path, text in sorted(files.items()):
        if path == "deploy-order.json" or path.endswith((".imports.yml", ".imports.json", "/imports.yml")):
            continue
        if path == "serverless-compose.yml" or path.count("/") > 1:
            continue
        try:
            data = load_yaml(text)
        except Exception:  # the reader reports it with its place
            continue
        if not isinstance(data, dict):
            continue
        description = data.get("Description")
        if target == "cloudformation" and isinstance(description, str) and ", stage " in description:
            stage = description.rsplit(", stage ", 1)[1]
        provider = data.get("provider")
        if target == "serverless" and isinstance(provider, dict) and isinstance(provider.get("stage"), str) \
                and "${" not in provider["stage"]:
            stage = provider["stage"]
        break
    return target, form, stage


def compare(program: Program, linkage: Linkage, sources: dict[str, SourceFile], against: Against,
            source_what: str, *, stage: str | None = None,
            lock_text: str | None = None) -> tuple[dict[str, Any] | None, list[Diagnostic]]:
    """The diff's document, or None and the diagnostics of what cannot be read."""
    diagnostics: list[Diagnostic] = []
    if against.kind == "lock":
        old = sides.from_lock(against.text or "{}", against.what)
        new = sides.from_program(program, linkage, sources, templates=False, what=source_what)
    elif against.kind == "folder":
        target, form, built_stage = folder_build(against.files)
        old, diagnostics = sides.read_folder(against.files, built_stage, against.what)
        if lock_text is not None:
            _names_from_lock(old, lock_text)
        new = sides.from_program(program, linkage, sources, templates=True, target=target, format=form,
                                 stage=built_stage, what=source_what)
    else:
        from infrac.tools.migrate import source as reader

        stage = stage or program.settings.stages[0]
        read = []
        for name, path, data in against.deployed:
            decoded = reader.decode(path, data)
            if not isinstance(decoded, reader.SourceFile):
                diagnostics.append(decoded)
                continue
            found = reader.read(decoded)
            diagnostics.extend(found.diagnostics)
            if found.template is None or not found.ok:
                continue
            if name is None:
                name = found.template.service and f"{found.template.service}-{stage}" or \
                    path.replace("\\", "/").rsplit("/", 1)[-1].rsplit(".", 1)[0]
            read.append((name, found.template))
        old = sides.deployed(read, stage, program.settings.region, {s.name for s in program.stacks})
        new = sides.from_program(program, linkage, sources, templates=True, format="json", stage=stage,
                                 what=source_what)
        new.stacks = {name: stack for name, stack in new.stacks.items() if name in old.stacks}
        new.waves = tuple(tuple(n for n in wave if n in old.stacks) for wave in new.waves or ())
    from infrac.diagnostics import has_errors

    if has_errors(diagnostics):
        return None, diagnostics
    found = engine.diff(old, new)
    blame.blame(found, program, sources)
    description = {"kind": against.kind, "what": against.what, "description": DESCRIPTIONS[against.kind],
                   "sources": source_what}
    return document.document(found, sources, description), diagnostics


def _names_from_lock(side: sides.Side, lock_text: str) -> None:
    """The source resource of each logical ID, from the lock of the same build (a folder's
    templates do not say which resource of the sources wrote each)."""
    import json

    from infrac.contract.replacement import read

    recorded = json.loads(lock_text).get("exports") or {}
    for export in side.exports.values():
        entry = recorded.get(export.name)
        if isinstance(entry, dict) and entry.get("stack") == export.stack:
            export.resource, export.attribute = entry.get("resource"), entry.get("attribute")
    for name, record in read(lock_text).items():
        stack = side.stacks.get(name)
        if stack is not None:
            for logical_id, entry in record.items():
                if logical_id in stack.record and isinstance(entry.get("resource"), str):
                    stack.names[logical_id] = entry["resource"]
