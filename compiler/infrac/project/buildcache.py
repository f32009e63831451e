"""The build cache: parsed files, emitted stacks and compiled groups, keyed by their content.

A private folder of the user's, ``$XDG_CACHE_HOME/infrac/`` (by default
``~/.cache/infrac/``), holds as plain JSON and text (never pickle: nothing read
back from it can run code):

- ``parse/<sha256 of path and text>.json``: a file's syntax IR, so that a
  rebuild parses only the files that changed (and, when none did, never loads
  the parser at all);
- ``emit/<sha256 of the rendered document>.txt``: a stack's YAML or JSON text,
  so that only stacks whose rendered document changed are emitted again;
- ``summary/<sha256>.json`` and ``group/<name>.json``: what
  :mod:`infrac.project.incremental` keeps, a project's index (its file summaries and
  which pack holds each group's result) and the packs of compiled groups.

All are under a folder named after a fingerprint of this infrac (its
version, and the path, size and time of every module, grammar and schema
file), so that a cache written by another version is never read. The cache
never changes a result: an entry is the exact output of the computation it
replaces, found by a hash of everything that computation reads. Deleting the
folder is always safe; entries are shared by every project of the user's.

**Only ever a cache.** An entry is data read from a folder on disk, and is used only
after it is verified: it must be a regular file of the user's, no larger than
:data:`MAX_ENTRY`, whose first line is the SHA-256 of the rest; JSON without a
floating-point number, no deeper than Python's decoder allows; and then of the exact
shape its reader expects (:mod:`infrac.project.irjson`, :mod:`infrac.project.results`).
Any failure to open, read, decode or verify an entry is a miss, never an error.

**Safety.** The folders are opened once, each relative to the one above it through a
directory descriptor (``O_DIRECTORY | O_NOFOLLOW``), and checked on that descriptor
(``fstat``): a real folder owned by the user that no one else can write; created 0700
when missing. Every entry is then read and written relative to its folder's
descriptor, so a folder renamed or replaced while a build runs (in a parent that others
can write) changes nothing the build reads. A folder that fails the check makes the
build run without a cache and say why, as Git and pip refuse a folder another user
controls. Entries are written to a new file (``O_EXCL``, 0600) and renamed into place,
so a concurrent build reads a whole entry or none. Only :mod:`infrac.cli` and the
language server's command use this module (it touches the disk, like
:mod:`infrac.project.workspace`).
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
from pathlib import Path

from infrac import __version__
from infrac.base.source import SourceFile
from infrac.project.irjson import FORMAT as IR_FORMAT
from infrac.project.irjson import Foreign, _Unencodable, encode_module, read_module

TYPE_CHECKING = False  # typing's own constant, without importing typing
if TYPE_CHECKING:
    from typing import Any

#: Bumped when the layout or the encoding of entries changes.
FORMAT = 3
#: The largest entry read (a pack of a project of several megabytes holds tens of megabytes).
MAX_ENTRY = 512 * 1024 * 1024

_FOLDER = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
#: An entry is opened without following a link, and without blocking on a FIFO planted in its place.
_ENTRY = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NONBLOCK", 0)
#: A temporary file is created exclusively (never an existing file or link), for us alone.
_NEW_FILE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
#: What reading an entry may raise, all of them a miss.
_MISS = (OSError, ValueError, TypeError, KeyError, IndexError, AttributeError, RecursionError, MemoryError, ArithmeticError)


class Unusable(Exception):
    """The cache folder is not safe to use; the message says why."""


def _fingerprint() -> str:
    """This infrac: its version and every file it runs or reads (modules, grammar,
    schemas), by path, size and modification time, so that an edited checkout
    gets a namespace of its own.

    The schema database (``cfn/schemas/``, three quarters of the files) counts by
    its index, which records every schema file's SHA-256 (a test holds them equal;
    ``make schemas`` writes both), and by the names of its files: stating each
    of them on every run cost more than the rest of the fingerprint."""
    package = Path(__file__).resolve().parent.parent
    schemas = os.path.join(package, "cfn", "schemas")
    digest = hashlib.sha256(f"{FORMAT}\0{IR_FORMAT}\0{__version__}".encode())
    pending = [str(package), str(package.parents[1] / "grammar")]  # the grammar of a checkout
    while pending:
        folder = pending.pop()
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError:
            continue
        for entry in entries:
            if entry.is_dir(follow_symlinks=False):
                if entry.name != "__pycache__":
                    pending.append(entry.path)
            elif folder == schemas and entry.name != "index.json":
                digest.update(f"\0{entry.path}".encode())
            elif not entry.name.endswith(".pyc"):
                info = entry.stat()
                digest.update(f"\0{entry.path}\0{info.st_size}\0{info.st_mtime_ns}".encode())
    return digest.hexdigest()[:24]


def _open_private(name: str, shown: Path, parent: int | None = None) -> int:
    """A descriptor of the folder ``name`` (relative to the folder ``parent``, or absolute),
    created 0700 when missing, checked on the descriptor: a real folder (a link is not
    followed) owned by the user that no one else can write. Raises Unusable or OSError."""
    try:
        os.mkdir(name, 0o700, dir_fd=parent)
    except FileExistsError:
        pass
    try:
        descriptor = os.open(name, _FOLDER, dir_fd=parent)
    except OSError as error:
        if os.path.islink(shown):
            raise Unusable(f"{shown} is a link") from error
        if os.path.lexists(shown) and not os.path.isdir(shown):
            raise Unusable(f"{shown} is not a folder") from error
        raise
    info = os.fstat(descriptor)
    problem = None
    if not stat.S_ISDIR(info.st_mode):
        problem = f"{shown} is not a folder"
    elif hasattr(os, "getuid") and info.st_uid != os.getuid():
        problem = f"{shown} belongs to another user"
    elif info.st_mode & 0o022:
        problem = f"{shown} can be written by other users"
    if problem is not None:
        os.close(descriptor)
        raise Unusable(problem)
    return descriptor


def default_location() -> Path:
    """``$XDG_CACHE_HOME/infrac`` (an absolute XDG_CACHE_HOME only, as the
    specification says), else ``~/.cache/infrac``."""
    base = os.environ.get("XDG_CACHE_HOME", "")
    return (Path(base) if os.path.isabs(base) else Path.home() / ".cache") / "infrac"


def _checked(data: bytes) -> str | None:
    """An entry's payload, when its first line is the SHA-256 of the rest."""
    digest, _, payload = data.partition(b"\n")
    if digest != hashlib.sha256(payload).hexdigest().encode():
        return None
    return payload.decode("utf-8")


