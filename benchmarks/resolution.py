"""Resolution quality and speed: castgraph against the rules of two peers, in one run.

Peers (their own code, installed from PyPI):

* neo4j-graphrag ``FuzzyMatchResolver``: ``compute_similarity`` (rapidfuzz WRatio
  with its default processing) over all pairs of names within a label,
  threshold 0.8, overlapping pairs consolidated with its ``_consolidate_sets``.
* graphiti ``dedup_helpers``: its deterministic pass -- exact normalized name,
  then MinHash/LSH candidates with shingle Jaccard >= 0.9, behind its entropy
  gate -- run name by name against the nodes resolved so far, as graphiti
  resolves each new episode's nodes against the existing graph. Names it
  would hand to an LLM stay unmerged.

Metrics are pairwise over mentions, from contingency counts (never all
mention pairs): precision, recall and F1; ``split`` counts gold entities spread
over several predicted entities, ``merged`` counts predicted entities holding
more than one gold entity. ``wall s`` is elapsed time, ``cpu s`` the CPU time of
this process (the machine may be shared; CPU time is the steadier number).

Usage::

    python benchmarks/resolution.py                      # labeled corpus + 10k and 100k generated
    python benchmarks/resolution.py --sizes 10000 --peer-cap 60
"""

from __future__ import annotations

import argparse
import gc
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from datetime import date
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from castgraph.graph.model import EntityType, Episode
from castgraph.loaders import read_episodes
from castgraph.resolve import resolve

sys.path.insert(0, str(Path(__file__).resolve().parent))
import generate

__all__ = ["Scores", "class_recall", "graphiti_clusters", "main", "neo4j_graphrag_clusters", "read_gold",
           "read_gold_classes", "score"]

HERE = Path(__file__).resolve().parent
LABELED = HERE / "data" / "labeled"


class DidNotFinish(Exception):
    pass


class Scores(SimpleNamespace):
    precision: float
    recall: float
    f1: float
    split: int
    merged: int
    entities: int


def read_gold(path: Path) -> dict[str, str]:
    """Read ``gold.tsv``: mention id (episode#ordinal) -> gold entity."""
    return {mid: entity for mid, (entity, _) in read_gold_classes(path).items()}


def read_gold_classes(path: Path) -> dict[str, tuple[str, str]]:
    """Read ``gold.tsv``: mention id -> (gold entity, variant class; ``"base"`` when the file has none)."""
    gold = {}
    with path.open(encoding="utf-8") as fh:
        next(fh)
        for line in fh:
            ep, ordinal, entity, *cls = line.rstrip("\n").split("\t")
            gold[f"{ep}#{ordinal}"] = (entity, cls[0] if cls else "base")
    return gold


def class_recall(pred: dict[str, str], gold: dict[str, tuple[str, str]]) -> dict[str, tuple[float, int]]:
    """Recall of the pairs (a mention of the class, another mention of its gold entity), per variant class.

    From contingency counts: a mention in cell (predicted p, gold g) recalls ``n(p, g) - 1`` of its
    ``n(g) - 1`` pairs. Returns class -> (recall, mentions).
    """
    cell: Counter[tuple[str, str]] = Counter()
    size: Counter[str] = Counter()
    for mid, (g, _) in gold.items():
        cell[(pred.get(mid, "unassigned:" + mid), g)] += 1
        size[g] += 1
    found: Counter[str] = Counter()
    total: Counter[str] = Counter()
    mentions: Counter[str] = Counter()
    for mid, (g, cls) in gold.items():
        mentions[cls] += 1
        total[cls] += size[g] - 1
        found[cls] += cell[(pred.get(mid, "unassigned:" + mid), g)] - 1
    return {c: (found[c] / total[c] if total[c] else 1.0, mentions[c]) for c in sorted(mentions)}


def _pairs(n: int) -> int:
    return n * (n - 1) // 2


def score(pred: dict[str, str], gold: dict[str, str]) -> Scores:
    """Pairwise precision/recall/F1 over mentions from the contingency table of (pred, gold)."""
    cells: Counter[tuple[str, str]] = Counter()
    for mid, g in gold.items():
        cells[(pred.get(mid, "unassigned:" + mid), g)] += 1
    pred_sizes: Counter[str] = Counter()
    gold_sizes: Counter[str] = Counter()
    gold_in_pred: defaultdict[str, set[str]] = defaultdict(set)
    pred_of_gold: defaultdict[str, set[str]] = defaultdict(set)
    for (p, g), n in cells.items():
        pred_sizes[p] += n
        gold_sizes[g] += n
        gold_in_pred[p].add(g)
        pred_of_gold[g].add(p)
    tp = sum(_pairs(n) for n in cells.values())
    pp = sum(_pairs(n) for n in pred_sizes.values())
    gp = sum(_pairs(n) for n in gold_sizes.values())
    precision = tp / pp if pp else 1.0
    recall = tp / gp if gp else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return Scores(precision=precision, recall=recall, f1=f1,
                  split=sum(len(v) > 1 for v in pred_of_gold.values()),
                  merged=sum(len(v) > 1 for v in gold_in_pred.values()), entities=len(pred_sizes))


