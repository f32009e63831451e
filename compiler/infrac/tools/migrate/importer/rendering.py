"""The ``.infra`` modules of one attempt: a stack's parameters and conditions, a block per
resource (its kind's, or a generic ``resource`` block), the exports other stacks need, and
the consumers' rewritten service files; the project module, and the formatted texts.
"""

from __future__ import annotations

import posixpath
from collections.abc import Mapping

from infrac.base.classes import evolve
from infrac.diagnostics import Diagnostic, diagnostic
from infrac.syntax import ir
from infrac.tools.migrate import split
from infrac.tools.migrate.importer.lifting import Decisions
from infrac.tools.migrate.importer.placement import Placement, is_consumer, stack_name
from infrac.tools.migrate.importer.problems import PARAMETER_KEYS, located, unsupported
from infrac.tools.migrate.importer.properties import Link
from infrac.tools.migrate.importer.values import Refs, Unsupported, escape, stage_parameter, symbol, to_ir
from infrac.tools.migrate.source.model import Interpolated, Template, join
from infrac.tools.migrate.source.model import Resource as SourceResource
from infrac.vocabulary import KINDS
from infrac.vocabulary.kinds import pascal

TYPE_CHECKING = False  # typing's own constant, without importing typing
if TYPE_CHECKING:
    from typing import Any


_PARAMETER_TYPES = {"String": "string", "Number": "number", "List<Number>": "number_list", "CommaDelimitedList": "comma_list"}
_POLICY = {"Retain": "retain", "Delete": "delete", "Snapshot": "snapshot", "RetainExceptOnCreate": "retain_except_on_create"}


def _parameter_block(parameter, refs: Refs) -> ir.Block:
    kind = _PARAMETER_TYPES.get(parameter.type)
    body: list[ir.Statement] = [ir.Attribute("type", ir.Symbol(kind) if kind else ir.String(parameter.type))]
    if parameter.default is not None:
        body.append(ir.Attribute("default", to_ir(parameter.default, join(parameter.path, "Default"), refs)))
    if parameter.allowed_values is not None:
        body.append(ir.Attribute("allowed", to_ir(list(parameter.allowed_values), join(parameter.path, "AllowedValues"), refs)))
    if parameter.description is not None:
        body.append(ir.Attribute("description", _prose(parameter.description, join(parameter.path, "Description"))))
    for key, value in parameter.constraints.items():
        if key in ("AllowedPattern", "ConstraintDescription"):
            body.append(ir.Attribute(PARAMETER_KEYS[key], _prose(value, join(parameter.path, key))))
        elif key in PARAMETER_KEYS:
            body.append(ir.Attribute(PARAMETER_KEYS[key], to_ir(value, join(parameter.path, key), refs)))
    return ir.Block("parameter", (symbol(parameter.name, parameter.path, "the parameter"),), tuple(body))


def _prose(value: Any, path: str) -> ir.String:
    """Text for people (a description, a pattern), written as it is: never a template."""
    if not isinstance(value, str):
        raise Unsupported(path, "a description or pattern that is not text")
    return ir.String(value)


def _output_block(output, refs: Refs) -> ir.Block:
    """An output as written: its name, value, description, condition and export name."""
    body: list[ir.Statement] = [ir.Attribute("value", to_ir(output.value, join(output.path, "Value"), refs))]
    if output.description is not None:
        body.append(ir.Attribute("description", _prose(output.description, join(output.path, "Description"))))
    if output.condition is not None:
        body.append(ir.Attribute("condition", symbol(output.condition, join(output.path, "Condition"), "the condition")))
    if output.export is not None:
        export = output.export
        value = ir.String(export.text) if isinstance(export, Interpolated) else to_ir(
            export, join(join(output.path, "Export"), "Name"), refs)
        body.append(ir.Attribute("export_name", value))
    return ir.Block("output", (symbol(output.name, output.path, "the output"),), tuple(body))


