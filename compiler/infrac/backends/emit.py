"""The one emitter for every file infrac writes: YAML (and JSON).

YAML goes through libyaml's C emitter when PyYAML has it (about 3x faster on
large projects) and through the pure-Python one otherwise; the settings below
make both produce the same bytes, which a test checks on every golden output.
The output is safe YAML: strings that would read back as another type
(``"yes"``, ``"3.0"``, ``"null"``) are quoted by the resolver, no anchors or
aliases are ever written, and keys keep the order the backend gave them.
"""

from __future__ import annotations

import functools
import io
import json
import re
from decimal import Decimal

from infrac.base.yamlimport import yaml  # PyYAML (see there)

TYPE_CHECKING = False  # typing's own constant, without importing typing
if TYPE_CHECKING:
    from typing import Any

_BASES = [yaml.SafeDumper]
if getattr(yaml, "__with_libyaml__", False):
    _BASES.insert(0, yaml.CSafeDumper)


def _dumper(base: type) -> type:
    class Dumper(base):  # type: ignore[misc, valid-type]
        def ignore_aliases(self, data: Any) -> bool:
            return True

        # The serializer asks the resolver twice per scalar and tells it every step down
        # and up the tree. Without path resolvers (none here), the answer depends only on
        # the value, and a project's scalars repeat: it is cached, the steps are skipped.
        def resolve(self, kind: Any, value: Any, implicit: Any) -> Any:
            if kind is yaml.ScalarNode:
                return _plain_tag(value) if implicit[0] else _STR
            return _MAP if kind is yaml.MappingNode else _SEQ

        def descend_resolver(self, current_node: Any, current_index: Any) -> None:
            pass

        def ascend_resolver(self) -> None:
            pass

    def represent_decimal(dumper: Any, value: Decimal) -> Any:
        return dumper.represent_scalar("tag:yaml.org,2002:float", format(value, "f"))

    def represent_str(dumper: Any, value: str) -> Any:
        return dumper.represent_scalar("tag:yaml.org,2002:str", str(value), style=string_style(value))

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


_BEYOND_BMP = re.compile("[\U00010000-\U0010ffff]")


@functools.lru_cache(maxsize=1 << 16)  # a project's strings repeat: keys, types, names
def string_style(value: str) -> str | None:
    """How a string is written. The two emitters disagree on how to write line
    breaks, control characters and characters beyond the Basic Multilingual Plane
    (libyaml takes those for unprintable); double quotes, with escapes, are written
    the same way by both. A string that could read back as another type is
    single-quoted; any other is plain."""
    if not value.isprintable() or _BEYOND_BMP.search(value) is not None:
        return '"'
    if looks_like_another_type(value):
        return "'"
    return None


@functools.lru_cache(maxsize=1 << 12)
def _plain_tag(value: str) -> str:
    """The tag a plain scalar ``value`` reads back as (PyYAML's implicit resolvers)."""
    return yaml.SafeDumper.resolve(_RESOLVER, yaml.ScalarNode, value, (True, False))


_RESOLVER = yaml.SafeDumper.__new__(yaml.SafeDumper)
assert not _RESOLVER.yaml_path_resolvers
DUMPERS = {base.__name__: _dumper(base) for base in _BASES}
DEFAULT_DUMPER = DUMPERS[_BASES[0].__name__]


def to_yaml(data: Any, *, dumper: type | None = None) -> str:
    """``data`` (dicts, lists, strings, numbers, booleans) as block-style YAML.

    The same bytes as ``yaml.dump(data, Dumper=dumper, sort_keys=False,
    default_flow_style=False, allow_unicode=True, width=4096, indent=2)`` (a
    property test holds them equal), faster. The block structure (indents, ``- ``,
    ``key:``) is written here, and each scalar as the dumper writes it, asked once
    per distinct scalar (:func:`_scalar_text`): how a scalar is written on one line
    (plain, quoted) does not depend on where it stands in a block document. A
    document with anything else (floats, other types, keys that are not strings,
    a scalar written over several lines or long enough to be folded) goes through
    the dumper whole (:func:`_through_pyyaml`)."""
    dumper = dumper or DEFAULT_DUMPER
    out: list[str] = []
    try:
        if type(data) is dict and data:
            _write_mapping(data, 0, "", out, dumper)
        elif type(data) is list and data:
            _write_sequence(data, 0, "", out, dumper)
        else:
            raise _Unusual
    except _Unusual:
        return _through_pyyaml(data, dumper)
    return "".join(out)


