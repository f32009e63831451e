"""A build's output folder, all or nothing (what ``infrac import`` writes: :mod:`infrac.project.imported`).

A build writes every file into a new folder beside ``--out`` and exchanges the two in one
step; a manifest records what infrac wrote, so that a rebuild removes its own stale files
and nothing else. ``build --check`` compares the folder with what a build would write.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import stat
import sys
from collections.abc import Callable
from pathlib import Path

from infrac.base.classes import frozen
from infrac.diagnostics import Diagnostic, diagnostic
from infrac.project.workspace import MANIFEST, display, entries_named, write_atomic

# ---- the output folder: all or nothing ----------------------------------------------------------
#
# A build writes every file into a new folder beside ``--out`` (``.<out>.infrac-XXXX``), with
# the manifest first, then exchanges the two folders in one step (``renameat2`` with
# ``RENAME_EXCHANGE`` on Linux): at every instant ``--out`` is the old output or the new, whole.
# The lock (beside the sources, so on another path) is written after the new folder is
# complete and before the exchange, so that a failure can leave an old output beside a new
# lock but never a new output beside an old lock. Files in ``--out`` that infrac did not write
# (a user's notes, ``serverless package``'s ``.serverless/``) are carried over as hard links.
# Which files infrac wrote is read from the manifest, trusted only where it proves itself:
# relative paths inside the folder, whose content still has the SHA-256 it records.


class OutputError(Exception):
    """The output folder cannot be written as asked; carries the diagnostic to show."""

    def __init__(self, found: Diagnostic) -> None:
        super().__init__(found.message)
        self.diagnostic = found


MANIFEST_VERSION = 2
_STAGING = ".infrac-"
#: A test seam: called with the name of each step of the write phase (see tests/test_output_kill.py).
_step: Callable[[str], None] = lambda name: None


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _out_error(message: str, hint: str, code: str = "E0004") -> OutputError:
    return OutputError(diagnostic(code, message, None, hint=hint))


def _relative_ok(relative: str) -> bool:
    parts = relative.split("/")
    return (
        bool(relative)
        and not relative.startswith("/")
        and "\\" not in relative
        and "\x00" not in relative
        and all(part not in ("", ".", "..") for part in parts)
        and relative != MANIFEST
    )


def read_manifest(out: Path) -> dict[str, str]:
    """The files the last build wrote in ``out``, with their SHA-256; {} when ``out`` is
    new or empty. Raises OutputError when ``out`` is not a folder infrac may write."""
    if out.is_symlink() or (out.exists() and not out.is_dir()):
        raise _out_error(
            f"`{display(out)}` is not a folder: --out must name a folder",
            "choose another --out, or remove the file",
        )
    if not out.exists():
        return {}
    manifest = out / MANIFEST
    if not manifest.exists() and not manifest.is_symlink():
        if _listing(out):
            raise _out_error(
                f"`{display(out)}` holds files that infrac did not write",
                "infrac replaces its output folder whole: choose an empty or new folder for --out",
                "E0005",
            )
        return {}
    problem = "it is not a regular file"
    if manifest.is_file() and not manifest.is_symlink():
        try:
            document = json.loads(manifest.read_bytes().decode("utf-8"))
            problem = _manifest_problem(document)
        except PermissionError as error:
            raise _out_error(f"cannot read `{display(manifest)}`: {error.strerror}", _PERMISSIONS) from error
        except (OSError, ValueError, RecursionError) as error:
            problem = f"it is not JSON ({error})" if isinstance(error, ValueError) else error.strerror or str(error)
            if isinstance(error, RecursionError):
                problem = "it is nested too deeply"
        if problem is None:
            return dict(document["files"])
    raise _out_error(
        f"`{display(manifest)}` is not a manifest this infrac wrote: {problem}",
        f"infrac deletes nothing on the word of a manifest it cannot trust; if `{display(out)}` holds only "
        "an old build, remove the folder and build again, or choose another --out",
        "E0005",
    )


def _manifest_problem(document: object) -> str | None:
    if not isinstance(document, dict) or document.get("generator") != "infrac":
        return "no `generator: infrac`"
    if document.get("version") != MANIFEST_VERSION:
        return f"version {document.get('version')!r}, not {MANIFEST_VERSION}"
    files = document.get("files")
    if not isinstance(files, dict):
        return "`files` is not a map of paths to SHA-256 digests"
    for relative, digest in files.items():
        if not _relative_ok(relative):
            return f"`{relative[:80]}` is not a relative path inside the folder"
        if not (isinstance(digest, str) and len(digest) == 64 and all(c in "0123456789abcdef" for c in digest)):
            return f"the digest of `{relative[:80]}` is not a SHA-256"
    return None


_PERMISSIONS = "make it readable and writable by you (`chmod u+rwx`), or choose another --out"


def _listing(folder: Path) -> list[str]:
    """The names in ``folder``; a folder that cannot be listed is a diagnostic naming it."""
    try:
        return os.listdir(folder)
    except OSError as error:
        raise _out_error(f"cannot read `{display(folder)}`: {error.strerror or error}", _PERMISSIONS) from error


def _refused(error: OSError) -> None:
    raise error


def _existing(out: Path) -> tuple[list[str], list[str]]:
    """Folders and files (symlinks included, never followed) under ``out``, relative, sorted.
    A folder that cannot be listed is a diagnostic naming it (the build would otherwise take
    it for empty, and fail after the exchange to remove what it holds)."""
    folders, files = [], []
    try:
        return _walk(out, folders, files)
    except OSError as error:
        at = error.filename or out
        raise _out_error(f"cannot read `{display(Path(at))}`: {error.strerror or error}", _PERMISSIONS) from error


def _walk(out: Path, folders: list[str], files: list[str]) -> tuple[list[str], list[str]]:
    for folder, subfolders, names in os.walk(out, onerror=_refused):
        here = Path(folder).relative_to(out)
        for sub in list(subfolders):
            if (Path(folder) / sub).is_symlink():
                subfolders.remove(sub)
                names.append(sub)
            else:
                folders.append((here / sub).as_posix())
        files.extend((here / name).as_posix() for name in names)
    return sorted(folders), sorted(f for f in files if f != MANIFEST)


@frozen
class Written:
    """What :func:`write_outputs` did: the previous build's files it no longer writes
    (relative paths), and the folders it could not remove (a previous output, or what a
    killed build left), each with the reason, which the next build removes."""

    removed: tuple[str, ...]
    left: tuple[tuple[str, str], ...] = ()


def write_outputs(out: Path, files: dict[str, str], lock: tuple[Path, str] | None = None) -> Written:
    """Replace the output folder ``out`` by ``files`` in one step, keeping the files
    infrac did not write; write ``lock`` (path, text) just before.
    Raises OutputError (with a diagnostic naming the path at fault) when it cannot, having
    changed nothing: every check that can fail is made before the exchange. After it, only
    the previous output is removed; if that fails, the new output stays, whole, and the old
    one is left aside (in :attr:`Written.left`) for the next build to remove."""
    out = Path(os.path.abspath(out))
    for relative in files:
        if not _relative_ok(relative):  # pragma: no cover - the backends name their files
            raise ValueError(f"output path {relative!r} is outside the output folder")
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise _out_error(
            f"cannot create `{display(out.parent)}`: {error.strerror or error}", "choose another --out"
        ) from error
    left = sweep_staging(out)
    previous = read_manifest(out)
    folders, existing = _existing(out) if out.is_dir() else ([], [])
    if out.is_dir():
        _removable(out, folders)
    ours, theirs = [], []
    for relative in existing:
        path = out / relative
        if relative in previous and not path.is_symlink() and path.is_file() and _digest_of(path) == previous[relative]:
            ours.append(relative)
        else:
            theirs.append(relative)
    _refuse_collisions(out, files, theirs, folders, previous)
    encoded = {relative: text.encode("utf-8") for relative, text in files.items()}
    try:
        staging = _new_folder(out.parent, f".{out.name}{_STAGING}")
    except OSError as error:
        raise _out_error(
            f"cannot write in `{display(out.parent)}`: {error.strerror or error}",
            "choose a --out in a folder you can write to",
        ) from error
    try:
        os.chmod(staging, 0o777 & ~_umask())
        _step("staging")
        (staging / MANIFEST).write_text(manifest_text(encoded), encoding="utf-8")
        _step("manifest")
        for relative in folders:
            if not any(relative == t or t.startswith(relative + "/") for t in ours) or _holds(relative, theirs):
                (staging / relative).mkdir(parents=True, exist_ok=True)
        unchanged = {r for r in ours if r in encoded and previous.get(r) == _digest(encoded[r])}
        for relative, data in sorted(encoded.items()):
            target = staging / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            if relative in unchanged:  # the same bytes as the file in place: linked, not written again
                _carry(out / relative, target)
            else:
                with open(target, "xb") as stream:
                    stream.write(data)
            _step(f"write {relative}")
        for relative in theirs:
            _carry(out / relative, staging / relative)
            _step(f"carry {relative}")
        if lock is not None:
            try:
                write_atomic(*lock)
            except OSError as error:
                raise _out_error(
                    f"cannot write `{display(lock[0])}`: {error.strerror or error}",
                    "infra.lock is written beside the sources: check that folder's permissions and free space",
                ) from error
            _step("lock")
        _swap(staging, out)
        _step("swap")
    except OSError as error:
        _remove_quietly(staging)
        raise _out_error(
            f"cannot write `{display(_at_fault(error, staging, out))}`: {error.strerror or error}",
            "check the folder's permissions and free space",
        ) from error
    except BaseException:
        _remove_quietly(staging)
        raise
    left += _remove_aside(staging)  # the previous output, after the exchange
    _step("cleaned")
    return Written(tuple(sorted(set(ours) - set(files))), tuple(left))


def _digest_of(path: Path) -> str | None:
    """A file's SHA-256, or None when it cannot be read (then it is not infrac's to replace)."""
    try:
        return _digest(path.read_bytes())
    except OSError:
        return None


def _removable(out: Path, folders: list[str]) -> None:
    """Raise E0004 naming the first folder of the previous output whose entries this build
    could not remove after the exchange (it could not list, write or enter it): the build
    would otherwise put the new output in place and then fail, leaving the old one aside."""
    mode = os.R_OK | os.W_OK | os.X_OK
    effective = os.access in os.supports_effective_ids
    for folder in [out, *(out / relative for relative in folders)]:
        if not os.access(folder, mode, effective_ids=effective):
            raise _out_error(
                f"`{display(folder)}` cannot be written: the build replaces the output folder whole, "
                "and removes the previous output's files",
                f"make it writable (`chmod u+rwx {display(folder)}`), or choose another --out",
            )


def _at_fault(error: OSError, staging: Path, out: Path) -> Path:
    """The path an error of the write phase names, as the user knows it: a path in the
    staging folder is shown as the same path in ``out``."""
    name = error.filename
    if not isinstance(name, str):
        return out
    path = Path(name)
    if path == staging or path.is_relative_to(staging):
        return out / path.relative_to(staging)
    return path


def _holds(folder: str, paths: list[str]) -> bool:
    return any(p.startswith(folder + "/") for p in paths)


def _refuse_collisions(out: Path, files: dict[str, str], theirs: list[str], folders: list[str], previous: dict) -> None:
    """A file infrac did not write (or that was changed since) where this build writes one."""
    taken = set(theirs)
    new_folders = {"/".join(r.split("/")[:i]) for r in files for i in range(1, r.count("/") + 1)}
    for relative in sorted(files):
        clash = relative if relative in taken else next(
            (f for f in sorted(new_folders) if f in taken and relative.startswith(f + "/")), None
        )
        if clash is None and relative in folders:
            clash = relative
        if clash is not None:
            changed = clash in previous
            raise _out_error(
                f"`{display(out / clash)}` {'was changed since infrac wrote it' if changed else 'was not written by infrac'}, "
                "and this build writes there",
                "move the changes into the .infra sources (or the file elsewhere), delete it, and build again",
                "E0005",
            )


def _carry(source: Path, target: Path) -> None:
    """A file of the user's, from the old output folder to the new one (a hard link)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    if source.is_symlink():
        os.symlink(os.readlink(source), target)
        return
    try:
        os.link(source, target, follow_symlinks=False)
    except OSError:
        import shutil

        shutil.copy2(source, target, follow_symlinks=False)


