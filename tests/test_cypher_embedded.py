"""`castgraph cypher` on the embedded graph (LadybugDB): dialect, cache, writes, errors, and parity
with a real Neo4j server on every query of docs/cypher.md."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import networkx as nx
import pytest
from click.testing import CliRunner
from test_neo4j_docs import CHECKS, Facts, documented_commands, needs_neo4j, params_of

import castgraph
from castgraph.cli import main
from castgraph.cli.options import Neo4jSettings
from castgraph.embedded import EmbeddedCypher, UnsupportedCypherError, cache_file, cypher, to_embedded
from castgraph.graph.neo4j_store import Neo4jStore
from castgraph.graph.networkx_store import read_graph_json, write_graph_json
from castgraph.loaders import read_episodes
from castgraph.resolve import resolve

ENTITY = "Person:Organization:Product:Concept:Event:Place:Other"


@pytest.fixture(scope="module")
def examples_graph(examples_dir: Path) -> nx.MultiDiGraph:
    loaded = read_episodes([examples_dir])
    return castgraph.build_graph(loaded.episodes, resolve(loaded.episodes))


@pytest.fixture(scope="module")
def feeds_graph(examples_dir: Path) -> nx.MultiDiGraph:
    """The sample podcast feeds: the sparse feed properties (roles, enclosures, transcripts)."""
    loaded = read_episodes([examples_dir.parent / "samples" / "feeds"])
    return castgraph.build_graph(loaded.episodes, resolve(loaded.episodes))


def graph_dir(graph: nx.MultiDiGraph, where: Path) -> Path:
    where.mkdir(parents=True, exist_ok=True)
    write_graph_json(graph, where / "graph.json")
    return where


def run_cli(*args: str) -> Any:
    return CliRunner().invoke(main, ["cypher", *args])


# -- the dialect ------------------------------------------------------------------------------------

@pytest.mark.parametrize(("neo4j", "embedded"), [
    ("MATCH (p:Entity:Person) RETURN p", "MATCH (p:Person) RETURN p"),
    ("MATCH (p:Person:Entity) RETURN p", "MATCH (p:Person) RETURN p"),
    ("MATCH (x:Entity)--(t:Topic) RETURN x", f"MATCH (x:{ENTITY})--(t:Topic) RETURN x"),
    ("MATCH (x:Person|Organization) RETURN x", "MATCH (x:Person:Organization) RETURN x"),
    ("MATCH (:Entity {name: $n})<-[:MENTIONS]-(e) RETURN e",
     f"MATCH (:{ENTITY} {{name: $n}})<-[:MENTIONS]-(e) RETURN e"),
    # text inside strings and comments, and function calls, are left alone
    ("MATCH (e) WHERE e.title = '(x:Entity)' RETURN count(e) // (y:Entity)",
     "MATCH (e) WHERE e.title = '(x:Entity)' RETURN count(e) // (y:Entity)"),
    ("RETURN [x IN [1, 2, 3] WHERE x > 1] AS a, [x IN [1] | x * 2] AS b",
     "RETURN list_filter([1, 2, 3], x -> x > 1) AS a, list_transform([1], x -> x * 2) AS b"),
    ("RETURN [x IN [[1]] | [y IN x | y + 1]] AS nested",
     "RETURN list_transform([[1]], x -> list_transform(x, y -> y + 1)) AS nested"),
    ("MATCH p = shortestPath((a)-[*]-(b)) RETURN p", "MATCH p = (a)-[* SHORTEST 1..30]-(b) RETURN p"),
    ("MATCH ()-[m:MENTIONS]->() RETURN m.group AS g, m.role",
     "MATCH ()-[m:MENTIONS]->() RETURN m.`group` AS g, m.role"),
    ("MATCH p = allShortestPaths((a)-[:MENTIONS*2..6]-(b)) RETURN p",
     "MATCH p = (a)-[:MENTIONS* ALL SHORTEST 2..6]-(b) RETURN p"),
])
def test_neo4j_cypher_is_rewritten_for_the_embedded_engine(neo4j: str, embedded: str) -> None:
    assert to_embedded(neo4j) == embedded


@pytest.mark.parametrize(("query", "named"), [
    ('CALL db.index.fulltext.queryNodes("castgraph_entity_names", $q) YIELD node RETURN node',
     "db.index.fulltext.queryNodes"),
    ("CALL apoc.help('x')", "apoc.help"),
    ("MATCH (e:Episode) CALL { WITH e RETURN 1 AS one } RETURN one", "CALL { ... } subqueries"),
    ("MATCH (e:Episode) RETURN [(e)-[:MENTIONS]->(x) | x.name] AS names", "pattern comprehensions"),
    ("MATCH (x:!Person) RETURN x", "label expression !"),
    ("MATCH (x:Spaceship) RETURN x", "no label Spaceship"),
    ("MATCH (x:Episode:Person) RETURN x", "no node has all the labels Episode:Person"),
])
def test_what_the_engine_cannot_run_is_named_in_one_line(query: str, named: str) -> None:
    with pytest.raises(UnsupportedCypherError) as caught:
        to_embedded(query)
    assert named in str(caught.value) and "\n" not in str(caught.value)


def test_unsupported_query_from_the_command_line_suggests_neo4j(examples_graph: nx.MultiDiGraph,
                                                                tmp_path: Path) -> None:
    folder = graph_dir(examples_graph, tmp_path / "g")
    result = run_cli("CALL db.labels() YIELD label RETURN label", "--graph", str(folder))
    assert result.exit_code == 1
    assert result.output.count("\n") == 1 and "db.labels" in result.output and "--neo4j" in result.output
    engine_says = run_cli("MATCH (e:Episode) RETURN e.title AS t ORDER BY nosuchfunction(t)",
                          "--graph", str(folder))
    assert engine_says.exit_code == 1 and engine_says.output.count("\n") == 1
    assert "embedded engine cannot run this query" in engine_says.output and "--neo4j" in engine_says.output
    missing = run_cli("MATCH (e:Episode {id: $id}) RETURN e", "--graph", str(folder))
    assert missing.exit_code == 1 and "$id" in missing.output and "--param id=" in missing.output


# -- Python, cache and writes -------------------------------------------------------------------------

def test_python_api_on_a_graph_and_on_a_folder(examples_graph: nx.MultiDiGraph, tmp_path: Path) -> None:
    query = ("MATCH (p:Entity:Person)<-[m:MENTIONS]-(:Episode) "
             "RETURN p.name AS name, count(m) AS mentions ORDER BY mentions DESC, name LIMIT $n")
    expected = sorted(({"name": d["name"], "mentions": d["mention_count"]}
                       for _, d in examples_graph.nodes(data=True)
                       if d["label"] == "Entity" and d["type"] == "Person"),
                      key=lambda r: (-r["mentions"], r["name"]))[:3]
    assert castgraph.cypher(examples_graph, query, n=3) == expected
    assert cypher(graph_dir(examples_graph, tmp_path / "g"), query, n=3) == expected


def test_database_is_cached_per_graph_json_and_rebuilt_when_it_changes(examples_graph: nx.MultiDiGraph,
                                                                        tmp_path: Path) -> None:
    folder = graph_dir(examples_graph, tmp_path / "g")
    count = "MATCH (e:Episode) RETURN count(e) AS n"
    first = cypher(folder, count)
    cached = cache_file(folder / "graph.json")
    assert cached.is_file() and cached.parent == folder
    stamp = cached.stat().st_mtime_ns
    assert cypher(folder, count) == first and cached.stat().st_mtime_ns == stamp  # reused, not rebuilt
    smaller = examples_graph.copy()
    smaller.remove_node(next(n for n, d in smaller.nodes(data=True) if d["label"] == "Episode"))
    write_graph_json(smaller, folder / "graph.json")
    assert cypher(folder, count) == [{"n": first[0]["n"] - 1}]
    assert [p.name for p in folder.glob(".graph.json.*.lbug")] == [cache_file(folder / "graph.json").name]
    # a cache file that is not a database is never trusted: it is rebuilt... by a new key only;
    # a half-written one cannot exist under the final name (written to a temporary name, renamed).
    assert not list(folder.glob("*.tmp-*"))


def test_read_only_unless_write_then_saved_to_graph_json(examples_graph: nx.MultiDiGraph,
                                                         tmp_path: Path) -> None:
    folder = graph_dir(examples_graph, tmp_path / "g")
    before = (folder / "graph.json").read_bytes()
    expected = read_graph_json(folder / "graph.json")
    rename = "MATCH (p:Person {name: $old}) SET p.name = $new RETURN p.name AS name"
    old = next(d["name"] for _, d in examples_graph.nodes(data=True) if d.get("type") == "Person")
    refused = run_cli(rename, "-p", f"old={old}", "-p", "new=Renamed", "--graph", str(folder))
    assert refused.exit_code == 1 and "--write" in refused.output
    assert (folder / "graph.json").read_bytes() == before
    done = run_cli(rename, "-p", f"old={old}", "-p", "new=Renamed", "--graph", str(folder),
                   "--json", "--write")
    assert done.exit_code == 0, done.output
    assert json.loads(done.output) == [{"name": "Renamed"}]
    saved = read_graph_json(folder / "graph.json")
    names = [d["name"] for _, d in saved.nodes(data=True) if d.get("name") in (old, "Renamed")]
    assert names == ["Renamed"]
    # everything else is as it was: same nodes, edges (keys and attributes) and file layout
    for _, d in expected.nodes(data=True):
        if d.get("name") == old and d.get("type") == "Person":
            d["name"] = "Renamed"
    assert list(saved.nodes(data=True)) == list(expected.nodes(data=True))
    assert list(saved.edges(keys=True, data=True)) == list(expected.edges(keys=True, data=True))
    assert cypher(folder, "MATCH (p:Person {name: 'Renamed'}) RETURN count(p) AS n") == [{"n": 1}]
    assert len(list(folder.glob(".graph.json.*"))) == 1 and not list(folder.glob("*write-*"))
    assert not list(folder.glob("*.tmp"))


def test_write_that_changes_nothing_keeps_graph_json_byte_for_byte(examples_graph: nx.MultiDiGraph,
                                                                   tmp_path: Path) -> None:
    folder = graph_dir(examples_graph, tmp_path / "g")
    before = (folder / "graph.json").read_bytes()
    done = run_cli("MATCH (t:Topic) SET t.name = t.name RETURN count(t) AS n",
                   "--graph", str(folder), "--write")
    assert done.exit_code == 0, done.output
    assert (folder / "graph.json").read_bytes() == before


def test_write_keeps_attributes_the_tables_do_not_hold(examples_graph: nx.MultiDiGraph,
                                                       tmp_path: Path) -> None:
    graph = examples_graph.copy()
    topic = next(n for n, d in graph.nodes(data=True) if d["label"] == "Topic")
    graph.nodes[topic]["curated"] = {"by": "editor"}
    source, target, key = next(iter(graph.edges(keys=True)))
    graph.edges[source, target, key]["confidence"] = 0.5
    folder = graph_dir(graph, tmp_path / "g")
    done = run_cli("MATCH (t:Topic {id: $id}) SET t.name = 'renamed' RETURN t.name AS name",
                   "-p", f"id={topic}", "--graph", str(folder), "--write")
    assert done.exit_code == 0, done.output
    saved = read_graph_json(folder / "graph.json")
    assert saved.nodes[topic]["curated"] == {"by": "editor"} and saved.nodes[topic]["name"] == "renamed"
    assert saved.edges[source, target, key]["confidence"] == 0.5


def test_table_output_escapes_markup(examples_graph: nx.MultiDiGraph, tmp_path: Path) -> None:
    folder = graph_dir(examples_graph, tmp_path / "g")
    result = run_cli("RETURN $t AS text, 1 AS one", "-p", "t=[bold]x[/bold]", "--graph", str(folder))
    assert result.exit_code == 0 and "[bold]x[/bold]" in result.output and "1 rows" in result.output


# -- the documented queries ---------------------------------------------------------------------------

def test_documented_queries_on_the_embedded_real_page(real_page_graph: nx.MultiDiGraph,
                                                     tmp_path: Path) -> None:
    folder = graph_dir(real_page_graph, tmp_path / "real")
    facts = Facts(real_page_graph)
    neo4j_only = needs_neo4j()
    assert neo4j_only == {"Full-text search over names and aliases"}  # keep this list short
    for title, argv in documented_commands().items():
        result = run_cli(*argv, "--json", "--graph", str(folder))
        if title in neo4j_only:
            assert result.exit_code == 1 and "--neo4j" in result.output, title
            continue
        assert result.exit_code == 0, f"{title}: {result.output}"
        CHECKS[title](facts, params_of(argv), json.loads(result.output))


SHAPES = [
    # nodes, relationships and paths come back in the same plain form on both backends
    "MATCH (e:Episode)-[r:MENTIONS]->(x:Person) RETURN e, r, x ORDER BY e.id, r.key LIMIT 3",
    "MATCH p = (e:Episode)-[:HAS_TOPIC]->(t:Topic) RETURN p ORDER BY e.id, t.id LIMIT 2",
    "MATCH (x:Entity) RETURN labels(x) AS labels, x.id AS id ORDER BY id LIMIT 3",
    "MATCH (x:Entity) WHERE size(x.aliases) > 0 RETURN x.name AS name, x.aliases AS aliases, "
    "[a IN x.aliases WHERE a <> x.name | toUpper(a)] AS upper ORDER BY name LIMIT 5",
    "MATCH (e:Episode) RETURN e.duration_seconds AS seconds, e.age_days AS age, e.languages AS langs, "
    "e.chapters AS chapters ORDER BY e.id LIMIT 2",
    "MATCH (:Episode)-[m:MENTIONS]->(:Entity) "
    "RETURN m.rule AS rule, count(*) AS n, sum(m.ordinal) AS ordinals "
    "ORDER BY rule",
    # the sparse properties feeds add: absent on both when a record has none
    "MATCH (e:Episode)-[m:MENTIONS]->(x:Entity) RETURN e.show_author AS author, e.enclosure_length AS bytes, "
    "e.season AS season, e.links AS links, e.transcript AS transcript, m.role AS role, m.group AS grp, "
    "m.origin AS origin, x.name AS name ORDER BY e.id, m.ordinal LIMIT 20",
]


def _rows(result: Any, title: str) -> list[dict[str, Any]]:
    assert result.exit_code == 0, f"{title}: {result.output}"
    rows: list[dict[str, Any]] = json.loads(result.output)
    return rows


@pytest.mark.neo4j
@pytest.mark.parametrize("dataset", ["real page", "examples", "feeds"])
def test_documented_queries_give_the_same_rows_on_both_backends(
        dataset: str, request: pytest.FixtureRequest, neo4j_store: Neo4jStore, neo4j_settings: Neo4jSettings,
        tmp_path: Path) -> None:
    fixture = {"real page": "real_page_graph", "examples": "examples_graph", "feeds": "feeds_graph"}[dataset]
    graph = request.getfixturevalue(fixture)
    neo4j_store.write(graph)
    folder = graph_dir(graph, tmp_path / "g")
    server = ["--neo4j", neo4j_settings.uri, "--neo4j-user", neo4j_settings.user,
              "--neo4j-password", neo4j_settings.password]
    queries = {t: a for t, a in documented_commands().items() if t not in needs_neo4j()}
    queries.update({f"shape {i}": [q] for i, q in enumerate(SHAPES)})
    compared = 0
    for title, argv in queries.items():
        on_server = _rows(run_cli(*argv, "--json", *server), title)
        embedded = _rows(run_cli(*argv, "--json", "--graph", str(folder)), title)
        if title == "Shortest path between two people":
            # Several paths can be shortest; each engine returns one of them: same length, same ends.
            assert [(r["hops"], r["path"][0], r["path"][-1]) for r in embedded] == \
                [(r["hops"], r["path"][0], r["path"][-1]) for r in on_server], title
            continue
        assert embedded == on_server, title
        compared += bool(on_server)
    assert compared >= (10 if dataset == "real page" else 5)
    if dataset == "feeds":  # the feed properties were there to compare
        rows = _rows(run_cli(SHAPES[-1], "--json", "--graph", str(folder)), "feeds")
        assert any(r["role"] for r in rows) and any(r["bytes"] for r in rows)


def test_cache_file_name_depends_on_the_file_identity(examples_graph: nx.MultiDiGraph,
                                                      tmp_path: Path) -> None:
    a = graph_dir(examples_graph, tmp_path / "a") / "graph.json"
    b = graph_dir(examples_graph, tmp_path / "b") / "graph.json"
    assert cache_file(a).name != cache_file(b).name  # another inode
    before = cache_file(a).name
    os.utime(a, ns=(1, 1))
    assert cache_file(a).name != before  # another mtime


def test_embedded_cypher_from_graph_is_writable_in_memory_only(examples_graph: nx.MultiDiGraph) -> None:
    with EmbeddedCypher.from_graph(examples_graph) as db:
        db.run("MATCH (t:Topic) SET t.name = 'changed'")
        _, rows = db.run("MATCH (t:Topic) RETURN DISTINCT t.name AS name")
        assert rows == [{"name": "changed"}]
    assert {d["name"] for _, d in examples_graph.nodes(data=True) if d["label"] == "Topic"} != {"changed"}


def test_embedded_schema_is_the_neo4j_schema() -> None:
    from castgraph.embedded.dialect import ENTITY_TABLES
    from castgraph.embedded.load import NODE_COLUMNS, REL_COLUMNS
    from castgraph.graph.feed_props import EPISODE_FEED_PROPERTIES
    from castgraph.graph.neo4j_schema import _KNOWN_KEYS, ENTITY_TYPE_LABELS, RELATIONSHIP_PROPERTIES

    assert ENTITY_TABLES == ENTITY_TYPE_LABELS
    assert {rel: tuple(c for c, _ in cols) for rel, cols in REL_COLUMNS.items()} == RELATIONSHIP_PROPERTIES
    for table, cols in NODE_COLUMNS.items():
        label = "Entity" if table in ENTITY_TABLES else table
        sparse = EPISODE_FEED_PROPERTIES if label == "Episode" else ("entity",) if label == "Topic" else ()
        assert tuple(c for c, _ in cols) == (*_KNOWN_KEYS[label], *sparse)


def test_a_folder_that_cannot_be_written_is_answered_from_memory(
        examples_graph: nx.MultiDiGraph, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from castgraph.embedded import database

    def refused(graph_json: Path, db_file: Path) -> None:
        raise PermissionError(13, "Permission denied", str(db_file))

    monkeypatch.setattr(database, "build_cache", refused)
    folder = graph_dir(examples_graph, tmp_path / "g")
    episodes = sum(1 for _, d in examples_graph.nodes(data=True) if d["label"] == "Episode")
    assert cypher(folder, "MATCH (e:Episode) RETURN count(e) AS n") == [{"n": episodes}]
    assert not list(folder.glob(".graph.json.*.lbug"))
    refused_write = run_cli("MATCH (t:Topic) SET t.name = 'x'", "--graph", str(folder), "--write")
    assert refused_write.exit_code == 1 and "Permission denied" in refused_write.output


def test_a_folder_with_only_the_compact_store_is_queried_too(examples_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "built"
    built = CliRunner().invoke(main, ["build", str(examples_dir), "--out", str(out), "--no-html", "-q"])
    assert built.exit_code == 0, built.output
    assert (out / "graph.store").is_file()
    query = ("MATCH (e:Episode)-[m:MENTIONS]->(x:Entity) RETURN e.id AS episode, m.key AS key, "
             "x.name AS name, x.aliases AS aliases ORDER BY episode, key")
    from_json = cypher(out, query)
    (out / "graph.json").unlink()
    for stale in out.glob(".graph.json.*.lbug"):
        stale.unlink()
    assert cypher(out, query) == from_json and len(from_json) > 50
    done = run_cli("MATCH (t:Topic) SET t.name = t.name + '!' RETURN count(t) AS n",
                   "--graph", str(out), "--write")
    assert done.exit_code == 0, done.output
    assert all(d["name"].endswith("!") for _, d in read_graph_json(out / "graph.json").nodes(data=True)
               if d["label"] == "Topic")
