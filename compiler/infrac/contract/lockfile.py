"""``infra.lock``: the exports a project has published, and who imports them.

``infrac build`` writes it beside the sources, and it is committed with them.
``readers`` lists the stacks that read an export's output with a weak reference
(``Fn::GetStackOutput``), which CloudFormation does not protect; a ``both``
reference counts among the ``importers`` as well, so its export stays protected
while the consumer moves to the weak form. The next check or build compares the project with it: an export that the lock
says another stack imports must not disappear or change its exporting stack
in one step, because CloudFormation would refuse the deploy ("Export ...
cannot be deleted as it is in use by ..."). Pure: the command line reads and
writes the file.
"""

from __future__ import annotations

import json

from infrac.contract.linker import Export, Linkage
from infrac.diagnostics import Diagnostic, diagnostic
from infrac.model import Program

TYPE_CHECKING = False  # typing's own constant, without importing typing
if TYPE_CHECKING:
    from typing import Any

NAME = "infra.lock"
VERSION = 1


def render(linkage: Linkage, resources: dict[str, Any] | None = None) -> str:
    """The lock for a linkage: sorted, so that it changes only when the exports do.
    ``resources`` is the replacement record (:func:`infrac.contract.replacement.record`), kept
    under its own key so that a lock without it still reads."""
    exports = {export.name: export_member(export) for export in sorted(linkage.exports, key=lambda e: e.name)}
    stacks = [member(stack, stack_fragment(resources[stack])) for stack in sorted(resources)] if resources else []
    return join(list(exports.values()), stacks)


def entry(export: Export) -> dict[str, Any]:
    """An export as the lock records it."""
    return {
        "stack": export.stack,
        "resource": export.resource,
        "attribute": export.attribute,
        "importers": list(export.importers),
        **({"readers": list(export.readers)} if export.readers else {}),
        **({"retired": export.retired} if export.retired else {}),
    }


def export_member(export: Export) -> str:
    """``member(export.name, fragment(entry(export)))``, written directly: a large project's
    lock has tens of thousands of exports (a property test holds the two equal)."""
    string = json.encoder.encode_basestring  # json.dumps(ensure_ascii=False) of a string

    def strings(values: tuple[str, ...]) -> str:
        return "[\n        " + ",\n        ".join(map(string, values)) + "\n      ]" if values else "[]"

    fields = [
        f'"stack": {string(export.stack)}',
        f'"resource": {string(export.resource)}',
        f'"attribute": {string(export.attribute)}',
        f'"importers": {strings(export.importers)}',
    ]
    if export.readers:
        fields.append(f'"readers": {strings(export.readers)}')
    if export.retired:
        fields.append(f'"retired": {string(export.retired)}')
    return f"{string(export.name)}: {{\n      " + ",\n      ".join(fields) + "\n    }"


def fragment(value: Any) -> str:
    """``value`` as the lock writes it two levels deep (an export's entry, a stack's record):
    ``json.dumps(..., indent=2)`` of the whole document, cut into pieces that an incremental
    build keeps per stack and joins (:func:`assemble`)."""
    from infrac.backends.emit import to_json  # json.dumps(indent=2)'s bytes, faster

    return to_json(value)[:-1].replace("\n", "\n    ")


def stack_fragment(record: dict[str, Any]) -> str:
    """A stack's replacement record (logical ID -> entry) as the lock writes it."""
    return fragment({lid: record[lid] for lid in sorted(record)})


def assemble(exports: list[tuple[str, str]], resources: list[tuple[str, str]]) -> str:
    """The lock's text from its fragments: ``(export name, fragment)`` sorted by name, and
    ``(stack, fragment)`` sorted by stack (none: no ``resources`` key). The bytes of
    ``json.dumps(document, indent=2, ensure_ascii=False)``: JSON strings hold no line
    break, so indenting a fragment's lines is exact."""

    return join([member(k, v) for k, v in exports], [member(k, v) for k, v in resources])


def member(key: str, fragment: str) -> str:
    """A key and its fragment, as one member of the ``exports`` or ``resources`` map."""
    return f"{json.dumps(key, ensure_ascii=False)}: {fragment}"