def _names(episodes: Iterable[Episode]) -> tuple[dict[str, tuple[str, str]], list[tuple[str, str]]]:
    """Mention id -> (name, schema label), and the distinct (name, label) in first-seen order."""
    of_mention: dict[str, tuple[str, str]] = {}
    distinct: dict[tuple[str, str], None] = {}
    for ep in sorted(episodes, key=lambda e: (e.published or date.max, e.id)):
        for m in ep.mentions:
            if m.surface.strip():
                key = (m.surface.strip(), EntityType.from_label(m.type_label).value)
                of_mention[m.id] = key
                distinct.setdefault(key)
    return of_mention, list(distinct)


def neo4j_graphrag_clusters(episodes: list[Episode], cap: float) -> dict[str, str]:
    """neo4j-graphrag FuzzyMatchResolver rules: all pairs within a label, WRatio >= 0.8."""
    import neo4j
    from neo4j_graphrag.components.resolver import FuzzyMatchResolver

    driver = neo4j.GraphDatabase.driver("bolt://127.0.0.1:1", auth=("unused", "unused"))  # never connected
    resolver = FuzzyMatchResolver(driver)
    similarity, threshold = resolver.compute_similarity, resolver.similarity_threshold
    of_mention, distinct = _names(episodes)
    by_label: defaultdict[str, list[str]] = defaultdict(list)
    for name, label in distinct:
        by_label[label].append(name)
    deadline = time.perf_counter() + cap
    cluster: dict[tuple[str, str], str] = {}
    for label, names in sorted(by_label.items()):
        pairs_to_merge = []
        for i, a in enumerate(names):  # the peer's itertools.combinations over the label's nodes
            if i % 64 == 0 and time.perf_counter() > deadline:
                raise DidNotFinish
            for b in names[i + 1:]:
                if similarity(a, b) >= threshold:
                    pairs_to_merge.append({a, b})
        for s in FuzzyMatchResolver._consolidate_sets(pairs_to_merge):
            rep = min(s)
            for name in s:
                cluster.setdefault((name, label), f"{label}:{rep}")
        for name in names:
            cluster.setdefault((name, label), f"{label}:{name}")
    driver.close()
    return {mid: cluster[key] for mid, key in of_mention.items()}


def graphiti_clusters(episodes: list[Episode], cap: float) -> dict[str, str]:
    """graphiti's deterministic dedup pass, name by name against the nodes resolved so far."""
    from graphiti_core.utils.maintenance import dedup_helpers as dh

    of_mention, distinct = _names(episodes)
    indexes = dh._build_candidate_indexes([])
    deadline = time.perf_counter() + cap
    resolved: dict[tuple[str, str], str] = {}
    for i, key in enumerate(distinct):
        if i % 256 == 0 and time.perf_counter() > deadline:
            raise DidNotFinish
        node = SimpleNamespace(uuid=f"n{i}", name=key[0], labels=["Entity", key[1]], attributes={})
        state = dh.DedupResolutionState(resolved_nodes=[None], uuid_map={}, unresolved_indices=[])
        dh._resolve_with_similarity([node], indexes, state)
        match = state.resolved_nodes[0]
        if match is not None:
            resolved[key] = match.uuid
            continue
        # A new node joins the existing graph: index it as _build_candidate_indexes does.
        resolved[key] = node.uuid
        indexes.existing_nodes.append(node)
        indexes.nodes_by_uuid[node.uuid] = node
        indexes.normalized_existing[dh._normalize_string_exact(node.name)].append(node)
        shingles = dh._cached_shingles(dh._normalize_name_for_fuzzy(node.name))
        indexes.shingles_by_candidate[node.uuid] = shingles
        for band_index, band in enumerate(dh._lsh_bands(dh._minhash_signature(shingles))):
            indexes.lsh_buckets[(band_index, band)].append(node.uuid)
    return {mid: resolved[key] for mid, key in of_mention.items()}


def castgraph_clusters(episodes: list[Episode], cap: float) -> dict[str, str]:
    return resolve(episodes).assignments


