#!/usr/bin/env python3
"""Run `infrac import` over a corpus of real-world templates and services, and report.

Each input is imported on its own (`infrac import FILE --out TMP`), in a fresh temporary
folder holding a copy of the file, with a time limit, at most two at a time. Every input
gets an outcome:

- ``imported``: exit 0;
- ``refused``: exit 1 with error diagnostics (their codes and the first error's message,
  free of paths, are recorded);
- ``internal-error``: exit 3 (the first line of the error, and the innermost frame of
  infrac's traceback from a second run with ``INFRAC_DEBUG=1``);
- ``timeout``: still running after ``--timeout`` seconds (the process group is killed);
- ``exit-N``: any other exit code (or exit 1 without an error diagnostic).

and a class, read from the file itself: ``cfn-yaml``, ``cfn-json``, ``sam``
(``Transform: AWS::Serverless-2016-10-31``), ``other-transform`` (the transform is named),
``serverless-aws`` and ``serverless-other-provider`` (the provider is named). A
template that calls a macro with ``Fn::Transform`` (and has no top-level ``Transform``)
counts as ``other-transform`` too.

The corpus is a folder with a ``sources.json`` manifest (``{source: {"files": [...]}}``,
files relative to ``<corpus>/<source>/``); inputs may also be given as files or folders.

    .venv/bin/python tools/import_corpus.py --corpus DIR --json results.json > summary.md
    .venv/bin/python tools/import_corpus.py --corpus DIR --sample 40 --seed 1

Output is deterministic for a given infrac and corpus: inputs are reported in path order,
and nothing time-dependent reaches the Markdown summary (durations are in the JSON only).
"""

from __future__ import annotations

import argparse
import collections
import concurrent.futures
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

try:  # the project's venv has PyYAML; without it, classification falls back to text
    import yaml
except ImportError:  # pragma: no cover
    yaml = None

REPO = Path(__file__).resolve().parent.parent
DEFAULT_CORPUS = REPO / "build" / "corpus"  # made by `make corpus` (tools/corpus.py)
DEFAULT_INFRAC = REPO / ".venv" / "bin" / "infrac"
MAX_JOBS = 2
SAM = "AWS::Serverless-2016-10-31"
CLASSES = ["cfn-yaml", "cfn-json", "sam", "other-transform", "serverless-aws", "serverless-other-provider"]
OUTCOMES = ["imported", "refused", "internal-error", "timeout"]
TEMPLATE_SUFFIXES = {".yml", ".yaml", ".json", ".template"}
NOT_INPUTS = {"sources.json", "README.md", "LICENSE", "NOTICE"}


# ---- classification ----------------------------------------------------------------


def _loader():
    """A YAML loader that reads any tag (`!Ref`, `!GetAtt`, ...) as plain data."""

    class Loader(yaml.SafeLoader):
        pass

    def any_tag(loader, suffix, node):
        if isinstance(node, yaml.ScalarNode):
            value = loader.construct_scalar(node)
        elif isinstance(node, yaml.SequenceNode):
            value = loader.construct_sequence(node, deep=True)
        else:
            value = loader.construct_mapping(node, deep=True)
        return {suffix if suffix in ("Ref", "Condition") else f"Fn::{suffix}": value}

    Loader.add_multi_constructor("!", any_tag)
    return Loader


def read_document(text: str):
    """The file's top-level value (JSON or YAML), or None when it cannot be read."""
    if text.lstrip().startswith("{"):
        try:
            return json.loads(text)
        except ValueError:
            pass
    if yaml is None:
        return None
    try:
        return yaml.load(text, Loader=_loader())  # noqa: S506 (a SafeLoader subclass)
    except yaml.YAMLError:
        return None
    except Exception:  # a value the loader cannot build (e.g. unhashable keys)
        return None


def _transforms(value) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        names = []
        for item in value:
            if isinstance(item, str):
                names.append(item)
            elif isinstance(item, dict) and isinstance(item.get("Name"), str):
                names.append(item["Name"])  # AWS::Include and other macros with parameters
        return names
    if isinstance(value, dict) and isinstance(value.get("Name"), str):
        return [value["Name"]]
    return []


def _inline_transforms(value):
    """The names of the macros a template calls with `Fn::Transform`."""
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "Fn::Transform":
                yield from (_transforms(item) or ["?"])
            yield from _inline_transforms(item)
    elif isinstance(value, list):
        for item in value:
            yield from _inline_transforms(item)


