"""What a read-only Cypher query may do: nothing that reaches outside the database.

Read access (the default of ``castgraph cypher``) keeps a query from writing, but
Neo4j still runs ``LOAD CSV`` (local files, any URL) and procedures such as
``apoc.load.json`` under it. :func:`check_read_only` refuses those before the query is
sent: ``LOAD CSV`` anywhere, and any procedure outside the ``db.*`` namespace (which
only reads the database itself: indexes, labels, schema). String literals and
comments are skipped, so text that merely mentions them is fine.

Examples
--------
>>> check_read_only("MATCH (e:Entity) WHERE e.name = 'LOAD CSV' RETURN e // CALL apoc.load.json")
>>> check_read_only("CALL db.index.fulltext.queryNodes('castgraph_entity_names', $q) YIELD node RETURN node")
>>> check_read_only("LOAD CSV FROM 'file:///etc/passwd' AS row RETURN row")  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
castgraph.graph.cypher_guard.QueryRefused: read mode refuses LOAD CSV (it reads files and URLs outside ...
"""

from __future__ import annotations

import re

from castgraph.errors import CastgraphError

__all__ = ["READ_PROCEDURE_NAMESPACES", "QueryRefused", "check_read_only", "code_only"]

#: Procedure namespaces a read-only query may call.
READ_PROCEDURE_NAMESPACES = ("db.",)

# One pass, left to right, so that a quote inside a `name` or a // inside a string is not misread.
_TOKENS = re.compile(r"""`(?P<name>(?:[^`]|``)*)`?"""  # a quoted name: its text is code
                     r"""|'(?:[^'\\]|\\.)*'?|"(?:[^"\\]|\\.)*"?"""  # string literals
                     r"""|//[^\n]*|/\*.*?(?:\*/|\Z)""", re.DOTALL)  # comments
_LOAD_CSV = re.compile(r"\bLOAD\s+CSV\b", re.IGNORECASE)
_CALL = re.compile(r"\bCALL\s+([A-Za-z_][\w$]*(?:\s*\.\s*[A-Za-z_][\w$]*)*)", re.IGNORECASE)


class QueryRefused(CastgraphError):
    """A query that read mode does not run (a one-line message)."""


def code_only(query: str) -> str:
    """``query`` without string literals and comments, and with backtick quoting removed.

    >>> " ".join(code_only("RETURN 'a // b' AS `x'y`, 1 /* two */ // three").split())
    "RETURN AS x'y , 1"
    """
    return _TOKENS.sub(lambda m: f" {m['name']} " if m["name"] is not None else " ", query)


def check_read_only(query: str) -> None:
    """Raise :class:`QueryRefused` if ``query`` uses LOAD CSV or a procedure outside ``db.*``."""
    code = code_only(query)
    if _LOAD_CSV.search(code):
        raise QueryRefused("read mode refuses LOAD CSV (it reads files and URLs outside the database); "
                           "use --write if you mean it")
    for match in _CALL.finditer(code):
        name = re.sub(r"\s+", "", match.group(1))
        if not name.lower().startswith(READ_PROCEDURE_NAMESPACES):
            raise QueryRefused(f"read mode refuses CALL {name}: only db.* procedures, which stay inside the "
                               "database, run without --write")
