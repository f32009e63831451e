"""The one place that names exports and outputs.

An export's name comes from the project's pattern (``exports`` in the project
block, by default ``{stack}-{stage}-{resource}{attribute}``); ``{stage}`` is
left as a placeholder for the backend, which renders it for its target.
"""

from __future__ import annotations

from infrac.model import Resource, Settings, Template
from infrac.vocabulary import KINDS


def attribute_suffix(resource: Resource, attribute: str) -> str:
    """``arn`` -> ``Arn``, as the attribute appears in export and output names."""
    return KINDS[resource.kind].attribute(attribute).suffix


def export_name(settings: Settings, stack: str, resource: Resource, attribute: str) -> Template:
    """The export's name with every placeholder but ``{stage}`` filled in.

    With the default pattern, ``stream_arn`` of table ``Users`` in stack
    ``data`` is exported as ``data-{stage}-UsersStreamArn``.
    """
    return settings.exports.fill(
        project=settings.name,
        region=settings.region,
        stack=stack,
        resource=resource.name,
        attribute=attribute_suffix(resource, attribute),
    )


def output_id(resource: Resource, attribute: str) -> str:
    """The logical ID of the output that carries an export: ``UsersTableArn``."""
    return resource.logical_id + attribute_suffix(resource, attribute)
