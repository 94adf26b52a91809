"""Neo4j: loads that complete or change nothing, no silent replacement, fast failures, read mode kept in.

The tests use the shared server (``neo4j_store``). The neo4j-admin import of hostile text and
the file-URL setting of scripts/neo4j-local are checked on a server of their own, in
test_neo4j_admin's real import.
"""

from __future__ import annotations

import json
import os
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import networkx as nx
import pytest
from click.testing import CliRunner
from test_neo4j_admin import free_port

from castgraph.cli import main
from castgraph.graph.build import build_graph
from castgraph.graph.cypher_guard import QueryRefused
from castgraph.graph.model import Episode, Mention
from castgraph.graph.neo4j_schema import WriteRefused
from castgraph.graph.neo4j_store import Neo4jStore
from castgraph.resolve import resolve


def _graph(*episodes: tuple[str, list[str]]) -> nx.MultiDiGraph:
    eps = [Episode(id=ep_id, title=f"Episode {ep_id}",
                   mentions=[Mention(surface=n, type_label="Person") for n in names])
           for ep_id, names in episodes]
    return build_graph(eps, resolve(eps))


def _args(store: Neo4jStore) -> list[str]:
    password = os.environ.get("NEO4J_PASSWORD", "castgraph-local")
    database = ["--neo4j-database", store.database] if store.database else []
    return ["--neo4j", store.uri, "--neo4j-user", store.user, "--neo4j-password", password, *database]


@pytest.mark.neo4j
def test_oversize_names_are_kept_out_of_indexes_and_read_back_whole(neo4j_store: Neo4jStore) -> None:
    long_name = "Name " + "x" * 9000
    cjk = "名" * 4000  # 12,000 bytes
    graph = _graph(("e1", [long_name, "swyx", cjk]), ("e2", ["swyx"]))
    entity = next(n for n, a in graph.nodes(data=True) if a.get("name") == "swyx")
    graph.nodes[entity]["aliases"] = ["s" * 40000, "Shawn"]
    neo4j_store.write(graph)
    back = neo4j_store.read()
    assert dict(back.nodes(data=True)) == dict(graph.nodes(data=True))
    again = neo4j_store.write(graph)
    changed = (again.nodes_created, again.nodes_updated, again.edges_created, again.edges_updated)
    assert changed == (0, 0, 0, 0)


@pytest.mark.neo4j
def test_an_id_too_long_for_the_index_is_refused_before_writing(neo4j_store: Neo4jStore) -> None:
    neo4j_store.write(_graph(("old", ["swyx"])))
    too_long = r"longer than the 4,000 bytes its uniqueness index holds \(1 such ids\); nothing was written"
    with pytest.raises(WriteRefused, match=too_long):
        neo4j_store.write(_graph(("old", ["swyx"]), ("e" * 9000, ["Kyle"])))
    assert {n for n in neo4j_store.read().nodes if n.startswith("episode:")} == {"episode:old"}


@pytest.mark.neo4j
def test_build_does_not_replace_another_graph_without_replace(neo4j_store: Neo4jStore,
                                                               tmp_path: Path) -> None:
    first, second = tmp_path / "first.jsonl", tmp_path / "second.jsonl"
    first.write_text(json.dumps({"id": "a1", "title": "A", "entities": [{"name": "swyx", "type": "Person"}]}))
    second.write_text(json.dumps({"id": "b1", "title": "B",
                                  "entities": [{"name": "Kyle", "type": "Person"}]}))
    runner = CliRunner()
    args = _args(neo4j_store)
    assert runner.invoke(main, ["build", str(first), "--out", str(tmp_path / "o1"), *args]).exit_code == 0
    refused = runner.invoke(main, ["build", str(second), "--out", str(tmp_path / "o2"), *args])
    assert refused.exit_code == 1
    assert refused.output.count("\n") == 1
    assert "holds 1 episode(s) that are not in this graph (e.g. 'episode:a1')" in refused.output
    assert "--replace" in refused.output
    assert {n for n in neo4j_store.read().nodes if n.startswith("episode:")} == {"episode:a1"}
    # The same graph again, or one that extends it, needs no --replace.
    assert runner.invoke(main, ["build", str(first), "--out", str(tmp_path / "o1"), *args]).exit_code == 0
    assert runner.invoke(main, ["build", str(second), "--into", str(tmp_path / "o1"), *args]).exit_code == 0
    replaced = runner.invoke(main, ["build", str(second), "--out", str(tmp_path / "o2"), "--replace", *args])
    assert replaced.exit_code == 0, replaced.output
    assert {n for n in neo4j_store.read().nodes if n.startswith("episode:")} == {"episode:b1"}


