"""Entity ids across rebuilds: --into and a full rebuild into the same folder give the same graph."""

from __future__ import annotations

import shutil
from pathlib import Path

import networkx as nx
from click.testing import CliRunner

from castgraph.cli import main
from castgraph.graph.networkx_store import read_graph_json


def _build(*args: str) -> None:
    result = CliRunner().invoke(main, ["build", *args, "--no-html", "-q"])
    assert result.exit_code == 0, result.output


def _id_of(graph: nx.MultiDiGraph, name: str) -> str:
    (found,) = [n for n, d in graph.nodes(data=True) if d.get("label") == "Entity" and d["name"] == name]
    return found


def test_aws_keeps_its_id_in_a_full_rebuild_with_more_inputs(real_page_path: Path, examples_dir: Path,
                                                              tmp_path: Path) -> None:
    page, into, rebuilt, fresh = (tmp_path / d for d in ("page", "into", "rebuilt", "fresh"))
    _build(str(real_page_path), "--out", str(page))
    first_id = _id_of(read_graph_json(page / "graph.json"), "AWS")
    shutil.copytree(page, into)
    shutil.copytree(page, rebuilt)
    # Path 1: the examples added with --into.
    _build(str(examples_dir), "--into", str(into))
    # Path 2: both inputs at once, rebuilt into the folder that holds the earlier graph.
    _build(str(real_page_path), str(examples_dir), "--out", str(rebuilt))
    assert _id_of(read_graph_json(into / "graph.json"), "AWS") == first_id
    assert _id_of(read_graph_json(rebuilt / "graph.json"), "AWS") == first_id
    # The README's claim, exactly: the same graph.json, former ids included.
    assert (into / "graph.json").read_bytes() == (rebuilt / "graph.json").read_bytes()
    # Without the earlier graph the id follows the earliest mention, which the examples hold.
    _build(str(real_page_path), str(examples_dir), "--out", str(fresh))
    assert _id_of(read_graph_json(fresh / "graph.json"), "AWS") != first_id
    _build(str(real_page_path), str(examples_dir), "--out", str(rebuilt), "--fresh-ids")
    assert (fresh / "graph.json").read_bytes() == (rebuilt / "graph.json").read_bytes()


def test_a_damaged_previous_graph_is_a_warning_not_an_error(examples_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "graph.json").write_text("{not json", encoding="utf-8")
    result = CliRunner().invoke(main, ["build", str(examples_dir), "--out", str(out), "--no-html", "-q"])
    assert result.exit_code == 0, result.output
    assert "entity ids not carried over" in result.output
    assert read_graph_json(out / "graph.json").number_of_nodes() > 20


def test_an_unrelated_old_graph_lends_no_ids(tmp_path: Path) -> None:
    out = tmp_path / "out"
    first = tmp_path / "a.jsonl"
    first.write_text('{"id": "ep1", "title": "A", "entities": [{"name": "Vorlex", "type": "company"}]}\n')
    _build(str(first), "--out", str(out))
    old_id = _id_of(read_graph_json(out / "graph.json"), "Vorlex")
    # Other inputs whose episode id happens to be the same: nothing of the old graph is the same entity.
    second = tmp_path / "b.jsonl"
    second.write_text('{"id": "ep1", "title": "B", "entities": [{"name": "Kalimbo", "type": "company"}]}\n')
    _build(str(second), "--out", str(out))
    assert _id_of(read_graph_json(out / "graph.json"), "Kalimbo") != old_id
