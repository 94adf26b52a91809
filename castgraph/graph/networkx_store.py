"""The embedded store: a folder holding ``graph.json`` (networkx node-link JSON).

Examples
--------
>>> import tempfile, networkx as nx
>>> g = nx.MultiDiGraph()
>>> g.add_node("topic:ai", label="Topic", id="topic:ai", name="ai")
>>> with tempfile.TemporaryDirectory() as d:
...     _ = NetworkXStore(d).write(g)
...     sorted(NetworkXStore(d).read().nodes)
['topic:ai']
"""

from __future__ import annotations

import json
import re
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, cast

from castgraph import progress
from castgraph.errors import CastgraphError
from castgraph.graph.compact import STORE_FILE, file_key, read_store, store_header, write_store
from castgraph.graph.graph_check import GraphDataError, check_graph_data
from castgraph.graph.store import GraphStore, WriteReport
from castgraph.outputs import atomic_open

# The graph model, its columns and the JSON writer load when a graph is built or written:
# a query, which finds the folder's files here, needs none of them.
if TYPE_CHECKING:
    import networkx as nx

    from castgraph.graph.tables import GraphTables

__all__ = ["GRAPH_FILE", "NetworkXStore", "current_store", "graph_file", "graph_to_json", "graphml_text",
           "parse_graph_json", "read_graph_dir", "read_graph_json", "read_graph_tables", "read_graphml",
           "text_from_graphml", "write_gexf", "write_graph_json", "write_graphml"]

GRAPH_FILE = "graph.json"


def graph_to_json(graph: nx.MultiDiGraph) -> str:
    """Serialize ``graph`` as node-link JSON (edges under ``"edges"``), byte-stable.

    The graph attribute ``schema_version`` tells readers which schema the file follows.
    """
    import networkx as nx

    from castgraph.graph.schema import SCHEMA_VERSION

    data = nx.node_link_data(graph, edges="edges")
    data["graph"] = {**data["graph"], "schema_version": data["graph"].get("schema_version", SCHEMA_VERSION)}
    return json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True, default=str) + "\n"


def parse_graph_json(text: str | bytes) -> nx.MultiDiGraph:
    """Parse node-link JSON text into a graph, after :func:`~castgraph.graph.graph_check.check_graph_data`.

    >>> text = ('{"directed": true, "multigraph": true, "graph": {"schema_version": 1}, '
    ...         '"nodes": [{"id": "topic:a", "label": "Topic"}], "edges": []}')
    >>> parse_graph_json(text).number_of_nodes()
    1

    Raises
    ------
    ValueError
        If the text is not JSON, or not a castgraph graph (:class:`GraphDataError`).
    """
    import networkx as nx

    try:
        data = json.loads(text)
    except RecursionError:
        raise ValueError("JSON nested too deeply") from None
    check_graph_data(data)
    graph = nx.node_link_graph(data, directed=True, multigraph=True, edges="edges")
    assert isinstance(graph, nx.MultiDiGraph)
    return graph


def read_graph_json(path: str | Path) -> nx.MultiDiGraph:
    """Read a graph.json file; one that is not castgraph's is a :class:`CastgraphError` (one line)."""
    try:
        return parse_graph_json(Path(path).read_bytes())
    except GraphDataError as exc:
        raise CastgraphError(f"{path}: not a castgraph graph.json ({exc}); refusing to use it") from None
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise CastgraphError(f"{path}: not a castgraph graph.json ({exc})") from None


def graph_file(directory: str | Path) -> Path:
    """``directory``/graph.json (else the compact store), or a :class:`CastgraphError` saying how
    to make it."""
    path = Path(directory) / GRAPH_FILE
    if path.is_file():
        return path
    if (Path(directory) / STORE_FILE).is_file():
        return Path(directory) / STORE_FILE
    raise CastgraphError(f"{path}: no graph here; run `castgraph build --out {directory}` first")


def current_store(directory: str | Path) -> Path | None:
    """``directory``/graph.store when it holds the folder's graph: written with the graph.json
    there now, or with none when there is none (an edited or replaced graph.json wins)."""
    store = Path(directory) / STORE_FILE
    header = store_header(store)
    if header is None:
        return None
    json_path = Path(directory) / GRAPH_FILE
    if json_path.is_file():
        return store if header.get("graph_json") == file_key(json_path) else None
    return store


