"""The mentions of a corpus as columns, and the distinct surface records resolution works on.

Resolution never walks mentions one by one in Python: each per-mention field is read
into a column in one C-level pass (``map(attrgetter(...))``), values are coded by
distinct value, and everything else is array arithmetic. A *record* is a distinct
(surface, type) pair: names are parsed once per record
(:func:`named_parts`), and a mention reaches its record through one array lookup.

Examples
--------
>>> from castgraph.graph.model import Episode, Mention
>>> from castgraph.resolve.overrides import Overrides
>>> eps = [Episode(id="a", title="A", mentions=[Mention(surface="AWS", type_label="org", ordinal=0),
...                                            Mention(surface="Jane Doe", type_label="Person", ordinal=1)]),
...        Episode(id="b", title="B", mentions=[Mention(surface="AWS", type_label="company", ordinal=0)])]
>>> corpus = Corpus(Overrides())
>>> corpus.read(eps)
>>> corpus.sk_surface, corpus.sk_count, corpus.mention_ids_at(np.arange(3))
(['AWS', 'Jane Doe'], [2, 1], ['a#0', 'a#1', 'b#0'])
>>> corpus.mention_sk.tolist(), corpus.episode_start
([0, 1, 0], [0, 2, 3])
>>> distinct_codes(["x", "y", "x"])
(['x', 'y'], array([0, 1, 0]))
"""

from __future__ import annotations

import re
from array import array
from collections import Counter
from datetime import date
from functools import lru_cache
from itertools import chain, compress
from operator import attrgetter
from typing import Any, TypeVar

import numpy as np

from castgraph.graph.assigned import mention_ids_of
from castgraph.graph.model import EntityType, Episode, Resolution
from castgraph.resolve.build_entities import SPLIT_PREFIX, best_spelling
from castgraph.resolve.normalize import (
    clean_surface,
    normalize_name,
    plain_names,
    strip_suffixes,
    stripped_name_tokens,
    tokens_key,
)
from castgraph.resolve.overrides import Overrides
from castgraph.resolve.surface import parse_surface

__all__ = ["MAX_DESCRIPTIONS_KEPT", "NO_DATE", "Corpus", "UnionFind", "distinct_codes", "first_seen_codes",
           "group_of", "named_parts"]

NO_DATE = date.max
# Descriptions kept per (surface, type): enough for the entity's first few and for evidence.
MAX_DESCRIPTIONS_KEPT = 8
_TYPES = list(EntityType)
# A surface named_parts reads as one name, and plain_names in bulk: ASCII, no "/", "(" or NUL.
_PLAIN_RE = re.compile(r"[^\x00/(\x80-\U0010ffff]*\Z")
_T = TypeVar("_T")


def group_of(etype: EntityType) -> str:
    """The type group a type merges within.

    >>> group_of(EntityType.PRODUCT) == group_of(EntityType.ORGANIZATION), group_of(EntityType.PERSON)
    (True, 'Person')
    """
    if etype in (EntityType.PERSON, EntityType.PLACE):
        return etype.value
    return "Thing"


class _Coder(dict[Any, int]):
    """Numbers values by first sighting: a value's number is the count of values seen before it."""

    def __missing__(self, value: Any) -> int:
        code = self[value] = len(self)
        return code


def distinct_codes(values: list[_T]) -> tuple[list[_T], np.ndarray]:
    """The distinct ``values`` in first-seen order, and each value's position among them.

    One C-level pass over ``values``: Python code runs once per distinct value only.
    """
    coder = _Coder()
    codes = np.fromiter(map(coder.__getitem__, values), dtype=np.int64, count=len(values))
    return list(coder), codes