def classify(path: Path) -> tuple[str, str | None]:
    """(class, detail): the detail names the transforms or the provider."""
    text = path.read_text(encoding="utf-8", errors="replace")
    doc = read_document(text)
    is_json = text.lstrip().startswith("{")
    if isinstance(doc, dict):
        if "service" in doc and "provider" in doc and "Resources" not in doc:
            provider = doc.get("provider")
            name = provider.get("name") if isinstance(provider, dict) else provider
            name = name if isinstance(name, str) else None
            if name == "aws":
                return "serverless-aws", None
            return "serverless-other-provider", name or "unknown"
        names = _transforms(doc.get("Transform"))
        if SAM in names:
            return "sam", ", ".join(names)
        if names:
            return "other-transform", ", ".join(names)
        inline = sorted(set(_inline_transforms(doc)))
        if inline:
            return "other-transform", ", ".join(f"Fn::Transform {name}" for name in inline)
        return ("cfn-json" if is_json else "cfn-yaml"), None
    # Not readable as a mapping: classify by its text, as far as it goes.
    if re.search(r"^provider:", text, re.M) and re.search(r"^service:", text, re.M):
        match = re.search(r"^provider:\s*\n\s+name:\s*['\"]?(\w+)", text, re.M)
        name = match.group(1) if match else "unknown"
        return ("serverless-aws", None) if name == "aws" else ("serverless-other-provider", name)
    match = re.search(r"[\"']?Transform[\"']?\s*:\s*\[?\s*[\"']?([\w:.-]+)", text)
    if match:
        return ("sam" if match.group(1) == SAM else "other-transform"), match.group(1)
    return ("cfn-json" if is_json else "cfn-yaml"), None


# ---- inputs ------------------------------------------------------------------------


def corpus_inputs(corpus: Path) -> list[Path]:
    manifest = corpus / "sources.json"
    if manifest.is_file():
        sources = json.loads(manifest.read_text(encoding="utf-8"))
        return [corpus / name / file for name, source in sorted(sources.items()) for file in source["files"]]
    return folder_inputs(corpus)


def folder_inputs(folder: Path) -> list[Path]:
    return sorted(
        path
        for path in folder.rglob("*")
        if path.is_file() and path.suffix in TEMPLATE_SUFFIXES and path.name not in NOT_INPUTS
    )


def gather(args) -> tuple[Path, list[Path]]:
    """The base folder inputs are named against, and the inputs in path order."""
    if not args.inputs:
        base = args.corpus.resolve()
        if not base.is_dir():
            sys.exit(f"import_corpus: no corpus at {base} (give --corpus DIR or input files)")
        inputs = sorted(set(corpus_inputs(base)))
        missing = [path for path in inputs if not path.is_file()]
        if missing:
            sys.exit(
                f"import_corpus: {len(missing)} files of {base / 'sources.json'} are not there "
                f"(the first: {name_of(missing[0], base)}); give --corpus the folder that holds them"
            )
        return base, inputs
    base = Path.cwd().resolve()
    inputs: set[Path] = set()
    for given in args.inputs:
        path = given.resolve()
        if path.is_dir():
            inputs.update(corpus_inputs(path))
        elif path.is_file():
            inputs.add(path)
        else:
            sys.exit(f"import_corpus: no such file or folder: {given}")
    if args.corpus.resolve().is_dir() and all(p.is_relative_to(args.corpus.resolve()) for p in inputs):
        base = args.corpus.resolve()
    return base, sorted(inputs)


def name_of(path: Path, base: Path) -> str:
    return path.relative_to(base).as_posix() if path.is_relative_to(base) else path.as_posix()


# ---- running -----------------------------------------------------------------------


_ERROR_LINE = re.compile(r"^(error|warning)\[([A-Z]\d{4})\]: (.*)$", re.M)


def _run(command: list[str], cwd: Path, timeout: float, env: dict) -> tuple[int | None, str, str, float]:
    """(exit code or None on timeout, stdout, stderr, seconds); on timeout the process
    group is killed."""
    started = time.monotonic()
    process = subprocess.Popen(
        command,
        cwd=cwd,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        errors="replace",
        start_new_session=True,
    )
    try:
        out, err = process.communicate(timeout=timeout)
        return process.returncode, out, err, time.monotonic() - started
    except subprocess.TimeoutExpired:
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        out, err = process.communicate()
        return None, out, err, time.monotonic() - started


def _path_free(text: str, *paths: str) -> str:
    for path in paths:
        if path:
            text = text.replace(path, "<dir>")
    return text


