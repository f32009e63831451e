"""``infrac import`` over real templates and services that nobody here wrote.

The corpus is made by ``make corpus`` (``tools/corpus.py``) from published packages, pinned by
version and SHA-256 in ``tests/corpus/packages.json``: cfn-lint's valid, public and QuickStart
templates (SAM applications among them), and the Serverless Framework's example services for
other providers. ``make test`` imports a sample of it (``INFRAC_CORPUS_SAMPLE`` inputs, drawn
with a fixed seed; ``all`` for every input), each in this process, and holds every input to
what its class promises:

- a CloudFormation template without a macro, or with ``AWS::LanguageExtensions``: imported,
  the import's own check having built it back to the whole input template;
- a SAM application: imported through AWS's translator, or refused (by it: E0816), located;
- a template calling another macro: refused (E0810), naming the macro;
- a service for another provider: refused (E0815), naming the provider;
- nothing ends in an internal error, and every error is located in the input.
"""

from __future__ import annotations

import json
import os
import random
import sys
from pathlib import Path

import pytest

from conftest import ROOT

sys.path.insert(0, str(ROOT / "tools"))
from import_corpus import classify  # noqa: E402 (the corpus runner's reading of an input's class)

CORPUS = ROOT / "build" / "corpus"
SAMPLE = os.environ.get("INFRAC_CORPUS_SAMPLE", "24")
#: cfn-lint's integration templates hold deliberate mistakes (its tests expect errors there):
#: each is imported, or refused with located errors.
MIXED = ("cfn-lint/test/fixtures/templates/integration/",)
_GOOD = "cfn-lint/test/fixtures/templates/good/"
#: Templates without a macro that the import refuses, with the reason: what docs/import.md lists
#: as still refused. A test below fails when one of them imports, so that the list stays true.
KNOWN_REFUSALS: dict[str, str] = {
    _GOOD + "core/conditions.yaml": "a resource's whole `Properties` given by `Fn::If`",
    _GOOD + "resources/primary_identifiers.yaml": "a resource's whole `Properties` given by `Fn::If`",
    _GOOD + "custom/is-defined.yaml": "not a template: a `Parameter` section (cfn-lint's custom rules)",
    _GOOD + "custom/is-not-defined.yaml": "cfn-lint's custom rules' input: a Lambda `Code` given as a string",
    _GOOD + "custom/numeric-inequalities-large.yaml": "cfn-lint's custom rules' input: a Lambda `Code` as a string",
    _GOOD + "custom/numeric-inequalities-small.yaml": "cfn-lint's custom rules' input: a Lambda `Code` as a string",
    _GOOD + "functions/foreach.yaml": "`Fn::ForEach` (AWS::LanguageExtensions) is not expanded",
    _GOOD + "parameters/used_transform_language_extension.json": "`Fn::ForEach` (AWS::LanguageExtensions)",
    _GOOD + "functions/get_stack_output.yaml": "`Fn::GetStackOutput`, which CloudFormation does not document",
    _GOOD + "functions/ref.yaml": "a module's resource (`ModuleResource`), which only the registry expands",
    _GOOD + "modules/minimal.yaml": "a module (`::MODULE` type), which only the registry expands",
    _GOOD + "functions/sub_needed.yaml": "`Fn::GetAtt` of a resource the template does not declare",
    _GOOD + "functions/sub_needed_custom_excludes.yaml": "a `Stage` parameter with constraints",
    _GOOD + "functions_findinmap_enhanced.yaml": "a `Stage` parameter with constraints",
    _GOOD + "functions_findinmap.yaml": "`Fn::FindInMap` of a mapping named by a function",
    _GOOD + "mappings/used.yaml": "`Fn::FindInMap` of a mapping named by a function",
    _GOOD + "generic.yaml": "`${ Package}`, a `Fn::Sub` variable written with a space",
    _GOOD + "parameters/default.yaml": "a parameter's default that is not one of its allowed values",
    _GOOD + "resources/properties/password.yaml": "passwords written in clear (E0611)",
    _GOOD + "resources_deletionpolicy.yaml": "`DeletionPolicy` given by a function",
    _GOOD + "resources_updatereplacepolicy.yaml": "`UpdateReplacePolicy` given by a function",
    _GOOD + "schema_resource.yaml": "a third-party type of the registry (`Initech::TPS::Report`)",
}


def inputs() -> list[str]:
    manifest = CORPUS / "sources.json"
    if not manifest.is_file():
        return []
    sources = json.loads(manifest.read_text(encoding="utf-8"))
    names = sorted(f"{source}/{file}" for source, entry in sources.items() for file in entry["files"])
    if SAMPLE != "all" and int(SAMPLE) < len(names):
        names = sorted(random.Random(21).sample(names, int(SAMPLE)))
    return names


def test_the_corpus_is_there():
    """``make test`` makes it first (``make build/corpus/sources.json``)."""
    sources = json.loads((CORPUS / "sources.json").read_text(encoding="utf-8"))
    packages = json.loads((ROOT / "tests" / "corpus" / "packages.json").read_text(encoding="utf-8"))
    assert sorted(sources) == sorted(packages)
    for name, entry in sources.items():
        assert entry["version"] == packages[name]["version"] and entry["licence"] == packages[name]["licence"]
        assert all((CORPUS / name / licence).is_file() for licence in entry["licence_files"])
    assert sum(len(entry["files"]) for entry in sources.values()) >= 140


def run_import(path: Path, out: Path, capsys, monkeypatch) -> tuple[int, list[dict]]:
    from infrac.cli import main

    monkeypatch.setenv("NO_COLOR", "1")
    report = out.parent / "diagnostics.json"
    capsys.readouterr()
    code = main(["import", str(path), "--out", str(out), "--diagnostic-format", "json",
                 "--diagnostic-output", str(report)])
    capsys.readouterr()
    diagnostics = json.loads(report.read_text(encoding="utf-8"))["diagnostics"] if report.is_file() else []
    return code, diagnostics


@pytest.mark.parametrize("name", inputs())
def test_a_corpus_input_is_imported_or_refused_as_its_class_promises(name, tmp_path, capsys, monkeypatch):
    path = CORPUS / name
    kind, detail = classify(path)
    code, diagnostics = run_import(path, tmp_path / "out", capsys, monkeypatch)
    errors = [d for d in diagnostics if d["severity"] == "error"]
    assert code in (0, 1), f"exit {code}: {errors}"
    assert all(d.get("location") for d in errors), errors
    codes = {d["code"] for d in errors}
    if name.startswith(MIXED):
        assert code == 0 or errors, errors
    elif kind in ("cfn-yaml", "cfn-json") or (kind == "other-transform" and detail == "AWS::LanguageExtensions"):
        if name in KNOWN_REFUSALS:
            assert code == 1, f"{name} imports now: take it off KNOWN_REFUSALS ({KNOWN_REFUSALS[name]})"
        else:
            assert code == 0, errors
    elif kind == "sam":  # the translator's refusals (E0816), or what the CloudFormation it makes holds
        assert code == 0 or errors, errors
    elif kind == "other-transform":
        assert code == 1 and "E0810" in codes, errors
    elif kind == "serverless-other-provider":
        assert code == 1 and codes == {"E0815"} and detail in json.dumps(errors).lower(), errors
    else:
        assert code == 0 or errors, errors
