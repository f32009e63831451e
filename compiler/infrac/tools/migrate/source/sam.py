"""SAM applications: a template with ``Transform: AWS::Serverless-2016-10-31`` expanded offline
by AWS's own translator (``aws-sam-translator``, the library the SAM CLI and cfn-lint use)
into the CloudFormation that AWS deploys, logical IDs included, which is then read like any
template.

What the expansion loses is said (W0813): the SAM shorthand itself, and code that is still a
local folder (``CodeUri: src/``), which ``sam package`` would upload: it is given a placeholder
S3 location, the same for every import, so that the rest of the function can be imported; so is
an application of the Serverless Application Repository, which only AWS can look up. Where SAM
resolves a parameter itself (``AutoPublishAlias: !Ref Alias``), the parameter's default is used.
The translator is an extra (``pip install 'infrac[sam]'``); without it, E0816 says so.
"""

from __future__ import annotations

import copy
import json
import logging
import os

from infrac.base.source import Span
from infrac.diagnostics import Diagnostic, diagnostic
from infrac.tools.migrate.source.model import join

TYPE_CHECKING = False  # typing's own constant, without importing typing
if TYPE_CHECKING:
    from typing import Any

SAM = "AWS::Serverless-2016-10-31"
#: Where code that is still a local folder is said to be (``sam package`` would upload it).
PLACEHOLDER_BUCKET = "sam-package-placeholder"
#: The region the translator writes into what it resolves itself (the import's region).
DEFAULT_REGION = "us-east-1"

#: Properties that name local files until ``sam package`` uploads them, by SAM type.
_LOCAL = {
    "AWS::Serverless::Function": ("CodeUri",),
    "AWS::Serverless::LayerVersion": ("ContentUri",),
    "AWS::Serverless::Api": ("DefinitionUri",),
    "AWS::Serverless::HttpApi": ("DefinitionUri",),
    "AWS::Serverless::StateMachine": ("DefinitionUri",),
    "AWS::Serverless::GraphQLApi": ("SchemaUri",),
    "AWS::Serverless::Application": ("Location",),
}


def is_sam(data: Any) -> bool:
    transform = data.get("Transform") if isinstance(data, dict) else None
    names = transform if isinstance(transform, list) else [transform]
    return SAM in names


def translate(data: dict, locations: dict[str, Span], diagnostics: list[Diagnostic], region: str | None = None) -> dict | None:
    """The CloudFormation the SAM transform makes of ``data``, or None (with E0816) when it cannot."""
    where = locations.get("Transform") or locations.get("")
    try:
        from samtranslator.parser.parser import Parser
        from samtranslator.public.exceptions import InvalidDocumentException
        from samtranslator.translator.translator import Translator
    except ImportError:
        diagnostics.append(diagnostic(
            "E0816", "a SAM application needs AWS's translator, which is not installed", where,
            label="the SAM transform", hint="install the `sam` extra: `pip install 'infrac[sam]'`",
        ))
        return None
    template = copy.deepcopy(data)
    placeholders = _local_files(template)
    previous = os.environ.get("AWS_DEFAULT_REGION")
    os.environ["AWS_DEFAULT_REGION"] = region or DEFAULT_REGION  # the translator's ARNs read it
    logger = logging.getLogger("samtranslator")  # its notes go nowhere: the diagnostics say what matters
    level, propagate = logger.level, logger.propagate
    logger.setLevel(logging.CRITICAL)
    logger.propagate = False
    try:
        translator = Translator(managed_policy_map=None, sam_parser=Parser())
        try:
            translated = translator.translate(sam_template=template, parameter_values=_defaults(template))
        finally:
            translator.metrics.publish()  # to no one (its default publisher): nothing is left to warn about at exit
    except InvalidDocumentException as error:
        for cause in getattr(error, "causes", None) or [error]:
            message = getattr(cause, "message", None) or str(cause)
            diagnostics.append(diagnostic(
                "E0816", f"the SAM transform refuses the template: {message}", _located(message, locations) or where,
                label="AWS's translator stops here", hint="`sam validate` says the same; fix the template, then import it",
            ))
        return None
    except Exception as error:  # the translator's own failures, on input it does not expect
        diagnostics.append(diagnostic(
            "E0816", f"the SAM transform fails on the template: {type(error).__name__}: {error}"[:400], where,
            label="AWS's translator stops here", hint="`sam validate` should say what it needs; fix the template",
        ))
        return None
    finally:
        logger.setLevel(level)
        logger.propagate = propagate
        if previous is None:
            os.environ.pop("AWS_DEFAULT_REGION", None)
        else:
            os.environ["AWS_DEFAULT_REGION"] = previous
    translated = json.loads(json.dumps(translated, default=str))
    diagnostics.append(diagnostic(
        "W0813", "a SAM application: imported as the CloudFormation the SAM transform makes of it", where,
        label="the SAM shorthand is not kept",
        notes=["each `AWS::Serverless::*` resource becomes what it stands for, with the logical IDs AWS gives them",
               "where SAM resolves a parameter itself (`AutoPublishAlias: !Ref Alias`), its default is used"],
        hint="the imported stack is the deployed one, resource by resource; its source no longer reads as SAM",
    ))
    for path in placeholders:
        diagnostics.append(diagnostic(
            "W0813", f"`{path.rsplit('.', 1)[-1]}` is only known when the application is packaged or deployed: "
            "imported with a placeholder location",
            locations.get(path) or where, label="`sam package` uploads this",
            hint="import the packaged template (`sam package --output-template-file`) to keep the deployed location",
        ))
    return translated


