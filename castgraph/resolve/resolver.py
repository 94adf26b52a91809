"""Entity resolution: mentions in, canonical entities out, every merge explained.

How names become entities
-------------------------
1. Every surface is split into the names it holds (:mod:`castgraph.resolve.surface`:
   ``"Shawn Wang / swyx"``, ``"Amazon Web Services (AWS)"``; affiliations such as
   ``"Thomas Dohmke (GitHub)"`` are dropped) and each name gets its key
   (:func:`castgraph.resolve.normalize.normalize_name`). A *node* is a
   (type group, key) pair: all work happens on distinct nodes, not on mentions.
2. Union-find joins nodes: curated merges first (rule ``override``), then the
   names written together in one surface (``alias-slash``, ``alias-paren``,
   ``acronym``) and feed persons that share an ``href`` (``href``;
   :mod:`castgraph.resolve.hints`) -- so aliases carry across episodes
   transitively -- then fuzzy matches found behind blocking (``fuzzy``;
   :mod:`castgraph.resolve.fuzzy`).
   Borderline fuzzy pairs merge only with evidence (``fuzzy+evidence``: similar
   descriptions or two co-mentioned entities in common), else they are listed
   in :attr:`Resolution.review`. ``never_merge`` overrides veto any union.
3. Each connected group of nodes is one entity.

Types
-----
Type labels map through :meth:`EntityType.from_label`. A Person only ever
merges with a Person, and a Place with a Place. Organizations, products,
concepts, events and others of the same name are one entity: podcasts say
"GitHub" for the company and the platform alike, and extraction labels the
same thing "organization" in one episode and "software" in the next, so
splitting them would hide half of the entity's episodes. The entity's type is
the most voted label (``type_votes``; ties go to Organization, Product,
Concept, Event, Other, in that order). The ``split_by_type`` override keeps a
company and its product apart when they really are two things.

Names and ids
-------------
The canonical name is the most mentioned name (a slash or parenthesis alias
counts for each of its names; legal suffixes dropped); ties go to the first name
of an "A / B" surface, then to the longest key, then the spelling with accents,
with mixed case, then lexicographic order. ``rename`` overrides it. An
entity's id is ``entity:`` + a hash of its *anchor*: the type group and key of
its earliest mention by (published date, episode id, ordinal) -- so a new alias
or a later episode never changes it.
With ``prior`` (the resolution of an existing graph), each entity that holds
mentions of a prior entity keeps that entity's id (most shared mentions
first), so ids survive even an earlier episode arriving later.

Determinism: the result depends only on the set of episodes (and overrides
and prior), never on their order.

Examples
--------
>>> from castgraph.graph.model import Episode, Mention
>>> eps = [Episode(id="a", title="A", mentions=[Mention(surface="Shawn Wang / swyx", type_label="Person")]),
...        Episode(id="b", title="B", mentions=[Mention(surface="swyx", type_label="人物"),
...                                            Mention(surface="Claude", type_label="software"),
...                                            Mention(surface="Claude Code", type_label="ソフトウェア")])]
>>> res = resolve(eps)
>>> sorted((e.name, e.type.value, len(e.mention_ids)) for e in res.entities)
[('Claude', 'Product', 1), ('Claude Code', 'Product', 1), ('swyx', 'Person', 2)]
"""

from __future__ import annotations

from array import array
from collections import Counter, defaultdict
from collections.abc import Iterable
from datetime import date
from functools import lru_cache
from itertools import product
from typing import Any

import numpy as np

from castgraph.graph.model import EntityType, Episode, Mention, Resolution
from castgraph.memory import gc_paused
from castgraph.resolve.build_entities import SPLIT_PREFIX, Component, anchor_id, build_resolution
from castgraph.resolve.fuzzy import candidate_pairs, fuzzy_verdict
from castgraph.resolve.hints import href_edges
from castgraph.resolve.normalize import clean_surface, name_tokens, normalize_name
from castgraph.resolve.overrides import ENTITY_ID_RE, Overrides
from castgraph.resolve.surface import parse_surface
from castgraph.resolve.variant_edges import confirmed, variant_edges

__all__ = ["group_of", "resolve"]

_NO_DATE = date.max
# Descriptions kept per (surface, type): enough for the entity's first few and for evidence.
MAX_DESCRIPTIONS_KEPT = 8
_TYPES = list(EntityType)


