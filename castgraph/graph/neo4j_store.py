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
import threading
import time
from collections import defaultdict
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from contextlib import contextmanager
from typing import Any

import networkx as nx
from neo4j import Driver, GraphDatabase, RoutingControl, Session
from neo4j.exceptions import AuthError, DriverError, Neo4jError, ServiceUnavailable, SessionExpired

from castgraph.errors import CastgraphError
from castgraph.graph.build import SCHEMA_VERSION
from castgraph.graph.cypher_guard import check_read_only
from castgraph.graph.neo4j_cypher import (
    DELETE_EDGES,
    EPISODE_EDGES,
    REL_TYPES,
    Row,
    batches,
    batches_by_source,
    create_edges_query,
    edge_query,
    node_query,
    run_counters,
    same_props,
)
from castgraph.graph.neo4j_schema import (
    JSON_PROPERTIES,
    NODE_LABELS,
    RELATIONSHIP_PROPERTIES,
    RELATIONSHIPS,
    SCHEMA_STATEMENTS,
    UnknownLabelError,
    check_ids_fit,
    check_no_other_graph,
    checked_labels,
    decode_properties,
    encode_properties,
    fit_index_limits,
)
from castgraph.graph.store import GraphStore, WriteReport
from castgraph.memory import gc_paused

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

class Neo4jStoreError(CastgraphError):
    """The Neo4j server could not be reached, refused us, or failed a write; one-line message."""


