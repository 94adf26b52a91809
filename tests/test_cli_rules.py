"""Small rules every command keeps: missing output folders, override warnings, GraphML round trips."""

from __future__ import annotations

import json
from pathlib import Path

import networkx as nx
import pytest
from click.testing import CliRunner

from castgraph.cli import main
from castgraph.graph.networkx_store import read_graph_json, read_graphml, write_graphml


@pytest.fixture(scope="module")
def graph_dir(tmp_path_factory: pytest.TempPathFactory, examples_dir: Path) -> Path:
    out = tmp_path_factory.mktemp("g")
    result = CliRunner().invoke(main, ["build", str(examples_dir), "--out", str(out), "--no-html"])
    assert result.exit_code == 0, result.output
    return out


def _outputs(graph_dir: Path, missing: Path) -> list[tuple[list[str], Path]]:
    return [
        (["build", str(graph_dir / "graph.json"), "--out", str(missing / "b")], missing / "b" / "graph.json"),
        (["viz", "--graph", str(graph_dir), "--out", str(missing / "v" / "x.html")],
         missing / "v" / "x.html"),
        (["comention", "--graph", str(graph_dir), "--html", str(missing / "c" / "x.html")],
         missing / "c" / "x.html"),
        (["export", "--graph", str(graph_dir), "--neo4j-admin", str(missing / "e")],
         missing / "e" / "import.sh"),
    ]


def test_every_command_creates_missing_output_folders(graph_dir: Path, tmp_path: Path) -> None:
    # One rule: a missing folder for an output is created, parents too (as `mkdir -p`).
    for args, made in _outputs(graph_dir, tmp_path / "not" / "there"):
        if args[0] == "build":  # build reads a graph.json as input: give it records instead
            src = tmp_path / "eps.jsonl"
            src.write_text(json.dumps({"id": "e1", "title": "T"}) + "\n")
            args = ["build", str(src), *args[2:]]
        result = CliRunner().invoke(main, args)
        assert result.exit_code == 0, (args, result.output)
        assert made.is_file(), args


def test_an_output_folder_that_is_a_file_is_one_line(graph_dir: Path, tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    for args, _ in _outputs(graph_dir, blocker):
        if args[0] == "build":
            src = tmp_path / "eps.jsonl"
            src.write_text(json.dumps({"id": "e1", "title": "T"}) + "\n")
            args = ["build", str(src), *args[2:]]
        result = CliRunner().invoke(main, args)
        assert result.exit_code in (1, 2), (args, result.output)
        assert isinstance(result.exception, SystemExit), (args, result.exception)
        assert str(blocker) in result.output and result.output.count("\n") <= 3, result.output


def test_override_problems_are_warned_naming_the_line(tmp_path: Path) -> None:
    src = tmp_path / "eps.jsonl"
    src.write_text(json.dumps({"id": "e1", "title": "T", "entities": [
        {"name": "Shawn Wang", "type": "Person"}, {"name": "swyx", "type": "Person"},
        {"name": "GitHub", "type": "Organization"}, {"name": "Kyle Daigle", "type": "Person"}]}) + "\n")
    overrides = tmp_path / "overrides.yaml"
    overrides.write_text(
        "merge:\n"
        "  - [Shawn Wang, swyx]\n"          # line 2: fine
        "  - [Kyle Daigle, GitHub]\n"       # line 3: a person with an organization
        "never_merge:\n"
        "  - [swyx, Shawn Wang]\n"          # line 5: contradicts line 2
        "rename:\n"
        "  Kyle Daigle: Kyle\n"             # line 7
        "  GitHub: GitHub Inc.\n"           # line 8: the same entity (merged on line 3), another name
        "  Nobody Known: X\n"               # line 9: no such entity
        "set_type:\n"
        "  Gthub: Product\n"                # line 11: no such entity
    )
    result = CliRunner().invoke(main, ["build", str(src), "--out", str(tmp_path / "o"), "--no-html",
                                       "--overrides", str(overrides)])
    assert result.exit_code == 0, result.output
    warnings = [line for line in result.output.splitlines()
                if line.startswith("warning:") and "matches no entity" not in line]
    assert warnings == [
        f"warning: {overrides}, line 3: merge joins a Person ('Kyle Daigle') with an Organization ('GitHub')",
        f"warning: {overrides}, line 5: never_merge contradicts merge ({overrides}, line 2): 'Shawn Wang' "
        "and 'swyx'",
        f"warning: {overrides}, line 8: rename 'GitHub' -> 'GitHub Inc.' contradicts {overrides}, line 7 "
        "('Kyle Daigle' -> 'Kyle'): one entity",
    ]
    # Entries that name no entity: the resolver's own warnings, with their lines too.
    assert any(f"{overrides}, line 9" in w and "'Nobody Known'" in w for w in result.output.splitlines())
    assert any(f"{overrides}, line 11" in w and "'Gthub'" in w for w in result.output.splitlines())


CONTROL_TEXT = "".join(chr(c) for c in range(32)) + "\x7f\x9b\ufffe\uffff\ue000\ue100 <&>\"' 日本"


def test_graphml_with_control_characters_is_valid_and_round_trips(graph_dir: Path, tmp_path: Path) -> None:
    graph = read_graph_json(graph_dir / "graph.json")
    episode = next(n for n, a in graph.nodes(data=True) if a.get("label") == "Episode")
    graph.nodes[episode]["summary"] = CONTROL_TEXT
    graph.nodes[episode]["languages"] = [CONTROL_TEXT]
    edge = next(iter(graph.out_edges(episode, keys=True)))
    graph.edges[edge]["surface"] = CONTROL_TEXT
    graph.add_node(f"topic:{CONTROL_TEXT}", label="Topic", id=f"topic:{CONTROL_TEXT}", name=CONTROL_TEXT)
    graph.add_edge(episode, f"topic:{CONTROL_TEXT}", key=f"t{CONTROL_TEXT}", type="HAS_TOPIC")
    path = tmp_path / "g.graphml"
    write_graphml(graph, path)
    plain = nx.read_graphml(path, force_multigraph=True)  # valid XML: networkx reads it
    assert plain.number_of_nodes() == graph.number_of_nodes()
    back = read_graphml(path)
    assert back.nodes[episode]["summary"] == CONTROL_TEXT
    assert json.loads(back.nodes[episode]["languages"]) == [CONTROL_TEXT]
    assert back.nodes[f"topic:{CONTROL_TEXT}"]["name"] == CONTROL_TEXT
    assert back.edges[edge]["surface"] == CONTROL_TEXT
    assert back.has_edge(episode, f"topic:{CONTROL_TEXT}", key=f"t{CONTROL_TEXT}")
    for node, attrs in graph.nodes(data=True):
        for key, value in attrs.items():
            if isinstance(value, str):
                assert back.nodes[node][key] == value, (node, key)