def group_of(etype: EntityType) -> str:
    """The type group a type merges within.

    >>> group_of(EntityType.PRODUCT) == group_of(EntityType.ORGANIZATION), group_of(EntityType.PERSON)
    (True, 'Person')
    """
    if etype in (EntityType.PERSON, EntityType.PLACE):
        return etype.value
    return "Thing"


class _UnionFind:
    def __init__(self) -> None:
        self.parent: list[int] = []
        self.forbid: dict[int, set[int]] = {}

    def add(self) -> int:
        self.parent.append(len(self.parent))
        return len(self.parent) - 1

    def find(self, x: int) -> int:
        parent = self.parent
        root = x
        while parent[root] != root:
            root = parent[root]
        while parent[x] != root:
            parent[x], x = root, parent[x]
        return root

    def union(self, a: int, b: int) -> bool:
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return False
        fa, fb = self.forbid.get(ra, set()), self.forbid.get(rb, set())
        if any(self.find(n) == rb for n in fa) or any(self.find(n) == ra for n in fb):
            return False
        if ra > rb:
            ra, rb = rb, ra
        self.parent[rb] = ra
        if fb:
            self.forbid.setdefault(ra, set()).update(self.forbid.pop(rb))
        return True


class _MentionSuffixes(dict[int, str]):
    """``"#<ordinal>"`` by ordinal, made once each: a mention id is its episode id plus one of these."""

    def __missing__(self, ordinal: int) -> str:
        suffix = self[ordinal] = f"#{ordinal}"
        return suffix


_SUFFIXES = _MentionSuffixes()


