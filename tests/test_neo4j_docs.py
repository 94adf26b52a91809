"""Every query in docs/cypher.md, run exactly as printed against the real page on a real server.

Each documented query has a check here that computes the answer from the NetworkX graph
itself, and every section of the document must have one, so docs and tests cannot drift.
"""

from __future__ import annotations

import json
import re
import shlex
from collections import Counter, defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

import networkx as nx
import pytest
from click.testing import CliRunner

from castgraph.cli import main
from castgraph.cli.options import Neo4jSettings
from castgraph.graph.neo4j_store import Neo4jStore

DOC = Path(__file__).resolve().parent.parent / "docs" / "cypher.md"

Rows = list[dict[str, Any]]
Params = dict[str, Any]


def documented_commands() -> dict[str, list[str]]:
    """Section title -> the arguments of its `castgraph cypher` command (after "cypher")."""
    text = DOC.read_text(encoding="utf-8")
    found: dict[str, list[str]] = {}
    for section in text.split("\n## ")[1:]:
        title = section.splitlines()[0].strip()
        for block in re.findall(r"```bash\n(.*?)```", section, flags=re.S):
            if block.lstrip().startswith("castgraph cypher"):
                argv = shlex.split(block.replace("\\\n", " "))
                assert title not in found, f"two commands under {title!r}"
                found[title] = argv[2:]
    return found


def needs_neo4j() -> set[str]:
    """Titles of the sections marked **Needs Neo4j** (not run on the embedded graph)."""
    text = DOC.read_text(encoding="utf-8")
    return {section.splitlines()[0].strip() for section in text.split("\n## ")[1:]
            if "\n**Needs Neo4j**" in section}


def params_of(argv: list[str]) -> Params:
    from castgraph.cli.neo4j import parse_param

    return dict(parse_param(argv[i + 1]) for i, a in enumerate(argv) if a in ("--param", "-p"))


class Facts:
    """What the checks need, computed from the graph."""

    def __init__(self, graph: nx.MultiDiGraph) -> None:
        self.graph = graph
        self.node = graph.nodes
        self.episodes_of: dict[str, set[str]] = defaultdict(set)
        self.mentions_of: Counter[str] = Counter()
        self.entities_in: dict[str, set[str]] = defaultdict(set)
        self.topics_in: dict[str, set[str]] = defaultdict(set)
        for source, target, attrs in graph.edges(data=True):
            if attrs["type"] == "MENTIONS":
                self.episodes_of[target].add(source)
                self.mentions_of[target] += 1
                self.entities_in[source].add(target)
            else:
                self.topics_in[source].add(target)

    def entities(self, **match: Any) -> list[str]:
        return [n for n, d in self.graph.nodes(data=True)
                if d["label"] == "Entity" and all(d.get(k) == v for k, v in match.items())]

    def named(self, name: str, *, aliases: bool = False) -> list[str]:
        return [n for n in self.entities()
                if self.node[n]["name"] == name or (aliases and name in self.node[n]["aliases"])]


def most_mentioned_people(f: Facts, p: Params, rows: Rows) -> None:
    people = [x for x in f.entities(type="Person") if f.mentions_of[x]]
    expected = sorted(({"person": f.node[x]["name"], "mentions": f.mentions_of[x],
                        "episodes": len(f.episodes_of[x])} for x in people),
                      key=lambda r: (-r["mentions"], r["person"]))
    assert rows == expected[:p["limit"]]
    assert rows[0]["mentions"] > rows[-1]["mentions"]


def episodes_with_two(f: Facts, p: Params, rows: Rows) -> None:
    left = set().union(*(f.episodes_of[x] for x in f.named(p["a"], aliases=True)))
    right = set().union(*(f.episodes_of[x] for x in f.named(p["b"], aliases=True)))
    both = sorted(left & right, key=lambda e: f.node[e]["title"])
    both.sort(key=lambda e: f.node[e]["published"], reverse=True)
    assert len(both) >= 2  # the example is worth showing
    assert rows == [{"episode": f.node[e]["title"], "published": f.node[e]["published"]} for e in both]


def comentions(f: Facts, p: Params, rows: Rows) -> None:
    [x] = f.named(p["name"])
    counts: Counter[str] = Counter()
    for ep in f.episodes_of[x]:
        counts.update(y for y in f.entities_in[ep] if y != x)
    every = {(f.node[y]["name"], f.node[y]["type"], n) for y, n in counts.items()}
    top = sorted(counts.values(), reverse=True)[:p["limit"]]
    assert [r["episodes"] for r in rows] == top and top[0] >= 2
    assert {(r["entity"], r["type"], r["episodes"]) for r in rows} <= every
    assert rows == sorted(rows, key=lambda r: (-r["episodes"], r["entity"]))


