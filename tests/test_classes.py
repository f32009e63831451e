"""infrac's data classes (infrac.base.classes): the committed methods are current, and the
classes behave as attrs' slotted classes with the same fields, which they replaced."""

from __future__ import annotations

import copy
import inspect
import itertools
from pathlib import Path

import attrs
import pytest

from infrac.base import classes
from infrac.base.classes import NOTHING, FrozenInstanceError, evolve, field, fields, frozen, has, mutable

ROOT = Path(__file__).resolve().parents[1]
METHODS = ROOT / "compiler" / "infrac" / "base" / "_methods.py"
SEED = ROOT / "infra.dsl"


def test_the_committed_methods_are_current():
    """`make classes` has been run since the last change to a data class: the
    generated module is what the classes as they are now would get."""
    assert METHODS.read_text(encoding="utf-8") == classes.generated(), "_methods.py is out of date: run `make classes`"


def test_every_class_of_the_package_uses_its_committed_methods():
    """No class of infrac compiles its methods at import (that is what the generated
    module is for): each one's methods come from it."""
    classes.generated()  # imports every module of the package
    made = [cls for cls in classes.MADE if cls.__module__.startswith("infrac.")]
    assert len(made) >= 100
    for cls in made:
        for method in (cls.__init__, cls.__eq__):
            assert Path(method.__code__.co_filename).resolve() == METHODS.resolve(), (cls, method)


def test_a_class_changed_since_generation_compiles_its_own_methods():
    """A key that no longer matches (a field added while editing) is not used: the
    class gets methods for the fields it has."""
    assert classes._generated("infrac.base.source", "Position") is not None

    namespace = {
        "__module__": "infrac.base.source",
        "__qualname__": "Position",
        "__annotations__": {"line": "int", "column": "int", "extra": "int"},
        "extra": 0,
    }
    changed = frozen(type("Position", (), namespace))
    assert changed(1, 2, 3).extra == 3
    assert changed.__init__.__code__.co_filename == "<data class Position>"
    assert changed(1, 2) == changed(1, 2, 0) != changed(1, 2, 1)


# ---- the same behaviour as attrs -------------------------------------------------------

#: field options, each combined with the others below
OPTIONS = [
    {},
    {"default": 7},
    {"default": None, "eq": False, "repr": False, "kw_only": True},
    {"factory": list},
    {"factory": dict, "eq": False, "repr": False, "kw_only": True},
    {"init": False, "factory": dict, "eq": False, "repr": False},
    {"default": "x", "eq": False},
    {"kw_only": True},
]


def _pair(options: list[dict], kind: str):
    """The same class made by infrac.base.classes and by attrs."""
    annotations = {f"f{i}": "object" for i in range(len(options))}
    ours = {"__annotations__": dict(annotations), "__module__": __name__, "__qualname__": "C"}
    theirs = {"__annotations__": dict(annotations), "__module__": __name__, "__qualname__": "C"}
    for i, option in enumerate(options):
        ours[f"f{i}"] = field(**option)
        theirs[f"f{i}"] = attrs.field(**option)
    if kind == "frozen":
        return frozen(type("C", (), ours)), attrs.frozen(type("C", (), theirs))
    if kind == "unhashable":
        return frozen(hash=False)(type("C", (), ours)), attrs.frozen(eq=True, hash=False)(type("C", (), theirs))
    return mutable(type("C", (), ours)), attrs.define(type("C", (), theirs))


def _valid(options: list[dict]) -> bool:
    """Python's rule, and attrs': no positional field without a default after one with."""
    positional = [o for o in options if o.get("init", True) and not o.get("kw_only")]
    defaults = ["default" in o or "factory" in o for o in positional]
    return defaults == sorted(defaults)


#: every combination of up to two fields, and one in eight of three fields
CASES = [
    (list(combo), kind)
    for size in (0, 1, 2, 3)
    for i, combo in enumerate(itertools.product(OPTIONS, repeat=size))
    if _valid(list(combo)) and (size < 3 or i % 8 == 0)
    for kind in ("frozen", "unhashable", "mutable")
]


