"""SARIF 2.1.0, the format GitHub code scanning (and most CI dashboards) read.

One run of one tool: ``tool.driver`` names infrac and its version and lists a
rule for each code that occurs, with the registry's title, explanation, fix
and a ``helpUri`` to the code's entry in ``docs/diagnostics.md``. Each result
has its primary location with a region (1-based lines, columns counted in
Unicode code points, ends exclusive), the diagnostic's secondary labels as
``relatedLocations``, and ``fixes`` when the diagnostic carries one.

A finding that a comment in the source silenced (``# infrac: allow W0601 --
reason``) is a result too, with ``suppressions``: kind ``inSource``, the
reason as the justification, and the comment's place; code scanning shows it
as dismissed rather than losing it. Each result has ``partialFingerprints``
(``infracFingerprint/v1``) made of what the finding is, never of where it
is: its code, file, message and the text it points at, and its rank among
identical ones in the file, so an edit elsewhere in the file keeps the
fingerprint and code scanning keeps the alert's history. The run's
``invocations`` records the command line and that it ran to completion.
The tests validate the output against the SARIF 2.1.0 JSON schema and with
Microsoft's SARIF multitool.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from pathlib import PurePosixPath
from urllib.parse import quote

from infrac.base.source import SourceFile, Span
from infrac.diagnostics.codes import CODES, help_uri
from infrac.diagnostics.model import Diagnostic, Severity, sort_key

TYPE_CHECKING = False  # typing's own constant, without importing typing
if TYPE_CHECKING:
    from typing import Any

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://github.com/infrac/infrac"


def to_sarif(
    diagnostics: Iterable[Diagnostic],
    sources: Mapping[str, SourceFile],
    *,
    silenced: Iterable[tuple[Diagnostic, Any]] = (),
    arguments: list[str] | None = None,
) -> str:
    """The SARIF log of a run: its diagnostics, and the findings ``silenced`` by comments in
    the source (``(diagnostic, suppression)``); ``arguments`` is the command line after
    ``infrac``, for the invocation record."""
    from infrac import __version__

    reasons = {id(d): suppression for d, suppression in silenced}
    ordered = sorted([*diagnostics, *(d for d, _ in silenced)], key=sort_key)
    codes = sorted({d.code for d in ordered})
    index = {code: i for i, code in enumerate(codes)}
    fingerprints = _fingerprints(ordered, sources)
    results = []
    for d in ordered:
        result = _result(d, index[d.code], sources)
        result["partialFingerprints"] = {FINGERPRINT: fingerprints[id(d)]}
        suppression = reasons.get(id(d))
        if suppression is not None:
            result["suppressions"] = [{
                "kind": "inSource",
                "status": "accepted",
                "justification": suppression.reason,
                "location": {"physicalLocation": _physical(suppression.span, sources)},
            }]
        results.append(result)
    invocation: dict = {"executionSuccessful": True}
    if arguments is not None:
        invocation = {"commandLine": " ".join(["infrac", *(_shell_word(a) for a in arguments)]),
                      "arguments": list(arguments), **invocation}
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
        "invocations": [invocation],
        "columnKind": "unicodeCodePoints",
        "results": results,
    }
    document = {"$schema": SCHEMA, "version": "2.1.0", "runs": [run]}
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


#: The key of infrac's fingerprint in ``partialFingerprints`` (its version: how it is made).
FINGERPRINT = "infracFingerprint/v1"


def _fingerprints(ordered: list[Diagnostic], sources: Mapping[str, SourceFile]) -> dict[int, str]:
    """Each diagnostic's fingerprint: a hash of its code, file, message and the text at its
    span, then its rank among the diagnostics of the same hash (in file order). No line or
    column: an edit above a finding moves it without changing what it is."""
    seen: dict[str, int] = {}
    found = {}
    for d in ordered:
        text = ""
        if d.span is not None and d.span.file in sources:
            text = sources[d.span.file].text[d.span.start:d.span.end]
        identity = "\0".join([d.code, d.span.file if d.span else "", d.message, text])
        digest = hashlib.sha256(identity.encode("utf-8")).hexdigest()[:32]
        rank = seen.get(digest, 0)
        seen[digest] = rank + 1
        found[id(d)] = f"{digest}:{rank + 1}"
    return found


def _shell_word(word: str) -> str:
    import shlex

    return shlex.quote(word)


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
                    {"artifactLocation": artifact(file), "replacements": replacements}
                    for file, replacements in changes.items()
                ],
            }
        ]
    return result


def artifact(file: str) -> dict:
    """The file as a URI: relative paths stay relative (to the folder infrac ran in, the
    repository's root in CI), absolute ones become ``file:`` URIs."""
    path = PurePosixPath(file)
    if path.is_absolute():
        return {"uri": "file://" + quote(file)}
    return {"uri": quote(file)}


def _physical(span: Span, sources: Mapping[str, SourceFile]) -> dict:
    physical: dict = {"artifactLocation": artifact(span.file)}
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
