"""The seed system in infra.dsl/ reproduces the monolith's resources exactly.

examples/monolith/ is the user's project before the split. Every resource that
infra.dsl/ declares must come out with the logical ID, type, policies and
properties it has there (stage ``dev``), or deploying the split would replace
it.
"""

from __future__ import annotations

import functools

import pytest
import yaml

from conftest import ROOT, SEED
from infrac.backends import BuildOptions, backend
from infrac.base.source import SourceFile
from infrac.project.pipeline import compile_sources

MONOLITH = ROOT / "examples" / "monolith"


@functools.cache
def monolith_resources(service: str, stage: str = "dev") -> dict:
    text = (MONOLITH / service / "serverless.yml").read_text(encoding="utf-8")
    text = text.replace("${self:service}", service).replace("${sls:stage}", stage)
    return yaml.safe_load(text)["resources"]["Resources"]


@functools.cache
def built_templates(stage: str = "dev") -> dict[str, dict]:
    sources = [SourceFile(p.as_posix(), p.read_text(encoding="utf-8")) for p in sorted(SEED.rglob("*.infra"))]
    result = compile_sources(sources)
    assert result.ok, result.diagnostics
    artifacts = backend("cloudformation").render(result.program, BuildOptions(stage=stage))
    return {a.stack: yaml.safe_load(a.text) for a in artifacts if a.path == f"{a.stack}.yml"}


def without_imports(value, exports: dict):
    """``value`` with every ``Fn::ImportValue`` replaced by what the export stands for
    in its own stack: the form the monolith had before the split."""
    if isinstance(value, dict):
        if set(value) == {"Fn::ImportValue"}:
            return exports[value["Fn::ImportValue"]]
        return {k: without_imports(v, exports) for k, v in value.items()}
    if isinstance(value, list):
        return [without_imports(v, exports) for v in value]
    return value


@functools.cache
def built_resources(stage: str = "dev") -> dict[str, dict]:
    """Every resource of every stack, imports replaced by the local references they stand for."""
    templates = built_templates(stage)
    exports = {
        output["Export"]["Name"]: output["Value"]
        for template in templates.values()
        for output in template.get("Outputs", {}).values()
    }
    resources = {}
    for template in templates.values():
        for logical_id, resource in template["Resources"].items():
            assert logical_id not in resources, f"{logical_id} is declared by two stacks"
            resources[logical_id] = without_imports(resource, exports)
    return resources


#: What stays in core: the API and its authorizer are core's own.
STAYS_IN_CORE = {"ApiGatewayAuthorizer"}


def moved_resources() -> dict[str, dict]:
    core = {k: v for k, v in monolith_resources("core").items() if k not in STAYS_IN_CORE}
    return {**core, **monolith_resources("infrastructure-cognito")}


def test_the_seed_system_compiles_without_diagnostics():
    sources = [SourceFile(p.as_posix(), p.read_text(encoding="utf-8")) for p in sorted(SEED.rglob("*.infra"))]
    assert compile_sources(sources).diagnostics == ()


def test_counts():
    types = [r["Type"] for r in built_resources().values()]
    assert types.count("AWS::DynamoDB::Table") == 23
    queues = [r["Properties"] for r in built_resources().values() if r["Type"] == "AWS::SQS::Queue"]
    assert len(queues) == 12 and all(q.get("FifoQueue") for q in queues)
    assert sum(q["QueueName"].endswith("-dlq.fifo") for q in queues) == 6
    assert types.count("AWS::S3::Bucket") == 1 and types.count("AWS::S3::BucketPolicy") == 1
    assert types.count("AWS::Events::EventBus") == 1 and types.count("AWS::Events::Rule") == 6
    assert types.count("AWS::SQS::QueuePolicy") == 1
    assert [t for t in types if t.startswith("AWS::Cognito")] == [
        "AWS::Cognito::UserPool", "AWS::Cognito::UserPoolClient", "AWS::Cognito::UserPoolDomain"
    ]


def test_every_resource_of_the_monolith_is_moved_and_nothing_else_is_added():
    assert sorted(built_resources()) == sorted(moved_resources())


@pytest.mark.parametrize("logical_id", sorted(moved_resources()))
def test_resource_is_reproduced_exactly(logical_id):
    """Same logical ID, type, policies and properties; only Ref/GetAtt across the
    split became Fn::ImportValue of the export that carries them."""
    assert built_resources()[logical_id] == moved_resources()[logical_id]


def test_every_physical_name_is_kept_for_every_stage():
    name_keys = ("TableName", "QueueName", "BucketName", "Name", "UserPoolName", "ClientName", "Domain")
    for stage in ("dev", "prod"):
        built = built_resources(stage)
        before = {**monolith_resources("core", stage), **monolith_resources("infrastructure-cognito", stage)}
        for logical_id, resource in built.items():
            for key in name_keys:
                if key in before[logical_id].get("Properties", {}):
                    assert resource["Properties"][key] == before[logical_id]["Properties"][key]
                    assert stage in resource["Properties"][key]


def test_the_cognito_exports_consumers_need():
    outputs = built_templates()["infrastructure-cognito"]["Outputs"]
    names = {o["Export"]["Name"] for o in outputs.values()}
    assert {
        "infrastructure-cognito-dev-UserPoolId",
        "infrastructure-cognito-dev-UserPoolArn",  # the name core imports today
        "infrastructure-cognito-dev-UserPoolClientId",
    } <= names


def test_every_resource_is_exported():
    for stack, template in built_templates().items():
        exported = {o["Value"].get("Ref") or o["Value"]["Fn::GetAtt"][0] for o in template["Outputs"].values()}
        for logical_id, resource in template["Resources"].items():
            if resource["Type"] in ("AWS::S3::BucketPolicy", "AWS::SQS::QueuePolicy"):
                continue  # attachments with nothing for a consumer to use
            assert logical_id in exported, f"{stack}.{logical_id} is not exported"


def test_the_committed_lock_is_current():
    """infra.dsl/infra.lock is what a build of infra.dsl/ writes (`make demo` refreshes it)."""
    from infrac.contract import lockfile
    from infrac.contract.linker import link
    from infrac.contract.replacement import record

    sources = [SourceFile(p.as_posix(), p.read_text(encoding="utf-8")) for p in sorted(SEED.rglob("*.infra"))]
    program = compile_sources(sources).program
    assert (SEED / lockfile.NAME).read_text(encoding="utf-8") == lockfile.render(link(program), record(program))
