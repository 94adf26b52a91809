"""The build pipeline: read episodes, resolve entities, build the graph, write it out.

Each stage is a library call (loaders -> resolve -> build_graph -> stores and views);
:class:`GraphBuilder` only strings them together, so the same build runs from the
CLI, from Python or from a notebook.

Examples
--------
>>> import tempfile, pathlib
>>> with tempfile.TemporaryDirectory() as d:
...     src = pathlib.Path(d, "eps.jsonl")
...     _ = src.write_text('{"id": "e1", "title": "Hi", "entities": [{"name": "swyx", "type": "Person"}]}\\n')
...     report = GraphBuilder(BuildOptions(inputs=[src], out=pathlib.Path(d, "out"), html=False)).run()
...     report.episodes, report.entities, sorted(p.name for p in pathlib.Path(d, "out").iterdir())
(1, 1, ['.castgraph.lock', '.graph.json.qindex', 'graph.json', 'graph.store', 'resolution.csv', 'review.csv'])
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, cast

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from castgraph import progress
from castgraph.build_outputs import in_process_reason, output_files, write_outputs
from castgraph.errors import CastgraphError
from castgraph.graph.assigned import forget_fields, make_mention_ids, unassigned_mentions
from castgraph.graph.build import resolution_from_graph
from castgraph.graph.model import Episode, MentionOrigin, Resolution
from castgraph.graph.networkx_store import NetworkXStore
from castgraph.graph.store import GraphStore, WriteReport
from castgraph.graph.tables import ColumnView, GraphTables
from castgraph.link import EntityLinker, LinkOptions, LinkResult
from castgraph.loaders import Fetcher, LoadResult, episodes_from_graph, read_episodes
from castgraph.machine import cpu_snapshot
from castgraph.memory import gc_paused
from castgraph.outputs import OutputLock
from castgraph.resolve import clear_caches, read_overrides, resolve
from castgraph.resolve.override_check import check_overrides

if TYPE_CHECKING:
    import networkx as nx

__all__ = ["JSON_AUTO_MENTIONS", "SEARCHED_HERE_SECONDS",
           "BuildOptions", "BuildReport", "GraphBuilder"]

JSON_AUTO_MENTIONS = 250_000
"""Above this many mentions graph.json is written only on request (``graph_json=True``,
``castgraph build --json`` or ``castgraph export --format json``): the compact store
beside it is what castgraph reads, and a graph.json of a million mentions takes longer
to write than the rest of the build."""


SEARCHED_HERE_SECONDS = 1.0
"""A link stage this long, with the texts searched in the build's own process, is explained in the
report (:attr:`BuildReport.searched_here`); a shorter one is not worth a note."""


RELEASE_MIN_MENTIONS = 2_000_000
"""From this many mentions (with ``keep_episodes=None``) a build lets its episodes go once the
graph's tables are made: the outputs are written from the tables, and the episodes' objects are
the largest part of the build's memory (about 6.7 GB of 17 at a million episodes). Freeing them
takes time (0.7 s per 100k episodes), so smaller builds keep them until the end."""


class BuildOptions(BaseModel):
    """What to build, from what, and where to put it."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    #: Files, folders and http(s) URLs (kept as text: a Path would fold the URL's "//").
    inputs: list[Path | str] = Field(default_factory=list)
    out: Path = Path("castgraph-out")
    into: Path | None = None
    as_of: date | None = None
    overrides: Path | None = None
    graphml: bool = False
    html: bool = True
    #: Seconds to wait for another build writing ``out`` before giving up.
    lock_wait: float = 0.0
    #: A full rebuild keeps the entity ids of the graph already in ``out`` (an entity keeps its id
    #: whichever inputs came first); False starts from fresh ids.
    keep_ids: bool = True
    #: Write graph.json: ``None`` = when the graph has at most :data:`JSON_AUTO_MENTIONS` mentions.
    graph_json: bool | None = None
    #: Table column -> entity type or "topic" (``--map guest=Person``).
    column_map: dict[str, str] = Field(default_factory=dict)
    #: Fetch the http(s) chapters and transcripts feeds link to.
    fetch_linked: bool = False
    #: Where fetched feeds are cached (default: :func:`castgraph.loaders.fetch.default_cache_dir`).
    cache_dir: Path | None = None
    #: Mentions found in episode text (``LinkOptions(enabled=False)`` turns the linker off).
    link: LinkOptions = Field(default_factory=LinkOptions)
    #: Write some outputs in a forked child (see :data:`castgraph.build_outputs.FORK_MIN_MENTIONS`):
    #: ``None`` = from that many mentions up to ``FORK_MAX_MENTIONS`` when a core is idle,
    #: ``True`` = whatever the size and load, ``False`` = never.
    #: Never where forking is not safe (see :func:`castgraph.forked.fork_unavailable`).
    fork_outputs: bool | None = None
    #: Keep the episodes for :attr:`GraphBuilder.episodes` after the build: ``None`` = up to
    #: :data:`RELEASE_MIN_MENTIONS` mentions, ``False`` = let them go once the tables are made.
    keep_episodes: bool | None = None


