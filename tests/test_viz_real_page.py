"""Every view of the real Latent Space page, offline in Chromium.

Set ``CASTGRAPH_DOCS_SCREENSHOT=1`` to also refresh ``docs/screenshot.png``
(the README's picture) from the overview.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import networkx as nx
import pytest

from castgraph.graph.build import build_graph
from castgraph.loaders import read_episodes
from castgraph.queries.comention import comention_graph
from castgraph.resolve import resolve
from castgraph.viz import comention_view, ego_view, episode_view, write_html, write_view_html

pytestmark = pytest.mark.browser

DOCS = Path(__file__).resolve().parent.parent / "docs"
DRAWN = "() => network.body.data.nodes.getIds().slice().sort()"
JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")


@pytest.fixture(scope="module")
def real_graph(real_page_path) -> nx.MultiDiGraph:
    loaded = read_episodes([real_page_path])
    return build_graph(loaded.episodes, resolve(loaded.episodes))


def _top_entity(graph: nx.MultiDiGraph) -> tuple[str, dict]:
    entities = [(n, a) for n, a in graph.nodes(data=True) if a["label"] == "Entity"]
    return max(entities, key=lambda na: (na[1]["episode_count"], na[0]))


def test_overview_of_the_real_page(offline_page, real_graph, tmp_path) -> None:
    path = write_html(real_graph, tmp_path / "graph.html", title="Latent Space")
    page = offline_page.open(path)
    assert page.evaluate(DRAWN) == sorted(real_graph.nodes)
    episodes = [n for n, a in real_graph.nodes(data=True) if a["label"] == "Episode"]
    assert len(episodes) == 12
    # Japanese names are found by search, and focusing one selects it.
    japanese = sorted(n for n, a in real_graph.nodes(data=True)
                      if a["label"] == "Entity" and JAPANESE.search(a["name"]))
    assert japanese
    name = real_graph.nodes[japanese[0]]["name"]
    page.fill("#search", name)
    page.press("#search", "Enter")
    page.wait_for_function("(id) => castgraph.selected === id", arg=japanese[0])
    assert page.locator("#panel h2").first.inner_text() == name
    # The most discussed entity lists all its episodes, each a link to an http(s) page when it has one.
    top, attrs = _top_entity(real_graph)
    page.evaluate("(id) => { network.fit(); castgraph.select(id); }", top)
    items = page.locator("#panel ul.episodes li")
    assert items.count() == attrs["episode_count"] > 1
    hrefs = page.eval_on_selector_all("#panel ul.episodes a", "els => els.map(a => a.href)")
    assert all(h.startswith(("http://", "https://")) for h in hrefs)
    page.screenshot(path=str(tmp_path / "screenshot.png"))
    if os.environ.get("CASTGRAPH_DOCS_SCREENSHOT") == "1":
        DOCS.mkdir(exist_ok=True)
        page.fill("#search", "")
        page.set_viewport_size({"width": 1400, "height": 900})
        page.wait_for_timeout(300)
        page.evaluate("(id) => { castgraph.focus(id); network.fit({animation: false}); }", top)
        page.wait_for_timeout(300)
        page.screenshot(path=str(DOCS / "screenshot-selected.png"))
        page.mouse.click(5, 895)  # clear the selection
        page.wait_for_function("() => castgraph.selected === null")
        page.evaluate("() => network.fit({animation: false})")
        page.wait_for_timeout(300)
        page.screenshot(path=str(DOCS / "screenshot.png"))
    offline_page.assert_clean()


def test_ego_view_of_the_real_page(offline_page, real_graph, tmp_path) -> None:
    top, attrs = _top_entity(real_graph)
    view = ego_view(real_graph, attrs["name"], depth=1)
    page = offline_page.open(write_view_html(view, tmp_path / "ego.html"))
    drawn = set(page.evaluate(DRAWN))
    own = set(real_graph.predecessors(top))
    # Depth 1: its episodes, and the entities and topics of those episodes.
    mentioned = {n for ep in own for n in real_graph.successors(ep)}
    assert drawn == {top} | own | mentioned
    offline_page.assert_clean()


def test_comention_view_of_the_real_page(offline_page, real_graph, tmp_path) -> None:
    edges = comention_graph(real_graph, min_weight=2)
    assert edges
    page = offline_page.open(write_view_html(comention_view(real_graph, min_weight=2), tmp_path / "c.html"))
    assert set(page.evaluate(DRAWN)) == {e.source.id for e in edges} | {e.target.id for e in edges}
    assert page.evaluate("() => network.body.data.edges.length") == len(edges)
    offline_page.assert_clean()


def test_episode_view_of_the_real_page(offline_page, real_graph, tmp_path) -> None:
    episodes = sorted((a["title"], n) for n, a in real_graph.nodes(data=True)
                      if a["label"] == "Episode" and JAPANESE.search(a["title"]))
    title, node = episodes[0]
    page = offline_page.open(write_view_html(episode_view(real_graph, title), tmp_path / "e.html"))
    drawn = set(page.evaluate(DRAWN))
    assert node in drawn and set(real_graph.successors(node)) <= drawn
    page.evaluate("(id) => castgraph.select(id)", node)
    chapters = real_graph.nodes[node]["chapters"]
    assert page.locator("#panel ul.chapters li").count() == len(chapters) > 0
    offline_page.assert_clean()
