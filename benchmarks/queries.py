"""Benchmark the queries: warm latency on NetworkX (and Neo4j), cold CLI start.

Prints one table: p50 / p95 / max milliseconds of related episodes, episodes about
entities and entity profiles over random samples, co-mention graphs, and the wall
time of ``castgraph related`` / ``castgraph entity`` started cold (a new process),
with and without the index cache. With ``--neo4j`` the same queries run on the
server (which must hold the same graph: ``--write`` puts it there) and the answers
of both backends are compared.

Usage::

    python benchmarks/generate.py --episodes 100000 --out /tmp/corpus
    castgraph build /tmp/corpus/episodes.jsonl --out /tmp/graph100k --no-html
    python benchmarks/queries.py --graph /tmp/graph100k
    python benchmarks/queries.py --graph /tmp/graph100k --neo4j bolt://127.0.0.1:7687 --write
"""

from __future__ import annotations

import argparse
import math
import os
import random
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from castgraph.queries import (
    Neo4jQueries,
    NetworkXQueries,
    QueryBackend,
    comention_graph,
    entity_profile,
    episodes_about,
    open_graph_dir,
    related_episodes,
)
from castgraph.queries.index import INDEX_FILE

__all__ = ["main"]


def _timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    value = fn()
    return (time.perf_counter() - start) * 1000, value


def _stats(samples: Sequence[float]) -> tuple[float, float, float]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return statistics.median(ordered), p95, ordered[-1]


def _cli(*args: str) -> float:
    # The installed entry point, as a user runs it; NEO4J_URI cleared so the folder is read.
    # Bytecode caches allowed, as after any install: with PYTHONDONTWRITEBYTECODE set, every
    # start would compile castgraph's modules again (a quarter of a second), which no user pays.
    env = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
    env["NEO4J_URI"] = ""
    start = time.perf_counter()
    done = subprocess.run([str(Path(sys.executable).with_name("castgraph")), *args],
                          capture_output=True, text=True, env=env, check=False)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        lines = (done.stderr.strip() or done.stdout.strip()).splitlines()
        reason = lines[-1] if lines else done.returncode
        print(f"castgraph {' '.join(args)} failed: {reason}", file=sys.stderr)
        return math.nan
    return elapsed


def _workload(backend: NetworkXQueries, n: int, seed: int) -> dict[str, list[Any]]:
    """The same random questions for every backend: episodes, entities (uniform and by popularity)."""
    rng = random.Random(seed)
    idx = backend.index
    episodes = [idx.ep_ids[rng.randrange(len(idx.ep_ids))] for _ in range(n)]
    uniform = [idx.ent_ids[rng.randrange(len(idx.ent_ids))] for _ in range(n)]
    # By popularity: the entity of a random mention, so frequent entities are asked about more.
    popular = []
    for _ in range(n):
        ents = idx.episode_entities(rng.randrange(len(idx.ep_ids)))
        if ents:
            popular.append(idx.ent_ids[rng.choice(ents)])
    pairs = [[uniform[i], popular[i]] for i in range(min(len(uniform), len(popular)))]
    names = [idx.ent_name[idx.ent_pos[e]] for e in uniform]
    return {"episodes": episodes, "uniform": uniform, "popular": popular, "pairs": pairs, "names": names}


