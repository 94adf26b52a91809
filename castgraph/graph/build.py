"""Turn episodes and their resolution into the castgraph graph (a NetworkX MultiDiGraph).

The schema is the same on every backend:

* nodes have ``label`` = ``"Episode"`` | ``"Entity"`` | ``"Topic"`` and ``id`` (= node key):
  ``episode:<record id>``, ``entity:<hash>``, ``topic:<name>``;
* ``MENTIONS`` edges (Episode -> Entity, one per mention, key ``m<ordinal>``) carry
  ``surface``, ``source_type``, ``description``, ``ordinal``, ``rule`` and ``score``,
  and, when set, a feed person's ``role``, ``group``, ``href``, ``img``, ``origin`` (how
  the mention was obtained; absent means ``listed``) (episodes likewise carry show
  details: :mod:`castgraph.graph.feed_props`), and where it was found: ``field``,
  ``span``, ``chapter``, ``timestamp``, ``occurrences``, ``pattern`` (:func:`mention_place`);
* ``HAS_TOPIC`` edges (Episode -> Topic, key ``t``); a Topic that names an entity has
  its id in ``entity``.

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

import json
import math
from collections.abc import Iterable
from datetime import date, datetime

import networkx as nx

from castgraph.graph.feed_props import episode_feed_attrs, mention_attrs
from castgraph.graph.model import (
    Entity,
    EntityType,
    Episode,
    Mention,
    MentionOrigin,
    MergeRecord,
    Resolution,
    Topic,
)

__all__ = ["LINKED_ORIGINS", "SCHEMA_VERSION", "build_graph", "episode_node_id", "mention_place",
           "resolution_from_graph"]

#: Origins of mentions that the linker makes again on every build (not kept as input).
LINKED_ORIGINS = frozenset({MentionOrigin.TITLE_PATTERN.value, MentionOrigin.TEXT_LINK.value,
                            MentionOrigin.HASHTAG.value})

SCHEMA_VERSION = 1


def episode_node_id(episode_id: str) -> str:
    """The graph node id of an episode record id.

    >>> episode_node_id("abc")
    'episode:abc'
    """
    return f"episode:{episode_id}"


def _episode_attrs(ep: Episode) -> dict[str, object]:
    return {
        "label": "Episode",
        "id": episode_node_id(ep.id),
        "record_id": ep.id,
        "title": ep.title,
        "show": ep.show,
        "published": ep.published.isoformat() if ep.published else None,
        "age_days": ep.age_days,
        "duration_seconds": ep.duration_seconds,
        "languages": list(ep.languages),
        "url": ep.url,
        "summary": ep.summary,
        "chapters": [c.model_dump() for c in ep.chapters],
        "source": str(ep.source) if ep.source else "",
        # The record's unknown keys, so that a graph can be rebuilt without losing them.
        "extra": _plain(ep.extra),
        # Show details, media, transcript: only those with a value (see feed_props).
        **episode_feed_attrs(ep),
    }


def _plain(value: object) -> object:
    """``value`` with JSON types only, the same on every run.

    Records read from a page dump may hold Python values (tuples, sets, non-text keys):
    keys become text, sets sorted lists, dates ISO text, anything else its ``str``.

    >>> _plain({2: {"b", "a"}, "d": date(2026, 1, 2), "t": (1, float("nan"))})
    {'2': ['a', 'b'], 'd': '2026-01-02', 't': [1, 'nan']}
    """
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, dict):
        items = {str(k): _plain(v) for k, v in value.items()}
        return dict(sorted(items.items()))
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, (set, frozenset)):
        plain = [_plain(v) for v in value]
        return sorted(plain, key=lambda v: json.dumps(v, ensure_ascii=False, sort_keys=True))
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return str(value)


def mention_place(mention: Mention) -> dict[str, object]:
    """The edge properties saying where a mention was found (unset ones left out; ``origin`` is
    :func:`~castgraph.graph.feed_props.mention_attrs`'s).

    >>> mention_place(Mention(surface="GitHub", origin="text_link", field="summary", span=(4, 10)))
    {'field': 'summary', 'span': [4, 10], 'occurrences': 0}
    """
    if not mention.field and not mention.pattern:  # most mentions: listed, found nowhere in the text
        return {}
    place: dict[str, object] = {}
    if mention.field:
        place["field"] = mention.field
        place["span"] = list(mention.span) if mention.span is not None else None
        place["chapter"] = mention.chapter
        place["timestamp"] = mention.timestamp
        place["occurrences"] = mention.occurrences
    if mention.pattern:
        place["pattern"] = mention.pattern
    return {k: v for k, v in place.items() if v is not None}


def build_graph(episodes: Iterable[Episode], resolution: Resolution) -> nx.MultiDiGraph:
    """Build the graph of ``episodes`` with entities from ``resolution``.

    Nodes and edges are added in sorted order so that the same inputs always give
    the same graph (and the same graph.json), whatever the order of the episodes.
    Mentions that resolution did not assign (no usable name) are left out.
    """
    eps = sorted({ep.id: ep for ep in episodes}.values(), key=lambda e: e.id)
    graph = nx.MultiDiGraph(schema_version=SCHEMA_VERSION)
    topics: dict[str, Topic] = {}
    for ep in eps:
        for tag in ep.tags:
            topic = Topic.from_tag(tag)
            topics[topic.id] = topic

    for ep in eps:
        graph.add_node(episode_node_id(ep.id), **_episode_attrs(ep))
    for entity in sorted(resolution.entities, key=lambda e: e.id):
        episodes_of = {mid.rsplit("#", 1)[0] for mid in entity.mention_ids}
        graph.add_node(
            entity.id,
            label="Entity",
            id=entity.id,
            name=entity.name,
            type=entity.type.value,
            aliases=list(entity.aliases),
            description=entity.descriptions[0] if entity.descriptions else "",
            descriptions=list(entity.descriptions),
            type_votes=[f"{k}={v}" for k, v in sorted(entity.type_votes.items())],
            mention_count=len(entity.mention_ids),
            episode_count=len(episodes_of),
            former_ids=sorted(entity.former_ids),
        )
    for topic in sorted(topics.values(), key=lambda t: t.id):
        named = resolution.topic_entities.get(topic.id)
        graph.add_node(topic.id, label="Topic", id=topic.id, name=topic.name,
                       **({"entity": named} if named in graph else {}))

    merge_of = {(m.entity_id, m.surface): m for m in resolution.merges}
    for ep in eps:
        source = episode_node_id(ep.id)
        for mention in ep.mentions:
            entity_id = resolution.assignments.get(mention.id)
            if entity_id is None or entity_id not in graph:
                continue
            merge = merge_of.get((entity_id, mention.surface))
            linked = mention.origin in (MentionOrigin.TEXT_LINK, MentionOrigin.HASHTAG)
            graph.add_edge(
                source,
                entity_id,
                key=f"m{mention.ordinal}",
                type="MENTIONS",
                surface=mention.surface,
                source_type=mention.type_label,
                description=mention.description,
                ordinal=mention.ordinal,
                rule=mention.origin.value if linked else merge.rule if merge else "canonical",
                score=1.0 if linked or not merge else merge.score,
                **mention_attrs(mention),
                **mention_place(mention),
            )
        # Topic order carries no meaning; sorted, so that a graph read back rebuilds the same graph.
        for topic_id in sorted({Topic.from_tag(tag).id for tag in ep.tags}):
            graph.add_edge(source, topic_id, key="t", type="HAS_TOPIC")
    return graph


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
        if attrs.get("label") != "Entity":
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
        if attrs.get("type") != "MENTIONS" or v not in entities or attrs.get("origin") in LINKED_ORIGINS:
            continue  # found by the linker, which runs again on every build
        mention_id = f"{graph.nodes[u]['record_id']}#{attrs['ordinal']}"
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
