"""A project on disk: finding and reading its files, compiling it, writing what it builds.

- :mod:`~infrac.project.workspace`: sources found and read, outputs written atomically,
  the manifest of what a build wrote (the only module that touches files);
- :mod:`~infrac.project.pipeline`: parse and check a project, compare it with its lock;
- :mod:`~infrac.project.incremental`: a build group by group, reusing what did not change;
- :mod:`~infrac.project.buildcache`: the private cache of parsed files and emitted stacks.

Layer 10 of 12 (tests/test_layers.py holds the order). May import: base, diagnostics, model,
syntax, cfn, vocabulary, backends, contract, passes.
"""
