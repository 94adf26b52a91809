"""Check one record's fields: the values an episode is made of, and notes on what was ignored.

:mod:`castgraph.loaders.records` reads the JSON; this module turns one decoded record into the
fields of its :class:`Episode`, each already of the model's type (so the episode is made without a
second check), and :mod:`castgraph.loaders.record_columns` makes the chapters and mentions of many
records at once.

Examples
--------
>>> fields, note, _ = _fields({"title": " Ep 1 ", "duration": "1:00", "entities": [{"type": "Person"}]},
...                           Source(file="x.json", record=1), None, {}, later=False)
>>> fields["title"], fields["duration_seconds"], fields["mentions"], note
('Ep 1', 60, [], ['entity 1 has no name; skipped'])
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any, NamedTuple

from castgraph.graph.model import Chapter, Episode, Mention, Source
from castgraph.loaders.base import parse_clock, published_from_age

__all__ = ["MAX_EXTRA_DEPTH"]

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

class _Later(NamedTuple):
    """The lists of a record that :mod:`~castgraph.loaders.record_columns` makes with the chunk's others."""

    chapters: list[Any] | None
    entities: list[Any] | None
    #: Where their notes go among the record's others.
    at: int


def _fields(
    record: Any, where: Source, as_of: date | None, strings: dict[str, str], *, later: bool
) -> tuple[dict[str, Any], list[str], _Later | None]:
    """The checked fields of a record's episode, and the notes about it.

    With ``later``, lists of chapters and entities are left for record_columns to make
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