def _arguments(cls, seed: int) -> list[dict]:
    """A few ways to call ``cls``: every argument given, and the optional ones left out."""
    parameters = [p for p in inspect.signature(cls).parameters.values()]
    full = {p.name: [seed, p.name, (seed,)][seed % 3] for p in parameters}
    required = {p.name: full[p.name] for p in parameters if p.default is inspect.Parameter.empty}
    return [full, required]


def _call(cls, arguments: dict):
    positional = [v for k, v in arguments.items() if inspect.signature(cls).parameters[k].kind is inspect.Parameter.POSITIONAL_OR_KEYWORD]
    keyword = {k: v for k, v in arguments.items() if inspect.signature(cls).parameters[k].kind is inspect.Parameter.KEYWORD_ONLY}
    return cls(*positional, **keyword)


def _parameters(cls) -> list[tuple]:
    """``__init__``'s parameters: names, kinds and defaults (each library's "not given"
    for a factory's field written as ``"<factory>"``)."""
    return [
        (p.name, p.kind, "<factory>" if p.default in (NOTHING, attrs.NOTHING) else p.default)
        for p in inspect.signature(cls).parameters.values()
    ]


def _hash(instance):
    try:
        return hash(instance)
    except TypeError:
        return TypeError


def _state(instance) -> dict:
    return {name: getattr(instance, name, NOTHING) for name in type(instance).__slots__ if not name.startswith("__")}


@pytest.mark.parametrize("options,kind", CASES)
def test_a_class_behaves_as_the_attrs_class_with_the_same_fields(options, kind):
    ours, theirs = _pair(options, kind)
    assert _parameters(ours) == _parameters(theirs)
    assert tuple(f.name for f in fields(ours)) == tuple(f.name for f in attrs.fields(theirs))
    assert has(ours) and not has(theirs)
    for seed in (1, 2, 3):
        for arguments in _arguments(ours, seed):
            a, b = _call(ours, arguments), _call(theirs, arguments)
            assert _state(a) == _state(b)
            assert repr(a) == repr(b)
            twin, other_twin = _call(ours, arguments), _call(theirs, arguments)
            assert (a == twin) == (b == other_twin)
            assert (a != twin) == (b != other_twin)
            assert (a == "text") is False and (a != "text") is True
            # hashable or not as attrs' (a frozen instance holding a list is not)
            assert (_hash(a) is TypeError) == (_hash(b) is TypeError) == (kind != "frozen" or _hash(a) is TypeError)
            assert _hash(a) == _hash(twin)
            for name in _state(a):
                if kind == "mutable":
                    setattr(a, name, "changed")
                    assert getattr(a, name) == "changed"
                else:
                    with pytest.raises(FrozenInstanceError, match=name):
                        setattr(a, name, "changed")
                    with pytest.raises(attrs.exceptions.FrozenInstanceError):
                        setattr(b, name, "changed")
            with pytest.raises(AttributeError):
                a.not_a_field = 1  # slots: no other attribute
            assert not hasattr(a, "__dict__")


@pytest.mark.parametrize("options,kind", [case for case in CASES if len(case[0]) == 2])
def test_evolve_and_copies_are_attrs(options, kind):
    ours, theirs = _pair(options, kind)
    arguments = _arguments(ours, 1)[0]
    a, b = _call(ours, arguments), _call(theirs, arguments)
    for name in (f.name for f in fields(ours) if f.init):
        evolved, reference = evolve(a, **{name: "new"}), attrs.evolve(b, **{name: "new"})
        assert _state(evolved) == _state(reference)
        assert _state(a) == _state(b)  # the original is unchanged
    assert _state(copy.deepcopy(a)) == _state(copy.deepcopy(b)) == _state(a)
    assert _state(copy.copy(a)) == _state(a)


