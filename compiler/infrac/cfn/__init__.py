"""Facts about CloudFormation, each kept in one place.

- :mod:`~infrac.cfn.schemas`: AWS's resource provider schemas (generated into ``schemas/``
  by ``make schemas`` from the pinned cfn-lint): properties, create-only, identifiers;
- :mod:`~infrac.cfn.typecheck`: values checked against those schemas;
- :mod:`~infrac.cfn.limits`: the quotas and rules AWS enforces, each with its documentation link;
- :mod:`~infrac.cfn.secrets`: the attributes and properties that are secrets.

Layer 5 of 12 (tests/test_layers.py holds the order). May import: base, diagnostics, model, syntax.
"""
