"""Views and page generation, without a browser."""

from __future__ import annotations

import html
import re

import networkx as nx
import pytest
from test_viz_graphs import PAYLOADS, hostile_graph, sample_graph

from castgraph.errors import CastgraphError
from castgraph.queries.comention import comention_graph
from castgraph.viz import (
    comention_view,
    ego_view,
    embed_json,
    episode_view,
    overview_view,
    render_html,
    show,
    view_from_comention,
    write_comention_html,
    write_html,
)
from castgraph.viz.synthetic import synthetic_graph
from castgraph.viz.views import select_connected


def _ids(view) -> set[str]:
    return {n["id"] for n in view.nodes}


def _node(view, node_id):
    return next(n for n in view.nodes if n["id"] == node_id)


def test_overview_shows_every_node_and_aggregates_parallel_mentions() -> None:
    graph = sample_graph()
    view = overview_view(graph)
    assert _ids(view) == set(graph.nodes)
    weights = {(e["from"], e["to"]): e["weight"] for e in view.edges}
    # "GitHub" and "github.com" in e1 are two MENTIONS edges: one link of weight 2.
    assert weights[("entity:github", "episode:e1")] == 2
    assert sorted(weights.values()).count(2) == 1
    assert len(view.edges) == len({frozenset((u, v)) for u, v in graph.edges()})
    assert view.note == ""


def test_entity_lists_its_episodes_newest_first_with_the_chapter_naming_it() -> None:
    view = overview_view(sample_graph())
    github = _node(view, "entity:github")
    assert [r[0] for r in github["refs"]] == ["episode:e1", "episode:e2"]
    # e2 discusses GitHub in its chapter "GitHub の話" at 5:00; no e1 chapter names it.
    assert github["refs"][1][1:3] == [300, "GitHub の話"]
    assert github["refs"][0][1] is None
    copilot = _node(view, "entity:copilot")["refs"]
    assert [r[:3] for r in copilot] == [["episode:e1", 754, "Copilot's next act"]]
    assert github["episodes"] == 2 and github["aliases"] == ["github.com"]
    assert view.episodes["episode:e1"]["url"] == "https://example.com/e1"
    assert view.episodes["episode:e2"]["url"] == ""


def test_only_web_urls_survive() -> None:
    view = overview_view(hostile_graph())
    episodes = [n for n in view.nodes if n["kind"] == "Episode"]
    assert episodes and all(n["url"] == "" for n in episodes)
    assert all(e["url"] == "" for e in view.episodes.values())


def test_unknown_types_become_other() -> None:
    view = overview_view(hostile_graph())
    assert _node(view, "entity:h3")["type"] == "Other"


def test_large_graph_keeps_the_most_connected_part_connected_and_says_what_was_left_out() -> None:
    graph = synthetic_graph(3000, seed=3)
    view = overview_view(graph, max_nodes=500)
    assert len(view.nodes) == 500
    shown = nx.Graph()
    shown.add_nodes_from(_ids(view))
    shown.add_edges_from((e["from"], e["to"]) for e in view.edges)
    assert nx.number_connected_components(shown) == 1
    degree = {n: len(set(graph.predecessors(n)) | set(graph.successors(n))) for n in graph}
    assert max(degree, key=lambda n: (degree[n], n)) in _ids(view)
    total = graph.number_of_nodes()
    assert f"Showing 500 of {total:,} nodes" in view.note
    counts = re.findall(r"([\d,]+) (?:entities|entity|episodes?|topics?)\b", view.note.split("Left out:")[1])
    left = sum(int(x.replace(",", "")) for x in counts)
    assert left == total - 500


def test_select_connected_starts_new_parts_only_when_one_is_used_up() -> None:
    adj = {"a": {"b": 1}, "b": {"a": 1}, "hub": {"x": 1, "y": 1, "z": 1}, "x": {"hub": 1}, "y": {"hub": 1},
           "z": {"hub": 1}}
    assert select_connected(adj, 4) == ["hub", "x", "y", "z"]
    assert select_connected(adj, 5)[:4] == ["hub", "x", "y", "z"]
    assert select_connected(adj, 100) == ["hub", "x", "y", "z", "a", "b"]


