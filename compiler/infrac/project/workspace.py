"""The file system side: finding and reading sources and the lock, writing one file atomically.

The command line and the language server use this module and :mod:`infrac.project.outputs`
(a build's output folder, all or nothing); the compiler itself never touches disk.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable
from pathlib import Path

from infrac.base.classes import frozen
from infrac.base.source import SourceFile
from infrac.diagnostics import Diagnostic, diagnostic

SUFFIX = ".infra"
_SKIPPED_FOLDERS = {"node_modules", "__pycache__"}
MANIFEST = ".infrac-manifest.json"


def default_path() -> Path:
    """``infra.dsl/`` when the current folder has one, else the current folder."""
    candidate = Path("infra.dsl")
    return candidate if candidate.is_dir() else Path(".")


def display(path: Path) -> str:
    """The path as diagnostics show it: relative to the current folder when inside it."""
    try:
        relative = Path(os.path.relpath(path))
    except ValueError:  # another drive on Windows
        return path.as_posix()
    return path.as_posix() if relative.parts[:1] == ("..",) else relative.as_posix()


def find_sources(root: Path) -> list[Path]:
    """Every ``.infra`` file under ``root`` (or ``root`` itself), hidden folders skipped."""
    return [path for _, path in _shown_sources(root)]


def _shown_sources(root: Path) -> list[tuple[str, Path]]:
    """:func:`find_sources`, each with its :func:`display`, in that order."""
    if root.is_file():
        return [(display(root), root)]
    found = []
    for folder, subfolders, files in os.walk(root):
        subfolders[:] = sorted(d for d in subfolders if not d.startswith(".") and d not in _SKIPPED_FOLDERS)
        found.extend(Path(folder) / f for f in files if f.endswith(SUFFIX))
    return sorted(((display(path), path) for path in found), key=lambda item: item[0])


@frozen
class Loaded:
    sources: tuple[SourceFile, ...]
    diagnostics: tuple[Diagnostic, ...]


def load(paths: Iterable[Path]) -> Loaded:
    """Read sources; a path that is missing, holds no sources or is not UTF-8 is a diagnostic."""
    sources: list[SourceFile] = []
    found: list[Diagnostic] = []
    for root in paths:
        if not root.exists():
            found.append(diagnostic("E0001", f"`{display(root)}` does not exist", None, hint="check the path"))
            continue
        files = _shown_sources(root)
        if not files:
            found.append(
                diagnostic(
                    "E0002",
                    f"no {SUFFIX} files in `{display(root)}`",
                    None,
                    hint="point the command at the folder that holds the project's .infra files",
                )
            )
        inside = root.resolve() if root.is_dir() else None
        for shown, path in files:
            if inside is not None and not path.resolve().is_relative_to(inside):
                found.append(
                    diagnostic(
                        "E0003",
                        f"`{shown}` leads outside the project, to `{path.resolve().as_posix()}`",
                        None,
                        hint="infrac reads sources only from inside the project's folder; copy the file in",
                    )
                )
                continue
            try:
                text = path.read_bytes().decode("utf-8")
            except (OSError, UnicodeDecodeError) as error:
                reason = "it is not UTF-8 text" if isinstance(error, UnicodeDecodeError) else error.strerror
                found.append(diagnostic("E0001", f"cannot read `{shown}`: {reason}", None))
                continue
            if text.startswith("\ufeff"):
                text = text[1:]
            sources.append(SourceFile(shown, text.replace("\r\n", "\n")))
    return Loaded(tuple(sources), tuple(found))


def read_lock(path: Path, sources: dict[str, SourceFile]) -> tuple[str | None, Diagnostic | None]:
    """``infra.lock``'s text (None when there is none) and the diagnostic when it is not a
    lock infrac can read (its text is then added to ``sources``, for the excerpt). An
    unreadable or malformed lock stops the build rather than being ignored, since it is
    what protects the exports other stacks import. The CLI and the language server both
    read the lock through this."""
    from infrac.base.source import Span
    from infrac.contract import lockfile

    hint = (
        f"restore {lockfile.NAME} from version control; delete it only if no deployed stack imports "
        "this project's exports (the next build writes a new one)"
    )
    if not path.exists() and not path.is_symlink():
        return None, None
    if not path.is_file():
        return None, diagnostic("E0006", f"`{display(path)}` is not a file", None, hint=hint)
    try:
        text = path.read_bytes().decode("utf-8")
    except (OSError, UnicodeDecodeError) as error:
        reason = "it is not UTF-8 text" if isinstance(error, UnicodeDecodeError) else error.strerror
        return None, diagnostic("E0006", f"cannot read `{display(path)}`: {reason}", None, hint=hint)
    found = lockfile.problem(text)
    if found is None:
        return text, None
    message, offset = found
    name = display(path)
    sources[name] = SourceFile(name, text)
    offset = min(max(offset, 0), len(text))
    span = Span(name, offset, min(offset + 1, len(text)))
    return text, diagnostic(
        "E0006", f"`{name}` is not a lock this infrac can read: {message}", span, label="here", hint=hint
    )


def write_atomic(path: Path, text: str) -> None:
    """Write a file so that readers see the old content or the new, never a part. A new
    file's mode follows the umask, like any file the user creates; a rewritten one keeps its own."""
    path.parent.mkdir(parents=True, exist_ok=True)
    sweep_temporaries(path.parent, path.name)
    temporary = path.parent / f".{path.name}.{os.urandom(6).hex()}.infrac-tmp"
    try:
        with open(temporary, "x", encoding="utf-8", newline="\n") as stream:
            stream.write(text)
        if path.is_file():
            os.chmod(temporary, stat.S_IMODE(path.stat().st_mode))
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def entries_named(folder: Path, prefix: str, suffix: str = "") -> list[Path]:
    """The entries of ``folder`` whose names start with ``prefix`` and end with ``suffix``
    (none when it cannot be listed), sorted."""
    try:
        names = os.listdir(folder)
    except OSError:
        return []
    least = len(prefix) + len(suffix)
    return [folder / n for n in sorted(names) if len(n) >= least and n.startswith(prefix) and n.endswith(suffix)]


