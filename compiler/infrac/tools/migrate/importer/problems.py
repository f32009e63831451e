"""What a template says that the language cannot (``Mappings``, ``Rules``, ``Transform``,
``CreationPolicy``, SAM types...), as diagnostics at their template paths: E0810 for what is
not imported, W0812 for what is left out; and the diagnostic of a value the language cannot
express.
"""

from __future__ import annotations

from infrac.diagnostics import Diagnostic, diagnostic
from infrac.tools.migrate.importer.values import Unsupported, stage_parameter
from infrac.tools.migrate.source.model import Template, join


def located(template: Template, path: str, message: str, code: str = "E0810", key: bool = False, **kw) -> Diagnostic:
    return diagnostic(code, message, template.key_span(path) if key else template.span(path), **kw)


def template_problems(template: Template) -> list[Diagnostic]:
    found = []
    if template.mappings:
        found.append(located(template, "Mappings", "`Mappings` cannot be expressed in the language", label="not imported",
                              hint="write the values the stack uses where they are used, or use a parameter"))
    if template.rules is not None:
        found.append(located(template, "Rules", "`Rules` (parameter checks) cannot be expressed in the language",
                              key=True, label="not imported", hint="check the parameters' values another way"))
    if template.metadata is not None:
        found.append(located(template, "Metadata", "the template's `Metadata` is not imported", "W0812", key=True,
                              label="left out", hint="infrac writes its own template description and no metadata"))
    if template.transform is not None:
        found.append(located(template, "Transform", "`Transform` (macros, SAM) cannot be expressed in the language",
                              label="not imported", hint="import the template the transform produces instead"))
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
        for key in resource.other:
            found.append(located(template, join(resource.path, key), f"`{key}` cannot be expressed in the language",
                                  key=True, label="not imported", hint="set it on the deployed stack another way, or remove it"))
        for key, policy in (("DeletionPolicy", resource.deletion_policy), ("UpdateReplacePolicy", resource.update_replace_policy)):
            if policy == "RetainExceptOnCreate":
                found.append(located(template, join(resource.path, key), "`RetainExceptOnCreate` cannot be expressed",
                                      label="not imported", hint="use `Retain`"))
        if resource.type.startswith("AWS::Serverless::"):
            found.append(located(template, join(resource.path, "Type"), f"`{resource.type}` is a SAM type",
                                  label="needs the SAM transform", hint="import the template the transform produces"))
    return found


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
