"""Graphs the viewer tests share: a small bilingual one and one full of hostile text.

Both are built with the real graph builder from model objects, so they have the
schema every store gives back.
"""

from __future__ import annotations

from datetime import date

import networkx as nx

from castgraph.graph.build import build_graph
from castgraph.graph.model import Chapter, Entity, EntityType, Episode, Mention, Resolution

__all__ = ["PAYLOADS", "hostile_graph", "sample_graph"]

PAYLOADS = [
    "<img src=x onerror=alert(1)>",
    '"><script>window.__pwned=1</script>',
    "</script><script>window.__pwned=2;alert(2)</script>",
    "<svg onload=\"window.__pwned=3\"></svg>",
    "' onmouseover='window.__pwned=4",
]


def _resolve(episodes: list[Episode], entities: dict[str, Entity], pick: dict[str, str]) -> Resolution:
    """Assign every mention whose surface is in ``pick`` (surface -> entity id)."""
    assignments = {}
    by_id = {e.id: e for e in entities.values()}
    for ep in episodes:
        for m in ep.mentions:
            entity_id = pick[m.surface]
            assignments[m.id] = entity_id
            by_id[entity_id].mention_ids.append(m.id)
    return Resolution(entities=list(by_id.values()), assignments=assignments)


def sample_graph() -> nx.MultiDiGraph:
    """Three episodes (English and Japanese), six entities, two topics.

    Weights: episode ``e1`` mentions GitHub twice (as "GitHub" and "github.com"),
    every other episode-entity link has weight 1.
    """
    episodes = [
        Episode(
            id="e1", title="GitHub's Agent Era", show="Latent Space", published=date(2025, 11, 24),
            url="https://example.com/e1",
            chapters=[
                Chapter(title="Hook", start=0, summary="Kyle opens with agents."),
                Chapter(title="Copilot's next act", start=754, summary="Where Copilot goes next.",
                        quotes=["Copilot is the start."]),
            ],
            tags=["#AI Agents"],
            mentions=[Mention(surface="Kyle Daigle", type_label="Person", description="COO of GitHub"),
                      Mention(surface="GitHub", type_label="Organization"),
                      Mention(surface="github.com", type_label="Organization"),
                      Mention(surface="Copilot", type_label="Product"),
                      Mention(surface="swyx", type_label="Person")],
        ),
        Episode(
            id="e2", title="自己符号化器の回", show="Latent Space", published=date(2025, 11, 20), url="",
            chapters=[Chapter(title="導入", start=0, summary="今回のテーマ"),
                      Chapter(title="GitHub の話", start=300, summary="GitHub とエージェント")],
            tags=["#AI Agents", "#機械学習"],
            mentions=[Mention(surface="自己符号化器", type_label="概念"),
                      Mention(surface="GitHub", type_label="組織"),
                      Mention(surface="swyx", type_label="人物")],
        ),
        Episode(
            id="e3", title="Open models", show="Latent Space", published=date(2025, 10, 1),
            url="https://example.com/e3",
            mentions=[Mention(surface="LLaMA", type_label="model"),
                      Mention(surface="swyx", type_label="Person")],
        ),
    ]
    entities = {
        "kyle": Entity(id="entity:kyle", name="Kyle Daigle", type=EntityType.PERSON,
                       descriptions=["COO of GitHub"]),
        "github": Entity(id="entity:github", name="GitHub", type=EntityType.ORGANIZATION,
                         aliases=["github.com"], descriptions=["Code hosting platform"]),
        "copilot": Entity(id="entity:copilot", name="Copilot", type=EntityType.PRODUCT,
                          aliases=["GitHub Copilot"]),
        "swyx": Entity(id="entity:swyx", name="swyx", type=EntityType.PERSON, aliases=["Shawn Wang"],
                       descriptions=["Host of Latent Space"]),
        "ae": Entity(id="entity:ae", name="自己符号化器", type=EntityType.CONCEPT, aliases=["autoencoder"]),
        "llama": Entity(id="entity:llama", name="Llama", type=EntityType.PRODUCT, aliases=["LLaMA"]),
    }
    pick = {"Kyle Daigle": "entity:kyle", "GitHub": "entity:github", "github.com": "entity:github",
            "Copilot": "entity:copilot", "swyx": "entity:swyx", "自己符号化器": "entity:ae",
            "LLaMA": "entity:llama"}
    return build_graph(episodes, _resolve(episodes, entities, pick))


def hostile_graph() -> nx.MultiDiGraph:
    """Every text field carries markup or script; every URL is a ``javascript:`` one."""
    p = PAYLOADS
    episodes = [
        Episode(
            id=f"x{i}", title=f"{p[i % 5]} title {i}", show=f"{p[(i + 1) % 5]} show",
            published=date(2025, 1, 1 + i),
            url="javascript:alert(1)" if i % 2 == 0 else "JaVaScRiPt:alert(2)",
            summary=p[(i + 2) % 5],
            chapters=[Chapter(title=f"{p[i % 5]} chapter", start=60.0 * i, summary=f"{p[0]} Payload {i}",
                              quotes=[p[1]])],
            tags=[p[(i + 3) % 5], "<b>bold</b>"],
            mentions=[Mention(surface=f"{p[j % 5]} Payload {j}", type_label=p[j % 5], description=p[3])
                      for j in range(4)] + [Mention(surface=f"{p[4]} Payload 9", type_label="Person")],
        )
        for i in range(4)
    ]
    entities = {
        f"{p[j % 5]} Payload {j}": Entity(id=f"entity:h{j}", name=f"{p[j % 5]} Payload {j}",
                                          type=EntityType.OTHER, aliases=[p[(j + 1) % 5], f"alias {p[2]}"],
                                          descriptions=[f"{p[(j + 2) % 5]} described"])
        for j in [0, 1, 2, 3, 9]
    }
    graph = build_graph(episodes, _resolve(episodes, entities, {k: v.id for k, v in entities.items()}))
    # A store can hold anything: a type no viewer knows must not break the page either.
    graph.nodes["entity:h3"]["type"] = p[1]
    return graph


def test_hostile_graph_carries_payloads_in_every_text_field() -> None:
    graph = hostile_graph()
    texts = {"title": 0, "show": 0, "summary": 0, "chapters": 0, "name": 0, "aliases": 0, "description": 0}
    for _, attrs in graph.nodes(data=True):
        for key in texts:
            value = attrs.get(key)
            if value and any(pay in str(value) or "<b>" in str(value) for pay in PAYLOADS):
                texts[key] += 1
    assert all(count > 0 for count in texts.values()), texts
    topics = [a["name"] for _, a in graph.nodes(data=True) if a["label"] == "Topic"]
    assert any("<" in t for t in topics)
    urls = [a["url"] for _, a in graph.nodes(data=True) if a["label"] == "Episode"]
    assert urls and all(u.lower().startswith("javascript:") for u in urls)


def test_sample_graph_shape() -> None:
    graph = sample_graph()
    labels = [a["label"] for _, a in graph.nodes(data=True)]
    assert (labels.count("Episode"), labels.count("Entity"), labels.count("Topic")) == (3, 6, 2)
    assert graph.number_of_edges("episode:e1", "entity:github") == 2