def _sections(template: Template, refs: Refs) -> list[ir.Statement]:
    """The template's own sections as the stack's attributes: description, metadata, mappings,
    rules, transform."""
    found: list[ir.Statement] = []
    if template.description is not None:
        found.append(ir.Attribute("description", _prose(template.description, "Description")))
    if template.metadata is not None:
        if not isinstance(template.metadata, dict):
            raise Unsupported("Metadata", "`Metadata` that is not a mapping")
        found.append(ir.Attribute("metadata", to_ir(template.metadata, "Metadata", refs)))
    if template.mappings:
        found.append(ir.Attribute("mappings", _mappings(template.mappings, refs)))
    if template.rules is not None:
        found.append(ir.Attribute("rules", _rules(template.rules, refs)))
    if template.transform is not None:
        names = template.transform if isinstance(template.transform, list) else [template.transform]
        found.append(ir.Attribute("transform", ir.List(tuple(ir.String(n) for n in names))))
    return found


def _mappings(mappings: dict, refs: Refs) -> ir.Map:
    entries = []
    for name, mapping in mappings.items():
        path = join("Mappings", name)
        if not isinstance(mapping, dict) or not mapping or not all(isinstance(v, dict) and v for v in mapping.values()):
            raise Unsupported(path, "a mapping that is not `{ key: { key: value } }`")
        symbol(name, path, "the mapping")
        entries.append(ir.Entry(name, to_ir(mapping, path, refs)))
    return ir.Map(tuple(entries))


def _rules(rules: Any, refs: Refs) -> ir.Map:
    if not isinstance(rules, dict):
        raise Unsupported("Rules", "`Rules` that are not a mapping")
    entries = []
    for name, rule in rules.items():
        path = join("Rules", name)
        symbol(name, path, "the rule")
        if not isinstance(rule, dict) or not isinstance(rule.get("Assertions"), list) or set(rule) - {"RuleCondition", "Assertions"}:
            raise Unsupported(path, "a rule that is not `{ RuleCondition, Assertions }`")
        fields = []
        if "RuleCondition" in rule:
            fields.append(ir.Entry("condition", to_ir(rule["RuleCondition"], join(path, "RuleCondition"), refs)))
        assertions = []
        for i, assertion in enumerate(rule["Assertions"]):
            where = join(join(path, "Assertions"), i)
            if not isinstance(assertion, dict) or "Assert" not in assertion or set(assertion) - {"Assert", "AssertDescription"}:
                raise Unsupported(where, "an assertion that is not `{ Assert, AssertDescription }`")
            items = [ir.Entry("assert", to_ir(assertion["Assert"], join(where, "Assert"), refs))]
            if "AssertDescription" in assertion:
                items.append(ir.Entry("description", _prose(assertion["AssertDescription"], join(where, "AssertDescription"))))
            assertions.append(ir.Map(tuple(items)))
        fields.append(ir.Entry("assertions", ir.List(tuple(assertions))))
        entries.append(ir.Entry(name, ir.Map(tuple(fields))))
    return ir.Map(tuple(entries))


def _with_links(statement: ir.Statement, refs: Refs, path: str) -> ir.Statement:
    """A lifted attribute whose value names a whole resource (or a block whose label does:
    a rule's target), written for the stack it is in."""
    if isinstance(statement, ir.Block) and statement.labels and isinstance(statement.labels[0], Link):
        logical_id = statement.labels[0].logical_id
        if logical_id not in refs.targets:
            raise Unsupported(path, f"a link to `{logical_id}`")
        stack, name, _ = refs.targets[logical_id]
        if stack != refs.here:
            refs.used.extend([(stack, name, "arn"), (stack, name, "url")])
            return evolve(statement, labels=(ir.Ref((stack, name)),))
        return evolve(statement, labels=(ir.Symbol(name),))
    if isinstance(statement, ir.Attribute) and isinstance(statement.value, Link):
        logical_id = statement.value.logical_id
        if logical_id not in refs.targets:
            raise Unsupported(path, f"a link to `{logical_id}`")
        stack, name, kind = refs.targets[logical_id]
        if stack != refs.here:
            refs.used.append((stack, name, "id"))
            return evolve(statement, value=ir.Ref((stack, name)))
        return evolve(statement, value=ir.Symbol(name))
    return statement


