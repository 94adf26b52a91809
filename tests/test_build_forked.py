"""A build writing some outputs in a forked child: same files and report, errors in one line, the lock."""

from __future__ import annotations

import os
import re
import signal
import threading
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

import castgraph.build_outputs as build_outputs
from castgraph import machine
from castgraph.build_outputs import in_process_reason
from castgraph.cli import main
from castgraph.errors import CastgraphError
from castgraph.forked import NO_FORK_ENV, ForkedCall
from castgraph.outputs import OutputLock, OutputLocked, atomic_open
from castgraph.pipeline import BuildOptions, BuildReport, GraphBuilder

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="no os.fork on this platform")

EXAMPLES = Path(__file__).parent.parent / "examples"
COMPARED = ["graph.json", "resolution.csv", "review.csv", "graph.html", "graph.graphml"]


@pytest.fixture
def forks(monkeypatch: pytest.MonkeyPatch) -> list[ForkedCall[Any]]:
    """The children the builds fork."""
    started: list[ForkedCall[Any]] = []

    class Recorded(ForkedCall[Any]):
        def start(self) -> ForkedCall[Any]:
            started.append(self)
            return super().start()

    monkeypatch.setattr(build_outputs, "ForkedCall", Recorded)
    return started


def _build(out: Path, **options: Any) -> BuildReport:
    return GraphBuilder(BuildOptions(inputs=[EXAMPLES], out=out, graphml=True, **options)).run()


def _temps(folder: Path) -> list[str]:
    return [p.name for p in folder.iterdir() if p.name.endswith(".tmp")]


def test_forked_and_in_process_builds_write_the_same(tmp_path: Path, forks: list[ForkedCall[Any]]) -> None:
    one = _build(tmp_path / "one", fork_outputs=False)
    assert forks == []
    two = _build(tmp_path / "two", fork_outputs=True)
    assert len(forks) == 1 and forks[0].what == "writing resolution.csv, graph.html"
    for name in COMPARED:
        assert (tmp_path / "one" / name).read_bytes() == (tmp_path / "two" / name).read_bytes(), name
    assert [Path(p).name for p in one.written] == [Path(p).name for p in two.written] == [
        "graph.json", "graph.store", "resolution.csv", "review.csv", "graph.graphml", "graph.html"]
    # The child's stages are timed and listed where they were, in the same order.
    assert list(one.seconds) == list(two.seconds)
    assert list(two.seconds)[-5:] == ["write graph", "index", "csv", "graphml", "html"]
    assert all(two.seconds[stage] > 0 for stage in ("csv", "html"))
    assert one.model_dump(exclude={"seconds", "written"}) == two.model_dump(exclude={"seconds", "written"})
    assert _temps(tmp_path / "two") == []


def test_small_graphs_threads_and_the_environment_write_in_process(
        tmp_path: Path, forks: list[ForkedCall[Any]], monkeypatch: pytest.MonkeyPatch) -> None:
    _build(tmp_path / "small")  # a few mentions: under FORK_MIN_MENTIONS
    assert forks == []
    monkeypatch.setattr(build_outputs, "FORK_MIN_MENTIONS", 1)
    monkeypatch.setattr(machine, "idle_cores", lambda: 1.6)
    _build(tmp_path / "big enough")
    assert len(forks) == 1
    monkeypatch.setattr(build_outputs, "FORK_MAX_MENTIONS", 2)  # too many mentions: the copy costs too much
    _build(tmp_path / "too big")
    assert len(forks) == 1
    monkeypatch.setattr(build_outputs, "FORK_MAX_MENTIONS", 10**9)
    monkeypatch.setattr(machine, "idle_cores", lambda: 0.3)  # another program busy on the second core
    _build(tmp_path / "busy")
    assert len(forks) == 1
    stop = threading.Event()
    worker = threading.Thread(target=stop.wait)
    worker.start()
    try:
        _build(tmp_path / "thread", fork_outputs=True)
    finally:
        stop.set()
        worker.join()
    with monkeypatch.context() as short:
        short.setattr(machine, "_available_kb", lambda: 1)
        _build(tmp_path / "memory", fork_outputs=True)
    def no_process(*args: object) -> int:
        raise BlockingIOError(11, "Resource temporarily unavailable")

    with monkeypatch.context() as full:
        full.setattr(os, "fork", no_process)
        _build(tmp_path / "fork failed", fork_outputs=True)
    assert len(forks) == 2  # the fork was tried
    monkeypatch.setenv(NO_FORK_ENV, "1")
    _build(tmp_path / "env", fork_outputs=True)
    assert len(forks) == 2
    for name in COMPARED:
        folders = ("small", "big enough", "busy", "thread", "memory", "fork failed", "env")
        written = {(tmp_path / d / name).read_bytes() for d in folders}
        assert len(written) == 1, name


def _cli_build(out: Path) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["build", str(EXAMPLES), "--out", str(out)])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.output


@pytest.mark.parametrize("forked", [True, False])
def test_unwritable_output_is_the_same_one_line_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                     forks: list[ForkedCall[Any]], forked: bool) -> None:
    monkeypatch.setattr(build_outputs, "FORK_MIN_MENTIONS", 1 if forked else 10**9)
    monkeypatch.setattr(machine, "idle_cores", lambda: 1.6)
    out = tmp_path / "out"
    (out / "graph.html").mkdir(parents=True)  # a folder where the page goes
    code, output = _cli_build(out)
    assert len(forks) == int(forked)
    assert code == 1
    temp = rf"{re.escape(str(out))}/\.graph\.html\.\d+\.\w+\.tmp"
    assert re.fullmatch(rf"Error: {temp}: Is a directory\n", output)
    assert _temps(out) == []
    OutputLock(out).acquire().release()  # the build let go of the folder


