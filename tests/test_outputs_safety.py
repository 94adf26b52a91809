"""Nothing lost: outputs are atomic, one build writes a folder at a time, links are replaced.

The concurrency and kill tests run real ``castgraph build`` processes.
"""

from __future__ import annotations

import csv
import fcntl
import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from castgraph.cli import main
from castgraph.errors import CastgraphError
from castgraph.graph.networkx_store import read_graph_json
from castgraph.outputs import (
    LOCK_FILE,
    OutputLock,
    OutputLocked,
    atomic_open,
    atomic_write,
    clean_stale_temps,
)
from castgraph.queries.loading import open_graph_dir
from castgraph.resolve.output import read_review_csv

CASTGRAPH = str(Path(sys.executable).parent / "castgraph")
OUTPUTS = ("graph.json", "resolution.csv", "review.csv", "graph.html")


def _records(path: Path, count: int, prefix: str, seed: int = 1) -> Path:
    rng = random.Random(seed)
    names = [f"Person {i}" for i in range(40)] + [f"Product{i} Labs" for i in range(40)]
    with path.open("w", encoding="utf-8") as fh:
        for i in range(count):
            ents = [{"name": rng.choice(names), "type": rng.choice(["Person", "Product"]),
                     "description": "x" * rng.randint(0, 40)} for _ in range(8)]
            fh.write(json.dumps({"id": f"{prefix}{i}", "title": f"{prefix} episode {i}", "show": "S",
                                 "summary": "words " * 30, "entities": ents}) + "\n")
    return path


def _build(*args: str, **kwargs: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run([CASTGRAPH, "build", *args], capture_output=True, text=True, timeout=120,
                          **kwargs)  # type: ignore[call-overload]


def _temps(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


# --- primitives -----------------------------------------------------------------


def test_atomic_open_leaves_the_old_file_when_the_writer_fails(tmp_path: Path) -> None:
    target = atomic_write(tmp_path / "a.csv", "old\n")
    with pytest.raises(RuntimeError), atomic_open(target) as fh:
        fh.write("half of the new")
        raise RuntimeError("disk full")
    assert target.read_text() == "old\n"
    assert _temps(tmp_path) == []
    assert oct(target.stat().st_mode & 0o777) == oct(0o666 & ~_umask())


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def test_temp_names_are_unique_per_writer(tmp_path: Path) -> None:
    with atomic_open(tmp_path / "g.json") as one, atomic_open(tmp_path / "g.json") as two:
        assert one.name != two.name
        one.write("1")
        two.write("2")
    assert (tmp_path / "g.json").read_text() == "1"  # the last rename wins, both whole


def test_stale_temps_of_dead_writers_are_removed_and_live_ones_kept(tmp_path: Path) -> None:
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                          text=True, check=True)
    stale = tmp_path / f".graph.json.{dead.stdout.strip()}.x1y2.tmp"
    live = tmp_path / f".graph.json.{os.getpid()}.abcd.tmp"
    legacy = tmp_path / "graph.json.tmp"
    for path in (stale, live, legacy):
        path.write_text("{")
    assert sorted(p.name for p in clean_stale_temps(tmp_path)) == sorted([stale.name, legacy.name])
    assert live.exists()


def test_lock_held_by_another_process_fails_in_one_line_or_waits(tmp_path: Path) -> None:
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys, time; from castgraph.outputs import OutputLock\n"
         f"lock = OutputLock({str(tmp_path)!r}).acquire(); print('held', flush=True); time.sleep(1.5)"],
        stdout=subprocess.PIPE, text=True)
    assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
    busy = rf"another castgraph build is writing this folder \(pid {holder.pid}\)"
    with pytest.raises(OutputLocked, match=busy):
        OutputLock(tmp_path).acquire()
    waited: list[int | None] = []
    started = time.monotonic()
    with OutputLock(tmp_path, wait=30, on_wait=waited.append):
        assert waited == [holder.pid]
        assert time.monotonic() - started > 0.3
    holder.wait(10)


def test_lock_file_that_is_a_symlink_is_replaced(tmp_path: Path) -> None:
    outside = tmp_path / "outside.txt"
    outside.write_text("precious\n")
    folder = tmp_path / "out"
    folder.mkdir()
    (folder / LOCK_FILE).symlink_to(outside)
    with OutputLock(folder):
        pass
    assert outside.read_text() == "precious\n"
    assert not (folder / LOCK_FILE).is_symlink()


# --- builds -------------------------------------------------------------------------


def test_build_into_a_locked_folder_is_one_line(tmp_path: Path) -> None:
    src = _records(tmp_path / "a.jsonl", 3, "a")
    out = tmp_path / "out"
    out.mkdir()
    fd = os.open(out / LOCK_FILE, os.O_RDWR | os.O_CREAT)
    fcntl.flock(fd, fcntl.LOCK_EX)  # as a running build holds it
    try:
        result = CliRunner().invoke(main, ["build", str(src), "--out", str(out), "--no-html"])
        assert result.exit_code == 1, result.output
        assert result.output.count("\n") == 1
        assert "another castgraph build is writing this folder" in result.output
        assert not (out / "graph.json").exists()
    finally:
        os.close(fd)


def test_symlinks_in_the_output_folder_are_replaced_not_written_through(tmp_path: Path) -> None:
    src = _records(tmp_path / "a.jsonl", 3, "a")
    out = tmp_path / "out"
    out.mkdir()
    victims = {}
    for name in (*OUTPUTS, "graph.graphml", ".graph.json.qindex"):
        victim = tmp_path / f"victim-{name.strip('.')}"
        victim.write_text("precious\n")
        (out / name).symlink_to(victim)
        victims[name] = victim
    result = CliRunner().invoke(main, ["build", str(src), "--out", str(out), "--graphml"])
    assert result.exit_code == 0, result.output
    for name, victim in victims.items():
        assert victim.read_text() == "precious\n", name
        assert not (out / name).is_symlink(), name
    assert read_graph_json(out / "graph.json").number_of_nodes() > 0


