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
``infrac build`` writes them as ``Fn::ImportValue`` of each export. A moved resource named in
``Fn::Sub`` text (``${UploadsBucket.Arn}``) becomes a variable of its map, whose value is the
import; the map's own variables are never taken for resources.

The new file (:data:`NEW_SERVICE_FILE`, or ``serverless.<stack>.infrac.yml`` when two services
share a folder) is written under the import's output folder, ``services/<stack>/``, like
everything the import writes; its paths are those of the service's folder, where it is to be
copied, and the consumer's stack names it (``config``). The old file is left as it is.
"""

from __future__ import annotations

import posixpath
import re

from infrac.base.classes import frozen
from infrac.diagnostics import Diagnostic
from infrac.syntax import ir
from infrac.tools.migrate.source.model import Template, join
from infrac.vocabulary.kinds import pascal

TYPE_CHECKING = False  # typing's own constant, without importing typing
if TYPE_CHECKING:
    from typing import Any

#: ``${Name}`` or ``${Name.Attribute}`` in ``Fn::Sub`` text (``${!x}`` is a literal).
_SUB_VARIABLE = re.compile(r"\$\{([A-Za-z0-9]+(?:\.[A-Za-z0-9.]+)?)\}")

#: The rewritten service's file name, in the service's folder.
NEW_SERVICE_FILE = "serverless.infrac.yml"
#: Where the consumer's service expects the build (relative to the import's output folder):
#: ``infrac build OUT --target serverless --out OUT/build``.
BUILD_FOLDER = "build"

HEADER = (
    "# Written by `infrac import` from {source}: the same service, taking the resources that moved\n"
    "# to the infrastructure stacks from {imports} (build the imported project with\n"
    "# `infrac build {out} --target serverless --out {out}/{build}`). Deploy it with\n"
    "# `serverless deploy --config {name}` after the stacks it imports from, from {folder}/\n"
    "# (copy it there: the paths in it are from that folder).\n"
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

    def imported(name: str, getatt: str | None, path: str) -> str:
        """The service's variable for a moved resource's value; its key recorded in ``values``."""
        reference = moved[name](getatt, path)
        stack_name, resource, attribute = reference.parts
        key = resource + pascal(attribute)
        values[key] = (stack_name, resource, attribute)
        return key

    def substitution(value: dict, path: str) -> Any:
        """``Fn::Sub`` whose text names a moved resource (``${Bucket}``, ``${Bucket.Arn}``): the
        name becomes a variable of the map, whose value is the import; the map's own variables
        are never resources, whatever their names."""
        argument = value["Fn::Sub"]
        if isinstance(argument, str):
            text, variables = argument, {}
        elif (isinstance(argument, list) and len(argument) == 2 and isinstance(argument[0], str)
              and isinstance(argument[1], dict)):
            text, variables = argument
        else:
            return {"Fn::Sub": replace(argument, join(path, "Fn::Sub"))}
        variables = {k: replace(v, join(join(path, "Fn::Sub"), k)) for k, v in variables.items()}
        added: dict[str, str] = {}

        def one(match: re.Match) -> str:
            name, _, attribute = match.group(1).partition(".")
            if name in variables or name not in moved:
                return match.group(0)
            key = imported(name, attribute or None, join(path, "Fn::Sub"))
            while key in variables and key not in added:
                key += "Value"
            added[key] = "${file(" + imports_file + "):values." + key + "}"
            return "${" + key + "}"

        new_text = _SUB_VARIABLE.sub(one, text)
        if not added and variables == (argument[1] if isinstance(argument, list) else {}):
            return value
        return {"Fn::Sub": [new_text, {**variables, **added}] if variables or added else new_text}

    def replace(value: Any, path: str) -> Any:
        if isinstance(value, dict):
            if set(value) == {"Fn::Sub"}:
                return substitution(value, path)
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
                return "${file(" + imports_file + "):values." + imported(target[0], target[1], path) + "}"
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
        own = {k: _without_moved_dependencies(v, moved) for k, v in (resources.get("Resources") or {}).items()
               if k not in moved}
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


def _without_moved_dependencies(resource: Any, moved: dict) -> Any:
    """A resource's ``DependsOn`` without the resources that move: they are in stacks the
    service imports from, which deploy before it."""
    if not isinstance(resource, dict) or "DependsOn" not in resource:
        return resource
    depends = resource["DependsOn"]
    kept = [d for d in ([depends] if isinstance(depends, str) else depends if isinstance(depends, list) else [])
            if d not in moved]
    result = {k: v for k, v in resource.items() if k != "DependsOn"}
    if kept:
        result["DependsOn"] = kept[0] if isinstance(depends, str) else kept
    return result


def consumer_statements(consumer: Consumer, service_dir: str, out: str, config: str) -> list[ir.Statement]:
    """``path``, ``config`` and ``values`` of the consumer's stack."""
    statements: list[ir.Statement] = [
        ir.Attribute("path", ir.String(posixpath.relpath(service_dir, out))),
        ir.Attribute("config", ir.String(config)),
    ]
    if consumer.values:
        statements.append(ir.Attribute("values", ir.Map(tuple(
            ir.Entry(key, ir.Ref(parts)) for key, parts in sorted(consumer.values.items())
        ))))
    return statements


def imports_path(service_dir: str, out: str, stack: str) -> str:
    """The consumer's imports file as its service reaches it."""
    return posixpath.relpath(posixpath.join(out, BUILD_FOLDER, stack, "imports.yml"), service_dir)


def service_file_names(folders: dict[str, str]) -> dict[str, str]:
    """Each consumer's new file name (by stack, from its service's folder): the common name,
    or one with the stack's name when two services share a folder."""
    shared = {f for f in folders.values() if list(folders.values()).count(f) > 1}
    return {stack: f"serverless.{stack}.infrac.yml" if folder in shared else NEW_SERVICE_FILE
            for stack, folder in folders.items()}


def service_path(stack: str, name: str) -> str:
    """Where the import writes a consumer's new file, relative to its output folder."""
    return f"services/{stack}/{name}"


def leftovers(value: Any, moved: set[str], path: str = "") -> list[tuple[str, str]]:
    """Where a rewritten service still refers to a moved resource, in any form (``Ref``,
    ``Fn::GetAtt``, a name in ``Fn::Sub`` text that its map does not define): (path, name)."""
    found: list[tuple[str, str]] = []
    if isinstance(value, dict):
        if set(value) == {"Ref"} and value["Ref"] in moved:
            return [(path, value["Ref"])]
        getatt = value.get("Fn::GetAtt") if set(value) == {"Fn::GetAtt"} else None
        if isinstance(getatt, list) and getatt and getatt[0] in moved:
            return [(path, getatt[0])]
        if isinstance(getatt, str) and getatt.split(".")[0] in moved:
            return [(path, getatt.split(".")[0])]
        if set(value) == {"Fn::Sub"}:
            argument = value["Fn::Sub"]
            text = argument if isinstance(argument, str) else argument[0] if isinstance(argument, list) and argument else None
            variables = argument[1] if isinstance(argument, list) and len(argument) > 1 and isinstance(argument[1], dict) else {}
            if isinstance(text, str):
                for match in _SUB_VARIABLE.finditer(text):
                    name = match.group(1).split(".")[0]
                    if name in moved and name not in variables:
                        found.append((join(path, "Fn::Sub"), name))
        for key, item in value.items():
            found += leftovers(item, moved, join(path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += leftovers(item, moved, join(path, index))
    return found