def test_pages_do_not_depend_on_insertion_order() -> None:
    graph = sample_graph()
    shuffled = nx.MultiDiGraph(**graph.graph)
    shuffled.add_nodes_from(reversed(list(graph.nodes(data=True))))
    shuffled.add_edges_from(reversed(list(graph.edges(keys=True, data=True))))
    assert render_html(graph) == render_html(shuffled)
    assert render_html(view=ego_view(graph, "swyx")) == render_html(view=ego_view(shuffled, "swyx"))


def test_ego_view_depths_and_lookup_by_alias() -> None:
    graph = sample_graph()
    assert _ids(ego_view(graph, "Shawn Wang", depth=0)) == {"entity:swyx"}
    assert _ids(ego_view(graph, "LLAMA", depth=1)) == {"entity:llama", "episode:e3", "entity:swyx"}
    full = ego_view(graph, "ｓｗｙｘ", depth=1)  # full-width letters find the same entity
    assert full.center == "entity:swyx" and _ids(full) == set(graph.nodes)
    assert full.nodes[0]["id"] == "entity:swyx"


def test_ego_view_caps_nodes_nearest_first() -> None:
    graph = synthetic_graph(2000, seed=1)
    hub = max((n for n, a in graph.nodes(data=True) if a["label"] == "Entity"),
              key=lambda n: (graph.nodes[n]["episode_count"], n))
    view = ego_view(graph, hub, depth=1, max_nodes=300)
    assert len(view.nodes) == 300 and "nearest" in view.note
    # The hub's own episodes come before any entity two steps away.
    own = set(graph.predecessors(hub))
    assert len(own) >= 299
    assert _ids(view) - {hub} <= own


def test_unknown_names_give_one_line_errors() -> None:
    with pytest.raises(CastgraphError, match=r"^no entity or topic or episode matches 'Nobody'$"):
        ego_view(sample_graph(), "Nobody")
    with pytest.raises(CastgraphError, match=r"^no episode has the id or a title containing 'swyx'"):
        episode_view(sample_graph(), "swyx")


def test_episode_view_has_mentions_topics_and_related_episodes() -> None:
    view = episode_view(sample_graph(), "自己符号化器の回")
    assert view.center == "episode:e2"
    assert _ids(view) == {"episode:e2", "entity:ae", "entity:github", "entity:swyx", "topic:ai-agents",
                          "topic:機械学習", "episode:e1", "episode:e3"}
    assert view.episodes["episode:e2"]["chapters"] == [[0, "導入"], [300, "GitHub の話"]]


def test_comention_view_uses_shared_episode_counts() -> None:
    graph = sample_graph()
    strong = comention_view(graph, min_weight=2)
    assert _ids(strong) == {"entity:github", "entity:swyx"}
    assert [e["weight"] for e in strong.edges] == [2]
    everything = comention_view(graph, min_weight=1)
    assert _ids(everything) == {n for n, a in graph.nodes(data=True) if a["label"] == "Entity"}
    # Without the graph, names and types come from the edges themselves.
    bare = view_from_comention(comention_graph(graph, min_weight=2))
    assert {n["name"] for n in bare.nodes} == {"GitHub", "swyx"}
    assert {n["type"] for n in bare.nodes} == {"Organization", "Person"}


def test_embed_json_cannot_close_the_script_block() -> None:
    text = embed_json({"a": "</script><!-- & \u2028"})
    assert "<" not in text and ">" not in text and "&" not in text and "\u2028" not in text


def test_hostile_text_never_appears_as_markup(tmp_path) -> None:
    graph = hostile_graph()
    views = [ego_view(graph, "entity:h0", depth=2), episode_view(graph, "x1"),
             comention_view(graph, min_weight=1)]
    pages = [render_html(graph, title=PAYLOADS[0]), *(render_html(view=v) for v in views)]
    for page in pages:
        # Markup never appears raw; the quote-only payload may, but only inside the JSON block.
        for payload in [*PAYLOADS[:4], "<b>bold</b>", "javascript:alert", "JaVaScRiPt:"]:
            assert payload not in page
        opening = '<script type="application/json" id="castgraph-data">'
        data_block = page.split(opening)[1].split("</script>")[0]
        assert page.count(PAYLOADS[4]) == data_block.count(PAYLOADS[4]) > 0
        assert page.count("</script>") == 3  # the data block, vis-network and the viewer
        assert re.search(r"<(?:script|img|link|iframe)[^>]*\s(?:src|href)=", page, re.I) is None


