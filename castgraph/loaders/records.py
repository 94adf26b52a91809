"""Read episode records from JSON or JSONL.

A record is the clean form of an episode::

    {"id": "ls-2026-11-24", "title": "...", "show": "Latent Space", "published": "2026-11-24",
     "duration": "1:24:44", "url": "https://...", "summary": "...", "tags": ["ai-agents"],
     "chapters": [{"title": "Hook", "start": 0.0, "summary": "...", "quotes": ["..."]}],
     "entities": [{"name": "Kyle Daigle", "type": "Person", "description": "COO of GitHub",
                   "role": "guest", "href": "https://..."}]}

A file holds one record, a list of records, or one record per line (JSONL).
``duration`` may be seconds or a clock; ``age_days`` is accepted instead of
``published``; keys the model does not know are kept in :attr:`Episode.extra`.
A record without an ``id`` gets :meth:`Episode.make_id` of its show and title. A
broken record (not an object, not JSON, no title) is skipped with a warning
naming its line or record number; an entity without a name is skipped the same way.

Examples
--------
>>> result = parse_records('{"title": "Ep 1", "show": "S", "duration": "1:00", "tags": ["#AI"], '
...                        '"entities": [{"name": "swyx", "type": "Person"}, {"type": "Person"}]}\\n'
...                        'not json\\n'
...                        '{"title": "Ep 2", "published": "2026-11-24", "guest_count": 2}')
>>> [(e.title, e.duration_seconds, e.tags) for e in result.episodes]
[('Ep 1', 60, ['ai']), ('Ep 2', None, [])]
>>> result.episodes[1].extra, result.episodes[0].id == Episode.make_id("S", "Ep 1")
({'guest_count': 2}, True)
>>> [str(w) for w in result.warnings]  # doctest: +NORMALIZE_WHITESPACE
['<text>, line 1: entity 2 has no name; skipped',
 '<text>, line 2: broken record skipped: not valid JSON (Expecting value at column 1)']
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Iterator
from datetime import date
from itertools import accumulate, chain, islice, repeat
from pathlib import Path
from typing import Any, NamedTuple, TypeVar

import orjson

from castgraph.graph.model import Chapter, Episode, LoadWarning, Mention, Source
from castgraph.loaders.base import (
    LoadResult,
    decode_text,
    dedupe_episodes,
    make_result,
    parse_clock,
    published_from_age,
)
from castgraph.loaders.errors import InputError
from castgraph.memory import gc_paused

__all__ = ["episode_from_record", "parse_records", "read_records"]

_KNOWN = {
    "id", "title", "show", "published", "age_days", "duration", "duration_seconds", "languages",
    "url", "summary", "tags", "chapters", "entities", "mentions",
}  # fmt: skip


_MAX_SECONDS = 1e9  # about 30 years; also rules out inf and nan
# Deepest nesting kept under a key castgraph does not know; deeper values would only
# cost recursion in every later stage (and Neo4j and GraphML cannot hold them anyway).
MAX_EXTRA_DEPTH = 32
# Python refuses to turn integers of more digits than this into numbers (CVE-2020-10735).
_MAX_INT_DIGITS = 4300


class _Broken(ValueError):
    """A record that cannot become an episode."""


def _text(value: Any, field: str) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    raise _Broken(f"'{field}' is not text")


def _seconds(value: Any) -> float | None:
    if value is None or value == "":
        return None
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value) if 0 <= value < _MAX_SECONDS else None
    if isinstance(value, str):
        clock = parse_clock(value)
        if clock is not None:
            return float(clock)
        try:
            number = float(value)
        except ValueError:
            return None
        return number if 0 <= number < _MAX_SECONDS else None
    return None


def _published(value: Any) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip()[:10])
        except ValueError:
            pass
    raise ValueError(f"'published' is not a date: {value!r}")


def _tags(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [t for t in re.split(r"[#,\s]+", value) if t]
    if isinstance(value, list):
        if set(map(type, value)) <= {str}:  # as a record has them: kept as they are, checked in C
            return list(value)
        return [str(t) for t in value if isinstance(t, str | int) and not isinstance(t, bool)]
    raise ValueError("'tags' is not a list")


def _list(value: Any, key: str, note: list[str]) -> list[Any]:
    """``value`` if it is a list; nothing (noted unless absent) otherwise."""
    if value is not None and not isinstance(value, list):
        note.append(f"'{key}' is not a list; ignored")
    return value if isinstance(value, list) else []


def _chapters(value: Any, note: list[str], strings: dict[str, str]) -> list[Chapter]:
    chapters = []
    for n, item in enumerate(_list(value, "chapters", note), 1):
        if not isinstance(item, dict) or not isinstance(item.get("title"), str) or not item["title"].strip():
            note.append(f"chapter {n} has no title; skipped")
            continue
        quotes = item.get("quotes") or []
        title = item["title"].strip()
        summary = item.get("summary")
        # Every value has the model's type already: made without a second check.
        chapters.append(Chapter.from_checked({
            "title": strings.setdefault(title, title),  # "Intro", "Q&A": one copy each
            "start": _seconds(item.get("start")),
            "summary": summary if isinstance(summary, str) else "",
            "quotes": [q for q in quotes if isinstance(q, str)] if isinstance(quotes, list) else [],
        }))
    return chapters


_CREDIT_KEYS = frozenset({"role", "group", "href", "img"})


def _mentions(value: Any, note: list[str], episode_id: str, strings: dict[str, str]) -> list[Mention]:
    """The record's entities as mentions of ``episode_id``; ``strings`` keeps one copy of each text."""
    mentions: list[Mention] = []
    same = strings.setdefault  # names, types and descriptions repeat across episodes
    for n, item in enumerate(_list(value, "entities", note), 1):
        if not isinstance(item, dict):
            note.append(f"entity {n} is not an object; skipped")
            continue
        name = item["name"] if "name" in item else item.get("surface")
        if not isinstance(name, str) or not (surface := name.strip()):
            note.append(f"entity {n} has no name; skipped")
            continue
        kind = item["type"] if "type" in item else item.get("type_label")
        type_label = kind.strip() if isinstance(kind, str) else ""
        description = item.get("description")
        description = description.strip() if isinstance(description, str) else ""
        surface, type_label, description = (
            same(surface, surface), same(type_label, type_label), same(description, description)
        )
        # Every value has the model's type already: no second check of a million mentions.
        if _CREDIT_KEYS.isdisjoint(item):
            mentions.append(Mention.listed(surface, type_label, description, episode_id, len(mentions)))
            continue
        mention: dict[str, Any] = {"surface": surface, "type_label": type_label, "description": description}
        # A credited person's role ("guest"), group, profile link and picture, as feeds give them.
        for key in ("role", "group", "href", "img"):
            value = item.get(key)
            if isinstance(value, str) and value.strip():
                text = value.strip().casefold() if key in ("role", "group") else value.strip()
                mention[key] = same(text, text)
        mention["episode_id"] = episode_id
        mention["ordinal"] = len(mentions)
        mentions.append(Mention.from_checked(mention))
    return mentions


