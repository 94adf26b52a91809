"""Queries over a castgraph graph: related episodes, co-mention graphs, entity profiles, shows.

Every query runs on a :class:`QueryBackend`: :class:`NetworkXQueries` over an
in-memory graph (or a graph folder, :func:`open_graph_dir`) or :class:`Neo4jQueries`
on a Neo4j server, and gives the same answer on both. The functions also take a
NetworkX graph directly.

Examples
--------
>>> from castgraph.graph.build import build_graph
>>> from castgraph.graph.model import Entity, EntityType, Episode, Mention, Resolution
>>> from castgraph.queries import NetworkXQueries, entity_profile, related_episodes
>>> eps = [Episode(id=i, title=f"Episode {i}", mentions=[Mention(surface="Claude Code")]) for i in "ab"]
>>> eps.append(Episode(id="c", title="Episode c"))
>>> res = Resolution(entities=[Entity(id="entity:cc", name="Claude Code", type=EntityType.PRODUCT)],
...                  assignments={"a#0": "entity:cc", "b#0": "entity:cc"})
>>> backend = NetworkXQueries(build_graph(eps, res))
>>> [r.id for r in related_episodes(backend, "Episode a")]
['episode:b']
>>> entity_profile(backend, "claude code").episode_count
2
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from castgraph.lazy import lazy_exports

if TYPE_CHECKING:
    from castgraph.queries.backend import QueryBackend
    from castgraph.queries.comention import comention_communities, comention_graph, key_players
    from castgraph.queries.loading import open_graph_dir, read_graph_index
    from castgraph.queries.lookup import find_entity, find_episode
    from castgraph.queries.models import (
        ComentionEdge,
        Community,
        EntityProfile,
        EntityRef,
        KeyPlayer,
        NotFoundError,
        RelatedEpisode,
    )
    from castgraph.queries.neo4j_backend import Neo4jQueries
    from castgraph.queries.networkx_backend import NetworkXQueries
    from castgraph.queries.profile import entity_profile
    from castgraph.queries.related import episodes_about, related_episodes
    from castgraph.queries.shows import list_shows, show_episodes, show_people

# Imported on first use: a command that runs one query (a new process each time) loads that
# query's modules only, not every query's, nor the Neo4j backend.
_HOMES = {
    "QueryBackend": "backend",
    "comention_communities": "comention", "comention_graph": "comention", "key_players": "comention",
    "open_graph_dir": "loading", "read_graph_index": "loading",
    "find_entity": "lookup", "find_episode": "lookup",
    "ComentionEdge": "models", "Community": "models", "EntityProfile": "models", "EntityRef": "models",
    "KeyPlayer": "models", "NotFoundError": "models", "RelatedEpisode": "models",
    "Neo4jQueries": "neo4j_backend", "NetworkXQueries": "networkx_backend",
    "entity_profile": "profile", "episodes_about": "related", "related_episodes": "related",
    "list_shows": "shows", "show_episodes": "shows", "show_people": "shows",
}


__getattr__ = lazy_exports(__name__, _HOMES, globals())


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


__all__ = [
    "ComentionEdge",
    "Community",
    "EntityProfile",
    "EntityRef",
    "KeyPlayer",
    "Neo4jQueries",
    "NetworkXQueries",
    "NotFoundError",
    "QueryBackend",
    "RelatedEpisode",
    "comention_communities",
    "comention_graph",
    "entity_profile",
    "episodes_about",
    "find_entity",
    "find_episode",
    "key_players",
    "list_shows",
    "open_graph_dir",
    "read_graph_index",
    "related_episodes",
    "show_episodes",
    "show_people",
]
