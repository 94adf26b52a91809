"""`castgraph related | comention | entity` through click's CliRunner, on a graph folder."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from python_runs import program_script, run_python
from test_queries_support import make_graph

from castgraph.cli import main
from castgraph.graph.model import EntityType
from castgraph.graph.networkx_store import NetworkXStore
from castgraph.queries import open_graph_dir


@pytest.fixture()
def graph_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    # A server named only in the environment is never used without --neo4j: the folder is read.
    monkeypatch.setenv("NEO4J_URI", "bolt://127.0.0.1:1")
    graph = make_graph(
        [("e1", "Coding agents", ["Host", "Claude Code", "Cursor"], ["#ai"]),
         ("e2", "Claude Code deep dive", ["Host", "Claude Code"], ["#ai"]),
         ("e3", "Cursor and Devin", ["Host", "Cursor", "Devin"], []),
         ("e4", "Devin at work", ["Host", "Devin"], [])],
        types={"Host": EntityType.PERSON}, published={"e1": "2026-01-01", "e2": "2026-02-01"})
    NetworkXStore(tmp_path / "out").write(graph)
    return tmp_path / "out"


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.output


def test_related_json(graph_dir: Path) -> None:
    code, out = run("related", "Coding agents", "--graph", str(graph_dir), "--json")
    assert code == 0, out
    data = json.loads(out)
    assert [d["id"] for d in data] == ["episode:e2", "episode:e3"]
    assert {"id", "title", "score", "shared_entities", "shared_topics"} <= set(data[0])
    assert [s["name"] for s in data[0]["shared_entities"]] == ["Claude Code"]
    assert data[0]["score"] > data[1]["score"]


def test_related_entities_and_table(graph_dir: Path) -> None:
    code, out = run("related", "--entity", "Devin", "--entity", "cursor", "--graph", str(graph_dir),
                    "--limit", "1", "--json")
    assert code == 0, out
    assert [d["id"] for d in json.loads(out)] == ["episode:e3"]
    code, out = run("related", "e1", "--graph", str(graph_dir))
    assert code == 0, out
    assert "Claude Code deep dive" in out and "#ai" in out
    code, out = run("related", "--graph", str(graph_dir))
    assert code != 0 and "give an EPISODE" in out


def test_comention_json_table_and_html(graph_dir: Path, tmp_path: Path) -> None:
    code, out = run("comention", "--graph", str(graph_dir), "--min-weight", "2", "--json")
    assert code == 0, out
    data = json.loads(out)
    assert {(d["source"]["name"], d["target"]["name"], d["weight"]) for d in data} == {
        ("Claude Code", "Host", 2), ("Cursor", "Host", 2), ("Devin", "Host", 2)}
    assert data[0]["episodes"] and set(data[0]["source"]) == {"id", "name", "type"}
    code, out = run("comention", "--graph", str(graph_dir), "--type", "product", "--normalize", "jaccard")
    assert code == 0, out
    assert "Devin" in out and "Host" not in out
    page = tmp_path / "co.html"
    code, out = run("comention", "--graph", str(graph_dir), "--html", str(page), "--key-players", "2",
                    "--json")
    assert code == 0, out
    assert page.exists() and "Cursor" in page.read_text(encoding="utf-8")
    assert json.loads(out)["key_players"][0]["name"] == "Host"


def test_entity(graph_dir: Path) -> None:
    code, out = run("entity", "claude cod", "--graph", str(graph_dir), "--json")
    assert code == 0, out
    data = json.loads(out)
    assert (data["name"], data["episode_count"], data["matched_by"]) == ("Claude Code", 2, "fuzzy")
    code, out = run("entity", "Host", "--graph", str(graph_dir))
    assert code == 0, out
    assert "Coding agents" in out and "Person" in out


@pytest.mark.parametrize("args, message", [
    (("entity", "Cursr Pro Max"), "did you mean: Cursor"),
    (("related", "Claude Code deep dvie"), "did you mean: Claude Code deep dive"),
    (("comention", "--type", "Robot"), "unknown entity type 'Robot'"),
    (("comention", "--since", "yesterday"), "is not a date"),
])
def test_errors_are_one_line(graph_dir: Path, args: tuple[str, ...], message: str) -> None:
    code, out = run(*args, "--graph", str(graph_dir))
    assert code != 0
    assert message in out
    assert "Traceback" not in out


def test_missing_graph_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NEO4J_URI", raising=False)
    code, out = run("entity", "x", "--graph", str(tmp_path / "nowhere"))
    assert code == 1 and "no graph here" in out and "Traceback" not in out


def test_help_has_examples() -> None:
    for command in ("related", "comention", "entity"):
        code, out = run(command, "--help")
        assert code == 0 and "Examples:" in out and f"castgraph {command}" in out




def test_a_query_on_a_graph_folder_loads_no_networkx_nor_resolver(tmp_path: Path) -> None:
    # Query commands start fast: they read the index, not a networkx graph, and match names
    # without loading the resolver (nor the Neo4j driver, nor YAML, nor rich for JSON output).
    # Nor the graph model and its columns (pydantic classes and numpy code for building graphs):
    # the index holds all a query reads. rapidfuzz loads only for near spellings.
    examples = Path(__file__).resolve().parents[1] / "examples"
    built = CliRunner().invoke(main, ["build", str(examples), "--out", str(tmp_path), "--no-html"])
    assert built.exit_code == 0, built.output
    episode = open_graph_dir(tmp_path).index.ep_ids[0]
    heavy = ("networkx", "neo4j", "yaml", "rich", "castgraph.resolve.resolver", "castgraph.graph.model",
             "castgraph.graph.tables", "castgraph.graph.schema", "castgraph.graph.build")
    # The same for a query that fails: a name the graph does not have is one line, not an import.
    for args, exit_code, near in ((["entity", "OpenAI"], 0, False), (["related", episode], 0, False),
                                  (["related", "--entity", "OpenAI"], 0, False),
                                  (["related", "no such episode"], 1, True)):
        code = (
            "import sys; from click.testing import CliRunner; from castgraph.cli import main\n"
            f"done = CliRunner().invoke(main, {args!r} + ['--graph', {str(tmp_path)!r}, '--json'])\n"
            f"assert done.exit_code == {exit_code}, done.output\n"
            f"heavy = {heavy + (() if near else ('rapidfuzz',))!r}\n"
            "print(sorted(m for m in heavy if m in sys.modules))\n"
        )
        done = run_python(code, NEO4J_URI="")
        assert done.returncode == 0, done.stderr
        assert done.stdout.strip() == "[]", args


def test_the_queries_package_loads_its_names_on_first_use() -> None:
    # The package imports a submodule only when one of its names is asked for; every name it
    # exports must still be there, and a query module must not drag in the others.
    code = (
        "import sys, castgraph.queries as q\n"
        "assert 'castgraph.queries.neo4j_backend' not in sys.modules\n"
        "names = {n: getattr(q, n) for n in q.__all__}\n"
        "assert all(getattr(v, '__name__', n) == n for n, v in names.items()), names\n"
        "print(sorted(q._HOMES) == sorted(q.__all__))\n"
    )
    done = run_python(code)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "True"


def test_a_query_run_as_the_program_ends_without_teardown(tmp_path: Path) -> None:
    # The exit handlers run only when the process ends normally, so they tell which way it ended;
    # the answer (or the error) must be written out whole either way.
    examples = Path(__file__).resolve().parents[1] / "examples"
    built = CliRunner().invoke(main, ["build", str(examples), "--out", str(tmp_path), "--no-html"])
    assert built.exit_code == 0, built.output
    for args, code in ((["entity", "OpenAI", "--json"], 0), (["related", "no such episode"], 1)):
        done = run_python(program_script([*args, "--graph", str(tmp_path)]), CASTGRAPH_FULL_EXIT="",
                          NEO4J_URI="")
        assert done.returncode == code, done.stderr
        assert "torn down" not in done.stdout
        if code == 0:
            assert json.loads(done.stdout)["name"] == "OpenAI"
        else:
            assert "no such episode" in done.stderr
