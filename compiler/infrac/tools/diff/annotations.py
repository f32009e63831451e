"""The diff's replacements, deletions and removed exports as annotations on the change:
SARIF 2.1.0 results (for code scanning) and GitHub workflow commands, at the source line
of each (a replacement at the property that triggers it, a deletion or a removed export
at its stack's header).

A finding that ``--fail-on`` names is an ``error``; one that loses data or that
CloudFormation would refuse a ``warning``; the others a ``note`` (``::notice``).
"""

from __future__ import annotations

import hashlib
import json

TYPE_CHECKING = False  # typing's own constant, without importing typing
if TYPE_CHECKING:
    from typing import Any

#: rule ID -> (name, short description, what it means)
RULES = {
    "diff/replace": ("ResourceReplaced", "a change replaces a resource",
                     "CloudFormation creates a new physical resource and deletes the old one (unless its "
                     "UpdateReplacePolicy retains it): a table's items, a queue's messages, a bucket's objects "
                     "and a user pool's users are not carried over, and its ARN, URL or ID change."),
    "diff/delete": ("ResourceDeleted", "a change deletes a resource",
                    "The resource leaves its stack: CloudFormation deletes it, with what it holds, unless its "
                    "DeletionPolicy retains it."),
    "diff/export-removed": ("ExportRemoved", "a change removes an export",
                            "An export the stack published goes away; CloudFormation refuses to remove an export "
                            "that another stack still imports."),
}

HELP_URI = "https://github.com/infrac/infrac/blob/main/docs/review.md#what-the-annotations-say"


def findings(document: dict[str, Any], fail_on: list[str]) -> list[dict[str, Any]]:
    """Each annotation: rule, level, message, location (or None), and a stable identity."""
    found = []
    for stack in document["stacks"]:
        for resource in stack["resources"]:
            action = resource["action"]
            if action not in ("replace", "delete"):
                continue
            rule = f"diff/{action}"
            what = f"`{resource['logical_id']}` ({resource['type']}) in stack `{stack['name']}`"
            if action == "replace":
                from infrac.tools.diff.render import _replaced

                message = f"{what} is {_replaced(resource)}"
            else:
                message = f"{what} is deleted"
            if resource.get("data_lost"):
                message += f"; data lost: {resource['data_lost']}"
            elif resource.get("retained"):
                message += "; retained: the old resource stays in the account"
            if resource.get("refused"):
                message += f"; refused: {resource['refused']}"
            serious = bool(resource.get("data_lost") or resource.get("refused"))
            failing = action in fail_on or "any" in fail_on or (serious and (
                ("data-lost" in fail_on and resource.get("data_lost")) or
                ("refused" in fail_on and resource.get("refused"))))
            level = "error" if failing else "warning" if serious else "note"
            found.append({"rule": rule, "level": level, "message": message, "location": resource["location"],
                          "identity": f"{rule}\0{stack['name']}\0{resource['logical_id']}"})
        for export in stack["exports"]:
            if export["action"] != "remove":
                continue
            users = export["importers"]
            message = f"export `{export['name']}` of stack `{stack['name']}` is removed"
            if users:
                message += f"; in use by {', '.join(users)}: CloudFormation refuses to remove it while they import it"
            level = "error" if ("export-removed" in fail_on or "any" in fail_on) else "warning" if users else "note"
            found.append({"rule": "diff/export-removed", "level": level, "message": message,
                          "location": stack["location"], "identity": f"diff/export-removed\0{export['name']}"})
    return found


def to_sarif(document: dict[str, Any], fail_on: list[str], invocation: dict[str, Any] | None = None) -> str:
    from infrac import __version__
    from infrac.diagnostics.sarif import INFORMATION_URI, SCHEMA

    results_found = findings(document, fail_on)
    rules = sorted({f["rule"] for f in results_found})
    index = {rule: number for number, rule in enumerate(rules)}
    results = []
    for finding in results_found:
        result: dict[str, Any] = {
            "ruleId": finding["rule"],
            "ruleIndex": index[finding["rule"]],
            "level": finding["level"],
            "message": {"text": finding["message"]},
            "partialFingerprints": {
                "infracFingerprint/v1": hashlib.sha256(finding["identity"].encode("utf-8")).hexdigest()[:32]
            },
        }
        if finding["location"] is not None:
            result["locations"] = [{"physicalLocation": _physical(finding["location"])}]
        results.append(result)
    run: dict[str, Any] = {
        "tool": {"driver": {
            "name": "infrac", "version": __version__, "semanticVersion": __version__,
            "informationUri": INFORMATION_URI,
            "rules": [_rule(rule) for rule in rules],
        }},
        "automationDetails": {"id": "infrac-diff/"},
        "columnKind": "unicodeCodePoints",
        "results": results,
    }
    if invocation is not None:
        run["invocations"] = [invocation]
    return json.dumps({"$schema": SCHEMA, "version": "2.1.0", "runs": [run]}, indent=2, ensure_ascii=False) + "\n"


def _rule(rule: str) -> dict[str, Any]:
    name, short, full = RULES[rule]
    return {
        "id": rule, "name": name,
        "shortDescription": {"text": short}, "fullDescription": {"text": full},
        "help": {"text": full, "markdown": full}, "helpUri": HELP_URI,
        "defaultConfiguration": {"level": "warning"},
    }


def _physical(location: dict[str, Any]) -> dict[str, Any]:
    from infrac.diagnostics.sarif import artifact

    physical: dict[str, Any] = {"artifactLocation": artifact(location["file"])}
    if "line" in location:
        physical["region"] = {"startLine": location["line"], "startColumn": location["column"],
                              "endLine": location["end_line"], "endColumn": location["end_column"]}
    return physical


def to_github(document: dict[str, Any], fail_on: list[str]) -> str:
    from infrac.diagnostics.github import escape_data, escape_property

    lines = []
    for finding in findings(document, fail_on):
        command = {"error": "error", "warning": "warning", "note": "notice"}[finding["level"]]
        properties: list[tuple[str, str]] = []
        location = finding["location"]
        if location is not None:
            properties.append(("file", location["file"]))
            if "line" in location:
                end_line, end_column = location["end_line"], location["end_column"]
                if (end_line, end_column) != (location["line"], location["column"]):
                    end_column = max(end_column - 1, 1) if end_line == location["line"] else end_column
                properties += [("line", str(location["line"])), ("col", str(location["column"])),
                               ("endLine", str(end_line)), ("endColumn", str(end_column))]
        properties.append(("title", f"infrac diff: {RULES[finding['rule']][1]}"))
        head = ",".join(f"{key}={escape_property(value)}" for key, value in properties)
        lines.append(f"::{command} {head}::{escape_data(finding['message'])}\n")
    return "".join(lines)
