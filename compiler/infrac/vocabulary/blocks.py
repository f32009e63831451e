"""The language's own blocks besides resources: the project block, a stack's attributes, its
parameters, its reference choices, and an export's settings, each as the fields it takes.

The passes read these blocks with the same fields and types as a resource kind's
(:mod:`infrac.passes.fields`); the language server completes them and the reference page
documents them from here.
"""

from __future__ import annotations

from infrac.model import STRENGTHS
from infrac.syntax.suppressions import LEVELS
from infrac.vocabulary.checker import STRING_PLACEHOLDERS
from infrac.vocabulary.kinds import CONDITION_NAME, Field
from infrac.vocabulary.types import Boolean, Choice, Data, ListOf, MapOf, Name, OneOf, Prose, Record, Text

DEFAULT_NAME = "infra"
DEFAULT_EXPORTS = "{stack}-{stage}-{resource}{attribute}"
EXPORT_PLACEHOLDERS = STRING_PLACEHOLDERS | {"resource", "attribute"}

#: ``project Name { ... }``: at most one in a project.
PROJECT_FIELDS = {
    "region": Field(
        Name(r"[a-z]{2}(-[a-z]+)+-[0-9]", "an AWS region such as `eu-west-1`"),
        "The AWS region the stacks deploy to.",
        default="us-east-1",
    ),
    "stages": Field(
        ListOf(Name(r"[A-Za-z0-9-]{1,32}", "letters, digits and hyphens"), minimum=1),
        "The stages (environments) the project deploys; the first is the default.",
        default=("dev",),
    ),
    "exports_required": Field(
        Boolean(),
        "Ask every resource to export what identifies it (its name, URL, ID, ARN): a warning lists "
        "what is not exported; `internal = \"why\"` on a resource opts it out.",
        default=False,
    ),
    "warnings": Field(
        MapOf(
            Choice({level: level for level in LEVELS}),
            description="a map from warning codes to `off`, `warning` or `error`",
        ),
        "Each warning's level for the whole project: `{ W0601: error, W0501: off }`. Errors cannot be "
        "given a level; `# infrac: allow W0601 -- reason` silences one finding on the next line.",
        default={},
    ),
    "references": Field(
        Choice({strength: strength for strength in STRENGTHS}),
        "How a reference to another stack's attribute is written by default: `strong` (an export and "
        "`Fn::ImportValue`), `weak` (`Fn::GetStackOutput`, no import) or `both` (the weak form, the export "
        "kept as imported while consumers move). A stack's `reference stack.Resource { strength = ... }` "
        "block chooses for one resource.",
        default="strong",
    ),
    "exports": Field(
        Text(references=False),
        "The pattern every export name follows. Placeholders: {project}, {stage}, {stack}, "
        "{region}, {resource}, {attribute}.",
    ),
}


#: What a stack may set besides its resources: what a consumer's own code needs.
STACK_FIELDS = {
    "environment": Field(
        MapOf(Data(), key=Name(r"[A-Za-z_][A-Za-z0-9_]*", "letters, digits and `_`, not starting with a digit")),
        "Environment variables for the stack's own functions, usually references to other stacks' "
        "resources: `{ USERS_TABLE: data.Users.name }`.",
    ),
    "values": Field(
        MapOf(Data(), key=Name(r"[A-Za-z0-9_-]+", "letters, digits, `_` and `-`")),
        "Other values the stack's own service needs by name, such as a queue's ARN for an event "
        "source: `{ OrdersQueueArn: queues.Orders.arn }`.",
    ),
    "conditions": Field(
        MapOf(Data(), key=Name(CONDITION_NAME, "a condition's name: letters and digits")),
        "The stack's conditions, each a condition function: "
        '`{ IsProd: equals(param(Env), "prod") }`. Resources name one with `condition = IsProd`; '
        "`if(IsProd, a, b)` chooses a value.",
    ),
    "description": Field(Prose(), "The template's `Description` (infrac writes one of its own without it)."),
    "metadata": Field(MapOf(Data()), "The template's `Metadata`, passed through as written."),
    "mappings": Field(
        MapOf(
            MapOf(MapOf(Data(), minimum=1), minimum=1),
            key=Name(r"[A-Za-z0-9]{1,255}", "a mapping's name: letters and digits"),
        ),
        "The template's `Mappings`: `{ RegionMap: { \"us-east-1\": { Ami: \"ami-1\" } } }`, read with "
        "`find_in_map(RegionMap, aws_region(), \"Ami\")`.",
    ),
    "rules": Field(
        MapOf(Record({"condition": Data(), "assertions": ListOf(Record(
            {"assert": Data(), "description": Prose()}, required=("assert",)), minimum=1)}, required=("assertions",)),
            key=Name(r"[A-Za-z0-9]{1,255}", "a rule's name: letters and digits")),
        "The template's `Rules`, checks of the parameters before a deploy: "
        "`{ ProdSize: { condition: equals(param(Env), \"prod\"), assertions: [{ assert: contains([\"m5.large\"], "
        "param(Size)), description: \"...\" }] } }`.",
    ),
    "transform": Field(
        ListOf(Name(r"AWS::LanguageExtensions", "`AWS::LanguageExtensions`, the one transform the language knows"),
               minimum=1),
        "The template's `Transform`: `[\"AWS::LanguageExtensions\"]`, for the functions it adds "
        "(`length`, `to_json_string`, a default in `find_in_map`).",
    ),
    "path": Field(
        Name(r"[^\x00]+", "a path"),
        "Where the stack's own Serverless service lives, relative to the file that declares it; "
        "it puts the service in serverless-compose.yml.",
    ),
    "config": Field(
        Name(r"[A-Za-z0-9_.-]+\.(yml|yaml|json)", "a service file's name, such as `serverless.infrac.yml`"),
        "The service file in `path` that deploys the stack, when it is not `serverless.yml` "
        "(`serverless deploy --config` takes it): what `infrac import` writes is `serverless.infrac.yml`.",
    ),
    "retired": Field(
        MapOf(Prose(), key=Name(r"[A-Za-z0-9]{1,255}", "a logical ID: letters and digits")),
        "Deployed resources of the stack that the project no longer declares, by logical ID, each "
        "with why it may be deleted: `infrac plan-move` refuses to delete a table, queue, bucket "
        "(any stateful resource) that is not listed here. "
        '`{ LegacyOrdersTable: "orders moved to the ledger service in March" }`.',
    ),
}


