"""The castgraph graph schema: node and edge records, in one place.

Every format castgraph reads or writes (graph.json, the compact store, GraphML,
Neo4j rows, neo4j-admin CSV, the query index, the viewer) takes its labels,
attribute names and record layout from here:

* nodes have ``label`` = ``"Episode"`` | ``"Entity"`` | ``"Topic"`` and ``id`` (= node key):
  ``episode:<record id>``, ``entity:<hash>``, ``topic:<name>``;
* ``MENTIONS`` edges (Episode -> Entity, one per mention, key ``m<ordinal>``) carry
  :data:`MENTION_FIELDS`;
* ``HAS_TOPIC`` edges (Episode -> Topic, key ``t``).

The records are plain dicts (what networkx keeps as attributes); the functions
here make them from the data model, so the graph builder, the columnar tables
(:mod:`castgraph.graph.tables`) and every reader agree on one layout.

Examples
--------
>>> from castgraph.graph.model import Episode, Topic
>>> record = episode_record(Episode(id="e1", title="Hi"))
>>> record["label"], record["id"], list(record) == list(EPISODE_FIELDS)
('Episode', 'episode:e1', True)
>>> topic_record(Topic.from_tag("#AI"))
{'label': 'Topic', 'id': 'topic:ai', 'name': 'ai'}
>>> mention_key(3), ordinal_of_key("m3")
('m3', 3)
"""

from __future__ import annotations

import json
import math
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from datetime import date, datetime
from itertools import repeat
from operator import attrgetter, is_not, itemgetter
from typing import Any, NamedTuple

import numpy as np
from pydantic import BaseModel

from castgraph.graph.feed_props import episode_feed_attrs
from castgraph.graph.json_bytes import written_alike
from castgraph.graph.link_props import origin_rule
from castgraph.graph.model import Chapter, Entity, Episode, Mention, MentionOrigin, MergeRecord, Topic

__all__ = [
    "ABSENT",
    "EDGE_TYPES",
    "ENTITY",
    "ENTITY_FIELDS",
    "EPISODE",
    "EPISODE_FIELDS",
    "HAS_TOPIC",
    "JSON_FIELDS",
    "LIST_FIELDS",
    "MENTIONS",
    "MENTION_FIELDS",
    "MENTION_TABLE_FIELDS",
    "NODE_FIELDS",
    "NODE_LABELS",
    "SCHEMA_VERSION",
    "TOPIC",
    "TOPIC_FIELDS",
    "TOPIC_KEY",
    "KeyedColumn",
    "entity_record",
    "episode_node_id",
    "episode_record",
    "episode_records",
    "mention_columns",
    "mention_key",
    "mention_table",
    "ordinal_of_key",
    "plain",
    "rows_where",
    "topic_record",
]

SCHEMA_VERSION = 1
"""Version of the graph layout, kept in graph.json's ``graph`` attributes and in the compact store."""

EPISODE, ENTITY, TOPIC = "Episode", "Entity", "Topic"
NODE_LABELS: tuple[str, ...] = (EPISODE, ENTITY, TOPIC)
MENTIONS, HAS_TOPIC = "MENTIONS", "HAS_TOPIC"
# Relationship type -> (source label, target label).
EDGE_TYPES: dict[str, tuple[str, str]] = {MENTIONS: (EPISODE, ENTITY), HAS_TOPIC: (EPISODE, TOPIC)}
TOPIC_KEY = "t"


class _Absent:
    """The value of an attribute some edges of a column do not have."""

    def __repr__(self) -> str:
        return "ABSENT"


ABSENT: Any = _Absent()
"""Stands for an edge attribute left out (feed properties are set only on the mentions that have them)."""

