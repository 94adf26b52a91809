"""The castgraph command line: thin commands over the library.

Each command module defines its click commands; this module gathers them.
"""

from __future__ import annotations

import importlib
import os
from typing import Any

import click

from castgraph import __version__
from castgraph.cli.teardown import exit_without_teardown, kept_any, skip_teardown

__all__ = ["main"]

# Command modules, each owning the commands of one layer.
_COMMAND_MODULES = ["build", "resolve", "neo4j", "queries", "viz"]
# Which module holds a command, so that running one imports only its layer (a query answers
# before the build, Neo4j and viewer layers would have finished importing). A command not
# listed here is found by importing every module.
_COMMAND_HOMES = {"build": "build", "resolve": "resolve", "cypher": "neo4j", "export": "neo4j",
                  "related": "queries", "comention": "queries", "entity": "queries", "viz": "viz"}


def _commands_of(name: str) -> list[click.Command]:
    try:
        module = importlib.import_module(f"castgraph.cli.{name}")
    except ModuleNotFoundError as exc:  # a layer not written yet
        if exc.name != f"castgraph.cli.{name}":
            raise
        return []
    return list(getattr(module, "COMMANDS", []))


class _LazyGroup(click.Group):
    """A group that imports a command's module when the command is asked for."""

    def _load(self, modules: list[str]) -> None:
        for name in modules:
            for command in _commands_of(name):
                if command.name not in self.commands:
                    self.add_command(command)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands:
            home = _COMMAND_HOMES.get(cmd_name)
            self._load([home] if home else _COMMAND_MODULES)
        return super().get_command(ctx, cmd_name)

    def list_commands(self, ctx: click.Context) -> list[str]:
        self._load(_COMMAND_MODULES)
        return super().list_commands(ctx)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        """Run as the ``castgraph`` program: a command that kept its objects for the end
        (:mod:`castgraph.cli.teardown`) ends the process without freeing them."""
        skip_teardown()
        # castgraph does no dense linear algebra: BLAS worker threads, started when numpy is
        # first imported, would only add their start-up to every command (about 50 ms). A
        # setting of the user's own wins.
        os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
        try:
            return self.main(*args, **kwargs)
        except SystemExit as exc:
            if kept_any():
                exit_without_teardown(exc.code)
            raise


@click.group(cls=_LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="castgraph")
def main() -> None:
    """castgraph: turn episodes into a knowledge graph of the people, products and
    organizations they talk about.

    \b
    Example:
        castgraph build examples/ --out castgraph-out
    """
