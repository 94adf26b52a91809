"""Check that decoded graph.json data is a castgraph graph of a schema version this castgraph knows.

Every reader of graph.json runs :func:`check_graph_data` before building a graph
from the data, so a file castgraph did not write (another networkx graph, a
hand-edited or damaged file) is refused with one line saying what is wrong, never
half-read, replaced or answered from. It checks what the later stages rely on:
the schema version, node labels and id prefixes, the attribute types of each label,
and edges between existing nodes of the right labels.

Examples
--------
>>> ok = {"directed": True, "multigraph": True, "graph": {"schema_version": 1},
...       "nodes": [{"id": "topic:ai", "label": "Topic", "name": "ai"}], "edges": []}
>>> check_graph_data(ok)
>>> check_graph_data({"directed": False, "multigraph": False, "graph": {"name": "Karate"},
...                   "nodes": [{"id": 0, "club": "Mr. Hi"}], "edges": []})
Traceback (most recent call last):
...
castgraph.graph.graph_check.GraphDataError: no castgraph schema version (not written by castgraph)
"""

from __future__ import annotations

import math
from typing import Any

from castgraph.errors import CastgraphError

__all__ = ["KNOWN_SCHEMA_VERSIONS", "GraphDataError", "check_graph_data"]

KNOWN_SCHEMA_VERSIONS = (1,)

_PREFIX = {"Episode": "episode:", "Entity": "entity:", "Topic": "topic:"}
_ENTITY_TYPES = {"Person", "Organization", "Product", "Concept", "Event", "Place", "Other"}

# Attribute -> kind, per label. Attributes not listed are not read by castgraph and may be anything.
_TEXT, _INT, _NUMBER, _TEXTS = "text", "whole number from 0 to 2**31-1", "number", "list of text"
_INT_LIMIT = 2**31
_OPT_TEXT, _OPT_INT, _DICT, _LIST = "text or null", "whole number (0 to 2**31-1) or null", "object", "list"
_NODE_ATTRS: dict[str, dict[str, str]] = {
    "Episode": {"record_id": _TEXT, "title": _TEXT, "show": _TEXT, "published": _OPT_TEXT,
                "age_days": _OPT_INT, "duration_seconds": _OPT_INT, "languages": _TEXTS, "url": _TEXT,
                "summary": _TEXT, "chapters": _LIST, "source": _OPT_TEXT, "extra": _DICT},
    "Entity": {"name": _TEXT, "type": _TEXT, "aliases": _TEXTS, "description": _TEXT, "descriptions": _TEXTS,
               "type_votes": _TEXTS, "mention_count": _INT, "episode_count": _INT, "former_ids": _TEXTS},
    "Topic": {"name": _TEXT},
}
_EDGE_ATTRS = {"surface": _TEXT, "source_type": _TEXT, "description": _TEXT, "ordinal": _INT, "rule": _TEXT,
               "score": _NUMBER, "field": _TEXT, "occurrences": _INT}
_EDGE_ENDS = {"MENTIONS": ("Episode", "Entity"), "HAS_TOPIC": ("Episode", "Topic")}
# What later stages read without a default (incremental builds rebuild episodes and resolution).
_REQUIRED = {"Episode": (), "Entity": ("name", "type"), "Topic": (),
             "MENTIONS": ("surface", "ordinal")}


class GraphDataError(CastgraphError, ValueError):
    """graph.json data that is not a castgraph graph (the message says what is wrong)."""


def _is(kind: str, value: Any) -> bool:
    if kind in (_OPT_TEXT, _OPT_INT) and value is None:
        return True
    if kind in (_TEXT, _OPT_TEXT):
        return isinstance(value, str)
    if kind in (_INT, _OPT_INT):
        # Whole numbers castgraph writes are counts, ordinals, days and seconds: the columns hold 32 bits.
        return isinstance(value, int) and not isinstance(value, bool) and 0 <= value < _INT_LIMIT
    if kind == _NUMBER:
        return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
    if kind == _TEXTS:
        return isinstance(value, list) and all(isinstance(v, str) for v in value)
    if kind == _DICT:
        return isinstance(value, dict)
    return isinstance(value, list)


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _check_chapters(chapters: list[Any], where: str) -> None:
    for n, chapter in enumerate(chapters, 1):
        if not isinstance(chapter, dict) or not isinstance(chapter.get("title"), str):
            raise GraphDataError(f"{where}: chapter {n} is not an object with a title")
        start = chapter.get("start")
        if start is not None and not _is(_NUMBER, start):
            raise GraphDataError(f"{where}: chapter {n} 'start' is not a number")
        for key, kind in (("summary", _OPT_TEXT), ("quotes", _TEXTS)):
            if key in chapter and not _is(kind, chapter[key]) and chapter[key] is not None:
                raise GraphDataError(f"{where}: chapter {n} {key!r} is not {kind}")


