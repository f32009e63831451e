"""A template's values as values of the language: literals, references to the template's
resources and parameters, pseudo parameters as placeholders, ``Fn::Sub`` as ``sub(...)``,
the other intrinsic functions as calls; what has no form in the language raises
:class:`Unsupported` with its template path.
"""

from __future__ import annotations

import re
from decimal import Decimal

from infrac.base import classes
from infrac.base.classes import mutable
from infrac.syntax import ir
from infrac.tools.migrate.source.model import Interpolated, Template, join
from infrac.vocabulary import KINDS
from infrac.vocabulary.kinds import pascal

TYPE_CHECKING = False  # typing's own constant, without importing typing
if TYPE_CHECKING:
    from typing import Any


class Unsupported(Exception):
    """A value the language cannot express; ``args`` = (template path, construct)."""


#: Pseudo parameters: the function that reads each one (``Ref``) and its placeholder in a string.
_PSEUDO = {
    "AWS::AccountId": "account", "AWS::Partition": "partition", "AWS::URLSuffix": "url_suffix",
    "AWS::Region": "aws_region", "AWS::StackName": "stack_name", "AWS::StackId": "stack_id",
    "AWS::NotificationARNs": "notification_arns",
}
_FUNCTIONS = {
    "Fn::If": "if", "Fn::Equals": "equals", "Fn::Not": "not", "Fn::And": "and", "Fn::Or": "or",
    "Fn::Join": "join", "Fn::Select": "select", "Fn::Split": "split", "Fn::Base64": "base64",
    "Fn::ImportValue": "import_value", "Fn::GetAZs": "get_azs", "Fn::Cidr": "cidr",
    "Fn::Length": "length", "Fn::ToJsonString": "to_json_string", "Fn::Contains": "contains",
    "Fn::EachMemberEquals": "each_member_equals", "Fn::EachMemberIn": "each_member_in", "Fn::RefAll": "ref_all",
    "Fn::ValueOf": "value_of", "Fn::ValueOfAll": "value_of_all",
}
_SINGLE = {"Fn::Base64", "Fn::ImportValue", "Fn::GetAZs", "Fn::Length", "Fn::ToJsonString", "Fn::RefAll"}
_CONDITION_ARGS = {"Fn::Not", "Fn::And", "Fn::Or"}
#: The language's own placeholders: a parameter of one of these names cannot be one.
_BUILT_IN = {"project", "stage", "stack", "region", *(_PSEUDO.values())}
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")


def escape(text: str) -> str:
    """Literal text as a string of the language (braces doubled)."""
    return text.replace("{", "{{").replace("}", "}}")


@mutable
class Refs:
    """How the template's logical IDs are written in the language: ``(stack, name, kind)``
    per resource, and each companion's owner (a dead-letter queue's source queue)."""

    targets: dict[str, tuple[str, str, str]] = classes.field(factory=dict)
    #: companion logical ID -> (owner logical ID, {("Ref", None) | ("GetAtt", "Arn"): attribute})
    companions: dict[str, tuple[str, dict]] = classes.field(factory=dict)
    parameters: set[str] = classes.field(factory=set)
    conditions: set[str] = classes.field(factory=set)
    #: logical ID -> CloudFormation type, for the attributes of generic blocks
    types: dict[str, str] = classes.field(factory=dict)
    #: the template's `Stage` parameter stands for ``{stage}``
    stage: bool = False
    #: the stack being written, and the references to other stacks it makes: (stack, name, attribute)
    here: str = ""
    used: list[tuple[str, str, str]] = classes.field(factory=list)
    #: the stack the template is deployed as (``<home>-{stage}``): a resource written into
    #: another stack keeps that stack's name where it read ``AWS::StackName``
    home: str = ""

    def pseudo(self, name: str) -> str:
        """A pseudo parameter as text of the language: its placeholder, or, for the stack's
        name in a resource that moves to another stack, the name of the stack it was in."""
        if name == "AWS::StackName" and self.home and self.here and self.here != self.home:
            return escape(self.home) + "-{stage}"
        return "{" + _PSEUDO[name] + "}"

    def attribute(self, logical_id: str, getatt: str | None, path: str) -> ir.Ref:
        owner = logical_id
        attribute: str | None = None
        if logical_id in self.companions:
            owner, attributes = self.companions[logical_id]
            attribute = attributes.get(("GetAtt", getatt) if getatt else ("Ref", None))
            if attribute is None:
                raise Unsupported(path, f"`{'Fn::GetAtt ' + getatt if getatt else 'Ref'}` of `{logical_id}`")
        stack, name, kind = self.targets[owner]
        if attribute is None:
            attribute = _attribute_name(kind, getatt, path, self.types.get(owner, ""))
        if stack != self.here:
            self.used.append((stack, name, attribute))
            return ir.Ref((stack, name, attribute))
        return ir.Ref((name, attribute))


