"""Scoring rules shared by every backend, so that both compute the same floats.

Backends only count; these functions turn the counts into scores. Ties are always
broken by id, ascending.

Examples
--------
>>> round(idf(1, 12), 4), idf(12, 12)
(2.4849, 0.0)
>>> edge_score(2, 3, 4, 10, "jaccard")
0.4
"""

from __future__ import annotations

import math
from collections.abc import Iterable

__all__ = ["NORMALIZATIONS", "ORIGIN_WEIGHTS", "TOPIC_WEIGHT", "edge_score", "idf", "origin_weights",
           "strength_tiers", "sum_weights", "term_weight"]

#: A shared topic counts for half of an entity of the same rarity: topics are coarse.
TOPIC_WEIGHT = 0.5

#: How much an episode's mention of an entity counts, by how it was obtained. An entity the
#: episode lists (or whose feed tags the person, or whose title names the guest) is what the
#: episode is about; a hashtag is the publisher's word but says less about the talk; a name
#: found in the text may be a passing remark. Related episodes weigh a shared entity by
#: rarity times the strength on *both* sides, so two passing remarks count a quarter.
ORIGIN_WEIGHTS: dict[str, float] = {
    "listed": 1.0,
    "person_tag": 1.0,
    "title_pattern": 1.0,
    "hashtag": 0.75,
    "text_link": 0.5,
}


def origin_weights(only: Iterable[str] | None = None) -> dict[str, float]:
    """The origin weights, keeping only the ``only`` origins (the others weigh 0: not counted).

    >>> origin_weights(["listed"])["text_link"], origin_weights()["text_link"]
    (0.0, 0.5)
    """
    if only is None:
        return dict(ORIGIN_WEIGHTS)
    keep = set(only)
    unknown = keep - set(ORIGIN_WEIGHTS)
    if unknown:
        raise ValueError(f"unknown origin {sorted(unknown)[0]!r} (use: {', '.join(ORIGIN_WEIGHTS)})")
    return {o: (w if o in keep else 0.0) for o, w in ORIGIN_WEIGHTS.items()}


def strength_tiers(weights: dict[str, float] | None) -> list[float]:
    """The distinct non-zero strengths an episode's link to an entity can have, strongest first.

    >>> strength_tiers(None), strength_tiers(origin_weights(["listed", "hashtag"]))
    ([1.0, 0.75, 0.5], [1.0, 0.75])
    """
    values = (weights or ORIGIN_WEIGHTS).values()
    return sorted({w for w in values if w > 0}, reverse=True)

NORMALIZATIONS = ("jaccard", "pmi")


def idf(df: int, n: int) -> float:
    """Inverse document frequency ``log(n / df)``: 0 for a term in every episode (the host)."""
    if df <= 0 or n <= 0 or df >= n:
        return 0.0
    return math.log(n / df)


def term_weight(kind: str, df: int, n: int) -> float:
    """The weight a shared entity or topic adds to the score of a related episode.

    >>> term_weight("topic", 1, 12) == TOPIC_WEIGHT * term_weight("entity", 1, 12)
    True
    """
    weight = idf(df, n)
    return TOPIC_WEIGHT * weight if kind == "topic" else weight


def sum_weights(weights: Iterable[float]) -> float:
    """Sum exactly rounded (``math.fsum``), so the order the terms come in does not matter.

    >>> sum_weights([0.1] * 10) == 1.0
    True
    """
    return math.fsum(weights)


def edge_score(weight: int, df_a: int, df_b: int, n: int, normalize: str | None) -> float:
    """Score of a co-mention edge: its weight, or the Jaccard index or PMI of its endpoints.

    ``weight`` is the number of episodes both entities appear in, ``df_a`` and ``df_b``
    the episodes each appears in, ``n`` the number of episodes considered.

    >>> edge_score(2, 2, 2, 12, None), edge_score(2, 2, 2, 12, "jaccard")
    (2.0, 1.0)
    >>> round(edge_score(2, 2, 2, 12, "pmi"), 4)
    1.7918
    """
    if normalize is None:
        return float(weight)
    if normalize == "jaccard":
        union = df_a + df_b - weight
        return weight / union if union > 0 else 0.0
    if normalize == "pmi":
        if weight <= 0 or df_a <= 0 or df_b <= 0 or n <= 0:
            return 0.0
        return math.log(weight * n / (df_a * df_b))
    raise ValueError(f"unknown normalization {normalize!r} (use one of: {', '.join(NORMALIZATIONS)})")
