"""In-memory indexes of a graph for fast queries, and their on-disk cache.

:class:`GraphIndex` holds what the queries need in compact, integer-coded form:
entity -> episodes and episode -> entities postings (CSR arrays), topic postings,
titles, names and, as lazily decoded blobs, chapters and surfaces. It is built once
per loaded graph; :func:`write_index` / :func:`read_index` keep it next to graph.json
so that a cold command does not parse the JSON again. The cache format is plain
arrays, JSON and UTF-8 text: reading it never executes anything.

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
import operator
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Iterator, Mapping, Sequence, Sized
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import numpy as np
import orjson

from castgraph.graph.compact import file_key, read_sections, write_sections
from castgraph.graph.json_bytes import compact_json
from castgraph.memory import gc_paused

if TYPE_CHECKING:
    import networkx as nx

    from castgraph.graph.tables import GraphTables

__all__ = ["INDEX_FILE", "ORIGIN_CODES", "GraphIndex", "cache_key", "read_index", "write_index"]

INDEX_FILE = ".graph.json.qindex"
_MAGIC = b"CGQIDX06"
#: Mention origins as bits of an (episode, entity) origin mask; anything else counts as listed.
ORIGIN_CODES = ("listed", "person_tag", "title_pattern", "hashtag", "text_link")
# Only plain numbers are read back (np.frombuffer never unpickles).
_DTYPES = {"<i4", "<i8"}


class _Blob:
    """Many strings kept as one UTF-8 buffer plus offsets, decoded one at a time on demand."""

    def __init__(self, data: bytes, offsets: np.ndarray) -> None:
        self.data = data
        self.offsets = offsets

    @classmethod
    def of(cls, items: list[str]) -> _Blob:
        text = "".join(items)
        data = text.encode("utf-8")
        # All ASCII (one byte per character): the lengths are the strings' own.
        parts = items if len(data) == len(text) else [item.encode("utf-8") for item in items]
        return cls(data, _offsets(parts))

    @classmethod
    def of_bytes(cls, parts: list[bytes]) -> _Blob:
        return cls(b"".join(parts), _offsets(parts))

    def __getitem__(self, i: int) -> str:
        return bytes(self.data[self.offsets[i]:self.offsets[i + 1]]).decode("utf-8")


def _offsets(parts: Sequence[Sized]) -> np.ndarray:
    """Where each of ``parts`` starts when they are joined, and the end of the last."""
    offsets = np.zeros(len(parts) + 1, dtype=np.int64)
    np.cumsum(np.fromiter(map(len, parts), dtype=np.int64, count=len(parts)), out=offsets[1:])
    return offsets


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


def _nested_lists(eps: np.ndarray, starts: np.ndarray, tokens: np.ndarray, n_eps: int) -> list[str]:
    """Per episode, the JSON list of lists ``[[a, b], [c]]`` of its rows' ``tokens`` (JSON texts):
    rows sorted by episode, a new inner list where ``starts`` is true; ``[]`` for an episode
    without rows. Joined in C: a separator and a token per row, one join per episode."""
    out = ["[]"] * n_eps
    if len(eps) == 0:
        return out
    first = np.concatenate(([True], eps[1:] != eps[:-1]))
    # Before each token: "[[" opens an episode, "], [" a new inner list, ", " goes on.
    kind = np.where(first, 0, np.where(starts, 1, 2))
    pieces = np.empty(2 * len(eps), dtype=object)
    pieces[0::2] = np.array(["[[", "], [", ", "], dtype=object)[kind]
    pieces[1::2] = tokens
    texts = pieces.tolist()
    at = np.flatnonzero(first)
    bounds = (np.append(at, len(eps)) * 2).tolist()
    for ep, lo, hi in zip(eps[at].tolist(), bounds, bounds[1:], strict=False):
        out[ep] = "".join(texts[lo:hi]) + "]]"
    return out


def _changes(*keys: np.ndarray) -> np.ndarray:
    """Where any of ``keys`` (rows in order) differs from the row before (the first row counts)."""
    if len(keys[0]) == 0:
        return np.zeros(0, dtype=bool)
    change = np.zeros(len(keys[0]), dtype=bool)
    change[0] = True
    for key in keys:
        change[1:] |= key[1:] != key[:-1]
    return change


def _surface_lists(t: GraphTables, order: np.ndarray, n_eps: int) -> list[str]:
    """Per episode, the JSON list of its entities' distinct surfaces (rows in ``order``: by
    episode, entity, ordinal)."""
    col = t.m_cols.get("surface")
    eps, ents = t.m_ep[order], t.m_ent[order]
    if col is None:
        return _nested_lists(eps, _changes(eps, ents), np.full(len(order), '""', dtype=object), n_eps)
    codes = col.codes[order].astype(np.int64)
    # The first row of each distinct (episode, entity, surface), kept in row order.
    group = np.cumsum(_changes(eps, ents)) - 1
    _, firsts = np.unique(group * (len(col.values) + 1) + codes + 1, return_index=True)
    rows = np.sort(firsts)
    encoded = np.array([*map(json.encoder.encode_basestring, [str(v or "") for v in col.values]), '""'],
                       dtype=object)
    eps, ents = eps[rows], ents[rows]
    return _nested_lists(eps, _changes(eps, ents), encoded[codes[rows]], n_eps)


def _column(t: GraphTables, name: str, order: np.ndarray) -> list[Any]:
    """A mention column's values in ``order`` (``None`` where a mention has none)."""
    col = t.m_cols.get(name)
    if col is None:
        return [None] * len(order)
    values = col.values
    return [values[c] if c >= 0 else None for c in col.codes[order].tolist()]


