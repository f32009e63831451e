"""The deployed stacks, as the plan starts from them: each a template read from a file (a
deployed template, or, for a preview, a Serverless service's ``resources``), its values
filled in for the stage (a ``Stage`` parameter is the stage), and the stack's name.
"""

from __future__ import annotations

from infrac.base.classes import frozen
from infrac.base.source import SourceFile
from infrac.tools.migrate.plan.model import stack_name
from infrac.tools.migrate.source.loader import load_yaml
from infrac.tools.migrate.source.model import Interpolated, Template

TYPE_CHECKING = False  # typing's own constant, without importing typing
if TYPE_CHECKING:
    from typing import Any


@frozen
class Deployed:
    """One deployed stack, as a template read from a file."""

    stack: str
    template: dict[str, Any]
    read: Template
    text: SourceFile
    #: the raw document (for a Serverless service: its functions and events)
    raw: Any = None

    @property
    def is_service(self) -> bool:
        return self.read.kind == "serverless"


def deployed_stack(read: Template, text: SourceFile, stage: str, region: str, name: str | None) -> Deployed:
    """A deployed stack from a read file: a Serverless service is ``<service>-<stage>``; a
    template is ``name``, or its file's stem."""
    if name is None:
        if read.kind == "serverless":
            name = stack_name(read.service or "service", stage)
        else:
            name = text.path.replace("\\", "/").rsplit("/", 1)[-1].rsplit(".", 1)[0]
    template: dict[str, Any] = {"Resources": {}}
    for parameter in read.parameters:
        entry = {"Type": parameter.type, **parameter.constraints}
        if parameter.default is not None:
            entry["Default"] = parameter.default
        if parameter.name == "Stage":
            entry["Default"] = stage
        template.setdefault("Parameters", {})[parameter.name] = _plain(entry, stage, region)
    if read.conditions:
        template["Conditions"] = _plain(dict(read.conditions), stage, region)
    if read.mappings:
        template["Mappings"] = _plain(dict(read.mappings), stage, region)
    for resource in read.resources:
        template["Resources"][resource.logical_id] = _plain(resource.document(), stage, region)
    for output in read.outputs:
        template.setdefault("Outputs", {})[output.name] = _plain(output.document(), stage, region)
    raw = None
    if read.kind == "serverless":
        try:
            raw = load_yaml(text.text)
        except Exception:  # the reader has already reported what is wrong with the file
            raw = None
    return Deployed(name, template, read, text, raw)


def _plain(value: Any, stage: str, region: str) -> Any:
    """Template values with the reader's placeholders filled in for one stage."""
    if isinstance(value, Interpolated):
        names = set(value.placeholders)
        if names <= {"stage", "region"}:
            return value.render(stage=stage, region=region)
        text = value.text.replace("$", "$$")
        rendered = Interpolated(text).render(
            stage=stage, region=region, account="${AWS::AccountId}", **{n: "${" + n + "}" for n in names - {"stage", "region", "account"}}
        )
        return {"Fn::Sub": rendered.replace("$$", "$!")}
    if isinstance(value, dict):
        return {k: _plain(v, stage, region) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v, stage, region) for v in value]
    return value
