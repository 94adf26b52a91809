"""CSV export for `neo4j-admin database import full`: the file format, and a real import read back."""

from __future__ import annotations

import csv
import os
import shutil
import socket
import subprocess
from pathlib import Path

import networkx as nx
import pytest
from neo4j_server_plugin import NEO4J_LOCAL, server_missing

from castgraph.graph.neo4j_admin import admin_import_args, write_neo4j_admin_csv
from castgraph.graph.neo4j_store import Neo4jStore, Neo4jStoreError


def small_graph() -> nx.MultiDiGraph:
    g = nx.MultiDiGraph()
    g.add_node("episode:1", label="Episode", id="episode:1", title='He said "hi",\nthen left', url="",
               age_days=None, duration_seconds=60, languages=["EN", "JA"], chapters=[{"title": "a;b|c"}])
    g.add_node("entity:1", label="Entity", id="entity:1", name="A; B", type="Person", aliases=["A;B", "x|y"],
               mention_count=1)
    g.add_node("entity:2", label="Entity", id="entity:2", name="Thing", type="Spaceship", aliases=[],
               mention_count=1)
    g.add_edge("episode:1", "entity:1", key="m0", type="MENTIONS", surface="A; B", ordinal=0, score=0.5)
    g.add_edge("episode:1", "entity:2", key="m1", type="MENTIONS", surface="Thing", ordinal=1, score=1.0)
    return g


def read_csv(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.reader(handle))


def test_csv_headers_types_and_quoting(tmp_path: Path) -> None:
    export = write_neo4j_admin_csv(small_graph(), tmp_path)
    # ";" and "|" occur inside list values, so neither can separate array items.
    assert export.array_delimiter == "¦"
    assert [p.name for p in export.files] == ["nodes-episode.csv", "nodes-entity.csv", "rels-mentions.csv"]
    episodes = read_csv(tmp_path / "nodes-episode.csv")
    assert episodes[0] == ["id:ID", ":LABEL", "title", "url", "duration_seconds:long", "languages:string[]",
                           "chapters"]
    assert episodes[1] == ["episode:1", "Episode", 'He said "hi",\nthen left', "", "60", "EN¦JA",
                           '[{"title": "a;b|c"}]']
    raw = (tmp_path / "nodes-episode.csv").read_text(encoding="utf-8")
    assert ',"",' in raw  # an empty string is quoted: the importer reads a bare empty field as "no property"
    entities = read_csv(tmp_path / "nodes-entity.csv")
    assert entities[0][:5] == ["id:ID", ":LABEL", "name", "type", "aliases:string[]"]
    assert entities[1][1] == "Entity¦Person" and entities[1][4] == "A;B¦x|y"
    assert entities[2][1] == "Entity¦Other" and entities[2][4] == ""  # a type outside the allow-list
    rels = read_csv(tmp_path / "rels-mentions.csv")
    assert rels[0] == [":START_ID", ":END_ID", ":TYPE", "key", "surface", "ordinal:long", "score:double"]
    assert rels[1] == ["episode:1", "entity:1", "MENTIONS", "m0", "A; B", "0", "0.5"]


def test_import_arguments_and_script(tmp_path: Path) -> None:
    export = write_neo4j_admin_csv(small_graph(), tmp_path)
    args = admin_import_args(export, "graphs")
    assert args[:4] == ["database", "import", "full", "graphs"]
    assert f"--nodes={tmp_path / 'nodes-entity.csv'}" in args
    assert f"--relationships={tmp_path / 'rels-mentions.csv'}" in args
    assert "--array-delimiter=¦" in args and "--multiline-fields=true" in args
    script = (tmp_path / "import.sh").read_text(encoding="utf-8")
    assert 'database import full "${NEO4J_IMPORT_DATABASE:-neo4j}"' in script
    assert os.access(tmp_path / "import.sh", os.X_OK)


def test_unknown_labels_are_refused(tmp_path: Path) -> None:
    g = small_graph()
    g.add_edge("entity:1", "entity:2", key="x", type="KNOWS")
    with pytest.raises(ValueError, match="relationship type 'KNOWS' is not one of MENTIONS, HAS_TOPIC"):
        write_neo4j_admin_csv(g, tmp_path)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.neo4j
@pytest.mark.slow
def test_real_import_reads_back_as_the_same_graph(real_page_graph: nx.MultiDiGraph, tmp_path: Path) -> None:
    """The real page plus hostile text (quotes, delimiters, controls, line breaks) import exactly; and the
    server scripts/neo4j-local starts keeps LOAD CSV file URLs inside its import folder."""
    if shutil.which("java") is None:
        server_missing("Java is not installed: scripts/neo4j-local needs Java 17 to run Neo4j 5.26")
    from test_neo4j_safety import hostile_graph

    real_page_graph = nx.compose(real_page_graph, hostile_graph())
    export = write_neo4j_admin_csv(real_page_graph, tmp_path / "csv")
    assert export.array_delimiter not in ";|¦¤§"
    port = free_port()
    env = dict(os.environ, NEO4J_LOCAL_HOME=str(tmp_path / "home"), NEO4J_LOCAL_PORT=str(port),
               NEO4J_LOCAL_HEAP="1g", NEO4J_LOCAL_PAGECACHE_MB="256", NEO4J_LOCAL_PASSWORD="import-test")

    def local(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([str(NEO4J_LOCAL), *args], env=env, capture_output=True, text=True, timeout=600)

    # The exact command the export writes, with neo4j-admin run from the Maven-built classpath.
    env["NEO4J_ADMIN"] = f"{NEO4J_LOCAL} admin"
    imported = subprocess.run(["sh", str(export.directory / "import.sh")], env=env, capture_output=True,
                              text=True, timeout=600)
    assert imported.returncode == 0, imported.stderr[-2000:]
    assert "IMPORT DONE" in imported.stdout + imported.stderr
    secret = tmp_path / "secret.txt"
    secret.write_text("top secret\n")
    assert local("start").returncode == 0
    try:
        with Neo4jStore(f"bolt://127.0.0.1:{port}", user="neo4j", password="import-test") as store:
            back = store.read()
            report = store.write(real_page_graph)  # creates the schema; must find nothing to change
            with pytest.raises(Neo4jStoreError) as outside:
                store.run(f"LOAD CSV FROM 'file://{secret}' AS row RETURN row", write=True)
            (tmp_path / "home" / "import" / "inside.csv").write_text("a,b\n")
            inside = store.run("LOAD CSV FROM 'file:///inside.csv' AS row RETURN row", write=True)[1]
    finally:
        local("stop")
    assert "top secret" not in str(outside.value)
    assert "Couldn't load the external resource" in str(outside.value)
    assert inside == [{"row": ["a", "b"]}]
    assert dict(back.nodes(data=True)) == dict(real_page_graph.nodes(data=True))
    assert {(u, v, k): d for u, v, k, d in back.edges(keys=True, data=True)} == \
        {(u, v, k): d for u, v, k, d in real_page_graph.edges(keys=True, data=True)}
    changed = (report.nodes_created, report.edges_created, report.nodes_updated, report.edges_updated)
    assert changed == (0, 0, 0, 0)
