"""Template values as CloudFormation resolves them, for comparing a deployed resource with the
project's: what differs only in form is the same value.

A deployed template holds what the Serverless Framework resolved when it packaged
(``${aws:accountId}``, ``${sls:stage}``, ``${self:...}`` are literals there); the project's
template may write the same value with ``Fn::Sub``, ``Fn::Join`` or pseudo parameters. So
both sides are brought to one form before they are compared:

- pseudo parameters are their values for the stack (its region, its name, the partition,
  the URL suffix, and the account when one is known: the one the deployed templates name);
- ``Fn::Sub`` and ``Fn::Join`` of known pieces become one string; with references left
  in them, one ``Fn::Join`` with ``""`` of text and ``Ref``/``Fn::GetAtt`` pieces;
- ``Fn::GetAtt`` is a list; ``Fn::ImportValue`` of one of the project's exports is the
  value the export carries (``exports``), read in the exporting stack.

>>> canonical({"Fn::Sub": "arn:${AWS::Partition}:sqs:${AWS::Region}:${AWS::AccountId}:jobs"},
...           Context("core-dev", "eu-west-1", "123456789012"))
'arn:aws:sqs:eu-west-1:123456789012:jobs'
>>> canonical({"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":s3:::", {"Ref": "Bucket"}, "/*"]]},
...           Context("core-dev", "eu-west-1"))
{'Fn::Join': ['', ['arn:aws:s3:::', {'Ref': 'Bucket'}, '/*']]}
>>> canonical({"Fn::Sub": "arn:aws:s3:::${Bucket}/*"}, Context("core-dev", "eu-west-1"))
{'Fn::Join': ['', ['arn:aws:s3:::', {'Ref': 'Bucket'}, '/*']]}
"""

from __future__ import annotations

import re
from collections import Counter

from infrac.base.classes import field, frozen

TYPE_CHECKING = False  # typing's own constant, without importing typing
if TYPE_CHECKING:
    from typing import Any

_ACCOUNT_IN_ARN = re.compile(r"arn:aws[a-z-]*:[a-z0-9-]+:[a-z0-9-]*:(\d{12}):")
_VARIABLE = re.compile(r"\$\{([^}]*)\}")


@frozen
class Context:
    """The stack a value is read in: its name, region, the account (None when unknown), and the
    project's exports (name -> (stack, value)) for reading ``Fn::ImportValue``."""

    stack: str
    region: str
    account: str | None = None
    exports: dict[str, tuple[str, Any]] = field(factory=dict)

    def pseudo(self, name: str) -> str | None:
        return {
            "AWS::Region": self.region, "AWS::Partition": "aws", "AWS::URLSuffix": "amazonaws.com",
            "AWS::StackName": self.stack, "AWS::AccountId": self.account,
        }.get(name)


def account_of(templates: list[dict[str, Any]]) -> str | None:
    """The account the deployed templates name in their ARNs (the most named one), or None."""
    import json

    found = Counter(m for t in templates for m in _ACCOUNT_IN_ARN.findall(json.dumps(t)))
    return found.most_common(1)[0][0] if found else None


def canonical(value: Any, context: Context) -> Any:
    """``value`` in the one form described above."""
    if isinstance(value, list):
        return [canonical(v, context) for v in value]
    if not isinstance(value, dict):
        return value
    if len(value) == 1:
        (key, argument), = value.items()
        if key == "Ref" and isinstance(argument, str):
            known = context.pseudo(argument) if argument.startswith("AWS::") else None
            return known if known is not None else value
        if key == "Fn::GetAtt":
            if isinstance(argument, str) and "." in argument:
                argument = argument.split(".", 1)
            return {"Fn::GetAtt": [canonical(a, context) for a in argument]} if isinstance(argument, list) else value
        if key == "Fn::Sub":
            return _joined(_sub_pieces(argument, context), context)
        if key == "Fn::Join" and isinstance(argument, list) and len(argument) == 2 and isinstance(argument[0], str) \
                and isinstance(argument[1], list):
            delimiter, items = argument
            pieces: list[Any] = []
            for index, item in enumerate(items):
                if index:
                    pieces.append(delimiter)
                pieces.append(canonical(item, context))
            return _joined(pieces, context)
        if key == "Fn::ImportValue" and isinstance(argument, str) and argument in context.exports:
            stack, exported = context.exports[argument]
            return canonical(exported, Context(stack, context.region, context.account, context.exports))
    return {k: canonical(v, context) for k, v in value.items()}


