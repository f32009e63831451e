"""What a template says that the language cannot (a macro's ``Transform``, a SAM type outside
the SAM transform, a ``Stage`` parameter infrac cannot write...), as diagnostics at their
template paths (E0810); and the diagnostic of a value the language cannot express.
"""

from __future__ import annotations

from infrac.diagnostics import Diagnostic, diagnostic
from infrac.tools.migrate.importer.values import Unsupported, stage_parameter
from infrac.tools.migrate.source.model import Template, join


def located(template: Template, path: str, message: str, code: str = "E0810", key: bool = False, **kw) -> Diagnostic:
    return diagnostic(code, message, template.key_span(path) if key else template.span(path), **kw)


def template_problems(template: Template) -> list[Diagnostic]:
    found = []
    for name in _transforms(template.transform):
        if name != "AWS::LanguageExtensions":
            found.append(located(template, "Transform", f"the transform `{name}` (a macro) cannot be expressed in the language",
                                  label="not imported", hint="import the template the macro produces instead"))
    for parameter in template.parameters:
        if parameter.name == "Stage" and stage_parameter(template) is None:
            found.append(located(template, parameter.path, "a `Stage` parameter with constraints or of another type",
                                  key=True, label="not imported",
                                  hint="infrac writes the `Stage` parameter itself, a string allowed the project's "
                                  "stages: keep only `Type: String`, `Default` and `AllowedValues`"))
        for key in parameter.constraints:
            if key not in PARAMETER_KEYS:
                found.append(located(template, join(parameter.path, key), f"parameter setting `{key}` cannot be expressed",
                                      label="not imported"))
    for resource in template.resources:
        if resource.type.startswith("AWS::Serverless::"):
            found.append(located(template, join(resource.path, "Type"), f"`{resource.type}` is a SAM type",
                                  label="needs the SAM transform",
                                  hint="add `Transform: AWS::Serverless-2016-10-31` to the template"))
    return found


def _transforms(value) -> list[str]:
    if value is None:
        return []
    names = value if isinstance(value, list) else [value]
    return [n if isinstance(n, str) else str(n.get("Name") if isinstance(n, dict) else n) for n in names]


PARAMETER_KEYS = {
    "AllowedPattern": "pattern", "MinLength": "min_length", "MaxLength": "max_length", "MinValue": "min_value",
    "MaxValue": "max_value", "ConstraintDescription": "constraint_description", "NoEcho": "no_echo",
}


def unsupported(template: Template, error: Unsupported) -> Diagnostic:
    path, construct = error.args
    return located(
        template, path, f"{construct} cannot be expressed in the language", label="not imported",
        notes=[f"at `{path}`"],
        hint="rewrite this value in a form the language has (see docs/language.md), or leave the resource out of the import",
    )
