"""The words that highlighters know, read off the grammar and the vocabulary.

Highlighters (the Pygments lexer, the TextMate grammar) and the language
server's completion take their keywords and kinds from here, and the tests
check the TextMate grammar against it, so that a keyword added to
``grammar/infra.lark`` or a kind added to the vocabulary cannot be missed.

>>> "stack" in keywords() and "table" in kinds()
True
"""

from __future__ import annotations

import functools
import re

from infrac.base.units import UNITS
from infrac.syntax.parser import grammar_path

# A keyword terminal of the grammar: `STACK: "stack"`.
_KEYWORD_TERMINAL = re.compile(r'^[A-Z_]+:\s*"([a-z]+)"\s*$', re.MULTILINE)

#: Keywords that are values rather than statements.
CONSTANTS = ("true", "false")


@functools.cache
def keywords() -> tuple[str, ...]:
    """Every keyword of the grammar (``project``, ``stack``, ``export``, ``uses``, ``true``, ``false``)."""
    return tuple(_KEYWORD_TERMINAL.findall(grammar_path().read_text(encoding="utf-8")))


def statement_keywords() -> tuple[str, ...]:
    return tuple(k for k in keywords() if k not in CONSTANTS)


@functools.cache
def kinds() -> tuple[str, ...]:
    """The resource kinds of the vocabulary: ``table``, ``queue``, ``resource``..."""
    from infrac.vocabulary import KINDS

    return tuple(KINDS)


@functools.cache
def block_kinds() -> tuple[str, ...]:
    """The nested blocks of every kind: ``index``, ``dead_letter``, ``password``..."""
    from infrac.vocabulary import KINDS

    found: dict[str, None] = {}
    for kind in KINDS.values():
        for keyword in kind.blocks:
            found[keyword] = None
    return tuple(found)


def units() -> tuple[str, ...]:
    return tuple(UNITS)
