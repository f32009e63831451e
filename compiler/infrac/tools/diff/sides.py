"""The two sides of a diff: what is deployed (or was last built), and what the sources make.

A side holds, per stack, what is known of it:

- from **the sources**: every template as the build writes it (target, format and stage of
  the side it is compared with), read back by the same reader as the other side, and the
  program's exports, importers and deploy waves;
- from **an output folder** (``--against DIR``, a build's committed output): its templates
  (or Serverless services), ``deploy-order.json`` or ``serverless-compose.yml`` for the
  order, and each consumer's imports file;
- from **deployed templates** (``--against STACK=FILE``), read as ``infrac plan-move`` reads
  them, values for one stage;
- from **infra.lock** (the default): the last build's record, per stack and logical ID, of
  each resource's type, source resource and replacing values, and the exports with their
  importers. A lock does not hold the other properties, nor the templates' sizes: a side
  from a lock says so (``templates`` is False), and the diff shows what it can.

Reading files is the command line's: it hands their texts in. Pure.
"""

from __future__ import annotations

import json

from infrac.base.source import SourceFile
from infrac.cfn.schemas import schema
from infrac.contract.record import owners_of
from infrac.diagnostics import Diagnostic
from infrac.model import Program
from infrac.tools.diff.canon import STAGE, export_name

TYPE_CHECKING = False  # typing's own constant, without importing typing
if TYPE_CHECKING:
    from typing import Any

    from infrac.contract.linker import Linkage


class Export:
    """An export as a side knows it: who publishes it, and who imports or reads it."""

    __slots__ = ("name", "stack", "resource", "attribute", "importers", "readers")

    def __init__(self, name: str, stack: str, resource: str | None = None, attribute: str | None = None,
                 importers: tuple[str, ...] = (), readers: tuple[str, ...] = ()) -> None:
        self.name, self.stack, self.resource, self.attribute = name, stack, resource, attribute
        self.importers, self.readers = importers, readers

    def shown(self) -> str | None:
        """``stack.Resource.attribute``, as the sources reference it (None when not known)."""
        if self.resource is None or self.attribute is None:
            return None
        return f"{self.stack}.{self.resource}.{self.attribute}"


class StackSide:
    """One stack of one side. ``template`` is None for a stack known from a lock, and for a
    consumer (a stack of its own service) whose ``imports`` document is kept instead."""

    __slots__ = ("name", "template", "record", "size", "imports", "names")

    def __init__(self, name: str, template: dict[str, Any] | None, record: dict[str, dict[str, Any]],
                 size: int | None = None, imports: dict[str, Any] | None = None,
                 names: dict[str, str] | None = None) -> None:
        self.name, self.template, self.record, self.size = name, template, record, size
        self.imports = imports
        #: logical ID -> the source resource that declares it, where known
        self.names = names or {lid: e["resource"] for lid, e in record.items() if isinstance(e.get("resource"), str)}

    @property
    def resources(self) -> dict[str, Any]:
        return (self.template or {}).get("Resources") or {}

    @property
    def outputs(self) -> dict[str, Any]:
        return (self.template or {}).get("Outputs") or {}


class Side:
    """One side of a diff. ``what`` names it for people (``infra.dsl/infra.lock``);
    ``templates`` says whether it holds whole templates (not only a lock's record);
    ``stage`` is the stage its values are for (None: ``{stage}`` kept symbolic);
    ``waves`` the deploy order, when known."""

    __slots__ = ("what", "templates", "stacks", "exports", "waves", "stage", "program", "sources")

    def __init__(self, what: str, templates: bool, stacks: dict[str, StackSide], exports: dict[str, Export],
                 waves: tuple[tuple[str, ...], ...] | None, stage: str | None = None, program: Program | None = None,
                 sources: dict[str, SourceFile] | None = None) -> None:
        self.what, self.templates, self.stacks, self.exports = what, templates, stacks, exports
        self.waves, self.stage, self.program, self.sources = waves, stage, program, sources or {}


# ---- the sources -------------------------------------------------------------------------


