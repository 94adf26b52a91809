"""Views: the part of a graph one page shows, as plain data ready for the browser.

A :class:`View` holds the nodes and links to draw, the episodes the side panel
lists, and a note saying what was left out. Views are computed in Python so that
pages stay small and fast: above ``max_nodes`` nodes only the most connected part
is kept (highest degree first, grown outwards from the best node so what is shown
stays connected), and every view is deterministic: the same graph gives the same
view whatever order its nodes were added in. This module picks the nodes and links;
:mod:`castgraph.viz.view_records` makes what the page shows of each.

Examples
--------
>>> from castgraph.graph.build import build_graph
>>> from castgraph.graph.model import Entity, EntityType, Episode, Mention, Resolution
>>> ep = Episode(id="e1", title="Hi", mentions=[Mention(surface="swyx")])
>>> res = Resolution(entities=[Entity(id="entity:1", name="swyx", type=EntityType.PERSON)],
...                  assignments={"e1#0": "entity:1"})
>>> view = overview_view(build_graph([ep], res))
>>> [n["name"] for n in view.nodes], len(view.edges), view.note
(['swyx', 'Hi'], 1, '')
>>> [n["id"] for n in ego_view(build_graph([ep], res), "SWYX").nodes]
['entity:1', 'episode:e1']
"""

from __future__ import annotations

import heapq
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import networkx as nx

from castgraph.errors import CastgraphError
from castgraph.viz.view_records import (
    REFS_PER_NODE,
    View,
    _Adjacency,
    _kind,
    _name,
    _ViewBuilder,
    chapter_words,
    has_word,
)

__all__ = [
    "MAX_NODES",
    "REFS_PER_NODE",
    "View",
    "chapter_words",
    "ego_view",
    "episode_view",
    "find_node",
    "has_word",
    "left_out_note",
    "overview_view",
    "select_connected",
]

MAX_NODES = 1500
"""Above this many nodes a page shows only the most connected part."""


def _adjacency(graph: nx.MultiDiGraph) -> _Adjacency:
    """Undirected neighbour -> link weight (number of parallel edges), per node."""
    # The raw successor/predecessor dicts: one step per neighbour pair, not per edge, and
    # no view objects in the loop (this runs over every edge of the graph).
    succ: dict[str, dict[str, dict[Any, Any]]] = graph._succ
    pred: dict[str, dict[str, dict[Any, Any]]] = graph._pred
    adj: _Adjacency = {}
    for u, out in succ.items():
        merged = {v: len(keyed) for v, keyed in out.items() if v != u}
        for v, keyed in pred[u].items():
            if v != u:
                merged[v] = merged.get(v, 0) + len(keyed)
        adj[u] = merged
    return adj


def select_connected(adj: Mapping[str, Mapping[str, Any]], limit: int,
                     score: Mapping[str, float] | None = None) -> list[str]:
    """Pick ``limit`` nodes: the best-scored node first, then always the best neighbour.

    Growing from the best node keeps the picked part connected; when its component
    is used up the next best unpicked node starts a new part. Runs in
    O(E log E) with a heap, never comparing all pairs.

    >>> adj = {"a": {"b": 1}, "b": {"a": 1, "c": 1}, "c": {"b": 1}, "d": {}}
    >>> select_connected(adj, 2)
    ['b', 'a']
    """
    if score is None:
        score = {n: len(nbrs) for n, nbrs in adj.items()}
    order = sorted(adj, key=lambda n: (-score[n], n))
    chosen: dict[str, None] = {}
    queued: set[str] = set()  # scores never change, so each node enters the heap once
    heap: list[tuple[float, str]] = []
    seeds = iter(order)
    while len(chosen) < min(limit, len(adj)):
        if not heap:
            seed = next(n for n in seeds if n not in queued)
            queued.add(seed)
            heap.append((-score[seed], seed))
        _, node = heapq.heappop(heap)
        chosen[node] = None
        for nbr in adj[node]:
            if nbr not in queued:
                queued.add(nbr)
                heapq.heappush(heap, (-score[nbr], nbr))
    return list(chosen)


