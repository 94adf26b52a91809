"""`castgraph cypher` and `castgraph export --neo4j-admin`, through click's CliRunner."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import click
import networkx as nx
import pytest
from click.testing import CliRunner

from castgraph.cli import main
from castgraph.cli.neo4j import parse_param
from castgraph.cli.options import Neo4jSettings
from castgraph.graph.neo4j_store import Neo4jStore
from castgraph.graph.networkx_store import NetworkXStore


def server_args(settings: Neo4jSettings) -> list[str]:
    args = ["--neo4j", settings.uri, "--neo4j-user", settings.user, "--neo4j-password", settings.password]
    return args + (["--neo4j-database", settings.database] if settings.database else [])


def test_param_values_are_json_when_valid_else_strings() -> None:
    assert parse_param("n=3") == ("n", 3)
    assert parse_param("x=3.5e0") == ("x", 3.5)
    assert parse_param("flag=true") == ("flag", True)
    assert parse_param("name=Kyle Daigle") == ("name", "Kyle Daigle")
    assert parse_param("q=a=b") == ("q", "a=b")
    assert parse_param('m={"k": [1]}') == ("m", {"k": [1]})
    with pytest.raises(click.BadParameter, match="not key=value"):
        parse_param("no-equals-sign")
    with pytest.raises(click.BadParameter):
        parse_param("bad key=1")


def test_cypher_neo4j_alone_without_a_server_says_how_to_give_one(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NEO4J_URI", raising=False)
    result = CliRunner().invoke(main, ["cypher", "RETURN 1", "--neo4j"])
    assert result.exit_code == 2
    assert "no Neo4j server: pass --neo4j URI or set NEO4J_URI" in result.output


def test_cypher_without_neo4j_reads_the_folder(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("NEO4J_URI", "bolt://127.0.0.1:1")  # set in the shell, never used without --neo4j
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["cypher", "RETURN 1 AS one"])
    assert result.exit_code == 1
    assert result.output.strip() == "Error: castgraph-out/graph.json: no graph here; run `castgraph build " \
        "--out castgraph-out` first"


def test_cypher_help_has_an_example() -> None:
    result = CliRunner().invoke(main, ["cypher", "--help"])
    assert result.exit_code == 0 and "castgraph cypher" in result.output and "--param" in result.output


@pytest.mark.neo4j
def test_cypher_prints_a_table_or_json(neo4j_store: Neo4jStore, neo4j_settings: Neo4jSettings,
                                       real_page_graph: nx.MultiDiGraph) -> None:
    neo4j_store.write(real_page_graph)
    query = "MATCH (e:Episode) WHERE e.published >= $since RETURN e.title AS title, e.languages AS langs " \
            "ORDER BY title"
    since = "2026-11-20"
    expected = sorted(d["title"] for _, d in real_page_graph.nodes(data=True)
                      if d["label"] == "Episode" and (d["published"] or "") >= since)
    assert expected
    runner = CliRunner()
    result = runner.invoke(main, ["cypher", query, "--param", f"since={since}", "--json",
                                  *server_args(neo4j_settings)])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    assert [r["title"] for r in rows] == expected
    assert all(isinstance(r["langs"], list) for r in rows)

    table = runner.invoke(main, ["cypher", query, "-p", f"since={since}", *server_args(neo4j_settings)],
                          terminal_width=400)
    assert table.exit_code == 0, table.output
    assert "title" in table.output and f"{len(expected)} rows" in table.output
    assert all(title[:20] in table.output for title in expected)


@pytest.mark.neo4j
def test_cypher_returns_nodes_and_relationships_as_plain_json(neo4j_store: Neo4jStore,
                                                              neo4j_settings: Neo4jSettings,
                                                              real_page_graph: nx.MultiDiGraph) -> None:
    neo4j_store.write(real_page_graph)
    source, target, key, attrs = next(iter(real_page_graph.edges(keys=True, data=True)))
    result = CliRunner().invoke(main, [
        "cypher", "MATCH (e:Episode {id: $e})-[r:MENTIONS {key: $k}]->(x) RETURN e, r, x",
        "-p", f"e={source}", "-p", f'k="{key}"', "--json", *server_args(neo4j_settings)])
    assert result.exit_code == 0, result.output
    [row] = json.loads(result.output)
    assert row["e"]["labels"] == ["Episode"] and row["e"]["properties"]["id"] == source
    assert row["r"] == {"type": "MENTIONS", "start": source, "end": target,
                        "properties": {**{k: v for k, v in attrs.items() if k != "type"}, "key": key}}
    assert "Entity" in row["x"]["labels"]


@pytest.mark.neo4j
def test_cypher_reads_unless_write_is_given(neo4j_store: Neo4jStore, neo4j_settings: Neo4jSettings) -> None:
    runner = CliRunner()
    create = ["cypher", "CREATE (t:Topic {id: $id, name: 'x'}) RETURN t.id AS id", "-p", "id=topic:x"]
    refused = runner.invoke(main, [*create, *server_args(neo4j_settings)])
    assert refused.exit_code == 1
    assert refused.output.startswith("Error: ") and refused.output.count("\n") == 1
    assert "Writing in read access mode not allowed" in refused.output
    assert neo4j_store.counts()["Topic"] == 0
    allowed = runner.invoke(main, [*create, "--write", "--json", *server_args(neo4j_settings)])
    assert allowed.exit_code == 0, allowed.output
    assert json.loads(allowed.output) == [{"id": "topic:x"}]
    assert neo4j_store.counts()["Topic"] == 1


@pytest.mark.neo4j
def test_cypher_errors_are_one_line(neo4j_settings: Neo4jSettings) -> None:
    runner = CliRunner()
    bad = runner.invoke(main, ["cypher", "MATCH (n RETURN n", *server_args(neo4j_settings)])
    assert bad.exit_code == 1 and bad.output.count("\n") == 1
    assert "SyntaxError" in bad.output and "Traceback" not in bad.output
    args = server_args(neo4j_settings)
    args[args.index("--neo4j-password") + 1] = "wrong"
    denied = runner.invoke(main, ["cypher", "RETURN 1", *args])
    assert denied.exit_code == 1
    assert denied.output == (f"Error: Neo4j at {neo4j_settings.uri} refused user 'neo4j': "
                             "wrong user or password\n")


def test_export_writes_importer_csv(real_page_graph: nx.MultiDiGraph, tmp_path: Path) -> None:
    NetworkXStore(tmp_path / "graph").write(real_page_graph)
    out = tmp_path / "csv"
    result = CliRunner().invoke(main, ["export", "--neo4j-admin", str(out),
                                       "--graph", str(tmp_path / "graph")])
    assert result.exit_code == 0, result.output
    assert "import.sh" in result.output
    counts = {}
    for path in sorted(out.glob("*.csv")):
        with path.open(encoding="utf-8", newline="") as handle:
            rows = list(csv.reader(handle))
        counts[path.name] = len(rows) - 1
        header = rows[0]
        if path.name.startswith("nodes-"):
            assert header[:2] == ["id:ID", ":LABEL"]
        else:
            assert header[:3] == [":START_ID", ":END_ID", ":TYPE"] and "key" in header
    labels = [d["label"] for _, d in real_page_graph.nodes(data=True)]
    types = [d["type"] for _, _, d in real_page_graph.edges(data=True)]
    assert counts == {"nodes-entity.csv": labels.count("Entity"),
                      "nodes-episode.csv": labels.count("Episode"),
                      "nodes-topic.csv": labels.count("Topic"),
                      "rels-has_topic.csv": types.count("HAS_TOPIC"),
                      "rels-mentions.csv": types.count("MENTIONS")}
    script = (out / "import.sh").read_text()
    assert "database import full" in script and "--nodes=nodes-entity.csv" in script
    assert "CREATE CONSTRAINT castgraph_entity_id" in (out / "schema.cypher").read_text()


def test_export_without_a_graph_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NEO4J_URI", raising=False)
    result = CliRunner().invoke(main, ["export", "--neo4j-admin", str(tmp_path / "csv"),
                                       "--graph", str(tmp_path / "nothing")])
    assert result.exit_code == 1
    assert result.output == f"Error: {tmp_path / 'nothing' / 'graph.json'}: no graph here; " \
                            f"run `castgraph build --out {tmp_path / 'nothing'}` first\n"


def test_export_of_a_graph_outside_the_schema_is_one_line(tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NEO4J_URI", raising=False)
    graph = nx.MultiDiGraph()
    graph.add_node("episode:e1", label="Episode", id="episode:e1", title="T")
    graph.add_node("admin:1", label="Admin", id="admin:1")
    NetworkXStore(tmp_path / "g").write(graph)
    result = CliRunner().invoke(main, ["export", "--neo4j-admin", str(tmp_path / "csv"),
                                       "--graph", str(tmp_path / "g")])
    assert result.exit_code == 1
    assert result.output == (f"Error: {tmp_path / 'g' / 'graph.json'}: not a castgraph graph.json "
                             "(node 'admin:1': label 'Admin' is not Episode, Entity or Topic); "
                             "refusing to use it\n")


@pytest.mark.neo4j
def test_query_commands_answer_the_same_from_the_server_and_the_folder(
        neo4j_store: Neo4jStore, neo4j_settings: Neo4jSettings, real_page_graph: nx.MultiDiGraph,
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NEO4J_URI", raising=False)
    neo4j_store.write(real_page_graph)
    NetworkXStore(tmp_path).write(real_page_graph)
    commands = [["entity", "Shawn Wang", "--episodes", "3"],
                ["related", "Railway", "--limit", "3"],
                ["related", "--entity", "Claude Code"],
                ["comention", "--min-weight", "2", "--top-k", "2", "--until", "2026-11-30", "--limit", "5"]]
    for command in commands:
        from_folder = CliRunner().invoke(main, [*command, "--json", "--graph", str(tmp_path)])
        from_server = CliRunner().invoke(main, [*command, "--json", *server_args(neo4j_settings)])
        assert from_folder.exit_code == from_server.exit_code == 0, (command, from_server.output)
        assert json.loads(from_folder.output), command
        assert json.loads(from_server.output) == json.loads(from_folder.output), command
