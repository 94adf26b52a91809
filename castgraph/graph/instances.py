"""Compact pydantic instances: shared fields sets and key-sharing attribute dicts.

A build holds a million mentions and a hundred thousand episodes; pydantic gives each
its own fields set (200-700 bytes) and attribute dict. Here instances with the same
fields set share one (which never changes: setting another field moves the instance to
the shared set that has it too), and each attribute dict shares its keys with the others
of its model (CPython's split-table dicts, half the size of an ordinary one). The models
of :mod:`castgraph.graph.model` use these helpers; nothing else needs them.

Examples
--------
>>> names = shared_names(["surface", "ordinal"])
>>> names is shared_names(["ordinal", "surface"]), sorted(names)
(True, ['ordinal', 'surface'])
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Mapping
from itertools import repeat
from operator import setitem
from typing import Any

from pydantic import BaseModel

__all__ = ["CheckedMaker", "SharedNames", "compact", "make_many", "new_instance", "set_slot",
           "setattr_sharing", "shared_names", "values_template"]

#: Sets an attribute past pydantic (fields sets, attribute dicts, slots).
set_slot = object.__setattr__
#: An instance of a model, nothing set yet.
new_instance = BaseModel.__new__


class SharedNames(set[str]):
    """A fields set that instances share; it refuses to change (copies of it are plain sets)."""

    __slots__ = ("grown",)

    def __init__(self, names: Iterable[str]) -> None:
        super().__init__(names)
        #: The shared set with one more name, by that name (filled as instances set fields).
        self.grown: dict[str, SharedNames] = {}

    def __repr__(self) -> str:
        return repr(set(self))

    def __copy__(self) -> set[str]:
        return set(self)

    def __deepcopy__(self, memo: dict[int, Any]) -> set[str]:
        return set(self)

    def __reduce__(self) -> tuple[Any, ...]:
        return set, (list(self),)

    def add(self, name: str) -> None:
        # pydantic adds the field it just set; the instance has moved to a set that holds it.
        if name not in self:
            raise TypeError("a shared fields set does not change; set the field on the model instead")

    def _refuse(self, *args: Any) -> Any:
        raise TypeError("a shared fields set does not change; set the field on the model instead")

    discard = remove = pop = clear = update = _refuse
    difference_update = intersection_update = symmetric_difference_update = _refuse
    __ior__ = __iand__ = __isub__ = __ixor__ = _refuse


_SHARED_NAMES: dict[frozenset[str], SharedNames] = {}

# The setters of an instance's attribute dict and pydantic's slots, called without a name lookup.
_set_dict = BaseModel.__dict__["__dict__"].__set__
_set_fields_set = BaseModel.__dict__["__pydantic_fields_set__"].__set__
_set_extra = BaseModel.__dict__["__pydantic_extra__"].__set__
_set_private = BaseModel.__dict__["__pydantic_private__"].__set__


def shared_names(names: Iterable[str]) -> SharedNames:
    key = frozenset(names)
    shared = _SHARED_NAMES.get(key)
    if shared is None:
        shared = _SHARED_NAMES.setdefault(key, SharedNames(key))
    return shared


def setattr_sharing(model: BaseModel, name: str, value: Any) -> None:
    """``BaseModel.__setattr__`` for a model whose instances share fields sets."""
    names = model.__pydantic_fields_set__
    if name not in names and type(names) is SharedNames:
        grown = names.grown.get(name)
        if grown is None and name in type(model).__pydantic_fields__:
            grown = names.grown.setdefault(name, shared_names((*names, name)))
        if grown is not None:
            set_slot(model, "__pydantic_fields_set__", grown)
    BaseModel.__setattr__(model, name, value)


def values_template(model: type[BaseModel], defaults: bool) -> dict[str, Any]:
    """An attribute dict whose copies share their keys: one key per field, in the model's order.

    ``defaults``: the values are the fields' defaults (every copy shares them, so they must
    be immutable); else placeholders that every copy replaces.
    """
    holder_type = type(f"_{model.__name__}Values", (), {"__module__": __name__})
    holder = holder_type()
    for name, info in model.model_fields.items():
        default = info.get_default(call_default_factory=False)
        setattr(holder, name, default if defaults and not info.is_required() else None)
    # Each new instance of a plain class trims the spare room of its shared keys (CPython 3.11+),
    # so copies of the dict hold one slot per field rather than thirty.
    for _ in range(64):
        holder_type()
    return holder.__dict__


def compact(model: BaseModel, template: dict[str, Any]) -> None:
    """Give a validated instance the compact attribute dict and a shared fields set."""
    if type(model.__pydantic_fields_set__) is SharedNames:
        return  # compact already (an instance inside another model is validated again)
    values = template.copy()
    values.update(model.__dict__)
    set_slot(model, "__dict__", values)
    set_slot(model, "__pydantic_fields_set__", shared_names(model.__pydantic_fields_set__))


class CheckedMaker:
    """Makes instances of ``model`` from fields that already have the model's types, without
    validating them: the compact attribute dict of :func:`_compact`, defaults filled in (a fresh
    list or dict for each instance), and the shared fields set of the names given."""

    def __init__(self, model: type[BaseModel], template: dict[str, Any]) -> None:
        self.model = model
        self.template = template
        #: Per tuple of names given: the shared fields set, the template with the other fields'
        #: defaults, and the default factories of the others.
        self.by_names: dict[tuple[str, ...], tuple[SharedNames, dict[str, Any], list[tuple[str, Any]]]] = {}

    def _prepare(self, key: tuple[str, ...]) -> tuple[SharedNames, dict[str, Any], list[tuple[str, Any]]]:
        fields = self.model.model_fields
        unknown = sorted(set(key) - set(fields))
        required = [name for name, info in fields.items() if info.is_required() and name not in key]
        if unknown or required:
            what = self.model.__name__.lower()
            raise ValueError(f"not fields of {what}: {unknown}" if unknown else f"no {required[0]}")
        template = self.template.copy()
        factories = []
        for name, info in fields.items():
            if name in key:
                continue
            if info.default_factory is not None:
                factories.append((name, info.default_factory))
            else:
                template[name] = info.default
        return self.by_names.setdefault(key, (shared_names(key), template, factories))

    def __call__(self, fields: dict[str, Any]) -> Any:
        key = tuple(fields)
        prepared = self.by_names.get(key)
        names, template, factories = prepared if prepared is not None else self._prepare(key)
        values = template.copy()
        values.update(fields)
        for name, factory in factories:
            values[name] = factory()
        instance = new_instance(self.model)
        set_slot(instance, "__dict__", values)
        set_slot(instance, "__pydantic_fields_set__", names)
        set_slot(instance, "__pydantic_extra__", None)
        set_slot(instance, "__pydantic_private__", None)
        return instance

    def many(self, columns: dict[str, list[Any]]) -> list[Any]:
        """An instance per row of ``columns`` (field name -> a value per row), each what this maker
        gives for that row's fields, made column by column (see :func:`make_many`)."""
        key = tuple(columns)
        prepared = self.by_names.get(key)
        names, template, factories = prepared if prepared is not None else self._prepare(key)
        size = len(next(iter(columns.values()))) if columns else 0
        made = {**columns, **{name: [factory() for _ in range(size)] for name, factory in factories}}
        return make_many(self.model, template, names, made, size)


def make_many(model: type[BaseModel], template: dict[str, Any], names: SharedNames,
              columns: Mapping[str, Iterable[Any]], size: int) -> list[Any]:
    """``size`` instances of ``model``, each with a copy of ``template`` updated with its row of
    ``columns`` and the fields set ``names``; no validation.

    Each step is one pass in C over all rows, no Python call per instance: loaders make a
    million mentions this way.
    """
    values = list(map(dict.copy, repeat(template, size)))
    for name, column in columns.items():
        deque(map(setitem, values, repeat(name), column), maxlen=0)
    instances: list[Any] = list(map(new_instance, repeat(model, size)))
    for setter, items in ((_set_dict, values), (_set_fields_set, repeat(names)), (_set_extra, repeat(None)),
                          (_set_private, repeat(None))):
        deque(map(setter, instances, items), maxlen=0)
    return instances
