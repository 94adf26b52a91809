"""Candidate unions for the variant classes of :mod:`castgraph.resolve.variants`, and their ties.

Rules (each blocked by an exact key, never all pairs):

* ``article`` / ``generic-head``: "The X" or "X app" joins "X" when an X of the
  same type was seen (``The Information`` the publication stays apart from
  ``information`` the concept).
* ``honorific`` / ``post-nominal``: people whose names reduce to the same core
  join ("Dr. Jane Doe", "Jane Doe, PhD", "Jane Doe").
* ``middle-initial``: "Jane Q. Doe" joins "Jane Doe" only when a mention ties
  them, as for nicknames ("Michael I. Jordan" the professor is not the
  "Michael Jordan" of a sports episode); with different initials ("George W.
  Bush" / "George H. W. Bush") the initials are identity and a bare "George
  Bush" goes to review.
* ``nickname``: a given name and its nickname from the curated table, same
  surname; merged only when a mention ties them (same episode, both only ever in
  the same one show, descriptions that agree, or rare co-mentions shared more
  than chance would; a shared ``href`` joins persons on its own, see
  :mod:`castgraph.resolve.hints`), else listed for review.
* ``cross-script``: a Japanese and a Latin spelling with the same sound key
  (:func:`castgraph.resolve.variants.script_key`); merged only with the same type
  and corroboration (descriptions or co-mentions agree, or the descriptions share
  a rare Latin word such as the company's name), else listed for review.

Examples
--------
>>> from castgraph.graph.model import Episode, Mention
>>> from castgraph.resolve import resolve
>>> eps = [Episode(id="a", title="A", mentions=[Mention(surface="James Doe", type_label="Person"),
...                                            Mention(surface="Jim Doe", type_label="Person")]),
...        Episode(id="b", title="B", mentions=[Mention(surface="Jim Baker", type_label="Person")]),
...        Episode(id="c", title="C", mentions=[Mention(surface="James Baker", type_label="Person")])]
>>> res = resolve(eps)
>>> sorted(e.name for e in res.entities)
['James Baker', 'James Doe', 'Jim Baker']
>>> [(p.left_name, p.right_name) for p in res.review]
[('Jim Baker', 'James Baker')]
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable
from itertools import chain
from typing import Any

import numpy as np

from castgraph.graph.model import EntityType
from castgraph.resolve.build_entities import SPLIT_PREFIX, vote_type
from castgraph.resolve.evidence import (
    _node_sks,
    _word_frequency,
    co_mentions_significant,
    descriptions_agree,
    has_evidence,
)
from castgraph.resolve.normalize import is_latin, many_name_tokens, name_tokens
from castgraph.resolve.variants import (
    GENERIC_HEADS,
    given_name_family,
    person_parts_of_tokens,
    reduced_thing_key,
    script_key,
)

__all__ = ["MAX_VARIANT_BLOCK", "confirmed", "script_names", "variant_edges"]

MAX_VARIANT_BLOCK = 20
_HEADED = (EntityType.ORGANIZATION, EntityType.PRODUCT)
_LATIN_WORD_RE = re.compile(r"[A-Za-z][A-Za-z0-9]{3,}")
_NON_LATIN_RE = re.compile(r"[\u3040-\u30ff\u3400-\u9fff]")
# ASCII text whose name tokens (lower-cased pieces of it) may start with "the" or end with a
# generic head: only these can have a reduced key.
_MAYBE_REDUCED = re.compile("|".join(["the", *sorted(GENERIC_HEADS)]), re.IGNORECASE)


def _display(corpus: Any, node: int) -> str:
    return corpus.node_names()[node]


_TYPE_COLUMN = {t: i for i, t in enumerate(EntityType)}


def _node_types(corpus: Any) -> np.ndarray:
    """Mentions per (node, type), a row per node and a column per type (:data:`_TYPE_COLUMN`)."""
    cached = getattr(corpus, "_node_types", None)
    if cached is None:
        sizes = np.fromiter(map(len, corpus.sk_nodes), dtype=np.int64, count=len(corpus.sk_nodes))
        nodes = np.fromiter(chain.from_iterable(corpus.sk_nodes), dtype=np.int64, count=int(sizes.sum()))
        columns = np.fromiter(map(_TYPE_COLUMN.__getitem__, corpus.sk_type), dtype=np.int64,
                              count=len(corpus.sk_type))
        counts = np.asarray(corpus.sk_count, dtype=np.int64)
        width = len(_TYPE_COLUMN)
        cells = nodes * width + np.repeat(columns, sizes)
        cached = np.bincount(cells, weights=np.repeat(counts, sizes), minlength=len(corpus.node_key) * width)
        cached = corpus._node_types = cached.astype(np.int64).reshape(len(corpus.node_key), width)
    return cached


def _type_votes(corpus: Any, node: int) -> dict[str, int]:
    return {t.value: n for t, n in zip(EntityType, _node_types(corpus)[node].tolist(), strict=True) if n}


def _thing_edges(corpus: Any, types: np.ndarray) -> list[tuple[Any, ...]]:
    edges = []
    for sk, parts in enumerate(corpus.sk_parts):
        etype = corpus.sk_type[sk]
        if etype in (EntityType.PERSON, EntityType.PLACE):
            continue
        for display, node in parts:
            if corpus.node_key[node][1].startswith(SPLIT_PREFIX):
                continue
            if display.isascii() and not _MAYBE_REDUCED.search(display):  # most names: nothing to drop
                continue
            reduced = reduced_thing_key(display, article_only=etype not in _HEADED)
            target = corpus.node_index.get((corpus.node_key[node][0], reduced)) if reduced else None
            if target is None or target == node or not types[target, _TYPE_COLUMN[etype]]:
                continue
            rule = "article" if name_tokens(display)[:1] == ("the",) else "generic-head"
            edges.append((2, -1.0, node, target, rule, _display(corpus, target)))
    return edges


def _person_edges(corpus: Any, nodes: list[int]) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    edges: list[tuple[Any, ...]] = []
    borderline: list[tuple[Any, ...]] = []
    by_core: dict[tuple[str, ...], list[int]] = defaultdict(list)
    parts = {}
    names = corpus.node_names()
    for node, tokens in zip(nodes, many_name_tokens([names[node] for node in nodes]), strict=True):
        parts[node] = person_parts_of_tokens(tokens)
        if len(parts[node].core) >= 2:
            by_core[parts[node].core].append(node)
    for members in by_core.values():
        if len(members) < 2 or len(members) > MAX_VARIANT_BLOCK:
            continue
        signatures = {parts[n].initials for n in members if parts[n].initials}
        by_sig: dict[tuple[str, ...], list[int]] = defaultdict(list)
        for n in members:
            by_sig[parts[n].initials if len(signatures) > 1 else ()].append(n)
        for same in by_sig.values():
            # Same initials: one person ("Prof. Michael I. Jordan", "Michael I. Jordan").
            heads: dict[tuple[str, ...], int] = {}
            for n in sorted(same, key=lambda n: corpus.node_key[n]):
                head = heads.setdefault(parts[n].initials, n)
                if n != head:
                    stripped = [s for s in (*parts[n].stripped, *parts[head].stripped)
                                if s != "middle-initial"]
                    edges.append((2, -1.0, n, head, stripped[0] if stripped else "normalized",
                                  _display(corpus, head)))
            bare = heads.get(())
            for initials, head in heads.items():
                if initials and bare is not None:
                    # "Michael I. Jordan" is not the "Michael Jordan" of another episode without a tie.
                    borderline.append((3, -0.95, *sorted((head, bare)), "middle-initial+evidence", ""))
        if len(signatures) > 1:  # a bare name among different initials: a person must decide
            for bare in by_sig.get((), []):
                for sig, same in by_sig.items():
                    if sig:
                        borderline.append((3, -0.9, bare, min(same), "middle-initial", ""))
    # Nicknames: same surname (and everything after the given name), given names tied by the table.
    by_rest: dict[tuple[str, tuple[str, ...]], list[int]] = defaultdict(list)
    for node, p in parts.items():
        if len(p.core) >= 2 and p.core[0].isalpha():
            by_rest[(p.core[0], p.core[1:])].append(node)
    seen: set[tuple[int, int]] = set()
    for (given, rest), members in sorted(by_rest.items()):
        for other in sorted(given_name_family(given) - {given}):
            for a in members:
                for b in by_rest.get((other, rest), ())[:MAX_VARIANT_BLOCK]:
                    pair = (min(a, b), max(a, b))
                    if pair not in seen:
                        seen.add(pair)
                        borderline.append((3, -0.9, pair[0], pair[1], "nickname+evidence", ""))
    return edges, borderline


def script_names(corpus: Any) -> tuple[list[tuple[int, str]], list[tuple[int, str]]]:
    """(node, name) of the nodes the cross-script rule keys: those named in Japanese script, which it
    romanizes, and the Latin-named nodes of their type groups, among which it looks for their partners.

    Found once per corpus: the resolver hands both lists to a
    :class:`~castgraph.resolve.script_keys.ScriptKeys` early, and the rule reads them later.
    """
    cached = getattr(corpus, "_script_names", None)
    if cached is None:
        names = corpus.node_names()
        foreign = [(node, names[node]) for node, (_, node_key) in enumerate(corpus.node_key)
                   if names[node] and _NON_LATIN_RE.search(names[node])
                   and not node_key.startswith(SPLIT_PREFIX)]
        groups = {corpus.node_key[node][0] for node, _ in foreign}
        latin = [(node, names[node]) for node, (group, node_key) in enumerate(corpus.node_key)
                 if group in groups and names[node] and is_latin(names[node])
                 and not node_key.startswith(SPLIT_PREFIX)] if groups else []
        cached = corpus._script_names = (foreign, latin)
    return cached


def _script_edges(corpus: Any, key_of: Callable[[str], str]) -> list[tuple[Any, ...]]:
    foreign_nodes, latin_nodes = script_names(corpus)
    foreign: dict[tuple[str, str], list[int]] = defaultdict(list)
    for node, display in foreign_nodes:
        key = key_of(display)
        if key:
            foreign[(corpus.node_key[node][0], key)].append(node)
    if not foreign:
        return []
    latin: dict[tuple[str, str], list[int]] = defaultdict(list)
    for node, display in latin_nodes:
        block = (corpus.node_key[node][0], key_of(display))
        if block in foreign:
            latin[block].append(node)
    borderline: list[tuple[Any, ...]] = []
    for block, left in sorted(foreign.items()):
        right = latin.get(block, [])
        if len(left) + len(right) > MAX_VARIANT_BLOCK:
            continue
        borderline.extend((3, -0.8, a, b, "cross-script+evidence", "") for a in left for b in right)
    return borderline


def variant_edges(corpus: Any, key_of: Callable[[str], str] = script_key
                  ) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """Unions to make (``(order, -score, a, b, rule, matched)``) and borderline pairs to confirm.

    ``key_of`` gives the :func:`~castgraph.resolve.variants.script_key` of each of
    :func:`script_names` (e.g. from a :class:`~castgraph.resolve.script_keys.ScriptKeys` started early).
    """
    types = _node_types(corpus)
    persons = [n for n, (group, key) in enumerate(corpus.node_key)
               if group == EntityType.PERSON.value and not key.startswith(SPLIT_PREFIX)]
    person_edges, borderline = _person_edges(corpus, persons)
    return _thing_edges(corpus, types) + person_edges, borderline + _script_edges(corpus, key_of)


def _episodes(corpus: Any, node: int) -> set[int]:
    episode_of = corpus.mention_episode()
    return {e for sk in _node_sks(corpus).get(node, []) for e in episode_of[corpus.sk_mentions(sk)].tolist()}


def _tied(corpus: Any, a: int, b: int) -> bool:
    eps_a, eps_b = _episodes(corpus, a), _episodes(corpus, b)
    if eps_a & eps_b:
        return True
    shows = corpus.episode_show
    shows_a, shows_b = {shows[e] for e in eps_a}, {shows[e] for e in eps_b}
    if len(shows_a) == 1 and shows_a == shows_b and "" not in shows_a:
        return True
    return descriptions_agree(corpus, a, b) or co_mentions_significant(corpus, a, b)


def _latin_words(corpus: Any, node: int) -> set[str]:
    return {w.casefold() for sk in _node_sks(corpus).get(node, []) for desc in corpus.sk_desc[sk]
            for w in _LATIN_WORD_RE.findall(desc)}


def _corroborated(corpus: Any, a: int, b: int) -> bool:
    if vote_type(_type_votes(corpus, a)) != vote_type(_type_votes(corpus, b)):
        return False
    if descriptions_agree(corpus, a, b) or co_mentions_significant(corpus, a, b):
        return True
    shared = _latin_words(corpus, a) & _latin_words(corpus, b)
    if not shared:
        return False
    df, total = _word_frequency(corpus)
    limit = max(2, total // 200)
    return any(df[w] <= limit for w in shared)


def confirmed(corpus: Any, a: int, b: int, rule: str) -> bool:
    """True when the evidence a borderline ``rule`` needs is there for nodes ``a`` and ``b``."""
    if rule in ("nickname+evidence", "middle-initial+evidence"):
        return _tied(corpus, a, b)
    if rule == "cross-script+evidence":
        return _corroborated(corpus, a, b)
    if rule == "fuzzy+evidence":
        return has_evidence(corpus, a, b)
    return False