def sweep_temporaries(folder: Path, name: str) -> None:
    """Remove what a killed :func:`write_atomic` of ``folder/name`` left behind."""
    for stray in entries_named(folder, f".{name}.", ".infrac-tmp"):
        if stray.is_file() and not stray.is_symlink():
            stray.unlink(missing_ok=True)


#: The most bytes read from a file given to an option (``import``'s templates and services,
#: ``--map``, ``plan-move --from``, ``diff --against``): twice CloudFormation's own limit on a
#: template's body (1 MB), far above any real service file.
MAX_INPUT = 2 * 1024 * 1024


class Refused(OSError):
    """A file an option names that is not read: ``strerror`` says why."""


def read_input(path: Path, limit: int = MAX_INPUT) -> bytes:
    """The bytes of a file named on the command line, read only when it is a regular file of
    at most ``limit`` bytes, and, when the name is a symbolic link, one that stays inside the
    current folder: a link named in a project must not make a command read, and quote in its
    errors, a file of the system (`/etc/...`), and a device or a pipe (`/dev/zero`) must not
    be read until memory runs out. Raises :class:`Refused` (or the ``OSError`` of opening)."""
    if path.is_symlink():
        target = path.resolve()
        here = Path.cwd().resolve()
        if not target.is_relative_to(here):
            raise Refused(0, "it is a link to a file outside the current folder; name that file itself")
    descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    try:
        status = os.fstat(descriptor)
        if not stat.S_ISREG(status.st_mode):
            raise Refused(0, "it is not a regular file")
        if status.st_size > limit:
            raise Refused(0, f"it holds {status.st_size:,} bytes, more than the {limit:,} read")
        chunks, size = [], 0
        while size <= limit:
            chunk = os.read(descriptor, min(1 << 20, limit + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        if size > limit:
            raise Refused(0, f"it holds more than the {limit:,} bytes read")
        return b"".join(chunks)
    finally:
        os.close(descriptor)
