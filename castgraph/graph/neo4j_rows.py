"""The graph as the rows :class:`~castgraph.graph.neo4j_store.Neo4jStore` writes, and stored records
back as a graph.

Rows are plain dicts (``{id, props}`` for nodes, ``{source, target, key, props}`` for
relationships) with properties encoded as :mod:`castgraph.graph.neo4j_schema` maps them;
nothing here talks to a server.

Examples
--------
>>> from castgraph.graph.build import build_graph
>>> from castgraph.graph.model import Episode, Resolution
>>> from castgraph.graph.neo4j_schema import checked_labels
>>> graph = build_graph([Episode(id="e1", title="Hi")], Resolution())
>>> groups = node_rows(graph, checked_labels(graph), "Neo4j at bolt://127.0.0.1:7687")
>>> [(labels, [row["id"] for row in rows]) for labels, rows in groups.items()]
[(('Episode',), ['episode:e1'])]
>>> back = graph_from_records([(["Episode"], rows[0]["props"]) for rows in groups.values()], [])
>>> list(back.nodes), back.nodes["episode:e1"]["title"]
(['episode:e1'], 'Hi')
"""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

import networkx as nx

from castgraph.graph.build import SCHEMA_VERSION
from castgraph.graph.neo4j_cypher import Row, batches_by_source
from castgraph.graph.neo4j_schema import (
    JSON_PROPERTIES,
    NODE_LABELS,
    RELATIONSHIP_PROPERTIES,
    RELATIONSHIPS,
    check_ids_fit,
    decode_properties,
    encode_properties,
    fit_index_limits,
)
from castgraph.memory import gc_paused

__all__ = ["EdgeBatches", "edge_rows", "graph_from_records", "node_rows"]

#: Per relationship type, for episodes new to the database: ``(per-episode batches of rows with
#: only the type's usual properties, rows with other properties)``.
EdgeBatches = dict[str, tuple[list[list[Row]], list[Row]]]


def node_rows(graph: nx.MultiDiGraph, label_of: dict[Any, tuple[str, ...]], where: str
              ) -> dict[tuple[str, ...], list[Row]]:
    """Node rows grouped by labels (``label_of``, from :func:`~castgraph.graph.neo4j_schema.checked_labels`).

    Ids and indexed properties are checked against the server's limits first (``where``
    names the server in the message).
    """
    node_groups: dict[tuple[str, ...], list[Row]] = defaultdict(list)
    check_ids_fit(graph, where)
    for node, attrs in graph.nodes(data=True):
        labels = label_of[node]
        props = encode_properties(attrs, json_keys=JSON_PROPERTIES[labels[0]])
        fit_index_limits(labels[0], props)
        props["id"] = node
        node_groups[labels].append({"id": node, "props": props})
    return dict(node_groups)


def edge_rows(graph: nx.MultiDiGraph, stored_episodes: set[str], batch_size: int, stop: threading.Event
              ) -> tuple[dict[str, list[Row]], EdgeBatches]:
    """Relationship rows by type; and, for episodes new to the database, their CREATE batches.

    Returns early (and incomplete) once ``stop`` is set: it runs beside the writing of the
    nodes, which may fail.
    """
    edge_groups: dict[str, list[Row]] = defaultdict(list)
    skip = frozenset({"type", "key"})
    with gc_paused():
        for count, (source, target, key, attrs) in enumerate(graph.edges(keys=True, data=True)):
            if count % 65536 == 0 and stop.is_set():
                return {}, {}
            props = encode_properties(attrs, skip=skip)
            props["key"] = key
            row = {"source": source, "target": target, "key": key, "props": props}
            edge_groups[attrs["type"]].append(row)
        fresh_groups: EdgeBatches = {}
        for rel_type, rows in edge_groups.items():
            allowed = set(RELATIONSHIP_PROPERTIES[rel_type])
            fresh = [r for r in rows if r["source"] not in stored_episodes]
            plain = [r for r in fresh if r["props"].keys() <= allowed]
            other = [r for r in fresh if not r["props"].keys() <= allowed]
            fresh_groups[rel_type] = (list(batches_by_source(plain, batch_size)), other)
    return dict(edge_groups), fresh_groups


def graph_from_records(nodes: Sequence[tuple[list[str], dict[str, Any]]],
                       edges: Sequence[tuple[str, str, str, dict[str, Any]]]) -> nx.MultiDiGraph:
    """The graph of stored ``nodes`` ``(labels, properties)`` and ``edges`` ``(source, target, type,
    properties)``, put in the builder's order whatever order the server returned them in."""
    graph = nx.MultiDiGraph(schema_version=SCHEMA_VERSION)
    order = {label: i for i, label in enumerate(NODE_LABELS)}
    decoded = []
    for labels, props in nodes:
        label = next(x for x in NODE_LABELS if x in labels)
        decoded.append((order[label], props["id"], decode_properties(label, props)))
    for _, node_id, attrs in sorted(decoded, key=lambda item: (item[0], item[1])):
        graph.add_node(node_id, **attrs)
    rel_order = {rel: i for i, rel in enumerate(RELATIONSHIPS)}

    def edge_sort(edge: tuple[str, str, str, dict[str, Any]]) -> tuple[Any, ...]:
        source, target, rel_type, props = edge
        return (source, rel_order[rel_type], props.get("ordinal", 0), str(props.get("key")), target)

    for source, target, rel_type, props in sorted(edges, key=edge_sort):
        attrs = {k: v for k, v in props.items() if k != "key"}
        graph.add_edge(source, target, key=props.get("key"), type=rel_type, **attrs)
    return graph
