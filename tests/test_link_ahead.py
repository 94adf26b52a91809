"""The search that runs in a child process while the resolver works (castgraph.link.ahead, .relay)."""

from __future__ import annotations

import dataclasses
import json
import os
import random
import signal
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from castgraph import machine
from castgraph import pipeline as pipeline_module
from castgraph.forked import NO_FORK_ENV, fork_unavailable
from castgraph.graph.model import Chapter, Episode, Mention
from castgraph.link import EntityLinker, LinkOptions
from castgraph.link import ahead as ahead_module
from castgraph.link.ahead import SearchAhead, mention_surfaces, surface_names
from castgraph.link.automaton import NameAutomaton
from castgraph.link.spots import TextHits, find_hits, read_batch
from castgraph.pipeline import BuildOptions, GraphBuilder

needs_fork = pytest.mark.skipif(bool(fork_unavailable()),
                                reason="no forked child here: the linker searches in-process")

#: Both ways a child runs: forked, or started anew and sent the texts (castgraph.link.relay).
KINDS = ["fork", "relay"]
FIELDS = ["title", "summary", "chapters"]
SURFACES = ["Claude", "Claude Code", "GitHub", "GitHub Copilot", "Amazon Web Services (AWS)",
            "Ｍｉｓｔｒａｌ", "Shawn Wang / swyx", "Andrej Karpathy (Eureka Labs)", "松尾研究室", "松尾",
            "gpt-5", "Jane Doe", "LongName Industries"]
# Words of the texts: the surfaces, pieces of them, other names and case variants.
PIECES = [*SURFACES, "claude", "CLAUDE CODE", "github", "AWS", "aws", "Mistral", "swyx", "Eureka Labs",
          "Karpathy", "Anthropic", "anthropics", "Jane", "Doe", "Industries", "の", "、", ". ", " ", " ", " ",
          "\n", "-", "gpt-5.1", "Ｊａｎｅ Ｄｏｅ"]


def _corpus(seed: int, size: int = 40) -> list[Episode]:
    rng = random.Random(seed)

    def text() -> str:
        return "".join(rng.choice(PIECES) for _ in range(rng.randint(0, 14)))

    episodes = []
    for i in range(size):
        chapters = [Chapter(title=text(), start=60 * c, summary=text()) for c in range(rng.randint(0, 3))]
        mentions = [Mention(surface=rng.choice(SURFACES)) for _ in range(rng.randint(0, 3))]
        episodes.append(Episode(id=f"e{i:03d}", title=text(), summary=text(), chapters=chapters,
                                mentions=mentions))
    return episodes


def _same(found: TextHits | None, expected: TextHits) -> None:
    assert found is not None
    for field in dataclasses.fields(TextHits):
        got, want = getattr(found, field.name), getattr(expected, field.name)
        if isinstance(want, list):
            assert got == want, field.name
        else:
            assert got.dtype == want.dtype and np.array_equal(got, want), field.name


def _surface_names(episodes: list[Episode]) -> list[str]:
    return surface_names(mention_surfaces(episodes), bool)


class FailsInAnotherProcess:
    """A guard that pickles, and fails in any process but the one that made it."""

    def __init__(self) -> None:
        self.pid = os.getpid()

    def __call__(self, name: str) -> bool:
        if os.getpid() != self.pid:
            raise RuntimeError("the child fails")
        return True


def _names(rng: random.Random, episodes: list[Episode]) -> list[str]:
    """Names as a resolver might leave them: some surfaces' names dropped, some never a surface."""
    searched = _surface_names(episodes)
    kept = [n for n in searched if rng.random() < 0.7]
    return kept + rng.sample(["Anthropic", "Jane", "Eureka Labs", "Industries", "claude code x"], 2)


@needs_fork
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("seed", range(6))
def test_the_child_finds_exactly_what_the_linker_would(seed: int, kind: str) -> None:
    episodes = _corpus(seed)
    rng = random.Random(seed)
    for names in (_names(rng, episodes), _surface_names(episodes), ["Claude"]):
        ahead = SearchAhead(episodes, FIELDS, bool, always=True, kind=kind)
        assert ahead.running and ahead.kind == kind
        ahead.send(episodes, names)
        found = ahead.receive()
        _same(found, find_hits(NameAutomaton(names), episodes, FIELDS))
        assert not ahead.running