_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def _swap(staging: Path, out: Path) -> None:
    """Make ``staging`` the output folder; the previous output ends at ``staging``."""
    if not out.exists():
        os.rename(staging, out)
        return
    if _exchange(staging, out):
        return
    # No atomic exchange here: two renames. A run killed between them leaves the old
    # output at `.<out>.infrac-old-...`, which the next run puts back (sweep_staging).
    old = out.parent / f".{out.name}{_STAGING}old-{os.urandom(6).hex()}"
    os.rename(out, old)
    try:
        os.rename(staging, out)
    except OSError:
        os.rename(old, out)  # the old output back in place
        raise
    os.rename(old, staging)


def _new_folder(parent: Path, prefix: str) -> Path:
    """A new folder in ``parent`` (0700, named ``prefix`` and random hex digits), by its
    absolute path: ``tempfile.mkdtemp``'s contract, without importing ``tempfile`` (and
    ``shutil`` and the compression modules with it) in every build."""
    while True:
        path = os.path.abspath(os.path.join(parent, f"{prefix}{os.urandom(6).hex()}"))
        try:
            os.mkdir(path, 0o700)
            return Path(path)
        except FileExistsError:
            continue


def _exchange(a: Path, b: Path) -> bool:
    """Exchange two paths atomically (Linux ``renameat2``); False where not supported."""
    if not sys.platform.startswith("linux"):
        return False
    import ctypes  # here, not at the top: `check` never swaps folders

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    if renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    error = ctypes.get_errno()
    if error in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP):
        return False
    raise OSError(error, os.strerror(error), str(b))


