"""Resource blocks -> typed :class:`~infrac.model.Resource`, by the vocabulary.

For each block in a stack: its kind, its header (labels), its attributes and
nested blocks by the kind's fields and types, its export list, and its logical
ID. A resource with any error is left out of the program, but its name is kept
in ``declared`` so that references to it add no second error.
"""

from __future__ import annotations

import ntpath
import posixpath
import re

from infrac.base.classes import evolve
from infrac.base.source import Span
from infrac.base.suggest import article, did_you_mean
from infrac.cfn import limits
from infrac.diagnostics import Diagnostic, Label, duplicate
from infrac.model import Block, ConditionRef, ExportSpec, Link, Output, Parameter, Program, Resource, Stack, Use
from infrac.passes import stack_blocks
from infrac.passes.fields import read_fields
from infrac.passes.stack_blocks import given as _given
from infrac.passes.state import Compilation, StackDeclaration
from infrac.syntax import ir
from infrac.vocabulary import KINDS, Kind
from infrac.vocabulary.blocks import (
    EXPORT_FIELDS,
    STACK_FIELDS,
)
from infrac.vocabulary.checker import STRING_PLACEHOLDERS
from infrac.vocabulary.kinds import NAME, NONE, TARGET, BlockKind
from infrac.vocabulary.types import INVALID, Checker

TYPE_CHECKING = False  # typing's own constant, without importing typing
if TYPE_CHECKING:
    from typing import Any


def check(state: Compilation) -> tuple[Compilation, list[Diagnostic]]:
    found: list[Diagnostic] = []
    stacks: list[Stack] = []
    declared: dict[str, frozenset[str]] = {}
    for declaration in state.stacks:
        stack, names, diagnostics = _stack(declaration)
        stacks.append(stack)
        declared[declaration.name] = names
        found.extend(diagnostics)
    program = Program(settings=state.settings, stacks=tuple(stacks))
    return evolve(state, program=program, declared=declared), found


