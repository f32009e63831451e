"""The seam between the compiler and its backends."""

from __future__ import annotations

from collections.abc import Callable

from infrac.base.classes import field, frozen
from infrac.model import Program

TYPE_CHECKING = False  # typing's own constant, without importing typing
if TYPE_CHECKING:
    from typing import Any, Protocol
else:
    Protocol = object  # Backend is an interface for type checkers; backends do not inherit it


@frozen
class BuildOptions:
    """``stage``: resolve ``{stage}`` to this stage instead of leaving it to deploy time."""

    stage: str | None = None
    format: str = "yaml"
    #: the output folder, as the sources' paths are written (relative to the current folder,
    #: or absolute): what paths written into the output are relative to
    out: str = "."
    #: Stands in front of the emitter: ``emitter(document, form, emit) -> text``
    #: must return ``emit(document)``'s text (the build cache keeps it by document).
    emitter: Callable[[Any, str, Callable[[Any], str]], str] | None = field(default=None, eq=False)


def emit(document: Any, form: str, options: BuildOptions) -> str:
    """A document as ``form`` (``yaml`` or ``json``) text, through ``options.emitter``."""
    from infrac.backends.emit import to_json, to_yaml

    plain = to_json if form == "json" else to_yaml
    return options.emitter(document, form, plain) if options.emitter else plain(document)


@frozen
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

    def stack_files(self, program: Program, options: BuildOptions) -> list[Artifact]:
        """The files of each stack: :meth:`render` without the project's files."""
        ...

    def project_files(self, program: Program, options: BuildOptions) -> list[Artifact]:
        """The files about the whole project, which :meth:`render` puts last."""
        ...
