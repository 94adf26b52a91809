"""The search child started anew and sent only the texts (castgraph.link.relay)."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from castgraph.forked import fork_unavailable
from castgraph.graph.model import Episode, Mention
from castgraph.link import relay as relay_module
from castgraph.link.ahead import SearchAhead
from castgraph.link.automaton import NameAutomaton
from castgraph.link.spots import find_hits

EPISODES = [Episode(id="a", title="GitHub and Claude Code", mentions=[Mention(surface="Claude Code")]),
            Episode(id="b", title="Claude on GitHub", mentions=[Mention(surface="GitHub")])]

needs_child = pytest.mark.skipif(bool(fork_unavailable()),
                                 reason="no search child here (CASTGRAPH_NO_FORK, or threads running)")


def _relayed(names: list[str]) -> list[int] | None:
    ahead = SearchAhead(EPISODES, ["title"], bool, always=True, kind="relay")
    assert ahead.kind == "relay", ahead.why_not
    ahead.send(EPISODES, names)
    hits = ahead.receive()
    return None if hits is None else hits.start.tolist()


def test_the_child_ends_at_once_and_quietly_when_the_build_sends_nothing() -> None:
    # Started as the relay starts it: no second run of the module (runpy warns of one), no traceback.
    done = subprocess.run([sys.executable, "-P", "-c", relay_module._CHILD, "-1"], input=b"",
                          capture_output=True, timeout=60, env=relay_module.python_child_env())
    assert done.returncode == 1 and done.stdout == b"" and done.stderr == b""


@needs_child
def test_the_child_finds_what_the_linker_would() -> None:
    names = ["Claude", "GitHub"]
    assert _relayed(names) == find_hits(NameAutomaton(names), EPISODES, ["title"]).start.tolist()


@needs_child
def test_the_child_ignores_modules_in_the_working_folder(tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "pickle.py").write_text("raise SystemExit(3)\n")  # the child would fail importing it
    monkeypatch.chdir(tmp_path)
    assert _relayed(["Claude"]) == find_hits(NameAutomaton(["Claude"]), EPISODES, ["title"]).start.tolist()


@needs_child
def test_a_working_folder_gone_leaves_the_search_to_the_linker(monkeypatch: pytest.MonkeyPatch) -> None:
    def gone() -> str:
        raise FileNotFoundError("the working folder was removed")

    monkeypatch.setattr(sys, "path", ["", *sys.path])  # the working folder: asked for
    monkeypatch.setattr("os.getcwd", gone)
    ahead = SearchAhead(EPISODES, ["title"], bool, always=True, kind="relay")
    assert not ahead.running and ahead.why_not == "no Python process could be started"



@needs_child
def test_no_more_texts_are_read_once_the_child_is_gone(monkeypatch: pytest.MonkeyPatch) -> None:
    from castgraph.link import ahead as ahead_module

    real_start = relay_module.SearchRelay.start

    def start_and_lose(self: relay_module.SearchRelay) -> bool:
        started = real_start(self)
        assert started and self._child is not None
        self._child.kill()
        self._child.wait()
        self.put("lost")  # its writer finds the pipe closed, and ends
        deadline = time.monotonic() + 10
        while self.listening and time.monotonic() < deadline:
            time.sleep(0.01)
        return started

    read: list[int] = []
    real_read = ahead_module.read_batch
    monkeypatch.setattr(relay_module.SearchRelay, "start", start_and_lose)
    monkeypatch.setattr(ahead_module, "read_batch", lambda eps, first, fields: read.append(first) or
                        real_read(eps, first, fields))
    ahead = SearchAhead(EPISODES, ["title"], bool, always=True, kind="relay")
    assert read == []
    ahead.send(EPISODES, ["Claude"])
    assert ahead.receive() is None and not ahead.running


@needs_child
def test_what_was_queued_for_a_child_gone_is_let_go() -> None:
    relay = relay_module.SearchRelay()
    assert relay.start() and relay._child is not None
    relay._child.kill()
    relay._child.wait()
    relay.put("x" * 1000)  # its writer finds the pipe closed
    deadline = time.monotonic() + 10
    while relay.listening and time.monotonic() < deadline:
        time.sleep(0.01)
    assert not relay.listening
    for _ in range(3):
        relay.put("texts nobody will read")
    assert relay._outbox.empty()
    relay.close()


class SlowGuard:
    """A guard that keeps the child busy after it has read every message."""

    def __call__(self, name: str) -> bool:
        time.sleep(30)
        return True


@needs_child
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the parent-death signal is Linux's")
def test_the_child_does_not_outlive_a_killed_build(tmp_path: Path) -> None:
    build = tmp_path / "build.py"
    build.write_text(f"""
import sys, time
sys.path.insert(0, {str(Path(__file__).parent)!r})
from castgraph.link.relay import SearchRelay
from test_link_relay import SlowGuard
relay = SearchRelay()
relay.start()
relay.put(("ahocorasick_rs", SlowGuard(), ["Claude"]))
relay.put(None)
relay.put(["Claude"])
relay.finish()
print(relay._child.pid, flush=True)
time.sleep(60)
""", encoding="utf-8")
    with subprocess.Popen([sys.executable, str(build)], stdout=subprocess.PIPE, text=True) as parent:
        assert parent.stdout is not None
        child = int(parent.stdout.readline())
        time.sleep(1.0)  # the child reads every message, then waits in the guard
        assert _alive(child)
        parent.kill()
    deadline = time.monotonic() + 10
    while _alive(child) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _alive(child)


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] not in ("Z", "X")
    except OSError:
        return False
