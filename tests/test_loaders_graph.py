"""Rebuilding episodes from a built graph (incremental builds)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from castgraph.graph.build import build_graph
from castgraph.graph.model import Entity, EntityType, Episode, Resolution, stable_id
from castgraph.graph.networkx_store import NetworkXStore
from castgraph.loaders import episodes_from_graph, read_episodes


def _one_entity_per_surface(episodes: list[Episode]) -> Resolution:
    """A plain resolution for these tests: every distinct surface form is its own entity."""
    entities: dict[str, Entity] = {}
    assignments: dict[str, str] = {}
    for ep in episodes:
        for m in ep.mentions:
            entity_id = f"entity:{stable_id(m.surface)}"
            entity = entities.setdefault(
                entity_id, Entity(id=entity_id, name=m.surface, type=EntityType.from_label(m.type_label))
            )
            entity.mention_ids.append(m.id)
            assignments[m.id] = entity_id
    return Resolution(entities=list(entities.values()), assignments=assignments)


def _comparable(ep: Episode) -> dict:
    # The graph does not store the order of an episode's tags.
    return {**ep.model_dump(), "tags": sorted(ep.tags)}


def test_examples_round_trip_through_the_graph(examples_dir: Path) -> None:
    episodes = read_episodes([examples_dir], as_of=date(2026, 11, 25)).episodes
    graph = build_graph(episodes, _one_entity_per_surface(episodes))
    back = episodes_from_graph(graph)
    assert [e.id for e in back] == sorted(e.id for e in episodes)
    by_id = {e.id: e for e in episodes}
    for ep in back:
        assert _comparable(ep) == _comparable(by_id[ep.id])


def test_round_trip_through_graph_json_and_rebuild_is_identical(examples_dir: Path, tmp_path: Path) -> None:
    episodes = read_episodes([examples_dir], as_of=date(2026, 11, 25)).episodes
    resolution = _one_entity_per_surface(episodes)
    store = NetworkXStore(tmp_path / "out")
    store.write(build_graph(episodes, resolution))
    back = episodes_from_graph(store.read())
    rebuilt = build_graph(back, _one_entity_per_surface(back))
    assert sorted(rebuilt.edges(keys=True, data=True)) == sorted(
        build_graph(episodes, resolution).edges(keys=True, data=True)
    )
    assert back[0].published is not None and back[0].source is not None


def test_real_page_round_trip_keeps_chapters_and_mentions(real_page_path: Path) -> None:
    episodes = read_episodes([real_page_path]).episodes
    back = {e.id: e for e in episodes_from_graph(build_graph(episodes, _one_entity_per_surface(episodes)))}
    daytona = back[episodes[6].id]
    assert len(daytona.chapters) == 20 and daytona.mentions[0].surface == "Ivan Burazin"
    assert sum(len(e.mentions) for e in back.values()) == 137
    assert daytona.source == episodes[6].source


def test_unassigned_mentions_keep_the_ordinals_of_the_others() -> None:
    ep = Episode.model_validate(
        {"id": "e1", "title": "T", "mentions": [{"surface": "a"}, {"surface": "b"}, {"surface": "c"}]}
    )
    resolution = _one_entity_per_surface([ep])
    del resolution.assignments["e1#1"]
    back = episodes_from_graph(build_graph([ep], resolution))[0]
    assert [(m.surface, m.id) for m in back.mentions] == [("a", "e1#0"), ("c", "e1#2")]
