"""End-to-end builds: the real page, the examples, determinism and incremental builds."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import networkx as nx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from python_runs import program_script, run_python

from castgraph.graph.build import build_graph
from castgraph.graph.networkx_store import graph_to_json, read_graph_json
from castgraph.loaders import read_episodes
from castgraph.pipeline import BuildOptions, GraphBuilder
from castgraph.resolve import resolve


def _build(inputs: list[Path], out: Path, **kw: object) -> nx.MultiDiGraph:
    GraphBuilder(BuildOptions(inputs=inputs, out=out, html=False, **kw)).run()  # type: ignore[arg-type]
    return read_graph_json(out / "graph.json")


def _entity_of(graph: nx.MultiDiGraph, surface: str) -> set[str]:
    return {v for _, v, d in graph.edges(data=True) if d["type"] == "MENTIONS" and d["surface"] == surface}


def _episodes_of(graph: nx.MultiDiGraph, entity: str) -> set[str]:
    return {u for u, _, d in graph.in_edges(entity, data=True) if d["type"] == "MENTIONS"}


@pytest.fixture(scope="module")
def real_graph(real_page_path: Path, tmp_path_factory: pytest.TempPathFactory) -> nx.MultiDiGraph:
    return _build([real_page_path], tmp_path_factory.mktemp("real"))


def test_real_page_counts(real_graph: nx.MultiDiGraph, real_page_text: str) -> None:
    labels = nx.get_node_attributes(real_graph, "label")
    assert sum(1 for v in labels.values() if v == "Episode") == 12
    mentions = [d for _, _, d in real_graph.edges(data=True) if d["type"] == "MENTIONS"]
    # The page's own entity lists; the linker's mentions are checked in test_link_real.py.
    assert sum(1 for d in mentions if d.get("origin", "listed") == "listed") == 137
    # Every hashtag of every hashtag line is a topic, linked from its episode.
    hashtags = {
        tag.casefold()
        for line in real_page_text.splitlines()
        if re.fullmatch(r"(#[^#\s]+)+", line.strip())
        for tag in line.strip().lstrip("#").split("#")
    }
    topics = {d["name"] for _, d in real_graph.nodes(data=True) if d["label"] == "Topic"}
    assert len(hashtags) > 20 and hashtags <= topics


def test_real_page_resolution(real_graph: nx.MultiDiGraph) -> None:
    swyx = _entity_of(real_graph, "swyx") | _entity_of(real_graph, "Shawn Wang / swyx")
    assert len(swyx) == 1
    (swyx_id,) = swyx
    assert real_graph.nodes[swyx_id]["type"] == "Person"
    assert len(_episodes_of(real_graph, swyx_id)) == 7
    for left, right in [("Claude", "Claude Code"), ("GitHub", "GitHub Copilot"), ("Gemma 4", "Gemma Scope")]:
        assert _entity_of(real_graph, left) and _entity_of(real_graph, right)
        assert not _entity_of(real_graph, left) & _entity_of(real_graph, right), (left, right)


def test_graph_json_is_node_link(real_graph: nx.MultiDiGraph, tmp_path: Path) -> None:
    text = graph_to_json(real_graph)
    data = json.loads(text)
    assert "edges" in data and "links" not in data
    again = nx.node_link_graph(data, edges="edges")
    assert again.number_of_edges() == real_graph.number_of_edges()


def test_same_graph_whatever_the_input_order(examples_dir: Path, tmp_path: Path) -> None:
    files = sorted(p for p in examples_dir.iterdir() if p.suffix in {".txt", ".jsonl", ".json"})
    assert len(files) >= 2
    first = _build(files, tmp_path / "a")
    _build(list(reversed(files)), tmp_path / "b")
    assert (tmp_path / "a" / "graph.json").read_bytes() == (tmp_path / "b" / "graph.json").read_bytes()
    assert first.number_of_nodes() > 20


def test_a_build_leaves_the_resolver_caches_empty_and_a_second_one_the_same(examples_dir: Path,
                                                                            tmp_path: Path) -> None:
    import importlib
    import pkgutil

    import castgraph.resolve
    from castgraph.resolve.normalize import clean_surface
    from castgraph.resolve.surface import parse_surface

    resolve(read_episodes([examples_dir]).episodes)
    assert clean_surface.cache_info().currsize > 0 and parse_surface.cache_info().currsize > 0
    GraphBuilder(BuildOptions(inputs=[examples_dir], out=tmp_path / "a", html=False)).run()
    # Their entries (one per distinct surface) would otherwise stay beside the graph's tables:
    # every cache of the resolver that grows with the surfaces (bounded ones; the unbounded hold
    # loaded tables, such as the nicknames).
    caches = [(module.__name__, name, f) for info in pkgutil.iter_modules(castgraph.resolve.__path__)
              for module in [importlib.import_module(f"castgraph.resolve.{info.name}")]
              for name, f in vars(module).items()
              if hasattr(f, "cache_info") and f.__module__ == module.__name__ and f.cache_info().maxsize]
    assert len(caches) >= 10
    assert [(m, n) for m, n, f in caches if f.cache_info().currsize] == []
    GraphBuilder(BuildOptions(inputs=[examples_dir], out=tmp_path / "b", html=False)).run()
    assert (tmp_path / "a" / "graph.json").read_bytes() == (tmp_path / "b" / "graph.json").read_bytes()


@pytest.mark.parametrize("linker", [True, False], ids=["linker", "no linker"])
def test_a_build_that_lets_its_episodes_go_writes_the_same_files(examples_dir: Path, tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch,
                                                                 linker: bool) -> None:
    import weakref

    from castgraph.errors import CastgraphError
    from castgraph.graph.tables import GraphTables
    from castgraph.link import LinkOptions

    link = LinkOptions(enabled=linker)
    kept = GraphBuilder(BuildOptions(inputs=[examples_dir], out=tmp_path / "kept", link=link))
    kept_report = kept.run()
    assert kept.episodes and kept.resolution is not None  # small builds keep them (keep_episodes=None)

    first: list[weakref.ref[object]] = []  # the first episode the build stage had
    alive_while_writing: list[bool] = []
    made = GraphTables.from_build

    def from_build(episodes: list[object], *args: object) -> GraphTables:
        first.append(weakref.ref(episodes[0]))
        return made(episodes, *args)  # type: ignore[arg-type]

    def on_stage(stage: str) -> None:
        if stage == "writing the graph":
            alive_while_writing.append(first[0]() is not None)

    gone = GraphBuilder(BuildOptions(inputs=[examples_dir], out=tmp_path / "gone", link=link,
                                     keep_episodes=False), on_stage=on_stage)
    monkeypatch.setattr(GraphTables, "from_build", from_build)
    gone_report = gone.run()
    assert alive_while_writing == [False]  # no reference left: freed before the outputs are written
    for name in ("graph.json", "resolution.csv", "review.csv", "graph.html"):
        assert (tmp_path / "kept" / name).read_bytes() == (tmp_path / "gone" / name).read_bytes(), name
    same = {"seconds", "written"}  # times, and the files' folders
    assert gone_report.model_dump(exclude=same) == kept_report.model_dump(exclude=same)
    with pytest.raises(CastgraphError, match="keep_episodes=True"):
        gone.episodes  # noqa: B018
    # The build made no mention ids; asked for, the resolution has them, made from the columns.
    held, full = gone.resolution, kept.resolution
    assert held is not None and full is not None and held.assignments
    if linker:  # without the linker's mentions (their episodes are gone), the same otherwise
        assert held.assignments.items() <= full.assignments.items()
    else:
        assert held.model_dump() == full.model_dump() == resolve(kept.episodes).model_dump()


def test_incremental_build_equals_full_rebuild(examples_dir: Path, tmp_path: Path) -> None:
    files = sorted(p for p in examples_dir.iterdir() if p.suffix in {".txt", ".jsonl", ".json"})
    full = tmp_path / "full"
    _build(files, full)
    step = tmp_path / "step"
    _build(files[:1], step)
    _build(files[1:], step, into=step)
    assert (full / "graph.json").read_text() == (step / "graph.json").read_text()


def test_incremental_keeps_entity_ids(examples_dir: Path, tmp_path: Path) -> None:
    files = sorted(p for p in examples_dir.iterdir() if p.suffix in {".txt", ".jsonl", ".json"})
    step = tmp_path / "step"
    before = _build(files[:1], step)
    after = _build(files[1:], step, into=step)
    old_entities = {n for n, d in before.nodes(data=True) if d["label"] == "Entity"}
    # An entity may absorb new aliases, but its id stays.
    assert old_entities <= set(after.nodes)


def test_unknown_record_keys_survive_an_incremental_build(examples_dir: Path, tmp_path: Path) -> None:
    jsonl = examples_dir / "episodes.jsonl"
    records = [json.loads(line) for line in jsonl.read_text().splitlines() if line.strip()]
    with_guests = next(r for r in records if "guests" in r)
    out = tmp_path / "out"
    _build([jsonl], out)
    graph = _build([examples_dir / "tech-talks-page.txt"], out, into=out)
    node = graph.nodes[f"episode:{with_guests['id']}"]
    assert node["extra"]["guests"] == with_guests["guests"]


def test_build_writes_a_current_query_index(examples_dir: Path, tmp_path: Path) -> None:
    from castgraph.queries.index import INDEX_FILE, cache_key, read_index
    from castgraph.queries.loading import read_graph_index

    out = tmp_path / "out"
    _build([examples_dir], out)
    # The first query finds the cache current: no need to read the graph again. The index is
    # keyed on the compact store, the file queries read.
    cached = read_index(out / INDEX_FILE, cache_key(out / "graph.store"))
    assert cached is not None
    fresh = read_graph_index(out, cache=False)
    assert cached.tables == fresh.tables
    assert len(fresh.ep_ids) > 0
    for ep in range(len(fresh.ep_ids)):
        assert cached.episode_entities(ep) == fresh.episode_entities(ep)


def test_rerunning_into_the_same_folder_changes_nothing(examples_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    _build([examples_dir], out)
    first = (out / "graph.json").read_bytes()
    _build([examples_dir], out, into=out)
    assert (out / "graph.json").read_bytes() == first


def test_graphml_export(examples_dir: Path, tmp_path: Path) -> None:
    _build([examples_dir], tmp_path, graphml=True)
    graph = nx.read_graphml(tmp_path / "graph.graphml")
    assert graph.number_of_nodes() == read_graph_json(tmp_path / "graph.json").number_of_nodes()


@pytest.fixture(scope="module")
def example_episodes(examples_dir: Path) -> list:
    return read_episodes([examples_dir]).episodes


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_resolution_is_independent_of_episode_order(example_episodes: list, data: st.DataObject) -> None:
    shuffled = data.draw(st.permutations(example_episodes))
    reference = graph_to_json(build_graph(example_episodes, resolve(example_episodes)))
    assert graph_to_json(build_graph(shuffled, resolve(shuffled))) == reference


def test_copying_inputs_elsewhere_keeps_ids(examples_dir: Path, tmp_path: Path) -> None:
    copy = tmp_path / "copy"
    shutil.copytree(examples_dir, copy)
    a = _build([examples_dir], tmp_path / "a")
    b = _build([copy], tmp_path / "b")
    assert sorted(a.nodes) == sorted(b.nodes)


def test_python_values_in_a_page_dump_are_stored_as_plain_json(tmp_path: Path) -> None:
    # A page dump is a Python literal: its unknown keys may hold sets and non-text keys.
    dump = ("*{'start': 5.0, 'summary': 'Hello.', 'quotes': ['Hi'], 'meta': {1: 'a', 'b': (2, 3)}, "
            "'flags': {'zeta', 'alpha', 'mid'}, 'tags': ['ai']}*")
    page = tmp_path / "page.txt"
    page.write_text("Dump Episode\n10:00\nEN\nSome Show\n\nDump Episode\n\n" + dump + "\n\n"
                    "## Entities\n- **Ada Quinn** (Person): Guest.\n", encoding="utf-8")
    graph = _build([page], tmp_path / "out")
    (episode,) = [d for _, d in graph.nodes(data=True) if d["label"] == "Episode"]
    assert episode["extra"]["meta"] == {"1": "a", "b": [2, 3]}
    assert episode["extra"]["flags"] == ["alpha", "mid", "zeta"]


def test_same_graph_json_under_any_hash_seed(real_page_path: Path, examples_dir: Path,
                                             tmp_path: Path) -> None:
    # Set and dict orders change with PYTHONHASHSEED between runs; the output must not.
    outputs = []
    for seed in ("1", "2"):
        out = tmp_path / seed
        command = Path(sys.executable).with_name("castgraph")
        done = subprocess.run(
            [str(command), "build", str(real_page_path), str(examples_dir),
             "--out", str(out), "--as-of", "2026-11-25", "--no-html", "-q"],
            env={**os.environ, "PYTHONHASHSEED": seed}, capture_output=True, text=True, check=False)
        assert done.returncode == 0, done.stderr
        outputs.append((out / "graph.json").read_bytes())
    assert outputs[0] == outputs[1]


def test_report_counts_match_a_walk_over_the_episodes(tmp_path: Path) -> None:
    # The report counts from the graph's columns; a walk over every mention must agree.
    src = tmp_path / "eps.jsonl"
    records = [
        {"id": "a", "title": "Agents with Jane Doe", "summary": "We use GitHub and LangChain daily.",
         "tags": ["#GitHub"], "entities": [{"name": "GitHub", "type": "Organization"},
                                           {"name": "😀", "type": "Person"},
                                           {"name": "Jane Doe", "type": "Person", "role": "guest"}]},
        {"id": "b", "title": "Evals", "summary": "Jane Doe on GitHub.",
         "entities": [{"name": "LangChain", "type": "Product"}]},
        {"id": "c", "title": "Nothing listed"},
    ]
    src.write_text("".join(json.dumps(r) + "\n" for r in records))
    builder = GraphBuilder(BuildOptions(inputs=[src], out=tmp_path / "out", html=False))
    report = builder.run()
    assert builder.resolution is not None
    assigned = builder.resolution.assignments
    walked = [m for ep in builder.episodes for m in ep.mentions]
    origins: dict[str, int] = {}
    for m in walked:
        if m.id in assigned:
            origins[m.origin.value] = origins.get(m.origin.value, 0) + 1
    assert report.mentions_by_origin == dict(sorted(origins.items()))
    assert set(origins) > {"listed"}  # the linker found some: more than one origin counted
    assert report.mentions == len(walked)
    assert [w for w in report.warnings if "'😀'" in w and "no letters or digits" in w]
    assert [ep.id for ep in builder.episodes] == ["a", "b", "c"]


def test_the_program_ends_with_every_output_written_and_the_exit_code(examples_dir: Path,
                                                                       tmp_path: Path) -> None:
    # `castgraph` as a program ends without freeing the build's objects: nothing may be lost.
    command = Path(sys.executable).with_name("castgraph")
    done = subprocess.run([str(command), "build", str(examples_dir), "--out", str(tmp_path / "out")],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert "castgraph build" in done.stdout and done.stdout.rstrip().endswith("┘")
    written = sorted(p.name for p in (tmp_path / "out").iterdir() if not p.name.startswith("."))
    assert written == ["graph.html", "graph.json", "graph.store", "resolution.csv", "review.csv"]
    assert json.loads((tmp_path / "out" / "graph.json").read_text())["nodes"]
    assert (tmp_path / "out" / "graph.html").read_text().rstrip().endswith("</html>")
    failed = subprocess.run([str(command), "build", str(tmp_path / "missing.jsonl"), "--out", str(tmp_path)],
                            capture_output=True, text=True, check=False)
    assert failed.returncode == 1 and "missing.jsonl" in failed.stderr


@pytest.mark.parametrize(("env", "torn_down"), [({}, False), ({"CASTGRAPH_FULL_EXIT": "1"}, True)])
def test_the_program_skips_teardown_unless_asked(examples_dir: Path, tmp_path: Path, env: dict[str, str],
                                                 torn_down: bool) -> None:
    # The exit handlers run only when the process ends normally, so they tell which way it ended.
    script = program_script(["build", str(examples_dir), "--out", str(tmp_path / "out"), "--quiet"])
    done = run_python(script, **{"CASTGRAPH_FULL_EXIT": "", **env})
    assert done.returncode == 0, done.stderr
    assert ("torn down" in done.stdout) is torn_down
    assert json.loads((tmp_path / "out" / "graph.json").read_text())["nodes"]


def test_a_build_lets_go_of_the_fields_the_resolver_coded(examples_dir: Path, tmp_path: Path) -> None:
    from castgraph.graph.assigned import mention_entities
    from castgraph.graph.tables import GraphTables
    from castgraph.link import LinkOptions

    builder = GraphBuilder(BuildOptions(inputs=[examples_dir], out=tmp_path, html=False,
                                        link=LinkOptions(enabled=False)))
    builder.run()
    resolution = builder.resolution
    assert resolution is not None
    columns = mention_entities(resolution)
    assert columns is not None and columns.fields == {}  # the tables took them; the build let them go
    again = GraphTables.from_build(builder.episodes, resolution)  # coded anew, the same graph
    assert builder.tables is not None
    for name, column in builder.tables.m_cols.items():
        assert again.m_cols[name].values == column.values and again.m_cols[name].codes.tolist() == \
            column.codes.tolist(), name
    assert again.episodes == builder.tables.episodes and again.entities == builder.tables.entities
