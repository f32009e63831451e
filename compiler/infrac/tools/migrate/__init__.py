"""Migration: from existing Serverless services and CloudFormation templates to infrac.

- :mod:`infrac.tools.migrate.source` reads a service file or a template into one normalised
  template model, every value located by its template path.
- :mod:`infrac.tools.migrate.importer` turns templates into ``.infra`` sources (``infrac
  import``), a lifter module per AWS service for the first-class kinds, and proves the
  result by rebuilding it; :mod:`infrac.tools.migrate.split` rewrites a consumer's service
  file, :mod:`infrac.tools.migrate.roundtrip` says what "the same resources" means, and
  :mod:`infrac.tools.migrate.command` is the command without the disk.
- :mod:`infrac.tools.migrate.plan` compares the deployed stacks with a project and plans the
  move (stack refactoring, or retain-and-import), refusing any step that would replace
  or delete a stateful resource; :mod:`infrac.tools.migrate.render` writes the plan's files.
- :mod:`infrac.tools.migrate.simulator` simulates CloudFormation's semantics, one module per
  operation, so that a plan can be executed offline (:mod:`infrac.tools.migrate.rehearsal`).
"""