EPISODE_FIELDS: tuple[str, ...] = (
    "label", "id", "record_id", "title", "show", "published", "age_days", "duration_seconds",
    "languages", "url", "summary", "chapters", "source", "extra",
)
ENTITY_FIELDS: tuple[str, ...] = (
    "label", "id", "name", "type", "aliases", "description", "descriptions", "type_votes",
    "mention_count", "episode_count", "former_ids",
)
TOPIC_FIELDS: tuple[str, ...] = ("label", "id", "name")
NODE_FIELDS: dict[str, tuple[str, ...]] = {
    EPISODE: EPISODE_FIELDS, ENTITY: ENTITY_FIELDS, TOPIC: TOPIC_FIELDS,
}
# Attributes of a MENTIONS edge besides ``type`` (the edge key is ``m<ordinal>``).
MENTION_FIELDS: tuple[str, ...] = ("surface", "source_type", "description", "ordinal", "rule", "score")
# Attributes that hold structured data (stored as JSON text where a format has no lists of maps).
JSON_FIELDS: dict[str, frozenset[str]] = {
    EPISODE: frozenset({"chapters", "extra"}),
    ENTITY: frozenset(),
    TOPIC: frozenset(),
}
# List attributes: an absent one reads back as [] (neo4j-admin import stores [] as no property).
LIST_FIELDS: frozenset[str] = frozenset({"languages", "aliases", "descriptions", "type_votes", "former_ids"})


def episode_node_id(episode_id: str) -> str:
    """The graph node id of an episode record id.

    >>> episode_node_id("abc")
    'episode:abc'
    """
    return f"episode:{episode_id}"


def mention_key(ordinal: int) -> str:
    """The edge key of a mention: ``m`` + its ordinal in the episode."""
    return f"m{ordinal}"


def ordinal_of_key(key: str) -> int:
    """The ordinal a mention edge key holds (the inverse of :func:`mention_key`)."""
    return int(key[1:])


def plain(value: object) -> object:
    """``value`` with JSON types only, the same on every run.

    Records read from a page dump may hold Python values (tuples, sets, non-text keys):
    keys become text, sets sorted lists, dates ISO text, anything else its ``str``.

    >>> plain({2: {"b", "a"}, "d": date(2026, 1, 2), "t": (1, float("nan"))})
    {'2': ['a', 'b'], 'd': '2026-01-02', 't': [1, 'nan']}
    """
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, dict):
        items = {str(k): plain(v) for k, v in value.items()}
        return dict(sorted(items.items()))
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, (set, frozenset)):
        values = [plain(v) for v in value]
        return sorted(values, key=lambda v: json.dumps(v, ensure_ascii=False, sort_keys=True))
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return str(value)


_CHAPTER_FIELDS = ("title", "start", "summary", "quotes", "end", "url", "img")


def _chapter_dict(chapter: Chapter) -> dict[str, Any]:
    # What Chapter.model_dump() gives (end, url and img only when set), five times faster.
    record = {"title": chapter.title, "start": chapter.start, "summary": chapter.summary,
              "quotes": list(chapter.quotes)}
    if chapter.end is not None:
        record["end"] = chapter.end
    if chapter.url != "":
        record["url"] = chapter.url
    if chapter.img != "":
        record["img"] = chapter.img
    return record


def _chapter_dump(chapter: Chapter) -> dict[str, Any]:
    return chapter.model_dump()


# A chapter with fields this module does not know is dumped by pydantic, as before.
_chapter_record = _chapter_dict if tuple(Chapter.model_fields) == _CHAPTER_FIELDS else _chapter_dump


def episode_record(ep: Episode) -> dict[str, Any]:
    """The node record of an episode (its attributes in graph.json)."""
    return {
        "label": EPISODE,
        "id": episode_node_id(ep.id),
        "record_id": ep.id,
        "title": ep.title,
        "show": ep.show,
        "published": ep.published.isoformat() if ep.published else None,
        "age_days": ep.age_days,
        "duration_seconds": ep.duration_seconds,
        "languages": list(ep.languages),
        "url": ep.url,
        "summary": ep.summary,
        "chapters": list(map(_chapter_record, ep.chapters)),
        "source": str(ep.source) if ep.source else "",
        # The record's unknown keys, so that a graph can be rebuilt without losing them.
        "extra": plain(ep.extra) if ep.extra else {},
        # Show details, media, transcript: only those with a value (see feed_props).
        **episode_feed_attrs(ep),
    }


