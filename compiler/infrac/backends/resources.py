"""Resources and Outputs of one stack, shared by every backend.

Values from the vocabulary may hold :class:`~infrac.model.Template` strings
and :class:`~infrac.model.Reference` links; a :class:`StageStyle` says how the
target writes ``{stage}``, and everything else is decided here, once.
"""

from __future__ import annotations

from infrac.backends.escape import Escaped, has_hazard, pieces, serverless_literal
from infrac.base.classes import field, frozen, mutable
from infrac.cfn import typecheck
from infrac.model import (
    Call,
    ConditionRef,
    Link,
    MappingRef,
    NoValue,
    ParameterRef,
    Placeholder,
    Program,
    Reference,
    Resource,
    Stack,
    Template,
)
from infrac.vocabulary import DERIVED, KINDS
from infrac.vocabulary.naming import output_of, program_export_name, program_exports, stack_name

TYPE_CHECKING = False  # typing's own constant, without importing typing
if TYPE_CHECKING:
    from typing import Any

#: Placeholders that only the deploy knows: CloudFormation's pseudo parameters.
PSEUDO_PARAMETERS = {
    "account": "AWS::AccountId",
    "partition": "AWS::Partition",
    "url_suffix": "AWS::URLSuffix",
    "aws_region": "AWS::Region",
    "stack_name": "AWS::StackName",
    "stack_id": "AWS::StackId",
}


#: Placeholders every stage style writes itself: the project's and the pseudo parameters.
_BUILT_IN = frozenset({"project", "stage", "stack", "region", *PSEUDO_PARAMETERS})


class Variable:
    """A variable of ``Fn::Sub`` in a string: a parameter (``{AppName}`` -> ``${AppName}``),
    a resource's attribute (``{Users.arn}`` -> ``${Users.Arn}``) or, with ``value``, another
    stack's (``${UsersArn}``, given in the variables as its import)."""

    __slots__ = ("name", "value")

    def __init__(self, name: str, value: Any = None) -> None:
        self.name, self.value = name, value

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Variable) and (self.name, repr(self.value)) == (other.name, repr(other.value))

    def __hash__(self) -> int:
        return hash(("Variable", self.name, repr(self.value)))


def _deploy_time(part: Any) -> bool:
    return isinstance(part, Variable) or (isinstance(part, Placeholder) and part.name in PSEUDO_PARAMETERS)


class StageStyle:
    """How a target writes ``{stage}`` (and, through ``Fn::Sub``, pseudo parameters,
    parameters and attributes) in a string whose other placeholders are filled in already."""

    def render(self, template: Template) -> Any:
        if not any(_deploy_time(p) for p in template.parts):
            return self.plain(template)
        return self.sub(template)

    def variable(self, part: Any) -> str:
        """A pseudo parameter, a parameter or an attribute in ``Fn::Sub``'s syntax."""
        if isinstance(part, Variable):
            return "${" + part.name + "}"
        return "${" + PSEUDO_PARAMETERS[part.name] + "}"

    @staticmethod
    def with_variables(text: Any, template: Template) -> dict[str, Any]:
        given = {p.name: p.value for p in template.parts if isinstance(p, Variable) and p.value is not None}
        return {"Fn::Sub": [text, given]} if given else {"Fn::Sub": text}

    def sub(self, template: Template) -> dict[str, Any]:
        """The template as ``Fn::Sub``, where a literal ``${`` is written ``${!``."""
        text = []
        for part in template.parts:
            if isinstance(part, str):
                text.append(part.replace("${", "${!"))
            elif _deploy_time(part):
                text.append(self.variable(part))
            else:
                text.append(self.stage_in_sub())
        return self.with_variables("".join(text), template)

    def inside_sub(self, template: Template) -> str:
        """The text of an explicit ``Fn::Sub`` the user wrote: its own ``${...}`` kept as
        they are, ``{stage}`` and pseudo parameters written in ``Fn::Sub``'s syntax."""
        text = []
        for part in template.parts:
            if isinstance(part, str):
                text.append(part)
            elif _deploy_time(part):
                text.append(self.variable(part))
            else:
                text.append(self.stage_in_sub())
        return "".join(text)

    def plain(self, template: Template) -> Any:
        """A string with no placeholder but ``{stage}``."""
        raise NotImplementedError

    def stage_in_sub(self) -> str:
        """``{stage}`` inside an ``Fn::Sub`` string."""
        raise NotImplementedError


