"""Turn episodes and their resolution into the castgraph graph (a NetworkX MultiDiGraph).

The schema is the same on every backend:

* nodes have ``label`` = ``"Episode"`` | ``"Entity"`` | ``"Topic"`` and ``id`` (= node key):
  ``episode:<record id>``, ``entity:<hash>``, ``topic:<name>``;
* ``MENTIONS`` edges (Episode -> Entity, one per mention, key ``m<ordinal>``) carry
  ``surface``, ``source_type``, ``description``, ``ordinal``, ``rule`` and ``score``,
  and, when set, feed properties (:mod:`castgraph.graph.feed_props`: ``origin`` says how
  the mention was obtained) and where the linker found it (:mod:`castgraph.graph.link_props`);
* ``HAS_TOPIC`` edges (Episode -> Topic, key ``t``); a Topic naming an entity has ``entity``.

Examples
--------
>>> from castgraph.graph.model import Entity, EntityType, Episode, Mention, Resolution
>>> ep = Episode(id="e1", title="T", tags=["#ai"], mentions=[Mention(surface="swyx", type_label="Person")])
>>> res = Resolution(entities=[Entity(id="entity:1", name="swyx", type=EntityType.PERSON)],
...                  assignments={"e1#0": "entity:1"})
>>> g = build_graph([ep], res)
>>> sorted(g.nodes)
['entity:1', 'episode:e1', 'topic:ai']
>>> g.edges["episode:e1", "entity:1", "m0"]["surface"]
'swyx'
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from castgraph.graph.link_props import LINKED_ORIGINS
from castgraph.graph.model import Entity, EntityType, Episode, MergeRecord, Resolution
from castgraph.graph.schema import ENTITY, MENTIONS, SCHEMA_VERSION, episode_node_id
from castgraph.graph.tables import GraphTables

if TYPE_CHECKING:
    import networkx as nx

__all__ = ["LINKED_ORIGINS", "SCHEMA_VERSION", "build_graph", "episode_node_id", "resolution_from_graph"]


def build_graph(episodes: Iterable[Episode], resolution: Resolution) -> nx.MultiDiGraph:
    """Build the graph of ``episodes`` with entities from ``resolution``.

    Nodes and edges are added in sorted order so that the same inputs always give
    the same graph (and the same graph.json), whatever the order of the episodes.
    Mentions that resolution did not assign (no usable name) are left out. The
    records come from :mod:`castgraph.graph.schema` by way of
    :class:`castgraph.graph.tables.GraphTables`, which the CLI uses without networkx.
    """
    return GraphTables.from_build(episodes, resolution).to_networkx()


def resolution_from_graph(graph: nx.MultiDiGraph) -> Resolution:
    """Recover the :class:`Resolution` a graph was built with (the inverse of :func:`build_graph`).

    Incremental builds use it to resolve new episodes against an existing graph,
    keeping its entity ids, without re-reading the old inputs.

    >>> from castgraph.graph.model import Entity, EntityType, Episode, Mention, Resolution
    >>> ep = Episode(id="e1", title="T", mentions=[Mention(surface="swyx", type_label="Person")])
    >>> res = Resolution(entities=[Entity(id="entity:1", name="swyx", type=EntityType.PERSON,
    ...                                   mention_ids=["e1#0"])], assignments={"e1#0": "entity:1"})
    >>> resolution_from_graph(build_graph([ep], res)).assignments
    {'e1#0': 'entity:1'}
    """
    entities: dict[str, Entity] = {}
    for node, attrs in graph.nodes(data=True):
        if attrs.get("label") != ENTITY:
            continue
        votes = dict(item.split("=", 1) for item in attrs.get("type_votes") or [])
        entities[node] = Entity(
            id=node,
            name=attrs["name"],
            type=EntityType(attrs["type"]),
            aliases=list(attrs.get("aliases") or []),
            descriptions=list(attrs.get("descriptions") or []),
            type_votes={k: int(v) for k, v in votes.items()},
            former_ids=list(attrs.get("former_ids") or []),
        )
    assignments: dict[str, str] = {}
    merges: dict[tuple[str, str], MergeRecord] = {}
    for u, v, attrs in graph.edges(data=True):
        if attrs.get("type") != MENTIONS or v not in entities or attrs.get("origin") in LINKED_ORIGINS:
            continue  # found by the linker, which runs again on every build
        record_id = graph.nodes[u].get("record_id") or str(u).removeprefix("episode:")
        mention_id = f"{record_id}#{attrs['ordinal']}"
        assignments[mention_id] = v
        entities[v].mention_ids.append(mention_id)
        merges.setdefault(
            (v, attrs["surface"]),
            MergeRecord(entity_id=v, surface=attrs["surface"], rule=attrs.get("rule", "canonical"),
                        score=float(attrs.get("score", 1.0))),
        )
    for entity in entities.values():
        entity.mention_ids.sort()
    return Resolution(
        entities=sorted(entities.values(), key=lambda e: e.id),
        assignments=dict(sorted(assignments.items())),
        merges=[merges[k] for k in sorted(merges)],
    )
