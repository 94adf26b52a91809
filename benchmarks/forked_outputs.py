"""Writing a build's outputs in one process, or with some of them in a forked child.

Builds the graph of the first N episodes of a JSONL corpus once per size, then writes
its outputs (the graph store, graph.json when the build would, the query index,
resolution.csv, review.csv, graph.html) into new folders, in turns: every output in
this process, then resolution.csv, review.csv and graph.html in a forked child while
this process writes the rest (what ``castgraph build`` does from
``castgraph.build_outputs.FORK_MIN_MENTIONS`` mentions). Prints, per size, the median wall
time of the writing, its CPU time (this process and the child apart), the saving, and
the child's private memory when it ended. Where the saving turns positive is the size from
which forking is worth it.

    python benchmarks/forked_outputs.py /tmp/corpus/episodes.jsonl --sizes 200,500,1000,2000,5000 --runs 5
"""

from __future__ import annotations

import argparse
import itertools
import logging
import os
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

from castgraph.build_outputs import in_process_reason, output_files, write_outputs
from castgraph.memory import gc_paused
from castgraph.pipeline import JSON_AUTO_MENTIONS, BuildOptions, GraphBuilder


class _Remember(logging.Handler):
    """Keeps the child's private memory, which castgraph.forked logs at DEBUG."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.kb: list[int] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.args and isinstance(record.args, tuple):
            self.kb.append(int(record.args[-1]))


def _cpu() -> tuple[float, float]:
    """CPU seconds of this process and of its reaped children."""
    me = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime, children.ru_utime + children.ru_stime


def _subset(corpus: Path, n: int, folder: Path) -> Path:
    path = folder / f"first-{n}.jsonl"
    with corpus.open(encoding="utf-8") as src, path.open("w", encoding="utf-8") as dst:
        dst.writelines(itertools.islice(src, n))
    return path


def _write_once(builder: GraphBuilder, out: Path, fork: bool) -> tuple[float, tuple[float, float]]:
    """Wall seconds of the writing, and CPU seconds of this process and of the child."""
    assert builder.tables is not None and builder.resolution is not None
    outputs = output_files(builder.tables, builder.resolution, out=out, html=True,
                           write_json=len(builder.tables.m_ep) <= JSON_AUTO_MENTIONS)
    (here, child), wall = _cpu(), time.perf_counter()
    with gc_paused():  # as in a build
        why = in_process_reason(fork, len(builder.tables.m_ep), running=0.0)
        write_outputs(outputs, out=out, in_process=why)
    wall = time.perf_counter() - wall
    here_after, child_after = _cpu()
    return wall, (here_after - here, child_after - child)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("corpus", type=Path)
    parser.add_argument("--sizes", default="200,500,1000,2000,5000,10000")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    remember = _Remember()
    log = logging.getLogger("castgraph.forked")
    log.setLevel(logging.DEBUG)
    log.addHandler(remember)
    print(f"{'episodes':>8} {'mentions':>9} | {'one process':>11} {'forked':>8} {'saved':>7} | "
          f"{'CPU one':>7} {'CPU fork: here + child':>22} | {'child private':>13}")
    with tempfile.TemporaryDirectory(prefix="castgraph-forked-") as tmp:
        folder = Path(tmp)
        for n in (int(s) for s in args.sizes.split(",")):
            inputs: list[Path | str] = [_subset(args.corpus, n, folder)]
            builder = GraphBuilder(BuildOptions(inputs=inputs, out=folder / f"b{n}", fork_outputs=False))
            builder.run()
            assert builder.tables is not None
            walls: dict[bool, list[float]] = {False: [], True: []}
            cpus: dict[bool, list[tuple[float, float]]] = {False: [], True: []}
            remember.kb.clear()
            for run in range(args.runs):
                for fork in (False, True):
                    wall, cpu = _write_once(builder, folder / f"w{n}-{run}-{int(fork)}", fork)
                    walls[fork].append(wall)
                    cpus[fork].append(cpu)
            one, forked = statistics.median(walls[False]), statistics.median(walls[True])
            kb = f"{statistics.median(remember.kb) / 1024:.0f} MB" if remember.kb else "-"
            cpu_one = statistics.median(sum(c) for c in cpus[False])
            cpu_here = statistics.median(c[0] for c in cpus[True])
            cpu_child = statistics.median(c[1] for c in cpus[True])
            mentions = len(builder.tables.m_ep)
            print(f"{n:>8} {mentions:>9} | {one:>10.3f}s {forked:>7.3f}s {one - forked:>6.3f}s | "
                  f"{cpu_one:>6.2f}s {cpu_here:>12.2f}s + {cpu_child:>5.2f}s | {kb:>13}", flush=True)
    if os.environ.get("CASTGRAPH_NO_FORK"):
        print("note: CASTGRAPH_NO_FORK is set, both columns wrote in one process", file=sys.stderr)


if __name__ == "__main__":
    main()
