"""Turn groups of resolved nodes into entities, ids, merge records and review pairs.

The rules (canonical name, type vote, id anchor, prior ids) are described in
:mod:`castgraph.resolve.resolver`; this module applies them.

Examples
--------
>>> best_spelling({"GitHub": 2, "Github": 2, "GITHUB": 1})
'GitHub'
>>> best_spelling({"Jose Valim": 1, "José Valim": 1})
'José Valim'
>>> vote_type({"Organization": 1, "Product": 1, "Other": 3}).value
'Organization'
"""

from __future__ import annotations

from collections import Counter, deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from itertools import chain, repeat
from operator import attrgetter
from typing import Any, TypeVar

import numpy as np
from pydantic import BaseModel

from castgraph.graph.assigned import MentionEntities, attach
from castgraph.graph.model import (
    Entity,
    EntityType,
    Episode,
    MergeRecord,
    Resolution,
    ReviewPair,
    stable_id,
)
from castgraph.resolve.normalize import clean_surface, normalize_name
from castgraph.resolve.overrides import Overrides
from castgraph.resolve.variants import person_parts

__all__ = ["BORDERLINE_REASONS", "MAX_DESCRIPTIONS", "SPLIT_PREFIX", "TYPE_PRIORITY", "Component",
           "anchor_id", "best_spelling", "build_resolution", "construct", "vote_type"]

MAX_DESCRIPTIONS = 5
SPLIT_PREFIX = "split:"
"""Key prefix of a surface split out by an override (keys never hold a colon)."""
BORDERLINE_REASONS = {  # why a borderline pair was left apart, by rule
    "fuzzy+evidence": "'{a}' and '{b}' are one letter apart; no description or co-mention confirms they "
                      "are the same",
    "nickname+evidence": "'{a}' and '{b}' are a name and its nickname; no shared episode, show, link, "
                         "description or co-mention ties them",
    "cross-script+evidence": "'{a}' and '{b}' may be one name in two scripts; the types differ or nothing "
                             "(description, co-mention) corroborates it",
    "middle-initial+evidence": "'{a}' and '{b}' differ by a middle initial; no shared episode, show, link, "
                               "description or co-mention ties them",
    "middle-initial": "'{a}' could be any of several people with that name and different middle initials",
}

_Model = TypeVar("_Model", bound=BaseModel)
_ALL_FIELDS: dict[type[BaseModel], set[str]] = {}
_set = object.__setattr__

TYPE_PRIORITY = [EntityType.PERSON, EntityType.ORGANIZATION, EntityType.PRODUCT, EntityType.CONCEPT,
                 EntityType.EVENT, EntityType.PLACE, EntityType.OTHER]


@dataclass
class Component:
    """One future entity: its surface records and nodes."""

    sks: list[int] = field(default_factory=list)
    nodes: list[int] = field(default_factory=list)


def anchor_id(group: str, key: str) -> str:
    """The id of an entity anchored at (type group, key).

    >>> anchor_id("Person", "swyx") == "entity:" + stable_id("Person", "swyx")
    True
    """
    return f"entity:{stable_id(group, key)}"


def construct(cls: type[_Model], values: dict[str, Any]) -> _Model:
    """What ``cls.model_construct(**values)`` builds when ``values`` holds every field, without its
    per-field loop: for the checked values of hundreds of thousands of records.

    The instances of a class share one fields set: it holds every field, so setting one adds nothing.

    >>> values = {"entity_id": "entity:1", "surface": "AWS", "rule": "acronym", "score": 1.0, "matched": ""}
    >>> construct(MergeRecord, dict(values)) == MergeRecord.model_construct(**values)
    True
    """
    names = _ALL_FIELDS.get(cls)
    if names is None:
        plain = not cls.__pydantic_post_init__ and cls.model_config.get("extra") != "allow" \
            and all(f.alias is None and f.validation_alias is None for f in cls.model_fields.values())
        names = _ALL_FIELDS[cls] = set(cls.model_fields) if plain else set()
    if len(values) != len(names) or not names:
        return cls.model_construct(**values)
    model = cls.__new__(cls)
    _set(model, "__dict__", values)
    _set(model, "__pydantic_fields_set__", names)
    _set(model, "__pydantic_extra__", None)
    _set(model, "__pydantic_private__", None)
    return model


