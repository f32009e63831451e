"""Tools over the project: each asks the compiler's one model and adds a way to use it.

- :mod:`~infrac.tools.migrate`: ``infrac import`` (templates and services to ``.infra``),
  the split into stacks, ``infrac plan-move`` and its CloudFormation simulator;
- :mod:`~infrac.tools.lsp`: the language server;
- :mod:`~infrac.tools.editor`: the words highlighters know, and the Pygments lexer;
- :mod:`~infrac.tools.reports`: what ``infrac graph`` and ``infrac exports`` print;
- :mod:`~infrac.tools.rehearse`: a deploy into moto's mock, wave by wave;
- :mod:`~infrac.tools.reference`: the resource kinds' reference page (``docs/kinds.md``).

Layer 11 of 12 (tests/test_layers.py holds the order). May import: base, diagnostics, model,
syntax, cfn, vocabulary, backends, contract, passes, project.
"""