def _plural(count: int, word: str, plural: str = "") -> str:
    """``"1 link"``, ``"2 links"``; ``plural`` for words that do not just take an s.

    >>> _plural(1, "entity", "entities"), _plural(3, "entity", "entities"), _plural(2, "link")
    ('1 entity', '3 entities', '2 links')
    """
    return f"{count:,} {word if count == 1 else plural or word + 's'}"


def _left_out_note(graph: nx.MultiDiGraph, kept: set[str], shown_edges: int, total_edges: int,
                   why: str) -> str:
    total: dict[str, int] = defaultdict(int)
    shown: dict[str, int] = defaultdict(int)
    for node, attrs in graph.nodes(data=True):
        kind = _kind(attrs)
        total[kind] += 1
        if node in kept:
            shown[kind] += 1
    return left_out_note(total, shown, shown_edges, total_edges, why)


def left_out_note(total: Mapping[str, int], shown: Mapping[str, int], shown_edges: int, total_edges: int,
                  why: str) -> str:
    """The note under a view that leaves nodes out (``""`` when it shows them all).

    ``total`` and ``shown`` count nodes per kind (Entity, Episode, Topic).
    """
    all_nodes, kept = sum(total.values()), sum(shown.values())
    if kept >= all_nodes:
        return ""
    plurals = {"Entity": "entities"}
    missing = {k: total.get(k, 0) - shown.get(k, 0) for k in ("Entity", "Episode", "Topic")}
    parts = [_plural(missing[k], k.lower(), plurals.get(k, "")) for k in ("Entity", "Episode", "Topic")
             if missing[k]]
    left = ", ".join(parts)
    return (f"Showing {kept:,} of {all_nodes:,} nodes ({why}). "
            f"Left out: {left} and {_plural(total_edges - shown_edges, 'link')}.")


def _edge_kind(graph: nx.MultiDiGraph, u: str, v: str) -> str:
    data = graph.get_edge_data(u, v) or graph.get_edge_data(v, u) or {}
    for attrs in data.values():
        return str(attrs.get("type") or "")
    return ""


_Link = tuple[str, str, int, str]


def _induced_edges(graph: nx.MultiDiGraph, adj: _Adjacency, kept: Sequence[str]) -> list[_Link]:
    keep = set(kept)
    edges = []
    for u in kept:
        for v, w in adj[u].items():
            if v in keep and u < v:
                edges.append((u, v, w, _edge_kind(graph, u, v)))
    return sorted(edges)


def _ordered(graph: nx.MultiDiGraph, nodes: Iterable[str], adj: _Adjacency) -> list[str]:
    """Entities first (most episodes first), then topics and episodes, ties by id."""
    rank = {"Entity": 0, "Topic": 1, "Episode": 2}
    return sorted(nodes, key=lambda n: (rank[_kind(graph.nodes[n])], -len(adj[n]), n))


def overview_view(graph: nx.MultiDiGraph, *, max_nodes: int = MAX_NODES, title: str = "castgraph") -> View:
    """The whole graph, or its ``max_nodes`` most connected nodes when it is larger."""
    adj = _adjacency(graph)
    kept = select_connected(adj, max_nodes) if len(adj) > max_nodes else list(graph.nodes)
    kept = _ordered(graph, kept, adj)
    edges = _induced_edges(graph, adj, kept)
    total_links = sum(len(n) for n in adj.values()) // 2
    note = _left_out_note(graph, set(kept), len(edges), total_links, "the most connected")
    return _ViewBuilder(graph).build("overview", title, kept, edges, adj=adj, note=note,
                                     total_edges=total_links)


