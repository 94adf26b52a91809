"""The linker's mentions as columns (castgraph.graph.added): the same graph as adding them to the episodes."""

from __future__ import annotations

import copy
import random
from pathlib import Path

import numpy as np
import pytest
from conftest import EXAMPLES, real_page_if_present, require_real_page

from castgraph.forked import fork_unavailable
from castgraph.graph.added import AddedMentions, listed_columns, merge_added
from castgraph.graph.coded import Coded
from castgraph.graph.model import Chapter, Episode, Mention, Resolution
from castgraph.graph.places import PlaceColumns, place_codes
from castgraph.graph.schema import mention_table
from castgraph.graph.tables import GraphTables
from castgraph.link import EntityLinker, LinkOptions, LinkResult
from castgraph.loaders import read_episodes
from castgraph.resolve import resolve
from castgraph.resolve.output import write_resolution_csv

TYPES = {"Claude": "Product", "Claude Code": "Product", "GitHub": "Organization", "GitHub Copilot": "Product",
         "Jane Doe": "Person", "松尾研究室": "Organization", "LangChain": "Product", "Sam Lessin": "Person",
         "😀": "Person"}
SURFACES = list(TYPES)
PIECES = [*SURFACES, "github", "Jane", "の", ". ", " ", " ", "\n", "Anthropic", "Cursor", "cursor"]
TAGS = ["#github", "#langchain", "#ai", "#claude-code", "#jane-doe"]


def _corpus(seed: int, size: int = 60) -> list[Episode]:
    """Episodes with what makes the columns' bookkeeping hard: mentions left out (no letters),
    title-pattern guests, hashtags naming entities, episodes without mentions, chapters with times."""
    rng = random.Random(seed)

    def text() -> str:
        return " ".join(rng.choice(PIECES) for _ in range(rng.randint(0, 12)))

    episodes = []
    for i in range(size):
        chapters = [Chapter(title=text(), start=90 * c, summary=text()) for c in range(rng.randint(0, 3))]
        listed = rng.sample(SURFACES, rng.randint(0, 3))
        mentions = [Mention(surface=name, type_label=TYPES[name]) for name in listed]
        title = rng.choice([text(), f"{i}: Evals - Jane Doe", f"Agents with {rng.choice(SURFACES)}"])
        tags = rng.sample(TAGS, rng.randint(0, 3))
        episodes.append(Episode(id=f"e{rng.randint(0, 10**6):07d}-{i}", title=title, summary=text(),
                                chapters=chapters, mentions=mentions, tags=tags))
    return episodes


def _both_ways(episodes: list[Episode], ahead: bool = False) -> tuple[GraphTables, GraphTables, LinkResult]:
    """The tables made from the columns, and made after :meth:`LinkResult.apply` (``ahead``:
    the texts searched by a forked child, which also codes the listed mentions' columns)."""
    linker = EntityLinker(LinkOptions(search_ahead=ahead))
    linker.add_title_mentions(episodes)
    if ahead:
        linker.search_ahead(episodes)
    episodes = sorted(episodes, key=lambda e: e.id)
    resolution = resolve(episodes)
    result = linker.link(episodes, resolution)
    columns = GraphTables.from_build(episodes, resolution, result.added)
    applied_eps, applied_res = copy.deepcopy((episodes, resolution))
    result.apply(applied_eps, applied_res)
    return columns, GraphTables.from_build(applied_eps, applied_res), result


def _assert_same_graph(got: GraphTables, want: GraphTables) -> None:
    g, w = got.to_networkx(), want.to_networkx()
    assert list(g.nodes(data=True)) == list(w.nodes(data=True))
    assert list(g.edges(keys=True, data=True)) == list(w.edges(keys=True, data=True))
    assert g.graph == w.graph


@pytest.mark.parametrize("seed", range(5))
def test_columns_make_the_graph_adding_the_mentions_makes(seed: int) -> None:
    got, want, result = _both_ways(_corpus(seed))
    assert result.mentions and result.places  # something found and placed: the test can fail
    origins = {m.origin.value for m in result.mentions}
    assert "text_link" in origins
    _assert_same_graph(got, want)


def _columns(tables: GraphTables) -> dict[str, tuple[list[object], list[int]]]:
    return {name: (column.values, column.codes.tolist()) for name, column in tables.m_cols.items()}


