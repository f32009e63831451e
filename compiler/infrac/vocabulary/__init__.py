"""The vocabulary: the kinds of resource a stack may declare, with their attributes.

A kind (:class:`~infrac.vocabulary.kinds.Kind`) says which attributes and
nested blocks a resource block takes and of which types, which attributes the
resource has for references and exports, how it becomes CloudFormation
properties, and which AWS rules it must follow. Adding a resource type means
adding one module here and listing its kind below.
"""

from infrac.vocabulary.dynamodb import TABLE
from infrac.vocabulary.generic import GENERIC
from infrac.vocabulary.kinds import Kind

KINDS: dict[str, Kind] = {kind.keyword: kind for kind in (TABLE, GENERIC)}

__all__ = ["KINDS", "Kind"]
