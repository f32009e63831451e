"""The linker's pass: exports as the templates publish them (:mod:`infrac.contract.linker`).

Runs among the rendered passes, on a program without errors; the linkage it computes is
kept in the program's memo for the callers that compiled it.
"""

from __future__ import annotations

from infrac.contract.linker import link
from infrac.diagnostics import Diagnostic, diagnostic
from infrac.passes.state import Compilation


def check(state: Compilation) -> tuple[Compilation, list[Diagnostic]]:
    """A retired export that a stack of the project still imports (W0502)."""
    found = []
    for export in link(state.program, for_build=state.build is not None).exports:
        if export.retired and export.importers:
            found.append(
                diagnostic(
                    "W0502",
                    f"retired export `{export.name}` is still imported by " + ", ".join(f"`{i}`" for i in export.importers),
                    export.span,
                    label=f"retired: {export.retired}",
                    hint="move the importers to the export that replaces it and deploy them; then remove this one",
                )
            )
    return state, found
