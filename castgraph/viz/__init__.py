"""Interactive HTML pages of a castgraph graph: one file, no network.

Views pick what to draw (:func:`overview_view`, :func:`ego_view`,
:func:`comention_view`, :func:`episode_view`); :func:`render_html` and the
``write_*`` functions turn them into single offline pages built on vis-network;
:func:`show` displays them inline in Jupyter.

Examples
--------
>>> import networkx as nx
>>> g = nx.MultiDiGraph()
>>> g.add_node("topic:ai", label="Topic", id="topic:ai", name="ai")
>>> "<!DOCTYPE html>" in render_html(g)
True
"""

from castgraph.viz.comention import comention_view, view_from_comention
from castgraph.viz.notebook import InlinePage, show
from castgraph.viz.page import (
    TYPE_COLORS,
    embed_json,
    render_html,
    write_comention_html,
    write_html,
    write_view_html,
)
from castgraph.viz.pyvis_network import to_pyvis
from castgraph.viz.views import (
    MAX_NODES,
    View,
    ego_view,
    episode_view,
    find_node,
    overview_view,
)

__all__ = [
    "MAX_NODES",
    "TYPE_COLORS",
    "InlinePage",
    "View",
    "comention_view",
    "ego_view",
    "embed_json",
    "episode_view",
    "find_node",
    "overview_view",
    "render_html",
    "show",
    "to_pyvis",
    "view_from_comention",
    "write_comention_html",
    "write_html",
    "write_view_html",
]
