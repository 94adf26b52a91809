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
from collections.abc import Mapping
from itertools import chain

import numpy as np
from rapidfuzz.distance import OSA
from rapidfuzz.fuzz import ratio

__all__ = ["MAX_BLOCK", "MIN_SINGLE", "MIN_WORD", "candidate_pairs", "fuzzy_verdict"]

MIN_WORD = 6
MIN_SINGLE = 8
MIN_GREY = 4
MAX_BLOCK = 40
_NUM_RE = re.compile(r"\d+(?:\.\d+)*")


class _Numbering(dict[str, int]):
    """Numbers strings by first sighting (a missing one gets the next number)."""

    def __missing__(self, text: str) -> int:
        number = self[text] = len(self)
        return number


def candidate_pairs(tokens_of: Mapping[int, tuple[str, ...]]) -> set[tuple[int, int]]:
    """Pairs of ids (low, high) whose names may be one edit apart, from the deletion index.

    An index key is (the other words with the word's position, the word or one of its
    deletions), held as two numbers: a word's deletions are made once however many names
    hold it, and the blocks and their pairs come from array operations (most keys hold one
    name, and no Python code runs for them).
    """
    rests: dict[str, int] = {}
    words = _Numbering()
    variants: dict[str, list[int]] = {}
    # One entry per indexed word of a name: its name, its key's first half, its spellings.
    entry_node: list[int] = []
    entry_rest: list[int] = []
    entry_words: list[list[int]] = []
    for node in sorted(tokens_of):
        tokens = tokens_of[node]
        for i, tok in enumerate(tokens):
            found = variants.get(tok)
            if found is None:
                found = variants[tok] = []
                if len(tok) >= MIN_GREY and not _NUM_RE.search(tok):  # a word with digits is never a typo
                    spellings = dict.fromkeys([tok, *(tok[:j] + tok[j + 1:] for j in range(len(tok)))])
                    found.extend(map(words.__getitem__, spellings))
            if not found:
                continue
            rest = rests.setdefault("\x1f".join(tokens[:i] + tokens[i + 1:]) + f"\x1e{i}", len(rests))
            entry_node.append(node)
            entry_rest.append(rest)
            entry_words.append(found)
    if not entry_node:
        return set()
    lengths = np.fromiter(map(len, entry_words), dtype=np.int64, count=len(entry_words))
    key_word = np.fromiter(chain.from_iterable(entry_words), dtype=np.int64, count=int(lengths.sum()))
    codes = np.repeat(np.asarray(entry_rest, dtype=np.int64), lengths) * len(words) + key_word
    order = np.argsort(codes, kind="stable")  # within a block, ids ascending (they were added so)
    codes = codes[order]
    ids = np.repeat(np.asarray(entry_node, dtype=np.int64), lengths)[order]
    starts = np.flatnonzero(np.diff(codes, prepend=codes[0] - 1))
    sizes = np.diff(np.append(starts, len(codes)))
    lows: list[np.ndarray] = []
    highs: list[np.ndarray] = []
    for size in range(2, MAX_BLOCK + 1):
        heads = starts[sizes == size]
        if not len(heads):
            continue
        left, right = np.triu_indices(size, 1)
        lows.append(ids[heads[:, None] + left].ravel())
        highs.append(ids[heads[:, None] + right].ravel())
    if not lows:
        return set()
    pairs = set(zip(np.concatenate(lows).tolist(), np.concatenate(highs).tolist(), strict=True))
    return {(a, b) for a, b in pairs if tokens_of[a] != tokens_of[b]}


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
