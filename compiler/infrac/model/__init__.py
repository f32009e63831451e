"""The checked model: what the passes make of the syntax IR, and what backends read.

Where the IR says what was written (``billing = on_demand``), the model says
what it means (``BillingMode: PAY_PER_REQUEST``): values are typed and
converted, defaults filled in, references resolved. Every node keeps the span
of the source it came from, out of equality, like the IR.

Layer 3 of 12 (tests/test_layers.py holds the order). May import: base, diagnostics.
"""

from __future__ import annotations

from collections.abc import Mapping

from infrac.base.classes import field, frozen
from infrac.base.source import Span

TYPE_CHECKING = False  # typing's own constant, without importing typing
if TYPE_CHECKING:
    from typing import Any


def _span():
    return field(default=None, eq=False, repr=False, kw_only=True)


@frozen
class Placeholder:
    """``{stage}`` inside a string; filled in by the backend."""

    name: str


@frozen
class Template:
    """A string with placeholders: ``"core-{stage}-users"``.

    ``parts`` alternate freely between literal text and placeholders.
    """

    #: text, placeholders, and references (``{Users.arn}``, resolved by the references pass)
    parts: tuple[Any, ...]
    span: Span | None = _span()

    @classmethod
    def of(cls, parts, span: Span | None = None) -> Template:
        """A template from parts, adjacent texts merged and empty ones dropped."""
        merged: list[str | Placeholder] = []
        for part in parts:
            if isinstance(part, str) and merged and isinstance(merged[-1], str):
                merged[-1] += part
            elif part != "":
                merged.append(part)
        return cls(tuple(merged), span=span)

    @property
    def is_literal(self) -> bool:
        return all(isinstance(p, str) for p in self.parts)

    def fill(self, **values: str) -> Template:
        """Replace the named placeholders by text; others stay.

        >>> Template(("a-", Placeholder("stack"), "-", Placeholder("stage"))).fill(stack="s").parts
        ('a-s-', Placeholder(name='stage'))
        """
        return Template.of(
            (values[p.name] if isinstance(p, Placeholder) and p.name in values else p for p in self.parts),
            span=self.span,
        )

    def text(self, unknown: str | None = None, **values: str) -> str:
        """The string with every placeholder filled in (all must be given, or ``unknown``
        stands for the others: a parameter's or a resource's value, known at deploy time)."""
        try:  # as "".join(self.fill(**values).parts), without making the filled template
            return "".join([p if isinstance(p, str) else values[p.name] for p in self.parts])
        except (KeyError, AttributeError):
            if unknown is not None:
                return "".join(
                    p if isinstance(p, str) else values.get(getattr(p, "name", ""), unknown) for p in self.parts
                )
            missing = sorted({getattr(p, "name", "") for p in self.parts if not isinstance(p, str)} - set(values))
            raise KeyError(f"unfilled placeholders: {missing}") from None


@frozen
class Reference:
    """``stack.Resource.attribute`` as written, resolved by the references pass.

    ``stack`` is filled in (the referring stack) when the user wrote only
    ``Resource.attribute``.
    """

    stack: str
    resource: str
    attribute: str
    span: Span | None = _span()
    #: spans of the written parts: (stack,) resource, attribute
    part_spans: tuple[Span, ...] = field(default=(), eq=False, repr=False, kw_only=True)

    def part_span(self, part: str) -> Span | None:
        """The span of ``stack``, ``resource`` or ``attribute`` as written (the whole
        reference when that part was not written)."""
        spans = dict(zip(("stack", "resource", "attribute")[-len(self.part_spans) :], self.part_spans))
        return spans.get(part, self.span) if self.part_spans else self.span


@frozen
class Link:
    """A resource named as a whole: ``bus = DomainEventBus``, ``target infrastructure-sqs.Orders``.

    ``stack`` is empty until the references pass fills it in; ``kinds`` lists
    the kinds of resource allowed here (any when empty).
    """

    stack: str
    resource: str
    kinds: tuple[str, ...] = ()
    #: the attributes the linking resource uses, which must be exported across stacks
    needs: tuple[str, ...] = ()
    span: Span | None = _span()

    def attribute(self, name: str) -> Reference:
        """A reference to one of the linked resource's attributes."""
        return Reference(self.stack, self.resource, name, span=self.span)


