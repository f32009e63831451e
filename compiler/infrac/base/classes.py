"""Data classes: ``@frozen`` and ``@mutable``, whose methods are generated ahead of time.

The IR, the checked model, the sources and the diagnostics are slotted data classes:
``__init__``, equality and (for frozen classes) hashing generated from the annotated
fields, immutability, :func:`evolve`, and a ``repr`` that shows the fields.
Libraries that make such classes (attrs, :mod:`dataclasses`) write each class's
methods as Python source and compile it when the class is created, at import, and
every command creates some eighty classes before it does anything. infrac generates
that source ahead of time instead: ``make classes`` writes the methods of every
data class of the package into one module, ``infrac/_methods.py``, which Python
compiles to bytecode once, like any module. Creating the class then only looks them
up (docs/decisions.md, decision 61).

Each generated class carries a key: its fields and their options. When the class
has changed since (while it is being edited), or is not in the generated module (a
class outside the package), the same source is compiled here instead, which is slower
but never different; ``tests/test_classes.py`` fails while the committed module is out
of date.

What a class declares:

- fields are its annotations, in order (``ClassVar`` ones excepted), with a default
  value or a :func:`field` (a factory, ``init``, ``eq``, ``hash``, ``repr``,
  ``kw_only``);
- ``__post_init__``, when defined, runs at the end of ``__init__``; a frozen class
  sets fields there with ``object.__setattr__``;
- fields are stored in slots, set by their slot descriptors (faster than
  ``object.__setattr__``); there is no ``__dict__`` and no ``__weakref__``;
- data classes do not inherit from data classes.
"""

from __future__ import annotations

import sys

TYPE_CHECKING = False  # typing's own constant, without importing typing
if TYPE_CHECKING:
    from typing import Any, Callable, TypeVar

    T = TypeVar("T")


class _Nothing:
    __slots__ = ()

    def __repr__(self) -> str:
        return "NOTHING"


#: "No value given": a field without a default, an argument left out.
NOTHING: Any = _Nothing()


class FrozenInstanceError(AttributeError):
    """An assignment to a field of a frozen instance."""


class Field:
    """One field of a data class, as :func:`fields` returns it."""

    __slots__ = ("name", "default", "factory", "init", "eq", "hash", "repr", "kw_only")

    def __init__(
        self,
        name: str,
        default: Any = NOTHING,
        factory: Callable[[], Any] | None = None,
        init: bool = True,
        eq: bool = True,
        hash: bool | None = None,
        repr: bool = True,
        kw_only: bool = False,
    ) -> None:
        self.name = name
        self.default = default
        self.factory = factory
        self.init = init
        self.eq = eq
        self.hash = eq if hash is None else hash
        self.repr = repr
        self.kw_only = kw_only

    def named(self, name: str) -> Field:
        return Field(name, self.default, self.factory, self.init, self.eq, self.hash, self.repr, self.kw_only)

    @property
    def key(self) -> str:
        """What the generated methods depend on (the default and the factory themselves
        are handed to them when the class is created)."""
        return (
            f"{self.name}:{'d' if self.default is not NOTHING else ''}{'f' if self.factory is not None else ''}"
            f"{'i' if self.init else ''}{'e' if self.eq else ''}{'h' if self.hash else ''}{'k' if self.kw_only else ''}"
        )

    def __repr__(self) -> str:
        return f"Field({self.name!r}, init={self.init}, eq={self.eq}, repr={self.repr}, kw_only={self.kw_only})"


def field(
    *,
    default: Any = NOTHING,
    factory: Callable[[], Any] | None = None,
    init: bool = True,
    eq: bool = True,
    hash: bool | None = None,
    repr: bool = True,
    kw_only: bool = False,
) -> Any:
    """A field's options, as the value of its annotation in the class body."""
    if default is not NOTHING and factory is not None:
        raise TypeError("a field has a default or a factory, not both")
    return Field("", default, factory, init, eq, hash, repr, kw_only)


# ---- the methods' source ------------------------------------------------------


