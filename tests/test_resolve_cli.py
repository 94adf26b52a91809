"""`castgraph resolve --explain / --review` with click's CliRunner on a real built graph folder."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from castgraph.cli import main
from castgraph.graph.build import build_graph
from castgraph.graph.model import Episode, Mention
from castgraph.graph.networkx_store import NetworkXStore
from castgraph.resolve import resolve, write_review_csv


def _episodes() -> list[Episode]:
    return [
        Episode(id="e1", title="Agents", mentions=[Mention(surface="Shawn Wang / swyx", type_label="Person"),
                                                    Mention(surface="Brandon", type_label="Person",
                                                            description="chef in Paris")]),
        Episode(id="e2", title="Evals", mentions=[Mention(surface="swyx", type_label="人物"),
                                                   Mention(surface="Brendon", type_label="Person",
                                                           description="rally driver")]),
    ]


@pytest.fixture
def graph_dir(tmp_path: Path) -> Path:
    eps = _episodes()
    res = resolve(eps)
    NetworkXStore(tmp_path).write(build_graph(eps, res))
    write_review_csv(res, tmp_path / "review.csv")
    return tmp_path


def test_explain_prints_the_entity(graph_dir: Path) -> None:
    result = CliRunner().invoke(main, ["resolve", "--explain", "Shawn Wang", "--graph", str(graph_dir)])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("swyx (entity:")
    assert "votes: Person=2" in result.output
    assert "alias-slash" in result.output


def test_explain_unknown_name_is_a_one_line_error(graph_dir: Path) -> None:
    result = CliRunner().invoke(main, ["resolve", "--explain", "Nobody", "--graph", str(graph_dir)])
    assert result.exit_code == 1
    assert result.output.strip() == f"Error: {graph_dir / 'graph.json'}: no entity matches 'Nobody'"


def test_explain_without_a_graph_is_a_one_line_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["resolve", "--explain", "swyx", "--graph", str(tmp_path)])
    assert result.exit_code == 1
    assert "graph.json: no graph here; run `castgraph build --out" in result.output
    assert "Traceback" not in result.output


def test_review_lists_borderline_pairs_from_review_csv(graph_dir: Path) -> None:
    result = CliRunner().invoke(main, ["resolve", "--review", "--graph", str(graph_dir)])
    assert result.exit_code == 0, result.output
    assert "1 borderline pair(s)" in result.output
    assert "Brandon" in result.output and "Brendon" in result.output


def test_review_without_a_list_says_so(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["resolve", "--review", "--graph", str(tmp_path)])
    assert result.exit_code == 1
    assert "no review list" in result.output


def test_needs_exactly_one_action(graph_dir: Path) -> None:
    result = CliRunner().invoke(main, ["resolve", "--graph", str(graph_dir)])
    assert result.exit_code == 2
    assert "exactly one of --explain NAME or --review" in result.output


def test_help_has_an_example() -> None:
    result = CliRunner().invoke(main, ["resolve", "--help"])
    assert result.exit_code == 0
    assert "castgraph resolve --explain swyx" in result.output
