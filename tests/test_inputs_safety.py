"""Inputs are never silently lost nor wholly rejected for one bad record, and never hang or crash.

Also a bounded fuzz run of the loaders over mutated real inputs (the real page when
it is next to the repository, the examples, JSONL and a feed): every input is read,
or refused with one :class:`InputError` line, in bounded time, and what is read builds.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import real_page_if_present
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from castgraph.cli import main
from castgraph.graph.build import build_graph
from castgraph.graph.networkx_store import graph_to_json, read_graph_json
from castgraph.loaders import InputError, read_episodes
from castgraph.resolve import resolve

ROOT = Path(__file__).resolve().parent.parent
GOOD = {"id": "good", "title": "Good episode", "entities": [{"name": "swyx", "type": "Person"}]}
CASTGRAPH = str(Path(sys.executable).parent / "castgraph")


def _build(tmp_path: Path, *inputs: str) -> tuple[int, str, Path]:
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["build", *inputs, "--out", str(out), "--no-html"])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.output, out


def _episode_ids(out: Path) -> set[str]:
    graph = read_graph_json(out / "graph.json")
    return {a["record_id"] for _, a in graph.nodes(data=True) if a.get("label") == "Episode"}


def test_names_with_nothing_to_resolve_are_warned_naming_the_record(tmp_path: Path) -> None:
    names = ["😀🎉", "\u200b\u200d", "...!?", "swyx"]
    src = tmp_path / "names.jsonl"
    src.write_text(json.dumps(GOOD) + "\n" + json.dumps(
        {"id": "e1", "title": "T", "entities": [{"name": n, "type": "Person"} for n in names]}) + "\n")
    code, output, _ = _build(tmp_path, str(src))
    assert code == 0
    for name in names[:3]:
        assert f"warning: {src}, line 2: entity {name!r} has no letters or digits to resolve" in output


def test_a_nul_byte_or_a_900_deep_line_rejects_only_that_record(tmp_path: Path) -> None:
    src = tmp_path / "mixed.jsonl"
    src.write_bytes(b"\n".join([
        b'{"id": "nul", "title": "a\x00b"}',
        json.dumps(GOOD).encode(),
        b'{"id": "deep", "title": "d", "x": ' + b"[" * 900 + b"]" * 900 + b"}",
        b'{"id": "deeper", "title": "d", "x": ' + b"[" * 5000 + b"]" * 5000 + b"}",
        b'{"id": "kept", "title": "k"}',
    ]) + b"\n")
    code, output, out = _build(tmp_path, str(src))
    assert code == 0, output
    assert f"{src}, line 1: broken record skipped: not valid JSON" in output
    assert f"{src}, line 3: 'x' is nested more than 32 levels deep; ignored" in output
    assert f"{src}, line 4: broken record skipped" in output
    assert _episode_ids(out) == {"good", "deep", "kept"}


def test_huge_integers_and_deep_values_under_unknown_keys_are_warnings(tmp_path: Path) -> None:
    records = [GOOD, {"id": "big", "title": "B"}, {"id": "deep", "title": "D"}]
    text = json.dumps(records)
    text = text.replace('"title": "B"}', '"title": "B", "n": ' + "7" * 4301 + ', "m": ' + "8" * 4300 + "}")
    text = text.replace('"title": "D"}', '"title": "D", "x": {"a": ' + "[" * 900 + "]" * 900 + "}}")
    src = tmp_path / "records.json"
    src.write_text(text)
    code, output, out = _build(tmp_path, str(src))
    assert code == 0, output
    assert f"{src}, record 2: 'n' holds an integer of more than 4300 digits; kept as text" in output
    assert f"{src}, record 3: 'x' is nested more than 32 levels deep; ignored" in output
    graph = read_graph_json(out / "graph.json")
    extra = graph.nodes["episode:big"]["extra"]
    assert extra["n"] == "7" * 4301 and extra["m"] == int("8" * 4300)
    assert _episode_ids(out) == {"good", "big", "deep"}


def test_build_of_the_current_folder_twice_does_not_read_its_own_output(tmp_path: Path) -> None:
    (tmp_path / "eps.jsonl").write_text(json.dumps(GOOD) + "\n")
    for _ in range(2):
        result = subprocess.run([CASTGRAPH, "build", ".", "--no-html", "-q"], cwd=tmp_path,
                                capture_output=True, text=True, timeout=120)
        assert result.returncode == 0, result.stderr
        assert result.stderr == ""
    assert _episode_ids(tmp_path / "castgraph-out") == {"good"}


def test_a_fifo_is_refused_not_waited_on(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.jsonl"
    os.mkfifo(fifo)
    result = subprocess.run([CASTGRAPH, "build", str(fifo), "--out", str(tmp_path / "o")],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert result.stderr == f"Error: {fifo}: not a regular file (a pipe, socket or device); " \
                            "save it to a file first\n"
    # In a folder, a FIFO is skipped like any file that is not an episode file.
    (tmp_path / "eps.jsonl").write_text(json.dumps(GOOD) + "\n")
    assert read_episodes([tmp_path]).episodes[0].id == "good"


# --- fuzz --------------------------------------------------------------------------------


def _seeds() -> list[tuple[str, bytes]]:
    seeds = [(p.name, p.read_bytes()) for p in sorted((ROOT / "examples").glob("*.*")) if p.suffix != ".md"]
    seeds += [(p.name, p.read_bytes()) for p in sorted((ROOT / "tests" / "data").rglob("*.*"))]
    # Feeds, tables and the files feeds link to (chapters, transcripts), when the samples are there.
    seeds += [(p.name, p.read_bytes()) for p in sorted((ROOT / "samples").rglob("*.*")) if p.suffix != ".md"]
    real = real_page_if_present()
    if real is not None:
        seeds.append((real.name, real.read_bytes()))
    return seeds


SEEDS = _seeds()
HOSTILE = [b"\x00", b"\x1b]52;c;eA==\x07", b"[" * 900, b"]" * 900, b"9" * 5000, b"\xff\xfe", b"\xef\xbb\xbf",
           "😀\u200b\u202e".encode(), b"{", b"}", b'"', b"\n", b"\r\n", b"\t" * 50, b"1:02:03\n", b"#" * 300,
           b"<![CDATA[", b"]]>", b"&amp;", b"<item>", b"</item>", b'{"title": "x", "entities": [',
           b"A" * 20000]


@st.composite
def mutated(draw: st.DrawFn) -> tuple[str, bytes]:
    name, data = draw(st.sampled_from(SEEDS))
    for _ in range(draw(st.integers(1, 6))):
        at = draw(st.integers(0, len(data)))
        kind = draw(st.sampled_from(["insert", "delete", "flip", "duplicate", "truncate"]))
        if kind == "insert":
            data = data[:at] + draw(st.sampled_from(HOSTILE) | st.binary(max_size=20)) + data[at:]
        elif kind == "delete":
            data = data[:at] + data[at + draw(st.integers(1, 2000)):]
        elif kind == "flip" and data:
            at = min(at, len(data) - 1)
            data = data[:at] + bytes([data[at] ^ draw(st.integers(1, 255))]) + data[at + 1:]
        elif kind == "duplicate":
            data = data[:at] + data[max(0, at - 500):at] * draw(st.integers(1, 3)) + data[at:]
        else:
            data = data[:at]
    return name, data


@contextmanager
def _no_hang(seconds: float) -> Iterator[None]:
    def hung(signum: int, frame: object) -> None:
        raise TimeoutError(f"no answer in {seconds} s")

    # pytest-timeout may use the same timer: its remaining time is given back afterwards.
    previous = signal.signal(signal.SIGALRM, hung)
    started = time.monotonic()
    outer, _ = signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        if outer:
            signal.setitimer(signal.ITIMER_REAL, max(outer - (time.monotonic() - started), 0.001))


@pytest.mark.slow
@settings(max_examples=int(os.environ.get("CASTGRAPH_FUZZ_EXAMPLES", "150")), deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.data_too_large])
@given(case=mutated())
def test_fuzz_loaders_over_mutated_real_inputs(case: tuple[str, bytes], tmp_path: Path) -> None:
    name, data = case
    path = tmp_path / name
    path.write_bytes(data)
    with _no_hang(20):
        try:
            loaded = read_episodes([path])
        except InputError as exc:
            assert "\n" not in str(exc)
            return
        for warning in loaded.warnings:
            assert "\n" not in str(warning)
        graph = build_graph(loaded.episodes, resolve(loaded.episodes))
        graph_to_json(graph)