def _diagnostics(report: Path, stderr: str, hide: list[str]) -> list[dict]:
    found = []
    try:
        data = json.loads(report.read_text(encoding="utf-8"))
        for item in data.get("diagnostics", []):
            found.append(
                {
                    "code": item.get("code"),
                    "severity": item.get("severity"),
                    "message": _path_free(
                        str(item.get("message", "")).splitlines()[0] if item.get("message") else "", *hide
                    ),
                }
            )
        return found
    except (OSError, ValueError, AttributeError):
        pass
    for severity, code, message in _ERROR_LINE.findall(stderr):  # an infrac without JSON output
        found.append({"code": code, "severity": severity, "message": _path_free(message, *hide)})
    return found


def _innermost_frame(traceback: str) -> str | None:
    """The last traceback frame inside infrac, as `infrac/module.py:line in function`."""
    frames = re.findall(r'File "([^"]+)", line (\d+), in (\S+)', traceback)
    for file, line, function in reversed(frames):
        marker = file.replace("\\", "/").rfind("/infrac/")
        if marker >= 0:
            return f"{file[marker + 1 :]}:{line} in {function}"
    return None


def import_one(infrac: str, source: Path, name: str, timeout: float, debug_rerun: bool) -> dict:
    kind, detail = classify(source)
    result = {"input": name, "class": kind}
    if detail is not None:
        result["transform" if kind in ("sam", "other-transform") else "provider"] = detail
    env = {k: v for k, v in os.environ.items() if k not in ("INFRAC_DEBUG", "NO_COLOR")}
    env["NO_COLOR"] = "1"
    with tempfile.TemporaryDirectory(prefix="infrac-corpus-") as tmp:
        work = Path(tmp)
        shutil.copyfile(source, work / source.name)
        report = work / "diagnostics.json"
        command = [
            infrac,
            "import",
            source.name,
            "--out",
            "out",
            "--diagnostic-format",
            "json",
            "--diagnostic-output",
            str(report),
            "--color",
            "never",
        ]
        code, out, err, seconds = _run(command, work, timeout, env)
        hide = [str(work), tmp, str(source.parent)]
        result["seconds"] = round(seconds, 2)
        result["exit_code"] = code
        diagnostics = _diagnostics(report, err, hide)
        errors = [d for d in diagnostics if d["severity"] == "error"]
        if code is None:
            result["outcome"] = "timeout"
        elif code == 0:
            result["outcome"] = "imported"
            written = sorted(p for p in (work / "out").rglob("*") if p.is_file()) if (work / "out").is_dir() else []
            result["files_written"] = len(written)
            # the sources besides the project file: one stack (or more) per input imported
            result["stacks_written"] = sum(1 for p in written if p.suffix == ".infra" and p.name != "project.infra")
        elif code == 1 and errors:
            result["outcome"] = "refused"
        elif code == 3:
            result["outcome"] = "internal-error"
            lines = [line for line in err.splitlines() if line.strip()]
            first = next((line for line in lines if "internal error" in line), lines[0] if lines else "")
            result["error"] = _path_free(first, *hide)
            if debug_rerun:
                env["INFRAC_DEBUG"] = "1"
                shutil.rmtree(work / "out", ignore_errors=True)
                _, _, trace, _ = _run(command, work, timeout, env)
                result["where"] = _innermost_frame(trace)
        else:
            result["outcome"] = f"exit-{code}"
            lines = [line for line in err.splitlines() if line.strip()]
            result["error"] = _path_free(lines[0], *hide) if lines else ""
        if diagnostics:
            result["codes"] = sorted({d["code"] for d in errors}) if errors else []
            result["warnings"] = sorted({d["code"] for d in diagnostics if d["severity"] == "warning"})
        if errors:
            result["first_error"] = f"{errors[0]['code']}: {errors[0]['message']}"
            result["error_count"] = len(errors)
    return result


# ---- the summary -------------------------------------------------------------------

#: Words inside backticks that name a construct of the input (kept in a message's shape);
#: anything else in backticks (logical IDs, names, values) is replaced by `_`.
_CONSTRUCTS = {
    "AWSTemplateFormatVersion",
    "Description",
    "Metadata",
    "Parameters",
    "Rules",
    "Mappings",
    "Conditions",
    "Transform",
    "Resources",
    "Outputs",
    "DependsOn",
    "Condition",
    "DeletionPolicy",
    "UpdateReplacePolicy",
    "CreationPolicy",
    "UpdatePolicy",
    "RetainExceptOnCreate",
    "Ref",
    "Stage",
    "service",
    "provider",
    "resources",
    "functions",
    "custom",
    "plugins",
    "extensions",
    "<<",
    "null",
}


