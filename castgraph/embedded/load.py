"""Loading graph.json into the embedded engine: the tables (the Neo4j schema) and the bulk load.

Node tables ``Episode``, ``Topic`` and one per entity type; relationship tables ``MENTIONS``
(from ``Episode`` to every entity table) and ``HAS_TOPIC``. Values are encoded as the Neo4j
store encodes them (:func:`castgraph.graph.neo4j_schema.encode_properties`), written to one CSV
file per table and copied in with the engine's bulk ``COPY``: memory stays bounded by the files,
not by a million parameter rows.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import tempfile
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from castgraph.embedded.dialect import ENTITY_TABLES, UnsupportedCypherError
from castgraph.errors import CastgraphError

__all__ = ["NODE_COLUMNS", "REL_COLUMNS", "SCHEMA_VERSION", "build_cache", "load_graph", "read_node_link"]

#: Bumped whenever the tables below change, so older cached databases are rebuilt.
SCHEMA_VERSION = 2

_ENTITY_COLUMNS = (("id", "STRING"), ("name", "STRING"), ("type", "STRING"), ("aliases", "STRING[]"),
                   ("description", "STRING"), ("descriptions", "STRING[]"), ("type_votes", "STRING[]"),
                   ("mention_count", "INT64"), ("episode_count", "INT64"), ("former_ids", "STRING[]"))
#: Node table columns, the same properties as Neo4j's nodes (see docs/cypher.md).
NODE_COLUMNS: dict[str, tuple[tuple[str, str], ...]] = {
    "Episode": (("id", "STRING"), ("record_id", "STRING"), ("title", "STRING"), ("show", "STRING"),
                ("published", "STRING"), ("age_days", "INT64"), ("duration_seconds", "INT64"),
                ("languages", "STRING[]"), ("url", "STRING"), ("summary", "STRING"),
                ("chapters", "STRING"), ("source", "STRING"), ("extra", "STRING"),
                # Sparse properties from feeds (castgraph.graph.feed_props), NULL when absent.
                ("show_author", "STRING"), ("show_owner", "STRING"), ("show_image", "STRING"),
                ("show_categories", "STRING[]"), ("show_url", "STRING"), ("show_feed_url", "STRING"),
                ("show_language", "STRING"), ("show_guid", "STRING"), ("enclosure_url", "STRING"),
                ("enclosure_type", "STRING"), ("enclosure_length", "INT64"), ("season", "INT64"),
                ("episode_number", "INT64"), ("links", "STRING[]"), ("transcript", "STRING")),
    "Topic": (("id", "STRING"), ("name", "STRING"), ("entity", "STRING")),
    **{t: _ENTITY_COLUMNS for t in ENTITY_TABLES},
}
#: Relationship table columns (``neo4j_schema.RELATIONSHIP_PROPERTIES``, kept equal by a test).
REL_COLUMNS: dict[str, tuple[tuple[str, str], ...]] = {
    "MENTIONS": (("key", "STRING"), ("surface", "STRING"), ("source_type", "STRING"),
                 ("description", "STRING"), ("ordinal", "INT64"), ("rule", "STRING"), ("score", "DOUBLE"),
                 ("role", "STRING"), ("group", "STRING"), ("href", "STRING"), ("img", "STRING"),
                 ("origin", "STRING"),
                 # where the linker found the mention (castgraph.graph.link_props)
                 ("field", "STRING"), ("span", "INT64[]"), ("chapter", "INT64"), ("timestamp", "DOUBLE"),
                 ("occurrences", "INT64"), ("pattern", "STRING")),
    "HAS_TOPIC": (("key", "STRING"),),
}
_REL_ENDS = {"MENTIONS": ("Episode", ENTITY_TABLES), "HAS_TOPIC": ("Episode", ("Topic",))}


def _engine() -> Any:
    from castgraph.embedded.database import engine

    return engine()


def _ddl() -> list[str]:
    # Column names in backquotes: some (``group``) are words of the engine's grammar.
    statements = [f"CREATE NODE TABLE {table}({', '.join(f'`{c}` {t}' for c, t in cols)}, PRIMARY KEY(`id`))"
                  for table, cols in NODE_COLUMNS.items()]
    for rel, (source, targets) in _REL_ENDS.items():
        ends = ", ".join(f"FROM {source} TO {t}" for t in targets)
        columns = ", ".join(f"`{c}` {t}" for c, t in REL_COLUMNS[rel])
        statements.append(f"CREATE REL TABLE {rel}({ends}, {columns})")
    return statements


_LIST_SEPARATOR = "\x1f"  # ASCII unit separator: joins a list's strings in one CSV cell


def _cell(value: Any, kind: str) -> str:
    """One CSV cell: NULL is an empty unquoted field, strings are quoted (so "" is the empty string)."""
    if value is None:
        return ""
    if kind == "INT64":
        return str(int(value)) if isinstance(value, (int, float)) and not isinstance(value, bool) else ""
    if kind == "DOUBLE":
        return repr(float(value)) if isinstance(value, (int, float)) and not isinstance(value, bool) else ""
    if kind == "STRING[]":
        if not isinstance(value, list):
            return ""
        value = _LIST_SEPARATOR.join(str(v).replace(_LIST_SEPARATOR, " ") for v in value)
    elif not isinstance(value, str):
        value = json.dumps(value, ensure_ascii=False, sort_keys=True)
    return '"' + value.replace('"', '""') + '"'


def _load_expression(column: str, kind: str) -> str:
    if kind == "STRING":
        return column
    if kind == "STRING[]":
        return (f"CASE WHEN {column} IS NULL THEN NULL WHEN {column} = '' THEN CAST([] AS STRING[]) "
                f'ELSE string_split({column}, "\\u001f") END')
    return f"CAST({column} AS {kind})"


class _CsvTables:
    """The graph as one CSV file per node table and per (relationship, target table)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.files: dict[tuple[str, str], tuple[Path, Any, tuple[tuple[str, str], ...]]] = {}

    def write(self, key: tuple[str, str], columns: tuple[tuple[str, str], ...], values: list[Any]) -> None:
        if key not in self.files:
            path = self.folder / f"{key[0]}-{key[1]}.csv"
            handle = path.open("w", encoding="utf-8", newline="")
            handle.write(",".join(f'"c{i}"' for i in range(len(columns))) + "\n")
            self.files[key] = (path, handle, columns)
        handle, columns = self.files[key][1], self.files[key][2]
        handle.write(",".join(_cell(v, kind) for v, (_, kind) in zip(values, columns, strict=True)) + "\n")

    def close(self) -> None:
        for _, handle, _ in self.files.values():
            handle.close()

    def copy_into(self, conn: Any) -> None:
        # Nodes before relationships: a relationship file names its ends by primary key.
        ordered = sorted(self.files.items(), key=lambda kv: kv[0][0] != "node")
        for (kind, table), (path, _, columns) in ordered:
            schema = ", ".join(f"c{i} STRING" for i in range(len(columns)))
            values = ", ".join(_load_expression(f"c{i}", t) for i, (_, t) in enumerate(columns))
            # parallel=false: quoted fields may hold line breaks.
            source = (f"LOAD WITH HEADERS ({schema}) FROM '{path}' (header=true, parallel=false) "
                      f"RETURN {values}")
            if kind == "node":
                conn.execute(f"COPY {table} FROM ({source})")
            else:
                rel, target = table.split(":")
                conn.execute(f"COPY {rel} FROM ({source}) (from='{_REL_ENDS[rel][0]}', to='{target}')")


