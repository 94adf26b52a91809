"""Work in a forked child (castgraph.forked): results, errors, killed children, Ctrl-C, streams."""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from pathlib import Path

import pytest
from python_runs import run_python

from castgraph import forked, machine
from castgraph.errors import CastgraphError
from castgraph.forked import NO_FORK_ENV, ForkedCall, fork_unavailable, tolerate_at_fork
from castgraph.outputs import OutputLocked, atomic_open

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="no os.fork on this platform")


def _gone(pid: int) -> bool:
    """The process was reaped (not a zombie, not running)."""
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        return True
    return False


def test_result_comes_back_and_child_is_reaped() -> None:
    data = {"a": list(range(100_000))}  # bigger than a pipe's buffer: read while the child writes
    with ForkedCall(lambda: (os.getpid(), data), what="counting") as child:
        pid = child.pid
        child_pid, back = child.result()
    assert back == data and child_pid == pid != os.getpid()
    assert pid is not None and _gone(pid)


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads the child's state in /proc")
def test_an_answer_read_ahead_comes_through_while_this_process_works() -> None:
    data = bytes(range(256)) * 40_000  # 10 MB: the child waits on a full pipe unless it is read
    with ForkedCall(lambda: data, what="a large answer") as child:
        child.read_ahead()
        time.sleep(1.0)  # this process busy elsewhere
        # The child has ended (a zombie until reaped), not waiting to write the rest.
        assert Path(f"/proc/{child.pid}/stat").read_text().split(")")[-1].split()[0] == "Z"
        back = child.result()
    assert back == data


def _open_fds() -> set[str]:
    return set(os.listdir("/proc/self/fd"))


