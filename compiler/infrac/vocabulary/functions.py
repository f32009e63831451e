"""CloudFormation's functions, as the language writes them: ``if(IsProd, 3, no_value())``.

Each function has a name in the language (snake_case), the CloudFormation function it
becomes, and what each argument must be:

- ``value``: any value (a string with placeholders, a reference, another function...);
- ``condition``: the name of a condition of the stack, or a condition function
  (``equals``, ``not``, ``and``, ``or``);
- ``parameter``: the name of a parameter of the stack;
- ``text``: a string (``sub``'s text, whose placeholders may also name its variables);
- ``variables``: a map of names to values (``sub``'s variables).

Which names exist (parameters, conditions) is checked by the conditions pass, which knows
the stack; the number and form of the arguments are checked here.
"""

from __future__ import annotations

import re

from infrac.base.classes import evolve, frozen
from infrac.base.suggest import did_you_mean
from infrac.model import Call, ConditionRef, Link, MappingRef, NoValue, ParameterRef
from infrac.syntax import ir
from infrac.vocabulary.checker import INVALID, Checker

TYPE_CHECKING = False  # typing's own constant, without importing typing
if TYPE_CHECKING:
    from typing import Any

VALUE, CONDITION, PARAMETER, TEXT, VARIABLES = "value", "condition", "parameter", "text", "variables"
#: the name of a mapping of the stack (``find_in_map``), of a resource (``get_att``), and a
#: string written as it is (an attribute's name)
MAPPING, RESOURCE, LITERAL = "mapping", "resource", "literal"

#: CloudFormation's pseudo parameters, by the function (and the placeholder) that reads them.
PSEUDO_PARAMETERS = {
    "account": "AWS::AccountId",
    "aws_region": "AWS::Region",
    "partition": "AWS::Partition",
    "url_suffix": "AWS::URLSuffix",
    "stack_name": "AWS::StackName",
    "stack_id": "AWS::StackId",
    "notification_arns": "AWS::NotificationARNs",
}


@frozen
class Function:
    name: str
    cfn: str
    args: tuple[str, ...]
    doc: str
    #: how many arguments beyond ``args`` may repeat the last kind (``and``, ``or``)
    repeat: int = 0
    #: how many of ``args`` may be left out from the end (``sub``'s variables)
    optional: int = 0
    #: CloudFormation takes the single argument without a list (``Fn::Base64: x``)
    single: bool = False
    #: a condition function: allowed at the top of a condition
    is_condition: bool = False

    @property
    def arity(self) -> str:
        low, high = len(self.args) - self.optional, len(self.args) + self.repeat
        if low == high:
            return f"{low} argument{'s' * (low != 1)}"
        return f"{low} to {high} arguments"

    @property
    def signature(self) -> str:
        names = list(self.args)
        if self.repeat:
            names.append("...")
        return f"{self.name}({', '.join(names)})"