@pytest.mark.parametrize("seed", range(3))
def test_columns_the_search_child_coded_give_the_same_tables(seed: int) -> None:
    if fork_unavailable():
        pytest.skip(f"no child can fork here: {fork_unavailable()}")
    episodes = _corpus(seed)
    linked = copy.deepcopy(episodes)
    got, want, result = _both_ways(linked, ahead=True)
    assert set(result.added.listed_coded) == {"surface", "type_label", "description"}
    table = mention_table([m for ep in sorted(linked, key=lambda e: e.id) for m in ep.mentions])
    assert set(listed_columns(result.added.listed_coded, table)) == set(result.added.listed_coded)  # taken
    _assert_same_graph(got, want)
    alone, _, plain = _both_ways(episodes)
    assert not plain.added.listed_coded
    assert _columns(got) == _columns(alone)


def test_columns_coded_before_a_mention_changed_are_coded_again() -> None:
    if fork_unavailable():
        pytest.skip(f"no child can fork here: {fork_unavailable()}")
    episodes = sorted(_corpus(5), key=lambda e: e.id)
    linker = EntityLinker(LinkOptions(search_ahead=True))
    linker.search_ahead(episodes)
    resolution = resolve(episodes)
    result = linker.link(episodes, resolution)
    assert result.added.listed_coded
    renamed = next(m for ep in episodes for m in ep.mentions if m.description == "")
    renamed.description = "changed after the child coded it"
    got = GraphTables.from_build(episodes, resolution, result.added)
    result.added.listed_coded = {}
    want = GraphTables.from_build(episodes, resolution, result.added)
    assert "changed after the child coded it" in got.m_cols["description"].values
    assert _columns(got) == _columns(want)


def test_entities_the_linker_read_are_not_taken_for_a_changed_resolution() -> None:
    episodes = sorted(_corpus(6), key=lambda e: e.id)
    linker = EntityLinker(LinkOptions(search_ahead=False))
    linker.add_title_mentions(episodes)
    resolution = resolve(episodes)
    result = linker.link(episodes, resolution)
    assert result.added.listed_entities is not None
    taken = GraphTables.from_build(episodes, resolution, result.added)
    # One entity's assignments withdrawn after linking: its listed mentions leave the graph.
    entity = next(iter(resolution.assignments.values()))
    for mention_id in [k for k, v in resolution.assignments.items() if v == entity]:
        del resolution.assignments[mention_id]
    got = GraphTables.from_build(episodes, resolution, result.added)
    result.added.listed_entities = None
    want = GraphTables.from_build(episodes, resolution, result.added)
    assert got.counts()["mentions"] < taken.counts()["mentions"]
    assert got.counts() == want.counts() and _columns(got) == _columns(want)


def test_hashtag_mentions_placed_by_the_text_keep_their_place() -> None:
    ep = Episode(id="a", title="Agents", summary="We use GitHub daily.", tags=["#github"],
                 mentions=[Mention(surface="GitHub", type_label="Organization")])
    other = Episode(id="b", title="Evals", summary="Why GitHub won.", tags=["#github"])
    got, want, result = _both_ways([ep, other])
    (tagged,) = [m for m in result.mentions if m.origin.value == "hashtag"]
    assert (tagged.episode_id, tagged.field, tagged.span) == ("b", "summary", (4, 10))
    _assert_same_graph(got, want)


def test_the_examples_and_the_real_page_give_the_same_graph_both_ways() -> None:
    inputs: list[Path] = [EXAMPLES]
    page = real_page_if_present()
    if page is not None:
        inputs.append(page)
    episodes = read_episodes(inputs).episodes
    # The examples list every entity their notes name: one more episode only names some.
    episodes.append(Episode(id="zz-no-entities", title="Nothing listed",
                            summary="A look back at OpenAI's launch playbook, and what OpenAI learned."))
    got, want, result = _both_ways(episodes)
    assert result.mentions
    _assert_same_graph(got, want)
    # Entity mention counts count the added mentions too.
    counts = {r["id"]: r["mention_count"] for r in got.entities}
    assert sum(counts.values()) == len(got.m_ep)


def test_the_real_page_github_episode_gets_github_from_the_columns() -> None:
    page = require_real_page()
    got, _, _ = _both_ways(read_episodes([page]).episodes)
    graph = got.to_networkx()
    github = [n for n, d in graph.nodes(data=True) if d.get("name") == "GitHub"]
    assert len(github) == 1
    linked = [d for _, v, d in graph.edges(data=True) if v == github[0] and d.get("origin") == "text_link"]
    assert linked and all(d["field"] for d in linked)


