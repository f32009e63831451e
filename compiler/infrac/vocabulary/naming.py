"""The one place that names exports and outputs.

An export's name comes from the project's pattern (``exports`` in the project
block, by default ``{stack}-{stage}-{resource}{attribute}``), unless the
export overrides it with a reason (``export arn { name = "...", reason = "..." }``).
``{stage}`` (and pseudo parameters) are left as placeholders for the backend,
which renders them for its target.
"""

from __future__ import annotations

from infrac.base.classes import frozen
from infrac.model import ExportSpec, Placeholder, Program, Resource, Settings, Template
from infrac.vocabulary import KINDS
from infrac.vocabulary.generic import export_suffix


def attribute_suffix(resource: Resource, attribute: str) -> str:
    """``arn`` -> ``Arn``, as the attribute appears in export and output names."""
    if KINDS[resource.kind].cfn_type is None:  # a generic resource: named as the first-class kinds name it
        return export_suffix(resource.values["type"], attribute)
    return KINDS[resource.kind].attribute(attribute).suffix


@frozen
class Published:
    """One export as it will be written: the output's logical ID and the export's name."""

    spec: ExportSpec
    name: Template
    output_id: str


def export_name(settings: Settings, stack: str, resource: Resource, attribute: str) -> Template:
    """The name of ``attribute``'s export: its override if it has one, else the pattern's.

    With the default pattern, ``stream_arn`` of table ``Users`` in stack
    ``data`` is exported as ``data-{stage}-UsersStreamArn``.
    """
    for published in exports_of(settings, stack, resource):
        if published.spec.attribute == attribute and not published.spec.retired:
            return published.name
    return _pattern_name(settings, stack, resource, attribute)


def program_exports(program: Program, stack: str, resource: Resource) -> list[Published]:
    """:func:`exports_of` for a resource of a checked program, worked out once per
    resource however many references name it."""
    key = ("exports", stack, id(resource))
    found = program.memo.get(key)
    if found is None or found[0] is not resource:  # the id of a resource no longer alive
        found = program.memo[key] = (resource, exports_of(program.settings, stack, resource))
    return found[1]


def program_export_name(program: Program, stack: str, resource: Resource, attribute: str) -> Template:
    """:func:`export_name` for a resource of a checked program."""
    for published in program_exports(program, stack, resource):
        if published.spec.attribute == attribute and not published.spec.retired:
            return published.name
    return _pattern_name(program.settings, stack, resource, attribute)


def exports_of(settings: Settings, stack: str, resource: Resource) -> list[Published]:
    """Every export of a resource, in source order.

    The first export of an attribute has the output ``<LogicalId><Attribute>``
    (``UsersTableArn``); more exports of the same attribute (a retired name kept
    alongside the new one) get ``<LogicalId><Attribute>2``, ``3``...
    """
    published = []
    counts: dict[str, int] = {}
    for spec in resource.export_specs:
        suffix = attribute_suffix(resource, spec.attribute)
        counts[suffix] = counts.get(suffix, 0) + 1
        number = counts[suffix]
        output_id = resource.logical_id + suffix + (str(number) if number > 1 else "")
        if spec.name is not None:
            name = spec.name.fill(project=settings.name, region=settings.region, stack=stack)
        else:
            name = _pattern_name(settings, stack, resource, spec.attribute)
        published.append(Published(spec, name, output_id))
    return published


def _pattern_name(settings: Settings, stack: str, resource: Resource, attribute: str) -> Template:
    return settings.exports.fill(
        project=settings.name,
        region=settings.region,
        stack=stack,
        resource=resource.name,
        attribute=attribute_suffix(resource, attribute),
    )


def stack_name(stack: str) -> Template:
    """The CloudFormation stack that a stack of the project deploys as, in each stage:
    ``{stack}-{stage}``, the Serverless Framework's own ``<service>-<stage>``. A weak
    reference (``Fn::GetStackOutput``) names it.

    >>> stack_name("data").parts
    ('data-', Placeholder(name='stage'))
    """
    return Template.of((f"{stack}-", Placeholder("stage")))


def output_of(settings: Settings, stack: str, resource: Resource, attribute: str) -> str:
    """The logical ID of the output that carries ``attribute``'s (live) export, which a
    weak reference reads."""
    for published in exports_of(settings, stack, resource):
        if published.spec.attribute == attribute and not published.spec.retired:
            return published.output_id
    raise KeyError(f"{stack}.{resource.name}.{attribute} is not exported")
