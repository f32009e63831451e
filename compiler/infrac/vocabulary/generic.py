"""Any other CloudFormation type, properties passed through as written.

    resource "AWS::SNS::Topic" Alerts {
      properties = { TopicName: "{project}-{stage}-alerts" }
      export arn
    }

Strings keep their placeholders, and references (``stack.Resource.attribute``)
become ``Ref``, ``Fn::GetAtt`` or ``Fn::ImportValue``. Any attribute may be
referenced or exported: ``ref`` for ``Ref``, and a snake_case name for the
``Fn::GetAtt`` attribute of the same name in PascalCase (``topic_name``).
"""

from __future__ import annotations

from infrac.diagnostics import Diagnostic
from infrac.model import Link, Reference, Resource
from infrac.vocabulary.kinds import COMMON_FIELDS, KINDS, Field, Kind, RuleContext, pascal
from infrac.vocabulary.queues import fifo_mismatch, is_fifo
from infrac.vocabulary.types import Data, MapOf, Name

TYPE_CHECKING = False  # typing's own constant, without importing typing
if TYPE_CHECKING:
    from typing import Any

# https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/resources-section-structure.html
CFN_TYPE = r"[A-Za-z0-9]+::[A-Za-z0-9]+::[A-Za-z0-9]+(::[A-Za-z0-9]+)?|Custom::[A-Za-z0-9_@-]+"


def export_suffix(type_name: str, attribute: str) -> str:
    """How an attribute of a generic resource appears in export and output names: as the
    first-class kind of the same type names it (``Url``, ``Arn``, ``Name``), so a resource
    exports under the same name whichever block declares it.

    ``ref`` is named for what ``Ref`` returns (the first-class kind's attribute, else the
    type's primary identifier); the type's own noun is dropped from an attribute's name
    (``QueueName`` -> ``Name``, ``TopicArn`` -> ``Arn``).

    >>> export_suffix("AWS::SQS::Queue", "ref"), export_suffix("AWS::SQS::Queue", "queue_name")
    ('Url', 'Name')
    >>> export_suffix("AWS::SNS::Topic", "ref"), export_suffix("AWS::SNS::Topic", "topic_name")
    ('Arn', 'Name')
    >>> export_suffix("AWS::SSM::Parameter", "ref"), export_suffix("Custom::Thing", "ref")
    ('Name', 'Ref')
    """
    from infrac.cfn import typecheck  # AWS's schemas: loaded when a generic resource is named
    from infrac.cfn.schemas import schema

    first_class = {}
    for kind in KINDS.values():
        if kind.cfn_type == type_name:
            for spec in (kind.attributes or {}).values():
                if spec.owner is None:
                    first_class[spec.getatt] = spec.suffix
    if attribute == "ref":
        if None in first_class:
            return first_class[None]
        resource = schema(type_name)
        identifiers = resource.primary_identifier if resource else ()
        if len(identifiers) != 1:
            return "Ref"
        getatt = identifiers[0].replace("/", ".")
    else:
        getatt = typecheck.getatt(type_name, attribute) or pascal(attribute)
    if getatt in first_class:
        return first_class[getatt]
    name = getatt.replace(".", "")
    noun = type_name.split("::")[-1]
    if name.startswith(noun) and len(name) > len(noun) and name[len(noun)].isupper():
        return name[len(noun):]
    return name


def properties(resource: Resource) -> dict[str, Any]:
    return dict(resource.values.get("properties") or {})


def rules(resource: Resource, context: RuleContext) -> list[Diagnostic]:
    """The rules between resources that first-class kinds follow, for generic ones too: a
    queue's redrive target is of the same type, FIFO or standard."""
    if resource.values.get("type") != "AWS::SQS::Queue":
        return []
    redrive = properties(resource).get("RedrivePolicy")
    target = redrive.get("deadLetterTargetArn") if isinstance(redrive, dict) else None
    if not isinstance(target, Reference):
        return []
    queue = context.resolve(Link(target.stack, target.resource))
    return fifo_mismatch(resource, is_fifo(resource), queue, target.span)


GENERIC = Kind(
    keyword="resource",
    cfn_type=None,
    doc="Any CloudFormation resource type, properties passed through.",
    fields={
        **COMMON_FIELDS,
        # The type is written as the block's first label; the resources pass stores it here.
        "type": Field(Name(CFN_TYPE, "a CloudFormation type such as `AWS::SNS::Topic`"), "The type.", required=True),
        "properties": Field(MapOf(Data()), "The resource's Properties, as CloudFormation names them."),
        "description": Field(Data(), "The resource's own `Description` key, beside its properties, which "
                             "older templates write and CloudFormation accepts."),
        "version": Field(Data(), "The resource's own `Version` key (older custom resources: `\"1.0\"`)."),
    },
    blocks={},
    attributes=None,
    properties=properties,
    rules=rules,
)