def shape(message: str) -> str:
    """A message with its particulars (logical IDs, names, values, numbers) replaced by
    `_` and N, so that messages of one kind group together; the names of template
    constructs (sections, resource attributes, functions, tags, pseudo parameters,
    Serverless variable sources) are kept."""

    def tick(match: re.Match) -> str:
        before, inner = match.group(1), match.group(2)
        kept = (
            inner in _CONSTRUCTS
            or re.fullmatch(r"Fn::\w+(::\w+)?|AWS::\w+(::\w+){0,2}|!\w+|\$\{AWS::\w+\}", inner)
            or re.search(r"(template section|resource attribute) $", before)
        )
        if kept:
            return f"{before}`{inner}`"
        if inner.startswith("Outputs."):
            return f"{before}`Outputs._`"
        variable = re.match(r"\$\{(\w+)[:(]", inner)
        if variable:
            return (
                before
                + "`${"
                + variable.group(1)
                + ("(...)}`" if inner[len(variable.group(0)) - 1] == "(" else ":...}`")
            )
        return f"{before}`_`"

    text = re.sub(r"([^`]*)`([^`]*)`", tick, message)
    return re.sub(r"(?<![\w:.-])\d+(?![\w:])", "N", text)


def summary(results: list[dict], infrac: str, corpus_label: str, sampled: str | None) -> str:
    lines = ["# `infrac import` over the corpus", ""]
    lines.append(f"- inputs: {len(results)}" + (f" ({sampled})" if sampled else ""))
    lines.append(f"- corpus: {corpus_label}")
    lines.append(f"- infrac: {infrac}")
    lines.append("")

    outcomes = OUTCOMES + sorted({r["outcome"] for r in results} - set(OUTCOMES))
    classes = CLASSES + sorted({r["class"] for r in results} - set(CLASSES))
    lines += ["## Outcomes per class", ""]
    lines.append("| class | inputs | " + " | ".join(outcomes) + " |")
    lines.append("|---|---:|" + "---:|" * len(outcomes))
    for kind in classes + ["all"]:
        row = [r for r in results if kind in ("all", r["class"])]
        cells = [str(sum(1 for r in row if r["outcome"] == o)) for o in outcomes]
        name = "**all**" if kind == "all" else kind
        lines.append(f"| {name} | {len(row)} | " + " | ".join(cells) + " |")
    lines.append("")

    transforms = collections.Counter(r.get("transform") for r in results if r["class"] == "other-transform")
    providers = collections.Counter(r.get("provider") for r in results if r["class"] == "serverless-other-provider")
    if transforms or providers:
        lines += ["## Transforms and providers", ""]
        for label, counter in (("transform", transforms), ("provider", providers)):
            for name, count in sorted(counter.items(), key=lambda kv: (-kv[1], str(kv[0]))):
                lines.append(f"- {label} `{name}`: {count}")
        lines.append("")

    refused = [r for r in results if r["outcome"] == "refused"]
    lines += ["## Refusals by first error", ""]
    if refused:
        lines.append("The first error of each refused input, its particulars replaced (`_`, `N`).")
        lines.append("")
        groups = collections.defaultdict(list)
        for r in refused:
            code, _, message = r["first_error"].partition(": ")
            groups[(code, shape(message))].append(r)
        lines.append("| count | code | message | classes |")
        lines.append("|---:|---|---|---|")
        for (code, message), rows in sorted(groups.items(), key=lambda kv: (-len(kv[1]), kv[0])):
            per_class = collections.Counter(r["class"] for r in rows)
            classes_text = ", ".join(f"{c} {n}" for c, n in sorted(per_class.items(), key=lambda kv: (-kv[1], kv[0])))
            cell = message.replace("|", "\\|")
            lines.append(f"| {len(rows)} | {code} | {cell} | {classes_text} |")
        lines.append("")
        codes = collections.Counter(code for r in refused for code in r.get("codes", []))
        lines.append(
            "Inputs refused with each error code (any of their errors): "
            + ", ".join(f"{code} {count}" for code, count in sorted(codes.items(), key=lambda kv: (-kv[1], kv[0])))
            + "."
        )
        lines.append("")
    else:
        lines += ["None.", ""]

    lines += ["## Internal errors", ""]
    internal = [r for r in results if r["outcome"] == "internal-error"]
    if internal:
        for r in internal:
            where = f" (at {r['where']})" if r.get("where") else ""
            lines.append(f"- `{r['input']}` ({r['class']}): {r['error']}{where}")
    else:
        lines.append("None.")
    lines.append("")

    lines += ["## Imports that wrote no stack", ""]
    empty = [r for r in results if r["outcome"] == "imported" and r.get("stacks_written") == 0]
    if empty:
        lines.append(
            "Imported (exit 0) with only the project file written, per class: "
            + ", ".join(
                f"{kind} {count}" for kind, count in sorted(collections.Counter(r["class"] for r in empty).items())
            )
            + "."
        )
    else:
        lines.append("None.")
    lines.append("")

    lines += ["## Serverless services for other providers", ""]
    foreign = [r for r in results if r["class"] == "serverless-other-provider"]
    for r in foreign:
        why = f": {r['first_error']}" if r.get("first_error") else ""
        lines.append(f"- `{r['input']}` ({r.get('provider')}): {r['outcome']}{why}")
    if not foreign:
        lines.append("None.")
    lines.append("")

    others = [r for r in results if r["outcome"] not in ("imported", "refused", "internal-error")]
    lines += ["## Timeouts and other exits", ""]
    if others:
        for r in others:
            lines.append(
                f"- `{r['input']}` ({r['class']}): {r['outcome']}" + (f": {r['error']}" if r.get("error") else "")
            )
    else:
        lines.append("None.")
    lines.append("")
    return "\n".join(lines)


