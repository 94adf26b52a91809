"""The columnar build's fast paths give exactly what their plain definitions give."""

from __future__ import annotations

import json
import random
from typing import Any

import numpy as np
import pytest

from castgraph.graph.feed_props import mention_attrs
from castgraph.graph.link_props import mention_place
from castgraph.graph.model import (
    Chapter,
    Entity,
    EntityType,
    Episode,
    Mention,
    MentionOrigin,
    MergeRecord,
    Resolution,
)
from castgraph.graph.schema import ABSENT, KeyedColumn, episode_record, mention_columns
from castgraph.graph.tables import Coded, GraphTables, _merge_rows, lex_order, sorted_distinct
from castgraph.queries.index import GraphIndex


def _json_coded(items: list[Any]) -> tuple[list[Any], list[int]]:
    """Distinct values as JSON tells them apart (type included), in order of first appearance."""
    index: dict[tuple[str, str], int] = {}
    values: list[Any] = []
    codes = []
    for item in items:
        if item is ABSENT:
            codes.append(-1)
            continue
        key = (type(item).__name__, json.dumps(item, sort_keys=True))
        if key not in index:
            index[key] = len(values)
            values.append(item)
        codes.append(index[key])
    return values, codes


POOL: list[Any] = ["a", "b", "", 1, 0, 2**40, 1.0, 0.0, -0.0, 1.5, True, False, None, ABSENT,
                   [1, 2], [1.0, 2], [True, 2], [1, "2"], ["1", 2], [], [None], (1, 2), {"a": 1},
                   {"a": 1.0}]


@pytest.mark.parametrize("seed", range(40))
def test_coding_tells_values_apart_as_json_does(seed: int) -> None:
    rng = random.Random(seed)
    pool = POOL[:rng.randint(1, len(POOL))]
    items = [rng.choice(pool) for _ in range(rng.randint(0, 60))]
    coded = Coded.of(items)
    values, codes = _json_coded(items)
    assert coded.codes.tolist() == codes
    assert [(type(v), json.dumps(v)) for v in coded.values] == [(type(v), json.dumps(v)) for v in values]


def test_coding_keeps_1_1_0_and_true_apart_in_one_column() -> None:
    coded = Coded.of([1, 1.0, True, ABSENT, 1, [1], [1.0], [True], [1]])
    assert coded.codes.tolist() == [0, 1, 2, -1, 0, 3, 4, 5, 3]
    assert [type(v) for v in coded.values] == [int, float, bool, list, list, list]


@pytest.mark.parametrize("seed", range(20))
def test_keyed_columns_code_as_their_values_would(seed: int) -> None:
    rng = random.Random(seed)
    table = ["x", 1, 1.0, "x", ABSENT, [1], True, "y", "z"][:rng.randint(1, 9)]
    # Keys that leave some values unused, repeat others, start anywhere (or are none).
    keys = [rng.randrange(len(table)) for _ in range(rng.choice([0, 1, 5, 300]))]
    keyed = Coded.of_keys(keys, table)
    plain = Coded.of([table[k] for k in keys])
    assert keyed.values == plain.values and keyed.codes.tolist() == plain.codes.tolist()
    assert [type(v) for v in keyed.values] == [type(v) for v in plain.values]


@pytest.mark.parametrize("seed", range(40))
def test_merged_columns_code_as_the_merged_list_would(seed: int) -> None:
    rng = random.Random(seed)
    pool = POOL[:rng.randint(1, len(POOL))]
    size = rng.randint(0, 80)
    # Rows dealt to up to three parts (some rows to none: absent), each part coded on its own.
    owner = [rng.randrange(4) for _ in range(size)]
    merged: list[Any] = [ABSENT] * size
    parts = []
    for part in range(3):
        rows = [r for r in range(size) if owner[r] == part]
        items = [rng.choice(pool) for _ in rows]
        for r, item in zip(rows, items, strict=True):
            merged[r] = item
        parts.append((np.array(rows, dtype=np.int64), Coded.of(items)))
    rng.shuffle(parts)  # the parts' order does not matter, only the rows'
    coded = Coded.merged(size, parts)
    values, codes = _json_coded(merged)
    assert coded.codes.tolist() == codes
    assert [(type(v), json.dumps(v)) for v in coded.values] == [(type(v), json.dumps(v)) for v in values]


def test_sparse_columns_are_absent_outside_their_rows() -> None:
    coded = Coded.of_rows(5, [0, 3, 4], [[1, 2], [3, 4], [1, 2]])
    assert coded.values == [[1, 2], [3, 4]] and coded.codes.tolist() == [0, -1, -1, 1, 0]
    assert coded.take() == [[1, 2], ABSENT, ABSENT, [3, 4], [1, 2]]


