"""Write the labeled corpus (episodes.jsonl + gold.tsv) from the hand-written entity table.

The table, ``labeled/entities.yaml``, lists each entity with the surface forms
extraction output really produces for it, its type labels and descriptions.
This script only arranges them into episodes: every surface form appears at
least once (so each alias tie is in the corpus), then episodes are filled up to
8-14 mentions by a seeded Zipf draw. An entity with a ``show`` is only ever in
episodes of that show. ``gold.tsv`` names the variant class of every mention
(the entity's ``classes``, else ``usual`` for its first form and ``earlier`` for
the others), for the per-class recall table. Deterministic: the output is
committed.

Usage::

    python benchmarks/data/make_labeled.py            # rewrites benchmarks/data/labeled/
"""

from __future__ import annotations

import json
import random
import sys
from datetime import date, timedelta
from pathlib import Path

import yaml

__all__ = ["main", "make_corpus"]

HERE = Path(__file__).resolve().parent / "labeled"
EPISODES = 320
SEED = 20260525


def show_of(n: int) -> str:
    """The show of episode ``n``."""
    return "Latent Space" if n % 3 else "AI Engineer Podcast"


def variant_class(entity: dict, surface: str) -> str:
    """The variant class of ``surface`` of ``entity`` (see the module docstring)."""
    classes = entity.get("classes") or {}
    return classes.get(surface) or ("usual" if surface == entity["variants"][0] else "earlier")


def make_corpus(table: list[dict], episodes: int = EPISODES,
                seed: int = SEED) -> list[tuple[dict, list[str]]]:
    """Return (record, gold ids) per episode."""
    rng = random.Random(seed)
    order = list(range(len(table)))
    rng.shuffle(order)
    weights = [0.0] * len(table)
    for rank, idx in enumerate(order):
        weights[idx] = 1.0 / (rank + 1) ** 0.6
    # Every (entity, variant) at least once, spread over the episodes.
    required = [(i, v) for i, e in enumerate(table) for v in e["variants"]]
    rng.shuffle(required)
    plan: list[list[tuple[int, str]]] = [[] for _ in range(episodes)]
    for k, item in enumerate(required):
        n = k % episodes
        pinned = table[item[0]].get("show")
        while pinned and show_of(n) != pinned:
            n = (n + 1) % episodes
        plan[n].append(item)
    out = []
    for n, mentions in enumerate(plan):
        target = rng.randint(8, 14)
        used = {i for i, _ in mentions}
        while len(mentions) < target:
            i = rng.choices(range(len(table)), weights)[0]
            if i in used or table[i].get("show", show_of(n)) != show_of(n):
                continue
            used.add(i)
            variants = table[i]["variants"]
            # the usual form most of the time, any other form otherwise
            v = variants[0] if rng.random() < 0.6 else rng.choice(variants)
            mentions.append((i, v))
        rng.shuffle(mentions)
        entities, gold = [], []
        for i, surface in mentions:
            e = table[i]
            entities.append({"name": surface, "type": rng.choice(e["labels"]),
                             "description": rng.choice(e["descriptions"])})
            gold.append(f"{e['id']}\t{variant_class(e, surface)}")
        published = date(2024, 1, 1) + timedelta(days=n * 2)
        record = {
            "id": f"lab-{n:04d}", "title": f"Episode {n}: {table[mentions[0][0]]['variants'][0]}",
            "show": show_of(n), "published": published.isoformat(),
            "duration": 2400 + 60 * (n % 50), "url": f"https://example.org/labeled/{n}",
            "summary": "", "tags": ["ai"], "chapters": [], "entities": entities,
        }
        out.append((record, gold))
    return out


def main() -> int:
    table = yaml.safe_load((HERE / "entities.yaml").read_text(encoding="utf-8"))
    corpus = make_corpus(table)
    with (HERE / "episodes.jsonl").open("w", encoding="utf-8") as ef, \
            (HERE / "gold.tsv").open("w", encoding="utf-8") as gf:
        gf.write("episode_id\tordinal\tentity\tclass\n")
        for record, gold in corpus:
            ef.write(json.dumps(record, ensure_ascii=False) + "\n")
            gf.writelines(f"{record['id']}\t{k}\t{g}\n" for k, g in enumerate(gold))
    mentions = sum(len(g) for _, g in corpus)
    print(f"wrote {len(corpus)} episodes, {mentions} mentions of {len(table)} entities to {HERE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
