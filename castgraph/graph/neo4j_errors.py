"""Failures of the Neo4j server as one-line :class:`Neo4jStoreError` s saying what was going on.

The driver raises many exception types, with multi-line messages; the user needs one line
naming the server, what castgraph was doing, and whether running the command again helps.

Examples
--------
>>> from neo4j.exceptions import ServiceUnavailable
>>> where = server_name("bolt://db:7687", "graphs")
>>> with store_errors(where, "neo4j", "counting"):
...     raise ServiceUnavailable("Couldn't connect to db:7687\\n(timed out)")
Traceback (most recent call last):
castgraph.graph.neo4j_errors.Neo4jStoreError: Neo4j at bolt://db:7687 (database graphs) is unavailable while \
counting: Couldn't connect to db:7687 (timed out)
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from neo4j.exceptions import AuthError, DriverError, Neo4jError, ServiceUnavailable, SessionExpired

from castgraph.errors import CastgraphError
from castgraph.graph.neo4j_schema import UnknownLabelError

__all__ = ["Neo4jStoreError", "server_name", "store_errors"]


class Neo4jStoreError(CastgraphError):
    """The Neo4j server could not be reached, refused us, or failed a write; one-line message."""


def server_name(uri: str, database: str | None) -> str:
    """How messages name the server (and the database, when not the default)."""
    return f"Neo4j at {uri}" + (f" (database {database})" if database else "")


@contextmanager
def store_errors(where: str, user: str, doing: str, resumable: bool = False) -> Iterator[None]:
    """Turn driver failures into one-line :class:`Neo4jStoreError` s saying what was going on.

    ``where`` names the server (:func:`server_name`); ``resumable`` says that the work
    can be completed by running it again, which the message then advises.
    """
    try:
        yield
    except AuthError:
        raise Neo4jStoreError(f"{where} refused user {user!r}: wrong user or password") from None
    except (ServiceUnavailable, SessionExpired) as exc:
        reason = " ".join(str(exc).split())
        advice = ("; run the same command again once the server is back (completed batches are kept, "
                  "nothing is duplicated)") if resumable else ""
        raise Neo4jStoreError(f"{where} is unavailable while {doing}{advice}: {reason}") from None
    except UnknownLabelError as exc:
        raise Neo4jStoreError(f"cannot write to {where}: {exc}") from None
    except Neo4jError as exc:
        message = " ".join(str(exc.message or exc).split())
        if "DeadlockDetected" in (exc.code or ""):
            raise Neo4jStoreError(
                f"{where}: concurrent writers kept deadlocking while {doing}; run the same command "
                f"again (completed batches are kept, nothing is duplicated): {exc.code}: {message}"
            ) from None
        if resumable and exc.is_retryable():  # e.g. the database shutting down under us
            raise Neo4jStoreError(
                f"{where} became unavailable while {doing}; run the same command again once the server "
                f"is back (completed batches are kept, nothing is duplicated): {exc.code}: {message}"
            ) from None
        raise Neo4jStoreError(f"{where} failed while {doing}: {exc.code}: {message}") from None
    except DriverError as exc:
        raise Neo4jStoreError(f"{where} failed while {doing}: {' '.join(str(exc).split())}") from None
