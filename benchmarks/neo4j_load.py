"""Load a large synthetic corpus into a real Neo4j server and print what each loader achieves.

Measures, in one run and on one server:

* the batch size sweep: castgraph's writer on a slice of the corpus at several batch sizes;
* castgraph's writer (batched ``UNWIND ... MERGE``) on the whole graph, then the same
  write again (nothing to change);
* a naive loader, one ``MERGE`` per relationship in its own transaction, on a sample of
  relationships (its rate is extrapolated to the whole graph, and the table says so);
* the neo4j-admin path: ``castgraph export --neo4j-admin`` CSV export, then
  ``neo4j-admin database import full`` (run from the Maven-built classpath by
  ``scripts/neo4j-local admin``) into a separate, stopped database, checked by counting.

By default it starts its own server (``scripts/neo4j-local`` with a home under
benchmarks/out/, port 7690), because it deletes everything in the database it uses.

Usage::

    python benchmarks/neo4j_load.py --episodes 100000
    python benchmarks/neo4j_load.py --episodes 2000 --naive-sample 2000 --sweep-episodes 1000   # quick
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import networkx as nx
from neo4j import GraphDatabase, ManagedTransaction

from castgraph.graph.build import build_graph
from castgraph.graph.neo4j_admin import admin_import_args, write_neo4j_admin_csv
from castgraph.graph.neo4j_store import Neo4jStore
from castgraph.loaders import read_episodes
from castgraph.resolve import resolve

__all__ = ["main"]

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "benchmarks" / "out"
NEO4J_LOCAL = ROOT / "scripts" / "neo4j-local"
PASSWORD = "castgraph-bench"

NAIVE_QUERY = (
    "MATCH (a:Episode {id: $source}) MATCH (b:Entity {id: $target}) "
    "MERGE (a)-[r:MENTIONS {key: $key}]->(b) SET r = $props"
)


def local(action: str, home: Path, port: int, *extra: str) -> str:
    env = dict(
        os.environ, NEO4J_LOCAL_HOME=str(home), NEO4J_LOCAL_PORT=str(port), NEO4J_LOCAL_PASSWORD=PASSWORD
    )
    done = subprocess.run([str(NEO4J_LOCAL), action, *extra], env=env, capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"scripts/neo4j-local {action} failed: {done.stderr.strip()[-2000:]}")
    return done.stdout


def corpus(episodes: int, given: Path | None) -> Path:
    if given:
        return given
    folder = OUT / f"corpus-{episodes}"
    if not (folder / "episodes.jsonl").exists():
        subprocess.run(
            [
                sys.executable,
                str(ROOT / "benchmarks" / "generate.py"),
                "--episodes",
                str(episodes),
                "--out",
                str(folder),
            ],
            check=True,
        )
    return folder / "episodes.jsonl"


def episode_slice(graph: nx.MultiDiGraph, count: int) -> nx.MultiDiGraph:
    """The first ``count`` episodes with everything they reach (a self-contained smaller graph)."""
    episodes = sorted(n for n, d in graph.nodes(data=True) if d["label"] == "Episode")[:count]
    keep = set(episodes).union(*(set(graph.successors(e)) for e in episodes))
    return graph.subgraph(keep).copy()


def _merge_one(tx: ManagedTransaction, row: dict[str, Any]) -> None:
    tx.run(NAIVE_QUERY, row).consume()


def naive_load(uri: str, rows: list[dict[str, Any]]) -> float:
    """One MERGE per relationship, each in its own managed transaction; return seconds."""
    with GraphDatabase.driver(uri, auth=("neo4j", PASSWORD)) as driver, driver.session() as session:
        started = time.perf_counter()
        for row in rows:
            session.execute_write(_merge_one, row)
        return time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--episodes", type=int, default=100_000)
    parser.add_argument("--corpus", type=Path, help="an existing episodes.jsonl (default: generate one)")
    parser.add_argument("--port", type=int, default=7690, help="port of the benchmark's own server")
    parser.add_argument(
        "--batch-size", type=int, default=None, help="batch size of the full load (default: the store's)"
    )
    parser.add_argument("--sweep", default="1000,2500,5000,10000,20000", help="batch sizes to compare")
    parser.add_argument("--sweep-episodes", type=int, default=10_000)
    parser.add_argument(
        "--naive-sample", type=int, default=20_000, help="relationships the naive loader writes"
    )
    parser.add_argument("--skip-admin", action="store_true")
    args = parser.parse_args(argv)

    home, admin_home = OUT / "neo4j-bench", OUT / "neo4j-bench-import"
    uri = f"bolt://127.0.0.1:{args.port}"
    rows_out: list[tuple[str, int, float, str]] = []

    t = time.perf_counter()
    path = corpus(args.episodes, args.corpus)
    loaded = read_episodes([path])
    graph = build_graph(loaded.episodes, resolve(loaded.episodes))
    edges = graph.number_of_edges()
    print(
        f"corpus: {len(loaded.episodes)} episodes -> {graph.number_of_nodes()} nodes, {edges} relationships "
        f"({time.perf_counter() - t:.0f}s to read, resolve and build)",
        flush=True,
    )

    local("start", home, args.port)
    try:
        store_kw: dict[str, Any] = {"user": "neo4j", "password": PASSWORD}
        # Batch size sweep on a slice.
        part = episode_slice(graph, args.sweep_episodes)
        print(f"\nbatch size sweep: {part.number_of_edges()} relationships, {part.number_of_nodes()} nodes")
        print(f"{'batch':>8} {'seconds':>8} {'rel/s':>9}")
        for size in (int(x) for x in args.sweep.split(",")):
            with Neo4jStore(uri, batch_size=size, **store_kw) as store:
                store.clear_all()
                report = store.write(part)
            print(
                f"{size:>8} {report.seconds:>8.1f} {part.number_of_edges() / report.seconds:>9.0f}",
                flush=True,
            )

        # castgraph's writer, whole graph, then again.
        if args.batch_size:
            store_kw["batch_size"] = args.batch_size
        with Neo4jStore(uri, **store_kw) as store:
            store.clear_all()
            first = store.write(graph)
            assert first.edges_created == edges, first
            rows_out.append(("castgraph writer (UNWIND batches), full graph", edges, first.seconds, ""))
            rows_out.append(("  of which: relationship phase", first.edges_created, first.edge_seconds, ""))
            print(f"\nfull load: {first}", flush=True)
            again = store.write(graph)
            assert (
                again.nodes_created
                == again.edges_created
                == again.nodes_removed
                == again.edges_removed
                == 0
            )
            rows_out.append(("castgraph writer, same graph again (no change)", edges, again.seconds, ""))
            print(f"re-write:  {again}", flush=True)

            # Naive: delete a sample of relationships, then MERGE them back one per transaction.
            mentions = [
                (u, v, k, d) for u, v, k, d in graph.edges(keys=True, data=True) if d["type"] == "MENTIONS"
            ]
            step = max(1, len(mentions) // args.naive_sample)
            sample = mentions[::step][: args.naive_sample]
            rows = [
                {
                    "source": u,
                    "target": v,
                    "key": k,
                    "props": {"key": k, **{a: b for a, b in d.items() if a != "type" and b is not None}},
                }
                for u, v, k, d in sample
            ]
            store.run(
                "UNWIND $rows AS row MATCH (:Episode {id: row.source})-[r:MENTIONS {key: row.key}]->() "
                "DELETE r",
                {"rows": rows},
                write=True,
            )
            seconds = naive_load(uri, rows)
            assert store.counts()["MENTIONS"] == sum(1 for m in mentions), (
                "the naive loader lost relationships"
            )
            rows_out.append(
                (
                    f"naive MERGE per row, {len(rows)} sampled, extrapolated",
                    edges,
                    seconds * edges / len(rows),
                    "extrapolated",
                )
            )
        local("stop", home, args.port)

        if not args.skip_admin:
            csv_dir = OUT / "neo4j-admin-csv"
            t = time.perf_counter()
            export = write_neo4j_admin_csv(graph, csv_dir)
            export_seconds = time.perf_counter() - t
            rows_out.append(("castgraph export --neo4j-admin (CSV files)", edges, export_seconds, ""))
            t = time.perf_counter()
            local(
                "admin",
                admin_home,
                args.port + 1,
                *admin_import_args(export, "neo4j"),
                "--overwrite-destination",
            )
            import_seconds = time.perf_counter() - t
            rows_out.append(
                ("neo4j-admin database import full (JVM start incl.)", edges, import_seconds, "")
            )
            rows_out.append(("export + import", edges, export_seconds + import_seconds, ""))
            local("start", admin_home, args.port + 1)
            try:
                with Neo4jStore(
                    f"bolt://127.0.0.1:{args.port + 1}", user="neo4j", password=PASSWORD
                ) as check:
                    counted = check.counts()
                assert counted["MENTIONS"] + counted["HAS_TOPIC"] == edges, counted
                print(f"\nimported database counts: {counted}")
            finally:
                local("stop", admin_home, args.port + 1)
    finally:
        local("stop", home, args.port)

    naive_rate = next(edges / s for name, _, s, _ in rows_out if name.startswith("naive"))
    print(f"\n{'loader':<56} {'relationships':>13} {'seconds':>9} {'rel/s':>9} {'x naive':>8}")
    for name, count, seconds, _ in rows_out:
        rate = count / seconds
        print(f"{name:<56} {count:>13} {seconds:>9.1f} {rate:>9.0f} {rate / naive_rate:>8.1f}")
    heap = os.environ.get("NEO4J_LOCAL_HEAP", "4g")
    cache = os.environ.get("NEO4J_LOCAL_PAGECACHE_MB", "2048")
    print(f"\n{os.cpu_count()} cores, server and client on one machine; heap {heap}, page cache {cache} MiB.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
