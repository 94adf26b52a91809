"""`castgraph resolve`: look into entity resolution of a built graph (explain one entity, review pairs)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from castgraph.cli.errors import fail_cleanly
from castgraph.cli.options import DEFAULT_GRAPH_DIR
from castgraph.cli.printing import echo, echo_json

if TYPE_CHECKING:  # the graph and resolution modules load when the command runs: `--help` answers at once
    from castgraph.graph.model import ReviewPair

__all__ = ["COMMANDS", "resolve_cmd"]

REVIEW_FILE = "review.csv"


def _review_pairs(directory: Path) -> list[ReviewPair]:
    from castgraph.resolve.output import read_review_csv

    path = directory / REVIEW_FILE
    if not path.exists():
        raise click.ClickException(f"{path}: no review list; run `castgraph build` first")
    return read_review_csv(path)


@click.command("resolve")
@click.option("--explain", "explain", metavar="NAME",
              help="Explain one entity: its type and votes, aliases, episodes, and why each surface merged.")
@click.option("--review", is_flag=True, help="List borderline pairs that were kept apart, for review.")
@click.option("--graph", "graph_dir", default=DEFAULT_GRAPH_DIR, show_default=True, metavar="DIR",
              type=click.Path(file_okay=False, path_type=Path), help="Folder written by `castgraph build`.")
@click.option("--json", "as_json", is_flag=True, help="Review list as JSON (as graph.html lists it).")
def resolve_cmd(explain: str | None, review: bool, graph_dir: Path, as_json: bool) -> None:
    """Explain how entities were resolved in a built graph.

    \b
    Examples:
        castgraph resolve --explain swyx
        castgraph resolve --explain "Shawn Wang" --graph castgraph-out
        castgraph resolve --review
        castgraph resolve --review --json
    """
    if bool(explain) == review:
        raise click.UsageError("give exactly one of --explain NAME or --review")
    with fail_cleanly():
        if explain:
            from castgraph.graph.networkx_store import graph_file, read_graph_dir
            from castgraph.queries.models import NotFoundError
            from castgraph.resolve.output import explain_entity

            path = graph_file(graph_dir)
            graph = read_graph_dir(graph_dir)
            try:
                echo(explain_entity(graph, explain))
            except NotFoundError as exc:
                raise click.ClickException(f"{path}: {exc}") from None
            return
        pairs = _review_pairs(graph_dir)
        if as_json:
            echo_json([p.model_dump() for p in pairs])
            return
        if not pairs:
            echo("No borderline pairs to review.")
            return
        echo(f"{len(pairs)} borderline pair(s) kept apart (merge them with an overrides file):")
        for p in pairs:
            echo(f"  {p.score:.2f}  {p.left_name} [{p.left_id}]  <->  {p.right_name} [{p.right_id}]")
            echo(f"        {p.reason}")


COMMANDS = [resolve_cmd]