@pytest.mark.parametrize("forked", [True, False])
def test_castgraph_error_in_a_write_is_the_same(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                forks: list[ForkedCall[Any]], forked: bool) -> None:
    def fail(*args: object) -> None:
        raise OutputLocked("review.csv: cannot be written here")

    monkeypatch.setattr(build_outputs, "write_review_csv", fail)
    with pytest.raises(OutputLocked, match=r"^review.csv: cannot be written here$"):
        _build(tmp_path / "out", fork_outputs=forked)
    assert len(forks) == int(forked)
    OutputLock(tmp_path / "out").acquire().release()


def test_killed_child_is_one_line_naming_its_outputs_and_leaves_nothing(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import castgraph.viz.page

    def die(view: object, path: Path, **kw: object) -> None:
        with atomic_open(path) as fh:
            fh.write("<html>half a page")
            fh.flush()
            os.kill(os.getpid(), signal.SIGKILL)

    monkeypatch.setattr(castgraph.viz.page, "write_view_html", die)
    monkeypatch.setattr(build_outputs, "FORK_MIN_MENTIONS", 1)
    monkeypatch.setattr(machine, "idle_cores", lambda: 1.6)
    out = tmp_path / "out"
    code, output = _cli_build(out)
    assert (code, output) == (1, "Error: writing resolution.csv, graph.html: the child process was killed by "
                                 "signal SIGKILL\n")
    assert _temps(out) == [] and not (out / "graph.html").exists()
    assert (out / "graph.store").exists()  # what this process wrote is whole
    OutputLock(out).acquire().release()


def test_the_folder_stays_locked_while_the_child_writes(tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    seen: Path = tmp_path / "seen"
    real = build_outputs.write_review_csv

    def try_lock(resolution: object, path: Path) -> None:
        try:
            OutputLock(path.parent).acquire()
            seen.write_text("free")
        except OutputLocked:
            seen.write_text("locked")
        real(resolution, path)  # type: ignore[arg-type]

    monkeypatch.setattr(build_outputs, "write_review_csv", try_lock)
    out = tmp_path / "out"
    report = _build(out, fork_outputs=True)
    assert seen.read_text() == "locked"  # in the child, another taker of the lock is kept out
    assert str(out / "review.csv") in report.written
    OutputLock(out).acquire().release()  # and once the build is over, the folder is free


def test_cli_shows_the_child_stages(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                    forks: list[ForkedCall[Any]]) -> None:
    monkeypatch.setattr(build_outputs, "FORK_MIN_MENTIONS", 1)
    monkeypatch.setattr(machine, "idle_cores", lambda: 1.6)
    code, output = _cli_build(tmp_path / "out")
    assert code == 0 and len(forks) == 1
    seconds = re.search(r"seconds\s+│?\s*(.+?)\s*│?\n", output)
    assert seconds is not None
    assert re.search(r"csv \d+\.\d\d, html \d+\.\d\d", output.replace("│", " ")), output


def test_error_not_from_castgraph_names_the_outputs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: object, **kw: object) -> None:
        raise ValueError("bad cell")

    monkeypatch.setattr(build_outputs, "write_resolution_csv", broken)
    with pytest.raises(CastgraphError) as caught:
        _build(tmp_path / "out", fork_outputs=True)
    assert str(caught.value) == "writing resolution.csv, graph.html: ValueError: bad cell"
    assert 'raise ValueError("bad cell")' in caught.value.__notes__[0]  # for whoever debugs it


def test_terminal_progress_display_does_not_stop_the_fork() -> None:
    import io

    from rich.console import Console

    from castgraph.cli.build import _StageProgress
    from castgraph.forked import fork_unavailable

    console = Console(file=io.StringIO(), force_terminal=True)
    with _StageProgress(console) as progress:
        progress("writing the graph")
        assert threading.active_count() > 1  # the display's refresh thread
        assert fork_unavailable() == ""
        with ForkedCall(lambda: 42, what="x") as child:
            assert child.result() == 42
    assert "writing the graph" in console.file.getvalue()  # type: ignore[attr-defined]


def test_the_build_discounts_its_own_share_of_the_load(monkeypatch: pytest.MonkeyPatch) -> None:
    # A 2-minute build on an idle 2-core machine: the load average of 1.06 is mostly its own.
    monkeypatch.setattr(machine, "idle_cores", lambda: 0.94)
    assert in_process_reason(None, 400_000, running=120) == ""
    # The same load after 1 second of building: another program keeps the second core busy.
    assert in_process_reason(None, 400_000, running=1) == "no idle core (load average leaves 0.9)"
    assert in_process_reason(None, 100, running=120) == "under 20,000 mentions"
    assert in_process_reason(None, 10**6, running=120) == "over 500,000 mentions"
    # How idle the machine was while the tables were built wins over the load average, which
    # still counts the build that ran just before this one.
    monkeypatch.setattr(machine, "idle_cores_since", lambda since: None if since is None else 0.9)
    assert in_process_reason(None, 400_000, running=1, since=(0, 0)) == ""
    monkeypatch.setattr(machine, "idle_cores_since", lambda since: None if since is None else 0.1)
    assert in_process_reason(None, 400_000, running=120, since=(0, 0)) == "no idle core (0.1 idle of late)"
