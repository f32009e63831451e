"""Migration: from existing Serverless services and CloudFormation templates to infrac.

- :mod:`infrac.tools.migrate.source` reads a service file or a template into one normalised
  template model, every value located by its template path.
- :mod:`infrac.tools.migrate.plan` compares the deployed stacks with a project and plans the
  move (stack refactoring, or retain-and-import), refusing any step that would replace
  or delete a stateful resource.
- :mod:`infrac.tools.migrate.simulator` simulates CloudFormation's semantics, so that a plan
  can be executed offline.
"""