def _stack(declaration: StackDeclaration) -> tuple[Stack, frozenset[str], list[Diagnostic]]:
    # a string may name the stack's parameters as placeholders: "{AppName}-jobs"
    parameter_names = frozenset(
        block.labels[0].name
        for block in declaration.resources
        if block.kind == "parameter" and len(block.labels) == 1 and isinstance(block.labels[0], ir.Symbol)
    )
    checker = Checker(placeholders=STRING_PLACEHOLDERS | (parameter_names - {"Stage"}))
    settings, spans = read_fields(
        declaration.attributes, STACK_FIELDS, checker, f"stack `{declaration.name}`", declaration.span
    )
    resources: list[Resource] = []
    parameters: list[Parameter] = []
    first_by_name: dict[str, ir.Block] = {}
    first_by_id: dict[str, Resource] = {}
    strengths = []
    outputs: list[Output] = []
    output_spans: dict[str, Span] = {}
    for block in declaration.resources:
        if block.kind == "output":
            output = stack_blocks.output(block, checker)
            if output is not None:
                if output.name in output_spans:
                    checker.report(duplicate(f"output `{output.name}` is declared twice in stack `{declaration.name}`",
                                             output.span, output_spans[output.name], "declared"))
                else:
                    output_spans[output.name] = output.span
                    outputs.append(output)
            continue
        if block.kind == "reference":
            choice = stack_blocks.strength_choice(block, checker)
            if choice is not None:
                strengths.append(choice)
            continue
        name_label = _name_label(block)
        if block.kind == "parameter":
            if name_label is not None and name_label.name in first_by_name:
                checker.report(
                    duplicate(
                        f"`{name_label.name}` is declared twice in stack `{declaration.name}`",
                        name_label.span,
                        _name_label(first_by_name[name_label.name]).span,
                        "declared",
                        hint="parameters and resources of a stack share one set of names (logical IDs)",
                    )
                )
                continue
            parameter = stack_blocks.parameter(block, checker)
            if parameter is not None:
                first_by_name[parameter.name] = block
                parameters.append(parameter)
            continue
        if name_label is not None:
            if name_label.name in first_by_name:
                checker.report(
                    duplicate(
                        f"resource `{name_label.name}` is declared twice in stack `{declaration.name}`",
                        name_label.span,
                        _name_label(first_by_name[name_label.name]).span,
                        "declared",
                        hint="give each resource of a stack its own name",
                    )
                )
                continue
            first_by_name[name_label.name] = block
        before = len(checker.diagnostics)
        resource = _resource(block, checker)
        if resource is None or len(checker.diagnostics) > before:
            continue
        if resource.logical_id in first_by_id:
            other = first_by_id[resource.logical_id]
            checker.error(
                "E0202",
                f"logical ID `{resource.logical_id}` is used by two resources of stack `{declaration.name}`",
                resource.name_span,
                label=f"`{resource.name}` has logical ID `{resource.logical_id}`",
                labels=[Label(other.name_span, f"`{other.name}` has it too")],
            )
            continue
        first_by_id[resource.logical_id] = resource
        resources.append(resource)
    if not declaration.resources and not declaration.uses and not declaration.attributes:
        checker.error(
            "W0101",
            f"stack `{declaration.name}` declares nothing",
            declaration.span,
            label="no resource and no `uses`",
            hint="add resources, or remove the stack",
        )
    uses = tuple(_use(u, checker) for u in declaration.uses)
    stack = Stack(
        name=declaration.name,
        resources=tuple(resources),
        uses=tuple(u for u in uses if u is not None),
        environment=settings["environment"] if settings["environment"] not in (None, INVALID) else {},
        values=settings["values"] if settings["values"] not in (None, INVALID) else {},
        path=_service_path(settings["path"], spans.get("path"), checker),
        span=declaration.span,
        parameters=tuple(parameters),
        conditions=_aliases(settings["conditions"] if settings["conditions"] not in (None, INVALID) else {}),
        strengths=tuple(strengths),
        outputs=tuple(outputs),
        description=_given(settings["description"]),
        metadata=_given(settings["metadata"]),
        mappings=_given(settings["mappings"]) or {},
        rules=_given(settings["rules"]) or {},
        transform=tuple(_given(settings["transform"]) or ()),
        retired=settings["retired"] if settings["retired"] not in (None, INVALID) else {},
        config=settings["config"] if settings["config"] not in (None, INVALID) else None,
    )
    for parameter in parameters:
        if parameter.name in first_by_id:
            other = first_by_id[parameter.name]
            checker.error(
                "E0202",
                f"logical ID `{parameter.name}` is used by a parameter and a resource of stack `{declaration.name}`",
                parameter.span,
                label="parameter declared here",
                labels=[Label(other.name_span, f"`{other.name}` has logical ID `{other.logical_id}`")],
                hint="parameters and resources of a stack share one set of names (logical IDs)",
            )
    return stack, frozenset(first_by_name), checker.diagnostics


def _service_path(path: str | None, span: Span | None, checker: Checker) -> str | None:
    """A consumer's ``path``, written relative to the file that declares it, as a path
    relative to the current folder (like the sources' paths), normalised; the backend
    writes it relative to the output folder. Absolute paths, and paths that the
    Serverless Framework would read as a variable, are refused (E0312)."""
    if path is None or path is INVALID:
        return None
    problem = None
    if posixpath.isabs(path) or ntpath.isabs(path) or re.match(r"[A-Za-z]:", path):
        problem = "it is absolute; write it relative to this file, so that the project can move"
    elif "\\" in path:
        problem = "it has a backslash; separate folders with `/`"
    elif "${" in path or "$" in path:
        problem = "it has a `$`, which the Serverless Framework would read as a variable"
    elif not path.isprintable() or path != path.strip():
        problem = "it has control characters or spaces around it"
    if problem:
        checker.error("E0312", f"`path` cannot be used: {problem}", span, label="the stack's own service")
        return None
    folder = posixpath.dirname(span.file) if span is not None else ""
    return posixpath.normpath(posixpath.join(folder, path))