def from_program(program: Program, linkage: Linkage, sources: dict[str, SourceFile], *, templates: bool,
                 target: str = "cloudformation", format: str = "yaml", stage: str | None = None,
                 what: str = "the sources") -> Side:
    """What the sources make: the record and exports always, and the files as the build
    writes them for ``target``, ``format`` and ``stage`` when ``templates``."""
    stacks: dict[str, StackSide] = {}
    if templates:
        from infrac.backends import BuildOptions, backend

        options = BuildOptions(stage=stage, format=format)
        files = {a.path: a.text for a in backend(target).render(program, options)}
        read, _ = read_folder(files, stage)
        for name, stack in read.stacks.items():
            owners = owners_of(program.stack(name)) if program.stack(name) else {}
            stack.names = {lid: r.name for lid, r in owners.items()}
            stacks[name] = stack
    else:
        from infrac.contract.replacement import record

        records = record(program)
        for stack in program.stacks:
            if stack.resources or stack.is_consumer:
                owners = owners_of(stack)
                stacks[stack.name] = StackSide(stack.name, None, records.get(stack.name, {}),
                                               names={lid: r.name for lid, r in owners.items()})
    exports = {
        e.name: Export(e.name, e.stack, e.resource, e.attribute, tuple(e.importers), tuple(e.readers))
        for e in linkage.exports
    }
    if templates:  # an `output` block's `export_name`, which the templates publish as a folder's do
        for name, export in exports_of(stacks, stage).items():
            exports.setdefault(name, export)
    return Side(what, templates, stacks, exports, tuple(tuple(w) for w in program.waves), stage, program, sources)


# ---- infra.lock --------------------------------------------------------------------------


def from_lock(text: str, what: str) -> Side:
    """The last build's record in a lock's text (a readable lock: the caller checks it)."""
    from infrac.contract.replacement import from_document

    document = json.loads(text)
    records = from_document(document)
    exports: dict[str, Export] = {}
    for name, entry in (document.get("exports") or {}).items():
        exports[name] = Export(name, str(entry.get("stack")), entry.get("resource"), entry.get("attribute"),
                               tuple(entry.get("importers") or ()), tuple(entry.get("readers") or ()))
    stacks = {name: StackSide(name, None, record) for name, record in records.items()}
    for export in exports.values():
        for user in (*export.importers, *export.readers):
            stacks.setdefault(user, StackSide(user, None, {}))
        stacks.setdefault(export.stack, StackSide(export.stack, None, {}))
    return Side(what, False, stacks, exports, _waves(stacks, exports))


def _waves(stacks: dict[str, StackSide], exports: dict[str, Export]) -> tuple[tuple[str, ...], ...]:
    """Deploy waves from who imports or reads whose exports (what a lock knows of the order)."""
    needs: dict[str, set[str]] = {name: set() for name in stacks}
    for export in exports.values():
        for user in (*export.importers, *export.readers):
            if user != export.stack:
                needs.setdefault(user, set()).add(export.stack)
    return layered(needs)


def layered(needs: dict[str, set[str]]) -> tuple[tuple[str, ...], ...]:
    """Stacks in waves, each after the stacks it needs (a cycle ends in one last wave)."""
    waves: list[tuple[str, ...]] = []
    done: set[str] = set()
    while len(done) < len(needs):
        ready = sorted(n for n in needs if n not in done and needs[n] <= done)
        if not ready:
            ready = sorted(n for n in needs if n not in done)
        waves.append(tuple(ready))
        done |= set(ready)
    return tuple(waves)


# ---- an output folder --------------------------------------------------------------------