def _mentions(count: int, seed: int) -> list[Mention]:
    rng = random.Random(seed)
    mentions = []
    for i in range(count):
        fields: dict[str, Any] = {"surface": rng.choice(["Ann", "Bob", "GPT-4", "Ann"]), "ordinal": i,
                                  "description": rng.choice(["", "host"]),
                                  "type_label": rng.choice(["", "Person"])}
        if rng.random() < 0.3:
            fields["role"] = rng.choice(["guest", "host"])
            fields["href"] = rng.choice(["", "https://example.org/ann"])
        if rng.random() < 0.5:
            fields["origin"] = rng.choice(list(MentionOrigin))
        if rng.random() < 0.4:
            fields["field"] = rng.choice(["summary", "title", "chapter_title"])
            fields["span"] = rng.choice([None, (0, 3), (4, 9)])
            fields["chapter"] = rng.choice([None, 0, 2])
            fields["timestamp"] = rng.choice([None, 0.0, 12.5])
            fields["occurrences"] = rng.randint(0, 3)
        if rng.random() < 0.1:
            fields["pattern"] = "guest_with"
        mentions.append(Mention(**fields))
    return mentions


@pytest.mark.parametrize("seed", range(5))
def test_mention_columns_are_the_per_mention_properties(seed: int) -> None:
    mentions = _mentions(200, seed)
    merges = [MergeRecord(entity_id="entity:1", surface="Ann", rule="fuzzy", score=0.93)]
    merge_rows = [0 if m.surface == "Ann" else 1 for m in mentions]
    dense, sparse = mention_columns(mentions, merges, merge_rows)
    assert dense["surface"] == [m.surface for m in mentions]
    score, rule = dense["score"], dense["rule"]
    assert isinstance(score, KeyedColumn) and isinstance(rule, KeyedColumn)
    assert [score.table[k] for k in score.keys] == [0.93 if m.surface == "Ann" else 1.0 for m in mentions]
    found = (MentionOrigin.TEXT_LINK, MentionOrigin.HASHTAG)
    assert [rule.table[k] for k in rule.keys] == [m.origin.value if m.origin in found else "fuzzy"
                                                  if m.surface == "Ann" else "canonical" for m in mentions]
    expected = [{**mention_attrs(m), **mention_place(m)} for m in mentions]
    names = sorted({k for attrs in expected for k in attrs})
    assert list(sparse) == names
    for name in names:
        rows, values = sparse[name]
        assert rows == [i for i, attrs in enumerate(expected) if name in attrs]
        assert values == [expected[i][name] for i in rows]
        assert [type(v) for v in values] == [type(expected[i][name]) for i in rows]


def test_chapter_records_are_what_pydantic_dumps() -> None:
    chapters = [Chapter(title="Intro"), Chapter(title="Main", start=3.0, summary="s", quotes=["q"]),
                Chapter(title="End", start=9.5, end=12.0, url="https://example.org/c", img="i.png"),
                Chapter(title="Zero", start=0.0, end=0.0)]
    record = episode_record(Episode(id="e", title="T", chapters=chapters))
    assert record["chapters"] == [c.model_dump() for c in chapters]
    assert [list(r) for r in record["chapters"]] == [list(c.model_dump()) for c in chapters]


@pytest.mark.parametrize("seed", range(5))
def test_each_mention_finds_the_merge_of_its_surface_onto_its_entity(seed: int) -> None:
    rng = random.Random(seed)
    ents = [f"entity:{n}" for n in range(rng.randint(1, 12))]
    surfaces = [f"s{n}" for n in range(rng.randint(1, 15))]
    merges = [MergeRecord(entity_id=rng.choice([*ents, "entity:gone"]),
                          surface=rng.choice([*surfaces, "never"]), rule="fuzzy")
              for _ in range(rng.randint(1, 40))]  # repeats included
    m_ent = np.asarray([rng.randrange(len(ents)) for _ in range(300)], dtype=np.int32)
    surface = Coded.of([rng.choice(surfaces) for _ in range(300)])
    # The plain rule: the last merge of a (entity, surface) pair, else len(merges).
    last = {(m.entity_id, m.surface): n for n, m in enumerate(merges)}
    want = [last.get((ents[e], surface.values[c]), len(merges))
            for e, c in zip(m_ent.tolist(), surface.codes.tolist(), strict=True)]
    assert _merge_rows(merges, {e: n for n, e in enumerate(ents)}, m_ent, surface) == want