@pytest.mark.skipif(not Path("/proc/self/fd").exists(), reason="counts open files in /proc")
@pytest.mark.parametrize("in_file", [True, False], ids=["shared file", "pipe"])
def test_a_large_answer_comes_back_whole_and_leaves_no_file_open(monkeypatch: pytest.MonkeyPatch,
                                                                  in_file: bool) -> None:
    if not in_file:  # as where there is no memfd_create: all of it through the pipe
        monkeypatch.setattr(forked, "answer_file", lambda: -1)
    elif forked.answer_file() < 0:
        pytest.skip("no in-memory files (os.memfd_create) here")
    data = [bytes([n % 251]) * 1000 + str(n).encode() for n in range(3 * forked.ANSWER_FILE_MIN // 1000)]
    before = _open_fds()
    with ForkedCall(lambda: data, what="a large answer") as child:
        child.read_ahead()
        assert child.result() == data
    # A second one killed before its answer is taken: nothing of it stays open either.
    with ForkedCall(lambda: (time.sleep(60), data), what="a large answer"):
        pass
    assert _open_fds() == before


@pytest.mark.skipif(not Path("/proc/self/fd").exists(), reason="counts open files in /proc")
def test_an_answer_file_shorter_than_the_child_said_is_an_error_not_a_crash() -> None:
    if forked.answer_file() < 0:
        pytest.skip("no in-memory files (os.memfd_create) here")

    before = _open_fds()
    child = ForkedCall(lambda: None, what="answering").start()
    # Say the answer is in the file, but longer than what is there (a mapping past the end is SIGBUS).
    with pytest.raises(ValueError, match="shorter"):
        child._unpickled(b"F" + str(forked.ANSWER_FILE_MIN).encode())
    child.result()
    assert _open_fds() == before


def test_a_child_reading_ahead_is_killed_and_reaped_without_waiting_for_it() -> None:
    child = ForkedCall(lambda: time.sleep(60), what="sleeping").start()
    pid = child.pid
    child.read_ahead()
    started = time.monotonic()
    child.kill()
    assert time.monotonic() - started < 5
    assert pid is not None and _gone(pid)
    assert not [t for t in threading.enumerate() if t.name == "castgraph-sleeping"]


def test_castgraph_error_is_raised_again_as_the_same_type() -> None:
    def fail() -> None:
        raise OutputLocked("out: another castgraph build is writing this folder")

    with pytest.raises(OutputLocked, match=r"^out: another castgraph build is writing this folder$"), \
            ForkedCall(fail, what="writing graph.html") as child:
        child.result()


def test_os_error_is_the_line_the_command_prints(tmp_path: Path) -> None:
    target = tmp_path / "graph.html"
    target.mkdir()  # a folder where the file goes: the rename fails

    def write() -> None:
        with atomic_open(target) as fh:
            fh.write("<html>")

    with pytest.raises(CastgraphError) as caught, ForkedCall(write, what="writing graph.html") as child:
        child.result()
    assert type(caught.value) is CastgraphError
    assert str(caught.value).endswith(": Is a directory") and ".graph.html." in str(caught.value)
    assert os.listdir(tmp_path) == ["graph.html"]  # the child removed its temp file


def test_other_error_names_what_the_child_did_and_keeps_its_traceback() -> None:
    def fail() -> None:
        {}["missing"]

    with pytest.raises(CastgraphError) as caught, ForkedCall(fail, what="writing resolution.csv") as child:
        child.result()
    assert str(caught.value) == "writing resolution.csv: KeyError: 'missing'"
    assert "in fail" in caught.value.__notes__[0]


def test_result_that_does_not_pickle_is_an_error() -> None:
    with pytest.raises(CastgraphError, match=r"^writing x: PicklingError|^writing x: AttributeError"), \
            ForkedCall(lambda: lambda: 1, what="writing x") as child:
        child.result()


def test_killed_child_is_an_error_naming_its_work_and_cleans_up(tmp_path: Path) -> None:
    cleaned: list[bool] = []

    def die() -> None:
        with atomic_open(tmp_path / "graph.html") as fh:
            fh.write("half a page")
            fh.flush()
            os.kill(os.getpid(), signal.SIGKILL)

    with pytest.raises(CastgraphError, match=r"^writing graph.html: the child process was killed by signal "
                                             r"SIGKILL$"), \
            ForkedCall(die, what="writing graph.html", cleanup=lambda: cleaned.append(True)) as child:
        child.result()
    assert cleaned == [True]
    assert len(list(tmp_path.iterdir())) == 1  # the temp file: the cleanup given by the caller removes it


def test_child_ending_without_a_result_is_an_error() -> None:
    ended = r"^writing x: the child process ended \(exit code 3\) without a result$"
    with pytest.raises(CastgraphError, match=ended), \
            ForkedCall(lambda: os._exit(3), what="writing x") as child:
        child.result()


def test_error_here_kills_and_reaps_the_child() -> None:
    cleaned: list[bool] = []
    started = time.monotonic()
    sleeper = ForkedCall(lambda: time.sleep(60), what="sleeping", cleanup=lambda: cleaned.append(True))
    with pytest.raises(ValueError, match="parent failed"), sleeper as child:
        pid = child.pid
        raise ValueError("parent failed")
    assert time.monotonic() - started < 10
    assert pid is not None and _gone(pid) and cleaned == [True]


def test_ctrl_c_while_waiting_kills_and_reaps_the_child() -> None:
    previous = signal.signal(signal.SIGALRM, lambda *_: os.kill(os.getpid(), signal.SIGINT))
    # Ctrl-C raises KeyboardInterrupt, as in a terminal, also where the tests were started in the
    # background (a shell without job control starts background jobs with SIGINT ignored).
    previous_int = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        with pytest.raises(KeyboardInterrupt), ForkedCall(lambda: time.sleep(60), what="sleeping") as child:
            pid = child.pid
            signal.setitimer(signal.ITIMER_REAL, 0.3)
            child.result()
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        signal.signal(signal.SIGINT, previous_int)
    assert pid is not None and _gone(pid)


def test_fork_unavailable_says_why() -> None:
    assert fork_unavailable() == ""
    stop = threading.Event()
    worker = threading.Thread(target=stop.wait, name="busy-worker")
    worker.start()
    try:
        assert fork_unavailable() == "1 other thread(s) running (busy-worker)"
        tolerate_at_fork(worker)
        assert fork_unavailable() == ""
    finally:
        stop.set()
        worker.join()


def test_fork_needs_memory_for_the_child(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(machine, "_resident_kb", lambda: 2_000_000)
    monkeypatch.setattr(machine, "_available_kb", lambda: 900_000)
    assert fork_unavailable(memory_share=0.4) == ""
    assert fork_unavailable(memory_share=0.5) == ("not enough memory for a child process (about 977 MB; "
                                                  "879 MB available)")
    assert fork_unavailable() == ""


def test_no_fork_env_and_platform_without_fork(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(NO_FORK_ENV, "1")
    assert fork_unavailable() == "CASTGRAPH_NO_FORK is set"
    monkeypatch.setenv(NO_FORK_ENV, "0")
    assert fork_unavailable() == ""
    monkeypatch.delattr(os, "fork")
    assert fork_unavailable() == "this platform has no fork"


def test_child_runs_no_exit_handlers_and_prints_nothing_twice() -> None:
    code = ("import atexit, sys\n"
            "from castgraph.forked import ForkedCall\n"
            "atexit.register(print, 'exit handler')\n"
            "sys.stdout.write('buffered before the fork;')\n"  # a pipe: block-buffered, not yet written
            "with ForkedCall(lambda: print('printed by the child') or 7, what='x') as child:\n"
            "    print(child.result())\n")
    run = run_python(code)
    assert run.returncode == 0, run.stderr
    assert run.stdout == "buffered before the fork;7\nexit handler\n"


def test_ctrl_c_on_the_process_group_ends_both(tmp_path: Path) -> None:
    """A terminal's Ctrl-C signals the whole group: the child dies at once, the parent reaps it."""
    pid_file = tmp_path / "child.pid"
    code = ("import os, time, pathlib, signal\n"
            "from castgraph.forked import ForkedCall\n"
            # As a terminal's Python has it, whatever started the tests (see the test above).
            "signal.signal(signal.SIGINT, signal.default_int_handler)\n"
            "def work():\n"
            f"    pathlib.Path({str(pid_file)!r}).write_text(str(os.getpid()))\n"
            "    time.sleep(60)\n"
            "try:\n"
            "    with ForkedCall(work, what='x') as child:\n"
            "        child.result()\n"
            "except KeyboardInterrupt:\n"
            "    print('interrupted', flush=True)\n")
    import subprocess

    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True,
                            start_new_session=True)
    deadline = time.monotonic() + 30
    while not pid_file.exists() or not pid_file.read_text():
        assert time.monotonic() < deadline and proc.poll() is None
        time.sleep(0.05)
    child_pid = int(pid_file.read_text())
    os.killpg(proc.pid, signal.SIGINT)
    out, _ = proc.communicate(timeout=30)
    assert out == "interrupted\n"
    with pytest.raises(ProcessLookupError):
        os.kill(child_pid, 0)
