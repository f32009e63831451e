"""``@frozen``: attrs' frozen, slotted data class, with one shared ``__repr__``.

attrs writes the methods of each class as Python source and compiles it when the
class is created, at import. ``__repr__`` is the longest of them, nearly half of
that compilation, and the syntax IR, the checked model, the sources and the
diagnostics define some forty classes that every command loads. Their repr is
the text attrs writes (``Name(field=value, ...)``, without the fields declared
``repr=False``), made by one function from :func:`attrs.fields` instead.
Everything else is attrs' own and unchanged: ``__init__``, equality, hashing,
immutability, :func:`attrs.evolve` (docs/decisions.md, "Start-up").
"""

from __future__ import annotations

import attrs

#: Per class: the (name, repr) of each field its repr shows, in order.
_SHOWN: dict[type, tuple[tuple[str, object], ...]] = {}


def _repr(self) -> str:
    cls = type(self)
    shown = _SHOWN.get(cls)
    if shown is None:
        shown = _SHOWN[cls] = tuple((a.name, a.repr) for a in attrs.fields(cls) if a.repr)
    inner = ", ".join(
        f"{name}={show(getattr(self, name)) if callable(show) else repr(getattr(self, name))}" for name, show in shown
    )
    return f"{cls.__qualname__.rsplit('>.', 1)[-1]}({inner})"


def frozen(cls: type) -> type:
    """``@attrs.frozen``, with the shared ``__repr__`` unless the class writes its own,
    and without a ``__weakref__`` slot: nothing takes weak references to the IR, and a
    large project has hundreds of thousands of nodes and spans (8 bytes each)."""
    made = attrs.frozen(cls, repr=False, weakref_slot=False)
    if "__repr__" not in cls.__dict__:
        made.__repr__ = _repr  # type: ignore[method-assign]
    return made
