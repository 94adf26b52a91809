"""`castgraph viz`: write an interactive HTML page of the graph or part of it."""

from __future__ import annotations

from pathlib import Path

import click

from castgraph.cli.errors import fail_cleanly
from castgraph.cli.options import Neo4jSettings, graph_options, read_graph
from castgraph.cli.printing import echo

__all__ = ["COMMANDS", "MAX_NODES", "viz_cmd"]

#: :data:`castgraph.viz.views.MAX_NODES`, the option's default (a test keeps them equal): the views
#: load networkx, and `--help` answers without it.
MAX_NODES = 1500


@click.command("viz")
@graph_options
@click.option("--ego", metavar="NAME", help="Show NAME (an entity, topic or episode) and its neighbourhood.")
@click.option("--depth", type=click.IntRange(0, 10), default=1, show_default=True,
              help="With --ego: steps between entities through shared episodes.")
@click.option("--comention", is_flag=True, help="Show entities linked when episodes mention them together.")
@click.option("--min-weight", type=click.IntRange(1), default=2, show_default=True,
              help="With --comention: least number of shared episodes for a link.")
@click.option("--episode", metavar="EPISODE",
              help="Show one episode (id or title), what it mentions and related episodes.")
@click.option("--max-nodes", type=click.IntRange(1), default=MAX_NODES, show_default=True,
              help="Above this many nodes only the most connected part is drawn.")
@click.option("--title", help="Page heading (default: the view's name).")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="HTML file to write.")
def viz_cmd(graph_dir: str, neo4j_uri: str | None, neo4j_user: str | None, neo4j_password: str | None,
            neo4j_database: str | None, ego: str | None, depth: int, comention: bool, min_weight: int,
            episode: str | None, max_nodes: int, title: str | None, out: Path) -> None:
    """Write an interactive HTML page (one file, works offline) of the graph.

    Without a view option the page shows the whole graph (its most connected part
    when it has more than --max-nodes nodes).

    \b
    Examples:
        castgraph viz --graph castgraph-out --out graph.html
        castgraph viz --ego "swyx" --depth 1 --out swyx.html
        castgraph viz --comention --min-weight 2 --out comention.html
        castgraph viz --episode "GitHub's Agent Era" --out episode.html
    """
    chosen = [name for name, on in (("--ego", ego), ("--comention", comention), ("--episode", episode)) if on]
    if len(chosen) > 1:
        raise click.UsageError(f"choose one view, not {' and '.join(chosen)}")
    from castgraph.resolve import read_review_csv
    from castgraph.viz import comention_view, ego_view, episode_view, overview_view, write_view_html
    from castgraph.viz.page import review_records

    with fail_cleanly():
        settings = Neo4jSettings.from_options(neo4j_uri, neo4j_user, neo4j_password, neo4j_database)
        graph = read_graph(graph_dir, settings)
        if ego:
            view = ego_view(graph, ego, depth, max_nodes=max_nodes)
        elif comention:
            view = comention_view(graph, min_weight=min_weight, max_nodes=max_nodes)
        elif episode:
            view = episode_view(graph, episode)
        else:
            view = overview_view(graph, max_nodes=max_nodes, title=title or "castgraph")
            review_csv = Path(graph_dir) / "review.csv"
            if review_csv.exists():  # the same list `castgraph resolve --review` shows
                view.review = review_records(read_review_csv(review_csv))
        path = write_view_html(view, out, title=title)
    shown = f"{len(view.nodes):,} nodes, {len(view.edges):,} links"
    echo(f"wrote {path} ({shown}{'; ' + view.note if view.note else ''})")


COMMANDS = [viz_cmd]
