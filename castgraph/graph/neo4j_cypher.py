"""The Cypher and the batching behind :class:`castgraph.graph.neo4j_store.Neo4jStore`.

Query text is built from the allow-lists of :mod:`castgraph.graph.neo4j_schema` only;
every value travels as a parameter (``$rows``, ``$ids``).

Examples
--------
>>> node_query(("Entity", "Person"), create=True)
'UNWIND $rows AS row CREATE (n:Entity:Person) SET n = row.props'
>>> [len(b) for b in batches(list(range(5)), 2)]
[2, 2, 1]
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from neo4j import ManagedTransaction

from castgraph.graph.neo4j_schema import (
    ENTITY_TYPE_LABELS,
    RELATIONSHIP_PROPERTIES,
    RELATIONSHIPS,
    relationship_endpoints,
)

__all__ = ["DELETE_EDGES", "EPISODE_EDGES", "REL_TYPES", "Row", "batches", "batches_by_source",
           "create_edges_query", "edge_query", "node_query", "run_counters", "same_props"]

Row = dict[str, Any]


def node_query(labels: tuple[str, ...], *, create: bool = False) -> str:
    """Write nodes with ``labels`` from rows ``{id, props}``: CREATE new ones, or MERGE by id."""
    # Labels come from the allow-list only (neo4j_schema.node_labels), never from data.
    label = labels[0]
    if create:  # ids new to the database; the uniqueness constraint still guards against doubles
        return f"UNWIND $rows AS row CREATE (n:{':'.join(labels)}) SET n = row.props"
    query = f"UNWIND $rows AS row MERGE (n:{label} {{id: row.id}}) SET n = row.props"
    if label == "Entity":
        others = [t for t in ENTITY_TYPE_LABELS if t != labels[1]]
        query += f" SET n:{labels[1]} REMOVE n:{':'.join(others)}"
    return query


def edge_query(rel_type: str, *, create: bool = False) -> str:
    """Write relationships from rows ``{source, target, key, props}``: CREATE, or MERGE by key."""
    source, target = relationship_endpoints(rel_type)
    verb = f"CREATE (a)-[r:{rel_type}]->(b)" if create else f"MERGE (a)-[r:{rel_type} {{key: row.key}}]->(b)"
    return (f"UNWIND $rows AS row MATCH (a:{source} {{id: row.source}}) "
            f"MATCH (b:{target} {{id: row.target}}) {verb} SET r = row.props")


def create_edges_query(rel_type: str) -> str:
    """CREATE relationships from rows ``{source, rels: [{target, props}]}`` (one row per episode).

    The properties are a literal map of allow-listed names: with ``SET r = map`` the
    planner must materialize the whole batch first (it cannot rule out a write to ``id``),
    which roughly halves the rate. One row per episode saves a lookup per relationship.
    """
    source, target = relationship_endpoints(rel_type)
    props = ", ".join(f"{k}: rel.props.{k}" for k in RELATIONSHIP_PROPERTIES[rel_type])
    return (f"UNWIND $rows AS row MATCH (a:{source} {{id: row.source}}) "
            f"UNWIND row.rels AS rel MATCH (b:{target} {{id: rel.target}}) "
            f"CREATE (a)-[:{rel_type} {{{props}}}]->(b)")


def batches_by_source(rows: Sequence[Row], size: int) -> Iterator[list[Row]]:
    """Batches of about ``size`` relationships, as one row per source node."""
    batch: list[Row] = []
    count = 0
    current: Row | None = None
    for row in rows:
        if current is None or current["source"] != row["source"]:
            if count >= size:
                yield batch
                batch, count = [], 0
            current = {"source": row["source"], "rels": []}
            batch.append(current)
        current["rels"].append({"target": row["target"], "props": row["props"]})
        count += 1
    if batch:
        yield batch


REL_TYPES = "|".join(RELATIONSHIPS)
# The stored relationships of some episodes, to compare with the graph.
EPISODE_EDGES = (f"UNWIND $ids AS id MATCH (a:Episode {{id: id}})-[r:{REL_TYPES}]->(b) "
                  "RETURN a.id AS source, type(r) AS type, r.key AS key, b.id AS target, "
                  "properties(r) AS props, elementId(r) AS element")
DELETE_EDGES = "UNWIND $rows AS element MATCH ()-[r]->() WHERE elementId(r) = element DELETE r"


def same_props(stored: dict[str, Any], wanted: dict[str, Any]) -> bool:
    """Equal properties, counting an absent property and an empty list as the same.

    (The bulk importer stores no property for an empty list.)

    >>> same_props({"id": "x"}, {"id": "x", "aliases": []}), same_props({"n": 1}, {"n": 2})
    (True, False)
    """
    if stored == wanted:
        return True
    return all(stored.get(k) == wanted.get(k) or (stored.get(k) in (None, []) and wanted.get(k) in (None, []))
               for k in stored.keys() | wanted.keys())


def batches(rows: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for start in range(0, len(rows), size):
        yield rows[start:start + size]


def run_counters(tx: ManagedTransaction, query: str, params: dict[str, Any]) -> Any:
    return tx.run(query, params).consume().counters
