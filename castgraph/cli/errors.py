"""Turn library errors into one-line messages and a non-zero exit, never a traceback."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager

import click

from castgraph.errors import CastgraphError
from castgraph.outputs import terminal_safe

__all__ = ["fail_cleanly", "user_errors"]

# Error types that carry a message for the user, by module. Only modules already loaded are
# looked at: an error of a layer that was never imported cannot have been raised, and importing
# it just to test an exception (the neo4j driver: a quarter of a second) would slow every error.
# castgraph's own errors are all CastgraphErrors.
_USER_ERRORS = {
    "neo4j.exceptions": ["Neo4jError", "DriverError"],
    "pydantic": ["ValidationError"],
}


def user_errors() -> tuple[type[BaseException], ...]:
    """The exception types whose message is shown to the user as is."""
    found: list[type[BaseException]] = [CastgraphError, OSError]
    for module_name, names in _USER_ERRORS.items():
        module = sys.modules.get(module_name)
        if module is None:
            continue
        found.extend(getattr(module, name) for name in names if hasattr(module, name))
    return tuple(found)


def _one_line(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.filename:
        return terminal_safe(f"{exc.filename}: {exc.strerror or exc}")
    text = " ".join(terminal_safe(str(exc)).split()) or type(exc).__name__
    return text if len(text) <= 400 else text[:397] + "..."


@contextmanager
def fail_cleanly() -> Iterator[None]:
    """Re-raise user-facing errors as :class:`click.ClickException` (one line, exit code 1)."""
    try:
        yield
    except click.ClickException as exc:
        if type(exc) is click.ClickException:  # its message may quote names from the data
            raise click.ClickException(terminal_safe(exc.message)) from None
        raise
    except user_errors() as exc:
        raise click.ClickException(_one_line(exc)) from None