def _local_files(template: dict) -> list[str]:
    """Local paths (``CodeUri: src/``) replaced by placeholder S3 locations, in place; their paths."""
    replaced = []
    resources = template.get("Resources") if isinstance(template.get("Resources"), dict) else {}
    sections = [(join("Resources", name), r.get("Type"), r.get("Properties")) for name, r in resources.items()
                if isinstance(r, dict)]
    globals_ = template.get("Globals") if isinstance(template.get("Globals"), dict) else {}
    for section, sam_type in (("Function", "AWS::Serverless::Function"), ("Api", "AWS::Serverless::Api"),
                              ("HttpApi", "AWS::Serverless::HttpApi")):
        if isinstance(globals_.get(section), dict):
            sections.append((join("Globals", section), sam_type, globals_[section]))
    for path, sam_type, properties in sections:
        if not isinstance(properties, dict):
            continue
        for key in _LOCAL.get(sam_type, ()):
            value = properties.get(key)
            if sam_type == "AWS::Serverless::Application" and isinstance(value, dict) and "ApplicationId" in value:
                # an application of the Serverless Application Repository, which only AWS can look up
                name = str(value["ApplicationId"]).rsplit("/", 1)[-1]
                properties[key] = f"https://{PLACEHOLDER_BUCKET}.s3.amazonaws.com/serverlessrepo/{name}.yaml"
                replaced.append(join(join(path, "Properties"), key))
            elif isinstance(value, str) and not value.startswith(("s3://", "https://", "http://")):
                properties[key] = f"s3://{PLACEHOLDER_BUCKET}/{value.strip('./') or 'code'}"
                replaced.append(join(path if path.startswith("Globals") else join(path, "Properties"), key))
        if sam_type == "AWS::Serverless::Function" and path.startswith("Resources"):
            if properties.get("PackageType") == "Image" and "ImageUri" not in properties:
                properties["ImageUri"] = f"123456789012.dkr.ecr.{DEFAULT_REGION}.amazonaws.com/{PLACEHOLDER_BUCKET}:latest"
                replaced.append(join(join(path, "Properties"), "ImageUri"))
            elif "CodeUri" not in properties and "InlineCode" not in properties and "ImageUri" not in properties and not (
                isinstance(globals_.get("Function"), dict) and "CodeUri" in globals_["Function"]
            ):
                properties["CodeUri"] = f"s3://{PLACEHOLDER_BUCKET}/code"
                replaced.append(join(join(path, "Properties"), "CodeUri"))
    return replaced


def _defaults(template: dict) -> dict:
    """The parameters' defaults, which the translator reads where SAM resolves a parameter itself
    (``AutoPublishAlias: !Ref Alias``), as a deploy without parameter values would."""
    parameters = template.get("Parameters") if isinstance(template.get("Parameters"), dict) else {}
    return {name: p["Default"] for name, p in parameters.items() if isinstance(p, dict) and "Default" in p}


def _located(message: str, locations: dict[str, Span]) -> Span | None:
    """The resource a translator's message names (``Resource with id [X] is invalid``)."""
    if "[" in message and "]" in message:
        logical_id = message[message.find("[") + 1 : message.find("]")]
        return locations.get(join("Resources", logical_id) + "#key")
    return None
