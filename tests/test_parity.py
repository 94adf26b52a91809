"""NetworkX and Neo4j give the same answers: every query, on the real page, the examples and
seeded random graphs, run on both backends (a real Neo4j server), compared field by field.

Same ids, same order, same strings; scores equal to 1e-9.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import networkx as nx
import pytest
from pydantic import BaseModel
from test_queries_support import random_graph

from castgraph.graph.build import build_graph
from castgraph.queries import (
    Neo4jQueries,
    NetworkXQueries,
    NotFoundError,
    QueryBackend,
    comention_communities,
    comention_graph,
    entity_profile,
    episodes_about,
    key_players,
    list_shows,
    neo4j_backend,
    related_episodes,
    show_episodes,
    show_people,
)

pytestmark = pytest.mark.neo4j

Backends = tuple[QueryBackend, QueryBackend]
CAPTURED = date(2026, 11, 25)  # the day the real page was saved: its "3日前" become dates


def _plain(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return _plain(value.model_dump())
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def assert_same(left: Any, right: Any, where: str = "") -> None:
    """Equal, floats to 1e-9 (absolute or relative); lists in the same order."""
    left, right = _plain(left), _plain(right)
    if isinstance(left, float) or isinstance(right, float):
        assert isinstance(left, (int, float)) and isinstance(right, (int, float)), where
        assert math.isclose(left, right, rel_tol=1e-9, abs_tol=1e-9), f"{where}: {left} != {right}"
    elif isinstance(left, list):
        assert isinstance(right, list) and len(left) == len(right), f"{where}: {len(left)} vs {right!r:.300}"
        for i, (a, b) in enumerate(zip(left, right, strict=True)):
            assert_same(a, b, f"{where}[{i}]")
    elif isinstance(left, dict):
        assert isinstance(right, dict) and left.keys() == right.keys(), f"{where}: keys differ"
        for key in left:
            assert_same(left[key], right[key], f"{where}.{key}")
    else:
        assert left == right, f"{where}: {left!r} != {right!r}"


def _outcome(query: Callable[..., Any], backend: QueryBackend, *args: Any, **kwargs: Any) -> Any:
    try:
        return query(backend, *args, **kwargs)
    except NotFoundError as exc:  # the same error, word for word, is also an answer
        return f"NotFoundError: {exc}"


def _linked_graph(episodes: list[Any]) -> nx.MultiDiGraph:
    """As the build makes it: title patterns, resolution, then mentions found in text and tags."""
    from castgraph.link import EntityLinker
    from castgraph.resolve import resolve

    linker = EntityLinker()
    linker.add_title_mentions(episodes)
    resolution = resolve(episodes)
    linker.link(episodes, resolution).apply(episodes, resolution)
    return build_graph(episodes, resolution)


def _real_graph(path: Path) -> nx.MultiDiGraph:
    from castgraph.loaders import read_episodes

    result = read_episodes([path], as_of=CAPTURED)
    return _linked_graph(result.episodes)


def _examples_graph(folder: Path) -> nx.MultiDiGraph:
    from castgraph.loaders import read_episodes

    if not folder.is_dir() or not any(folder.iterdir()):
        pytest.skip("examples/ is empty")
    result = read_episodes([folder], as_of=CAPTURED)
    return _linked_graph(result.episodes)


@pytest.fixture(params=["real-page", "examples", "samples", "random-0", "random-1", "random-2"])
def dataset(request: pytest.FixtureRequest, real_page_path: Path, examples_dir: Path) -> nx.MultiDiGraph:
    name = request.param
    if name == "real-page":
        return _real_graph(real_page_path)
    if name == "examples":
        return _examples_graph(examples_dir)
    if name == "samples":  # feeds and tables: roles, shows, transcripts
        return _examples_graph(examples_dir.parent / "samples")
    graph = random_graph(int(name.split("-")[1]), episodes=80, entities=50)
    if name == "random-1":
        # Mentions obtained every way, so that related episodes weigh them by origin on both backends.
        rng = random.Random(11)
        for _, _, attrs in graph.edges(data=True):
            if attrs["type"] == "MENTIONS":
                attrs["origin"] = rng.choice(["listed", "listed", "text_link", "hashtag", "title_pattern"])
                if rng.random() < 0.5:
                    attrs.update(field="chapter_title", chapter=1, timestamp=60.0, span=[3, 9], occurrences=2)
    if name == "random-2":
        # Without stored episode counts both backends count the episodes themselves.
        for _, attrs in graph.nodes(data=True):
            if attrs["label"] == "Entity":
                attrs["episode_count"] = 0
    return graph


@pytest.fixture()
def backends(dataset: nx.MultiDiGraph, neo4j_store: Any) -> Iterator[tuple[QueryBackend, QueryBackend]]:
    neo4j_store.write(dataset)
    yield NetworkXQueries(dataset), Neo4jQueries(neo4j_store)


def _episodes(graph: nx.MultiDiGraph) -> list[str]:
    return sorted(n for n, d in graph.nodes(data=True) if d["label"] == "Episode")


def _entities(graph: nx.MultiDiGraph) -> list[str]:
    return sorted(n for n, d in graph.nodes(data=True) if d["label"] == "Entity")


def test_related_episodes_agree(dataset: nx.MultiDiGraph, backends: Backends) -> None:
    nxq, neo = backends
    compared = 0
    for episode in _episodes(dataset):
        for limit, origins in ((3, None), (None, None), (None, ["listed", "title_pattern"]),
                               (5, ["text_link"])):
            left = _outcome(related_episodes, nxq, episode, limit=limit, origins=origins)
            right = _outcome(related_episodes, neo, episode, limit=limit, origins=origins)
            assert_same(left, right, f"{episode} limit={limit} origins={origins}")
            compared += len(left)
    assert compared > 0
    title = dataset.nodes[_episodes(dataset)[-1]]["title"]
    assert_same(_outcome(related_episodes, nxq, title[:12]), _outcome(related_episodes, neo, title[:12]))
    assert_same(_outcome(related_episodes, nxq, "no such episode xyz"),
                _outcome(related_episodes, neo, "no such episode xyz"))


def test_episodes_about_agree(dataset: nx.MultiDiGraph, backends: Backends) -> None:
    nxq, neo = backends
    entities = _entities(dataset)
    names = [dataset.nodes[e]["name"] for e in entities]
    for chosen in ([names[0]], names[:2], names[-3:], [entities[len(entities) // 2]]):
        assert_same(episodes_about(nxq, chosen, limit=5), episodes_about(neo, chosen, limit=5), str(chosen))


@pytest.mark.parametrize("options", [
    {},
    {"min_weight": 2},
    {"normalize": "jaccard", "top_k": 2},
    {"normalize": "pmi", "limit": 25},
    {"types": ["Person", "Organization"]},
    {"since": "2025-01-10", "until": "2026-11-20", "top_k": 3},
    {"since": "2025-01-10", "min_weight": 3, "normalize": "jaccard"},
])
def test_comention_agrees(options: dict[str, Any], backends: Backends) -> None:
    nxq, neo = backends
    left, right = comention_graph(nxq, **options), comention_graph(neo, **options)
    assert_same(left, right, str(options))
    assert_same(key_players(left), key_players(right))
    assert_same(comention_communities(left, seed=7), comention_communities(right, seed=7))


@pytest.mark.parametrize("min_weight", [1, 2, 4])
def test_comention_agrees_when_the_server_works_in_small_blocks(
        min_weight: int, backends: Backends, monkeypatch: pytest.MonkeyPatch) -> None:
    nxq, neo = backends
    monkeypatch.setattr(neo4j_backend, "POSTINGS_PER_QUERY", 7)
    options = {"min_weight": min_weight, "normalize": "pmi"}
    assert_same(comention_graph(nxq, **options), comention_graph(neo, **options))


def test_profiles_agree(dataset: nx.MultiDiGraph, backends: Backends) -> None:
    nxq, neo = backends
    entities = _entities(dataset)
    for entity in entities:
        left = entity_profile(nxq, entity, episodes_limit=5)
        assert_same(left, entity_profile(neo, entity, episodes_limit=5), entity)
    for entity in entities[:: max(1, len(entities) // 15)]:
        assert_same(entity_profile(nxq, entity, episodes_limit=None),
                    entity_profile(neo, entity, episodes_limit=None), f"{entity} all episodes")
        attrs = dataset.nodes[entity]
        # By name, by alias, upper-cased, and misspelt (fuzzy or "did you mean").
        name = attrs["name"]
        for text in [name, *attrs.get("aliases", [])[:1], name.upper(), name[:-1] + "q"]:
            assert_same(_outcome(entity_profile, nxq, text), _outcome(entity_profile, neo, text), text)


def test_former_ids_find_the_absorbing_entity_on_both_backends(neo4j_store: Any) -> None:
    from castgraph.graph.model import Episode, Mention
    from castgraph.resolve import resolve

    def episode(eid: str, surface: str, day: int) -> Episode:
        return Episode(id=eid, title=eid, published=date(2026, 1, 1 + day),
                       mentions=[Mention(surface=surface, type_label="Person")])

    old_eps = [episode("a", "Shawn Wang", 0), episode("b", "swyx", 1)]
    old = resolve(old_eps)
    eps = [*old_eps, episode("c", "Shawn Wang / swyx", 2)]
    graph = build_graph(eps, resolve(eps, prior=old))
    neo4j_store.write(graph)
    (person,) = [n for n, d in graph.nodes(data=True) if d["label"] == "Entity"]
    (former,) = graph.nodes[person]["former_ids"]
    for backend in (NetworkXQueries(graph), Neo4jQueries(neo4j_store)):
        profile = entity_profile(backend, former)
        assert (profile.id, profile.matched_by, profile.episode_count) == (person, "former id", 3)
        with pytest.raises(NotFoundError):
            entity_profile(backend, "entity:0000000000000000")


def test_show_queries_agree(dataset: nx.MultiDiGraph, backends: Backends) -> None:
    _, neo = backends
    shows = list_shows(dataset)
    assert_same(shows, list_shows(neo))
    compared = 0
    for show in [s.title for s in shows] + ["no such show"]:
        for role in (None, "guest", "host", "GUEST"):
            left = show_people(dataset, show.upper(), role=role)
            assert_same(left, show_people(neo, show.upper(), role=role), f"{show} {role}")
            compared += len(left)
        assert_same(show_episodes(dataset, show), show_episodes(neo, show), show)
    if any(d.get("role") for _, _, d in dataset.edges(data=True)):
        assert compared > 0