def episode_records(episodes: Iterable[Episode]) -> tuple[list[dict[str, Any]], bool]:
    """The :func:`episode_record` of each episode, and whether orjson writes them all as json
    does (:func:`castgraph.graph.json_bytes.written_alike`).

    Only the values that may be floats or anything else are checked, each record as it is
    made: chapter and transcript times and the unknown keys (the other values are text,
    whole numbers, lists of text and None, as the model's types say).

    >>> chapters = [Chapter(title="a", start=1.5)]
    >>> episode_records([Episode(id="e", title="T", chapters=chapters)])[1]
    True
    >>> episode_records([Episode(id="e", title="T", extra={"x": 1e-9})])[1]
    False
    """
    records, times, rest = [], [], []
    for ep in episodes:
        record = episode_record(ep)
        records.append(record)
        for chapter in record["chapters"]:
            times.append(chapter["start"])
            if "end" in chapter:
                times.append(chapter["end"])
        if record["extra"]:
            rest.append(record["extra"])
        if "transcript" in record:
            rest.append(record["transcript"])
    return records, written_alike([times, rest])


def entity_record(entity: Entity, episode_count: int, mention_count: int | None = None) -> dict[str, Any]:
    """The node record of an entity that appears in ``episode_count`` episodes, with
    ``mention_count`` mentions (default: its ``mention_ids``; the build counts those the linker
    added too, see :mod:`castgraph.graph.added`)."""
    return {
        "label": ENTITY,
        "id": entity.id,
        "name": entity.name,
        "type": entity.type.value,
        "aliases": list(entity.aliases),
        "description": entity.descriptions[0] if entity.descriptions else "",
        "descriptions": list(entity.descriptions),
        "type_votes": [f"{k}={v}" for k, v in sorted(entity.type_votes.items())],
        "mention_count": len(entity.mention_ids) if mention_count is None else mention_count,
        "episode_count": episode_count,
        "former_ids": sorted(entity.former_ids),
    }


def topic_record(topic: Topic) -> dict[str, Any]:
    """The node record of a topic."""
    return {"label": TOPIC, "id": topic.id, "name": topic.name}


# The Mention fields the graph's edges take, read from each mention in one pass.
MENTION_TABLE_FIELDS: tuple[str, ...] = (
    "surface", "type_label", "description", "ordinal", "role", "group", "href", "img", "origin",
    "field", "span", "chapter", "timestamp", "occurrences", "pattern",
)
_CHUNK = 1 << 16


def mention_table(mentions: list[Mention]) -> dict[str, list[Any]]:
    """The :data:`MENTION_TABLE_FIELDS` of ``mentions`` as lists, one per field.

    Mentions share a few fields sets (:mod:`castgraph.graph.model`), and a field outside a
    mention's set holds its default: a field is read only from the mentions whose set has
    it, the fields all sets have each in one pass (in C); the rest of a column is the default.

    >>> table = mention_table([Mention(surface="a", ordinal=3), Mention(surface="b", role="guest")])
    >>> table["ordinal"], table["role"], table["origin"]
    ([3, 0], ['', 'guest'], [<MentionOrigin.LISTED: 'listed'>, <MentionOrigin.LISTED: 'listed'>])
    """
    groups = _fields_sets(mentions)
    if groups is None:
        return _table_of_each(mentions)
    dicts = list(map(vars, mentions))
    shared = [name for name in MENTION_TABLE_FIELDS if all(name in names for names, _ in groups)]
    table = dict(zip(shared, _read(dicts, shared), strict=True))
    for name in MENTION_TABLE_FIELDS:
        if name in table:
            continue
        column = [Mention.model_fields[name].default] * len(dicts)
        rows = [at for names, at in groups if name in names]
        if rows:
            where = np.sort(np.concatenate(rows)).tolist() if len(rows) > 1 else rows[0].tolist()
            for row, value in zip(where, map(itemgetter(name), map(dicts.__getitem__, where)), strict=True):
                column[row] = value
        table[name] = column
    return {name: table[name] for name in MENTION_TABLE_FIELDS}


