"""The build cache: parsed files and emitted stacks, keyed by their content.

A private folder of the user's, ``$XDG_CACHE_HOME/infrac/`` (by default
``~/.cache/infrac/``), holds as plain JSON and text (never pickle: nothing read
back from it can run code):

- ``parse/<sha256 of path and text>.json``: a file's syntax IR, so that a
  rebuild parses only the files that changed (and, when none did, never loads
  the parser at all);
- ``emit/<sha256 of the rendered document>.txt``: a stack's YAML or JSON text,
  so that only stacks whose rendered document changed are emitted again.

Both are under a folder named after a fingerprint of this infrac (its
version, and the path, size and time of every module, grammar and schema
file), so that a cache written by another version is never read. The cache
never changes a result: an entry is the exact output of the computation it
replaces, found by a hash of everything that computation reads; an
unreadable, corrupt or unexpected entry is a miss. Deleting the folder is
always safe; entries are shared by every project of the user's.

Safety: every folder is created mode 0700 and used only when it is a real
folder (not a link) owned by the current user that no one else can write;
otherwise the build runs without a cache and says why. Only
:mod:`infrac.cli` uses this module (it touches the disk, like
:mod:`infrac.workspace`).
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
import tempfile
from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs

from infrac import __version__, ir
from infrac.source import SourceFile, Span

#: Bumped when the layout or the encoding of entries changes.
FORMAT = 1


class Unusable(Exception):
    """The cache folder is not safe to use; the message says why."""


def _fingerprint() -> str:
    """This infrac: its version and every file it runs or reads (modules, grammar,
    schemas), by path, size and modification time, so that an edited checkout
    gets a namespace of its own."""
    package = Path(__file__).resolve().parent
    digest = hashlib.sha256(f"{FORMAT}\0{__version__}".encode())
    pending = [package, package.parents[1] / "grammar"]  # the grammar of a checkout
    while pending:
        try:
            entries = sorted(os.scandir(pending.pop()), key=lambda e: e.name)
        except OSError:
            continue
        for entry in entries:
            if entry.is_dir(follow_symlinks=False):
                if entry.name != "__pycache__":
                    pending.append(Path(entry.path))
            elif not entry.name.endswith(".pyc"):
                info = entry.stat()
                digest.update(f"\0{entry.path}\0{info.st_size}\0{info.st_mtime_ns}".encode())
    return digest.hexdigest()[:24]


def _private_folder(path: Path) -> None:
    """Create ``path`` (0700) or check the existing one: a real folder of ours
    that no one else can write."""
    try:
        path.mkdir(mode=0o700)
    except FileExistsError:
        pass
    info = os.lstat(path)
    if not stat.S_ISDIR(info.st_mode):
        raise Unusable(f"{path} is not a folder")
    if hasattr(os, "getuid") and info.st_uid != os.getuid():
        raise Unusable(f"{path} belongs to another user")
    if info.st_mode & 0o022:
        raise Unusable(f"{path} can be written by other users")


def default_location() -> Path:
    """``$XDG_CACHE_HOME/infrac`` (an absolute XDG_CACHE_HOME only, as the
    specification says), else ``~/.cache/infrac``."""
    base = os.environ.get("XDG_CACHE_HOME", "")
    return (Path(base) if os.path.isabs(base) else Path.home() / ".cache") / "infrac"


class BuildCache:
    """The user's build cache, in ``location`` (default: :func:`default_location`)."""

    def __init__(self, location: Path | None = None) -> None:
        self.top = location or default_location()
        self.top.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        _private_folder(self.top)
        self.folder = self.top / _fingerprint()
        _private_folder(self.folder)
        for part in ("parse", "emit", "summary", "group"):
            _private_folder(self.folder / part)
        self.parsed = 0  # files parsed, not found in the cache
        self.emitted = 0  # documents emitted, not found in the cache

    # ---- entries ------------------------------------------------------------------

    def _read(self, path: Path) -> str | None:
        """An entry's text; None when it is missing, unreadable or not whole (each
        entry starts with the SHA-256 of the rest, checked here)."""
        try:
            with open(path, encoding="utf-8", newline="") as stream:
                text = stream.read()
        except (OSError, UnicodeDecodeError):
            return None
        digest, _, payload = text.partition("\n")
        if digest != hashlib.sha256(payload.encode()).hexdigest():
            return None
        return payload

    def _write(self, path: Path, payload: str) -> None:
        """Atomically, so that a concurrent build reads the whole entry or none.
        A cache that cannot be written is only slower."""
        text = hashlib.sha256(payload.encode()).hexdigest() + "\n" + payload
        try:
            handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".", suffix=".tmp")
            try:
                with os.fdopen(handle, "w", encoding="utf-8", newline="") as stream:
                    stream.write(text)
                os.replace(temporary, path)
            except BaseException:
                Path(temporary).unlink(missing_ok=True)
                raise
        except OSError:
            pass

    # ---- JSON entries (infrac.incremental: file summaries and group results) -------------

    def get(self, part: str, key: str) -> Any:
        """The JSON data of entry ``key`` of ``part`` (``summary``, ``group``); None on a miss.
        A corrupt entry is a miss (the checksum, then JSON, then the reader's own checks)."""
        text = self._read(self.folder / part / f"{key}.json")
        if text is None:
            return None
        try:
            data = json.loads(text)
        except ValueError:
            return None
        return data if isinstance(data, dict) else None

    def put(self, part: str, key: str, data: Any) -> None:
        self._write(self.folder / part / f"{key}.json", json.dumps(data, separators=(",", ":"), ensure_ascii=False))

    # ---- parsing --------------------------------------------------------------------

    def parse(self, source: SourceFile):
        """:func:`infrac.syntax.parser.parse`, from the cache when this exact file
        (path and text) was parsed before without any diagnostic."""
        from infrac.syntax.parser import ParseResult

        key = hashlib.sha256(f"{source.path}\0{source.text}".encode()).hexdigest()
        entry = self.folder / "parse" / f"{key}.json"
        text = self._read(entry)
        if text is not None:
            try:
                return ParseResult(decode_module(json.loads(text), source.path), ())
            except (ValueError, KeyError, TypeError, IndexError, AttributeError):
                pass  # corrupt or foreign: parse again, and overwrite it
        from infrac.syntax.parser import parse

        self.parsed += 1
        result = parse(source)
        if result.module is not None and not result.diagnostics:
            try:
                encoded = json.dumps(encode_module(result.module), separators=(",", ":"), ensure_ascii=False)
            except _Unencodable:
                return result
            self._write(entry, encoded)
        return result

    # ---- emitting --------------------------------------------------------------------

    def emit(self, document: Any, form: str, emit) -> str:
        """``emit(document)`` (``form`` is ``yaml`` or ``json``), through the cache: an
        :attr:`infrac.backends.BuildOptions.emitter`.

        The key is the document's ``repr``, which tells apart every value the
        emitters accept (``1``, ``1.0``, ``True``, ``"1"``, ``Decimal('1')``, lists
        and tuples) and is exact for them."""
        key = hashlib.sha256(f"{form}\0{document!r}".encode()).hexdigest()
        entry = self.folder / "emit" / f"{key}.txt"
        text = self._read(entry)
        if text is not None:
            return text
        self.emitted += 1
        text = emit(document)
        self._write(entry, text)
        return text


