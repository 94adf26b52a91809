"""One write of a graph to Neo4j: create what is new, rewrite what differs, delete what is gone.

:class:`GraphWriter` carries out :meth:`Neo4jStore.write
<castgraph.graph.neo4j_store.Neo4jStore.write>`, in the steps described in
:mod:`castgraph.graph.neo4j_store`: nodes, then relationships, in batches of the store's
``batch_size``, new ones with ``CREATE`` on up to ``writers`` transactions at once, stored
ones compared with the graph and only differences written, then what the graph no
longer has deleted.
"""

from __future__ import annotations

import threading
import time
from collections import defaultdict
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from typing import TYPE_CHECKING, Any

from neo4j import Session

from castgraph.graph.neo4j_cypher import (
    DELETE_EDGES,
    EPISODE_EDGES,
    Row,
    batches,
    create_edges_query,
    edge_query,
    node_query,
    run_counters,
    same_props,
)
from castgraph.graph.neo4j_errors import server_name
from castgraph.graph.neo4j_rows import edge_rows, node_rows
from castgraph.graph.neo4j_schema import NODE_LABELS, check_no_other_graph, checked_labels
from castgraph.graph.store import WriteReport
from castgraph.memory import gc_paused

if TYPE_CHECKING:
    import networkx as nx

    from castgraph.graph.neo4j_store import Neo4jStore

__all__ = ["GraphWriter", "Neo4jWriteReport"]


class Neo4jWriteReport(WriteReport):
    """A :class:`WriteReport` with what the write created and changed in the database."""

    nodes_created: int = 0
    edges_created: int = 0
    nodes_updated: int = 0
    edges_updated: int = 0
    edge_seconds: float = 0.0  # of ``seconds``: creating the relationships of new episodes


class GraphWriter:
    """Makes the database of ``store`` hold exactly the graph given to :meth:`write`."""

    def __init__(self, store: Neo4jStore) -> None:
        self.store = store
        self.batch_size = store.batch_size
        self.writers = store.writers
        # The store's sessions, and its one-line errors naming the server.
        self._session = store._session
        self._errors = store._errors

    def _node_rows(self, graph: nx.MultiDiGraph) -> dict[tuple[str, ...], list[Row]]:
        """Node rows grouped by labels, after checking every label and relationship type."""
        # Checked before anything is written, so that a bad graph leaves the database alone.
        with self._errors("checking the graph"):
            label_of = checked_labels(graph)
        return node_rows(graph, label_of, f"Neo4j at {self.store.uri}")

    def write(self, graph: nx.MultiDiGraph) -> Neo4jWriteReport:
        """Make the database hold exactly ``graph``; see :mod:`castgraph.graph.neo4j_store`."""
        store = self.store
        started = time.perf_counter()
        with gc_paused():
            node_groups = self._node_rows(graph)
        store.verify()
        report = Neo4jWriteReport(nodes=graph.number_of_nodes(), edges=graph.number_of_edges())
        store.create_schema()
        existing = self._existing_ids()
        if not store.replace:
            check_no_other_graph(graph, existing["Episode"], server_name(store.uri, store.database))
        with self._session() as session, ThreadPoolExecutor(max_workers=1) as pool:
            # The relationship rows (most of the client's work) are made while the server
            # writes the nodes.
            stop = threading.Event()
            pending = pool.submit(edge_rows, graph, existing["Episode"], self.batch_size, stop)
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
