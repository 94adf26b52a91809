"""`castgraph cypher` (on the embedded graph or Neo4j) and `castgraph export` (files, neo4j-admin CSV)."""

from __future__ import annotations

import json
from pathlib import Path as FilePath
from typing import Any

import click

from castgraph.cli.errors import fail_cleanly
from castgraph.cli.options import Neo4jSettings, graph_options, read_graph
from castgraph.cli.printing import echo, echo_json, escape

__all__ = ["COMMANDS", "cypher_cmd", "export_cmd", "parse_param", "to_plain"]


def parse_param(text: str) -> tuple[str, Any]:
    """Parse ``key=value``; the value is JSON when it parses as JSON, else the string itself.

    >>> parse_param("limit=5"), parse_param("name=Kyle Daigle"), parse_param('ids=["a", "b"]')
    (('limit', 5), ('name', 'Kyle Daigle'), ('ids', ['a', 'b']))
    >>> parse_param('day="2026-01-02"'), parse_param("day=2026-01-02")
    (('day', '2026-01-02'), ('day', '2026-01-02'))
    """
    key, sep, raw = text.partition("=")
    key = key.strip()
    if not sep or not key.isidentifier():
        raise click.BadParameter(f"{text!r} is not key=value (key: letters, digits, _)")
    try:
        return key, json.loads(raw)
    except ValueError:
        return key, raw


def _run_embedded(graph_dir: str, query: str, values: dict[str, Any], write: bool
                  ) -> tuple[list[str], list[dict[str, Any]]]:
    from castgraph.embedded import EmbeddedCypher

    with fail_cleanly(), EmbeddedCypher.open(graph_dir, write=write) as db:
        columns, rows = db.run(query, values)
        if write:
            db.save()
    return columns, rows


def to_plain(value: Any) -> Any:
    """A query result value as plain JSON-able data.

    Nodes become ``{"labels": [...], "properties": {...}}``, relationships
    ``{"type": ..., "start": <start id>, "end": <end id>, "properties": {...}}``,
    paths ``{"nodes": [...], "relationships": [...]}``, temporal values ISO strings.

    >>> to_plain({"n": [1, 2.5, "x", None]})
    {'n': [1, 2.5, 'x', None]}
    """
    from neo4j.graph import Node, Path, Relationship  # here: the embedded path never loads the driver

    if isinstance(value, Node):
        return {"labels": sorted(value.labels), "properties": to_plain(dict(value.items()))}
    if isinstance(value, Relationship):
        start = value.start_node.get("id") if value.start_node is not None else None
        end = value.end_node.get("id") if value.end_node is not None else None
        return {"type": value.type, "start": start, "end": end, "properties": to_plain(dict(value.items()))}
    if isinstance(value, Path):
        return {"nodes": [to_plain(n) for n in value.nodes],
                "relationships": [to_plain(r) for r in value.relationships]}
    if isinstance(value, dict):
        return {str(k): to_plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_plain(v) for v in value]
    if hasattr(value, "iso_format"):
        return value.iso_format()
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)


