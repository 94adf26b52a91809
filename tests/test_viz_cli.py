"""`castgraph viz` through click's CliRunner."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from test_viz_graphs import sample_graph

from castgraph.cli import main
from castgraph.cli.viz import viz_cmd
from castgraph.graph.networkx_store import NetworkXStore


@pytest.fixture(autouse=True)
def _no_server_from_environment(monkeypatch):
    # A server named only in the environment is never used without --neo4j: the folder is read.
    monkeypatch.setenv("NEO4J_URI", "bolt://127.0.0.1:1")


@pytest.fixture
def graph_dir(tmp_path):
    NetworkXStore(tmp_path / "out").write(sample_graph())
    return tmp_path / "out"


def _data(path) -> dict:
    text = path.read_text(encoding="utf-8")
    block = re.search(r'<script type="application/json" id="castgraph-data">(.*?)</script>', text, re.S)
    assert block is not None
    return json.loads(block.group(1))


def _run(*args: str):
    return CliRunner().invoke(viz_cmd, list(args), catch_exceptions=False)


def test_help_has_an_example() -> None:
    result = _run("--help")
    assert result.exit_code == 0
    assert "castgraph viz --ego" in result.output and "--comention" in result.output


@pytest.mark.parametrize(
    ("args", "kind", "ids"),
    [
        ([], "overview", 11),
        (["--ego", "Shawn Wang", "--depth", "0"], "ego", 1),
        (["--comention", "--min-weight", "2"], "comention", 2),
        (["--episode", "e3"], "episode", 5),
    ],
)
def test_each_view_writes_a_page(graph_dir, tmp_path, args, kind, ids) -> None:
    out = tmp_path / "page.html"
    result = _run("--graph", str(graph_dir), *args, "--out", str(out))
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"wrote {out} ({ids} nodes")
    data = _data(out)
    assert data["kind"] == kind and len(data["nodes"]) == ids


def test_max_nodes_and_title(graph_dir, tmp_path) -> None:
    out = tmp_path / "small.html"
    result = _run("--graph", str(graph_dir), "--max-nodes", "4", "--title", "<Mine>", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert "Showing 4 of 11 nodes" in result.output
    assert "<title>&lt;Mine&gt;</title>" in out.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--ego", "Nobody"], "Error: no entity or topic or episode matches 'Nobody'"),
        (["--episode", "swyx"], "Error: no episode has the id or a title containing 'swyx'"),
    ],
)
def test_unknown_names_fail_with_one_line(graph_dir, tmp_path, args, message) -> None:
    result = _run("--graph", str(graph_dir), *args, "--out", str(tmp_path / "x.html"))
    assert result.exit_code == 1
    assert result.output.strip() == message
    assert not (tmp_path / "x.html").exists()


def test_missing_or_broken_graph_fails_cleanly(tmp_path) -> None:
    result = _run("--graph", str(tmp_path / "none"), "--out", str(tmp_path / "x.html"))
    assert result.exit_code == 1
    assert result.output.strip() == (f"Error: {tmp_path / 'none' / 'graph.json'}: no graph here; "
                                     f"run `castgraph build --out {tmp_path / 'none'}` first")
    (tmp_path / "bad").mkdir()
    broken = f"Error: {tmp_path / 'bad' / 'graph.json'}: not a castgraph graph.json"
    for text in ("{not json", "[]", '{"edges": []}'):
        (tmp_path / "bad" / "graph.json").write_text(text, encoding="utf-8")
        result = _run("--graph", str(tmp_path / "bad"), "--out", str(tmp_path / "x.html"))
        assert result.exit_code == 1
        assert len(result.output.strip().splitlines()) == 1
        assert result.output.startswith(broken)


def test_views_are_exclusive(graph_dir, tmp_path) -> None:
    out = str(tmp_path / "x.html")
    result = _run("--graph", str(graph_dir), "--ego", "swyx", "--comention", "--out", out)
    assert result.exit_code == 2
    assert "choose one view, not --ego and --comention" in result.output


@pytest.mark.neo4j
def test_viz_reads_the_graph_from_neo4j(neo4j_store, neo4j_settings, tmp_path) -> None:
    graph = sample_graph()
    neo4j_store.write(graph)
    out = tmp_path / "neo4j.html"
    result = _run("--neo4j", neo4j_settings.uri, "--neo4j-user", neo4j_settings.user,
                  "--neo4j-password", neo4j_settings.password, "--ego", "GitHub", "--out", str(out))
    assert result.exit_code == 0, result.output
    local = tmp_path / "local.html"
    NetworkXStore(tmp_path / "g").write(graph)
    assert _run("--graph", str(tmp_path / "g"), "--ego", "GitHub", "--out", str(local)).exit_code == 0
    # The same graph gives the same page, whichever store it comes from.
    assert _data(out) == _data(local)


def test_neo4j_alone_means_the_server_in_the_environment(tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    NetworkXStore(tmp_path / "g").write(sample_graph())
    args = ["viz", "--graph", str(tmp_path / "g"), "--out", str(tmp_path / "page.html")]
    assert CliRunner().invoke(main, args).exit_code == 0  # the folder: NEO4J_URI alone is not used
    result = CliRunner().invoke(main, [*args, "--neo4j"])
    assert result.exit_code == 1
    assert result.output.startswith("Error: Neo4j at bolt://127.0.0.1:1 is unavailable while connecting")
    assert result.output.count("\n") == 1
