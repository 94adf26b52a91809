"""Show castgraph pages inline in Jupyter.

:func:`show` returns an object whose ``_repr_html_`` is an ``<iframe srcdoc=...>``
holding the whole page, so it displays in a notebook cell with no server and no
file. The iframe is sandboxed: scripts run, but in an origin of their own.

Examples
--------
>>> import networkx as nx
>>> g = nx.MultiDiGraph()
>>> g.add_node("topic:ai", label="Topic", id="topic:ai", name="ai")
>>> frame = show(g, height=400)
>>> frame._repr_html_()[:60]
'<iframe sandbox="allow-scripts allow-popups" style="width: 1'
>>> "height: 400px" in frame._repr_html_()
True
"""

from __future__ import annotations

import html
from dataclasses import dataclass

import networkx as nx

from castgraph.viz.page import render_html
from castgraph.viz.views import MAX_NODES, View

__all__ = ["InlinePage", "show"]


@dataclass(frozen=True)
class InlinePage:
    """A page that Jupyter displays inline; ``page`` is the full HTML."""

    page: str
    height: int = 650

    def _repr_html_(self) -> str:
        style = f"width: 100%; height: {int(self.height)}px; border: 1px solid #ddd"
        return (f'<iframe sandbox="allow-scripts allow-popups" style="{style}" '
                f'srcdoc="{html.escape(self.page, quote=True)}"></iframe>')

    def save(self, path: str) -> None:
        """Write the page to ``path``."""
        with open(path, "w", encoding="utf-8") as fh:
            fh.write(self.page)


def show(graph_or_view: nx.MultiDiGraph | View, *, title: str | None = None, height: int = 650,
         max_nodes: int = MAX_NODES) -> InlinePage:
    """Display a graph (its overview) or a view inline in Jupyter."""
    if isinstance(graph_or_view, View):
        return InlinePage(render_html(view=graph_or_view, title=title), height)
    return InlinePage(render_html(graph_or_view, title=title, max_nodes=max_nodes), height)
