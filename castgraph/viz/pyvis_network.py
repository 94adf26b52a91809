"""A castgraph graph or view as a pyvis ``Network``, for those who already build pages with pyvis.

castgraph's own page (:func:`castgraph.viz.write_html`) needs no pyvis: it inlines a vendored
vis-network, forbids every request and sets text with ``textContent``. :func:`to_pyvis` gives
the same nodes, colours, sizes and links to pyvis (``pip install 'castgraph[pyvis]'``), with two
caveats that are pyvis's:

* **CDN.** pyvis's default (``cdn_resources="local"``) and ``"remote"`` load vis-network from a
  public CDN. :func:`to_pyvis` asks for ``cdn_resources="in_line"`` (pyvis's bundled
  vis-network 9.1.2 inlined), yet pyvis's page template still loads Bootstrap's CSS and script
  from cdn.jsdelivr.net whatever the setting (and Tom Select with its menus): the page needs
  the network to look right and tells that host who opened it. Without the network the graph
  still draws (checked in a test).
* **Escaping.** pyvis sets a node's ``title`` with ``innerHTML`` when any title contains
  ``href``. Titles from :func:`to_pyvis` are plain text (name, type, aliases, description,
  episode count, one per line) with ``&``, ``<``, ``>`` and quotes escaped whenever that
  popup is in use, so text from the data is never markup. Titles or labels you add yourself
  are yours to escape.

Examples
--------
>>> import castgraph
>>> record = '{"id": "e1", "title": "Hi", "entities": [{"name": "swyx", "type": "Person"}]}'
>>> eps = castgraph.parse_records(record)
>>> net = to_pyvis(castgraph.build_graph(eps.episodes, castgraph.resolve_entities(eps.episodes)))
>>> sorted((n["label"], n["color"], n["shape"]) for n in net.nodes)
[('Hi', '#e15759', 'diamond'), ('swyx', '#4e79a7', 'dot')]
"""

from __future__ import annotations

import html
import importlib
from typing import TYPE_CHECKING, Any

from castgraph.errors import CastgraphError
from castgraph.viz.page import TYPE_COLORS
from castgraph.viz.views import MAX_NODES, View, overview_view

if TYPE_CHECKING:
    import networkx as nx

__all__ = ["to_pyvis"]

_SHAPES = {"Episode": "diamond", "Topic": "triangle"}
_LABEL_LENGTH = {"Episode": 28}


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit - 1] + "\u2026"


def _title(node: dict[str, Any]) -> str:
    """The hover text of a node, as castgraph's page shows it (plain text, one fact per line)."""
    lines = [str(node["name"]), str(node["type"] if node["kind"] == "Entity" else node["kind"])]
    if node.get("aliases"):
        lines.append("also: " + ", ".join(node["aliases"]))
    if node.get("show"):
        lines.append(node["show"] + (f" · {node['date']}" if node.get("date") else ""))
    if node.get("description"):
        lines.append(_short(str(node["description"]), 280))
    if node["kind"] != "Episode":
        count = int(node.get("episodes") or 0)
        lines.append(f"{count} episode" + ("" if count == 1 else "s"))
    return "\n".join(lines)


def to_pyvis(graph_or_view: nx.MultiDiGraph | View, *, height: str = "750px", width: str = "100%",
             max_nodes: int = MAX_NODES, cdn_resources: str = "in_line") -> Any:
    """A ``pyvis.network.Network`` of a graph (its overview) or of any castgraph view.

    Nodes keep castgraph's colours by type, shapes (episodes diamonds, topics triangles) and
    sizes (by episodes, episodes a fixed size); links are weighted by shared episodes. Titles
    are plain text, escaped when pyvis would insert them as HTML (see the module notes).

    Parameters
    ----------
    graph_or_view
        A castgraph graph, or a :class:`~castgraph.viz.views.View` (``ego_view``, ...).
    height, width
        The canvas size, as pyvis takes it.
    max_nodes
        For a graph: above this many nodes only the most connected part is kept.
    cdn_resources
        pyvis's choice of where vis-network comes from; ``"in_line"`` needs no network.
    """
    try:
        network_module = importlib.import_module("pyvis.network")
    except ImportError:
        raise CastgraphError("to_pyvis needs pyvis: pip install 'castgraph[pyvis]'") from None
    view = graph_or_view if isinstance(graph_or_view, View) else overview_view(graph_or_view,
                                                                                 max_nodes=max_nodes)
    net = network_module.Network(height=height, width=width, directed=False, cdn_resources=cdn_resources,
                                 heading="")
    titles = {node["id"]: _title(node) for node in view.nodes}
    # pyvis renders titles with innerHTML once one contains "href": then every title is escaped.
    as_html = any("href" in t for t in titles.values())
    for node in view.nodes:
        kind = node["kind"]
        color = TYPE_COLORS.get(node["type"], TYPE_COLORS["Other"])  # entities by type, episodes, topics
        size: dict[str, Any] = ({"size": 14} if kind == "Episode"
                                else {"value": max(1, int(node["episodes"] or 1))})
        title = html.escape(titles[node["id"]]) if as_html else titles[node["id"]]
        label = _short(str(node["name"]), _LABEL_LENGTH.get(kind, 32))
        shape = _SHAPES.get(kind, "dot")
        net.add_node(node["id"], label=label, title=title, color=color, shape=shape, **size)
    for edge in view.edges:
        net.add_edge(edge["from"], edge["to"], value=edge["weight"])
    return net
