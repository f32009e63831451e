"""A file's text read into plain values, with the span of each value by its template path.

JSON is checked as JSON first (for precise errors), then read, like YAML, as a node graph
composed by :class:`~infrac.tools.migrate.source.loader.CfnLoader`. Problems are diagnostics,
never exceptions: invalid YAML or JSON (E0801), an unknown tag or a value that is not data
(E0803), a key given twice (E0805), a file beyond the reader's limits (E0806): larger than
:data:`MAX_CHARS`, holding more than :data:`MAX_VALUES` values once aliases are expanded,
nesting deeper than :data:`MAX_DEPTH`, or a number longer than :data:`MAX_DIGITS`. Every
limit is checked before the work it bounds, so reading takes time linear in the file.
"""

from __future__ import annotations

import json
import re
from decimal import Decimal

import yaml

from infrac.base.source import SourceFile, Span
from infrac.diagnostics import Diagnostic, diagnostic
from infrac.diagnostics.model import Label
from infrac.tools.migrate.source.loader import SHORT_FORMS, CfnLoader, split_getatt
from infrac.tools.migrate.source.model import join

TYPE_CHECKING = False  # typing's own constant, without importing typing
if TYPE_CHECKING:
    from typing import Any


#: At most this many values are read from one file (aliases can multiply a small file).
MAX_VALUES = 200_000


#: Values nest at most this deep.
MAX_DEPTH = 100


#: The most characters of one file: twice CloudFormation's limit on a template's body (1 MB).
MAX_CHARS = 2 * 1024 * 1024


#: The most characters of one number (CloudFormation's numbers are ports, sizes and counts).
MAX_DIGITS = 40


_NUMBER_TAGS = {"tag:yaml.org,2002:int", "tag:yaml.org,2002:float"}


_CORE = "tag:yaml.org,2002:"


_CORE_TAGS = {"str", "int", "float", "bool", "null", "timestamp", "map", "seq"}


class Stop(Exception):
    """Reading cannot go on; the diagnostic is already recorded."""


class Reader:
    """Turns a composed YAML node graph into plain values, recording each value's span
    by its path and reporting problems as diagnostics."""

    def __init__(self, source: SourceFile) -> None:
        self.source = source
        self.loader = CfnLoader("")
        self.locations: dict[str, Span] = {}
        self.diagnostics: list[Diagnostic] = []
        self.count = 0

    def span(self, node: yaml.Node) -> Span:
        return Span(self.source.path, node.start_mark.index, max(node.end_mark.index, node.start_mark.index + 1))

    def error(self, code: str, message: str, span: Span | None, **kw: Any) -> None:
        self.diagnostics.append(diagnostic(code, message, span, **kw))

    def value(self, node: yaml.Node, path: str, depth: int = 0) -> Any:
        self.count += 1 + len(path) // 100  # long paths count more: each is kept, as a key of ``locations``
        if self.count > MAX_VALUES:
            self.error(
                "E0806", f"the file holds more than {MAX_VALUES} values", self.span(node),
                label="reading stopped here",
                hint="anchors and aliases (`&a`, `*a`) may repeat a value many times; write it out instead",
            )
            raise Stop
        if depth > MAX_DEPTH:
            self.error("E0806", f"values nest more than {MAX_DEPTH} levels deep", self.span(node), label="too deep")
            raise Stop
        self.locations.setdefault(path, self.span(node))
        tag = node.tag
        if tag in SHORT_FORMS:
            return self.short_form(node, path, depth)
        if tag.startswith("!") or (tag.startswith(_CORE) and tag[len(_CORE):] not in _CORE_TAGS):
            shown = "!!" + tag[len(_CORE):] if tag.startswith(_CORE) else tag
            self.error(
                "E0803", f"unknown tag `{shown}`", self.span(node), label="not a CloudFormation short form",
                hint="the short forms are " + ", ".join(f"`{t}`" for t in SHORT_FORMS),
            )
            raise Stop
        if isinstance(node, yaml.MappingNode):
            return self.mapping(node, path, depth)
        if isinstance(node, yaml.SequenceNode):
            return [self.value(item, join(path, i), depth + 1) for i, item in enumerate(node.value)]
        return self.scalar(node)

    def scalar(self, node: yaml.ScalarNode) -> Any:
        if node.tag == "tag:yaml.org,2002:timestamp":
            return node.value
        if node.tag in _NUMBER_TAGS and len(node.value) > MAX_DIGITS:
            self.error("E0806", f"a number of {len(node.value):,} characters, more than the {MAX_DIGITS} read",
                       self.span(node), label="too long", hint="quote it if it is text")
            raise Stop
        try:
            value = self.loader.construct_object(node, deep=True)
        except yaml.YAMLError as error:
            self.error("E0803", f"cannot read this value: {error.problem or error}", self.span(node))
            raise Stop from None
        if not isinstance(value, (str, int, float, bool, type(None))):
            self.error("E0803", f"a `{node.tag}` value cannot be part of a template", self.span(node),
                       label="not text, a number, a boolean or null")
            raise Stop
        if isinstance(value, float):  # as written: `1.0` stays `1.0` (a string property reads "1.0")
            try:
                written = Decimal(node.value.replace("_", ""))
            except ArithmeticError:
                return value
            return written if written.is_finite() else value
        return value

    def short_form(self, node: yaml.Node, path: str, depth: int) -> dict:
        long = SHORT_FORMS[node.tag]
        inner = join(path, long)
        if isinstance(node, yaml.ScalarNode):
            self.locations.setdefault(inner, self.span(node))
            value: Any = node.value
            if long == "Fn::GetAtt":
                value = split_getatt(value)
        elif isinstance(node, yaml.SequenceNode):
            value = [self.value(item, join(inner, i), depth + 2) for i, item in enumerate(node.value)]
        else:
            value = self.mapping(node, inner, depth + 1)
        return {long: value}

    def mapping(self, node: yaml.MappingNode, path: str, depth: int) -> dict:
        result: dict[str, Any] = {}
        seen: dict[str, Span] = {}
        merged: list[tuple[str, Any]] = []
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                merged.extend(self.merge(value_node, path, depth))
                continue
            if not isinstance(key_node, yaml.ScalarNode):
                self.error("E0802", "a mapping key must be text", self.span(key_node), label="not a plain key")
                raise Stop
            key = key_node.value
            if key in seen:
                self.error(
                    "E0805", f"`{key}` is given twice", self.span(key_node), label="given again here",
                    labels=[Label(seen[key], "first given here")],
                    hint="YAML and JSON readers disagree on which one wins; keep one",
                )
                continue
            seen[key] = self.span(key_node)
            child = join(path, key)
            result[key] = self.value(value_node, child, depth + 1)
            self.locations[child] = self.span(value_node)
            self.locations.setdefault(child + "#key", self.span(key_node))
        for key, value in merged:
            result.setdefault(key, value)
        if result.get("Fn::GetAtt") is not None and len(result) == 1:
            result["Fn::GetAtt"] = split_getatt(result["Fn::GetAtt"])
        return result

    def merge(self, node: yaml.Node, path: str, depth: int) -> list[tuple[str, Any]]:
        sources = node.value if isinstance(node, yaml.SequenceNode) else [node]
        pairs: list[tuple[str, Any]] = []
        for source in sources:
            if not isinstance(source, yaml.MappingNode):
                self.error("E0802", "`<<` merges mappings only", self.span(source))
                raise Stop
            pairs.extend(self.mapping(source, path, depth).items())
        return pairs


