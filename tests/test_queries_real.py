"""The queries on the real Latent Space page: answers a listener would agree with."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from castgraph.graph.build import build_graph
from castgraph.queries import (
    NetworkXQueries,
    NotFoundError,
    comention_graph,
    entity_profile,
    episodes_about,
    find_episode,
    key_players,
    related_episodes,
)
from castgraph.queries.profile import chapters_mentioning


@pytest.fixture(scope="module")
def backend(real_page_path: Path) -> NetworkXQueries:
    from castgraph.loaders import read_episodes
    from castgraph.resolve import resolve

    result = read_episodes([real_page_path], as_of=date(2026, 11, 25))
    return NetworkXQueries(build_graph(result.episodes, resolve(result.episodes)))


def test_after_matt_pocock_listen_to_abridge_because_of_claude_code(backend: NetworkXQueries) -> None:
    results = related_episodes(backend, "Matt Pocock")
    abridge = find_episode(backend, "Abridgeの内側")
    assert results[0].id == abridge.id
    assert "Claude Code" in [s.name for s in results[0].shared_entities]
    # The host is in most episodes: he adds little, so a rare shared entity ranks above him alone.
    host_only = [r for r in results
                 if [s.name for s in r.shared_entities] == ["swyx"] and not r.shared_topics]
    assert host_only and all(r.score < results[0].score / 2 for r in host_only)


def test_related_never_returns_the_episode_itself_and_is_symmetric_in_score(backend: NetworkXQueries) -> None:
    ids = [ep for ep, _ in backend.episode_titles()]
    assert len(ids) == 12
    scores = {}
    for episode in ids:
        for r in related_episodes(backend, episode, limit=None):
            assert r.id != episode
            assert r.shared_entities or r.shared_topics
            scores[(episode, r.id)] = r.score
    # Sharing is mutual: A's score for B is B's score for A.
    for (a, b), score in scores.items():
        assert scores[(b, a)] == pytest.approx(score)


def test_cloud_episodes_are_related_through_shared_companies(backend: NetworkXQueries) -> None:
    daytona = related_episodes(backend, "AI Agents Need Computers", limit=1)[0]
    assert "Railway" in daytona.title
    assert len(daytona.shared_entities) >= 2 and len(daytona.shared_topics) >= 2


def test_episodes_about_claude_code(backend: NetworkXQueries) -> None:
    about = episodes_about(backend, ["Claude Code"])
    profile = entity_profile(backend, "Claude Code")
    assert [r.id for r in about] == sorted(a.id for a in profile.episodes)
    assert profile.episode_count == len(about) >= 2


def test_profile_chapters_really_mention_the_entity(backend: NetworkXQueries) -> None:
    profile = entity_profile(backend, "claude code")
    assert profile.name == "Claude Code"
    for appearance in profile.episodes:
        assert appearance.chapters, f"no chapter found for {appearance.title}"
        chapters = backend.episodes([appearance.id])[appearance.id].chapters
        for found in appearance.chapters:
            chapter = next(c for c in chapters if c["title"] == found.title)
            assert chapters_mentioning([chapter], [*appearance.surfaces, profile.name])
    assert [e.published for e in profile.episodes] == sorted((e.published for e in profile.episodes),
                                                            reverse=True)


def test_a_person_is_found_in_chapters_by_first_name(backend: NetworkXQueries) -> None:
    profile = entity_profile(backend, "Kyle Daigle")
    (appearance,) = profile.episodes
    # The chapters say "Kyle ..." throughout: the hook, the introduction, his workflows.
    assert len(appearance.chapters) >= 3
    chapters = backend.episodes([appearance.id])[appearance.id].chapters
    for found in appearance.chapters:
        chapter = next(c for c in chapters if c["title"] == found.title)
        assert chapters_mentioning([chapter], ["Kyle", "Daigle"])


def test_profile_lookup_by_near_spelling_and_in_japanese(backend: NetworkXQueries) -> None:
    assert entity_profile(backend, "Matt Pocok").name == "Matt Pocock"
    assert entity_profile(backend, "苦い教訓").episode_count >= 1
    with pytest.raises(NotFoundError, match="did you mean"):
        entity_profile(backend, "Kyle Daigel Jr")


def test_comention_edges_are_backed_by_their_episodes(backend: NetworkXQueries) -> None:
    edges = comention_graph(backend)
    assert edges
    appearances = {}
    for edge in edges[:200]:
        for end in (edge.source, edge.target):
            if end.id not in appearances:
                profile = entity_profile(backend, end.id, episodes_limit=None)
                appearances[end.id] = {a.id for a in profile.episodes}
            assert set(edge.episodes) <= appearances[end.id]
        assert edge.weight == len(edge.episodes)
    strong = comention_graph(backend, min_weight=2)
    assert ("swyx", "Claude Code") in {(e.source.name, e.target.name) for e in strong} | {
        (e.target.name, e.source.name) for e in strong}
    assert key_players(edges, limit=1)[0].name == "swyx"  # the host links every conversation
