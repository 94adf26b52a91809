"""graph.json (networkx node-link JSON) written straight from the columns, streamed.

The text is exactly what ``json.dumps(nx.node_link_data(graph, edges="edges"),
ensure_ascii=False, indent=1, sort_keys=True)`` gives for the networkx graph of the
same tables, byte for byte, so ``nx.node_link_graph`` reads it back as before.
It is written a chunk at a time: each distinct attribute value of a mention
column is encoded once, into a pool of text pieces; a chunk of edges is a matrix
of indices into the pool (numpy), and its text one join of the pieces taken at
them, with no dict, no Python call and no JSON encoder per edge. The pieces are
UTF-8 bytes, written to a binary file: encoding the text at the end cost as much
again as joining it.
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
>>> out = io.BytesIO()
>>> write_node_link(tables, out)
>>> data = nx.node_link_data(tables.to_networkx(), edges="edges")
>>> out.getvalue().decode() == json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True) + "\\n"
True
"""

from __future__ import annotations

import json
import math
from typing import Any, BinaryIO

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


def _write_edges(tables: GraphTables, out: BinaryIO) -> None:
    # Every piece of text an edge is made of is in one pool, each encoded once; a chunk of
    # edges is then a matrix of pool indices (a row per edge, in file order), and its text
    # one join of the pool taken at those indices: no Python call per edge or per key.
    ep_ids = [r["id"] for r in tables.episodes]
    names = sorted(["key", "source", "target", "type", "ordinal", *tables.m_cols])
    pad = "   "
    lines: dict[str, list[str]] = {}
    for name, column in tables.m_cols.items():
        lines[name] = [f'{pad}"{name}": {dump_indented(v, 3)}' for v in column.values]
    ep_line = [f'{pad}"source": {_encode_str(e)}' for e in ep_ids]
    lines["source"] = ep_line
    lines["target"] = [f'{pad}"target": {_encode_str(r["id"])}' for r in tables.entities]
    order = tables.edge_order()
    ordinals = tables.m_ord[order]
    distinct = sorted_distinct(ordinals).tolist() if len(ordinals) else []
    ord_code = np.searchsorted(np.asarray(distinct, dtype=np.int64), ordinals) if distinct else ordinals
    lines["ordinal"] = [f'{pad}"ordinal": {o}' for o in distinct]
    lines["key"] = [f'{pad}"key": "{mention_key(o)}"' for o in distinct]
    lines["type"] = [f'{pad}"type": "{MENTIONS}"']
    # A record's first key follows "{" without a comma: the keys up to the first one every
    # edge has ("key" at the latest) may be first, and have a line without it too.
    may_lead = 1 + next(k for k, name in enumerate(names)
                        if name not in tables.m_cols or not tables.m_cols[name].sparse)
    pool = ["", ",\n  {", "\n  }"]  # nothing (an absent key), an edge's start, its end
    comma_at, bare_at = np.zeros(len(names), dtype=np.int64), np.zeros(may_lead, dtype=np.int64)
    for k, name in enumerate(names):
        comma_at[k] = len(pool)
        pool.extend([",\n" + line for line in lines[name]])
        if k < may_lead:
            bare_at[k] = len(pool)
            pool.extend(["\n" + line for line in lines[name]])
    topic_at = len(pool)
    pool.extend([f',\n  {{\n{pad}"key": "{TOPIC_KEY}",\n{line}' for line in ep_line])
    target_at = len(pool)
    pool.extend([f',\n{pad}"target": {_encode_str(r["id"])},\n{pad}"type": "{HAS_TOPIC}"\n  }}'
                 for r in tables.topics])
    pieces = np.empty(len(pool), dtype=object)
    pieces[:] = [piece.encode() for piece in pool]
    width = len(names) + 2
    sources = tables.m_ep[order]
    # Each episode's first mention row: a chunk is whole episodes.
    bounds = np.searchsorted(sources, np.arange(len(ep_ids) + 1))
    ptr, idx = tables.ept_ptr, tables.ept_idx
    first = True
    for start in range(0, len(ep_ids), 5000):
        stop = min(start + 5000, len(ep_ids))
        lo, hi = int(bounds[start]), int(bounds[stop])
        rows = order[lo:hi]
        codes = np.empty((hi - lo, len(names)), dtype=np.int64)
        for k, name in enumerate(names):
            if name == "source":
                codes[:, k] = tables.m_ep[rows]
            elif name == "target":
                codes[:, k] = tables.m_ent[rows]
            elif name in ("ordinal", "key"):
                codes[:, k] = ord_code[lo:hi]
            elif name == "type":
                codes[:, k] = 0
            else:
                codes[:, k] = tables.m_cols[name].codes[rows]  # -1: no such key on this edge
        present = codes >= 0
        mentions = np.empty((hi - lo, width), dtype=np.int64)
        mentions[:, 0], mentions[:, -1] = 1, 2
        mentions[:, 1:-1] = np.where(present, codes + comma_at, 0)
        # Each row's first present key, bare (the last that may lead is always present).
        lead = present[:, :may_lead].argmax(axis=1)
        mentions[np.arange(hi - lo), lead + 1] += (bare_at - comma_at[:may_lead])[lead]
        topics = idx[ptr[start]:ptr[stop]].astype(np.int64)
        topic_episodes = np.repeat(np.arange(start, stop), np.diff(ptr[start:stop + 1]))
        topic_rows = np.zeros((len(topics), width), dtype=np.int64)
        topic_rows[:, 0] = topic_at + topic_episodes
        topic_rows[:, 1] = target_at + topics
        # File order: episode by episode, its mentions (already in order), then its topics.
        place = np.concatenate((sources[lo:hi].astype(np.int64) * 2, topic_episodes * 2 + 1))
        edges = np.concatenate((mentions, topic_rows))[np.argsort(place, kind="stable")]
        if len(edges):
            text = b"".join(pieces[edges.ravel()].tolist())
            out.write(text[1:] if first else text)  # the file's first edge follows "[" without a comma
            first = False
    out.write(b"\n ]" if not first else b"]")


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


def _records_text(records: list[dict[str, Any]], checked: bool) -> bytes:
    """``records`` as the nodes list holds them: each at nesting level 2, joined by commas."""
    if checked or written_alike(records):
        try:
            data = orjson.dumps(records, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS)
        except (TypeError, orjson.JSONEncodeError):  # beyond 64 bits, keys that are not text
            pass
        else:
            return narrow_indent(data, 1)[2:-3]  # without "[\n" and "\n ]"
    return ",\n".join("  " + dump_indented(r, 2) for r in records).encode()


def _write_nodes(tables: GraphTables, out: BinaryIO) -> None:
    first = True
    for records in (tables.episodes, tables.entities, tables.topics):
        for start in range(0, len(records), _CHUNK):
            chunk = records[start:start + _CHUNK]
            if chunk:
                out.write((b"\n" if first else b",\n") + _records_text(chunk, tables.plain_records))
                first = False
    out.write(b"\n ]" if not first else b"]")


def write_node_link(tables: GraphTables, out: BinaryIO) -> None:
    """Write ``tables`` to the binary file ``out`` as graph.json's UTF-8 text (see the module docstring)."""
    out.write(b'{\n "directed": true,\n "edges": [')
    _write_edges(tables, out)
    graph_attrs = dump_indented(tables.graph_attrs, 1)
    out.write(f',\n "graph": {graph_attrs},\n "multigraph": true,\n "nodes": ['.encode())
    _write_nodes(tables, out)
    out.write(b"\n}\n")
