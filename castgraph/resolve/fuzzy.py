"""Typo-tolerant matching of names behind blocking (never all pairs).

Two names are a fuzzy *match* when they have the same number of words, all
but one word are equal, the differing words are one edit apart (insert, delete,
substitute or swap two neighbours; rapidfuzz OSA distance) and hold no digit
(so "GPT4" / "GPT4o" never match), and the differing word is long: at least
:data:`MIN_WORD` letters in a multi-word name, :data:`MIN_SINGLE` in a one-word
name. So "Andrej Karpaty" = "Andrej Karpathy" and "Kubernetse" = "Kubernetes",
while "Claude" / "Claude Code" (containment), "Llama 2" / "Llama 3" (numbers),
"Noah Smith" / "Noah Shinn" (two edits) and "Andrew Ng" / "Andrew Yang" stay
apart. A one-edit pair with shorter words ("Smith" / "Smyth", "Brandon" /
"Brendon") is *borderline*: evidence decides, else it goes to review.

Candidates come from a symmetric-deletion index: each name is indexed under
every copy of itself with one letter of one word deleted (the other words kept
exactly), so two names one edit apart always share an index key, and names that
share none are never compared. Blocks larger than :data:`MAX_BLOCK` carry no
signal and are skipped.

Examples
--------
>>> fuzzy_verdict(("andrej", "karpaty"), ("andrej", "karpathy"))
('match', 0.96)
>>> fuzzy_verdict(("noah", "smith"), ("noah", "shinn")) is None
True
>>> fuzzy_verdict(("claude",), ("claude", "code")) is None
True
>>> [sorted(p) for p in candidate_pairs({1: ("kubernetes",), 2: ("kubernetse",), 3: ("docker",)})]
[[1, 2]]
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Mapping

from rapidfuzz.distance import OSA
from rapidfuzz.fuzz import ratio

__all__ = ["MAX_BLOCK", "MIN_SINGLE", "MIN_WORD", "candidate_pairs", "fuzzy_verdict"]

MIN_WORD = 6
MIN_SINGLE = 8
MIN_GREY = 4
MAX_BLOCK = 40
_NUM_RE = re.compile(r"\d+(?:\.\d+)*")


def _index_keys(tokens: tuple[str, ...]) -> set[str]:
    keys: set[str] = set()
    for i, tok in enumerate(tokens):
        if len(tok) < MIN_GREY or _NUM_RE.search(tok):  # a word with digits never differs by a typo
            continue
        prefix = "\x1f".join(tokens[:i] + tokens[i + 1:]) + f"\x1e{i}\x1e"
        keys.add(prefix + tok)
        keys.update(prefix + tok[:j] + tok[j + 1:] for j in range(len(tok)))
    return keys


def candidate_pairs(tokens_of: Mapping[int, tuple[str, ...]]) -> set[tuple[int, int]]:
    """Pairs of ids (low, high) whose names may be one edit apart, from the deletion index."""
    blocks: dict[str, list[int]] = defaultdict(list)
    for node in sorted(tokens_of):
        for key in _index_keys(tokens_of[node]):
            blocks[key].append(node)
    pairs: set[tuple[int, int]] = set()
    for members in blocks.values():
        if 1 < len(members) <= MAX_BLOCK:
            for a_pos, a in enumerate(members):
                for b in members[a_pos + 1:]:
                    if tokens_of[a] != tokens_of[b]:
                        pairs.add((a, b))
    return pairs


def fuzzy_verdict(a: tuple[str, ...], b: tuple[str, ...]) -> tuple[str, float] | None:
    """``("match", score)``, ``("borderline", score)`` or ``None`` for two token tuples."""
    if len(a) != len(b) or a == b:
        return None
    diffs = [(x, y) for x, y in zip(a, b, strict=False) if x != y]
    if len(diffs) != 1:
        return None
    x, y = diffs[0]
    # Version numbers are identity: a differing word that holds a digit never matches.
    if _NUM_RE.search(x) or _NUM_RE.search(y) or OSA.distance(x, y) != 1:
        return None
    score = round(ratio("".join(a), "".join(b)) / 100.0, 2)
    shortest = min(len(x), len(y))
    if shortest >= (MIN_SINGLE if len(a) == 1 else MIN_WORD):
        return "match", score
    if shortest >= MIN_GREY:
        return "borderline", score
    return None
