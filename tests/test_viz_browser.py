"""The pages in a real headless Chromium, offline: drawing, search, filters, hover, click, hostile text."""

from __future__ import annotations

import time

import pytest
from test_viz_graphs import PAYLOADS, hostile_graph, sample_graph

from castgraph.viz import comention_view, ego_view, episode_view, show, write_html, write_view_html
from castgraph.viz.synthetic import synthetic_graph

pytestmark = pytest.mark.browser

DRAWN = "() => network.body.data.nodes.getIds().slice().sort()"
LINKS = "() => network.body.data.edges.length"


def _point(page, node_id: str) -> tuple[float, float]:
    """Where ``node_id`` is on the screen."""
    pos = page.evaluate(
        """(id) => { const p = network.canvasToDOM(network.getPositions([id])[id]);
                     const box = document.getElementById('graph').getBoundingClientRect();
                     return [box.left + p.x, box.top + p.y]; }""", node_id)
    return pos[0], pos[1]


def _click(page, node_id: str) -> None:
    x, y = _point(page, node_id)
    page.mouse.click(x, y)


def _hover(page, node_id: str) -> None:
    x, y = _point(page, node_id)
    page.mouse.move(x - 30, y - 30)
    page.mouse.move(x, y, steps=4)
    page.wait_for_timeout(150)


@pytest.fixture
def sample_page(offline_page, tmp_path):
    path = write_html(sample_graph(), tmp_path / "graph.html", title="Sample")
    offline_page.open(path)
    return offline_page


def test_overview_loads_offline_and_draws_every_node(sample_page) -> None:
    page = sample_page.page
    graph = sample_graph()
    assert page.evaluate(DRAWN) == sorted(graph.nodes)
    # 13 edges, but e1's two mentions of GitHub are drawn as one link.
    assert graph.number_of_edges() == 13
    assert page.evaluate(LINKS) == 12
    assert page.evaluate("() => network.physics.physicsEnabled") is False  # stopped once laid out
    assert page.locator("#note").is_hidden()
    assert page.title() == "Sample"
    legend = page.locator("#legend label").all_inner_texts()
    types = ["Person", "Organization", "Product", "Concept", "Episode", "Topic"]
    assert [t.split()[0] for t in legend] == types
    sample_page.assert_clean()


def test_search_finds_by_name_alias_and_japanese_and_focuses(sample_page) -> None:
    page = sample_page.page
    assert page.evaluate("() => castgraph.find('llama')") == ["entity:llama"]
    assert page.evaluate("() => castgraph.find('ＧＩＴＨＵＢ')")[0] == "entity:github"  # full width
    assert page.evaluate("() => castgraph.find('符号')") == ["entity:ae", "episode:e2"]  # titles too
    assert page.evaluate("() => castgraph.find('zzz')") == []
    page.fill("#search", "shawn")
    assert page.locator("#search-results li .name").all_inner_texts() == ["swyx"]
    assert page.locator("#search-results li .type").all_inner_texts() == ["Person"]
    page.press("#search", "Enter")
    page.wait_for_function("() => castgraph.selected === 'entity:swyx'")
    assert page.locator("#panel h2").first.inner_text() == "swyx"
    assert page.evaluate("() => network.getSelectedNodes()") == ["entity:swyx"]
    sample_page.assert_clean()


def test_type_and_weight_filters(sample_page) -> None:
    page = sample_page.page
    page.locator('#legend label[data-type="Person"] input').uncheck()
    drawn = page.evaluate(DRAWN)
    assert "entity:swyx" not in drawn and "entity:kyle" not in drawn and "entity:github" in drawn
    page.locator('#legend label[data-type="Person"] input').check()
    page.fill("#min-weight", "2")
    assert page.evaluate(DRAWN) == ["entity:github", "episode:e1"]
    assert page.evaluate(LINKS) == 1
    assert "2 nodes · 1 links shown" in page.locator("#status").inner_text()
    # A search hit hidden by the filters is shown again when focused.
    page.evaluate("() => castgraph.focus('entity:llama')")
    assert "entity:llama" in page.evaluate(DRAWN)
    sample_page.assert_clean()


