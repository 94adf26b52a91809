"""`castgraph build`: the main job."""

from __future__ import annotations

import gc
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from castgraph.cli.errors import fail_cleanly
from castgraph.cli.options import DEFAULT_GRAPH_DIR, Neo4jSettings, optional_neo4j_options, parse_date
from castgraph.cli.printing import escape
from castgraph.cli.teardown import keep_until_exit, teardown_skipped

if TYPE_CHECKING:  # the build's modules load when it runs, so that `--help` answers at once
    from rich.console import Console
    from rich.progress import ProgressColumn, TaskID

    from castgraph.graph.store import GraphStore
    from castgraph.pipeline import BuildReport

__all__ = ["COMMANDS", "build_cmd"]

#: The fields of :data:`castgraph.link.LINK_FIELDS`, for the help text (a test keeps them equal).
LINK_FIELD_NAMES = ("title", "summary", "chapters", "transcript", "tags")


def _print_report(report: BuildReport, console: Console) -> None:
    from rich.table import Table

    table = Table(title="castgraph build", show_header=False, title_justify="left")
    table.add_column(style="bold")
    table.add_column()
    episodes = f"{report.episodes}"
    if report.new_episodes != report.episodes:
        episodes += f" ({report.new_episodes} new)"
    table.add_row("episodes", episodes)
    origins = ", ".join(f"{o} {n}" for o, n in report.mentions_by_origin.items())
    table.add_row("entity mentions", f"{report.mentions} ({origins})" if origins else str(report.mentions))
    by_type = ", ".join(f"{t} {n}" for t, n in report.entities_by_type.items())
    table.add_row("entities", f"{report.entities} ({by_type})" if by_type else "0")
    table.add_row("topics", str(report.topics))
    table.add_row("merged surfaces", str(report.merged_surfaces))
    table.add_row("pairs to review", str(report.review_pairs))
    table.add_row("warnings", str(len(report.warnings)))
    if report.neo4j is not None:
        table.add_row("neo4j", f"{report.neo4j.nodes} nodes, {report.neo4j.edges} relationships written")
    table.add_row("seconds", ", ".join(f"{k} {v:.2f}" for k, v in report.seconds.items()))
    table.add_row("written", "\n".join(report.written))
    if report.skipped_json:
        table.add_row("not written", report.skipped_json)
    if report.searched_here:
        table.add_row("text search", f"after resolution, in this process: {report.searched_here} "
                                     "(--no-link skips it)")
    console.print(table)


class _StageProgress:
    """One line per build stage on a terminal: a spinner while it runs (with a bar of the bytes read
    while reading, and the step the resolver is on), its seconds when done."""

    def __init__(self, console: Console) -> None:
        from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

        self.progress = Progress(SpinnerColumn(finished_text="[green]✓[/]"), TextColumn("{task.description}"),
                                 *_counted_columns(), TimeElapsedColumn(), console=console, transient=False)
        self.task: TaskID | None = None
        self.stage = ""

    def __enter__(self) -> _StageProgress:
        import threading

        from castgraph.forked import tolerate_at_fork

        before = set(threading.enumerate())
        self.progress.start()
        # The display's refresh thread only draws on the terminal, which the build's forked child never
        # writes to: it does not stop the build from writing outputs there.
        for thread in set(threading.enumerate()) - before:
            tolerate_at_fork(thread)
        return self

    def __exit__(self, *exc: object) -> None:
        self.finish()
        self.progress.stop()

    def finish(self) -> None:
        if self.task is not None:
            total = next(task.total for task in self.progress.tasks if task.id == self.task) or 1
            self.progress.update(self.task, description=escape(self.stage), total=total, completed=total)
            self.progress.stop_task(self.task)
        self.task = None

    def __call__(self, stage: str) -> None:
        self.finish()
        self.stage = stage
        self.task = self.progress.add_task(escape(stage), total=None, counted=False)

    def advanced(self, done: int, total: int | None, step: str) -> None:
        """How far the stage has come (see :mod:`castgraph.progress`): bytes read, the step it is on."""
        if self.task is not None:
            described = f"{self.stage} · {step}" if step else self.stage
            self.progress.update(self.task, description=escape(described), total=total, completed=done,
                                 counted=total is not None)


