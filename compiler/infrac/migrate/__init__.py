"""Migration: from existing Serverless services and CloudFormation templates to infrac.

- :mod:`infrac.migrate.source` reads a service file or a template into one normalised
  template model, every value located by its template path.
"""
