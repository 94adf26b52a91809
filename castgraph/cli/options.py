"""Options shared by several commands: where the graph is (a folder or a Neo4j server)."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any, TypeVar

import click

__all__ = ["CONNECT_SECONDS", "DEFAULT_GRAPH_DIR", "URI_SCHEMES", "Neo4jSettings", "graph_options",
           "neo4j_options", "optional_neo4j_options", "parse_date", "read_graph"]

DEFAULT_GRAPH_DIR = "castgraph-out"
#: The URI schemes of the Neo4j Python driver (Bolt; +s verifies TLS, +ssc accepts self-signed).
URI_SCHEMES = ("bolt", "bolt+s", "bolt+ssc", "neo4j", "neo4j+s", "neo4j+ssc")
#: Seconds to wait for a Neo4j server before saying it is unreachable.
CONNECT_SECONDS = 4.0

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
        scheme = uri.partition("://")[0].lower() if "://" in uri else ""
        if scheme not in URI_SCHEMES:
            raise click.ClickException(
                f"{uri}: not a Neo4j Bolt URI; castgraph connects with "
                f"{', '.join(s + '://' for s in URI_SCHEMES)} (e.g. bolt://127.0.0.1:7687)")
        return cls(
            uri=uri,
            user=user or os.environ.get("NEO4J_USERNAME", "neo4j"),
            password=password or os.environ.get("NEO4J_PASSWORD", ""),
            database=database or os.environ.get("NEO4J_DATABASE") or None,
        )

    def open_store(self, *, replace: bool = True) -> Any:
        """Open a :class:`castgraph.graph.neo4j_store.Neo4jStore` with these settings, checked reachable.

        An unreachable server fails here, within :data:`CONNECT_SECONDS`, with the reason.
        """
        from castgraph.graph.neo4j_store import Neo4jStore

        store = Neo4jStore(self.uri, user=self.user, password=self.password, database=self.database,
                           replace=replace, connection_timeout=CONNECT_SECONDS)
        try:
            store.verify()
        except BaseException:
            store.close()
            raise
        return store

    def open_driver(self) -> Any:
        """A :class:`neo4j.Driver` for these settings, checked reachable (see :meth:`open_store`)."""
        import neo4j

        from castgraph.graph.neo4j_errors import Neo4jStoreError

        driver = neo4j.GraphDatabase.driver(self.uri, auth=(self.user, self.password),
                                            connection_timeout=CONNECT_SECONDS,
                                            connection_acquisition_timeout=2 * CONNECT_SECONDS,
                                            max_transaction_retry_time=CONNECT_SECONDS)
        try:
            driver.verify_connectivity()
        except neo4j.exceptions.AuthError:
            driver.close()
            raise Neo4jStoreError(f"Neo4j at {self.uri} refused user {self.user!r}: wrong user or password") \
                from None
        except (neo4j.exceptions.DriverError, neo4j.exceptions.Neo4jError) as exc:
            driver.close()
            reason = " ".join(str(exc).split())
            raise Neo4jStoreError(f"Neo4j at {self.uri} is unreachable: {reason}") from None
        return driver


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
