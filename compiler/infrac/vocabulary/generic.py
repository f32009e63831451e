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

from typing import Any

from infrac.model import Resource
from infrac.vocabulary.kinds import COMMON_FIELDS, Field, Kind
from infrac.vocabulary.types import Data, MapOf, Name

# https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/resources-section-structure.html
CFN_TYPE = r"[A-Za-z0-9]+::[A-Za-z0-9]+::[A-Za-z0-9]+(::[A-Za-z0-9]+)?|Custom::[A-Za-z0-9_@-]+"


def properties(resource: Resource) -> dict[str, Any]:
    return dict(resource.values.get("properties") or {})


GENERIC = Kind(
    keyword="resource",
    cfn_type=None,
    doc="Any CloudFormation resource type, properties passed through.",
    fields={
        **COMMON_FIELDS,
        # The type is written as the block's first label; the resources pass stores it here.
        "type": Field(Name(CFN_TYPE, "a CloudFormation type such as `AWS::SNS::Topic`"), "The type.", required=True),
        "properties": Field(MapOf(Data()), "The resource's Properties, as CloudFormation names them."),
    },
    blocks={},
    attributes=None,
    properties=properties,
)