@frozen
class Call:
    """A CloudFormation function, checked: ``function`` is its CloudFormation name
    (``Fn::If``), ``args`` its converted arguments (the backend writes a one-argument
    function without a list, as CloudFormation wants: ``Fn::Base64: x``)."""

    function: str
    args: tuple[Any, ...]
    span: Span | None = _span()


@frozen
class ParameterRef:
    """``param(Env)``: the value of a parameter of the stack (``Ref``)."""

    name: str
    span: Span | None = _span()


@frozen
class MappingRef:
    """The name of a mapping of the stack, as ``find_in_map`` takes it."""

    name: str
    span: Span | None = _span()


@frozen
class ConditionRef:
    """A condition of the stack named in a condition function or ``if``."""

    name: str
    span: Span | None = _span()


@frozen
class NoValue:
    """``no_value()``: the property is left out (``Ref: AWS::NoValue``)."""

    span: Span | None = _span()


@frozen
class Parameter:
    """``parameter Env { ... }``: a CloudFormation parameter of the stack.

    ``type`` is CloudFormation's (``String``); ``constraints`` the other settings by
    their CloudFormation names (``MinLength``, ``NoEcho``...)."""

    name: str
    type: str
    default: Any = None
    allowed: tuple[Any, ...] | None = None
    description: str | None = None
    constraints: Mapping[str, Any] = field(factory=dict)
    span: Span | None = _span()


@frozen
class Output:
    """``output Name { value = ..., export = ... }``: an output of the stack as written,
    beside the ones its resources' ``export`` statements make. ``export`` is the export's
    name (any value: text, or a function that computes it), or None."""

    name: str
    value: Any
    description: Any = None
    condition: str | None = None
    export: Any = None
    span: Span | None = _span()


@frozen
class Block:
    """A nested block of a resource, typed: an index, a dead-letter queue..."""

    kind: str
    name: str | None
    values: Mapping[str, Any]
    span: Span | None = _span()
    name_span: Span | None = _span()
    value_spans: Mapping[str, Span] = field(factory=dict, eq=False, repr=False, kw_only=True)


@frozen
class ExportSpec:
    """One export of a resource's attribute.

    ``name`` overrides the project's pattern (with a ``reason``, shown in the
    source); ``retired`` says why the export is on its way out: it is still
    written, for the stacks that import it to move away first.
    """

    attribute: str
    name: Template | None = None
    reason: str | None = None
    retired: str | None = None
    span: Span | None = _span()


@frozen
class Resource:
    kind: str
    name: str
    logical_id: str
    values: Mapping[str, Any]
    blocks: Mapping[str, tuple[Block, ...]]
    #: the attributes exported (under any name)
    exports: tuple[str, ...]
    span: Span | None = _span()
    name_span: Span | None = _span()
    #: every export, in source order: ``export name, arn`` makes two
    export_specs: tuple[ExportSpec, ...] = field(default=(), kw_only=True)
    export_spans: Mapping[str, Span] = field(factory=dict, eq=False, repr=False, kw_only=True)
    #: where each attribute that was written stands, for diagnostics about it
    value_spans: Mapping[str, Span] = field(factory=dict, eq=False, repr=False, kw_only=True)


@frozen
class Use:
    """``uses stack.Resource { access }``: a consumer stack's import."""

    stack: str
    resource: str
    access: tuple[str, ...]
    span: Span | None = _span()
    #: spans of the stack and resource names, and of each access level
    part_spans: tuple[Span, ...] = field(default=(), eq=False, repr=False, kw_only=True)
    access_spans: tuple[Span, ...] = field(default=(), eq=False, repr=False, kw_only=True)


#: How a reference to another stack's attribute is written: ``strong`` an export and
#: ``Fn::ImportValue``; ``weak`` ``Fn::GetStackOutput`` of the output, no import; ``both``
#: the weak form while the export stays protected as imported (the transition).
STRENGTHS = ("strong", "weak", "both")


@frozen
class StrengthChoice:
    """``reference data.Users { strength = weak }``: how this stack references
    ``stack.resource`` (every attribute, or only ``attribute``)."""

    stack: str
    resource: str
    attribute: str | None
    strength: str
    span: Span | None = _span()
    #: spans of the written parts: stack, resource(, attribute)
    part_spans: tuple[Span, ...] = field(default=(), eq=False, repr=False, kw_only=True)


