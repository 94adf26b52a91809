"""`castgraph related`, `comention`, `entity` and `show`: the queries from the shell.

Each command opens the graph (a folder, or a Neo4j server with --neo4j or $NEO4J_URI),
calls one function of :mod:`castgraph.queries` and prints a table, or JSON with --json.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from castgraph.cli.errors import fail_cleanly
from castgraph.cli.options import Neo4jSettings, graph_options, parse_date
from castgraph.cli.printing import echo_json, escape
from castgraph.cli.teardown import keep_until_exit

if TYPE_CHECKING:  # rich, pydantic and the queries load when a command runs: `--help` answers at once
    from pydantic import BaseModel

    from castgraph.queries.backend import QueryBackend

__all__ = ["COMMANDS", "NORMALIZATION_NAMES", "ORIGIN_NAMES", "comention_cmd", "entity_cmd", "open_backend",
           "related_cmd", "show_cmd"]

#: The keys of :data:`castgraph.queries.scoring.ORIGIN_WEIGHTS` and its NORMALIZATIONS, for the
#: options (a test keeps them equal).
ORIGIN_NAMES = ("listed", "person_tag", "title_pattern", "hashtag", "text_link")
NORMALIZATION_NAMES = ("jaccard", "pmi")


@contextmanager
def open_backend(graph_dir: str, settings: Neo4jSettings | None) -> Iterator[QueryBackend]:
    """The Neo4j server when one is configured, else the graph folder (with its index cache)."""
    if settings is None:
        from castgraph.queries.loading import open_graph_dir

        backend = open_graph_dir(graph_dir)
        # A query answers in a few milliseconds; freeing the index's hundreds of thousands of
        # strings at exit would take longer (run as the program, the process just ends).
        keep_until_exit(backend)
        yield backend
        return
    from castgraph.queries.neo4j_backend import Neo4jQueries

    driver = settings.open_driver()
    try:
        yield Neo4jQueries(driver, settings.database)
    finally:
        driver.close()


def _print_json(items: Sequence[BaseModel] | BaseModel) -> None:
    from pydantic import BaseModel

    data: Any = items.model_dump(mode="json") if isinstance(items, BaseModel) \
        else [i.model_dump(mode="json") for i in items]
    echo_json(data)


def _settings(uri: str | None, user: str | None, password: str | None, database: str | None
              ) -> Neo4jSettings | None:
    return Neo4jSettings.from_options(uri, user, password, database)


@click.command("related")
@click.argument("episode", required=False)
@click.option("--entity", "entities", multiple=True, metavar="NAME",
              help="Instead of an episode: episodes about this entity (repeatable: about all of them).")
@graph_options
@click.option("--limit", type=click.IntRange(1), default=10, show_default=True,
              help="At most this many episodes.")
@click.option("--origin", "origins", multiple=True, type=click.Choice(list(ORIGIN_NAMES)),
              help="Count only mentions obtained this way (repeatable); default: all, "
                   "text links at half weight.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def related_cmd(episode: str | None, entities: tuple[str, ...], graph_dir: str, neo4j_uri: str | None,
                neo4j_user: str | None, neo4j_password: str | None, neo4j_database: str | None,
                limit: int, origins: tuple[str, ...], as_json: bool) -> None:
    """Episodes to listen to after EPISODE (an id or a unique part of its title).

    Episodes are ranked by the entities they share with it, rare ones counting most,
    and by shared topics; each result says what it shares. An entity only found in an
    episode's text counts half, a hashtag three quarters (--origin listed: lists only).
    With --entity, episodes about those entities instead.

    \b
    Examples:
        castgraph related "Matt Pocock"
        castgraph related "Matt Pocock" --origin listed --origin title_pattern
        castgraph related "Abridge" --limit 3 --json
        castgraph related --entity "Claude Code" --entity Cursor
    """
    from castgraph.queries.related import episodes_about, related_episodes

    if bool(episode) == bool(entities):
        raise click.UsageError("give an EPISODE or at least one --entity, not both")
    with fail_cleanly(), open_backend(graph_dir, _settings(neo4j_uri, neo4j_user, neo4j_password,
                                                           neo4j_database)) as backend:
        only = list(origins) or None
        results = (related_episodes(backend, episode, limit=limit, origins=only) if episode
                   else episodes_about(backend, list(entities), limit=limit, origins=only))
    if as_json:
        _print_json(list(results))
        return
    from rich.console import Console  # only for tables: --json output does not load rich
    from rich.table import Table
    table = Table(title=escape(f"related to {episode or ', '.join(entities)}"), title_justify="left")
    for column in ("score", "episode", "published", "shares"):
        table.add_column(column, justify="right" if column == "score" else "left")
    for r in results:
        shares = ", ".join([s.name for s in r.shared_entities] + [f"#{t.name}" for t in r.shared_topics])
        table.add_row(f"{r.score:.2f}", escape(r.title), escape(r.published or ""), escape(shares))
    Console().print(table)


@click.command("comention")
@graph_options
@click.option("--type", "types", multiple=True, metavar="TYPE",
              help="Only entities of this type (Person, Organization, Product, ...); repeatable.")
@click.option("--entity", "entities", multiple=True, metavar="NAME",
              help="Only links of this entity (a name, alias, id or near spelling); repeatable.")
@click.option("--min-weight", type=click.IntRange(1), default=1, show_default=True,
              help="Least number of shared episodes.")
@click.option("--top-k", type=click.IntRange(1), default=None, help="Keep each entity's K best links.")
@click.option("--since", callback=parse_date, metavar="YYYY-MM-DD",
              help="Only episodes published on or after.")
@click.option("--until", callback=parse_date, metavar="YYYY-MM-DD",
              help="Only episodes published on or before.")
@click.option("--normalize", type=click.Choice(NORMALIZATION_NAMES), default=None,
              help="Rank by Jaccard index or PMI instead of the raw count.")
@click.option("--limit", type=click.IntRange(1), default=None, help="At most this many links.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@click.option("--html", "html", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Also write an interactive HTML page of the links to this file.")
@click.option("--key-players", "players", type=click.IntRange(0), default=0, metavar="N",
              help="Also print the N entities with the highest PageRank, and the Louvain communities.")
def comention_cmd(graph_dir: str, neo4j_uri: str | None, neo4j_user: str | None, neo4j_password: str | None,
                  neo4j_database: str | None, types: tuple[str, ...], entities: tuple[str, ...],
                  min_weight: int, top_k: int | None,
                  since: date | None, until: date | None, normalize: str | None, limit: int | None,
                  as_json: bool, html: Path | None, players: int) -> None:
    """Entities discussed together: links weighted by the episodes they share.

    \b
    Examples:
        castgraph comention --min-weight 2
        castgraph comention --type Person --type Organization --normalize jaccard --limit 20
        castgraph comention --since 2026-10-01 --json
        castgraph comention --entity "GitHub, Inc." --limit 10
        castgraph comention --min-weight 2 --html comention.html --key-players 10
    """
    from castgraph.queries.comention import comention_communities, comention_graph, key_players

    with fail_cleanly(), open_backend(graph_dir, _settings(neo4j_uri, neo4j_user, neo4j_password,
                                                           neo4j_database)) as backend:
        edges = comention_graph(backend, types=types or None, min_weight=min_weight, top_k=top_k,
                                since=since, until=until, normalize=normalize, limit=limit,
                                entities=entities or None)
        if html is not None:
            from castgraph.viz import write_comention_html

            write_comention_html(edges, html, title="co-mentions")
    ranked = key_players(edges, limit=players) if players else []
    communities = comention_communities(edges) if players else []
    if as_json:
        if players:
            echo_json({"edges": [e.model_dump(mode="json") for e in edges],
                       "key_players": [p.model_dump(mode="json") for p in ranked],
                       "communities": [c.model_dump(mode="json") for c in communities]})
        else:
            _print_json(list(edges))
        return
    from rich.console import Console  # only for tables: --json output does not load rich
    from rich.table import Table
    console = Console()
    table = Table(title=f"co-mentions ({len(edges)} links)", title_justify="left")
    for column in ("score", "episodes", "entity", "entity "):
        table.add_column(column, justify="right" if column in ("score", "episodes") else "left")
    for e in edges:
        table.add_row(f"{e.score:.3g}", str(e.weight), escape(f"{e.source.name} ({e.source.type})"),
                      escape(f"{e.target.name} ({e.target.type})"))
    console.print(table)
    if players:
        ranks = Table(title="key players (PageRank)", title_justify="left")
        for column in ("pagerank", "links", "entity", "community"):
            ranks.add_column(column)
        community_of = {m.id: c.id for c in communities for m in c.members}
        for p in ranked:
            ranks.add_row(f"{p.pagerank:.4f}", str(p.degree), escape(f"{p.name} ({p.type})"),
                          escape(community_of.get(p.id, "")))
        console.print(ranks)
    if html is not None:
        Console(stderr=True).print(f"wrote {escape(str(html))}")


@click.command("entity")
@click.argument("name")
@graph_options
@click.option("--episodes", "episodes_limit", type=click.IntRange(0), default=50, show_default=True,
              help="List at most this many episodes (the count is always complete).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def entity_cmd(name: str, graph_dir: str, neo4j_uri: str | None, neo4j_user: str | None,
               neo4j_password: str | None, neo4j_database: str | None, episodes_limit: int,
               as_json: bool) -> None:
    """Everything about the entity NAME (its id, name, an alias or a near spelling).

    \b
    Examples:
        castgraph entity swyx
        castgraph entity "claude code" --json
    """
    from castgraph.queries.profile import entity_profile

    with fail_cleanly(), open_backend(graph_dir, _settings(neo4j_uri, neo4j_user, neo4j_password,
                                                           neo4j_database)) as backend:
        profile = entity_profile(backend, name, episodes_limit=episodes_limit)
    if as_json:
        _print_json(profile)
        return
    from rich.console import Console  # only for tables: --json output does not load rich
    from rich.table import Table
    console = Console()
    head = Table(title=escape(f"{profile.name} ({profile.type})"), show_header=False, title_justify="left")
    head.add_column(style="bold")
    head.add_column()
    head.add_row("id", escape(profile.id))
    head.add_row("aliases", escape(", ".join(profile.aliases)))
    head.add_row("description", escape(profile.description))
    head.add_row("episodes", str(profile.episode_count))
    head.add_row("discussed with", escape(", ".join(f"{c.name} ({c.episodes})" for c in profile.comentioned)))
    head.add_row("topics", escape(", ".join(f"#{t.name} ({t.episodes})" for t in profile.topics)))
    console.print(head)
    eps = Table(title="episodes", title_justify="left")
    for column in ("published", "episode", "how", "discussed at", "chapters"):
        eps.add_column(column)
    for a in profile.episodes:
        chapters = "; ".join((f"[{_clock(c.start)}] " if c.start is not None else "") + c.title
                             for c in a.chapters)
        at = _clock(a.discussed_at) if a.discussed_at is not None else ""
        eps.add_row(escape(a.published or ""), escape(a.title), escape(", ".join(a.origins)), at,
                    escape(chapters))
    console.print(eps)


def _clock(seconds: float) -> str:
    total = int(seconds)
    return f"{total // 3600}:{total // 60 % 60:02d}:{total % 60:02d}" if total >= 3600 \
        else f"{total // 60:02d}:{total % 60:02d}"


@click.command("show")
@click.argument("title", required=False)
@click.option("--role", metavar="ROLE", help="Only people with this role (host, guest, ...).")
@graph_options
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of tables.")
def show_cmd(title: str | None, role: str | None, graph_dir: str, neo4j_uri: str | None,
             neo4j_user: str | None, neo4j_password: str | None, neo4j_database: str | None,
             as_json: bool) -> None:
    """The episodes and people (by role) of the show TITLE; without TITLE, every show.

    \b
    Examples:
        castgraph show
        castgraph show "Latent Space"
        castgraph show "Latent Space" --role guest --json
    """
    from rich.console import Console
    from rich.table import Table

    from castgraph.queries.shows import list_shows, show_episodes, show_people

    settings = _settings(neo4j_uri, neo4j_user, neo4j_password, neo4j_database)
    with fail_cleanly(), _show_source(graph_dir, settings) as source:
        if title is None:
            shows = list_shows(source)
        else:
            episodes = show_episodes(source, title)
            people = show_people(source, title, role=role)
            if not episodes:
                from rapidfuzz import process

                from castgraph.queries.models import NotFoundError

                titles = [s.title for s in list_shows(source)]
                near = [m[0] for m in process.extract(title, titles, limit=3, score_cutoff=50)]
                raise NotFoundError(f"no show titled {title!r}", near)
    if title is None:
        if as_json:
            _print_json(shows)
            return
        table = Table(title="shows", title_justify="left")
        for column in ("show", "episodes", "author"):
            table.add_column(column)
        for s in shows:
            table.add_row(escape(s.title), str(s.episodes), escape(s.author))
        Console().print(table)
        return
    if as_json:
        echo_json({"show": title, "episodes": [e.model_dump(mode="json") for e in episodes],
                   "people": [p.model_dump(mode="json") for p in people]})
        return
    console = Console()
    who = Table(title=escape(f"people of {title}" + (f" ({role})" if role else "")), title_justify="left")
    for column in ("name", "role", "episodes"):
        who.add_column(column)
    for p in people:
        who.add_row(escape(p.name), escape(p.role), str(p.episodes))
    console.print(who)
    eps = Table(title=escape(f"episodes of {title}"), title_justify="left")
    for column in ("published", "season", "episode", "title"):
        eps.add_column(column)
    for e in episodes:
        eps.add_row(escape(e.published or ""), "" if e.season is None else str(e.season),
                    "" if e.episode_number is None else str(e.episode_number), escape(e.title))
    console.print(eps)


@contextmanager
def _show_source(graph_dir: str, settings: Neo4jSettings | None) -> Iterator[Any]:
    """The Neo4j server when one is configured, else the graph folder's graph."""
    if settings is None:
        from castgraph.graph.networkx_store import graph_file, read_graph_json

        yield read_graph_json(graph_file(graph_dir))
        return
    with open_backend(graph_dir, settings) as backend:
        yield backend


COMMANDS = [related_cmd, comention_cmd, entity_cmd, show_cmd]
