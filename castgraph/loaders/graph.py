"""Rebuild episodes from a built graph, for incremental builds.

:func:`castgraph.graph.build.build_graph` stores each episode's metadata and
chapters on its node, its mentions on ``MENTIONS`` edges (one per mention, with
the surface form, type label, description and ordinal) and its topics on
``HAS_TOPIC`` edges. :func:`episodes_from_graph` reads them back, so a graph can
be extended with new episodes without the inputs it was first built from.

Examples
--------
>>> from castgraph.graph.build import build_graph
>>> from castgraph.graph.model import Entity, EntityType, Episode, Mention, Resolution
>>> ep = Episode(id="e1", title="T", show="S", tags=["#AI"],
...              mentions=[Mention(surface="swyx", type_label="Person", description="Host")])
>>> res = Resolution(entities=[Entity(id="entity:1", name="swyx", type=EntityType.PERSON)],
...                  assignments={"e1#0": "entity:1"})
>>> back = episodes_from_graph(build_graph([ep], res))
>>> back[0].title, back[0].tags, back[0].mentions[0].surface, back[0].mentions[0].id
('T', ['ai'], 'swyx', 'e1#0')
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from castgraph.graph.build import LINKED_ORIGINS
from castgraph.graph.feed_props import episode_feed_fields, mention_fields
from castgraph.graph.model import Chapter, Episode, Mention, Source

if TYPE_CHECKING:
    import networkx as nx

__all__ = ["episodes_from_graph"]


def _published(value: Any) -> date | None:
    if isinstance(value, date):
        return value
    if isinstance(value, str) and value:
        try:
            return date.fromisoformat(value)
        except ValueError:
            return None
    return None


def _chapters(value: Any) -> list[Chapter]:
    chapters = []
    for item in value or []:
        if isinstance(item, dict) and item.get("title"):
            chapters.append(Chapter.model_validate(item))
    return chapters


def episodes_from_graph(graph: nx.MultiDiGraph) -> list[Episode]:
    """Rebuild the :class:`Episode` objects of ``graph``, sorted by id.

    Mentions keep the ordinals they had (so their ids, and the graph's edge keys,
    stay the same when the episodes are built again); a mention that resolution
    left out of the graph is not recovered. Tags come back sorted (the graph keeps
    topics, not their order); a record's unknown keys (``extra``) come back as JSON
    values (a date as its ISO text).
    """
    episodes = []
    for node, attrs in graph.nodes(data=True):
        if attrs.get("label") != "Episode":
            continue
        record_id = str(attrs.get("record_id") or str(node).removeprefix("episode:"))
        mentions: list[Mention] = []
        tags: list[str] = []
        for _, target, edge in graph.out_edges(node, data=True):
            kind = edge.get("type")
            if kind == "MENTIONS":
                if edge.get("origin") in LINKED_ORIGINS:
                    continue  # found by the linker, which runs again on every build
                mentions.append(
                    Mention.model_construct(
                        surface=str(edge.get("surface", "")),
                        type_label=str(edge.get("source_type") or ""),
                        description=str(edge.get("description") or ""),
                        episode_id=record_id,
                        ordinal=int(edge.get("ordinal", 0)),
                        **mention_fields(edge),
                    )
                )
            elif kind == "HAS_TOPIC":
                tags.append(str(graph.nodes[target].get("name") or str(target).removeprefix("topic:")))
        mentions.sort(key=lambda m: m.ordinal)
        source = attrs.get("source")
        duration = attrs.get("duration_seconds")
        age = attrs.get("age_days")
        episodes.append(
            Episode.model_construct(
                id=record_id,
                title=str(attrs.get("title") or ""),
                show=str(attrs.get("show") or ""),
                published=_published(attrs.get("published")),
                age_days=int(age) if age is not None else None,
                duration_seconds=int(duration) if duration is not None else None,
                languages=list(attrs.get("languages") or []),
                url=str(attrs.get("url") or ""),
                summary=str(attrs.get("summary") or ""),
                chapters=_chapters(attrs.get("chapters")),
                tags=sorted(dict.fromkeys(tags)),
                mentions=mentions,
                source=Source.parse(source) if source else None,
                extra=dict(attrs.get("extra") or {}),
                **episode_feed_fields(attrs),
            )
        )
    return sorted(episodes, key=lambda e: e.id)