def read_folder(files: dict[str, str], stage: str | None, what: str = "") -> tuple[Side, list[Diagnostic]]:
    """An output folder's files (path relative to the folder -> text), as a side: the
    templates of a CloudFormation build (``<stack>.yml`` or ``.json``) or the services of a
    Serverless build (``<stack>/serverless.yml``), their order, and the consumers' imports."""
    from infrac.tools.migrate import source as reader

    diagnostics: list[Diagnostic] = []
    stacks: dict[str, StackSide] = {}
    waves = None
    for path in sorted(files):
        text = files[path]
        parts = path.split("/")
        if path == "deploy-order.json":
            waves = _order_file(text)
            continue
        if path == "serverless-compose.yml":
            waves = _compose_file(text)
            continue
        if len(parts) == 1 and (path.endswith(".imports.yml") or path.endswith(".imports.json")):
            name = path.rsplit(".imports.", 1)[0]
            stack = stacks.setdefault(name, StackSide(name, None, {}))
            stack.imports = _plain_yaml(text)
            continue
        if len(parts) == 2 and parts[1] == "imports.yml":
            stack = stacks.setdefault(parts[0], StackSide(parts[0], None, {}))
            stack.imports = _plain_yaml(text)
            continue
        if len(parts) == 1 and path.rsplit(".", 1)[-1] in ("yml", "yaml", "json"):
            name = path.rsplit(".", 1)[0]
        elif len(parts) == 2 and parts[1] == "serverless.yml":
            name = parts[0]
        else:
            continue
        read = reader.read(SourceFile(f"{what}/{path}" if what else path, text))
        diagnostics.extend(read.diagnostics)
        if read.template is None or not read.ok:
            continue
        template = template_of(read.template, stage)
        stack = stacks.setdefault(name, StackSide(name, None, {}))
        stack.template, stack.size = template, len(text.encode("utf-8"))
        stack.record = record_of(template)
    exports = exports_of(stacks, stage)
    return Side(what, True, stacks, exports, waves, stage), diagnostics


def _order_file(text: str) -> tuple[tuple[str, ...], ...] | None:
    try:
        waves = json.loads(text).get("waves")
    except (ValueError, AttributeError):
        return None
    if not isinstance(waves, list):
        return None
    return tuple(tuple(str(s) for s in wave) for wave in waves if isinstance(wave, list))


def _compose_file(text: str) -> tuple[tuple[str, ...], ...] | None:
    document = _plain_yaml(text)
    services = document.get("services") if isinstance(document, dict) else None
    if not isinstance(services, dict):
        return None
    needs = {}
    for name, service in services.items():
        depends = service.get("dependsOn", []) if isinstance(service, dict) else []
        needs[str(name)] = {str(d) for d in (depends if isinstance(depends, list) else [depends])}
    for wanted in list(needs.values()):
        for name in wanted:
            needs.setdefault(name, set())
    return layered(needs)


def _plain_yaml(text: str) -> Any:
    from infrac.tools.migrate.source.loader import load_yaml

    try:
        return load_yaml(text)
    except Exception:  # a damaged file: nothing known of it
        return None


def template_of(read: Any, stage: str | None, region: str = "") -> dict[str, Any]:
    """A read template (:class:`infrac.tools.migrate.source.Template`) as one plain template
    document. With a stage, values that depend on it are written for it, as ``plan-move``
    reads a deployed stack; without, a Serverless service's ``${sls:stage}`` becomes the
    ``${Stage}`` of infrac's CloudFormation templates, so the two read alike."""
    template: dict[str, Any] = {}
    if read.description is not None:
        template["Description"] = read.description
    for parameter in read.parameters:
        entry = {"Type": parameter.type, **parameter.constraints}
        if parameter.allowed_values is not None:
            entry["AllowedValues"] = list(parameter.allowed_values)
        if parameter.description is not None:
            entry["Description"] = parameter.description
        if parameter.default is not None:
            entry["Default"] = parameter.default
        template.setdefault("Parameters", {})[parameter.name] = entry
    for key, value in (("Conditions", read.conditions), ("Mappings", read.mappings), ("Transform", read.transform),
                       ("Rules", read.rules), ("Metadata", read.metadata)):
        if value:
            template[key] = value
    template["Resources"] = {resource.logical_id: resource.document() for resource in read.resources}
    for output in read.outputs:
        template.setdefault("Outputs", {})[output.name] = output.document()
    return plain(template, stage, region or read.region or "")


def plain(value: Any, stage: str | None, region: str) -> Any:
    """Template values with the reader's placeholders (``{stage}`` of a Serverless variable)
    written for ``stage``, or as an ``Fn::Sub`` of infrac's ``${Stage}`` when it is None."""
    from infrac.tools.migrate.source.model import Interpolated

    if isinstance(value, Interpolated):
        if stage is not None and set(value.placeholders) <= {"stage", "region"}:
            return value.render(stage=stage, region=region)
        return {"Fn::Sub": _sub_text(value.text, stage)}
    if isinstance(value, dict):
        return {k: plain(v, stage, region) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v, stage, region) for v in value]
    return value


