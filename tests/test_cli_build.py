"""`castgraph build` through click's CliRunner: summary, outputs, and clean errors."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click
import pytest
from click.testing import CliRunner
from python_runs import run_python

from castgraph.cli import main


def test_help_has_an_example() -> None:
    result = CliRunner().invoke(main, ["build", "--help"])
    assert result.exit_code == 0
    assert "castgraph build examples/" in result.output


def test_every_command_has_help_with_an_example() -> None:
    runner = CliRunner()
    names = main.list_commands(click.Context(main))
    assert {"build", "cypher", "entity", "viz"} <= set(names)
    for name in names:
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


@pytest.mark.parametrize(("terminal", "quiet"), [("1", False), ("1", True), ("0", False)])
def test_build_shows_its_progress_on_a_terminal_only(examples_dir: Path, tmp_path: Path, terminal: str,
                                                     quiet: bool) -> None:
    source = examples_dir / "episodes.jsonl"
    args = ["build", str(source), "--out", str(tmp_path), "--no-html", *["-q"] * quiet]
    result = CliRunner().invoke(main, args, env={"TTY_COMPATIBLE": terminal})  # rich: a terminal or not
    assert result.exit_code == 0, result.output
    size = source.stat().st_size
    bar = f"{size / 1000:.1f}/{size / 1000:.1f} kB"  # the bytes read, when reading is done
    shown = terminal == "1" and not quiet
    assert (bar in result.stderr) is shown and ("resolving" in result.stderr) is shown
    assert ("entities" in result.stdout) is not quiet  # the report: piped or not


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


def _graph_counts(path: Path) -> dict[str, int]:
    data = json.loads(path.read_text())
    counts: dict[str, int] = {}
    for node in data["nodes"]:
        counts[node["label"]] = counts.get(node["label"], 0) + 1
    for edge in data["edges"]:
        counts[edge["type"]] = counts.get(edge["type"], 0) + 1
    return counts


@pytest.mark.neo4j
@pytest.mark.parametrize("which", ["real page", "examples"])
def test_build_into_neo4j_twice(which: str, real_page_path: Path, examples_dir: Path, tmp_path: Path,
                                neo4j_store: Any, neo4j_settings: Any) -> None:
    source = real_page_path if which == "real page" else examples_dir
    args = ["build", str(source), "--out", str(tmp_path), "--no-html", "-q", "--neo4j", neo4j_settings.uri,
            "--neo4j-user", neo4j_settings.user, "--neo4j-password", neo4j_settings.password]
    first = CliRunner().invoke(main, args)
    assert first.exit_code == 0, first.output
    expected = _graph_counts(tmp_path / "graph.json")
    assert neo4j_store.counts() == expected
    assert neo4j_store.read().number_of_edges() == expected["MENTIONS"] + expected["HAS_TOPIC"]
    second = CliRunner().invoke(main, args)
    assert second.exit_code == 0, second.output
    assert neo4j_store.counts() == expected


def test_build_applies_overrides(examples_dir: Path, tmp_path: Path) -> None:
    base = tmp_path / "base"
    result = CliRunner().invoke(main, ["build", str(examples_dir), "--out", str(base), "--no-html"])
    assert result.exit_code == 0, result.output
    names = {n["name"]: n for n in json.loads((base / "graph.json").read_text())["nodes"]
             if n["label"] == "Entity"}
    assert "Claude" in names and "Claude Code" in names
    overrides = tmp_path / "curation.yaml"
    overrides.write_text("merge:\n  - [Claude, Claude Code]\nrename:\n  Claude: Anthropic Claude\n")
    out = tmp_path / "curated"
    result = CliRunner().invoke(
        main, ["build", str(examples_dir), "--out", str(out), "--no-html", "--overrides", str(overrides)])
    assert result.exit_code == 0, result.output
    curated = {n["name"]: n for n in json.loads((out / "graph.json").read_text())["nodes"]
               if n["label"] == "Entity"}
    assert "Claude" not in curated and "Claude Code" not in curated
    assert curated["Anthropic Claude"]["episode_count"] >= max(
        names["Claude"]["episode_count"], names["Claude Code"]["episode_count"])


def test_bad_overrides_file_is_one_line_error(examples_dir: Path, tmp_path: Path) -> None:
    overrides = tmp_path / "curation.yaml"
    overrides.write_text("merge: 3\n")
    result = CliRunner().invoke(
        main, ["build", str(examples_dir), "--out", str(tmp_path / "out"), "--overrides", str(overrides)])
    assert result.exit_code == 1
    assert "curation.yaml" in result.output and "Traceback" not in result.output


def test_build_into_adds_episodes(examples_dir: Path, tmp_path: Path) -> None:
    files = sorted(p for p in examples_dir.iterdir() if p.suffix in {".txt", ".jsonl"})
    out = tmp_path / "g"
    assert CliRunner().invoke(main, ["build", str(files[0]), "--out", str(out), "--no-html"]).exit_code == 0
    before = _graph_counts(out / "graph.json")["Episode"]
    result = CliRunner().invoke(main, ["build", str(files[1]), "--into", str(out), "--no-html"])
    assert result.exit_code == 0, result.output
    assert "new" in result.output
    assert _graph_counts(out / "graph.json")["Episode"] > before


@pytest.mark.parametrize("command", [
    ["build", "--into", "{dir}", "--out", "{dir}"],
    ["export", "--neo4j-admin", "{dir}/csv", "--graph", "{dir}"],
    ["resolve", "--explain", "swyx", "--graph", "{dir}"],
    ["viz", "--graph", "{dir}", "--out", "{dir}/page.html"],
    ["entity", "swyx", "--graph", "{dir}"],
])
def test_a_damaged_graph_json_is_one_line_for_every_command(command: list[str], tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NEO4J_URI", raising=False)
    (tmp_path / "graph.json").write_text("{not json", encoding="utf-8")
    result = CliRunner().invoke(main, [part.replace("{dir}", str(tmp_path)) for part in command])
    assert result.exit_code == 1, result.output
    assert result.output.startswith(f"Error: {tmp_path / 'graph.json'}: not a castgraph graph.json (")
    assert result.output.count("\n") == 1 and isinstance(result.exception, SystemExit)  # no traceback


def test_help_text_lists_the_linker_fields() -> None:
    from castgraph.cli.build import LINK_FIELD_NAMES
    from castgraph.link import LINK_FIELDS

    assert LINK_FIELD_NAMES == LINK_FIELDS


def test_help_loads_no_heavy_library() -> None:
    # `castgraph --help` and every command's --help answer without loading what only a run needs.
    code = (
        "import sys, click; from click.testing import CliRunner; from castgraph.cli import main\n"
        "runner = CliRunner()\n"
        "assert runner.invoke(main, ['--help']).exit_code == 0\n"
        "for name in main.list_commands(click.Context(main)):\n"
        "    assert runner.invoke(main, [name, '--help']).exit_code == 0, name\n"
        "heavy = ('networkx', 'numpy', 'pydantic', 'neo4j', 'rich', 'yaml')\n"
        "print(sorted(m for m in heavy if m in sys.modules))\n"
    )
    done = run_python(code)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_option_choices_copied_for_a_fast_help_match_the_library() -> None:
    from castgraph.cli.queries import NORMALIZATION_NAMES, ORIGIN_NAMES
    from castgraph.cli.viz import MAX_NODES
    from castgraph.queries.scoring import NORMALIZATIONS, ORIGIN_WEIGHTS
    from castgraph.viz.views import MAX_NODES as VIEW_MAX_NODES

    assert tuple(ORIGIN_WEIGHTS) == ORIGIN_NAMES
    assert tuple(NORMALIZATIONS) == NORMALIZATION_NAMES
    assert MAX_NODES == VIEW_MAX_NODES