class _LongNumber(str):
    """The digits of an integer too long for Python to read, kept as text."""


def _scan(value: Any, limit: int) -> tuple[bool, bool]:
    """Whether ``value`` nests more than ``limit`` deep, and whether it holds a :class:`_LongNumber`."""
    stack, long_number = [(value, 0)], False
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict | list):
            if depth >= limit:
                return True, long_number
            stack.extend((v, depth + 1) for v in (item.values() if isinstance(item, dict) else item))
        elif isinstance(item, _LongNumber):
            long_number = True
    return False, long_number


def _extra(record: dict[str, Any], note: list[str]) -> dict[str, Any]:
    extra = {}
    for key, value in record.items():
        if key in _KNOWN:
            continue
        too_deep, long_number = _scan(value, MAX_EXTRA_DEPTH)
        if too_deep:
            note.append(f"{_short(key)!r} is nested more than {MAX_EXTRA_DEPTH} levels deep; ignored")
            continue
        if long_number:
            note.append(f"{_short(key)!r} holds an integer of more than {_MAX_INT_DIGITS} digits; "
                        "kept as text")
        extra[key] = value
    return extra


def _short(text: str) -> str:
    return text if len(text) <= 40 else text[:37] + "..."


def _parse_int(digits: str) -> int | str:
    # A number too long for Python to read stays text: the record is kept, its value unchanged.
    return int(digits) if len(digits.lstrip("-")) <= _MAX_INT_DIGITS else _LongNumber(digits)


_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
# orjson reads an integer beyond 64 bits as a float: text with 19 digits in a row goes to
# json. Mapping digits to "0" and the rest to " " finds such a run many times faster than a regex.
_DIGITS = bytes(0x30 if 0x30 <= b <= 0x39 else 0x20 for b in range(256))
_LONG_RUN = b"0" * 19
_NOT_READ = object()


def _no_lone_surrogates(value: Any) -> Any:
    if isinstance(value, str):
        return _LONE_SURROGATE.sub("\ufffd", value)
    if isinstance(value, list):
        return [_no_lone_surrogates(v) for v in value]
    if isinstance(value, dict):
        return {_no_lone_surrogates(k): _no_lone_surrogates(v) for k, v in value.items()}
    return value


