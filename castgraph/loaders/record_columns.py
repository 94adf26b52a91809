"""Make the episodes of a chunk of records together: their chapters and mentions as columns.

A million mentions made one Python call at a time cost seconds; made as columns (a few passes
in C over all of a chunk's entities) they cost a fraction of that. A list with an item that is
not plain (a credited person, a chapter without a title, ...) is made one item at a time by
:mod:`castgraph.loaders.record_fields`, with the same result and notes.

Examples
--------
>>> from castgraph.loaders.base import make_result
>>> result = make_result([], [])
>>> records = [{"title": f"Ep {n}", "entities": [{"name": "swyx"}, {"name": " "}][:n]} for n in (1, 2)]
>>> _collect([(Source(file="x.json", record=n), r) for n, r in enumerate(records, 1)], None, result)
0
>>> [[m.surface for m in e.mentions] for e in result.episodes], [str(w) for w in result.warnings]
([['swyx'], ['swyx']], ['x.json, record 2: entity 2 has no name; skipped'])
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date
from itertools import accumulate, chain, islice, repeat
from typing import Any, TypeVar

from castgraph.graph.model import Chapter, Episode, LoadWarning, Mention, Source
from castgraph.loaders.base import LoadResult
from castgraph.loaders.record_fields import (
    _CREDIT_KEYS,
    _MAX_SECONDS,
    _Broken,
    _chapters,
    _fields,
    _Later,
    _mentions,
    _seconds,
)
from castgraph.memory import gc_paused

__all__: list[str] = []

def _collect(items: Iterable[tuple[Source, Any]], as_of: date | None, result: LoadResult) -> int:
    """Add each record's episode (or a warning) to ``result``; return how many were broken."""
    with gc_paused():
        return _collect_all(items, as_of, result)


# Records read together: their chapters and mentions are made as columns (see _collect_chunk).
_CHUNK = 64


def _collect_all(items: Iterable[tuple[Source, Any]], as_of: date | None, result: LoadResult) -> int:
    broken = 0
    strings: dict[str, str] = {}
    items = iter(items)
    while chunk := list(islice(items, _CHUNK)):
        broken += _collect_chunk(chunk, as_of, result, strings)
    return broken


def _collect_chunk(chunk: list[tuple[Source, Any]], as_of: date | None, result: LoadResult,
                   strings: dict[str, str]) -> int:
    """:func:`_collect` of a chunk of records, in their order: the chapters and mentions of all
    the chunk's records made as columns (a few passes in C, not a Python loop per item)."""
    broken = 0
    made: list[tuple[dict[str, Any], list[str], Source] | LoadWarning] = []
    later: list[tuple[dict[str, Any], list[str], _Later]] = []
    for where, record in chunk:
        if isinstance(record, _Broken):
            made.append(LoadWarning(source=where, message=f"broken record skipped: {record}"))
            broken += 1
            continue
        try:
            fields, note, parts = _fields(record, where, as_of, strings, later=True)
        except _Broken as exc:
            made.append(LoadWarning(source=where, message=f"broken record skipped: {exc}"))
            broken += 1
            continue
        if parts is not None:
            later.append((fields, note, parts))
        made.append((fields, note, where))
    chapter_lists = _by_halves(_plain_chapters, [p.chapters for *_, p in later], strings)
    mention_lists = _by_halves(_plain_mentions, [p.entities if p.entities is None else (f["id"], p.entities)
                                                  for f, _, p in later], strings)
    for (fields, note, parts), chapters, mentions in zip(later, chapter_lists, mention_lists, strict=True):
        notes: list[str] = []
        # A list that needs a closer look (or a note) is made one item at a time, as before.
        if parts.chapters is not None:
            fields["chapters"] = (chapters if chapters is not None
                                  else _chapters(parts.chapters, notes, strings))
        if parts.entities is not None:
            fields["mentions"] = (mentions if mentions is not None
                                  else _mentions(parts.entities, notes, fields["id"], strings))
        note[parts.at:parts.at] = notes
    for item in made:
        if isinstance(item, LoadWarning):
            result.warnings.append(item)
            continue
        fields, note, where = item
        result.episodes.append(Episode.from_checked(fields))
        result.warnings.extend(LoadWarning(source=where, message=m) for m in note)
    return broken


_Made = TypeVar("_Made")


def _by_halves(make: Callable[[list[Any], dict[str, str]], list[_Made] | None],
               lists: list[Any], strings: dict[str, str], start: int = 0,
               stop: int | None = None) -> list[_Made | None]:
    """``make(lists[start:stop], strings)``, the models of each list, if every item is plain;
    else the halves' (``None`` for a list with an item that is not, or that is ``None``).

    Halving finds the odd lists, so that one odd item costs little.
    """
    stop = len(lists) if stop is None else stop
    part = lists[start:stop]
    if not part:
        return []
    if None not in part:
        made = make(part, strings)
        if made is not None:
            return list(made)
    if len(part) == 1:
        return [None]
    half = start + len(part) // 2
    return [*_by_halves(make, lists, strings, start, half), *_by_halves(make, lists, strings, half, stop)]


