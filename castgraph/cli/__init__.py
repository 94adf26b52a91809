"""The castgraph command line: thin commands over the library.

Each command module defines its click commands; this module gathers them.
"""

from __future__ import annotations

import importlib

import click

from castgraph import __version__

__all__ = ["main"]

# Command modules, each owning the commands of one layer.
_COMMAND_MODULES = ["build", "resolve", "neo4j", "queries", "viz"]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="castgraph")
def main() -> None:
    """castgraph: turn episodes into a knowledge graph of the people, products and
    organizations they talk about.

    \b
    Example:
        castgraph build examples/ --out castgraph-out
    """


for _name in _COMMAND_MODULES:
    try:
        _module = importlib.import_module(f"castgraph.cli.{_name}")
    except ModuleNotFoundError as exc:  # a layer not written yet
        if exc.name != f"castgraph.cli.{_name}":
            raise
        continue
    for _command in getattr(_module, "COMMANDS", []):
        main.add_command(_command)
