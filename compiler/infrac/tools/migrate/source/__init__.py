"""Read a Serverless v3 service file or a CloudFormation template into one template model.

The model (:mod:`~infrac.tools.migrate.source.model`) is what every migration tool (import,
split, the move plan) works from, whatever the input looked like:

- CloudFormation YAML, with or without short-form tags (``!Ref``, ``!GetAtt``, ``!Sub``,
  ``!If``, ``!Join``, ``!Select``, ``!Split``, ``!FindInMap``, ``!ImportValue``,
  ``!Equals``, ``!Not``, ``!And``, ``!Or``, ``!Condition``, ``!Base64``, ``!Cidr``,
  ``!GetAZs``), or JSON;
- a Serverless Framework v3 service (``serverless.yml``): its ``resources`` (a mapping or a
  list of fragments, merged), with the framework's variables resolved.

The modules, in the order a file goes through them:

- :mod:`~infrac.tools.migrate.source.loader`: the safe YAML loader (:class:`CfnLoader`, a
  ``yaml.SafeLoader`` with a constructor per short-form tag, so no input can make Python
  objects) and :func:`load_yaml`, plain data for callers that want values without locations;
- :mod:`~infrac.tools.migrate.source.reader`: a file's text to plain values with the span of
  each value by its template path (E0801, E0803, E0805, E0806);
- :mod:`~infrac.tools.migrate.source.shape`: a template's sections checked and built into
  the model (E0802);
- :mod:`~infrac.tools.migrate.source.variables` and
  :mod:`~infrac.tools.migrate.source.serverless`: a service file's variables resolved offline
  (E0804), and its ``resources`` as one template;
- this module: the two entry points.

API
---

``read(source: SourceFile) -> Read``
    The one entry point. ``Read.template`` is a :class:`Template` (or None when the input
    cannot be read as one); ``Read.diagnostics`` are located diagnostics (codes E0800-E0809),
    never exceptions. Whether the file is a service or a template is decided by its content
    (a top-level ``service`` key, or ``provider``/``functions`` with ``resources``).

``decode(path, data: bytes) -> SourceFile | Diagnostic``
    The text of a file (UTF-8), or diagnostic E0800.
"""

from __future__ import annotations

from infrac.base.source import SourceFile, Span
from infrac.diagnostics import Diagnostic, diagnostic
from infrac.tools.migrate.source import sam
from infrac.tools.migrate.source.model import Read
from infrac.tools.migrate.source.reader import Reader, Stop, compose
from infrac.tools.migrate.source.serverless import is_service, service_template
from infrac.tools.migrate.source.shape import Shape


def decode(path: str, data: bytes) -> SourceFile | Diagnostic:
    """The text of a file's bytes (UTF-8, a leading BOM allowed), or E0800 where it is not."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        return diagnostic(
            "E0800", f"`{path}` is not UTF-8 text", None, notes=[f"byte {error.start} cannot be decoded"],
            hint="save the file as UTF-8",
        )
    return SourceFile(path, text)


def read(source: SourceFile) -> Read:
    """Read one service file or template; see the module's documentation."""
    diagnostics: list[Diagnostic] = []
    node = compose(source, diagnostics)
    if node is None:
        if not diagnostics:
            diagnostics.append(diagnostic("E0802", "the file is empty", Span(source.path, 0, 1),
                                          label="a template is a mapping with `Resources`"))
        return Read(None, tuple(diagnostics))
    reader = Reader(source)
    try:
        data = reader.value(node, "")
    except Stop:
        return Read(None, tuple(diagnostics + reader.diagnostics))
    diagnostics.extend(reader.diagnostics)
    reader.locations[""] = reader.span(node)
    if is_service(data):
        template = service_template(data, reader.locations, source.path, diagnostics)
    elif sam.is_sam(data):  # the CloudFormation that AWS deploys for it
        translated = sam.translate(data, reader.locations, diagnostics)
        if translated is None:
            return Read(None, tuple(diagnostics))
        template = Shape(source.path, reader.locations, diagnostics).template(translated, "cloudformation", None)
    else:
        template = Shape(source.path, reader.locations, diagnostics).template(data, "cloudformation", None)
    return Read(template, tuple(diagnostics))