def join(exports: list[str], resources: list[str]) -> str:
    """:func:`assemble` of members already made by :func:`member` (in their order)."""

    # One join of every piece: a large project's lock is megabytes, and joining each section
    # and then the sections copied it two or three times over (the peak memory of a build).
    pieces = [f'{{\n  "generator": "infrac",\n  "version": {VERSION},\n  "exports": ']

    def section(members: list[str]) -> None:
        if not members:
            pieces.append("{}")
            return
        pieces.append("{\n    ")
        for number, member in enumerate(members):
            if number:
                pieces.append(",\n    ")
            pieces.append(member)
        pieces.append("\n  }")

    section(exports)
    if resources:
        pieces.append(',\n  "resources": ')
        section(resources)
    pieces.append("\n}\n")
    return "".join(pieces)


def read(text: str) -> dict[str, dict[str, Any]] | None:
    """The exports recorded in a lock's text; None when it is not a lock infrac can read."""
    return None if problem(text) else json.loads(text)["exports"]


def problem(text: str) -> tuple[str, int] | None:
    """Why ``text`` is not a lock this infrac can read, with the offset to point at; None if it is."""
    try:
        document = json.loads(text)
    except ValueError as error:
        return f"it is not JSON: {getattr(error, 'msg', error)}", getattr(error, "pos", 0)
    if not isinstance(document, dict):
        return "it is not a JSON object", 0
    if document.get("version") != VERSION:
        return f"its version is {document.get('version')!r}, and this infrac reads version {VERSION}", 0
    exports = document.get("exports")
    if not isinstance(exports, dict):
        return "`exports` is not a map of export names", 0
    for name, entry in exports.items():
        shown = name if len(name) <= 80 else name[:77] + "..."
        if not isinstance(entry, dict):
            return f"export `{shown}` is not a map", 0
        for key in ("stack", "resource", "attribute"):
            if not isinstance(entry.get(key), str):
                return f"export `{shown}` has no `{key}` string", 0
        importers = entry.get("importers", [])
        if not isinstance(importers, list) or not all(isinstance(i, str) for i in importers):
            return f"the importers of export `{shown}` are not a list of stack names", 0
        if not isinstance(entry.get("retired", ""), str):
            return f"`retired` of export `{shown}` is not a string", 0
    return None


def compare(previous: dict[str, dict[str, Any]], linkage: Linkage, program: Program, path: str) -> list[Diagnostic]:
    """What this version of the project breaks for the stacks that import its exports."""
    found = []
    for name, before in sorted(previous.items()):
        importers = [i for i in before.get("importers", []) if isinstance(i, str)]
        now = linkage.export(name)
        what = f"{before.get('stack')}.{before.get('resource')}.{before.get('attribute')}"
        if now is None and importers:
            found.append(
                diagnostic(
                    "E0504",
                    f"export `{name}` is imported by {_list(importers)}, and this version removes it",
                    _where(program, before),
                    label=f"`{what}` was exported as `{name}`" if _where(program, before) else "",
                    notes=[
                        f"{path} records it; deploying now would fail: \"Export {name} cannot be deleted as "
                        f"it is in use by {importers[0]}\"",
                        "safe sequence: keep the export one more release, marked "
                        f'`export {before.get("attribute")} {{ retired = "..." }}`; move {_list(importers)} '
                        "off it and deploy; then remove it",
                    ],
                    hint="restore the export (retired), or pass --allow-breaking if the importers are gone",
                )
            )
        elif now is not None and now.stack != before.get("stack"):
            found.append(
                diagnostic(
                    "E0505",
                    f"export `{name}` moves from stack `{before.get('stack')}` to `{now.stack}`",
                    _where(program, {"stack": now.stack, "resource": now.resource}),
                    label="exported here now",
                    notes=[
                        f"{path} records it in `{before.get('stack')}`; CloudFormation refuses an export "
                        "name that another stack still exports, and removing it there fails while "
                        f"{_list(importers) if importers else 'any stack'} imports it",
                        "safe sequence: export the value under a new name from the new stack, move the "
                        "importers to it, then remove the old export",
                    ],
                    hint="give the moved export a new name, or pass --allow-breaking for a deliberate move",
                )
            )
    return found


def _where(program: Program, entry: dict[str, Any]):
    stack = program.stack(str(entry.get("stack")))
    resource = stack.resource(str(entry.get("resource"))) if stack else None
    if resource is not None:
        return resource.name_span
    return stack.span if stack else None


def _list(names: list[str]) -> str:
    quoted = [f"`{n}`" for n in names]
    return quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " and " + quoted[-1]
