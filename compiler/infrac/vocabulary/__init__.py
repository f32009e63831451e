"""The vocabulary: the kinds of resource a stack may declare, with their attributes.

A kind (:class:`~infrac.vocabulary.kinds.Kind`) says which attributes and
nested blocks a resource block takes and of which types, which attributes the
resource has for references and exports, how it becomes CloudFormation
properties, and which AWS rules it must follow. Adding a resource type means
adding one module here and listing its kind below.

Layer 6 of 12 (tests/test_layers.py holds the order). May import: base, diagnostics, model,
syntax, cfn.
"""

from infrac.vocabulary import cognito, events
from infrac.vocabulary.dynamodb import TABLE
from infrac.vocabulary.generic import GENERIC
from infrac.vocabulary.kinds import KINDS, Kind
from infrac.vocabulary.s3 import BUCKET
from infrac.vocabulary.sqs import QUEUE

KINDS.update(
    (kind.keyword, kind)
    for kind in (
        TABLE,
        QUEUE,
        BUCKET,
        events.BUS,
        events.RULE,
        cognito.USER_POOL,
        cognito.USER_POOL_CLIENT,
        cognito.USER_POOL_DOMAIN,
        GENERIC,
    )
)

#: Resources derived from several resources of a stack at once, by function
#: ``(program, stack) -> {logical ID: resource document}``: the queue policy
#: that lets a stack's EventBridge rules send to their queues.
DERIVED = (events.derived,)

__all__ = ["DERIVED", "KINDS", "Kind"]
