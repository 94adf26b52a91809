"""Feed data in the viewer, in headless Chromium: roles, season and episode numbers, the show's author."""

from __future__ import annotations

import pytest
from conftest import ROOT
from test_viz_browser import _click

from castgraph.graph.build import build_graph
from castgraph.loaders import parse_feed, read_episodes
from castgraph.resolve import resolve
from castgraph.viz import write_html

pytestmark = pytest.mark.browser

HOSTILE = "<img src=x onerror=alert(1)>"


def test_episode_and_person_panels_show_feed_data(offline_page, tmp_path) -> None:
    episodes = read_episodes([ROOT / "samples" / "feeds"]).episodes
    # A hostile role, group and show author stay text.
    episodes += parse_feed(
        '<rss xmlns:podcast="https://podcastindex.org/namespace/1.0"><channel><title>Hostile Show</title>'
        f'<itunes:author>{HOSTILE.replace("<", "&lt;")}</itunes:author>'
        "<item><guid>hostile-guid-0000001</guid><title>Hostile</title>"
        f'<podcast:person role="{HOSTILE.replace("<", "&lt;")}">Eve</podcast:person></item></channel></rss>'
    ).episodes
    graph = build_graph(episodes, resolve(episodes))
    path = write_html(graph, tmp_path / "graph.html", title="Feeds")
    offline_page.open(path)
    page = offline_page.page

    _click(page, "episode:ttw-2026-11-18-agents-at-work")
    page.wait_for_function("() => castgraph.selected === 'episode:ttw-2026-11-18-agents-at-work'")
    panel = page.locator("#panel")
    assert "Tech Talks Weekly · by Maya Chen · S3 · E42 · 2026-11-18" in panel.inner_text()
    mentions = panel.locator("ul.mentions li").all_inner_texts()
    assert any(m.startswith("Maya Chen") and m.endswith("Person · host") for m in mentions), mentions
    assert any(m.endswith("Person · guest") for m in mentions), mentions

    maya = next(n for n, d in graph.nodes(data=True) if d.get("name") == "Maya Chen")
    _click(page, maya)
    page.wait_for_function(f"() => castgraph.selected === '{maya}'")
    assert "credited as host (5 episodes)" in page.locator("#panel .roles").inner_text()

    _click(page, "episode:hostile-guid-0000001")
    page.wait_for_function("() => castgraph.selected === 'episode:hostile-guid-0000001'")
    assert f"by {HOSTILE}" in panel.inner_text()
    assert HOSTILE in panel.locator("ul.mentions li").inner_text()
    assert page.locator("#panel img").count() == 0
    offline_page.assert_clean()
