"""The server store: the castgraph graph in Neo4j.

:meth:`Neo4jStore.write` makes the database hold exactly the given graph (the schema
of :mod:`castgraph.graph.build`, mapped as described in
:mod:`castgraph.graph.neo4j_schema`):

1. uniqueness constraints and indexes are created first (``IF NOT EXISTS``);
2. nodes, then relationships, are written in batches of ``batch_size`` rows, each
   batch one ``UNWIND $rows ...`` in a managed (retried) write transaction:

   * nodes whose id is new to the database, and the relationships of episodes new
     to it, with ``CREATE`` (nothing to match; the uniqueness constraints still
     refuse a second node with the same id);
   * stored nodes and the relationships of stored episodes are read back, compared
     with the graph, and only the differences written: ``MERGE (n {id})`` /
     ``MERGE (episode)-[:MENTIONS {key}]->(entity)`` then ``SET`` the properties;
     relationships the graph no longer has are deleted;
3. nodes whose ids are no longer in the graph are deleted with their relationships.

A write that stopped half-way (the server went away) is completed by running it
again: every committed batch stays, the rest is found missing and written, nothing
is duplicated. Writing the same graph twice writes nothing the second time. One
writer per database at a time: two concurrent writes of new episodes fail on the
uniqueness constraints rather than duplicate anything.

Examples
--------
>>> store = Neo4jStore("bolt://127.0.0.1:1", user="neo4j", password="x", batch_size=500)
>>> store.batch_size, store.database
(500, None)
>>> store.close()
"""

from __future__ import annotations

import logging
from contextlib import AbstractContextManager
from typing import Any

import networkx as nx
from neo4j import Driver, GraphDatabase, RoutingControl, Session

from castgraph.graph.cypher_guard import check_read_only
from castgraph.graph.neo4j_cypher import REL_TYPES
from castgraph.graph.neo4j_errors import Neo4jStoreError, server_name, store_errors
from castgraph.graph.neo4j_rows import graph_from_records
from castgraph.graph.neo4j_schema import NODE_LABELS, RELATIONSHIPS, SCHEMA_STATEMENTS
from castgraph.graph.neo4j_write import GraphWriter, Neo4jWriteReport
from castgraph.graph.store import GraphStore

__all__ = ["DEFAULT_BATCH_SIZE", "Neo4jStore", "Neo4jStoreError", "Neo4jWriteReport"]

# The driver logs each retry as a warning; an application decides whether to show that.
logging.getLogger("neo4j").addHandler(logging.NullHandler())

# Rows per transaction. Measured with benchmarks/neo4j_load.py (2 cores, server on the same
# machine, 140k relationships, 2 writers): 1k rows 8.4k rel/s, 2.5k 19.1k, 5k 20.4k, 10k 21.8k,
# 20k 12.6k; past 5k the gain is within run-to-run noise, while memory per transaction grows.
DEFAULT_BATCH_SIZE = 10_000
# Concurrent transactions creating new nodes, and the relationships of new episodes (each
# batch holds whole episodes, so two never touch the same episode node). Measured on 420k
# relationships: 1 writer 15-19k rel/s, 2 writers 22-26k, 3 no better on 2 cores.
DEFAULT_WRITERS = 2


