"""The seam between the compiler and its backends."""

from __future__ import annotations

from typing import Protocol

import attrs

from infrac.model import Program


@attrs.frozen
class BuildOptions:
    """``stage``: resolve ``{stage}`` to this stage instead of leaving it to deploy time."""

    stage: str | None = None
    format: str = "yaml"
    #: the output folder, as the sources' paths are written (relative to the current folder,
    #: or absolute): what paths written into the output are relative to
    out: str = "."


@attrs.frozen
class Artifact:
    """One file to write: ``path`` is relative to the output folder."""

    path: str
    text: str
    stack: str | None = None
    summary: str = ""


class Backend(Protocol):
    name: str

    def render(self, program: Program, options: BuildOptions) -> tuple[Artifact, ...]:
        """Every file of the target, in a stable order. Pure: writes nothing."""
        ...