#: CloudFormation's parameter types, by the names the language gives the common ones.
PARAMETER_TYPES = {
    "string": "String",
    "number": "Number",
    "number_list": "List<Number>",
    "comma_list": "CommaDelimitedList",
}

#: ``parameter Name { ... }``: a CloudFormation parameter of the stack.
PARAMETER_FIELDS = {
    "type": Field(
        OneOf(
            Choice(PARAMETER_TYPES),
            Name(r"(AWS::|List<AWS::)[A-Za-z0-9:<>.-]+", "an AWS-specific parameter type such as `AWS::EC2::VPC::Id`"),
        ),
        "The parameter's type: `string`, `number`, `number_list`, `comma_list`, or an AWS-specific "
        'type as a string (`"AWS::EC2::VPC::Id"`).',
        required=True,
    ),
    "default": Field(Data(), "The value when the deploy gives none."),
    "allowed": Field(ListOf(Data(), minimum=1), "The values allowed (`AllowedValues`)."),
    "description": Field(Prose(), "What the parameter is for."),
    "pattern": Field(Prose(), "A regular expression a string value must match (`AllowedPattern`)."),
    "min_length": Field(Data(), "The shortest string allowed (`MinLength`)."),
    "max_length": Field(Data(), "The longest string allowed (`MaxLength`)."),
    "min_value": Field(Data(), "The smallest number allowed (`MinValue`)."),
    "max_value": Field(Data(), "The largest number allowed (`MaxValue`)."),
    "constraint_description": Field(Prose(), "What to say when a value breaks a constraint."),
    "no_echo": Field(Data(), "Whether the value is masked in the console and API (`NoEcho`)."),
}

#: The parameter's constraints by their names in the language, with CloudFormation's.
PARAMETER_KEYS = {
    "pattern": "AllowedPattern",
    "min_length": "MinLength",
    "max_length": "MaxLength",
    "min_value": "MinValue",
    "max_value": "MaxValue",
    "constraint_description": "ConstraintDescription",
    "no_echo": "NoEcho",
}


#: ``reference stack.Resource { ... }``: how a stack reads another stack's resource.
REFERENCE_FIELDS = {
    "strength": Field(
        Choice({strength: strength for strength in STRENGTHS}),
        "`strong` (an export and `Fn::ImportValue`), `weak` (`Fn::GetStackOutput`) or `both` (the weak "
        "form while the export stays protected as imported).",
        required=True,
    ),
}


#: ``output Name { ... }``: an output of the stack, with any value.
OUTPUT_FIELDS = {
    "value": Field(Data(), "The output's value: a reference, a parameter, text, any function.", required=True),
    "description": Field(Prose(), "What the output is."),
    "condition": Field(
        Name(CONDITION_NAME, "a condition's name: letters and digits"),
        "The condition of the stack under which the output exists.",
    ),
    "export_name": Field(
        Data(),
        "The name the value is exported under, for `Fn::ImportValue` in other stacks: text (with "
        "placeholders such as {stack_name}) or a function.",
    ),
}


#: What ``export attribute { ... }`` may set.
EXPORT_FIELDS = {
    "name": Field(
        Text(references=False),
        "The export's name instead of the project's pattern; needs a `reason`. Placeholders: "
        "{project}, {stage}, {stack}, {region}.",
    ),
    "reason": Field(Prose(), "Why this export does not follow the project's pattern."),
    "retired": Field(
        Prose(),
        "Why the export is on its way out. It is still written, so that the stacks that import "
        "it can move away first; remove it once none does.",
    ),
}