def test_post_init_runs_last_and_may_set_fields_of_a_frozen_class():
    @frozen
    class Indexed:
        items: tuple
        _index: dict = field(init=False, eq=False, repr=False)

        def __post_init__(self) -> None:
            object.__setattr__(self, "_index", {item: i for i, item in enumerate(self.items)})

    indexed = Indexed(("a", "b"))
    assert indexed._index == {"a": 0, "b": 1}
    assert evolve(indexed, items=("c",))._index == {"c": 0}
    assert repr(indexed) == "Indexed(items=('a', 'b'))"
    assert indexed == Indexed(("a", "b")) and hash(indexed) == hash(Indexed(("a", "b")))


def test_a_method_using_super_and_a_class_level_constant_keep_working():
    @frozen
    class Named:
        LIMIT = 3  # not annotated: a class attribute, not a field
        name: str

        def __str__(self) -> str:
            return "<" + super().__str__()[:0] + self.name + ">"

    assert str(Named("n")) == "<n>" and Named.LIMIT == 3
    assert [f.name for f in fields(Named)] == ["name"]


def test_mistakes_in_a_declaration_are_named():
    with pytest.raises(TypeError, match="'b' without a default follows 'a'"):

        @frozen
        class Wrong:
            a: int = 0
            b: int

    with pytest.raises(TypeError, match="a default or a factory"):
        field(default=1, factory=list)

    @frozen
    class Base:
        a: int

    with pytest.raises(TypeError, match="does not inherit"):

        @frozen
        class Derived(Base):
            b: int

    with pytest.raises(TypeError, match="not a data class"):
        fields(int)


# ---- the package's own classes ----------------------------------------------------------


def _instances(value, found: dict[type, list], seen: set[int]) -> None:
    """Every data-class instance reachable from ``value``, by class."""
    if id(value) in seen:
        return
    seen.add(id(value))
    if has(type(value)):
        found.setdefault(type(value), []).append(value)
        for f in fields(type(value)):
            _instances(getattr(value, f.name, None), found, seen)
    elif isinstance(value, (list, tuple, set, frozenset)):
        for item in value:
            _instances(item, found, seen)
    elif isinstance(value, dict):
        for key, item in value.items():
            _instances(key, found, seen)
            _instances(item, found, seen)


_TWINS: dict[type, type] = {}


def _attrs_twin(instance):
    """``instance`` as an instance of an attrs class with the same fields and options."""
    cls = type(instance)
    if cls not in _TWINS:
        reference = attrs.make_class(
            cls.__name__,
            {f.name: attrs.field(repr=f.repr, eq=f.eq, hash=f.hash, init=False) for f in fields(cls)},
            init=False,
            slots=False,
            frozen=False,
        )
        reference.__qualname__ = cls.__qualname__
        _TWINS[cls] = reference
    reference = _TWINS[cls]
    twin = object.__new__(reference)
    for f in fields(cls):
        if hasattr(instance, f.name):
            twin.__dict__[f.name] = getattr(instance, f.name)
    return twin


def test_the_compilers_instances_print_and_compare_as_attrs_instances():
    """On every class that checking the seed system reaches (sources, syntax IR,
    checked model, diagnostics): the same repr as attrs writes, and equality on the
    same fields."""
    from infrac.base.source import SourceFile
    from infrac.project.pipeline import check_project
    from infrac.project.workspace import load
    from infrac.syntax.parser import parse

    loaded = load([SEED])
    checked = check_project(loaded.sources)
    assert checked.program is not None
    broken = SourceFile("broken.infra", "stack data {\n  table Users {\n    billing on_demand\n  }\n}\n")
    found: dict[type, list] = {}
    seen: set[int] = set()
    for value in (loaded.sources, checked.program, checked.diagnostics, check_project([broken]).diagnostics):
        _instances(value, found, seen)
    for file in loaded.sources:
        _instances(parse(file).module, found, seen)
    assert len(found) >= 30, sorted(c.__name__ for c in found)  # the walk reached most classes
    for cls, instances in found.items():
        for a, b in itertools.pairwise(instances[:40]):
            twin_a, twin_b = _attrs_twin(a), _attrs_twin(b)
            if "__repr__" not in cls.__dict__ or cls.__repr__ is classes._repr:
                assert repr(a) == repr(twin_a)
            assert (a == b) == (twin_a == twin_b)
            assert (a == evolve(a)) is True

