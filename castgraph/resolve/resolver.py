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

from collections import defaultdict
from collections.abc import Iterable
from itertools import chain, product
from operator import attrgetter
from typing import Any

from castgraph import progress
from castgraph.graph.model import Episode, Resolution
from castgraph.memory import gc_paused
from castgraph.resolve.build_entities import SPLIT_PREFIX, Component, anchor_id, build_resolution
from castgraph.resolve.corpus import NO_DATE, Corpus, group_of
from castgraph.resolve.fuzzy import candidate_pairs, fuzzy_verdict
from castgraph.resolve.hints import href_edges
from castgraph.resolve.normalize import clean_surface, many_name_tokens, normalize_name
from castgraph.resolve.overrides import ENTITY_ID_RE, Overrides
from castgraph.resolve.script_keys import ScriptKeys
from castgraph.resolve.variant_edges import _NON_LATIN_RE, confirmed, script_names, variant_edges

__all__ = ["EARLY_ROMANIZER_MENTIONS", "clear_caches", "group_of", "resolve"]

EARLY_ROMANIZER_MENTIONS = 100_000
"""Mentions from which a corpus with Japanese names has them romanized by a second process
(:mod:`castgraph.resolve.script_keys`), started before the mentions are read."""

def _override_nodes(corpus: Corpus, name: str) -> list[int]:
    """The nodes an override name (one per type group) or entity id refers to."""
    if ENTITY_ID_RE.match(name):
        return _id_nodes(corpus, name)
    if corpus.nodes_by_key is None:  # built once, after every mention is read
        by_key: dict[str, list[int]] = defaultdict(list)
        for (_, key), node in corpus.node_index.items():
            by_key[key].append(node)
        corpus.nodes_by_key = {key: sorted(nodes) for key, nodes in by_key.items()}
    return list(corpus.nodes_by_key.get(normalize_name(name), ()))


def _id_nodes(corpus: Corpus, entity_id: str) -> list[int]:
    """The nodes of the entity with ``entity_id``: the one it is anchored at, or those of the prior entity."""
    by_id = corpus.nodes_by_id
    if by_id is None:
        by_id = defaultdict(list)
        for (group, key), node in corpus.node_index.items():
            by_id[anchor_id(group, key)].append(node)
        if corpus.prior is not None:
            order, _ = corpus._group_by_sk()  # by record, then reading order: the last id of a record wins
            sk_of = dict(zip(corpus.mention_ids_at(order), corpus.mention_sk_array[order].tolist(),
                             strict=True))
            for entity in corpus.prior.entities:
                nodes = {n for mid in entity.mention_ids if mid in sk_of for n in corpus.sk_nodes[sk_of[mid]]}
                for eid in (entity.id, *entity.former_ids):
                    by_id[eid].extend(sorted(nodes))
        corpus.nodes_by_id = by_id
    return sorted(set(by_id.get(entity_id, ())))


def _override_warnings(corpus: Corpus, overrides: Overrides, resolution: Resolution) -> list[str]:
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
    if not overrides.split:  # the keys of every surface are only worth making for a split to check
        return warnings
    seen = {normalize_name(corpus.sk_surface[i]) for i, nodes in enumerate(corpus.sk_nodes) if nodes}
    for i, decision in enumerate(overrides.split):
        if normalize_name(decision.surface) not in seen:
            where = overrides.where("split", i)
            warnings.append(f"{where}: split: no mention is written {decision.surface!r} (decision skipped)")
    return warnings


def _edges(corpus: Corpus, overrides: Overrides,
           script_keys: ScriptKeys) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """All candidate unions as (order, score, a, b, rule, matched), plus borderline pairs."""
    # Japanese names are romanized for the cross-script rule by a second process meanwhile, when
    # many; that process keys the Latin names the rule compares them with as well.
    foreign, latin = script_names(corpus)
    script_keys.make((name for _, name in foreign), bulk=(name for _, name in latin))
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
    named: list[tuple[int, str]] = []  # (node, its most written name)
    for node, display in enumerate(corpus.node_display):
        if corpus.node_key[node][1].startswith(SPLIT_PREFIX):  # split out by a person: no rule joins it
            continue
        if len(display) == 1:
            named.append((node, next(iter(display))))
        elif display:
            named.append((node, min(display.items(), key=lambda kv: (-kv[1], kv[0]))[0]))
    nodes, texts = [node for node, _ in named], [text for _, text in named]
    tokens_of = dict(zip(nodes, many_name_tokens(texts), strict=True))
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
    more_edges, more_borderline = variant_edges(corpus, script_keys.__getitem__)
    return edges + more_edges, borderline + more_borderline