def _key(fields: tuple[Field, ...], frozen: bool, hashable: bool, post_init: bool) -> str:
    kind = ("frozen" if frozen else "mutable") + (" hash" if hashable else "") + (" post_init" if post_init else "")
    return kind + " | " + " ".join(f.key for f in fields)


def _function_name(module: str, qualname: str) -> str:
    """The name of a class's function in the generated module: ``ir__Attribute``."""
    return f"{module.removeprefix('infrac.')}.{qualname}".replace(".", "__")


def source(
    function: str, qualname: str, fields: tuple[Field, ...], frozen: bool, hashable: bool, post_init: bool
) -> str:
    """The Python source of ``function``, which makes the methods of class ``qualname``
    from a namespace holding each field's slot setter (``set_x``), default
    (``default_x``) and factory (``factory_x``), ``NOTHING`` and the hash's ``salt``."""
    names = [f.name for f in fields]
    positional: list[str] = []
    keyword: list[str] = []
    body: list[str] = []
    seen_default = ""
    for f in fields:
        name = f.name
        if f.init:
            if f.factory is not None:
                parameter = f"{name}=NOTHING"
                value = f"factory_{name}() if {name} is NOTHING else {name}"
            elif f.default is not NOTHING:
                parameter, value = f"{name}=default_{name}", name
            else:
                parameter, value = name, name
            if f.kw_only:
                keyword.append(parameter)
            else:
                if parameter == name and seen_default:
                    raise TypeError(
                        f"{qualname}: field {name!r} without a default follows {seen_default!r}, which has one"
                    )
                if parameter != name:
                    seen_default = name
                positional.append(parameter)
            body.append(f"set_{name}(self, {value})")
        elif f.factory is not None:
            body.append(f"set_{name}(self, factory_{name}())")
        elif f.default is not NOTHING:
            body.append(f"set_{name}(self, default_{name})")
    if post_init:
        body.append("self.__post_init__()")
    parameters = ", ".join(["self", *positional, *(["*", *keyword] if keyword else [])])
    compared = [f.name for f in fields if f.eq]
    hashed = [f.name for f in fields if f.hash]

    def tuple_of(items: list[str]) -> str:
        return "(" + ", ".join(items) + ("," if len(items) == 1 else "") + ")"

    lines = [f"def {function}(ns):"]
    if any(p.endswith("=NOTHING") for p in positional + keyword):
        lines.append("    NOTHING = ns['NOTHING']")
    if hashable:
        lines.append("    salt = ns['salt']")
    for name in names:
        lines.append(f"    set_{name} = ns['set_{name}']")
    for f in fields:
        if f.factory is not None:
            lines.append(f"    factory_{f.name} = ns['factory_{f.name}']")
        elif f.default is not NOTHING:
            lines.append(f"    default_{f.name} = ns['default_{f.name}']")
    lines += ["", f"    def __init__({parameters}):"]
    lines += [f"        {line}" for line in body or ["pass"]]
    lines += [
        "",
        "    def __eq__(self, other):",
        "        if other.__class__ is not self.__class__:",
        "            return NotImplemented",
        f"        return {tuple_of([f'self.{n}' for n in compared])} == {tuple_of([f'other.{n}' for n in compared])}",
    ]
    if hashable:
        lines += ["", "    def __hash__(self):", f"        return hash({tuple_of(['salt', *(f'self.{n}' for n in hashed)])})"]
    lines += ["", f"    return __init__, __eq__, {'__hash__' if hashable else 'None'}", ""]
    return "\n".join(lines)


# ---- making a class -----------------------------------------------------------

#: "module:qualname" -> (key, function) of every class of the package, from
#: ``infrac/_methods.py`` (loaded with the first data class)
_GENERATED: dict[str, tuple[str, Any]] | None = None

#: Every data class made, in order (``make classes`` writes their methods).
MADE: list[type] = []


