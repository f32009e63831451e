"""A simulation of CloudFormation's semantics, to rehearse a migration offline.

What it models, and nothing more (each rule has a positive and a negative test in
``tests/test_simulator.py``):

- an account holds physical resources, keyed by type and primary identifier (the
  schema's ``primaryIdentifier``, from :mod:`infrac.cfn.schemas`), each with its
  properties, its data (a table's items, a queue's messages, a bucket's objects)
  and the stack that manages it, if any;
- ``deploy`` creates or updates a stack: new logical IDs are created (a named
  resource whose name is taken fails, as in AWS); changed create-only properties
  replace the resource (a new physical resource; the old one is deleted unless
  ``UpdateReplacePolicy: Retain``; a custom-named resource cannot be replaced);
  other changes update in place; removed logical IDs are deleted unless
  ``DeletionPolicy: Retain``;
- exports and imports: an import needs an existing export of another stack; an
  export another stack imports cannot be removed or changed, and that stack
  cannot be deleted;
- ``import_resources`` is a change set of type ``IMPORT``: every resource to
  import is in the template with a ``DeletionPolicy`` and its whole primary
  identifier, the physical resource exists and no stack manages it, and nothing
  else in the stack changes;
- ``refactor`` is ``CreateStackRefactor`` + ``ExecuteStackRefactor``: 2 to 5
  stacks, no resource created, deleted or changed, no parameter, condition or
  mapping changed or added, a resource goes to one destination, no moved
  resource may depend on the stack's name or ID, only supported types, no stack
  left empty; new stacks only with ``enable_stack_creation``.

Every operation is all or nothing: a refused one raises :class:`Refused` and
leaves the account as it was, like CloudFormation's rollback.

Conditions are evaluated (``Fn::Equals``, ``Fn::Not``, ``Fn::And``, ``Fn::Or``, ``Condition``)
and parameters take their defaults.

What it does not model: resource-specific validation (it accepts any property
value), eventual consistency, service quotas, drift, IAM, the system tags
(``aws:cloudformation:*``) that a refactor rewrites, and the exact set of types AWS
accepts for refactoring and import (see ``REFACTOR_UNSUPPORTED``). Only AWS can
confirm those.

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
