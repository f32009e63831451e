"""What a kind of resource is made of: fields, nested blocks, attributes, rendering, rules."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

from infrac.base.classes import field, frozen
from infrac.base.suggest import did_you_mean
from infrac.cfn import limits, secrets
from infrac.diagnostics import Diagnostic, Label, diagnostic
from infrac.model import Link, Program, Resource, Settings, Stack, Template
from infrac.vocabulary.types import Choice, Data, ListOf, MapOrFunction, Name, Prose, Type

TYPE_CHECKING = False  # typing's own constant, without importing typing
if TYPE_CHECKING:
    from typing import Any


@frozen
class Field:
    """An attribute of a block: ``billing = on_demand``."""

    type: Type
    doc: str
    required: bool = False
    default: Any = None


#: How a nested block's header is written: ``index ByEmail``, ``dead_letter Name``
#: (NAME); ``versioning`` (NONE); ``target infrastructure-sqs.Orders`` or
#: ``target Audit`` (TARGET: a resource of the project, or a name).
NAME, NONE, TARGET = "name", "none", "target"


@frozen
class BlockKind:
    """A nested block: ``index ByEmail { ... }``.

    ``label`` says what the header holds (NAME, NONE or TARGET); ``repeated``
    blocks may appear more than once.
    """

    keyword: str
    doc: str
    fields: Mapping[str, Field]
    label: str = NAME
    repeated: bool = True
    #: for TARGET blocks, the kinds of resource the header may name
    link_kinds: tuple[str, ...] = ()
    #: blocks of one namespace share their names (a table's indexes, global and local)
    namespace: str | None = None
    #: words users write for this block elsewhere (`global_index`, `gsi`), for the hint
    aliases: tuple[str, ...] = ()


@frozen
class Attribute:
    """An attribute of a deployed resource, for references and exports.

    ``getatt`` is the ``Fn::GetAtt`` attribute, or None for ``Ref``.
    """

    name: str
    doc: str
    getatt: str | None = None
    #: the logical ID the attribute belongs to, when it is a companion's (a queue's
    #: dead-letter queue); the resource's own otherwise
    owner: Callable[[Resource], str] | None = None
    #: only some resources of the kind have it (a table's stream): why this one does not
    missing: Callable[[Resource], str | None] | None = None

    @property
    def suffix(self) -> str:
        """The attribute's name in export and output names: ``stream_arn`` -> ``StreamArn``."""
        return pascal(self.name)


