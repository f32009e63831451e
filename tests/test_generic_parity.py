"""Generic resources get what first-class kinds get: explicit Fn::Sub, deploy-time names,
export names, cross-resource rules."""

from __future__ import annotations

import json

import yaml

from conftest import CASES
from infrac.backends import BuildOptions, backend
from infrac.base.source import SourceFile
from infrac.project.pipeline import compile_sources

SUB_CASE = CASES / "ok-explicit-fn-sub-and-deploy-time-names"


def program_of(text: str):
    result = compile_sources([SourceFile("main.infra", text)])
    assert result.ok, [d.message for d in result.diagnostics]
    return result.program


def resources(program, target: str, **options) -> dict:
    for artifact in backend(target).render(program, BuildOptions(**options)):
        if artifact.stack and (artifact.path.endswith("serverless.yml") or artifact.path.endswith(".json")):
            document = yaml.safe_load(artifact.text) if target == "serverless" else json.loads(artifact.text)
            return document["resources"]["Resources"] if target == "serverless" else document["Resources"]
    raise AssertionError("no stack rendered")


def test_explicit_fn_sub_is_never_wrapped_twice_in_any_target():
    program = program_of((SUB_CASE / "main.infra").read_text(encoding="utf-8"))
    expected = {
        ("cloudformation", None): ("arn:${AWS::Partition}:s3:::shop-${Stage}-${AWS::Region}", "${AWS::StackName}"),
        ("cloudformation", "prod"): ("arn:${AWS::Partition}:s3:::shop-prod-${AWS::Region}", "${AWS::StackName}"),
        # the framework reads `\\${` as a literal `${` and resolves its own `${sls:stage}`
        ("serverless", None): (r"arn:\${AWS::Partition}:s3:::shop-${sls:stage}-\${AWS::Region}", "${AWS::StackName}"),
    }
    for (target, stage), (arn, stack_name) in expected.items():
        options = {"format": "json"} if target == "cloudformation" else {}
        found = resources(program, target, stage=stage, **options)
        assert found["BucketArn"]["Properties"]["Value"] == {"Fn::Sub": arn}, (target, stage)
        text, variables = found["StackName"]["Properties"]["Value"]["Fn::Sub"]
        assert text == ("${Name} in ${AWS::Region}" if target == "cloudformation" else r"\${Name} in \${AWS::Region}")
        assert variables == {"Name": {"Fn::Sub": stack_name}}


def test_the_serverless_framework_reads_an_explicit_fn_sub_as_written(tmp_path):
    """`serverless print` (offline) resolves infrac's stage and leaves the user's ${...} to
    CloudFormation, in one Fn::Sub."""
    import os
    import subprocess

    from infrac.project.outputs import write_outputs
    from test_serverless_package import OFFLINE, SERVERLESS, _no_network_prefix

    program = program_of((SUB_CASE / "main.infra").read_text(encoding="utf-8"))
    artifacts = backend("serverless").render(program, BuildOptions())
    write_outputs(tmp_path / "out", {a.path: a.text for a in artifacts})
    process = subprocess.run(
        [*_no_network_prefix(), str(SERVERLESS), "print", "--format", "json", "--stage", "prod"],
        cwd=tmp_path / "out" / "config", capture_output=True, text=True, env={**os.environ, **OFFLINE}, timeout=300,
    )
    assert process.returncode == 0, process.stdout + process.stderr
    found = json.loads(process.stdout)["resources"]["Resources"]
    assert found["BucketArn"]["Properties"]["Value"] == {"Fn::Sub": "arn:${AWS::Partition}:s3:::shop-prod-${AWS::Region}"}
    assert found["StackName"]["Properties"]["Value"] == {
        "Fn::Sub": ["${Name} in ${AWS::Region}", {"Name": {"Fn::Sub": "${AWS::StackName}"}}]
    }


def test_deploy_time_region_is_not_the_build_time_region():
    program = program_of('project p {\n  region = "eu-west-1"\n  stages = [dev]\n}\nstack alerts {\n'
                         '  resource "AWS::SNS::Topic" T {\n'
                         '    properties = { TopicName: "{region}-{aws_region}" }\n  }\n}\n')
    found = resources(program, "cloudformation", stage="dev", format="json")
    assert found["T"]["Properties"]["TopicName"] == {"Fn::Sub": "eu-west-1-${AWS::Region}"}


def export_names(program) -> list[str]:
    from infrac.contract.linker import link

    return sorted(export.name for export in link(program).exports)


def test_a_generic_resource_exports_under_the_names_of_the_first_class_kind():
    header = 'project shop {\n  stages = [dev]\n}\nstack queues {\n'
    first_class = program_of(header + '  queue Orders {\n    name = "orders"\n    export url, arn, name\n  }\n}\n')
    generic = program_of(header + '  resource "AWS::SQS::Queue" Orders {\n    properties = { QueueName: "orders" }\n'
                         "    export ref, arn, queue_name\n  }\n}\n")
    assert export_names(generic) == export_names(first_class) == [
        "queues-{stage}-OrdersArn", "queues-{stage}-OrdersName", "queues-{stage}-OrdersUrl"]