@pytest.mark.parametrize("implementation", ["ahocorasick_rs", "pyahocorasick"])
@pytest.mark.parametrize("seed", range(12))
def test_episodes_searched_again_get_the_hits_of_a_search_with_the_final_names(
        seed: int, implementation: str, monkeypatch: pytest.MonkeyPatch) -> None:
    # The child's work, in this process, over batches of a few episodes: the hits of the episodes
    # where names dropped or new ones match are made again and put in place of the old ones.
    from castgraph.link import spots

    if implementation == "pyahocorasick":
        pytest.importorskip("ahocorasick", reason="pyahocorasick is not installed (the bench extra)")
    for module in (spots, ahead_module):
        monkeypatch.setattr(module, "BATCH", 7)
    episodes = _corpus(seed, 60)
    rng = random.Random(seed)
    for names in (_names(rng, episodes), _names(rng, episodes), ["Claude", "claude code x"]):
        texts = (read_batch(episodes, first, FIELDS) for first in range(0, len(episodes), 7))
        searched = ahead_module.search_texts(texts, _surface_names(episodes), implementation,
                                             lambda names=names: names, dict)
        assert searched is not None
        _same(searched.hits.widened(), find_hits(NameAutomaton(names), episodes, FIELDS))


def test_hits_narrowed_for_the_hand_over_come_back_the_same() -> None:
    hits = find_hits(NameAutomaton(_surface_names(_corpus(3))), _corpus(3), FIELDS)
    assert len(hits.start)
    narrow = hits.narrowed()
    assert narrow.start.dtype == np.int32 and narrow.unit_start.dtype == np.int32
    _same(narrow.widened(), hits)
    far = dataclasses.replace(hits, start=hits.start + 2**40)  # past int32: kept as it is
    assert far.narrowed().start.dtype == np.int64
    _same(far.narrowed().widened(), far)


@needs_fork
@pytest.mark.parametrize("kind", KINDS)
def test_names_found_only_after_resolution_are_searched_again(kind: str) -> None:
    episodes = [Episode(id="a", title="Claude Code, then Claude", mentions=[Mention(surface="Claude Code")]),
                Episode(id="b", title="Anthropic and Claude", mentions=[Mention(surface="Claude")]),
                Episode(id="c", title="nothing", mentions=[])]
    ahead = SearchAhead(episodes, ["title"], bool, always=True, kind=kind)
    # "Claude Code" is not a name any more; "Anthropic" was never a surface.
    ahead.send(episodes, ["Claude", "Anthropic"])
    found = ahead.receive()
    assert found is not None
    assert [(e, s) for e, s in zip(found.episode.tolist(), found.start.tolist(), strict=True)] == \
        [(0, 0), (0, 18), (1, 0), (1, 14)]
    assert found.variants == [(1, "Claude"), (0, "Anthropic")]


@needs_fork
def test_a_guard_that_cannot_be_sent_leaves_the_search_to_the_linker() -> None:
    episodes = _corpus(7, 5)
    ahead = SearchAhead(episodes, FIELDS, lambda name: True, always=True, kind="relay")
    assert not ahead.running and ahead.kind == ""
    assert ahead.why_not.startswith("the name guard cannot be sent to another process")
    ahead.send(episodes, ["Claude"])
    assert ahead.receive() is None


@needs_fork
def test_other_episodes_than_those_searched_stop_the_child() -> None:
    episodes = _corpus(1, 5)
    ahead = SearchAhead(episodes, FIELDS, bool, always=True)
    pid = ahead._child.pid if ahead._child is not None else None
    ahead.send(episodes[:-1], ["Claude"])
    assert ahead.receive() is None and not ahead.running
    with pytest.raises(ChildProcessError):
        os.waitpid(pid or -1, os.WNOHANG)  # reaped


