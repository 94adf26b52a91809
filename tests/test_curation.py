"""Curation without a browser: the review list in every page, decisions applied by build, warnings by line."""

from __future__ import annotations

import json
import re
from pathlib import Path

from click.testing import CliRunner

from castgraph.cli import main
from castgraph.graph.networkx_store import read_graph_json

EPISODES = [
    {"id": "e1", "title": "One", "show": "A", "published": "2026-01-05",
     "entities": [{"name": "Brandon", "type": "Person", "description": "host"},
                  {"name": "Kubernetes (k8s)", "type": "software"}]},
    {"id": "e2", "title": "Two", "show": "B", "published": "2026-01-12",
     "entities": [{"name": "Brendon", "type": "Person", "description": "compiler engineer"},
                  {"name": "k8s", "type": "software"}]},
]


def _page_data(path: Path) -> dict:  # type: ignore[type-arg]
    text = path.read_text(encoding="utf-8")
    block = re.search(r'<script type="application/json" id="castgraph-data">(.*?)</script>', text, re.S)
    assert block is not None
    return json.loads(block.group(1))  # type: ignore[no-any-return]


def test_every_overview_page_offers_the_review_list_and_surfaces(tmp_path: Path) -> None:
    source = tmp_path / "eps.jsonl"
    source.write_text("".join(json.dumps(e) + "\n" for e in EPISODES), encoding="utf-8")
    out = tmp_path / "out"
    assert CliRunner().invoke(main, ["build", str(source), "--out", str(out), "-q"]).exit_code == 0
    cli = CliRunner().invoke(main, ["resolve", "--review", "--json", "--graph", str(out)])
    listed = json.loads(cli.output)
    assert len(listed) == 1 and {listed[0]["left_name"], listed[0]["right_name"]} == {"Brandon", "Brendon"}
    assert _page_data(out / "graph.html")["review"] == listed
    page = tmp_path / "viz.html"
    assert CliRunner().invoke(main, ["viz", "--graph", str(out), "--out", str(page)]).exit_code == 0
    data = _page_data(page)
    assert data["review"] == listed
    (k8s,) = [n for n in data["nodes"] if any(s[0] == "k8s" for s in n.get("surfaces", []))]
    # Each surface, with the rule that merged it, its score and its mentions.
    assert sorted(k8s["surfaces"]) == [["Kubernetes (k8s)", "short-form", 1.0, 1],
                                       ["k8s", "canonical", 1.0, 1]]


def test_build_warns_about_decisions_that_no_longer_apply(tmp_path: Path) -> None:
    source = tmp_path / "eps.jsonl"
    source.write_text("".join(json.dumps(e) + "\n" for e in EPISODES), encoding="utf-8")
    decisions = tmp_path / "decisions.yaml"
    decisions.write_text("merge:\n  - [Brandon, Brendon]\nnever_merge:\n  - [entity:0000000000000000, k8s]\n",
                         encoding="utf-8")
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["build", str(source), "--out", str(out), "--no-html",
                                       "--overrides", str(decisions)])
    assert result.exit_code == 0, result.output
    assert f"{decisions}, line 4: never_merge: 'entity:0000000000000000' matches no entity" in result.output
    graph = read_graph_json(out / "graph.json")
    people = {v for _, v, d in graph.edges(data=True) if d.get("surface") in ("Brandon", "Brendon")}
    assert len(people) == 1
