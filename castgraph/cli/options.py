"""Options shared by several commands: where the graph is (a folder or a Neo4j server)."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import click

__all__ = ["DEFAULT_GRAPH_DIR", "Neo4jSettings", "graph_options", "neo4j_options"]

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
        uri = uri or os.environ.get("NEO4J_URI")
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


def neo4j_options(func: F) -> F:
    """Add ``--neo4j``, ``--neo4j-user``, ``--neo4j-password``, ``--neo4j-database``."""
    options = [
        click.option("--neo4j", "neo4j_uri", metavar="URI",
                     help="Neo4j server, e.g. bolt://127.0.0.1:7687 (default: $NEO4J_URI)."),
        click.option("--neo4j-user", metavar="USER", help="Neo4j user (default: $NEO4J_USERNAME or neo4j)."),
        click.option("--neo4j-password", metavar="PASSWORD", help="Neo4j password (default: $NEO4J_PASSWORD)."),
        click.option("--neo4j-database", metavar="NAME", help="Neo4j database (default: $NEO4J_DATABASE)."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def graph_options(func: F) -> F:
    """Add ``--graph DIR`` plus the Neo4j options: where a query or view reads the graph."""
    func = neo4j_options(func)
    return click.option(
        "--graph", "graph_dir", default=DEFAULT_GRAPH_DIR, show_default=True, metavar="DIR",
        type=click.Path(file_okay=False), help="Folder written by `castgraph build`.",
    )(func)
