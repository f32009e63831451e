"""GitHub Actions workflow commands: each diagnostic becomes an annotation on the
pull request's diff.

    ::error file=infra.dsl/main.infra,line=9,col=13,endLine=9,endColumn=17,title=E0402 unknown resource::unknown resource `Userz` in stack `data`

GitHub reads these lines from a step's standard output. In the message, ``%``,
``\\r`` and ``\\n`` are escaped as ``%25``, ``%0D`` and ``%0A``; in the
properties, ``:`` and ``,`` as well (``%3A``, ``%2C``). ``endColumn`` is the
column of the last character of the span (inclusive), as GitHub's annotations
count it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from infrac.base.source import SourceFile
from infrac.diagnostics.codes import CODES
from infrac.diagnostics.model import Diagnostic, Severity, sort_key


def escape_data(text: str) -> str:
    """A workflow command's message, escaped as the runner reads it.

    >>> escape_data("50% done\\nnext")
    '50%25 done%0Anext'
    """
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """A workflow command's property value (``file=``, ``title=``), escaped.

    >>> escape_property("a:b,c")
    'a%3Ab%2Cc'
    """
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def to_github(diagnostics: Iterable[Diagnostic], sources: Mapping[str, SourceFile]) -> str:
    return "".join(_command(d, sources) + "\n" for d in sorted(diagnostics, key=sort_key))


def _command(d: Diagnostic, sources: Mapping[str, SourceFile]) -> str:
    command = "error" if d.severity is Severity.ERROR else "warning"
    properties: list[tuple[str, str]] = []
    if d.span is not None:
        properties.append(("file", d.span.file))
        source = sources.get(d.span.file)
        if source is not None:
            start = source.position(d.span.start)
            last = source.position(max(d.span.start, d.span.end - 1))
            properties += [
                ("line", str(start.line)),
                ("col", str(start.column)),
                ("endLine", str(last.line)),
                ("endColumn", str(last.column)),
            ]
    title = f"{d.code} {CODES[d.code].title}" if d.code in CODES else d.code
    properties.append(("title", title))
    message = d.message
    if d.label:
        message += f" ({d.label})"
    for note in d.notes:
        message += f"\nnote: {note}"
    if d.hint:
        message += f"\nhelp: {d.hint}"
    head = ",".join(f"{key}={escape_property(value)}" for key, value in properties)
    return f"::{command} {head}::{escape_data(message)}"