#: The reader's placeholders as ``Fn::Sub`` variables.
_PSEUDO = {"stage": "${" + STAGE + "}", "region": "${AWS::Region}", "account": "${AWS::AccountId}"}


def _sub_text(text: str, stage: str | None) -> str:
    """An interpolated text (``core-{stage}-users``, literal braces doubled) as ``Fn::Sub``'s."""
    import re

    pieces = []
    position = 0
    for match in re.finditer(r"\{\{|\}\}|\{([a-z_]+)\}", text):
        pieces.append(text[position:match.start()].replace("${", "${!"))
        position = match.end()
        token, name = match.group(0), match.group(1)
        if name is None:
            pieces.append(token[0])
        elif name == "stage" and stage is not None:
            pieces.append(stage)
        else:
            pieces.append(_PSEUDO.get(name, "${" + name + "}"))
    pieces.append(text[position:].replace("${", "${!"))
    return "".join(pieces)


def record_of(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The replacement record of a template (:mod:`infrac.contract.record`): per logical
    ID, its type and the values of the properties whose change replaces it."""
    from infrac.contract.record import replacing

    found = {}
    for logical_id, document in (template.get("Resources") or {}).items():
        if not isinstance(document, dict) or not isinstance(document.get("Type"), str):
            continue
        entry: dict[str, Any] = {"type": document["Type"]}
        values = replacing(document["Type"], document.get("Properties") or {})
        if values:
            entry["replacing"] = values
        found[logical_id] = entry
    return found


def exports_of(stacks: dict[str, StackSide], stage: str | None) -> dict[str, Export]:
    """The exports the templates publish, with the stacks that import each (from every
    template and consumer imports file of the side). Names keep ``{stage}``, or are
    written back to it from ``stage``."""
    from infrac.contract.linker import imports_in

    exports: dict[str, Export] = {}
    for stack in stacks.values():
        for output in stack.outputs.values():
            name = export_name((output.get("Export") or {}).get("Name")) if isinstance(output, dict) else None
            if name is not None:
                exports[_symbolic(name, stage)] = Export(_symbolic(name, stage), stack.name)
    importers: dict[str, set[str]] = {}
    for stack in stacks.values():
        for imported in imports_in([stack.template or {}, stack.imports or {}]):
            name = export_name(imported) if not isinstance(imported, str) else imported
            if name is not None:
                for spelt in ("${" + STAGE + "}", "${sls:stage}"):  # a template's, a Serverless service's
                    name = name.replace(spelt, "{stage}")
                importers.setdefault(_symbolic(name, stage), set()).add(stack.name)
    for name, users in importers.items():
        if name in exports:
            exports[name].importers = tuple(sorted(users - {exports[name].stack}))
    return exports


def _symbolic(name: str, stage: str | None) -> str:
    """An export name written for ``stage`` with ``{stage}`` again, where the stage is one of
    its hyphen-separated words (as every export pattern with ``{stage}`` writes it)."""
    if stage is None:
        return name
    words = name.split("-")
    return "-".join("{stage}" if word == stage else word for word in words)


# ---- deployed templates ------------------------------------------------------------------


def deployed(read: list[tuple[str, Any]], stage: str, region: str, project_stacks: set[str]) -> Side:
    """Deployed stacks, each ``(name, read template)``: a stack named ``<stack>-<stage>``
    (the Serverless Framework's and the deploy guide's name) is the project's ``<stack>``."""
    stacks: dict[str, StackSide] = {}
    for name, template in read:
        if name not in project_stacks and name.endswith(f"-{stage}") and name[: -len(stage) - 1] in project_stacks:
            name = name[: -len(stage) - 1]
        document = template_of(template, stage, region)
        stacks[name] = StackSide(name, document, record_of(document), None)
    return Side("deployed templates", True, stacks, exports_of(stacks, stage), None, stage)


def type_stateful(type_name: str) -> bool:
    from infrac.contract.replacement import STATEFUL

    return type_name in STATEFUL


def identifier_keys(type_name: str) -> tuple[str, ...]:
    """The properties that name a resource of the type (its primary identifier, where set)."""
    found = schema(type_name)
    names = {"AWS::SQS::Queue": ("QueueName",), "AWS::Events::Rule": ("Name",)}
    return names.get(type_name) or (found.primary_identifier if found else ())