def test_click_highlights_neighbourhood_and_lists_episodes_with_timestamps(sample_page) -> None:
    page = sample_page.page
    _click(page, "entity:github")
    page.wait_for_function("() => castgraph.selected === 'entity:github'")
    items = page.locator("#panel ul.episodes li")
    assert items.count() == 2
    first, second = items.nth(0), items.nth(1)
    assert first.locator("a").get_attribute("href") == "https://example.com/e1"
    assert first.locator("a").inner_text() == "GitHub's Agent Era"
    assert "2025-11-24" in first.inner_text()
    assert second.locator("a").count() == 0  # no URL, no link
    assert "at 5:00 — GitHub の話" in second.inner_text()
    colors = page.evaluate(
        "() => Object.fromEntries(castgraph.nodes.get().map(n => [n.id, n.color.background]))")
    neighbours = {"entity:github", "episode:e1", "episode:e2"}
    assert all(not c.startswith("rgba(205") for n, c in colors.items() if n in neighbours)
    assert all(c.startswith("rgba(205") for n, c in colors.items() if n not in neighbours)
    # A click on empty space clears it.
    page.mouse.click(5, page.viewport_size["height"] - 5)
    page.wait_for_function("() => castgraph.selected === null")
    assert page.locator("#panel").is_hidden()
    sample_page.assert_clean()


def test_hover_shows_a_tooltip(sample_page) -> None:
    page = sample_page.page
    _hover(page, "entity:swyx")
    tooltip = page.locator("#tooltip")
    tooltip.wait_for(state="visible")
    assert tooltip.inner_text().splitlines() == ["swyx", "Person", "also: Shawn Wang", "Host of Latent Space",
                                                 "3 episodes"]
    sample_page.assert_clean()


@pytest.mark.parametrize("view", ["overview", "ego", "episode", "comention"])
def test_hostile_text_is_inert_everywhere(offline_page, tmp_path, view) -> None:
    graph = hostile_graph()
    path = tmp_path / "hostile.html"
    if view == "overview":
        write_html(graph, path, title=PAYLOADS[1])
    else:
        chosen = {"ego": ego_view(graph, "entity:h0", depth=2), "episode": episode_view(graph, "x0"),
                  "comention": comention_view(graph, min_weight=1)}[view]
        write_view_html(chosen, path, title=PAYLOADS[0])
    page = offline_page.open(path)
    names = page.evaluate("() => castgraph.data.nodes.map(n => [n.id, n.name])")
    assert len(names) == len(page.evaluate(DRAWN)) > 3
    hovered = 0
    for node_id, name in names:
        _hover(page, node_id)
        if page.locator("#tooltip").is_visible():  # a node drawn under another shows the other's
            hovered += page.locator("#tooltip .name").inner_text() == name
        _click(page, node_id)
        page.wait_for_function("(id) => castgraph.selected === id", arg=node_id)
        assert page.locator("#panel h2").first.inner_text() == name
        markup = "#panel img, #panel script, #panel svg, #panel b, #tooltip img, #tooltip svg"
        assert page.locator(markup).count() == 0
        hrefs = page.eval_on_selector_all("#panel a", "els => els.map(a => a.href)")
        assert all(h.startswith(("http://", "https://")) for h in hrefs)
    assert hovered >= len(names) // 2
    page.fill("#search", "<img")
    assert page.locator("#search-results li").count() > 0
    page.press("#search", "Enter")
    assert page.evaluate("() => window.__pwned") is None
    assert page.locator("body img, body svg").count() == 0
    assert page.locator("#heading").inner_text() in PAYLOADS[:2]
    offline_page.assert_clean()


def test_large_graph_draws_the_capped_part_and_says_so(offline_page, tmp_path) -> None:
    graph = synthetic_graph(5000, seed=2)
    path = write_html(graph, tmp_path / "large.html")
    start = time.perf_counter()
    page = offline_page.open(path)
    seconds = time.perf_counter() - start
    assert len(page.evaluate(DRAWN)) == 1500
    note = page.locator("#note")
    assert note.is_visible()
    assert f"Showing 1,500 of {graph.number_of_nodes():,} nodes" in note.inner_text()
    assert seconds < 30
    # Still responsive: a search and a click answer at once.
    hub = page.evaluate("() => castgraph.data.nodes[0].id")
    page.evaluate("(id) => castgraph.focus(id)", hub)
    page.wait_for_function("(id) => castgraph.selected === id", arg=hub, timeout=5000)
    offline_page.assert_clean()


