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
(1, 1, ['.graph.json.qindex', 'graph.json', 'resolution.csv', 'review.csv'])
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from datetime import date
from pathlib import Path

import networkx as nx
from pydantic import BaseModel, ConfigDict, Field

from castgraph.graph.build import build_graph, resolution_from_graph
from castgraph.graph.model import Episode, Resolution
from castgraph.graph.networkx_store import GRAPH_FILE, NetworkXStore, write_graphml
from castgraph.graph.store import GraphStore, WriteReport
from castgraph.link import EntityLinker, LinkOptions
from castgraph.loaders import Fetcher, LoadResult, episodes_from_graph, read_episodes
from castgraph.queries.loading import write_graph_index
from castgraph.resolve import read_overrides, resolve, write_resolution_csv, write_review_csv

__all__ = ["BuildOptions", "BuildReport", "GraphBuilder"]


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
    #: Table column -> entity type or "topic" (``--map guest=Person``).
    column_map: dict[str, str] = Field(default_factory=dict)
    #: Fetch the http(s) chapters and transcripts feeds link to.
    fetch_linked: bool = False
    #: Where fetched feeds are cached (default: :func:`castgraph.loaders.fetch.default_cache_dir`).
    cache_dir: Path | None = None
    #: Mentions found in episode text (``LinkOptions(enabled=False)`` turns the linker off).
    link: LinkOptions = Field(default_factory=LinkOptions)


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
    """

    def __init__(
        self,
        options: BuildOptions,
        *,
        stores: list[GraphStore] | None = None,
        on_stage: Callable[[str], None] | None = None,
    ) -> None:
        self.options = options
        self.stores = stores or []
        self.on_stage = on_stage or (lambda stage: None)
        self.graph: nx.MultiDiGraph | None = None
        self.resolution: Resolution | None = None

    def _stage(self, report: BuildReport, name: str, started: float) -> float:
        now = time.perf_counter()
        report.seconds[name] = round(now - started, 3)
        return now

    def _previous(self) -> tuple[list[Episode], Resolution | None]:
        """Episodes and resolution of the graph being extended (``--into``), if any."""
        if self.options.into is None:
            return [], None
        old = NetworkXStore(self.options.into).read()
        if old.number_of_nodes() == 0:
            return [], None
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
        """Build the graph and write every output; return what was done."""
        opts = self.options
        report = BuildReport()
        t = time.perf_counter()

        self.on_stage("reading")
        loaded = self._read() if opts.inputs else None
        new = loaded.episodes if loaded else []
        report.warnings = [str(w) for w in loaded.warnings] if loaded else []
        old, prior = self._previous()
        # A re-read episode replaces its older copy: the newest input wins.
        by_id = {ep.id: ep for ep in old}
        by_id.update({ep.id: ep for ep in new})
        episodes = [by_id[k] for k in sorted(by_id)]
        report.new_episodes = len({ep.id for ep in new} - {ep.id for ep in old})
        t = self._stage(report, "read", t)

        linker = EntityLinker(opts.link)
        if linker.active:
            self.on_stage("reading titles")
            linker.add_title_mentions(episodes)
            t = self._stage(report, "titles", t)

        self.on_stage("resolving")
        overrides = read_overrides(opts.overrides) if opts.overrides else None
        resolution = resolve(episodes, overrides=overrides, prior=prior)
        t = self._stage(report, "resolve", t)

        if linker.active:
            self.on_stage("linking")
            linker.link(episodes, resolution).apply(episodes, resolution)
            t = self._stage(report, "link", t)

        self.on_stage("building")
        graph = build_graph(episodes, resolution)
        self.graph, self.resolution = graph, resolution
        t = self._stage(report, "build", t)

        self.on_stage("writing")
        out = opts.out
        NetworkXStore(out).write(graph)
        write_graph_index(graph, out)
        write_resolution_csv(resolution, out / "resolution.csv", episodes=episodes)
        write_review_csv(resolution, out / "review.csv")
        report.written = [str(out / GRAPH_FILE), str(out / "resolution.csv"), str(out / "review.csv")]
        if opts.graphml:
            write_graphml(graph, out / "graph.graphml")
            report.written.append(str(out / "graph.graphml"))
        if opts.html:
            from castgraph.viz import write_html

            write_html(graph, out / "graph.html", title="castgraph")
            report.written.append(str(out / "graph.html"))
        t = self._stage(report, "write", t)
        for store in self.stores:
            self.on_stage(f"writing to {type(store).__name__}")
            report.neo4j = store.write(graph)
            t = self._stage(report, "neo4j", t)

        self._summarize(report, episodes, resolution)
        return report

    @staticmethod
    def _summarize(report: BuildReport, episodes: list[Episode], resolution: Resolution) -> None:
        report.episodes = len(episodes)
        report.mentions = sum(len(ep.mentions) for ep in episodes)
        assigned = resolution.assignments
        origins = Counter(m.origin.value for ep in episodes for m in ep.mentions if m.id in assigned)
        report.mentions_by_origin = dict(sorted(origins.items()))
        report.entities = len(resolution.entities)
        report.entities_by_type = dict(sorted(Counter(e.type.value for e in resolution.entities).items()))
        report.topics = len({t for ep in episodes for t in ep.tags})
        # Surfaces merged into an entity under another name (aliases also list names inside surfaces).
        report.merged_surfaces = sum(1 for m in resolution.merges if m.rule != "canonical")
        report.review_pairs = len(resolution.review)
