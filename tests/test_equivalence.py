"""Both backends come from one IR: for every stack, the CloudFormation template and
the Serverless service describe the same resources, outputs and imports.

The two write the stage differently (a ``Stage`` parameter through ``Fn::Sub``,
or ``${sls:stage}``), so both are read with the stage set to one value first.
"""

from __future__ import annotations

import re

import pytest
import yaml

from conftest import SEED
from infrac.backends import BuildOptions, backend
from infrac.base.source import SourceFile
from infrac.project.pipeline import compile_sources

STAGE = "staging"


def with_stage(value):
    """Stage-independent form: Fn::Sub of ${Stage}, Ref Stage and ${sls:stage} become the stage."""
    if isinstance(value, dict):
        if set(value) == {"Ref"} and value["Ref"] == "Stage":
            return STAGE
        if set(value) == {"Fn::Sub"} and isinstance(value["Fn::Sub"], str):
            text = value["Fn::Sub"].replace("${Stage}", STAGE)
            assert "${" not in text.replace("${!", ""), text
            return text.replace("${!", "${")
        return {k: with_stage(v) for k, v in value.items()}
    if isinstance(value, list):
        return [with_stage(v) for v in value]
    if isinstance(value, str):
        return value.replace("${sls:stage}", STAGE)
    return value


@pytest.fixture(scope="module")
def outputs():
    sources = [SourceFile(p.as_posix(), p.read_text(encoding="utf-8")) for p in sorted(SEED.rglob("*.infra"))]
    result = compile_sources(sources)
    assert result.ok
    rendered = {}
    for target in ("cloudformation", "serverless"):
        artifacts = backend(target).render(result.program, BuildOptions())
        rendered[target] = {a.path: yaml.safe_load(a.text) for a in artifacts}
    return result.program, rendered


def test_every_stack_has_the_same_resources_and_outputs_in_both_targets(outputs):
    program, rendered = outputs
    stacks = [s for s in program.stacks if s.resources]
    assert len(stacks) == 5
    for stack in stacks:
        template = rendered["cloudformation"][f"{stack.name}.yml"]
        service = rendered["serverless"][f"{stack.name}/serverless.yml"]
        assert with_stage(template["Resources"]) == with_stage(service["resources"]["Resources"]), stack.name
        assert with_stage(template["Outputs"]) == with_stage(service["resources"]["Outputs"]), stack.name


def test_consumers_get_the_same_imports_in_both_targets(outputs):
    program, rendered = outputs
    consumers = [s for s in program.stacks if s.is_consumer]
    assert [s.name for s in consumers] == ["core"]
    assert with_stage(rendered["cloudformation"]["core.imports.yml"]) == with_stage(
        rendered["serverless"]["core/imports.yml"]
    )


def test_both_targets_deploy_in_the_same_order(outputs):
    _, rendered = outputs
    waves = rendered["cloudformation"]["deploy-order.json"]["waves"]
    compose = rendered["serverless"]["serverless-compose.yml"]["services"]
    position = {name: i for i, wave in enumerate(waves) for name in wave}
    assert list(compose) == sorted(compose, key=lambda name: position[name])
    for name, entry in compose.items():
        assert all(position[d] < position[name] for d in entry.get("dependsOn", []))


def test_no_stage_is_left_unresolved():
    assert with_stage({"Fn::Sub": "a-${Stage}-b"}) == f"a-{STAGE}-b"
    assert re.fullmatch(r"x-\w+", with_stage("x-${sls:stage}"))
