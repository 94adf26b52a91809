"""Export the graph as CSV files for ``neo4j-admin database import full``.

The offline importer is the fastest way to load a very large graph into a new
database. The files use the importer's header syntax (``id:ID``, ``:LABEL``,
``:START_ID``, ``:END_ID``, ``:TYPE``, typed columns like ``ordinal:long`` and
``languages:string[]``) and the same labels, types and properties as
:class:`castgraph.graph.neo4j_store.Neo4jStore` writes, so the imported database reads
back as the same graph. Strings are always quoted (an empty field is "no property",
``""`` an empty string); fields may span lines (``--multiline-fields=true``).

The folder also gets ``import.sh`` (the exact command) and ``schema.cypher`` (the
constraints and indexes, to run once the server is up: the importer creates none).

Examples
--------
>>> import tempfile, networkx as nx
>>> g = nx.MultiDiGraph()
>>> g.add_node("episode:1", label="Episode", id="episode:1", title='Say "hi" now', age_days=3)
>>> g.add_node("topic:ai", label="Topic", id="topic:ai", name="ai")
>>> _ = g.add_edge("episode:1", "topic:ai", key="t", type="HAS_TOPIC")
>>> with tempfile.TemporaryDirectory() as d:
...     export = write_neo4j_admin_csv(g, d)
...     print((Path(d) / "nodes-episode.csv").read_text(), end="")
...     print(export.relationships, [f.name for f in export.files][-1])
id:ID,:LABEL,title,age_days:long
"episode:1","Episode","Say ""hi"" now",3
1 rels-has_topic.csv
"""

from __future__ import annotations

import shlex
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path
from typing import IO, Any

import networkx as nx
from pydantic import BaseModel

from castgraph.graph.neo4j_schema import (
    JSON_PROPERTIES,
    NODE_LABELS,
    RELATIONSHIPS,
    SCHEMA_STATEMENTS,
    checked_labels,
    encode_properties,
    fit_index_limits,
)
from castgraph.outputs import atomic_open, atomic_write

__all__ = ["AdminExport", "admin_import_args", "write_neo4j_admin_csv"]

# Candidates for the importer's array delimiter (lists and the :LABEL column); the
# first one that occurs in no list value is used. When text holds them all, the search
# goes on through the private-use area (U+E000...), which text almost never holds:
# the export works for any text.
_ARRAY_DELIMITERS = (";", "|", "¦", "¤", "§")
_MORE_DELIMITERS = range(0xE000, 0xF900)


class AdminExport(BaseModel):
    """What :func:`write_neo4j_admin_csv` wrote."""

    directory: Path
    node_files: list[Path]
    relationship_files: list[Path]
    nodes: int
    relationships: int
    array_delimiter: str

    @property
    def files(self) -> list[Path]:
        return [*self.node_files, *self.relationship_files]


def _column_type(values: Iterable[Any]) -> str:
    """The importer type of a column from its (encoded, non-None) values."""
    kinds: set[str] = set()
    for value in values:
        if isinstance(value, bool):
            kinds.add("boolean")
        elif isinstance(value, int):
            kinds.add("long")
        elif isinstance(value, float):
            kinds.add("double")
        elif isinstance(value, list):
            inner = _column_type(value) if value else ""
            kinds.add(f"{inner or 'string'}[]")
        else:
            kinds.add("string")
    if kinds <= {"long", "double"} and "double" in kinds:
        return "double"
    if kinds <= {"long[]", "double[]", "string[]"} and len(kinds) > 1:
        return "double[]" if "string[]" not in kinds else "string[]"
    return kinds.pop() if len(kinds) == 1 else "string"


def _field(value: Any, column_type: str, delimiter: str) -> str:
    if value is None or (isinstance(value, list) and not value):
        return ""
    if column_type.endswith("[]"):
        return _quoted(delimiter.join(str(v).lower() if isinstance(v, bool) else str(v) for v in value))
    if column_type == "string":
        return _quoted(value if isinstance(value, str) else str(value))
    if isinstance(value, bool):
        return "true" if value else "false"
    return repr(value) if isinstance(value, float) else str(value)


def _write_table(handle: IO[str], head: list[str], rows: list[dict[str, Any]], columns: list[str],
                 delimiter: str) -> None:
    types = {c: _column_type(r[c] for r in rows if r.get(c) is not None) for c in columns}
    header = head + [c if types[c] == "string" else f"{c}:{types[c]}" for c in columns]
    handle.write(",".join(header) + "\n")
    for row in rows:
        fixed = row["__fixed__"]
        fields = fixed + [_field(row.get(c), types[c], delimiter) for c in columns]
        handle.write(",".join(fields) + "\n")


def _columns(rows: list[dict[str, Any]]) -> list[str]:
    seen: dict[str, None] = {}
    for row in rows:
        for key in row:
            if key != "__fixed__":
                seen.setdefault(key)
    return list(seen)


