"""Where the text discusses mentions, as arrays: field, span, chapter, timestamp, occurrences.

The linker places a few hundred thousand mentions in a large build. :class:`PlaceColumns`
keeps their :data:`PLACE_FIELDS` as numpy arrays, and :func:`place_codes` codes them into
the graph's columns (:class:`~castgraph.graph.coded.Coded`) without a Python value per row;
:meth:`PlaceColumns.values` gives them as the :class:`~castgraph.graph.model.Mention` fields
would hold them.

Examples
--------
>>> places = PlaceColumns.of(("summary", "tags"), [0, 1], [(4, 10), None], [None, 2], [None, 61.0], [1, 0])
>>> places.values("span"), places.values("chapter"), places.values("timestamp")
([(4, 10), None], [None, 2], [None, 61.0])
>>> codes = place_codes(4, [np.array([1, 3])], [places], own_rows=np.zeros(0, dtype=np.int64), own={})
>>> codes["field"].take(), codes["span"].codes.tolist()
([ABSENT, 'summary', ABSENT, 'tags'], [-1, 0, -1, -1])
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from castgraph.graph.coded import Coded

__all__ = ["PLACE_FIELDS", "PlaceColumns", "place_codes"]

#: The mention fields saying where the text discusses a mention (see :mod:`castgraph.graph.link_props`).
PLACE_FIELDS = ("field", "span", "chapter", "timestamp", "occurrences")

Ints = npt.NDArray[np.int64]
# The arrays of a PlaceColumns, in the order of its fields.
_ARRAYS = ("field", "start", "end", "chapter", "timestamp", "timed", "occurrences")


@dataclass
class PlaceColumns:
    """Places as arrays, one row each: ``field`` numbers into ``names``; ``start`` -1 (no span),
    ``chapter`` -1 and ``timed`` False say a value is missing."""

    names: tuple[str, ...]
    field: Ints
    start: Ints
    end: Ints
    chapter: Ints
    timestamp: npt.NDArray[np.float64]
    timed: npt.NDArray[np.bool_]
    occurrences: Ints

    @classmethod
    def of(cls, names: tuple[str, ...], field: Sequence[int], span: Sequence[tuple[int, int] | None],
           chapter: Sequence[int | None], timestamp: Sequence[float | None], occurrences: Sequence[int]
           ) -> PlaceColumns:
        """Places from Python values (``None``: missing)."""
        size = len(field)
        return cls(names, np.asarray(field, dtype=np.int64).reshape(size),
                   np.array([s[0] if s is not None else -1 for s in span], dtype=np.int64).reshape(size),
                   np.array([s[1] if s is not None else -1 for s in span], dtype=np.int64).reshape(size),
                   np.array([c if c is not None else -1 for c in chapter], dtype=np.int64).reshape(size),
                   np.array([t if t is not None else 0.0 for t in timestamp], dtype=np.float64).reshape(size),
                   np.array([t is not None for t in timestamp], dtype=bool).reshape(size),
                   np.asarray(occurrences, dtype=np.int64).reshape(size))

    @classmethod
    def empty(cls, names: tuple[str, ...]) -> PlaceColumns:
        return cls.of(names, [], [], [], [], [])

    def __len__(self) -> int:
        return len(self.field)

    def take(self, rows: Ints) -> PlaceColumns:
        """The places at ``rows``."""
        return PlaceColumns(self.names, *(getattr(self, name)[rows] for name in _ARRAYS))

    @staticmethod
    def concatenate(parts: list[PlaceColumns]) -> PlaceColumns:
        """The rows of ``parts`` one after the other (their fields numbering the names of all)."""
        names = tuple(dict.fromkeys(name for p in parts for name in p.names))
        parts = [p if p.names == names else p.renamed(names) for p in parts]
        return PlaceColumns(names, *(np.concatenate([getattr(p, name) for p in parts]) for name in _ARRAYS))

    def renamed(self, names: tuple[str, ...]) -> PlaceColumns:
        """The same places, their ``field`` numbering ``names`` (which holds ``self.names``)."""
        number = np.array([names.index(name) for name in self.names] or [0], dtype=np.int64)
        return PlaceColumns(names, number[self.field], *(getattr(self, name) for name in _ARRAYS[1:]))

    def values(self, name: str) -> list[Any]:
        """The values of one of :data:`PLACE_FIELDS`, as a mention holds them (``None``: missing)."""
        if name == "field":
            return list(map(self.names.__getitem__, self.field.tolist()))
        if name == "span":
            return [(s, e) if s >= 0 else None
                    for s, e in zip(self.start.tolist(), self.end.tolist(), strict=True)]
        if name == "chapter":
            return [c if c >= 0 else None for c in self.chapter.tolist()]
        if name == "timestamp":
            times, timed = self.timestamp.tolist(), self.timed.tolist()
            return [t if ok else None for t, ok in zip(times, timed, strict=True)]
        if name == "occurrences":
            return self.occurrences.tolist()
        raise KeyError(name)


def place_codes(size: int, rows: list[Ints], parts: list[PlaceColumns], *, own_rows: Ints,
                own: dict[str, list[Any]]) -> dict[str, Coded]:
    """The :data:`PLACE_FIELDS` columns of a table of ``size`` rows, coded.

    Row ``rows[k][i]`` has the place ``parts[k]`` holds at ``i``; row ``own_rows[i]`` has
    the values ``own[name][i]`` (a mention's own place, e.g. a title pattern's; ``None``:
    missing); no row is in two of them. A row without a value is absent from that column:
    each column is what :meth:`Coded.of_rows` makes of its values in row order (the
    mention_columns of :mod:`castgraph.graph.schema`), made from the arrays at once.
    """
    linked = PlaceColumns.concatenate(parts) if parts else None
    linked_rows = np.concatenate(rows) if rows else np.zeros(0, dtype=np.int64)
    columns: dict[str, Coded] = {}
    for name in PLACE_FIELDS:
        own_values = own.get(name, [])
        present = np.fromiter((v is not None for v in own_values), dtype=bool, count=len(own_values))
        # As mention_columns has them: a span as a list.
        kept = [list(v) if name == "span" else v for v in own_values if v is not None]
        own_local = Coded.of(kept)
        table: list[Any] = list(own_local.values)
        key_parts = [own_local.codes.astype(np.int64)]
        row_parts = [own_rows[present]]
        if linked is not None:
            keep, keys, distinct = _linked_keys(linked, name)
            key_parts.append(keys + len(table))
            row_parts.append(linked_rows[keep])
            table += distinct
        at = np.concatenate(row_parts)
        order = np.argsort(at, kind="stable")
        coded = Coded.of_keys(np.concatenate(key_parts)[order], table)
        codes = np.full(size, -1, dtype=np.int32)
        codes[at[order]] = coded.codes
        columns[name] = Coded(coded.values, codes)
    return columns


def _linked_keys(places: PlaceColumns, name: str) -> tuple[npt.NDArray[np.bool_], Ints, list[Any]]:
    """The rows of ``places`` with a ``name`` value, each one's key into the distinct values, and
    those values, as the graph holds them (a span as a list)."""
    if name == "field":
        return np.ones(len(places), dtype=bool), places.field, list(places.names)
    if name == "span":
        keep = places.start >= 0
        width = int(places.end[keep].max()) + 1 if keep.any() else 1
        pairs, keys = np.unique(places.start[keep] * width + places.end[keep], return_inverse=True)
        return keep, keys.reshape(-1), [[p // width, p % width] for p in pairs.tolist()]
    if name == "chapter":
        keep = places.chapter >= 0
        values, keys = np.unique(places.chapter[keep], return_inverse=True)
        return keep, keys.reshape(-1), values.tolist()
    if name == "timestamp":
        keep = places.timed
        times = places.timestamp[keep]
        zero = times == 0.0
        if np.signbit(times[zero]).any() or np.isnan(times).any():
            # -0.0 and NaN: JSON tells apart what numpy's unique does not; one key per row.
            return keep, np.arange(int(keep.sum()), dtype=np.int64), times.tolist()
        values, keys = np.unique(times, return_inverse=True)
        return keep, keys.reshape(-1), values.tolist()
    values, keys = np.unique(places.occurrences, return_inverse=True)
    return np.ones(len(places), dtype=bool), keys.reshape(-1), values.tolist()
