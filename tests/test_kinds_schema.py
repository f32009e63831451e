"""Every first-class kind, with every field set, emits only what its type's schema allows.

The corpus is the seed system, every golden case that builds (``ok-*``) and
``tests/kinds/every_field.infra`` (fields no case sets); a test first proves it
sets every field of every kind and nested block. Each resource the
CloudFormation backend writes, companions and derived ones included, is then
checked against its schema by the same check as a generic resource: every
property name, value type, enum, pattern and bound, nested definitions too.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

from conftest import CASES, ROOT, SEED
from infrac.backends import BuildOptions, backend
from infrac.base.source import SourceFile
from infrac.cfn.typecheck import check_properties
from infrac.project.pipeline import compile_sources
from infrac.syntax import ir
from infrac.vocabulary import KINDS
from infrac.vocabulary.kinds import COMMON_FIELDS

EXTRA = ROOT / "tests" / "kinds"


def folders() -> list[Path]:
    return [*sorted(p for p in CASES.iterdir() if p.name.startswith("ok-")), SEED, EXTRA]


@cache
def programs():
    out = []
    for folder in folders():
        sources = [
            SourceFile(p.relative_to(folder).as_posix(), p.read_text(encoding="utf-8"))
            for p in sorted(folder.rglob("*.infra"))
            if "expected" not in p.parts
        ]
        result = compile_sources(sources)
        assert result.ok, (folder, [d.message for d in result.diagnostics])
        out.append((folder, result.program))
    return out


def test_the_corpus_sets_every_field_of_every_kind():
    written = set()
    for _, program in programs():
        for stack in program.stacks:
            for resource in stack.resources:
                written.update((resource.kind, "", name) for name in resource.value_spans)
                for keyword, blocks in resource.blocks.items():
                    for block in blocks:
                        written.update((resource.kind, keyword, name) for name in block.value_spans)
    expected = set()
    for keyword, kind in KINDS.items():
        if kind.cfn_type is None:
            continue
        expected.update((keyword, "", name) for name in kind.fields if name not in COMMON_FIELDS)
        for block_keyword, block in kind.blocks.items():
            expected.update((keyword, block_keyword, name) for name in block.fields)
    assert not expected - written, sorted(expected - written)


def as_ir(value) -> ir.Value:
    """Rendered CloudFormation data as the syntax a user would write for it."""
    if isinstance(value, dict):
        return ir.Map(tuple(ir.Entry(str(k), as_ir(v)) for k, v in value.items()))
    if isinstance(value, list):
        return ir.List(tuple(as_ir(v) for v in value))
    if isinstance(value, bool):
        return ir.Bool(value)
    if isinstance(value, int):
        return ir.Number(value)
    return ir.String(str(value).replace("{", "{{").replace("}", "}}"))


def test_every_emitted_property_fits_its_schema():
    checked: set[str] = set()
    problems = []
    for folder, program in programs():
        for style in (BuildOptions(format="json"), BuildOptions(stage=program.settings.stages[0], format="json")):
            for artifact in backend("cloudformation").render(program, style):
                if not artifact.path.endswith(".json"):
                    continue
                template = json.loads(artifact.text)
                for logical_id, document in template.get("Resources", {}).items():
                    properties = as_ir(document.get("Properties", {}))
                    found = check_properties(document["Type"], properties, None)
                    checked.add(document["Type"])
                    problems += [f"{folder.name}/{artifact.path} {logical_id}: {d.message}" for d in found]
    assert not problems, "\n".join(problems)
    first_class = {kind.cfn_type for kind in KINDS.values() if kind.cfn_type}
    assert first_class <= checked, first_class - checked


def test_the_cross_check_finds_a_vocabulary_mistake():
    """The check above can fail: a property name or an enum value off by a letter is found."""
    wrong_name = as_ir({"BillingMode": "PAY_PER_REQUEST", "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
                        "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}],
                        "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnable": True}})
    assert [d.code for d in check_properties("AWS::DynamoDB::Table", wrong_name, None)] == ["E0701"]
    wrong_enum = as_ir({"KeySchema": [{"AttributeName": "id", "KeyType": "HASHED"}], "BillingMode": "ON_DEMAND",
                        "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}]})
    assert sorted(d.code for d in check_properties("AWS::DynamoDB::Table", wrong_enum, None)) == ["E0704", "E0704"]