def _generated(module: str, qualname: str) -> tuple[str, Any] | None:
    global _GENERATED
    if _GENERATED is None:
        try:
            from infrac.base._methods import METHODS
        except ImportError:  # being written by `make classes`
            METHODS = {}
        _GENERATED = METHODS
    return _GENERATED.get(f"{module}:{qualname}")


def _fields(cls: type) -> tuple[Field, ...]:
    for base in cls.__mro__[1:]:
        if "__data_fields__" in base.__dict__:
            raise TypeError(f"{cls.__qualname__}: a data class does not inherit from another ({base.__qualname__})")
    made = []
    namespace = cls.__dict__
    for name, annotation in namespace.get("__annotations__", {}).items():
        if isinstance(annotation, str) and annotation.startswith(("ClassVar", "typing.ClassVar")):
            continue
        value = namespace.get(name, NOTHING)
        made.append(value.named(name) if isinstance(value, Field) else Field(name, default=value))
    return tuple(made)


def _setattr(self: Any, name: str, value: Any) -> None:
    raise FrozenInstanceError(f"cannot assign to field {name!r} of a frozen {type(self).__name__}")


def _delattr(self: Any, name: str) -> None:
    raise FrozenInstanceError(f"cannot delete field {name!r} of a frozen {type(self).__name__}")


def _repr(self: Any) -> str:
    """``Name(field=value, ...)``, without the fields declared ``repr=False``."""
    cls = type(self)
    inner = ", ".join(f"{name}={getattr(self, name)!r}" for name in cls.__data_repr__)
    return f"{cls.__qualname__.rsplit('>.', 1)[-1]}({inner})"


def _getstate(self: Any) -> dict[str, Any]:
    return {name: getattr(self, name) for name in type(self).__slots__ if hasattr(self, name)}


def _setstate(self: Any, state: dict[str, Any]) -> None:
    for name, value in state.items():
        object.__setattr__(self, name, value)


def _make(cls: type, frozen: bool, hashable: bool) -> Any:
    fields = _fields(cls)
    names = tuple(f.name for f in fields)
    post_init = "__post_init__" in cls.__dict__
    body = {k: v for k, v in cls.__dict__.items() if k not in names and k not in ("__dict__", "__weakref__")}
    shared = {"__getstate__": _getstate, "__setstate__": _setstate}
    if frozen:
        shared.update(__setattr__=_setattr, __delattr__=_delattr)
    if "__repr__" not in body:
        shared["__repr__"] = _repr
    made = type(cls)(
        cls.__name__,
        cls.__bases__,
        {
            **body,
            **shared,
            "__slots__": names,
            "__qualname__": cls.__qualname__,
            "__data_fields__": fields,
            "__data_frozen__": frozen,
            "__data_repr__": tuple(f.name for f in fields if f.repr),
        },
    )
    _rebind(cls, made, body)

    namespace: dict[str, Any] = {"NOTHING": NOTHING, "salt": cls.__qualname__}
    for f in fields:
        namespace[f"set_{f.name}"] = made.__dict__[f.name].__set__
        if f.factory is not None:
            namespace[f"factory_{f.name}"] = f.factory
        elif f.default is not NOTHING:
            namespace[f"default_{f.name}"] = f.default
    generated = _generated(cls.__module__, cls.__qualname__)
    if generated is not None and generated[0] == _key(fields, frozen, hashable, post_init):
        factory = generated[1]
    else:
        text = source("make", cls.__qualname__, fields, frozen, hashable, post_init)
        scope: dict[str, Any] = {}
        exec(compile(text, f"<data class {cls.__qualname__}>", "exec"), scope)
        factory = scope["make"]
    init, eq, hash_ = factory(namespace)
    for method, function in (("__init__", init), ("__eq__", eq), ("__hash__", hash_)):
        if function is not None:
            function.__qualname__ = f"{cls.__qualname__}.{method}"
    made.__init__ = init
    made.__eq__ = eq
    made.__hash__ = hash_
    MADE.append(made)
    return made