def _node_sort_key(corpus: Corpus, edge: tuple[Any, ...]) -> tuple[Any, ...]:
    order, neg_score, a, b, rule, _ = edge
    return (order, neg_score, corpus.node_key[a], corpus.node_key[b], rule)


def resolve(episodes: Iterable[Episode], *, overrides: Overrides | None = None,
            prior: Resolution | None = None, warnings: list[str] | None = None,
            mention_ids: bool = True) -> Resolution:
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
    mention_ids : bool, default True
        False leaves the assignments and each entity's ``mention_ids`` empty until
        :func:`castgraph.graph.assigned.make_mention_ids` makes them (the same strings): the
        build reads the resolution's columns instead, and a million episodes have 12
        million mention ids.

    Returns
    -------
    Resolution
        Entities, mention assignments, one merge record per (entity, surface)
        and the borderline pairs left apart.
    """
    with gc_paused():
        return _resolve(episodes, overrides or Overrides(), prior, warnings, mention_ids)


def clear_caches() -> None:
    """Empty the resolver's caches of name parts, keys and spellings.

    They keep a resolution of many surfaces fast (each is parsed and keyed once), and hold
    an entry per distinct surface: about 1.2 million entries, 0.3 GB, at 300k episodes. A
    build empties them once it has resolved, so that the memory goes to the graph's tables.

    >>> from castgraph.graph.model import Mention
    >>> _ = resolve([Episode(id="e", title="t", mentions=[Mention(surface="GitHub, Inc.")])])
    >>> clear_caches()
    >>> clean_surface.cache_info().currsize
    0
    """
    from castgraph.resolve import corpus, evidence, normalize, surface, variants

    for cached in (normalize.clean_surface, normalize.name_tokens, normalize.normalize_name,
                   evidence.description_words, variants.is_short_form, variants.reduced_thing_key,
                   variants.person_parts, variants.person_parts_of_tokens, variants.given_name_family,
                   variants._sound, variants.script_key, surface._display, surface.parse_surface,
                   corpus.named_parts):
        cached.cache_clear()


def _resolve(episodes: Iterable[Episode], overrides: Overrides, prior: Resolution | None,
             warnings: list[str] | None, mention_ids: bool) -> Resolution:
    by_id = {ep.id: ep for ep in episodes}
    eps = sorted(by_id.values(), key=lambda e: (e.published or NO_DATE, e.id))
    script_keys = ScriptKeys()
    if _japanese_at_scale(eps):  # the dictionary loads in a second process while the mentions are read
        script_keys.start()
    try:
        return _resolve_sorted(eps, overrides, prior, warnings, script_keys, mention_ids)
    finally:
        script_keys.close()


def _japanese_at_scale(eps: list[Episode]) -> bool:
    """True for a large corpus that has names in Japanese script (seen in a sample of its episodes)."""
    if sum(map(len, map(attrgetter("mentions"), eps))) < EARLY_ROMANIZER_MENTIONS:
        return False
    sample = eps[::max(1, len(eps) // 2000)]
    return any(map(_NON_LATIN_RE.search, map(attrgetter("surface"), chain.from_iterable(
        map(attrgetter("mentions"), sample)))))


def _resolve_sorted(eps: list[Episode], overrides: Overrides, prior: Resolution | None,
                    warnings: list[str] | None, script_keys: ScriptKeys, mention_ids: bool) -> Resolution:
    corpus = Corpus(overrides)
    corpus.prior = prior
    progress.step("reading surfaces")
    corpus.read(eps)
    uf = corpus.uf
    for names in overrides.never_merge:
        groups = [_override_nodes(corpus, n) for n in names]
        for gi, left in enumerate(groups):
            for a, b in product(left, [n for right in groups[gi + 1:] for n in right]):
                uf.forbid.setdefault(a, set()).add(b)
                uf.forbid.setdefault(b, set()).add(a)
    progress.step("comparing names")
    edges, borderline = _edges(corpus, overrides, script_keys)
    # Feed persons with the same href are one entity, unless a person split the surface out.
    edges += [e for e in href_edges(corpus)
              if not any(corpus.node_key[n][1].startswith(SPLIT_PREFIX) for n in e[2:4])]
    progress.step("merging")
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
    progress.step("making entities")
    resolution = build_resolution(corpus, eps, [c for c in components.values() if c.sks], accepted, review,
                                  overrides, prior, mention_ids=mention_ids)
    if warnings is not None:
        warnings.extend(_override_warnings(corpus, overrides, resolution))
    return resolution