def _run_queries(backend: QueryBackend, work: dict[str, list[Any]], limit: int) -> dict[str, Any]:
    rows: dict[str, Any] = {}
    answers: dict[str, list[Any]] = {}

    def related(e: Any) -> Any:
        return related_episodes(backend, e, limit=limit)

    def about(p: Any) -> Any:
        return episodes_about(backend, p, limit=limit)

    def profile(e: Any) -> Any:
        return entity_profile(backend, e)

    plan: list[tuple[str, list[Any], Callable[[Any], Any]]] = [
        ("related episodes (limit 10)", work["episodes"], related),
        ("episodes about 2 entities", work["pairs"], about),
        ("entity profile (uniform)", work["uniform"], profile),
        ("entity profile (by popularity)", work["popular"], profile),
        ("entity profile by name", work["names"], profile),
    ]
    for name, inputs, query in plan:
        query(inputs[0])  # warm-up: caches, name index, server plans
        times, outs = [], []
        for item in inputs:
            start = time.perf_counter()
            outs.append(query(item))
            times.append((time.perf_counter() - start) * 1000)
        rows[name] = _stats(times)
        answers[name] = outs
    month = {"since": "2022-01-01", "until": "2022-01-31", "normalize": "jaccard", "top_k": 5}
    for label, options in (("co-mention graph, min weight 50", {"min_weight": 50}),
                           ("co-mention, 1 month, jaccard, top 5", month)):
        start = time.perf_counter()
        out = comention_graph(backend, **options)
        ms = (time.perf_counter() - start) * 1000
        rows[label] = (ms, ms, ms)
        answers[label] = [out]
    return {"rows": rows, "answers": answers}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--graph", type=Path, required=True, help="folder with graph.json")
    parser.add_argument("--queries", type=int, default=200, help="queries per kind (default 200)")
    parser.add_argument("--limit", type=int, default=10, help="results per related query (default 10)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--cold-runs", type=int, default=5, help="cold CLI starts to time (default 5)")
    parser.add_argument("--neo4j", metavar="URI", help="also time the queries on this Neo4j server")
    parser.add_argument("--write", action="store_true", help="with --neo4j: first write the graph there")
    args = parser.parse_args(argv)

    table: list[tuple[str, str, float, float, float]] = []
    cache = args.graph / INDEX_FILE
    if cache.exists():
        cache.unlink()
    ms, backend = _timed(lambda: open_graph_dir(args.graph))
    table.append(("open graph.json, build index + cache", "networkx", ms, ms, ms))
    ms, backend = _timed(lambda: open_graph_dir(args.graph))
    table.append(("open from index cache", "networkx", ms, ms, ms))
    print(f"graph: {backend.episode_count():,} episodes, {len(backend.index.ent_ids):,} entities",
          file=sys.stderr)

    work = _workload(backend, args.queries, args.seed)
    nx_run = _run_queries(backend, work, args.limit)
    table += [(name, "networkx", *row) for name, row in nx_run["rows"].items()]

    episode, entity = work["episodes"][0], work["uniform"][0]
    for label, cli_args in (("CLI related, cold (cached index)", ["related", episode, "--json"]),
                            ("CLI entity, cold (cached index)", ["entity", entity, "--json"])):
        size = "--limit" if label.startswith("CLI related") else "--episodes"
        cli_args += ["--graph", str(args.graph), size, "10"]
        _cli(*cli_args)  # once untimed: writes the bytecode caches, as the first run after an install does
        times = [_cli(*cli_args) * 1000 for _ in range(args.cold_runs)]
        table.append((label, "networkx", *_stats(times)))
    cache.unlink()
    ms = _cli("related", episode, "--json", "--graph", str(args.graph)) * 1000
    table.append(("CLI related, first run (builds cache)", "networkx", ms, ms, ms))

    agree = ""
    if args.neo4j:
        import neo4j

        auth = (os.environ.get("NEO4J_USERNAME", "neo4j"), os.environ.get("NEO4J_PASSWORD", ""))
        driver = neo4j.GraphDatabase.driver(args.neo4j, auth=auth)
        try:
            if args.write:
                from castgraph.graph.neo4j_store import Neo4jStore
                from castgraph.graph.networkx_store import NetworkXStore

                store = Neo4jStore(args.neo4j, user=auth[0], password=auth[1])
                graph = NetworkXStore(args.graph).read()
                ms, _ = _timed(lambda: store.write(graph))
                table.append(("write graph to Neo4j", "neo4j", ms, ms, ms))
            neo_run = _run_queries(Neo4jQueries(driver), work, args.limit)
            table += [(name, "neo4j", *row) for name, row in neo_run["rows"].items()]
            same = sum(a == b for name in nx_run["answers"]
                       for a, b in zip(nx_run["answers"][name], neo_run["answers"][name], strict=True))
            total = sum(len(v) for v in nx_run["answers"].values())
            agree = f"identical answers on both backends: {same}/{total}"
        finally:
            driver.close()

    print(f"{'query':<42} {'backend':<9} {'p50 ms':>10} {'p95 ms':>10} {'max ms':>10}")
    for name, where, p50, p95, worst in table:
        print(f"{name:<42} {where:<9} {p50:>10.1f} {p95:>10.1f} {worst:>10.1f}")
    if agree:
        print(agree)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