class BuildReport(BaseModel):
    """What a build read, resolved and wrote."""

    episodes: int = 0
    new_episodes: int = 0
    mentions: int = 0
    entities: int = 0
    entities_by_type: dict[str, int] = Field(default_factory=dict)
    topics: int = 0
    merged_surfaces: int = 0
    review_pairs: int = 0
    #: Mentions in the graph by how they were obtained (listed, title_pattern, text_link, ...).
    mentions_by_origin: dict[str, int] = Field(default_factory=dict)
    warnings: list[str] = Field(default_factory=list)
    written: list[str] = Field(default_factory=list)
    neo4j: WriteReport | None = None
    seconds: dict[str, float] = Field(default_factory=dict)
    #: Why graph.json was not written (empty when it was).
    skipped_json: str = ""
    #: Why the linker searched the texts after resolution, in this process, instead of beside it
    #: in a forked child (empty when a child searched, the link stage took under
    #: :data:`SEARCHED_HERE_SECONDS`, or without the linker).
    searched_here: str = ""


def _unresolved(episodes: list[Episode], resolution: Resolution) -> list[str]:
    """A warning per mention left out of the graph: its name has nothing to resolve (emoji, punctuation)."""
    return [f"{ep.source or f'episode {ep.id}'}: entity {m.surface!r} has no letters or digits to resolve; "
            "left out of the graph" for ep, m in unassigned_mentions(episodes, resolution)]


def _origin_counts(tables: GraphTables) -> dict[str, int]:
    """Mentions in the graph per origin, counted over the origin column (no origin: listed)."""
    column = tables.m_cols.get("origin")
    if column is None:
        return {MentionOrigin.LISTED.value: len(tables.m_ep)} if len(tables.m_ep) else {}
    per_code = np.bincount(column.codes.astype(np.int64) + 1, minlength=len(column.values) + 1).tolist()
    counts: Counter[str] = Counter()
    for value, n in zip([MentionOrigin.LISTED.value, *map(str, column.values)], per_code, strict=True):
        if n:
            counts[value] += n
    return dict(sorted(counts.items()))


