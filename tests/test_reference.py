"""The resource kinds reference: complete, and its CloudFormation column measured right."""

from __future__ import annotations

import pytest

from infrac.tools.reference import NOT_MEASURED, ReferenceError, _sample, block_places, field_places, render, samples
from infrac.vocabulary import KINDS
from infrac.vocabulary.kinds import COMMON_FIELDS
from infrac.vocabulary.types import Integer, Name

PAGE = render()


def test_every_field_is_measured():
    # A type new to the vocabulary needs samples in infrac.tools.reference.samples.
    assert NOT_MEASURED not in PAGE, [line for line in PAGE.splitlines() if NOT_MEASURED in line]


def test_every_kind_field_and_block_is_on_the_page():
    for keyword, kind in KINDS.items():
        section = PAGE.split(f"\n## `{keyword}`\n", 1)[1].split("\n## ", 1)[0]
        for name in kind.fields:
            if name not in COMMON_FIELDS and not (kind.cfn_type is None and name == "type"):
                assert f"| `{name}` |" in section, (keyword, name)
        for block, block_kind in kind.blocks.items():
            assert f"### `{block}` block" in section, (keyword, block)
            for name in block_kind.fields:
                assert f"| `{name}` |" in section, (keyword, block, name)
        for attribute in kind.attributes or {}:
            assert f"| `{attribute}` |" in section, (keyword, attribute)


@pytest.mark.parametrize(
    "kind,field,expected",
    [
        ("table", "billing", ["`BillingMode`"]),
        ("table", "key", ["`AttributeDefinitions`", "`KeySchema`"]),
        ("table", "deletion_policy", ["`DeletionPolicy`"]),
        ("table", "id", ["the logical ID"]),
        ("table", "internal", []),
        ("queue", "retention", ["`MessageRetentionPeriod`"]),
        ("bucket", "tls_only", ["`PolicyDocument` of the `AWS::S3::BucketPolicy` it adds"]),
        ("user_pool_client", "pool", ["`UserPoolId`"]),
        ("rule", "bus", ["`EventBusName`"]),
    ],
)
def test_a_field_maps_to_the_properties_its_kind_renders(kind, field, expected):
    sample = _sample(KINDS[kind])
    assert field_places(sample, field, KINDS[kind].fields[field]) == expected


def test_a_block_and_its_fields_map_into_the_rendered_template():
    queue = KINDS["queue"]
    sample = _sample(queue)
    dead_letter = queue.blocks["dead_letter"]
    assert block_places(sample, dead_letter, None, None) == ["`AWS::SQS::Queue` (another resource)", "`RedrivePolicy`"]
    assert block_places(sample, dead_letter, "max_receives", dead_letter.fields["max_receives"]) == [
        "`RedrivePolicy.maxReceiveCount`"
    ]
    table = KINDS["table"]
    index = table.blocks["index"]
    assert block_places(_sample(table), index, "key", index.fields["key"]) == [
        "`AttributeDefinitions`", "`GlobalSecondaryIndexes[].KeySchema[].AttributeName`"
    ]


def test_samples_respect_ranges_and_patterns():
    assert samples(Integer(6, 99)) == [6, 99]
    assert all(name.isalnum() for name in samples(Name(r"[A-Za-z0-9]{1,255}")))
    with pytest.raises(ReferenceError):
        samples(Name(r"\d{40}"))
