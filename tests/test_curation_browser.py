"""A full curation round in headless Chromium: review pair, split, download, rebuild, changed graph."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from castgraph.cli import main
from castgraph.graph.networkx_store import read_graph_json

pytestmark = pytest.mark.browser

HOSTILE = "<img src=x onerror=alert(1)>"
EPISODES = [
    {"id": "e1", "title": "Robots", "show": "Night Shift", "published": "2026-01-05",
     "entities": [{"name": "Brandon", "type": "Person", "description": "host of the show"},
                  {"name": "James Doe", "type": "Person", "description": "roboticist"},
                  {"name": "Jim Doe", "type": "Person", "description": "roboticist"},
                  {"name": "Vorlex", "type": "company", "description": HOSTILE}]},
    {"id": "e2", "title": "Compilers " + HOSTILE, "show": "Day Shift", "published": "2026-01-12",
     "entities": [{"name": "Brendon", "type": "Person", "description": "compiler engineer"},
                  {"name": "Vorlex", "type": "company"}]},
]


def _build(args: list[str]) -> str:
    result = CliRunner().invoke(main, ["build", *args, "-q"])
    assert result.exit_code == 0, result.output
    return result.output


def _entity_of(graph, surface: str) -> str:  # type: ignore[no-untyped-def]
    (found,) = {v for _, v, d in graph.edges(data=True)
                if d["type"] == "MENTIONS" and d["surface"] == surface}
    return found


def test_a_full_curation_round(offline_page, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    source = tmp_path / "episodes.jsonl"
    source.write_text("".join(json.dumps(e) + "\n" for e in EPISODES), encoding="utf-8")
    out = tmp_path / "out"
    _build([str(source), "--out", str(out)])
    before = read_graph_json(out / "graph.json")
    assert _entity_of(before, "Brandon") != _entity_of(before, "Brendon")
    james = _entity_of(before, "James Doe")
    assert _entity_of(before, "Jim Doe") == james  # a nickname tied by the episode

    page = offline_page.open(out / "graph.html")
    # The page lists exactly what `castgraph resolve --review` lists.
    cli = CliRunner().invoke(main, ["resolve", "--review", "--json", "--graph", str(out)])
    listed = json.loads(cli.output)
    assert page.evaluate("() => castgraph.data.review") == listed
    assert [(p["left_name"], p["right_name"]) for p in listed] in ([("Brandon", "Brendon")],
                                                                  [("Brendon", "Brandon")])
    page.click("#curate")
    pair = page.locator("#curation li[data-pair]")
    assert "one letter apart" in pair.inner_text()
    pair.locator("[data-action=same]").click()
    assert "decided" in (pair.get_attribute("class") or "")

    # An entity's panel shows each surface and why it merged; split one out.
    page.evaluate("(id) => castgraph.focus(id)", james)
    surfaces = page.locator("#panel ul.surfaces li")
    assert sorted(surfaces.evaluate_all("els => els.map(e => e.dataset.surface)")) == ["James Doe", "Jim Doe"]
    jim = page.locator('#panel li[data-surface="Jim Doe"]')
    assert "nickname" in jim.inner_text()
    jim.locator("[data-action=split]").click()
    assert page.evaluate("() => castgraph.decisions().length") == 2

    with page.expect_download() as download:
        page.locator("#curation [data-action=download]").click()
    decisions = tmp_path / "decisions.yaml"
    download.value.save_as(decisions)
    text = decisions.read_text(encoding="utf-8")
    assert "merge:" in text and "split:" in text and james in text

    # Rebuild with the decisions: the graph shows both changes, and nothing warns.
    output = _build([str(source), "--out", str(out), "--overrides", str(decisions)])
    assert "warning" not in output
    after = read_graph_json(out / "graph.json")
    assert _entity_of(after, "Brandon") == _entity_of(after, "Brendon")
    assert _entity_of(after, "Jim Doe") != _entity_of(after, "James Doe") == james
    offline_page.assert_clean()
    # The hostile description was shown as text, never as markup.
    assert page.locator("#panel img, #curation img").count() == 0


def test_hostile_decisions_round_trip_through_the_yaml(  # type: ignore[no-untyped-def]
        offline_page, tmp_path: Path) -> None:
    source = tmp_path / "episodes.jsonl"
    source.write_text("".join(json.dumps(e) + "\n" for e in EPISODES), encoding="utf-8")
    out = tmp_path / "out"
    _build([str(source), "--out", str(out)])
    vorlex = _entity_of(read_graph_json(out / "graph.json"), "Vorlex")
    page = offline_page.open(out / "graph.html")
    page.evaluate("(id) => castgraph.focus(id)", vorlex)
    evil = 'X\n- evil: "y" # \u2028' + HOSTILE
    page.fill("#panel .edit input", evil)
    typed = page.input_value("#panel .edit input")  # a one-line input turns the line break into a space
    assert "\u2028" in typed and HOSTILE in typed
    page.locator("#panel [data-action=rename]").click()
    page.select_option("#panel .edit select", "Product")
    page.locator("#panel [data-action=set-type]").click()
    from castgraph.resolve import parse_overrides

    overrides = parse_overrides(page.evaluate("() => castgraph.overridesYaml()"))
    assert overrides.rename == {vorlex: typed.strip()}
    assert overrides.set_type[vorlex].value == "Product"
    offline_page.assert_clean()
