"""The language's front end: ``.infra`` text <-> the syntax IR.

- :mod:`~infrac.syntax.ir`: what a user wrote, as frozen data (spans out of equality);
- :mod:`~infrac.syntax.parser`: text -> IR, by the fast LALR path (:mod:`~infrac.syntax.lalr`,
  tables generated into :mod:`~infrac.syntax._fast` by ``make parser``, :mod:`~infrac.syntax.tables`)
  with Lark for syntax errors, lowering inline (:mod:`~infrac.syntax.lower`), and recovery
  for files with syntax errors (:mod:`~infrac.syntax.recover`: every broken statement
  reported, the rest parsed);
- :mod:`~infrac.syntax.fmt`: IR -> canonical text (``infrac fmt``);
- :mod:`~infrac.syntax.suppressions`: what the sources say of their own findings
  (``# infrac: allow CODE -- reason``, the project's warning levels).

The grammar is ``grammar/infra.lark``. Lark is loaded only when a file has a syntax error
(:func:`load_lark` imports it without the ``regex`` module, whose import alone costs several
milliseconds; docs/decisions.md, "Start-up").

Layer 4 of 12 (tests/test_layers.py holds the order). May import: base, diagnostics, model.
"""

import sys
from pathlib import Path

_HERE = Path(__file__).resolve().parent


def grammar_path() -> Path:
    """Where ``infra.lark`` is: inside the package when installed from a wheel,
    at the top of the source tree in a checkout or an editable install."""
    packaged = _HERE.parent / "grammar" / "infra.lark"
    if packaged.is_file():
        return packaged
    return _HERE.parents[2] / "grammar" / "infra.lark"


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