def _origin_masks(t: GraphTables, pair: np.ndarray, pairs: np.ndarray) -> np.ndarray:
    """Per distinct (episode, entity) pair, the ORIGIN_CODES bits of its mentions (castgraph.link)."""
    col = t.m_cols.get("origin")
    bits = np.ones(len(pair), dtype=np.int32)  # no origin: listed
    if col is not None and len(pair):
        table = np.asarray([1 << ORIGIN_CODES.index(v) if v in ORIGIN_CODES else 1 for v in col.values] + [1],
                           dtype=np.int32)
        bits = table[col.codes]  # code -1 (absent) picks the trailing 1: listed
    mask = np.zeros(len(pairs), dtype=np.int32)
    np.bitwise_or.at(mask, np.searchsorted(pairs, pair), bits)
    return mask


def _place_lists(t: GraphTables, order: np.ndarray, n_eps: int) -> list[str]:
    """Per episode, a JSON list per entity of ``[origin, field, chapter, timestamp]`` per mention."""
    names = ("origin", "field", "chapter", "timestamp")
    # One code per distinct (origin, field, chapter, timestamp) of the rows, each encoded once.
    codes = [(col.codes[order], len(col.values) + 1) for name in names
             if (col := t.m_cols.get(name)) is not None]
    combo = np.zeros(len(order), dtype=np.int64)
    span = 1
    for column, size in codes:
        if span * size >= 1 << 62:  # too many combinations for one int64 key: number the ones so far
            _, combo = np.unique(combo, return_inverse=True)
            combo = combo.reshape(-1).astype(np.int64)
            span = int(combo.max(initial=0)) + 1
        combo = combo * size + column + 1
        span *= size
    _, at, combo = np.unique(combo, return_index=True, return_inverse=True)
    combo = combo.reshape(-1)
    columns = [_column(t, name, order[at]) for name in names]
    encoded = np.empty(len(at), dtype=object)
    for i, (origin, field, chapter, timestamp) in enumerate(zip(*columns, strict=True)):
        encoded[i] = json.dumps(
            [str(origin or "listed"), str(field or ""),
             int(chapter) if isinstance(chapter, (int, float)) else None,
             float(timestamp) if isinstance(timestamp, (int, float)) else None], ensure_ascii=False)
    eps, ents = t.m_ep[order], t.m_ent[order]
    return _nested_lists(eps, _changes(eps, ents), encoded[combo], n_eps)


def _first_owner(pairs: Iterable[tuple[str, str]]) -> dict[str, str]:
    owners: dict[str, str] = {}
    for key, owner in pairs:
        owners.setdefault(key, owner)
    return owners


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


def _loads(data: bytes) -> Any:
    """JSON as :func:`json.loads` reads it: with orjson, several times faster, unless it refuses
    (NaN, integers beyond 64 bits), where json reads it."""
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError:
        return json.loads(data)


def _backslashes_before(data: bytes, at: int) -> int:
    start = at
    while data[at - 1] == 0x5C:  # "\\"
        at -= 1
    return start - at