def read_graph_tables(directory: str | Path) -> GraphTables:
    """The graph in ``directory`` as columns (from the compact store when it is current)."""
    from castgraph.graph.tables import GraphTables

    store = current_store(directory)
    if store is not None:
        return read_store(store)
    return GraphTables.from_networkx(read_graph_json(graph_file(directory)))


def read_graph_dir(directory: str | Path) -> nx.MultiDiGraph:
    """The graph in ``directory`` (from the compact store when it is current, else graph.json)."""
    store = current_store(directory)
    if store is not None:
        return read_store(store).to_networkx()
    path = graph_file(directory)
    if path.name == STORE_FILE:
        return read_store(path).to_networkx()
    return read_graph_json(path)


def write_graph_json(graph: nx.MultiDiGraph | GraphTables, path: str | Path) -> None:
    """Write ``graph`` to ``path`` as node-link JSON (atomically: a reader never sees half a file).

    Columns (:class:`GraphTables`) are written streamed, a chunk at a time, with the same bytes.
    """
    from castgraph.graph.node_link import write_node_link
    from castgraph.graph.tables import GraphTables

    if isinstance(graph, GraphTables):
        with atomic_open(path, "wb") as fh:
            write_node_link(graph, cast(BinaryIO, fh))
    else:
        with atomic_open(path, newline="\n") as fh:
            fh.write(graph_to_json(graph))


# XML 1.0 cannot hold most C0 controls, U+FFFE and U+FFFF, even as character references,
# and parsers turn CR into LF. Such characters are written as U+E000 followed by a
# private-use stand-in (U+E000 itself is doubled), so any text round-trips.
_XML_ESCAPE = "\ue000"
_XML_UNSAFE = re.compile("[\x00-\x08\x0b\x0c\x0d\x0e-\x1f\ufffe\uffff\ue000]")
_XML_ESCAPED = re.compile("\ue000([\ue000\ue100-\ue11f\ue1fe\ue1ff])")


def _xml_escape_char(match: re.Match[str]) -> str:
    char = match.group()
    if char == _XML_ESCAPE:
        return _XML_ESCAPE * 2
    return _XML_ESCAPE + chr(0xE100 + (ord(char) & 0xFF))


def _xml_unescape_char(match: re.Match[str]) -> str:
    code = ord(match.group(1))
    if code == 0xE000:
        return _XML_ESCAPE
    return chr(0xFF00 | (code - 0xE100)) if code >= 0xE1FE else chr(code - 0xE100)


def graphml_text(text: str) -> str:
    """``text`` with the characters XML cannot hold escaped (see :func:`text_from_graphml`).

    >>> graphml_text("a\\x00b"), text_from_graphml(graphml_text("a\\x00b\\r\\ufffe\\ue000"))
    ('a\\ue000\\ue100b', 'a\\x00b\\r\\ufffe\\ue000')
    """
    return _XML_UNSAFE.sub(_xml_escape_char, text)


def text_from_graphml(text: str) -> str:
    """The text :func:`graphml_text` was given."""
    return _XML_ESCAPED.sub(_xml_unescape_char, text) if _XML_ESCAPE in text else text


def _graphml_value(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, (list, dict)):
        return graphml_text(json.dumps(value, ensure_ascii=False, sort_keys=True))
    if isinstance(value, str):
        return graphml_text(value)
    return value


def _flat(graph: nx.MultiDiGraph, *, drop_none: bool = False) -> nx.MultiDiGraph:
    import networkx as nx

    flat = nx.MultiDiGraph()
    for node, attrs in graph.nodes(data=True):
        flat.add_node(graphml_text(str(node)), **{k: _graphml_value(v) for k, v in attrs.items()
                                                  if v is not None or not drop_none})
    for u, v, key, attrs in graph.edges(keys=True, data=True):
        flat.add_edge(graphml_text(str(u)), graphml_text(str(v)), key=graphml_text(str(key)),
                      **{k: _graphml_value(x) for k, x in attrs.items() if x is not None or not drop_none})
    return flat


