"""Queries on the NetworkX backend: related episodes, co-mentions, profiles, look-ups, the index cache."""

from __future__ import annotations

import math
from pathlib import Path

import networkx as nx
import pytest
from test_queries_support import make_graph, random_graph

from castgraph.errors import CastgraphError
from castgraph.graph.model import Chapter, EntityType
from castgraph.graph.networkx_store import NetworkXStore
from castgraph.pipeline import BuildOptions, GraphBuilder
from castgraph.queries import (
    NetworkXQueries,
    NotFoundError,
    comention_communities,
    comention_graph,
    entity_profile,
    episodes_about,
    key_players,
    networkx_backend,
    open_graph_dir,
    related,
    related_episodes,
)
from castgraph.queries import loading as loading_module
from castgraph.queries.index import INDEX_FILE, cache_key, read_index

LOG = math.log(5 / 2)  # idf of an entity in 2 of the 5 episodes below


@pytest.fixture(scope="module")
def small() -> nx.MultiDiGraph:
    # Host in every episode (idf 0); Claude Code, Cursor, Devin each in two; topic ai in two.
    return make_graph(
        [("e1", "Coding agents", ["Host", "Claude Code", "Cursor"], ["#ai"]),
         ("e2", "Claude Code deep dive", ["Host", "Claude Code", "Claude Code"], ["#AI"]),
         ("e3", "Cursor and Devin", ["Host", "Cursor", "Devin"], []),
         ("e4", "Devin at work", ["Host", "Devin"], []),
         ("e5", "Just the host", ["Host"], [])],
        types={"Host": EntityType.PERSON, "Devin": EntityType.PRODUCT},
        aliases={"Host": ["the host"], "Claude Code": ["claude-code"]},
        published={"e1": "2026-01-01", "e2": "2026-02-01", "e3": "2026-03-01", "e4": "2026-03-01"},
        chapters={"e1": [Chapter(title="Intro", start=0), Chapter(title="Tools", start=75.0,
                                                                   summary="Why claude-code wins")]},
    )


def test_related_ranks_by_shared_rare_entities_and_topics(small: nx.MultiDiGraph) -> None:
    results = related_episodes(small, "e1")
    # e2 shares Claude Code and topic ai (half weight); e3 shares Cursor; e4/e5 only share the host.
    assert [r.id for r in results] == ["episode:e2", "episode:e3"]
    assert results[0].score == pytest.approx(1.5 * LOG)
    assert results[1].score == pytest.approx(LOG)
    assert [s.name for s in results[0].shared_entities] == ["Claude Code"]
    assert [t.name for t in results[0].shared_topics] == ["ai"]
    assert all(r.id != "episode:e1" for r in related_episodes(small, "e1", limit=None))


def test_related_accepts_node_id_record_id_and_title_fragment(small: nx.MultiDiGraph) -> None:
    by_id = related_episodes(small, "episode:e4")
    assert by_id == related_episodes(small, "e4") == related_episodes(small, "devin at WORK")
    assert [r.id for r in by_id] == ["episode:e3"]


def test_unknown_or_ambiguous_episode_is_a_one_line_error(small: nx.MultiDiGraph) -> None:
    with pytest.raises(NotFoundError, match="did you mean: Claude Code deep dive") as err:
        related_episodes(small, "Claude Code deep dvie")
    assert "\n" not in str(err.value)
    with pytest.raises(NotFoundError, match="matches 2 episodes"):
        related_episodes(small, "devin")


def test_episodes_about_entities_prefers_episodes_with_more_of_them(small: nx.MultiDiGraph) -> None:
    results = episodes_about(small, ["Cursor", "claude-code"])
    # e1 has both; e2 and e3 one each and tie on score: id ascending breaks the tie.
    assert [r.id for r in results] == ["episode:e1", "episode:e2", "episode:e3"]
    assert results[0].score == pytest.approx(2 * (1 + LOG))
    assert results[1].score == results[2].score == pytest.approx(1 + LOG)
    # Asked for, the host counts although he is in every episode.
    assert [r.id for r in episodes_about(small, ["Host"], limit=2)] == ["episode:e1", "episode:e2"]
    with pytest.raises(CastgraphError):
        episodes_about(small, [])


