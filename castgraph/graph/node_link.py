"""graph.json (networkx node-link JSON) written straight from the columns, streamed.

The text is exactly what ``json.dumps(nx.node_link_data(graph, edges="edges"),
ensure_ascii=False, indent=1, sort_keys=True)`` gives for the networkx graph of the
same tables, byte for byte, so ``nx.node_link_graph`` reads it back as before.
It is written a chunk at a time: each distinct attribute value of a mention
column is encoded once, and a mention edge is then the join of its columns'
encoded lines, with no dict per edge and no pure-Python JSON encoder per value.
The node records are written by orjson where it writes what json writes
(:func:`~castgraph.graph.json_bytes.written_alike`), its two-space indent then
narrowed to json's one (:func:`narrow_indent`).

Examples
--------
>>> import io, json, networkx as nx
>>> from castgraph.graph.model import Entity, EntityType, Episode, Mention, Resolution
>>> from castgraph.graph.tables import GraphTables
>>> ep = Episode(id="e1", title="T", tags=["#ai"], mentions=[Mention(surface="swyx", type_label="Person")])
>>> res = Resolution(entities=[Entity(id="entity:1", name="swyx", type=EntityType.PERSON,
...                                   mention_ids=["e1#0"])], assignments={"e1#0": "entity:1"})
>>> tables = GraphTables.from_build([ep], res)
>>> out = io.StringIO()
>>> write_node_link(tables, out)
>>> data = nx.node_link_data(tables.to_networkx(), edges="edges")
>>> out.getvalue() == json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True) + "\\n"
True
"""

from __future__ import annotations

import json
import math
from typing import Any, TextIO

import numpy as np
import orjson

from castgraph.graph.json_bytes import written_alike
from castgraph.graph.schema import HAS_TOPIC, MENTIONS, TOPIC_KEY, mention_key
from castgraph.graph.tables import GraphTables, sorted_distinct

__all__ = ["dump_indented", "narrow_indent", "write_node_link"]

_encode_str = json.encoder.encode_basestring
_CHUNK = 20_000


