"""The hits of the real names from the hits of the names searched ahead: few episodes searched again.

The child of :mod:`castgraph.link.ahead` searched every episode for a superset ``S`` of the
names; once the real names ``F`` are known, its hits hold wherever no match of a name
outside ``F`` was chosen and no name of ``F`` outside ``S`` occurs. The other episodes are
searched again (:func:`search_again`) and their hits replace the old ones
(:func:`patch_hits`): the same :class:`~castgraph.link.spots.TextHits` as a search of every
episode with ``F``, without making an automaton of all of ``F`` or numbering every hit's
way of writing again (at 100k episodes: about 1.5 s less before the linker has its hits).

A text's leftmost-longest matches depend only on the names that occur in it: the episodes
searched again are searched with an automaton of just the names of ``F`` found in them by an
overlapping search (every occurrence of every name of ``S``), and the names of ``F`` not in ``S``.

Examples
--------
>>> texts = ["openai and ai", "open source"]  # lower-cased, as the automaton's names
>>> sorted(occurring_names(["ai", "open", "openai", "source"], texts))
[0, 1, 2, 3]
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from castgraph.link.automaton import Hits, NameAutomaton, lower_same_length
from castgraph.link.spots import TextBatch, TextHits, batch_hit_columns

__all__ = ["Redone", "occurring_names", "patch_hits", "search_again"]

Ints = npt.NDArray[np.int64]
Flags = npt.NDArray[np.bool_]


class Redone:
    """The hits of the episodes searched again, as :class:`~castgraph.link.spots.HitGatherer` keeps
    them (episode, start, end, text, timed, opening), each with its name and written form (``keys``)."""

    def __init__(self, columns: list[npt.NDArray[Any]], keys: list[tuple[int, str]]) -> None:
        self.episode, self.start, self.end, self.unit, self.timed, self.opening = columns
        self.keys = keys


def occurring_names(names: Sequence[str], texts: Iterable[str], implementation: str = "ahocorasick_rs"
                    ) -> set[int]:
    """The numbers of ``names`` that occur anywhere in ``texts``, overlapping or inside words too."""
    if not names:
        return set()
    if implementation == "ahocorasick_rs":
        import ahocorasick_rs

        # The standard kind reports every occurrence when asked for overlapping matches.
        automaton = ahocorasick_rs.AhoCorasick(list(names))
        return {name for text in texts
                for name, _, _ in automaton.find_matches_as_indexes(text, overlapping=True)}
    import ahocorasick

    auto = ahocorasick.Automaton()
    for number, name in enumerate(names):
        auto.add_word(name, number)
    auto.make_automaton()
    return {number for text in texts for _, number in auto.iter(text)}


def search_again(batches: Sequence[TextBatch], episodes: Ints, names: Sequence[str], searched: Sequence[str],
                 unseen: Iterable[str], implementation: str = "ahocorasick_rs") -> Redone:
    """The hits of ``names`` (lower-cased, distinct, sorted: an automaton's names) in ``episodes``
    (numbers in reading order, ascending), which ``batches`` hold; ``searched``: the names searched
    ahead, ``unseen``: those of ``names`` not among them."""
    starts = np.array([batch.first for batch in batches], dtype=np.int64)
    batch_of = np.searchsorted(starts, episodes, side="right") - 1
    texts = [batches[b].joined[e - batches[b].first] for b, e in zip(batch_of.tolist(), episodes.tolist(),
                                                                      strict=True)]
    final = set(names)
    found = occurring_names(searched, map(lower_same_length, texts), implementation)
    wanted = {searched[n] for n in found if searched[n] in final}
    wanted.update(unseen)
    automaton = NameAutomaton(wanted, implementation=implementation)
    hits = automaton.find_all(texts)
    number = {name: i for i, name in enumerate(names)}
    keys = [(number[automaton.names[name]], automaton.written(name, form))
            for name, form in zip(hits.name.tolist(), hits.form.tolist(), strict=True)]
    episode, hit_batch = episodes[hits.text], batch_of[hits.text]
    parts: list[list[npt.NDArray[Any]]] = []
    first_units = np.cumsum([0] + [len(batch.unit_episode) for batch in batches])
    for b in np.unique(hit_batch).tolist():
        rows = np.flatnonzero(hit_batch == b)
        batch = batches[b]
        local = Hits._make(column[rows] for column in hits)._replace(text=episode[rows] - batch.first)
        parts.append(batch_hit_columns(batch, local, int(first_units[b])))
    if parts:
        columns = [np.concatenate(column) for column in zip(*parts, strict=True)]
        episode_at, _, _, start, end, unit, timed, opening = columns
    else:
        episode_at = start = end = unit = np.zeros(0, dtype=np.int64)
        timed = opening = np.zeros(0, dtype=bool)
    return Redone([episode_at, start, end, unit, timed, opening], keys)


def _first_hits(variant: Ints, count: int) -> Ints:
    """Where each of ``count`` variants is first seen in ``variant``, which numbers them by first hit."""
    if not len(variant):
        return np.zeros(0, dtype=np.int64)
    highest = np.maximum.accumulate(variant)
    firsts = np.flatnonzero(np.concatenate(([True], highest[1:] > highest[:-1])))
    if len(firsts) != count:
        raise ValueError("the variants are not numbered in order of their first hit")
    return firsts


def patch_hits(ahead: TextHits, redo: Flags, redone: Redone, to_final: Ints) -> TextHits:
    """``ahead`` (hits of the names searched ahead) with the hits of the episodes ``redo`` replaced by
    ``redone``'s and names renumbered by ``to_final``: exactly what a search of every episode finds.

    The hits stay in (episode, start) order and the ways of writing are numbered by first hit,
    as :meth:`~castgraph.link.spots.HitGatherer.text_hits` numbers them.
    """
    keep = ~redo[ahead.episode]
    kept = np.flatnonzero(keep)
    old_variant = ahead.variant[kept]
    count = len(ahead.variants)
    firsts = _first_hits(ahead.variant, count)
    alive = np.bincount(old_variant, minlength=count) > 0
    # Each old variant's first kept hit, as a number among the kept hits.
    rank = np.cumsum(keep) - 1
    first_kept = np.full(count, -1, dtype=np.int64)
    direct = alive & keep[firsts]
    first_kept[direct] = rank[firsts[direct]]
    moved = alive & ~direct
    if moved.any():  # its first hit was in an episode searched again: its next one
        rows = np.flatnonzero(moved[old_variant])
        variants, at = np.unique(old_variant[rows], return_index=True)
        first_kept[variants] = rows[at]
    # Where the new hits go among the kept ones (each episode's hits together, by start).
    place = np.searchsorted(ahead.episode[kept], redone.episode, side="left")
    new_at = place + np.arange(len(place))
    first_kept_at = first_kept + np.searchsorted(place, first_kept, side="right")

    first_at: dict[tuple[int, str], int] = {}
    old_keys: dict[int, tuple[int, str]] = {}
    for j in np.flatnonzero(alive).tolist():
        name, written = ahead.variants[j]
        key = old_keys[j] = (int(to_final[name]), written)
        first_at[key] = int(first_kept_at[j])
    for key, at in zip(redone.keys, new_at.tolist(), strict=True):
        if at < first_at.get(key, at + 1):
            first_at[key] = at
    variants_now = sorted(first_at, key=first_at.__getitem__)
    number = {key: i for i, key in enumerate(variants_now)}
    renumber = np.full(max(count, 1), -1, dtype=np.int64)
    for j, key in old_keys.items():
        renumber[j] = number[key]
    new_variant = np.array([number[key] for key in redone.keys], dtype=np.int64)

    def merged(old: npt.NDArray[Any], new: npt.NDArray[Any]) -> npt.NDArray[Any]:
        # The wider of the two (the hits ahead come narrowed to int32 where theirs fit).
        return np.insert(old[kept].astype(np.result_type(old, new), copy=False), place, new)

    variant = np.insert(renumber[old_variant], place, new_variant)
    return TextHits(merged(ahead.episode, redone.episode), variant, merged(ahead.start, redone.start),
                    merged(ahead.end, redone.end),
                    merged(ahead.unit, redone.unit), merged(ahead.timed, redone.timed),
                    merged(ahead.opening, redone.opening), variants_now, ahead.unit_start, ahead.unit_end,
                    ahead.unit_field, ahead.unit_chapter, ahead.unit_time, ahead.unit_timed)