def _resource_block(index: int, resource: SourceResource, template: Template, decisions: Decisions, refs: Refs) -> ir.Block:
    common: list[ir.Statement] = []
    if resource.condition:
        common.append(ir.Attribute("condition", symbol(resource.condition, join(resource.path, "Condition"), "the condition")))
    if resource.depends_on:
        common.append(ir.Attribute("depends_on", ir.List(tuple(ir.Symbol(d) for d in resource.depends_on))))
    if resource.metadata is not None:
        if not isinstance(resource.metadata, dict):
            raise Unsupported(join(resource.path, "Metadata"), "`Metadata` that is not a mapping")
        common.append(ir.Attribute("metadata", to_ir(resource.metadata, join(resource.path, "Metadata"), refs)))
    for key, field in ((resource.deletion_policy, "deletion_policy"), (resource.update_replace_policy, "update_replace_policy")):
        if key in _POLICY:
            common.append(ir.Attribute(field, ir.Symbol(_POLICY[key])))
    for key, field in (("CreationPolicy", "creation_policy"), ("UpdatePolicy", "update_policy")):
        if key in resource.other:
            if not isinstance(resource.other[key], dict):
                raise Unsupported(join(resource.path, key), f"`{key}` that is not a mapping")
            common.append(ir.Attribute(field, to_ir(resource.other[key], join(resource.path, key), refs)))
    # the older resource-level keys CloudFormation still accepts: a generic block's own fields
    extra = [ir.Attribute(field, to_ir(resource.other[key], join(resource.path, key), refs))
             for key, field in (("Version", "version"), ("Description", "description")) if key in resource.other]
    lifted = decisions.lifted.get((index, resource.logical_id))
    if lifted is not None and not extra:
        kind, body, _ = lifted
        body = [_with_links(statement, refs, join(resource.path, "Properties")) for statement in body]
        attributes = [s for s in body if isinstance(s, ir.Attribute)]
        blocks = [s for s in body if not isinstance(s, ir.Attribute)]
        return ir.Block(kind, (ir.Symbol(resource.logical_id),), tuple(attributes + common + blocks))
    body = list(common) + extra
    if resource.properties:
        body.append(ir.Attribute("properties", to_ir(resource.properties, join(resource.path, "Properties"), refs)))
    return ir.Block("resource", (ir.String(resource.type), ir.Symbol(resource.logical_id)), tuple(body))


