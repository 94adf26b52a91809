"""castgraph's error types: each carries a one-line message meant for the user."""

from __future__ import annotations

__all__ = ["CastgraphError"]


class CastgraphError(Exception):
    """An error the user can act on; its message is one line naming what went wrong and where."""