def sweep_staging(out: Path) -> list[tuple[str, str]]:
    """Remove the folders a killed or failed build left beside ``out``; put back an old
    output that a killed two-rename swap left aside (where there is no atomic exchange).
    Never fails: returns the folders it could not remove, with the reason (they do not
    stop the build; the next one tries again)."""
    parent = out.parent
    left: list[tuple[str, str]] = []
    if not parent.is_dir():
        return left
    for stray in entries_named(parent, f".{out.name}{_STAGING}"):
        try:
            if stray.is_symlink() or not stray.is_dir():
                continue
            if not ((stray / MANIFEST).is_file() or not os.listdir(stray)):
                continue  # not one of ours
            if stray.name.startswith(f".{out.name}{_STAGING}old-") and not out.exists():
                os.rename(stray, out)
                continue
        except OSError as error:
            left.append((display(stray), error.strerror or str(error)))
            continue
        left += _remove_aside(stray)
    return left


def _remove_aside(folder: Path) -> list[tuple[str, str]]:
    """Remove a folder of infrac's own beside ``out`` (a previous output, a staging folder);
    one that its owner made read-only is made writable first (it is being deleted). Returns
    ``[(path, reason)]`` when it cannot be removed, and leaves it for the next build."""
    try:
        _remove_tree(folder)
    except OSError:
        try:
            _writable_tree(folder)
            _remove_tree(folder)
        except OSError as error:
            return [(display(folder), error.strerror or str(error))]
    return []