def test_inline_notebook_frame_runs_offline(offline_page) -> None:
    frame_html = show(ego_view(sample_graph(), "GitHub"), height=600)._repr_html_()
    page = offline_page.page
    page.set_content(f"<!DOCTYPE html><html><body>{frame_html}</body></html>")
    frame = page.frames[1]
    frame.wait_for_function("() => window.castgraph && window.castgraph.ready === true", timeout=60_000)
    drawn = frame.evaluate(DRAWN)
    assert "entity:github" in drawn and "episode:e1" in drawn
    offline_page.assert_clean()


def test_empty_graph_gives_an_empty_page(offline_page, tmp_path) -> None:
    import networkx as nx

    page = offline_page.open(write_html(nx.MultiDiGraph(), tmp_path / "empty.html"))
    assert page.evaluate(DRAWN) == []
    assert page.locator("#status").inner_text() == "0 nodes · 0 links shown"
    offline_page.assert_clean()


def test_the_harness_sees_requests_and_script_errors(offline_page, tmp_path) -> None:
    # The offline checks above mean something only if a page that does reach out is caught.
    leaky = tmp_path / "leaky.html"
    leaky.write_text('<!DOCTYPE html><img src="https://example.com/x.png"><script>nosuch()</script>',
                     encoding="utf-8")
    offline_page.page.goto(leaky.as_uri())
    offline_page.page.wait_for_timeout(300)
    assert offline_page.requests == ["https://example.com/x.png"]
    assert any("nosuch" in e for e in offline_page.page_errors)
    with pytest.raises(AssertionError, match="requests attempted"):
        offline_page.assert_clean()


@pytest.mark.slow
def test_hundred_thousand_episodes_give_a_usable_page_in_seconds(offline_page, tmp_path) -> None:
    graph = synthetic_graph(100_000, seed=0)
    start = time.perf_counter()
    path = write_html(graph, tmp_path / "huge.html")
    made = time.perf_counter() - start
    start = time.perf_counter()
    page = offline_page.open(path)
    opened = time.perf_counter() - start
    assert len(page.evaluate(DRAWN)) == 1500
    assert page.locator("#note").is_visible()
    assert made < 20 and opened < 30, (made, opened)
    assert path.stat().st_size < 10_000_000
    offline_page.assert_clean()


def test_mentions_can_be_shown_or_hidden_by_how_they_were_obtained(offline_page, tmp_path) -> None:
    from castgraph.graph.build import build_graph
    from castgraph.graph.model import Chapter, Episode, Mention
    from castgraph.link import EntityLinker
    from castgraph.resolve import resolve

    episodes = [
        Episode(id="a", title="GitHub week", tags=["#cursor"],
                mentions=[Mention(surface="GitHub", type_label="Organization")]),
        Episode(id="b", title="Editors", mentions=[Mention(surface="Cursor", type_label="Product")],
                chapters=[Chapter(title="Intro", start=0), Chapter(title="Moving off GitHub", start=754.0)]),
    ]
    linker = EntityLinker()
    resolution = resolve(episodes)
    linker.link(episodes, resolution).apply(episodes, resolution)
    graph = build_graph(episodes, resolution)
    offline_page.open(write_html(graph, tmp_path / "graph.html", title="Origins"))
    page = offline_page.page
    labels = page.locator("#origins label")
    texts = [t.split("\n")[0] for t in labels.all_inner_texts()]
    assert texts == ["listed", "a hashtag", "found in the text"]
    # Four mentions (two listed, a hashtag, a text link) and one topic link.
    assert page.evaluate(LINKS) == 5
    page.locator('#origins label[data-origin="text_link"] input').uncheck()
    page.wait_for_function(f"() => {LINKS[6:]} === 4")
    page.locator('#origins label[data-origin="hashtag"] input').uncheck()
    page.wait_for_function(f"() => {LINKS[6:]} === 3")
    page.evaluate("() => castgraph.setOrigins(['text_link'])")
    assert page.evaluate(LINKS) == 2  # the text link and the topic link
    assert page.locator('#origins label[data-origin="listed"] input').is_checked() is False
    page.evaluate("() => castgraph.setOrigins(['listed', 'hashtag', 'text_link'])")
    # The side panel says where and how an entity was found.
    _click(page, next(n for n, d in graph.nodes(data=True) if d.get("name") == "GitHub"))
    items = page.locator("#panel ul.episodes li").all_inner_texts()
    assert any("at 12:34 — Moving off GitHub · found in the text" in t for t in items), items
    offline_page.assert_clean()