def test_without_fork_nothing_runs_and_the_build_is_the_same(tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    records = [{"id": ep.id, "title": ep.title, "summary": ep.summary,
                "entities": [{"name": m.surface, "type": "Product"} for m in ep.mentions]}
               for ep in _corpus(3, 30)]
    src = tmp_path / "eps.jsonl"
    src.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    received: list[Any] = []
    real_receive = SearchAhead.receive

    def spy(self: SearchAhead) -> TextHits | None:
        received.append(real_receive(self))
        return received[-1]

    monkeypatch.setattr(SearchAhead, "receive", spy)
    monkeypatch.setattr(pipeline_module, "SEARCHED_HERE_SECONDS", 0.0)  # a note however short the search
    forking = not fork_unavailable()
    ahead = LinkOptions(search_ahead=True)
    reports = [GraphBuilder(BuildOptions(inputs=[src], out=tmp_path / "forked", html=False, graph_json=True,
                                         link=ahead)).run()]
    monkeypatch.setenv(NO_FORK_ENV, "1")
    assert not SearchAhead(_corpus(1, 2), FIELDS, bool, always=True).running
    reports.append(GraphBuilder(BuildOptions(inputs=[src], out=tmp_path / "alone", html=False,
                                             graph_json=True, link=ahead)).run())
    monkeypatch.delenv(NO_FORK_ENV)
    reports.append(GraphBuilder(BuildOptions(inputs=[src], out=tmp_path / "never", html=False,
                                             graph_json=True, link=LinkOptions(search_ahead=False))).run())
    monkeypatch.setattr(ahead_module, "CHILD_MEMORY_SHARE", 1e9)  # no memory for a fork's copy
    reports.append(GraphBuilder(BuildOptions(inputs=[src], out=tmp_path / "relayed", html=False,
                                             graph_json=True, link=ahead)).run())
    assert len(received) == 3  # search_ahead=False: no child asked
    # The report says why the texts were searched after resolution (nothing when asked not to fork).
    assert (reports[0].searched_here == "") == isinstance(received[0], TextHits)  # "": a child searched
    assert [r.searched_here for r in reports[1:3]] == [f"{NO_FORK_ENV} is set", ""]
    if forking:
        assert isinstance(received[0], TextHits) and len(received[0].start)
        # A child sent only the texts finds the same; the build codes the listed columns itself.
        _same(received[2], received[0])
    assert received[1] is None
    forked = (tmp_path / "forked" / "graph.json").read_bytes()
    assert b"text_link" in forked
    for other in ("alone", "never", "relayed"):
        assert (tmp_path / other / "graph.json").read_bytes() == forked, other


@needs_fork
@pytest.mark.parametrize("kind", KINDS)
def test_a_failing_child_leaves_the_search_to_the_linker(kind: str) -> None:
    episodes = _corpus(2, 10)
    ahead = SearchAhead(episodes, FIELDS, FailsInAnotherProcess(), always=True, kind=kind)
    assert ahead.running
    ahead.send(episodes, ["Claude", "GitHub"])
    assert ahead.receive() is None and not ahead.running


@needs_fork
def test_a_failed_resolution_stops_the_child(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    started: list[SearchAhead] = []
    real_init = SearchAhead.__init__

    def record(self: SearchAhead, *args: Any, **kwargs: Any) -> None:
        real_init(self, *args, **kwargs)
        started.append(self)

    def fail(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("resolution failed")

    monkeypatch.setattr(SearchAhead, "__init__", record)
    monkeypatch.setattr("castgraph.pipeline.resolve", fail)
    src = tmp_path / "eps.jsonl"
    src.write_text('{"id": "a", "title": "GitHub", "entities": [{"name": "GitHub"}]}\n', encoding="utf-8")
    with pytest.raises(RuntimeError, match="resolution failed"):
        GraphBuilder(BuildOptions(inputs=[src], out=tmp_path / "out", html=False)).run()
    assert len(started) == 1 and not started[0].running


def test_the_linker_gives_the_same_mentions_with_a_search_ahead() -> None:
    from castgraph.resolve import resolve

    found = []
    for ahead in (False, True):
        episodes = _corpus(4, 30)
        linker = EntityLinker(LinkOptions(search_ahead=True))
        if ahead:
            linker.search_ahead(episodes)
            assert linker._ahead is not None and linker._ahead.running == (not fork_unavailable())
        result = linker.link(episodes, resolve(episodes))
        assert linker._ahead is None
        found.append([(m.id, m.surface, m.field, m.span, result.assignments[m.id]) for m in result.mentions])
    assert found[0] == found[1] and len(found[0]) > 5


def test_idle_cores_since_a_snapshot() -> None:
    snapshot = machine.cpu_snapshot()
    if snapshot is None:
        pytest.skip("no /proc/stat here")
    assert machine.idle_cores_since(snapshot, min_ticks=10**9) is None  # too soon to tell
    end = time.monotonic() + 0.5
    while time.monotonic() < end:  # this process keeps one core busy
        pass
    idle = machine.idle_cores_since(snapshot)
    assert idle is not None and 0 <= idle <= (os.cpu_count() or 1) - 0.5


def test_no_child_without_memory_for_a_copy_or_an_idle_core(monkeypatch: pytest.MonkeyPatch) -> None:
    episodes = _corpus(5, 4)
    monkeypatch.setattr(ahead_module, "CHILD_MEMORY_SHARE", 1e9)  # more than any machine has
    if not fork_unavailable() and sys.platform == "linux":
        # No memory for a fork's copy: a child sent only the texts, where there is memory for those.
        relayed = SearchAhead(episodes, FIELDS, bool, always=True)
        assert relayed.running and relayed.kind == "relay" and relayed.why_not == ""
        relayed.send(episodes, ["Claude"])
        _same(relayed.receive(), find_hits(NameAutomaton(["Claude"]), episodes, FIELDS))
    monkeypatch.setattr(ahead_module, "RELAY_MEMORY_SHARE", 1e9)
    ahead = SearchAhead(episodes, FIELDS, bool, always=True)
    assert not ahead.running and (ahead.why_not.startswith("not enough memory") or sys.platform != "linux")
    assert ahead.kind == ""
    ahead.send(episodes, ["Claude"])
    assert ahead.receive() is None
    monkeypatch.undo()
    monkeypatch.setattr(machine, "idle_cores", lambda: 0.4)
    busy = SearchAhead(episodes, FIELDS, bool)
    assert not busy.running and busy.why_not == "no idle core (load average leaves 0.4)"
    # What the machine did since a snapshot wins over the load average (a build just before this one).
    monkeypatch.setattr(machine, "idle_cores_since", lambda since: 0.2 if since else None)
    lately = SearchAhead(episodes, FIELDS, bool, since=(0, 0))
    assert not lately.running and lately.why_not == "no idle core (0.2 idle of late)"
    monkeypatch.setattr(machine, "idle_cores_since", lambda since: 0.9)
    monkeypatch.setattr(machine, "idle_cores", lambda: 0.0)
    idle = SearchAhead(episodes, FIELDS, bool, since=(0, 0))
    assert idle.why_not in ("", machine.memory_short(ahead_module.RELAY_MEMORY_SHARE))
    idle.close()
    if not fork_unavailable():
        forced = SearchAhead(episodes, FIELDS, bool, always=True)
        assert forced.running and forced.why_not == ""
        forced.close()
        assert not forced.running


@needs_fork
@pytest.mark.parametrize("kind", KINDS)
def test_a_killed_child_leaves_the_search_to_the_linker(kind: str) -> None:
    episodes = _corpus(6, 10)
    ahead = SearchAhead(episodes, FIELDS, bool, always=True, kind=kind)
    if kind == "fork":
        assert ahead._child is not None and ahead._child.pid is not None
        pid = ahead._child.pid
    else:
        assert ahead._relay is not None and ahead._relay._child is not None
        pid = ahead._relay._child.pid
    os.kill(pid, signal.SIGKILL)
    ahead.send(episodes, ["Claude", "GitHub"])
    assert ahead.receive() is None and not ahead.running


def test_the_build_says_why_the_texts_were_searched_after_resolution(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from click.testing import CliRunner

    from castgraph.cli import main

    records = [{"id": ep.id, "title": ep.title, "summary": ep.summary,
                "entities": [{"name": m.surface, "type": "Product"} for m in ep.mentions]}
               for ep in _corpus(3, 10)]
    src = tmp_path / "eps.jsonl"
    src.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    monkeypatch.setenv("COLUMNS", "300")
    # The reason depends on the machine (memory, idle cores): one is given here.
    monkeypatch.setattr(ahead_module, "choose_child", lambda **_: ("", "no room for a child"))
    quick = CliRunner().invoke(main, ["build", str(src), "--out", str(tmp_path / "quick"), "--no-html"])
    assert quick.exit_code == 0, quick.output
    assert "seconds" in quick.output and "text search" not in quick.output  # a search too short to note
    monkeypatch.setattr(pipeline_module, "SEARCHED_HERE_SECONDS", 0.0)
    alone = CliRunner().invoke(main, ["build", str(src), "--out", str(tmp_path / "alone"), "--no-html"])
    assert alone.exit_code == 0, alone.output
    row = next(line for line in alone.output.splitlines() if "text search" in line)
    assert "after resolution, in this process: no room for a child (--no-link skips it)" in row
    unlinked = CliRunner().invoke(main, ["build", str(src), "--out", str(tmp_path / "unlinked"), "--no-html",
                                         "--no-link"])
    assert unlinked.exit_code == 0, unlinked.output
    assert "seconds" in unlinked.output and "text search" not in unlinked.output