def _check_nodes(nodes: Any) -> dict[str, str]:
    if not isinstance(nodes, list):
        raise GraphDataError("'nodes' is not a list")
    labels: dict[str, str] = {}
    for n, node in enumerate(nodes, 1):
        if not isinstance(node, dict):
            raise GraphDataError(f"node {n} is not an object")
        node_id, label = node.get("id"), node.get("label")
        if not isinstance(node_id, str):
            raise GraphDataError(f"node {n}: id {_short(node_id)} is not text")
        where = f"node {_short(node_id)}"
        if not isinstance(label, str) or label not in _PREFIX:
            raise GraphDataError(f"{where}: label {_short(label)} is not Episode, Entity or Topic")
        if not node_id.startswith(_PREFIX[label]):
            raise GraphDataError(f"{where}: a {label} id must start with {_PREFIX[label]!r}")
        if node_id in labels:
            raise GraphDataError(f"{where}: listed twice")
        missing = [key for key in _REQUIRED[label] if key not in node]
        if missing:
            raise GraphDataError(f"{where}: no {missing[0]!r}")
        for key, kind in _NODE_ATTRS[label].items():
            if key in node and not _is(kind, node[key]):
                raise GraphDataError(f"{where}: {key!r} is not {kind}: {_short(node[key])}")
        if label == "Entity":
            if not isinstance(node["type"], str) or node["type"] not in _ENTITY_TYPES:
                raise GraphDataError(f"{where}: type {_short(node['type'])} is not an entity type")
            if any("=" not in v or not v.rpartition("=")[2].isdigit() for v in node.get("type_votes") or []):
                raise GraphDataError(f"{where}: 'type_votes' items must look like 'Person=2'")
        if label == "Episode":
            _check_chapters(node.get("chapters") or [], where)
        labels[node_id] = label
    return labels


def _edge_problem(n: int, edge: Any, labels: dict[str, str], seen: set[tuple[str, str, str]]) -> str | None:
    """What is wrong with edge ``n`` (the slow, precise check), or ``None``."""
    if not isinstance(edge, dict):
        return f"edge {n} is not an object"
    source, target, key, kind = (edge.get(k) for k in ("source", "target", "key", "type"))
    if not isinstance(kind, str) or kind not in _EDGE_ENDS:
        return f"edge {n}: type {_short(kind)} is not MENTIONS or HAS_TOPIC"
    if not isinstance(key, str):
        return f"edge {n}: key {_short(key)} is not text"
    ends = (labels.get(source) if isinstance(source, str) else None,
            labels.get(target) if isinstance(target, str) else None)
    if ends != _EDGE_ENDS[kind]:
        article = "an" if kind == "MENTIONS" else "a"
        return (f"edge {n}: a {kind} edge goes from an Episode to {article} {_EDGE_ENDS[kind][1]} "
                "node of the graph")
    if (source, target, key) in seen:
        return f"edge {n}: a second {kind} edge with key {key!r} between the same nodes"
    if kind == "MENTIONS":
        missing = [attr for attr in _REQUIRED[kind] if attr not in edge]
        if missing:
            return f"edge {n}: no {missing[0]!r}"
        for attr, attr_kind in _EDGE_ATTRS.items():
            if attr in edge and not _is(attr_kind, edge[attr]):
                return f"edge {n}: {attr!r} is not {attr_kind}: {_short(edge[attr])}"
    return None


def _plain_edge(edge: Any, labels: dict[str, str], seen: set[tuple[str, str, str]]) -> bool:
    """Whether ``edge`` is a well-formed edge not seen before (the fast check of the common case)."""
    if type(edge) is not dict:
        return False
    source, target, key, kind = edge.get("source"), edge.get("target"), edge.get("key"), edge.get("type")
    if type(source) is not str or type(target) is not str or type(key) is not str \
            or labels.get(source) != "Episode" or (source, target, key) in seen:
        return False
    if kind == "HAS_TOPIC":
        return labels.get(target) == "Topic"
    if kind != "MENTIONS" or labels.get(target) != "Entity":
        return False
    score = edge.get("score", 0.0)
    ordinal = edge.get("ordinal")
    return (type(edge.get("surface")) is str and type(ordinal) is int and 0 <= ordinal < _INT_LIMIT
            and type(edge.get("source_type", "")) is str and type(edge.get("description", "")) is str
            and type(edge.get("rule", "")) is str and type(edge.get("field", "")) is str
            and type(edge.get("occurrences", 0)) is int and 0 <= edge.get("occurrences", 0) < _INT_LIMIT
            and ((type(score) is float and math.isfinite(score)) or type(score) is int))


def _check_edges(edges: Any, labels: dict[str, str]) -> None:
    if not isinstance(edges, list):
        raise GraphDataError("'edges' is not a list")
    seen: set[tuple[str, str, str]] = set()
    for n, edge in enumerate(edges, 1):
        # A graph has many edges: the common case is checked fast, anything else precisely.
        if not _plain_edge(edge, labels, seen):
            problem = _edge_problem(n, edge, labels, seen)
            if problem is not None:
                raise GraphDataError(problem)
        seen.add((edge["source"], edge["target"], edge["key"]))


def check_graph_data(data: Any) -> None:
    """Raise :class:`GraphDataError` unless ``data`` (decoded graph.json) is a castgraph graph.

    A graph without ``schema_version`` (castgraph 0.1 wrote none) or with a version
    this castgraph does not know is refused; so is any node or edge the schema does
    not allow.
    """
    if not isinstance(data, dict):
        raise GraphDataError(f"a JSON {type(data).__name__}, not a graph object")
    attrs = data.get("graph")
    version = attrs.get("schema_version") if isinstance(attrs, dict) else None
    if version is None:
        raise GraphDataError("no castgraph schema version (not written by castgraph)")
    if version not in KNOWN_SCHEMA_VERSIONS or isinstance(version, bool):
        known = ", ".join(map(str, KNOWN_SCHEMA_VERSIONS))
        raise GraphDataError(f"schema version {_short(version)} is not one this castgraph reads ({known}); "
                             "upgrade castgraph or rebuild the graph")
    if data.get("directed") is not True or data.get("multigraph") is not True:
        raise GraphDataError("not a directed multigraph")
    _check_edges(data.get("edges"), _check_nodes(data.get("nodes")))