def test_resolution_csv_counts_agree_both_ways(tmp_path: Path) -> None:
    got, want, _ = _both_ways(_corpus(7))
    res = resolve([])  # the counts come from the tables
    write_resolution_csv(res, tmp_path / "a.csv", tables=got)
    write_resolution_csv(res, tmp_path / "b.csv", tables=want)
    assert (tmp_path / "a.csv").read_bytes() == (tmp_path / "b.csv").read_bytes()


def test_columns_from_other_episodes_are_refused() -> None:
    ep = Episode(id="a", title="t", mentions=[Mention(surface="GitHub")])
    added = AddedMentions(episode_ids=["b"], entity_ids=[])
    with pytest.raises(ValueError, match="other episodes"):
        GraphTables.from_build([ep], Resolution(), added)


def test_new_rows_go_after_each_episode_own_rows() -> None:
    rng = np.random.default_rng(3)
    own = np.sort(rng.integers(0, 20, 50))
    new_eps = np.sort(rng.integers(0, 20, 30))
    table = {"surface": [f"own{k}" for k in range(50)], "ordinal": list(range(50)), "field": [None] * 50}
    added = AddedMentions([f"e{k}" for k in range(20)], ["x"], new_eps, np.zeros(30, dtype=np.int64),
                          {"surface": [f"new{k}" for k in range(30)], "field": ["summary"] * 30})
    merged, new, old = merge_added(table, own, added, {"surface": "", "ordinal": 0, "field": None})
    episode = np.empty(80, dtype=np.int64)
    episode[old], episode[new] = own, new_eps
    assert (np.diff(episode) >= 0).all()  # still grouped by episode
    for e in range(20):  # each episode: its own rows, then its new ones
        rows = np.flatnonzero(episode == e)
        kinds = [merged["surface"][r][:3] for r in rows]
        assert kinds == sorted(kinds, key=lambda k: k == "new")
    assert [merged["surface"][r] for r in new] == added.values["surface"]
    assert [merged["field"][r] for r in old] == [None] * 50
    assert merged["ordinal"][0::1].count(0) == 31  # the new rows take the default ordinal


@pytest.mark.parametrize("seed", range(4))
def test_place_codes_code_as_the_lists_would(seed: int) -> None:
    rng = random.Random(seed)
    names = ("title", "summary", "tags")
    size = 60
    rows = rng.sample(range(size), 45)
    own_rows, linked_a, linked_b = sorted(rows[:15]), rows[15:30], rows[30:]

    def linked(count: int) -> PlaceColumns:
        return PlaceColumns.of(names, [rng.randrange(3) for _ in range(count)],
                               [rng.choice([None, (1, 4), (0, 2), (1, 4)]) for _ in range(count)],
                               [rng.choice([None, 0, 2]) for _ in range(count)],
                               [rng.choice([None, 0.0, 61.0, 90.5]) for _ in range(count)],
                               [rng.choice([0, 1, 3]) for _ in range(count)])

    a, b = linked(15), linked(15)
    # A mention's own place may hold what the linker never makes: ints for times, lists for spans.
    own = {"field": [rng.choice(["title", "summary"]) for _ in own_rows],
           "span": [rng.choice([None, (1, 4), [1, 4], (7, 9)]) for _ in own_rows],
           "chapter": [rng.choice([None, 2, 5]) for _ in own_rows],
           "timestamp": [rng.choice([None, 61, 61.0, 0.0, -0.0]) for _ in own_rows],
           "occurrences": [rng.choice([None, 0, 2]) for _ in own_rows]}
    got = place_codes(size, [np.array(linked_a), np.array(linked_b)], [a, b],
                      own_rows=np.array(own_rows), own=own)
    for name in ("field", "span", "chapter", "timestamp", "occurrences"):
        by_row = dict(zip(own_rows, own[name], strict=True))
        by_row.update(zip(linked_a, a.values(name), strict=True))
        by_row.update(zip(linked_b, b.values(name), strict=True))
        present = sorted(r for r, v in by_row.items() if v is not None)
        values = [list(by_row[r]) if name == "span" else by_row[r] for r in present]
        want = Coded.of_rows(size, present, values)
        assert got[name].values == want.values and [type(v) for v in got[name].values] == [
            type(v) for v in want.values], name
        assert got[name].codes.tolist() == want.codes.tolist(), name
