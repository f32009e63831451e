"""``infrac import``, without the disk: from the input files' bytes to the files to write.

The command line reads the inputs, calls :func:`prepare`, checks that the output folder may
be written (see :mod:`infrac.project.workspace`) and writes every file or none.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from infrac.backends.emit import to_yaml
from infrac.base.classes import frozen
from infrac.base.source import SourceFile, Span
from infrac.diagnostics import Diagnostic, diagnostic, has_errors
from infrac.syntax.fmt import format_module
from infrac.syntax.parser import parse
from infrac.tools.migrate.importer import import_templates
from infrac.tools.migrate.importer.placement import SPLIT_BY_TYPE, Placement, stack_name
from infrac.tools.migrate.importer.rendering import project_module
from infrac.tools.migrate.source import decode, read
from infrac.tools.migrate.source.loader import CfnLoader

_STACK = re.compile(r"[A-Za-z][A-Za-z0-9-]{0,127}")
_TYPE = re.compile(r"(AWS|Custom|[A-Za-z0-9]+)::[A-Za-z0-9]+(::[A-Za-z0-9]+)?(::\*|::[A-Za-z0-9]+)?|[A-Za-z0-9]+::\*")


@frozen
class Prepared:
    #: ``.infra`` files (and nothing else), relative to the output folder
    files: dict[str, str]
    #: new service files (consumers), relative to the output folder (``services/<stack>/...``)
    services: dict[str, str]
    diagnostics: tuple[Diagnostic, ...]
    sources: dict[str, SourceFile]
    stage: str


def prepare(
    inputs: Sequence[tuple[str, bytes | None]],
    out: str,
    split_by: str | None,
    mapping: tuple[str, bytes | None] | None,
    progress: Callable[[int, int, str], None] | None = None,
) -> Prepared:
    """The files an import writes, from its inputs (path and bytes, None when unreadable);
    ``progress`` is told each input read and the import: ``(number, total, what)``."""
    progress = progress or (lambda number, total, what: None)
    diagnostics: list[Diagnostic] = []
    sources: dict[str, SourceFile] = {}
    templates = []
    for number, (path, data) in enumerate(inputs, 1):
        progress(number, len(inputs), f"reading {path}")
        if data is None:
            diagnostics.append(diagnostic("E0800", f"cannot read `{path}`", None, hint="check the path"))
            continue
        source = decode(path, data)
        if not isinstance(source, SourceFile):
            diagnostics.append(source)
            continue
        sources[path] = source
        result = read(source)
        diagnostics.extend(result.diagnostics)
        if result.template is not None:
            templates.append(result.template)
    placement = SPLIT_BY_TYPE if split_by == "type" else None
    if mapping is not None:
        placement = _mapping(mapping, placement, diagnostics, sources)
    if has_errors(diagnostics) or not templates:
        return Prepared({}, {}, tuple(diagnostics), sources, "dev")
    progress(0, 0, f"importing {len(templates)} template{'s' * (len(templates) != 1)}, and checking they rebuild")
    imported = import_templates(templates, placement, out)
    diagnostics.extend(imported.diagnostics)
    if not imported.ok:
        return Prepared({}, {}, tuple(diagnostics), sources, imported.stage)
    region = next((t.region for t in templates if t.region), None) or "us-east-1"
    project = project_module(imported.stage, region, stack_name(templates[0]), imported.stages)
    files = {"project.infra": _layout(format_module(project))}
    for path, module in imported.modules.items():
        files[path] = _layout(format_module(module))
    services = {path: header + to_yaml(document) for path, (header, document) in imported.services.items()}
    return Prepared(files, services, tuple(diagnostics), sources, imported.stage)


def _layout(text: str) -> str:
    """A blank line between a stack's resources, as people write them; then formatted again,
    which keeps blank lines, so the file is canonical (``infrac fmt`` changes nothing)."""
    lines = text.split("\n")
    out: list[str] = []
    for i, line in enumerate(lines):
        out.append(line)
        following = lines[i + 1] if i + 1 < len(lines) else ""
        ends_block = line.startswith("  ") and not line.startswith("   ") and line.rstrip().endswith("}")
        starts_block = following.startswith("  ") and not following.startswith("   ") and following.rstrip().endswith("{") or (
            following.startswith("  ") and not following.startswith("   ") and following.rstrip().endswith("}")
            and not following.strip() == "}"
        )
        if ends_block and starts_block:
            out.append("")
    spaced = "\n".join(out)
    parsed = parse(SourceFile("import.infra", spaced))
    return format_module(parsed.module, spaced) if parsed.module is not None else text


def _mapping(mapping, placement: Placement | None, diagnostics: list[Diagnostic], sources) -> Placement | None:
    """``--map FILE``: ``{ "AWS::DynamoDB::Table": data, "AWS::SQS::*": queues }``, over
    ``--split-by type`` when both are given."""
    import yaml

    path, data = mapping
    if data is None:
        diagnostics.append(diagnostic("E0800", f"cannot read `{path}`", None, hint="check the path"))
        return placement
    source = decode(path, data)
    if not isinstance(source, SourceFile):
        diagnostics.append(source)
        return placement
    sources[path] = source
    try:
        content = yaml.load(source.text, Loader=CfnLoader)  # noqa: S506 - a SafeLoader
    except (RecursionError, ValueError) as error:  # nested too deep; a number too long to read
        reason = "values nest too deeply" if isinstance(error, RecursionError) else "a number too long to read"
        diagnostics.append(diagnostic("E0814", f"the mapping file cannot be read: {reason}", Span(path, 0, 1),
                                      label="expected `AWS::Service::Type: stack-name` lines"))
        return placement
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        offset = mark.index if mark is not None else 0
        diagnostics.append(diagnostic("E0814", f"invalid YAML in the mapping file: {getattr(error, 'problem', error)}",
                                      Span(path, offset, offset + 1)))
        return placement
    whole = Span(path, 0, max(1, len(source.text)))
    if not isinstance(content, dict) or not content:
        diagnostics.append(diagnostic("E0814", "the mapping file must map resource types to stacks", whole,
                                      label="expected `AWS::Service::Type: stack-name` lines"))
        return placement
    stacks = dict(placement.stacks) if placement else {}
    for key, value in content.items():
        offset = source.text.find(str(key))
        span = Span(path, max(0, offset), max(0, offset) + len(str(key))) if offset >= 0 else whole
        if not isinstance(key, str) or not _TYPE.fullmatch(key):
            diagnostics.append(diagnostic("E0814", f"`{key}` is not a resource type", span,
                                          label="expected `AWS::Service::Type` or `AWS::Service::*`"))
        elif not isinstance(value, str) or not _STACK.fullmatch(value):
            diagnostics.append(diagnostic("E0814", f"`{value}` is not a stack name", span,
                                          label="letters, digits and hyphens, starting with a letter"))
        else:
            stacks[key] = value
    return Placement(stacks)
