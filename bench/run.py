"""``make bench``: infrac against the floor and against troposphere, whole processes.

Every measurement is a pair run in one sitting: the command, then its baseline,
alternating, so that the machine's state changes both alike; the ratio is taken
pair by pair, and the table shows its median with the min and max. Peak memory
is the child's ``ru_maxrss``.

    python bench/run.py                 # 1x, 10x, 100x, then 1 MB and 5 MB of source (under 25 minutes)
    python bench/run.py --quick         # 1x and 10x, fewer runs (about a minute)
    python bench/run.py --label before  # names the result files
    python bench/run.py --sources 1     # the first build at 1 MB of source only

The projects of 1 MB and 5 MB of source are ``tests/scale_project.py``'s (a thousand small
groups of stacks per megabyte): there a first build into an empty cache (the default) is
measured against ``build --no-cache``, and the peak memory of both against ``check``'s,
in CPU seconds (user and system: the machine is shared), pair by pair.

Results: a table on stdout, ``bench/results/<label>.md`` and ``.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import generate  # noqa: E402

from infrac.cli.progress import Progress  # noqa: E402

PYTHON = sys.executable
INFRAC = str(Path(sys.executable).parent / "infrac")
TARGETS = ("cloudformation", "serverless")
SEED_RESOURCES = 40  # the seed system's resources (as `infrac check infra.dsl` counts them)
#: The status line on a terminal (nothing in a pipe or in CI): which workload runs, which pair.
PROGRESS = Progress("bench")


# ---- running processes ----------------------------------------------------------------


def run(argv: list[str], *, cwd: Path | None = None, env: dict | None = None) -> tuple[float, float]:
    """Run a process to its end: (wall seconds, peak memory in MiB). Fails loudly."""
    start = time.perf_counter()
    child = subprocess.Popen(argv, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(child.pid, 0)
    elapsed = time.perf_counter() - start
    child.returncode = os.waitstatus_to_exitcode(status)
    error = child.stderr.read().decode(errors="replace")
    child.stderr.close()
    if child.returncode != 0:
        PROGRESS.clear()
        raise SystemExit(f"bench: `{' '.join(argv)}` exited {child.returncode}:\n{error}")
    return elapsed, usage.ru_maxrss / 1024


def run_cpu(argv: list[str], *, env: dict | None = None) -> tuple[float, float, float]:
    """Run a process to its end: (CPU seconds, user and system; wall seconds; peak memory in MiB)."""
    start = time.perf_counter()
    child = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(child.pid, 0)
    elapsed = time.perf_counter() - start
    error = child.stderr.read().decode(errors="replace")
    child.stderr.close()
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"bench: `{' '.join(argv)}` exited {os.waitstatus_to_exitcode(status)}:\n{error}")
    return usage.ru_utime + usage.ru_stime, elapsed, usage.ru_maxrss / 1024


def compile_bytecode() -> None:
    """Compile infrac's modules to bytecode first, as installing a wheel does. An editable
    install has none, and with ``PYTHONDONTWRITEBYTECODE`` set (as on some CI runners and
    development shells) Python never writes it, so every measured run would compile every
    module from source: a cost users of an installed infrac never pay."""
    package = subprocess.run(
        [PYTHON, "-c", "import infrac, os; print(os.path.dirname(infrac.__file__))"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()
    subprocess.run([PYTHON, "-m", "compileall", "-q", package], check=True, stdout=subprocess.DEVNULL)


def summary(values: list[float]) -> dict[str, float]:
    return {"median": statistics.median(values), "min": min(values), "max": max(values)}


def paired(name: str, command, baseline, repeat: int, *, prepare=None, prepare_baseline=None) -> dict:
    """``command`` and ``baseline`` alternately, ``repeat`` times each, after one
    unmeasured warm-up of each (the file system cache). ``prepare`` runs before
    every measured run of the command, untimed."""
    PROGRESS(0, repeat, f"{name}: warming up")
    for step, argv in ((prepare, command), (prepare_baseline, baseline)):
        if step:
            step()
        run(argv)
    times, base_times, ratios, memory = [], [], [], []
    for number in range(1, repeat + 1):
        PROGRESS(number, repeat, name)
        if prepare:
            prepare()
        elapsed, peak = run(command)
        if prepare_baseline:
            prepare_baseline()
        base, _ = run(baseline)
        times.append(elapsed)
        base_times.append(base)
        ratios.append(elapsed / base)
        memory.append(peak)
    PROGRESS.clear()
    return {
        "name": name,
        "seconds": summary(times),
        "baseline_seconds": summary(base_times),
        "ratio": summary(ratios),
        "peak_mib": max(memory),
        "runs": repeat,
    }


# ---- the floor's and the peer's input ----------------------------------------------------


def floor_data(built: Path, destination: Path) -> None:
    """infrac's output as precomputed data: each YAML file loaded back into plain
    dicts (with its header), every other file as text."""
    files = []
    for path in sorted(p for p in built.rglob("*") if p.is_file() and not p.name.startswith(".")):
        relative = path.relative_to(built).as_posix()
        text = path.read_text(encoding="utf-8")
        if path.suffix == ".yml":
            header = "".join(line for line in text.splitlines(keepends=True) if line.startswith("#"))
            files.append({"path": relative, "header": header, "yaml": yaml.load(text, Loader=yaml.CSafeLoader)})
        else:
            files.append({"path": relative, "text": text})
    destination.write_text(json.dumps({"files": files, "styles": _styles(files)}), encoding="utf-8")


def _styles(files: list[dict]) -> dict[str, str]:
    """The quoting of every string that infrac does not write plain (run here, in the
    benchmark, with infrac's own rule: precomputed for the floor)."""
    from infrac.backends.emit import string_style

    found: dict[str, str] = {}

    def visit(value) -> None:
        if isinstance(value, str):
            style = string_style(value)
            if style:
                found[value] = style
        elif isinstance(value, dict):
            for key, item in value.items():
                visit(key)
                visit(item)
        elif isinstance(value, list):
            for item in value:
                visit(item)

    for entry in files:
        visit(entry.get("yaml"))
    return found


def same_files(a: Path, b: Path) -> bool:
    def listing(root: Path) -> dict[str, bytes]:
        return {
            p.relative_to(root).as_posix(): p.read_bytes()
            for p in root.rglob("*")
            if p.is_file() and not p.name.startswith(".")
        }

    return listing(a) == listing(b)


# ---- in-process measurements --------------------------------------------------------------


def phases(project: Path, target: str, out: Path) -> dict[str, float]:
    result = subprocess.run(
        [PYTHON, str(HERE / "phases.py"), str(project), target, str(out)], capture_output=True, text=True, check=True
    )
    return json.loads(result.stdout)


def lsp_latency(project: Path) -> dict | None:
    """The language server's change-to-diagnostics latency, when ``infrac lsp`` exists."""
    probe = subprocess.run([INFRAC, "lsp", "--help"], capture_output=True)
    if probe.returncode != 0:
        return None
    import lsp_probe

    return lsp_probe.measure([INFRAC, "lsp"], project)


# ---- the suite ---------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1x and 10x, 3 runs each")
    parser.add_argument("--scales", help="comma-separated copies of the seed system (default 1,10,100)")
    parser.add_argument("--repeat", type=int, help="measured pairs per workload")
    parser.add_argument("--label", default="latest", help="name of the result files")
    parser.add_argument("--results", type=Path, default=HERE / "results")
    parser.add_argument("--sources", help="comma-separated megabytes of source for the first-build runs "
                        "(default 1,5; none with --quick or --scales)")
    args = parser.parse_args(argv)
    scales = [int(s) for s in (args.scales or ("1,10" if args.quick else "1,10,100")).split(",")] \
        if args.scales != "" else []
    default_sources = "" if (args.quick or args.scales is not None) else "1,5"
    args.source_sizes = [float(m) for m in (args.sources if args.sources is not None else default_sources).split(",") if m]

    work = Path(tempfile.mkdtemp(prefix="infrac-bench-"))  # private: 0700, ours alone
    # infrac's build cache goes in here too, so that a cold run can start without one
    os.environ["XDG_CACHE_HOME"] = str(work / "xdg-cache")
    try:
        report = suite(scales, args, work)
    finally:
        PROGRESS.clear()
        shutil.rmtree(work, ignore_errors=True)
    print(save(report, args))
    print(f"written: {args.results / (args.label + '.md')}, {args.results / (args.label + '.json')}")
    return 0


def save(report: dict, args) -> str:
    """Write the results as they stand (after each scale, so that a run cut short
    keeps what it measured); returns the Markdown table."""
    report["targets"] = targets(report)
    args.results.mkdir(parents=True, exist_ok=True)
    (args.results / f"{args.label}.json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    table = markdown(report)
    (args.results / f"{args.label}.md").write_text(table, encoding="utf-8")
    return table


def repeats(args, scale: int) -> int:
    if args.repeat:
        return args.repeat
    if args.quick:
        return 3
    return {1: 11, 10: 7}.get(scale, 5)


def suite(scales: list[int], args, work: Path) -> dict:
    started = time.perf_counter()
    report: dict = {
        "label": args.label,
        "python": platform.python_version(),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores",
        "infrac": subprocess.run([INFRAC, "--version"], capture_output=True, text=True).stdout.strip(),
        "scales": [],
    }
    print(f"bench: {report['infrac']}, Python {report['python']}, {report['machine']}", file=sys.stderr)
    compile_bytecode()
    version = paired("--version", [INFRAC, "--version"], [PYTHON, "-c", "pass"], repeats(args, 1))
    report["version"] = version
    for scale in scales:
        report["scales"].append(measure_scale(scale, args, work))
        report["total_seconds"] = time.perf_counter() - started
        save(report, args)
        print(f"bench: {scale}x done at {time.perf_counter() - started:.0f} s", file=sys.stderr)
    report["sources"] = []
    for megabytes in args.source_sizes:
        report["sources"].append(measure_sources(megabytes, args, work))
        report["total_seconds"] = time.perf_counter() - started
        save(report, args)
        print(f"bench: {megabytes:g} MB of source done at {time.perf_counter() - started:.0f} s", file=sys.stderr)
    return report


def measure_sources(megabytes: float, args, work: Path) -> dict:
    """At ``megabytes`` of source (tests/scale_project.py): ``check``, ``build --no-cache`` and a
    first build into an empty cache, each from a clean slate (no cache, no output folder),
    in turns; the project's ``infra.lock`` is written first, as a committed project has it."""
    sys.path.insert(0, str(HERE.parent / "tests"))
    import scale_project

    project = work / f"s{megabytes:g}"
    shutil.rmtree(project, ignore_errors=True)
    scale_project.write(project, scale_project.project(megabytes))
    cache, out = work / f"s-cache-{megabytes:g}", work / f"s-out-{megabytes:g}"
    env = {**os.environ, "XDG_CACHE_HOME": str(cache)}

    def clean() -> None:
        shutil.rmtree(cache, ignore_errors=True)
        shutil.rmtree(out, ignore_errors=True)

    commands = {
        "check": [INFRAC, "check", str(project)],
        "build --no-cache": [INFRAC, "build", str(project), "--out", str(out), "--no-cache"],
        "first build": [INFRAC, "build", str(project), "--out", str(out)],
    }
    clean()
    run_cpu(commands["build --no-cache"], env=env)  # writes infra.lock; warms the file system's cache
    runs: dict[str, list[tuple[float, float, float]]] = {name: [] for name in commands}
    repeat = args.repeat or (5 if megabytes <= 1 else 3)
    for _ in range(repeat):
        for name, argv in commands.items():
            clean()
            runs[name].append(run_cpu(argv, env=env))
    clean()
    source_bytes = sum(p.stat().st_size for p in project.rglob("*.infra"))
    entry: dict = {"megabytes": megabytes, "source_bytes": source_bytes, "runs": repeat, "workloads": []}
    for name, measured in runs.items():
        entry["workloads"].append({
            "name": name,
            "cpu_seconds": summary([m[0] for m in measured]),
            "seconds": summary([m[1] for m in measured]),
            "peak_mib": max(m[2] for m in measured),
        })
    ratios = [first[0] / plain[0] for first, plain in zip(runs["first build"], runs["build --no-cache"])]
    entry["first_over_no_cache"] = summary(ratios)
    check_peak = max(m[2] for m in runs["check"])
    entry["build_peak_over_check"] = max(m[2] for name in ("build --no-cache", "first build") for m in runs[name]) / check_peak
    return entry


def measure_scale(scale: int, args, work: Path) -> dict:
    repeat = repeats(args, scale)
    PROGRESS.label = f"bench {scale}x"
    PROGRESS(0, 0, "generating the project and its reference builds")
    project = generate.generate(scale, work / f"p{scale}")
    entry: dict = {"scale": scale, "source_bytes": generate.source_bytes(project), "workloads": []}
    # infrac's reference output (this also writes the project's infra.lock)
    outputs = {}
    for target in TARGETS:
        reference = work / f"ref-{target}-{scale}"
        run([INFRAC, "build", str(project), "--target", target, "--out", str(reference)])
        outputs[target] = reference
        floor_data(reference, work / f"floor-{target}-{scale}.json")
    entry["template_bytes"] = sum(p.stat().st_size for p in outputs["cloudformation"].rglob("*.yml"))
    check = subprocess.run([INFRAC, "check", str(project)], capture_output=True, text=True, check=True).stdout
    entry["resources"] = int(check.split()[3])

    out = work / f"out-{scale}"
    floor_out = work / f"floor-out-{scale}"
    cache = Path(os.environ["XDG_CACHE_HOME"]) / "infrac"

    def cold() -> None:
        shutil.rmtree(out, ignore_errors=True)
        shutil.rmtree(cache, ignore_errors=True)

    def floor_clean() -> None:
        shutil.rmtree(floor_out, ignore_errors=True)

    def floor(target: str) -> list[str]:
        return [PYTHON, str(HERE / "floor.py"), str(work / f"floor-{target}-{scale}.json"), str(floor_out)]

    # the floor writes exactly infrac's bytes
    for target in TARGETS:
        floor_clean()
        run(floor(target))
        entry[f"floor_identical_{target}"] = same_files(outputs[target], floor_out)

    workloads = entry["workloads"]
    workloads.append(paired("check", [INFRAC, "check", str(project)], floor("cloudformation"), repeat,
                            prepare=cold, prepare_baseline=floor_clean))
    for target in TARGETS:
        build = [INFRAC, "build", str(project), "--target", target, "--out", str(out)]
        workloads.append(paired(f"build {target}", build, floor(target), repeat,
                                prepare=cold, prepare_baseline=floor_clean))

    # a rebuild after a one-file change, with what the previous build left (output, cache)
    build = [INFRAC, "build", str(project), "--target", "cloudformation", "--out", str(out)]
    cold()
    run(build)
    generation = [0]

    def touch_one_file() -> None:
        generation[0] += 1
        generate.edit(project, generation[0])

    workloads.append(paired("rebuild after one-file change", build, floor("cloudformation"), repeat,
                            prepare=touch_one_file, prepare_baseline=floor_clean))

    peer_out = work / f"peer-{scale}"
    peer = [PYTHON, str(HERE / "peer_troposphere.py"), str(work / f"floor-cloudformation-{scale}.json"), str(peer_out)]
    if _has_troposphere():
        workloads.append(paired("troposphere (peer)", peer, floor("cloudformation"), repeat,
                                prepare=lambda: shutil.rmtree(peer_out, ignore_errors=True),
                                prepare_baseline=floor_clean))
    else:
        PROGRESS.clear()
        print("bench: troposphere is not installed (make bench installs it); peer skipped", file=sys.stderr)

    PROGRESS(0, 0, "phases in process")
    entry["phases"] = {target: phases(project, target, work / f"phases-{scale}") for target in TARGETS}
    PROGRESS(0, 0, "the language server's latency")
    entry["lsp"] = lsp_latency(project)
    if scale != 1 and entry["lsp"] is not None and (work / "p1").is_dir():
        import lsp_probe

        PROGRESS(0, 0, "the language server's latency, paired with 1x")
        entry["lsp_paired"] = lsp_probe.paired([INFRAC, "lsp"], work / "p1", project)
    PROGRESS.clear()
    return entry


def _has_troposphere() -> bool:
    return subprocess.run([PYTHON, "-c", "import troposphere"], capture_output=True).returncode == 0


# ---- targets and the table -----------------------------------------------------------------


def _workload(entry: dict, name: str) -> dict | None:
    return next((w for w in entry["workloads"] if w["name"] == name), None)


def targets(report: dict) -> list[dict]:
    """The issue's targets, each with its measured value and whether it is met."""
    found = []

    def add(what: str, value: float | None, limit: float, unit: str = "") -> None:
        if value is not None:
            found.append({"target": what, "value": round(value, 3), "limit": limit, "unit": unit, "met": value <= limit})

    by_scale = {e["scale"]: e for e in report["scales"]}
    for scale in (1, 100):
        if scale in by_scale:
            w = _workload(by_scale[scale], "build cloudformation")
            add(f"cold build cloudformation at {scale}x ÷ floor", w["ratio"]["median"], 2.0)
    if 1 in by_scale:
        add("check at 1x, seconds", _workload(by_scale[1], "check")["seconds"]["median"], 0.12, "s")
    add("--version ÷ `python -c pass`", report["version"]["ratio"]["median"], 2.0)
    if 10 in by_scale and 100 in by_scale:
        per = {}
        for s in (10, 100):
            w = _workload(by_scale[s], "build cloudformation")
            per[s] = w["seconds"]["median"] / by_scale[s]["resources"]
        add("time per resource at 100x ÷ at 10x", per[100] / per[10], 1.10)
    if 100 in by_scale:
        w = _workload(by_scale[100], "build cloudformation")
        add("peak memory of a cold build at 100x, MiB", w["peak_mib"], 100, "MiB")
        w = _workload(by_scale[100], "rebuild after one-file change")
        add("rebuild at 100x ÷ cold floor", w["ratio"]["median"], 0.5)
    lsp = {e["scale"]: e["lsp"] for e in report["scales"] if e.get("lsp")}
    if 100 in lsp:
        add("language server, change to diagnostics at 100x, ms (median)", lsp[100]["median"] * 1000, 50, "ms")
        add("most diagnostics published for one file, opening every file at 100x",
            lsp[100]["most_published_for_one_file"], 1)
    paired_100 = by_scale.get(100, {}).get("lsp_paired")
    if paired_100:
        add("language server at 100x ÷ at 1x (paired, median)", paired_100["ratio"]["median"], 1.2)
    for entry in report["scales"]:
        build, peer = _workload(entry, "build cloudformation"), _workload(entry, "troposphere (peer)")
        if peer:
            add(f"build ÷ troposphere at {entry['scale']}x", build["seconds"]["median"] / peer["seconds"]["median"], 1.0)
    for entry in report.get("sources", []):
        size = f"{entry['megabytes']:g} MB of source"
        add(f"first build ÷ build --no-cache, CPU, at {size}", entry["first_over_no_cache"]["median"], 1.10)
        add(f"peak memory of a build ÷ check's at {size}", entry["build_peak_over_check"], 2.0)
    return found


def _ratio(w: dict) -> str:
    r = w["ratio"]
    return f"{r['median']:.2f} ({r['min']:.2f}–{r['max']:.2f})"


def markdown(report: dict) -> str:
    lines = [
        f"# infrac benchmark: {report['label']}",
        "",
        f"{report['infrac']}, Python {report['python']}, {report['machine']}; "
        f"suite ran in {report['total_seconds']:.0f} s.",
        "Each row: the command and its baseline run alternately; ratio = command ÷ baseline, pair by pair "
        "(median, min–max). Baseline: the floor (the same files written from precomputed data by PyYAML's C "
        "emitter), or `python -c pass` for `--version`.",
        "",
        "| scale | workload | infrac s (median) | baseline s | ratio | peak MiB |",
        "|---|---|---|---|---|---|",
    ]
    v = report["version"]
    lines.append(
        f"| – | `--version` | {v['seconds']['median']:.3f} | {v['baseline_seconds']['median']:.3f} | {_ratio(v)} | {v['peak_mib']:.0f} |"
    )
    for entry in report["scales"]:
        for w in entry["workloads"]:
            lines.append(
                f"| {entry['scale']}x | {w['name']} | {w['seconds']['median']:.3f} | "
                f"{w['baseline_seconds']['median']:.3f} | {_ratio(w)} | {w['peak_mib']:.0f} |"
            )
    if report["scales"]:
        lines += ["", "| scale | resources | source KB | templates KB | floor writes infrac's bytes | per resource, cold build (ms) |",
                  "|---|---|---|---|---|---|"]
    for entry in report["scales"]:
        w = _workload(entry, "build cloudformation")
        identical = all(entry[f"floor_identical_{t}"] for t in TARGETS)
        lines.append(
            f"| {entry['scale']}x | {entry['resources']} | {entry['source_bytes'] / 1000:.0f} | "
            f"{entry['template_bytes'] / 1000:.0f} | {'yes' if identical else 'NO'} | "
            f"{1000 * w['seconds']['median'] / entry['resources']:.2f} |"
        )
    if report.get("sources"):
        lines += ["", "First build into an empty cache against `build --no-cache` and `check` (each from a clean slate, "
                  "in turns; CPU = user + system seconds; ratio: pair by pair, median (min–max)):", "",
                  "| source | workload | CPU s (median, min–max) | wall s (median) | peak MiB |", "|---|---|---|---|---|"]
        for entry in report["sources"]:
            for w in entry["workloads"]:
                c = w["cpu_seconds"]
                lines.append(f"| {entry['megabytes']:g} MB | {w['name']} | {c['median']:.2f} ({c['min']:.2f}–{c['max']:.2f}) | "
                             f"{w['seconds']['median']:.2f} | {w['peak_mib']:.0f} |")
            r = entry["first_over_no_cache"]
            lines.append(f"| {entry['megabytes']:g} MB | first build ÷ --no-cache | {r['median']:.3f} "
                         f"({r['min']:.3f}–{r['max']:.3f}) | | build ÷ check: {entry['build_peak_over_check']:.2f} |")
    if report["scales"]:
        lines += ["", "Phases in process (seconds, one run):", ""]
        names = list(report["scales"][0]["phases"]["cloudformation"])
        lines += ["| scale | target | " + " | ".join(names) + " |", "|---|---|" + "---|" * len(names)]
        for entry in report["scales"]:
            for target, times in entry["phases"].items():
                lines.append(f"| {entry['scale']}x | {target} | " + " | ".join(f"{times.get(n, 0):.3f}" for n in names) + " |")
        lines += ["", "Language server (`infrac lsp` over stdio, one file open, full-text changes alternately valid and "
                  "with a typo), change to diagnostics; then every file opened:", "",
                  "| scale | files | median ms | min–max ms | edits | opening every file, s | most publishes for one file |",
                  "|---|---|---|---|---|---|---|"]
        for entry in report["scales"]:
            lsp = entry.get("lsp")
            if lsp:
                lines.append(
                    f"| {entry['scale']}x | {lsp['files']} | {lsp['median'] * 1000:.0f} | "
                    f"{lsp['min'] * 1000:.0f}–{lsp['max'] * 1000:.0f} | {lsp['runs']} | {lsp['open_all_seconds']:.1f} | "
                    f"{lsp['most_published_for_one_file']} |"
                )
            else:
                lines.append(f"| {entry['scale']}x | – | not measured (`infrac lsp` is not available) | | | | |")
        for entry in report["scales"]:
            pair = entry.get("lsp_paired")
            if pair:
                r = pair["ratio"]
                lines.append(f"\nPaired with the 1x project (two servers, edits alternately): at {entry['scale']}x "
                             f"median {pair['median'] * 1000:.0f} ms, ÷ 1x {r['median']:.2f} ({r['min']:.2f}–{r['max']:.2f}) "
                             f"over {pair['runs']} pairs.")
    lines += ["", "| target | measured | limit | met |", "|---|---|---|---|"]
    for t in report["targets"]:
        lines.append(f"| {t['target']} | {t['value']} {t['unit']} | ≤ {t['limit']} {t['unit']} | {'yes' if t['met'] else 'NO'} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(main())