def _counted_columns() -> list[ProgressColumn]:
    """A bar and the bytes done of those expected, for a stage that counts them; blank for the others."""
    from rich.progress import BarColumn, DownloadColumn, Task
    from rich.text import Text

    class CountedBar(BarColumn):
        def render(self, task: Task) -> Any:
            return super().render(task) if task.fields.get("counted") else Text()

    class CountedBytes(DownloadColumn):
        def render(self, task: Task) -> Text:
            return super().render(task) if task.fields.get("counted") else Text()

    return [CountedBar(bar_width=24), CountedBytes()]


def _column_map(ctx: click.Context, param: click.Parameter, values: tuple[str, ...]) -> dict[str, str]:
    from castgraph.graph.model import EntityType

    mapping: dict[str, str] = {}
    for value in values:
        column, sep, kind = value.partition("=")
        if not sep or not column.strip() or not kind.strip():
            raise click.BadParameter(f"{value!r}: write COLUMN=TYPE, e.g. guest=Person")
        kind = kind.strip()
        if kind.casefold() not in ("topic", "topics", "tag", "tags") and EntityType.known_label(kind) is None:
            types = ", ".join(t.value for t in EntityType)
            raise click.BadParameter(f"{value!r}: TYPE is one of {types}, or topic")
        mapping[column.strip()] = kind
    return mapping