def _pick_delimiter(values: Iterable[Any]) -> str:
    used: set[str] = set()
    for value in values:
        if isinstance(value, list):
            used.update(c for v in value for c in str(v))
    for candidate in (*_ARRAY_DELIMITERS, *map(chr, _MORE_DELIMITERS)):
        if candidate not in used:
            return candidate
    raise ValueError("list values hold every candidate array delimiter")  # 6,400 private-use characters


def _quoted(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def _write_csv(path: Path, head: list[str], rows: list[dict[str, Any]], delimiter: str) -> Path:
    with atomic_open(path, newline="") as handle:
        _write_table(handle, head, rows, _columns(rows), delimiter)
    return path


def write_neo4j_admin_csv(graph: nx.MultiDiGraph, directory: str | Path) -> AdminExport:
    """Write ``graph`` as neo4j-admin import CSV files, import.sh and schema.cypher into ``directory``."""
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    node_rows: dict[str, list[dict[str, Any]]] = defaultdict(list)
    labels_of = checked_labels(graph)
    for node, attrs in graph.nodes(data=True):
        labels = labels_of[node]
        props = fit_index_limits(labels[0], encode_properties(attrs, skip=frozenset({"label", "id"}),
                                                              json_keys=JSON_PROPERTIES[labels[0]]))
        node_rows[labels[0]].append({"__fixed__": [str(node)], "__labels__": labels, **props})
    edge_rows: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for source, target, key, attrs in graph.edges(keys=True, data=True):
        rel_type = attrs.get("type")
        props = encode_properties(attrs, skip=frozenset({"type", "key"}))
        edge_rows[str(rel_type)].append({"__fixed__": [str(source), str(target), str(rel_type)], "key": key,
                                         **props})

    all_rows = [r for rows in (*node_rows.values(), *edge_rows.values()) for r in rows]
    delimiter = _pick_delimiter(v for row in all_rows for k, v in row.items() if k != "__fixed__")
    for rows in node_rows.values():
        for row in rows:
            labels = row.pop("__labels__")
            row["__fixed__"] = [_quoted(row["__fixed__"][0]), _quoted(delimiter.join(labels))]
    for rows in edge_rows.values():
        for row in rows:
            row["__fixed__"] = [_quoted(x) for x in row["__fixed__"]]
    node_files = [_write_csv(out / f"nodes-{label.lower()}.csv", ["id:ID", ":LABEL"], node_rows[label],
                             delimiter) for label in NODE_LABELS if node_rows.get(label)]
    rel_files = [_write_csv(out / f"rels-{t.lower()}.csv", [":START_ID", ":END_ID", ":TYPE"], edge_rows[t],
                            delimiter) for t in RELATIONSHIPS if edge_rows.get(t)]

    export = AdminExport(directory=out, node_files=node_files, relationship_files=rel_files,
                         nodes=graph.number_of_nodes(), relationships=graph.number_of_edges(),
                         array_delimiter=delimiter)
    atomic_write(out / "schema.cypher", ";\n".join(SCHEMA_STATEMENTS) + ";\n")
    _write_script(out / "import.sh", export)
    return export


def admin_import_args(export: AdminExport, database: str = "neo4j", *,
                      relative_to: Path | None = None) -> list[str]:
    """The arguments after ``neo4j-admin`` that import ``export`` into ``database``.

    File paths are absolute, or relative to ``relative_to`` when given.
    """

    def name(path: Path) -> str:
        return str(path.relative_to(relative_to)) if relative_to else str(path.resolve())

    # The database goes first: --nodes and --relationships take any number of files.
    args = ["database", "import", "full", database, "--id-type=string", "--multiline-fields=true",
            f"--array-delimiter={export.array_delimiter}"]
    args += [f"--nodes={name(p)}" for p in export.node_files]
    args += [f"--relationships={name(p)}" for p in export.relationship_files]
    return args


def _write_script(path: Path, export: AdminExport) -> None:
    args = admin_import_args(export, "${NEO4J_IMPORT_DATABASE:-neo4j}", relative_to=export.directory)
    quoted = " ".join(shlex.quote(a) for a in args[4:])
    atomic_write(
        path,
        "#!/bin/sh\n"
        "# Load these files into a new database with the server stopped, e.g.\n"
        "#   NEO4J_ADMIN=/path/to/neo4j/bin/neo4j-admin sh import.sh --overwrite-destination\n"
        '#   NEO4J_ADMIN="$PWD/scripts/neo4j-local admin" sh import.sh --overwrite-destination\n'
        "# then start the server and run the statements in schema.cypher.\n"
        "set -e\n"
        'cd "$(dirname "$0")"\n'
        "# NEO4J_ADMIN is a command, possibly with arguments: left unquoted on purpose.\n"
        f'exec ${{NEO4J_ADMIN:-neo4j-admin}} database import full "{args[3]}" {quoted} "$@"\n',
    )
    path.chmod(0o755)