class Neo4jStore(GraphStore):
    """A castgraph graph on a Neo4j server.

    Parameters
    ----------
    uri : str
        Bolt or neo4j URI, e.g. ``bolt://127.0.0.1:7687``.
    user, password : str
        Credentials.
    database : str, optional
        Database name; the server's default database when ``None``.
    batch_size : int
        Rows per write transaction.
    max_retry_seconds : float
        How long a managed transaction is retried on transient failures (a server
        restarting, a deadlock between writers) before the write gives up with
        :class:`Neo4jStoreError`.
    writers : int
        Concurrent write transactions for new nodes and the relationships of new episodes.
    replace : bool
        Whether :meth:`write` may delete stored episodes the graph does not have (another
        graph). When ``False`` such a write is refused before anything is written.
    connection_timeout : float
        Seconds to wait for a connection to the server (twice that, at least 8, for the server
        to answer on it).

    Attributes
    ----------
    driver : neo4j.Driver
        The driver; run your own Cypher with ``store.driver.execute_query(q, database_=store.database)``.
    """

    def __init__(
        self,
        uri: str,
        *,
        user: str = "neo4j",
        password: str = "",
        database: str | None = None,
        batch_size: int = DEFAULT_BATCH_SIZE,
        max_retry_seconds: float = 15.0,
        writers: int = DEFAULT_WRITERS,
        replace: bool = True,
        connection_timeout: float = 10.0,
    ) -> None:
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        if writers < 1:
            raise ValueError("writers must be at least 1")
        self.writers = writers
        self.replace = replace
        self.uri = uri
        self.user = user
        self.database = database
        self.batch_size = batch_size
        self.driver: Driver = GraphDatabase.driver(
            uri, auth=(user, password), max_transaction_retry_time=max_retry_seconds,
            # A server that accepts the connection but never answers is caught by the acquisition timeout.
            connection_timeout=connection_timeout,
            connection_acquisition_timeout=max(2 * connection_timeout, 8.0),
            # Server notices ("label does not exist" on an empty database) are not errors here.
            notifications_min_severity="OFF",
        )

    # -- lifecycle ---------------------------------------------------------------
    def close(self) -> None:
        """Close the driver (and its connections)."""
        self.driver.close()

    def __enter__(self) -> Neo4jStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Neo4jStore({self.uri!r}, database={self.database!r})"

    def _errors(self, doing: str, resumable: bool = False) -> AbstractContextManager[None]:
        """Turn driver failures into one-line :class:`Neo4jStoreError` s saying what was going on."""
        return store_errors(server_name(self.uri, self.database), self.user, doing, resumable)

    def verify(self) -> None:
        """Check that the server is reachable and accepts the credentials (fails fast, no retries)."""
        with self._errors("connecting"):
            self.driver.verify_connectivity()

    def _session(self) -> Session:
        return self.driver.session(database=self.database)

    # -- schema --------------------------------------------------------------------
    def create_schema(self) -> None:
        """Create castgraph's constraints and indexes (idempotent) and wait for them to be online."""
        with self._errors("creating constraints and indexes"), self._session() as session:
            for statement in SCHEMA_STATEMENTS:
                session.run(statement).consume()
            session.run("CALL db.awaitIndexes(300)").consume()

    # -- write ---------------------------------------------------------------------
    def write(self, graph: nx.MultiDiGraph) -> Neo4jWriteReport:
        """Make the database hold exactly ``graph``; see the module docstring."""
        return GraphWriter(self).write(graph)

    # -- read ----------------------------------------------------------------------
    def read(self) -> nx.MultiDiGraph:
        """The stored graph, with the same node ids and attributes, edge keys and attributes as written.

        Nodes come in the builder's order (episodes, entities, topics, each by id) and
        each episode's edges by type then ordinal, so a graph read back serializes like
        the one written.
        """
        labels_filter = " OR ".join(f"n:{label}" for label in NODE_LABELS)
        with self._errors("reading the graph"), self._session() as session:
            nodes = [(r["labels"], r["props"]) for r in session.run(
                f"MATCH (n) WHERE {labels_filter} RETURN labels(n) AS labels, properties(n) AS props")]
            edges = [(r["source"], r["target"], r["type"], r["props"]) for r in session.run(
                f"MATCH (a:Episode)-[r:{REL_TYPES}]->(b) "
                "RETURN a.id AS source, b.id AS target, type(r) AS type, properties(r) AS props")]
        return graph_from_records(nodes, edges)

    # -- helpers for tests, benchmarks and the CLI ------------------------------------
    def counts(self) -> dict[str, int]:
        """Nodes per castgraph label and relationships per type, e.g. ``{"Episode": 12, ...}``."""
        with self._errors("counting"), self._session() as session:
            out = {label: session.run(f"MATCH (n:{label}) RETURN count(n) AS n").single(strict=True)["n"]
                   for label in NODE_LABELS}
            for rel_type in RELATIONSHIPS:
                out[rel_type] = session.run(
                    f"MATCH ()-[r:{rel_type}]->() RETURN count(r) AS n").single(strict=True)["n"]
        return out

    def clear(self) -> int:
        """Delete every node of castgraph's labels (in batches); return how many."""
        labels_filter = " OR ".join(f"n:{label}" for label in NODE_LABELS)
        return self._delete_where(labels_filter, "clearing castgraph's nodes")

    def clear_all(self) -> int:
        """Delete every node in the database (tests use this to start clean); return how many."""
        return self._delete_where("true", "clearing the database")

    def _delete_where(self, condition: str, doing: str) -> int:
        query = f"MATCH (n) WHERE {condition} WITH n LIMIT $limit DETACH DELETE n RETURN count(*) AS c"
        deleted = 0
        with self._errors(doing), self._session() as session:
            while True:
                n = session.execute_write(
                    lambda tx: tx.run(query, {"limit": self.batch_size}).single(strict=True)["c"])
                deleted += n
                if n == 0:
                    return deleted

    def run(self, query: str, params: dict[str, Any] | None = None, *, write: bool = False,
            doing: str = "running a query") -> tuple[list[str], list[dict[str, Any]]]:
        """Run one Cypher query (read access unless ``write``); return its columns and rows.

        In read access, a query that reaches outside the database (``LOAD CSV``, procedures
        outside ``db.*``) is refused before it is sent: see :mod:`castgraph.graph.cypher_guard`.
        """
        if not write:
            check_read_only(query)
        routing = RoutingControl.WRITE if write else RoutingControl.READ
        self.verify()
        with self._errors(doing):
            records, _, keys = self.driver.execute_query(
                query, params or {}, database_=self.database, routing_=routing)
        return list(keys), [dict(r.items()) for r in records]