@frozen
class Stack:
    """A stack: its resources, and what it takes from other stacks.

    ``environment`` maps variable names to values (references, mostly) that a
    consumer's functions read, ``values`` other values its own service needs by
    name; ``path`` is where a consumer's own Serverless service lives, relative
    to the output folder, for the compose file.
    """

    name: str
    resources: tuple[Resource, ...]
    uses: tuple[Use, ...]
    environment: Mapping[str, Any] = field(factory=dict)
    values: Mapping[str, Any] = field(factory=dict)
    path: str | None = None
    span: Span | None = _span()
    #: ``parameter`` blocks, in source order, and ``conditions`` (name -> a condition call)
    parameters: tuple[Parameter, ...] = ()
    conditions: Mapping[str, Any] = field(factory=dict)
    #: ``reference`` blocks: how this stack references others' attributes
    strengths: tuple[StrengthChoice, ...] = field(default=(), kw_only=True)
    #: ``output`` blocks, in source order
    outputs: tuple[Output, ...] = field(default=(), kw_only=True)
    #: the template's own sections, as the stack sets them (None: infrac's or none):
    #: ``Description``, ``Metadata``, ``Mappings``, ``Rules``, ``Transform``
    description: str | None = field(default=None, kw_only=True)
    metadata: Mapping[str, Any] | None = field(default=None, kw_only=True)
    mappings: Mapping[str, Any] = field(factory=dict, kw_only=True)
    rules: Mapping[str, Any] = field(factory=dict, kw_only=True)
    transform: tuple[str, ...] = field(default=(), kw_only=True)
    #: deployed resources the stack no longer declares, by logical ID, with why they may go
    retired: Mapping[str, str] = field(factory=dict, kw_only=True)
    #: a consumer's service file in its ``path`` (None: ``serverless.yml``)
    config: str | None = field(default=None, kw_only=True)

    def strength(self, stack: str, resource: str, attribute: str, default: str) -> str:
        """How this stack references ``stack.resource.attribute``: its ``reference``
        block for the attribute, else for the resource, else the project's default."""
        for choice in self.strengths:
            if (choice.stack, choice.resource, choice.attribute) == (stack, resource, attribute):
                return choice.strength
        for choice in self.strengths:
            if (choice.stack, choice.resource, choice.attribute) == (stack, resource, None):
                return choice.strength
        return default

    @property
    def is_consumer(self) -> bool:
        """Whether the stack takes values from others for code of its own (an API service)."""
        return bool(self.uses or self.environment or self.values)

    _by_name: Mapping[str, Resource] = field(init=False, repr=False, eq=False, hash=False)

    def __post_init__(self) -> None:
        by_name: dict[str, Resource] = {}
        for resource in self.resources:
            by_name.setdefault(resource.name, resource)
        object.__setattr__(self, "_by_name", by_name)

    def resource(self, name: str) -> Resource | None:
        return self._by_name.get(name)

    def parameter(self, name: str) -> Parameter | None:
        for parameter in self.parameters:
            if parameter.name == name:
                return parameter
        return None


@frozen
class Settings:
    """The project block, checked. ``exports`` is the export naming pattern."""

    name: str
    region: str
    stages: tuple[str, ...]
    exports: Template
    exports_required: bool = False
    #: warning code -> ``off``, ``warning`` or ``error`` (the project's rule levels)
    warnings: Mapping[str, str] = field(factory=dict)
    #: the project's default reference strength (``strong``, ``weak`` or ``both``)
    references: str = "strong"
    span: Span | None = _span()


@frozen
class Program:
    """The checked project. ``dependencies`` maps each stack to the stacks it
    imports from; ``waves`` orders the stacks for deployment, each wave after
    the ones before it, the stacks of one wave independent of each other."""

    settings: Settings
    stacks: tuple[Stack, ...]
    dependencies: Mapping[str, tuple[str, ...]] = field(factory=dict)
    waves: tuple[tuple[str, ...], ...] = ()
    #: Data derived from the program, built on first use by the code that needs it (each
    #: resource's exports, the symbolic rendering and the linkage); never part of its value.
    memo: dict[Any, Any] = field(init=False, eq=False, repr=False, hash=False, factory=dict)

    #: stacks by name, built once: looking a stack up must not cost a scan (a project may
    #: have hundreds of thousands, and every reference looks one up)
    _by_name: Mapping[str, Stack] = field(init=False, repr=False, eq=False, hash=False)

    def __post_init__(self) -> None:
        by_name: dict[str, Stack] = {}
        for stack in self.stacks:
            by_name.setdefault(stack.name, stack)
        object.__setattr__(self, "_by_name", by_name)

    def stack(self, name: str) -> Stack | None:
        return self._by_name.get(name)
