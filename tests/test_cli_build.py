"""`castgraph build` through click's CliRunner: summary, outputs, and clean errors."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from castgraph.cli import main


def test_help_has_an_example() -> None:
    result = CliRunner().invoke(main, ["build", "--help"])
    assert result.exit_code == 0
    assert "castgraph build examples/" in result.output


def test_every_command_has_help_with_an_example() -> None:
    runner = CliRunner()
    for name in main.commands:
        result = runner.invoke(main, [name, "--help"])
        assert result.exit_code == 0, name
        assert "castgraph " + name in result.output, f"{name} --help shows no example"


def test_build_examples(examples_dir: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["build", str(examples_dir), "--out", str(tmp_path), "--no-html"])
    assert result.exit_code == 0, result.output
    assert "episodes" in result.output and "entities" in result.output
    data = json.loads((tmp_path / "graph.json").read_text())
    assert any(n["label"] == "Episode" for n in data["nodes"])
    header = (tmp_path / "resolution.csv").read_text().splitlines()[0]
    assert "surface" in header and "rule" in header


def test_build_real_page_with_as_of(real_page_path: Path, tmp_path: Path) -> None:
    args = ["build", str(real_page_path), "--out", str(tmp_path), "--as-of", "2026-11-25", "--no-html", "-q"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    data = json.loads((tmp_path / "graph.json").read_text())
    published = sorted(n["published"] for n in data["nodes"] if n["label"] == "Episode")
    # "Latent Space1日前" .. "30日前" as of 2026-11-25.
    assert published[-1] == "2026-11-24" and published[0] == "2026-10-26"


def test_unrecognizable_file_is_one_line_error(tmp_path: Path) -> None:
    bad = tmp_path / "notes.txt"
    bad.write_text("just some words\nand more words\n")
    result = CliRunner().invoke(main, ["build", str(bad), "--out", str(tmp_path / "out")])
    assert result.exit_code != 0
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1, result.output
    assert "notes.txt" in lines[0] and "Traceback" not in result.output


def test_missing_file_is_one_line_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["build", str(tmp_path / "nope.jsonl"), "--out", str(tmp_path)])
    assert result.exit_code != 0
    assert "nope.jsonl" in result.output and "Traceback" not in result.output


def test_broken_record_is_reported_and_good_ones_kept(tmp_path: Path) -> None:
    src = tmp_path / "eps.jsonl"
    src.write_text(
        '{"id": "a", "title": "One", "entities": [{"name": "Ada Lovelace", "type": "Person"}]}\n'
        '{"id": "b", "title": \n'
        '{"id": "c", "title": "Three", "entities": [{"name": "", "type": "Person"}]}\n'
    )
    result = CliRunner().invoke(main, ["build", str(src), "--out", str(tmp_path / "out"), "--no-html"])
    assert result.exit_code == 0, result.output
    assert "eps.jsonl" in result.output and "line 2" in result.output
    data = json.loads((tmp_path / "out" / "graph.json").read_text())
    assert sorted(n["record_id"] for n in data["nodes"] if n["label"] == "Episode") == ["a", "c"]


def test_no_inputs_is_a_usage_error() -> None:
    result = CliRunner().invoke(main, ["build"])
    assert result.exit_code == 2