_fields_set_of = attrgetter("__pydantic_fields_set__")
# More distinct fields sets than this (mentions made one by one outside castgraph): read each mention.
_MAX_FIELDS_SETS = 64
# Fields a mention may leave unset (its value then the field's default).
_OPTIONAL = frozenset(name for name in MENTION_TABLE_FIELDS if not Mention.model_fields[name].is_required())


def _fields_sets(mentions: list[Mention]) -> list[tuple[frozenset[str], np.ndarray]] | None:
    """The distinct fields sets of ``mentions`` (required fields counted in), each with the rows
    of its mentions; ``None`` unless the mentions are all :class:`Mention` and share a few sets."""
    if not mentions or set(map(type, mentions)) != {Mention}:
        return None
    sets = list(map(_fields_set_of, mentions))
    required = frozenset(MENTION_TABLE_FIELDS) - _OPTIONAL
    if sets.count(sets[0]) == len(sets):  # one set (or equal ones), as from one loader: in C
        return [(frozenset(sets[0]) | required, np.arange(len(sets)))]
    ids = list(map(id, sets))
    by_id = dict(zip(ids, sets, strict=True))
    if len(by_id) > _MAX_FIELDS_SETS:
        return None
    code_of = {key: code for code, key in enumerate(by_id)}
    codes = np.fromiter(map(code_of.__getitem__, ids), dtype=np.int32, count=len(ids))
    return [(frozenset(names) | required, np.flatnonzero(codes == code))
            for code, names in enumerate(by_id.values())]


def _read(dicts: list[dict[str, Any]], names: list[str]) -> list[list[Any]]:
    """The values of ``names`` in each of ``dicts``, a list per name: one pass in C per name
    (twice as fast at a million dicts as one pass making a tuple per dict, then transposed)."""
    return [list(map(itemgetter(name), dicts)) for name in names]


def _table_of_each(mentions: list[Mention]) -> dict[str, list[Any]]:
    """:func:`mention_table` reading every field of every mention."""
    by_name, by_key = attrgetter(*MENTION_TABLE_FIELDS), itemgetter(*MENTION_TABLE_FIELDS)
    in_dict = _fields_in_dict(mentions)
    table: dict[str, list[Any]] = {name: [] for name in MENTION_TABLE_FIELDS}
    columns = list(table.values())
    for start in range(0, len(mentions), _CHUNK):
        chunk = mentions[start:start + _CHUNK]
        rows = map(by_key, map(vars, chunk)) if in_dict else map(by_name, chunk)
        for column, part in zip(columns, zip(*rows, strict=True), strict=True):
            column.extend(part)
    return table


def _fields_in_dict(mentions: list[Mention]) -> bool:
    """Whether the mentions are all of one pydantic model with the table's fields, which keeps
    field values in the instance dict: read there, a quarter faster than by attribute."""
    kinds = set(map(type, mentions))
    if len(kinds) != 1:
        return False
    kind = kinds.pop()
    return issubclass(kind, BaseModel) and set(MENTION_TABLE_FIELDS) <= set(kind.model_fields)


class KeyedColumn(NamedTuple):
    """A column given as a key per row into a small ``table`` of values (row i: ``table[keys[i]]``)."""

    keys: list[int]
    table: list[Any]


