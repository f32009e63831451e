"""The front end: ``.infra`` text -> the LALR parser -> the syntax IR.

Lark is loaded only when a file has a syntax error (its parser reports it) or the
grammar changed since ``make parser``: the fast path (``infrac.syntax.lalr``)
drives the parser's tables itself, from the literals ``make parser`` writes into
``_fast.py`` (``infrac.syntax.tables``), so checking or building a project
without a syntax error never imports Lark nor reads its tables' JSON.

:func:`load_lark` imports Lark without the third-party ``regex`` module. Lark
imports ``regex`` whenever it is installed (another package may have installed
it: cfn-lint requires it), but uses it only for ``Lark(regex=True)``, which
infrac does not use; its import alone costs several milliseconds. A ``None``
entry in :data:`sys.modules` makes ``import regex`` raise :class:`ImportError`
while Lark loads, so Lark takes the path it takes when ``regex`` is absent (the
standard ``re``, which infrac's grammar is written for); the entry is removed
again, so that anything else in the process imports ``regex`` normally
(docs/decisions.md, "Start-up").
"""

import sys


def load_lark():
    """The ``lark`` module, imported without ``regex`` if it was not imported yet."""
    if "lark" not in sys.modules and "regex" not in sys.modules:
        sys.modules["regex"] = None  # type: ignore[assignment]
        try:
            import lark  # noqa: F401
        finally:
            del sys.modules["regex"]
    import lark

    return lark
