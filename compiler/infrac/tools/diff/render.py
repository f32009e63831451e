"""The diff for people: the terminal view and a pull request's Markdown comment, both
written from the JSON document (:mod:`.document`).

The terminal view reads like the plans users know: stacks in deploy order, grouped by
wave, each resource marked ``+`` (added), ``~`` (modified), ``-`` (deleted) or ``±``
(replaced), its changes below it (``path: old -> new``, then where the source writes the
new value), what a replacement or deletion loses, and what CloudFormation would refuse.
Colour (on a terminal) only underlines what the marks already say.
"""

from __future__ import annotations

from infrac.diagnostics.render import Style

TYPE_CHECKING = False  # typing's own constant, without importing typing
if TYPE_CHECKING:
    from typing import Any

MARKS = {"add": "+", "modify": "~", "delete": "-", "replace": "±"}
_COLORS = {"add": "32", "modify": "33", "delete": "31", "replace": "35"}
_STACK_WORDS = {"add": "new stack", "delete": "stack removed", "modify": ""}


def headline(document: dict[str, Any]) -> str:
    """``2 to add, 1 to change, 1 to replace, 1 to delete; exports: 1 added, 2 removed``."""
    summary = document["summary"]
    parts = [f"{summary['add']} to add", f"{summary['modify']} to change", f"{summary['replace']} to replace",
             f"{summary['delete']} to delete"]
    text = ", ".join(parts)
    exports = [f"{summary['exports_added']} added" if summary["exports_added"] else "",
               f"{summary['exports_removed']} removed" if summary["exports_removed"] else ""]
    if any(exports):
        text += "; exports: " + ", ".join(e for e in exports if e)
    return text


def against_line(document: dict[str, Any]) -> str:
    against = document["against"]
    stage = f", stage {document['stage']}" if document["stage"] else ""
    return f"{against['sources']} against {against['what']} ({against['description']}{stage})"


#: What a view against a lock cannot show, said under its first line.
LOCK_NOTE = ("infra.lock records each resource's type, its replacing values and the exports; other property "
             "changes and template sizes show against a build's output folder (--against DIR)")


def render_text(document: dict[str, Any], *, color: bool = False) -> str:
    style = Style(color)
    lines = [style("infrac diff", "1") + ": " + against_line(document)]
    if not document["templates"]:
        lines.append(f"  note: {LOCK_NOTE}")
    lines.append("")
    return "\n".join(lines + _body(document, style)) + "\n"


def _body(document: dict[str, Any], style: Style) -> list[str]:
    if not document["stacks"]:
        return ["no changes: the sources make what is " + ("deployed" if document["against"]["kind"] == "deployed"
                                                            else "in the last build")]
    lines: list[str] = []
    wave = None
    for stack in document["stacks"]:
        number = stack["wave"]["new"] if stack["action"] != "delete" else None
        heading = f"wave {number}" if number is not None else "stacks removed"
        if heading != wave:
            lines.append(style(heading, "1"))
            wave = heading
        lines += _stack(stack, style)
        lines.append("")
    lines.append(style("summary", "1") + ": " + headline(document))
    return lines


def _stack(stack: dict[str, Any], style: Style) -> list[str]:
    mark = MARKS[stack["action"]]
    words = _STACK_WORDS[stack["action"]]
    head = f"  {style(mark + ' ' + stack['name'], '1', _COLORS[stack['action']])}"
    if words:
        head += f"  ({words})"
    if stack["location"]:
        head += "  " + style(_where(stack["location"]), "2")
    lines = [head]
    for resource in stack["resources"]:
        lines += _resource(resource, style)
    if stack["exports"]:
        lines.append("      exports:")
        for export in stack["exports"]:
            sign = {"remove": "-", "add": "+"}.get(export["action"], "~")
            text = f"        {sign} {export['name']}"
            if export["reference"]:
                text += f" ({export['reference']})"
            users = export["importers"] + [r for r in export["readers"] if r not in export["importers"]]
            if users:
                verb = "imported by" if export["action"] == "add" else "in use by"
                text += f"  {verb} {', '.join(users)}"
            lines.append(style(text, _COLORS[{"-": "delete", "+": "add"}.get(sign, "modify")]))
            if export["action"] == "change":
                lines.append(style(f"            refused: its value changes while {', '.join(export['importers'])} "
                                   "imports it: move the importers off it first", "31", "1"))
            if export["action"] == "remove" and export["importers"]:
                lines.append(f"            CloudFormation refuses to remove it while {', '.join(export['importers'])} "
                             "imports it: deploy the importers without it first")
    for title, changes in (("template", stack["template"]), ("imports", stack["imports"])):
        if changes and stack["action"] == "modify":
            lines.append(f"      {title}:")
            lines += [line for change in changes for line in _change(change, "        ", style)]
    if stack["budget"]:
        shown = []
        for key, value in stack["budget"].items():
            word = {"resources": "resources", "outputs": "outputs", "bytes": "template bytes"}[key]
            shown.append(f"{word} {_number(value['old'])} -> {_number(value['new'])} (of {_number(value['quota'])})")
        lines.append("      budget: " + "; ".join(shown))
    order = []
    if stack["wave"]["old"] is not None and stack["wave"]["new"] is not None and \
            stack["wave"]["old"] != stack["wave"]["new"]:
        order.append(f"wave {stack['wave']['old']} -> {stack['wave']['new']}")
    if stack["after"]["added"]:
        order.append("now after " + ", ".join(stack["after"]["added"]))
    if stack["after"]["removed"]:
        order.append("no longer after " + ", ".join(stack["after"]["removed"]))
    if order:
        lines.append("      deploy order: " + "; ".join(order))
    return lines


