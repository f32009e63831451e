"""Exports across stacks and over time: the contract between a project's stacks.

- :mod:`~infrac.contract.linker`: every export and its importers, read off the stacks as
  the backends render them;
- :mod:`~infrac.contract.lockfile`: ``infra.lock``, the exports a project has published,
  which later builds may not break;
- :mod:`~infrac.contract.record` and :mod:`~infrac.contract.replacement`: the values whose
  change replaces a resource, recorded by each build and compared by the next.

Pure, like the passes, which run the linker as one of theirs (:mod:`infrac.passes.linkage`).

Layer 8 of 12 (tests/test_layers.py holds the order). May import: base, diagnostics, model,
syntax, cfn, vocabulary, backends.
"""
