"""What ``infrac graph`` and ``infrac exports`` print: pure functions of the
checked program and its linkage (:mod:`infrac.contract.linker`)."""

from __future__ import annotations

import json
from collections import Counter

from infrac.contract.linker import Linkage
from infrac.model import Program


def _flows(program: Program, linkage: Linkage) -> Counter:
    """(exporter, importer) -> how many exports flow between the two."""
    exporter = {e.name: e.stack for e in linkage.exports}
    flows: Counter = Counter()
    for importer, names in linkage.imports.items():
        for name in names:
            if name in exporter:
                flows[exporter[name], importer] += 1
    return flows


def _weak(program: Program, linkage: Linkage) -> Counter:
    """(exporter, reader) -> how many outputs the reader reads with a weak reference only
    (``Fn::GetStackOutput``; a ``both`` reference is an import as well, counted there)."""
    by_name = {e.name: e for e in linkage.exports}
    flows: Counter = Counter()
    for reader, names in linkage.reads.items():
        for name in names:
            if name in by_name and reader not in by_name[name].importers:
                flows[by_name[name].stack, reader] += 1
    return flows


def _in_wave_order(program: Program, flows: Counter) -> list:
    """Edges from the earliest exporter on, each exporter's importers in wave order."""
    position = {name: (i, name) for i, wave in enumerate(program.waves) for name in wave}
    return sorted(flows.items(), key=lambda item: (position[item[0][0]], position[item[0][1]]))


def _counts(program: Program, linkage: Linkage) -> dict[str, int]:
    counts = Counter(e.stack for e in linkage.exports)
    return {stack.name: counts[stack.name] for stack in program.stacks}


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'s' * (n != 1)}"


def graph_text(program: Program, linkage: Linkage) -> str:
    """The stacks in deploy waves, with what each exports and imports."""
    flows = _flows(program, linkage)
    weak = _weak(program, linkage)
    counts = _counts(program, linkage)
    width = max((len(name) for wave in program.waves for name in wave), default=0)
    lines = []
    for number, wave in enumerate(program.waves, 1):
        lines.append(f"wave {number}")
        for name in wave:
            parts = [_plural(counts[name], "export")] if counts[name] else []
            for label, pairs in (
                ("used by", sorted((i, n) for (e, i), n in flows.items() if e == name)),
                ("imports from", sorted((e, n) for (e, i), n in flows.items() if i == name)),
                ("read weakly by", sorted((r, n) for (e, r), n in weak.items() if e == name)),
                ("reads weakly from", sorted((e, n) for (e, r), n in weak.items() if r == name)),
            ):
                if pairs:
                    parts.append(f"{label} " + ", ".join(f"{other} ({n})" for other, n in pairs))
            lines.append(f"  {name.ljust(width)}  {'; '.join(parts) or 'no exports, no imports'}")
    return "\n".join(lines) + "\n"


def graph_mermaid(program: Program, linkage: Linkage) -> str:
    """A Mermaid flowchart: a subgraph per wave, an arrow per exporter -> importer."""
    flows = _flows(program, linkage)
    counts = _counts(program, linkage)
    ids = {name: f"s{i}" for i, name in enumerate(n for wave in program.waves for n in wave)}
    lines = ["flowchart LR"]
    for number, wave in enumerate(program.waves, 1):
        lines.append(f'  subgraph wave{number}["wave {number}"]')
        for name in wave:
            label = name + (f"<br/>{_plural(counts[name], 'export')}" if counts[name] else "")
            lines.append(f'    {ids[name]}["{label}"]')
        lines.append("  end")
    for (exporter, importer), n in _in_wave_order(program, flows):
        lines.append(f'  {ids[exporter]} -->|"{_plural(n, "import")}"| {ids[importer]}')
    for (exporter, reader), n in _in_wave_order(program, _weak(program, linkage)):
        lines.append(f'  {ids[exporter]} -.->|"{_plural(n, "weak read")}"| {ids[reader]}')
    return "\n".join(lines) + "\n"


