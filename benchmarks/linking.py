"""Mentions found in text: precision on a labeled sample, and speed, against simple peers in one run.

Precision and recall (``benchmarks/data/link_sample.json``, written for castgraph: 45
short episodes in English and Japanese whose text names 43 entities, with traps:
homonyms like "apple", "cursor", "rust", "the Amazon river"; names inside longer names
like "Claude" in "Claude Code", "GPT-5" in "GPT-5.1", "GitHub" in "GitHub Actions";
common words like "build", "scale", "modal", "railway"; Japanese without spaces like
"松尾研究室" and "ソフトバンクグループ"; an alias two people share). A found mention is
right when its entity is one the episode's text really names (``gold``); entities the
episode lists are not counted, as the linker only places them. Compared, on the same
entities and texts:

* **castgraph**: :class:`castgraph.link.EntityLinker` with its defaults;
* **exact names** (as microsoft/graphrag matches entity names): every name and alias
  found as written, anywhere (substring);
* **whole words, any case**: every name and alias as a whole word, ignoring case
  (``\\b`` on both sides; what a keyword tagger does).

Speed (``--episodes N``, default 10k, generated with show notes by ``generate.py
--summaries``): the time to find every name of the resolved graph in every text,
with ahocorasick-rs, pyahocorasick and one Python regular expression of all names;
and the whole linker stage. With ``--build``, also two ``castgraph build`` runs of the
same corpus, with and without the linker, each under ``/usr/bin/time -v`` (wall time
and peak memory; runs alternate, so that both see the same load).

Usage::

    python benchmarks/linking.py                          # sample + 10k episodes
    python benchmarks/linking.py --episodes 100000 --build --runs 1
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from castgraph.graph.model import Chapter, Entity, EntityType, Episode, Mention, Resolution
from castgraph.link import EntityLinker, NameAutomaton, episode_texts
from castgraph.link.automaton import IMPLEMENTATIONS
from castgraph.loaders import read_episodes
from castgraph.resolve import resolve

sys.path.insert(0, str(Path(__file__).resolve().parent))
import generate

__all__ = ["main", "read_sample", "score_sample"]

HERE = Path(__file__).resolve().parent
SAMPLE = HERE / "data" / "link_sample.json"

Pairs = set[tuple[str, str]]


def read_sample(path: Path = SAMPLE) -> tuple[list[Episode], Resolution, Pairs, Pairs]:
    """The sample's episodes, a resolution of its entities (listed ones assigned), gold and listed pairs."""
    data = json.loads(path.read_text(encoding="utf-8"))
    entities = [Entity(id=e["id"], name=e["name"], type=EntityType(e["type"]), aliases=e.get("aliases", []))
                for e in data["entities"]]
    by_id = {e.id: e for e in entities}
    episodes, assignments, gold, listed = [], {}, set(), set()
    for item in data["episodes"]:
        mentions = [Mention(surface=by_id[i].name, type_label=by_id[i].type.value) for i in item["listed"]]
        ep = Episode(id=item["id"], title=item["title"], summary=item.get("summary", ""),
                     tags=item.get("tags", []), chapters=[Chapter(**c) for c in item.get("chapters", [])],
                     mentions=mentions)
        for mention, entity_id in zip(ep.mentions, item["listed"], strict=True):
            assignments[mention.id] = entity_id
            by_id[entity_id].mention_ids.append(mention.id)
        episodes.append(ep)
        gold |= {(ep.id, g) for g in item["gold"]}
        listed |= {(ep.id, i) for i in item["listed"]}
    return episodes, Resolution(entities=entities, assignments=assignments), gold, listed


def castgraph_pairs(episodes: list[Episode], resolution: Resolution) -> Pairs:
    result = EntityLinker().link(episodes, resolution)
    return {(m.episode_id, result.assignments[m.id]) for m in result.mentions}


def _names(resolution: Resolution) -> list[tuple[str, str]]:
    return [(name, e.id) for e in resolution.entities for name in (e.name, *e.aliases)]