FUNCTIONS: dict[str, Function] = {
    f.name: f
    for f in (
        Function("if", "Fn::If", (CONDITION, VALUE, VALUE), "The second argument when the condition holds, the third otherwise."),
        Function("equals", "Fn::Equals", (VALUE, VALUE), "Whether two values are equal.", is_condition=True),
        Function("not", "Fn::Not", (CONDITION,), "The opposite of a condition.", is_condition=True),
        Function("and", "Fn::And", (CONDITION, CONDITION), "Whether every condition holds (2 to 10).", repeat=8, is_condition=True),
        Function("or", "Fn::Or", (CONDITION, CONDITION), "Whether any condition holds (2 to 10).", repeat=8, is_condition=True),
        Function("param", "Ref", (PARAMETER,), "The value of a parameter of the stack.", single=True),
        Function("no_value", "Ref", (), "Leave the property out (`AWS::NoValue`), in a branch of `if`."),
        Function("sub", "Fn::Sub", (TEXT, VARIABLES), "Text whose placeholders also name the variables given.", optional=1),
        Function("join", "Fn::Join", (VALUE, VALUE), "The items of a list joined by a separator."),
        Function("select", "Fn::Select", (VALUE, VALUE), "The item of a list at an index."),
        Function("split", "Fn::Split", (VALUE, VALUE), "A string split at a separator."),
        Function("base64", "Fn::Base64", (VALUE,), "A string encoded in Base64.", single=True),
        Function("import_value", "Fn::ImportValue", (VALUE,), "The value another stack exports under a name.", single=True),
        Function("get_azs", "Fn::GetAZs", (VALUE,), "The availability zones of a region (`\"\"`: the stack's).", single=True),
        Function("cidr", "Fn::Cidr", (VALUE, VALUE, VALUE), "CIDR blocks carved out of one."),
        Function("find_in_map", "Fn::FindInMap", (MAPPING, VALUE, VALUE, VALUE),
                 "A value of the stack's `mappings`: the map's name, a top-level key, a second-level key "
                 "(and, with the `AWS::LanguageExtensions` transform, a default).", optional=1),
        Function("get_att", "Fn::GetAtt", (RESOURCE, LITERAL),
                 "An attribute of a resource of the stack by CloudFormation's own name: "
                 '`get_att(Network, "Outputs.VpcId")`; `Resource.attribute` is the usual form.'),
        Function("null", "null", (), "YAML's `null`, written as it is."),
        Function("length", "Fn::Length", (VALUE,), "The number of items of a list (`AWS::LanguageExtensions`).",
                 single=True),
        Function("to_json_string", "Fn::ToJsonString", (VALUE,),
                 "A map or a list as JSON text (`AWS::LanguageExtensions`).", single=True),
        Function("contains", "Fn::Contains", (VALUE, VALUE), "In `rules`: whether a list holds a value."),
        Function("each_member_equals", "Fn::EachMemberEquals", (VALUE, VALUE),
                 "In `rules`: whether every item of a list equals a value."),
        Function("each_member_in", "Fn::EachMemberIn", (VALUE, VALUE),
                 "In `rules`: whether every item of a list is in another list."),
        Function("ref_all", "Fn::RefAll", (VALUE,), "In `rules`: every value of a parameter type.", single=True),
        Function("value_of", "Fn::ValueOf", (VALUE, VALUE), "In `rules`: an attribute of a parameter's value."),
        Function("value_of_all", "Fn::ValueOfAll", (VALUE, VALUE),
                 "In `rules`: an attribute of every value of a parameter type."),
        *(
            Function(name, "Ref", (), f"The pseudo parameter `{pseudo}`, as `Ref` reads it.")
            for name, pseudo in PSEUDO_PARAMETERS.items()
        ),
    )
}

CONDITION_FUNCTIONS = tuple(name for name, f in FUNCTIONS.items() if f.is_condition)
#: The rules' own tests, which their assertions combine with `and`, `or` and `not`.
RULE_TESTS = ("contains", "each_member_equals", "each_member_in")