def best_spelling(counts: Mapping[str, int]) -> str:
    """The spelling to show: most used; then with accents, mixed case, more capitals; then sorted."""
    top = max(counts.values())
    tied = [text for text, n in counts.items() if n == top]
    if len(tied) == 1:
        return tied[0]

    def rank(item: tuple[str, int]) -> tuple[Any, ...]:
        text, count = item
        letters = [c for c in text if c.isalpha()]
        upper = sum(c.isupper() for c in letters)
        mixed = 0 < upper < len(letters)
        return (-count, -sum(not c.isascii() for c in text), not mixed, -upper, text)
    return min(counts.items(), key=rank)[0]


def vote_type(votes: Mapping[str, int]) -> EntityType:
    """The most voted type; ``Other`` only when nothing else was voted; ties by :data:`TYPE_PRIORITY`."""
    if len(votes) == 1:
        return EntityType(next(iter(votes)))
    known = {t: n for t, n in votes.items() if t != EntityType.OTHER.value} or dict(votes)
    if not known:
        return EntityType.OTHER
    order = {t.value: i for i, t in enumerate(TYPE_PRIORITY)}
    best = min(known.items(), key=lambda kv: (-kv[1], order.get(kv[0], len(order))))[0]
    return EntityType(best)


def _canonical(corpus: Any, comp: Component, shown: list[str]) -> tuple[int, str]:
    if len(comp.nodes) == 1:
        return comp.nodes[0], shown[comp.nodes[0]]
    totals = {n: sum(corpus.node_display[n].values()) for n in comp.nodes}
    # "A / B" is written main name first ("GPT-5 / ChatGPT Pro"): A wins a tie.
    lead = {n: 1 for n in comp.nodes}
    for sk in comp.sks:
        if corpus.sk_rule[sk] == "alias-slash" and corpus.sk_nodes[sk]:
            lead[corpus.sk_nodes[sk][0]] = 0
    # A person's plain name wins a tie over the same name with a title ("Dr. Jane Doe", "Jane Doe, PhD").
    titles = {"honorific", "post-nominal"}
    titled = {n: corpus.node_key[n][0] == EntityType.PERSON.value
              and bool(titles & set(person_parts(shown[n]).stripped))
              for n in comp.nodes if corpus.node_display[n]}
    node = min(comp.nodes, key=lambda n: (-totals[n], lead[n], titled.get(n, False),
                                          -len(corpus.node_key[n][1]), corpus.node_key[n]))
    return node, shown[node]


def _prior_ids(prior: Resolution | None, comp_mentions: list[list[str]],
               anchors: list[str], split: list[bool] | None = None,
               comp_keys: list[set[str]] | None = None) -> tuple[list[str], list[list[str]]]:
    """Each component's id, and the ids of prior entities it absorbed (with their own former ids).

    With ``comp_keys`` (the name keys of each component), a prior entity passes its id only to a
    component that shares one of its names: an old output folder built from other inputs whose
    episode ids happen to coincide does not lend its ids to unrelated entities.
    """
    ids = list(anchors)
    former: list[list[str]] = [[] for _ in anchors]
    if prior is None:
        return ids, former
    owner = dict(prior.assignments)
    if not owner:
        owner = {mid: e.id for e in prior.entities for mid in e.mention_ids}
    # Most shared mentions first; a surface split out by a person never takes its old entity's id.
    split = split or [False] * len(anchors)
    names: dict[str, set[str]] = {}
    if comp_keys is not None:
        names = {e.id: {normalize_name(n) for n in (e.name, *e.aliases)} for e in prior.entities}
    claims: list[tuple[int, str, bool, str, int]] = []
    for ci, mids in enumerate(comp_mentions):
        overlap = Counter(owner[m] for m in mids if m in owner)
        claims.extend((-n, pid, split[ci], anchors[ci], ci) for pid, n in overlap.items()
                      if comp_keys is None or names.get(pid, set()) & comp_keys[ci])
    taken_ids: set[str] = set()
    done: set[int] = set()
    for _, pid, _, _, ci in sorted(claims):
        if ci in done or pid in taken_ids:
            continue
        ids[ci] = pid
        done.add(ci)
        taken_ids.add(pid)
    for ci in range(len(ids)):
        if ci not in done and ids[ci] in taken_ids:  # a prior entity split: a fresh, stable id
            ids[ci] = anchor_id(anchors[ci], "split")
    # A prior entity no component kept the id of was absorbed: by the one with most of its mentions.
    history = {e.id: e.former_ids for e in prior.entities}
    absorbed: set[str] = set()
    for _, pid, _, _, ci in sorted(claims):
        if pid in taken_ids or pid in absorbed:
            continue
        absorbed.add(pid)
        former[ci].append(pid)
    live = set(ids)
    for ci, pid in enumerate(ids):
        carried = [*former[ci], *history.get(pid, ()), *(f for p in former[ci] for f in history.get(p, ()))]
        former[ci] = sorted(set(carried) - live)  # an id in use again is that entity's, not a former one
    return ids, former


