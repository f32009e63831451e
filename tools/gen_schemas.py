"""Regenerate ``compiler/infrac/cfn/schemas/`` from the pinned cfn-lint's data.

Run by ``make schemas``. cfn-lint ships AWS's CloudFormation resource provider
schemas as plain JSON (``cfnlint/data/schemas/providers/us-east-1.json`` maps a
type name to a file under ``resources/``). This script reads them as JSON, keeps
what infrac uses (plus ``x-getatt``: the attributes cfn-lint accepts in
``Fn::GetAtt`` where they differ from ``readOnlyProperties``, which only its API
gives), and writes one minified
file per service namespace (``AWS-SQS.json`` holds every ``AWS::SQS::*``), so a
project loads only the services it names. Output is deterministic: sorted keys,
no timestamps.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import importlib.util
import json
import re
import shutil
import sys
from pathlib import Path

# The parts of a provider schema that infrac reads; handlers, tagging and source
# URLs are left out.
KEEP = (
    "typeName", "description", "properties", "definitions", "required",
    "readOnlyProperties", "createOnlyProperties", "conditionalCreateOnlyProperties",
    "writeOnlyProperties", "primaryIdentifier", "additionalProperties",
    "deprecatedProperties", "oneOf", "anyOf", "allOf", "dependentRequired",
    "dependencies", "documentationUrl",
)
DESCRIPTION_CHARS = 300


def short(text: str) -> str:
    """The first sentence of a description, at most DESCRIPTION_CHARS long."""
    text = " ".join(text.split())
    m = re.match(r"(.+?[.!?])(\s|$)", text)
    first = m.group(1) if m else text
    return first if len(first) <= DESCRIPTION_CHARS else first[: DESCRIPTION_CHARS - 1] + "…"


def trim(node):
    if isinstance(node, dict):
        out = {}
        for key, value in node.items():
            if key in ("$comment", "insertionOrder", "arrayType", "relationshipRef", "tagging"):
                continue
            if key == "description" and isinstance(value, str):
                out[key] = short(value)
            else:
                out[key] = trim(value)
        return out
    if isinstance(node, list):
        return [trim(item) for item in node]
    return node


def getatt_lists(type_names: list[str]) -> dict[str, list[str]]:
    """The attributes cfn-lint accepts in ``Fn::GetAtt`` for each type whose list differs from
    its ``readOnlyProperties`` (AWS's schemas leave some out: a queue's ``QueueName``), as
    property paths. cfn-lint keeps these exceptions in code, so they are read through its API."""
    from cfnlint.schema import PROVIDER_SCHEMA_MANAGER

    lists = {}
    for type_name in type_names:
        names = PROVIDER_SCHEMA_MANAGER.get_type_getatts(type_name, "us-east-1").data
        paths = [name.replace(".", "/") for name in names if not re.search(r"[\\*^$()\[\]+?]", name)]
        lists[type_name] = paths
    return lists


def main(out: Path) -> int:
    spec = importlib.util.find_spec("cfnlint")
    if spec is None or not spec.submodule_search_locations:
        print("cfn-lint is not installed in this environment", file=sys.stderr)
        return 1
    data = Path(next(iter(spec.submodule_search_locations))) / "data" / "schemas"
    providers = json.loads((data / "providers" / "us-east-1.json").read_text())
    services: dict[str, dict[str, dict]] = {}
    getatts = getatt_lists(sorted(providers))
    for type_name in sorted(providers):
        raw = json.loads((data / "resources" / f"{providers[type_name]}.json").read_text())
        schema = trim({key: raw[key] for key in KEEP if key in raw})
        read_only = [p[len("/properties/"):] for p in raw.get("readOnlyProperties", ()) if "*" not in p]
        if sorted(getatts[type_name]) != sorted(read_only):
            schema["x-getatt"] = getatts[type_name]
        vendor, service, _ = type_name.split("::")
        services.setdefault(f"{vendor}-{service}", {})[type_name] = schema
    tmp = out.with_name(out.name + ".new")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    files = {}
    for name, types in sorted(services.items()):
        text = json.dumps(types, sort_keys=True, separators=(",", ":"), ensure_ascii=False) + "\n"
        (tmp / f"{name}.json").write_text(text, encoding="utf-8")
        files[name] = hashlib.sha256(text.encode()).hexdigest()
    index = {
        "source": "cfn-lint",
        "version": importlib.metadata.version("cfn-lint"),
        "region": "us-east-1",
        "schema_date": json.loads((data / "version.json").read_text()).get("schema_date"),
        "types": {t: t.split("::")[0] + "-" + t.split("::")[1] for t in sorted(providers)},
        "files": files,
    }
    (tmp / "index.json").write_text(json.dumps(index, sort_keys=True, indent=0) + "\n", encoding="utf-8")
    shutil.rmtree(out, ignore_errors=True)
    tmp.rename(out)
    print(f"{len(providers)} types in {len(files)} files from cfn-lint {index['version']} -> {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("compiler/infrac/cfn/schemas")))