def _name_label(block: ir.Block) -> ir.Symbol | None:
    """The resource's name: its last label, when that is a plain name."""
    if block.labels and isinstance(block.labels[-1], ir.Symbol):
        return block.labels[-1]
    return None


def _header_help(kind: Kind) -> str:
    if kind.cfn_type is None:
        return f'{article(kind.keyword)} `{kind.keyword}` block is written `{kind.keyword} "AWS::Service::Type" Name {{ ... }}`'
    return f"{article(kind.keyword)} `{kind.keyword}` block is written `{kind.keyword} Name {{ ... }}`"


def _resource(block: ir.Block, checker: Checker) -> Resource | None:
    kind = KINDS.get(block.kind)
    if kind is None:
        checker.error(
            "E0203",
            f"unknown resource kind `{block.kind}`",
            block.kind_span,
            label="not a kind of resource",
            hint=did_you_mean(block.kind, KINDS)
            or "kinds: " + ", ".join(f"`{k}`" for k in KINDS),
        )
        return None

    expected = 1 if kind.cfn_type else 2
    labels = block.labels
    shape_ok = len(labels) == expected and isinstance(labels[-1], ir.Symbol)
    if expected == 2 and shape_ok:
        shape_ok = isinstance(labels[0], ir.String)
    if not shape_ok:
        checker.error(
            "E0206",
            f"wrong header for {article(kind.keyword)} `{kind.keyword}` block",
            labels[0].span.to(labels[-1].span) if labels else block.kind_span,
            label="expected " + ("a type string and a name" if expected == 2 else "one name"),
            hint=_header_help(kind),
        )
        return None
    name = labels[-1]

    attributes: list[ir.Attribute] = []
    if kind.cfn_type is None:
        # The type is the header's string; checked like any attribute.
        attributes.append(ir.Attribute("type", labels[0], span=labels[0].span, name_span=labels[0].span))
    nested: list[ir.Block] = []
    export_statements: list[ir.Export] = []
    for statement in block.body:
        if isinstance(statement, ir.Attribute):
            attributes.append(statement)
        elif isinstance(statement, ir.Block):
            nested.append(statement)
        elif isinstance(statement, ir.Export):
            export_statements.append(statement)
        else:
            checker.error(
                "E0207",
                "`uses` is not allowed in a resource block",
                statement.span,
                label="not allowed here",
                hint="`uses` belongs directly in a stack",
            )

    owner = f"{kind.keyword} `{name.name}`"
    values, value_spans = read_fields(attributes, kind.fields, checker, owner, name.span)
    blocks = _nested_blocks(nested, kind, owner, checker)
    specs = _exports(export_statements, kind, owner, checker)

    logical_id = values.get("id") or name.name
    if logical_id is INVALID:
        return None
    if "id" not in values or values["id"] is None:
        if not limits.LOGICAL_ID.fullmatch(name.name):
            checker.error(
                "E0208",
                f"`{name.name}` cannot be a CloudFormation logical ID",
                name.span,
                label="letters and digits only, at most 255",
                hint="name the resource in PascalCase, or set `id = ...` to the logical ID to keep",
            )
            return None
    if INVALID in values.values() or blocks is None:
        return None
    return Resource(
        kind=kind.keyword,
        name=name.name,
        logical_id=logical_id,
        values=values,
        blocks=blocks,
        exports=tuple(dict.fromkeys(spec.attribute for spec in specs)),
        span=block.span,
        name_span=name.span,
        export_specs=specs,
        export_spans={spec.attribute: spec.span for spec in reversed(specs)},
        value_spans=value_spans,
    )