class _Corpus:
    """Distinct (surface, type label) records and the nodes their names map to.

    Mentions are numbered in reading order (episodes by date and id, then their order in the
    episode); per-mention data are flat columns indexed by that number, so that no record holds
    one list per surface of its mentions.
    """

    def __init__(self, overrides: Overrides) -> None:
        self.split_keys = {normalize_name(n) for n in overrides.split_by_type}
        # Surfaces split out of their entity: one node of their own, keyed apart from every name.
        self.split_surfaces = {normalize_name(d.surface) for d in overrides.split} - {""}
        self.prior: Resolution | None = None
        self.sk_index: dict[tuple[str, int], int] = {}
        self.sk_surface: list[str] = []
        self.sk_type: list[EntityType] = []
        self.sk_count: list[int] = []
        self.sk_first: list[tuple[date, str, int]] = []
        self.sk_desc: list[dict[str, None]] = []
        self.sk_nodes: list[tuple[int, ...]] = []
        self.sk_parts: list[tuple[tuple[str, int], ...]] = []
        self.sk_rule: list[str] = []
        self.node_index: dict[tuple[str, str], int] = {}
        self._nodes_by_key: dict[str, list[int]] | None = None
        self.node_key: list[tuple[str, str]] = []
        self.node_display: list[Counter[str]] = []
        #: Per episode (reading order): its id, its show, and where its mentions start.
        self.episode_ids: list[str] = []
        self.episode_show: list[str] = []
        self.episode_start: list[int] = [0]
        #: Per mention: its record and its id (``"<episode id>#<ordinal>"``).
        self.mention_sk = array("q")
        self.mention_ids: list[str] = []
        #: Mentions that carry an ``href``: (mention number, href).
        self.mention_hrefs: list[tuple[int, str]] = []
        self.mention_sk_array = np.zeros(0, dtype=np.int64)
        self._sk_order: np.ndarray | None = None
        self._sk_offsets: np.ndarray | None = None
        self._mention_episode: np.ndarray | None = None
        self.uf = _UnionFind()
        self._types: dict[str, int] = {}
        self._by_label: dict[str, dict[str, int]] = {}

    def node(self, group: str, key: str) -> int:
        nk = (group, key)
        idx = self.node_index.get(nk)
        if idx is None:
            idx = self.node_index[nk] = self.uf.add()
            self.node_key.append(nk)
            self.node_display.append(Counter())
        return idx

    def type_code(self, label: str) -> int:
        code = self._types.get(label)
        if code is None:
            code = self._types[label] = _TYPES.index(EntityType.from_label(label))
        return code

    def add_sk(self, surface: str, code: int, first: tuple[date, str, int]) -> int:
        etype = _TYPES[code]
        rule, named = _named_parts(surface, etype is EntityType.PERSON)
        if self.split_surfaces and named and normalize_name(surface) in self.split_surfaces:
            rule, named = "", ((clean_surface(surface), SPLIT_PREFIX + normalize_name(surface)),)
        nodes: list[int] = []
        parts: list[tuple[str, int]] = []
        for display, key in named:
            group = etype.value if key in self.split_keys else group_of(etype)
            node = self.node(group, key)
            parts.append((display, node))
            if node not in nodes:
                nodes.append(node)
        idx = len(self.sk_surface)
        self.sk_index[(surface, code)] = idx
        self.sk_surface.append(surface)
        self.sk_type.append(etype)
        self.sk_first.append(first)
        self.sk_desc.append({})
        self.sk_nodes.append(tuple(nodes))
        self.sk_parts.append(tuple(parts))
        self.sk_rule.append(rule)
        return idx

    def _sk_of(self, m: Mention, ep: Episode) -> int:
        by_surface = self._by_label.setdefault(m.type_label, {})
        i = by_surface.get(m.surface)
        if i is None:
            code = self.type_code(m.type_label)
            i = self.sk_index.get((m.surface, code))
            if i is None:  # episodes come oldest first: the first sighting is the earliest
                i = self.add_sk(m.surface, code, (ep.published or _NO_DATE, ep.id, m.ordinal))
            by_surface[m.surface] = i
        return i

    def read(self, episodes: list[Episode]) -> None:
        """Count every mention into its (surface, type) record; ``episodes`` in (date, id) order."""
        descs, by_label = self.sk_desc, self._by_label
        mention_sk, mention_ids, hrefs = self.mention_sk, self.mention_ids, self.mention_hrefs
        ids, shows, starts = self.episode_ids, self.episode_show, self.episode_start
        suffixes = _SUFFIXES
        for ep in episodes:
            eid, mentions = ep.id, ep.mentions
            ids.append(eid)
            shows.append(ep.show)
            try:  # the common case: every (type label, surface) seen before
                sks = [by_label[m.type_label][m.surface] for m in mentions]
            except KeyError:
                sks = [by_label.get(m.type_label, {}).get(m.surface, -1) for m in mentions]
                for pos, i in enumerate(sks):
                    if i < 0:
                        sks[pos] = self._sk_of(mentions[pos], ep)
            start = len(mention_sk)
            mention_sk.extend(sks)
            mention_ids.extend([eid + suffixes[m.ordinal] for m in mentions])
            starts.append(start + len(sks))
            for pos, (i, m) in enumerate(zip(sks, mentions, strict=True)):
                text = m.description
                if text:
                    known = descs[i]
                    if text not in known and len(known) < MAX_DESCRIPTIONS_KEPT:
                        known[text] = None
                if m.href:
                    hrefs.append((start + pos, m.href))
        self.mention_sk_array = np.frombuffer(mention_sk, dtype=np.int64)
        self.sk_count = counts = np.bincount(self.mention_sk_array, minlength=len(self.sk_surface)).tolist()
        for i, parts in enumerate(self.sk_parts):
            for display, node in parts:
                self.node_display[node][display] += counts[i]

    def _group_by_sk(self) -> tuple[np.ndarray, np.ndarray]:
        if self._sk_order is None or self._sk_offsets is None:
            self._sk_order = np.argsort(self.mention_sk_array, kind="stable")
            self._sk_offsets = np.zeros(len(self.sk_surface) + 1, dtype=np.int64)
            np.cumsum(np.asarray(self.sk_count, dtype=np.int64), out=self._sk_offsets[1:])
        return self._sk_order, self._sk_offsets

    def sk_mentions(self, sk: int, limit: int | None = None) -> np.ndarray:
        """The numbers of the mentions of record ``sk`` (the first ``limit``), in reading order."""
        order, offsets = self._group_by_sk()
        start, end = int(offsets[sk]), int(offsets[sk + 1])
        return order[start:end if limit is None else min(end, start + limit)]

    def mention_episode(self) -> np.ndarray:
        """The episode (reading order) of each mention."""
        if self._mention_episode is None:
            sizes = np.diff(np.asarray(self.episode_start, dtype=np.int64)).astype(np.int64)
            self._mention_episode = np.repeat(np.arange(len(self.episode_ids), dtype=np.int64), sizes)
        return self._mention_episode

    def episode_sks(self, episode: int) -> array[int]:
        """The records of the mentions of ``episode`` (reading order), in the episode's order."""
        return self.mention_sk[self.episode_start[episode]:self.episode_start[episode + 1]]


@lru_cache(maxsize=1 << 20)
def _named_parts(surface: str, person: bool) -> tuple[str, tuple[tuple[str, str], ...]]:
    """The split rule and the (display, key) of each name in ``surface``; names without a key dropped."""
    parsed = parse_surface(surface, person=person)
    named = []
    for part in parsed.parts:
        key = normalize_name(part)
        if key:
            named.append((clean_surface(part), key))
    return parsed.rule, tuple(named)


