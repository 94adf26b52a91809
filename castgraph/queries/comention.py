"""Co-mention graphs: which entities are discussed in the same episodes.

An edge joins two entities mentioned in the same episodes; its ``weight`` is the
number of such episodes, its ``score`` the weight or a normalization of it
(``"jaccard"``: shared / either; ``"pmi"``: how much more often than chance).
Edges are ranked by score desc, weight desc, then source id and target id asc.

Examples
--------
>>> from castgraph.graph.build import build_graph
>>> from castgraph.graph.model import Entity, EntityType, Episode, Mention, Resolution
>>> eps = [Episode(id=f"e{i}", title=f"T{i}", mentions=[Mention(surface="A"), Mention(surface="B")])
...        for i in range(2)]
>>> res = Resolution(entities=[Entity(id="entity:a", name="A", type=EntityType.PERSON),
...                            Entity(id="entity:b", name="B", type=EntityType.PRODUCT)],
...                  assignments={"e0#0": "entity:a", "e0#1": "entity:b",
...                               "e1#0": "entity:a", "e1#1": "entity:b"})
>>> [(e.source.name, e.target.name, e.weight, e.episodes) for e in comention_graph(build_graph(eps, res))]
[('A', 'B', 2, ['episode:e0', 'episode:e1'])]
>>> comention_graph(build_graph(eps, res), types=["Person"])
[]
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from typing import TYPE_CHECKING

from castgraph.errors import CastgraphError
from castgraph.memory import gc_paused
from castgraph.queries.backend import QueryBackend
from castgraph.queries.models import ComentionEdge, Community, EntityRef, KeyPlayer
from castgraph.queries.scoring import NORMALIZATIONS, edge_score

if TYPE_CHECKING:
    import networkx as nx

    from castgraph.graph.model import EntityType

__all__ = ["as_backend", "comention_communities", "comention_graph", "key_players", "parse_types"]


def as_backend(source: nx.MultiDiGraph | QueryBackend) -> QueryBackend:
    """A backend for ``source``: itself, or a NetworkX backend over a graph."""
    if isinstance(source, QueryBackend):
        return source
    from castgraph.queries.networkx_backend import NetworkXQueries

    return NetworkXQueries(source)


def parse_types(types: Iterable[str | EntityType] | None) -> list[str] | None:
    """Entity type names, checked and canonicalized (any case); ``None`` for all types.

    >>> from castgraph.graph.model import EntityType
    >>> parse_types(["person", EntityType.PRODUCT])
    ['Person', 'Product']
    """
    if not types:
        return None
    from castgraph.graph.model import EntityType  # the model's pydantic classes: only when filtering

    known = {t.value.casefold(): t.value for t in EntityType}
    out: list[str] = []
    for t in types:
        name = t.value if isinstance(t, EntityType) else str(t)
        if name.casefold() not in known:
            raise CastgraphError(f"unknown entity type {name!r} (use one of: {', '.join(known.values())})")
        out.append(known[name.casefold()])
    return sorted(set(out))


def _iso(day: date | str | None) -> str | None:
    if day is None or isinstance(day, str):
        return day or None
    return day.isoformat()


def comention_graph(
    graph: nx.MultiDiGraph | QueryBackend,
    *,
    types: Iterable[str | EntityType] | None = None,
    min_weight: int = 1,
    top_k: int | None = None,
    since: date | str | None = None,
    until: date | str | None = None,
    normalize: str | None = None,
    limit: int | None = None,
    entities: Iterable[str] | None = None,
) -> list[ComentionEdge]:
    """The co-mention edges of ``graph`` (a graph or a query backend), best first.

    Parameters
    ----------
    types : entity types both ends must have (default: all).
    min_weight : least number of shared episodes.
    top_k : keep only each entity's ``top_k`` best edges (an edge stays if it is
        among the best of either end).
    since, until : only episodes published in this range (inclusive); undated
        episodes are left out when a range is given.
    normalize : ``None`` (score = weight), ``"jaccard"`` or ``"pmi"``.
    limit : at most this many edges.
    entities : only edges touching one of these entities (names, aliases, ids or near
        spellings, found by :func:`castgraph.queries.lookup.find_entity`).
    """
    if normalize is not None and normalize not in NORMALIZATIONS:
        raise CastgraphError(f"unknown normalization {normalize!r} (use one of: {', '.join(NORMALIZATIONS)})")
    backend = as_backend(graph)
    around: set[str] | None = None
    if entities is not None:
        from castgraph.queries.lookup import find_entity

        around = {find_entity(backend, text)[0].id for text in entities}
    with gc_paused():
        # Many young lists and models, none of them cyclic: collections would only walk them.
        return _comention_edges(backend, types=parse_types(types), min_weight=min_weight, top_k=top_k,
                                since=_iso(since), until=_iso(until), normalize=normalize, limit=limit,
                                around=around)


def _comention_edges(backend: QueryBackend, *, types: list[str] | None, min_weight: int, top_k: int | None,
                     since: str | None, until: str | None, normalize: str | None, limit: int | None,
                     around: set[str] | None) -> list[ComentionEdge]:
    counts = backend.comention_counts(types=types, since=since, until=until, min_weight=max(1, min_weight))
    df, n = counts.df, counts.episodes
    scored = []
    for (a, b), episodes in counts.pairs.items():
        weight = len(episodes)
        if weight < min_weight or (around is not None and a not in around and b not in around):
            continue
        scored.append((-edge_score(weight, df[a], df[b], n, normalize), -weight, a, b, episodes))
    scored.sort()
    if top_k is not None:
        kept: dict[str, int] = {}
        chosen = []
        # Edges come best first, so each entity's first top_k edges are its best.
        for edge in scored:
            a, b = edge[2], edge[3]
            if kept.get(a, 0) < top_k or kept.get(b, 0) < top_k:
                chosen.append(edge)
            kept[a] = kept.get(a, 0) + 1
            kept[b] = kept.get(b, 0) + 1
        scored = chosen
    if limit is not None:
        scored = scored[:limit]
    refs: dict[str, EntityRef] = {}

    def ref(entity_id: str) -> EntityRef:
        # One reference per entity, shared by its edges (as communities share their members').
        if entity_id not in refs:
            row = counts.refs[entity_id]
            refs[entity_id] = EntityRef(id=row.id, name=row.name, type=row.type)
        return refs[entity_id]

    # Backends give each pair's episodes sorted already.
    return [ComentionEdge(source=ref(a), target=ref(b), weight=-neg_w, score=-neg_s, episodes=eps)
            for neg_s, neg_w, a, b, eps in scored]


def _weighted_graph(edges: Sequence[ComentionEdge]) -> tuple[nx.Graph, dict[str, EntityRef]]:
    refs: dict[str, EntityRef] = {}
    for edge in edges:
        refs[edge.source.id] = edge.source
        refs[edge.target.id] = edge.target
    import networkx as nx

    graph = nx.Graph()
    # Sorted insertion: Louvain and PageRank then see the same graph whatever the backend.
    graph.add_nodes_from(sorted(refs))
    graph.add_weighted_edges_from(sorted((e.source.id, e.target.id, e.weight) for e in edges))
    return graph, refs


def comention_communities(
    edges: Sequence[ComentionEdge], *, seed: int = 0, resolution: float = 1.0
) -> list[Community]:
    """Louvain communities (seeded, so repeatable) of a co-mention graph, largest first.

    >>> ref = lambda i: EntityRef(id=i, name=i, type="Person")
    >>> edges = [ComentionEdge(source=ref("a"), target=ref("b"), weight=3, score=3),
    ...          ComentionEdge(source=ref("c"), target=ref("d"), weight=3, score=3)]
    >>> [[m.id for m in c.members] for c in comention_communities(edges)]
    [['a', 'b'], ['c', 'd']]
    """
    graph, refs = _weighted_graph(edges)
    if graph.number_of_edges() == 0:
        return []
    import networkx as nx

    groups = nx.community.louvain_communities(graph, weight="weight", resolution=resolution, seed=seed)
    ordered = sorted((sorted(g) for g in groups), key=lambda g: (-len(g), g[0]))
    return [Community(id=i, members=[refs[m] for m in g]) for i, g in enumerate(ordered)]


def _pagerank(graph: nx.Graph, damping: float = 0.85, tol: float = 1e-12,
              max_iter: int = 200) -> dict[str, float]:
    """Weighted PageRank by power iteration, in plain Python (no SciPy), in sorted node order."""
    nodes = sorted(graph)
    n = len(nodes)
    strength = {u: sum(d["weight"] for d in graph[u].values()) for u in nodes}
    # Neighbours in sorted order, once: the float sums then come out the same on every run.
    inflows = {v: [(u, d["weight"], strength[u]) for u, d in sorted(graph[v].items())] for v in nodes}
    rank = dict.fromkeys(nodes, 1.0 / n)
    for _ in range(max_iter):
        dangling = sum(rank[u] for u in nodes if strength[u] == 0)
        base = (1.0 - damping) / n + damping * dangling / n
        new = {}
        for v in nodes:
            inflow = sum(rank[u] * weight / total for u, weight, total in inflows[v])
            new[v] = base + damping * inflow
        delta = sum(abs(new[u] - rank[u]) for u in nodes)
        rank = new
        if delta < n * tol:
            break
    return rank


def key_players(edges: Sequence[ComentionEdge], *, limit: int | None = 10) -> list[KeyPlayer]:
    """Entities ranked by PageRank over the co-mention graph (weighted by shared episodes).

    >>> ref = lambda i: EntityRef(id=i, name=i, type="Person")
    >>> edges = [ComentionEdge(source=ref("hub"), target=ref(x), weight=1, score=1) for x in "abc"]
    >>> [p.id for p in key_players(edges, limit=1)]
    ['hub']
    """
    graph, refs = _weighted_graph(edges)
    if graph.number_of_nodes() == 0:
        return []
    ranks = _pagerank(graph)
    order = sorted(ranks, key=lambda n: (-ranks[n], n))
    if limit is not None:
        order = order[:limit]
    return [KeyPlayer(**refs[n].model_dump(), pagerank=ranks[n], degree=graph.degree(n)) for n in order]
