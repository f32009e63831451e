"""The consumer's side of a split: its service file, rewritten to import what moved.

A Serverless service with functions keeps its own file (functions, API, plugins, and the
resources that refer to what the framework generates). After a split, each ``Ref`` and
``Fn::GetAtt`` of a resource that moved to an infrastructure stack is replaced by the
value infrac writes for it in ``<stack>/imports.yml``::

    USERS_TABLE: { Ref: UsersTable }
    # becomes
    USERS_TABLE: ${file(../../out/build/core/imports.yml):values.UsersTableName}

and the consumer's stack in the ``.infra`` sources lists those values
(``values = { UsersTableName: infrastructure-dynamodb.UsersTable.name }``), so that
``infrac build`` writes them as ``Fn::ImportValue`` of each export. The new file is written
beside the old one (:data:`NEW_SERVICE_FILE`); the old one is left as it is.
"""

from __future__ import annotations

import posixpath

from infrac.base.classes import frozen
from infrac.diagnostics import Diagnostic
from infrac.syntax import ir
from infrac.tools.migrate.source.model import Template, join
from infrac.vocabulary.kinds import pascal

TYPE_CHECKING = False  # typing's own constant, without importing typing
if TYPE_CHECKING:
    from typing import Any

#: The rewritten service's file name, beside the original.
NEW_SERVICE_FILE = "serverless.infrac.yml"
#: Where the consumer's service expects the build (relative to the import's output folder):
#: ``infrac build OUT --target serverless --out OUT/build``.
BUILD_FOLDER = "build"

HEADER = (
    "# Written by `infrac import` from {source}: the same service, taking the resources that moved\n"
    "# to the infrastructure stacks from {imports} (build the imported project with\n"
    "# `infrac build {out} --target serverless --out {out}/{build}`). Deploy it with\n"
    "# `serverless deploy --config {name}` after the stacks it imports from.\n"
)


@frozen
class Consumer:
    stack: str
    #: the ``values`` of the consumer's stack: key -> (stack, resource, attribute)
    values: dict[str, tuple[str, str, str]]
    #: the rewritten service document
    document: Any
    diagnostics: tuple[Diagnostic, ...] = ()


def rewrite(template: Template, stack: str, moved: dict, imports_file: str) -> Consumer:
    """The service with every reference to a moved resource replaced. ``moved`` maps a
    logical ID to a function ``(getatt or None, path) -> ir.Ref`` (stack, resource, attribute)."""
    values: dict[str, tuple[str, str, str]] = {}
    document = template.document
    kept = {}
    resources = document.get("resources")

    def replace(value: Any, path: str) -> Any:
        if isinstance(value, dict):
            target = None
            if set(value) == {"Ref"} and value["Ref"] in moved:
                target = (value["Ref"], None)
            elif (
                set(value) == {"Fn::GetAtt"}
                and isinstance(value["Fn::GetAtt"], list)
                and len(value["Fn::GetAtt"]) == 2
                and value["Fn::GetAtt"][0] in moved
            ):
                target = tuple(value["Fn::GetAtt"])
            if target is not None:
                reference = moved[target[0]](target[1], path)
                stack_name, name, attribute = reference.parts
                key = name + pascal(attribute)
                values[key] = (stack_name, name, attribute)
                return "${file(" + imports_file + "):values." + key + "}"
            return {k: replace(v, join(path, k)) for k, v in value.items()}
        if isinstance(value, list):
            return [replace(v, join(path, i)) for i, v in enumerate(value)]
        return value

    new: dict[str, Any] = {}
    for key, value in document.items():
        if key == "resources":
            continue
        new[key] = replace(value, key)
    if isinstance(resources, dict):
        section = dict(resources)
        own = {k: v for k, v in (resources.get("Resources") or {}).items() if k not in moved}
        if own:
            section["Resources"] = replace(own, "resources.Resources")
        else:
            section.pop("Resources", None)
        for other in ("Outputs", "Conditions"):
            if other in section:
                section[other] = replace(section[other], f"resources.{other}")
                if not section[other]:
                    del section[other]
        kept = section
    if kept:
        new["resources"] = kept
    return Consumer(stack, values, new)


def consumer_statements(consumer: Consumer, service_dir: str, out: str) -> list[ir.Statement]:
    """``path`` and ``values`` of the consumer's stack."""
    statements: list[ir.Statement] = [
        ir.Attribute("path", ir.String(posixpath.relpath(service_dir, out))),
    ]
    if consumer.values:
        statements.append(ir.Attribute("values", ir.Map(tuple(
            ir.Entry(key, ir.Ref(parts)) for key, parts in sorted(consumer.values.items())
        ))))
    return statements


def imports_path(service_dir: str, out: str, stack: str) -> str:
    """The consumer's imports file as its service reaches it."""
    return posixpath.relpath(posixpath.join(out, BUILD_FOLDER, stack, "imports.yml"), service_dir)
