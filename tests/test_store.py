"""The compact store, the streamed graph.json and the columns all hold the same graph."""

from __future__ import annotations

import json
from pathlib import Path

import networkx as nx
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

import castgraph
from castgraph.cli import main
from castgraph.errors import CastgraphError
from castgraph.graph.build import build_graph
from castgraph.graph.compact import STORE_FILE, compact_json, read_store, write_store
from castgraph.graph.networkx_store import (
    GRAPH_FILE,
    NetworkXStore,
    current_store,
    graph_to_json,
    read_graph_dir,
    read_graph_json,
)
from castgraph.graph.tables import GraphTables
from castgraph.pipeline import BuildOptions, GraphBuilder
from castgraph.viz.overview import overview_from_tables
from castgraph.viz.views import overview_view


def _same(a: nx.MultiDiGraph, b: nx.MultiDiGraph) -> bool:
    return graph_to_json(a) == graph_to_json(b)


@pytest.fixture(scope="module")
def built(examples_dir: Path) -> tuple[GraphTables, nx.MultiDiGraph]:
    loaded = castgraph.read_episodes([examples_dir])
    resolution = castgraph.resolve_entities(loaded.episodes)
    return GraphTables.from_build(loaded.episodes, resolution), build_graph(loaded.episodes, resolution)


def test_store_and_graph_json_round_trip_to_the_same_graph(built: tuple[GraphTables, nx.MultiDiGraph],
                                                           tmp_path: Path) -> None:
    tables, graph = built
    assert graph.number_of_edges() > 100
    NetworkXStore(tmp_path).write_tables(tables)
    from_json = read_graph_json(tmp_path / GRAPH_FILE)
    from_store = read_store(tmp_path / STORE_FILE).to_networkx()
    # graph.json streamed from the columns is byte for byte what networkx writes of the graph.
    assert (tmp_path / GRAPH_FILE).read_text(encoding="utf-8") == graph_to_json(graph)
    assert _same(from_store, graph)
    assert _same(from_json, graph)
    assert _same(GraphTables.from_networkx(from_json).to_networkx(), graph)
    # Every id survives both formats.
    assert sorted(from_store.nodes) == sorted(from_json.nodes) == sorted(graph.nodes)
    assert sorted(from_store.edges(keys=True)) == sorted(graph.edges(keys=True))


def test_the_store_is_read_only_while_it_matches_graph_json(built: tuple[GraphTables, nx.MultiDiGraph],
                                                            tmp_path: Path) -> None:
    tables, graph = built
    store = NetworkXStore(tmp_path)
    store.write_tables(tables)
    assert current_store(tmp_path) == tmp_path / STORE_FILE
    # A graph.json replaced by hand wins over the store written with the old one.
    smaller = graph.copy()
    smaller.remove_nodes_from([n for n, label in graph.nodes(data="label") if label == "Topic"])
    (tmp_path / GRAPH_FILE).write_text(graph_to_json(smaller), encoding="utf-8")
    assert current_store(tmp_path) is None
    assert _same(read_graph_dir(tmp_path), smaller)


