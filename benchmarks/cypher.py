"""Benchmark Cypher on the embedded graph: LadybugDB (castgraph's engine) against grand-cypher.

Prints two tables. First, castgraph's embedded engine: building the database from graph.json
(the first query on a new graph.json; wall time and peak memory of the whole command), then
every ready-made query of docs/cypher.md as a cold ``castgraph cypher`` command (a new process
opening the cached database) and warm (in process, median of ``--runs``). Parameters are picked
from the graph (its most-mentioned person, an entity it shares episodes with, a date range).
Second, the same questions through grand-cypher (Cypher over networkx), written in its
dialect where it has one (no parameters, no WITH, no shortest path or pattern predicates),
after reading graph.json into networkx; each query stops after ``--timeout`` seconds.

Usage::

    python benchmarks/generate.py --episodes 100000 --out /tmp/corpus
    castgraph build /tmp/corpus/episodes.jsonl --out /tmp/graph100k --no-html
    python benchmarks/cypher.py --graph /tmp/graph100k
"""

from __future__ import annotations

import argparse
import json
import re
import shlex
import signal
import statistics
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from castgraph.embedded import EmbeddedCypher, cache_file

DOC = Path(__file__).resolve().parent.parent / "docs" / "cypher.md"
CASTGRAPH = Path(sys.executable).with_name("castgraph")


def documented_queries() -> dict[str, tuple[str, dict[str, Any], bool]]:
    """Section title -> (query, its documented parameters, needs Neo4j)."""
    from castgraph.cli.neo4j import parse_param

    found: dict[str, tuple[str, dict[str, Any], bool]] = {}
    for section in DOC.read_text(encoding="utf-8").split("\n## ")[1:]:
        title = section.splitlines()[0].strip()
        for block in re.findall(r"```bash\n(.*?)```", section, flags=re.S):
            if block.lstrip().startswith("castgraph cypher"):
                argv = shlex.split(block.replace("\\\n", " "))[2:]
                params = dict(parse_param(argv[i + 1]) for i, a in enumerate(argv) if a in ("--param", "-p"))
                found[title] = (argv[0], params, "\n**Needs Neo4j**" in section)
    return found


def pick_params(db: EmbeddedCypher) -> dict[str, Any]:
    """Values that make every documented query do real work on this graph."""
    _, top = db.run("MATCH (p:Person)<-[m:MENTIONS]-() RETURN p.name AS name, count(m) AS n "
                    "ORDER BY n DESC, name LIMIT 50")
    person, far = top[0]["name"], top[-1]["name"]
    _, near = db.run("MATCH (x:Person {name: $name})<-[:MENTIONS]-(e:Episode)-[:MENTIONS]->(y:Entity) "
                     "WHERE y <> x RETURN y.name AS name, count(DISTINCT e) AS n "
                     "ORDER BY n DESC, name LIMIT 1",
                     {"name": person})
    _, days = db.run("MATCH (e:Episode) WHERE e.published IS NOT NULL "
                     "RETURN min(e.published) AS first, max(e.published) AS last")
    first = date.fromisoformat(days[0]["first"])
    return {"limit": 10, "name": person, "a": person, "b": near[0]["name"], "from": first.isoformat(),
            "to": (first + timedelta(days=10)).isoformat(), "q": person.split()[0][:4], "far": far}


def params_for(title: str, documented: dict[str, Any], picked: dict[str, Any]) -> dict[str, Any]:
    values = {k: picked.get(k, v) for k, v in documented.items()}
    if title.startswith("Shortest path"):
        values = {"from": picked["name"], "to": picked["far"]}
    return values


def timed_command(args: list[str]) -> tuple[float, float, int, str]:
    """Wall seconds, CPU seconds (user + system), peak RSS (KiB) and stdout of a new castgraph process."""
    start = time.perf_counter()
    done = subprocess.run(["/usr/bin/time", "-f", "%U %S %M", str(CASTGRAPH), *args],
                          capture_output=True, text=True, check=False)
    wall = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"castgraph {' '.join(args)[:80]}... failed: {done.stderr.strip()}")
    user, system, peak = done.stderr.strip().splitlines()[-1].split()
    return wall, float(user) + float(system), int(peak), done.stdout


def cli_args(query: str, params: dict[str, Any], graph: Path) -> list[str]:
    args = ["cypher", query, "--json", "--graph", str(graph)]
    for key, value in params.items():
        args += ["--param", f"{key}={json.dumps(value) if not isinstance(value, str) else value}"]
    return args


