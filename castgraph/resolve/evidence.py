"""Evidence beyond the name, for borderline pairs.

Two borderline names (one short word one edit apart, e.g. "Brandon" /
"Brendon") merge when their descriptions agree (two or more content words in
common, at least one of them rare in the corpus, and a Jaccard similarity of
at least 0.25 -- "co-host of Latent Space" and "Regular Latent Space host";
"research lab" said of a thousand entities proves nothing) or when their episodes co-mention at least
two of the same other names (Jaccard at least 0.2, so that one very popular
co-mention cannot decide on its own).

Examples
--------
>>> sorted(description_words("Latent Space「AI for Science」サブシリーズの共同ホスト"))
['latent', 'science', 'space', 'サブシリーズの共同ホスト']
>>> words_agree({"latent", "space", "host"}, {"regular", "latent", "space", "host"})
True
>>> words_agree({"researcher", "acme"}, {"researcher", "initech"})
False
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from functools import lru_cache
from itertools import chain
from typing import Any

import numpy as np

from castgraph.resolve.normalize import clean_surface, strip_accents

__all__ = ["co_mentions_significant", "description_words", "descriptions_agree", "has_evidence",
           "words_agree"]


def _words(text: str) -> list[str]:
    return text.split()


MAX_EPISODES = 50
_WORD_RE = re.compile(r"[^\W\d_]{3,}")
_STOP = frozenset(
    _words(
        "the and for with from that this who was has have his her their its into about also over "
        "regular former current discussed mentioned episode show podcast"
    )
)


@lru_cache(maxsize=1 << 16)
def description_words(text: str) -> frozenset[str]:
    """Content words of a description (case-folded, accents dropped, stop words removed)."""
    words = _WORD_RE.findall(strip_accents(clean_surface(text)).casefold())
    return frozenset(w for w in words if w not in _STOP)


def words_agree(a: set[str] | frozenset[str], b: set[str] | frozenset[str],
                rare: Callable[[str], bool] = lambda word: True) -> bool:
    """True when two descriptions share two or more content words (one ``rare``) and a Jaccard >= 0.25."""
    shared = a & b
    return len(shared) >= 2 and len(shared) / len(a | b) >= 0.25 and any(rare(w) for w in shared)


def _node_words(corpus: Any, node: int) -> set[str]:
    words: set[str] = set()
    for sk in _node_sks(corpus).get(node, []):
        for desc in corpus.sk_desc[sk]:
            words.update(description_words(desc))
    return words


def _word_frequency(corpus: Any) -> tuple[Counter[str], int]:
    """In how many nodes' descriptions each word appears (template words are common)."""
    cached = getattr(corpus, "_word_df", None)
    if cached is None:
        df: Counter[str] = Counter()
        nodes = _node_sks(corpus)
        for node in nodes:
            df.update(_node_words(corpus, node))
        cached = corpus._word_df = (df, len(nodes))
    return cached


def _node_sks(corpus: Any) -> dict[int, list[int]]:
    cached = getattr(corpus, "_node_sks", None)
    if cached is None:
        cached = {}
        for i, nodes in enumerate(corpus.sk_nodes):
            for n in nodes:
                cached.setdefault(n, []).append(i)
        corpus._node_sks = cached
    return cached


def _co_mentions(corpus: Any, node: int) -> set[int]:
    """Nodes mentioned in the same episodes as ``node`` (its first :data:`MAX_EPISODES` episodes)."""
    cache: dict[int, set[int]] | None = getattr(corpus, "_co_mention_cache", None)
    if cache is None:
        cache = corpus._co_mention_cache = {}
    found = cache.get(node)
    if found is not None:
        return found
    episode_of = corpus.mention_episode()
    episodes: set[int] = set()
    for sk in _node_sks(corpus).get(node, []):
        episodes.update(episode_of[corpus.sk_mentions(sk, MAX_EPISODES)].tolist())
    out: set[int] = set()
    sk_nodes = corpus.sk_nodes
    for episode in sorted(episodes, key=corpus.episode_ids.__getitem__)[:MAX_EPISODES]:
        for other in corpus.episode_sks(episode):
            out.update(sk_nodes[other])
    out.discard(node)
    cache[node] = out
    return out


def descriptions_agree(corpus: Any, a: int, b: int) -> bool:
    """True when the descriptions of nodes ``a`` and ``b`` share rare content words (see the module)."""
    words_a, words_b = _node_words(corpus, a), _node_words(corpus, b)
    if words_a and words_b and words_agree(words_a, words_b):
        # Only now is the corpus-wide word frequency worth computing (once, then cached).
        df, total = _word_frequency(corpus)
        limit = max(5, total // 200)
        if words_agree(words_a, words_b, lambda w: df[w] <= limit):
            return True
    return False


def _rare_nodes(corpus: Any) -> set[int]:
    """Nodes in at most 1% of the episodes (at least 2): a shared one says something."""
    cached = getattr(corpus, "_rare_nodes", None)
    if cached is None:
        # (episode, node) for every node of every mention, counted once per episode: one array pass.
        sizes = np.fromiter(map(len, corpus.sk_nodes), dtype=np.int64, count=len(corpus.sk_nodes))
        flat_nodes = np.fromiter(chain.from_iterable(corpus.sk_nodes), dtype=np.int64, count=int(sizes.sum()))
        first = np.cumsum(sizes) - sizes
        mention_sk = corpus.mention_sk_array
        per_mention = sizes[mention_sk]
        slot = np.arange(int(per_mention.sum()), dtype=np.int64)
        slot -= np.repeat(np.cumsum(per_mention) - per_mention, per_mention)
        nodes = flat_nodes[np.repeat(first[mention_sk], per_mention) + slot]
        n_nodes = max(1, len(corpus.node_key))
        pairs = np.sort(np.repeat(corpus.mention_episode(), per_mention) * n_nodes + nodes)
        distinct = pairs[np.flatnonzero(np.diff(pairs, prepend=-1))]
        df = np.bincount(distinct % n_nodes, minlength=n_nodes)
        limit = max(2, len(corpus.episode_ids) // 100)
        cached = corpus._rare_nodes = set(np.flatnonzero((df > 0) & (df <= limit)).tolist())
    return cached


def co_mentions_significant(corpus: Any, a: int, b: int) -> bool:
    """True when ``a`` and ``b`` share two or more rare co-mentioned names, three times more than chance.

    Only names in few episodes count (a popular name is co-mentioned with everything), and chance is
    ``|A| * |B| / rare names``: the same person in an English and a Japanese episode shares a few rare
    co-mentions; two names of a small, dense corpus share some by chance.
    """
    rare = _rare_nodes(corpus)
    co_a, co_b = (_co_mentions(corpus, a) & rare) - {b}, (_co_mentions(corpus, b) & rare) - {a}
    shared = len(co_a & co_b)
    return shared >= 2 and shared >= 3 * len(co_a) * len(co_b) / max(1, len(rare))


def has_evidence(corpus: Any, a: int, b: int) -> bool:
    """True when the descriptions or co-mentions of nodes ``a`` and ``b`` support a merge."""
    if descriptions_agree(corpus, a, b):
        return True
    co_a, co_b = _co_mentions(corpus, a) - {b}, _co_mentions(corpus, b) - {a}
    shared = len(co_a & co_b)
    return shared >= 2 and shared / len(co_a | co_b) >= 0.2
