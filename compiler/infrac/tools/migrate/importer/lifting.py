"""Which resources become first-class blocks: the lifters by CloudFormation type, and the
decisions of one import (lifted to a kind, or generic), each resource's companions (a
dead-letter queue, a bucket's policy) taken by the block that makes them.
"""

from __future__ import annotations

import copy

from infrac.base import classes
from infrac.base.classes import mutable
from infrac.tools.migrate.importer.lift_cognito import lift_user_pool, lift_user_pool_client, lift_user_pool_domain
from infrac.tools.migrate.importer.lift_dynamodb import lift_table
from infrac.tools.migrate.importer.lift_events import QUEUE_POLICY_ID, lift_bus, lift_rule
from infrac.tools.migrate.importer.lift_s3 import lift_bucket
from infrac.tools.migrate.importer.lift_sqs import lift_queue
from infrac.tools.migrate.importer.properties import Decline

#: The lifter of each first-class kind, by the CloudFormation type it lifts.
LIFTERS = {
    "AWS::DynamoDB::Table": lift_table,
    "AWS::SQS::Queue": lift_queue,
    "AWS::Events::EventBus": lift_bus,
    "AWS::Cognito::UserPool": lift_user_pool,
    "AWS::Cognito::UserPoolClient": lift_user_pool_client,
    "AWS::Cognito::UserPoolDomain": lift_user_pool_domain,
    "AWS::Events::Rule": lift_rule,
    "AWS::S3::Bucket": lift_bucket,
}


@mutable
class Decisions:
    """Decisions for one attempt: which resources are lifted to which kind, and which not."""

    #: logical ID (per template index) -> (kind, body, companions)
    lifted: dict[tuple[int, str], tuple[str, list, dict]] = classes.field(factory=dict)
    generic: set[tuple[int, str]] = classes.field(factory=set)


def lift(templates, where, decisions: Decisions) -> None:
    """Lift every resource not decided yet whose type has a lifter, unless it declines or its
    companions are taken, lifted or in another stack (then it is generic); a companion that
    was lifted on its own is taken back by its owner's block."""
    taken: set[tuple[int, str]] = set()
    for (i, _logical_id), (_, _, companions) in decisions.lifted.items():
        taken |= {(i, c) for c in companions}
    for i, template in enumerate(templates):
        for resource in template.resources:
            key = (i, resource.logical_id)
            if key in decisions.lifted or key in decisions.generic or key in taken or where[key] is None:
                continue
            lifter = LIFTERS.get(resource.type)
            if lifter is None:
                continue
            try:  # on a copy: a lifter takes properties apart as it goes
                kind, body, companions = lifter(copy.deepcopy(resource), template)
            except Decline:
                decisions.generic.add(key)
                continue
            shared = {c for c in companions if c == QUEUE_POLICY_ID}  # one policy for all the rules
            if any(
                ((i, c) in taken and c not in shared) or (i, c) in decisions.lifted or where.get((i, c)) != where[key]
                for c in companions
            ):
                decisions.generic.add(key)
                continue
            decisions.lifted[key] = (kind, body, companions)
            taken |= {(i, c) for c in companions}
    # a companion that is itself lifted (a dead-letter queue that was looked at first) is
    # taken back: its owner's block makes it
    for key in list(decisions.lifted):
        if key in taken:
            del decisions.lifted[key]