def test_write_html_and_comention_page(tmp_path) -> None:
    graph = sample_graph()
    path = write_html(graph, tmp_path / "sub" / "graph.html", title="Latent Space")
    text = path.read_text(encoding="utf-8")
    assert "<title>Latent Space</title>" in text and '"kind":"overview"' in text
    page = write_comention_html(comention_graph(graph), tmp_path / "c.html", graph=graph)
    assert '"kind":"comention"' in page.read_text(encoding="utf-8")


def test_show_wraps_the_page_in_a_sandboxed_srcdoc() -> None:
    graph = hostile_graph()
    frame = show(graph, height=500)
    markup = frame._repr_html_()
    frame_re = r'<iframe sandbox="allow-scripts allow-popups" style="[^"]*" srcdoc="([^"]*)"></iframe>'
    match = re.fullmatch(frame_re, markup)
    assert match is not None
    assert html.unescape(match.group(1)) == render_html(graph)
    assert show(ego_view(graph, "entity:h1")).page == render_html(view=ego_view(graph, "entity:h1"))
    assert ego_view(graph, "entity:h1")._repr_html_() == show(ego_view(graph, "entity:h1"))._repr_html_()


def test_odd_attribute_types_from_a_store_do_not_break_views() -> None:
    graph = nx.MultiDiGraph()
    chapters = [1, {"start": "x", "title": "AB", "quotes": 7}]
    graph.add_node("episode:e", label="Episode", title="E", chapters=chapters)
    graph.add_node("entity:a", label="Entity", name="AB", aliases=5, type=None, episode_count="many")
    graph.add_node("episode:f", label="Episode", title="F", chapters=3)
    graph.add_edge("episode:e", "entity:a", key="m0")
    graph.add_edge("episode:f", "entity:a", key="m0")
    view = overview_view(graph)
    a = _node(view, "entity:a")
    assert (a["aliases"], a["type"], a["episodes"]) == (["5"], "Other", 2)
    # "AB" names the chapter titled "AB", which has no usable start time.
    assert a["refs"] == [["episode:f", None, "", ""], ["episode:e", None, "AB", ""]]
    assert view.episodes["episode:e"]["chapters"] == [[None, "AB"]]
    assert _ids(ego_view(graph, "5")) == {"entity:a", "episode:e", "episode:f"}


def test_viewer_and_profile_agree_on_where_an_entity_is_discussed() -> None:
    from castgraph.graph.build import build_graph
    from castgraph.graph.model import Chapter, Entity, EntityType, Episode, Mention, Resolution
    from castgraph.queries import entity_profile

    ep = Episode(id="e1", title="T", mentions=[Mention(surface="AI")],
                 chapters=[Chapter(title="Said hi", start=0), Chapter(title="AI talk", start=60)])
    ai = Entity(id="entity:ai", name="AI", type=EntityType.CONCEPT, former_ids=["entity:old"])
    res = Resolution(entities=[ai], assignments={"e1#0": "entity:ai"})
    graph = build_graph([ep], res)
    ref = _node(overview_view(graph), "entity:ai")["refs"][0]
    profile = entity_profile(graph, "AI")
    assert ref[1:3] == [60.0, "AI talk"] == [profile.episodes[0].chapters[0].start,
                                            profile.episodes[0].chapters[0].title]
    # An id absorbed in an incremental build still finds its entity, as `castgraph entity` does.
    assert ego_view(graph, "entity:old").center == "entity:ai" == entity_profile(graph, "entity:old").id


def test_chapter_words_find_what_the_chapter_pattern_finds() -> None:
    import random

    from castgraph.queries.profile import chapter_pattern
    from castgraph.viz.views import chapter_words, has_word

    rng = random.Random(7)
    pieces = ["ai", "AI", "ai lab", "lab", "Said", "x", "9", "_", " ", "\n", "-", "の", "Kyle", "kyle2", "é"]
    checked = found = 0
    for _ in range(3000):
        surfaces = [rng.choice(pieces) + rng.choice(["", " ", "s"]) for _ in range(rng.randint(0, 3))]
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 8))).casefold()
        pattern = chapter_pattern(surfaces)
        expected = pattern is not None and pattern.search(text) is not None
        assert has_word(text, chapter_words(surfaces)) == expected, (surfaces, text)
        checked += 1
        found += expected
    assert 0 < found < checked  # both answers were put to the test