def _attribute_name(kind: str, getatt: str | None, path: str, cfn_type: str = "") -> str:
    spec = KINDS[kind]
    if spec.attributes is None:
        if getatt is None:
            return "ref"
        from infrac.cfn import typecheck

        known = typecheck.attributes(cfn_type) if cfn_type else None
        for snake_name, name in (known or {}).items():
            if name == getatt:  # the schema's own name: `endpoint_address` for Endpoint.Address
                return snake_name
        snake = re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", getatt).lower()
        if "." in getatt or pascal(snake) != getatt or not re.fullmatch(r"[a-z][a-z0-9_]*", snake):
            raise Unsupported(path, f"`Fn::GetAtt` attribute `{getatt}`")
        return snake
    for name, attribute in spec.attributes.items():
        if attribute.owner is None and attribute.getatt == getatt:
            return name
    # `Fn::GetAtt Bus.Name` where the kind reads the name with `Ref`: the same value. (Inside
    # the stacks the rebuild would show any difference; across stacks only the value travels.)
    snake = re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", getatt or "").lower()
    if getatt and snake in spec.attributes and spec.attributes[snake].owner is None:
        return snake
    raise Unsupported(path, f"`{'Fn::GetAtt ' + getatt if getatt else 'Ref'}` of a `{kind}`")


def symbol(name: Any, path: str, what: str) -> ir.Symbol | ir.String:
    """A condition's, parameter's or mapping's name, which CloudFormation makes alphanumeric: a
    name of the language, or a string when it starts with a digit (``"1Tier"``)."""
    pattern = r"[A-Za-z0-9][A-Za-z0-9_&.:-]{0,254}" if what == "the condition" else r"[A-Za-z0-9]{1,255}"
    if not isinstance(name, str) or not re.fullmatch(pattern, name):
        raise Unsupported(path, f"{what} `{name}`, which is not a name CloudFormation reads")
    return ir.Symbol(name) if _NAME.fullmatch(name) else ir.String(name)


def to_ir(value: Any, path: str, refs: Refs) -> ir.Value:
    """A template value as a value of the language, in the form it was written."""
    if isinstance(value, Interpolated):
        return ir.String(value.text)
    if isinstance(value, str):
        return ir.String(escape(value))
    if isinstance(value, bool):
        return ir.Bool(value)
    if isinstance(value, int):
        return ir.Number(value)
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise Unsupported(path, "a number that is not finite")
        return ir.Number(value)
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise Unsupported(path, "a number that is not finite")
        return ir.Number(Decimal(repr(value)) if value != int(value) or "e" in repr(value) else int(value))
    if value is None:
        return ir.Call("null", ())
    if isinstance(value, list):
        return ir.List(tuple(to_ir(v, join(path, i), refs) for i, v in enumerate(value)))
    if isinstance(value, dict):
        if len(value) == 1:
            (key, arg), = value.items()
            if key == "Ref" or key.startswith("Fn::") or key == "Condition":
                return _intrinsic(key, arg, join(path, key), refs)
        entries = []
        for key, v in value.items():
            if not key or not key.isprintable():
                raise Unsupported(join(path, key), "an empty or unprintable key")
            entries.append(ir.Entry(key, to_ir(v, join(path, key), refs)))
        return ir.Map(tuple(entries))
    raise Unsupported(path, f"a value of type {type(value).__name__}")


