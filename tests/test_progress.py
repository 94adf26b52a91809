"""Progress reports: the bytes the loaders read, the resolver's steps, the build's terminal display."""

from __future__ import annotations

import io
import os
import re
from pathlib import Path

import pytest
from rich.console import Console

from castgraph import progress
from castgraph.cli.build import _StageProgress
from castgraph.forked import ForkedCall
from castgraph.loaders import read_episodes, records
from castgraph.pipeline import BuildOptions, GraphBuilder

EXAMPLES = Path(__file__).parent.parent / "examples"
Report = tuple[int, "int | None", str]


def _inputs(folder: Path) -> list[Path]:
    jsonl = folder / "episodes.jsonl"
    jsonl.write_bytes((EXAMPLES / "episodes.jsonl").read_bytes())
    table = folder / "guests.csv"
    table.write_text("title,guest\nEpisode one,Ada Lovelace\nEpisode two,Grace Hopper\n", encoding="utf-8")
    return [jsonl, table]


def test_reading_reports_the_bytes_of_every_file_block_by_block(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    files = _inputs(tmp_path)
    total = sum(f.stat().st_size for f in files)
    monkeypatch.setattr(records, "_BLOCK", 1024)  # the JSONL file is read in 15 blocks
    seen: list[Report] = []
    with progress.metered(lambda *report: seen.append(report)):
        metered = read_episodes(files)
    assert seen[0] == (0, total, "")
    done = [d for d, _, _ in seen]
    assert done == sorted(done) and done[-1] == total and max(done) <= total
    assert {t for _, t, _ in seen} == {total}
    # A report per block of the JSONL file, then the table in one step when it is read.
    assert len(seen) >= 1 + 14 + 1
    assert metered.episodes == read_episodes(files).episodes  # counted or not, the same episodes


def test_a_part_moves_the_count_by_its_size_whatever_it_reports() -> None:
    seen: list[Report] = []
    with progress.metered(lambda *report: seen.append(report)):
        progress.expect(10)
        with progress.part(4):
            progress.advance(3)
            progress.advance(3)  # a block read ahead: shown as the part's end, not beyond
        with progress.part(6):
            pass  # a loader that reports nothing
    assert seen == [(0, 10, ""), (3, 10, ""), (4, 10, ""), (4, 10, ""), (10, 10, "")]


def test_the_build_tells_each_stage_its_own_progress(tmp_path: Path) -> None:
    files = _inputs(tmp_path)
    events: list[tuple[str, ...]] = []
    builder = GraphBuilder(BuildOptions(inputs=files, out=tmp_path / "out", html=False),
                           on_stage=lambda stage: events.append(("stage", stage)),
                           on_progress=lambda done, total, step: events.append(("progress", str(done),
                                                                                str(total), step)))
    builder.run()
    stages = [e[1] for e in events if e[0] == "stage"]
    assert stages[:2] == ["reading", "reading titles"] and "resolving" in stages

    def reports(stage: str) -> list[tuple[str, ...]]:
        start = events.index(("stage", stage))
        end = next((i for i, e in enumerate(events) if i > start and e[0] == "stage"), len(events))
        return [e[1:] for e in events[start + 1:end]]

    size = str(sum(f.stat().st_size for f in files))
    assert reports("reading")[-1] == (size, size, "")
    # The resolver's steps, in order, with nothing left over from reading.
    assert reports("resolving") == [("0", "None", step) for step in
                                    ("reading surfaces", "comparing names", "merging", "making entities")]
    events.clear()
    builder.run()  # again: the entities keep the ids of the graph written the first time
    assert reports("reading")[-1] == (size, size, f"reading the graph in {tmp_path / 'out'}")
    events.clear()
    builder.options = BuildOptions(inputs=files[:1], into=tmp_path / "out", html=False)
    builder.run()
    assert reports("reading")[-1][2] == f"reading the graph in {tmp_path / 'out'}"


def test_the_terminal_shows_a_bar_of_the_bytes_read_and_the_resolver_steps(tmp_path: Path) -> None:
    files = _inputs(tmp_path)
    console = Console(file=io.StringIO(), force_terminal=True, width=120)
    steps: list[str] = []
    with _StageProgress(console) as display:
        def advanced(done: int, total: int | None, step: str) -> None:
            display.advanced(done, total, step)
            steps.append(display.progress.tasks[-1].description)

        GraphBuilder(BuildOptions(inputs=files, out=tmp_path / "out", html=False),
                     on_stage=display, on_progress=advanced).run()
    size = sum(f.stat().st_size for f in files)
    shown = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", console.file.getvalue())  # type: ignore[attr-defined]
    lines = shown.splitlines()  # the last lines: the frame drawn once every stage is done
    reading = [line for line in lines if line.startswith("✓ reading ") and "titles" not in line][-1]
    assert f"━ {size / 1000:.1f}/{size / 1000:.1f} kB" in reading
    assert "resolving · comparing names" in steps
    resolving = [line for line in lines if line.startswith("✓ resolving")][-1]
    assert "·" not in resolving and "kB" not in resolving and "━" not in resolving  # no step, no bar


def test_a_forked_child_does_not_report_to_its_parents_display(tmp_path: Path) -> None:
    log = tmp_path / "reports"

    def record(done: int, total: int | None, step: str) -> None:
        with log.open("a", encoding="utf-8") as handle:
            handle.write(f"{os.getpid()} {done}\n")

    with progress.metered(record):
        progress.expect(10)
        with ForkedCall(lambda: progress.advance(5) or os.getpid(), what="x") as child:
            child_pid = child.result()
        progress.advance(1)
    lines = log.read_text(encoding="utf-8").split()
    assert str(child_pid) not in lines[::2] and lines == [str(os.getpid()), "0", str(os.getpid()), "1"]


def test_a_file_a_feed_already_read_counts_as_read(tmp_path: Path) -> None:
    chapters = '{"version": "1.2.0", "chapters": [{"startTime": 0, "title": "Intro"}]}'
    (tmp_path / "chapters.json").write_text(chapters, encoding="utf-8")
    (tmp_path / "feed.xml").write_text(
        '<?xml version="1.0"?><rss version="2.0" xmlns:podcast="https://podcastindex.org/namespace/1.0">'
        "<channel><title>Show</title><item><title>One</title><guid>g1</guid>"
        '<podcast:chapters url="chapters.json" type="application/json+chapters"/></item></channel></rss>',
        encoding="utf-8")
    seen: list[Report] = []
    with progress.metered(lambda *report: seen.append(report)):
        loaded = read_episodes([tmp_path])
    assert [c.title for c in loaded.episodes[0].chapters] == ["Intro"]  # read by the feed, not on its own
    total = sum(f.stat().st_size for f in tmp_path.iterdir())
    assert seen[0] == (0, total, "") and seen[-1] == (total, total, "")
