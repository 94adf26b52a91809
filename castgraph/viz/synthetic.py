"""Synthetic castgraph graphs of any size, for the viewer's benchmarks and tests.

The graph follows the schema of :func:`castgraph.graph.build.build_graph` and is
built directly (no loading or resolution), so a 100k-episode graph takes seconds.
Entity popularity follows a Zipf law, so a few entities are in many episodes, as
in real shows. Seeded: the same arguments give the same graph.

Examples
--------
>>> g = synthetic_graph(20, seed=1)
>>> sum(1 for _, d in g.nodes(data=True) if d["label"] == "Episode")
20
>>> sorted(synthetic_graph(20, seed=1).edges(keys=True)) == sorted(g.edges(keys=True))
True
"""

from __future__ import annotations

import bisect
import itertools
import random
from datetime import date, timedelta

import networkx as nx

__all__ = ["synthetic_graph"]

_TYPES = ["Person", "Organization", "Product", "Concept", "Event", "Place", "Other"]
_TYPE_WEIGHTS = [30, 20, 30, 12, 3, 3, 2]
_SYLLABLES = ["ka", "ri", "to", "ne", "va", "lo", "mi", "ra", "zen", "tor", "bel", "dra", "qui", "nex"]


def _name(rng: random.Random, i: int) -> str:
    parts = [rng.choice(_SYLLABLES) + rng.choice(_SYLLABLES) for _ in range(rng.randint(1, 2))]
    return " ".join(p.capitalize() for p in parts) + f" {i}"


def synthetic_graph(episodes: int, *, seed: int = 0, mentions: tuple[int, int] = (6, 12),
                    topics: int = 200) -> nx.MultiDiGraph:
    """A graph of ``episodes`` episodes mentioning about ``episodes // 2`` Zipf-distributed entities."""
    rng = random.Random(seed)
    n_entities = max(10, episodes // 2)
    cumulative = list(itertools.accumulate(1.0 / (rank + 1) for rank in range(n_entities)))
    graph = nx.MultiDiGraph(schema_version=1)
    day0 = date(2020, 1, 1)
    entity_episodes: dict[int, set[int]] = {}
    rows: list[tuple[int, list[int], list[int]]] = []
    for e in range(episodes):
        count = rng.randint(*mentions)
        picks = sorted({bisect.bisect_left(cumulative, rng.random() * cumulative[-1]) for _ in range(count)})
        tags = sorted({rng.randrange(topics) for _ in range(rng.randint(0, 3))})
        rows.append((e, picks, tags))
        for p in picks:
            entity_episodes.setdefault(p, set()).add(e)
    for e, _, _ in rows:
        node = f"episode:ep{e:07d}"
        title = f"Episode {e}: {_name(rng, e)}"
        graph.add_node(node, label="Episode", id=node, record_id=f"ep{e:07d}", title=title,
                       show="Synthetic Show", published=(day0 + timedelta(days=e % 2000)).isoformat(),
                       url=f"https://example.org/ep/{e}", summary="", languages=["en"],
                       chapters=[{"title": f"Part {c}", "start": 600.0 * c, "summary": "", "quotes": []}
                                 for c in range(3)], source="")
    for p in sorted(entity_episodes):
        node = f"entity:{p:07d}"
        graph.add_node(node, label="Entity", id=node, name=_name(rng, p),
                       type=rng.choices(_TYPES, _TYPE_WEIGHTS)[0], aliases=[], description="",
                       descriptions=[], type_votes=[], mention_count=len(entity_episodes[p]),
                       episode_count=len(entity_episodes[p]))
    for t in range(topics):
        graph.add_node(f"topic:t{t}", label="Topic", id=f"topic:t{t}", name=f"t{t}")
    for e, chosen, tags in rows:
        node = f"episode:ep{e:07d}"
        for i, p in enumerate(chosen):
            graph.add_edge(node, f"entity:{p:07d}", key=f"m{i}", type="MENTIONS", surface="", ordinal=i,
                           source_type="", description="", rule="canonical", score=1.0)
        for t in tags:
            graph.add_edge(node, f"topic:t{t}", key="t", type="HAS_TOPIC")
    return graph