def find_node(graph: nx.MultiDiGraph, name_or_id: str, *,
              kinds: Sequence[str] = ("Entity", "Topic", "Episode")) -> str:
    """The node ``name_or_id`` names, by the lookup every command uses (:mod:`castgraph.queries.lookup`).

    An id, former id, name, alias, folded or suffix-free spelling (``GitHub, Inc.``), or a near
    spelling of an entity; a topic's name; an episode's record id or title. Among several
    entities of one name the one in most episodes wins.

    >>> g = nx.MultiDiGraph()
    >>> g.add_node("entity:1", label="Entity", name="ＧＰＴ-4", aliases=["gpt4"], episode_count=3)
    >>> find_node(g, "gpt-4"), find_node(g, "GPT4")
    ('entity:1', 'entity:1')
    """
    from castgraph.queries.lookup import GraphNames
    from castgraph.queries.lookup import find_node as lookup_node

    return lookup_node(GraphNames(graph), name_or_id, kinds)


def ego_view(graph: nx.MultiDiGraph, name_or_id: str, depth: int = 1, *, max_nodes: int = MAX_NODES) -> View:
    """A node and its neighbourhood.

    ``depth`` counts steps between entities through shared episodes: depth 1 around
    an entity shows its episodes and the entities those episodes mention. Around an
    episode, depth 1 shows what it mentions and depth 2 adds the episodes sharing those.
    Topics are shown but not walked through (one tag would pull in half the graph).
    """
    if depth < 0:
        raise CastgraphError(f"depth must be 0 or more, not {depth}")
    center = find_node(graph, name_or_id)
    adj = _adjacency(graph)
    is_episode = _kind(graph.nodes[center]) == "Episode"
    hops = max(0, 2 * depth - 1) if is_episode else 2 * depth
    dist = {center: 0}
    frontier = [center]
    for step in range(1, hops + 1):
        nxt = []
        for node in frontier:
            if node != center and _kind(graph.nodes[node]) == "Topic":
                continue
            for nbr in adj[node]:
                if nbr not in dist:
                    dist[nbr] = step
                    nxt.append(nbr)
        frontier = nxt
    # Nearest first, then the best connected: each kept node's parent is kept too.
    ranked = sorted(dist, key=lambda n: (dist[n], -len(adj[n]), n))
    kept = ranked[:max_nodes]
    ordered = [center, *_ordered(graph, kept[1:], adj)]
    edges = _induced_edges(graph, adj, ordered)
    note = ""
    if len(ranked) > len(kept):
        note = (f"Showing the {len(kept):,} nearest of {len(ranked):,} nodes within depth {depth}; "
                f"left out: {len(ranked) - len(kept):,} nodes.")
    name = _name(center, graph.nodes[center])
    return _ViewBuilder(graph).build("ego", f"{name} (depth {depth})", ordered, edges, adj=adj, note=note,
                                     center=center, total_nodes=len(ranked))


def episode_view(graph: nx.MultiDiGraph, episode: str, *, related: int = 25) -> View:
    """One episode: what it mentions, its topics, and up to ``related`` episodes sharing the most entities."""
    center = find_node(graph, episode, kinds=("Episode",))
    adj = _adjacency(graph)
    own = sorted(adj[center])
    entities = {n for n in own if _kind(graph.nodes[n]) == "Entity"}
    shared: dict[str, int] = defaultdict(int)
    for ent in entities:
        for other in adj[ent]:
            if other != center and _kind(graph.nodes[other]) == "Episode":
                shared[other] += 1
    near = sorted(shared, key=lambda e: (-shared[e], e))[:related]
    kept = [center, *_ordered(graph, [*own, *near], adj)]
    edges = _induced_edges(graph, adj, kept)
    note = ""
    if len(shared) > len(near):
        note = f"Showing {len(near)} of {len(shared):,} episodes that share entities with this one."
    return _ViewBuilder(graph).build("episode", _name(center, graph.nodes[center]), kept, edges, adj=adj,
                                     note=note, center=center, total_nodes=len(own) + len(shared) + 1)