# ---- the syntax IR as JSON ----------------------------------------------------------------

_CLASSES = {
    cls.__name__: cls
    for cls in vars(ir).values()
    if isinstance(cls, type) and attrs.has(cls) and cls.__module__ == ir.__name__
}
_FIELDS = {name: tuple(f.name for f in attrs.fields(cls)) for name, cls in _CLASSES.items()}


class _Unencodable(Exception):
    pass


def encode_module(module: ir.Module) -> Any:
    """A module as JSON data: ``{"c": class, "f": [fields]}`` for IR nodes, spans as
    ``{"s": [start, end]}`` (their file is the module's), ``{"d": "1.5"}`` for
    decimals, lists for tuples."""
    path = module.path

    def encode(value: Any) -> Any:
        if value is None or type(value) in (str, bool, int):
            return value
        if isinstance(value, tuple):
            return [encode(v) for v in value]
        if type(value) is Span:
            if value.file != path:
                raise _Unencodable(value)
            return {"s": [value.start, value.end]}
        if type(value) is Decimal:
            return {"d": str(value)}
        name = type(value).__name__
        if _CLASSES.get(name) is type(value):
            return {"c": name, "f": [encode(getattr(value, f)) for f in _FIELDS[name]]}
        raise _Unencodable(value)

    return {"format": FORMAT, "module": encode(module)}


def decode_module(data: Any, path: str) -> ir.Module:
    """The module :func:`encode_module` encoded; raises on anything else."""
    if data.get("format") != FORMAT:
        raise ValueError("another format")

    def decode(value: Any) -> Any:
        if isinstance(value, list):
            return tuple(decode(v) for v in value)
        if isinstance(value, dict):
            if "c" in value:
                name = value["c"]
                cls = _CLASSES[name]
                fields = _FIELDS[name]
                values = value["f"]
                if len(values) != len(fields):
                    raise ValueError("fields")
                return cls(**{f: decode(v) for f, v in zip(fields, values)})
            if "s" in value:
                start, end = value["s"]
                return Span(path, int(start), int(end))
            if "d" in value:
                return Decimal(value["d"])
            raise ValueError("unknown entry")
        return value

    module = decode(data["module"])
    if type(module) is not ir.Module or module.path != path:
        raise ValueError("not this file's module")
    return module
