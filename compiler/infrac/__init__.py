"""infrac: a compiler for infrastructure.

``.infra`` sources -> syntax (Lark) -> IR -> passes -> backends -> files.
The public entry points are :func:`infrac.project.pipeline.compile_project` and the
``infrac`` command line (:mod:`infrac.cli`).
"""

__version__ = "0.1.0"