def _write_mapping(mapping: dict, indent: int, first: str, out: list[str], dumper: type) -> None:
    """A non-empty mapping's lines at ``indent``; the first line starts with ``first``."""
    if indent > _MAX_INDENT:
        raise _Unusual
    pad = " " * indent
    lead = first
    for key, item in mapping.items():
        if type(key) is not str:
            raise _Unusual
        head = lead + _scalar_text(dumper, str, key, True) + ":"
        kind = type(item)
        if kind is dict and item:
            out.append(head + "\n")
            _write_mapping(item, indent + 2, pad + "  ", out, dumper)
        elif kind is list and item:  # a sequence in a mapping is not indented
            out.append(head + "\n")
            _write_sequence(item, indent, pad, out, dumper)
        else:
            out.append(head + " " + _value_text(item, dumper) + "\n")
        lead = pad


def _write_sequence(sequence: list, indent: int, first: str, out: list[str], dumper: type) -> None:
    """A non-empty sequence's items at ``indent``; the first line starts with ``first``."""
    if indent > _MAX_INDENT:
        raise _Unusual
    pad = " " * indent
    lead = first
    for item in sequence:
        kind = type(item)
        if kind is dict and item:
            _write_mapping(item, indent + 2, lead + "- ", out, dumper)
        elif kind is list and item:
            _write_sequence(item, indent + 2, lead + "- ", out, dumper)
        else:
            out.append(lead + "- " + _value_text(item, dumper) + "\n")
        lead = pad


def _value_text(value: Any, dumper: type) -> str:
    kind = type(value)
    if kind is dict:
        return "{}"  # empty: the non-empty ones are blocks
    if kind is list:
        return "[]"
    if kind is Decimal:
        return _scalar_text(dumper, Decimal, str(value), False)
    if kind is str or kind is int or kind is bool or value is None:
        return _scalar_text(dumper, kind, value, False)
    raise _Unusual


#: Past this indent a line could pass the width (4096) and a scalar be folded.
_MAX_INDENT = 2000
#: Longer scalars could be folded at the width: the whole document goes through the dumper.
_MAX_SCALAR = 1000


class _Unusual(Exception):
    pass


#: Strings that every emitter writes plain, as they are, as a key or a value in block
#: style, when no resolver reads them as another type: no space, quote or other indicator
#: but flow ones inside (`{`, `}`) and colons not at the end (so never before a space);
#: not starting with a digit, a dot or a dash; short (a simple key is at most 128
#: characters). A test holds this against both emitters.
_SURELY_PLAIN = re.compile(r"[A-Za-z_/][A-Za-z0-9_./${}:-]{0,98}[A-Za-z0-9_./${}-]|[A-Za-z_/]")


@functools.lru_cache(maxsize=1 << 12)
def _scalar_text(dumper: type, kind: type, value: Any, key: bool) -> str:
    """A scalar as ``dumper`` writes it as a key (``key``) or a value of a block mapping:
    asked of the dumper itself, on a one-entry document, unless it is surely written
    plain. A Decimal comes as its text."""
    if kind is str and _SURELY_PLAIN.fullmatch(value):  # this cache is the one: the others are not asked
        if string_style.__wrapped__(value) is None and _plain_tag.__wrapped__(value) == _STR:
            return value
    if kind is Decimal:
        value = Decimal(value)
    if key:
        text = _through_pyyaml({value: 0}, dumper)
        written = text[: -len(": 0\n")] if text.endswith(": 0\n") else "\n"
    else:
        text = _through_pyyaml({"k": value}, dumper)
        written = text[len("k: ") : -1] if text.startswith("k: ") and text.endswith("\n") else "\n"
    if "\n" in written or written.startswith(("? ", "!")) or len(written) > _MAX_SCALAR:
        raise _Unusual
    return written


