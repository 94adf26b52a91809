"""The benchmark corpora and metrics: generator determinism, contingency metrics, labeled targets."""

from __future__ import annotations

import itertools
import random
import sys
from pathlib import Path

import pytest

from castgraph.loaders import read_episodes

BENCH = Path(__file__).resolve().parent.parent / "benchmarks"
sys.path.insert(0, str(BENCH))

import generate  # noqa: E402
import resolution  # noqa: E402


def test_generator_is_deterministic_and_labels_every_mention(tmp_path: Path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    generate.write_corpus(a, 300, seed=3)
    generate.write_corpus(b, 300, seed=3)
    for name in ("episodes.jsonl", "gold.tsv"):
        assert (a / name).read_bytes() == (b / name).read_bytes()
    loaded = read_episodes([a / "episodes.jsonl"])
    assert loaded.warnings == []
    assert len(loaded.episodes) == 300
    assert all(8 <= len(ep.mentions) <= 16 for ep in loaded.episodes)
    gold = resolution.read_gold(a / "gold.tsv")
    assert set(gold) == {m.id for ep in loaded.episodes for m in ep.mentions}
    generate.write_corpus(b, 300, seed=4)
    assert (a / "gold.tsv").read_bytes() != (b / "gold.tsv").read_bytes()


def test_generator_pool_grows_with_the_corpus() -> None:
    small = {g for _, gold in generate.generate(200) for g in gold}
    large = {g for _, gold in generate.generate(2000) for g in gold}
    assert len(large) > 2 * len(small)


def _brute_force(pred: dict[str, str], gold: dict[str, str]) -> tuple[float, float]:
    tp = pp = gp = 0
    for x, y in itertools.combinations(sorted(gold), 2):
        same_p, same_g = pred[x] == pred[y], gold[x] == gold[y]
        tp += same_p and same_g
        pp += same_p
        gp += same_g
    return tp / pp, tp / gp


def test_contingency_metrics_equal_the_pairwise_definition() -> None:
    rng = random.Random(5)
    gold = {f"m{i}": f"g{rng.randrange(12)}" for i in range(150)}
    pred = {m: (g if rng.random() < 0.8 else f"g{rng.randrange(12)}") for m, g in gold.items()}
    scores = resolution.score(pred, gold)
    precision, recall = _brute_force(pred, gold)
    assert scores.precision == pytest.approx(precision)
    assert scores.recall == pytest.approx(recall)
    perfect = resolution.score(dict(gold), gold)
    assert (perfect.precision, perfect.recall, perfect.split, perfect.merged) == (1.0, 1.0, 0, 0)
    lumped = resolution.score({m: "one" for m in gold}, gold)
    assert lumped.recall == 1.0 and lumped.precision < 0.2 and lumped.merged == 1


def test_labeled_corpus_meets_the_targets_and_beats_both_peers() -> None:
    episodes, gold = resolution._load(resolution.LABELED)
    assert len(episodes) >= 300 and len(set(gold.values())) >= 70
    ours = resolution.score(resolution.castgraph_clusters(episodes, 60), gold)
    assert ours.precision >= 0.995 and ours.recall >= 0.98
    assert ours.merged == 0
    pytest.importorskip("neo4j_graphrag")
    pytest.importorskip("graphiti_core")
    for peer in (resolution.neo4j_graphrag_clusters, resolution.graphiti_clusters):
        assert resolution.score(peer(episodes, 60), gold).f1 < ours.f1


def test_labeled_corpus_recovers_every_variant_class_without_a_wrong_merge() -> None:
    episodes, gold = resolution._load(resolution.LABELED)
    classes = resolution.read_gold_classes(resolution.LABELED / "gold.tsv")
    pred = resolution.castgraph_clusters(episodes, 60)
    assert resolution.score(pred, gold).precision == 1.0
    recall = resolution.class_recall(pred, classes)
    new = {"short-form", "article-or-head", "person-name", "nickname", "cross-script"}
    assert new <= set(recall)
    assert all(recall[c][0] >= 0.95 and recall[c][1] >= 10 for c in new), recall


def test_class_recall_counts_pairs_of_each_class() -> None:
    gold = {"m1": ("g", "usual"), "m2": ("g", "nickname"), "m3": ("g", "usual"), "m4": ("h", "usual")}
    pred = {"m1": "p", "m2": "q", "m3": "p", "m4": "r"}
    recall = resolution.class_recall(pred, gold)
    assert recall["nickname"] == (0.0, 1)
    assert recall["usual"] == (pytest.approx(2 / 4), 3)


@pytest.mark.skipif(not Path("/usr/bin/time").exists(),
                    reason="benchmarks/build.py runs the builds under /usr/bin/time, which is not installed")
def test_build_benchmark_alternates_runs_to_measure_the_linker(tmp_path: Path,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    import build

    assert build.main(["--sizes", "200", "--runs", "2", "--linker-cost", "--work", str(tmp_path)]) == 0
    out, err = capsys.readouterr()
    kinds = [line.split(" run ")[0] for line in err.splitlines() if " run " in line]
    assert kinds == ["200 --no-link", "200 linker"] * 2  # alternating, not one kind after the other
    rows = {line.split("|")[1].strip(): line for line in out.splitlines() if line.startswith("| 200")}
    assert set(rows) == {"200 --no-link", "200 linker"}
    assert "–" in rows["200 --no-link"] and "–" not in rows["200 linker"]  # no link stage without the linker
    (summary,) = [line for line in out.splitlines() if line.startswith("200 episodes: the linker adds")]
    assert "median wall" in summary and "per pair" in summary
