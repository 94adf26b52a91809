"""One lookup for every command: the same text finds the same entity in `entity`, `related`,
`comention`, `viz`, `resolve --explain` and the viewer's search."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import networkx as nx
import pytest
from click.testing import CliRunner
from test_viz_graphs import sample_graph

from castgraph.cli import main
from castgraph.graph.networkx_store import write_graph_json
from castgraph.queries import NetworkXQueries, NotFoundError, find_entity
from castgraph.queries.lookup import GraphNames, find_node, lookup_keys
from castgraph.resolve.normalize import normalize_name
from castgraph.viz import write_html

FORMER = "entity:00000000000000ab"

# What a user types -> the entity every command must find (sample_graph: GitHub has the alias
# "github.com", swyx the alias "Shawn Wang").
SPELLINGS = {
    "entity:github": "id",
    FORMER: "former id",
    "GitHub": "name",
    "github.com": "alias",
    "ＧＩＴＨＵＢ": "normalized",  # full width, upper case
    "GitHub, Inc.": "key",  # legal suffix
    "Git Hub": "key",  # spacing
    "Shawn": "fuzzy",  # a near spelling of the alias "Shawn Wang"
    "Gitub": "fuzzy",
}
EXPECTED = {"Shawn": "entity:swyx"}


def graph() -> nx.MultiDiGraph:
    g = sample_graph()
    g.nodes["entity:github"]["former_ids"] = [FORMER]
    return g


@pytest.fixture(scope="module")
def graph_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("lookup")
    write_graph_json(graph(), folder / "graph.json")
    return folder


@pytest.mark.parametrize("text", list(SPELLINGS))
def test_the_rules_in_order_on_both_sources(text: str) -> None:
    g = graph()
    for source in (GraphNames(g), NetworkXQueries(g)):
        row, how = find_entity(source, text)
        assert (row.id, how) == (EXPECTED.get(text, "entity:github"), SPELLINGS[text])


def test_lookup_keys_fold_and_key() -> None:
    assert lookup_keys(" Ｈｕｇｇｉｎｇ  Face ") == ("hugging face", "huggingface")
    assert lookup_keys("Anthropic PBC")[1] == lookup_keys("anthropic")[1]


def _found(command: str, text: str, graph_dir: Path, tmp_path: Path) -> str:
    """Run ``command`` with ``text`` as the entity; the id of the entity it acted on."""
    runner = CliRunner()
    where = ["--graph", str(graph_dir)]
    if command == "entity":
        result = runner.invoke(main, ["entity", text, "--json", *where])
        assert result.exit_code == 0, result.output
        return str(json.loads(result.output)["id"])
    if command == "related":
        result = runner.invoke(main, ["related", "--entity", text, "--json", *where])
        assert result.exit_code == 0, result.output
        shared = {s["id"] for r in json.loads(result.output) for s in r["shared_entities"]}
        assert len(shared) == 1
        return shared.pop()
    if command == "comention":
        result = runner.invoke(main, ["comention", "--entity", text, "--json", *where])
        assert result.exit_code == 0, result.output
        edges = json.loads(result.output)
        common = set.intersection(*({e["source"]["id"], e["target"]["id"]} for e in edges))
        assert len(common) == 1 and edges
        return common.pop()
    if command == "viz --ego":
        out = tmp_path / "ego.html"
        result = runner.invoke(main, ["viz", "--ego", text, "--out", str(out), *where])
        assert result.exit_code == 0, result.output
        match = re.search(r'"center":"([^"]+)"', out.read_text(encoding="utf-8"))
        assert match is not None
        return match.group(1)
    assert command == "resolve --explain"
    result = runner.invoke(main, ["resolve", "--explain", text, *where])
    assert result.exit_code == 0, result.output
    match = re.match(r".* \((entity:[^)]+)\)\n", result.output)
    assert match is not None
    return match.group(1)


COMMANDS = ["entity", "related", "comention", "viz --ego", "resolve --explain"]


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize("text", ["GitHub, Inc.", "ＧＩＴＨＵＢ", FORMER, "Shawn", "Gitub"])
def test_every_command_finds_the_same_entity(command: str, text: str, graph_dir: Path,
                                             tmp_path: Path) -> None:
    assert _found(command, text, graph_dir, tmp_path) == EXPECTED.get(text, "entity:github")


@pytest.mark.parametrize(("args", "message"), [
    (["entity", "Kyle Daiglee Zed"], "no entity matches 'Kyle Daiglee Zed'; did you mean: Kyle Daigle?"),
    (["related", "--entity", "Kyle Daiglee Zed"], "did you mean: Kyle Daigle?"),
    (["comention", "--entity", "Kyle Daiglee Zed"], "did you mean: Kyle Daigle?"),
    (["resolve", "--explain", "Kyle Daiglee Zed"], "did you mean: Kyle Daigle?"),
    (["viz", "--ego", "Kyle Daiglee Zed", "--out", "x.html"], "did you mean: Kyle Daigle?"),
])
def test_every_command_says_did_you_mean_the_same_way(args: list[str], message: str, graph_dir: Path,
                                                      tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, [*args, "--graph", str(graph_dir)])
    assert result.exit_code == 1
    assert result.output.count("\n") == 1 and message in result.output


@pytest.mark.parametrize(("text", "expected"), [
    ("e1", "episode:e1"), ("episode:e3", "episode:e3"), ("agent era", "episode:e1"),
    ("自己符号化器の回", "episode:e2"),
])
def test_episodes_by_record_id_or_title_in_viz_and_related(text: str, expected: str, graph_dir: Path,
                                                           tmp_path: Path) -> None:
    out = tmp_path / "episode.html"
    viz = CliRunner().invoke(main, ["viz", "--episode", text, "--out", str(out), "--graph", str(graph_dir)])
    assert viz.exit_code == 0, viz.output
    assert f'"center":"{expected}"' in out.read_text(encoding="utf-8")
    related = CliRunner().invoke(main, ["related", text, "--json", "--graph", str(graph_dir)])
    assert related.exit_code == 0, related.output
    assert expected not in {r["id"] for r in json.loads(related.output)}  # never related to itself


def test_views_find_topics_by_name_or_hashtag() -> None:
    names = GraphNames(graph())
    assert find_node(names, "#AI Agents") == find_node(names, "ai-agents") == "topic:ai-agents"
    with pytest.raises(NotFoundError, match="no entity or topic or episode matches 'zzz'"):
        find_node(names, "zzz")


KEY_SAMPLES = ["GitHub, Inc.", "Anthropic PBC", "linear.io", "stripe.com", "Hugging Face", "HuggingFace",
               "Llama 3.1 (8B)", "C++", "C#", "José Müller", "ＧＰＴ-4", "自己符号化器", "3 5", "AT&T",
               "Inc.", "Acme Co.Ltd", "  spaced\tout  "]


@pytest.mark.browser
def test_viewer_search_folds_names_as_the_commands_do(offline_page: Any, tmp_path: Path) -> None:
    path = write_html(graph(), tmp_path / "graph.html", title="Lookup")
    offline_page.open(path)
    page = offline_page.page
    in_page = page.evaluate("(xs) => xs.map(castgraph.nameKey)", KEY_SAMPLES)
    assert in_page == [normalize_name(x) for x in KEY_SAMPLES]
    for text in ("GitHub, Inc.", "ＧＩＴＨＵＢ", "Git Hub", FORMER, "entity:github"):
        assert page.evaluate("(q) => castgraph.find(q)", text)[0] == "entity:github", text
    assert page.evaluate("() => castgraph.find('Shawn')")[0] == "entity:swyx"
    page.fill("#search", "GitHub, Inc.")
    assert page.locator("#search-results li .name").all_inner_texts()[0] == "GitHub"
    offline_page.assert_clean()


def test_names_folded_at_once_fold_as_one_at_a_time() -> None:
    # Whitespace, compatibility forms and combining marks at the edges of names: folding the
    # names joined must give each name's own fold (a mark opening a name does not join the last).
    import random

    from castgraph.queries.lookup import fold_names
    from castgraph.resolve.normalize import fold_name

    pieces = [" ", "\t", "\n", "\u3000", "\u00a0", "\x1c", "a", "B", "é", "e\u0301", "\u0301", "ﬁ", "Ｃ", "ß",
              "İ", "ガ", "\u3099", "カ", "①", "\x00", "Σ", "ς", "\u2028"]
    rng = random.Random(0)
    for _ in range(3000):
        names = ["".join(rng.choice(pieces) for _ in range(rng.randrange(6)))
                 for _ in range(rng.randrange(1, 6))]
        assert fold_names(names) == [fold_name(name) for name in names], names
    assert fold_names([]) == []