def _cell(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


@click.command("cypher")
@click.argument("query")
@click.option("--param", "-p", "params", multiple=True, metavar="KEY=VALUE",
              help="Query parameter $KEY (repeatable); VALUE is read as JSON when it is valid JSON.")
@graph_options
@click.option("--write", is_flag=True, help="Allow the query to change the graph (default: read only); "
              "on the embedded graph the change is saved to graph.json.")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array of row objects instead of a table.")
def cypher_cmd(query: str, params: tuple[str, ...], graph_dir: str, neo4j_uri: str | None,
               neo4j_user: str | None, neo4j_password: str | None, neo4j_database: str | None, write: bool,
               as_json: bool) -> None:
    """Run a Cypher QUERY on the graph in --graph (embedded, no server) or on Neo4j, and print its rows.

    The embedded graph has the Neo4j schema (:Episode, :Entity:Person, :Topic, MENTIONS,
    HAS_TOPIC), so the same queries give the same rows on both. Queries run read-only
    unless --write is given. docs/cypher.md has ready-made queries.

    \b
    Examples:
        castgraph cypher "MATCH (p:Person) RETURN p.name AS name, p.mention_count AS mentions
                          ORDER BY mentions DESC LIMIT \\$limit" --param limit=5
        castgraph cypher "MATCH (e:Episode) RETURN count(e) AS episodes" --json --graph castgraph-out
        castgraph cypher "MATCH (e:Episode) RETURN count(e) AS episodes" --neo4j bolt://127.0.0.1:7687
    """
    values = dict(parse_param(p) for p in params)
    settings = Neo4jSettings.from_options(neo4j_uri, neo4j_user, neo4j_password, neo4j_database)
    if settings is None and neo4j_uri is None:  # `--neo4j` alone, and no $NEO4J_URI
        raise click.UsageError("no Neo4j server: pass --neo4j URI or set NEO4J_URI")
    if settings is None:
        columns, plain = _run_embedded(graph_dir, query, values, write)
    else:
        with fail_cleanly(), settings.open_store() as store:
            columns, rows = store.run(query, values, write=write, doing="running the query")
            plain = [{c: to_plain(row[c]) for c in columns} for row in rows]
    if as_json:
        echo_json(plain)
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(*[escape(c) for c in columns], caption=f"{len(plain)} rows", caption_justify="left")
    for row in plain:
        table.add_row(*[escape(_cell(row[c])) for c in columns])
    Console(soft_wrap=False).print(table)


_FORMATS = {"json": "graph.json", "graphml": "graph.graphml", "gexf": "graph.gexf"}


@click.command("export")
@click.option("--format", "fmt", type=click.Choice(sorted(_FORMATS)), default=None,
              help="Write the graph as node-link JSON (graph.json), GraphML or GEXF (Gephi).")
@click.option("--out", "out_file", type=click.Path(dir_okay=False, path_type=FilePath), default=None,
              help="File for --format (default: graph.json, graph.graphml or graph.gexf in --graph).")
@click.option("--neo4j-admin", "admin_dir", metavar="DIR", default=None,
              type=click.Path(file_okay=False, path_type=FilePath),
              help="Write CSV files for `neo4j-admin database import full` into DIR.")
@graph_options
def export_cmd(fmt: str | None, out_file: FilePath | None, admin_dir: FilePath | None, graph_dir: str,
               neo4j_uri: str | None, neo4j_user: str | None, neo4j_password: str | None,
               neo4j_database: str | None) -> None:
    """Export the graph: as a file for other tools (--format), or for the Neo4j bulk importer.

    --format json writes networkx node-link JSON (what `castgraph build` writes as
    graph.json for graphs up to 250,000 mentions; larger builds write it on request).
    --neo4j-admin DIR writes DIR/nodes-*.csv, DIR/rels-*.csv, DIR/import.sh (the exact
    neo4j-admin command) and DIR/schema.cypher (constraints and indexes to create
    after the import), the fastest way to load a very large graph. The graph comes
    from --graph (or from a Neo4j server with --neo4j).

    \b
    Examples:
        castgraph export --format json --graph castgraph-out
        castgraph export --format gexf --out graph.gexf
        castgraph export --neo4j-admin castgraph-csv --graph castgraph-out
        NEO4J_ADMIN=$NEO4J_HOME/bin/neo4j-admin sh castgraph-csv/import.sh --overwrite-destination
    """
    if (fmt is None) == (admin_dir is None):
        raise click.UsageError("give exactly one of --format FORMAT or --neo4j-admin DIR")
    settings = Neo4jSettings.from_options(neo4j_uri, neo4j_user, neo4j_password, neo4j_database)
    if fmt is not None:
        with fail_cleanly():
            target = _export_file(fmt, out_file, graph_dir, settings)
        click.echo(f"wrote {target}")
        return
    from castgraph.graph.neo4j_admin import write_neo4j_admin_csv

    assert admin_dir is not None
    with fail_cleanly():
        from castgraph.graph.compact import read_store
        from castgraph.graph.networkx_store import current_store
        from castgraph.graph.tables import ColumnView

        store = current_store(graph_dir) if settings is None else None
        if store is not None:
            # The export walks the stored columns row by row; no networkx graph is built.
            graph: Any = ColumnView(read_store(store))
        else:  # a graph.json from elsewhere is checked against the schema as it is
            graph = read_graph(graph_dir, settings)
        export = write_neo4j_admin_csv(graph, admin_dir)
    echo(f"wrote {export.nodes} nodes and {export.relationships} relationships to {admin_dir}/")
    echo(f"import with: sh {admin_dir / 'import.sh'}  (server stopped; add --overwrite-destination "
               "to replace an existing database)")


def _export_file(fmt: str, out_file: FilePath | None, graph_dir: str,
                 settings: Neo4jSettings | None) -> FilePath:
    from castgraph.graph.networkx_store import (
        NetworkXStore,
        read_graph_tables,
        write_gexf,
        write_graph_json,
        write_graphml,
    )
    from castgraph.graph.tables import GraphTables

    target = out_file or FilePath(graph_dir) / _FORMATS[fmt]
    if settings is None:
        tables = read_graph_tables(graph_dir)
    else:
        tables = GraphTables.from_networkx(read_graph(graph_dir, settings))
    if fmt == "json":
        if settings is None and target.resolve() == (FilePath(graph_dir) / _FORMATS["json"]).resolve():
            # graph.json beside the store: the store is rewritten to know it, so reads stay fast.
            NetworkXStore(graph_dir).write_tables(tables, graph_json=True)
        else:
            write_graph_json(tables, target)
    elif fmt == "graphml":
        write_graphml(tables.to_networkx(), target)
    else:
        write_gexf(tables.to_networkx(), target)
    return target


COMMANDS = [cypher_cmd, export_cmd]