def render(templates, where, decisions: Decisions, stage: str, region: str, placement: Placement | None, out: str):
    """The ``.infra`` modules of one attempt (file name -> module), the consumers' new service
    files, and the diagnostics of what cannot be expressed."""
    found: list[Diagnostic] = []
    companions_of: dict[tuple[int, str], tuple[str, dict]] = {}
    for (i, owner), (_, _, companions) in decisions.lifted.items():
        for companion, attributes in companions.items():
            companions_of[(i, companion)] = (owner, attributes)
    stacks: dict[str, list[ir.Statement]] = {}
    exports: dict[tuple[str, str], set[str]] = {}
    consumers: dict[str, Any] = {}
    order: list[str] = []
    for i, template in enumerate(templates):
        refs = Refs(
            parameters={p.name for p in template.parameters}, conditions=set(template.conditions),
            stage=stage_parameter(template) is not None, home=stack_name(template),
        )
        for resource in template.resources:
            key = (i, resource.logical_id)
            if where[key] is None:
                continue
            if key in companions_of:
                refs.companions[resource.logical_id] = companions_of[key]
            else:
                kind = decisions.lifted[key][0] if key in decisions.lifted else "resource"
                refs.targets[resource.logical_id] = (where[key], resource.logical_id, kind)
                refs.types[resource.logical_id] = resource.type
        stacks_here = list(dict.fromkeys(where[(i, r.logical_id)] for r in template.resources if where[(i, r.logical_id)]))
        if not stacks_here and not is_consumer(template):
            stacks_here = [stack_name(template)]
        for stack in stacks_here:
            if stack not in stacks:
                stacks[stack] = []
                order.append(stack)
            refs.here = stack
            try:
                if stack == stacks_here[0]:  # the template's own sections, in its first stack
                    stacks[stack][:0] = _sections(template, refs)
                for parameter in template.parameters:
                    if parameter.name != "Stage" or not refs.stage:
                        stacks[stack].append(_parameter_block(parameter, refs))
                if template.conditions:
                    entries = []
                    for name, value in template.conditions.items():
                        symbol(name, join("Conditions", name), "the condition")
                        entries.append(ir.Entry(name, to_ir(value, join("Conditions", name), refs)))
                    stacks[stack].insert(0, ir.Attribute("conditions", ir.Map(tuple(entries))))
            except Unsupported as error:
                found.append(unsupported(template, error))
        for resource in template.resources:
            key = (i, resource.logical_id)
            stack = where[key]
            if stack is None or key in companions_of:
                continue
            refs.here = stack
            try:
                block = _resource_block(i, resource, template, decisions, refs)
            except Unsupported as error:
                found.append(unsupported(template, error))
                continue
            stacks[stack].append(block)
            if placement is not None:
                kind = KINDS[decisions.lifted[key][0] if key in decisions.lifted else "resource"]
                wanted = set(kind.identifying or ("ref",))
                if key in decisions.lifted:  # a companion's attributes too (a dead-letter queue's)
                    wanted |= {a for attributes in decisions.lifted[key][2].values() for a in attributes.values()}
                exports.setdefault((stack, resource.logical_id), set()).update(wanted)
        for stack, name, attribute in refs.used:
            exports.setdefault((stack, name), set()).add(attribute)
        refs.used.clear()
        if placement is None and stacks_here:  # every output as written, in the template's stack
            refs.here = stacks_here[0]
            for output in template.outputs:
                try:
                    stacks[stacks_here[0]].append(_output_block(output, refs))
                except Unsupported as error:
                    found.append(unsupported(template, error))
        else:
            found.extend(_outputs(template, refs, exports, where, i))
        if is_consumer(template) and placement is not None:
            consumers[stack_name(template)] = (i, template, refs)
    services: dict[str, Any] = {}
    consumer_modules: dict[str, ir.Module] = {}
    names = split.service_file_names({s: posixpath.dirname(t.file) or "." for s, (_, t, _) in consumers.items()})
    for stack, (i, template, refs) in consumers.items():
        service_dir = posixpath.dirname(template.file) or "."
        imports_file = split.imports_path(service_dir, out, stack)

        moved = {}
        for resource in template.resources:
            if where[(i, resource.logical_id)] is None:
                continue

            def one(getatt, path, _id=resource.logical_id, _refs=refs, _stack=stack):
                _refs.here = _stack
                return _refs.attribute(_id, getatt, path)

            moved[resource.logical_id] = one
        try:
            consumer = split.rewrite(template, stack, moved, imports_file)
        except Unsupported as error:
            path, construct = error.args
            found.append(diagnostic(
                "E0810", f"{construct} cannot be expressed in the language", _span_at(template, path), label="not imported",
                notes=[f"at `{error.args[0]}` of the service"],
                hint="refer to the resource by `Ref` or another attribute its kind has",
            ))
            continue
        for path, name in split.leftovers(consumer.document, set(moved)):
            found.append(diagnostic(
                "E0813", f"the rewritten service would still refer to `{name}`, which moves", _span_at(template, path),
                label="not rewritten", notes=[f"at `{path}` of the service"],
                hint="refer to the resource by `Ref`, `Fn::GetAtt` or `${Name}` in `Fn::Sub`, which the import rewrites",
            ))
        for stack_name_, name, attribute in refs.used:
            exports.setdefault((stack_name_, name), set()).add(attribute)
        refs.used.clear()
        statements = split.consumer_statements(consumer, service_dir, out, names[stack])
        consumer_modules[f"{stack}.infra"] = ir.Module((ir.Stack(ir.Ident(stack), tuple(statements)),))
        header = split.HEADER.format(
            source=posixpath.basename(template.file), imports=imports_file, out=out, build=split.BUILD_FOLDER,
            name=names[stack], folder=service_dir,
        )
        services[split.service_path(stack, names[stack])] = (header, consumer.document)
    # exports, in each resource block
    modules: dict[str, ir.Module] = {}
    for stack in order:
        body = []
        for statement in stacks[stack]:
            if isinstance(statement, ir.Block) and statement.kind not in ("parameter", "output"):
                name = statement.labels[-1].name
                wanted = exports.get((stack, name))
                if wanted:
                    statement = _with_exports(statement, wanted)
            body.append(statement)
        modules[f"{stack}.infra"] = ir.Module((ir.Stack(ir.Ident(stack), tuple(body)),))
    modules.update(consumer_modules)
    return modules, services, found


