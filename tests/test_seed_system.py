"""The seed system in infra.dsl/ reproduces the monolith's resources exactly.

examples/monolith/ is the user's project before the split. Every resource that
infra.dsl/ declares must come out with the logical ID, type, policies and
properties it has there (stage ``dev``), or deploying the split would replace
it.
"""

from __future__ import annotations

import functools
import re

import pytest
import yaml

from conftest import ROOT, SEED
from infrac.backends import BuildOptions, backend
from infrac.pipeline import compile_sources
from infrac.source import SourceFile

MONOLITH = ROOT / "examples" / "monolith"


@functools.cache
def monolith_resources(service: str, stage: str = "dev") -> dict:
    text = (MONOLITH / service / "serverless.yml").read_text(encoding="utf-8")
    text = text.replace("${self:service}", service).replace("${sls:stage}", stage)
    return yaml.safe_load(text)["resources"]["Resources"]


@functools.cache
def built_resources(stage: str = "dev") -> dict[str, dict]:
    sources = [SourceFile(p.as_posix(), p.read_text(encoding="utf-8")) for p in sorted(SEED.rglob("*.infra"))]
    result = compile_sources(sources)
    assert result.ok, result.diagnostics
    resources = {}
    for artifact in backend("cloudformation").render(result.program, BuildOptions(stage=stage)):
        resources.update(yaml.safe_load(artifact.text)["Resources"])
    return resources


def test_the_seed_system_compiles_without_diagnostics():
    sources = [SourceFile(p.as_posix(), p.read_text(encoding="utf-8")) for p in sorted(SEED.rglob("*.infra"))]
    assert compile_sources(sources).diagnostics == ()


def test_all_23_tables_are_there():
    tables = [r for r in built_resources().values() if r["Type"] == "AWS::DynamoDB::Table"]
    assert len(tables) == 23


@pytest.mark.parametrize(
    "logical_id",
    [k for k, v in monolith_resources("core").items() if v["Type"] == "AWS::DynamoDB::Table"],
)
def test_table_is_reproduced_exactly(logical_id):
    assert built_resources()[logical_id] == monolith_resources("core")[logical_id]


def test_every_table_keeps_its_physical_name_for_every_stage():
    for stage in ("dev", "prod"):
        built = built_resources(stage)
        for logical_id, resource in monolith_resources("core", stage).items():
            if resource["Type"] == "AWS::DynamoDB::Table":
                assert built[logical_id]["Properties"]["TableName"] == resource["Properties"]["TableName"]
                assert re.fullmatch(rf"core-{stage}-[a-z-]+", resource["Properties"]["TableName"])
