"""CloudFormation YAML read safely: PyYAML's safe loader with the short forms (``!Ref``,
``!GetAtt``...) turned into long forms, so that no input can make Python objects.

:func:`load_yaml` gives plain data from YAML (or JSON) text, for callers that want values
without locations; it raises ``yaml.YAMLError`` like PyYAML. The located reading of a file
(:mod:`~infrac.tools.migrate.source.reader`) composes its nodes with :class:`CfnLoader`.
"""

from __future__ import annotations

import yaml

TYPE_CHECKING = False  # typing's own constant, without importing typing
if TYPE_CHECKING:
    from typing import Any


#: Short-form tags and the long form they stand for.
SHORT_FORMS = {
    "!Ref": "Ref",
    "!Condition": "Condition",
    "!GetAtt": "Fn::GetAtt",
    "!Sub": "Fn::Sub",
    "!If": "Fn::If",
    "!Join": "Fn::Join",
    "!Select": "Fn::Select",
    "!Split": "Fn::Split",
    "!FindInMap": "Fn::FindInMap",
    "!ImportValue": "Fn::ImportValue",
    "!Equals": "Fn::Equals",
    "!Not": "Fn::Not",
    "!And": "Fn::And",
    "!Or": "Fn::Or",
    "!Base64": "Fn::Base64",
    "!Cidr": "Fn::Cidr",
    "!GetAZs": "Fn::GetAZs",
    # the functions of `Rules`
    "!Contains": "Fn::Contains",
    "!EachMemberEquals": "Fn::EachMemberEquals",
    "!EachMemberIn": "Fn::EachMemberIn",
    "!RefAll": "Fn::RefAll",
    "!ValueOf": "Fn::ValueOf",
    "!ValueOfAll": "Fn::ValueOfAll",
    # a macro's call (refused as a macro, not as an unknown tag)
    "!Transform": "Fn::Transform",
}


class CfnLoader(yaml.SafeLoader):
    """PyYAML's safe loader, with CloudFormation's short forms turned into long forms
    and timestamps kept as text."""


def _construct_short(loader: CfnLoader, tag_suffix: str, node: yaml.Node) -> dict:
    tag = "!" + tag_suffix
    if isinstance(node, yaml.ScalarNode):
        value: Any = loader.construct_scalar(node)
        if tag == "!GetAtt":
            value = split_getatt(value)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)
    return {SHORT_FORMS[tag]: value}


for _tag in SHORT_FORMS:
    CfnLoader.add_constructor(_tag, lambda loader, node, _t=_tag[1:]: _construct_short(loader, _t, node))
CfnLoader.add_constructor("tag:yaml.org,2002:timestamp", yaml.SafeLoader.construct_yaml_str)


def load_yaml(text: str) -> Any:
    """Plain data from YAML (or JSON) text, short forms in long form."""
    return yaml.load(text, Loader=CfnLoader)  # noqa: S506 - CfnLoader is a SafeLoader


def split_getatt(value: Any) -> Any:
    if isinstance(value, str) and "." in value:
        head, tail = value.split(".", 1)
        return [head, tail]
    return value
