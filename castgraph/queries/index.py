"""In-memory indexes of a graph for fast queries.

:class:`GraphIndex` holds what the queries need in compact, integer-coded form:
entity -> episodes and episode -> entities postings (CSR arrays), topic postings,
titles, names and, as lazily decoded blobs, chapters and surfaces, and answers the
queries' questions from them. It is built once per loaded graph
(:mod:`castgraph.queries.index_build`); :func:`write_index` / :func:`read_index`
(:mod:`castgraph.queries.index_file`, re-exported here) keep it next to graph.json so
that a cold command does not parse the JSON again.

Examples
--------
>>> from castgraph.graph.build import build_graph
>>> from castgraph.graph.model import Entity, EntityType, Episode, Mention, Resolution
>>> ep = Episode(id="e1", title="Hello", mentions=[Mention(surface="swyx")])
>>> res = Resolution(entities=[Entity(id="entity:1", name="swyx", type=EntityType.PERSON)],
...                  assignments={"e1#0": "entity:1"})
>>> idx = GraphIndex.from_graph(build_graph([ep], res))
>>> idx.entity_episodes(0), idx.surfaces(0, 0)
([0], ['swyx'])
"""

from __future__ import annotations

import json
from bisect import bisect_left, bisect_right
from collections.abc import Mapping
from functools import cached_property
from typing import TYPE_CHECKING, Any, cast

import numpy as np

from castgraph.memory import gc_paused
from castgraph.queries.index_file import INDEX_FILE, JsonColumn, TextBlob, cache_key, read_index, write_index

if TYPE_CHECKING:
    import networkx as nx

    from castgraph.graph.tables import GraphTables

__all__ = ["INDEX_FILE", "ORIGIN_CODES", "GraphIndex", "cache_key", "read_index", "write_index"]

#: Mention origins as bits of an (episode, entity) origin mask; anything else counts as listed.
ORIGIN_CODES = ("listed", "person_tag", "title_pattern", "hashtag", "text_link")


