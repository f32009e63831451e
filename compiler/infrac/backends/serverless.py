"""``--target serverless``: one Serverless Framework v3 service per stack.

Each service file holds the stack's CloudFormation under ``resources`` and
takes its stage from ``--stage`` at deploy time (``${sls:stage}``).
``serverless-compose.yml`` deploys the services in order: every service after
the ones it imports from. A consumer stack (``uses``, ``environment``) gets
``<stack>/imports.yml`` for its own ``serverless.yml`` to include::

    provider:
      environment: ${file(<output>/core/imports.yml):environment}
      iam:
        role:
          statements: ${file(<output>/core/imports.yml):statements}
"""

from __future__ import annotations

import os
from pathlib import Path

from infrac.backends.base import Artifact, BuildOptions, emit
from infrac.backends.cloudformation import HEADER, describe_counts, describe_imports, describe_waves
from infrac.backends.escape import Escaped, for_serverless
from infrac.backends.resources import ResolvedStage, ServerlessStage, StackRenderer, consumer_document
from infrac.model import Program, Stack

TYPE_CHECKING = False  # typing's own constant, without importing typing
if TYPE_CHECKING:
    from typing import Any


class Serverless:
    name = "serverless"

    def render(self, program: Program, options: BuildOptions) -> tuple[Artifact, ...]:
        return tuple(self.stack_files(program, options) + self.project_files(program, options))

    def stack_files(self, program: Program, options: BuildOptions) -> list[Artifact]:
        """The files of each stack, in the program's order (:meth:`render` without the
        project's files, for an incremental build's group)."""
        artifacts = []
        for stack in program.stacks:
            stage = ResolvedStage(options.stage) if options.stage else ServerlessStage()
            if stack.resources:
                service = self.service(program, stack, options)
                resources = service["resources"]
                summary = describe_counts(resources["Resources"], resources.get("Outputs", {}))
                text = HEADER + emit(for_serverless(service), "yaml", options)
                artifacts.append(Artifact(f"{stack.name}/serverless.yml", text, stack=stack.name, summary=summary))
            if stack.is_consumer:
                document = consumer_document(StackRenderer(program, stack, stage))
                summary = "imports: " + describe_imports(document)
                text = HEADER + emit(for_serverless(document), "yaml", options)
                artifacts.append(Artifact(f"{stack.name}/imports.yml", text, stack=stack.name, summary=summary))
        return artifacts

    def project_files(self, program: Program, options: BuildOptions) -> list[Artifact]:
        """The files about the whole project, after the stacks' own: ``serverless-compose.yml``
        (see :meth:`infrac.backends.cloudformation.CloudFormation.project_files`)."""
        return [
            Artifact(
                "serverless-compose.yml",
                HEADER + emit(compose(program, options.out), "yaml", options),
                summary=f"deploy order: {describe_waves(program)}",
            )
        ]

    def service(self, program: Program, stack: Stack, options: BuildOptions) -> dict[str, Any]:
        settings = program.settings
        stage = ResolvedStage(options.stage) if options.stage else ServerlessStage()
        renderer = StackRenderer(program, stack, stage)
        resources: dict[str, Any] = {}
        # The framework merges these sections into the template it packages; parameters need
        # a default (or `provider.stackParameters`), which the deploy then uses.
        parameters, conditions = renderer.parameters(), renderer.conditions()
        if stack.description is not None:
            resources["Description"] = stack.description
        sections = renderer.sections()
        for key in ("Transform", "Metadata"):
            if key in sections:
                resources[key] = sections.pop(key)
        if parameters:
            resources["Parameters"] = parameters
        resources.update(sections)  # Rules, Mappings
        if conditions:
            resources["Conditions"] = conditions
        resources["Resources"] = renderer.resources()
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
                "stage": options.stage or Escaped(f"${{opt:stage, '{settings.stages[0]}'}}"),
            },
            "resources": resources,
        }


def compose(program: Program, out: str = ".") -> dict[str, Any]:
    """The services in dependency order: the generated ones, and consumers that say
    where their own service lives (``path``, which the model keeps relative to the
    current folder, and the compose file needs relative to itself, in ``out``)."""
    paths = {}
    for stack in program.stacks:
        if stack.resources:
            paths[stack.name] = stack.name
        elif stack.path is not None:
            paths[stack.name] = relative_to(stack.path, out)
    services: dict[str, Any] = {}
    for wave in program.waves:
        for name in wave:
            if name not in paths:
                continue
            entry: dict[str, Any] = {"path": paths[name]}
            depends = [d for d in program.dependencies.get(name, ()) if d in paths]
            if depends:
                entry["dependsOn"] = depends
            services[name] = entry
    return {"services": services}


def relative_to(path: str, folder: str) -> str:
    """``path`` relative to ``folder`` (both relative to the current folder, or absolute),
    with `/` separators.

    >>> relative_to("examples/split/core", "build/sls")
    '../../examples/split/core'
    """
    return Path(os.path.relpath(path, folder)).as_posix()