def _resource(resource: dict[str, Any], style: Style) -> list[str]:
    action = resource["action"]
    name = resource["logical_id"]
    if resource.get("resource") and resource["resource"] != name:
        name += f" (of {resource['resource']})"
    head = f"    {MARKS[action]} {name}"
    head = style(head, _COLORS[action]) + f"  {resource['type']}"
    if resource.get("old_type"):
        head += f" (was {resource['old_type']})"
    words = _replaced(resource) if action == "replace" else {"add": "added", "delete": "deleted", "modify": ""}[action]
    if words:
        head += "  " + style(words, "1", _COLORS[action])
    if resource["location"]:
        head += "  " + style(_where(resource["location"]), "2")
    lines = [head]
    for change in resource["changes"]:
        lines += _change(change, "        ", style)
    if action in ("replace", "delete"):
        if resource.get("data_lost"):
            lines.append(style(f"        data lost: {resource['data_lost']}", "31"))
        elif resource.get("retained"):
            old = "old one" if action == "replace" else "resource"
            lines.append(f"        retained: the {old} stays in the account with what it holds, no longer managed "
                         "by the stack")
        identity = [w for w in resource.get("lost", []) if w not in ("data", "name")]
        if action == "replace" and identity:
            lines.append(f"        new {', '.join(identity)}" + (" and name" if "name" in resource["lost"] else "")
                         + ": whatever holds the old ones must take the new")
        if resource.get("refused"):
            lines.append(style(f"        refused: {resource['refused']}", "31", "1"))
    return lines


def _replaced(resource: dict[str, Any]) -> str:
    verb = "replaced" if resource.get("certain", True) else "may be replaced"
    if resource.get("renamed_from"):
        return f"{verb}: the logical ID was {resource['renamed_from']}"
    if resource.get("cause"):
        return f"{verb}: {resource['cause']} is replaced"
    return f"{verb}: {', '.join(resource['replacing'])} " + ("changes" if len(resource["replacing"]) == 1 else "change")


def _change(change: dict[str, Any], indent: str, style: Style) -> list[str]:
    if change["old"] is None:
        line = f"{indent}{change['at']}: {style(change['new_shown'], '32')} (added)"
    elif change["new"] is None:
        line = f"{indent}{change['at']}: {style(change['old_shown'], '31')} (removed)"
    elif change.get("why") and change["old_shown"] == change["new_shown"]:
        line = f"{indent}{change['at']}: {change['new_shown']} ({change['why']})"
    else:
        line = f"{indent}{change['at']}: {style(change['old_shown'], '31')} -> {style(change['new_shown'], '32')}"
        if change.get("why"):
            line += f" ({change['why']})"
    lines = [line]
    source = change.get("source")
    if source and source.get("location"):
        lines.append(f"{indent}  {style(_where(source['location']), '2')}  {source['text']}")
    return lines


def _where(location: dict[str, Any]) -> str:
    if "line" not in location:
        return location["file"]
    return f"{location['file']}:{location['line']}:{location['column']}"


def _number(value: Any) -> str:
    return f"{value:,}" if isinstance(value, int) else str(value)


# ---- Markdown ---------------------------------------------------------------------------------


def render_markdown(document: dict[str, Any]) -> str:
    """A pull request comment or a job summary: the headline, what needs a reviewer's eye
    (replacements, deletions, lost data, refusals, exports in use), and the whole view in a
    ``diff`` block (GitHub colours its ``+`` and ``-`` lines)."""
    lines = [f"### infrac diff: {headline(document)}", "", f"{_escape(against_line(document))}.", ""]
    if not document["templates"]:
        lines += [_escape(LOCK_NOTE[0].upper() + LOCK_NOTE[1:]) + ".", ""]
    if not document["stacks"]:
        lines.append("No changes.")
        return "\n".join(lines) + "\n"
    attention = []
    for stack in document["stacks"]:
        for resource in stack["resources"]:
            what = f"`{stack['name']}` `{resource['logical_id']}` ({resource['type']})"
            if resource["action"] == "replace":
                attention.append(f"**{_replaced(resource)}**: {what}" + _costs(resource))
            elif resource["action"] == "delete":
                attention.append(f"**deleted**: {what}" + _costs(resource))
        for export in stack["exports"]:
            if export["action"] == "remove":
                users = f", in use by {', '.join(export['importers'])}" if export["importers"] else ""
                attention.append(f"**export removed**: `{export['name']}`{users}")
    if attention:
        lines += ["> [!WARNING]", *(f"> - {_escape(item)}" for item in attention), ""]
    view = "\n".join(_body(document, Style(False)))
    lines += ["<details><summary>per stack, in deploy order</summary>", "", "```diff", view, "```", "", "</details>"]
    return "\n".join(lines) + "\n"


def _costs(resource: dict[str, Any]) -> str:
    parts = []
    if resource.get("data_lost"):
        parts.append(f"data lost: {resource['data_lost']}")
    elif resource.get("retained"):
        parts.append("retained")
    if resource.get("refused"):
        parts.append(f"refused: {resource['refused']}")
    location = resource.get("location")
    if location and "line" in location:
        parts.append(f"{location['file']}:{location['line']}")
    return " — " + "; ".join(parts) if parts else ""


def _escape(text: str) -> str:
    """Markdown outside code: characters that would start HTML or a table are escaped (the
    text's own emphasis, ``**replaced**``, and code spans are kept)."""
    for character in ("\\", "<", ">", "|"):
        text = text.replace(character, "\\" + character)
    return text
