"""Write views as single, offline HTML pages.

The page is our own template (``assets/page.html``) with everything inlined: the
vendored vis-network standalone build (it injects its own CSS), our viewer script
and styles, and the view as JSON in a ``<script type="application/json">`` block.
pyvis is not used to make pages: its templates fetch Bootstrap (and, except
in-line, vis-network) from a CDN, it passes tooltips through ``innerHTML`` and its
``add_node``/``add_edge`` scan their lists on every call, which is quadratic. Data
is embedded as JSON with ``<``, ``>`` and ``&`` escaped, so no text from the graph can
close the script block, and the viewer shows every text with ``textContent``.

Examples
--------
>>> from castgraph.viz.views import View
>>> node = {"id": "n", "name": "</script><b>", "kind": "Topic", "type": "Topic"}
>>> page = render_html(view=View(kind="overview", title="<b>x</b>", nodes=[node]))
>>> "</script><b>" in page, "\\\\u003c/script\\\\u003e\\\\u003cb\\\\u003e" in page
(False, True)
>>> "<title>&lt;b&gt;x&lt;/b&gt;</title>" in page
True
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterable
from dataclasses import fields
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import networkx as nx

from castgraph import __version__
from castgraph.graph.model import ReviewPair
from castgraph.outputs import atomic_write
from castgraph.queries.scoring import ORIGIN_WEIGHTS
from castgraph.viz.comention import view_from_comention
from castgraph.viz.views import MAX_NODES, View, overview_view

__all__ = [
    "TYPE_COLORS",
    "embed_json",
    "render_html",
    "review_records",
    "write_comention_html",
    "write_html",
    "write_view_html",
]

TYPE_COLORS: dict[str, str] = {
    "Person": "#4e79a7",
    "Organization": "#f28e2b",
    "Product": "#59a14f",
    "Concept": "#b07aa1",
    "Event": "#edc948",
    "Place": "#76b7b2",
    "Other": "#bab0ac",
    "Episode": "#e15759",
    "Topic": "#ff9da7",
}
"""Node colour per entity type (and for episodes and topics); the legend follows this order."""

_PLACEHOLDER = re.compile(r"__(TITLE|VERSION|VIEWER_CSS|VIS_JS|VIEWER_JS|CURATION_JS|DATA)__")


@cache
def _asset(name: str) -> str:
    return resources.files("castgraph.viz").joinpath("assets", name).read_text(encoding="utf-8")


def embed_json(value: Any) -> str:
    """JSON that is safe inside an HTML ``<script>`` block.

    >>> embed_json({"name": "</script><!--&"})
    '{"name":"\\\\u003c/script\\\\u003e\\\\u003c!--\\\\u0026"}'
    """
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    for char, escaped in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"),
                          ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):
        text = text.replace(char, escaped)
    return text


def _view_data(view: View) -> dict[str, Any]:
    # Shallow on purpose: dataclasses.asdict deep-copies every record (seconds on big views).
    data = {f.name: getattr(view, f.name) for f in fields(view)}
    data["colors"] = TYPE_COLORS
    data["type_order"] = list(TYPE_COLORS)
    from castgraph.queries.lookup import lookup_rules

    data["lookup"] = lookup_rules()  # the search folds names as every command does
    data["origin_order"] = list(ORIGIN_WEIGHTS)
    return data


def render_html(graph: nx.MultiDiGraph | None = None, *, title: str | None = None, view: View | None = None,
                max_nodes: int = MAX_NODES) -> str:
    """The HTML page of ``view`` (default: the overview of ``graph``).

    Parameters
    ----------
    graph
        The castgraph graph; needed only when ``view`` is not given.
    title
        The page heading (default: the view's title).
    view
        A view from :mod:`castgraph.viz.views`.
    max_nodes
        For the overview: above this many nodes only the most connected part is drawn.
    """
    if view is None:
        if graph is None:
            raise TypeError("render_html needs a graph or a view")
        view = overview_view(graph, max_nodes=max_nodes, title=title or "castgraph")
    heading = title or view.title
    values = {
        "TITLE": html.escape(heading),
        "VERSION": html.escape(__version__),
        "VIEWER_CSS": _asset("viewer.css"),
        "VIS_JS": _asset("vis-network.min.js"),
        "VIEWER_JS": _asset("viewer.js"),
        "CURATION_JS": _asset("curation.js"),
        "DATA": embed_json(_view_data(view)),
    }
    # One pass: text put in is never scanned again for placeholders.
    return _PLACEHOLDER.sub(lambda m: values[m.group(1)], _asset("page.html"))


def write_view_html(view: View, path: str | Path, *, title: str | None = None) -> Path:
    """Write the page of ``view`` to ``path``; return the path."""
    return atomic_write(path, render_html(view=view, title=title))


def review_records(pairs: Iterable[ReviewPair]) -> list[dict[str, Any]]:
    """The review list as the page embeds it (the rows of ``review.csv``).

    >>> pair = ReviewPair(left_id="entity:a", left_name="Brandon", right_id="entity:b",
    ...                   right_name="Brendon", score=0.93, reason="one letter apart")
    >>> review_records([pair])[0]["right_name"]
    'Brendon'
    """
    return [p.model_dump() for p in pairs]


def write_html(graph: nx.MultiDiGraph, path: str | Path, *, title: str = "castgraph",
               max_nodes: int = MAX_NODES, review: Iterable[ReviewPair] = ()) -> Path:
    """Write the overview page of ``graph`` (what ``castgraph build`` puts in graph.html).

    ``review`` is the list of borderline pairs (``Resolution.review``) for the curation panel.

    >>> import tempfile, networkx as nx
    >>> g = nx.MultiDiGraph()
    >>> g.add_node("topic:ai", label="Topic", id="topic:ai", name="ai")
    >>> with tempfile.TemporaryDirectory() as d:
    ...     p = write_html(g, Path(d, "graph.html"))
    ...     p.name, "vis.Network" in p.read_text(encoding="utf-8")
    ('graph.html', True)
    """
    view = overview_view(graph, max_nodes=max_nodes, title=title)
    view.review = review_records(review)
    return write_view_html(view, path, title=title)


def write_comention_html(edges: list[Any], path: str | Path, *, title: str = "co-mentions",
                         graph: nx.MultiDiGraph | None = None, max_nodes: int = MAX_NODES) -> Path:
    """Write a page of co-mention edges (as returned by ``comention_graph``).

    Pass ``graph`` to give the side panel episode titles, dates and links.
    """
    view = view_from_comention(edges, graph=graph, max_nodes=max_nodes, title=title)
    return write_view_html(view, path, title=title)
