"""Export names: built from the project's pattern, legal for every stage, unique."""

from __future__ import annotations

from infrac.base.classes import frozen
from infrac.cfn import limits
from infrac.diagnostics import Diagnostic, Label, diagnostic
from infrac.model import Placeholder, Template
from infrac.passes.state import Compilation
from infrac.vocabulary import KINDS
from infrac.vocabulary.naming import program_exports


@frozen
class _Published:
    stack: str
    resource: str
    attribute: str
    span: object
    stage: str = ""


def check(state: Compilation) -> tuple[Compilation, list[Diagnostic]]:
    settings = state.settings
    pattern_label = [Label(settings.exports.span, "the project's export pattern")] if settings.exports.span else []
    found: list[Diagnostic] = []
    seen: dict[str, _Published] = {}
    for stack in state.program.stacks:
        for resource in stack.resources:
            for published in program_exports(state.program, stack.name, resource):
                attribute = published.spec.attribute
                span = published.spec.span or resource.name_span
                template = published.name
                for stage in settings.stages:
                    name = template.text(stage=stage, **limits.PSEUDO_PARAMETER_SAMPLES)
                    problem = _problem(name)
                    if problem:
                        shown = name if len(name) <= 80 else name[:40] + "…" + name[-20:]
                        found.append(
                            diagnostic(
                                "E0502",
                                f"export name `{shown}` is not allowed: {problem}",
                                span,
                                label=f"exported under this name in stage `{stage}`",
                                labels=pattern_label,
                                hint="export names hold only letters, digits, `:` and `-`, at most "
                                f"{limits.MAX_EXPORT_NAME} characters; change the pattern or the names in it",
                            )
                        )
                        break
                    here = _Published(stack.name, resource.name, attribute, span, stage)
                    other = seen.setdefault(name, here)
                    if other is not here and (other.stack, other.resource, other.attribute) == (
                        stack.name,
                        resource.name,
                        attribute,
                    ):
                        found.append(
                            diagnostic(
                                "E0503",
                                f"export name `{name}` is the same in stages `{other.stage}` and `{stage}`",
                                span,
                                label=f"`{stack.name}.{resource.name}.{attribute}` is exported as `{name}` in every stage",
                                notes=["export names are unique per account and region: the second stage deployed "
                                       "to the same account and region fails"],
                                hint="put `{stage}` in the export's name",
                            )
                        )
                        break
                    if other is not here:
                        found.append(
                            diagnostic(
                                "E0503",
                                f"export name `{name}` is produced twice",
                                span,
                                label=f"`{stack.name}.{resource.name}.{attribute}` is exported as `{name}`",
                                labels=[
                                    Label(other.span, f"`{other.stack}.{other.resource}.{other.attribute}` too"),
                                    *pattern_label,
                                ],
                                hint=_uniqueness_hint(settings.exports),
                            )
                        )
                        break
            found.extend(_policy(settings, resource))
    return state, found


def _policy(settings, resource) -> list[Diagnostic]:
    """With ``exports_required``, every resource exports what identifies it, or says why not."""
    if not settings.exports_required or resource.values.get("internal"):
        return []
    kind = KINDS[resource.kind]
    missing = [a for a in kind.identifying if a not in resource.exports]
    if not missing:
        return []
    listed = ", ".join(f"`{a}`" for a in missing)
    return [
        diagnostic(
            "W0501",
            f"{resource.kind} `{resource.name}` does not export {listed}",
            resource.name_span,
            label="not exported: " + ", ".join(missing),
            notes=["the project asks every resource to export what identifies it (`exports_required`)"],
            hint=f"add `export {', '.join((*resource.exports, *missing))}`, or say why not: "
            '`internal = "only this stack uses it"`',
        )
    ]


def _problem(name: str) -> str | None:
    if len(name) > limits.MAX_EXPORT_NAME:
        return f"{len(name)} characters, more than {limits.MAX_EXPORT_NAME}"
    if not limits.EXPORT_NAME.fullmatch(name):
        bad = sorted({c for c in name if not (c.isascii() and (c.isalnum() or c in ":-"))})
        return "it contains " + ", ".join(f"`{c}`" for c in bad) if bad else "it is empty"
    return None


def _uniqueness_hint(pattern: Template) -> str:
    used = {p.name for p in pattern.parts if isinstance(p, Placeholder)}
    missing = [f"`{{{name}}}`" for name in ("stack", "resource", "attribute") if name not in used]
    if missing:
        return "export names are unique per account and region; put " + " and ".join(missing) + " in the pattern"
    return "export names are unique per account and region; rename one of the resources or stacks"