def _with_exports(block: ir.Block, wanted: set) -> ir.Block:
    """The block with ``export`` statements for the attributes wanted (names, or
    ``(attribute, export name)`` for an export kept under its own name), in the kind's order."""
    kind = KINDS[block.kind]
    order = list(kind.attributes or {})
    plain = sorted((n for n in wanted if isinstance(n, str)), key=lambda n: (order.index(n) if n in order else len(order), n))
    named = sorted(n for n in wanted if isinstance(n, tuple))
    statements = [s for s in block.body if not isinstance(s, ir.Export)]
    extra: list[ir.Statement] = []
    if plain:
        extra.append(ir.Export(tuple(ir.Ident(n) for n in plain)))
    for attribute, name in named:
        extra.append(ir.Export((ir.Ident(attribute),), (
            ir.Attribute("name", ir.String(name)),
            ir.Attribute("reason", ir.String("the name it is exported under today")),
        )))
    return evolve(block, body=tuple(statements + extra))


def _outputs(template: Template, refs: Refs, exports: dict, where: dict, index: int) -> list[Diagnostic]:
    """Outputs with an export become ``export`` statements; anything else is said."""
    found = []
    for output in template.outputs:
        value = output.value
        target = None
        if isinstance(value, dict) and set(value) == {"Ref"} and isinstance(value["Ref"], str):
            target = (value["Ref"], None)
        elif isinstance(value, dict) and set(value) == {"Fn::GetAtt"} and isinstance(value["Fn::GetAtt"], list):
            target = (value["Fn::GetAtt"][0], value["Fn::GetAtt"][1])
        if output.export is None:
            found.append(located(template, output.path, f"output `{output.name}` has no export and is not imported", "W0810",
                                  label="infrac writes outputs for exports", hint="export it if another stack needs it"))
            continue
        if output.condition is not None or target is None or target[0] not in refs.targets and target[0] not in refs.companions:
            found.append(unsupported(template, Unsupported(join(output.path, "Value"), f"output `{output.name}` (not a resource's attribute)")))
            continue
        if where.get((index, target[0])) is None and target[0] not in refs.companions:
            found.append(unsupported(template, Unsupported(output.path, f"output `{output.name}` of a resource that stays in the service")))
            continue
        refs.here = ""
        try:
            reference = refs.attribute(target[0], target[1], join(output.path, "Value"))
        except Unsupported as error:
            found.append(unsupported(template, error))
            continue
        refs.used.clear()
        stack, name, attribute = reference.parts
        expected = f"{escape(stack)}-{{stage}}-{escape(name)}{pascal(attribute)}"
        given = output.export.text if isinstance(output.export, Interpolated) else (
            escape(output.export) if isinstance(output.export, str) else None)
        if given is None:
            found.append(unsupported(template, Unsupported(join(output.path, "Export.Name"), "an export name computed by a function")))
            continue
        exports.setdefault((stack, name), set()).add(attribute if given == expected else (attribute, given))
    return found


def project_module(stage: str, region: str, name: str = "imported", stages: tuple[str, ...] = ()) -> ir.Module:
    listed = tuple(dict.fromkeys([stage, *stages]))
    return ir.Module((ir.Project(ir.Ident(name), (
        ir.Attribute("region", ir.String(region)),
        ir.Attribute("stages", ir.List(tuple(ir.Symbol(s) for s in listed))),
    )),))


def render_sources(modules: Mapping[str, ir.Module]) -> dict[str, str]:
    """The ``.infra`` texts, as the formatter writes them."""
    from infrac.syntax.fmt import format_module

    return {path: format_module(module) for path, module in modules.items()}


def _span_at(template: Template, path: str):
    """The span of a path of a template's document, or of the nearest enclosing one."""
    span = None
    while span is None and path:
        span = template.document_locations.get(path)
        path = path.rsplit(".", 1)[0] if "." in path else ""
    return span