def shortest_path(f: Facts, p: Params, rows: Rows) -> None:
    undirected = nx.Graph()
    undirected.add_edges_from((u, v) for u, v, d in f.graph.edges(data=True) if d["type"] == "MENTIONS")
    [a] = f.named(p["from"])
    [b] = f.named(p["to"])
    length = nx.shortest_path_length(undirected, a, b)
    [row] = rows
    assert row["hops"] == length // 2 and len(row["path"]) == length + 1
    assert row["path"][0] == p["from"] and row["path"][-1] == p["to"]
    titles = {d["title"] for _, d in f.graph.nodes(data=True) if d["label"] == "Episode"}
    assert all(step in titles for step in row["path"][1::2])  # every other step is an episode


def person_topics(f: Facts, p: Params, rows: Rows) -> None:
    [x] = f.named(p["name"])
    counts = Counter(t for ep in f.episodes_of[x] for t in f.topics_in[ep])
    expected = sorted(({"topic": f.node[t]["name"], "episodes": n} for t, n in counts.items()),
                      key=lambda r: (-r["episodes"], r["topic"]))
    assert rows == expected and len(rows) >= 3


def first_seen(f: Facts, p: Params, rows: Rows) -> None:
    expected = []
    for x in f.entities():
        days = [f.node[e]["published"] for e in f.episodes_of[x] if f.node[e]["published"]]
        if days and p["from"] <= min(days) <= p["to"]:
            expected.append((f.node[x]["name"], f.node[x]["type"], min(days)))
    got = [(r["entity"], r["type"], r["first_seen"]) for r in rows]
    assert sorted(got) == sorted(expected) and len(got) >= 5
    assert [g[2] for g in got] == sorted(g[2] for g in got)


def fulltext(f: Facts, p: Params, rows: Rows) -> None:
    word = p["q"].casefold()
    having = {f.node[x]["name"] for x in f.entities()
              if any(word in re.split(r"\W+", s.casefold())
                     for s in [f.node[x]["name"], *f.node[x]["aliases"]])}
    assert having and rows and rows[0]["entity"] in having
    assert having <= {r["entity"] for r in rows}


def name_search(f: Facts, p: Params, rows: Rows) -> None:
    word = p["q"].casefold()
    having = [x for x in f.entities()
              if any(word in s.casefold() for s in [f.node[x]["name"], *f.node[x]["aliases"]])]
    expected = sorted(({"entity": f.node[x]["name"], "type": f.node[x]["type"],
                        "episodes": f.node[x]["episode_count"]} for x in having),
                      key=lambda r: (-r["episodes"], r["entity"]))
    assert rows == expected[:5] and rows


def without_mentions(f: Facts, p: Params, rows: Rows) -> None:
    expected = sorted(d["title"] for n, d in f.graph.nodes(data=True)
                      if d["label"] == "Episode" and not f.entities_in[n])
    assert rows == [{"episode": t} for t in expected]


CHECKS: dict[str, Callable[[Facts, Params, Rows], None]] = {
    "Most-mentioned people": most_mentioned_people,
    "Episodes that mention two given entities": episodes_with_two,
    "Co-mentions of an entity": comentions,
    "Shortest path between two people": shortest_path,
    "Topics of a person's episodes": person_topics,
    "Entities first seen in a date range": first_seen,
    "Full-text search over names and aliases": fulltext,
    "Episodes without any mention": without_mentions,
    "Entities by part of a name or alias": name_search,
}


def test_every_documented_query_has_a_check() -> None:
    commands = documented_commands()
    assert set(commands) == set(CHECKS)
    assert len(commands) >= 6
    for argv in commands.values():
        assert "$" in argv[0] or "--param" not in argv  # values are parameters, never spliced into text


@pytest.fixture(scope="module")
def facts(real_page_graph: nx.MultiDiGraph) -> Facts:
    return Facts(real_page_graph)


@pytest.mark.neo4j
def test_documented_queries_on_the_real_page(neo4j_store: Neo4jStore, neo4j_settings: Neo4jSettings,
                                             real_page_graph: nx.MultiDiGraph, facts: Facts) -> None:
    neo4j_store.write(real_page_graph)
    server = ["--neo4j", neo4j_settings.uri, "--neo4j-user", neo4j_settings.user,
              "--neo4j-password", neo4j_settings.password]
    runner = CliRunner()
    for title, argv in documented_commands().items():
        result = runner.invoke(main, ["cypher", *argv, "--json", *server])
        assert result.exit_code == 0, f"{title}: {result.output}"
        CHECKS[title](facts, params_of(argv), json.loads(result.output))