class GraphBuilder:
    """Run one build.

    Parameters
    ----------
    options
        Inputs, output folder and switches.
    stores
        Extra stores to write the graph to (e.g. a Neo4j store), after the output folder.
    on_stage
        Called with a stage name as each stage starts (the CLI shows progress with it).
    on_progress
        Called as a stage goes on (see :mod:`castgraph.progress`): the bytes of the inputs read,
        the resolver's steps.
    """

    def __init__(
        self,
        options: BuildOptions,
        *,
        stores: list[GraphStore] | None = None,
        on_stage: Callable[[str], None] | None = None,
        on_progress: progress.ProgressCallback | None = None,
    ) -> None:
        self.options = options
        self.stores = stores or []
        self.on_stage = on_stage or (lambda stage: None)
        self.on_progress = on_progress
        self._episodes: list[Episode] = []
        self.tables: GraphTables | None = None
        self._resolution: Resolution | None = None
        # What the linker found, in the tables already: added to the episodes and the
        # resolution when one of them is asked for.
        self._linked: LinkResult | None = None
        self._graph: nx.MultiDiGraph | None = None
        self._cpu_at_build: tuple[int, int] | None = None
        # Why the last run let its episodes go ("": it kept them).
        self._released = ""

    @property
    def episodes(self) -> list[Episode]:
        """The episodes of the last run in id order, with the mentions the linker found.

        Not after a run that let them go (see :attr:`BuildOptions.keep_episodes`).
        """
        if self._released:
            raise CastgraphError(f"the build let its episodes go once its tables were made "
                                 f"({self._released}): build with keep_episodes=True to keep them")
        self._apply_link()
        return self._episodes

    @property
    def resolution(self) -> Resolution | None:
        """The resolution of the last run, with the mentions the linker found (``None`` before a run;
        without them after a run that let its episodes go). Its mention ids are made on first ask:
        the build writes every file from the resolver's columns."""
        self._apply_link()
        return self._resolution

    def _apply_link(self) -> None:
        linked, self._linked = self._linked, None
        if self._resolution is None:
            return
        make_mention_ids(self._resolution)  # the build made none: it wrote every file from the columns
        if linked is not None:
            linked.apply(self._episodes, self._resolution)

    @property
    def graph(self) -> nx.MultiDiGraph | None:
        """The built graph as networkx (made from the columns on first use; ``None`` before a run)."""
        if self._graph is None and self.tables is not None:
            self._graph = self.tables.to_networkx()
        return self._graph

    def _stage(self, report: BuildReport, name: str, started: float) -> float:
        now = time.perf_counter()
        report.seconds[name] = round(now - started, 3)
        return now

    def _previous(self, warnings: list[str]) -> tuple[list[Episode], Resolution | None]:
        """Episodes and resolution of the graph being extended (``--into``), if any.

        A full rebuild takes only the ids of the graph already in the output folder
        (its resolution, not its episodes), so existing entities keep their ids.
        """
        opts = self.options
        if opts.into is None:
            if not opts.keep_ids:
                return [], None
            try:
                tables = NetworkXStore(opts.out).read_tables()
            except CastgraphError as exc:  # a damaged old output must not stop a rebuild
                warnings.append(f"{exc} (entity ids not carried over)")
                return [], None
            if tables is None or not tables.entities:
                return [], None
            return [], resolution_from_graph(tables.to_networkx())
        tables = NetworkXStore(opts.into).read_tables()
        if tables is None or not tables.episodes:
            return [], None
        old = tables.to_networkx()
        return episodes_from_graph(old), resolution_from_graph(old)

    def _read(self) -> LoadResult:
        opts = self.options
        fetcher = Fetcher(opts.cache_dir) if opts.cache_dir is not None else None
        try:
            return read_episodes(opts.inputs, as_of=opts.as_of, column_map=opts.column_map,
                                 fetch_linked=opts.fetch_linked, fetcher=fetcher)
        finally:
            if fetcher is not None:
                fetcher.close()

    def run(self) -> BuildReport:
        """Build the graph and write every output; return what was done.

        The output folder is locked for the whole build (see :class:`castgraph.outputs.OutputLock`):
        a second build into it waits up to ``lock_wait`` seconds, then fails in one line.
        """
        def on_wait(pid: int | None) -> None:
            holder = f" (pid {pid})" if pid else ""
            self._starting(f"waiting for the build writing {self.options.out}{holder}")

        # Millions of small objects and no cycles: the collector's passes would cost more than the work.
        with progress.metered(self.on_progress), OutputLock(self.options.out, wait=self.options.lock_wait,
                                                             on_wait=on_wait), gc_paused():
            return self._run()

    def _starting(self, stage: str) -> None:
        progress.restart()  # what the last stage counted is not this one's
        self.on_stage(stage)

    def _run(self) -> BuildReport:
        opts = self.options
        report = BuildReport()
        t = time.perf_counter()

        self._starting("reading")
        loaded = self._read() if opts.inputs else None
        new = loaded.episodes if loaded else []
        report.warnings = [str(w) for w in loaded.warnings] if loaded else []
        old, prior = self._previous(report.warnings)
        # A re-read episode replaces its older copy: the newest input wins.
        by_id = {ep.id: ep for ep in old}
        by_id.update({ep.id: ep for ep in new})
        episodes = [by_id[k] for k in sorted(by_id)]
        self._episodes, self._resolution, self._linked = episodes, None, None
        report.new_episodes = len({ep.id for ep in new} - {ep.id for ep in old})
        t = self._stage(report, "read", t)

        linker = EntityLinker(opts.link)
        linked: LinkResult | None = None
        if linker.active:
            self._starting("reading titles")
            linker.add_title_mentions(episodes)
            # The texts are searched on the other core while this one resolves.
            linker.search_ahead(episodes)
            t = self._stage(report, "titles", t)

        try:
            self._starting("resolving")
            overrides = read_overrides(opts.overrides) if opts.overrides else None
            # Without the mention ids: every file is written from the resolver's columns, and
            # :attr:`resolution` makes them when asked.
            resolution = resolve(episodes, overrides=overrides, prior=prior, warnings=report.warnings,
                                 mention_ids=False)
            clear_caches()  # their memory goes to the tables (0.3 GB at 300k episodes)
            report.warnings.extend(_unresolved(new, resolution))
            if overrides is not None:
                report.warnings.extend(check_overrides(overrides, episodes, resolution))
            t = self._stage(report, "resolve", t)

            if linker.active:
                self._starting("linking")
                # As columns: the build reads them; the episodes get them only if asked (self.episodes).
                linked = linker.link(episodes, resolution)
                t = self._stage(report, "link", t)
                if report.seconds["link"] >= SEARCHED_HERE_SECONDS:
                    report.searched_here = linker.searched_here
        finally:
            linker.close()

        self._starting("building")
        self._cpu_at_build = cpu_snapshot()
        tables = GraphTables.from_build(episodes, resolution, linked.added if linked is not None else None)
        forget_fields(resolution)  # coded for the tables only: 0.15 GB at a million episodes
        self.tables, self._resolution, self._linked, self._graph = tables, resolution, linked, None
        self._count(report, episodes, linked)
        self._released = self._release_reason(len(tables.m_ep))
        if self._released:  # every reference to them goes: each output is written from the tables
            self._episodes, self._linked = [], None
            del loaded, new, old, by_id, episodes, linked
        t = self._stage(report, "build", t)

        write_json = opts.graph_json
        if write_json is None:
            write_json = len(tables.m_ep) <= JSON_AUTO_MENTIONS
            if not write_json:
                report.skipped_json = (f"graph.json not written ({len(tables.m_ep):,} mentions): "
                                       f"castgraph export --format json --graph {opts.out}")
        outputs = output_files(tables, resolution, out=opts.out, write_json=write_json, html=opts.html,
                               graph=(lambda: self.graph) if opts.graphml else None)
        in_process = in_process_reason(opts.fork_outputs, len(tables.m_ep),
                                       running=sum(report.seconds.values()), since=self._cpu_at_build)
        for stage, seconds, written in write_outputs(outputs, out=opts.out, in_process=in_process,
                                                     on_stage=self._starting):
            report.seconds[stage] = seconds
            report.written += written
        t = time.perf_counter()
        for store in self.stores:
            self._starting(f"writing to {type(store).__name__}")
            # The store walks the graph row by row: the columns' view, no networkx graph in memory.
            report.neo4j = store.write(cast("nx.MultiDiGraph", ColumnView(tables)))
            t = self._stage(report, "neo4j", t)

        self._summarize(report, resolution, tables)
        return report

    def _release_reason(self, mentions: int) -> str:
        """Why this run lets its episodes go once the tables are made (``""``: it keeps them)."""
        keep = self.options.keep_episodes
        if keep is False:
            return "keep_episodes=False"
        if keep is None and mentions >= RELEASE_MIN_MENTIONS:
            return f"{mentions:,} mentions"
        return ""

    @staticmethod
    def _count(report: BuildReport, episodes: list[Episode], linked: LinkResult | None) -> None:
        """What the report says of the episodes, counted while the build has them."""
        report.episodes = len(episodes)
        report.mentions = sum(len(ep.mentions) for ep in episodes) + (len(linked.added) if linked else 0)
        report.topics = len({t for ep in episodes for t in ep.tags})

    @staticmethod
    def _summarize(report: BuildReport, resolution: Resolution, tables: GraphTables) -> None:
        # From the columns the build made: a pass over a million mentions in Python costs seconds.
        report.mentions_by_origin = _origin_counts(tables)
        report.entities = len(resolution.entities)
        report.entities_by_type = dict(sorted(Counter(e.type.value for e in resolution.entities).items()))
        # Surfaces merged into an entity under another name (aliases also list names inside surfaces).
        report.merged_surfaces = sum(1 for m in resolution.merges if m.rule != "canonical")
        report.review_pairs = len(resolution.review)
