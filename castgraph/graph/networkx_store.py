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
from typing import Any, BinaryIO

import networkx as nx

from castgraph.errors import CastgraphError
from castgraph.graph.build import SCHEMA_VERSION
from castgraph.graph.graph_check import GraphDataError, check_graph_data
from castgraph.graph.store import GraphStore, WriteReport
from castgraph.outputs import atomic_open, atomic_write

__all__ = [
    "GRAPH_FILE",
    "NetworkXStore",
    "graph_file",
    "graph_to_json",
    "graphml_text",
    "parse_graph_json",
    "read_graph_json",
    "read_graph_json_from",
    "read_graphml",
    "text_from_graphml",
    "write_graph_json",
    "write_graphml",
]

GRAPH_FILE = "graph.json"


def graph_to_json(graph: nx.MultiDiGraph) -> str:
    """Serialize ``graph`` as node-link JSON (edges under ``"edges"``), byte-stable.

    The graph attribute ``schema_version`` tells readers which schema the file follows.
    """
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
    with Path(path).open("rb") as fh:
        return read_graph_json_from(fh, path)


def read_graph_json_from(handle: BinaryIO, path: str | Path) -> nx.MultiDiGraph:
    """:func:`read_graph_json` from an open file (``path`` names it in messages)."""
    try:
        return parse_graph_json(handle.read())
    except GraphDataError as exc:
        raise CastgraphError(f"{path}: not a castgraph graph.json ({exc}); refusing to use it") from None
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise CastgraphError(f"{path}: not a castgraph graph.json ({exc})") from None


def graph_file(directory: str | Path) -> Path:
    """``directory``/graph.json, or a :class:`CastgraphError` saying how to make it."""
    path = Path(directory) / GRAPH_FILE
    if not path.is_file():
        raise CastgraphError(f"{path}: no graph here; run `castgraph build --out {directory}` first")
    return path


def write_graph_json(graph: nx.MultiDiGraph, path: str | Path) -> None:
    """Write ``graph`` to ``path`` as node-link JSON (atomically: a reader never sees half a file)."""
    atomic_write(path, graph_to_json(graph))


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


def write_graphml(graph: nx.MultiDiGraph, path: str | Path) -> None:
    """Write ``graph`` as GraphML (for Gephi); lists and dicts become JSON strings.

    Characters XML cannot hold are escaped (:func:`graphml_text`); :func:`read_graphml`
    gives them back.
    """
    flat = nx.MultiDiGraph()
    for node, attrs in graph.nodes(data=True):
        flat.add_node(graphml_text(str(node)), **{k: _graphml_value(v) for k, v in attrs.items()})
    for u, v, key, attrs in graph.edges(keys=True, data=True):
        flat.add_edge(graphml_text(str(u)), graphml_text(str(v)), key=graphml_text(str(key)),
                      **{k: _graphml_value(x) for k, x in attrs.items()})
    with atomic_open(path, "wb") as fh:
        nx.write_graphml(flat, fh)


def read_graphml(path: str | Path) -> nx.MultiDiGraph:
    """Read a file written by :func:`write_graphml`: text as it was, lists and dicts as JSON text."""
    raw = nx.read_graphml(str(path), force_multigraph=True)

    def plain(value: Any) -> Any:
        return text_from_graphml(value) if isinstance(value, str) else value

    graph = nx.MultiDiGraph()
    for node, attrs in raw.nodes(data=True):
        graph.add_node(plain(node), **{k: plain(v) for k, v in attrs.items()})
    for u, v, key, attrs in raw.edges(keys=True, data=True):
        graph.add_edge(plain(u), plain(v), key=plain(key), **{k: plain(x) for k, x in attrs.items()})
    return graph


class NetworkXStore(GraphStore):
    """A folder with ``graph.json``; the embedded default store."""

    def __init__(self, directory: str | Path) -> None:
        self.directory = Path(directory)

    @property
    def path(self) -> Path:
        return self.directory / GRAPH_FILE

    def write(self, graph: nx.MultiDiGraph) -> WriteReport:
        start = time.perf_counter()
        self.directory.mkdir(parents=True, exist_ok=True)
        write_graph_json(graph, self.path)
        return WriteReport(nodes=graph.number_of_nodes(), edges=graph.number_of_edges(),
                           seconds=time.perf_counter() - start)

    def read(self) -> nx.MultiDiGraph:
        if not self.path.exists():
            return nx.MultiDiGraph()
        return read_graph_json(self.path)
