"""Co-mention views: entities linked when episodes discuss them together.

The links come from :func:`castgraph.queries.comention.comention_graph` (or any
edges shaped like its :class:`~castgraph.queries.models.ComentionEdge`); their
weight is the number of shared episodes.

Examples
--------
>>> e = {"source": {"id": "a", "name": "A", "type": "Person"},
...      "target": {"id": "b", "name": "B", "type": "Product"}, "weight": 2, "episodes": ["x", "y"]}
>>> v = view_from_comention([e])
>>> [(n["name"], n["episodes"]) for n in v.nodes], v.edges[0]["weight"]
([('A', 2), ('B', 2)], 2)
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import Any

import networkx as nx

from castgraph.viz.view_records import REFS_PER_NODE, View, _entity_type, _ViewBuilder
from castgraph.viz.views import MAX_NODES, _plural, select_connected

__all__ = ["comention_view", "view_from_comention"]


def _endpoint(edge: Any, side: str) -> dict[str, Any]:
    end = edge.get(side) if isinstance(edge, Mapping) else getattr(edge, side)
    if isinstance(end, Mapping):
        return dict(end)
    return {"id": getattr(end, "id", ""), "name": getattr(end, "name", ""), "type": getattr(end, "type", "")}


def _field(edge: Any, name: str, default: Any) -> Any:
    return edge.get(name, default) if isinstance(edge, Mapping) else getattr(edge, name, default)


def view_from_comention(edges: Sequence[Any], *, graph: nx.MultiDiGraph | None = None,
                        max_nodes: int = MAX_NODES, title: str = "co-mentions") -> View:
    """A view of co-mention edges (``source``/``target`` with id, name, type; ``weight``; ``episodes``).

    With ``graph`` the nodes get their aliases, descriptions and episode lists from it.

    >>> e = {"source": {"id": "a", "name": "A", "type": "Person"},
    ...      "target": {"id": "b", "name": "B", "type": "Product"}, "weight": 2, "episodes": ["x", "y"]}
    >>> v = view_from_comention([e])
    >>> [(n["name"], n["episodes"]) for n in v.nodes], v.edges[0]["weight"]
    ([('A', 2), ('B', 2)], 2)
    """
    ends: dict[str, dict[str, Any]] = {}
    adj: dict[str, dict[str, int]] = defaultdict(dict)
    eps_of: dict[str, set[str]] = defaultdict(set)
    for edge in edges:
        src, dst = _endpoint(edge, "source"), _endpoint(edge, "target")
        u, v = str(src["id"]), str(dst["id"])
        ends.setdefault(u, src)
        ends.setdefault(v, dst)
        weight = int(_field(edge, "weight", 1))
        adj[u][v] = adj[v][u] = max(weight, adj[u].get(v, 0))
        episodes = [str(e) for e in _field(edge, "episodes", []) or []]
        eps_of[u].update(episodes)
        eps_of[v].update(episodes)
    score = {n: float(sum(nbrs.values())) for n, nbrs in adj.items()}
    kept = select_connected(adj, max_nodes, score) if len(adj) > max_nodes else list(adj)
    kept = sorted(kept, key=lambda n: (-score[n], n))
    keep = set(kept)
    links = sorted((u, v, w, "CO_MENTIONED") for u in kept for v, w in adj[u].items() if v in keep and u < v)
    total_links = sum(len(n) for n in adj.values()) // 2
    note = ""
    if len(kept) < len(adj):
        note = (f"Showing {len(kept):,} of {len(adj):,} entities (the most co-mentioned). "
                f"Left out: {_plural(len(adj) - len(kept), 'entity', 'entities')} "
                f"and {_plural(total_links - len(links), 'link')}.")
    if graph is not None and all(n in graph for n in kept):
        builder = _ViewBuilder(graph)
        return builder.build("comention", title, kept, links, note=note, total_nodes=len(adj),
                             total_edges=total_links)
    records: list[dict[str, Any]] = []
    for node in kept:
        end = ends[node]
        eps = sorted(eps_of[node])
        records.append({
            "id": node, "name": str(end.get("name") or node), "kind": "Entity",
            "type": _entity_type(end.get("type")), "aliases": [], "description": "", "show": "",
            "date": "", "url": "", "episodes": len(eps) or sum(1 for _ in adj[node]),
            "refs": [[e, None, "", ""] for e in eps[:REFS_PER_NODE]],
            "more": max(0, len(eps) - REFS_PER_NODE),
        })
    listed = sorted({ref[0] for rec in records for ref in rec["refs"]})
    return View(kind="comention", title=title, nodes=records,
                edges=[{"from": u, "to": v, "weight": w, "kind": k} for u, v, w, k in links],
                episodes={e: {"title": e, "show": "", "date": "", "url": "", "chapters": []} for e in listed},
                note=note, total_nodes=len(adj), total_edges=total_links)


def comention_view(graph: nx.MultiDiGraph, *, min_weight: int = 2, types: Sequence[str] | None = None,
                   top_k: int | None = None, max_nodes: int = MAX_NODES) -> View:
    """Entities linked when episodes mention them together, ``min_weight`` shared episodes or more."""
    from castgraph.queries.comention import comention_graph

    edges = comention_graph(graph, types=types, min_weight=min_weight, top_k=top_k)
    return view_from_comention(edges, graph=graph, max_nodes=max_nodes,
                               title=f"co-mentions (at least {_plural(min_weight, 'shared episode')})")