def _through_pyyaml(data: Any, dumper: type) -> str:
    """``data`` through ``dumper``'s serializer and emitter, from nodes built here."""
    stream = io.StringIO()
    emitter = dumper(stream, default_flow_style=False, indent=2, width=4096, allow_unicode=True, sort_keys=False)
    try:
        emitter.open()
        emitter.serialize(_node(emitter, data))
        emitter.close()
    finally:
        emitter.dispose()
    return stream.getvalue()


_STR, _INT, _BOOL, _NULL, _FLOAT = (f"tag:yaml.org,2002:{t}" for t in ("str", "int", "bool", "null", "float"))
_MAP, _SEQ = "tag:yaml.org,2002:map", "tag:yaml.org,2002:seq"


def _node(dumper: Any, data: Any) -> Any:
    """What ``dumper.represent_data`` makes of ``data``, with this module's
    representers, block style and no aliases. (A function that calls itself, not a
    recursive closure: that would be a reference cycle holding the dumper and its
    document until the cyclic collector runs, and builds run without it.)"""
    kind = type(data)
    if kind is str:
        return yaml.ScalarNode(_STR, data, style=string_style(data))
    if kind is dict:
        return yaml.MappingNode(_MAP, [(_node(dumper, k), _node(dumper, v)) for k, v in data.items()], flow_style=False)
    if kind is list:
        return yaml.SequenceNode(_SEQ, [_node(dumper, v) for v in data], flow_style=False)
    if kind is bool:
        return yaml.ScalarNode(_BOOL, "true" if data else "false")
    if kind is int:
        return yaml.ScalarNode(_INT, str(data))
    if data is None:
        return yaml.ScalarNode(_NULL, "null")
    if kind is Decimal:
        return yaml.ScalarNode(_FLOAT, format(data, "f"))
    return dumper.represent_data(data)


def to_json(data: Any) -> str:
    """``data`` as JSON indented by 2, non-ASCII written as it is, Decimals as numbers.

    The same bytes as ``json.dumps(data, indent=2, ensure_ascii=False)`` (a property
    test holds them equal), faster: the standard library writes indented JSON with its
    pure-Python encoder; here the structure is written directly and each scalar goes
    through the C encoder. A document with anything else (keys that are not strings,
    other types) is written by ``json.dumps`` itself."""
    out: list[str] = []
    try:
        _write_json(data, "\n", out)
    except _Unusual:
        return json.dumps(data, indent=2, ensure_ascii=False, default=_json_default) + "\n"
    out.append("\n")
    return "".join(out)


_encode_string = json.encoder.encode_basestring  # the C one when the accelerator is there
_encode_scalar = json.JSONEncoder(ensure_ascii=False, default=lambda v: _json_default(v)).encode


def _write_json(value: Any, newline: str, out: list[str]) -> None:
    """``value`` as ``json.dumps(indent=2)`` writes it at the indent that ``newline`` carries."""
    kind = type(value)
    if kind is str:
        out.append(_encode_string(value))
    elif kind is dict:
        if not value:
            out.append("{}")
            return
        inner = newline + "  "
        lead = "{" + inner
        for key, item in value.items():
            if type(key) is not str:
                raise _Unusual
            out.append(lead + _encode_string(key) + ": ")
            _write_json(item, inner, out)
            lead = "," + inner
        out.append(newline + "}")
    elif kind is list or kind is tuple:
        if not value:
            out.append("[]")
            return
        inner = newline + "  "
        lead = "[" + inner
        for item in value:
            out.append(lead)
            _write_json(item, inner, out)
            lead = "," + inner
        out.append(newline + "]")
    elif value is None or kind is bool or kind is int or kind is float or kind is Decimal or isinstance(value, str):
        out.append(_encode_scalar(value))
    else:
        raise _Unusual


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    raise TypeError(f"cannot write {type(value).__name__} as JSON")
