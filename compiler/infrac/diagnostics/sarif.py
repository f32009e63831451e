"""SARIF 2.1.0, the format GitHub code scanning (and most CI dashboards) read.

One run of one tool: ``tool.driver`` names infrac and its version and lists a
rule for each code that occurs, with the registry's title, explanation, fix
and a ``helpUri`` to the code's entry in ``docs/diagnostics.md``. Each result
has its primary location with a region (1-based lines, columns counted in
Unicode code points, ends exclusive), the diagnostic's secondary labels as
``relatedLocations``, and ``fixes`` when the diagnostic carries one. The tests
validate the output against the SARIF 2.1.0 JSON schema.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from pathlib import PurePosixPath
from urllib.parse import quote

from infrac.base.source import SourceFile, Span
from infrac.diagnostics.codes import CODES, help_uri
from infrac.diagnostics.model import Diagnostic, Severity, sort_key

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://github.com/infrac/infrac"


def to_sarif(diagnostics: Iterable[Diagnostic], sources: Mapping[str, SourceFile]) -> str:
    from infrac import __version__

    ordered = sorted(diagnostics, key=sort_key)
    codes = sorted({d.code for d in ordered})
    index = {code: i for i, code in enumerate(codes)}
    run = {
        "tool": {
            "driver": {
                "name": "infrac",
                "version": __version__,
                "semanticVersion": __version__,
                "informationUri": INFORMATION_URI,
                "rules": [_rule(code) for code in codes],
            }
        },
        "columnKind": "unicodeCodePoints",
        "results": [_result(d, index[d.code], sources) for d in ordered],
    }
    document = {"$schema": SCHEMA, "version": "2.1.0", "runs": [run]}
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def _rule(code: str) -> dict:
    entry = CODES[code]
    text = entry.explanation + (f"\n\nFix: {entry.fix}" if entry.fix else "")
    markdown = entry.explanation
    if entry.example:
        markdown += "\n\nExample:\n\n```\n" + entry.example + "\n```"
    if entry.fix:
        markdown += f"\n\nFix: {entry.fix}"
    return {
        "id": code,
        "name": _pascal(entry.title),
        "shortDescription": {"text": entry.title},
        "fullDescription": {"text": entry.explanation},
        "help": {"text": text, "markdown": markdown},
        "helpUri": help_uri(code),
        "defaultConfiguration": {"level": _level(entry.severity)},
    }


def _pascal(title: str) -> str:
    """``unknown resource`` -> ``UnknownResource``: SARIF's rule ``name``."""
    return "".join(word[:1].upper() + word[1:] for word in re.findall(r"[A-Za-z0-9]+", title))


def _level(severity: Severity) -> str:
    return "error" if severity is Severity.ERROR else "warning"


def _result(d: Diagnostic, rule_index: int, sources: Mapping[str, SourceFile]) -> dict:
    message = d.message
    if d.hint:
        message += f"\nhelp: {d.hint}"
    result: dict = {
        "ruleId": d.code,
        "ruleIndex": rule_index,
        "level": _level(d.severity),
        "message": {"text": message},
    }
    if d.span is not None:
        location = {"physicalLocation": _physical(d.span, sources)}
        if d.label:
            location["message"] = {"text": d.label}
        result["locations"] = [location]
    related = [
        {"id": i, "physicalLocation": _physical(label.span, sources), "message": {"text": label.message}}
        for i, label in enumerate(l for l in d.labels if l.span is not None)
    ]
    if related:
        result["relatedLocations"] = related
    if d.fix is not None:
        changes: dict[str, list] = {}
        for replacement in d.fix.replacements:
            changes.setdefault(replacement.span.file, []).append(
                {"deletedRegion": _region(replacement.span, sources), "insertedContent": {"text": replacement.text}}
            )
        result["fixes"] = [
            {
                "description": {"text": d.fix.description},
                "artifactChanges": [
                    {"artifactLocation": _artifact(file), "replacements": replacements}
                    for file, replacements in changes.items()
                ],
            }
        ]
    return result


def _artifact(file: str) -> dict:
    """The file as a URI: relative paths stay relative (to the folder infrac ran in, the
    repository's root in CI), absolute ones become ``file:`` URIs."""
    path = PurePosixPath(file)
    if path.is_absolute():
        return {"uri": "file://" + quote(file)}
    return {"uri": quote(file)}


def _physical(span: Span, sources: Mapping[str, SourceFile]) -> dict:
    physical: dict = {"artifactLocation": _artifact(span.file)}
    region = _region(span, sources)
    if region:
        physical["region"] = region
    return physical


def _region(span: Span, sources: Mapping[str, SourceFile]) -> dict:
    source = sources.get(span.file)
    if source is None:
        return {}
    start, end = source.position(span.start), source.position(max(span.start, span.end))
    return {"startLine": start.line, "startColumn": start.column, "endLine": end.line, "endColumn": end.column}
