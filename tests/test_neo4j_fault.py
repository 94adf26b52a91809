"""The server goes away in the middle of a load: a clear error, then a re-run completes it.

This test stops a real server, so it runs its own throwaway instance (another port,
another data folder) and leaves the shared one alone.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import networkx as nx
import pytest
from neo4j import GraphDatabase
from neo4j_server_plugin import NEO4J_LOCAL, server_missing

from castgraph.graph.build import build_graph
from castgraph.graph.model import Entity, EntityType, Episode, Mention, Resolution
from castgraph.graph.neo4j_store import Neo4jStore, Neo4jStoreError

pytestmark = [pytest.mark.neo4j, pytest.mark.slow]

PASSWORD = "fault-test"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Throwaway:
    """A second local server: scripts/neo4j-local with its own home and port."""

    def __init__(self, home: Path) -> None:
        self.port = free_port()
        self.uri = f"bolt://127.0.0.1:{self.port}"
        self.env = dict(os.environ, NEO4J_LOCAL_HOME=str(home), NEO4J_LOCAL_PORT=str(self.port),
                        NEO4J_LOCAL_PASSWORD=PASSWORD, NEO4J_LOCAL_HEAP="1g", NEO4J_LOCAL_PAGECACHE_MB="256")

    def __call__(self, action: str) -> str:
        done = subprocess.run([str(NEO4J_LOCAL), action], env=self.env, capture_output=True, text=True,
                              timeout=600)
        assert done.returncode == 0, done.stderr
        return done.stdout


@pytest.fixture()
def throwaway(tmp_path: Path) -> Iterator[Throwaway]:
    if shutil.which("java") is None:
        server_missing("Java is not installed: scripts/neo4j-local needs Java 17 to run Neo4j 5.26")
    server = Throwaway(tmp_path / "neo4j-home")
    server("start")
    try:
        yield server
    finally:
        server("stop")


def synthetic_graph(episodes: int, per_episode: int, entities: int) -> nx.MultiDiGraph:
    eps = [Episode(id=f"ep{i:05d}", title=f"Episode {i}", tags=[f"tag{i % 7}"],
                   mentions=[Mention(surface=f"Thing {(i * 7 + j * 13) % entities}", type_label="product")
                             for j in range(per_episode)])
           for i in range(episodes)]
    mention_ids: dict[str, list[str]] = {}
    assignments = {}
    for ep in eps:
        for m in ep.mentions:
            eid = f"entity:{m.surface}"
            assignments[m.id] = eid
            mention_ids.setdefault(eid, []).append(m.id)
    resolution = Resolution(
        entities=[Entity(id=eid, name=eid[7:], type=EntityType.PRODUCT, mention_ids=ids)
                  for eid, ids in mention_ids.items()],
        assignments=assignments)
    return build_graph(eps, resolution)


def test_server_stopped_mid_load_then_rerun_completes(throwaway: Throwaway) -> None:
    graph = synthetic_graph(episodes=4000, per_episode=12, entities=3000)
    stopped = threading.Event()
    seen_before_stop: list[int] = []

    def stop_once_loading() -> None:
        with GraphDatabase.driver(throwaway.uri, auth=("neo4j", PASSWORD),
                                  notifications_min_severity="OFF") as driver:
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline:
                records, _, _ = driver.execute_query("MATCH ()-[r:MENTIONS]->() RETURN count(r) AS n")
                if records[0]["n"] > 0:
                    seen_before_stop.append(records[0]["n"])
                    break
                time.sleep(0.05)
        throwaway("stop")  # a real, clean shutdown while the writer is busy
        stopped.set()

    watcher = threading.Thread(target=stop_once_loading, daemon=True)
    store = Neo4jStore(throwaway.uri, user="neo4j", password=PASSWORD, batch_size=250, max_retry_seconds=2.0)
    try:
        watcher.start()
        with pytest.raises(Neo4jStoreError) as info:
            store.write(graph)
        stopped.wait(timeout=180)
    finally:
        store.close()
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith(f"Neo4j at {throwaway.uri} ")
    assert "run the same command again" in message
    assert seen_before_stop and 0 < seen_before_stop[0] < graph.number_of_edges()

    throwaway("start")
    with Neo4jStore(throwaway.uri, user="neo4j", password=PASSWORD) as store:
        before = store.counts()
        partial = before["MENTIONS"] + before["HAS_TOPIC"]
        assert 0 < partial < graph.number_of_edges()  # the first load really stopped half-way
        report = store.write(graph)
        assert report.edges_created == graph.number_of_edges() - partial
        counts = store.counts()
        _, dupes = store.run("MATCH (e:Episode)-[r:MENTIONS]->() WITH e, r.key AS key, count(*) AS n "
                             "WHERE n > 1 RETURN count(*) AS dupes")
        again = store.write(graph)
    assert counts["Episode"] == 4000 and counts["MENTIONS"] == 4000 * 12
    assert counts["Entity"] + counts["Topic"] + counts["Episode"] == graph.number_of_nodes()
    assert dupes == [{"dupes": 0}]
    changed = (again.nodes_created, again.edges_created, again.nodes_updated, again.edges_updated,
               again.nodes_removed, again.edges_removed)
    assert changed == (0, 0, 0, 0, 0, 0)