def _writable_tree(folder: Path) -> None:
    """Give the owner write and search permission on ``folder`` and every folder under it
    (links are not followed), so that their entries can be removed."""
    pending = [folder]
    while pending:
        current = pending.pop()
        info = os.lstat(current)
        if not stat.S_ISDIR(info.st_mode):
            continue
        if info.st_mode & 0o700 != 0o700:
            os.chmod(current, stat.S_IMODE(info.st_mode) | 0o700)
        pending += [current / name for name in os.listdir(current)]


def _remove_quietly(folder: Path) -> None:
    """Remove a staging folder after a failure that is already being reported (what is
    left is swept by the next build)."""
    try:
        _remove_tree(folder)
    except OSError:
        pass


def _remove_tree(folder: Path) -> None:
    """Remove one of infrac's own staging folders, the manifest last, so that a run
    killed midway leaves a folder that the next run still recognises as its own."""
    if not folder.is_dir() or folder.is_symlink():
        return
    for entry in sorted(folder.iterdir()):
        if entry.name == MANIFEST:
            continue
        if entry.is_dir() and not entry.is_symlink():
            import shutil

            shutil.rmtree(entry)
        else:
            entry.unlink()
        _step(f"remove {entry.name}")
    (folder / MANIFEST).unlink(missing_ok=True)
    folder.rmdir()


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def manifest_text(encoded: dict[str, bytes]) -> str:
    """The manifest a build writes beside its files: what it wrote, with each file's SHA-256."""
    manifest = {"generator": "infrac", "version": MANIFEST_VERSION, "files": {r: _digest(b) for r, b in sorted(encoded.items())}}
    return json.dumps(manifest, indent=2) + "\n"


