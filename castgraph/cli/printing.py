"""Printing data to the terminal: nothing from the data reaches it as markup or a control sequence.

Every command prints text from the data through these helpers: :func:`escape` for
rich tables (rich markup escaped, control characters dropped), :func:`echo` for
plain lines and :func:`echo_json` for JSON.

>>> escape("[bold]swyx\\x1b]52;c;eA==\\x07")
'\\\\[bold]swyx]52;c;eA=='
"""

from __future__ import annotations

from typing import Any

import click

from castgraph.outputs import terminal_safe, terminal_safe_json

__all__ = ["echo", "echo_json", "escape"]


def escape(text: Any) -> str:
    """``text`` for rich output: control characters dropped, markup escaped."""
    from rich.markup import escape as _markup_escape  # here: rich loads only for commands that print with it

    return _markup_escape(terminal_safe(str(text)))


def echo(text: str, *, err: bool = False) -> None:
    """Print a line whose text may come from the data."""
    click.echo(terminal_safe(text), err=err)


def echo_json(data: Any) -> None:
    """Print ``data`` as indented JSON (non-ASCII kept, control characters as escapes)."""
    from castgraph.graph.json_bytes import indented_json  # here: it loads numpy, which --help does not need

    click.echo(terminal_safe_json(indented_json(data)))
