"""Related episodes: what to listen to next.

Episodes are scored by what they share with the query: each shared entity adds its
rarity, ``idf = log(N / df)`` (an entity in every episode, like the host, adds
nothing), each shared topic half as much. Results are ranked by score desc, then id
asc; episodes sharing nothing of weight are not related. Each result lists what it
shares, heaviest first.

Only the posting lists of the query's rarer terms are read: terms are taken rarest
first, and once no episode outside the current candidates could still reach the top
``limit`` (the MaxScore bound), the frequent terms are only checked against the
candidates that can still make it. The final scores are exact sums
(:func:`~castgraph.queries.scoring.sum_weights`), identical on every backend.

Examples
--------
>>> from castgraph.graph.build import build_graph
>>> from castgraph.graph.model import Entity, EntityType, Episode, Mention, Resolution
>>> mention = lambda *names: [Mention(surface=n) for n in names]
>>> eps = [Episode(id="a", title="Cursor talk", mentions=mention("host", "Cursor")),
...        Episode(id="b", title="Cursor again", mentions=mention("host", "Cursor")),
...        Episode(id="c", title="Other", mentions=mention("host"))]
>>> ids = {"host": "entity:h", "Cursor": "entity:c"}
>>> res = Resolution(entities=[Entity(id=i, name=n, type=EntityType.PRODUCT) for n, i in ids.items()],
...                  assignments={m.id: ids[m.surface] for e in eps for m in e.mentions})
>>> [(r.id, [s.name for s in r.shared_entities]) for r in related_episodes(build_graph(eps, res), "a")]
[('episode:b', ['Cursor'])]
>>> [r.id for r in episodes_about(build_graph(eps, res), ["Cursor"])]
['episode:a', 'episode:b']
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Sequence
from itertools import chain
from typing import TYPE_CHECKING

from castgraph.errors import CastgraphError
from castgraph.queries.backend import OriginWeights, QueryBackend, Term
from castgraph.queries.comention import as_backend
from castgraph.queries.lookup import find_entity, find_episode
from castgraph.queries.models import RelatedEpisode, SharedEntity, SharedTopic
from castgraph.queries.scoring import origin_weights, strength_tiers, sum_weights, term_weight

if TYPE_CHECKING:
    import networkx as nx

__all__ = ["episodes_about", "rank_episodes", "related_episodes"]

#: Postings fetched per round trip (a backend call); the rarest terms come first.
POSTINGS_BATCH = 20_000
# Float slack for the pruning bound: partial sums are not exactly rounded.
_EPS = 1e-9


def related_episodes(
    graph: nx.MultiDiGraph | QueryBackend, episode: str, *, limit: int | None = 10,
    origins: Iterable[str] | None = None,
) -> list[RelatedEpisode]:
    """Episodes related to ``episode`` (a node id, record id or unique title fragment), best first.

    Never includes the episode itself. A shared entity weighs its rarity times how strongly
    each of the two episodes mentions it (:data:`~castgraph.queries.scoring.ORIGIN_WEIGHTS`:
    listed 1, hashtag 0.75, found in the text 0.5); ``origins`` counts only mentions
    obtained in those ways (e.g. ``["listed"]``).
    """
    backend = as_backend(graph)
    row = find_episode(backend, episode)
    weights = origin_weights(origins)
    return rank_episodes(backend, backend.episode_terms(row.id, weights), exclude=row.id, limit=limit,
                         weights=weights)


def episodes_about(
    graph: nx.MultiDiGraph | QueryBackend, entities: Sequence[str], *, limit: int | None = 10,
    origins: Iterable[str] | None = None,
) -> list[RelatedEpisode]:
    """Episodes about a set of entities (ids, names, aliases or near spellings), best first.

    Each entity an episode mentions adds 1 plus its rarity (idf): episodes mentioning
    more of them come first, then those mentioning the rarer ones. An entity in every
    episode still counts, since it was asked for. Each is weighed by how strongly the
    episode mentions it, as in :func:`related_episodes`.
    """
    backend = as_backend(graph)
    if not entities:
        raise CastgraphError("give at least one entity")
    ids = sorted({find_entity(backend, text)[0].id for text in entities})
    weights = origin_weights(origins)
    return rank_episodes(backend, backend.entity_terms(ids), exclude=None, limit=limit, base=1.0,
                         weights=weights)


def rank_episodes(
    backend: QueryBackend, terms: Sequence[Term], *, exclude: str | None, limit: int | None,
    base: float = 0.0, weights: OriginWeights | None = None,
) -> list[RelatedEpisode]:
    """Rank the episodes sharing ``terms`` by the summed weight of the terms they share.

    A topic weighs ``base`` + its idf; an entity ``(base + idf) * strength * tier`` for each
    strength ``tier`` an episode's mentions of it can have (one term per tier, so that each
    term has one weight and the MaxScore bound holds).
    """
    n = backend.episode_count()
    tiers = strength_tiers(dict(weights) if weights is not None else None)
    weighted: list[tuple[float, Term]] = []
    for t in terms:
        w = base + term_weight(t.kind, t.df, n)
        if t.kind != "entity":
            weighted.append((w, t))
            continue
        # The Term made directly: dataclasses.replace costs more than the ranking of a query.
        weighted += [(w * t.strength * tier, Term(t.id, t.kind, t.name, t.type, t.df, t.strength, tier))
                     for tier in tiers]
    # Rarest (heaviest) first; weight-0 terms (in every episode) can change nothing.
    weighted = sorted(((w, t) for w, t in weighted if w > 0), key=lambda wt: (-wt[0], wt[1].key))
    if not weighted or limit == 0:
        return []
    rank_terms = getattr(backend, "rank_terms", None)
    if rank_terms is not None:  # a backend that scores every episode at once (the embedded one)
        scored: list[tuple[float, str, int]] = rank_terms(weighted, exclude, limit, weights)
    else:
        scored = _rank_by_postings(backend, weighted, exclude, limit, weights)
    rows = backend.episodes([ep for _, ep, _ in scored])
    results = []
    for score, ep, bits in scored:
        terms_shared = [k for k in range(len(weighted)) if bits >> k & 1]
        results.append(RelatedEpisode(
            id=ep, title=rows[ep].title, published=rows[ep].published, score=score,
            shared_entities=[SharedEntity(id=t.id, name=t.name, type=t.type, weight=w)
                             for w, t in (weighted[k] for k in terms_shared) if t.kind == "entity"],
            shared_topics=[SharedTopic(id=t.id, name=t.name, weight=w)
                           for w, t in (weighted[k] for k in terms_shared) if t.kind == "topic"],
        ))
    return results


def _rank_by_postings(backend: QueryBackend, weighted: list[tuple[float, Term]], exclude: str | None,
                      limit: int | None, weights: OriginWeights | None) -> list[tuple[float, str, int]]:
    """``(score, episode, bits of the shared terms)`` of the best episodes, best first, read
    from the posting lists of the rarest terms only (the MaxScore bound)."""
    # suffix[i]: the most an episode can still gain from terms i.. on.
    suffix = [0.0] * (len(weighted) + 1)
    for i in range(len(weighted) - 1, -1, -1):
        suffix[i] = suffix[i + 1] + weighted[i][0]
    # Per candidate: a lower bound of its score and the bit set of the terms it shares
    # (floats and ints: no per-candidate containers for the garbage collector to walk).
    partial: dict[str, float] = {}
    shared: dict[str, int] = {}

    def kth_best() -> float:
        if limit is None or len(partial) < limit:
            return 0.0
        return heapq.nlargest(limit, partial.values())[-1]

    i = 0
    while i < len(weighted):
        j, budget = i, 0
        while j < len(weighted) and (j == i or budget + weighted[j][1].df <= POSTINGS_BATCH):
            budget += weighted[j][1].df
            j += 1
        postings = backend.postings([t for _, t in weighted[i:j]], weights)
        for k in range(i, j):
            w, term = weighted[k]
            bit = 1 << k
            get_score, get_bits = partial.get, shared.get
            for ep in postings.get(term.key, ()):
                partial[ep] = get_score(ep, 0.0) + w
                shared[ep] = get_bits(ep, 0) | bit
        partial.pop(exclude or "", None)
        shared.pop(exclude or "", None)
        i = j
        if i < len(weighted) and limit is not None and len(partial) >= limit \
                and kth_best() > suffix[i] + _EPS:
            break  # no episode outside the candidates can reach the top `limit` any more
    pool: Iterable[str] = partial
    if i < len(weighted):
        # Frequent terms not read: check them only for candidates that can still make the top.
        floor = kth_best()
        pool = sorted(ep for ep, s in partial.items() if s + suffix[i] >= floor - _EPS)
        position = {t.key: k for k, (_, t) in enumerate(weighted)}
        for ep, have in backend.memberships(pool, [t for _, t in weighted[i:]], weights).items():
            for term_key in have:
                if term_key in position:
                    shared[ep] |= 1 << position[term_key]
    # Episodes sharing the same terms have the same (exactly summed) score: score each set once.
    groups: dict[int, list[str]] = {}
    for ep in pool:
        groups.setdefault(shared[ep], []).append(ep)
    by_score: dict[float, list[int]] = {}
    for bits in groups:
        score = sum_weights(weighted[k][0] for k in range(len(weighted)) if bits >> k & 1)
        by_score.setdefault(score, []).append(bits)
    scored: list[tuple[float, str, int]] = []
    for score in sorted(by_score, reverse=True):
        need = None if limit is None else limit - len(scored)
        if need is not None and need <= 0:
            break
        tied = chain.from_iterable(groups[bits] for bits in by_score[score])
        best = sorted(tied) if need is None else heapq.nsmallest(need, tied)
        scored += [(score, ep, shared[ep]) for ep in best]
    return scored