def tag_list(tags: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Tags as most CloudFormation types take them: ``[{Key, Value}, ...]``."""
    return [{"Key": key, "Value": value} for key, value in tags.items()]


def pascal(name: str) -> str:
    """``stream_arn`` -> ``StreamArn``.

    >>> pascal("client_id")
    'ClientId'
    """
    return "".join(part[:1].upper() + part[1:] for part in re.split(r"[_-]", name))


def not_exported(target: Resource, target_stack: str, attribute: str, user: str, span) -> Diagnostic:
    """E0404: stack ``user`` needs ``attribute`` of ``target``, which another stack does not export.
    A secret attribute can never be exported, and the hint says so (see :mod:`infrac.passes.secrets`)."""
    secret = secret_attribute(target, attribute)
    hint = (
        f"`{attribute}` is a secret ({secret}) and is never exported: store it in Secrets Manager in "
        f"stack `{target_stack}` and use the secret's ARN"
        if secret
        else f"add `export {', '.join((*target.exports, attribute))}` to {target.kind} `{target.name}`"
    )
    return diagnostic(
        "E0404",
        f"`{attribute}` of `{target_stack}.{target.name}` is not exported",
        span,
        label=f"used from stack `{user}`",
        labels=[Label(target.name_span, "declared here")] if target.name_span else [],
        notes=["across stacks a value travels as a CloudFormation export and Fn::ImportValue"],
        hint=hint,
    )


@frozen
class RuleContext:
    """What an AWS rule may look at besides the resource."""

    settings: Settings
    stack: Stack
    program: Program

    def text(self, template: Template, stage: str) -> str:
        """A name as it will be deployed in ``stage`` (pseudo parameters by samples), to check it."""
        settings = self.settings
        return template.text(
            project=settings.name,
            stage=stage,
            stack=self.stack.name,
            region=settings.region,
            unknown="x",
            **limits.PSEUDO_PARAMETER_SAMPLES,
        )

    def first_bad_name(
        self, template: Template, problem: Callable[[str], str | None]
    ) -> tuple[str, str, str] | None:
        """The first stage whose name breaks a rule: (stage, the name, what is wrong)."""
        for stage in self.settings.stages:
            text = self.text(template, stage)
            found = problem(text)
            if found:
                return stage, text, found
        return None

    def resolve(self, link: Link) -> Resource | None:
        """The resource a (resolved) link names, if it was declared without errors."""
        stack = self.program.stack(link.stack)
        return stack.resource(link.resource) if stack else None


@frozen
class Access:
    """What ``uses stack.Resource { level, ... }`` grants a consumer.

    ``actions`` pairs each IAM action with the level that grants it, in the
    order statements list them; ``resources`` gives the IAM ``Resource``
    entries from a function that yields the value of one of the resource's
    attributes (imported, for a consumer in another stack).
    """

    actions: tuple[tuple[str, str], ...]
    resources: Callable[[Resource, Callable[[str], Any]], list[Any]]

    @property
    def levels(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(level for _, level in self.actions))

    def actions_for(self, levels: tuple[str, ...]) -> list[str]:
        return list(dict.fromkeys(action for action, level in self.actions if level in levels))


def _no_rules(resource: Resource, context: RuleContext) -> list[Diagnostic]:
    return []


@frozen
class Kind:
    """A kind of resource block, such as ``table``.

    ``cfn_type`` is None for the generic kind, whose type is its first label.
    ``attributes`` is None when any attribute may be referenced (generic).
    ``properties`` builds the CloudFormation ``Properties`` from a checked
    resource; its values may hold templates and references, which the backend
    renders for its target.
    """

    keyword: str
    cfn_type: str | None
    doc: str
    fields: Mapping[str, Field]
    blocks: Mapping[str, BlockKind]
    attributes: Mapping[str, Attribute] | None
    properties: Callable[[Resource], dict]
    rules: Callable[[Resource, RuleContext], list[Diagnostic]] = _no_rules
    #: other CloudFormation resources the block declares (a queue's dead-letter
    #: queue, a bucket's policy), as full resource documents by logical ID
    companions: Callable[[Resource], dict[str, dict]] = field(default=lambda resource: {})
    #: What ``uses stack.Resource { level }`` may ask for; None when nothing.
    access: Access | None = None
    #: The attributes that identify a resource of the kind (names, URLs, IDs, ARNs):
    #: what the project's export policy wants every resource to export.
    identifying: tuple[str, ...] = ()

    def attribute(self, name: str) -> Attribute | None:
        if self.attributes is None:
            if name == "ref":
                return Attribute("ref", "the value of `Ref`")
            if re.fullmatch(r"[a-z][a-z0-9_]*", name):
                return Attribute(name, f"`Fn::GetAtt` {pascal(name)}", getatt=pascal(name))
            return None
        return self.attributes.get(name)

    def attribute_hint(self, name: str) -> str | None:
        """What to write instead of an attribute name that is not one of this kind's."""
        if self.attributes is None:
            snake = re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", name).lower()
            if snake != name and self.attribute(snake) is not None:
                return f"attributes are written in snake_case: `{snake}` for `Fn::GetAtt` {name}"
            return "write `ref` for `Ref`, or the `Fn::GetAtt` attribute in snake_case (`topic_arn`)"
        return did_you_mean(name, self.attributes) or "attributes: " + ", ".join(f"`{a}`" for a in self.attributes)

    def type_name(self, resource: Resource) -> str:
        return self.cfn_type or resource.values["type"]


#: Every kind by its keyword. The vocabulary's package fills it with the kinds it lists
#: (:mod:`infrac.vocabulary`); the kinds' own rules look other kinds up here, so that no
#: kind's module imports the package that lists it.
KINDS: dict[str, Kind] = {}


def secret_attribute(resource: Resource, attribute: str) -> str | None:
    """``Fn::GetAtt AWS::X::Y.Attr`` when the resource's attribute is a secret
    (:mod:`infrac.cfn.secrets`), else None."""
    kind = KINDS.get(resource.kind)
    spec = kind.attribute(attribute) if kind else None
    type_name = resource.values.get("type") if kind and kind.cfn_type is None else kind.cfn_type if kind else None
    if spec is None or not isinstance(type_name, str):
        return None
    read = spec.getatt or "Ref"
    if secrets.is_secret_attribute(type_name, read):
        return f"`{type_name}` {read}"
    return None


#: A condition's name as CloudFormation reads templates: letters and digits, and in templates
#: that deploy, `-`, `_`, `&`, `.` and `:` (written as a string when it is not a name of the language).
CONDITION_NAME = r"[A-Za-z0-9][A-Za-z0-9_&.:-]{0,254}"

_POLICIES = Choice(
    {"retain": "Retain", "delete": "Delete", "snapshot": "Snapshot", "retain_except_on_create": "RetainExceptOnCreate"}
)

#: Fields every resource has, whatever its kind.
COMMON_FIELDS: dict[str, Field] = {
    "id": Field(
        Name(r"[A-Za-z0-9]{1,255}", "a logical ID is 1-255 letters and digits", code="E0208"),
        "The CloudFormation logical ID; defaults to the resource's name. Set it to keep the ID "
        "a resource has today, so that moving it does not replace it.",
    ),
    "deletion_policy": Field(_POLICIES, "What CloudFormation does with the resource when it leaves the stack."),
    "update_replace_policy": Field(
        _POLICIES, "What CloudFormation does with the old resource when an update replaces it."
    ),
    "condition": Field(
        Name(CONDITION_NAME, "a condition's name: letters and digits (a string when it is not a name of the language)"),
        "The condition of the stack (`conditions = { ... }`) under which the resource exists (`Condition`).",
    ),
    "depends_on": Field(
        ListOf(Name(r"[A-Za-z0-9]+", "a resource's name: letters and digits"), minimum=1),
        "Resources of the same stack to create before this one, by name (`DependsOn`), when no "
        "reference already orders them.",
    ),
    "metadata": Field(MapOrFunction(Data()), "The resource's `Metadata`, passed through as written."),
    "creation_policy": Field(
        MapOrFunction(Data()),
        "The resource's `CreationPolicy` (`ResourceSignal`, `AutoScalingCreationPolicy`, `StartFleet`), "
        "as CloudFormation names its keys.",
    ),
    "update_policy": Field(
        MapOrFunction(Data()),
        "The resource's `UpdatePolicy` (`AutoScalingRollingUpdate`, `CodeDeployLambdaAliasUpdate`...), "
        "as CloudFormation names its keys.",
    ),
    "replace": Field(
        Prose(),
        "Why a change that replaces the resource (a new name, key or FIFO flag, a new logical ID) is "
        "intended: it acknowledges that the old resource, and its data, will be deleted.",
    ),
    "internal": Field(
        Prose(),
        "Why the resource exports nothing that identifies it, when the project asks every resource "
        "to (`exports_required`): the reason is the opt-out.",
    ),
}