def _write_atomically(path: str | Path, write: Any) -> None:
    with atomic_open(path, "wb") as fh:
        write(fh)


def write_graphml(graph: nx.MultiDiGraph, path: str | Path) -> None:
    """Write ``graph`` as GraphML (for Gephi); lists and dicts become JSON strings.

    Characters XML cannot hold are escaped (:func:`graphml_text`); :func:`read_graphml`
    gives them back.
    """
    import networkx as nx

    flat = _flat(graph)
    _write_atomically(path, lambda tmp: nx.write_graphml(flat, tmp))


def read_graphml(path: str | Path) -> nx.MultiDiGraph:
    """Read a file written by :func:`write_graphml`: text as it was, lists and dicts as JSON text."""
    import networkx as nx

    raw = nx.read_graphml(str(path), force_multigraph=True)

    def plain(value: Any) -> Any:
        return text_from_graphml(value) if isinstance(value, str) else value

    graph = nx.MultiDiGraph()
    for node, attrs in raw.nodes(data=True):
        graph.add_node(plain(node), **{k: plain(v) for k, v in attrs.items()})
    for u, v, key, attrs in raw.edges(keys=True, data=True):
        graph.add_edge(plain(u), plain(v), key=plain(key), **{k: plain(x) for k, x in attrs.items()})
    return graph


def write_gexf(graph: nx.MultiDiGraph, path: str | Path) -> None:
    """Write ``graph`` as GEXF (Gephi's own format); lists and dicts become JSON strings.

    GEXF types each attribute once for all nodes, so a missing value is left out, not written as "".
    """
    import networkx as nx

    flat = _flat(graph, drop_none=True)
    # GEXF's own "label" attribute is the display name: castgraph's label travels as "kind".
    for _, attrs in flat.nodes(data=True):
        if "label" in attrs:
            attrs["kind"] = attrs.pop("label")
        name = attrs.get("name") or attrs.get("title")
        if name:
            attrs["label"] = name
    _write_atomically(path, lambda tmp: nx.write_gexf(flat, tmp))


class NetworkXStore(GraphStore):
    """A folder with ``graph.json``; the embedded default store."""

    def __init__(self, directory: str | Path) -> None:
        self.directory = Path(directory)

    @property
    def path(self) -> Path:
        return self.directory / GRAPH_FILE

    @property
    def store_path(self) -> Path:
        return self.directory / STORE_FILE

    def write(self, graph: nx.MultiDiGraph) -> WriteReport:
        """Write graph.json of ``graph`` exactly as it is (any graph; a stale store is removed)."""
        start = time.perf_counter()
        self.directory.mkdir(parents=True, exist_ok=True)
        write_graph_json(graph, self.path)
        self.store_path.unlink(missing_ok=True)
        return WriteReport(nodes=graph.number_of_nodes(), edges=graph.number_of_edges(),
                           seconds=time.perf_counter() - start)

    def write_tables(self, tables: GraphTables, *, graph_json: bool = True) -> WriteReport:
        """Write the compact store and, with ``graph_json``, graph.json (else remove a stale one)."""
        start = time.perf_counter()
        self.directory.mkdir(parents=True, exist_ok=True)
        key = None
        if graph_json:
            write_graph_json(tables, self.path)
            key = file_key(self.path)
        else:
            self.path.unlink(missing_ok=True)
        write_store(tables, self.store_path, graph_json=key)
        counts = tables.counts()
        return WriteReport(nodes=counts["episodes"] + counts["entities"] + counts["topics"],
                           edges=counts["mentions"] + len(tables.ept_idx),
                           seconds=time.perf_counter() - start)

    def read_tables(self) -> GraphTables | None:
        """The stored graph as columns, or ``None`` when nothing was written yet."""
        if not self.path.exists() and not self.store_path.exists():
            return None
        progress.step(f"reading the graph in {self.directory}")  # a build extending it shows this
        return read_graph_tables(self.directory)

    def read(self) -> nx.MultiDiGraph:
        if not self.path.exists() and not self.store_path.exists():
            import networkx as nx

            return nx.MultiDiGraph()
        return read_graph_dir(self.directory)
