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
from typing import Any

from infrac.diagnostics import Diagnostic, diagnostic
from infrac.linker import Linkage
from infrac.model import Program

NAME = "infra.lock"
VERSION = 1


def render(linkage: Linkage) -> str:
    """The lock for a linkage: sorted, so that it changes only when the exports do."""
    exports = {
        export.name: {
            "stack": export.stack,
            "resource": export.resource,
            "attribute": export.attribute,
            "importers": list(export.importers),
            **({"readers": list(export.readers)} if export.readers else {}),
            **({"retired": export.retired} if export.retired else {}),
        }
        for export in sorted(linkage.exports, key=lambda e: e.name)
    }
    document = {"generator": "infrac", "version": VERSION, "exports": exports}
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def read(text: str) -> dict[str, dict[str, Any]] | None:
    """The exports recorded in a lock's text; None when it is not a lock infrac can read."""
    try:
        document = json.loads(text)
    except ValueError:
        return None
    if not isinstance(document, dict) or document.get("version") != VERSION:
        return None
    exports = document.get("exports")
    if not isinstance(exports, dict) or not all(isinstance(v, dict) for v in exports.values()):
        return None
    return exports


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