def _write_tables(nodes: Iterable[Mapping[str, Any]], edges: Iterable[Mapping[str, Any]],
                  out: _CsvTables) -> None:
    """Every node and edge (node-link dicts) into ``out``, encoded as Neo4j stores them."""
    from castgraph.graph.neo4j_schema import JSON_PROPERTIES, encode_properties, node_labels

    table_of: dict[Any, str] = {}
    for node in nodes:
        labels = node_labels(node)
        table = labels[-1]
        props = encode_properties(node, json_keys=JSON_PROPERTIES[labels[0]])
        columns = NODE_COLUMNS[table]
        out.write(("node", table), columns, [props.get(c) for c, _ in columns])
        table_of[node["id"]] = table
    for edge in edges:
        rel = edge.get("type")
        if rel not in REL_COLUMNS:
            raise UnsupportedCypherError(f"edge {edge.get('source')!r} -> {edge.get('target')!r}: "
                                         f"relationship type {rel!r} is not in the castgraph schema")
        target = table_of.get(edge["target"])
        if target is None or table_of.get(edge["source"]) != "Episode":
            raise CastgraphError(f"edge {edge['source']!r} -> {edge['target']!r}: an end is missing or "
                                 "not an episode")
        columns = (("from", "STRING"), ("to", "STRING"), *REL_COLUMNS[rel])
        out.write(("rel", f"{rel}:{target}"), columns,
                  [edge["source"], edge["target"], *(edge.get(c) for c, _ in REL_COLUMNS[rel])])