def _no_float(text: str) -> Any:
    raise ValueError("no entry holds a floating-point number")


def loads(text: str) -> Any:
    """JSON of an entry: without floating-point numbers or constants (no entry holds one), so
    that every number is an integer; raises what ``json.loads`` raises, RecursionError included."""
    return json.loads(text, parse_float=_no_float, parse_constant=_no_float)


class BuildCache:
    """The user's build cache, in ``location`` (default: :func:`default_location`). Raises
    :class:`Unusable` (or OSError) when it is not safe or possible to use."""

    def __init__(self, location: Path | None = None) -> None:
        if not (os.open in os.supports_dir_fd and os.mkdir in os.supports_dir_fd):
            raise Unusable("this system cannot open the cache's folders relative to each other")
        self.top = location or default_location()
        self.top.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        self._descriptors: list[int] = []
        top = _open_private(str(self.top), self.top)
        self._descriptors.append(top)
        name = _fingerprint()
        self.folder = self.top / name
        try:
            self._namespace = _open_private(name, self.folder, top)
        except BaseException:
            self.close()
            raise
        self._descriptors.append(self._namespace)
        # the parts ("parse", "emit", "summary", "group") are opened when first used and made
        # when first written: a check writes only parses, a first build no emissions (a
        # folder costs a write to the disk). Inside the private folder above, only its owner
        # can make them; each is checked like the others.
        self._parts: dict[str, int | None] = {}
        self.parsed = 0  # files parsed, not found in the cache
        self.emitted = 0  # documents emitted, not found in the cache

    def close(self) -> None:
        """Close the folders' descriptors (a process that goes on, such as the tests)."""
        for descriptor in self._descriptors:
            try:
                os.close(descriptor)
            except OSError:
                pass
        self._descriptors = []
        self._parts = {}

    def __del__(self) -> None:
        self.close()

    # ---- entries ------------------------------------------------------------------

    def _part(self, part: str, create: bool) -> int | None:
        """The descriptor of a part's folder; None when it does not exist (``create`` makes it)
        or is not safe to use (then the cache only reads and writes less)."""
        if part in self._parts:
            descriptor = self._parts[part]
            if descriptor is not None or not create:
                return descriptor
        elif not create:
            try:
                os.stat(part, dir_fd=self._namespace, follow_symlinks=False)
            except OSError:
                self._parts[part] = None  # missing: made by the first write
                return None
        try:
            descriptor = _open_private(part, self.folder / part, self._namespace)
        except (Unusable, OSError):
            self._parts[part] = None
            return None
        self._descriptors.append(descriptor)
        self._parts[part] = descriptor
        return descriptor

    def read(self, part: str, name: str) -> str | None:
        """An entry's payload; None when it is missing, unreadable, not a regular file of the
        user's, larger than :data:`MAX_ENTRY`, or not whole (each entry starts with the
        SHA-256 of the rest, checked here)."""
        folder = self._part(part, create=False)
        if folder is None:
            return None
        try:
            descriptor = os.open(name, _ENTRY, dir_fd=folder)
        except OSError:
            return None
        try:
            info = os.fstat(descriptor)
            if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_ENTRY:
                return None
            if hasattr(os, "getuid") and info.st_uid != os.getuid():
                return None
            with open(descriptor, "rb", closefd=False) as stream:
                data = stream.read()
            return _checked(data) if len(data) <= MAX_ENTRY else None
        except (OSError, ValueError, MemoryError):
            return None
        finally:
            os.close(descriptor)

    def write(self, part: str, name: str, payload: str | list[str]) -> None:
        """Atomically, so that a concurrent build reads the whole entry or none; ``payload``
        may be given in pieces (a pack of tens of megabytes is not joined into one string).
        A cache that cannot be written is only slower."""
        folder = self._part(part, create=True)
        if folder is None:
            return
        digest = hashlib.sha256()
        encoded = []
        for piece in [payload] if isinstance(payload, str) else payload:
            data = piece.encode("utf-8", "surrogatepass")
            digest.update(data)
            encoded.append(data)
        try:
            while True:
                temporary = f".{os.urandom(8).hex()}.tmp"
                try:
                    descriptor = os.open(temporary, _NEW_FILE, 0o600, dir_fd=folder)
                    break
                except FileExistsError:
                    continue
            try:
                with open(descriptor, "wb") as stream:
                    stream.write(digest.hexdigest().encode() + b"\n")
                    stream.writelines(encoded)
                os.replace(temporary, name, src_dir_fd=folder, dst_dir_fd=folder)
            except BaseException:
                try:
                    os.unlink(temporary, dir_fd=folder)
                except OSError:
                    pass
                raise
        except OSError:
            pass

    def delete(self, part: str, name: str) -> None:
        """Remove an entry, if it is there (a name of letters, digits and one `.suffix`)."""
        stem, _, suffix = name.partition(".")
        if not (stem.isalnum() and stem.isascii() and suffix.isalnum()):
            return
        folder = self._part(part, create=False)
        if folder is None:
            return
        try:
            os.unlink(name, dir_fd=folder)
        except OSError:
            pass

    # ---- JSON entries (infrac.project.incremental: project indexes and packs of group results) ----

    def get(self, part: str, key: str) -> Any:
        """The JSON data of entry ``key`` of ``part`` (``summary``, ``group``); None on a miss.
        A corrupt entry is a miss (the checks of :meth:`read`, then JSON, then the reader's own)."""
        text = self.read(part, f"{key}.json")
        if text is None:
            return None
        try:
            data = loads(text)
        except _MISS:
            return None
        return data if isinstance(data, dict) else None

    def put(self, part: str, key: str, data: Any) -> None:
        self.write(part, f"{key}.json", json.dumps(data, separators=(",", ":"), ensure_ascii=False))

    # ---- parsing --------------------------------------------------------------------

    def parse(self, source: SourceFile, *, keep: bool = True):
        """:func:`infrac.syntax.parser.parse`, from the cache when this exact file
        (path and text) was parsed before without any diagnostic; a file parsed now is
        kept in the cache unless ``keep`` is False."""
        from infrac.syntax.parser import ParseResult

        key = hashlib.sha256(f"{source.path}\0{source.text}".encode("utf-8", "surrogatepass")).hexdigest()
        name = f"{key}.json"
        text = self.read("parse", name)
        if text is not None:
            try:
                return ParseResult(read_module(text, source.path, len(source.text)), ())
            except _MISS:
                pass  # corrupt or foreign: parse again, and overwrite it
        from infrac.syntax.parser import parse

        self.parsed += 1
        result = parse(source)
        if keep and result.module is not None and not result.diagnostics:
            try:
                encoded = json.dumps(encode_module(result.module), separators=(",", ":"), ensure_ascii=False)
            except _Unencodable:
                return result
            self.write("parse", name, encoded)
        return result

    # ---- emitting --------------------------------------------------------------------

    def emit(self, document: Any, form: str, emit) -> str:
        """``emit(document)`` (``form`` is ``yaml`` or ``json``), through the cache: an
        :attr:`infrac.backends.BuildOptions.emitter`.

        The key is the document's ``repr``, which tells apart every value the
        emitters accept (``1``, ``1.0``, ``True``, ``"1"``, ``Decimal('1')``, lists
        and tuples) and is exact for them."""
        key = hashlib.sha256(f"{form}\0{document!r}".encode("utf-8", "surrogatepass")).hexdigest()
        name = f"{key}.txt"
        text = self.read("emit", name)
        if text is not None:
            return text
        self.emitted += 1
        text = emit(document)
        self.write("emit", name, text)
        return text


__all__ = ["BuildCache", "Foreign", "MAX_ENTRY", "Unusable", "default_location", "loads"]
