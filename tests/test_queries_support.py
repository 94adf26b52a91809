"""Graphs for the query tests: a small hand-made one and seeded random ones.

The random graphs have what makes ranking hard: a host in every episode, entities
of Zipf-like frequency (many ties), topics, undated episodes, repeated mentions.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

import networkx as nx

from castgraph.graph.build import build_graph
from castgraph.graph.model import Chapter, Entity, EntityType, Episode, Mention, Resolution

TYPES = [EntityType.PERSON, EntityType.PRODUCT, EntityType.ORGANIZATION, EntityType.CONCEPT]


def make_graph(episodes: list[tuple[str, str, list[str], list[str]]],
               types: dict[str, EntityType] | None = None, aliases: dict[str, list[str]] | None = None,
               published: dict[str, str] | None = None,
               chapters: dict[str, list[Chapter]] | None = None) -> nx.MultiDiGraph:
    """A graph from ``(id, title, entity names, tags)``; an entity's id is ``entity:<name>``."""
    eps = [Episode(id=i, title=t, tags=tags, published=(published or {}).get(i),
                   chapters=(chapters or {}).get(i, []),
                   mentions=[Mention(surface=n) for n in names]) for i, t, names, tags in episodes]
    names = sorted({m.surface for e in eps for m in e.mentions})
    ents = [Entity(id=f"entity:{n}", name=n, type=(types or {}).get(n, EntityType.PRODUCT),
                   aliases=(aliases or {}).get(n, []),
                   mention_ids=[m.id for e in eps for m in e.mentions if m.surface == n]) for n in names]
    assignments = {m.id: f"entity:{m.surface}" for e in eps for m in e.mentions}
    res = Resolution(entities=ents, assignments=assignments)
    return build_graph(eps, res)


def random_graph(seed: int, episodes: int = 60, entities: int = 40, topics: int = 6) -> nx.MultiDiGraph:
    """A seeded random graph: host in all episodes, Zipf-like entity frequencies, ties."""
    rng = random.Random(seed)
    names = [f"Thing {i:03d}" for i in range(entities)]
    weights = [1.0 / (i + 1) for i in range(entities)]
    start = date(2025, 1, 1)
    rows, published, chapters = [], {}, {}
    for i in range(episodes):
        eid = f"ep{i:04d}"
        picked = set(rng.choices(names, weights=weights, k=rng.randint(0, 7)))
        mentioned = ["Host", *sorted(picked)]
        if picked and rng.random() < 0.2:
            mentioned.append(sorted(picked)[0])  # the same entity twice in one episode
        tags = [f"#topic{rng.randrange(topics)}" for _ in range(rng.randint(0, 2))]
        about = " and ".join(sorted(picked)[:2]) or "nothing"
        rows.append((eid, f"Episode {i} about {about}", mentioned, tags))
        if rng.random() < 0.85:
            published[eid] = (start + timedelta(days=rng.randrange(40))).isoformat()
        if picked:
            first = sorted(picked)[0]
            chapters[eid] = [Chapter(title="Intro", start=0.0), Chapter(title=f"On {first}", start=60.0,
                                                                        quotes=[f"we use {first.lower()}"])]
    types = {n: TYPES[i % len(TYPES)] for i, n in enumerate(names)}
    types["Host"] = EntityType.PERSON
    return make_graph(rows, types=types, aliases={"Host": ["the host"]}, published=published,
                      chapters=chapters)


def test_random_graph_is_seeded_and_has_a_host_everywhere() -> None:
    a, b = random_graph(3), random_graph(3)
    assert nx.utils.graphs_equal(a, b)
    episodes = [n for n, d in a.nodes(data=True) if d["label"] == "Episode"]
    assert all(a.has_edge(e, "entity:Host") for e in episodes)
    assert not nx.utils.graphs_equal(a, random_graph(4))