def graph_dot(program: Program, linkage: Linkage) -> str:
    """A Graphviz digraph: a cluster per wave, an edge per exporter -> importer."""
    flows = _flows(program, linkage)
    counts = _counts(program, linkage)
    lines = ["digraph stacks {", "  rankdir=LR;", "  node [shape=box];"]
    for number, wave in enumerate(program.waves, 1):
        lines.append(f'  subgraph cluster_wave{number} {{')
        lines.append(f'    label="wave {number}";')
        for name in wave:
            label = name + (f"\\n{_plural(counts[name], 'export')}" if counts[name] else "")
            lines.append(f'    "{name}" [label="{label}"];')
        lines.append("  }")
    for (exporter, importer), n in _in_wave_order(program, flows):
        lines.append(f'  "{exporter}" -> "{importer}" [label="{_plural(n, "import")}"];')
    for (exporter, reader), n in _in_wave_order(program, _weak(program, linkage)):
        lines.append(f'  "{exporter}" -> "{reader}" [label="{_plural(n, "weak read")}", style=dashed];')
    lines.append("}")
    return "\n".join(lines) + "\n"


def exports_text(program: Program, linkage: Linkage, stages: tuple[str, ...]) -> str:
    """Every export's name in each stage, what it is, and who imports it."""
    lines = []
    for stage in stages:
        if len(stages) > 1:
            lines.append(f"stage {stage}")
        rows = [
            (
                export.named(stage),
                f"{export.stack}.{export.resource}.{export.attribute}",
                (("imported by " + ", ".join(export.importers)) if export.importers else "not imported")
                + (("; read weakly by " + ", ".join(export.readers)) if export.readers else ""),
                f" (retired: {export.retired})" if export.retired else "",
            )
            for export in linkage.exports
        ]
        name_width = max((len(r[0]) for r in rows), default=0)
        what_width = max((len(r[1]) for r in rows), default=0)
        indent = "  " if len(stages) > 1 else ""
        for name, what, importers, retired in rows:
            lines.append(f"{indent}{name.ljust(name_width)}  {what.ljust(what_width)}  {importers}{retired}")
    return "\n".join(lines) + "\n"


def exports_json(program: Program, linkage: Linkage, stages: tuple[str, ...]) -> str:
    entries = [
        {
            "names": {stage: export.named(stage) for stage in stages},
            "stack": export.stack,
            "resource": export.resource,
            "attribute": export.attribute,
            "importers": list(export.importers),
            "readers": list(export.readers),
            "retired": export.retired,
        }
        for export in linkage.exports
    ]
    return json.dumps({"exports": entries}, indent=2, ensure_ascii=False) + "\n"


def graph_github_matrix(program: Program, linkage: Linkage) -> str:
    """The deploy waves as GitHub Actions job matrices, in the lines a step appends to
    ``$GITHUB_OUTPUT``: ``waves`` (how many), ``wave1``, ``wave2``... (each wave's stacks, for
    ``strategy.matrix: ${{ fromJSON(needs.<job>.outputs.wave1) }}``), and ``matrix``, every
    stack with its wave. Each entry names the ``stack``, its ``wave``, whether it is a
    ``consumer`` (a service of its own, deployed by its own tool) and the stacks it waits for.
    JSON on one line each, keys sorted: GitHub reads ``name=value`` lines."""
    entries = []
    for number, wave in enumerate(program.waves, 1):
        for name in wave:
            stack = program.stack(name)
            entries.append({
                "stack": name,
                "wave": number,
                "consumer": bool(stack and stack.is_consumer and not stack.resources),
                "after": list(program.dependencies.get(name, ())),
            })

    def line(key: str, value) -> str:
        return f"{key}={json.dumps(value, sort_keys=True, separators=(',', ':'))}\n"

    text = f"waves={len(program.waves)}\n"
    for number in range(1, len(program.waves) + 1):
        text += line(f"wave{number}", {"include": [e for e in entries if e["wave"] == number]})
    return text + line("matrix", {"include": entries})