class Neo4jWriteReport(WriteReport):
    """A :class:`WriteReport` with what the write created and changed in the database."""

    nodes_created: int = 0
    edges_created: int = 0
    nodes_updated: int = 0
    edges_updated: int = 0
    edge_seconds: float = 0.0  # of ``seconds``: creating the relationships of new episodes


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

    @contextmanager
    def _errors(self, doing: str, resumable: bool = False) -> Iterator[None]:
        """Turn driver failures into one-line :class:`Neo4jStoreError` s saying what was going on."""
        where = f"Neo4j at {self.uri}" + (f" (database {self.database})" if self.database else "")
        try:
            yield
        except AuthError:
            raise Neo4jStoreError(f"{where} refused user {self.user!r}: wrong user or password") from None
        except (ServiceUnavailable, SessionExpired) as exc:
            reason = " ".join(str(exc).split())
            advice = ("; run the same command again once the server is back (completed batches are kept, "
                      "nothing is duplicated)") if resumable else ""
            raise Neo4jStoreError(f"{where} is unavailable while {doing}{advice}: {reason}") from None
        except UnknownLabelError as exc:
            raise Neo4jStoreError(f"cannot write to {where}: {exc}") from None
        except Neo4jError as exc:
            message = " ".join(str(exc.message or exc).split())
            if "DeadlockDetected" in (exc.code or ""):
                raise Neo4jStoreError(
                    f"{where}: concurrent writers kept deadlocking while {doing}; run the same command "
                    f"again (completed batches are kept, nothing is duplicated): {exc.code}: {message}"
                ) from None
            if resumable and exc.is_retryable():  # e.g. the database shutting down under us
                raise Neo4jStoreError(
                    f"{where} became unavailable while {doing}; run the same command again once the server "
                    f"is back (completed batches are kept, nothing is duplicated): {exc.code}: {message}"
                ) from None
            raise Neo4jStoreError(f"{where} failed while {doing}: {exc.code}: {message}") from None
        except DriverError as exc:
            raise Neo4jStoreError(f"{where} failed while {doing}: {' '.join(str(exc).split())}") from None

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
        started = time.perf_counter()
        with gc_paused():
            node_groups = self._node_rows(graph)
        self.verify()
        report = Neo4jWriteReport(nodes=graph.number_of_nodes(), edges=graph.number_of_edges())
        self.create_schema()
        existing = self._existing_ids()
        if not self.replace:
            where = f"Neo4j at {self.uri}" + (f" (database {self.database})" if self.database else "")
            check_no_other_graph(graph, existing["Episode"], where)
        with self._session() as session, ThreadPoolExecutor(max_workers=1) as pool:
            # The relationship rows (most of the client's work) are made while the server
            # writes the nodes.
            stop = threading.Event()
            pending = pool.submit(self._edge_rows, graph, existing["Episode"], stop)
            try:
                for labels, rows in node_groups.items():
                    self._write_nodes(session, labels, rows, existing[labels[0]], report)
            except BaseException:
                stop.set()  # the failure is reported now, not once every row is made
                raise
            with self._errors("preparing relationships"):
                edge_groups, fresh_groups = pending.result()
            # Relationships of episodes new to the database cannot exist yet: plain CREATE.
            # Those of stored episodes are compared with the graph and only differences written.
            edges_started = time.perf_counter()
            for rel_type, (grouped, other) in fresh_groups.items():
                doing = f"writing :{rel_type} relationships"
                report.edges_created += self._write_batches(
                    session, create_edges_query(rel_type), grouped, doing, "relationships_created",
                    batched=True, concurrent=True)
                report.edges_created += self._write_batches(
                    session, edge_query(rel_type, create=True), other, doing, "relationships_created")
            report.edge_seconds = time.perf_counter() - edges_started
            stored_episodes = sorted(n for n in existing["Episode"] if n in graph)
            self._sync_edges(session, stored_episodes, edge_groups, report)
            for label in NODE_LABELS:
                keep = {n for n, d in graph.nodes(data=True) if d.get("label") == label}
                stale = sorted(i for i in existing[label] if i not in keep)
                query = f"UNWIND $rows AS id MATCH (n:{label} {{id: id}}) DETACH DELETE n"
                with self._errors(f"removing :{label} nodes no longer in the graph", resumable=True):
                    for batch in batches(stale, self.batch_size):
                        counters = session.execute_write(run_counters, query, {"rows": list(batch)})
                        report.nodes_removed += counters.nodes_deleted
                        report.edges_removed += counters.relationships_deleted
        report.seconds = time.perf_counter() - started
        return report

    def _write_nodes(self, session: Session, labels: tuple[str, ...], rows: list[Row], stored: set[str],
                     report: Neo4jWriteReport) -> None:
        """CREATE nodes new to the database; rewrite stored ones only where they differ."""
        doing = f"writing :{':'.join(labels)} nodes"
        fresh = [r for r in rows if r["id"] not in stored]
        report.nodes_created += self._write_batches(
            session, node_query(labels, create=True), fresh, doing, "nodes_created", concurrent=True)
        old = [r for r in rows if r["id"] in stored]
        changed: list[Row] = []
        query = (f"UNWIND $ids AS id MATCH (n:{labels[0]} {{id: id}}) "
                 "RETURN n.id AS id, labels(n) AS labels, properties(n) AS props")
        with self._errors(f"reading stored :{labels[0]} nodes", resumable=True):
            for batch in batches(old, self.batch_size):
                want = {r["id"]: r for r in batch}
                for record in session.run(query, {"ids": list(want)}):
                    row = want[record["id"]]
                    same = same_props(record["props"], row["props"])
                    if not same or sorted(record["labels"]) != sorted(labels):
                        changed.append(row)
        self._write_batches(session, node_query(labels), changed, doing, "nodes_created")
        report.nodes_updated += len(changed)

    def _sync_edges(self, session: Session, episodes: list[str], edge_groups: dict[str, list[Row]],
                    report: Neo4jWriteReport) -> None:
        """Make the relationships of stored ``episodes`` equal to the graph's, writing only differences."""
        if not episodes:  # a first load: nothing stored to compare with
            return
        stored = set(episodes)
        wanted: dict[str, dict[tuple[str, Any, str], Row]] = defaultdict(dict)
        for rel_type, rows in edge_groups.items():
            for row in rows:
                if row["source"] in stored:
                    wanted[row["source"]][(rel_type, row["key"], row["target"])] = row
        upserts: dict[str, list[Row]] = defaultdict(list)
        deletes: list[str] = []
        # About batch_size relationships per read: episodes have a dozen or so each.
        per_read = max(1, self.batch_size // 16)
        with self._errors("reading stored relationships", resumable=True):
            for batch in batches(episodes, per_read):
                seen: set[tuple[str, tuple[str, Any, str]]] = set()
                for record in session.run(EPISODE_EDGES, {"ids": list(batch)}):
                    ident = (record["type"], record["key"], record["target"])
                    want = wanted[record["source"]].get(ident)
                    if want is None or (record["source"], ident) in seen:
                        deletes.append(record["element"])  # gone from the graph, or a double
                        continue
                    seen.add((record["source"], ident))
                    if not same_props(record["props"], want["props"]):
                        upserts[ident[0]].append(want)
                for source in batch:
                    for ident, row in wanted[source].items():
                        if (source, ident) not in seen:
                            upserts[ident[0]].append(row)
        report.edges_removed += self._write_batches(
            session, DELETE_EDGES, deletes, "removing relationships no longer in the graph",
            "relationships_deleted")
        for rel_type, rows in upserts.items():
            created = self._write_batches(session, edge_query(rel_type), rows,
                                          f"updating :{rel_type} relationships", "relationships_created")
            report.edges_created += created
            report.edges_updated += len(rows) - created

    def _node_rows(self, graph: nx.MultiDiGraph) -> dict[tuple[str, ...], list[Row]]:
        """Node rows grouped by labels, after checking every label and relationship type."""
        node_groups: dict[tuple[str, ...], list[Row]] = defaultdict(list)
        # Checked before anything is written, so that a bad graph leaves the database alone.
        with self._errors("checking the graph"):
            label_of = checked_labels(graph)
        check_ids_fit(graph, f"Neo4j at {self.uri}")
        for node, attrs in graph.nodes(data=True):
            labels = label_of[node]
            props = encode_properties(attrs, json_keys=JSON_PROPERTIES[labels[0]])
            fit_index_limits(labels[0], props)
            props["id"] = node
            node_groups[labels].append({"id": node, "props": props})
        return dict(node_groups)

    def _edge_rows(self, graph: nx.MultiDiGraph, stored_episodes: set[str], stop: threading.Event
                   ) -> tuple[dict[str, list[Row]], dict[str, tuple[list[list[Row]], list[Row]]]]:
        """Relationship rows by type; and, for episodes new to the database, their CREATE batches.

        The batches are ``(per-episode batches of plain rows, rows with other properties)``.
        Returns early (and incomplete) once ``stop`` is set.
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
            fresh_groups: dict[str, tuple[list[list[Row]], list[Row]]] = {}
            for rel_type, rows in edge_groups.items():
                allowed = set(RELATIONSHIP_PROPERTIES[rel_type])
                fresh = [r for r in rows if r["source"] not in stored_episodes]
                plain = [r for r in fresh if r["props"].keys() <= allowed]
                other = [r for r in fresh if not r["props"].keys() <= allowed]
                fresh_groups[rel_type] = (list(batches_by_source(plain, self.batch_size)), other)
        return dict(edge_groups), fresh_groups

    def _write_batches(self, session: Session, query: str, rows: Sequence[Any], doing: str,
                       counter: str, *, batched: bool = False, concurrent: bool = False) -> int:
        """Run ``query`` over ``rows`` in batches of ``batch_size`` (or over ready-made batches).

        With ``concurrent``, up to ``writers`` batches run at once, each in its own session:
        the server works on one transaction per core while the client sends the next.
        """
        chunks = list(rows) if batched else list(batches(rows, self.batch_size))

        def run(number: int, batch: Sequence[Any], on: Session) -> int:
            with self._errors(f"{doing} (batch {number} of {len(chunks)})", resumable=True):
                counters = on.execute_write(run_counters, query, {"rows": list(batch)})
            return int(getattr(counters, counter))

        if not concurrent or self.writers == 1 or len(chunks) < 2:
            return sum(run(number, batch, session) for number, batch in enumerate(chunks, start=1))

        def run_alone(number: int, batch: Sequence[Any]) -> int:
            with self._session() as own:
                return run(number, batch, own)

        total = 0
        with ThreadPoolExecutor(max_workers=self.writers) as pool:
            futures = [pool.submit(run_alone, n, b) for n, b in enumerate(chunks, start=1)]
            try:
                for future in as_completed(futures):
                    total += future.result()
            except BaseException:
                # Stop at the first failure: batches not started stay unwritten, and the
                # next run finds them missing.
                for future in futures:
                    future.cancel()
                raise
        return total

    def _existing_ids(self) -> dict[str, set[str]]:
        with self._errors("reading the ids already stored"), self._session() as session:
            return {label: {r["id"] for r in session.run(f"MATCH (n:{label}) RETURN n.id AS id")}
                    for label in NODE_LABELS}

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