def _override_nodes(corpus: _Corpus, name: str) -> list[int]:
    """The nodes an override name (one per type group) or entity id refers to."""
    if ENTITY_ID_RE.match(name):
        return _id_nodes(corpus, name)
    if corpus._nodes_by_key is None:  # built once, after every mention is read
        by_key: dict[str, list[int]] = defaultdict(list)
        for (_, key), node in corpus.node_index.items():
            by_key[key].append(node)
        corpus._nodes_by_key = {key: sorted(nodes) for key, nodes in by_key.items()}
    return list(corpus._nodes_by_key.get(normalize_name(name), ()))


def _id_nodes(corpus: _Corpus, entity_id: str) -> list[int]:
    """The nodes of the entity with ``entity_id``: the one it is anchored at, or those of the prior entity."""
    by_id: dict[str, list[int]] | None = getattr(corpus, "_nodes_by_id", None)
    if by_id is None:
        by_id = defaultdict(list)
        for (group, key), node in corpus.node_index.items():
            by_id[anchor_id(group, key)].append(node)
        if corpus.prior is not None:
            order, _ = corpus._group_by_sk()  # by record, then reading order: the last id of a record wins
            mids, mention_sk = corpus.mention_ids, corpus.mention_sk
            sk_of = {mids[g]: mention_sk[g] for g in order.tolist()}
            for entity in corpus.prior.entities:
                nodes = {n for mid in entity.mention_ids if mid in sk_of for n in corpus.sk_nodes[sk_of[mid]]}
                for eid in (entity.id, *entity.former_ids):
                    by_id[eid].extend(sorted(nodes))
        corpus._nodes_by_id = by_id  # type: ignore[attr-defined]
    return sorted(set(by_id.get(entity_id, ())))


def _override_warnings(corpus: _Corpus, overrides: Overrides, resolution: Resolution) -> list[str]:
    """One line per decision that no longer applies (a name or id that matches nothing)."""
    warnings = []
    live_ids = {e.id for e in resolution.entities} | {f for e in resolution.entities for f in e.former_ids}

    def missing(ref: str) -> bool:
        return ref not in live_ids if ENTITY_ID_RE.match(ref) else not _override_nodes(corpus, ref)

    for kind in ("merge", "never_merge"):
        for i, refs in enumerate(getattr(overrides, kind)):
            for ref in refs:
                if missing(ref):
                    warnings.append(f"{overrides.where(kind, i)}: {kind}: {ref!r} matches no entity "
                                    "(decision skipped)" if len(refs) - sum(map(missing, refs)) < 2 else
                                    f"{overrides.where(kind, i)}: {kind}: {ref!r} matches no entity")
    for kind in ("rename", "set_type"):
        for ref in getattr(overrides, kind):
            if missing(ref):
                warnings.append(f"{overrides.where(kind, ref)}: {kind}: {ref!r} matches no entity "
                                "(decision skipped)")
    for i, name in enumerate(overrides.split_by_type):
        if missing(name):
            where = overrides.where("split_by_type", i)
            warnings.append(f"{where}: split_by_type: {name!r} matches no entity (decision skipped)")
    seen = {normalize_name(corpus.sk_surface[i]) for i, nodes in enumerate(corpus.sk_nodes) if nodes}
    for i, decision in enumerate(overrides.split):
        if normalize_name(decision.surface) not in seen:
            where = overrides.where("split", i)
            warnings.append(f"{where}: split: no mention is written {decision.surface!r} (decision skipped)")
    return warnings