def exact_pairs(episodes: list[Episode], resolution: Resolution) -> Pairs:
    names = _names(resolution)
    found = set()
    for ep in episodes:
        text = "\n".join(t[3] for t in episode_texts(ep)) + "\n" + " ".join(ep.tags)
        found |= {(ep.id, entity) for name, entity in names if name in text}
    return found


def whole_word_pairs(episodes: list[Episode], resolution: Resolution) -> Pairs:
    patterns = [(re.compile(rf"\b{re.escape(name)}\b", re.IGNORECASE), entity)
                for name, entity in _names(resolution)]
    found = set()
    for ep in episodes:
        text = "\n".join(t[3] for t in episode_texts(ep)) + "\n" + " ".join(ep.tags)
        found |= {(ep.id, entity) for pattern, entity in patterns if pattern.search(text)}
    return found


def score_sample(path: Path = SAMPLE) -> list[dict[str, Any]]:
    """Precision and recall of castgraph and the two peers on the labeled sample."""
    rows = []
    systems: list[tuple[str, Callable[[list[Episode], Resolution], Pairs]]] = [
        ("castgraph", castgraph_pairs), ("exact names (substring)", exact_pairs),
        ("whole words, any case", whole_word_pairs)]
    for name, run in systems:
        episodes, resolution, gold, listed = read_sample(path)
        found = run(episodes, resolution) - listed
        wanted = gold - listed
        right = found & wanted
        rows.append({"system": name, "found": len(found), "right": len(right), "gold": len(wanted),
                     "precision": len(right) / len(found) if found else 1.0,
                     "recall": len(right) / len(wanted) if wanted else 1.0,
                     "wrong": sorted(found - wanted), "missed": sorted(wanted - found)})
    return rows


def _texts(episodes: Iterable[Episode]) -> list[str]:
    return ["\n".join(t[3] for t in episode_texts(ep)) for ep in episodes]