def _fast_loads(data: bytes) -> Any:
    """orjson's reading of UTF-8 ``data``, or ``_NOT_READ`` when only json can say what it holds.

    orjson is several times faster than json and reads the same values; what it refuses
    (broken JSON or UTF-8, NaN, lone surrogates, deep nesting) or would read differently
    (integers beyond 64 bits) goes to json, so values and messages stay json's.
    """
    if _has_long_digit_run(data):
        return _NOT_READ
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError:
        return _NOT_READ


def _has_long_digit_run(data: bytes, chunk: int = 1 << 20) -> bool:
    """Whether ``data`` has 19 digits in a row (a big document is mapped a chunk at a time).

    >>> _has_long_digit_run(b'{"n": 1234567890123456789}', chunk=8), _has_long_digit_run(b'{"n": 123}')
    (True, False)
    """
    if len(data) <= chunk:
        return _LONG_RUN in data.translate(_DIGITS)
    overlap = len(_LONG_RUN) - 1
    return any(_LONG_RUN in data[start : start + chunk + overlap].translate(_DIGITS)
               for start in range(0, len(data), chunk))


def _loads(text: str) -> Any:
    """``json.loads``, except that integers longer than Python reads stay text and a lone
    UTF-16 surrogate escape (``"\\ud800"``, which no UTF-8 file can hold) becomes U+FFFD."""
    try:
        value = _fast_loads(text.encode("utf-8"))
    except UnicodeEncodeError:  # a lone surrogate in the text itself
        value = _NOT_READ
    if value is not _NOT_READ:
        return value
    value = json.loads(text, parse_int=_parse_int)
    if _SURROGATE_ESCAPE.search(text):
        value = _no_lone_surrogates(value)
    return value


def episode_from_record(
    record: Any, where: Source, *, as_of: date | None = None
) -> tuple[Episode, list[LoadWarning]]:
    """Turn one decoded record into an episode and the warnings about its parts.

    Raises
    ------
    ValueError
        If the record is broken: not an object, or without a title.

    >>> ep, warnings = episode_from_record({"title": "T", "age_days": 2}, Source(file="x.json", record=1),
    ...                                    as_of=date(2026, 11, 25))
    >>> ep.published, warnings
    (datetime.date(2026, 11, 23), [])
    """
    return _episode(record, where, as_of, {})


def _episode(
    record: Any, where: Source, as_of: date | None, strings: dict[str, str]
) -> tuple[Episode, list[LoadWarning]]:
    fields, note, _ = _fields(record, where, as_of, strings, later=False)
    return Episode.from_checked(fields), [LoadWarning(source=where, message=m) for m in note]


class _Later(NamedTuple):
    """The lists of a record that :func:`_collect_chunk` turns into models with the chunk's others."""

    chapters: list[Any] | None
    entities: list[Any] | None
    #: Where their notes go among the record's others.
    at: int


def _fields(
    record: Any, where: Source, as_of: date | None, strings: dict[str, str], *, later: bool
) -> tuple[dict[str, Any], list[str], _Later | None]:
    """The checked fields of a record's episode, and the notes about it.

    With ``later``, lists of chapters and entities are left for :func:`_collect_chunk` to make
    (each kind for all the chunk's records at once), with the place their notes take.
    """
    if not isinstance(record, dict):
        raise _Broken(f"a record must be a JSON object, not {type(record).__name__}")
    title = record.get("title")
    if not isinstance(title, str) or not title.strip():
        raise _Broken("record has no title")
    title = title.strip()
    show = _text(record.get("show"), "show").strip()
    note: list[str] = []
    record_id = record.get("id")
    if record_id is None or record_id == "":
        record_id = Episode.make_id(show, title)
    elif isinstance(record_id, str | int) and not isinstance(record_id, bool):
        record_id = str(record_id).strip()
    else:
        raise _Broken("'id' is not text")
    try:
        published = _published(record.get("published"))
    except ValueError as exc:
        note.append(f"{exc}; ignored")
        published = None
    age = record.get("age_days")
    age_days = age if isinstance(age, int) and not isinstance(age, bool) and age >= 0 else None
    if age is not None and age_days is None:
        note.append(f"'age_days' is not a whole number of days: {age!r}; ignored")
    if published is None and age_days is not None and as_of is not None:
        published = published_from_age(as_of, age_days)
    raw_duration = record.get("duration", record.get("duration_seconds"))
    duration = _seconds(raw_duration)
    if raw_duration not in (None, "") and duration is None:
        note.append(f"'duration' is not seconds or a clock: {raw_duration!r}; ignored")
    languages = record.get("languages") or []
    if isinstance(languages, str):
        languages = languages.split("/")
    try:
        tags = _tags(record.get("tags"))
    except ValueError as exc:
        note.append(f"{exc}; ignored")
        tags = []
    chapters = record.get("chapters")
    entities = record.get("entities", record.get("mentions"))
    chapters_later = later and type(chapters) is list
    entities_later = later and type(entities) is list
    if not chapters_later:
        chapters = _chapters(chapters, note, strings)
    parts = _Later(chapters if chapters_later else None, entities if entities_later else None, len(note))
    fields = dict(
        id=record_id,
        title=title,
        show=show,
        published=published,
        age_days=age_days,
        duration_seconds=int(duration) if duration is not None else None,
        languages=[lang.strip().upper() for lang in languages if isinstance(lang, str) and lang.strip()]
        if isinstance(languages, list)
        else [],
        url=_text(record.get("url"), "url").strip(),
        summary=_text(record.get("summary"), "summary").strip(),
        chapters=[] if chapters_later else chapters,
        tags=tags,
        mentions=[] if entities_later else _mentions(entities, note, record_id, strings),
        source=where,
        extra=_extra(record, note),
    )
    # Every field has the model's type already (checked above): no second check of 100k episodes.
    return fields, note, parts if chapters_later or entities_later else None