def _plain_chapters(chapter_lists: list[list[Any]], strings: dict[str, str]) -> list[list[Chapter]] | None:
    """The chapters of each list when every chapter is an object with a title, a start that is
    absent or a number of seconds, a summary and quotes as text; ``None`` otherwise."""
    items: list[Any] = list(chain.from_iterable(chapter_lists))
    if not items:
        return [[] for _ in chapter_lists]
    if set(map(type, items)) != {dict}:
        return None
    titles = _required_texts(items, "title")
    if titles is None:
        return None
    starts: list[Any] = list(map(dict.get, items, repeat("start")))
    if set(map(type, starts)) <= {int, float}:
        numbers = list(map(float, starts))
        # Each in [0, _MAX_SECONDS), compared in C (NaN fails both).
        if not (all(map(float.__le__, repeat(0.0), numbers))
                and all(map(float.__gt__, repeat(_MAX_SECONDS), numbers))):
            return None
        seconds: list[float | None] = list(numbers)
    else:
        seconds = list(map(_seconds, starts))
    summaries: list[Any] = list(map(dict.get, items, repeat("summary")))
    if set(map(type, summaries)) != {str}:
        summaries = [summary if isinstance(summary, str) else "" for summary in summaries]
    quotes: list[Any] = list(map(dict.get, items, repeat("quotes")))
    kinds = set(map(type, quotes))
    if kinds == {type(None)}:
        quotes = [[] for _ in quotes]
    elif kinds == {list} and set(map(type, chain.from_iterable(quotes))) <= {str}:
        quotes = list(map(list.copy, quotes))
    else:
        quotes = [[q for q in found if isinstance(q, str)] if isinstance(found, list) else []
                  for found in (value or [] for value in quotes)]
    same = strings.setdefault  # "Intro", "Q&A": one copy each
    chapters = Chapter.from_checked_columns(
        {"title": list(map(same, titles, titles)), "start": seconds, "summary": summaries, "quotes": quotes})
    return _split(chapters, chapter_lists)


def _split(items: list[_Made], lists: list[list[Any]]) -> list[list[_Made]]:
    """``items`` cut into consecutive lists as long as each of ``lists``."""
    sizes = list(map(len, lists))
    return [items[end - size:end] for size, end in zip(sizes, accumulate(sizes), strict=True)]


# Keys of an entity that :func:`_plain_mentions` leaves to :func:`_mentions`.
_CAREFUL_KEYS = frozenset({"type_label", *_CREDIT_KEYS})


def _plain_mentions(lists: list[tuple[str, list[Any]]], strings: dict[str, str]
                    ) -> list[list[Mention]] | None:
    """The mentions of each ``(episode id, entities)`` when every entity is an object with a name,
    none credits a person and none has a ``type_label``; ``None`` otherwise."""
    episode_ids = [episode_id for episode_id, _ in lists]
    entity_lists = [entities for _, entities in lists]
    entities: list[Any] = list(chain.from_iterable(entity_lists))
    if not entities:
        return [[] for _ in entity_lists]
    if set(map(type, entities)) != {dict} or not all(map(_CAREFUL_KEYS.isdisjoint, entities)):
        return None
    surfaces = _required_texts(entities, "name")
    if surfaces is None:
        return None
    same = strings.setdefault  # names, types and descriptions repeat across episodes
    type_labels = _stripped(list(map(dict.get, entities, repeat("type"))))
    descriptions = _stripped(list(map(dict.get, entities, repeat("description"))))
    sizes = list(map(len, entity_lists))
    mentions = Mention.listed_many(
        list(map(same, surfaces, surfaces)), list(map(same, type_labels, type_labels)),
        list(map(same, descriptions, descriptions)), chain.from_iterable(map(repeat, episode_ids, sizes)),
        chain.from_iterable(map(range, sizes)))
    return _split(mentions, entity_lists)


def _required_texts(items: list[dict[str, Any]], key: str) -> list[str] | None:
    """Each item's ``key``, stripped, when every one is text that is not blank; ``None`` otherwise."""
    values: list[Any] = list(map(dict.get, items, repeat(key)))
    if set(map(type, values)) != {str}:
        return None
    texts = list(map(str.strip, values))
    return texts if all(texts) else None


def _stripped(values: list[Any]) -> list[str]:
    """Each value stripped if it is text, else ``""``."""
    if set(map(type, values)) == {str}:
        return list(map(str.strip, values))
    return [value.strip() if isinstance(value, str) else "" for value in values]

