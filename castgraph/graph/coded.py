"""Dictionary-coded columns: the distinct values of a column and a code per row.

A million mentions share a few thousand surfaces, a few types and a handful of fields:
:class:`Coded` keeps each distinct value once and an int32 code per row, and codes a
Python list in a few passes in C. Values are told apart as JSON tells them (``1``,
``1.0`` and ``True`` are three), so a coded column writes back exactly what it read.

Examples
--------
>>> c = Coded.of(["GitHub", "Claude", "GitHub"])
>>> c.values, c.codes.tolist(), c.take()
(['GitHub', 'Claude'], [0, 1, 0], ['GitHub', 'Claude', 'GitHub'])
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import chain, count
from typing import Any

import numpy as np

from castgraph.graph.schema import ABSENT

__all__ = ["Coded", "lex_order", "sorted_distinct"]


def sorted_distinct(values: np.ndarray) -> np.ndarray:
    """``np.unique(values)`` by a sort (numpy's hash-based unique is many times slower on ints).

    >>> sorted_distinct(np.array([3, 1, 3, 2])).tolist()
    [1, 2, 3]
    """
    ordered = np.sort(values)
    if len(ordered) == 0:
        return ordered
    return ordered[np.concatenate(([True], ordered[1:] != ordered[:-1]))]


def lex_order(*keys: np.ndarray) -> np.ndarray:
    """``np.lexsort(keys)`` (the last key sorts first): one stable sort of a single int64 key
    when the keys' ranges fit in one, several times faster than lexsort.

    >>> lex_order(np.array([2, 1, 0]), np.array([1, 0, 1])).tolist()
    [1, 2, 0]
    """
    if len(keys[0]) == 0:
        return np.zeros(0, dtype=np.int64)
    combined = np.zeros(len(keys[0]), dtype=np.int64)
    span = 1
    for key in reversed(keys):
        low, high = int(key.min()), int(key.max())
        span *= high - low + 1
        if span >= 1 << 62:
            return np.lexsort(keys)
        combined *= high - low + 1
        combined += key.astype(np.int64) - low
    return np.argsort(combined, kind="stable")


def _value_key(value: Any) -> Any:
    """A dict key that keeps ``1``, ``1.0`` and ``True`` (equal in Python) apart."""
    if type(value) is str:
        return value
    return (type(value).__name__, json.dumps(value, sort_keys=True, default=str))


_ABSENT_KIND = type(ABSENT)
# Kinds whose equal values are one value as JSON too: within one of them a value is its own key.
_SELF_KEYED = frozenset({str, int, bool, type(None)})
# Item kinds of a list or tuple that keep their tuple an exact key: no two of them compare equal
# across kinds (1 == 1.0 == True would), and none needs JSON's view of equality (-0.0, NaN).
_TUPLE_SAFE = (frozenset({str, int, type(None)}), frozenset({str, bool, type(None)}))


def _distinct(values: list[Any], kind: type) -> tuple[list[Any], np.ndarray] | None:
    """Distinct ``values`` (all of ``kind``) in order of first appearance and each one's code,
    keyed in C; ``None`` when ``kind``'s own equality is not the one :func:`_value_key` gives."""
    keys: Iterable[Any] = values
    if kind is float:
        array = np.asarray(values, dtype=np.float64)
        zeros = np.signbit(array[array == 0.0])
        # JSON tells -0.0 from 0.0 and takes every NaN for one value; a dict does neither.
        if (zeros.any() and not zeros.all()) or np.isnan(array).sum() > 1:
            return None
    elif kind in (list, tuple):
        items = set(map(type, chain.from_iterable(values)))
        if not any(items <= safe for safe in _TUPLE_SAFE):
            return None
        keys = map(tuple, values) if kind is list else values
    elif kind not in _SELF_KEYED:
        return None
    # One dict call per row: each value's key maps to the row it first appears in.
    seen: dict[Any, int] = {}
    first = np.fromiter(map(seen.setdefault, keys, count()), dtype=np.int64, count=len(values))
    del seen
    is_first = first == np.arange(len(values))
    code_of_row = np.cumsum(is_first, dtype=np.int64) - 1
    return list(map(values.__getitem__, np.flatnonzero(is_first).tolist())), \
        code_of_row[first].astype(np.int32)


def _first_rows(codes: np.ndarray) -> np.ndarray:
    """Rows where a code first appears (codes numbered in order of first appearance)."""
    if len(codes) == 0:
        return np.zeros(0, dtype=np.int64)
    before = np.maximum.accumulate(codes)
    return np.flatnonzero(np.concatenate(([True], codes[1:] > before[:-1])))


def _first_of_each(codes: np.ndarray, count: int) -> np.ndarray:
    """The row where each code ``0 .. count - 1`` first appears (each appears; -1 rows skipped):
    in one pass when the codes are numbered by first appearance, as :class:`Coded` numbers them.

    >>> _first_of_each(np.array([-1, 0, 1, 0, 2]), 3).tolist()
    [1, 2, 4]
    >>> _first_of_each(np.array([1, 0, 1]), 2).tolist()
    [1, 0]
    """
    rows = np.flatnonzero(codes >= 0)
    valid = codes[rows]
    heads = _first_rows(valid)
    if len(heads) == count and np.array_equal(valid[heads], np.arange(count)):
        return rows[heads]
    _, at = np.unique(valid, return_index=True)
    return rows[at]


def _keyed(values: list[Any], index: dict[Any, int] | None = None, distinct: list[Any] | None = None
           ) -> tuple[list[Any], np.ndarray]:
    """:func:`_distinct` for any values, one :func:`_value_key` per value (the slow, general way);
    values new to ``index`` (key -> position in ``distinct``) are added to both."""
    index = {} if index is None else index
    distinct = [] if distinct is None else distinct
    codes = np.empty(len(values), dtype=np.int32)
    for i, v in enumerate(values):
        key = _value_key(v)
        found = index.get(key)
        if found is None:
            found = index[key] = len(distinct)
            distinct.append(v)
        codes[i] = found
    return distinct, codes


@dataclass
class Coded:
    """One dictionary-coded column: distinct ``values`` and a code per row (-1: :data:`ABSENT`)."""

    values: list[Any]
    codes: np.ndarray

    @classmethod
    def of(cls, items: list[Any]) -> Coded:
        """Code ``items`` (distinct values in order of first appearance).

        Values are told apart as JSON tells them: ``1``, ``1.0`` and ``True`` are three.

        >>> c = Coded.of(["a", "b", "a", 1, 1.0, True, ABSENT, [1, 2], [1, 2]])
        >>> c.values, c.codes.tolist()
        (['a', 'b', 1, 1.0, True, [1, 2]], [0, 1, 0, 2, 3, 4, -1, 5, 5])
        """
        types = list(map(type, items))
        kinds = list(dict.fromkeys(types))
        if len(kinds) == 1 and kinds[0] is not _ABSENT_KIND:
            return cls(*(_distinct(items, kinds[0]) or _keyed(items)))
        # Several kinds: code each kind on its own, then number all values by first appearance.
        kind_of = {kind: i for i, kind in enumerate(kinds)}
        kind_codes = np.fromiter(map(kind_of.__getitem__, types), dtype=np.int8 if len(kinds) < 128
                                 else np.int32, count=len(items))
        del types
        boxed = np.fromiter(items, dtype=object, count=len(items))
        codes = np.full(len(items), -1, dtype=np.int32)
        parts: list[tuple[np.ndarray, list[Any], np.ndarray]] = []
        for i, kind in enumerate(kinds):
            if kind is _ABSENT_KIND:
                continue
            rows = np.flatnonzero(kind_codes == i)
            values = boxed[rows].tolist()
            distinct, local = _distinct(values, kind) or _keyed(values)
            parts.append((rows, distinct, local))
        if not parts:
            return cls([], codes)
        firsts = np.concatenate([rows[_first_rows(local)] for rows, _, local in parts])
        rank = np.empty(len(firsts), dtype=np.int32)
        rank[np.argsort(firsts, kind="stable")] = np.arange(len(firsts), dtype=np.int32)
        merged: list[Any] = [None] * len(firsts)
        at = 0
        for rows, distinct, local in parts:
            own = rank[at:at + len(distinct)]
            codes[rows] = own[local]
            for code, value in zip(own.tolist(), distinct, strict=True):
                merged[code] = value
            at += len(distinct)
        return cls(merged, codes)

    @classmethod
    def of_keys(cls, keys: list[int] | np.ndarray, table: list[Any]) -> Coded:
        """The column whose row ``i`` is ``table[keys[i]]``, coded as :meth:`of` codes it
        (without a dict call per row).

        >>> c = Coded.of_keys([2, 0, 1, 2], ["x", "y", "x"])
        >>> c.values, c.codes.tolist()
        (['x', 'y'], [0, 0, 1, 0])
        """
        local = cls.of(table)
        codes = local.codes[np.asarray(keys, dtype=np.int64)]
        # The values used, in order of first appearance among the rows: the first row of each
        # value in one unbuffered pass (sorting the rows for it costs 30 times more at 12M rows).
        first = np.full(len(local.values), len(codes), dtype=np.int64)
        if len(codes) and int(codes.min()) < 0:
            rows = np.flatnonzero(codes >= 0)
            np.minimum.at(first, codes[rows], rows)
        else:
            np.minimum.at(first, codes, np.arange(len(codes), dtype=np.int64))
        used = np.flatnonzero(first < len(codes))
        return cls._renumbered(local.values, codes, used[np.argsort(first[used], kind="stable")])

    @classmethod
    def merged(cls, size: int, parts: list[tuple[np.ndarray, Coded]]) -> Coded:
        """The column of ``size`` rows that has each part's rows at its positions (absent
        elsewhere), coded as :meth:`of` codes the whole list: columns coded apart are merged
        without a Python value per row. The parts' rows must not overlap, and each part must be
        a column :meth:`of` (or the other constructors) made: every value used by some row.

        >>> c = Coded.merged(5, [(np.array([0, 2, 4]), Coded.of(["x", "y", "x"])),
        ...                      (np.array([1, 3]), Coded.of(["z", "y"]))])
        >>> c.values, c.codes.tolist(), c.take() == Coded.of(["x", "z", "y", "y", "x"]).take()
        (['x', 'z', 'y'], [0, 1, 2, 2, 0], True)
        """
        index: dict[Any, int] = {}
        values: list[Any] = []
        codes = np.full(size, -1, dtype=np.int32)
        first: list[np.ndarray] = []  # per part: the merged row each union value first has in it
        for rows, part in parts:
            rows = np.asarray(rows, dtype=np.int64)
            # The part's codes in the union of all parts' values (the last slot: absent stays -1).
            mapping = np.full(len(part.values) + 1, -1, dtype=np.int32)
            mapping[:-1] = _keyed(part.values, index, values)[1]
            codes[rows] = mapping[part.codes]
            seen = np.full(len(index), size, dtype=np.int64)
            seen[mapping[:-1]] = rows[_first_of_each(part.codes, len(part.values))]
            first.append(seen)
        # The values in order of first appearance among the merged rows.
        earliest = np.full(len(values), size, dtype=np.int64)
        for seen in first:
            np.minimum(earliest[:len(seen)], seen, out=earliest[:len(seen)])
        return cls._renumbered(values, codes, np.argsort(earliest, kind="stable"))

    @classmethod
    def _renumbered(cls, values: list[Any], codes: np.ndarray, by_first: np.ndarray) -> Coded:
        """The column ``codes`` into ``values`` with the values ``by_first`` (in that order) only."""
        rank = np.full(len(values) + 1, -1, dtype=np.int32)  # the last: ABSENT (-1) stays -1
        rank[by_first] = np.arange(len(by_first), dtype=np.int32)
        return cls([values[v] for v in by_first.tolist()], rank[codes])

    @classmethod
    def of_rows(cls, size: int, rows: list[int] | np.ndarray, values: list[Any]) -> Coded:
        """A column of ``size`` rows that has ``values`` at ``rows`` (ascending) and is absent elsewhere.

        >>> c = Coded.of_rows(4, [1, 3], ["x", "x"])
        >>> c.values, c.codes.tolist()
        (['x'], [-1, 0, -1, 0])
        """
        dense = cls.of(values)
        codes = np.full(size, -1, dtype=np.int32)
        codes[np.asarray(rows, dtype=np.int64)] = dense.codes
        return cls(dense.values, codes)

    def take(self, rows: np.ndarray | None = None) -> list[Any]:
        """The values of ``rows`` (default: all rows), decoded (:data:`ABSENT` where a row has none)."""
        codes = self.codes if rows is None else self.codes[rows]
        if len(codes) and int(codes.min()) < 0:
            values = self.values
            return [values[c] if c >= 0 else ABSENT for c in codes.tolist()]
        return list(map(self.values.__getitem__, codes.tolist()))

    @property
    def sparse(self) -> bool:
        """Whether some rows have no value (the attribute is left out of their edges)."""
        return bool(len(self.codes)) and int(self.codes.min()) < 0

    def __len__(self) -> int:
        return len(self.codes)
