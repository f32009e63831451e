"""A project on disk: finding and reading its files, compiling it, writing what it builds.

- :mod:`~infrac.project.workspace`: sources found and read, files written atomically;
- :mod:`~infrac.project.outputs`: a build's output folder, replaced whole in one step, and the
  manifest of what a build wrote; :mod:`~infrac.project.imported`: what ``infrac import`` writes;
- :mod:`~infrac.project.pipeline`: parse and check a project, compare it with its lock;
- :mod:`~infrac.project.incremental`: a build group by group, reusing what did not change;
- :mod:`~infrac.project.buildcache`: the private cache of parsed files and emitted stacks.

Layer 10 of 12 (tests/test_layers.py holds the order). May import: base, diagnostics, model,
syntax, cfn, vocabulary, backends, contract, passes.
"""