@click.command("build")
@click.argument("inputs", nargs=-1)
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help=f"Output folder (default: {DEFAULT_GRAPH_DIR}, or the --into folder).")
@click.option("--into", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Add INPUTS to the graph already in this folder, without re-reading its inputs.")
@click.option("--as-of", callback=parse_date, metavar="YYYY-MM-DD",
              help="Date the page was captured: turns relative ages (\"3日前\") into published dates.")
@click.option("--overrides", type=click.Path(dir_okay=False, exists=True, path_type=Path),
              help="Curation YAML: merge, never merge, rename, set type, split (the viewer saves one).")
@click.option("--fresh-ids", is_flag=True,
              help="Do not keep the entity ids of the graph already in --out (kept by default).")
@click.option("--map", "column_map", multiple=True, metavar="COLUMN=TYPE", callback=_column_map,
              help="Table column holding a list of entities of TYPE (Person, Organization, ...) or topic; "
                   "repeatable.")
@click.option("--fetch-linked", is_flag=True,
              help="Also download the chapters and transcripts that feeds link to over http(s).")
@click.option("--cache-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Cache of fetched feeds (default: $CASTGRAPH_CACHE_DIR or ~/.cache/castgraph/http).")
@click.option("--link/--no-link", "link", default=True, show_default=True,
              help="Find known entities in titles, notes, chapters, transcripts and tags.")
@click.option("--link-fields", default="all", show_default=True, metavar="FIELDS",
              help=f"Comma-separated fields the linker reads: {', '.join(LINK_FIELD_NAMES)} (or all, none).")
@click.option("--title-patterns", type=click.Path(dir_okay=False, exists=True, path_type=Path),
              help="YAML list of {name, regex} title patterns, tried before the built-in ones.")
@click.option("--graphml", is_flag=True, help="Also write graph.graphml (for Gephi).")
@click.option("--no-html", is_flag=True, help="Do not write graph.html.")
@click.option("--wait", "wait", type=click.FloatRange(0), default=0, metavar="SECONDS", show_default=True,
              help="If another build is writing the output folder, wait this long for it instead of failing.")
@click.option("--replace", is_flag=True,
              help="With --neo4j: replace a different graph already in the database "
                   "(deleting its episodes).")
@click.option("--json/--no-json", "graph_json", default=None,
              help="Write graph.json (default: when the graph has at most 250,000 mentions; "
                   "the compact graph.store is always written).")
@click.option("--quiet", "-q", is_flag=True, help="Print warnings only.")
@optional_neo4j_options
def build_cmd(
    inputs: tuple[str, ...],
    out: Path | None,
    into: Path | None,
    as_of: date | None,
    overrides: Path | None,
    fresh_ids: bool,
    column_map: dict[str, str],
    fetch_linked: bool,
    cache_dir: Path | None,
    link: bool,
    link_fields: str,
    title_patterns: Path | None,
    graphml: bool,
    no_html: bool,
    wait: float,
    replace: bool,
    graph_json: bool | None,
    quiet: bool,
    neo4j_uri: str | None,
    neo4j_user: str | None,
    neo4j_password: str | None,
    neo4j_database: str | None,
) -> None:
    """Read episodes, resolve their entities and write the graph.

    INPUTS are files, folders or http(s) URLs: RSS podcast feeds, CSV/TSV tables,
    podcast-app page text, JSON or JSONL records. Feeds fetched from a URL are
    cached and downloaded again only when they changed. Writes OUT/graph.json,
    OUT/graph.store (the compact store queries read), OUT/graph.html,
    OUT/resolution.csv and OUT/review.csv; with --neo4j URI (or --neo4j alone: the
    server in $NEO4J_URI) also writes the graph to that Neo4j server. Above
    250,000 mentions graph.json is written only with --json (or later:
    castgraph export --format json).

    \b
    Examples:
        castgraph build examples/
        castgraph build https://example.com/feed.xml --fetch-linked
        castgraph build guests.csv --map guest=Person --map sponsors=Organization
        castgraph build page.txt --as-of 2026-11-25 --out my-graph
        castgraph build new-episodes.jsonl --into my-graph
        castgraph build examples/ --neo4j bolt://127.0.0.1:7687
        castgraph build feed.jsonl --link-fields title,tags --title-patterns my-patterns.yaml
    """
    if not inputs and into is None:
        raise click.UsageError("give at least one INPUT file or folder (or --into DIR)")
    from rich.console import Console

    from castgraph.link import DEFAULT_TITLE_PATTERNS, LinkOptions, parse_link_fields, read_title_patterns
    from castgraph.pipeline import BuildOptions, GraphBuilder

    if teardown_skipped():
        # This process ends with the build: no collection would give back memory worth its passes.
        gc.disable()
    console = Console(stderr=True, quiet=quiet)
    with fail_cleanly():
        settings = Neo4jSettings.from_options(neo4j_uri, neo4j_user, neo4j_password, neo4j_database)
        patterns = read_title_patterns(title_patterns) if title_patterns else []
        link_options = LinkOptions(enabled=link, fields=parse_link_fields(link_fields),
                                   title_patterns=(*patterns, *DEFAULT_TITLE_PATTERNS))
        stores: list[GraphStore] = [settings.open_store(replace=replace)] if settings else []
        options = BuildOptions(
            inputs=list(inputs),
            out=out or into or Path(DEFAULT_GRAPH_DIR),
            into=into,
            as_of=as_of,
            overrides=overrides,
            graphml=graphml,
            html=not no_html,
            lock_wait=wait,
            keep_ids=not fresh_ids,
            graph_json=graph_json,
            column_map=column_map,
            fetch_linked=fetch_linked,
            cache_dir=cache_dir,
            link=link_options,
        )
        try:
            builder = GraphBuilder(options, stores=stores)
            if console.is_terminal and not quiet:
                with _StageProgress(console) as progress:
                    builder.on_stage, builder.on_progress = progress, progress.advanced
                    report = builder.run()
            else:
                report = builder.run()
        finally:
            for store in stores:
                close = getattr(store, "close", None)
                if close:
                    close()
    err = Console(stderr=True)
    for warning in report.warnings:
        err.print(f"[yellow]warning:[/] {escape(warning)}", highlight=False, soft_wrap=True)
    if not quiet:
        _print_report(report, Console())
    # Millions of objects: the program ends without freeing them one by one (outputs are closed by now).
    keep_until_exit(builder)


COMMANDS = [build_cmd]