def first_seen_codes(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Integer ``keys`` numbered by first sighting: (code of each key, distinct keys, first position of each).

    >>> [a.tolist() for a in first_seen_codes(np.array([7, 3, 7, 5, 3]))]
    [[0, 1, 0, 2, 1], [7, 3, 5], [0, 1, 3]]
    """
    if not len(keys):
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, empty
    order = np.argsort(keys, kind="stable")
    ordered = keys[order]
    new = np.diff(ordered, prepend=ordered[0] - 1) != 0
    heads = np.flatnonzero(new)
    first = order[heads]  # the sort is stable: the first position of each distinct key
    by_first = np.argsort(first)
    rank = np.empty(len(heads), dtype=np.int64)
    rank[by_first] = np.arange(len(heads), dtype=np.int64)
    codes = np.empty(len(keys), dtype=np.int64)
    codes[order] = rank[np.cumsum(new) - 1]
    return codes, ordered[heads][by_first], first[by_first]


def _places(episodes: np.ndarray, ordinals: np.ndarray) -> list[int]:
    """(episode in reading order, ordinal) pairs as numbers in the same order: they sort like
    (date, episode id, ordinal), since episodes are read in (date, id) order.

    >>> _places(np.array([0, 0, 2]), np.array([5, -1, 0]))
    [6, 0, 15]
    """
    if not len(ordinals):
        return []
    low, width = int(ordinals.min()), int(ordinals.max()) - int(ordinals.min()) + 1
    if width * (int(episodes.max()) + 1) < 1 << 62:
        return (episodes * width + (ordinals - low)).tolist()
    return [e * width + (o - low) for e, o in zip(episodes.tolist(), ordinals.tolist(), strict=True)]


class UnionFind:
    """Union-find over node numbers; the lower root wins, and vetoed pairs (``forbid``) never join."""

    def __init__(self) -> None:
        self.parent: list[int] = []
        self.forbid: dict[int, set[int]] = {}

    def add(self) -> int:
        """A new singleton; returns its number."""
        self.parent.append(len(self.parent))
        return len(self.parent) - 1

    def find(self, x: int) -> int:
        """The root of ``x`` (paths compressed)."""
        parent = self.parent
        root = x
        while parent[root] != root:
            root = parent[root]
        while parent[x] != root:
            parent[x], x = root, parent[x]
        return root

    def union(self, a: int, b: int) -> bool:
        """Join the sets of ``a`` and ``b``; False when already one set or a veto forbids it."""
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


@lru_cache(maxsize=1 << 20)
def named_parts(surface: str, person: bool) -> tuple[str, tuple[tuple[str, str], ...]]:
    """The split rule and the (display, key) of each name in ``surface``; names without a key dropped.

    >>> named_parts("Shawn Wang / swyx", True)
    ('alias-slash', (('Shawn Wang', 'shawnwang'), ('swyx', 'swyx')))
    >>> named_parts(" GitHub,  Inc. ", False), named_parts(" ;: ", False)
    (('', (('GitHub', 'github'),)), ('', ()))
    """
    text = clean_surface(surface)
    if "/" not in text and "(" not in text:
        # One name, the common case: what parse_surface and normalize_name do for it, each step once.
        base = text.strip(" ,;:")
        stripped = strip_suffixes(base)
        key = tokens_key(stripped_name_tokens(stripped)) if stripped else ""
        return "", ((stripped, key),) if key else ()
    parsed = parse_surface(surface, person=person)
    named = []
    for part in parsed.parts:
        key = normalize_name(part)
        if key:
            named.append((clean_surface(part), key))
    return parsed.rule, tuple(named)


class Corpus:
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
        self.sk_surface: list[str] = []
        self.sk_type: list[EntityType] = []
        self.sk_count: list[int] = []
        #: Where each record was first seen, as a number that sorts like (date, episode id, ordinal).
        self.sk_place: list[int] = []
        self.sk_desc: list[dict[str, None]] = []
        self.sk_nodes: list[tuple[int, ...]] = []
        self.sk_parts: list[tuple[tuple[str, int], ...]] = []
        self.sk_rule: list[str] = []
        self.node_index: dict[tuple[str, str], int] = {}
        self.nodes_by_key: dict[str, list[int]] | None = None
        self.nodes_by_id: dict[str, list[int]] | None = None
        self.node_key: list[tuple[str, str]] = []
        self.node_display: list[Counter[str]] = []
        #: Per episode (reading order): its id, its show, and where its mentions start.
        self.episode_ids: list[str] = []
        self.episode_show: list[str] = []
        self.episode_start: list[int] = [0]
        #: Per mention: its record and its ordinal (its id is ``"<episode id>#<ordinal>"``).
        self.mention_sk = array("q")
        self.mention_ordinal = np.zeros(0, dtype=np.int64)
        #: Mentions that carry an ``href``: (mention number, href).
        self.mention_hrefs: list[tuple[int, str]] = []
        self.mention_sk_array = np.zeros(0, dtype=np.int64)
        #: Per mention, fields coded by distinct value: field name -> (the distinct values in
        #: first-seen order, each mention's code). The build codes these columns again unless
        #: given them (:attr:`castgraph.graph.assigned.MentionEntities.fields`).
        self.mention_fields: dict[str, tuple[list[str], np.ndarray]] = {}
        self._sk_order: np.ndarray | None = None
        self._sk_offsets: np.ndarray | None = None
        self._mention_episode: np.ndarray | None = None
        self._node_names: list[str] | None = None
        self.uf = UnionFind()

    def node(self, group: str, key: str) -> int:
        """The node of (type group, key), made on first use."""
        nk = (group, key)
        idx = self.node_index.get(nk)
        if idx is None:
            idx = self.node_index[nk] = self.uf.add()
            self.node_key.append(nk)
            self.node_display.append(Counter())
        return idx

    def add_records(self, surfaces: list[str], codes: list[int], places: list[int]) -> None:
        """Add the records (``surfaces[i]``, type number ``codes[i]``) first seen at ``places[i]``."""
        split_keys, split_surfaces, node_index = self.split_keys, self.split_surfaces, self.node_index
        groups = [group_of(t) for t in _TYPES]
        person = _TYPES.index(EntityType.PERSON)
        sk_nodes, sk_parts, sk_rule = self.sk_nodes, self.sk_parts, self.sk_rule
        # Plain ASCII surfaces (one name: no slash, no parenthesis) are parsed in bulk.
        plain = list(compress(range(len(surfaces)), map(_PLAIN_RE.match, surfaces)))
        parsed: list[tuple[str, tuple[tuple[str, str], ...]] | None] = [None] * len(surfaces)
        for i, (display, key) in zip(plain, plain_names(list(map(surfaces.__getitem__, plain))), strict=True):
            parsed[i] = ("", ((display, key),) if key else ())
        for surface, code, done in zip(surfaces, codes, parsed, strict=True):
            rule, named = done or named_parts(surface, code == person)
            if split_surfaces and named and normalize_name(surface) in split_surfaces:
                rule, named = "", ((clean_surface(surface), SPLIT_PREFIX + normalize_name(surface)),)
            if len(named) == 1:  # the common case, without the lists
                display, key = named[0]
                group = _TYPES[code].value if key in split_keys else groups[code]
                node = node_index.get((group, key))
                if node is None:
                    node = self.node(group, key)
                sk_nodes.append((node,))
                sk_parts.append(((display, node),))
                sk_rule.append(rule)
                continue
            nodes: list[int] = []
            parts: list[tuple[str, int]] = []
            for display, key in named:
                node = self.node(_TYPES[code].value if key in split_keys else groups[code], key)
                parts.append((display, node))
                if node not in nodes:
                    nodes.append(node)
            sk_nodes.append(tuple(nodes))
            sk_parts.append(tuple(parts))
            sk_rule.append(rule)
        self.sk_surface.extend(surfaces)
        self.sk_type.extend(map(_TYPES.__getitem__, codes))
        self.sk_place.extend(places)
        self.sk_desc.extend({} for _ in surfaces)

    def read(self, episodes: list[Episode]) -> None:
        """Read every mention into the columns and records; ``episodes`` in (date, id) order."""
        per_episode = list(map(attrgetter("mentions"), episodes))
        sizes = list(map(len, per_episode))
        self.episode_ids = list(map(attrgetter("id"), episodes))
        self.episode_show = list(map(attrgetter("show"), episodes))
        self.episode_start = [0, *np.cumsum(sizes, dtype=np.int64).tolist()]
        mentions = list(chain.from_iterable(per_episode))
        del per_episode
        self.mention_ordinal = ordinals = np.fromiter(map(attrgetter("ordinal"), mentions), dtype=np.int64,
                                                      count=len(mentions))
        hrefs = list(map(attrgetter("href"), mentions))
        self.mention_hrefs = list(zip(compress(range(len(hrefs)), hrefs), filter(None, hrefs), strict=True))
        del hrefs
        mention_episode = np.repeat(np.arange(len(episodes), dtype=np.int64), sizes)
        self._mention_episode = mention_episode

        # A record is a (surface, type) pair: code both, then number the pairs by first sighting.
        surfaces, surface_code = distinct_codes(list(map(attrgetter("surface"), mentions)))
        labels, label_code = distinct_codes(list(map(attrgetter("type_label"), mentions)))
        type_of_label = np.asarray([_TYPES.index(EntityType.from_label(lb)) for lb in labels], dtype=np.int64)
        width = max(1, len(surfaces))
        pair = type_of_label[label_code] * width + surface_code
        mention_sk, sk_pair, sk_first_mention = first_seen_codes(pair)
        del pair
        self.mention_fields = {"surface": (surfaces, surface_code.astype(np.int32)),
                               "type_label": (labels, label_code.astype(np.int32))}
        del surface_code, label_code
        # Episodes come oldest first: the first sighting of a record is its earliest.
        self.add_records(list(map(surfaces.__getitem__, (sk_pair % width).tolist())),
                         (sk_pair // width).tolist(),
                         _places(mention_episode[sk_first_mention], ordinals[sk_first_mention]))
        del surfaces
        self.mention_sk_array = mention_sk
        self.mention_sk = array("q")
        self.mention_sk.frombytes(mention_sk.tobytes())
        self.sk_count = counts = np.bincount(mention_sk, minlength=len(self.sk_surface)).tolist()
        self._read_descriptions(list(map(attrgetter("description"), mentions)))
        for i, parts in enumerate(self.sk_parts):
            for display, node in parts:
                self.node_display[node][display] += counts[i]

    def _read_descriptions(self, descriptions: list[str]) -> None:
        """Keep the first :data:`MAX_DESCRIPTIONS_KEPT` distinct descriptions of each record."""
        texts, text_code = distinct_codes(descriptions)
        if not texts:
            return
        self.mention_fields["description"] = (texts, text_code.astype(np.int32))
        # The distinct (record, description) pairs of the mentions that have one, each with its
        # first mention (np.unique sorts stably for return_index: first occurrences).
        mentions = np.flatnonzero(np.asarray([bool(t) for t in texts])[text_code])
        pair, at = np.unique(self.mention_sk_array[mentions] * len(texts) + text_code[mentions],
                             return_index=True)
        sk, text, first = pair // len(texts), pair % len(texts), mentions[at]
        # By record, then by first sighting: the rank of each description within its record.
        order = np.lexsort((first, sk))
        sk, text = sk[order], text[order]
        starts = np.flatnonzero(np.diff(sk, prepend=-1))
        rank = np.arange(len(sk)) - np.repeat(starts, np.diff(np.append(starts, len(sk))))
        kept = rank < MAX_DESCRIPTIONS_KEPT
        descs = self.sk_desc
        for i, t in zip(sk[kept].tolist(), text[kept].tolist(), strict=True):
            descs[i][texts[t]] = None

    def mention_ids_at(self, numbers: np.ndarray) -> list[str]:
        """The ids of the mentions ``numbers``, in that order (see :func:`mention_ids_of`)."""
        episodes, ordinals = self.mention_episode()[numbers], self.mention_ordinal[numbers]
        return mention_ids_of(self.episode_ids, episodes, ordinals)

    def node_names(self) -> list[str]:
        """The name each node shows: the best spelling of its names (see ``best_spelling``), once each."""
        if self._node_names is None:
            self._node_names = [best_spelling(counts) if counts else "" for counts in self.node_display]
        return self._node_names

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
