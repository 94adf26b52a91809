"""The overview page's view computed from the columns, without the whole networkx graph.

:func:`overview_from_tables` gives the same :class:`castgraph.viz.views.View` as
:func:`castgraph.viz.views.overview_view` of the graph the tables hold (tested on
both): the most connected part is picked over integer adjacency arrays, and only
the nodes shown (and the episodes their side panels list) become a small networkx
graph for the record builder the other views use.

Node ids sort as ``entity:`` < ``episode:`` < ``topic:``, so numbering entities, then
episodes, then topics, each in id order, makes integer order equal id order: ties
break the same way as in the networkx view.

Examples
--------
>>> from castgraph.graph.build import build_graph
>>> from castgraph.graph.model import Entity, EntityType, Episode, Mention, Resolution
>>> from castgraph.graph.tables import GraphTables
>>> from castgraph.viz.views import overview_view
>>> eps = [Episode(id=f"e{i}", title=f"T{i}", mentions=[Mention(surface="swyx")]) for i in range(3)]
>>> res = Resolution(entities=[Entity(id="entity:1", name="swyx", type=EntityType.PERSON,
...                                   mention_ids=["e0#0", "e1#0", "e2#0"])],
...                  assignments={f"e{i}#0": "entity:1" for i in range(3)})
>>> tables = GraphTables.from_build(eps, res)
>>> overview_from_tables(tables, max_nodes=2) == overview_view(tables.to_networkx(), max_nodes=2)
True
"""

from __future__ import annotations

import heapq
from typing import Any

import networkx as nx
import numpy as np

from castgraph.graph.schema import ABSENT, HAS_TOPIC, MENTIONS, mention_key
from castgraph.graph.tables import GraphTables, lex_order
from castgraph.viz.view_records import REFS_PER_NODE, View, _ViewBuilder
from castgraph.viz.views import MAX_NODES, left_out_note

__all__ = ["overview_from_tables"]


