"""Cypher on the embedded graph: graph.json as a LadybugDB database, cached beside it.

The database has the castgraph schema of Neo4j: node tables ``Episode``, ``Topic`` and one per
entity type (``Person``, ``Organization``, ...; a query's ``:Entity`` means all of them, see
:mod:`castgraph.embedded.dialect`), relationship tables ``MENTIONS`` and ``HAS_TOPIC``, the same
properties encoded the same way (:func:`castgraph.graph.neo4j_schema.encode_properties`: ``None``
absent, ``chapters`` and ``extra`` as JSON strings). Results come back in the shapes the Neo4j
command prints (nodes as ``{"labels", "properties"}``, ...), so both backends give the same rows.

The database is built once per graph.json and kept next to it as
``.graph.json.<key>.lbug``, where ``key`` hashes the file's size, mtime, inode and both ends
(:func:`cache_file`), so a changed graph.json never meets a stale database. It is written to a
temporary file and renamed into place. Queries open it read-only; ``write=True`` runs the query
on a copy and saves the result back to graph.json (atomically) and the copy as the new cache.

Examples
--------
>>> import castgraph
>>> record = '{"id": "e1", "title": "Hi", "entities": [{"name": "swyx", "type": "Person"}]}'
>>> eps = castgraph.parse_records(record)
>>> graph = castgraph.build_graph(eps.episodes, castgraph.resolve_entities(eps.episodes))
>>> with EmbeddedCypher.from_graph(graph) as db:
...     db.run("MATCH (p:Entity:Person)<-[:MENTIONS]-(e) RETURN p.name AS name, e.title AS title")
(['name', 'title'], [{'name': 'swyx', 'title': 'Hi'}])
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib
import json
import os
import shutil
from collections.abc import Mapping
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from castgraph.embedded.dialect import (
    ENTITY_TABLES,
    LABEL_TABLES,
    UnsupportedCypherError,
    to_embedded,
    tokenize,
)
from castgraph.embedded.load import (
    NODE_COLUMNS,
    REL_COLUMNS,
    SCHEMA_VERSION,
    build_cache,
    load_graph,
    read_graph_rows,
)
from castgraph.errors import CastgraphError

if TYPE_CHECKING:  # networkx and the data model load only when a graph is converted
    import networkx as nx

__all__ = ["EmbeddedCypher", "EngineMissingError", "cache_file", "engine"]

_READ_ONLY_HINTS = ("read-only", "read only", "readonly")
_SAMPLE = 1 << 20


class EngineMissingError(CastgraphError):
    """The embedded Cypher engine (LadybugDB) is not installed."""


def engine() -> Any:
    """The LadybugDB module (PyPI ``ladybug``), or :class:`EngineMissingError` saying how to get it."""
    try:
        return importlib.import_module("ladybug")
    except ImportError:
        raise EngineMissingError("Cypher on the embedded graph needs LadybugDB: "
                                 "pip install 'castgraph[cypher]' (or run on Neo4j with --neo4j)") from None


def cache_file(graph_json: str | Path) -> Path:
    """Where the database for ``graph_json`` is cached: named by what identifies the file.

    The key covers size, mtime, inode and a hash of the file's first and last MiB (the query
    index's key), the table layout and the engine's storage version.
    """
    path = Path(graph_json)
    stat = path.stat()
    ends = hashlib.sha256()
    with path.open("rb") as fh:  # both ends: hashing all of a large file would cost a parse
        ends.update(fh.read(_SAMPLE))
        if stat.st_size > _SAMPLE:
            fh.seek(max(_SAMPLE, stat.st_size - _SAMPLE))
            ends.update(fh.read(_SAMPLE))
    key = {"size": stat.st_size, "mtime_ns": stat.st_mtime_ns, "inode": stat.st_ino, "ends": ends.hexdigest(),
           "schema": SCHEMA_VERSION, "engine": str(engine().Database.get_storage_version())}
    digest = hashlib.sha256(json.dumps(key, sort_keys=True).encode()).hexdigest()[:16]
    return path.with_name(f".{path.name}.{digest}.lbug")


def _used_params(query: str, params: Mapping[str, Any]) -> dict[str, Any]:
    # Neo4j ignores parameters a query does not use; the embedded engine refuses them.
    used = {t.text[1:].strip("`") for t in tokenize(query) if t.kind == "param"}
    missing = sorted(used - set(params))
    if missing:
        raise CastgraphError(f"the query uses ${missing[0]} but no --param {missing[0]}=... was given")
    return {k: v for k, v in params.items() if k in used}


class EmbeddedCypher:
    """A LadybugDB database holding one castgraph graph, for Cypher queries.

    Use :meth:`open` for a folder written by ``castgraph build`` (cached database, read-only
    unless ``write=True``) or :meth:`from_graph` for a graph in memory.
    """

    def __init__(self, database: Any, *, graph_json: Path | None = None, db_file: Path | None = None,
                 writable: bool = False) -> None:
        self._db = database
        self._conn = engine().Connection(database)
        self.graph_json = graph_json
        self.db_file = db_file
        self.writable = writable
        self._table_names: dict[int, str] | None = None
        #: Graph-level attributes of graph.json, kept when a write saves the graph back.
        self.graph_attrs: dict[str, Any] = {"schema_version": 1}

    @classmethod
    def from_graph(cls, graph: nx.MultiDiGraph) -> EmbeddedCypher:
        """An in-memory database holding ``graph`` (writes change only the database)."""
        database = engine().Database(":memory:")
        conn = engine().Connection(database)
        load_graph(conn, ({"id": n, **d} for n, d in graph.nodes(data=True)),
              ({"source": u, "target": v, "key": k, **d} for u, v, k, d in graph.edges(keys=True, data=True)))
        conn.close()
        return cls(database, writable=True)

    @classmethod
    def open(cls, graph_dir: str | Path, *, write: bool = False) -> EmbeddedCypher:
        """The database of ``graph_dir``/graph.json, built and cached on first use."""
        from castgraph.graph.networkx_store import graph_file

        graph_json = graph_file(graph_dir)
        db_file = cache_file(graph_json)
        if not db_file.exists():
            try:
                build_cache(graph_json, db_file)
            except PermissionError:
                if write:
                    raise
                # A folder we may not write to (a shared, read-only graph): answer from memory.
                database = engine().Database(":memory:")
                conn = engine().Connection(database)
                load_graph(conn, *read_graph_rows(graph_json))
                conn.close()
                return cls(database, graph_json=graph_json)
        if not write:
            database = engine().Database(str(db_file), read_only=True)
            return cls(database, graph_json=graph_json, db_file=db_file)
        # Writes go to a copy; graph.json and the cache change only once the query succeeded.
        work = db_file.with_name(f"{db_file.name}.write-{os.getpid()}")
        shutil.copyfile(db_file, work)
        return cls(engine().Database(str(work)), graph_json=graph_json, db_file=work, writable=True)

    def __enter__(self) -> EmbeddedCypher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the database (a write copy that was not saved is deleted)."""
        with contextlib.suppress(Exception):
            self._conn.close()
        with contextlib.suppress(Exception):
            self._db.close()
        work = self.db_file
        if self.writable and work is not None and ".write-" in work.name and work.exists():
            work.unlink()
            with contextlib.suppress(OSError):
                work.with_name(work.name + ".wal").unlink()

    def run(self, query: str, params: Mapping[str, Any] | None = None
            ) -> tuple[list[str], list[dict[str, Any]]]:
        """Run ``query`` (Neo4j Cypher over the castgraph schema): its columns and plain rows.

        Raises :class:`~castgraph.embedded.dialect.UnsupportedCypherError` for what the
        embedded engine cannot run, :class:`CastgraphError` for any other failure (one line).
        """
        text = to_embedded(query)
        values = _used_params(query, params or {})
        try:
            result = self._conn.execute(text, values)
            columns = list(result.get_column_names())
            raw = result.get_all()
        except RuntimeError as exc:
            raise self._explain(exc) from None
        except (ValueError, TypeError) as exc:
            raise CastgraphError(f"a parameter cannot be passed to the embedded engine: {exc}") from None
        plain = [dict(zip(columns, (self._plain(v) for v in row), strict=True)) for row in raw]
        return columns, plain

    def _explain(self, exc: RuntimeError) -> CastgraphError:
        message = " ".join(str(exc).split("\n")[0].split())
        if any(hint in message.lower() for hint in _READ_ONLY_HINTS):
            return CastgraphError("the query changes the graph; add --write to allow that")
        return UnsupportedCypherError(f"the embedded engine cannot run this query ({message}); "
                                      "run it on Neo4j with --neo4j")

    def save(self) -> None:
        """Write the database back to graph.json (atomically), and keep it as the new cache."""
        from castgraph.graph.networkx_store import write_graph_json

        if self.graph_json is None or self.db_file is None:
            raise CastgraphError("only a database opened from a folder with write=True can be saved")
        nodes, edges = read_graph_rows(self.graph_json)
        before = {"nodes": list(nodes), "edges": list(edges)}
        if self.graph_json.name == "graph.json":
            head = json.loads(self.graph_json.read_text(encoding="utf-8"))
            self.graph_attrs = dict(head.get("graph") or {})
        graph = self.to_graph()
        _keep_unknown_attributes(graph, before)
        with contextlib.suppress(Exception):
            self._conn.close()
        with contextlib.suppress(Exception):
            self._db.close()
        # graph.json is the folder's graph (a compact store beside it is then no longer current).
        self.graph_json = self.graph_json.with_name("graph.json")
        write_graph_json(graph, self.graph_json)
        final = cache_file(self.graph_json)
        self.db_file.replace(final)
        for stale in self.graph_json.parent.glob(f".{self.graph_json.name}.*.lbug"):
            if stale != final:
                with contextlib.suppress(OSError):
                    stale.unlink()
        self.db_file = final
        self.writable = False

    def to_graph(self) -> nx.MultiDiGraph:
        """The database as a castgraph graph (graph.json's nodes, edges and attributes)."""
        import networkx as nx

        from castgraph.graph.neo4j_schema import decode_properties

        graph = nx.MultiDiGraph(**self.graph_attrs)
        for table in NODE_COLUMNS:
            label = "Entity" if table in ENTITY_TABLES else table
            for (node,) in self._conn.execute(f"MATCH (n:{table}) RETURN n").get_all():
                props = {k: v for k, v in node.items() if not k.startswith("_") and v is not None}
                attrs = decode_properties(label, props)
                graph.add_node(attrs.pop("id"), **attrs)
        for rel, cols in REL_COLUMNS.items():
            names = [c for c, _ in cols]
            returned = ", ".join(f"r.`{c}`" for c in names)
            found = self._conn.execute(f"MATCH (a)-[r:{rel}]->(b) RETURN a.id, b.id, {returned}")
            for row in found.get_all():
                source, target, *values = row
                attrs = {k: v for k, v in zip(names, values, strict=True) if v is not None}
                key = attrs.pop("key", None)
                graph.add_edge(source, target, key=key, type=rel, **attrs)
        return _sorted(graph)

    def _plain(self, value: Any) -> Any:
        if isinstance(value, dict):
            if "_NODES" in value and "_RELS" in value:
                return {"nodes": [self._plain(n) for n in value["_NODES"]],
                        "relationships": [self._plain(r) for r in value["_RELS"]]}
            if "_SRC" in value and "_DST" in value:
                return {"type": value.get("_LABEL"), "start": self._node_id(value["_SRC"]),
                        "end": self._node_id(value["_DST"]), "properties": _properties(value)}
            if "_LABEL" in value and "_ID" in value:
                table = value["_LABEL"]
                labels = ["Entity", table] if table in ENTITY_TABLES else [table]
                return {"labels": sorted(labels), "properties": _properties(value)}
            return {str(k): self._plain(v) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return [self._plain(v) for v in value]
        if value is None or isinstance(value, (str, int, float, bool)):
            return value
        if isinstance(value, Decimal):  # sum() of integers is a 128-bit integer
            return int(value) if value == value.to_integral_value() else float(value)
        if isinstance(value, timedelta):
            return _iso_duration(value)
        if hasattr(value, "isoformat"):
            return value.isoformat()
        return str(value)

    def _node_id(self, internal: Mapping[str, int]) -> Any:
        if self._table_names is None:
            rows = self._conn.execute("CALL show_tables() RETURN *").get_all()
            self._table_names = {int(r[0]): str(r[1]) for r in rows}
        table = self._table_names.get(int(internal["table"]))
        if table not in LABEL_TABLES:
            return None
        found = self._conn.execute(f"MATCH (n:{table}) WHERE offset(id(n)) = $o RETURN n.id",
                                   {"o": int(internal["offset"])}).get_all()
        return found[0][0] if found else None


def _keep_unknown_attributes(graph: nx.MultiDiGraph, before: Mapping[str, Any]) -> None:
    """Put back the attributes the tables do not hold (a newer writer's, a user's) from graph.json."""
    known = {c for cols in NODE_COLUMNS.values() for c, _ in cols} | {"label"}
    for node in before.get("nodes", []):
        extra = {k: v for k, v in node.items() if k not in known}
        if extra and node.get("id") in graph:
            graph.nodes[node["id"]].update(extra)
    edge_known = {c for cols in REL_COLUMNS.values() for c, _ in cols} | {"source", "target", "type"}
    for edge in before.get("edges", []):
        extra = {k: v for k, v in edge.items() if k not in edge_known}
        ends = (edge.get("source"), edge.get("target"), edge.get("key"))
        if extra and graph.has_edge(*ends):
            graph.edges[ends].update(extra)


def _iso_duration(value: timedelta) -> str:
    """A duration as Neo4j prints it (``P1DT2H0.5S``-style ISO 8601)."""
    seconds = value.seconds + value.microseconds / 1e6
    time = f"T{seconds:g}S" if seconds else ""
    return f"P{value.days}D{time}" if value.days else f"PT{seconds:g}S"


def _properties(value: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in value.items() if not k.startswith("_") and v is not None}


def _sorted(graph: nx.MultiDiGraph) -> nx.MultiDiGraph:
    # The builder's order (episodes, entities, topics by id; an episode's mentions by ordinal,
    # then its topics), so an unchanged graph gives back the same graph.json, byte for byte.
    import networkx as nx

    rank = {"Episode": 0, "Entity": 1, "Topic": 2}
    out = nx.MultiDiGraph(**graph.graph)
    nodes = sorted(graph.nodes(data=True), key=lambda nd: (rank.get(nd[1].get("label"), 3), nd[0]))
    out.add_nodes_from(nodes)
    order = {n: i for i, n in enumerate(out.nodes)}

    def edge_rank(edge: tuple[Any, Any, Any, dict[str, Any]]) -> tuple[Any, ...]:
        source, target, key, attrs = edge
        if attrs.get("type") == "MENTIONS":
            return (order[source], 0, attrs.get("ordinal") or 0, str(key), "")
        return (order[source], 1, 0, str(target), str(key))

    out.add_edges_from(sorted(graph.edges(keys=True, data=True), key=edge_rank))
    return out
