"""The front end: ``.infra`` text -> Lark's LALR parser -> the syntax IR.

Lark is imported here, once, without the third-party ``regex`` module. Lark
imports ``regex`` whenever it is installed (another package may have installed
it: cfn-lint requires it), but uses it only for ``Lark(regex=True)``, which
infrac does not use; its import alone costs several milliseconds of every
command's start. A ``None`` entry in :data:`sys.modules` makes ``import regex``
raise :class:`ImportError` while Lark loads, so Lark takes the path it takes
when ``regex`` is absent (the standard ``re``, which infrac's grammar is written
for); the entry is removed again, so that anything else in the process imports
``regex`` normally (docs/decisions.md, "Start-up").
"""

import sys

if "lark" not in sys.modules and "regex" not in sys.modules:
    sys.modules["regex"] = None  # type: ignore[assignment]
    try:
        import lark  # noqa: F401
    finally:
        del sys.modules["regex"]
