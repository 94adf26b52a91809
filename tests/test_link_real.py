"""Mentions found in the text of the real page (12 Latent Space episodes, English and Japanese)."""

from __future__ import annotations

from pathlib import Path

import networkx as nx
import pytest

from castgraph.pipeline import BuildOptions, GraphBuilder
from castgraph.queries import entity_profile, related_episodes

CAPTURED = "2026-11-25"


@pytest.fixture(scope="module")
def built(real_page_path: Path, tmp_path_factory: pytest.TempPathFactory) -> nx.MultiDiGraph:
    from datetime import date

    builder = GraphBuilder(BuildOptions(inputs=[real_page_path], out=tmp_path_factory.mktemp("real"),
                                        as_of=date.fromisoformat(CAPTURED), html=False))
    builder.run()
    assert builder.graph is not None
    return builder.graph


def _entity(graph: nx.MultiDiGraph, name: str) -> str:
    (found,) = [n for n, d in graph.nodes(data=True) if d["label"] == "Entity" and d["name"] == name]
    return found


def _episode(graph: nx.MultiDiGraph, fragment: str) -> str:
    (found,) = [n for n, d in graph.nodes(data=True) if d["label"] == "Episode" and fragment in d["title"]]
    return found


def test_the_github_episode_is_connected_to_github(built: nx.MultiDiGraph) -> None:
    github, episode = _entity(built, "GitHub"), _episode(built, "GitHub's Agent Era")
    edges = list((built.get_edge_data(episode, github) or {}).values())
    assert edges and {e.get("origin", "listed") for e in edges} <= {"hashtag", "text_link"}
    # Placed where the text discusses it: a chapter with its start time.
    (edge,) = edges
    chapter = built.nodes[episode]["chapters"][edge["chapter"]]
    assert edge["timestamp"] == chapter["start"] and edge["occurrences"] > 10
    text = chapter["title"] if edge["field"] == "chapter_title" else chapter["summary"]
    assert text[slice(*edge["span"])] == "GitHub"
    # ... so that related episodes now reach the Daytona and Railway episodes through GitHub.
    related = {r.id: r for r in related_episodes(built, episode, limit=None)}
    for other in ("Daytona", "Railway"):
        assert "GitHub" in [s.name for s in related[_episode(built, other)].shared_entities]


def test_hashtags_that_name_entities_are_tied_to_them(built: nx.MultiDiGraph) -> None:
    named = (("github", "GitHub"), ("gpt-5", "GPT-5"), ("abridge", "Abridge"), ("cloudflare", "Cloudflare"))
    for tag, name in named:
        entity = built.nodes[f"topic:{tag}"].get("entity")
        assert entity is not None and built.nodes[entity]["name"].startswith(name), tag
        tagged = {u for u, _, d in built.in_edges(f"topic:{tag}", data=True) if d["type"] == "HAS_TOPIC"}
        mentioning = {u for u, _, d in built.in_edges(entity, data=True) if d["type"] == "MENTIONS"}
        assert tagged <= mentioning, tag  # the topic's episodes are the entity's episodes too
    # A tag naming no entity stays a topic only.
    assert "entity" not in built.nodes["topic:ai-agents"]


def test_japanese_episodes_get_links_on_script_boundaries(built: nx.MultiDiGraph) -> None:
    episode = _episode(built, "Abridgeの内側")
    linked = {built.nodes[v]["name"]: d for _, v, d in built.out_edges(episode, data=True)
              if d.get("origin") == "text_link"}
    assert "Claude" in linked and "Temporal" in linked
    for name, edge in linked.items():
        chapter = built.nodes[episode]["chapters"][edge["chapter"]]
        text = chapter["title"] if edge["field"] == "chapter_title" else chapter["summary"]
        assert text[slice(*edge["span"])].casefold() == edge["surface"].casefold(), name


def test_every_mention_says_how_it_was_obtained_and_listed_ones_where(built: nx.MultiDiGraph) -> None:
    edges = [d for _, _, d in built.edges(data=True) if d["type"] == "MENTIONS"]
    origins = {d.get("origin", "listed") for d in edges}
    assert origins == {"listed", "text_link", "hashtag"}
    listed = [d for d in edges if d.get("origin", "listed") == "listed"]
    assert len(listed) == 137
    assert sum(1 for d in listed if d.get("timestamp") is not None) > 100  # placed at their chapter
    # Text links stay a minority: the graph is not flooded.
    assert sum(1 for d in edges if d.get("origin", "listed") == "text_link") < len(listed) / 4


def test_profile_says_when_the_entity_is_discussed(built: nx.MultiDiGraph) -> None:
    profile = entity_profile(built, "GitHub")
    by_title = {a.title: a for a in profile.episodes}
    github_ep = next(a for t, a in by_title.items() if t.startswith("GitHub's Agent Era"))
    assert github_ep.origins == ["hashtag"] and github_ep.discussed_at is not None
    assert github_ep.chapters and github_ep.chapters[0].start == github_ep.discussed_at


def test_related_rankings_still_make_sense(built: nx.MultiDiGraph) -> None:
    # Checked by hand: Daytona and Railway are still each other's best match, and a text
    # link alone (Claude, Temporal) never outranks what two episodes both list.
    daytona, railway = _episode(built, "Daytona"), _episode(built, "Railway")
    assert related_episodes(built, daytona, limit=1)[0].id == railway
    assert related_episodes(built, railway, limit=1)[0].id == daytona
    only_listed = related_episodes(built, _episode(built, "Matt Pocock"), limit=3, origins=["listed"])
    assert only_listed[0].title.startswith("Abridge")  # as before the linker: through Claude Code


def test_cli_entity_and_related_show_origins(real_page_path: Path, tmp_path: Path) -> None:
    import json

    from click.testing import CliRunner

    from castgraph.cli import main

    runner = CliRunner()
    out = tmp_path / "g"
    done = runner.invoke(main, ["build", str(real_page_path), "--as-of", CAPTURED, "--out", str(out),
                                "--no-html"])
    assert done.exit_code == 0, done.output
    assert "text_link" in done.output and "hashtag" in done.output  # mentions by origin in the report
    profile = runner.invoke(main, ["entity", "GitHub", "--graph", str(out), "--json"])
    assert profile.exit_code == 0, profile.output
    episodes = json.loads(profile.output)["episodes"]
    agent_era = next(e for e in episodes if e["title"].startswith("GitHub's Agent Era"))
    assert agent_era["origins"] == ["hashtag"] and agent_era["discussed_at"] is not None
    table = runner.invoke(main, ["entity", "GitHub", "--graph", str(out)], terminal_width=200)
    assert "discussed at" in table.output and "hashtag" in table.output
    listed_only = runner.invoke(main, ["related", "Matt Pocock", "--graph", str(out), "--origin", "listed",
                                       "--json"])
    assert json.loads(listed_only.output)[0]["title"].startswith("Abridge")
    bad = runner.invoke(main, ["related", "Matt Pocock", "--graph", str(out), "--origin", "rumour"])
    assert bad.exit_code == 2 and "rumour" in bad.output
