"""Where a build's time goes, in process: one cold build, phase by phase.

    python bench/phases.py PROJECT TARGET OUT   # prints JSON: phase -> seconds

Imports are timed as their own phase; emission (YAML/JSON text) is timed
wherever it happens (a build's budgets pass emits the templates the backend then
writes) and reported apart. This is the whole-program path; ``infrac build`` with
its cache runs the same passes group by group (decision 58).
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

_start = time.perf_counter()
import infrac.backends.emit  # noqa: E402, F401  (the emitter, imported before timing starts)
from infrac import passes  # noqa: E402
from infrac.backends import BuildOptions, backend  # noqa: E402
from infrac.contract import linker, lockfile
from infrac.project.outputs import write_outputs
from infrac.project.workspace import load  # noqa: E402
from infrac.syntax.parser import parse  # noqa: E402

_imported = time.perf_counter() - _start


def _timed_emitters() -> list[float]:
    """Wrap the emitter where the backends call it; returns the running total."""
    total = [0.0]
    for module_name in ("infrac.backends.cloudformation", "infrac.backends.serverless", "infrac.backends.emit"):
        module = sys.modules.get(module_name) or __import__(module_name, fromlist=["_"])
        for name in ("to_yaml", "to_json"):
            original = getattr(module, name, None)
            if original is None or getattr(original, "_timed", False):
                continue

            def timed(*args, _original=original, **kwargs):
                start = time.perf_counter()
                try:
                    return _original(*args, **kwargs)
                finally:
                    total[0] += time.perf_counter() - start

            timed._timed = True
            setattr(module, name, timed)
    return total


def main(project: Path, target: str, out: Path) -> dict[str, float]:
    times = {"import": _imported}
    clock = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        times[name] = times.get(name, 0.0) + now - clock
        clock = now

    loaded = load([project])
    lap("read")
    parse(loaded.sources[0])  # builds the parser (Lark's grammar load): reported apart
    lap("parser load")
    modules = [parse(s).module for s in sorted(loaded.sources, key=lambda s: s.path)]
    lap("parse")
    emitted = _timed_emitters()
    options = BuildOptions()
    # as a build runs them: the budgets pass measures the text the backend then writes
    result = passes.run(modules, build=(target, options))
    assert result.ok, result.diagnostics
    lap("passes")
    emitted_in_passes = emitted[0]
    times["passes"] -= emitted_in_passes
    linkage = linker.link(result.program)
    lock = project / lockfile.NAME
    if lock.is_file():
        lockfile.compare(lockfile.read(lock.read_text(encoding="utf-8")) or {}, linkage, result.program, "infra.lock")
    lap("link")
    artifacts = backend(target).render(result.program, options)
    lap("render")
    times["render"] -= emitted[0] - emitted_in_passes
    times["emit"] = emitted[0]
    write_outputs(out, {a.path: a.text for a in artifacts})
    lap("write")
    return times


if __name__ == "__main__":
    print(json.dumps(main(Path(sys.argv[1]), sys.argv[2], Path(sys.argv[3]))))