@pytest.mark.neo4j
def test_read_mode_refuses_load_csv_and_outside_procedures(neo4j_store: Neo4jStore) -> None:
    for query in ["LOAD CSV FROM 'file:///etc/passwd' AS row RETURN row",
                  "MATCH (n:`it's`) WITH n LOAD CSV FROM 'https://example.org/x' AS row RETURN row",
                  "CALL apoc.load.json('file:///etc/passwd')", "CALL dbms.listConfig()"]:
        with pytest.raises(QueryRefused):
            neo4j_store.run(query)
        result = CliRunner().invoke(main, ["cypher", query, *_args(neo4j_store)])
        assert result.exit_code == 1 and result.output.startswith("Error: read mode refuses"), result.output
    assert neo4j_store.run("CALL db.labels() YIELD label RETURN count(label) AS n")[0] == ["n"]
    assert neo4j_store.run("RETURN 'LOAD CSV' AS text")[1] == [{"text": "LOAD CSV"}]


def test_http_uri_is_one_line_naming_the_schemes(tmp_path: Path) -> None:
    for args in (["cypher", "RETURN 1"], ["entity", "x"], ["export", "--neo4j-admin", str(tmp_path / "c")],
                 ["build", str(tmp_path), "--out", str(tmp_path / "o")]):
        result = CliRunner().invoke(main, [*args, "--neo4j", "http://127.0.0.1:7474"])
        assert result.exit_code == 1, result.output
        assert result.output == ("Error: http://127.0.0.1:7474: not a Neo4j Bolt URI; "
                                 "castgraph connects with bolt://, bolt+s://, bolt+ssc://, neo4j://, "
                                 "neo4j+s://, neo4j+ssc:// (e.g. bolt://127.0.0.1:7687)\n")


@pytest.fixture
def silent_server() -> Iterator[int]:
    """A TCP port that accepts connections and never answers (a server hung or firewalled)."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        sock.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(sock.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield sock.getsockname()[1]
    stop.set()
    thread.join()
    for conn in held:
        conn.close()
    sock.close()


@pytest.mark.parametrize("kind", ["refused", "silent"])
def test_unreachable_server_fails_within_seconds_with_the_reason(kind: str, silent_server: int,
                                                                 tmp_path: Path) -> None:
    port = silent_server if kind == "silent" else free_port()
    uri = f"bolt://127.0.0.1:{port}"
    commands = [["cypher", "RETURN 1"], ["entity", "x"],
                ["build", str(Path(__file__).parent.parent / "examples"), "--out", str(tmp_path / "o")]]
    if kind == "refused":  # a silent server costs seconds per command: fewer of them
        commands += [["comention"], ["viz", "--out", str(tmp_path / "v.html")]]
    for args in commands:
        started = time.monotonic()
        result = CliRunner().invoke(main, [*args, "--neo4j", uri, "--neo4j-password", "x"])
        seconds = time.monotonic() - started
        assert result.exit_code == 1, result.output
        assert result.output.count("\n") == 1 and uri in result.output, result.output
        assert seconds < 12, (args, seconds)


# --- hostile text, imported for real by test_neo4j_admin (one server start for both) ----------

HOSTILE_TEXT = ["quote \" and \"\" and '", "comma, semicolon; pipe | ¦ ¤ §", "new\nline and\r\nCRLF\rCR",
                "tab\tand back\\slash \\\"", "control \x01\x07\x1b[2J \x7f \x9b",
                "emoji 😀 and zero\u200bwidth",
                "  padded  ", "=HYPERLINK(\"x\")", "日本語の名前", "\ue000 private use"]


def hostile_graph() -> nx.MultiDiGraph:
    """Episodes and entities whose text holds what CSV, XML and terminals treat specially."""
    eps = [Episode(id=f"e{i}", title=text, summary=text, show=text,
                   mentions=[Mention(surface=f"Person {i} {text}", type_label="Person", description=text)])
           for i, text in enumerate(HOSTILE_TEXT)]
    graph = build_graph(eps, resolve(eps))
    first_entity = next(n for n, a in graph.nodes(data=True) if a.get("label") == "Entity")
    graph.nodes[first_entity]["aliases"] = [*HOSTILE_TEXT, ";|¦¤§"]  # every usual array delimiter
    return graph
