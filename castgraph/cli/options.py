"""Options shared by several commands: where the graph is (a folder or a Neo4j server)."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any, TypeVar

import click

__all__ = ["DEFAULT_GRAPH_DIR", "Neo4jSettings", "graph_options", "neo4j_options", "optional_neo4j_options",
           "parse_date", "read_graph"]

DEFAULT_GRAPH_DIR = "castgraph-out"

F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True)
class Neo4jSettings:
    """How to reach a Neo4j server; unset values fall back to the standard NEO4J_* variables."""

    uri: str
    user: str
    password: str
    database: str | None

    @classmethod
    def from_options(
        cls, uri: str | None, user: str | None, password: str | None, database: str | None
    ) -> Neo4jSettings | None:
        """Settings from command-line values, else the environment; ``None`` when no URI is given."""
        if uri is None:
            uri = os.environ.get("NEO4J_URI")
        if not uri:
            return None
        return cls(
            uri=uri,
            user=user or os.environ.get("NEO4J_USERNAME", "neo4j"),
            password=password or os.environ.get("NEO4J_PASSWORD", ""),
            database=database or os.environ.get("NEO4J_DATABASE") or None,
        )

    def open_store(self) -> Any:
        """Open a :class:`castgraph.graph.neo4j_store.Neo4jStore` with these settings."""
        from castgraph.graph.neo4j_store import Neo4jStore

        return Neo4jStore(self.uri, user=self.user, password=self.password, database=self.database)


def read_graph(graph_dir: str | Path, settings: Neo4jSettings | None) -> Any:
    """The graph from the Neo4j server when one is given, else from ``graph_dir``/graph.json."""
    if settings is not None:
        with settings.open_store() as store:
            return store.read()
    from castgraph.graph.networkx_store import read_graph_dir

    return read_graph_dir(graph_dir)


_FROM_ENV = "\x00from-env"


def _uri_from_flag(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    # `--neo4j` alone means "the server in $NEO4J_URI": None asks Neo4jSettings for the environment.
    return None if value == _FROM_ENV else value


def neo4j_options(func: F) -> F:
    """Add ``--neo4j URI``, ``--neo4j-user``, ``--neo4j-password``, ``--neo4j-database``.

    For commands that always talk to Neo4j: without ``--neo4j`` the URI comes from $NEO4J_URI.
    """
    return _neo4j_options(func, click.option(
        "--neo4j", "neo4j_uri", metavar="URI",
        help="Neo4j server, e.g. bolt://127.0.0.1:7687 (default: $NEO4J_URI)."))


def optional_neo4j_options(func: F) -> F:
    """Like :func:`neo4j_options`, for commands where Neo4j is optional.

    Neo4j is used only when ``--neo4j`` is given (``--neo4j`` alone: the server in
    $NEO4J_URI), so a NEO4J_URI set in the shell never redirects a command silently.
    """
    return _neo4j_options(func, click.option(
        "--neo4j", "neo4j_uri", metavar="[URI]", is_flag=False, flag_value=_FROM_ENV, default="",
        callback=_uri_from_flag,
        help="Also use this Neo4j server, e.g. bolt://127.0.0.1:7687 (alone: $NEO4J_URI)."))


def _neo4j_options(func: F, uri_option: Callable[[F], F]) -> F:
    options: list[Callable[[F], F]] = [
        uri_option,
        click.option("--neo4j-user", metavar="USER", help="Neo4j user (default: $NEO4J_USERNAME or neo4j)."),
        click.option("--neo4j-password", metavar="PASSWORD",
                     help="Neo4j password (default: $NEO4J_PASSWORD)."),
        click.option("--neo4j-database", metavar="NAME", help="Neo4j database (default: $NEO4J_DATABASE)."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def graph_options(func: F) -> F:
    """Add ``--graph DIR`` plus the Neo4j options: where a query or view reads the graph."""
    func = optional_neo4j_options(func)
    return click.option(
        "--graph", "graph_dir", default=DEFAULT_GRAPH_DIR, show_default=True, metavar="DIR",
        type=click.Path(file_okay=False), help="Folder written by `castgraph build`.",
    )(func)


def parse_date(ctx: click.Context, param: click.Parameter, value: str | None) -> date | None:
    """Click callback: a YYYY-MM-DD option value as a date."""
    if value is None:
        return None
    try:
        return datetime.strptime(value, "%Y-%m-%d").date()
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date like 2026-11-25") from None