def _nested_blocks(
    nested: list[ir.Block], kind: Kind, owner: str, checker: Checker
) -> dict[str, tuple[Block, ...]] | None:
    blocks: dict[str, list[Block]] = {keyword: [] for keyword in kind.blocks}
    first: dict[tuple[str, str], ir.Symbol | ir.Block] = {}
    seen: dict[str, ir.Block] = {}
    ok = True
    for block in nested:
        block_kind = kind.blocks.get(block.kind)
        if block_kind is None:
            checker.error(
                "E0203",
                f"{owner} has no `{block.kind}` block",
                block.kind_span,
                label="unknown block",
                hint=_alias(block.kind, kind)
                or did_you_mean(block.kind, kind.blocks)
                or (
                    "blocks here: " + ", ".join(f"`{k}`" for k in kind.blocks)
                    if kind.blocks
                    else f"a {kind.keyword} has no nested blocks"
                ),
            )
            ok = False
            continue
        if not block_kind.repeated and block.kind in seen:
            checker.report(
                duplicate(
                    f"{owner} has more than one `{block.kind}` block",
                    block.kind_span,
                    seen[block.kind].kind_span,
                    "declared",
                    hint=f"{article(block.kind)} `{block.kind}` block may appear once",
                )
            )
            ok = False
            continue
        seen[block.kind] = block
        checked = _nested_block(block, block_kind, checker, first)
        if checked is None:
            ok = False
        else:
            blocks[block.kind].append(checked)
    return {k: tuple(v) for k, v in blocks.items()} if ok else None


def _alias(word: str, kind: Kind) -> str | None:
    for keyword, block_kind in kind.blocks.items():
        if word in block_kind.aliases:
            return f"{block_kind.doc.rstrip('.')} is written " + _HEADERS[block_kind.label].format(keyword)
    return None


_HEADERS = {
    NAME: "`{0} Name {{ ... }}`",
    NONE: "`{0} {{ ... }}`",
    TARGET: "`{0} stack.Resource {{ ... }}` or `{0} Name {{ ... }}`",
}


def _block_header(block: ir.Block, kind: BlockKind, checker: Checker) -> tuple[bool, ir.Symbol | None, Link | None]:
    """The nested block's name (a symbol) and, for a target, the resource it links to."""
    labels = block.labels
    name: ir.Symbol | None = None
    target: Link | None = None
    if kind.label == NAME and len(labels) == 1 and isinstance(labels[0], ir.Symbol):
        name = labels[0]
    elif kind.label == TARGET and len(labels) == 1 and isinstance(labels[0], ir.Symbol):
        name = labels[0]
    elif kind.label == TARGET and len(labels) == 1 and isinstance(labels[0], ir.Ref) and len(labels[0].parts) == 2:
        target = Link(*labels[0].parts, kinds=kind.link_kinds, span=labels[0].span)
        name = ir.Symbol(labels[0].parts[1], span=labels[0].part_spans[1] if labels[0].part_spans else None)
    elif not (kind.label == NONE and not labels):
        checker.error(
            "E0206",
            f"wrong header for {article(kind.keyword)} `{kind.keyword}` block",
            block.kind_span,
            label="expected " + _HEADERS[kind.label].format(kind.keyword),
        )
        return False, None, None
    return True, name, target


def _nested_block(
    block: ir.Block, kind: BlockKind, checker: Checker, first: dict[tuple[str, str], ir.Symbol | ir.Block]
) -> Block | None:
    ok, name, target = _block_header(block, kind, checker)
    if not ok:
        return None
    key = (kind.namespace or kind.keyword, name.name if name else "")
    if key in first:
        previous = first[key]
        checker.report(
            duplicate(
                f"`{name.name}` is declared twice" if name else f"`{kind.keyword}` is declared twice",
                name.span if name else block.kind_span,
                previous.span if name else previous.kind_span,
                "declared",
                hint=f"{kind.namespace} share one set of names" if kind.namespace else None,
            )
        )
        return None
    first[key] = name if name else block
    attributes = []
    for statement in block.body:
        if isinstance(statement, ir.Attribute):
            attributes.append(statement)
        else:
            span = statement.kind_span if isinstance(statement, ir.Block) else statement.span
            checker.error(
                "E0207",
                f"only attributes are allowed in {article(kind.keyword)} `{kind.keyword}` block",
                span,
                label="not allowed here",
            )
            return None
    owner = f"`{kind.keyword} {name.name}`" if name else f"`{kind.keyword}`"
    name_span = name.span if name else block.kind_span
    values, value_spans = read_fields(attributes, kind.fields, checker, owner, name_span)
    if INVALID in values.values():
        return None
    if kind.label == TARGET and target is None and values.get("arn") is None:
        # `target Name { ... }` without an ARN: a resource of the same stack.
        target = Link("", name.name, kind.link_kinds, span=name.span)
    if target is not None:
        values["target"] = target
    return Block(
        kind.keyword,
        name.name if name else None,
        values,
        span=block.span,
        name_span=name_span,
        value_spans=value_spans,
    )