def _edges(corpus: _Corpus, overrides: Overrides) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """All candidate unions as (order, score, a, b, rule, matched), plus borderline pairs."""
    edges: list[tuple[Any, ...]] = []
    for names in overrides.merge:
        nodes = [n for name in names for n in _override_nodes(corpus, name)]
        if len(nodes) < 2:  # names not in this corpus: nothing to merge
            continue
        edges.extend((0, -1.0, nodes[0], n, "override", "") for n in nodes[1:])
    for i, sk_nodes in enumerate(corpus.sk_nodes):
        if len(sk_nodes) > 1:
            rule = corpus.sk_rule[i] or "alias-paren"
            surface = clean_surface(corpus.sk_surface[i])
            edges.extend((1, -1.0, sk_nodes[0], n, rule, surface) for n in sk_nodes[1:])
    tokens_of = {}
    for node, display in enumerate(corpus.node_display):
        if corpus.node_key[node][1].startswith(SPLIT_PREFIX):  # split out by a person: no rule joins it
            continue
        if len(display) == 1:
            tokens_of[node] = name_tokens(next(iter(display)))
        elif display:
            best = min(display.items(), key=lambda kv: (-kv[1], kv[0]))[0]
            tokens_of[node] = name_tokens(best)
    borderline: list[tuple[Any, ...]] = []
    for a, b in sorted(candidate_pairs(tokens_of)):
        if corpus.node_key[a][0] != corpus.node_key[b][0]:
            continue
        verdict = fuzzy_verdict(tokens_of[a], tokens_of[b])
        if verdict is None:
            continue
        kind, score = verdict
        if kind == "match":
            edges.append((2, -score, a, b, "fuzzy", ""))
        else:
            borderline.append((3, -score, a, b, "fuzzy+evidence", ""))
    more_edges, more_borderline = variant_edges(corpus)
    return edges + more_edges, borderline + more_borderline


def _node_sort_key(corpus: _Corpus, edge: tuple[Any, ...]) -> tuple[Any, ...]:
    order, neg_score, a, b, rule, _ = edge
    return (order, neg_score, corpus.node_key[a], corpus.node_key[b], rule)


def resolve(episodes: Iterable[Episode], *, overrides: Overrides | None = None,
            prior: Resolution | None = None, warnings: list[str] | None = None) -> Resolution:
    """Resolve the mentions of ``episodes`` into entities.

    Parameters
    ----------
    episodes : iterable of Episode
        Every episode of the graph (for an incremental build: old and new).
    overrides : Overrides, optional
        Curated merges, vetoes, names and types (see :mod:`castgraph.resolve.overrides`).
    prior : Resolution, optional
        The resolution of the existing graph; entities keep its ids.
    warnings : list of str, optional
        Receives one line per override decision that no longer applies.

    Returns
    -------
    Resolution
        Entities, mention assignments, one merge record per (entity, surface)
        and the borderline pairs left apart.
    """
    with gc_paused():
        return _resolve(episodes, overrides or Overrides(), prior, warnings)


def _resolve(episodes: Iterable[Episode], overrides: Overrides, prior: Resolution | None,
             warnings: list[str] | None) -> Resolution:
    by_id = {ep.id: ep for ep in episodes}
    eps = sorted(by_id.values(), key=lambda e: (e.published or _NO_DATE, e.id))
    corpus = _Corpus(overrides)
    corpus.prior = prior
    corpus.read(eps)
    uf = corpus.uf
    for names in overrides.never_merge:
        groups = [_override_nodes(corpus, n) for n in names]
        for gi, left in enumerate(groups):
            for a, b in product(left, [n for right in groups[gi + 1:] for n in right]):
                uf.forbid.setdefault(a, set()).add(b)
                uf.forbid.setdefault(b, set()).add(a)
    edges, borderline = _edges(corpus, overrides)
    # Feed persons with the same href are one entity, unless a person split the surface out.
    edges += [e for e in href_edges(corpus)
              if not any(corpus.node_key[n][1].startswith(SPLIT_PREFIX) for n in e[2:4])]
    accepted: list[tuple[int, int, str, float, str]] = []
    for edge in sorted(edges, key=lambda e: _node_sort_key(corpus, e)):
        _, neg_score, a, b, rule, matched = edge
        if uf.union(a, b):
            accepted.append((a, b, rule, abs(neg_score), matched))
    review: list[tuple[int, int, float, str]] = []
    for edge in sorted(borderline, key=lambda e: _node_sort_key(corpus, e)):
        _, neg_score, a, b, rule, _ = edge
        if uf.find(a) == uf.find(b):
            continue
        if confirmed(corpus, a, b, rule) and uf.union(a, b):
            accepted.append((a, b, rule, abs(neg_score), ""))
        else:
            review.append((a, b, abs(neg_score), rule))
    components: dict[int, Component] = defaultdict(Component)
    for i, nodes in enumerate(corpus.sk_nodes):
        if nodes:
            components[uf.find(nodes[0])].sks.append(i)
    for node in range(len(corpus.node_key)):
        components[uf.find(node)].nodes.append(node)
    resolution = build_resolution(corpus, eps, [c for c in components.values() if c.sks], accepted, review,
                                  overrides, prior)
    if warnings is not None:
        warnings.extend(_override_warnings(corpus, overrides, resolution))
    return resolution