SYSTEMS: list[tuple[str, Callable[[list[Episode], float], dict[str, str]]]] = [
    ("castgraph", castgraph_clusters),
    ("neo4j-graphrag FuzzyMatchResolver", neo4j_graphrag_clusters),
    ("graphiti dedup_helpers", graphiti_clusters),
]


def _row(name: str, result: Scores | str, wall: float | None = None, cpu: float | None = None) -> str:
    if isinstance(result, str):
        return f"| {name:<34} | {result:^51} | {'-':>6} | {'-':>6} |"
    s = result
    return (f"| {name:<34} | {s.precision:9.5f} | {s.recall:7.5f} | {s.f1:7.5f} | {s.split:5d} | "
            f"{s.merged:6d} | {wall:6.2f} | {cpu:6.2f} |")


def evaluate(title: str, episodes: list[Episode], gold: dict[str, str], cap: float,
             systems: list[tuple[str, Callable[[list[Episode], float], dict[str, str]]]],
             classes: dict[str, tuple[str, str]] | None = None) -> dict[str, Any]:
    mentions = sum(len(e.mentions) for e in episodes)
    entities = len(set(gold.values()))
    print(f"\n### {title}: {len(episodes)} episodes, {mentions} mentions, {entities} gold entities\n")
    print(f"| {'system':<34} | precision |  recall |    F1   | split | merged | wall s |  cpu s |")
    print(f"|{'-' * 36}|-----------|---------|---------|-------|--------|--------|--------|")
    out: dict[str, Any] = {}
    preds: dict[str, dict[str, str]] = {}
    for name, run in systems:
        gc.collect()
        t0, c0 = time.perf_counter(), time.process_time()
        try:
            pred = run(episodes, cap)
        except DidNotFinish:
            print(_row(name, f"did not finish in {cap:.0f} s"), flush=True)
            out[name] = None
            continue
        wall, cpu = time.perf_counter() - t0, time.process_time() - c0
        result = score(pred, gold)
        out[name] = (result, wall)
        preds[name] = pred
        print(_row(name, result, wall, cpu), flush=True)
    if classes and len({c for _, c in classes.values()}) > 1:
        _class_table(classes, preds)
    return out


def _class_table(classes: dict[str, tuple[str, str]], preds: dict[str, dict[str, str]]) -> None:
    """Recall per variant class, every system side by side."""
    names = list(preds)
    recalls = {name: class_recall(pred, classes) for name, pred in preds.items()}
    short = [n.split()[0] for n in names]
    header = " | ".join(f"{s:>14}" for s in short)
    print(f"\nRecall by variant class:\n\n| {'class':<16} | mentions | {header} |")
    print(f"|{'-' * 18}|----------|" + "|".join("-" * 16 for _ in short) + "|")
    first = recalls[names[0]]
    for cls, (_, count) in first.items():
        cells = " | ".join(f"{recalls[n][cls][0]:14.5f}" for n in names)
        print(f"| {cls:<16} | {count:8d} | {cells} |", flush=True)


def _load(directory: Path) -> tuple[list[Episode], dict[str, str]]:
    loaded = read_episodes([directory / "episodes.jsonl"])
    if loaded.warnings:
        print(f"warning: {len(loaded.warnings)} load warnings, first: {loaded.warnings[0]}", file=sys.stderr)
    return loaded.episodes, read_gold(directory / "gold.tsv")


def _load_classes(directory: Path) -> dict[str, tuple[str, str]]:
    return read_gold_classes(directory / "gold.tsv")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Entity resolution quality and speed vs peers.")
    parser.add_argument("--labeled", type=Path, default=LABELED, help="labeled corpus folder")
    parser.add_argument("--sizes", default="10000,100000", help="generated corpus sizes (episodes)")
    parser.add_argument("--peer-cap", type=float, default=120.0, help="seconds a peer may run per corpus")
    args = parser.parse_args(argv)

    episodes, gold = _load(args.labeled)
    evaluate("labeled corpus", episodes, gold, args.peer_cap, SYSTEMS, _load_classes(args.labeled))
    for size in [int(s) for s in args.sizes.split(",") if s.strip()]:
        with tempfile.TemporaryDirectory() as tmp:
            generate.write_corpus(Path(tmp), size)
            episodes, gold = _load(Path(tmp))
            classes = _load_classes(Path(tmp))
        evaluate(f"generated corpus (benchmarks/generate.py --episodes {size})", episodes, gold,
                 args.peer_cap, SYSTEMS, classes)
        del episodes, gold
    return 0


if __name__ == "__main__":
    sys.exit(main())
