"""``--target serverless``: one Serverless Framework v3 service per stack.

Each service file holds the stack's CloudFormation under ``resources`` and
takes its stage from ``--stage`` at deploy time (``${sls:stage}``).
"""

from __future__ import annotations

from typing import Any

from infrac.backends.base import Artifact, BuildOptions
from infrac.backends.cloudformation import HEADER, describe_counts
from infrac.backends.emit import to_yaml
from infrac.backends.resources import ResolvedStage, ServerlessStage, StackRenderer
from infrac.model import Program, Stack


class Serverless:
    name = "serverless"

    def render(self, program: Program, options: BuildOptions) -> tuple[Artifact, ...]:
        artifacts = []
        for stack in program.stacks:
            if not stack.resources:
                continue
            service = self.service(program, stack, options)
            resources = service["resources"]
            summary = describe_counts(resources["Resources"], resources.get("Outputs", {}))
            artifacts.append(
                Artifact(f"{stack.name}/serverless.yml", HEADER + to_yaml(service), stack=stack.name, summary=summary)
            )
        return tuple(artifacts)

    def service(self, program: Program, stack: Stack, options: BuildOptions) -> dict[str, Any]:
        settings = program.settings
        stage = ResolvedStage(options.stage) if options.stage else ServerlessStage()
        renderer = StackRenderer(program, stack, stage)
        resources: dict[str, Any] = {"Resources": renderer.resources()}
        outputs = renderer.outputs()
        if outputs:
            resources["Outputs"] = outputs
        return {
            "service": stack.name,
            "frameworkVersion": "3",
            "configValidationMode": "error",
            "provider": {
                "name": "aws",
                "region": settings.region,
                "stage": options.stage or f"${{opt:stage, '{settings.stages[0]}'}}",
            },
            "resources": resources,
        }