def _item_offsets(items: list[Any]) -> tuple[bytes, np.ndarray]:
    r"""``items`` as one JSON array, and where each item's JSON starts in it (then the array's end).

    Item ``i`` is ``data[offsets[i]:offsets[i + 1] - 1]`` (the comma, or for the last the
    closing bracket, left out): a query decodes the few items it reads, not the column.
    The array is written whole, as before; the items' starts are the commas outside strings
    and nested lists, found by a few passes of numpy over the bytes (not an encoding per item).

    >>> data, offsets = _item_offsets(['a,"b"', None, ["c]", "d\\"], 7])
    >>> [data[a:b - 1].decode() for a, b in zip(offsets, offsets[1:])]
    ['"a,\\"b\\""', 'null', '["c]","d\\\\"]', '7']
    """
    data = compact_json(items)
    if not items:
        return data, np.array([len(data)], dtype=np.int64)
    b = np.frombuffer(data, dtype=np.uint8)
    quotes = np.flatnonzero(b == ord('"'))
    # A quote is escaped when an odd number of backslashes stands before it (rare: look one by one).
    maybe = quotes[b[quotes - 1] == ord("\\")]
    if len(maybe):
        escaped = [q for q in maybe.tolist() if _backslashes_before(data, q) % 2]
        quotes = np.setdiff1d(quotes, np.asarray(escaped, dtype=np.int64))

    def outside(at: np.ndarray) -> np.ndarray:  # positions not inside a string
        return at[np.searchsorted(quotes, at) % 2 == 0]

    commas = outside(np.flatnonzero(b == ord(",")))
    if data.count(b"[") > 1 or b"{" in data:  # nested lists or maps: only commas at depth 1 count
        opens = outside(np.flatnonzero((b == ord("[")) | (b == ord("{"))))
        closes = outside(np.flatnonzero((b == ord("]")) | (b == ord("}"))))
        commas = commas[np.searchsorted(opens, commas) - np.searchsorted(closes, commas) == 1]
    offsets = np.empty(len(commas) + 2, dtype=np.int64)
    offsets[0], offsets[-1] = 1, len(data)
    offsets[1:-1] = commas + 1
    if len(offsets) != len(items) + 1:  # cannot happen for JSON compact_json wrote
        raise ValueError("column items not found in its JSON")
    return data, offsets