def _rebind(old: type, new: type, body: dict[str, Any]) -> None:
    """Point the ``__class__`` cell of the class's methods (zero-argument ``super()``)
    at the class made with slots."""
    for value in body.values():
        if isinstance(value, (classmethod, staticmethod)):
            value = value.__func__
        elif isinstance(value, property):
            value = value.fget
        for cell in getattr(value, "__closure__", None) or ():
            try:
                if cell.cell_contents is old:
                    cell.cell_contents = new
            except ValueError:  # an empty cell
                pass


def frozen(cls: Any = None, /, *, hash: bool = True) -> Any:
    """An immutable data class: assigning a field raises :class:`FrozenInstanceError`.
    Its instances hash by their compared fields, unless ``hash=False`` (a class whose
    fields hold dictionaries)."""
    if cls is None:
        return lambda c: _make(c, True, hash)
    return _make(cls, True, hash)


def mutable(cls: T) -> T:
    """A data class whose fields may be assigned; its instances are not hashable."""
    return _make(cls, False, False)  # type: ignore[arg-type]


def has(cls: type) -> bool:
    """Whether ``cls`` is a data class."""
    return "__data_fields__" in getattr(cls, "__dict__", {})


def fields(cls: type) -> tuple[Field, ...]:
    """The fields of a data class, in order."""
    if not has(cls):
        raise TypeError(f"{cls!r} is not a data class")
    return cls.__data_fields__  # type: ignore[attr-defined,no-any-return]


def evolve(instance: T, **changes: Any) -> T:
    """A copy of ``instance`` with ``changes``: every other field given to ``__init__``
    as it is in ``instance`` (fields without ``init`` are made again)."""
    cls = type(instance)
    for f in cls.__data_fields__:  # type: ignore[attr-defined]
        if f.init and f.name not in changes:
            changes[f.name] = getattr(instance, f.name)
    return cls(**changes)


# ---- make classes ------------------------------------------------------------


def generated() -> str:
    """The text of ``infrac/_methods.py``: the methods of every data class of the package."""
    import importlib
    import pkgutil

    import infrac

    for info in pkgutil.walk_packages(infrac.__path__, "infrac."):
        if info.name != "infrac.base._methods" and not info.name.endswith("__main__"):
            importlib.import_module(info.name)
    made = sorted(
        (cls for cls in MADE if cls.__module__.startswith("infrac.") and "<locals>" not in cls.__qualname__),
        key=lambda c: (c.__module__, c.__qualname__),
    )
    functions: dict[str, type] = {}
    for cls in made:
        name = _function_name(cls.__module__, cls.__qualname__)
        if name in functions:
            raise TypeError(f"{cls.__module__}.{cls.__qualname__} and {functions[name].__qualname__} share {name}")
        functions[name] = cls
    parts = [
        '"""The methods of infrac\'s data classes. Generated by `make classes` (infrac.base.classes): do not edit."""',
        "",
        "# ruff: noqa",
        "# fmt: off",
    ]
    entries = []
    for name, cls in functions.items():
        fields_, frozen_, hashable, post_init = _spec(cls)
        parts.append("\n\n" + source(name, cls.__qualname__, fields_, frozen_, hashable, post_init).rstrip("\n"))
        key = _key(fields_, frozen_, hashable, post_init)
        entries.append(f"    {cls.__module__ + ':' + cls.__qualname__!r}: ({key!r}, {name}),")
    parts += ["\n\n#: \"module:qualname\" -> (the key the methods were made for, the function that makes them)", "METHODS = {", *entries, "}", ""]
    return "\n".join(parts)


def _spec(cls: Any) -> tuple[tuple[Field, ...], bool, bool, bool]:
    return cls.__data_fields__, cls.__data_frozen__, cls.__hash__ is not None, "__post_init__" in cls.__dict__


def main() -> int:
    from pathlib import Path

    path = Path(__file__).resolve().parent / "_methods.py"
    text = generated()
    if not path.exists() or path.read_text(encoding="utf-8") != text:
        path.write_text(text, encoding="utf-8")
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    # run as the module the data classes register with, not as a second copy of it
    from infrac.base.classes import main as _main

    sys.exit(_main())