def compose(source: SourceFile, diagnostics: list[Diagnostic]) -> yaml.Node | None:
    text = source.text
    if len(text) > MAX_CHARS:
        diagnostics.append(diagnostic(
            "E0806", f"the file holds {len(text):,} characters, more than the {MAX_CHARS:,} read",
            Span(source.path, 0, 1), label="reading stopped before this file",
            hint="CloudFormation itself takes templates of at most 1 MB",
        ))
        return None
    stripped = text.lstrip()
    if stripped.startswith("{") or stripped.startswith("["):
        # JSON: check it as JSON first (precise errors), then read its nodes as YAML, which
        # JSON is a subset of once tabs (whitespace outside strings in JSON) become spaces.
        problem = json_limits(source)
        if problem is not None:
            diagnostics.append(problem)
            return None
        try:
            json.loads(text)
        except json.JSONDecodeError as error:
            diagnostics.append(diagnostic(
                "E0801", f"invalid JSON: {error.msg}", Span(source.path, error.pos, error.pos + 1),
                label=error.msg.lower(),
            ))
            return None
        text = text.replace("\t", " ")
    try:
        loader = CfnLoader(text)
        try:
            node = loader.get_single_node()
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        offset = mark.index if mark is not None else 0
        diagnostics.append(diagnostic(
            "E0801", f"invalid YAML: {error.problem or error.context}", Span(source.path, offset, offset + 1),
            label=(error.problem or "here"),
            hint="a YAML file holds one document; check the indentation and quotes around this place",
        ))
        return None
    except yaml.YAMLError as error:
        diagnostics.append(diagnostic("E0801", f"invalid YAML: {error}", Span(source.path, 0, 1)))
        return None
    except RecursionError:
        diagnostics.append(diagnostic("E0806", f"values nest more than {MAX_DEPTH} levels deep",
                                      Span(source.path, 0, 1), label="too deep"))
        return None
    return node


_JSON_TOKENS = re.compile(r'"(?:[^"\\]|\\.)*"?|[-+0-9.eE]+|[\[{]|[\]}]')


def json_limits(source: SourceFile) -> Diagnostic | None:
    """E0806 where JSON text nests deeper than :data:`MAX_DEPTH` or writes a number longer than
    :data:`MAX_DIGITS`, found in one pass before the text is parsed (Python's JSON parser
    recurses, and turns a number of thousands of digits into an integer or an error)."""
    depth = 0
    for token in _JSON_TOKENS.finditer(source.text):
        first = token.group()[0]
        if first in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                return diagnostic("E0806", f"values nest more than {MAX_DEPTH} levels deep",
                                  Span(source.path, token.start(), token.end()), label="too deep")
        elif first in "]}":
            depth -= 1
        elif first != '"' and token.end() - token.start() > MAX_DIGITS:
            return diagnostic("E0806", f"a number of {token.end() - token.start():,} characters, more than the "
                              f"{MAX_DIGITS} read", Span(source.path, token.start(), token.end()), label="too long")
    return None
