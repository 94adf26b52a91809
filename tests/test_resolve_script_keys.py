"""Sound keys of Japanese names made in a second process are the keys made here."""

from __future__ import annotations

import gc
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from castgraph.graph.model import Episode, Mention
from castgraph.resolve import resolve
from castgraph.resolve import resolver as resolver_module
from castgraph.resolve import variants as variants_module
from castgraph.resolve.script_keys import ScriptKeys
from castgraph.resolve.variants import needs_dictionary, script_key

NAMES = ["山田太郎", "マイクロソフト", "東京大学", "ジェンスン・フアン", "Jensen Huang", "日本語処理"]


def test_child_makes_the_same_keys() -> None:
    keys = ScriptKeys()
    keys.make(NAMES, min_child_names=1)
    assert keys._thread is not None  # the child runs
    assert [keys[n] for n in NAMES] == [script_key(n) for n in NAMES]
    assert set(keys._made) == set(NAMES)  # kana and Latin too, though they need no dictionary
    assert list(keys._made)[:3] == [n for n in NAMES if needs_dictionary(n)]  # those first


def test_child_keys_the_bulk_names_after_the_others() -> None:
    bulk = ["Microsoft", "Jensen Huang", "Yamada Taro", "マイクロソフト"]  # the last is in NAMES too
    keys = ScriptKeys()
    keys.make(NAMES, bulk=bulk, min_child_names=1)
    assert keys._thread is not None
    assert [keys[n] for n in bulk] == [script_key(n) for n in bulk]
    assert set(keys._made) == set(NAMES) | set(bulk)
    assert list(keys._made)[len(NAMES):] == ["Microsoft", "Yamada Taro"]  # after the others, once each


def test_bulk_names_alone_start_no_child() -> None:
    keys = ScriptKeys()
    keys.make(["マイクロソフト"], bulk=["Microsoft"] * 1000, min_child_names=1)
    assert keys._thread is None and keys._child is None  # kana only: nothing needs the dictionary
    assert keys["Microsoft"] == script_key("Microsoft")


def test_started_early_then_given_names() -> None:
    keys = ScriptKeys()
    keys.start()
    keys.make(NAMES)
    assert [keys[n] for n in NAMES] == [script_key(n) for n in NAMES]
    keys.close()


def test_without_a_child_keys_are_made_here(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "executable", "")
    keys = ScriptKeys()
    keys.make(NAMES, min_child_names=1)
    assert keys._thread is None
    assert [keys[n] for n in NAMES] == [script_key(n) for n in NAMES]


def test_a_failing_child_falls_back(monkeypatch: pytest.MonkeyPatch) -> None:
    false = shutil.which("false")
    assert false is not None
    monkeypatch.setattr(sys, "executable", false)  # a child that fails at once
    keys = ScriptKeys()
    keys.make(NAMES, min_child_names=1)
    assert keys._thread is not None
    assert [keys[n] for n in NAMES] == [script_key(n) for n in NAMES]
    assert keys._made == {}


def test_close_stops_an_unused_child() -> None:
    keys = ScriptKeys()
    keys.start()
    child = keys._child
    assert child is not None
    keys.close()
    assert child.returncode == 0


def test_resolution_is_the_same_with_the_child(monkeypatch: pytest.MonkeyPatch) -> None:
    eps = [Episode(id="a", title="A", mentions=[Mention(surface="ジェンスン・フアン", type_label="Person",
                                                        description="Nvidia CEO")]),
           Episode(id="b", title="B", mentions=[Mention(surface="Jensen Huang", type_label="Person",
                                                        description="CEO of Nvidia")]),
           Episode(id="c", title="C", mentions=[Mention(surface="山田太郎", type_label="Person")])]
    here = resolve(eps).model_dump()
    monkeypatch.setattr(resolver_module, "EARLY_ROMANIZER_MENTIONS", 1)
    assert resolver_module._japanese_at_scale(eps)
    assert resolve(eps).model_dump() == here


def test_child_ends_without_the_interpreters_teardown() -> None:
    # The parent waits for the child's end; freeing the dictionary there took a third of a second.
    code = ("import atexit, runpy, sys; atexit.register(lambda: sys.stderr.write('torn down'));"
            "runpy.run_module('castgraph.resolve.script_keys', run_name='__main__')")
    done = subprocess.run([sys.executable, "-c", code], input=json.dumps(NAMES).encode(),
                          capture_output=True, check=True, timeout=60)
    assert json.loads(done.stdout) == [script_key(n) for n in NAMES]
    assert b"torn down" not in done.stderr


def test_dictionary_loads_with_the_collector_paused(monkeypatch: pytest.MonkeyPatch) -> None:
    import pykakasi

    enabled: list[bool] = []
    monkeypatch.setattr(pykakasi, "kakasi", lambda: enabled.append(gc.isenabled()) or "loaded")
    assert variants_module._kakasi.__wrapped__() == "loaded"  # past the cache: loaded anew
    assert enabled == [False]
    assert gc.isenabled()


def test_child_ignores_modules_in_the_working_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "json.py").write_text("raise SystemExit(3)\n")  # the child would fail importing it
    monkeypatch.chdir(tmp_path)
    keys = ScriptKeys()
    keys.make(NAMES, min_child_names=1)
    assert [keys[n] for n in NAMES] == [script_key(n) for n in NAMES]
    assert keys._made  # made by the child, not here after it failed


def test_a_working_folder_gone_leaves_the_keys_to_this_process(monkeypatch: pytest.MonkeyPatch) -> None:
    def gone() -> str:
        raise FileNotFoundError("the working folder was removed")

    monkeypatch.setattr(sys, "path", ["", *sys.path])  # the working folder: asked for
    monkeypatch.setattr("os.getcwd", gone)
    keys = ScriptKeys()
    keys.make(NAMES, min_child_names=1)
    assert keys._child is None and keys._thread is None
    assert [keys[n] for n in NAMES] == [script_key(n) for n in NAMES]
