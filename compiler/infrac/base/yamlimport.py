"""PyYAML, imported without compiling its reader's slowest regular expression.

``import yaml`` loads the whole package, the loader included, whose ``Reader``
compiles, in its class body, one character class of the printable characters
written as a complement (``[^...\\U00010000-\\U0010ffff]``). The standard ``re``
takes about 6 ms to compile it (it builds a table over the Basic Multilingual
Plane), a fifth of PyYAML's import and about 3% of a small ``infrac build``,
which only writes YAML and never reads it with the pure-Python reader.

While PyYAML is imported (the first time, once per process), ``re.compile`` is
given the same class written positively, the characters outside it
(``[\\x00-\\x08...\\uFFFE\\uFFFF]``), which compiles ten times faster and
matches exactly the same characters (a test compares both on every code point).
Any other expression compiles as asked, and ``re.compile`` is restored at once;
if PyYAML writes its expression differently one day, nothing is substituted.

>>> load_yaml().reader.Reader.NON_PRINTABLE.search("ok\\x07") is not None
True
"""

from __future__ import annotations

import re
import sys

#: PyYAML's expression (``yaml.reader.Reader.NON_PRINTABLE``) and the same class, written positively.
NON_PRINTABLE = "[^\x09\x0A\x0D\x20-\x7E\x85\xA0-\uD7FF\uE000-\uFFFD\U00010000-\U0010ffff]"
NON_PRINTABLE_POSITIVE = "[\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x84\x86-\x9F\uD800-\uDFFF\uFFFE\uFFFF]"


def load_yaml():
    """The ``yaml`` module, imported as the module docstring says if it was not imported yet."""
    if "yaml" not in sys.modules:
        compile_ = re.compile

        def compile_faster(pattern, flags=0):
            if pattern == NON_PRINTABLE and flags == 0:
                pattern = NON_PRINTABLE_POSITIVE
            return compile_(pattern, flags)

        re.compile = compile_faster
        try:
            import yaml  # noqa: F401
        finally:
            re.compile = compile_
    import yaml

    return yaml


yaml = load_yaml()
