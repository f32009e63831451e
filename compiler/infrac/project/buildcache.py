"""The build cache: parsed files and emitted stacks, keyed by their content.

A private folder of the user's, ``$XDG_CACHE_HOME/infrac/`` (by default
``~/.cache/infrac/``), holds as plain JSON and text (never pickle: nothing read
back from it can run code):

- ``parse/<sha256 of path and text>.json``: a file's syntax IR, so that a
  rebuild parses only the files that changed (and, when none did, never loads
  the parser at all);
- ``emit/<sha256 of the rendered document>.txt``: a stack's YAML or JSON text,
  so that only stacks whose rendered document changed are emitted again (when a
  build compiles the whole program);
- ``summary/<sha256>.json`` and ``group/<sha256>.json``: what
  :mod:`infrac.project.incremental` keeps, a project's file summaries and each group of
  stacks' compiled result (its files, diagnostics and part of the lock), so that
  a rebuild compiles only the groups whose inputs changed.

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
:mod:`infrac.project.workspace`).
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
from decimal import Decimal
from pathlib import Path
from sys import intern

from infrac import __version__
from infrac.base.source import SourceFile, Span
from infrac.syntax import ir

TYPE_CHECKING = False  # typing's own constant, without importing typing
if TYPE_CHECKING:
    from typing import Any

#: Bumped when the layout or the encoding of entries changes.
FORMAT = 2


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
    package = Path(__file__).resolve().parent
    schemas = os.path.join(package, "cfn", "schemas")
    digest = hashlib.sha256(f"{FORMAT}\0{__version__}".encode())
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


#: How a temporary file is created: exclusively (never an existing file or link), for us alone.
_NEW_FILE = os.O_RDWR | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)


def _new_file(folder: Path) -> tuple[int, str]:
    """A new file in ``folder`` (0600, a random name ``.<hex>.tmp``) and its descriptor:
    ``tempfile.mkstemp``'s contract, without importing ``tempfile`` (and ``shutil``,
    ``random`` and the compression modules with it) on every run that writes an entry."""
    while True:
        name = os.path.join(folder, f".{os.urandom(8).hex()}.tmp")
        try:
            return os.open(name, _NEW_FILE, 0o600), name
        except FileExistsError:
            continue


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
        # the parts ("parse", "emit", "summary", "group") are made when first written: a
        # check writes only parses, a first build no emissions (a folder costs a write to
        # the disk). Inside the private folder above, only its owner can make them.
        self._made: set[Path] = set()
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
        if path.parent not in self._made:
            try:
                _private_folder(path.parent)
            except (Unusable, OSError):
                return
            self._made.add(path.parent)
        try:
            handle, temporary = _new_file(path.parent)
            try:
                with os.fdopen(handle, "w", encoding="utf-8", newline="") as stream:
                    stream.write(text)
                os.replace(temporary, path)
            except BaseException:
                Path(temporary).unlink(missing_ok=True)
                raise
        except OSError:
            pass

    # ---- JSON entries (infrac.project.incremental: file summaries and group results) -------------

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

    def delete(self, part: str, key: str) -> None:
        """Remove entry ``key`` of ``part`` (a key of hexadecimal digits), if it is there."""
        if key.isalnum() and key.isascii():
            try:
                (self.folder / part / f"{key}.json").unlink(missing_ok=True)
            except OSError:
                pass

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
                return ParseResult(read_module(text, source.path), ())
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
#
# Flat and positional, so that a warm build reads a module with one json.loads and one
# call per node: a node is a list ``[class, field, ..., start, end, ...]`` whose class
# is a number (0 String, 1 Number, 2 Bool, 3 Symbol, 4 Ref, 5 List, 6 Map, 7 Call,
# 8 Attribute, 9 Block, 10 Export, 11 Uses, 12 Project, 13 Stack) and whose fields
# are in the order encode_module writes them and decode_module reads them; a span is
# two numbers (its file is the module's); a value that is a node is a node list; a
# tuple of nodes is a list of node lists. Decoding checks every node's length
# (unpacking fails otherwise) and its class, so a corrupt or foreign entry is a miss.
# Names are interned, as the parser's are, so that the many copies of `name` or
# `table` are one string. ``tests/test_buildcache.py`` checks that every ``.infra``
# file of the repository reads back identical, spans included.


# ---- diagnostics as JSON (a cached group's findings) ------------------------------------


def _span(span: Span | None) -> Any:
    return None if span is None else [span.file, span.start, span.end]


def _unspan(data: Any) -> Span | None:
    return None if data is None else Span(str(data[0]), int(data[1]), int(data[2]))


def encode_diagnostic(d) -> Any:
    """A diagnostic as JSON data, for a cached result; :func:`decode_diagnostic` reads it back."""
    return [
        d.code, d.severity.value, d.message, _span(d.span), d.label,
        [[_span(label.span), label.message] for label in d.labels],
        list(d.notes), d.hint,
        None if d.fix is None else [d.fix.description, [[_span(r.span), r.text] for r in d.fix.replacements]],
    ]


def decode_diagnostic(data: Any):
    from infrac.diagnostics.model import Diagnostic, Fix, Label, Replacement, Severity

    code, severity, message, span, label, labels, notes, hint, fix = data
    return Diagnostic(
        code=str(code),
        severity=Severity(severity),
        message=str(message),
        span=_unspan(span),
        label=str(label),
        labels=tuple(Label(_unspan(s), str(m)) for s, m in labels),
        notes=tuple(str(n) for n in notes),
        hint=None if hint is None else str(hint),
        fix=None if fix is None else Fix(str(fix[0]), tuple(Replacement(_unspan(s), str(t)) for s, t in fix[1])),
    )


class _Unencodable(Exception):
    pass


def encode_module(module: ir.Module) -> Any:
    """A module as JSON data (see above); raises _Unencodable for a module that did
    not come from parsing one file (a span of another file, a missing span)."""
    path = module.path

    def span(value: Span | None) -> tuple[int, int]:
        if type(value) is not Span or value.file != path:
            raise _Unencodable(value)
        return value.start, value.end

    def node(value: Any) -> list:
        cls = type(value)
        # the commonest first
        if cls is ir.Attribute:
            return [8, value.name, node(value.value), *span(value.span), *span(value.name_span)]
        if cls is ir.Symbol:
            return [3, value.name, *span(value.span)]
        if cls is ir.String:
            return [0, value.value, *span(value.span)]
        if cls is ir.Block:
            labels = [node(label) for label in value.labels]
            return [9, value.kind, labels, body(value.body), *span(value.span), *span(value.kind_span)]
        if cls is ir.Ref:
            parts = [n for part in value.part_spans for n in span(part)]
            return [4, list(value.parts), *span(value.span), parts]
        if cls is ir.Map:
            if any(type(e) is not ir.Entry for e in value.entries):
                raise _Unencodable(value)
            entries = [[e.key, node(e.value), *span(e.span), *span(e.key_span)] for e in value.entries]
            return [6, entries, *span(value.span)]
        if cls is ir.Number:
            number = value.value
            if type(number) is Decimal:
                number = str(number)
            elif type(number) is not int:
                raise _Unencodable(value)
            return [1, number, value.unit, *span(value.span)]
        if cls is ir.Bool:
            return [2, value.value, *span(value.span)]
        if cls is ir.List:
            return [5, [node(item) for item in value.items], *span(value.span)]
        if cls is ir.Call:
            return [7, value.name, [node(a) for a in value.args], *span(value.span), *span(value.name_span)]
        if cls is ir.Export:
            return [10, [ident(n) for n in value.names], body(value.body), *span(value.span)]
        if cls is ir.Uses:
            return [11, node(value.target), [ident(n) for n in value.access], *span(value.span)]
        if cls is ir.Project or cls is ir.Stack:
            return [12 if cls is ir.Project else 13, ident(value.name), body(value.body), *span(value.span)]
        raise _Unencodable(value)

    def ident(value: ir.Ident) -> list:
        if type(value) is not ir.Ident:
            raise _Unencodable(value)
        return [value.name, *span(value.span)]

    def body(statements: tuple) -> list:
        return [node(s) for s in statements]

    comments = []
    for comment in module.comments:
        if type(comment) is not ir.Comment:
            raise _Unencodable(comment)
        comments.append([comment.text, *span(comment.span)])
    return {"format": FORMAT, "items": [node(item) for item in module.items], "comments": comments}


class _Integers(dict):
    """JSON's integers, one object per value: spans hold two offsets each, and numbers
    above 256 are objects of their own (a sixth of a module's memory otherwise)."""

    def __missing__(self, text: str) -> int:
        value = self[text] = int(text)
        return value


_INTEGERS = _Integers()


def read_module(text: str, path: str) -> ir.Module:
    """:func:`decode_module` of an entry's JSON text."""
    if len(_INTEGERS) > 1 << 16:  # a long-lived process read a large file
        _INTEGERS.clear()
    return decode_module(json.loads(text, parse_int=_INTEGERS.__getitem__), path)


def decode_module(data: Any, path: str) -> ir.Module:
    """The module :func:`encode_module` encoded; raises on anything else."""
    if data.get("format") != FORMAT:
        raise ValueError("another format")
    String, Number, Bool, Symbol, Ref, List, Map, Entry, Call = (
        ir.String, ir.Number, ir.Bool, ir.Symbol, ir.Ref, ir.List, ir.Map, ir.Entry, ir.Call,
    )  # fmt: skip

    def string(n: list) -> ir.String:
        _, value, start, end = n
        if type(value) is not str:
            raise TypeError("string")
        return String(value, span=Span(path, start, end))

    def number(n: list) -> ir.Number:
        _, value, unit, start, end = n
        if type(value) is str:
            value = Decimal(value)
        elif type(value) is not int:
            raise TypeError("number")
        return Number(value, unit, span=Span(path, start, end))

    def bool_(n: list) -> ir.Bool:
        _, value, start, end = n
        return Bool(value, span=Span(path, start, end))

    def symbol(n: list) -> ir.Symbol:
        _, name, start, end = n
        return Symbol(intern(name), span=Span(path, start, end))

    def ref(n: list) -> ir.Ref:
        _, parts, start, end, spans = n
        if len(spans) != 2 * len(parts):
            raise ValueError("ref")
        part_spans = tuple(Span(path, spans[i], spans[i + 1]) for i in range(0, len(spans), 2))
        return Ref(tuple([intern(p) for p in parts]), span=Span(path, start, end), part_spans=part_spans)

    def list_(n: list) -> ir.List:
        _, items, start, end = n
        return List(tuple([node(i) for i in items]), span=Span(path, start, end))

    def map_(n: list) -> ir.Map:
        _, entries, start, end = n
        return Map(tuple([entry(*e) for e in entries]), span=Span(path, start, end))

    def entry(key: str, value: list, start: int, end: int, key_start: int, key_end: int) -> ir.Entry:
        return Entry(intern(key), node(value), span=Span(path, start, end), key_span=Span(path, key_start, key_end))

    def call(n: list) -> ir.Call:
        _, name, args, start, end, name_start, name_end = n
        return Call(
            intern(name),
            tuple([node(a) for a in args]),
            span=Span(path, start, end),
            name_span=Span(path, name_start, name_end),
        )

    def attribute(n: list) -> ir.Attribute:
        _, name, value, start, end, name_start, name_end = n
        return ir.Attribute(
            intern(name), node(value), span=Span(path, start, end), name_span=Span(path, name_start, name_end)
        )

    def block(n: list) -> ir.Block:
        _, kind, labels, statements, start, end, kind_start, kind_end = n
        return ir.Block(
            intern(kind),
            tuple([node(label) for label in labels]),
            tuple([node(s) for s in statements]),
            span=Span(path, start, end),
            kind_span=Span(path, kind_start, kind_end),
        )

    def export(n: list) -> ir.Export:
        _, names, statements, start, end = n
        return ir.Export(
            tuple([ident(*i) for i in names]), tuple([node(s) for s in statements]), span=Span(path, start, end)
        )

    def uses(n: list) -> ir.Uses:
        _, target, access, start, end = n
        return ir.Uses(node(target), tuple([ident(*i) for i in access]), span=Span(path, start, end))

    def project(n: list) -> ir.Project:
        _, name, statements, start, end = n
        return ir.Project(ident(*name), tuple([node(s) for s in statements]), span=Span(path, start, end))

    def stack(n: list) -> ir.Stack:
        _, name, statements, start, end = n
        return ir.Stack(ident(*name), tuple([node(s) for s in statements]), span=Span(path, start, end))

    def ident(name: str, start: int, end: int) -> ir.Ident:
        return ir.Ident(intern(name), span=Span(path, start, end))

    decoders = (
        string, number, bool_, symbol, ref, list_, map_, call, attribute, block, export, uses, project, stack,
    )  # fmt: skip

    def node(n: list) -> Any:
        return decoders[n[0]](n)

    items = tuple([node(i) for i in data["items"]])
    if any(type(i) is not ir.Project and type(i) is not ir.Stack for i in items):
        raise ValueError("not a module")
    comments = tuple([ir.Comment(text, Span(path, start, end)) for text, start, end in data["comments"]])
    return ir.Module(items, path=path, comments=comments)
