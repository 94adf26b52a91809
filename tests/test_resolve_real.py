"""Resolution of the real podcast-app page (12 Latent Space episodes, English and Japanese)."""

from __future__ import annotations

from pathlib import Path

import pytest

from castgraph.graph.build import build_graph
from castgraph.graph.model import EntityType, Episode, Resolution
from castgraph.loaders import read_episodes
from castgraph.resolve import explain_entity, resolve


@pytest.fixture(scope="module")
def episodes(real_page_path: Path) -> list[Episode]:
    return read_episodes([real_page_path]).episodes


@pytest.fixture(scope="module")
def resolution(episodes: list[Episode]) -> Resolution:
    return resolve(episodes)


def _entities_named(episodes: list[Episode], res: Resolution, surface: str) -> set[str]:
    return {res.assignments[m.id] for ep in episodes for m in ep.mentions if m.surface == surface}


def _episode_count(res: Resolution, entity_id: str) -> int:
    return len({mid.rsplit("#", 1)[0] for mid in res.entity(entity_id).mention_ids})


def test_swyx_is_one_person_across_seven_episodes(episodes: list[Episode], resolution: Resolution) -> None:
    ids = _entities_named(episodes, resolution, "swyx")
    ids |= _entities_named(episodes, resolution, "Shawn Wang / swyx")
    assert len(ids) == 1
    (swyx,) = ids
    entity = resolution.entity(swyx)
    assert entity.type is EntityType.PERSON
    assert entity.name == "swyx"
    assert {"Shawn Wang / swyx", "Shawn Wang"} <= set(entity.aliases)
    assert _episode_count(resolution, swyx) == 7


@pytest.mark.parametrize(("a", "b"), [
    ("Claude", "Claude Code"), ("GitHub", "GitHub Copilot"), ("Gemma 4", "Gemma Scope"),
    ("ESM", "ESMC"), ("ESMC", "ESMFold 2"), ("ESM", "ESMFold 2"), ("GitHub", "GitHub Actions"),
])
def test_close_names_stay_apart(episodes: list[Episode], resolution: Resolution, a: str, b: str) -> None:
    left, right = _entities_named(episodes, resolution, a), _entities_named(episodes, resolution, b)
    assert left and right, f"{a!r} or {b!r} is not on the page"
    assert not left & right


def test_kubernetes_technology_and_software_are_one(episodes: list[Episode], resolution: Resolution) -> None:
    labels = {m.type_label for ep in episodes for m in ep.mentions if m.surface == "Kubernetes"}
    assert {"technology", "software"} <= labels
    (kube,) = _entities_named(episodes, resolution, "Kubernetes")
    assert resolution.entity(kube).type is EntityType.PRODUCT
    assert resolution.entity(kube).type_votes == {"Product": 2}


def test_github_organization_in_two_episodes_is_one_entity(episodes: list[Episode],
                                                           resolution: Resolution) -> None:
    (github,) = _entities_named(episodes, resolution, "GitHub")
    assert _episode_count(resolution, github) == 2
    assert resolution.entity(github).type is EntityType.ORGANIZATION


def test_brandon_the_co_host_is_one_person(episodes: list[Episode], resolution: Resolution) -> None:
    (brandon,) = _entities_named(episodes, resolution, "Brandon")
    assert _episode_count(resolution, brandon) == 2


def test_japanese_names_keep_their_characters(resolution: Resolution) -> None:
    names = {e.name for e in resolution.entities}
    assert {"スパース自己符号化器", "苦い教訓", "LFD プロセス"} <= names
    sae = next(e for e in resolution.entities if e.name == "スパース自己符号化器")
    # The surface as written, and the acronym inside it, so that "SAE" finds the entity.
    assert sae.aliases == ["SAE", "スパース自己符号化器 / SAE"]


def test_every_mention_with_a_name_is_assigned(episodes: list[Episode], resolution: Resolution) -> None:
    named = {m.id for ep in episodes for m in ep.mentions if m.surface.strip()}
    assert set(resolution.assignments) == named
    assert sum(len(e.mention_ids) for e in resolution.entities) == len(named)


def test_order_of_episodes_does_not_matter(episodes: list[Episode], resolution: Resolution) -> None:
    assert resolve(list(reversed(episodes))) == resolution


def test_explain_swyx_from_the_built_graph(episodes: list[Episode], resolution: Resolution) -> None:
    text = explain_entity(build_graph(episodes, resolution), "Shawn Wang")
    assert text.startswith("swyx (entity:")
    assert "type: Person (votes: Person=7)" in text
    assert "episodes (7):" in text
    assert "'Shawn Wang / swyx' x1 in 1 episode: alias-slash, score 1.00" in text


def test_incremental_build_through_the_graph_equals_a_full_rebuild(episodes: list[Episode],
                                                                   resolution: Resolution) -> None:
    from castgraph.graph.build import resolution_from_graph
    from castgraph.loaders import episodes_from_graph

    ordered = sorted(episodes, key=lambda e: (e.published is None, e.published, e.id))
    old, new = ordered[:6], ordered[6:]
    old_graph = build_graph(old, resolve(old))
    old_again = episodes_from_graph(old_graph)
    incremental = resolve(old_again + new, prior=resolution_from_graph(old_graph))
    assert incremental.assignments == resolution.assignments
    assert [(e.id, e.name, e.aliases, e.type) for e in incremental.entities] == \
           [(e.id, e.name, e.aliases, e.type) for e in resolution.entities]
    old_ids = {e.id for e in resolve(old).entities}
    assert old_ids <= {e.id for e in incremental.entities}  # existing entities keep their ids
