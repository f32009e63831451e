"""A Serverless v3 service file as one template: its ``resources`` (a mapping, or a list of
fragments merged in order) with the variables resolved, its default stage and region, and
the whole file kept to rewrite it when the service is split.
"""

from __future__ import annotations

import re

from infrac.base.classes import evolve
from infrac.base.source import Span
from infrac.diagnostics import Diagnostic, diagnostic
from infrac.tools.migrate.source.model import Template, join
from infrac.tools.migrate.source.shape import Shape
from infrac.tools.migrate.source.variables import Resolver

TYPE_CHECKING = False  # typing's own constant, without importing typing
if TYPE_CHECKING:
    from typing import Any


def is_service(data: Any) -> bool:
    return isinstance(data, dict) and (
        "service" in data or ("provider" in data and ("functions" in data or "resources" in data))
    )


#: The Serverless Framework's other providers, by the name a service gives them.
PROVIDERS = {
    "azure": "Azure Functions", "google": "Google Cloud", "openwhisk": "Apache OpenWhisk",
    "kubeless": "Kubeless", "knative": "Knative", "tencent": "Tencent Cloud", "aliyun": "Alibaba Cloud",
    "cloudflare": "Cloudflare Workers", "spotinst": "Spotinst", "fn": "Fn Project",
}


def service_template(data: dict, locations: dict[str, Span], file: str, diagnostics: list[Diagnostic]) -> Template | None:
    provider = data.get("provider")
    name = provider.get("name") if isinstance(provider, dict) else provider
    if isinstance(name, str) and name != "aws":
        diagnostics.append(diagnostic(
            "E0815", f"a service for {PROVIDERS.get(name, f'the provider `{name}`')}, not AWS: infrac imports AWS "
            "services and CloudFormation templates",
            locations.get(join("provider", "name") if isinstance(provider, dict) else "provider", locations.get("")),
            label=f"provider `{name}`", hint="nothing in this service can be imported; leave it out of the import",
        ))
        return None
    resolver = Resolver(data, locations, diagnostics)
    service = data.get("service")
    if isinstance(service, dict):
        service = service.get("name")
    if not isinstance(service, str) or "${" in service:
        diagnostics.append(diagnostic("E0802", "the service has no plain `service` name",
                                      locations.get("service", locations.get("")), label="a name is needed"))
        return None
    resources = data.get("resources") or {}
    fragments: list[tuple[str, Any]]
    if isinstance(resources, list):
        fragments = [(join("resources", i), r) for i, r in enumerate(resources)]
    else:
        fragments = [("resources", resources)]
    merged: dict[str, Any] = {}
    template_locations: dict[str, Span] = {"": locations.get("resources", locations.get("", Span(file, 0, 1)))}
    for prefix, fragment in fragments:
        if not isinstance(fragment, dict):
            diagnostics.append(diagnostic("E0802", "`resources` must be a mapping (or a list of mappings)",
                                          locations.get(prefix), label="not a mapping"))
            continue
        for key, path in list(locations.items()):
            if path is not None and (key == prefix or key.startswith(prefix + ".") or key.startswith(prefix + "[")):
                rest = key[len(prefix):].lstrip(".")
                if rest:
                    template_locations.setdefault(rest, path)
        resolved = resolver.resolve(fragment, prefix)
        for section, content in resolved.items():
            if section == "extensions":
                diagnostics.append(diagnostic(
                    "E0804", "`resources.extensions` changes resources the framework generates",
                    locations.get(join(prefix, section) + "#key"), label="not read by the importer",
                    hint="move these properties into the resources themselves",
                ))
                continue
            if isinstance(content, dict) and isinstance(merged.get(section), dict):
                merged[section].update(content)
            else:
                merged[section] = content
    shape = Shape(file, template_locations, diagnostics)
    template = shape.template(merged, "serverless", service)
    if template is None:
        return None
    provider = data.get("provider") if isinstance(data.get("provider"), dict) else {}
    stage = provider.get("stage")
    if isinstance(stage, str):
        fallback = re.fullmatch(r"\$\{opt:stage,\s*(?:'([^']*)'|\"([^\"]*)\")\s*\}", stage.strip())
        stage = (fallback.group(1) or fallback.group(2)) if fallback else (stage if "${" not in stage else None)
    region = provider.get("region")
    return evolve(
        template,
        stage=stage if isinstance(stage, str) else "dev",
        region=region if isinstance(region, str) and "${" not in region else None,
        document=data,
        document_locations=locations,
    )