def _collect(items: Iterable[tuple[Source, Any]], as_of: date | None, result: LoadResult) -> int:
    """Add each record's episode (or a warning) to ``result``; return how many were broken."""
    with gc_paused():
        return _collect_all(items, as_of, result)


# Records read together: their mentions are made as columns (see _mention_lists).
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
    titles: list[Any] = list(map(dict.get, items, repeat("title")))
    if set(map(type, titles)) != {str}:
        return None
    titles = list(map(str.strip, titles))
    if not all(titles):
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
    names: list[Any] = list(map(dict.get, entities, repeat("name")))
    if set(map(type, names)) != {str}:
        return None
    surfaces = list(map(str.strip, names))
    if not all(surfaces):
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


def _stripped(values: list[Any]) -> list[str]:
    """Each value stripped if it is text, else ``""``."""
    if set(map(type, values)) == {str}:
        return list(map(str.strip, values))
    return [value.strip() if isinstance(value, str) else "" for value in values]


def _json_lines(
    lines: Iterable[tuple[int, str | bytes]], source: str, warnings: list[LoadWarning] | None = None
) -> Iterator[tuple[Source, Any]]:
    """Each line's record (or :class:`_Broken`); a line of bytes is decoded only when orjson cannot
    read it (a line that is not UTF-8 falls back to cp1252, with a warning in ``warnings``)."""
    for number, line in lines:
        if isinstance(line, bytes):
            value = _fast_loads(line) if line.strip() else _NOT_READ
            if value is not _NOT_READ:
                yield Source.from_checked({"file": source, "line": number}), value
                continue
            line = _decode_line(line, number, source, warnings if warnings is not None else [])
        if not line.strip():
            continue
        where = Source.from_checked({"file": source, "line": number})
        try:
            yield where, _loads(line)
        except (json.JSONDecodeError, RecursionError) as exc:
            detail = (
                f"{exc.msg.removesuffix(' at')} at column {exc.colno}"
                if isinstance(exc, json.JSONDecodeError) else "too deep"
            )
            yield where, _Broken(f"not valid JSON ({detail})")


def _finish(result: LoadResult, source: str, broken: int) -> LoadResult:
    if not result.episodes:
        first = result.warnings[0].message if result.warnings else "no records"
        raise InputError(source, f"no episode could be read ({broken} broken records; first: {first})")
    kept, duplicates = dedupe_episodes(result.episodes)
    return make_result(kept, [*result.warnings, *duplicates])


def parse_records(text: str, *, source: str = "<text>", as_of: date | None = None) -> LoadResult:
    """Parse JSON (one record or a list of records) or JSONL text into episodes.

    Raises
    ------
    InputError
        If the text is empty, is neither JSON nor JSONL, or holds no readable record.
    """
    stripped = text.strip()
    if not stripped:
        raise InputError(source, "empty file")
    result = make_result([], [])
    try:
        whole = _loads(stripped)
    except json.JSONDecodeError as exc:
        error = exc
    except RecursionError:
        raise InputError(source, "not valid JSON (nested too deeply)") from None
    else:
        if isinstance(whole, list):
            items = ((Source.from_checked({"file": source, "record": n}), r) for n, r in enumerate(whole, 1))
            return _finish(result, source, _collect(items, as_of, result))
        return _finish(result, source, _collect([(Source(file=source, record=1), whole)], as_of, result))
    # Not one JSON document: read it as JSONL, if at least one line is a JSON value.
    broken = _collect(_json_lines(enumerate(text.splitlines(), 1), source), as_of, result)
    if not result.episodes and all("not valid JSON" in w.message for w in result.warnings):
        raise InputError(source, f"not valid JSON or JSONL (line {error.lineno}: {error.msg})")
    return _finish(result, source, broken)