def mention_columns(mentions: list[Mention], merges: list[MergeRecord], merge_rows: list[int],
                    table: dict[str, list[Any]] | None = None, *, places: bool = True
                    ) -> tuple[dict[str, list[Any] | KeyedColumn], dict[str, tuple[list[int], list[Any]]]]:
    """The edge attributes of ``mentions`` as columns: one per :data:`MENTION_FIELDS` name
    (``type`` and the key apart; ``rule`` and ``score`` as :class:`KeyedColumn`), then, as
    ``(rows, values)``, the feed and place properties only some mentions have
    (:func:`castgraph.graph.feed_props.mention_attrs`, :func:`castgraph.graph.link_props.mention_place`),
    sorted by name. ``merges[merge_rows[i]]`` says why mention ``i``'s surface is on its entity
    (``merge_rows[i] == len(merges)``: it is the canonical name); ``table`` is their
    :func:`mention_table`, when made already; ``places=False`` leaves out the place properties
    (made from arrays by :func:`castgraph.graph.places.place_codes` instead).

    Column by column, each a pass in C: no dict per mention.

    >>> mentions = [Mention(surface="a"), Mention(surface="b", role="guest")]
    >>> dense, sparse = mention_columns(mentions, [], [0, 0])
    >>> dense["surface"], dense["rule"], sparse
    (['a', 'b'], KeyedColumn(keys=[0, 0], table=['canonical']), {'role': ([1], ['guest'])})
    """
    if table is None:
        table = mention_table(mentions)
    origins = table["origin"]
    rules = [*(mg.rule for mg in merges), "canonical"]
    rule_keys = list(merge_rows)
    found = rows_where(list(map(MentionOrigin.LISTED.__ne__, origins)))
    extra: dict[str, int] = {}
    if found:
        # How the linker found it, for some: a rule of its own. Decided once per distinct
        # (origin, rule), in order of first appearance (the extra rules' numbers).
        pairs = list(zip(map(origins.__getitem__, found), map(rule_keys.__getitem__, found), strict=True))
        key_of: dict[tuple[MentionOrigin, int], int] = {}
        for origin, key in dict.fromkeys(pairs):
            rule = origin_rule(origin, rules[key])
            own = key if rule == rules[key] else extra.setdefault(rule, len(rules) + len(extra))
            key_of[origin, key] = own
        deque(map(rule_keys.__setitem__, found, map(key_of.__getitem__, pairs)), maxlen=0)
    dense: dict[str, list[Any] | KeyedColumn] = {
        "surface": table["surface"],
        "source_type": table["type_label"],
        "description": table["description"],
        "ordinal": table["ordinal"],
        "rule": KeyedColumn(rule_keys, [*rules, *extra]),
        "score": KeyedColumn(merge_rows, [*(mg.score for mg in merges), 1.0]),
    }
    sparse: dict[str, tuple[list[int], list[Any]]] = {}

    def add(name: str, rows: list[int], values: list[Any],
            convert: Callable[[Any], Any] | None = None) -> None:
        if rows:
            picked = list(map(values.__getitem__, rows))
            sparse[name] = (rows, list(map(convert, picked)) if convert is not None else picked)

    for name in ("role", "group", "href", "img"):
        add(name, rows_where(table[name]), table[name])
    add("origin", found, origins, attrgetter("value"))
    # Where the linker placed a mention (mention_place): only with a field, and only set values.
    fields = table["field"] if places else []
    placed = rows_where(fields)
    if placed:
        add("field", placed, fields)
        at = np.asarray(placed, dtype=np.int64)
        for name in ("span", "chapter", "timestamp", "occurrences"):
            picked = list(map(table[name].__getitem__, placed))
            set_ = np.fromiter(map(is_not, picked, repeat(None)), dtype=bool, count=len(picked))
            add(name, at[set_].tolist(), table[name], list if name == "span" else None)
    add("pattern", rows_where(table["pattern"]), table["pattern"])
    return dense, dict(sorted(sparse.items()))


def rows_where(flags: list[Any]) -> list[int]:
    """Positions of the true items of ``flags``.

    >>> rows_where(["", "title", None, "summary"])
    [1, 3]
    """
    if not any(flags):  # most sparse columns are empty in most graphs: one quick scan
        return []
    return np.flatnonzero(np.fromiter(map(bool, flags), dtype=bool, count=len(flags))).tolist()


def episode_counts(entities: Iterable[Entity]) -> dict[str, int]:
    """Entity id -> number of distinct episodes among its mention ids."""
    return {e.id: len({mid.rsplit("#", 1)[0] for mid in e.mention_ids}) for e in entities}


def check_record(label: str, record: Mapping[str, Any]) -> None:
    """Raise ``ValueError`` when ``record`` lacks a field of its label (a reader's sanity check)."""
    missing = [f for f in NODE_FIELDS[label] if f not in record]
    if missing:
        raise ValueError(f"{label} {record.get('id')!r} has no {', '.join(missing)}")