def _gather(ptr: np.ndarray, flat: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """The concatenated CSR rows ``rows`` of ``(ptr, flat)``, without a Python loop."""
    starts, lengths = ptr[rows], ptr[rows + 1] - ptr[rows]
    total = int(lengths.sum())
    if total == 0:
        return flat[:0]
    offsets = np.repeat(starts - (np.cumsum(lengths) - lengths), lengths)
    return flat[np.arange(total, dtype=np.int64) + offsets]


def _top(counts: np.ndarray, limit: int) -> list[tuple[int, int]]:
    """``(position, count)`` of the ``limit`` largest non-zero counts: count desc, then position asc."""
    nonzero = np.flatnonzero(counts)
    order = np.lexsort((nonzero, -counts[nonzero]))[:limit]
    return [(int(nonzero[o]), int(counts[nonzero[o]])) for o in order]


def _pair_codes(ents: np.ndarray, lengths: np.ndarray, m: int) -> tuple[np.ndarray, np.ndarray]:
    """Every pair ``a < b`` within each slot of ``ents`` (slot ``s`` holds ``lengths[s]``
    ascending entities, slots in a row): ``(a * m + b, s)`` per pair, unsorted."""
    from castgraph.graph.tables import sorted_distinct

    starts = np.cumsum(lengths) - lengths
    codes, slots = [np.zeros(0, dtype=np.int64)], [np.zeros(0, dtype=np.int64)]
    # Slots with the same number of entities form a matrix; pairs are its column pairs.
    for size in sorted_distinct(lengths).tolist():
        if size < 2:
            continue
        rows = np.flatnonzero(lengths == size)
        matrix = ents[starts[rows][:, None] + np.arange(size)]
        left, right = np.triu_indices(size, 1)
        codes.append((matrix[:, left] * m + matrix[:, right]).ravel())
        slots.append(np.repeat(rows, len(left)))
    return np.concatenate(codes), np.concatenate(slots)


class _Table:
    """A :class:`GraphIndex` attribute read from its ``tables`` once, on first use.

    Not a property: a descriptor with only ``__get__`` lets the value stored on the instance
    answer every later access directly (``ep_ids[e]`` in a loop costs a list lookup).
    """

    def __init__(self, name: str) -> None:
        self.name = name

    def __get__(self, instance: GraphIndex | None, owner: type | None = None) -> Any:
        if instance is None:
            return self
        value = instance.tables[self.name]
        instance.__dict__[self.name] = value
        return value


def _position(index: GraphIndex, built: str, ids: list[str], key: str) -> int | None:
    positions = index.__dict__.get(built)
    if positions is not None:
        return cast(int | None, positions.get(key))
    at = bisect_left(ids, key)
    return at if at < len(ids) and ids[at] == key else None


def _table(name: str) -> Any:
    """:class:`_Table` of ``name``, typed as the value it gives."""
    return _Table(name)


class GraphIndex:
    """Integer-coded indexes of one castgraph graph (ids sorted, so position order = id order)."""

    def __init__(self, tables: Mapping[str, Any], arrays: dict[str, np.ndarray],
                 blobs: dict[str, TextBlob]) -> None:
        self.tables = tables
        self.arrays = arrays
        self.blobs = blobs
        self._titles_folded: str | None = None
        self._title_starts: list[int] = []

    # Columns are decoded from a cached index on first use: a query reads a few of them.
    ep_ids: list[str] = _table("ep_ids")
    ep_title: list[str] = _table("ep_title")
    ep_published: list[str | None] = _table("ep_published")
    ent_ids: list[str] = _table("ent_ids")
    ent_name: list[str] = _table("ent_name")
    ent_type: list[str] = _table("ent_type")
    ent_aliases: list[list[str]] = _table("ent_aliases")
    ent_count: list[int] = _table("ent_count")
    ent_former: dict[str, str] = _table("ent_former")
    topic_ids: list[str] = _table("topic_ids")
    topic_name: list[str] = _table("topic_name")

    @cached_property
    def ep_pos(self) -> dict[str, int]:
        return {e: i for i, e in enumerate(self.ep_ids)}

    @cached_property
    def ent_pos(self) -> dict[str, int]:
        return {e: i for i, e in enumerate(self.ent_ids)}

    def entities_named(self, name: str) -> list[int]:
        """Positions of the entities whose name or one of whose aliases is ``name``, ascending.

        On a cached index the columns' bytes are searched for it and only the items found
        are decoded: one look-up need not decode every name nor index them (see
        :meth:`NetworkXQueries.entities_named`, which indexes them for the next ones).
        """
        names, aliases = self.ent_name, self.ent_aliases
        if isinstance(names, JsonColumn) and isinstance(aliases, JsonColumn) and names.items is None \
                and aliases.items is None:
            candidates = sorted(set(names.holding(name)) | set(aliases.holding(name)))
            return [e for e in candidates if names[e] == name or name in aliases[e]]
        return [e for e, (text, others) in enumerate(zip(names, aliases, strict=True))
                if text == name or name in others]

    def episode_position(self, episode_id: str) -> int | None:
        """The position of one episode: :attr:`ep_pos` once it is built, else a binary search
        in the sorted ids (a single query need not build a dict of every episode)."""
        return _position(self, "ep_pos", self.ep_ids, episode_id)

    def entity_position(self, entity_id: str) -> int | None:
        """The position of one entity (see :meth:`episode_position`)."""
        return _position(self, "ent_pos", self.ent_ids, entity_id)

    @cached_property
    def topic_pos(self) -> dict[str, int]:
        return {t: i for i, t in enumerate(self.topic_ids)}

    # --- building -----------------------------------------------------------------
    @classmethod
    def from_graph(cls, graph: nx.MultiDiGraph) -> GraphIndex:
        """Index ``graph`` (the schema of :func:`castgraph.graph.build.build_graph`)."""
        from castgraph.graph.tables import GraphTables

        return cls.from_tables(GraphTables.from_networkx(graph))

    @classmethod
    def from_tables(cls, tables: GraphTables) -> GraphIndex:
        """Index a graph held as columns (what ``castgraph build`` has in hand)."""
        # The building code, and the graph model and columns it needs, load here: a query on a
        # cached index needs none of them.
        from castgraph.queries.index_build import index_parts

        with gc_paused():
            return cls(*index_parts(tables))
    # --- access -------------------------------------------------------------------
    def comentioned(self, ent: int, limit: int) -> list[tuple[int, int]]:
        """``(entity, shared episodes)`` of the entities most often in ``ent``'s episodes."""
        a = self.arrays
        others = _gather(a["ep_ptr"], a["ep_idx"], a["ent_idx"][a["ent_ptr"][ent]:a["ent_ptr"][ent + 1]])
        counts = np.bincount(others, minlength=len(self.ent_ids))
        counts[ent] = 0
        return _top(counts, limit)

    def topic_counts(self, ent: int, limit: int) -> list[tuple[int, int]]:
        """``(topic, episodes)`` of the topics of ``ent``'s episodes."""
        a = self.arrays
        topics = _gather(a["ept_ptr"], a["ept_idx"], a["ent_idx"][a["ent_ptr"][ent]:a["ent_ptr"][ent + 1]])
        return _top(np.bincount(topics, minlength=len(self.topic_ids)), limit)

    def entity_pairs(self, episodes: np.ndarray, allowed: np.ndarray | None, min_weight: int = 1
                     ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """The pairs of entities sharing at least ``min_weight`` of ``episodes`` (ascending):
        ``(first, second, bounds, shared, df)``.

        Pair ``i`` is ``first[i] < second[i]``, pairs sorted; its episodes are
        ``shared[bounds[i]:bounds[i + 1]]``, ascending. Only entities where ``allowed`` is
        true count; ``df`` counts each entity's episodes among ``episodes``. Pairs are formed
        within one episode only, so the work grows with entities per episode, not with the
        graph; an entity with a ``df`` under ``min_weight`` can share no more episodes with
        another, so it forms no pairs.
        """
        a = self.arrays
        n_eps = len(episodes)
        ptr, flat = a["ep_ptr"], a["ep_idx"]
        ents = _gather(ptr, flat, episodes)
        # Each occurrence's slot: the place of its episode in ``episodes``.
        slot = np.repeat(np.arange(n_eps, dtype=np.int64), ptr[episodes + 1] - ptr[episodes])
        if allowed is not None:
            keep = allowed[ents]
            ents, slot = ents[keep], slot[keep]
        df = np.bincount(ents, minlength=len(self.ent_ids))
        if min_weight > 1:
            keep = df[ents] >= min_weight
            ents, slot = ents[keep], slot[keep]
        # The entities left, numbered densely in id order: pair codes stay small.
        used = np.flatnonzero(df >= max(1, min_weight))
        m = len(used)
        dense = np.zeros(len(df), dtype=np.int64)
        dense[used] = np.arange(m, dtype=np.int64)
        codes, slots = _pair_codes(dense[ents], np.bincount(slot, minlength=n_eps), m)
        if len(codes) and m * m * n_eps < 1 << 62:
            # One key (pair, slot) per occurrence: a plain sort of int64 groups the pairs with
            # their episodes ascending, many times faster than an argsort.
            codes *= n_eps
            codes += slots
            codes.sort()
            codes, slots = np.divmod(codes, n_eps)
        else:
            order = np.lexsort((slots, codes))
            codes, slots = codes[order], slots[order]
        firsts = np.flatnonzero(np.concatenate(([True], codes[1:] != codes[:-1]))) if len(codes) \
            else np.zeros(0, dtype=np.int64)
        counts = np.diff(np.append(firsts, len(codes)))
        good = counts >= min_weight
        if not good.all():
            slots = slots[np.repeat(good, counts)]
            firsts, counts = firsts[good], counts[good]
        pair_codes = codes[firsts]
        bounds = np.zeros(len(counts) + 1, dtype=np.int64)
        np.cumsum(counts, out=bounds[1:])
        first, second = np.divmod(pair_codes, max(1, m))
        return used[first], used[second], bounds, episodes[slots], df

    def appearances(self, ent: int, limit: int | None) -> list[int]:
        """``ent``'s episodes in profile order (newest first, undated last, then id), at most ``limit``."""
        a = self.arrays
        eps = a["ent_idx"][a["ent_ptr"][ent]:a["ent_ptr"][ent + 1]]
        ordered = eps[np.argsort(a["ep_rank"][eps], kind="stable")]
        return (ordered if limit is None else ordered[:limit]).tolist()

    def _row(self, name: str, i: int) -> list[int]:
        ptr = self.arrays[f"{name}_ptr"]
        return self.arrays[f"{name}_idx"][ptr[i]:ptr[i + 1]].tolist()

    def entity_episodes(self, ent: int) -> list[int]:
        """Episode positions of an entity, ascending."""
        return self._row("ent", ent)

    def _row_length(self, name: str, i: int) -> int:
        ptr = self.arrays[f"{name}_ptr"]
        return int(ptr[i + 1] - ptr[i])

    def entity_df(self, ent: int) -> int:
        return self._row_length("ent", ent)

    def episode_entities(self, ep: int) -> list[int]:
        """Entity positions of an episode, ascending."""
        return self._row("ep", ep)

    def topic_episodes(self, topic: int) -> list[int]:
        return self._row("topic", topic)

    def topic_df(self, topic: int) -> int:
        return self._row_length("topic", topic)

    def episode_topics(self, ep: int) -> list[int]:
        return self._row("ept", ep)

    def chapters(self, ep: int) -> list[dict[str, object]]:
        value = json.loads(self.blobs["chapters"][ep])
        return value if isinstance(value, list) else []

    def description(self, ent: int) -> str:
        return self.blobs["ent_desc"][ent]

    def surfaces(self, ep: int, ent: int) -> list[str]:
        """Surfaces (in mention order) with which episode ``ep`` names entity ``ent``."""
        ents = self.episode_entities(ep)
        try:
            at = ents.index(ent)
        except ValueError:
            return []
        return list(json.loads(self.blobs["surfaces"][ep])[at])

    # --- mention origins and places (castgraph.link) --------------------------------
    @staticmethod
    def strength_table(weights: Mapping[str, float] | None) -> np.ndarray:
        """For every origin mask, the weight of its strongest origin under ``weights``."""
        codes = [float(weights.get(o, 1.0)) if weights is not None else 1.0 for o in ORIGIN_CODES]
        table = np.zeros(1 << len(ORIGIN_CODES), dtype=np.float64)
        for mask in range(1, len(table)):
            table[mask] = max(w for bit, w in enumerate(codes) if mask >> bit & 1)
        return table

    def entity_strengths(self, ent: int, table: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``ent``'s episodes (ascending) and the strength of each one's mentions of it."""
        ptr = self.arrays["ent_ptr"]
        lo, hi = ptr[ent], ptr[ent + 1]
        return self.arrays["ent_idx"][lo:hi], table[self.arrays["ent_org"][lo:hi]]

    def episode_strengths(self, ep: int, table: np.ndarray) -> tuple[list[int], list[float]]:
        """``ep``'s entities (ascending) and the strength of its mentions of each."""
        ptr = self.arrays["ep_ptr"]
        lo, hi = ptr[ep], ptr[ep + 1]
        return self.arrays["ep_idx"][lo:hi].tolist(), table[self.arrays["ep_org"][lo:hi]].tolist()

    def places(self, ep: int, ent: int) -> list[list[Any]]:
        """``[origin, field, chapter, timestamp]`` of each mention of ``ent`` in ``ep``, in mention order."""
        ents = self.episode_entities(ep)
        try:
            at = ents.index(ent)
        except ValueError:
            return []
        return list(json.loads(self.blobs["places"][ep])[at])

    def episodes_titled(self, fragment: str) -> list[int]:
        """Positions of the episodes whose casefolded title contains ``fragment`` casefolded."""
        if self._titles_folded is None:
            starts, pos = [], 0
            for title in self.ep_title:
                starts.append(pos)
                pos += len(title.casefold()) + 1
            self._titles_folded = "\n".join(t.casefold() for t in self.ep_title)
            self._title_starts = starts
        needle = fragment.casefold()
        if not needle or "\n" in needle:
            return []
        found: list[int] = []
        at = self._titles_folded.find(needle)
        while at != -1:
            ep = bisect_right(self._title_starts, at) - 1
            if not found or found[-1] != ep:
                found.append(ep)
            at = self._titles_folded.find(needle, at + 1)
        return found