def load_graph(conn: Any, nodes: Iterable[Mapping[str, Any]], edges: Iterable[Mapping[str, Any]]) -> None:
    for statement in _ddl():
        conn.execute(statement)
    # Bulk loading through CSV files: the engine's fastest path, with memory bounded by the files.
    folder = Path(tempfile.mkdtemp(prefix="castgraph-"))
    try:
        if not re.fullmatch(r"[\w/.\-]+", str(folder)):  # the path goes into the query text
            raise CastgraphError(f"temporary folder {folder} has characters a query cannot hold; "
                                 "set TMPDIR to a plain path")
        tables = _CsvTables(folder)
        try:
            _write_tables(nodes, edges, tables)
        finally:
            tables.close()
        tables.copy_into(conn)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def read_node_link(path: Path) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    from castgraph.graph.networkx_store import read_graph_json

    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return list(data["nodes"]), list(data["edges"])
    except (ValueError, KeyError, TypeError):
        read_graph_json(path)  # raises the one-line "not a castgraph graph.json"
        raise


def read_graph_rows(graph_file: Path) -> tuple[Iterable[dict[str, Any]], Iterable[dict[str, Any]]]:
    """Nodes and edges of the folder's graph: from the compact store when it is current (no JSON
    to parse; a large build writes only the store), else from graph.json."""
    from castgraph.graph.networkx_store import current_store, read_graph_tables
    from castgraph.graph.tables import ColumnView

    folder = graph_file.parent
    if graph_file.name != "graph.json" or current_store(folder) is not None:
        view = ColumnView(read_graph_tables(folder))
        return ({"id": n, **d} for n, d in view.nodes(data=True)), \
            ({"source": u, "target": v, "key": k, **d} for u, v, k, d in view.edges(keys=True, data=True))
    return read_node_link(graph_file)


def build_cache(graph_json: Path, db_file: Path) -> None:
    nodes, edges = read_graph_rows(graph_json)
    tmp = db_file.with_name(f"{db_file.name}.tmp-{os.getpid()}")
    database = _engine().Database(str(tmp))
    try:
        conn = _engine().Connection(database)
        load_graph(conn, nodes, edges)
        conn.close()
    finally:
        database.close()
    wal = tmp.with_name(tmp.name + ".wal")
    if wal.exists():  # everything is checkpointed on close; a WAL left over would be stale
        wal.unlink()
    tmp.replace(db_file)
    for stale in graph_json.parent.glob(f".{graph_json.name}.*.lbug"):
        if stale != db_file:
            with contextlib.suppress(OSError):
                stale.unlink()
