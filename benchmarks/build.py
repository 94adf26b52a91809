"""Benchmark the whole ``castgraph build`` command: stage times, wall, CPU and peak memory.

For each size, generates the corpus (``generate.py --summaries``: episodes with show notes, as
the README's tables use; ``--plain`` for none; cached under ``--work``), then
runs ``castgraph build`` ``--runs`` times in a new process under ``/usr/bin/time -v``
and prints the median run: the stage seconds the build reports, the whole command's
wall and CPU seconds, its peak RSS (the largest process), the peak memory of all its
processes together (sampled: the build may fork a child; see :class:`PeakMemory`), and
the machine's 1-minute load before the run
(the benchmark machine is shared: CPU seconds are the steadier number). With
``--peers`` the peers' resolution runs on the same corpus in the same run
(``benchmarks/resolution.py``; ``pip install -e '.[bench]'``), with precision and
recall beside castgraph's.

Usage::

    python benchmarks/build.py --sizes 10000,100000 --runs 3
    python benchmarks/build.py --sizes 10000 --peers
    python benchmarks/build.py --sizes 100000 --runs 5 --linker-cost

``--linker-cost`` runs each size with ``--no-link`` and with the linker, alternately (the
machine's speed drifts: runs of one kind after the other would compare two moments), and
prints what the linker adds: the ratio of the median walls and the median of each pair's ratio.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))
import generate

__all__ = ["PeakMemory", "main", "run_build"]

_TIME_FIELDS = {
    "Elapsed (wall clock) time (h:mm:ss or m:ss)": "wall",
    "User time (seconds)": "user",
    "System time (seconds)": "sys",
    "Maximum resident set size (kbytes)": "rss_kb",
}


def _seconds(clock: str) -> float:
    parts = [float(p) for p in clock.split(":")]
    return sum(p * 60 ** i for i, p in enumerate(reversed(parts)))


def _process_tree(pid: int) -> list[int]:
    """``pid`` and its descendants, from /proc (Linux)."""
    found, frontier = [], [pid]
    while frontier:
        current = frontier.pop()
        found.append(current)
        for children in Path(f"/proc/{current}/task").glob("*/children"):
            with contextlib.suppress(OSError, ValueError):
                frontier.extend(int(child) for child in children.read_text().split())
    return found


def _memory_kb(pid: int, field: str) -> int:
    """A ``kB`` field of /proc/<pid>/status (cheap: counters) or smaps_rollup (a walk of the page tables)."""
    source = "smaps_rollup" if field == "Pss:" else "status"
    try:
        with open(f"/proc/{pid}/{source}", encoding="ascii") as numbers:
            return next((int(line.split()[1]) for line in numbers if line.startswith(field)), 0)
    except (OSError, ValueError):
        return 0


class PeakMemory(threading.Thread):
    """Sample the memory of a process and all its descendants: their peak sum.

    ``/usr/bin/time`` reports the largest single process; a build that forks a child holds
    more than that. While one process runs, its resident size is read (a counter, every
    ``interval`` s); while several do, the sum of their PSS, which counts each page they
    still share once (every ``shared_interval`` s: reading it walks the page tables and
    holds back the build's own page faults meanwhile).
    """

    def __init__(self, pid: int, interval: float = 0.1, shared_interval: float = 0.5) -> None:
        super().__init__(daemon=True)
        self.pid, self.interval, self.shared_interval, self.peak_kb = pid, interval, shared_interval, 0
        self._stop_event = threading.Event()

    def run(self) -> None:
        wait = self.interval
        while not self._stop_event.wait(wait):
            tree = _process_tree(self.pid)
            if len(tree) <= 2:  # /usr/bin/time and the build
                self.peak_kb = max(self.peak_kb, sum(_memory_kb(pid, "VmRSS:") for pid in tree))
                wait = self.interval
            else:
                self.peak_kb = max(self.peak_kb, sum(_memory_kb(pid, "Pss:") for pid in tree))
                wait = self.shared_interval

    def stop(self) -> int:
        self._stop_event.set()
        self.join()
        return self.peak_kb


def run_build(corpus: Path, out: Path, extra: list[str]) -> dict[str, Any]:
    """Run ``castgraph build`` once; return its stage seconds, wall, CPU, peak RSS, peak memory
    over all its processes (sum of PSS, sampled; 0 where /proc is missing) and load."""
    castgraph = Path(sys.executable).parent / "castgraph"
    env = {**os.environ, "COLUMNS": "400"}  # one line per table row
    # A new folder each run: a build into an existing one first reads its graph to keep the ids.
    shutil.rmtree(out, ignore_errors=True)
    load = os.getloadavg()[0]
    command = ["/usr/bin/time", "-v", str(castgraph), "build", str(corpus), "--out", str(out), *extra]
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                          env=env) as popen:
        sampler = PeakMemory(popen.pid)
        sampler.start()
        stdout, stderr = popen.communicate()
        all_kb = sampler.stop()
    proc = subprocess.CompletedProcess(popen.args, popen.returncode, stdout, stderr)
    if proc.returncode != 0:
        raise SystemExit(f"castgraph build failed:\n{proc.stderr[-2000:]}")
    result: dict[str, Any] = {"load": load, "all_kb": all_kb}
    for line in proc.stderr.splitlines():
        name, _, value = line.strip().rpartition(": ")
        if name in _TIME_FIELDS:
            result[_TIME_FIELDS[name]] = _seconds(value) if name.startswith("Elapsed") else float(value)
    match = re.search(r"seconds\s*│\s*(.+?)\s*│", proc.stdout)
    stages = {}
    if match:
        for part in match.group(1).split(", "):
            name, _, value = part.rpartition(" ")
            stages[name] = float(value)
    result["stages"] = stages
    result["cpu"] = result.get("user", 0.0) + result.get("sys", 0.0)
    return result


def _median_run(runs: list[dict[str, Any]]) -> dict[str, Any]:
    by_wall = sorted(runs, key=lambda r: r["wall"])
    return by_wall[len(by_wall) // 2]


def _peers(corpus: Path, cap: float) -> list[tuple[str, str]]:
    import resolution

    episodes, gold = resolution._load(corpus)
    rows = []
    for name, run in resolution.SYSTEMS:
        start = time.perf_counter()
        try:
            pred = run(episodes, cap)
        except resolution.DidNotFinish:
            rows.append((name, f"did not finish in {cap:.0f} s"))
            continue
        wall = time.perf_counter() - start
        s = resolution.score(pred, gold)
        rows.append((name, f"resolution alone {wall:7.2f} s   "
                           f"precision {s.precision:.5f}  recall {s.recall:.5f}"))
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     epilog="example: python benchmarks/build.py --sizes 10000 --runs 3")
    parser.add_argument("--sizes", default="10000,100000",
                        help="corpus sizes in episodes (default 10000,100000)")
    parser.add_argument("--runs", type=int, default=3,
                        help="runs per size; the median is printed (default 3)")
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "castgraph-bench",
                        help="folder for corpora and outputs")
    parser.add_argument("--plain", action="store_true",
                        help="corpora without show notes (default: with them, generate.py --summaries)")
    parser.add_argument("--peers", action="store_true", help="also time the peers' resolution, same corpus")
    parser.add_argument("--peer-cap", type=float, default=120.0, help="seconds a peer may run (default 120)")
    parser.add_argument("--linker-cost", action="store_true",
                        help="alternate runs with --no-link and with the linker; print what the linker adds")
    parser.add_argument("build_args", nargs="*", help="extra arguments for castgraph build (after --)")
    args = parser.parse_args(argv)
    kinds = [("", args.build_args)]
    if args.linker_cost:
        kinds = [("--no-link", [*args.build_args, "--no-link"]), ("linker", args.build_args)]

    rows: list[tuple[str, dict[str, Any], list[dict[str, Any]]]] = []
    costs: list[tuple[int, list[dict[str, Any]], list[dict[str, Any]]]] = []
    for size in [int(n) for n in args.sizes.split(",") if n.strip()]:
        corpus = args.work / (f"corpus-{size}" if args.plain else f"corpus-{size}-notes")
        if not (corpus / "episodes.jsonl").exists():
            n, m = generate.write_corpus(corpus, size, summaries=not args.plain)
            print(f"generated {n:,} episodes, {m:,} mentions in {corpus}", file=sys.stderr)
        runs: dict[str, list[dict[str, Any]]] = {kind: [] for kind, _ in kinds}
        for i in range(args.runs):
            for kind, build_args in kinds:
                runs[kind].append(run_build(corpus / "episodes.jsonl", args.work / f"out-{size}", build_args))
                r = runs[kind][-1]
                print(f"{size:,} {kind} run {i + 1}: wall {r['wall']:.1f} s, cpu {r['cpu']:.1f} s, "
                      f"peak {r['rss_kb'] / 2**20:.2f} GB (all processes {r['all_kb'] / 2**20:.2f} GB), "
                      f"load {r['load']:.1f}, {r['stages']}", file=sys.stderr)
        for kind, _ in kinds:
            label = f"{size:,} {kind}".strip()
            rows.append((label, _median_run(runs[kind]), runs[kind]))
        if args.linker_cost:
            costs.append((size, runs["--no-link"], runs["linker"]))
        if args.peers:
            for name, text in _peers(corpus, args.peer_cap):
                print(f"  {size:,} {name:<36} {text}")

    # In the order of the run with the most stages, then any other.
    listed: list[list[str]] = [list(r["stages"]) for _, r, _ in rows]
    stages = max(listed, key=len, default=[])
    stages += [s for names in listed for s in names if s not in stages]
    head = ["episodes", *stages, "wall s", "cpu s", "peak GB", "all processes GB", "load"]
    print("| " + " | ".join(head) + " |")
    print("|" + "|".join("---:" for _ in head) + "|")
    for label, r, _ in rows:
        cells = [label, *(f"{r['stages'][s]:.2f}" if s in r["stages"] else "–" for s in stages),
                 f"{r['wall']:.1f}",
                 f"{r['cpu']:.1f}", f"{r['rss_kb'] / 2**20:.2f}", f"{r['all_kb'] / 2**20:.2f}",
                 f"{r['load']:.1f}"]
        print("| " + " | ".join(cells) + " |")
    for size, plain, linked in costs:
        print(_linker_cost(size, plain, linked))
    return 0


def _linker_cost(size: int, plain: list[dict[str, Any]], linked: list[dict[str, Any]]) -> str:
    """What the linker adds to the build of ``size`` episodes: by the median walls, and per pair of runs."""
    median_plain, median_linked = _median_run(plain)["wall"], _median_run(linked)["wall"]
    pairs = sorted(b["wall"] / a["wall"] - 1 for a, b in zip(plain, linked, strict=True))
    walls = ", ".join(f"{a['wall']:.1f}/{b['wall']:.1f}" for a, b in zip(plain, linked, strict=True))
    return (f"{size:,} episodes: the linker adds {median_linked / median_plain - 1:+.1%} "
            f"(median wall {median_linked:.1f} s against {median_plain:.1f} s with --no-link); "
            f"per pair {pairs[len(pairs) // 2]:+.1%} median, from {pairs[0]:+.1%} to {pairs[-1]:+.1%} "
            f"(--no-link/linker walls: {walls})")


if __name__ == "__main__":
    sys.exit(main())
