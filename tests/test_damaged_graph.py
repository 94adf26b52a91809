"""A graph.json castgraph cannot use is refused in one line by every command, never replaced."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import networkx as nx
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from castgraph.cli import main
from castgraph.graph.networkx_store import parse_graph_json

Data = dict[str, Any]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory, examples_dir: Path) -> Data:
    out = tmp_path_factory.mktemp("built")
    result = CliRunner().invoke(main, ["build", str(examples_dir), "--out", str(out), "--no-html"])
    assert result.exit_code == 0, result.output
    data: Data = json.loads((out / "graph.json").read_text())
    return data


def _first(data: Data, label: str) -> Data:
    return next(n for n in data["nodes"] if n.get("label") == label)


def _edge(data: Data, kind: str) -> Data:
    return next(e for e in data["edges"] if e.get("type") == kind)


def _set(getter: Callable[[Data], Data], key: str, value: Any) -> Callable[[Data], None]:
    def change(data: Data) -> None:
        getter(data)[key] = value
    return change


def _drop(getter: Callable[[Data], Data], key: str) -> Callable[[Data], None]:
    def change(data: Data) -> None:
        getter(data).pop(key, None)
    return change


def _episode(d: Data) -> Data:
    return _first(d, "Episode")


def _entity(d: Data) -> Data:
    return _first(d, "Entity")


def _mention(d: Data) -> Data:
    return _edge(d, "MENTIONS")


DAMAGE: dict[str, Callable[[Data], None] | str | bytes] = {
    "karate club": json.dumps(nx.node_link_data(nx.karate_club_graph(), edges="edges")),
    "not json": "{not json",
    "empty": "",
    "a list": "[]",
    "a number": "12",
    "null": "null",
    "not utf-8": b"\xff\xfe{\x00",
    "cut in half": "HALF",
    "deep": "[" * 100_000 + "]" * 100_000,
    "huge int": '{"graph": {"schema_version": ' + "9" * 5000 + "}}",
    "no schema version": _drop(lambda d: d["graph"], "schema_version"),
    "future schema": _set(lambda d: d, "graph", {"schema_version": 99}),
    "schema as text": _set(lambda d: d, "graph", {"schema_version": "1"}),
    "schema true": _set(lambda d: d, "graph", {"schema_version": True}),
    "graph attrs a list": _set(lambda d: d, "graph", []),
    "undirected": _set(lambda d: d, "directed", False),
    "nodes missing": _drop(lambda d: d, "nodes"),
    "nodes a dict": _set(lambda d: d, "nodes", {}),
    "edges missing": _drop(lambda d: d, "edges"),
    "edges a string": _set(lambda d: d, "edges", "x"),
    "label removed": _drop(_entity, "label"),
    "unknown label": _set(_entity, "label", "Admin"),
    "id a number": _set(_episode, "id", 7),
    "id without prefix": _set(_entity, "id", "swyx"),
    "entity name missing": _drop(_entity, "name"),
    "entity name a list": _set(_entity, "name", ["a"]),
    "entity type unknown": _set(_entity, "type", "Wizard"),
    "aliases a string": _set(_entity, "aliases", "abc"),
    "aliases of numbers": _set(_entity, "aliases", [1, 2]),
    "type votes garbage": _set(_entity, "type_votes", ["Person"]),
    "mention count text": _set(_entity, "mention_count", "many"),
    "former ids a dict": _set(_entity, "former_ids", {"a": 1}),
    "published a number": _set(_episode, "published", 2026),
    "age a float": _set(_episode, "age_days", 1.5),
    "chapters a dict": _set(_episode, "chapters", {"title": "x"}),
    "chapter without title": _set(_episode, "chapters", [{"start": 1}]),
    "chapter start text": _set(_episode, "chapters", [{"title": "t", "start": "soon"}]),
    "extra a list": _set(_episode, "extra", []),
    "languages a string": _set(_episode, "languages", "EN"),
    "ordinal text": _set(_mention, "ordinal", "x"),
    "ordinal missing": _drop(_mention, "ordinal"),
    "surface missing": _drop(_mention, "surface"),
    "score nan": _set(_mention, "score", float("nan")),
    "edge to nowhere": _set(_mention, "target", "entity:nowhere"),
    "edge reversed": lambda d: _mention(d).update(source=_mention(d)["target"], target=_mention(d)["source"]),
    "edge type unknown": _set(_mention, "type", "LIKES"),
    "edge key a number": _set(_mention, "key", 3),
    "duplicate node": lambda d: d["nodes"].append(copy.deepcopy(d["nodes"][0])),
    "node a string": lambda d: d["nodes"].append("x"),
}


def _damaged(built: Data, name: str) -> bytes:
    damage = DAMAGE[name]
    if damage == "HALF":
        text = json.dumps(built)
        return text[: len(text) // 2].encode()
    if isinstance(damage, bytes):
        return damage
    if isinstance(damage, str):
        return damage.encode()
    data = copy.deepcopy(built)
    damage(data)
    return json.dumps(data).encode()


COMMANDS = [["entity", "swyx"], ["related", "--entity", "swyx"], ["comention"],
            ["resolve", "--explain", "swyx"],
            ["viz", "--out", "{tmp}/v.html"], ["export", "--neo4j-admin", "{tmp}/csv"]]


@pytest.mark.parametrize("name", sorted(DAMAGE))
def test_damaged_graph_json_is_refused_in_one_line(built: Data, name: str, tmp_path: Path,
                                                   examples_dir: Path) -> None:
    folder = tmp_path / "g"
    folder.mkdir()
    raw = _damaged(built, name)
    (folder / "graph.json").write_bytes(raw)
    runner = CliRunner()
    new = tmp_path / "new.jsonl"
    new.write_text('{"id": "n1", "title": "New", "entities": [{"name": "swyx", "type": "Person"}]}\n')
    result = runner.invoke(main, ["build", str(new), "--into", str(folder), "--no-html"])
    assert result.exit_code == 1, (name, result.output)
    assert result.output.startswith(f"Error: {folder / 'graph.json'}: not a castgraph graph.json")
    assert result.output.count("\n") == 1
    assert (folder / "graph.json").read_bytes() == raw  # refused, not replaced
    for args in COMMANDS:
        args = [a.replace("{tmp}", str(tmp_path)) for a in args]
        result = runner.invoke(main, [*args, "--graph", str(folder)])
        assert result.exit_code == 1, (name, args, result.output)
        assert isinstance(result.exception, SystemExit), (name, args, result.exception)
        assert result.output.count("\n") == 1, result.output


def _mutations(value: Any) -> st.SearchStrategy[Any]:
    junk = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=5),
                     st.lists(st.integers(), max_size=2), st.dictionaries(st.text(max_size=3), st.integers(),
                                                                           max_size=2))
    return junk


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_any_mutated_graph_is_read_or_refused_cleanly(built: Data, data: st.DataObject) -> None:
    """Replace any one value anywhere in a real graph: the reader accepts it or raises ValueError,
    nothing else; an accepted graph rebuilds episodes and its index."""
    from castgraph.graph.build import resolution_from_graph
    from castgraph.loaders import episodes_from_graph
    from castgraph.queries.index import GraphIndex

    graph = copy.deepcopy(built)
    section = data.draw(st.sampled_from(["nodes", "edges", "graph"]))
    if section == "graph":
        target: Any = graph
        key = data.draw(st.sampled_from(["graph", "directed", "multigraph"]))
    else:
        target = graph[section][data.draw(st.integers(0, len(graph[section]) - 1))]
        key = data.draw(st.sampled_from(sorted(target)) | st.text(max_size=4))
    target[key] = data.draw(_mutations(target.get(key)))
    try:
        parsed = parse_graph_json(json.dumps(graph))
    except ValueError:
        return
    episodes_from_graph(parsed)
    resolution_from_graph(parsed)
    GraphIndex.from_graph(parsed)
