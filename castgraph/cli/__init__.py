"""The castgraph command line: thin commands over the library.

Each command module defines its click commands; this module gathers them. A command's
module is imported when the command runs, so a quick command (``castgraph cypher`` on the
embedded graph) does not pay for the imports of the others.
"""

from __future__ import annotations

import importlib

import click

from castgraph import __version__

__all__ = ["main"]

# Command modules, each owning the commands of one layer.
_COMMAND_MODULES = ["build", "resolve", "neo4j", "queries", "viz"]
# Where the commands that must start fast live; any other command loads every module.
_COMMAND_HOME = {"cypher": "neo4j", "export": "neo4j", "entity": "queries", "related": "queries",
                 "comention": "queries", "viz": "viz", "resolve": "resolve", "build": "build"}
_loaded: set[str] = set()


def _load(module_name: str) -> None:
    if module_name in _loaded:
        return
    _loaded.add(module_name)
    try:
        module = importlib.import_module(f"castgraph.cli.{module_name}")
    except ModuleNotFoundError as exc:  # a layer not written yet
        if exc.name != f"castgraph.cli.{module_name}":
            raise
        return
    for command in getattr(module, "COMMANDS", []):
        main.add_command(command)


class _LazyGroup(click.Group):
    """A group importing a command's module only when that command is asked for."""

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands:
            home = _COMMAND_HOME.get(cmd_name)
            if home is not None:
                _load(home)
            if cmd_name not in self.commands:
                for name in _COMMAND_MODULES:
                    _load(name)
        return super().get_command(ctx, cmd_name)

    def list_commands(self, ctx: click.Context) -> list[str]:
        for name in _COMMAND_MODULES:
            _load(name)
        return super().list_commands(ctx)


@click.group(cls=_LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="castgraph")
def main() -> None:
    """castgraph: turn episodes into a knowledge graph of the people, products and
    organizations they talk about.

    \b
    Example:
        castgraph build examples/ --out castgraph-out
    """

