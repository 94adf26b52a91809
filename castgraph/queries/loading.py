"""Opening a graph folder for queries, with an index cache next to the graph.

The graph is read from the compact store (``graph.store``) when it is current, else
from graph.json. The first query on a folder indexes it and writes ``.graph.json.qindex``
beside it (``castgraph build`` writes it already); later ones map the cache (plain
arrays and text) as long as the graph file has the same size, mtime and end hashes.

Examples
--------
>>> import tempfile
>>> from castgraph.graph.build import build_graph
>>> from castgraph.graph.model import Resolution, Episode
>>> from castgraph.graph.networkx_store import NetworkXStore
>>> with tempfile.TemporaryDirectory() as d:
...     _ = NetworkXStore(d).write(build_graph([Episode(id="e1", title="Hi")], Resolution()))
...     first, second = open_graph_dir(d), open_graph_dir(d)
...     first.episode_count(), second.episode_count(), (Path(d) / INDEX_FILE).exists()
(1, 1, True)
"""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import TYPE_CHECKING

from castgraph.graph.networkx_store import current_store, graph_file, read_graph_tables
from castgraph.queries.index import INDEX_FILE, GraphIndex, cache_key, read_index, write_index
from castgraph.queries.networkx_backend import NetworkXQueries

if TYPE_CHECKING:
    import networkx as nx

    from castgraph.graph.tables import GraphTables

__all__ = ["INDEX_FILE", "open_graph_dir", "read_graph_index", "write_graph_index"]


def _source(directory: Path) -> Path:
    """The file the folder's graph is read from: the compact store when current, else graph.json."""
    return current_store(directory) or graph_file(directory)


def read_graph_index(directory: str | Path, *, cache: bool = True) -> GraphIndex:
    """The query index of the graph in ``directory`` (from the cache when it is current)."""
    directory = Path(directory)
    source = _source(directory)
    key = cache_key(source)
    cache_file = directory / INDEX_FILE
    if cache:
        index = read_index(cache_file, key)
        if index is not None:
            return index
    index = GraphIndex.from_tables(read_graph_tables(directory))
    if cache:
        # A read-only folder still answers queries, just without the cache.
        with contextlib.suppress(OSError):
            write_index(index, cache_file, key)
    return index


def write_graph_index(graph: nx.MultiDiGraph | GraphTables, directory: str | Path) -> None:
    """Write the query index cache of ``graph``, just written to ``directory``.

    ``castgraph build`` calls this while the graph is still in memory, so the first
    query on a new folder does not have to read the graph again.
    """
    from castgraph.graph.tables import GraphTables
    from castgraph.memory import gc_paused
    from castgraph.queries.index_build import index_makers
    from castgraph.queries.index_file import write_index_parts

    directory = Path(directory)
    tables = graph if isinstance(graph, GraphTables) else GraphTables.from_networkx(graph)
    # Each text blob made, written and let go in turn: the index of a million episodes holds 1.5 GB.
    with gc_paused():
        write_index_parts(*index_makers(tables), directory / INDEX_FILE, cache_key(_source(directory)))


def open_graph_dir(directory: str | Path, *, cache: bool = True) -> NetworkXQueries:
    """A NetworkX query backend over the graph folder ``directory``."""
    return NetworkXQueries(index=read_graph_index(directory, cache=cache))