# grand-cypher's dialect: literal values, COUNT in capitals, no WITH, no shortest path.
GRAND = {
    "Most-mentioned people": 'MATCH (e:Episode)-[m:MENTIONS]->(p:Person) RETURN p.name, COUNT(m) '
                             'ORDER BY COUNT(m) DESC LIMIT 5',
    "Episodes that mention two given entities":
        'MATCH (a:Entity {{name: "{a}"}})<-[:MENTIONS]-(e:Episode)-[:MENTIONS]->(b:Entity {{name: "{b}"}}) '
        'RETURN DISTINCT e.title, e.published ORDER BY e.published DESC',
    "Co-mentions of an entity":
        'MATCH (x:Entity {{name: "{name}"}})<-[:MENTIONS]-(e:Episode)-[:MENTIONS]->(y:Entity) '
        'WHERE y.name <> "{name}" RETURN y.name, COUNT(e) ORDER BY COUNT(e) DESC LIMIT 10',
    "Topics of a person's episodes":
        'MATCH (p:Person {{name: "{name}"}})<-[:MENTIONS]-(e:Episode)-[:HAS_TOPIC]->(t:Topic) '
        'RETURN t.name, COUNT(e) ORDER BY COUNT(e) DESC',
    "Episodes without any mention": None,  # no pattern predicates
    "Shortest path between two people": None,  # no shortestPath
    "Entities first seen in a date range": None,  # no WITH
}


class _Timeout(BaseException):  # not an Exception: the engine's own handlers must not swallow it
    pass


def _alarm(signum: int, frame: Any) -> None:
    raise _Timeout


def grand_cypher(graph_dir: Path, picked: dict[str, Any], timeout: int) -> list[tuple[str, str]]:
    import networkx as nx
    from grandcypher import GrandCypher

    start = time.perf_counter()
    data = json.loads((graph_dir / "graph.json").read_text(encoding="utf-8"))
    graph = nx.node_link_graph(data, edges="edges")
    for _, attrs in graph.nodes(data=True):
        attrs["__labels__"] = {attrs["label"]} | ({attrs["type"]} if attrs["label"] == "Entity" else set())
    for _, _, attrs in graph.edges(data=True):
        attrs["__labels__"] = {attrs["type"]}
    rows = [("read graph.json into networkx", f"{time.perf_counter() - start:.1f} s")]
    signal.signal(signal.SIGALRM, _alarm)
    for title, template in GRAND.items():
        if template is None:
            rows.append((title, "cannot be written in its dialect"))
            continue
        query = template.format(**picked)
        signal.alarm(timeout)
        start = time.perf_counter()
        try:
            GrandCypher(graph).run(query)
            rows.append((title, f"{time.perf_counter() - start:.2f} s"))
        except _Timeout:
            rows.append((title, f"did not finish in {timeout} s"))
        finally:
            signal.alarm(0)
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--graph", type=Path, required=True, help="folder with graph.json or graph.store")
    parser.add_argument("--runs", type=int, default=5, help="warm runs per query (default 5)")
    parser.add_argument("--timeout", type=int, default=120,
                        help="seconds per grand-cypher query (default 120)")
    parser.add_argument("--keep-cache", action="store_true", help="do not time the database build")
    parser.add_argument("--no-grand-cypher", action="store_true", help="skip the grand-cypher table")
    args = parser.parse_args(argv)

    # A large build writes only the compact store; the database is then keyed to it.
    source = args.graph / "graph.json"
    cached = cache_file(source if source.exists() else args.graph / "graph.store")
    if not args.keep_cache and cached.exists():
        cached.unlink()
    wall, cpu, peak, _ = timed_command(["cypher", "MATCH (e:Episode) RETURN count(e) AS episodes", "--json",
                                        "--graph", str(args.graph)])
    print(f"first query, database built: {wall:.1f} s wall, {cpu:.1f} s CPU, peak {peak / 1024:.0f} MiB "
          f"({cached.stat().st_size / 2**20:.0f} MiB database)")
    with EmbeddedCypher.open(args.graph) as db:
        picked = pick_params(db)
    print(f"parameters: {json.dumps(picked, ensure_ascii=False)}\n")
    print("| query | rows | cold command s (wall / CPU) | peak MiB | warm ms (median) |")
    print("|---|---|---|---|---|")
    for title, (query, documented, neo4j_only) in documented_queries().items():
        if neo4j_only:
            print(f"| {title} | needs Neo4j | | | |")
            continue
        params = params_for(title, documented, picked)
        wall, cpu, peak, out = timed_command(cli_args(query, params, args.graph))
        with EmbeddedCypher.open(args.graph) as db:
            times = []
            for _ in range(args.runs):
                start = time.perf_counter()
                db.run(query, params)
                times.append(time.perf_counter() - start)
        print(f"| {title} | {len(json.loads(out))} | {wall:.2f} / {cpu:.2f} | {peak / 1024:.0f} | "
              f"{statistics.median(times) * 1000:.0f} |", flush=True)
    if not args.no_grand_cypher:
        print("\n| grand-cypher | seconds |\n|---|---|")
        for title, result in grand_cypher(args.graph, picked, args.timeout):
            print(f"| {title} | {result} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
