"""Building the query index from a graph held as columns (:class:`~castgraph.graph.tables.GraphTables`).

:func:`index_parts` turns the graph's columns into the postings, tables and text blobs of a
:class:`~castgraph.queries.index.GraphIndex` with a few passes of numpy, not a loop per
mention. Only building needs this module and the graph model it loads: a query on a cached
index (:mod:`castgraph.queries.index_file`) never imports it.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from castgraph.graph.tables import GraphTables, lex_order
from castgraph.queries.index import ORIGIN_CODES
from castgraph.queries.index_file import TextBlob

__all__ = ["BlobMakers", "index_makers", "index_parts"]

#: Text blobs of the index by name, each made when its function is called.
BlobMakers = dict[str, Callable[[], TextBlob]]


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


def index_parts(t: GraphTables) -> tuple[dict[str, Any], dict[str, np.ndarray], dict[str, TextBlob]]:
    """The ``(tables, arrays, blobs)`` of the :class:`~castgraph.queries.index.GraphIndex` of ``t``.

    Examples
    --------
    >>> from castgraph.graph.build import build_graph
    >>> from castgraph.graph.model import Episode, Resolution
    >>> from castgraph.graph.tables import GraphTables
    >>> graph = build_graph([Episode(id="e2", title="B"), Episode(id="e1", title="A")], Resolution())
    >>> tables, arrays, blobs = index_parts(GraphTables.from_networkx(graph))
    >>> tables["ep_ids"], tables["ep_title"], arrays["ep_ptr"].tolist(), blobs["surfaces"][0]
    (['episode:e1', 'episode:e2'], ['A', 'B'], [0, 0, 0], '[]')
    """
    tables, arrays, blobs = index_makers(t)
    return tables, arrays, {name: make() for name, make in blobs.items()}


def index_makers(t: GraphTables) -> tuple[dict[str, Any], dict[str, np.ndarray], BlobMakers]:
    """:func:`index_parts` with each text blob made when called: written one by one, one is held at a time."""
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
    blobs: BlobMakers = {
        # Chapters written as the store writes them (orjson, where it writes what json does).
        "chapters": lambda: TextBlob.of_json([r.get("chapters") or [] for r in eps], checked=t.plain_records),
        # Distinct surfaces of each (episode, entity) in mention order, one JSON list per episode.
        "surfaces": lambda: TextBlob.of(_surface_lists(t, order, n_eps)),
        "places": lambda: TextBlob.of(_place_lists(t, order, n_eps)),
        "ent_desc": lambda: TextBlob.of([str(r.get("description") or "") for r in ents]),
    }
    return tables, arrays, blobs
