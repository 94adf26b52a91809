"""The README's commands and Python example, run as a user runs them."""

from __future__ import annotations

import json
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT

README = ROOT / "README.md"


def _blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", README.read_text(encoding="utf-8"), re.S)


def test_quick_start_builds_the_examples_with_the_installed_command(tmp_path: Path) -> None:
    quick_start = _blocks("bash")[0]
    assert quick_start.strip().endswith("castgraph build examples/")
    shutil.copytree(ROOT / "examples", tmp_path / "examples")
    command = Path(sys.executable).with_name("castgraph")
    done = subprocess.run([str(command), "build", "examples/"], cwd=tmp_path, capture_output=True, text=True,
                          timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    out = tmp_path / "castgraph-out"
    for name in ("graph.json", "graph.store", "graph.html", "resolution.csv", "review.csv",
                 ".graph.json.qindex"):
        assert (out / name).is_file(), name
    graph = json.loads((out / "graph.json").read_text(encoding="utf-8"))
    episodes = [n for n in graph["nodes"] if n["label"] == "Episode"]
    assert len(episodes) == 15
    page = (out / "graph.html").read_text(encoding="utf-8")
    # The overview of every node, offline: no address for the browser to fetch.
    assert all(f'"id": "{n["id"]}"' in page or f'"id":"{n["id"]}"' in page for n in episodes)
    assert not re.search(r"""(src|href)=["']https?://""", page)
    # The next block: a Cypher query on the graph just built, still without a server.
    query = _blocks("bash")[1]
    argv = shlex.split(query.replace(".venv/bin/castgraph", "").strip())
    asked = subprocess.run([str(command), *argv, "--json"], cwd=tmp_path, capture_output=True, text=True,
                           timeout=120, check=False)
    assert asked.returncode == 0, asked.stderr
    rows = json.loads(asked.stdout)
    people = [n for n in graph["nodes"] if n["label"] == "Entity" and n["type"] == "Person"]
    expected = sorted(({"person": n["name"], "mentions": n["mention_count"]} for n in people),
                      key=lambda r: (-r["mentions"], r["person"]))[:5]
    assert rows == expected and rows[0]["mentions"] >= 2


def test_python_example_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    (example,) = _blocks("python")
    monkeypatch.chdir(ROOT)
    names: dict[str, object] = {}
    exec(compile(example, "README.md", "exec"), names)  # the README's own code, nothing from data
    related, profile = names["related"], names["profile"]
    people = names["people"]
    assert isinstance(people, list) and len(people) == 3 and people[0]["episodes"] >= 2
    assert related and all(r.id != "episode:ttw-2026-09-16" for r in related)  # type: ignore[attr-defined]
    assert profile.name == "Andrej Karpathy" and profile.episode_count >= 2  # type: ignore[attr-defined]