def _intrinsic(key: str, arg: Any, path: str, refs: Refs) -> ir.Value:
    if key == "Ref":
        if not isinstance(arg, str):
            raise Unsupported(path, "`Ref` of something that is not a name")
        if arg == "AWS::NoValue":
            return ir.Call("no_value", ())
        if arg in _PSEUDO:
            written = refs.pseudo(arg)
            if written != "{" + _PSEUDO[arg] + "}":  # the name of the stack a moved resource was deployed in
                return ir.String(written)
            return ir.Call(_PSEUDO[arg], ())
        if arg == "Stage" and refs.stage:
            return ir.String("{stage}")
        if arg in refs.parameters:
            return ir.Call("param", (symbol(arg, path, "the parameter"),))
        if arg in refs.targets or arg in refs.companions:
            return refs.attribute(arg, None, path)
        raise Unsupported(path, f"`Ref` of `{arg}`, which the template does not declare")
    if key == "Fn::GetAtt":
        if not (isinstance(arg, list) and len(arg) == 2 and isinstance(arg[0], str)):
            raise Unsupported(path, "`Fn::GetAtt` that is not `[LogicalId, Attribute]`")
        if arg[0] not in refs.targets and arg[0] not in refs.companions:
            raise Unsupported(path, f"`Fn::GetAtt` of `{arg[0]}`, which is not a resource of the template")
        if not isinstance(arg[1], str):
            raise Unsupported(join(path, 1), "`Fn::GetAtt` of an attribute computed by a function")
        try:
            return refs.attribute(arg[0], arg[1], path)
        except Unsupported:
            target = refs.targets.get(arg[0])
            if target is None or target[0] != refs.here:
                raise
            # an attribute the language has no name for (a nested stack's `Outputs.VpcId`, a custom
            # resource's): by CloudFormation's own name
            return ir.Call("get_att", (ir.Symbol(target[1]), ir.String(escape(arg[1]))))
    if key == "Condition":
        return symbol(arg, path, "the condition")
    if key == "Fn::Sub":
        return _sub(arg, path, refs)
    if key == "Fn::FindInMap":
        if not (isinstance(arg, list) and len(arg) in (3, 4)):
            raise Unsupported(path, "`Fn::FindInMap` that is not `[Map, key, key]`")
        if not isinstance(arg[0], str):
            raise Unsupported(join(path, 0), "`Fn::FindInMap` of a mapping named by a function")
        args = [symbol(arg[0], join(path, 0), "the mapping")]
        args += [to_ir(a, join(path, i), refs) for i, a in enumerate(arg[1:3], 1)]
        if len(arg) == 4:
            if not (isinstance(arg[3], dict) and set(arg[3]) == {"DefaultValue"}):
                raise Unsupported(join(path, 3), "`Fn::FindInMap`'s fourth argument that is not `{DefaultValue: ...}`")
            args.append(to_ir(arg[3]["DefaultValue"], join(join(path, 3), "DefaultValue"), refs))
        return ir.Call("find_in_map", tuple(args))
    if key in _FUNCTIONS:
        if key in _SINGLE:
            return ir.Call(_FUNCTIONS[key], (to_ir(arg, path, refs),))
        if not isinstance(arg, list):
            raise Unsupported(path, f"`{key}` without a list of arguments")
        args = []
        for i, a in enumerate(arg):
            if (key == "Fn::If" and i == 0) and isinstance(a, str):
                args.append(symbol(a, join(path, i), "the condition"))
            elif key in _CONDITION_ARGS and isinstance(a, dict) and set(a) == {"Condition"}:
                args.append(symbol(a["Condition"], join(path, i), "the condition"))
            else:
                args.append(to_ir(a, join(path, i), refs))
        return ir.Call(_FUNCTIONS[key], tuple(args))
    raise Unsupported(path, f"`{key}`")


_SUB_VARIABLE = re.compile(r"\$\{([^}]*)\}")
_SUB_VARIABLE_ESCAPED = re.compile(r"\$\{\{((?:[^}]|\}(?!\}))*)\}\}")