@mutable
class ResolvedStage(StageStyle):
    """``--stage prod``: the stage is written into the output."""

    stage: str

    def plain(self, template: Template) -> Any:
        return template.text(stage=self.stage)

    def stage_in_sub(self) -> str:
        return self.stage.replace("${", "${!")


@mutable
class StageParameter(StageStyle):
    """A CloudFormation ``Stage`` parameter, through ``Fn::Sub``; records whether it was needed."""

    used: bool = False

    def plain(self, template: Template) -> Any:
        if template.is_literal:
            return "".join(template.parts)
        if len(template.parts) == 1:  # the stage alone
            self.used = True
            return {"Ref": "Stage"}
        return self.sub(template)

    def stage_in_sub(self) -> str:
        self.used = True
        return "${Stage}"


@mutable
class ServerlessStage(StageStyle):
    """The Serverless Framework's own variable, resolved when the service is packaged
    (before CloudFormation reads any ``Fn::Sub``)."""

    def render(self, template: Template) -> Any:
        # Literal text is escaped for the framework's variable syntax here, where it meets
        # infrac's own variable; every other string is escaped by escape.for_serverless.
        literal = [part for part in template.parts if isinstance(part, str)]
        joined = "".join(part if isinstance(part, str) else "${" for part in template.parts)
        if any(has_hazard(part) for part in literal) or has_hazard(joined):
            return self.join(template)
        return super().render(template)

    def plain(self, template: Template) -> Any:
        parts = template.parts
        return Escaped(
            "".join(
                serverless_literal(part, before_variable=i + 1 < len(parts)) if isinstance(part, str) else "${sls:stage}"
                for i, part in enumerate(parts)
            )
        )

    def sub(self, template: Template) -> dict[str, Any]:
        """``Fn::Sub`` as the base writes it, its literal text also escaped for the framework."""
        text = []
        for i, part in enumerate(template.parts):
            if isinstance(part, str):
                text.append(serverless_literal(part.replace("${", "${!"), before_variable=i + 1 < len(template.parts)))
            elif isinstance(part, Variable):  # CloudFormation's variable: the framework must hand it on
                text.append(serverless_literal(self.variable(part)))
            elif part.name in PSEUDO_PARAMETERS:
                text.append("${" + PSEUDO_PARAMETERS[part.name] + "}")
            else:
                text.append(self.stage_in_sub())
        return self.with_variables(Escaped("".join(text)), template)

    def inside_sub(self, template: Template) -> str:
        """An explicit ``Fn::Sub``'s text: the user's own ``${...}`` (CloudFormation's) escaped
        so that the framework hands them on as written, infrac's ``${sls:stage}`` not."""
        parts = template.parts
        text = []
        for i, part in enumerate(parts):
            if isinstance(part, str):
                text.append(serverless_literal(part, before_variable=i + 1 < len(parts)))
            elif isinstance(part, Variable):
                text.append(serverless_literal(self.variable(part)))
            elif part.name in PSEUDO_PARAMETERS:  # as `sub` writes them: the framework leaves `${AWS::...}`
                text.append("${" + PSEUDO_PARAMETERS[part.name] + "}")
            else:
                text.append(self.stage_in_sub())
        return Escaped("".join(text))

    def join(self, template: Template) -> dict[str, Any]:
        """A text the framework cannot read back from one string (``$`` before ``$`` or a
        backslash): an ``Fn::Join`` of pieces it can, pseudo parameters as ``Ref``."""
        joined: list[Any] = []
        for part in template.parts:
            if isinstance(part, str):
                joined.extend(Escaped(serverless_literal(piece)) for piece in pieces(part))
            elif isinstance(part, Variable):
                joined.append(part.value if part.value is not None else self.join_value(part))
            elif part.name in PSEUDO_PARAMETERS:
                joined.append({"Ref": PSEUDO_PARAMETERS[part.name]})
            else:
                joined.append(Escaped("${sls:stage}"))
        return {"Fn::Join": ["", joined]}

    def stage_in_sub(self) -> str:
        return "${sls:stage}"

    @staticmethod
    def join_value(part: Variable) -> Any:
        """A variable as a value of ``Fn::Join``: ``Ref`` or ``Fn::GetAtt``."""
        if "." in part.name:
            return {"Fn::GetAtt": part.name.split(".", 1)}
        return {"Ref": part.name}


#: Functions that CloudFormation takes with their one argument, without a list.
_SINGLE = frozenset({"Ref", "Fn::Base64", "Fn::ImportValue", "Fn::GetAZs", "Fn::Length", "Fn::ToJsonString", "Fn::RefAll"})


