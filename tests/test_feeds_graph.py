"""Feeds and tables in the graph: one entity per person across formats, roles on edges, shows in
queries, the same properties on Neo4j, in incremental builds and in the viewer's data."""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path
from typing import Any

import networkx as nx
import pytest
from click.testing import CliRunner
from conftest import ROOT
from test_neo4j_store import edges_of, nodes_of

from castgraph.cli import main
from castgraph.graph.build import build_graph
from castgraph.graph.neo4j_store import Neo4jStore
from castgraph.graph.networkx_store import NetworkXStore, read_graph_json
from castgraph.loaders import episodes_from_graph, read_episodes, read_feed
from castgraph.pipeline import BuildOptions, GraphBuilder
from castgraph.queries import show_episodes, show_people
from castgraph.resolve import resolve
from castgraph.viz.views import overview_view

SAMPLES = ROOT / "samples"
CAPTURED = date(2026, 11, 25)


@pytest.fixture(scope="module")
def mixed(tmp_path_factory: pytest.TempPathFactory, real_page_path: Path) -> tuple[Path, nx.MultiDiGraph]:
    """A folder with the real page, JSONL records, two RSS feeds and two tables, built into one graph."""
    folder = tmp_path_factory.mktemp("mixed")
    shutil.copy(real_page_path, folder / "latent-space-page.txt")
    shutil.copy(ROOT / "examples" / "episodes.jsonl", folder / "episodes.jsonl")
    shutil.copytree(SAMPLES / "feeds", folder / "feeds")
    shutil.copytree(SAMPLES / "tables", folder / "tables")
    out = tmp_path_factory.mktemp("out")
    GraphBuilder(BuildOptions(inputs=[folder], out=out, as_of=CAPTURED, html=False)).run()
    return folder, read_graph_json(out / "graph.json")


def _entities_named(graph: nx.MultiDiGraph, *names: str) -> set[str]:
    wanted = {n.casefold() for n in names}
    return {
        v
        for u, v, d in graph.edges(data=True)
        if d.get("type") == "MENTIONS" and d["surface"].casefold() in wanted
    }


def test_one_entity_per_real_person_across_feeds_and_formats(mixed: tuple[Path, nx.MultiDiGraph]) -> None:
    _, graph = mixed
    labels = {d.get("source") for _, d in graph.nodes(data=True) if d.get("label") == "Episode"}
    assert {Path(str(s).split(",")[0]).suffix for s in labels} == {
        ".txt",
        ".jsonl",
        ".xml",
        ".rss",
        ".csv",
        ".tsv",
    }
    # swyx: the real page, the clean feed (by name), the broken feed ("Shawn Wang", same href), the records.
    (swyx,) = _entities_named(graph, "swyx", "Shawn Wang", "Shawn Wang / swyx")
    sources = {
        graph.nodes[u]["source"].split(",")[0].rsplit(".", 1)[-1]
        for u, v, d in graph.edges(data=True)
        if v == swyx
    }
    assert sources >= {"txt", "xml", "rss", "jsonl"}
    # Kyle Daigle: the real page, the broken feed and both tables.
    (kyle,) = _entities_named(graph, "Kyle Daigle")
    assert graph.nodes[kyle]["episode_count"] >= 4
    (lilian,) = _entities_named(graph, "Lilian Park")
    assert graph.nodes[lilian]["type"] == "Person"
    (priya,) = _entities_named(graph, "Priya Raman")
    assert graph.nodes[priya]["episode_count"] >= 3


def test_every_person_of_every_item_is_in_the_graph_with_its_role(
    mixed: tuple[Path, nx.MultiDiGraph],
) -> None:
    folder, graph = mixed
    expected = set()
    for feed in ("feeds/tech-talks-weekly.xml", "feeds/agents-weekly.rss"):
        for ep in read_feed(folder / feed).episodes:
            expected |= {(f"episode:{ep.id}", m.surface, m.role, m.href) for m in ep.mentions}
    found = {
        (u, d["surface"], d.get("role"), d.get("href", ""))
        for u, v, d in graph.edges(data=True)
        if d.get("origin") == "person_tag"
    }
    assert expected and found == expected
    entity_of = {(u, d["surface"]): v for u, v, d in graph.edges(data=True) if d.get("role")}
    assert all((u, surface) in entity_of for u, surface, _, _ in expected)


def test_show_queries_on_the_mixed_graph(mixed: tuple[Path, nx.MultiDiGraph]) -> None:
    _, graph = mixed
    guests = show_people(graph, "tech talks weekly", role="guest")
    assert [(p.name, p.episodes) for p in guests] == [("Lilian Park", 1), ("Priya Raman", 1), ("swyx", 1)]
    hosts = show_people(graph, "Tech Talks Weekly", role="host")
    assert [(p.name, p.episodes) for p in hosts] == [("Maya Chen", 5)]
    # The show's episodes from its feed and from the JSONL records, newest first.
    episodes = show_episodes(graph, "Tech Talks Weekly")
    numbered = [(e.season, e.episode_number) for e in episodes if e.episode_number is not None]
    assert numbered == [(3, 42), (3, 41), (None, 40)]
    assert len(episodes) > 5 and {e.id for e in episodes} >= {"episode:ttw-2026-09-02"}
    dates = [e.published for e in episodes if e.published]
    assert dates == sorted(dates, reverse=True)
    # The table's show comes with the table's roles.
    assert [p.name for p in show_people(graph, "Builders on Air", role="guest")] == [
        "José Valim",
        "Kyle Daigle",
        "Lilian Park",
        "Thomas Dohmke",
    ]


