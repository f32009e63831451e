"""Backends: the checked program -> files for one deployment tool.

Every backend renders resources through :mod:`infrac.backends.resources`, so
the ``Resources`` and ``Outputs`` of all targets describe the same thing; a
backend differs only in how it writes the stage and in the file around them.

Layer 7 of 12 (tests/test_layers.py holds the order). May import: base, diagnostics, model,
syntax, cfn, vocabulary.
"""

from __future__ import annotations

from infrac.backends.base import Artifact, Backend, BuildOptions


def backend(name: str) -> Backend:
    """The backend for a target name (``cloudformation`` or ``serverless``)."""
    if name == "cloudformation":
        from infrac.backends.cloudformation import CloudFormation

        return CloudFormation()
    if name == "serverless":
        from infrac.backends.serverless import Serverless

        return Serverless()
    raise KeyError(name)


TARGETS = ("cloudformation", "serverless")

__all__ = ["TARGETS", "Artifact", "Backend", "BuildOptions", "backend"]
