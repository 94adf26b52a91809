"""castgraph.viz.to_pyvis: the same nodes, colours, sizes and links as castgraph's page, titles
that stay text in pyvis's page (checked in headless Chromium)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import networkx as nx
import pytest
from test_viz_graphs import PAYLOADS, hostile_graph, sample_graph

from castgraph.viz import TYPE_COLORS, ego_view, overview_view, to_pyvis

pytest.importorskip("pyvis", reason="pyvis is an optional extra (pip install 'castgraph[pyvis]')")


def test_nodes_and_links_match_the_view() -> None:
    graph = sample_graph()
    view = overview_view(graph)
    net = to_pyvis(graph)
    nodes = {n["id"]: n for n in net.nodes}
    assert set(nodes) == {n["id"] for n in view.nodes}
    for record in view.nodes:
        node = nodes[record["id"]]
        assert node["color"] == TYPE_COLORS[record["type"]]
        assert node["shape"] == {"Episode": "diamond", "Topic": "triangle"}.get(record["kind"], "dot")
        if record["kind"] == "Episode":
            assert node["size"] == 14 and "value" not in node
        else:
            assert node["value"] == max(1, record["episodes"])
        assert node["title"].splitlines()[0] == record["name"]
    assert sorted((e["from"], e["to"], e["value"]) for e in net.edges) == sorted(
        (e["from"], e["to"], e["weight"]) for e in view.edges)
    github = nodes["entity:github"]
    assert github["title"] == "GitHub\nOrganization\nalso: github.com\nCode hosting platform\n2 episodes"


def test_a_view_goes_in_as_it_is() -> None:
    view = ego_view(sample_graph(), "swyx")
    assert {n["id"] for n in to_pyvis(view).nodes} == {n["id"] for n in view.nodes}


def _with_link(graph: nx.MultiDiGraph) -> nx.MultiDiGraph:
    # A title with "href" makes pyvis show every title with innerHTML.
    entity = next(n for n, d in graph.nodes(data=True) if d["label"] == "Entity")
    graph.nodes[entity]["description"] = '<a href="javascript:window.__pwned=5">see</a>'
    return graph


def test_titles_are_escaped_when_pyvis_would_insert_them_as_html() -> None:
    plain = to_pyvis(hostile_graph())
    # text as it is: vis-network shows a string title as text
    assert any(p in n["title"] for n in plain.nodes for p in PAYLOADS)
    linked = to_pyvis(_with_link(hostile_graph()))
    assert all("<" not in n["title"] and ">" not in n["title"] for n in linked.nodes)
    assert any("&lt;img src=x onerror=alert(1)&gt;" in n["title"] for n in linked.nodes)


@pytest.mark.browser
@pytest.mark.parametrize("linked", [False, True])
def test_pyvis_page_shows_hostile_titles_as_text(offline_page: Any, tmp_path: Path, linked: bool) -> None:
    graph = _with_link(hostile_graph()) if linked else hostile_graph()
    net = to_pyvis(graph, height="600px")
    path = tmp_path / "pyvis.html"
    path.write_text(net.generate_html(), encoding="utf-8")
    page = offline_page.page
    page.goto(path.as_uri())
    page.wait_for_function("() => typeof network !== 'undefined' && network.body.data.nodes.length > 0")
    hostile = [n for n in net.nodes if any(p[:6] in n["title"] or "&lt;" in n["title"] for p in PAYLOADS)]
    assert hostile
    for node in hostile[:8]:
        if linked:  # pyvis's own popup, which sets innerHTML
            page.evaluate("(id) => network.emit('showPopup', id)", node["id"])
            shown = page.evaluate("() => document.querySelector('div.popup').textContent")
        else:  # vis-network's tooltip
            x, y = page.evaluate(
                """(id) => { const p = network.canvasToDOM(network.getPositions([id])[id]);
                             const box = document.getElementById('mynetwork').getBoundingClientRect();
                             return [box.left + p.x, box.top + p.y]; }""", node["id"])
            page.mouse.move(x - 40, y - 40)
            page.mouse.move(x, y, steps=4)
            page.wait_for_timeout(400)
            shown = page.evaluate("() => (document.querySelector('.vis-tooltip') || {}).textContent || ''")
            if not shown:
                continue  # covered by another node: nothing to check here
        expected = node["title"].replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"') \
            .replace("&#x27;", "'").replace("&amp;", "&")
        assert shown.replace("\n", "") == expected.replace("\n", ""), node["id"]
    assert page.evaluate("() => window.__pwned === undefined")
    assert offline_page.dialogs == [] and offline_page.page_errors == []
    # pyvis's template always asks a CDN for Bootstrap (the caveat the docs state); nothing else.
    assert offline_page.requests and all(r.startswith("https://cdn.jsdelivr.net/npm/bootstrap@")
                                         for r in offline_page.requests)