def _sub(arg: Any, path: str, refs: Refs) -> ir.Value:
    """``Fn::Sub`` as a string of the language in the form it was written: ``${AWS::Region}``,
    ``${Param}`` and ``${Res.Attr}`` as placeholders (``{aws_region}``, ``{Param}``,
    ``{Res.attr}``), ``${!x}`` as literal text; ``sub("text")`` for a text without variables,
    and ``sub("text {Var}", { Var: ... })`` where the template gave variables."""
    if isinstance(arg, list) and len(arg) == 2 and isinstance(arg[0], (str, Interpolated)) and isinstance(arg[1], dict):
        text, given = arg
    elif isinstance(arg, (str, Interpolated)):
        text, given = arg, {}
    else:
        raise Unsupported(path, "`Fn::Sub` that is not a string or `[string, {variables}]`")
    variables: dict[str, ir.Value] = {}
    for name, value in given.items():
        if not name.isidentifier():
            raise Unsupported(join(join(path, 1), name), f"the `Fn::Sub` variable name `{name}`")
        variables[name] = to_ir(value, join(join(path, 1), name), refs)
    # Serverless input keeps its own placeholders ({stage}) in an Interpolated text, where
    # the variables of Fn::Sub are escaped: ${{Name}}.
    if isinstance(text, Interpolated):
        source, pattern, literal = text.text, _SUB_VARIABLE_ESCAPED, (lambda t: t)
    else:
        source, pattern, literal = text, _SUB_VARIABLE, escape
    out = []
    position = 0
    deploy_time = False  # whether the string alone would be written as Fn::Sub
    extra: dict[str, ir.Value] = {}  # variables the template did not give, when a placeholder cannot say it
    for match in pattern.finditer(source):
        out.append(literal(source[position:match.start()]))
        position = match.end()
        name = match.group(1)
        if name.startswith("!"):
            out.append("$" + "{{" + escape(name[1:]) + "}}")
        elif name in variables:
            out.append("{" + name + "}")
        elif name in _PSEUDO and name != "AWS::NotificationARNs":
            written = refs.pseudo(name)
            out.append(written)
            if written == "{" + _PSEUDO[name] + "}":  # else the name of the stack a moved resource was deployed in
                deploy_time = True
        elif name == "Stage" and refs.stage:
            out.append("{stage}")
        elif name in refs.parameters:
            deploy_time = True
            if name in _BUILT_IN or name in variables:
                extra[name] = ir.Call("param", (symbol(name, path, "the parameter"),))
            out.append("{" + name + "}")
        elif name.split(".", 1)[0] in (refs.targets.keys() | refs.companions.keys()):
            logical_id, _, attribute = name.partition(".")
            reference = refs.attribute(logical_id, attribute or None, path)
            deploy_time = True
            if len(reference.parts) == 2:
                out.append("{" + reference.text + "}")
            else:  # another stack's (a split): a variable, which the build imports
                variable = logical_id + attribute.replace(".", "")
                extra[variable] = reference
                out.append("{" + variable + "}")
        else:
            raise Unsupported(path, f"`${{{name}}}` in `Fn::Sub`, which names nothing the template declares")
    out.append(literal(source[position:]))
    if not given and not extra and deploy_time and not isinstance(arg, list):
        # a string, which the build writes as the same Fn::Sub
        return ir.String("".join(out))
    args: tuple[ir.Value, ...] = (ir.String("".join(out)),)
    if given or extra or isinstance(arg, list):
        args += (ir.Map(tuple(ir.Entry(k, v) for k, v in {**variables, **extra}.items())),)
    return ir.Call("sub", args)


def stage_parameter(template: Template):
    """The template's ``Stage`` parameter when it is what infrac writes for ``{stage}`` (a string,
    a default, allowed values): its uses become ``{stage}`` and its values the project's stages."""
    for parameter in template.parameters:
        if parameter.name != "Stage":
            continue
        values = [parameter.default, *(parameter.allowed_values or ())]
        if (
            parameter.type == "String"
            and not parameter.constraints
            and isinstance(parameter.default, str)
            and all(isinstance(v, str) and re.fullmatch(r"[a-z][a-z0-9-]*", v) for v in values)
        ):
            return parameter
    return None