# ---- the command -------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("inputs", nargs="*", type=Path, help="input files or folders (default: the whole corpus)")
    parser.add_argument(
        "--corpus",
        type=Path,
        default=Path(os.environ.get("INFRAC_CORPUS", DEFAULT_CORPUS)),
        help="the corpus folder with its sources.json (default: $INFRAC_CORPUS or build/corpus, made by `make corpus`)",
    )
    parser.add_argument("--infrac", default=str(DEFAULT_INFRAC), help="the infrac program (default: .venv/bin/infrac)")
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds per input (default 60)")
    parser.add_argument("--jobs", type=int, default=MAX_JOBS, help=f"imports at once (1-{MAX_JOBS})")
    parser.add_argument("--sample", type=int, help="import N inputs drawn at random (with --seed)")
    parser.add_argument("--seed", type=int, default=0, help="the seed for --sample (default 0)")
    parser.add_argument("--json", type=Path, help="write every input's result to this JSON file")
    parser.add_argument("--label", help="how the summary names the infrac measured (default: its --version)")
    parser.add_argument(
        "--no-traceback", action="store_true", help="do not run internal errors again for their traceback"
    )
    args = parser.parse_args(argv)

    infrac = shutil.which(args.infrac) or args.infrac
    if not Path(infrac).is_file():
        parser.error(f"no infrac program at {args.infrac}")
    base, inputs = gather(args)
    if not inputs:
        parser.error(f"no inputs in {base}")
    sampled = None
    if args.sample is not None and args.sample < len(inputs):
        inputs = sorted(random.Random(args.seed).sample(inputs, args.sample))
        sampled = f"a sample of {args.sample}, seed {args.seed}"
    jobs = max(1, min(args.jobs, MAX_JOBS))

    results = []
    with concurrent.futures.ThreadPoolExecutor(max_workers=jobs) as pool:
        futures = {
            pool.submit(import_one, infrac, path, name_of(path, base), args.timeout, not args.no_traceback): path
            for path in inputs
        }
        for done, future in enumerate(concurrent.futures.as_completed(futures), 1):
            result = future.result()
            results.append(result)
            print(f"[{done}/{len(inputs)}] {result['outcome']:<15} {result['input']}", file=sys.stderr, flush=True)
    results.sort(key=lambda r: r["input"])

    version = subprocess.run([infrac, "--version"], capture_output=True, text=True).stdout.strip()
    label = args.label or version
    corpus_label = base.name if not args.inputs else "inputs given on the command line"
    if args.json:
        payload = {
            "infrac": version,
            "label": label,
            "corpus": corpus_label,
            "sample": sampled,
            "timeout": args.timeout,
            "results": results,
        }
        args.json.write_text(json.dumps(payload, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    sys.stdout.write(summary(results, label, corpus_label, sampled))
    return 0


if __name__ == "__main__":
    sys.exit(main())
