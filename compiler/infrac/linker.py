"""The project's exports and imports, as one table: who publishes what, under
which name, and who imports it.

It is read off the rendered stacks, so it says exactly what the templates
will say: every ``Export`` of every output, every ``Fn::ImportValue``. Names
keep ``{stage}`` (``infrastructure-sqs-{stage}-OrdersArn``); :meth:`Export.named`
gives the name in one stage.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import attrs

from infrac.backends.resources import StackRenderer, StageStyle, consumer_document
from infrac.diagnostics import Diagnostic, diagnostic
from infrac.model import Program, Template
from infrac.naming import exports_of
from infrac.source import Span

if TYPE_CHECKING:  # the passes import this module
    from infrac.passes.state import Compilation


class _SymbolicStage(StageStyle):
    """Keeps ``{stage}`` as text, so that names compare across stages."""

    def plain(self, template: Template) -> Any:
        return "".join(p if isinstance(p, str) else "{" + p.name + "}" for p in template.parts)

    def stage_in_sub(self) -> str:
        return "{stage}"


def _name(value: Any) -> str:
    """An export name as written: a string, or an ``Fn::Sub`` of one (pseudo parameters)."""
    return value if isinstance(value, str) else value["Fn::Sub"]


@attrs.frozen
class Export:
    name: str
    stack: str
    resource: str
    attribute: str
    importers: tuple[str, ...]
    retired: str | None = None
    span: Span | None = attrs.field(default=None, eq=False, repr=False)

    def named(self, stage: str) -> str:
        return self.name.replace("{stage}", stage)


@attrs.frozen
class Linkage:
    exports: tuple[Export, ...]
    #: importer stack -> export names it imports
    imports: dict[str, tuple[str, ...]]

    def export(self, name: str) -> Export | None:
        return next((e for e in self.exports if e.name == name), None)


def imports_in(value: Any) -> list[str]:
    """Every export name that a template (or any part of one) imports."""
    if isinstance(value, dict):
        if set(value) == {"Fn::ImportValue"}:
            return [_name(value["Fn::ImportValue"])]
        return [name for v in value.values() for name in imports_in(v)]
    if isinstance(value, list):
        return [name for v in value for name in imports_in(v)]
    return []


#: The program linked last and its linkage: the linker's pass and then the caller
#: that compiled the program (``pipeline.check_project``) ask for the same one.
_last: list[tuple[Program, Linkage]] = []


def link(program: Program) -> Linkage:
    """Every export of the project with its importers, in stack and source order."""
    if _last and _last[0][0] is program:
        return _last[0][1]
    linkage = _link(program)
    _last[:] = [(program, linkage)]
    return linkage


def _link(program: Program) -> Linkage:
    imports: dict[str, tuple[str, ...]] = {}
    for stack in program.stacks:
        renderer = StackRenderer(program, stack, _SymbolicStage())
        found = imports_in(renderer.resources()) + imports_in(consumer_document(renderer))
        imports[stack.name] = tuple(dict.fromkeys(found))
    importers: dict[str, list[str]] = {}
    for importer, names in imports.items():
        for name in names:
            importers.setdefault(name, []).append(importer)
    exports = []
    style = _SymbolicStage()
    for stack in program.stacks:
        for resource in stack.resources:
            for published in exports_of(program.settings, stack.name, resource):
                name = _name(style.render(published.name))
                exports.append(
                    Export(
                        name=name,
                        stack=stack.name,
                        resource=resource.name,
                        attribute=published.spec.attribute,
                        importers=tuple(sorted(importers.get(name, ()))),
                        retired=published.spec.retired,
                        span=published.spec.span,
                    )
                )
    return Linkage(tuple(exports), imports)



def check(state: Compilation) -> tuple[Compilation, list[Diagnostic]]:
    """The pass: a retired export that a stack of the project still imports (W0502)."""
    found = []
    for export in link(state.program).exports:
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