def _first_line_is_record(head: bytes) -> bool:
    line = head.lstrip().split(b"\n", 1)[0].decode("utf-8", errors="replace")
    try:
        return isinstance(_loads(line), dict)
    except (json.JSONDecodeError, UnicodeDecodeError, RecursionError):
        return False


# Bytes of a JSONL file read at a time (whole lines of it are parsed; the rest waits for the next).
_BLOCK = 1 << 22


def _line_blocks(path: Path) -> Iterator[tuple[int, list[bytes], bool]]:
    """The lines of a JSONL file a block at a time, without their line ends (and the first
    without a BOM): the first line's number, the lines, and whether one may hold 19 digits in a
    row (checked once per block: most blocks have none, and their lines go straight to orjson)."""
    first, rest = 1, b""
    with path.open("rb") as handle:
        while block := handle.read(_BLOCK):
            data = rest + block
            lines = data.split(b"\n")
            rest = lines.pop()  # the line the next block ends
            if lines:
                yield first, _trimmed(lines, first), _has_long_digit_run(data)
                first += len(lines)
        if rest:
            yield first, _trimmed([rest], first), _has_long_digit_run(rest)


def _trimmed(lines: list[bytes], first: int) -> list[bytes]:
    """``lines`` without the ``"\r"`` before their line ends (and the file's first without a BOM)."""
    lines = list(map(bytes.rstrip, lines, repeat(b"\r\n")))
    if first == 1:
        lines[0] = lines[0].removeprefix(b"\xef\xbb\xbf")
    return lines


def _json_file_lines(path: Path, source: str, warnings: list[LoadWarning]) -> Iterator[tuple[Source, Any]]:
    """:func:`_json_lines` of a file's lines, a block at a time: their sources made together, and
    a line of a block without long digit runs read by orjson directly (the careful way if it fails)."""
    for first, lines, maybe_long in _line_blocks(path):
        numbers = range(first, first + len(lines))
        sources = Source.from_checked_columns({"file": [source] * len(lines), "line": list(numbers)})
        for where, number, line in zip(sources, numbers, lines, strict=True):
            if not maybe_long and line.strip():
                try:
                    yield where, orjson.loads(line)
                    continue
                except orjson.JSONDecodeError:
                    pass
            yield from _json_lines([(number, line)], source, warnings)


def _decode_line(raw: bytes, number: int, source: str, warnings: list[LoadWarning]) -> str:
    """One line as text (a line that is not UTF-8 falls back to cp1252, with a warning)."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        text, notes = decode_text(raw, source)
        where = Source.from_checked({"file": source, "line": number})
        warnings.extend(LoadWarning(source=where, message=n.message) for n in notes)
        return text


def read_records(path: str | Path, *, as_of: date | None = None) -> LoadResult:
    """Read a JSON or JSONL file of episode records; see :func:`parse_records`.

    JSONL is read a few megabytes of lines at a time, so large files are not held in memory twice.

    Raises
    ------
    InputError
        If the file cannot be read, is empty, is not JSON or JSONL, or holds no readable record.
    """
    name = str(path)
    file = Path(path)
    try:
        with file.open("rb") as handle:
            head = handle.read(1 << 20)
            body = head.lstrip(b"\xef\xbb\xbf \t\r\n")
            one_per_line = b"\n" in body.strip() or file.suffix.lower() in (".jsonl", ".ndjson")
            streamed = body.startswith(b"{") and one_per_line and _first_line_is_record(body)
            # One JSON document is parsed whole: read the rest from the same handle.
            data = head if streamed else head + handle.read()
    except OSError as exc:
        raise InputError(name, f"cannot read file ({exc.strerror or exc})") from None
    if not head.strip():
        raise InputError(name, "empty file")
    if streamed:
        result = make_result([], [])
        broken = _collect(_json_file_lines(file, name, result.warnings), as_of, result)
        return _finish(result, name, broken)
    text, warnings = decode_text(data, name)
    result = parse_records(text, source=name, as_of=as_of)
    return make_result(result.episodes, [*warnings, *result.warnings])