def test_damaged_review_csv_is_one_line(tmp_path: Path) -> None:
    src = _records(tmp_path / "a.jsonl", 3, "a")
    out = tmp_path / "out"
    assert CliRunner().invoke(main, ["build", str(src), "--out", str(out), "--no-html"]).exit_code == 0
    review = out / "review.csv"
    header = "left_id,left_name,right_id,right_name,score,reason\n"
    for damaged in (header + "entity:1,A,entity:2,B,0.9", header + "entity:1,A,entity:2,B,oops,r\n",
                    header + 'entity:1,"A,entity:2\n', "", "left_id\n", b"\xff\xfe\x00garbage",
                    header + "entity:1,A,entity:2,B,0.9,why,extra\n"):
        if isinstance(damaged, bytes):
            review.write_bytes(damaged)
        else:
            review.write_text(damaged)
        result = CliRunner().invoke(main, ["resolve", "--review", "--graph", str(out)])
        assert result.exit_code == 1, (damaged, result.output)
        assert result.output.startswith(f"Error: {review}") and result.output.count("\n") == 1, result.output
        with pytest.raises(CastgraphError):
            read_review_csv(review)


def _consistent(out: Path) -> int:
    """The folder's outputs are whole and belong together; return the episode count."""
    graph = read_graph_json(out / "graph.json")
    episodes = sum(1 for _, a in graph.nodes(data=True) if a.get("label") == "Episode")
    # The query index answers for this graph.json, not another one.
    assert open_graph_dir(out).episode_count() == episodes
    with (out / "resolution.csv").open(newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows[0][0] == "entity_id" and all(len(r) == 8 for r in rows)
    assert {r[0] for r in rows[1:]} <= set(graph.nodes)
    read_review_csv(out / "review.csv")
    assert (out / "graph.html").read_text().rstrip().endswith("</html>")
    return episodes


@pytest.mark.slow
def test_two_builds_into_one_folder_at_once(tmp_path: Path) -> None:
    small = _records(tmp_path / "small.jsonl", 200, "s", seed=2)
    large = _records(tmp_path / "large.jsonl", 1200, "l", seed=3)
    out = tmp_path / "out"
    for _ in range(2):
        procs = [subprocess.Popen([CASTGRAPH, "build", str(src), "--out", str(out), "--wait", "120", "-q"],
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                 for src in (large, small)]
        results = [p.communicate(timeout=120) for p in procs]
        assert [p.returncode for p in procs] == [0, 0], results
        assert _consistent(out) in (200, 1200)
        assert _temps(out) == []
    # Without --wait the second build fails in one line while the first one writes.
    first = subprocess.Popen([CASTGRAPH, "build", str(large), "--out", str(out), "-q"])
    deadline = time.monotonic() + 30
    while not _locked(out) and time.monotonic() < deadline and first.poll() is None:
        time.sleep(0.01)
    second = _build(str(small), "--out", str(out), "-q")
    assert first.wait(120) == 0
    if second.returncode:
        assert second.stderr.count("\n") == 1 and "another castgraph build" in second.stderr, second.stderr
    assert _consistent(out) in (200, 1200)


def _locked(folder: Path) -> bool:
    try:
        fd = os.open(folder / LOCK_FILE, os.O_RDWR)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)
    return False


@pytest.mark.slow
def test_build_killed_at_random_points_leaves_whole_outputs(tmp_path: Path) -> None:
    """SIGKILL during a build, repeated: every output is the old one or the new one, never half."""
    old_src = _records(tmp_path / "old.jsonl", 300, "o", seed=4)
    new_src = _records(tmp_path / "new.jsonl", 1500, "n", seed=5)
    out, new_out = tmp_path / "out", tmp_path / "new-out"
    assert _build(str(old_src), "--out", str(out), "-q").returncode == 0
    assert _build(str(new_src), "--out", str(new_out), "-q").returncode == 0
    old = {name: (out / name).read_bytes() for name in OUTPUTS}
    new = {name: (new_out / name).read_bytes() for name in OUTPUTS}
    rng = random.Random(11)
    kills, deadline = 0, time.monotonic() + 20
    while time.monotonic() < deadline or kills < 3:
        proc = subprocess.Popen([CASTGRAPH, "build", str(new_src), "--out", str(out), "-q"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        # Most of a build's time is starting and resolving: aim most kills at the writes, which
        # begin when the first temp file appears; some anywhere.
        if kills % 3:
            while proc.poll() is None and not _temps(out):
                time.sleep(0.002)
            time.sleep(rng.uniform(0, 0.4))
        else:
            time.sleep(rng.uniform(0.5, 5))
        proc.send_signal(signal.SIGKILL)
        proc.wait(30)
        kills += 1
        for name in OUTPUTS:
            assert (out / name).read_bytes() in (old[name], new[name]), (kills, name)
        _consistent(out)
        result = CliRunner().invoke(main, ["resolve", "--review", "--graph", str(out)])
        assert result.exit_code == 0, result.output
    assert kills >= 3
    assert _build(str(new_src), "--out", str(out), "-q").returncode == 0
    assert _temps(out) == []  # the killed builds' temp files are gone
    assert {name: (out / name).read_bytes() for name in OUTPUTS} == new
