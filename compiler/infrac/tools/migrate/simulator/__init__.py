"""A simulation of CloudFormation's semantics, to rehearse a migration offline.

What it models, and nothing more (each rule has a positive and a negative test in
``tests/test_simulator.py``):

- an account holds physical resources, keyed by type and primary identifier (the
  schema's ``primaryIdentifier``, from :mod:`infrac.cfn.schemas`), each with its
  properties, its data (a table's items, a queue's messages, a bucket's objects)
  and the stack that manages it, if any;
- ``deploy`` creates or updates a stack: new logical IDs are created (a named
  resource whose name is taken fails, as in AWS); a changed type is refused; a change
  AWS documents as a replacement (:mod:`infrac.cfn.updates`: the resource reference's
  "Update requires: Replacement", the schemas' create-only properties) replaces the
  resource (a new physical resource; the old one deleted unless ``UpdateReplacePolicy``
  keeps it; a custom-named resource cannot be replaced), one the service refuses (a
  DynamoDB local secondary index, a Cognito attribute fixed at creation) fails the
  update; other changes update in place; removed logical IDs go as their
  ``DeletionPolicy`` says (``Retain`` and ``RetainExceptOnCreate`` keep them,
  ``Snapshot`` keeps a snapshot where the type has them, :mod:`infrac.cfn.stateful`);
- exports and imports: an import needs an existing export of another stack; an
  export another stack imports cannot be removed or changed, and that stack
  cannot be deleted;
- ``import_resources`` is a change set of type ``IMPORT``: every resource to
  import is of a type AWS lists as importable (:mod:`infrac.cfn.movable`), in the
  template with a ``DeletionPolicy`` and its whole primary identifier, the physical
  resource exists and no stack manages it, and nothing else in the stack changes,
  outputs included;
- ``refactor`` is ``CreateStackRefactor`` + ``ExecuteStackRefactor``: 2 to 5
  stacks, no resource created, deleted or changed, no parameter, condition or
  mapping changed or added, a resource goes to one destination, no moved
  resource may depend on the stack's name, ID or notification topics, only the
  types AWS lets it move (:mod:`infrac.cfn.movable`), no stack left empty; new
  stacks only with ``enable_stack_creation``.

Every operation is all or nothing: a refused one raises :class:`Refused` and
leaves the account as it was, like CloudFormation's rollback.

Conditions are evaluated (``Fn::Equals``, ``Fn::Not``, ``Fn::And``, ``Fn::Or``, ``Condition``)
and parameters take their defaults.

What it does not model: resource-specific validation (it accepts any property
value), eventual consistency, service quotas, drift, IAM, and the system tags
(``aws:cloudformation:*``) that a refactor rewrites. It takes AWS's published lists
of the types refactoring and import accept as they are; AWS decides in the end.

The modules: the records (:mod:`~infrac.tools.migrate.simulator.model`), what a template
says (:mod:`~infrac.tools.migrate.simulator.templates`), values resolved
(:mod:`~infrac.tools.migrate.simulator.values`), the account's state and the steps its
operations share (:mod:`~infrac.tools.migrate.simulator.stacks`), and one module per
operation: :mod:`~infrac.tools.migrate.simulator.deploy`,
:mod:`~infrac.tools.migrate.simulator.resource_import`,
:mod:`~infrac.tools.migrate.simulator.refactor`.
"""

from __future__ import annotations

from infrac.tools.migrate.simulator.deploy import Deploying
from infrac.tools.migrate.simulator.refactor import Refactoring
from infrac.tools.migrate.simulator.resource_import import Importing


class Account(Deploying, Importing, Refactoring):
    """One AWS account in one region, as far as CloudFormation goes: its stacks and physical
    resources, and the operations ``deploy``, ``delete_stack``, ``import_resources`` and
    ``refactor``, each all or nothing."""
