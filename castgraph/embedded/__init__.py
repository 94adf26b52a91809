"""Cypher on the embedded graph (no server): the castgraph schema of Neo4j, in LadybugDB.

>>> import castgraph
>>> record = '{"id": "e1", "title": "Hi", "entities": [{"name": "swyx", "type": "Person"}]}'
>>> eps = castgraph.parse_records(record)
>>> graph = castgraph.build_graph(eps.episodes, castgraph.resolve_entities(eps.episodes))
>>> query = "MATCH (p:Person {name: $name})<-[m:MENTIONS]-() RETURN p.name AS name, count(m) AS n"
>>> cypher(graph, query, name="swyx")
[{'name': 'swyx', 'n': 1}]
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from castgraph.embedded.database import EmbeddedCypher, EngineMissingError, cache_file
from castgraph.embedded.dialect import UnsupportedCypherError, to_embedded

if TYPE_CHECKING:  # networkx loads only for a graph in memory: start-up time counts here
    import networkx as nx

__all__ = ["EmbeddedCypher", "EngineMissingError", "UnsupportedCypherError", "cache_file", "cypher",
           "to_embedded"]


def cypher(graph_or_dir: nx.MultiDiGraph | str | Path, query: str, /,
           **params: Any) -> list[dict[str, Any]]:
    """Run a read-only Cypher ``query`` on a graph or on a folder written by ``castgraph build``.

    Parameters
    ----------
    graph_or_dir
        A castgraph graph in memory, or the folder holding graph.json (its database is cached).
    query
        Cypher over the castgraph schema (docs/cypher.md); values as ``$name`` parameters.
    **params
        The parameters' values.

    Returns
    -------
    list of dict
        One dict per row, keyed by the ``RETURN`` columns; nodes, relationships and paths
        as plain data, the same as ``castgraph cypher --json`` prints.
    """
    if isinstance(graph_or_dir, (str, Path)):
        with EmbeddedCypher.open(graph_or_dir) as db:
            return db.run(query, params)[1]
    with EmbeddedCypher.from_graph(graph_or_dir) as db:
        return db.run(query, params)[1]
