"""Opening a graph folder for queries, with an index cache next to graph.json.

The first query on a folder parses graph.json and writes ``.graph.json.qindex``
beside it; later ones read the cache (plain arrays and text, a fraction of the
parse time) as long as graph.json has the same size, mtime and end hashes.

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

import networkx as nx

from castgraph.graph.networkx_store import GRAPH_FILE, graph_file, read_graph_json_from
from castgraph.queries.index import INDEX_FILE, GraphIndex, cache_key, read_index, write_index
from castgraph.queries.networkx_backend import NetworkXQueries

__all__ = ["INDEX_FILE", "open_graph_dir", "read_graph_index", "write_graph_index"]


def read_graph_index(directory: str | Path, *, cache: bool = True) -> GraphIndex:
    """The query index of the graph in ``directory`` (from the cache when it is current)."""
    directory = Path(directory)
    path = graph_file(directory)
    cache_file = directory / INDEX_FILE
    # One open file for the key and the parse: a build renaming a new graph.json into
    # place meanwhile cannot pair this key with that graph.
    with path.open("rb") as fh:
        key = cache_key(fh)
        if cache:
            index = read_index(cache_file, key)
            if index is not None:
                return index
        graph = read_graph_json_from(fh, path)
    index = GraphIndex.from_graph(graph)
    if cache:
        # A read-only folder still answers queries, just without the cache.
        with contextlib.suppress(OSError):
            write_index(index, cache_file, key)
    return index


def write_graph_index(graph: nx.MultiDiGraph, directory: str | Path) -> None:
    """Write the query index cache of ``graph``, just written to ``directory``/graph.json.

    ``castgraph build`` calls this while the graph is still in memory (and the folder
    locked), so the first query on a new folder does not have to parse graph.json.
    """
    directory = Path(directory)
    write_index(GraphIndex.from_graph(graph), directory / INDEX_FILE, cache_key(directory / GRAPH_FILE))


def open_graph_dir(directory: str | Path, *, cache: bool = True) -> NetworkXQueries:
    """A NetworkX query backend over the graph folder ``directory``."""
    return NetworkXQueries(index=read_graph_index(directory, cache=cache))
