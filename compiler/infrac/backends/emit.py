"""The one emitter for every file infrac writes: YAML (and JSON).

YAML goes through libyaml's C emitter when PyYAML has it (about 3x faster on
large projects) and through the pure-Python one otherwise; the settings below
make both produce the same bytes, which a test checks on every golden output.
The output is safe YAML: strings that would read back as another type
(``"yes"``, ``"3.0"``, ``"null"``) are quoted by the resolver, no anchors or
aliases are ever written, and keys keep the order the backend gave them.
"""

from __future__ import annotations

import json
import re
from decimal import Decimal
from typing import Any

import yaml

_BASES = [yaml.SafeDumper]
if getattr(yaml, "__with_libyaml__", False):
    _BASES.insert(0, yaml.CSafeDumper)


def _dumper(base: type) -> type:
    class Dumper(base):  # type: ignore[misc, valid-type]
        def ignore_aliases(self, data: Any) -> bool:
            return True

    def represent_decimal(dumper: Any, value: Decimal) -> Any:
        return dumper.represent_scalar("tag:yaml.org,2002:float", format(value, "f"))

    def represent_str(dumper: Any, value: str) -> Any:
        # The two emitters disagree on how to write line breaks, control
        # characters and characters beyond the Basic Multilingual Plane (libyaml
        # takes those for unprintable). Double quotes, with escapes, are written
        # the same way by both.
        if not value.isprintable() or any(ord(c) > 0xFFFF for c in value):
            style = '"'
        elif looks_like_another_type(value):
            style = "'"
        else:
            style = None
        return dumper.represent_scalar("tag:yaml.org,2002:str", str(value), style=style)

    Dumper.add_representer(Decimal, represent_decimal)
    Dumper.add_representer(str, represent_str)
    return Dumper


# What a plain scalar may be read as by some YAML reader: PyYAML (YAML 1.1) quotes its own
# (`yes`, `0x1F`, `1_000`, `2024-01-01`); js-yaml (YAML 1.2 core, and the schema the
# Serverless Framework reads with) and other 1.1 readers also take `1e3`, `0o17`, `0b101`,
# `.inf`, `y`, `n`, `<<`. Any string that starts like a number, or is one of those words, is
# quoted: quoting a string is always safe, leaving one plain is not.
_NUMBER_LIKE = re.compile(r"[-+]?[.0-9]|[-+]?\.(inf|nan)", re.IGNORECASE)
_SPECIAL_WORDS = frozenset(
    "y n yes no on off true false null ~ = << .inf -.inf +.inf .nan".split()
)


def looks_like_another_type(value: str) -> bool:
    """Whether a YAML reader could read ``value``, written plain, as something else than
    this string (a number, a boolean, null, a date, a merge key), or it would not survive
    as written (surrounding spaces)."""
    return (
        _NUMBER_LIKE.match(value) is not None
        or value.lower() in _SPECIAL_WORDS
        or value != value.strip()
        or value == ""
    )


DUMPERS = {base.__name__: _dumper(base) for base in _BASES}
DEFAULT_DUMPER = DUMPERS[_BASES[0].__name__]


def to_yaml(data: Any, *, dumper: type | None = None) -> str:
    """``data`` (dicts, lists, strings, numbers, booleans) as block-style YAML."""
    return yaml.dump(
        data,
        Dumper=dumper or DEFAULT_DUMPER,
        sort_keys=False,
        default_flow_style=False,
        allow_unicode=True,
        width=4096,
        indent=2,
    )


def to_json(data: Any) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False, default=_json_default) + "\n"


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    raise TypeError(f"cannot write {type(value).__name__} as JSON")