class _Adjacency:
    """Undirected links of every node as CSR arrays: neighbours and link weights (parallel edges)."""

    def __init__(self, tables: GraphTables) -> None:
        n_ent, n_ep = len(tables.entities), len(tables.episodes)
        self.n_ent, self.n_ep, self.n = n_ent, n_ep, n_ent + n_ep + len(tables.topics)
        # Every mention as one (episode, entity) code, sorted: equal codes are parallel edges,
        # and the rows of any pair are one slice (see rows_of).
        pair = (tables.m_ep.astype(np.int64) + n_ent) * self.n + tables.m_ent
        self.mention_order = np.argsort(pair)
        self.mention_pairs = pair[self.mention_order]
        starts = np.flatnonzero(np.diff(self.mention_pairs, prepend=-1))
        pairs = self.mention_pairs[starts]
        weights = np.diff(np.append(starts, len(pair)))
        topic_src = np.repeat(np.arange(n_ep, dtype=np.int64), np.diff(tables.ept_ptr)) + n_ent
        topic_dst = tables.ept_idx.astype(np.int64) + n_ent + n_ep
        src = np.concatenate([pairs // self.n, topic_src])
        dst = np.concatenate([pairs % self.n, topic_dst])
        w = np.concatenate([weights, np.ones(len(topic_src), dtype=np.int64)])
        # Both directions of every link, sorted by (node, neighbour): each (node, neighbour) code
        # is distinct (an episode is never its own neighbour), so one argsort orders them.
        a, b = np.concatenate([src, dst]), np.concatenate([dst, src])
        order = np.argsort(a * self.n + b)
        self.ptr = np.searchsorted(a[order], np.arange(self.n + 1))
        self.nbr = b[order]
        self.weight = np.concatenate([w, w])[order]
        self.degree = np.diff(self.ptr)
        self.links = len(src)

    def rows_of(self, pairs: np.ndarray) -> np.ndarray:
        """The mention rows of (episode number, entity number) ``pairs``."""
        codes = (pairs[:, 0].astype(np.int64) + self.n_ent) * self.n + pairs[:, 1]
        lo = np.searchsorted(self.mention_pairs, codes, side="left")
        lengths = np.searchsorted(self.mention_pairs, codes, side="right") - lo
        # Each pair's slice, laid end to end: output index plus the slice's shift.
        shift = np.repeat(lo - (np.cumsum(lengths) - lengths), lengths)
        return self.mention_order[np.arange(int(lengths.sum())) + shift]

    def neighbours(self, node: int) -> np.ndarray:
        return self.nbr[self.ptr[node]:self.ptr[node + 1]]

    def kind(self, node: int) -> str:
        return "Entity" if node < self.n_ent else "Episode" if node < self.n_ent + self.n_ep else "Topic"


def _select_connected(adj: _Adjacency, limit: int) -> list[int]:
    """:func:`castgraph.viz.views.select_connected` over integer nodes (score = degree)."""
    score = adj.degree.tolist()
    seeds = iter(np.lexsort((np.arange(adj.n), -adj.degree)).tolist())
    chosen: dict[int, None] = {}
    queued = np.zeros(adj.n, dtype=bool)
    heap: list[tuple[int, int]] = []
    while len(chosen) < min(limit, adj.n):
        if not heap:
            seed = next(n for n in seeds if not queued[n])
            queued[seed] = True
            heap.append((-score[seed], seed))
        _, node = heapq.heappop(heap)
        chosen[node] = None
        # A hub neighbours most episodes: only those not queued yet are looked at in Python.
        nbrs = adj.neighbours(node)
        new = nbrs[~queued[nbrs]]
        queued[new] = True
        for nbr in new.tolist():
            heapq.heappush(heap, (-score[nbr], nbr))
    return list(chosen)


def _newest_rank(tables: GraphTables) -> np.ndarray:
    """Per episode its place in (published, id) descending order: the side panel's order."""
    published = np.asarray([str(r.get("published") or "") for r in tables.episodes], dtype=str)
    # A stable sort by date keeps ties in episode order: (published, id) ascending, then reversed.
    order = np.argsort(published, kind="stable")[::-1]
    rank = np.empty(len(published), dtype=np.int64)
    rank[order] = np.arange(len(order))
    return rank


def overview_from_tables(tables: GraphTables, *, max_nodes: int = MAX_NODES,
                         title: str = "castgraph") -> View:
    """The overview of the graph in ``tables`` (see :func:`castgraph.viz.views.overview_view`)."""
    adj = _Adjacency(tables)
    records = [*tables.entities, *tables.episodes, *tables.topics]
    ids = [r["id"] for r in records]
    kept = _select_connected(adj, max_nodes) if adj.n > max_nodes else list(range(adj.n))
    rank = {"Entity": 0, "Topic": 1, "Episode": 2}
    kept.sort(key=lambda n: (rank[adj.kind(n)], -int(adj.degree[n]), n))
    keep = np.zeros(adj.n, dtype=bool)
    keep[kept] = True
    links: list[tuple[str, str, int, str]] = []
    for u in kept:
        lo, hi = adj.ptr[u], adj.ptr[u + 1]
        shown = keep[adj.nbr[lo:hi]]
        for v, w in zip(adj.nbr[lo:hi][shown].tolist(), adj.weight[lo:hi][shown].tolist(), strict=True):
            if ids[u] < ids[v]:
                kind = HAS_TOPIC if "Topic" in (adj.kind(u), adj.kind(v)) else MENTIONS
                links.append((ids[u], ids[v], w, kind))
    links.sort()
    newest = _newest_rank(tables)
    panel: dict[int, tuple[list[int], int]] = {}  # node -> its newest episodes, and how many it has
    for node in kept:
        if adj.kind(node) == "Episode":
            panel[node] = ([node], 1)
            continue
        eps = adj.neighbours(node)
        eps = eps[(eps >= adj.n_ent) & (eps < adj.n_ent + adj.n_ep)]
        ranks = newest[eps - adj.n_ent]
        if len(eps) > REFS_PER_NODE:  # ranks are distinct: the newest few, then only those sorted
            first = np.argpartition(ranks, REFS_PER_NODE)[:REFS_PER_NODE]
            top = eps[first[np.argsort(ranks[first])]]
        else:
            top = eps[np.argsort(ranks)]
        panel[node] = (top.tolist(), len(eps))
    sub = _subgraph(tables, adj, records, ids, panel)
    refs = {ids[node]: ([ids[e] for e in eps], count) for node, (eps, count) in panel.items()}
    total = {"Entity": adj.n_ent, "Episode": adj.n_ep, "Topic": adj.n - adj.n_ent - adj.n_ep}
    shown_kinds: dict[str, int] = {}
    for node in kept:
        shown_kinds[adj.kind(node)] = shown_kinds.get(adj.kind(node), 0) + 1
    note = left_out_note(total, shown_kinds, len(links), adj.links, "the most connected")
    entities = np.asarray([n for n in kept if n < adj.n_ent], dtype=np.int64)
    builder = _TablesViewBuilder(sub, refs, {ids[n]: s for n, s in _surfaces(tables, entities).items()})
    return builder.build("overview", title, [ids[n] for n in kept], links, note=note,
                         total_nodes=adj.n, total_edges=adj.links)


def _subgraph(tables: GraphTables, adj: _Adjacency, records: list[dict[str, Any]], ids: list[str],
              panel: dict[int, tuple[list[int], int]]) -> nx.MultiDiGraph:
    """The shown nodes, the episodes their panels list, and the mention edges between them."""
    nodes = {*panel, *(e for eps, _ in panel.values() for e in eps)}
    sub = nx.MultiDiGraph()
    sub.add_nodes_from((ids[n], records[n]) for n in sorted(nodes, key=ids.__getitem__))
    wanted_pairs = [(ep - adj.n_ent, node) for node, (eps, _) in panel.items() if node < adj.n_ent
                    for ep in eps]
    if wanted_pairs:
        rows = adj.rows_of(np.asarray(wanted_pairs, dtype=np.int64))
        rows = rows[lex_order(tables.m_ord[rows], tables.m_ep[rows])]
        surfaces = tables.m_cols["surface"].take(rows) if "surface" in tables.m_cols else [""] * len(rows)
        # How each mention was obtained and where it was found (castgraph.link), when known.
        placed = {name: tables.m_cols[name].take(rows) for name in ("origin", "chapter", "timestamp")
                  if name in tables.m_cols}
        columns = (tables.m_ep[rows].tolist(), tables.m_ent[rows].tolist(), tables.m_ord[rows].tolist(),
                   surfaces)
        for i, (ep, ent, ordinal, surface) in enumerate(zip(*columns, strict=True)):
            extra = {name: values[i] for name, values in placed.items() if values[i] is not ABSENT}
            sub.add_edge(ids[ep + adj.n_ent], ids[ent], key=mention_key(ordinal), type=MENTIONS,
                         surface=surface, ordinal=ordinal, **extra)
    return sub


def _surfaces(tables: GraphTables, entities: np.ndarray) -> dict[int, list[list[Any]]]:
    """``[surface, rule, score, mentions]`` per surface of each of ``entities``, from the mention columns.

    One ``np.unique`` over (entity, surface code) pairs: no loop over the mentions in Python.
    """
    surface = tables.m_cols.get("surface")
    if surface is None or not len(entities):
        return {}
    rows = np.flatnonzero(np.isin(tables.m_ent, entities))
    width = len(surface.values) + 1
    pairs = tables.m_ent[rows].astype(np.int64) * width + surface.codes[rows].astype(np.int64) + 1
    unique, first, counts = np.unique(pairs, return_index=True, return_counts=True)

    def value(name: str, row: int, default: Any) -> Any:
        column = tables.m_cols.get(name)
        code = int(column.codes[row]) if column is not None else -1
        return column.values[code] if column is not None and code >= 0 else default

    found: dict[int, list[list[Any]]] = {}
    for pair, at, count in zip(unique.tolist(), first.tolist(), counts.tolist(), strict=True):
        entity, code = divmod(pair, width)
        row = int(rows[at])
        score = value("score", row, 1.0)
        found.setdefault(entity, []).append([
            str(surface.values[code - 1]) if code else "", str(value("rule", row, "")),
            float(score) if isinstance(score, (int, float)) else 1.0, count])
    for rows_of in found.values():
        rows_of.sort(key=lambda r: (-r[3], r[0]))
    return found


class _TablesViewBuilder(_ViewBuilder):
    """The record builder of the views, with each node's panel episodes and surfaces computed beforehand."""

    def __init__(self, graph: nx.MultiDiGraph, refs: dict[str, tuple[list[str], int]],
                 surfaces: dict[str, list[list[Any]]]) -> None:
        super().__init__(graph)
        self.refs = refs
        self._surfaces = surfaces

    def episodes_of(self, node: str, adj: Any = None) -> tuple[list[str], int]:
        return self.refs[node]

    def surfaces(self, node: str) -> list[list[Any]]:
        return self._surfaces.get(node, [])