@frozen
class StackRenderer:
    program: Program
    stack: Stack
    stage: StageStyle
    #: each template's rendering, by its parts (names repeat the same few patterns)
    _rendered: dict = field(init=False, eq=False, repr=False, factory=dict)

    # ---- values ------------------------------------------------------------------

    def value(self, value: Any) -> Any:
        """A vocabulary value as CloudFormation data (dicts, lists, scalars)."""
        kind = type(value)  # the common cases first, by exact type
        if kind is str:
            return value
        if kind is Template:
            return self.template(value)
        if kind is dict:
            if len(value) == 1 and "Fn::Sub" in value:
                return {"Fn::Sub": self.sub_argument(value["Fn::Sub"])}
            return {k: self.value(v) for k, v in value.items()}
        if kind is list or kind is tuple:
            return [self.value(v) for v in value]
        if kind is int or kind is bool or value is None:
            return value
        if isinstance(value, Template):
            return self.template(value)
        if isinstance(value, Reference):
            return self.reference(value)
        if isinstance(value, Call):
            return self.call(value)
        if isinstance(value, ParameterRef):
            return {"Ref": value.name}
        if isinstance(value, ConditionRef):
            return {"Condition": value.name}
        if isinstance(value, NoValue):
            return {"Ref": "AWS::NoValue"}
        if isinstance(value, MappingRef):
            return value.name
        if isinstance(value, Link):  # get_att's resource
            target = self.program.stack(value.stack or self.stack.name).resource(value.resource)
            return target.logical_id if target is not None else value.resource
        if isinstance(value, dict) and len(value) == 1 and "Fn::Sub" in value:
            return {"Fn::Sub": self.sub_argument(value["Fn::Sub"])}
        if isinstance(value, dict):
            return {k: self.value(v) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return [self.value(v) for v in value]
        return value

    def call(self, call: Call) -> Any:
        """A function as CloudFormation writes it: ``Fn::If``'s condition by name, a
        one-argument function without a list, ``Fn::Sub``'s text with its variables."""
        if call.function == "Fn::Sub":
            return self.sub(call)
        args = [self.value(arg) for arg in call.args]
        if call.function == "Fn::If":
            args[0] = call.args[0].name
        if call.function in _SINGLE:
            return {call.function: args[0]}
        return {call.function: args}

    def sub(self, call: Call) -> Any:
        """``sub(text, { variables })``: placeholders naming a variable become ``${Name}``;
        the others are filled in as in any string."""
        template, *rest = call.args
        variables = rest[0] if rest else {}
        filled = self.filled(template)
        # (text, is the framework's own variable): in the Serverless target every other piece
        # is escaped for the framework, which resolves only ``${sls:stage}`` before CloudFormation
        pieces_: list[tuple[str, bool]] = []
        for part in filled.parts:
            if isinstance(part, str):
                pieces_.append((part.replace("${", "${!"), False))
            elif isinstance(part, Variable) or part.name in variables:
                pieces_.append(("${" + part.name + "}", False))
            elif part.name in PSEUDO_PARAMETERS:  # the framework leaves `${AWS::...}` as it is
                pieces_.append(("${" + PSEUDO_PARAMETERS[part.name] + "}", True))
            else:
                pieces_.append((self.stage.stage_in_sub(), True))
        if isinstance(self.stage, ServerlessStage):
            text: Any = Escaped("".join(
                piece if own else serverless_literal(piece, before_variable=i + 1 < len(pieces_) and pieces_[i + 1][1])
                for i, (piece, own) in enumerate(pieces_)
            ))
        else:
            text = "".join(piece for piece, _ in pieces_)
        if not rest:
            return {"Fn::Sub": text}
        return {"Fn::Sub": [text, self.value(dict(variables))]}

    def parameters(self) -> dict[str, Any]:
        """The stack's own parameters, as CloudFormation declares them."""
        parameters: dict[str, Any] = {}
        for parameter in self.stack.parameters:
            document: dict[str, Any] = {"Type": parameter.type}
            if parameter.description is not None:
                document["Description"] = parameter.description
            if parameter.default is not None:
                document["Default"] = self.value(parameter.default)
            if parameter.allowed is not None:
                document["AllowedValues"] = self.value(list(parameter.allowed))
            for key, value in parameter.constraints.items():
                document[key] = self.value(value)
            parameters[parameter.name] = document
        return parameters

    def conditions(self) -> dict[str, Any]:
        return {name: self.value(value) for name, value in self.stack.conditions.items()}

    def template(self, template: Template) -> Any:
        rendered = self._rendered.get(template.parts, self)
        if rendered is self:
            rendered = self._rendered[template.parts] = self.stage.render(self.filled(template))
        # a fresh copy of an Fn::Sub each time: the caller may nest it in a document
        return dict(rendered) if type(rendered) is dict else rendered

    def filled(self, template: Template) -> Template:
        """The template with what the build knows filled in: all but ``{stage}`` and pseudo
        parameters; parameters and attributes as variables of ``Fn::Sub``."""
        settings = self.program.settings
        filled = template.fill(project=settings.name, stack=self.stack.name, region=settings.region)
        if all(isinstance(p, str) or (isinstance(p, Placeholder) and p.name in _BUILT_IN) for p in filled.parts):
            return filled
        return Template.of([self._variable(p) for p in filled.parts], span=template.span)

    def _variable(self, part: Any) -> Any:
        if isinstance(part, Reference):
            if part.stack and part.stack != self.stack.name:
                name = part.resource + "".join(w[:1].upper() + w[1:] for w in part.attribute.split("_"))
                return Variable(name, self.reference(part))
            found = attribute_value(self.program.stack(self.stack.name).resource(part.resource), part.attribute)
            if "Ref" in found:
                return Variable(found["Ref"])
            return Variable(".".join(found["Fn::GetAtt"]))
        if isinstance(part, Placeholder) and part.name not in _BUILT_IN:
            return Variable(part.name)
        return part

    def sub_argument(self, argument: Any) -> Any:
        """An explicit ``Fn::Sub``'s argument, as written: never wrapped in a second ``Fn::Sub``."""
        if isinstance(argument, Template):
            return self.stage.inside_sub(self.filled(argument))
        if isinstance(argument, (tuple, list)) and len(argument) == 2 and isinstance(argument[0], Template):
            return [self.stage.inside_sub(self.filled(argument[0])), self.value(argument[1])]
        return self.value(argument)

    def reference(self, ref: Reference) -> Any:
        target = self.program.stack(ref.stack).resource(ref.resource)
        if ref.stack != self.stack.name:
            settings = self.program.settings
            if self.stack.strength(ref.stack, ref.resource, ref.attribute, settings.references) == "strong":
                name = program_export_name(self.program, ref.stack, target, ref.attribute)
                return {"Fn::ImportValue": self.stage.render(name)}
            # weak or both: read the output itself; the stack is not an importer for CloudFormation
            return {
                "Fn::GetStackOutput": {
                    "StackName": self.stage.render(stack_name(ref.stack)),
                    "OutputName": output_of(settings, ref.stack, target, ref.attribute),
                }
            }
        return attribute_value(target, ref.attribute)

    # ---- sections ------------------------------------------------------------------

    def resources(self) -> dict[str, Any]:
        """Each resource, followed by its companions (a queue's dead-letter queue)."""
        documents: dict[str, Any] = {}
        for resource in self.stack.resources:
            documents[resource.logical_id] = self.resource(resource)
            for logical_id, document in KINDS[resource.kind].companions(resource).items():
                documents[logical_id] = self.value(document)
        for derive in DERIVED:
            for logical_id, document in derive(self.program, self.stack).items():
                documents[logical_id] = self.value(document)
        return documents

    def resource(self, resource: Resource) -> dict[str, Any]:
        kind = KINDS[resource.kind]
        document: dict[str, Any] = {"Type": kind.type_name(resource)}
        if resource.values.get("condition"):
            document["Condition"] = resource.values["condition"]
        if resource.values.get("depends_on"):
            ids = {r.name: r.logical_id for r in self.stack.resources}
            depends = [ids.get(name, name) for name in resource.values["depends_on"]]
            document["DependsOn"] = depends[0] if len(depends) == 1 else depends
        if resource.values.get("metadata") is not None:
            document["Metadata"] = self.value(_whole(resource.values["metadata"]))
        if resource.values.get("deletion_policy"):
            document["DeletionPolicy"] = resource.values["deletion_policy"]
        if resource.values.get("update_replace_policy"):
            document["UpdateReplacePolicy"] = resource.values["update_replace_policy"]
        for name, key in (("creation_policy", "CreationPolicy"), ("update_policy", "UpdatePolicy"),
                          ("version", "Version"), ("description", "Description")):
            if name in ("version", "description") and kind.cfn_type is not None:
                continue  # a kind's own `description` is one of its properties
            if resource.values.get(name) is not None:
                document[key] = self.value(_whole(resource.values[name]))
        properties = self.value(kind.properties(resource))
        if properties:
            document["Properties"] = properties
        return document

    def sections(self) -> dict[str, Any]:
        """The template's sections that the stack sets itself: ``Transform``, ``Metadata``,
        ``Rules`` and ``Mappings``, in CloudFormation's order."""
        stack = self.stack
        sections: dict[str, Any] = {}
        if stack.transform:
            sections["Transform"] = stack.transform[0] if len(stack.transform) == 1 else list(stack.transform)
        if stack.metadata is not None:
            sections["Metadata"] = self.value(dict(stack.metadata))
        if stack.rules:
            rules: dict[str, Any] = {}
            for name, rule in stack.rules.items():
                document: dict[str, Any] = {}
                if rule.get("condition") is not None:
                    document["RuleCondition"] = self.value(rule["condition"])
                assertions = []
                for assertion in rule["assertions"]:
                    entry = {"Assert": self.value(assertion["assert"])}
                    if assertion.get("description") is not None:
                        entry["AssertDescription"] = assertion["description"]
                    assertions.append(entry)
                document["Assertions"] = assertions
                rules[name] = document
            sections["Rules"] = rules
        if stack.mappings:
            sections["Mappings"] = self.value(dict(stack.mappings))
        return sections

    def written_outputs(self) -> dict[str, Any]:
        """The stack's ``output`` blocks, as written."""
        outputs: dict[str, Any] = {}
        for output in self.stack.outputs:
            document: dict[str, Any] = {}
            if output.description is not None:
                document["Description"] = output.description
            if output.condition is not None:
                document["Condition"] = output.condition
            document["Value"] = self.value(output.value)
            if output.export is not None:
                document["Export"] = {"Name": self.value(output.export)}
            outputs[output.name] = document
        return outputs

    def outputs(self) -> dict[str, Any]:
        outputs: dict[str, Any] = self.written_outputs()
        for resource in self.stack.resources:
            kind = KINDS[resource.kind]
            for published in program_exports(self.program, self.stack.name, resource):
                attribute = published.spec.attribute
                description = f"{kind.attribute(attribute).doc.rstrip('.')} ({resource.name})"
                if published.spec.retired:
                    description += f"; retired: {published.spec.retired}"
                outputs[published.output_id] = {
                    "Description": description,
                    "Value": attribute_value(resource, attribute),
                    "Export": {"Name": self.stage.render(published.name)},
                }
        return outputs


def attribute_value(resource: Resource, attribute: str) -> dict[str, Any]:
    """``Ref`` or ``Fn::GetAtt`` of an attribute, inside the resource's own stack."""
    spec = KINDS[resource.kind].attribute(attribute)
    logical_id = spec.owner(resource) if spec.owner else resource.logical_id
    if spec.getatt is None:
        return {"Ref": logical_id}
    if KINDS[resource.kind].cfn_type is None:  # a generic resource: the schema's name (`Endpoint.Address`)
        return {"Fn::GetAtt": [logical_id, typecheck.getatt(resource.values["type"], attribute) or spec.getatt]}
    return {"Fn::GetAtt": [logical_id, spec.getatt]}


def consumer_document(renderer: StackRenderer) -> dict[str, Any]:
    """What a consumer stack's own service includes: environment variables, the IAM
    statements its ``uses`` grant, and named values, all imported from other stacks."""
    stack = renderer.stack
    document: dict[str, Any] = {}
    if stack.environment:
        document["environment"] = renderer.value(dict(stack.environment))
    statements: dict[tuple[str, ...], list[Any]] = {}
    for use in stack.uses:
        target = renderer.program.stack(use.stack).resource(use.resource)
        access = KINDS[target.kind].access
        actions = tuple(access.actions_for(use.access)) if access else ()
        if not actions:
            continue
        entries = access.resources(target, lambda attribute, u=use: Reference(u.stack, u.resource, attribute))
        statements.setdefault(actions, []).extend(renderer.value(entry) for entry in entries)
    if statements:
        document["statements"] = [
            {"Effect": "Allow", "Action": list(actions), "Resource": resources}
            for actions, resources in statements.items()
        ]
    if stack.values:
        document["values"] = renderer.value(dict(stack.values))
    return document


def _whole(value: Any) -> Any:
    """A resource attribute's map (a copy), or the function that gives it (``CreationPolicy: !If``)."""
    return dict(value) if isinstance(value, dict) else value
