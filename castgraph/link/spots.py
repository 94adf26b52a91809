"""The linker's bulk steps: every hit of its names in a corpus, then the hits per episode and entity.

:func:`find_hits` reads the episodes a batch at a time (their texts joined by newlines,
as :func:`~castgraph.link.texts.episode_texts` gives them) and keeps each whole-word
hit as a row of a few integer arrays; the only Python work per hit is to tell how it
is written (``GitHub``, ``github``), as a number into a short list of written forms.
:func:`group_spots` then sums up the hits of each entity in each episode (how many,
the first, the first with a timestamp, how many through common words), with numpy.

Examples
--------
>>> from castgraph.graph.model import Episode
>>> from castgraph.link.automaton import NameAutomaton
>>> eps = [Episode(id="a", title="GitHub", summary="We use github and GitHub.")]
>>> hits = find_hits(NameAutomaton(["GitHub"]), eps, ("title", "summary"))
>>> hits.start.tolist(), hits.unit.tolist(), hits.variant.tolist(), hits.variants
([0, 14, 25], [0, 1, 1], [0, 1, 0], [(0, 'GitHub'), (0, 'github')])
>>> spots = group_spots(np.arange(3), hits.episode, np.zeros(3, dtype=np.int64), hits.start, hits.timed,
...                     np.zeros(3, dtype=bool), hits.opening)
>>> spots.entity.tolist(), spots.count.tolist(), spots.first.tolist(), spots.timed.tolist()
([0], [3], [0], [-1])
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from castgraph.graph.model import Episode
from castgraph.graph.tables import lex_order
from castgraph.link.automaton import Hits, NameAutomaton, Searched, number_variants
from castgraph.link.texts import episode_texts

__all__ = ["BATCH", "TEXT_FIELDS", "HitGatherer", "Spots", "TextBatch", "TextHits", "batch_hit_columns",
           "find_hits", "group_spots", "read_batch"]

Ints = npt.NDArray[np.int64]
Flags = npt.NDArray[np.bool_]

#: Episodes whose texts are held at once.
BATCH = 2048
#: The fields of the texts :func:`~castgraph.link.texts.episode_texts` yields (``TextHits.unit_field``
#: numbers into it).
TEXT_FIELDS = ("title", "summary", "chapter_title", "chapter_summary", "chapter_quote", "transcript")


@dataclass
class TextHits:
    """Whole-word hits in a corpus, and the texts they are in.

    Hit ``i`` is in episode ``episode[i]`` (its number), at ``start[i]:end[i]`` of that
    episode's texts joined by newlines, in text ``unit[i]``, and is name and written form
    ``variants[variant[i]]``; ``timed``: in or after the first text with a timestamp;
    ``opening``: at the start of a sentence or a text. Text ``u`` spans
    ``unit_start[u]:unit_end[u]`` of its episode's joined texts and is of field
    ``TEXT_FIELDS[unit_field[u]]``, chapter ``unit_chapter[u]`` (-1: none) and timestamp
    ``unit_time[u]`` (when ``unit_timed[u]``).
    """

    episode: Ints
    variant: Ints
    start: Ints
    end: Ints
    unit: Ints
    timed: Flags
    opening: Flags
    variants: list[tuple[int, str]]
    unit_start: Ints
    unit_end: Ints
    unit_field: Ints
    unit_chapter: Ints
    unit_time: npt.NDArray[np.float64]
    unit_timed: Flags

    def narrowed(self) -> TextHits:
        """The same hits with their integer columns as int32 where the values fit: half the bytes to
        hand to another process (:meth:`widened` gives them back as they were)."""
        narrow: dict[str, Any] = {name: _narrow(getattr(self, name)) for name in _INT_COLUMNS}
        return dataclasses.replace(self, **narrow)

    def widened(self) -> TextHits:
        """The hits of :meth:`narrowed` with int64 columns again."""
        wide: dict[str, Any] = {name: getattr(self, name).astype(np.int64, copy=False)
                                for name in _INT_COLUMNS}
        return dataclasses.replace(self, **wide)


_INT_COLUMNS = ("episode", "variant", "start", "end", "unit", "unit_start", "unit_end", "unit_field",
                "unit_chapter")
_INT32 = np.iinfo(np.int32)


def _narrow(column: Ints) -> npt.NDArray[np.signedinteger[Any]]:
    if len(column) and (column.min() < _INT32.min or column.max() > _INT32.max):
        return column
    return column.astype(np.int32, copy=False)


def find_hits(automaton: NameAutomaton, episodes: Sequence[Episode], fields: Sequence[str]) -> TextHits:
    """Every whole-word hit of ``automaton``'s names in the ``fields`` of ``episodes``.

    The automaton searches one batch in a second thread (it releases the GIL) while this
    thread reads the next batch and finds the whole words among the last batch's matches.
    """
    gathered = HitGatherer()
    with ThreadPoolExecutor(max_workers=1) as search:
        pending: tuple[TextBatch, Future[list[Searched] | None]] | None = None
        for first in range(0, len(episodes), BATCH):
            batch = read_batch(episodes, first, fields)
            running = search.submit(automaton.search, batch.joined)
            if pending is not None:
                gathered.add(pending[0], automaton.hits(pending[0].joined, pending[1].result()))
            pending = batch, running
        if pending is not None:
            gathered.add(pending[0], automaton.hits(pending[0].joined, pending[1].result()))
    return gathered.text_hits(automaton.names, automaton.other_forms)


class HitGatherer:
    """The hits of batch after batch (:meth:`add`), then all of them as :class:`TextHits`."""

    def __init__(self) -> None:
        self._hits: list[list[npt.NDArray[Any]]] = []
        self._units: list[list[npt.NDArray[Any]]] = []
        self._unit_count = 0

    def add(self, batch: TextBatch, hits: Hits) -> None:
        """Keep the hits of ``batch`` (``hits.text``: the episode's number in the batch)."""
        self._hits.append(batch_hit_columns(batch, hits, self._unit_count))
        self._units.append(batch.units)
        self._unit_count += len(batch.unit_episode)

    def text_hits(self, names: Sequence[str], other_forms: Callable[[], Sequence[str]]) -> TextHits:
        """All hits kept, their ways of writing numbered (``names``: the names that ``Hits.name``
        numbers; ``other_forms`` gives the written texts of forms from ``OTHER_FORM`` up).

        Once: the gatherer lets its parts go as it joins them.
        """
        no_ints, no_flags = np.zeros(0, dtype=np.int64), np.zeros(0, dtype=bool)
        hit_columns: list[npt.NDArray[Any]] = [no_ints] * 6 + [no_flags] * 2
        unit_columns: list[npt.NDArray[Any]] = [no_ints] * 4 + [np.zeros(0), no_flags]
        if self._hits:
            hit_columns, unit_columns = _joined(self._hits), _joined(self._units)
        episode, name, form, start, end, unit_at, timed_at, opening = hit_columns
        variant_at, variants = number_variants(Hits(episode, start, end, name, opening, form), names,
                                               other_forms())
        unit_start, unit_end, unit_field, unit_chapter, unit_time, unit_timed = unit_columns
        return TextHits(episode, variant_at, start, end, unit_at, timed_at, opening, variants,
                        unit_start, unit_end, unit_field, unit_chapter, unit_time, unit_timed)


def _joined(batches: list[list[npt.NDArray[Any]]]) -> list[npt.NDArray[Any]]:
    """Each column of ``batches`` in one array; ``batches`` is emptied, and each column's parts go
    once it is joined (unless held elsewhere): at a million episodes, a copy of the hits less at once."""
    parts = [list(column) for column in zip(*batches, strict=True)]
    batches.clear()
    return [np.concatenate(parts.pop(0)) for _ in range(len(parts))]


def batch_hit_columns(batch: TextBatch, hits: Hits, first_unit: int) -> list[npt.NDArray[Any]]:
    """The columns :class:`HitGatherer` keeps of ``batch``'s ``hits``: episode, name, form, start,
    end, text (numbered from ``first_unit``, the batch's first), timed and opening."""
    since_at = batch.timed_from[hits.text]
    # The text of a hit: the last of its episode's texts that starts at or before it.
    stride = max(map(len, batch.joined), default=0) + 2
    unit_key = batch.unit_episode * stride + batch.units[0]
    unit = np.searchsorted(unit_key, hits.text * stride + hits.start, side="right") - 1
    return [hits.text + batch.first, hits.name, hits.form, hits.start, hits.end, unit + first_unit,
            (since_at >= 0) & (hits.start >= since_at), hits.opening]


@dataclass
class TextBatch:
    """Episodes ``first``, ``first + 1``, ... : their texts joined, and each text's place.

    ``units``: start, end, field, chapter, timestamp and timed of each text (as in
    :class:`TextHits`), ``unit_episode`` its episode (in the batch); ``timed_from``: where
    each episode's first timed text starts (-1: none).
    """

    first: int
    joined: list[str]
    timed_from: Ints
    unit_episode: Ints
    units: list[npt.NDArray[Any]]


def read_batch(episodes: Sequence[Episode], first: int, fields: Sequence[str]) -> TextBatch:
    code = {field: i for i, field in enumerate(TEXT_FIELDS)}
    joined: list[str] = []
    timed_from: list[int] = []
    # episode, start, end, field, chapter, timed, timestamp of each text
    rows: list[tuple[int, int, int, int, int, int, float]] = []
    for number, ep in enumerate(episodes[first:first + BATCH]):
        at, since, texts = 0, -1, []
        for field, chapter, timestamp, text in episode_texts(ep, fields):
            if since < 0 and timestamp is not None:
                since = at
            rows.append((number, at, at + len(text), code[field], -1 if chapter is None else chapter,
                         0 if timestamp is None else 1, 0.0 if timestamp is None else timestamp))
            at += len(text) + 1
            texts.append(text)
        joined.append("\n".join(texts))
        timed_from.append(since)
    table = np.array(rows, dtype=np.float64).reshape(-1, 7)
    ints = table[:, :6].astype(np.int64)
    units = [ints[:, 1].copy(), ints[:, 2].copy(), ints[:, 3].copy(), ints[:, 4].copy(),
             table[:, 6].copy(), ints[:, 5] == 1]
    return TextBatch(first, joined, np.array(timed_from, dtype=np.int64), ints[:, 0].copy(), units)


@dataclass
class Spots:
    """The hits of each entity in each episode, one row per (episode, entity), by episode then first hit.

    ``first``: the first hit (a hit number); ``timed``: the first timed hit (-1 if none);
    ``common``: hits through common words; ``inside``: those of them not at the start of
    a sentence.
    """

    episode: Ints
    entity: Ints
    count: Ints
    first: Ints
    timed: Ints
    common: Ints
    inside: Ints


def group_spots(hit: Ints, episode: Ints, entity: Ints, start: Ints, timed: Flags, common: Flags,
                opening: Flags) -> Spots:
    """Sum up hits (numbered ``hit``, one row each) per episode and entity (see :class:`Spots`)."""
    if not len(hit):
        return Spots(*(np.zeros(0, dtype=np.int64),) * 7)
    order = lex_order(start, entity, episode)
    hit, episode, entity, start = hit[order], episode[order], entity[order], start[order]
    timed, common, opening = timed[order], common[order], opening[order]
    size = len(order)
    heads = np.flatnonzero(np.r_[True, (episode[1:] != episode[:-1]) | (entity[1:] != entity[:-1])])
    count = np.diff(np.r_[heads, size])
    # The first timed hit of each group: its row, or ``size`` when the group has none.
    first_timed = np.minimum.reduceat(np.where(timed, np.arange(size), size), heads)
    timed_hit = np.where(first_timed < size, hit[np.minimum(first_timed, size - 1)], -1)
    commons = np.add.reduceat(common.astype(np.int64), heads)
    inside = np.add.reduceat((common & ~opening).astype(np.int64), heads)
    rows = lex_order(start[heads], episode[heads])
    return Spots(episode[heads][rows], entity[heads][rows], count[rows], hit[heads][rows], timed_hit[rows],
                 commons[rows], inside[rows])