def attributes_span(attributes: list[ir.Attribute], name: str) -> Span | None:
    for attribute in attributes:
        if attribute.name == name:
            return attribute.value.span
    return None


def _exports(statements: list[ir.Export], kind: Kind, owner: str, checker: Checker) -> tuple[ExportSpec, ...]:
    specs: list[ExportSpec] = []
    first: dict[tuple[str, Any], Span | None] = {}
    for statement in statements:
        settings: dict[str, Any] = {}
        if statement.body:
            attributes = [s for s in statement.body if isinstance(s, ir.Attribute)]
            for other in (s for s in statement.body if not isinstance(s, ir.Attribute)):
                checker.error("E0207", "only attributes are allowed in an `export` block", other.span,
                              label="not allowed here")
            settings, _ = read_fields(attributes, EXPORT_FIELDS, checker, "`export`", statement.names[0].span)
            if INVALID in settings.values():
                continue
            retired = settings.get("retired")
            if retired and re.search(r"\$[$\\]", retired):
                # The reason goes into an output's Description, which CloudFormation takes only
                # as literal text, and the Serverless Framework cannot read `$$` or `$\` followed
                # by a variable back literally (see backends/escape.py).
                checker.error(
                    "E0311",
                    "a `retired` reason cannot hold `$` followed by `$` or a backslash",
                    attributes_span(attributes, "retired") or statement.names[0].span,
                    label="written into the output's description, which must be literal text",
                    hint="reword the reason (a space after the `$` will do)",
                )
                continue
            if settings["name"] is not None and settings["reason"] is None and settings["retired"] is None:
                checker.error(
                    "E0205",
                    f"the export of `{statement.names[0].name}` overrides the project's pattern without a `reason`",
                    statement.names[0].span,
                    label="`name` set, `reason` missing",
                    hint='say why, for whoever reads it next: `reason = "core imports it under this name"`',
                )
                continue
        for ident in statement.names:
            if kind.attribute(ident.name) is None:
                checker.error(
                    "E0501",
                    f"{owner} has no attribute `{ident.name}` to export",
                    ident.span,
                    label="not an attribute of this resource",
                    hint=kind.attribute_hint(ident.name),
                )
                continue
            key = (ident.name, settings.get("name"))
            if key in first:
                checker.report(duplicate(f"`{ident.name}` is exported twice", ident.span, first[key], "exported"))
                continue
            first[key] = ident.span
            specs.append(
                ExportSpec(
                    ident.name,
                    name=settings.get("name"),
                    reason=settings.get("reason"),
                    retired=settings.get("retired"),
                    span=ident.span,
                )
            )
    return tuple(specs)


def _use(statement: ir.Uses, checker: Checker) -> Use | None:
    target = statement.target
    if not isinstance(target, ir.Ref) or len(target.parts) != 2:
        text = target.text if isinstance(target, ir.Ref) else target.name
        checker.error(
            "E0405",
            f"`uses {text}` does not name a resource of another stack",
            target.span,
            label="expected `stack.Resource`",
        )
        return None
    stack, resource = target.parts
    return Use(
        stack,
        resource,
        tuple(a.name for a in statement.access),
        span=statement.span,
        part_spans=target.part_spans,
        access_spans=tuple(a.span for a in statement.access),
    )


def _aliases(conditions: dict) -> dict:
    """A condition given as another's name (``{ Both: IsProd }``) is that condition (``Condition``)."""
    return {name: ConditionRef(value) if isinstance(value, str) and value in conditions else value
            for name, value in conditions.items()}
