"""What the viewer shows of feed data: person roles, season and episode numbers, the show's author.

Only keys with a value are added to a node's record, so pages of graphs without
feeds are unchanged. The viewer writes every value with ``textContent``.

Examples
--------
>>> import networkx as nx
>>> g = nx.MultiDiGraph()
>>> g.add_node("episode:a", label="Episode", season=2, episode_number=14, show_author="Ann")
>>> g.add_node("entity:j", label="Entity", name="Jane")
>>> _ = g.add_edge("episode:a", "entity:j", key="m0", type="MENTIONS", role="guest")
>>> feed_record(g, "episode:a", "Episode", g.nodes["episode:a"])
{'number': 'S2 · E14', 'author': 'Ann', 'roles': {'entity:j': 'guest'}}
>>> feed_record(g, "entity:j", "Entity", g.nodes["entity:j"])
{'roles': [['guest', 1]]}
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from typing import Any

import networkx as nx

__all__ = ["feed_record", "has_roles"]


def _number(attrs: Mapping[str, Any]) -> str:
    parts = []
    if isinstance(attrs.get("season"), int):
        parts.append(f"S{attrs['season']}")
    if isinstance(attrs.get("episode_number"), int):
        parts.append(f"E{attrs['episode_number']}")
    return " · ".join(parts)


def _raw(graph: nx.MultiDiGraph, side: str) -> Any:
    # networkx's raw adjacency dicts: its views wrap every inner dict, five times slower on 1M edges.
    # A graph-like object without them is read through its public view.
    return getattr(graph, f"_{side}", None) or getattr(graph, side)


def has_roles(graph: nx.MultiDiGraph) -> bool:
    """Whether any edge credits a role: graphs without feeds or tables skip the per-node role scans.

    >>> has_roles(nx.MultiDiGraph())
    False
    """
    for neighbours in _raw(graph, "succ").values():
        for keyed in neighbours.values():
            for data in keyed.values():
                if "role" in data:
                    return True
    return False


def feed_record(graph: nx.MultiDiGraph, node: str, kind: str, attrs: Mapping[str, Any],
                roles: bool = True) -> dict[str, Any]:
    """Viewer fields of ``node``: an episode's number, author and its people's roles; an entity's roles.

    ``roles=False`` (see :func:`has_roles`) leaves the roles out without looking at the edges.
    """
    record: dict[str, Any] = {}
    if kind == "Episode":
        number = _number(attrs)
        if number:
            record["number"] = number
        if attrs.get("show_author"):
            record["author"] = str(attrs["show_author"])
        if not roles:
            return record
        credited: dict[str, list[str]] = defaultdict(list)
        for target, keyed in _raw(graph, "succ")[node].items():
            for edge in keyed.values():
                role = edge.get("role")
                if role and role not in credited[target]:
                    credited[target].append(str(role))
        if credited:
            record["roles"] = {t: ", ".join(r) for t, r in sorted(credited.items())}
    elif kind == "Entity" and roles:
        episodes: dict[str, set[str]] = defaultdict(set)
        for source, keyed in _raw(graph, "pred")[node].items():
            for edge in keyed.values():
                if edge.get("role"):
                    episodes[str(edge["role"])].add(source)
        if episodes:
            ranked = sorted(episodes.items(), key=lambda kv: (-len(kv[1]), kv[0]))
            record["roles"] = [[role, len(eps)] for role, eps in ranked]
    return record