def test_lex_order_and_sorted_distinct_are_numpys() -> None:
    rng = np.random.default_rng(7)
    a, b = rng.integers(0, 50, 5000), rng.integers(-3, 9, 5000)
    assert lex_order(a, b).tolist() == np.lexsort((a, b)).tolist()
    # Ranges too wide for one int64 key fall back to lexsort.
    wide = rng.integers(-2**40, 2**40, 5000)
    assert lex_order(wide, wide[::-1].copy(), a).tolist() == np.lexsort((wide, wide[::-1], a)).tolist()
    assert sorted_distinct(a).tolist() == np.unique(a).tolist()
    assert lex_order(np.zeros(0, dtype=np.int64)).tolist() == []


def test_index_surfaces_and_places_are_each_mentions_own() -> None:
    episodes = []
    for e in range(6):
        mentions = _mentions(30, e)
        for i, m in enumerate(mentions):
            m.surface = ["Ann", "Ann Lee", "Bob", "GPT-4"][(i * 7 + e) % 4]
        episodes.append(Episode(id=f"e{e}", title=f"T{e}", mentions=mentions))
    entity_of = {"Ann": "entity:a", "Ann Lee": "entity:a", "Bob": "entity:b", "GPT-4": "entity:g"}
    assignments = {f"{ep.id}#{m.ordinal}": entity_of[m.surface] for ep in episodes for m in ep.mentions}
    entities = [Entity(id=i, name=i, type=EntityType.PERSON) for i in sorted(set(entity_of.values()))]
    tables = GraphTables.from_build(episodes, Resolution(entities=entities, assignments=assignments))
    index = GraphIndex.from_tables(tables)
    for e, ep in enumerate(episodes):
        for ent in index.episode_entities(e):
            ent_id = index.ent_ids[ent]
            mine = [m for m in ep.mentions if entity_of[m.surface] == ent_id]
            assert index.surfaces(e, ent) == list(dict.fromkeys(m.surface for m in mine))
            places = [[m.origin.value, m.field,
                       m.chapter if m.field else None,
                       m.timestamp if m.field else None] for m in mine]
            assert index.places(e, ent) == places


def _mixed_mentions(seed: int) -> list[Mention]:
    """Mentions made every way castgraph and its users make them, in random order."""
    rng = random.Random(seed)
    made: list[Mention] = []
    for i in range(300):
        # Mentions made by model_construct or copied have a fields set each: a few of them.
        kind = rng.randrange(6) if i % 30 == 0 else rng.choice([0, 1, 2, 4])
        if kind == 0:
            mention = Mention.listed(f"n{i % 7}", "Person", "d", "e", i)
        elif kind == 1:
            mention = Mention.from_checked({"surface": "s", "role": "guest", "href": f"h{i % 3}",
                                            "ordinal": i})
        elif kind == 2:
            mention = Mention(surface="t", origin=MentionOrigin.TEXT_LINK, field="summary", span=(1, 4),
                              chapter=i % 3 or None, timestamp=float(i), occurrences=2, ordinal=i)
        elif kind == 3:
            mention = Mention.model_construct(surface="m", type_label="Product", img="i.png", ordinal=i)
        elif kind == 4:
            mention = Mention.listed("x", "", "", "e", i)
            mention.set_fields({"field": "title", "span": (0, 1), "pattern": "guest"})
        else:
            mention = Mention.listed("y", "Org", "", "e", i).model_copy(update={"group": "cast"})
        made.append(mention)
    return made


@pytest.mark.parametrize("seed", range(4))
def test_the_mention_table_reads_what_each_mention_holds(seed: int) -> None:
    from castgraph.graph.schema import MENTION_TABLE_FIELDS, _table_of_each, mention_table

    mentions = _mixed_mentions(seed)
    expected = {name: [getattr(m, name) for m in mentions] for name in MENTION_TABLE_FIELDS}
    assert mention_table(mentions) == _table_of_each(mentions) == expected
    assert len({id(m.model_fields_set) for m in mentions}) < 20  # read by fields set, not one by one
    # Many distinct fields sets (copies each have their own): every mention read in full.
    copies = [m.model_copy() for m in mentions]
    assert mention_table(copies) == expected
    assert mention_table([]) == {name: [] for name in MENTION_TABLE_FIELDS}
    # One fields set for all (as one loader makes them), shared or equal: read as one group.
    listed = [m for m in mentions if m.model_fields_set == {"surface", "type_label", "description",
                                                             "episode_id", "ordinal"}]
    for same in (listed, [m.model_copy() for m in listed]):
        assert mention_table(same) == {n: [getattr(m, n) for m in same] for n in MENTION_TABLE_FIELDS}