def speed(episodes: int, runs: int) -> tuple[list[tuple[str, float, float]], dict[str, Any]]:
    """Seconds to build and to run each automaton over a generated corpus; the linker stage's times."""
    with tempfile.TemporaryDirectory() as tmp:
        generate.write_corpus(Path(tmp), episodes, summaries=True)
        eps = read_episodes([Path(tmp) / "episodes.jsonl"]).episodes
    linker = EntityLinker()
    started = time.perf_counter()
    linker.add_title_mentions(eps)
    titles = time.perf_counter() - started
    resolution = resolve(eps)
    linkable = sorted({n for e in resolution.entities for n in (e.name, *e.aliases) if linker.linkable(n)})
    texts = _texts(eps)
    rows = []
    for implementation in IMPLEMENTATIONS:
        best_build, best_find = float("inf"), float("inf")
        for _ in range(runs):
            t0 = time.perf_counter()
            automaton = NameAutomaton(linkable, implementation=implementation)
            t1 = time.perf_counter()
            hits = sum(len(automaton.find_tuples(text)) for text in texts)
            t2 = time.perf_counter()
            best_build, best_find = min(best_build, t1 - t0), min(best_find, t2 - t1)
        rows.append((implementation, best_build, best_find, hits))
    # One alternation of every name: Python's re engine tries them at each position.
    t0 = time.perf_counter()
    longest_first = sorted(linkable, key=len, reverse=True)
    alternation = re.compile("|".join(re.escape(n) for n in longest_first), re.IGNORECASE)
    t1 = time.perf_counter()
    hits = sum(1 for text in texts[: max(1, len(texts) // 10)] for _ in alternation.finditer(text))
    t2 = time.perf_counter()
    rows.append(("python re alternation (10% of texts, x10)", t1 - t0, (t2 - t1) * 10, hits * 10))
    started = time.perf_counter()
    result = linker.link(eps, resolution)
    link_seconds = time.perf_counter() - started
    stage = {"episodes": len(eps), "names": len(linkable), "characters": sum(len(t) for t in texts),
             "titles_s": titles, "link_s": link_seconds, "found": len(result.mentions),
             "placed": len(result.places)}
    return rows, stage


def builds(episodes: int, runs: int, corpus: Path | None = None) -> list[dict[str, Any]]:
    """``castgraph build`` of one corpus with and without the linker, alternating, under /usr/bin/time -v."""
    out = []
    castgraph = str(Path(sys.executable).with_name("castgraph"))
    with tempfile.TemporaryDirectory() as tmp:
        if corpus is None:
            corpus = Path(tmp) / "corpus"
            generate.write_corpus(corpus, episodes, summaries=True)
        for run in range(runs):
            for mode, extra in (("linker on", []), ("--no-link", ["--no-link"])):
                command = ["/usr/bin/time", "-v", castgraph, "build", str(corpus),
                           "--out", str(Path(tmp) / "out"), *extra]
                done = subprocess.run(command, capture_output=True, text=True, check=True)
                wall = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (\S+)", done.stderr)
                rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", done.stderr)
                times = re.findall(r"(?:User|System) time \(seconds\): ([\d.]+)", done.stderr)
                cpu = sum(float(t) for t in times)
                stages = re.search(r"seconds\s*│\s*(.+?)\s*│\n(?:│\s*│\s*(.+?)\s*│\n)?", done.stdout)
                out.append({"run": run + 1, "mode": mode, "wall": _seconds(wall.group(1) if wall else "0"),
                            "cpu": cpu,
                            "rss_mb": int(rss.group(1)) / 1024 if rss else 0.0,
                            "stages": " ".join(g for g in (stages.groups() if stages else ()) if g)})
    return out


def _seconds(clock: str) -> float:
    parts = [float(p) for p in clock.split(":")]
    return sum(p * 60 ** i for i, p in enumerate(reversed(parts)))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--episodes", type=int, default=10_000, help="generated episodes for the speed runs")
    parser.add_argument("--runs", type=int, default=2, help="repetitions (best of, for the automata)")
    parser.add_argument("--build", action="store_true",
                        help="also time castgraph build with and without linking")
    parser.add_argument("--no-speed", action="store_true", help="only the labeled sample (and --build)")
    parser.add_argument("--corpus", type=Path, default=None,
                        help="build this corpus (from generate.py --summaries) instead of generating one")
    args = parser.parse_args(argv)

    print("Labeled sample (benchmarks/data/link_sample.json)\n")
    print("| system | found | right | precision | recall |")
    print("|---|---|---|---|---|")
    rows = score_sample()
    for r in rows:
        print(f"| {r['system']} | {r['found']} | {r['right']} | {r['precision']:.3f} | "
              f"{r['right']}/{r['gold']} = {r['recall']:.3f} |")
    for r in rows:
        print(f"\n{r['system']}: wrong {r['wrong']}\n{' ' * len(r['system'])}  missed {r['missed']}")
    if args.build:
        # First, while this process holds no corpus: the builds need the memory.
        print(f"\ncastgraph build, {args.episodes:,} episodes with show notes (alternating runs)\n")
        print("| run | mode | wall s | CPU s (user+sys) | peak RSS MB | stages (s) |")
        print("|---|---|---|---|---|---|")
        for b in builds(args.episodes, args.runs, args.corpus):
            print(f"| {b['run']} | {b['mode']} | {b['wall']:.1f} | {b['cpu']:.1f} | {b['rss_mb']:,.0f} | "
                  f"{b['stages']} |", flush=True)
    if args.no_speed:
        return 0

    print(f"\nFinding every name in {args.episodes:,} generated episodes with show notes\n")
    table, stage = speed(args.episodes, args.runs)
    print(f"{stage['names']:,} names, {stage['characters']:,} characters of text\n")
    print("| automaton | build s | search s | hits |")
    print("|---|---|---|---|")
    for name, build_s, find_s, hits in table:
        print(f"| {name} | {build_s:.2f} | {find_s:.2f} | {hits:,} |")
    print(f"\nlinker stage: title patterns {stage['titles_s']:.2f} s, linking {stage['link_s']:.2f} s "
          f"({stage['found']:,} mentions found, {stage['placed']:,} listed mentions placed)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