def convert_call(value: ir.Call, checker: Checker, convert_value) -> Any:
    """A checked :class:`~infrac.model.Call` (or parameter, condition, no-value node);
    ``convert_value`` converts the ``value`` arguments (free-form data)."""
    function = FUNCTIONS.get(value.name)
    if function is None:
        return checker.error(
            "E0320",
            f"unknown function `{value.name}`",
            value.name_span or value.span,
            label="not a function of the language",
            hint=did_you_mean(value.name, FUNCTIONS)
            or "functions: " + ", ".join(f"`{name}`" for name in FUNCTIONS),
        )
    low, high = len(function.args) - function.optional, len(function.args) + function.repeat
    if not low <= len(value.args) <= high:
        return checker.error(
            "E0321",
            f"`{function.name}` takes {function.arity}, {len(value.args)} given",
            value.span,
            label=f"expected `{function.signature}`",
            hint=function.doc,
        )
    if function.name == "no_value":
        return NoValue(span=value.span)
    if function.name in PSEUDO_PARAMETERS:
        return Call("Ref", (PSEUDO_PARAMETERS[function.name],), span=value.span)
    if function.name == "null":
        return None
    kinds = list(function.args) + [function.args[-1]] * function.repeat if function.args else []
    if function.name == "sub":
        return _sub(value, checker, convert_value)
    args = []
    for kind, arg in zip(kinds, value.args):
        if kind == CONDITION:
            args.append(condition(arg, checker, convert_value))
        elif kind == PARAMETER:
            args.append(_name(arg, checker, "a parameter of the stack", ParameterRef))
        elif kind == MAPPING:
            args.append(_name(arg, checker, "a mapping of the stack", MappingRef))
        elif kind == RESOURCE:
            args.append(_name(arg, checker, "a resource of the stack", lambda name, span: Link("", name, span=span)))
        elif kind == LITERAL:
            if isinstance(arg, ir.String) and arg.value:
                args.append(arg.value)
            else:
                args.append(checker.error("E0322", "expected an attribute's name as a string", arg.span,
                                          label='expected a string such as "Outputs.VpcId"'))
        else:
            args.append(convert_value(arg, checker))
    if INVALID in args:
        return INVALID
    if function.name == "param":
        return args[0]
    if function.name == "find_in_map" and len(args) == 4:
        args[3] = {"DefaultValue": args[3]}
    return Call(function.cfn, tuple(args), span=value.span)


def condition(value: ir.Value, checker: Checker, convert_value) -> Any:
    """A condition: the name of one (a string when it starts with a digit), or a condition function."""
    if isinstance(value, ir.Symbol):
        return ConditionRef(value.name, span=value.span)
    if isinstance(value, ir.String) and _digit_led(value.value):
        return ConditionRef(value.value, span=value.span)
    if isinstance(value, ir.Call) and (value.name in CONDITION_FUNCTIONS or value.name in RULE_TESTS):
        return convert_call(value, checker, convert_value)
    return checker.error(
        "E0322",
        "expected a condition",
        value.span,
        label="not a condition",
        hint="name a condition of the stack (`IsProd`), or write one: "
        + ", ".join(f"`{FUNCTIONS[n].signature}`" for n in CONDITION_FUNCTIONS),
    )


def _digit_led(text: str) -> bool:
    """A name CloudFormation allows that the language cannot write bare (``1Tier``,
    ``Zones&Nat``): a string."""
    return _CONDITION.fullmatch(text) is not None and _BARE.fullmatch(text) is None


_CONDITION = re.compile(r"[A-Za-z0-9][A-Za-z0-9_&.:-]{0,254}")
_BARE = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")


def _name(value: ir.Value, checker: Checker, what: str, make) -> Any:
    if isinstance(value, ir.Symbol):
        return make(value.name, span=value.span)
    if isinstance(value, ir.String) and _digit_led(value.value):
        return make(value.value, span=value.span)
    return checker.error("E0322", f"expected {what}", value.span, label=f"expected {what}, by its name")


def _sub(value: ir.Call, checker: Checker, convert_value) -> Any:
    text, *rest = value.args
    variables: dict[str, Any] = {}
    if rest:
        if not isinstance(rest[0], ir.Map):
            return checker.error("E0322", "expected the variables of `sub` as a map", rest[0].span,
                                 label="expected `{ Name: value, ... }`")
        for entry in rest[0].entries:
            if not entry.key.isidentifier():
                return checker.error("E0322", f"`{entry.key}` cannot name a variable of `sub`", entry.key_span,
                                     label="letters, digits and `_`")
        variables = convert_value(rest[0], checker)
        if variables is INVALID:
            return INVALID
    if not isinstance(text, ir.String):
        return checker.error("E0322", "expected the text of `sub` as a string", text.span, label="expected a string")
    scoped = evolve(checker, placeholders=checker.placeholders | frozenset(variables))
    template = scoped.template(text)
    if template is INVALID:
        return INVALID
    return Call("Fn::Sub", (template, variables) if rest else (template,), span=value.span)