def _merge_records(corpus: Any, comp: Component, entity_id: str, name: str, canon: int,
                   adjacency: Mapping[int, list[tuple[int, str, float, str]]],
                   shown: list[str], sk_clean: list[str]) -> list[MergeRecord]:
    """The component's merge records, one per surface, in surface order."""
    reached: dict[int, tuple[str, float, str]] = {canon: ("canonical", 1.0, "")}
    if len(comp.nodes) > 1:
        queue = deque([canon])
        while queue:
            node = queue.popleft()
            for other, rule, score, matched in sorted(adjacency.get(node, []),
                                                      key=lambda e: (corpus.node_key[e[0]], e[1])):
                if other not in reached:
                    reached[other] = (rule, score, matched or shown[node])
                    queue.append(other)
    records: dict[str, MergeRecord] = {}
    surfaces, sk_nodes = corpus.sk_surface, corpus.sk_nodes
    sks = comp.sks if len(comp.sks) == 1 else sorted(comp.sks, key=lambda i: (surfaces[i], i))
    folded = name.casefold()
    for sk in sks:
        surface = surfaces[sk]
        if surface in records:
            continue
        nodes = sk_nodes[sk]
        clean = sk_clean[sk]
        if clean == name:
            rule, score, matched = "canonical", 1.0, ""
        elif len(nodes) > 1:
            rule, score, matched = corpus.sk_rule[sk] or "alias-paren", 1.0, name
        elif nodes[0] == canon:
            rule = "exact" if clean.casefold() == folded else "normalized"
            score, matched = 1.0, name
        else:
            rule, score, matched = reached.get(nodes[0], ("override", 1.0, ""))
        # Built from checked values (strings, float scores): no second validation.
        records[surface] = construct(MergeRecord, {"entity_id": entity_id, "surface": surface, "rule": rule,
                                                   "score": float(score), "matched": matched})
    return list(records.values())


def _type_votes(corpus: Any, components: list[Component]) -> tuple[list[dict[str, int]], list[EntityType]]:
    """The type votes of each component (labels sorted) and the type they elect (see :func:`vote_type`).

    One count matrix (component x type) for all components: no Python loop per record.
    """
    labels = sorted(t.value for t in EntityType)
    column = {EntityType(label): i for i, label in enumerate(labels)}
    sizes = np.fromiter(map(len, map(attrgetter("sks"), components)), dtype=np.int64, count=len(components))
    sks = np.fromiter(chain.from_iterable(map(attrgetter("sks"), components)), dtype=np.int64,
                      count=int(sizes.sum()))
    sk_column = np.fromiter(map(column.__getitem__, corpus.sk_type), dtype=np.int64,
                            count=len(corpus.sk_type))
    counts = np.asarray(corpus.sk_count, dtype=np.int64)
    cells = np.repeat(np.arange(len(components), dtype=np.int64), sizes) * len(labels) + sk_column[sks]
    matrix = np.bincount(cells, weights=counts[sks], minlength=len(components) * len(labels))
    matrix = matrix.astype(np.int64).reshape(len(components), len(labels))
    votes: list[dict[str, int]] = [{} for _ in components]
    rows, cols = np.nonzero(matrix)  # by component, then label: each dict comes out sorted
    for row, col, n in zip(rows.tolist(), cols.tolist(), matrix[rows, cols].tolist(), strict=True):
        votes[row][labels[col]] = n
    # The most votes wins, ties by TYPE_PRIORITY (argmax takes the first); Other only alone.
    by_priority = matrix[:, [column[t] for t in TYPE_PRIORITY]]
    other = TYPE_PRIORITY.index(EntityType.OTHER)
    known = np.delete(by_priority, other, axis=1).any(axis=1)
    by_priority[known, other] = 0
    elected = np.argmax(by_priority, axis=1).tolist()
    return votes, [TYPE_PRIORITY[i] for i in elected]


