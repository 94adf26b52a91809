"""Package attributes imported on first use (PEP 562).

A package that re-exports its modules' names would import every module when one is
asked for; a command that runs one query, or a query that only normalizes names,
should not pay for the others. :func:`lazy_exports` makes the package's ``__getattr__``
from a table of which module holds each name.

Examples
--------
>>> namespace = {}
>>> get = lazy_exports("json", {"JSONDecoder": "decoder"}, namespace)
>>> get("JSONDecoder").__name__, "JSONDecoder" in namespace
('JSONDecoder', True)
>>> get("nothing")
Traceback (most recent call last):
AttributeError: module 'json' has no attribute 'nothing'
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

__all__ = ["lazy_exports"]


def lazy_exports(package: str, homes: dict[str, str], namespace: dict[str, Any]) -> Callable[[str], Any]:
    """A module ``__getattr__`` for ``package``: ``name`` comes from ``package.homes[name]``,
    imported then, and is stored in ``namespace`` (the package's globals) for the next time."""

    def __getattr__(name: str) -> Any:
        home = homes.get(name)
        if home is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(f"{package}.{home}"), name)
        namespace[name] = value
        return value

    return __getattr__
