"""Which resource types CloudFormation can move between stacks: by resource import (an ``IMPORT``
change set) and by stack refactoring (``CreateStackRefactor``), from AWS's published lists, not
from the presence of a schema.

``movable.json`` beside this module holds:

- ``import``: the types marked "Import: Yes" on the User Guide's "Resource type support"
  page (``source``). AWS says that a type missing from it "likely" cannot be reached through
  the Cloud Control API, which resource import needs: a type is importable when it is listed.
  Transcribed from the page and reviewed; to update it, compare the page's table with the list.
- ``refactor``: the rule of the User Guide's "Stack refactoring" page (only types whose
  provisioning type is ``FULLY_MUTABLE``), the page's list of types it refuses (``deny``,
  verbatim, with ``deny_spelling`` for a name the page misspells), and the types of the
  pinned resource schemas that are not ``FULLY_MUTABLE`` (``not_fully_mutable``: no update
  handler, ``IMMUTABLE``, or no handlers at all, ``NON_PROVISIONABLE``), derived from the
  ``handlers`` of the schemas that the cfn-lint of ``constraints.txt`` ships (the same
  schemas as :mod:`infrac.cfn.schemas`, which leaves the handlers out).

A type can be refactored when its schema is known, it is ``FULLY_MUTABLE`` and not on the deny
list; a ``Custom::`` type is an ``AWS::CloudFormation::CustomResource``, which the list denies.
AWS decides in the end (``describe-stack-refactor`` reports what it refuses); the plan says so.

>>> importable("AWS::DynamoDB::Table"), importable("AWS::DynamoDB::GlobalTable"), importable("Custom::Seed")
(True, True, False)
>>> refactor_refusal("AWS::SQS::Queue") is None
True
>>> refactor_refusal("AWS::DynamoDB::GlobalTable")
"AWS's list of types that stack refactoring refuses names AWS::DynamoDB::GlobalTable"
"""

from __future__ import annotations

import functools
import json
from pathlib import Path

from infrac.cfn.schemas import index

TYPE_CHECKING = False  # typing's own constant, without importing typing
if TYPE_CHECKING:
    from typing import Any

DATA = Path(__file__).resolve().parent / "movable.json"

#: What a ``Custom::`` type is to CloudFormation.
CUSTOM_RESOURCE = "AWS::CloudFormation::CustomResource"


@functools.cache
def _data() -> dict[str, Any]:
    return json.loads(DATA.read_text(encoding="utf-8"))


@functools.cache
def _importable() -> frozenset[str]:
    return frozenset(_data()["import"]["types"])


@functools.cache
def _denied() -> frozenset[str]:
    refactor = _data()["refactor"]
    return frozenset(refactor["deny"]) | frozenset(refactor["deny_spelling"].values())


def import_source() -> str:
    return _data()["import"]["source"]


def refactor_source() -> str:
    return _data()["refactor"]["source"]


def importable(type_name: str) -> bool:
    """AWS lists the type as supporting resource import."""
    return type_name in _importable()


def import_refusal(type_name: str) -> str | None:
    """Why a resource of the type cannot be imported, or None."""
    if type_name.startswith("Custom::") or type_name == CUSTOM_RESOURCE:
        return "a custom resource cannot be imported (AWS's list of importable types does not name it)"
    if not importable(type_name):
        return f"AWS's list of types that resource import supports does not name {type_name}"
    return None


def refactor_refusal(type_name: str) -> str | None:
    """Why stack refactoring cannot move a resource of the type, or None."""
    if type_name.startswith("Custom::") or type_name == CUSTOM_RESOURCE:
        return f"a custom resource is an {CUSTOM_RESOURCE}, which AWS's list of types that stack refactoring refuses names"
    if type_name in _denied():
        return f"AWS's list of types that stack refactoring refuses names {type_name}"
    provisioning = _data()["refactor"]["not_fully_mutable"].get(type_name)
    if provisioning is not None:
        return f"{type_name} is {provisioning}, and stack refactoring takes FULLY_MUTABLE types only"
    if type_name not in index()["types"]:
        return f"{type_name} is not a resource type of the registry"
    return None


def refactorable(type_name: str) -> bool:
    return refactor_refusal(type_name) is None