def _descriptions(sks: list[int], sk_place: list[int], sk_desc: list[dict[str, None]]) -> list[str]:
    """The first descriptions of records ``sks`` (sorted oldest first).

    Descriptions go by the first sighting of their record, then their rank in it, then text.
    """
    if len(sks) == 1:
        return list(sk_desc[sks[0]])[:MAX_DESCRIPTIONS]
    places = list(map(sk_place.__getitem__, sks))
    if len(set(places)) == len(places):  # no two records first seen at one place: reading order decides
        seen = dict.fromkeys(chain.from_iterable(map(sk_desc.__getitem__, sks)))
        return list(seen)[:MAX_DESCRIPTIONS]
    descs: dict[str, tuple[int, int]] = {}
    for sk in sks:
        for rank, desc in enumerate(sk_desc[sk]):
            mk = (sk_place[sk], rank)
            if desc not in descs or mk < descs[desc]:
                descs[desc] = mk
    ordered = [d for d, _ in sorted(descs.items(), key=lambda kv: (kv[1], kv[0]))]
    return ordered[:MAX_DESCRIPTIONS]


def _mention_rank(corpus: Any, components: list[Component]) -> tuple[np.ndarray, list[int]]:
    """Each mention's place among the components' mention ids (by component, then record rank; a
    stable sort by it keeps each record's mentions in reading order), and each component's size."""
    # One stable sort of all mentions by (component, record rank) instead of a list per record.
    rank = np.full(len(corpus.sk_surface) + 1, len(corpus.sk_surface), dtype=np.int64)
    ranked = [sk for comp in components for sk in comp.sks]
    rank[np.asarray(ranked, dtype=np.int64)] = np.arange(len(ranked), dtype=np.int64)
    counts = corpus.sk_count
    sizes = [sum(map(counts.__getitem__, comp.sks)) for comp in components]
    return rank[corpus.mention_sk_array], sizes


def _component_mentions(corpus: Any, components: list[Component]) -> list[list[str]]:
    """The mention ids of each component: its records in order, each record's mentions in reading order."""
    # The ids are made in that order in one pass and sliced per component.
    mention_rank, sizes = _mention_rank(corpus, components)
    order = np.argsort(mention_rank, kind="stable")[:sum(sizes)]
    ordered = corpus.mention_ids_at(order)
    out: list[list[str]] = []
    start = 0
    for size in sizes:
        out.append(ordered[start:start + size])
        start += size
    return out


