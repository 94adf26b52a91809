"""castgraph: episodes in, a knowledge graph of people, products and organizations out.

The whole pipeline is usable from Python and notebooks; names load on first use,
so ``import castgraph`` stays cheap.

Examples
--------
>>> import castgraph
>>> record = '{"id": "e1", "title": "Hi", "entities": [{"name": "swyx", "type": "Person"}]}'
>>> eps = castgraph.parse_records(record)
>>> graph = castgraph.build_graph(eps.episodes, castgraph.resolve_entities(eps.episodes))
>>> sorted(d["label"] for _, d in graph.nodes(data=True))
['Entity', 'Episode']
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

_EXPORTS = {
    "read_episodes": "castgraph.loaders",
    "parse_page": "castgraph.loaders",
    "parse_records": "castgraph.loaders",
    "parse_feed": "castgraph.loaders",
    "read_feed": "castgraph.loaders",
    "parse_table": "castgraph.loaders",
    "read_table": "castgraph.loaders",
    "Show": "castgraph.graph.model",
    "resolve_entities": "castgraph.resolve",
    "read_overrides": "castgraph.resolve",
    "build_graph": "castgraph.graph.build",
    "EntityLinker": "castgraph.link",
    "LinkOptions": "castgraph.link",
    "Episode": "castgraph.graph.model",
    "Entity": "castgraph.graph.model",
    "Mention": "castgraph.graph.model",
    "Resolution": "castgraph.graph.model",
    "NetworkXStore": "castgraph.graph.networkx_store",
    "read_graph_json": "castgraph.graph.networkx_store",
    "Neo4jStore": "castgraph.graph.neo4j_store",
    "GraphBuilder": "castgraph.pipeline",
    "BuildOptions": "castgraph.pipeline",
    "NetworkXQueries": "castgraph.queries",
    "Neo4jQueries": "castgraph.queries",
    "cypher": "castgraph.embedded",
    "write_html": "castgraph.viz",
    "show": "castgraph.viz",
}

__all__ = ["__version__", *sorted(_EXPORTS)]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'castgraph' has no attribute {name!r}")
    # `castgraph.resolve` is the subpackage, so its entry point is exported as `resolve_entities`.
    attr = "resolve" if name == "resolve_entities" else name
    return getattr(importlib.import_module(module), attr)
