"""The store interface: where a built graph is kept.

A store holds exactly one castgraph graph. :meth:`GraphStore.write` makes the
store equal to the given graph (new nodes and edges added, changed ones updated,
ones no longer in the graph removed), so writing the same graph twice changes
nothing. Implementations: :class:`castgraph.graph.networkx_store.NetworkXStore`
(a folder with graph.json, the embedded default) and
:class:`castgraph.graph.neo4j_store.Neo4jStore` (a Neo4j server).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import TYPE_CHECKING

from pydantic import BaseModel

if TYPE_CHECKING:
    import networkx as nx

__all__ = ["GraphStore", "WriteReport"]


class WriteReport(BaseModel):
    """What a write did, in counts."""

    nodes: int = 0
    edges: int = 0
    nodes_removed: int = 0
    edges_removed: int = 0
    seconds: float = 0.0


class GraphStore(ABC):
    """A place that holds one castgraph graph."""

    @abstractmethod
    def write(self, graph: nx.MultiDiGraph) -> WriteReport:
        """Make the store hold ``graph``; idempotent."""

    @abstractmethod
    def read(self) -> nx.MultiDiGraph:
        """Return the stored graph (empty when nothing was written yet)."""
