"""The shared data model: compact instances behave as pydantic's own."""

from __future__ import annotations

import copy
import pickle
from datetime import date

import pytest

from castgraph.graph.model import MENTIONS_NUMBERED, Chapter, Episode, Mention, Source

FIELDS = {"surface": "swyx", "type_label": "Person", "episode_id": "e1", "ordinal": 2}


def test_a_mention_from_checked_fields_is_the_validated_one() -> None:
    made, validated = Mention.from_checked(FIELDS), Mention.model_validate(FIELDS)
    assert made == validated and repr(made) == repr(validated)
    assert made.model_dump() == validated.model_dump()
    assert made.model_dump_json(exclude_unset=True) == validated.model_dump_json(exclude_unset=True)
    assert made.model_fields_set == validated.model_fields_set == set(FIELDS)
    assert Mention.listed("swyx", "Person", "", "e1", 2) == validated
    with pytest.raises(ValueError, match="not fields of a mention"):
        Mention.from_checked({"surface": "x", "nickname": "y"})
    with pytest.raises(ValueError, match="no surface"):
        Mention.from_checked({"type_label": "Person"})


def test_mentions_share_a_fields_set_until_one_sets_another_field() -> None:
    a, b = Mention(surface="a", type_label="Person"), Mention(surface="b", type_label="Person")
    assert a.model_fields_set is b.model_fields_set
    a.span = (1, 3)
    assert a.model_fields_set == {"surface", "type_label", "span"}
    assert b.model_fields_set == {"surface", "type_label"}
    assert a.model_dump(exclude_unset=True) == {"surface": "a", "type_label": "Person", "span": (1, 3)}
    assert b.model_dump(exclude_unset=True) == {"surface": "b", "type_label": "Person"}
    c = Mention(surface="c", type_label="Person", span=(0, 1))
    assert a.model_fields_set is c.model_fields_set
    # A failed assignment changes nothing.
    with pytest.raises(ValueError):
        b.nickname = "x"
    assert b.model_fields_set == {"surface", "type_label"}
    # The shared set itself refuses to change rather than change every mention at once.
    with pytest.raises(TypeError):
        b.model_fields_set.add("img")
    with pytest.raises(TypeError):
        b.model_fields_set.discard("surface")
    assert b.model_fields_set == {"surface", "type_label"}


@pytest.mark.parametrize("clone", [
    copy.copy, copy.deepcopy, lambda m: pickle.loads(pickle.dumps(m)), lambda m: m.model_copy(),
])
def test_copies_of_a_compact_mention_are_independent(clone: object) -> None:
    mention = Mention.from_checked(FIELDS)
    twin = clone(mention)  # type: ignore[operator]
    assert twin == mention and twin.model_fields_set == mention.model_fields_set
    twin.role = "guest"
    assert mention.role == "" and "role" not in mention.model_fields_set
    updated = mention.model_copy(update={"chapter": 3})
    assert updated.chapter == 3 and "chapter" in updated.model_fields_set
    assert "chapter" not in mention.model_fields_set


def test_episodes_and_sources_are_compact_and_unchanged() -> None:
    ep = Episode.model_validate({
        "id": "e", "title": "T", "tags": ["#AI"], "source": Source(file="f.jsonl", line=3),
        "mentions": [{"surface": "a"}, Mention(surface="b")],
    })
    assert [m.id for m in ep.mentions] == ["e#0", "e#1"]
    assert ep.model_fields_set == {"id", "title", "tags", "mentions", "source"}
    assert Episode.model_validate(ep.model_dump()) == ep
    ep.summary = "more"
    assert "summary" in ep.model_fields_set
    assert "summary" not in Episode(id="f", title="T", tags=[], mentions=[], source=None).model_fields_set
    source = Source(file="f.jsonl", line=3)
    assert source == ep.source and hash(source) == hash(Source.model_construct(file="f.jsonl", line=3))
    assert {source: 1}[Source(file="f.jsonl", line=3)] == 1
    with pytest.raises(ValueError):
        source.line = 4
    assert source.line == 3 and source.model_fields_set == {"file", "line"}


def test_episodes_chapters_and_sources_from_checked_fields_are_the_validated_ones() -> None:
    chapter_fields = {"title": "Intro", "start": 0.0, "summary": "", "quotes": ["q"]}
    chapter = Chapter.from_checked(chapter_fields)
    assert chapter == Chapter.model_validate(chapter_fields)
    assert chapter.model_dump() == Chapter.model_validate(chapter_fields).model_dump()
    assert chapter.model_fields_set == set(chapter_fields)
    fields = {"id": "e1", "title": "T", "published": date(2026, 1, 2), "tags": ["#AI", "ai", "Ops"],
              "chapters": [chapter], "mentions": [Mention.listed("swyx", "Person", "", "e1", 0)],
              "source": Source.from_checked({"file": "f.jsonl", "line": 3}), "extra": {"k": [1]}}
    made, validated = Episode.from_checked(fields), Episode.model_validate(fields, context=MENTIONS_NUMBERED)
    assert made == validated and repr(made) == repr(validated) and made.tags == ["ai", "ops"]
    assert made.model_dump_json() == validated.model_dump_json()
    assert made.model_fields_set == validated.model_fields_set == set(fields)
    assert made.source == Source(file="f.jsonl", line=3) and made.source.model_fields_set == {"file", "line"}
    # Defaults made by a factory are each episode's own.
    other = Episode.from_checked({"id": "e2", "title": "U"})
    other.links.append("https://example.org")
    assert Episode.from_checked({"id": "e3", "title": "V"}).links == [] and made.links == []
    made.summary = "more"
    assert "summary" in made.model_fields_set and "summary" not in validated.model_fields_set
    with pytest.raises(ValueError, match="not fields of episode"):
        Episode.from_checked({"id": "e", "title": "T", "nickname": "x"})
    with pytest.raises(ValueError, match="no title"):
        Episode.from_checked({"id": "e"})