def test_large_builds_write_the_store_and_say_graph_json_is_on_request(
        examples_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import castgraph.pipeline as pipeline

    monkeypatch.setattr(pipeline, "JSON_AUTO_MENTIONS", 10)
    out = tmp_path / "out"
    report = GraphBuilder(BuildOptions(inputs=[examples_dir], out=out, html=False)).run()
    assert not (out / GRAPH_FILE).exists()
    assert "castgraph export --format json" in report.skipped_json
    # Queries and exports read the store; the exported graph.json is the one a small build writes.
    runner = CliRunner()
    result = runner.invoke(main, ["entity", "swyx", "--graph", str(out), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["name"]
    result = runner.invoke(main, ["export", "--format", "json", "--graph", str(out)])
    assert result.exit_code == 0, result.output
    small = tmp_path / "small"
    GraphBuilder(BuildOptions(inputs=[examples_dir], out=small, html=False, graph_json=True)).run()
    assert (out / GRAPH_FILE).read_bytes() == (small / GRAPH_FILE).read_bytes()
    assert current_store(out) == out / STORE_FILE


@pytest.mark.parametrize("fmt", ["graphml", "gexf"])
def test_export_formats_read_back(examples_dir: Path, tmp_path: Path, fmt: str) -> None:
    out = tmp_path / "out"
    GraphBuilder(BuildOptions(inputs=[examples_dir], out=out, html=False)).run()
    target = tmp_path / f"g.{fmt}"
    result = CliRunner().invoke(main, ["export", "--format", fmt, "--graph", str(out), "--out", str(target)])
    assert result.exit_code == 0, result.output
    back = nx.read_graphml(target) if fmt == "graphml" else nx.read_gexf(target)
    graph = read_graph_dir(out)
    assert back.number_of_nodes() == graph.number_of_nodes()
    assert back.number_of_edges() == graph.number_of_edges()


def test_export_needs_one_target(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["export", "--graph", str(tmp_path)])
    assert result.exit_code == 2
    assert "exactly one of" in result.output


def test_a_damaged_store_is_one_line(built: tuple[GraphTables, nx.MultiDiGraph], tmp_path: Path) -> None:
    path = write_store(built[0], tmp_path / STORE_FILE)
    whole = path.read_bytes()
    path.write_bytes(whole[: len(whole) // 2])
    with pytest.raises(CastgraphError, match="not a castgraph store"):
        read_store(path)


def test_overview_from_columns_is_the_overview_of_the_graph(
        built: tuple[GraphTables, nx.MultiDiGraph]) -> None:
    tables, graph = built
    for max_nodes in (3, 20, 1500):
        assert overview_from_tables(tables, max_nodes=max_nodes) == overview_view(graph, max_nodes=max_nodes)


def test_columns_do_not_depend_on_episode_order(examples_dir: Path) -> None:
    loaded = castgraph.read_episodes([examples_dir])
    resolution = castgraph.resolve_entities(loaded.episodes)
    forward = GraphTables.from_build(loaded.episodes, resolution)
    backward = GraphTables.from_build(list(reversed(loaded.episodes)), resolution)
    assert _same(forward.to_networkx(), backward.to_networkx())


def test_edge_attributes_only_some_mentions_have_round_trip(built: tuple[GraphTables, nx.MultiDiGraph],
                                                            tmp_path: Path) -> None:
    _, graph = built
    graph = graph.copy()
    edges = [(u, v, k) for u, v, k, t in graph.edges(keys=True, data="type") if t == "MENTIONS"]
    for u, v, k in edges[::7]:
        graph.edges[u, v, k]["role"] = "guest"
    tables = GraphTables.from_networkx(graph)
    assert _same(tables.to_networkx(), graph)
    NetworkXStore(tmp_path).write_tables(tables)
    assert (tmp_path / GRAPH_FILE).read_text(encoding="utf-8") == graph_to_json(graph)
    assert _same(read_store(tmp_path / STORE_FILE).to_networkx(), graph)


def test_edges_whose_first_key_differs_are_written_as_networkx_writes_them(
        built: tuple[GraphTables, nx.MultiDiGraph], tmp_path: Path) -> None:
    # Keys sorting before every key all edges have: each edge's record opens with a different one.
    _, graph = built
    graph = graph.copy()
    edges = [(u, v, k) for u, v, k, t in graph.edges(keys=True, data="type") if t == "MENTIONS"]
    for i, (u, v, k) in enumerate(edges):
        if i % 3 == 0:
            graph.edges[u, v, k]["aaa"] = i
        if i % 2 == 0:
            graph.edges[u, v, k]["ab"] = "x\u00e9"
    NetworkXStore(tmp_path).write_tables(GraphTables.from_networkx(graph))
    assert (tmp_path / GRAPH_FILE).read_text(encoding="utf-8") == graph_to_json(graph)


@pytest.mark.parametrize("mentioned", [(1,), (), (0, 2)])
def test_topic_edges_of_episodes_with_and_without_mentions_are_written_as_networkx_writes_them(
        mentioned: tuple[int, ...]) -> None:
    import io

    from castgraph.graph.model import Entity, EntityType, Episode, Mention, Resolution
    from castgraph.graph.node_link import write_node_link

    episodes = [Episode(id=f"e{i}", title=f"T{i}", tags=["#ai", f"#t{i}"],
                        mentions=[Mention(surface="swyx", type_label="Person")] if i in mentioned else [])
                for i in range(3)]
    ids = [f"e{i}#0" for i in mentioned]
    entities = [Entity(id="entity:1", name="swyx", type=EntityType.PERSON, mention_ids=ids)] if ids else []
    resolution = Resolution(entities=entities, assignments=dict.fromkeys(ids, "entity:1"))
    tables = GraphTables.from_build(episodes, resolution)
    out = io.BytesIO()
    write_node_link(tables, out)
    assert out.getvalue().decode("utf-8") == graph_to_json(tables.to_networkx())


def test_overview_from_columns_without_mentions_or_episodes() -> None:
    from castgraph.graph.model import Episode, Resolution

    for episodes in ([Episode(id="e1", title="T", tags=["#ai"])], []):
        tables = GraphTables.from_build(episodes, Resolution())
        assert overview_from_tables(tables) == overview_view(tables.to_networkx())


_VALUES = st.recursive(
    st.none() | st.booleans() | st.text(max_size=6) | st.floats()
    | st.integers(min_value=-(2**70), max_value=2**70) | st.sampled_from([1e-05, -2.5e-07, 1e16, 5e-324]),
    lambda inner: st.lists(inner, max_size=4) | st.tuples(inner)
    | st.dictionaries(st.text(max_size=3) | st.integers(0, 3), inner, max_size=4),
    max_leaves=20,
)


@settings(max_examples=400, deadline=None)
@given(st.lists(st.dictionaries(st.text(max_size=3), _VALUES, max_size=4), max_size=4) | _VALUES)
def test_the_store_writes_json_as_json_writes_it(value: object) -> None:
    try:
        expected = json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    except (TypeError, ValueError) as exc:
        with pytest.raises(type(exc)):
            compact_json(value)
        return
    assert compact_json(value) == expected


@settings(max_examples=400, deadline=None)
@given(st.lists(st.dictionaries(st.text(max_size=3), _VALUES, max_size=4), max_size=4) | _VALUES)
def test_commands_print_json_as_json_indents_it(value: object) -> None:
    from castgraph.graph.json_bytes import indented_json

    try:
        expected = json.dumps(value, ensure_ascii=False, indent=2)
    except (TypeError, ValueError) as exc:
        with pytest.raises(type(exc)):
            indented_json(value)
        return
    assert indented_json(value) == expected


@settings(max_examples=400, deadline=None)
@given(_VALUES | st.lists(st.sampled_from([-(2**63) - 1, -(2**63), 2**64 - 1, 2**64, 10**18, -(10**19)]),
                          min_size=1, max_size=3))
def test_the_store_reads_json_back_as_json_reads_it(value: object) -> None:
    from castgraph.graph.json_bytes import loads_json

    try:
        text = compact_json(value)
    except (TypeError, ValueError):
        return  # nothing json can write
    # Written back, the two readings are the same text: ints stay ints, NaN stays NaN.
    assert json.dumps(loads_json(text)) == json.dumps(json.loads(text))


@settings(max_examples=300, deadline=None)
@given(st.lists(_VALUES, max_size=6))
def test_a_text_blob_of_json_items_holds_each_item_as_json_writes_it(items: list[object]) -> None:
    from castgraph.queries.index_file import TextBlob

    try:
        json.dumps(items)
    except (TypeError, ValueError):
        return  # nothing json can write: no blob either
    blob = TextBlob.of_json(items)
    one_by_one = TextBlob.of_bytes([compact_json(item) for item in items])
    assert blob.data == one_by_one.data and blob.offsets.tolist() == one_by_one.offsets.tolist()
    assert [blob[i] for i in range(len(items))] == [compact_json(item).decode() for item in items]


@pytest.mark.parametrize(("start", "extra", "plain"), [
    (72.5, {"k": [1, "x"]}, True),
    (float("nan"), {}, False),
    (1e-05, {}, False),
    (0.0, {"k": [float("inf")]}, True),  # the graph keeps what is not finite as text
    (0.0, {"k": {"n": -2e-07}}, False),
    (0.0, {"k": 10**30}, True),  # beyond 64 bits: orjson refuses, json writes it
])
def test_a_build_checks_its_records_once_and_writes_them_as_json_does(
        tmp_path: Path, start: float, extra: dict[str, object], plain: bool) -> None:
    from castgraph.graph.model import Chapter, Entity, EntityType, Episode, Mention, Resolution
    from castgraph.queries.index import GraphIndex

    ep = Episode(id="e1", title="T", chapters=[Chapter(title="Intro", start=start)], extra=extra,
                 mentions=[Mention(surface="swyx")])
    entity = Entity(id="entity:1", name="swyx", type=EntityType.PERSON, mention_ids=["e1#0"])
    res = Resolution(entities=[entity], assignments={"e1#0": "entity:1"})
    tables = GraphTables.from_build([ep], res)
    assert tables.plain_records is plain
    write_store(tables, tmp_path / STORE_FILE)
    raw = (tmp_path / STORE_FILE).read_bytes()
    assert json.dumps(tables.episodes, ensure_ascii=False, separators=(",", ":")).encode() in raw
    # graph.json too: orjson's records where it writes json's text, json's elsewhere.
    NetworkXStore(tmp_path).write_tables(tables)
    assert (tmp_path / GRAPH_FILE).read_text(encoding="utf-8") == graph_to_json(tables.to_networkx())
    # The check is kept with the store: exported from it, graph.json is the same again.
    back = read_store(tmp_path / STORE_FILE)
    assert back.plain_records is plain
    NetworkXStore(tmp_path / "again").write_tables(back)
    assert (tmp_path / "again" / GRAPH_FILE).read_bytes() == (tmp_path / GRAPH_FILE).read_bytes()
    chapters = GraphIndex.from_tables(tables).blobs["chapters"][0]
    assert chapters == json.dumps(tables.episodes[0]["chapters"], separators=(",", ":"))


def test_sections_made_one_at_a_time_are_written_as_a_list_of_them_is(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import gc
    import weakref

    from castgraph.graph import compact
    from castgraph.graph.compact import read_sections, write_sections

    sections = [("a", "bytes", b"x" * 100_000), ("b", "<i8", bytes(range(64)) * 8), ("c", "json", b"[]"),
                ("d", "bytes", b"")]
    write_sections(tmp_path / "listed", b"MAGIC001", {"key": 1}, sections)
    let_go: list[bool] = []

    class Part(bytearray):  # a section whose release can be seen
        pass

    made: list[weakref.ref[Part]] = []

    def one_at_a_time():  # type: ignore[no-untyped-def]
        made.clear()
        for name, kind, data in sections:
            if made:  # the one before was written and let go before this one is made
                gc.collect()
                let_go.append(made[-1]() is None)
            part = Part(data)
            made.append(weakref.ref(part))
            yield name, kind, part
            del part

    write_sections(tmp_path / "made", b"MAGIC001", {"key": 1}, one_at_a_time())
    assert let_go == [True, True, True]
    # Written in place, behind room kept for their header: read back as the listed ones are.
    listed = read_sections(tmp_path / "listed", b"MAGIC001")
    made_back = read_sections(tmp_path / "made", b"MAGIC001")
    assert listed is not None and made_back is not None and made_back[0] == listed[0]
    assert {k: bytes(v) for k, v in made_back[1].items()} == {k: bytes(v) for k, v in listed[1].items()}
    assert listed[1]["a"] == b"x" * 100_000
    body = 100_000 + 512 + 2
    assert (tmp_path / "made").read_bytes()[-body:] == (tmp_path / "listed").read_bytes()[-body:]
    # Not moved: the room is there.
    assert (tmp_path / "made").stat().st_size == len(b"MAGIC001") + 8 + compact._HEADER_ROOM + body
    # A header too long for that room: the sections are moved behind a header of its own size.
    monkeypatch.setattr(compact, "_HEADER_ROOM", 16)
    let_go.clear()
    write_sections(tmp_path / "moved", b"MAGIC001", {"key": 1}, one_at_a_time())
    assert (tmp_path / "moved").read_bytes() == (tmp_path / "listed").read_bytes()
    assert let_go == [True, True, True]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["listed", "made", "moved"]  # no temp file left


def test_the_build_writes_the_query_index_a_query_would_make(examples_dir: Path, tmp_path: Path) -> None:
    from castgraph.graph.compact import read_sections
    from castgraph.graph.networkx_store import read_graph_tables
    from castgraph.queries.index import INDEX_FILE, GraphIndex
    from castgraph.queries.index_file import write_index

    GraphBuilder(BuildOptions(inputs=[examples_dir], out=tmp_path, html=False)).run()
    built = (tmp_path / INDEX_FILE).read_bytes()
    # The same index made whole and written in one go, with the key the build wrote.
    found = read_sections(tmp_path / INDEX_FILE, b"CGQIDX06")
    assert found is not None
    write_index(GraphIndex.from_tables(read_graph_tables(tmp_path)), tmp_path / "whole", found[0]["key"])
    assert (tmp_path / "whole").read_bytes() == built