def _sub_pieces(argument: Any, context: Context) -> list[Any]:
    text, names = (argument, {}) if isinstance(argument, str) else (argument[0], argument[1]) \
        if isinstance(argument, list) and len(argument) == 2 and isinstance(argument[1], dict) else (None, {})
    if not isinstance(text, str):
        return [{"Fn::Sub": argument}]
    pieces: list[Any] = []
    position = 0
    for match in _VARIABLE.finditer(text):
        pieces.append(text[position:match.start()])
        position = match.end()
        name = match.group(1)
        if name.startswith("!"):
            pieces.append("${" + name[1:] + "}")
        elif name in names:
            pieces.append(canonical(names[name], context))
        elif name.startswith("AWS::"):
            known = context.pseudo(name)
            pieces.append(known if known is not None else {"Ref": name})
        elif "." in name:
            pieces.append({"Fn::GetAtt": name.split(".", 1)})
        else:
            pieces.append({"Ref": name})
    pieces.append(text[position:])
    return pieces


def _joined(pieces: list[Any], context: Context) -> Any:
    """Pieces of text and values as one string, or one ``Fn::Join`` with adjacent texts merged."""
    flat: list[Any] = []
    for piece in pieces:
        if isinstance(piece, dict) and set(piece) == {"Fn::Join"} and piece["Fn::Join"][0] == "":
            flat.extend(piece["Fn::Join"][1])
        elif isinstance(piece, (int, float)) and not isinstance(piece, bool):
            flat.append(str(piece))
        else:
            flat.append(piece)
    merged: list[Any] = []
    for piece in flat:
        if piece == "":
            continue
        if isinstance(piece, str) and merged and isinstance(merged[-1], str):
            merged[-1] += piece
        else:
            merged.append(piece)
    if not merged:
        return ""
    if len(merged) == 1 and isinstance(merged[0], str):
        return merged[0]
    return {"Fn::Join": ["", merged]}


def absent(template: dict[str, Any], context: Context, stage: str) -> set[str]:
    """The logical IDs whose ``Condition`` is false for the stack: they do not exist. Parameters
    take their defaults, but a ``Stage`` parameter is the stage (infrac's convention); a condition
    that cannot be told counts as true (the resource is looked for)."""
    conditions = template.get("Conditions", {})
    parameters = {name: (stage if name == "Stage" else p.get("Default"))
                  for name, p in template.get("Parameters", {}).items() if isinstance(p, dict)}
    cache: dict[str, bool | None] = {}

    def value(node: Any) -> Any:
        if isinstance(node, dict) and set(node) == {"Ref"} and node["Ref"] in parameters:
            return parameters[node["Ref"]]
        if isinstance(node, dict) and len(node) == 1 and next(iter(node)) in ("Fn::Equals", "Fn::Not", "Fn::And",
                                                                              "Fn::Or", "Condition"):
            return truth(node)
        return canonical(node, context)

    def truth(node: Any) -> bool | None:
        if not isinstance(node, dict) or len(node) != 1:
            return None
        (key, argument), = node.items()
        if key == "Condition":
            return named(argument)
        if key == "Fn::Equals" and isinstance(argument, list) and len(argument) == 2:
            a, b = (value(x) for x in argument)
            if isinstance(a, (dict, list)) or isinstance(b, (dict, list)) or a is None or b is None:
                return None
            return str(a) == str(b)
        if key in ("Fn::Not", "Fn::And", "Fn::Or") and isinstance(argument, list):
            found = [truth(x) for x in argument]
            if None in found:
                return None
            return not found[0] if key == "Fn::Not" else all(found) if key == "Fn::And" else any(found)
        return None

    def named(name: Any) -> bool | None:
        if not isinstance(name, str) or name not in conditions:
            return None
        if name not in cache:
            cache[name] = None  # a cycle tells nothing
            cache[name] = truth(conditions[name])
        return cache[name]

    return {lid for lid, r in template.get("Resources", {}).items()
            if isinstance(r, dict) and "Condition" in r and named(r["Condition"]) is False}
