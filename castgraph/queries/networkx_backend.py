"""The NetworkX backend: queries answered from a :class:`~castgraph.queries.index.GraphIndex`.

Examples
--------
>>> from castgraph.graph.build import build_graph
>>> from castgraph.graph.model import Entity, EntityType, Episode, Mention, Resolution
>>> ep = Episode(id="e1", title="Hello", mentions=[Mention(surface="swyx")])
>>> res = Resolution(entities=[Entity(id="entity:1", name="swyx", type=EntityType.PERSON)],
...                  assignments={"e1#0": "entity:1"})
>>> NetworkXQueries(build_graph([ep], res)).appearances("entity:1", limit=10)
(1, [('episode:e1', ['swyx'], [MentionRef(origin='listed', field='', chapter=None, timestamp=None)])])
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from castgraph.queries.backend import (
    ComentionCounts,
    EntityRow,
    EpisodeRow,
    MentionRef,
    OriginWeights,
    QueryBackend,
    Term,
    tier_key,
)
from castgraph.queries.index import GraphIndex
from castgraph.queries.scoring import sum_weights

if TYPE_CHECKING:
    import networkx as nx

__all__ = ["NetworkXQueries"]

# Posting lists this long (a show's hosts are in most of its episodes, so in most queries) are
# split by strength once per set of origin weights and kept, not split again for every query.
_KEPT_POSTING_MIN = 2_000
_KEPT_POSTINGS = 128


class NetworkXQueries(QueryBackend):
    """Queries over an in-memory graph; pass a graph, or an already built (cached) index."""

    def __init__(self, graph: nx.MultiDiGraph | None = None, *, index: GraphIndex | None = None) -> None:
        if index is None:
            if graph is None:
                raise ValueError("give a graph or an index")
            index = GraphIndex.from_graph(graph)
        self.index = index
        self._named: dict[str, list[int]] | None = None
        self._named_once = False
        # For rank_terms: strength tables by origin weights.
        self._tables: dict[tuple[tuple[str, float], ...] | None, np.ndarray] = {}
        # Long posting lists by (strength table, entity, tier); the oldest dropped past _KEPT_POSTINGS.
        self._kept: dict[tuple[int, int, float | None], np.ndarray] = {}

    # --- rows ---------------------------------------------------------------------
    def _episode_row(self, ep: int, chapters: bool = True) -> EpisodeRow:
        idx = self.index
        return EpisodeRow(id=idx.ep_ids[ep], title=idx.ep_title[ep], published=idx.ep_published[ep],
                          chapters=idx.chapters(ep) if chapters else [])

    def _entity_row(self, ent: int) -> EntityRow:
        idx = self.index
        return EntityRow(id=idx.ent_ids[ent], name=idx.ent_name[ent], type=idx.ent_type[ent],
                         aliases=tuple(idx.ent_aliases[ent]), description=idx.description(ent),
                         episode_count=idx.ent_count[ent])

    def episode_count(self) -> int:
        return len(self.index.ep_ids)

    def episodes(self, ids: Sequence[str]) -> dict[str, EpisodeRow]:
        idx = self.index
        found = ((i, idx.episode_position(i)) for i in ids)
        return {i: self._episode_row(ep) for i, ep in found if ep is not None}

    def episodes_titled(self, fragment: str) -> list[EpisodeRow]:
        return [self._episode_row(ep, chapters=False) for ep in self.index.episodes_titled(fragment)]

    def episode_titles(self) -> list[tuple[str, str]]:
        return list(zip(self.index.ep_ids, self.index.ep_title, strict=True))

    def entities(self, ids: Sequence[str]) -> dict[str, EntityRow]:
        idx = self.index
        found = ((i, idx.entity_position(i)) for i in ids)
        return {i: self._entity_row(ent) for i, ent in found if ent is not None}

    def entities_named(self, name: str) -> list[EntityRow]:
        if self._named is None and not self._named_once:
            # The first look-up searches the names; the next ones index them all, once.
            self._named_once = True
            return [self._entity_row(ent) for ent in self.index.entities_named(name)]
        if self._named is None:
            named: dict[str, list[int]] = {}
            idx = self.index
            # Whole columns, walked once (a cached index decodes each in one go).
            for ent, (own, aliases) in enumerate(zip(idx.ent_name, idx.ent_aliases, strict=True)):
                for text in dict.fromkeys([own, *aliases]):
                    named.setdefault(text, []).append(ent)
            self._named = named
        return [self._entity_row(ent) for ent in self._named.get(name, ())]

    def entity_absorbing(self, former_id: str) -> EntityRow | None:
        owner = self.index.ent_former.get(former_id)
        ent = self.index.entity_position(owner) if owner is not None else None
        return self._entity_row(ent) if ent is not None else None

    def entity_names(self) -> list[EntityRow]:
        idx = self.index
        columns = zip(idx.ent_ids, idx.ent_name, idx.ent_type, idx.ent_aliases, idx.ent_count, strict=True)
        return [EntityRow(id=i, name=name, type=kind, aliases=tuple(aliases), episode_count=count)
                for i, name, kind, aliases, count in columns]

    # --- related episodes ---------------------------------------------------------
    def _entity_term(self, ent: int, strength: float = 1.0) -> Term:
        idx = self.index
        # The stored episode count when the graph has one (as on Neo4j), else counted.
        df = idx.ent_count[ent] if idx.ent_count[ent] > 0 else idx.entity_df(ent)
        return Term(id=idx.ent_ids[ent], kind="entity", name=idx.ent_name[ent], type=idx.ent_type[ent], df=df,
                    strength=strength)

    def episode_terms(self, episode_id: str, weights: OriginWeights | None = None) -> list[Term]:
        idx = self.index
        ep = idx.episode_position(episode_id)
        if ep is None:
            return []
        ents, strengths = idx.episode_strengths(ep, self._strength_table(weights))
        terms = [self._entity_term(ent, s) for ent, s in zip(ents, strengths, strict=True) if s > 0]
        terms += [Term(id=idx.topic_ids[t], kind="topic", name=idx.topic_name[t], type="Topic",
                       df=idx.topic_df(t)) for t in idx.episode_topics(ep)]
        return terms

    def entity_terms(self, ids: Sequence[str]) -> list[Term]:
        idx = self.index
        found = (idx.entity_position(i) for i in ids)
        return [self._entity_term(ent) for ent in found if ent is not None]

    def postings(self, terms: Sequence[Term], weights: OriginWeights | None = None) -> dict[str, list[str]]:
        ep_ids = self.index.ep_ids
        positions = self._posting_positions(terms, self._strength_table(weights))
        return {term.key: [ep_ids[e] for e in eps.tolist()]
                for term, eps in zip(terms, positions, strict=True)}

    def _posting_positions(self, terms: Sequence[Term], table: np.ndarray) -> list[np.ndarray]:
        """Episode positions (ascending) of each term's posting list (:meth:`postings` gives their ids)."""
        idx = self.index
        strengths: dict[str, tuple[np.ndarray, np.ndarray]] = {}  # once per entity, for all its tiers
        positions: dict[str, int | None] = {}
        out = []
        ent_ptr = idx.arrays["ent_ptr"]
        for term in terms:
            if term.kind == "entity" and term.id not in positions:
                positions[term.id] = idx.entity_position(term.id)
            ent = positions[term.id] if term.kind == "entity" else None
            if ent is not None and ent_ptr[ent + 1] - ent_ptr[ent] >= _KEPT_POSTING_MIN:
                out.append(self._kept_posting(ent, term.tier, table))
            elif ent is not None:
                if term.id not in strengths:
                    strengths[term.id] = idx.entity_strengths(ent, table)
                all_eps, strength = strengths[term.id]
                out.append(all_eps if term.tier is None else all_eps[strength == term.tier])
            elif term.kind == "topic" and term.id in idx.topic_pos:
                ptr, at = idx.arrays["topic_ptr"], idx.topic_pos[term.id]
                out.append(idx.arrays["topic_idx"][ptr[at]:ptr[at + 1]])  # topic_episodes, as an array
            else:
                out.append(np.zeros(0, dtype=np.int64))
        return out

    def _kept_posting(self, ent: int, tier: float | None, table: np.ndarray) -> np.ndarray:
        """The episodes of ``ent`` (of its ``tier``, when given): a long posting list, kept."""
        key = (id(table), ent, tier)  # strength tables live as long as the backend (_strength_table)
        posting = self._kept.pop(key, None)
        if posting is None:
            all_eps, strength = self.index.entity_strengths(ent, table)
            posting = all_eps if tier is None else all_eps[strength == tier]
            if len(self._kept) >= _KEPT_POSTINGS:
                del self._kept[next(iter(self._kept))]
        self._kept[key] = posting  # last used last
        return posting

    def _strength_table(self, weights: OriginWeights | None) -> np.ndarray:
        """:meth:`GraphIndex.strength_table`, made once per set of origin weights."""
        key = tuple(sorted(weights.items())) if weights is not None else None
        table = self._tables.get(key)
        if table is None:
            table = self._tables[key] = self.index.strength_table(weights)
        return table

    def rank_terms(self, weighted: Sequence[tuple[float, Term]], exclude: str | None, limit: int | None,
                   weights: OriginWeights | None = None) -> list[tuple[float, str, int]]:
        """``(score, episode id, bits of the shared terms)`` of the best ``limit`` episodes sharing
        ``weighted`` terms, best first (score desc, then id): what
        :func:`~castgraph.queries.related.rank_episodes` reads from posting lists, scored for
        every episode at once.

        The sums of all episodes are added up in one pass (popular entities cost one array
        operation, however many episodes they are in); only the episodes that can be in the
        top ``limit`` get their shared terms and an exact sum.
        """
        idx = self.index
        table = self._strength_table(weights)
        lists = self._posting_positions([term for _, term in weighted], table)
        sizes = [len(p) for p in lists]
        if not sum(sizes):
            return []
        approx = np.bincount(np.concatenate(lists), minlength=len(idx.ep_ids),
                             weights=np.repeat([w for w, _ in weighted], sizes))
        excluded = idx.episode_position(exclude) if exclude is not None else None
        if excluded is not None:
            approx[excluded] = 0.0
        chosen = np.flatnonzero(approx > 0)
        if limit is not None and len(chosen) > limit:
            sums = approx[chosen]
            kth = np.partition(sums, len(sums) - limit)[len(sums) - limit]
            # The float sums differ from the exact ones by far less than this slack.
            chosen = chosen[sums >= kth - 1e-9 * (1.0 + float(sums.max()))]
        # Which terms each chosen episode shares: its bit set, and its exact sum once per set.
        shares = np.zeros((len(weighted), len(chosen)), dtype=bool)
        for k, posting in enumerate(lists):
            if len(posting):
                at = np.minimum(np.searchsorted(posting, chosen), len(posting) - 1)
                shares[k] = posting[at] == chosen
        sets, which = np.unique(np.packbits(shares, axis=0, bitorder="little").T, axis=0, return_inverse=True)
        bits = [int.from_bytes(row.tobytes(), "little") for row in sets]
        exact = np.array([sum_weights(w for k, (w, _) in enumerate(weighted) if b >> k & 1) for b in bits])
        score = exact[which.reshape(-1)]
        # Best first, ties by id (the index numbers episodes in id order).
        order = np.lexsort((chosen, -score))
        if limit is not None:
            order = order[:limit]
        return [(float(score[i]), idx.ep_ids[chosen[i]], bits[which.reshape(-1)[i]]) for i in order.tolist()]

    def memberships(self, episode_ids: Sequence[str], terms: Sequence[Term],
                    weights: OriginWeights | None = None) -> dict[str, set[str]]:
        idx = self.index
        table = idx.strength_table(weights)
        found = ((idx.entity_position(t.id), t.id) for t in terms if t.kind == "entity")
        ents = {ent: term_id for ent, term_id in found if ent is not None}
        tops = {idx.topic_pos[t.id]: t.id for t in terms if t.kind == "topic" and t.id in idx.topic_pos}
        wanted = {t.key for t in terms}
        out: dict[str, set[str]] = {}
        for eid in episode_ids:
            ep = idx.episode_position(eid)
            if ep is None:
                continue
            have: set[str] = set()
            for e, strength in zip(*idx.episode_strengths(ep, table), strict=True):
                if e in ents and strength > 0:
                    keys = (ents[e], tier_key(ents[e], strength))
                    have.update(k for k in keys if k in wanted)
            have |= {tops[t] for t in idx.episode_topics(ep) if t in tops}
            if have:
                out[eid] = have
        return out

    # --- co-mentions --------------------------------------------------------------
    def comention_counts(
        self, *, types: Sequence[str] | None, since: str | None, until: str | None, min_weight: int
    ) -> ComentionCounts:
        idx = self.index
        published = idx.ep_published
        low, high = since or "", until or "\uffff"
        selected = [ep for ep, day in enumerate(published)
                    if not (since or until) or (day is not None and low <= day <= high)]
        allowed = None
        if types:
            wanted = set(types)
            allowed = np.fromiter((t in wanted for t in idx.ent_type), dtype=bool, count=len(idx.ent_type))
        first, second, bounds, shared, df = idx.entity_pairs(np.asarray(selected, dtype=np.int64), allowed,
                                                             min_weight)
        # Whole columns at a time: positions to ids by one take each, then one slice per pair.
        # Episodes come ascending by position, which is id order.
        ids = np.asarray(idx.ent_ids, dtype=object)
        names = np.asarray(idx.ep_ids, dtype=object)[shared].tolist()
        runs = (names[lo:hi] for lo, hi in zip(bounds[:-1].tolist(), bounds[1:].tolist(), strict=True))
        pairs = dict(zip(zip(ids[first].tolist(), ids[second].tolist(), strict=True), runs, strict=True))
        present = np.flatnonzero(df)
        # Rows only for the entities of some pair: the rest appear in no edge.
        paired = np.zeros(len(df), dtype=bool)
        paired[first] = paired[second] = True
        names_of, types_of = idx.ent_name, idx.ent_type
        return ComentionCounts(
            pairs=pairs,
            df=dict(zip(ids[present].tolist(), df[present].tolist(), strict=True)),
            refs={idx.ent_ids[e]: EntityRow(id=idx.ent_ids[e], name=names_of[e], type=types_of[e])
                  for e in np.flatnonzero(paired).tolist()},
            episodes=len(selected),
        )

    # --- profile ------------------------------------------------------------------
    def appearances(self, entity_id: str, limit: int | None
                    ) -> tuple[int, list[tuple[str, list[str], list[MentionRef]]]]:
        idx = self.index
        ent = idx.entity_position(entity_id)
        if ent is None:
            return 0, []
        shown = idx.appearances(ent, limit)
        return idx.entity_df(ent), [(idx.ep_ids[e], idx.surfaces(e, ent),
                                     [MentionRef(*p) for p in idx.places(e, ent)]) for e in shown]

    def comentioned(self, entity_id: str, limit: int) -> list[tuple[EntityRow, int]]:
        idx = self.index
        ent = idx.entity_position(entity_id)
        if ent is None:
            return []
        return [(self._entity_row(e), n) for e, n in idx.comentioned(ent, limit)]

    def topic_counts(self, entity_id: str, limit: int) -> list[tuple[str, str, int]]:
        idx = self.index
        ent = idx.entity_position(entity_id)
        if ent is None:
            return []
        return [(idx.topic_ids[t], idx.topic_name[t], n) for t, n in idx.topic_counts(ent, limit)]
