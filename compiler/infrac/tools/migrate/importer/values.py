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


_PSEUDO = {
    "AWS::AccountId": "account", "AWS::Partition": "partition", "AWS::URLSuffix": "url_suffix",
    "AWS::Region": "aws_region", "AWS::StackName": "stack_name",
}
_FUNCTIONS = {
    "Fn::If": "if", "Fn::Equals": "equals", "Fn::Not": "not", "Fn::And": "and", "Fn::Or": "or",
    "Fn::Join": "join", "Fn::Select": "select", "Fn::Split": "split", "Fn::Base64": "base64",
    "Fn::ImportValue": "import_value", "Fn::GetAZs": "get_azs", "Fn::Cidr": "cidr",
}
_SINGLE = {"Fn::Base64", "Fn::ImportValue", "Fn::GetAZs"}
_CONDITION_ARGS = {"Fn::Not", "Fn::And", "Fn::Or"}


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


def symbol(name: Any, path: str, what: str) -> ir.Symbol:
    """A condition's or parameter's name, which CloudFormation makes alphanumeric."""
    if not isinstance(name, str) or not re.fullmatch(r"[A-Za-z0-9]{1,255}", name):
        raise Unsupported(path, f"{what} `{name}`, which is not a name of letters and digits")
    return ir.Symbol(name)


def to_ir(value: Any, path: str, refs: Refs) -> ir.Value:
    """A template value as a value of the language."""
    if isinstance(value, Interpolated):
        return ir.String(value.text)
    if isinstance(value, str):
        return ir.String(escape(value))
    if isinstance(value, bool):
        return ir.Bool(value)
    if isinstance(value, int):
        return ir.Number(value)
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise Unsupported(path, "a number that is not finite")
        return ir.Number(Decimal(repr(value)) if value != int(value) or "e" in repr(value) else int(value))
    if value is None:
        raise Unsupported(path, "`null`")
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
            return ir.String(refs.pseudo(arg))
        if arg == "Stage" and refs.stage:
            return ir.String("{stage}")
        if arg in refs.parameters:
            return ir.Call("param", (symbol(arg, path, "the parameter"),))
        if arg in refs.targets or arg in refs.companions:
            return refs.attribute(arg, None, path)
        raise Unsupported(path, f"`Ref` of `{arg}`")
    if key == "Fn::GetAtt":
        if not (isinstance(arg, list) and len(arg) == 2 and all(isinstance(a, str) for a in arg)):
            raise Unsupported(path, "`Fn::GetAtt` that is not `[LogicalId, Attribute]`")
        if arg[0] not in refs.targets and arg[0] not in refs.companions:
            raise Unsupported(path, f"`Fn::GetAtt` of `{arg[0]}`, which is not a resource of the template")
        return refs.attribute(arg[0], arg[1], path)
    if key == "Condition":
        return symbol(arg, path, "the condition")
    if key == "Fn::Sub":
        return _sub(arg, path, refs)
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
    """``Fn::Sub`` as ``sub("text {Var}", { Var: ... })``: pseudo parameters become
    placeholders, ``${Param}``/``${Res}``/``${Res.Attr}`` variables, ``${!x}`` literal text."""
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
    for match in pattern.finditer(source):
        out.append(literal(source[position:match.start()]))
        position = match.end()
        name = match.group(1)
        if name.startswith("!"):
            out.append("$" + "{{" + escape(name[1:]) + "}}")
        elif name in variables:
            out.append("{" + name + "}")
        elif name in _PSEUDO:
            out.append(refs.pseudo(name))
        elif name == "Stage" and refs.stage:
            out.append("{stage}")
        elif name in refs.parameters:
            variables[name] = ir.Call("param", (symbol(name, path, "the parameter"),))
            out.append("{" + name + "}")
        elif "." in name and name.split(".", 1)[0] in (refs.targets.keys() | refs.companions.keys()):
            logical_id, attribute = name.split(".", 1)
            variable = logical_id + attribute.replace(".", "")
            variables[variable] = refs.attribute(logical_id, attribute, path)
            out.append("{" + variable + "}")
        elif name in refs.targets or name in refs.companions:
            variables[name] = refs.attribute(name, None, path)
            out.append("{" + name + "}")
        else:
            raise Unsupported(path, f"`${{{name}}}` in `Fn::Sub`")
    out.append(literal(source[position:]))
    if not variables and not isinstance(arg, list):
        # only placeholders: a string, which the build writes as Fn::Sub where it needs one
        return ir.String("".join(out))
    args: tuple[ir.Value, ...] = (ir.String("".join(out)),)
    if variables or isinstance(arg, list):
        args += (ir.Map(tuple(ir.Entry(k, v) for k, v in variables.items())),)
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