def test_feed_properties_on_the_episode_nodes(mixed: tuple[Path, nx.MultiDiGraph]) -> None:
    _, graph = mixed
    node = graph.nodes["episode:ttw-2026-11-18-agents-at-work"]
    assert node["show"] == "Tech Talks Weekly" and node["show_author"] == "Maya Chen"
    assert node["show_categories"] == ["Technology", "Software How-To", "Business"]
    assert (node["season"], node["episode_number"]) == (3, 42)
    assert node["enclosure_url"] == "https://media.techtalks.example.org/ttw-042.mp3"
    assert node["transcript"][1] == {
        "text": "Thanks Maya. I run Latent Space, and we talk to AI engineers every week.",
        "start": 4.2,
        "end": 9.8,
        "speaker": "swyx",
    }
    assert [c["title"] for c in node["chapters"]][-1] == "Claude Code vs. Codex"
    assert node["chapters"][2] == {
        "title": "Evals before agents",
        "start": 1210.0,
        "summary": "",
        "quotes": [],
        "end": 2400.0,
        "img": "https://techtalks.example.org/art/evals.png",
    }
    page_node = next(
        d
        for _, d in graph.nodes(data=True)
        if str(d.get("source", "")).endswith(".txt") or ".txt," in str(d.get("source", ""))
    )
    assert not any(k.startswith(("show_", "enclosure", "transcript")) for k in page_node)


def test_incremental_build_keeps_roles_and_show_data() -> None:
    result = read_episodes([SAMPLES])
    graph = build_graph(result.episodes, resolve(result.episodes))
    back = episodes_from_graph(graph)
    again = build_graph(back, resolve(back))
    assert nodes_of(again) == nodes_of(graph) and edges_of(again) == edges_of(graph)


@pytest.mark.neo4j
def test_neo4j_stores_and_reads_back_the_feed_properties(neo4j_store: Neo4jStore, tmp_path: Path) -> None:
    result = read_episodes([SAMPLES])
    graph = build_graph(result.episodes, resolve(result.episodes))
    NetworkXStore(tmp_path).write(graph)
    on_disk = read_graph_json(tmp_path / "graph.json")
    neo4j_store.write(graph)
    stored = neo4j_store.read()
    without_id = {n: {k: v for k, v in d.items() if k != "id"} for n, d in nodes_of(stored).items()}
    assert without_id == nodes_of(on_disk)
    assert edges_of(stored) == edges_of(on_disk)
    _, rows = neo4j_store.run(
        "MATCH (e:Episode)-[r:MENTIONS]->(p:Person) WHERE e.show = $show AND r.role = 'guest' "
        "RETURN DISTINCT p.name AS name ORDER BY name",
        {"show": "Tech Talks Weekly"},
    )
    # swyx of one feed and Shawn Wang of the other share an href: one person, named by the longer name.
    assert [r["name"] for r in rows] == ["Lilian Park", "Priya Raman", "Shawn Wang"]


def test_cli_show_command(tmp_path: Path) -> None:
    out = tmp_path / "out"
    built = CliRunner().invoke(main, ["build", str(SAMPLES), "--out", str(out), "--no-html"])
    assert built.exit_code == 0, built.output
    result = CliRunner().invoke(
        main, ["show", "tech talks weekly", "--role", "guest", "--graph", str(out), "--json"]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert [p["name"] for p in data["people"]] == ["Lilian Park", "Priya Raman", "Shawn Wang"]
    assert len(data["episodes"]) == 5
    listing = CliRunner().invoke(main, ["show", "--graph", str(out)])
    assert "Tech Talks Weekly" in listing.output and "Builders on Air" in listing.output
    missing = CliRunner().invoke(main, ["show", "Tech Talk Weekly!", "--graph", str(out)])
    assert missing.exit_code == 1 and "did you mean: Tech Talks Weekly" in missing.output


def test_viewer_data_carries_roles_and_numbers() -> None:
    result = read_episodes([SAMPLES])
    graph = build_graph(result.episodes, resolve(result.episodes))
    view = overview_view(graph)
    records: dict[str, Any] = {n["id"]: n for n in view.nodes}
    episode = records["episode:ttw-2026-11-18-agents-at-work"]
    assert episode["number"] == "S3 · E42" and episode["author"] == "Maya Chen"
    assert sorted(episode["roles"].values()) == ["guest", "host"]
    maya = next(n for n in view.nodes if n["name"] == "Maya Chen")
    assert maya["roles"] == [["host", 5]]


def test_records_carry_roles_and_hrefs_and_join_feed_persons_by_href() -> None:
    from castgraph.loaders import parse_records

    record = parse_records('{"title": "Ep", "entities": [{"name": "S. Wang", "type": "Person", '
                           '"role": "Guest", "href": "https://people.example.org/swyx"}]}', source="r.jsonl")
    (mention,) = record.episodes[0].mentions
    assert (mention.role, mention.href) == ("guest", "https://people.example.org/swyx")
    episodes = [*record.episodes, *read_episodes([SAMPLES / "feeds"]).episodes]
    graph = build_graph(episodes, resolve(episodes))
    assert len(_entities_named(graph, "S. Wang", "swyx", "Shawn Wang")) == 1
