"""The files a build writes, and where: some in a forked child on an idle core.

The graph and its query index are written by the build's own process; resolution.csv,
review.csv and graph.html read only the finished tables and resolution and write files no
other stage reads, so when a core would otherwise sit idle a forked child writes them
beside the others (:class:`castgraph.forked.ForkedCall`). Either way the same files come
out, and the stages are reported in the same order.

Examples
--------
>>> in_process_reason(None, 100, running=1.0)
'under 20,000 mentions'
>>> in_process_reason(False, 10**5, running=1.0)
'fork_outputs=False'
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from castgraph.forked import ForkedCall, fork_unavailable
from castgraph.graph.compact import STORE_FILE
from castgraph.graph.model import Resolution
from castgraph.graph.networkx_store import GRAPH_FILE, NetworkXStore, write_graphml
from castgraph.graph.tables import GraphTables
from castgraph.machine import no_idle_core
from castgraph.outputs import clean_stale_temps
from castgraph.queries.loading import write_graph_index
from castgraph.resolve import write_resolution_csv, write_review_csv

if TYPE_CHECKING:
    import networkx as nx

__all__ = ["FORK_MAX_MENTIONS", "FORK_MIN_MENTIONS", "Output", "in_process_reason", "output_files",
           "write_outputs"]

FORK_MIN_MENTIONS = 20_000
"""From this many mentions a build writes resolution.csv, review.csv and graph.html in a forked
child process while it writes the graph and its query index, when a core is idle
(:func:`castgraph.machine.no_idle_core`). Below it the fork costs more than it saves.
``CASTGRAPH_NO_FORK=1`` in the environment, or ``fork_outputs=False``, writes everything in the
build's own process."""


FORK_MAX_MENTIONS = 500_000
"""Up to this many mentions (with ``fork_outputs=None``): above it the child's copy of the pages
costs more memory than its time saves (at 100k episodes, 1.2M mentions: about 0.8 GB for at most
a second)."""

# The forked child's private memory as a share of the build's, with a margin: what the machine
# must have available for the build to fork.
_CHILD_MEMORY_SHARE = 0.5

#: (stage, seconds, paths written) of each output, in the order they were given.
Written = list[tuple[str, float, list[str]]]


@dataclass
class Output:
    """One writing stage of the build."""

    #: Its name in :attr:`castgraph.pipeline.BuildReport.seconds`.
    stage: str
    #: What it writes, for the progress line ("writing graph.html").
    what: str
    #: Writes the files; returns the paths for :attr:`castgraph.pipeline.BuildReport.written`.
    write: Callable[[], list[str]]
    #: Reads only the finished tables and resolution and writes files no other stage reads:
    #: may be written in a forked child beside the other stages.
    beside: bool = False


def output_files(tables: GraphTables, resolution: Resolution, *, out: Path, write_json: bool, html: bool,
                 graph: Callable[[], nx.MultiDiGraph] | None = None) -> list[Output]:
    """The files a build writes into ``out``, in the order its report lists them; with ``graph``
    (networkx's graph, made on first use), graph.graphml too."""

    def graph_files() -> list[str]:
        NetworkXStore(out).write_tables(tables, graph_json=write_json)
        return [str(out / GRAPH_FILE)] * write_json + [str(out / STORE_FILE)]

    def index() -> list[str]:
        write_graph_index(tables, out)
        return []

    def csv() -> list[str]:
        write_resolution_csv(resolution, out / "resolution.csv", tables=tables)
        write_review_csv(resolution, out / "review.csv")
        return [str(out / "resolution.csv"), str(out / "review.csv")]

    def graphml() -> list[str]:
        assert graph is not None
        write_graphml(graph(), out / "graph.graphml")
        return [str(out / "graph.graphml")]

    def overview() -> list[str]:
        from castgraph.viz.overview import overview_from_tables
        from castgraph.viz.page import review_records, write_view_html

        view = overview_from_tables(tables, title="castgraph")
        view.review = review_records(resolution.review)  # the list `castgraph resolve --review` shows
        write_view_html(view, out / "graph.html", title="castgraph")
        return [str(out / "graph.html")]

    outputs = [Output("write graph", "the graph", graph_files), Output("index", "the query index", index),
               Output("csv", "resolution.csv", csv, beside=True)]
    if graph is not None:  # networkx's graph, made in this process on first use: written here
        outputs.append(Output("graphml", "graph.graphml", graphml))
    if html:
        outputs.append(Output("html", "graph.html", overview, beside=True))
    return outputs


def in_process_reason(fork: bool | None, mentions: int, *, running: float,
                      since: tuple[int, int] | None = None) -> str:
    """Why every output is written in this process (``""``: some in a forked child).

    ``fork`` is the build's ``fork_outputs`` option; ``running``, how long the build has been
    running, in seconds; ``since``, a :func:`castgraph.machine.cpu_snapshot` from the start
    of the build stage.
    """
    if fork is False:
        return "fork_outputs=False"
    if fork is None:
        if mentions < FORK_MIN_MENTIONS:
            return f"under {FORK_MIN_MENTIONS:,} mentions"
        if mentions > FORK_MAX_MENTIONS:
            return f"over {FORK_MAX_MENTIONS:,} mentions"
        # Both processes touching the shared pages costs CPU (20-65 % more for the writing):
        # worth it only when a core would otherwise idle; beside another busy program it is slower.
        # By the load average, what this build leaves must give the child half a core.
        busy = no_idle_core(since, running=running, needed=1.5)
        if busy:
            return busy
    # The child comes to own about 40 % of this process's memory (0.75 of 1.96 GB at 100k
    # episodes): pages either side writes stop being shared. With less available, one process.
    return fork_unavailable(memory_share=_CHILD_MEMORY_SHARE)


def _write(outputs: list[Output], on_stage: Callable[[str], None] | None = None) -> Written:
    """Write ``outputs`` one after the other."""
    done = []
    for output in outputs:
        started = time.perf_counter()
        if on_stage is not None:
            on_stage(f"writing {output.what}")
        written = output.write()
        done.append((output.stage, round(time.perf_counter() - started, 3), written))
    return done


def write_outputs(outputs: list[Output], *, out: Path, in_process: str,
                  on_stage: Callable[[str], None] | None = None) -> Written:
    """Write ``outputs``: those that may go ``beside`` in a forked child on the second core,
    unless ``in_process`` says why not (:func:`in_process_reason`).

    Each stage's seconds are its own time in the process that wrote it: stages in the child
    overlap those here, so the writing stages add up to more than the wall time they took.
    """
    beside = [o for o in outputs if o.beside]
    if not beside or in_process:
        return _write(outputs, on_stage)
    what = ", ".join(o.what for o in beside)
    # A child killed half-way leaves temp files in `out`, removed once it is reaped.
    child = ForkedCall(partial(_write, beside), what=f"writing {what}",
                       cleanup=partial(clean_stale_temps, out))
    try:
        child.start()
    except OSError:  # no room for another process now (EAGAIN, ENOMEM): all of it here
        return _write(outputs, on_stage)
    with child:
        done = _write([o for o in outputs if not o.beside], on_stage)
        if on_stage is not None:
            on_stage(f"writing {what}")
        done += child.result()
    order = {o.stage: n for n, o in enumerate(outputs)}
    return sorted(done, key=lambda stage: order[stage[0]])