class _Column(Sequence[Any]):
    """A column (a JSON array) read from a cached index: items decoded one at a time until so
    many are asked for that decoding the whole array at once is cheaper.

    >>> data, offsets = _item_offsets(["a", None, ["b"]])
    >>> column = _Column(data, offsets)
    >>> column[1], column[-1], len(column), list(column), column == ["a", None, ["b"]]
    (None, ['b'], 3, ['a', None, ['b']], True)
    """

    # After this many single items, or an eighth of a long column (an item alone costs several
    # times its share of the whole array), or one pass over the column, the whole is decoded.
    _DECODE_ALL_AFTER = 512

    def __init__(self, data: bytes | memoryview, offsets: np.ndarray) -> None:
        self.data = data
        self.offsets = offsets
        self.size = len(offsets) - 1
        self.items: list[Any] | None = None
        self.reads = 0
        self.reads_allowed = max(self._DECODE_ALL_AFTER, self.size // 8)

    def all(self) -> list[Any]:
        """Every item, decoded once."""
        if self.items is None:
            self.items = _loads(bytes(self.data))
        return self.items

    def __len__(self) -> int:
        return self.size

    def __getitem__(self, i: Any) -> Any:
        if self.items is not None:
            return self.items[i]
        if isinstance(i, slice):
            return self.all()[i]
        i = operator.index(i)  # numpy integers too
        if i < 0:
            i += self.size
        if not 0 <= i < self.size:
            raise IndexError("column index out of range")
        self.reads += 1
        if self.reads > self.reads_allowed:
            return self.all()[i]
        offsets = self.offsets
        return _loads(bytes(self.data[offsets[i]:offsets[i + 1] - 1]))

    def __iter__(self) -> Iterator[Any]:
        return iter(self.all())

    def holding(self, text: str) -> list[int]:
        """Positions of the items that may be or hold the string ``text``, ascending: those whose
        JSON contains its JSON (a search of the bytes; nothing is decoded)."""
        needle, data = compact_json(text), bytes(self.data)
        found: list[int] = []
        at = data.find(needle)
        while at != -1:
            found.append(at)
            at = data.find(needle, at + 1)
        return sorted(set((np.searchsorted(self.offsets, np.asarray(found, dtype=np.int64), side="right") - 1)
                          .tolist()))

    def __eq__(self, other: object) -> bool:
        if isinstance(other, _Column):
            other = other.all()
        return self.all() == other if isinstance(other, list) else NotImplemented

    __hash__ = None  # type: ignore[assignment]


class _LazyTables(Mapping[str, Any]):
    """Tables kept as JSON bytes until one is asked for; a column with item offsets comes back
    as a :class:`_Column` (decoded as read), the others decoded whole on first use."""

    def __init__(self, raw: Mapping[str, bytes | memoryview],
                 offsets: Mapping[str, np.ndarray] | None = None) -> None:
        self.raw = raw
        self.offsets = offsets or {}
        self.decoded: dict[str, Any] = {}

    def __getitem__(self, key: str) -> Any:
        if key not in self.decoded:
            at = self.offsets.get(key)
            self.decoded[key] = _loads(bytes(self.raw[key])) if at is None else _Column(self.raw[key], at)
        return self.decoded[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self.raw)

    def __len__(self) -> int:
        return len(self.raw)


class GraphIndex:
    """Integer-coded indexes of one castgraph graph (ids sorted, so position order = id order)."""

    def __init__(self, tables: Mapping[str, Any], arrays: dict[str, np.ndarray],
                 blobs: dict[str, _Blob]) -> None:
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
        if isinstance(names, _Column) and isinstance(aliases, _Column) and names.items is None \
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
        with gc_paused():
            return cls._from_tables(tables)

    @classmethod
    def _from_tables(cls, t: GraphTables) -> GraphIndex:
        # The graph model and its columns load here, when an index is built: a query on a
        # cached index needs neither.
        from castgraph.graph.tables import lex_order

        ep_ids, ent_ids, topic_ids = t.ids(t.episodes), t.ids(t.entities), t.ids(t.topics)
        n_eps, n_ents = len(ep_ids), len(ent_ids)
        # Distinct (episode, entity) pairs, sorted: the episode -> entities postings.
        pair = t.m_ep.astype(np.int64) * max(1, n_ents) + t.m_ent
        # Mentions by episode, entity, ordinal: the order of the surface and place lists below.
        order = lex_order(t.m_ord, t.m_ent, t.m_ep)
        by_pair = pair[order]
        pairs = by_pair[_changes(by_pair)] if len(by_pair) else by_pair
        pair_ep, pair_ent = pairs // max(1, n_ents), pairs % max(1, n_ents)
        arrays: dict[str, np.ndarray] = {}
        arrays["ep_ptr"] = np.searchsorted(pair_ep, np.arange(n_eps + 1)).astype(np.int64)
        arrays["ep_idx"] = pair_ent.astype(np.int32)
        by_ent = lex_order(pair_ep, pair_ent)
        arrays["ent_ptr"] = np.searchsorted(pair_ent[by_ent], np.arange(n_ents + 1)).astype(np.int64)
        arrays["ent_idx"] = pair_ep[by_ent].astype(np.int32)
        # How each episode mentions each entity, beside both postings (castgraph.link).
        masks = _origin_masks(t, pair, pairs)
        arrays["ep_org"], arrays["ent_org"] = masks, masks[by_ent]
        arrays["ept_ptr"], arrays["ept_idx"] = t.ept_ptr.astype(np.int64), t.ept_idx.astype(np.int32)
        tops = t.ept_idx.astype(np.int64)
        owner = np.repeat(np.arange(n_eps), np.diff(t.ept_ptr))
        by_topic = lex_order(owner, tops)
        arrays["topic_ptr"] = np.searchsorted(tops[by_topic], np.arange(len(topic_ids) + 1)).astype(np.int64)
        arrays["topic_idx"] = owner[by_topic].astype(np.int32)
        # Distinct surfaces of each (episode, entity) in mention order, one JSON list per episode.
        surfaces = _surface_lists(t, order, n_eps)
        eps, ents = t.episodes, t.entities
        tables: dict[str, Any] = {
            "ep_ids": ep_ids,
            "ep_title": [str(r.get("title") or "") for r in eps],
            "ep_published": [r.get("published") or None for r in eps],
            "ent_ids": ent_ids,
            "ent_name": [str(r.get("name") or "") for r in ents],
            "ent_type": [str(r.get("type") or "Other") for r in ents],
            "ent_aliases": [list(r.get("aliases") or []) for r in ents],
            "ent_count": [int(r.get("episode_count") or 0) for r in ents],
            # Only entities that absorbed others have former ids: a map, not a column. Were one
            # listed twice, the smallest entity id has it (as on Neo4j).
            "ent_former": _first_owner((former, r["id"]) for r in ents
                                       for former in r.get("former_ids") or []),
            "topic_ids": topic_ids,
            "topic_name": [str(r.get("name") or r["id"]) for r in t.topics],
        }
        # Rank of each episode in profile order: newest first, undated last, then id.
        published: list[str | None] = tables["ep_published"]
        dated = sorted((e for e in range(n_eps) if published[e]), key=lambda e: published[e] or "",
                       reverse=True)
        order_eps = dated + [e for e in range(n_eps) if not published[e]]
        rank = np.zeros(n_eps, dtype=np.int32)
        rank[np.asarray(order_eps, dtype=np.int64)] = np.arange(len(order_eps), dtype=np.int32)
        arrays["ep_rank"] = rank
        blobs = {
            # Chapters written as the store writes them (orjson, where it writes what json does).
            "chapters": _Blob.of_bytes([compact_json(r.get("chapters") or [], checked=t.plain_records)
                                        for r in eps]),
            "surfaces": _Blob.of(surfaces),
            "places": _Blob.of(_place_lists(t, order, n_eps)),
            "ent_desc": _Blob.of([str(r.get("description") or "") for r in ents]),
        }
        return cls(tables, arrays, blobs)

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


def cache_key(graph_file: str | Path) -> dict[str, Any]:
    """What identifies the graph file an index was made from (see :func:`castgraph.graph.compact.file_key`).

    The inode is part of it: every write is a new file renamed into place, so an index made
    for another build's graph never matches.
    """
    return file_key(graph_file)


def write_index(index: GraphIndex, path: str | Path, key: dict[str, Any]) -> None:
    """Write ``index`` to ``path`` (atomically), tagged with the graph's ``key``."""
    sections: list[tuple[str, str, bytes]] = []
    for name in index.tables:
        value = index.tables[name]
        if isinstance(value, (list, _Column)):
            # A column: with where each item starts, so that a query decodes only what it reads.
            data, offsets = _item_offsets(list(value))
            sections.append((f"table.{name}", "bytes", data))
            sections.append((f"table.{name}.offsets", offsets.dtype.str, offsets.tobytes()))
        else:
            sections.append((f"table.{name}", "bytes", compact_json(value)))
    for name, arr in sorted(index.arrays.items()):
        sections.append((name, arr.dtype.str, np.ascontiguousarray(arr).tobytes()))
    for name, blob in sorted(index.blobs.items()):
        sections.append((f"{name}.data", "bytes", bytes(blob.data)))
        sections.append((f"{name}.offsets", blob.offsets.dtype.str, blob.offsets.tobytes()))
    write_sections(path, _MAGIC, {"key": key}, sections)


def read_index(path: str | Path, key: dict[str, Any]) -> GraphIndex | None:
    """The index cached at ``path`` if it was written for ``key``, else ``None``.

    The file is mapped, not read: a query touches the pages of the few postings and
    columns it needs; tables are decoded on first use.
    """
    found = read_sections(path, _MAGIC, lazy=True, expect={"key": key})
    if found is None:
        return None
    _, parts = found
    try:
        tables = _LazyTables({name[6:]: parts[name] for name in parts
                              if name.startswith("table.") and not name.endswith(".offsets")},
                             {name[6:-8]: parts[name] for name in parts
                              if name.startswith("table.") and name.endswith(".offsets")})
        blobs = {name[:-5]: _Blob(parts[name], parts[name[:-5] + ".offsets"])
                 for name in parts if name.endswith(".data")}
        arrays = {name: value for name, value in parts.items()
                  if isinstance(value, np.ndarray) and not name.endswith(".offsets")}
        return GraphIndex(tables, arrays, blobs)
    except (ValueError, KeyError, TypeError):
        return None  # a damaged cache is rebuilt, never trusted