def _brute_force(graph: nx.MultiDiGraph, episode: str) -> list[tuple[str, float]]:
    """Score every other episode directly from the graph: the definition, not the algorithm."""
    episodes = [n for n, d in graph.nodes(data=True) if d["label"] == "Episode"]
    n = len(episodes)
    terms = {e: set(graph.successors(e)) for e in episodes}
    df: dict[str, int] = {}
    for ts in terms.values():
        for t in ts:
            df[t] = df.get(t, 0) + 1
    out = []
    for other in episodes:
        if other == episode:
            continue
        shared = terms[episode] & terms[other]
        score = math.fsum((0.5 if t.startswith("topic:") else 1.0) * math.log(n / df[t])
                          for t in shared if df[t] < n)
        if score > 0:
            out.append((other, score))
    return sorted(out, key=lambda x: (-x[1], x[0]))


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("batch", [1, 3, 20_000, "all at once", "all at once, lists kept"])
def test_pruned_ranking_equals_brute_force(seed: int, batch: int | str,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    if batch == "all at once, lists kept":
        # Every posting list counts as long: kept across queries, and the oldest dropped.
        monkeypatch.setattr(networkx_backend, "_KEPT_POSTING_MIN", 1)
        monkeypatch.setattr(networkx_backend, "_KEPT_POSTINGS", 4)
    if isinstance(batch, str):  # the embedded backend's own scorer (NetworkXQueries.rank_terms)
        assert hasattr(NetworkXQueries, "rank_terms")
    else:
        # The posting-list scorer other backends use; a tiny batch forces its bound-and-check path
        # (terms read one by one, frequent ones only checked).
        monkeypatch.delattr(NetworkXQueries, "rank_terms")
        monkeypatch.setattr(related, "POSTINGS_BATCH", batch)
    graph = random_graph(seed)
    backend = NetworkXQueries(graph)
    for i in range(0, 60, 5):
        episode = f"episode:ep{i:04d}"
        expected = _brute_force(graph, episode)
        for limit in (1, 3, None):
            got = [(r.id, r.score) for r in related_episodes(backend, episode, limit=limit)]
            want = expected if limit is None else expected[:limit]
            assert [g[0] for g in got] == [w[0] for w in want]
            assert [g[1] for g in got] == pytest.approx([w[1] for w in want], abs=1e-12)


def test_comention_weights_and_episodes(small: nx.MultiDiGraph) -> None:
    edges = comention_graph(small)
    pairs = {(e.source.name, e.target.name): e for e in edges}
    # The host shares two episodes with each of the others, the rest one each
    # (Claude Code twice in e2 counts once).
    assert pairs[("Claude Code", "Host")].weight == 2
    assert pairs[("Claude Code", "Host")].episodes == ["episode:e1", "episode:e2"]
    assert pairs[("Claude Code", "Cursor")].weight == 1
    assert len(edges) == 5
    assert [e.weight for e in edges] == sorted((e.weight for e in edges), reverse=True)
    assert all(e.source.id < e.target.id for e in edges)
    assert [(e.source.name, e.target.name) for e in comention_graph(small, min_weight=2)] == [
        ("Claude Code", "Host"), ("Cursor", "Host"), ("Devin", "Host")]


def test_comention_normalizations(small: nx.MultiDiGraph) -> None:
    jaccard = {(e.source.name, e.target.name): e.score for e in comention_graph(small, normalize="jaccard")}
    assert jaccard[("Claude Code", "Host")] == pytest.approx(2 / (2 + 5 - 2))
    assert jaccard[("Claude Code", "Cursor")] == pytest.approx(1 / 3)
    pmi = comention_graph(small, normalize="pmi")
    scores = {(e.source.name, e.target.name): e.score for e in pmi}
    assert scores[("Claude Code", "Host")] == pytest.approx(0.0)  # the host is no evidence of anything
    assert scores[("Claude Code", "Cursor")] == pytest.approx(math.log(5 / 4))
    assert (pmi[0].source.name, pmi[0].target.name) != ("Claude Code", "Host")
    with pytest.raises(CastgraphError, match="unknown normalization"):
        comention_graph(small, normalize="cosine")


def test_comention_filters(small: nx.MultiDiGraph) -> None:
    assert comention_graph(small, types=["person"]) == []  # one person: no pairs
    assert {e.source.name for e in comention_graph(small, types=["Product"])} == {"Claude Code", "Cursor"}
    with pytest.raises(CastgraphError, match="unknown entity type"):
        comention_graph(small, types=["Robot"])
    march = comention_graph(small, since="2026-03-01", until="2026-03-31")
    assert {ep for e in march for ep in e.episodes} == {"episode:e3", "episode:e4"}
    top1 = comention_graph(small, top_k=1)
    # Every entity keeps its best edge; an edge stays when either end keeps it.
    assert {e.source.name for e in top1} | {e.target.name for e in top1} == {
        "Host", "Claude Code", "Cursor", "Devin"}
    assert len(top1) < len(comention_graph(small))
    assert len(comention_graph(small, limit=2)) == 2


@pytest.mark.parametrize("normalize", [None, "jaccard", "pmi"])
def test_min_weight_only_drops_lighter_edges(normalize: str | None) -> None:
    # Entities in too few episodes are left out before pairing: that must lose no edge.
    graph = random_graph(3, episodes=120, entities=40)
    everything = comention_graph(graph, normalize=normalize)
    for k in (2, 3, 5):
        heavy = comention_graph(graph, min_weight=k, normalize=normalize)
        expected = [e for e in everything if e.weight >= k]
        assert heavy == expected
        assert 0 < len(heavy) < len(everything)


def test_communities_and_key_players(small: nx.MultiDiGraph) -> None:
    edges = comention_graph(random_graph(1))
    players = key_players(edges, limit=3)
    assert players[0].name == "Host"  # in every episode, linked to everyone
    assert [p.pagerank for p in players] == sorted((p.pagerank for p in players), reverse=True)
    communities = comention_communities(edges, seed=1)
    members = [m.id for c in communities for m in c.members]
    assert sorted(members) == sorted({e.source.id for e in edges} | {e.target.id for e in edges})
    assert communities == comention_communities(list(reversed(edges)), seed=1)


def test_profile(small: nx.MultiDiGraph) -> None:
    profile = entity_profile(small, "claude-code")
    assert (profile.name, profile.type, profile.matched_by) == ("Claude Code", "Product", "alias")
    assert profile.episode_count == 2
    assert [a.id for a in profile.episodes] == ["episode:e2", "episode:e1"]  # newest first
    assert profile.episodes[0].surfaces == ["Claude Code"]
    # The chapter quoting the alias "claude-code" is where it is discussed.
    assert [(c.title, c.start) for c in profile.episodes[1].chapters] == [("Tools", 75.0)]
    assert [(c.name, c.episodes) for c in profile.comentioned] == [("Host", 2), ("Cursor", 1)]
    assert [(t.name, t.episodes) for t in profile.topics] == [("ai", 2)]


def test_profile_lookup_by_near_spelling_and_did_you_mean(small: nx.MultiDiGraph) -> None:
    assert entity_profile(small, "entity:Devin").matched_by == "id"
    assert entity_profile(small, "THE HOST").name == "Host"
    assert entity_profile(small, "Claude Cod").matched_by == "fuzzy"
    with pytest.raises(NotFoundError, match=r"matches 'Cursr IDE Pro'; did you mean: Cursor") as err:
        entity_profile(small, "Cursr IDE Pro")
    assert err.value.suggestions[0] == "Cursor"
    with pytest.raises(NotFoundError, match=r"no entity matches 'zzzz'$"):
        entity_profile(small, "zzzz")


def test_results_do_not_depend_on_input_order() -> None:
    rows = [("a", "A", ["X", "Y"], ["#t"]), ("b", "B", ["Y", "X"], ["#t"]), ("c", "C", ["Z"], [])]
    one, two = make_graph(rows), make_graph(list(reversed(rows)))
    assert related_episodes(one, "a") == related_episodes(two, "a")
    assert comention_graph(one) == comention_graph(two)
    assert entity_profile(one, "X") == entity_profile(two, "X")


def test_graph_folder_index_cache(tmp_path: Path, small: nx.MultiDiGraph,
                                  monkeypatch: pytest.MonkeyPatch) -> None:
    NetworkXStore(tmp_path).write(small)
    fresh = related_episodes(open_graph_dir(tmp_path), "e1")
    assert (tmp_path / INDEX_FILE).exists()

    def no_parsing(*args: object) -> nx.MultiDiGraph:
        raise AssertionError("graph.json parsed although the cache is current")

    monkeypatch.setattr(loading_module, "read_graph_tables", no_parsing)
    cached = open_graph_dir(tmp_path)
    assert related_episodes(cached, "e1") == fresh
    assert entity_profile(cached, "claude-code") == entity_profile(small, "claude-code")
    assert comention_graph(cached) == comention_graph(small)
    monkeypatch.undo()

    # A rewritten graph invalidates the cache; a damaged cache is rebuilt, never trusted.
    NetworkXStore(tmp_path).write(make_graph([("z", "Zed", ["Q"], [])]))
    assert open_graph_dir(tmp_path).episode_count() == 1
    cache = tmp_path / INDEX_FILE
    whole = cache.read_bytes()
    key = cache_key(tmp_path / "graph.json")
    assert read_index(cache, key) is not None
    for damaged in (whole[:8] + b"garbage", whole[:len(whole) // 2], whole[:-3]):
        cache.write_bytes(damaged)
        assert read_index(cache, key) is None
        assert open_graph_dir(tmp_path).episode_count() == 1


def test_cached_index_decodes_only_the_items_a_query_reads(tmp_path: Path, small: nx.MultiDiGraph) -> None:
    # A cold command reads a few titles and names: the columns of every episode and entity
    # stay undecoded JSON (only the handful of topics is decoded whole).
    NetworkXStore(tmp_path).write(small)
    open_graph_dir(tmp_path)
    cached = open_graph_dir(tmp_path)
    entity_id = cached.index.ent_ids[0]
    answers = (related_episodes(cached, "episode:e1"), entity_profile(cached, entity_id),
               episodes_about(cached, [entity_id]))
    decoded = cached.index.tables.decoded  # type: ignore[attr-defined]
    assert {"ep_ids", "ep_title", "ent_ids", "ent_name"} <= set(decoded)
    assert [name for name, column in decoded.items()
            if not name.startswith("topic_") and getattr(column, "items", ()) is not None] == []
    assert answers == (related_episodes(small, "episode:e1"), entity_profile(small, entity_id),
                       episodes_about(small, [entity_id]))
    # Past a few hundred items a column is decoded whole, once.
    column = cached.index.ep_title
    assert [column[i % len(column)] for i in range(600)] == [small.nodes[e]["title"] for e in
                                                             sorted(cached.index.ep_ids)] * 120
    assert column.items is not None  # type: ignore[attr-defined]


def test_a_name_is_found_alike_by_search_and_by_index(tmp_path: Path, small: nx.MultiDiGraph) -> None:
    # A backend's first look-up by name searches the cached columns' bytes (nothing decoded);
    # later ones index every name once. Both give what the graph in memory gives.
    NetworkXStore(tmp_path).write(small)
    open_graph_dir(tmp_path)
    warm, in_memory = open_graph_dir(tmp_path), NetworkXQueries(small)
    warm.entities_named("warm up")
    for text in ("Cursor", "claude-code", "the host", "Host", "Claude", "cursor", "", '"Cursor"'):
        fresh = open_graph_dir(tmp_path)
        found = fresh.entities_named(text)
        assert found == warm.entities_named(text) == in_memory.entities_named(text) == \
            in_memory.entities_named(text), text
        assert fresh.index.ent_name.items is None  # type: ignore[attr-defined]
    assert [r.id for r in warm.entities_named("claude-code")] == ["entity:Claude Code"]


def test_missing_or_broken_graph_folder(tmp_path: Path) -> None:
    with pytest.raises(CastgraphError, match="no graph here"):
        open_graph_dir(tmp_path)
    (tmp_path / "graph.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(CastgraphError, match=r"graph.json: not a castgraph graph.json"):
        open_graph_dir(tmp_path)


@pytest.mark.parametrize("origins", [None, ["listed"], ["listed", "text_link"]])
def test_both_scorers_rank_mixed_origins_alike(tmp_path: Path, origins: list[str] | None,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    # The examples, linked: listed, title-pattern, hashtag and text-link mentions, so entity
    # terms come in several strength tiers.
    examples = Path(__file__).resolve().parents[1] / "examples"
    GraphBuilder(BuildOptions(inputs=[examples], out=tmp_path, html=False)).run()
    backend = open_graph_dir(tmp_path)
    episodes = backend.index.ep_ids

    def ranked() -> list[list[tuple[str, float, list[str]]]]:
        return [[(r.id, r.score, [s.id for s in r.shared_entities]) for r in
                 related_episodes(backend, e, limit=limit, origins=origins)]
                for e in episodes for limit in (1, 3, None)]

    all_at_once = ranked()
    # Again with every posting list kept across queries by tier (as a host's are), a few at a time.
    monkeypatch.setattr(networkx_backend, "_KEPT_POSTING_MIN", 1)
    monkeypatch.setattr(networkx_backend, "_KEPT_POSTINGS", 3)
    backend = open_graph_dir(tmp_path)
    assert ranked() == all_at_once
    monkeypatch.delattr(NetworkXQueries, "rank_terms")
    assert ranked() == all_at_once and sum(map(len, all_at_once)) > len(episodes)