def _scalar(value: Any) -> str | None:
    if isinstance(value, str):
        return _encode_str(value)
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        return int.__repr__(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "NaN"
        if math.isinf(value):
            return "Infinity" if value > 0 else "-Infinity"
        return float.__repr__(value)
    return None


def dump_indented(value: Any, level: int) -> str:
    """``value`` as ``json.dumps(indent=1, sort_keys=True, ensure_ascii=False, default=str)``
    writes it at nesting ``level``.

    >>> dump_indented({"b": [1, {}], "a": "x"}, 0) == json.dumps({"b": [1, {}], "a": "x"}, indent=1,
    ...                                                          sort_keys=True)
    True
    """
    text = _scalar(value)
    if text is not None:
        return text
    inner = "\n" + " " * (level + 1)
    if isinstance(value, dict):
        if not value:
            return "{}"
        # Text values (most of a record) are encoded in place: no call per value.
        items = [f"{_encode_str(str(k))}: "
                 f"{_encode_str(v) if type(v := value[k]) is str else dump_indented(v, level + 1)}"
                 for k in sorted(value)]
        return "{" + inner + ("," + inner).join(items) + "\n" + " " * level + "}"
    if isinstance(value, (list, tuple)):
        if not value:
            return "[]"
        return "[" + inner + ("," + inner).join(
            _encode_str(v) if type(v) is str else dump_indented(v, level + 1) for v in value) + \
            "\n" + " " * level + "]"
    return _encode_str(str(value))


def _write_edges(tables: GraphTables, out: TextIO) -> None:
    ep_ids = [r["id"] for r in tables.episodes]
    ent_ids = [r["id"] for r in tables.entities]
    topic_ids = [r["id"] for r in tables.topics]
    names = sorted(["key", "source", "target", "type", "ordinal", *tables.m_cols])
    pad = "   "
    # One encoded line per distinct value of each column.
    lines: dict[str, list[str]] = {}
    sparse = False
    for name, column in tables.m_cols.items():
        lines[name] = [f'{pad}"{name}": {dump_indented(v, 3)}' for v in column.values]
        if column.sparse:
            # Code -1 (no such attribute on this edge) picks this last, empty line, dropped below.
            lines[name].append("")
            sparse = True
    ep_line = [f'{pad}"source": {_encode_str(e)}' for e in ep_ids]
    ent_line = [f'{pad}"target": {_encode_str(e)}' for e in ent_ids]
    order = tables.edge_order()
    ordinals = tables.m_ord[order]
    distinct = sorted_distinct(ordinals).tolist() if len(ordinals) else []
    ord_code = np.searchsorted(np.asarray(distinct, dtype=np.int64), ordinals) if distinct else ordinals
    lines["ordinal"] = [f'{pad}"ordinal": {o}' for o in distinct]
    lines["key"] = [f'{pad}"key": "{mention_key(o)}"' for o in distinct]
    lines["type"] = [f'{pad}"type": "{MENTIONS}"']
    topic_edge = [f'  {{\n{pad}"key": "{TOPIC_KEY}",\n{{src}},\n{pad}"target": {_encode_str(t)},\n'
                  f'{pad}"type": "{HAS_TOPIC}"\n  }}' for t in topic_ids]
    sources = tables.m_ep[order]
    # Rows of each episode: edges come episode by episode (mentions, then topics).
    bounds = np.searchsorted(sources, np.arange(len(ep_ids) + 1)).tolist()
    first = True
    for start in range(0, len(ep_ids), 5000):
        stop = min(start + 5000, len(ep_ids))
        lo, hi = bounds[start], bounds[stop]
        rows = order[lo:hi]
        columns: list[list[str]] = []
        for name in names:
            if name == "source":
                columns.append(list(map(ep_line.__getitem__, tables.m_ep[rows].tolist())))
            elif name == "target":
                columns.append(list(map(ent_line.__getitem__, tables.m_ent[rows].tolist())))
            elif name in ("ordinal", "key"):
                columns.append(list(map(lines[name].__getitem__, ord_code[lo:hi].tolist())))
            elif name == "type":
                columns.append(lines["type"] * (hi - lo))
            else:
                columns.append(list(map(lines[name].__getitem__, tables.m_cols[name].codes[rows].tolist())))
        rows_parts = zip(*columns, strict=True)
        if sparse:
            texts = ["  {\n" + ",\n".join(filter(None, parts)) + "\n  }" for parts in rows_parts]
        else:
            texts = ["  {\n" + ",\n".join(parts) + "\n  }" for parts in rows_parts]
        ptr, idx = tables.ept_ptr, tables.ept_idx
        chunk: list[str] = []
        for ep in range(start, stop):
            chunk.extend(texts[bounds[ep] - lo:bounds[ep + 1] - lo])
            for t in idx[ptr[ep]:ptr[ep + 1]].tolist():
                chunk.append(topic_edge[t].replace("{src}", ep_line[ep], 1))
        if chunk:
            out.write(("\n" if first else ",\n") + ",\n".join(chunk))
            first = False
    out.write("\n ]" if not first else "]")


def narrow_indent(text: bytes, level: int) -> bytes:
    """orjson's ``OPT_INDENT_2`` text as json's ``indent=1`` writes it at nesting ``level``.

    Every line break of orjson's text is followed by its indent, two spaces a level: JSON
    text holds no other line break, nor a NUL (the marker). Each depth's indent is swapped
    for markers, deepest first (so a narrowed indent is never taken for a shallower one),
    then the markers for spaces: a few passes in C over the text, no Python call per line.

    >>> data = {"b": [1, {"c": []}], "a": "x"}
    >>> wide = orjson.dumps(data, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS)
    >>> narrow_indent(wide, 0).decode() == json.dumps(data, indent=1, sort_keys=True)
    True
    """
    depth = 0
    while b"\n" + b"  " * (depth + 1) in text:
        depth += 1
    for d in range(depth, 0, -1):
        text = text.replace(b"\n" + b"  " * d, b"\n" + b"\0" * d)
    if level:
        text = text.replace(b"\n", b"\n" + b" " * level)
    return text.replace(b"\0", b" ")


def _records_text(records: list[dict[str, Any]], checked: bool) -> str:
    """``records`` as the nodes list holds them: each at nesting level 2, joined by commas."""
    if checked or written_alike(records):
        try:
            data = orjson.dumps(records, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS)
        except (TypeError, orjson.JSONEncodeError):  # beyond 64 bits, keys that are not text
            pass
        else:
            return narrow_indent(data, 1)[2:-3].decode("utf-8")  # without "[\n" and "\n ]"
    return ",\n".join("  " + dump_indented(r, 2) for r in records)


def _write_nodes(tables: GraphTables, out: TextIO) -> None:
    first = True
    for records in (tables.episodes, tables.entities, tables.topics):
        for start in range(0, len(records), _CHUNK):
            chunk = records[start:start + _CHUNK]
            if chunk:
                out.write(("\n" if first else ",\n") + _records_text(chunk, tables.plain_records))
                first = False
    out.write("\n ]" if not first else "]")


def write_node_link(tables: GraphTables, out: TextIO) -> None:
    """Write ``tables`` to ``out`` as graph.json text (see the module docstring)."""
    out.write('{\n "directed": true,\n "edges": [')
    _write_edges(tables, out)
    out.write(f',\n "graph": {dump_indented(tables.graph_attrs, 1)},\n "multigraph": true,\n "nodes": [')
    _write_nodes(tables, out)
    out.write("\n}\n")