@frozen
class Difference:
    """A file of ``--out`` that is not what the sources produce: ``missing``,
    ``extra`` (written by an earlier build, no longer built) or ``different``."""

    path: str
    kind: str
    expected: str | None = None
    actual: str | None = None


def compare_outputs(out: Path, files: dict[str, str]) -> list[Difference]:
    """How ``out`` differs from a build that would write ``files`` (and its manifest).
    Files the manifest does not list (a README kept beside the templates) are not
    the build's and are left out, as the build itself leaves them."""
    expected = dict(files)
    expected[MANIFEST] = manifest_text({r: t.encode("utf-8") for r, t in files.items()})
    previous: list[str] = []
    manifest = out / MANIFEST
    if manifest.is_file():
        try:
            document = json.loads(manifest.read_bytes().decode("utf-8"))
            if _manifest_problem(document) is None:
                previous = list(document["files"])
        except (OSError, ValueError, RecursionError):
            previous = []
    found = []
    for relative in sorted(expected):
        path = out / relative
        if not path.is_file():
            found.append(Difference(relative, "missing", expected=expected[relative]))
            continue
        try:
            actual = path.read_bytes().decode("utf-8")
        except UnicodeDecodeError:
            actual = "(not UTF-8 text)\n"
        except OSError as error:
            actual = f"(cannot be read: {error.strerror or error})\n"
        if actual != expected[relative]:
            found.append(Difference(relative, "different", expected=expected[relative], actual=actual))
    for relative in sorted(set(previous) - set(expected)):
        if (out / relative).is_file():
            found.append(Difference(relative, "extra"))
    return found


def read_output_folder(out: Path) -> tuple[dict[str, str], list[str]]:
    """The texts of a build's output folder, for ``infrac diff --against``: the files its
    manifest lists (or, without a manifest, every file in it but hidden ones), by path in
    the folder; and the files that could not be read."""
    try:
        listed = sorted(read_manifest(out))
    except OutputError:
        listed = []
    if not listed:
        try:
            existing = _existing(out)[1]
        except OutputError:
            existing = []
        listed = [f for f in existing if not any(part.startswith(".") for part in f.split("/"))]
    files, unreadable = {}, []
    for relative in listed:
        path = out / relative
        try:
            if path.is_symlink() or not path.is_file():
                raise OSError
            files[relative] = path.read_bytes().decode("utf-8")
        except (OSError, UnicodeDecodeError):
            unreadable.append(relative)
    return files, unreadable