def build_resolution(corpus: Any, eps: list[Episode], components: list[Component],
                     accepted: list[tuple[int, int, str, float, str]],
                     review: list[tuple[int, int, float, str]],
                     overrides: Overrides, prior: Resolution | None, *,
                     mention_ids: bool = True) -> Resolution:
    """Assemble the :class:`Resolution` from resolved components (``mention_ids=False``: without the
    assignments and mention ids, made on demand by :func:`castgraph.graph.assigned.make_mention_ids`)."""
    sk_place = corpus.sk_place
    for comp in components:
        if len(comp.sks) > 1:
            comp.sks.sort(key=sk_place.__getitem__)
    anchors = []
    for comp in components:
        first_sk = comp.sks[0]  # sorted oldest first above
        group, key = corpus.node_key[corpus.sk_nodes[first_sk][0]]
        anchors.append(anchor_id(group, key))
    split = [corpus.node_key[corpus.sk_nodes[c.sks[0]][0]][1].startswith(SPLIT_PREFIX) for c in components]
    comp_keys = [{corpus.node_key[n][1] for n in c.nodes} for c in components] if prior is not None else None
    ids: list[str] = anchors
    former_ids: list[list[str]] = [[] for _ in anchors]
    if prior is not None:
        ids, former_ids = _prior_ids(prior, _component_mentions(corpus, components), anchors, split,
                                     comp_keys)
    # Entities in id order, their mention ids made in that order: assignments are then built
    # (and later read) from strings laid out in the order they are used.
    by_id = sorted(range(len(components)), key=ids.__getitem__)
    components = [components[ci] for ci in by_id]
    ids, former_ids = [ids[ci] for ci in by_id], [former_ids[ci] for ci in by_id]
    comp_mentions = _component_mentions(corpus, components) if mention_ids else [[] for _ in components]

    # Keys (or entity ids, which win: they name one entity exactly) of the names to rename and retype.
    def ref(name: str) -> str:
        return name if name.startswith("entity:") else normalize_name(name)

    renames = {ref(k): v for k, v in overrides.rename.items()}
    set_types = {ref(k): v for k, v in overrides.set_type.items()}
    adjacency: dict[int, list[tuple[int, str, float, str]]] = {}
    for a, b, rule, score, matched in accepted:
        adjacency.setdefault(a, []).append((b, rule, score, matched))
        adjacency.setdefault(b, []).append((a, rule, score, matched))

    sk_desc = corpus.sk_desc
    sk_clean = list(map(clean_surface, corpus.sk_surface))
    shown = corpus.node_names()
    all_votes, elected = _type_votes(corpus, components)
    entities: list[Entity] = []
    merges: list[MergeRecord] = []
    names: dict[int, str] = {}
    for ci, comp in enumerate(components):
        canon, name = _canonical(corpus, comp, shown)
        votes, descriptions = all_votes[ci], _descriptions(comp.sks, sk_place, sk_desc)
        etype = None
        if renames or set_types:
            keys = sorted(corpus.node_key[n][1] for n in comp.nodes)
            keys = [*(i for i in (ids[ci], *former_ids[ci]) if i in renames or i in set_types), *keys]
            name = next((renames[k] for k in keys if k in renames), name)
            etype = next((set_types[k] for k in keys if k in set_types), None)
        etype = etype or elected[ci]
        # Every surface as written, and each name inside one ("Shawn Wang / swyx" gives
        # "Shawn Wang"; "EHR (Electronic Health Record)" gives "EHR"), so that lookups by any
        # of them find the entity (a node without a name shows "", dropped with the name).
        spelled = set(map(sk_clean.__getitem__, comp.sks))
        spelled.update(map(shown.__getitem__, comp.nodes))
        spelled.discard(name)
        spelled.discard("")
        aliases = sorted(spelled)
        # Not validated: the mention ids alone are a million strings to re-validate at 100k episodes.
        entities.append(construct(Entity, {
            "id": ids[ci], "name": name, "type": etype, "aliases": aliases,
            "descriptions": descriptions, "type_votes": votes, "mention_ids": comp_mentions[ci],
            "former_ids": former_ids[ci],
        }))
        names[ci] = name
        merges.extend(_merge_records(corpus, comp, ids[ci], name, canon, adjacency, shown, sk_clean))

    node_comp = {n: ci for ci, comp in enumerate(components) for n in comp.nodes}
    pairs: dict[tuple[str, str], ReviewPair] = {}
    for a, b, score, rule in review:
        ca, cb = node_comp.get(a), node_comp.get(b)
        if ca is None or cb is None or ca == cb:
            continue
        if ids[ca] > ids[cb]:
            ca, cb, a, b = cb, ca, b, a
        key = (ids[ca], ids[cb])
        if key in pairs and pairs[key].score >= score:
            continue
        left, right = shown[a], shown[b]
        reason = BORDERLINE_REASONS.get(rule, BORDERLINE_REASONS["fuzzy+evidence"])
        pairs[key] = ReviewPair(left_id=ids[ca], left_name=names[ca], right_id=ids[cb], right_name=names[cb],
                                score=score, reason=reason.format(a=left, b=right))
    assignments = dict(zip(chain.from_iterable(comp_mentions),
                           chain.from_iterable(map(repeat, ids, map(len, comp_mentions))), strict=True))
    # The same assignments as numbers, for the linker and the build (castgraph.graph.assigned).
    sk_entity = np.full(len(corpus.sk_surface) + 1, -1, dtype=np.int64)
    for ci, comp in enumerate(components):
        sk_entity[np.asarray(comp.sks, dtype=np.int64)] = ci
    columns = MentionEntities(corpus.episode_ids, corpus.episode_start, corpus.mention_ordinal,
                              sk_entity[corpus.mention_sk_array], ids)
    columns.fields = corpus.mention_fields
    # Everything above is built from validated inputs with the right types: skip re-validation.
    resolution = Resolution.model_construct(
        entities=entities,
        assignments=assignments,
        merges=merges,  # by entity id (components are in id order), then surface
        review=sorted(pairs.values(), key=lambda p: (-p.score, p.left_id, p.right_id)),
    )
    attach(resolution, columns)
    if not mention_ids:
        columns.id_rank = _mention_rank(corpus, components)[0]
    return resolution
