"""The data model every stage of castgraph shares.

Loaders produce :class:`Episode` objects (each carrying its :class:`Mention` s);
resolution turns mentions into canonical :class:`Entity` objects and returns a
:class:`Resolution`; the graph builder and every store, query and view consume
these same models.

Examples
--------
>>> ep = Episode(id="ep1", title="Hello", mentions=[Mention(surface="swyx", type_label="Person")])
>>> ep.mentions[0].episode_id
'ep1'
>>> EntityType.from_label("人物")
<EntityType.PERSON: 'Person'>
"""

from __future__ import annotations

import hashlib
import unicodedata
from datetime import date
from enum import StrEnum
from typing import Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SerializerFunctionWrapHandler,
    ValidationInfo,
    model_serializer,
    model_validator,
)

from castgraph.graph.instances import (
    CheckedMaker,
    compact,
    setattr_sharing,
    values_template,
)
from castgraph.graph.mention import Mention, MentionOrigin

__all__ = [
    "MENTIONS_NUMBERED",
    "Chapter",
    "Enclosure",
    "Entity",
    "EntityType",
    "Episode",
    "LoadWarning",
    "Mention",
    "MentionOrigin",
    "MergeRecord",
    "Resolution",
    "ReviewPair",
    "Show",
    "Source",
    "Topic",
    "TranscriptCue",
    "stable_id",
    "topic_name",
]


def stable_id(*parts: str, length: int = 16) -> str:
    """Return a short deterministic hex id for ``parts``.

    >>> stable_id("Latent Space", "Episode 1")
    '8c6740e3ff9d58ba'
    """
    digest = hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()
    return digest[:length]


def topic_name(tag: str) -> str:
    """Normalize a hashtag or tag into a topic name.

    >>> topic_name("#AI Agents")
    'ai-agents'
    >>> topic_name("ＧＰＴ－５")
    'gpt-5'
    """
    text = unicodedata.normalize("NFKC", tag).strip().lstrip("#").strip().casefold()
    return "-".join(text.replace("_", " ").split())


class EntityType(StrEnum):
    """The canonical entity types of the graph."""

    PERSON = "Person"
    ORGANIZATION = "Organization"
    PRODUCT = "Product"
    CONCEPT = "Concept"
    EVENT = "Event"
    PLACE = "Place"
    OTHER = "Other"

    @classmethod
    def from_label(cls, label: str | None) -> EntityType:
        """Map a type label as written (English, Japanese, any case) to a type.

        >>> EntityType.from_label("software")
        <EntityType.PRODUCT: 'Product'>
        >>> EntityType.from_label("ソフトウェア/データベース")
        <EntityType.PRODUCT: 'Product'>
        >>> EntityType.from_label("whatever")
        <EntityType.OTHER: 'Other'>
        """
        return cls.known_label(label) or cls.OTHER

    @classmethod
    def known_label(cls, label: str | None) -> EntityType | None:
        """The type of a label castgraph knows (``Other`` and its synonyms included), else ``None``.

        >>> EntityType.known_label("ＯＴＨＥＲ"), EntityType.known_label("whatever")
        (<EntityType.OTHER: 'Other'>, None)
        """
        if not label:
            return None
        key = unicodedata.normalize("NFKC", label).strip().casefold()
        if key in _TYPE_LABELS:
            return _TYPE_LABELS[key]
        # "ソフトウェア/データベース", "software / library": the first known part wins.
        for part in key.replace("／", "/").split("/"):
            part = part.strip()
            if part in _TYPE_LABELS:
                return _TYPE_LABELS[part]
        return None


_TYPE_LABELS: dict[str, EntityType] = {}
for _type, _labels in {
    EntityType.PERSON: "person people human individual guest host 人物 人 人名 ゲスト",
    EntityType.ORGANIZATION: (
        "organization organisation org company companies startup lab institution "
        "university nonprofit fund team 組織 企業 会社 団体 機関 大学"
    ),
    EntityType.PRODUCT: (
        "product software technology tool model framework library service platform app "
        "application database dataset language hardware device api "
        "製品 ソフトウェア 技術 ツール モデル サービス データベース プロダクト"
    ),
    EntityType.CONCEPT: "concept idea method technique theory field topic 概念 手法 技法 理論 用語",
    EntityType.EVENT: "event conference meetup 出来事 イベント 会議",
    EntityType.PLACE: "place location city country region 場所 地名 国 都市",
    EntityType.OTHER: "other misc その他",
}.items():
    for _label in _labels.split():
        _TYPE_LABELS[_label] = _type


class Source(BaseModel):
    """Where a record came from: a file and a line or record number (1-based)."""

    model_config = ConfigDict(frozen=True)

    file: str
    line: int | None = None
    record: int | None = None

    @model_validator(mode="after")
    def _share_memory(self) -> Source:
        compact(self, _SOURCE_VALUES)  # frozen: nothing changes it afterwards
        return self

    @classmethod
    def from_checked(cls, fields: dict[str, Any]) -> Source:
        """A source made from ``fields`` that already have the model's types, without validating them
        (a loader makes one per line).

        >>> Source.from_checked({"file": "a.jsonl", "line": 3}) == Source(file="a.jsonl", line=3)
        True
        """
        source: Source = _make_source(fields)
        return source

    @classmethod
    def from_checked_columns(cls, columns: dict[str, list[Any]]) -> list[Source]:
        """:meth:`from_checked` of each row of ``columns`` (field name -> a value per row), made
        column by column in C.

        >>> made = Source.from_checked_columns({"file": ["a.jsonl"] * 2, "line": [1, 2]})
        >>> made[1] == Source(file="a.jsonl", line=2), sorted(made[1].model_fields_set)
        (True, ['file', 'line'])
        """
        sources: list[Source] = _make_source.many(columns)
        return sources

    def __str__(self) -> str:
        if self.line is not None:
            return f"{self.file}, line {self.line}"
        if self.record is not None:
            return f"{self.file}, record {self.record}"
        return self.file

    @classmethod
    def parse(cls, text: str) -> Source:
        """Parse the text :meth:`__str__` writes (the graph stores sources as text).

        >>> Source.parse(str(Source(file="a, b.jsonl", line=3)))
        Source(file='a, b.jsonl', line=3, record=None)
        >>> Source.parse("page.txt")
        Source(file='page.txt', line=None, record=None)
        """
        head, sep, tail = text.rpartition(", ")
        kind, _, number = tail.partition(" ")
        if sep and kind in ("line", "record") and number.isdigit():
            return cls(file=head, **{kind: int(number)})
        return cls(file=text)


class LoadWarning(BaseModel):
    """A problem found while reading input that did not stop the load."""

    source: Source
    message: str

    def __str__(self) -> str:
        return f"{self.source}: {self.message}"


class Chapter(BaseModel):
    """A chapter of an episode; ``start`` and ``end`` are in seconds from the beginning.

    ``url`` and ``img`` come from Podcasting 2.0 JSON chapters (a page and an image for the chapter).
    """

    title: str
    start: float | None = None
    summary: str = ""
    quotes: list[str] = Field(default_factory=list)
    end: float | None = None
    url: str = ""
    img: str = ""

    @model_validator(mode="after")
    def _share_memory(self) -> Chapter:
        compact(self, _CHAPTER_VALUES)
        return self

    @classmethod
    def from_checked(cls, fields: dict[str, Any]) -> Chapter:
        """A chapter made from ``fields`` that already have the model's types, without validating them.

        >>> fields = {"title": "Intro", "start": 0.0, "quotes": ["hi"]}
        >>> made = Chapter.from_checked(fields)
        >>> made == Chapter.model_validate(fields), made.model_fields_set == {"title", "start", "quotes"}
        (True, True)
        """
        chapter: Chapter = _make_chapter(fields)
        return chapter

    @classmethod
    def from_checked_columns(cls, columns: dict[str, list[Any]]) -> list[Chapter]:
        """:meth:`from_checked` of each row of ``columns`` (field name -> a value per row), made
        column by column in C.

        >>> made = Chapter.from_checked_columns({"title": ["Intro", "Q&A"], "start": [0.0, None]})
        >>> made == [Chapter.from_checked({"title": "Intro", "start": 0.0}), Chapter(title="Q&A")]
        True
        """
        chapters: list[Chapter] = _make_chapter.many(columns)
        return chapters

    def __setattr__(self, name: str, value: Any) -> None:
        setattr_sharing(self, name, value)

    @model_serializer(mode="wrap")
    def _dump(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        # end, url and img only when set: chapters without them serialize as before.
        data: dict[str, Any] = handler(self)
        for key, empty in (("end", None), ("url", ""), ("img", "")):
            if data.get(key, empty) == empty:
                data.pop(key, None)
        return data


_CHAPTER_VALUES = values_template(Chapter, defaults=False)
_make_chapter = CheckedMaker(Chapter, _CHAPTER_VALUES)


class TranscriptCue(BaseModel):
    """One cue of a transcript: who said what, and when (seconds from the beginning, when known)."""

    text: str
    start: float | None = None
    end: float | None = None
    speaker: str = ""


class Enclosure(BaseModel):
    """The media file of an episode, as the feed's ``<enclosure>`` gives it."""

    url: str
    type: str = ""
    length: int | None = None


class Show(BaseModel):
    """The show (podcast) an episode belongs to, as its feed's channel describes it.

    >>> Show(title="Tech Talks", categories=["Technology"]).categories
    ['Technology']
    """

    title: str = ""
    author: str = ""
    owner: str = ""
    image: str = ""
    categories: list[str] = Field(default_factory=list)
    url: str = ""
    feed_url: str = ""
    language: str = ""
    #: The show's ``podcast:guid``, when the feed has one.
    guid: str = ""


_SOURCE_VALUES = values_template(Source, defaults=False)
_make_source = CheckedMaker(Source, _SOURCE_VALUES)


#: The validation context of a loader whose mentions already have their episode's id and
#: their ordinal (``Episode.model_validate(fields, context=MENTIONS_NUMBERED)``).
MENTIONS_NUMBERED: dict[str, bool] = {"mentions_numbered": True}

# Tags repeat across episodes: each is normalized once (a bounded cache).
_TOPIC_NAMES: dict[str, str] = {}


def _topic_name(tag: str) -> str:
    name = _TOPIC_NAMES.get(tag)
    if name is None:
        if len(_TOPIC_NAMES) >= 4096:
            _TOPIC_NAMES.clear()
        name = _TOPIC_NAMES[tag] = topic_name(tag)
    return name


class Episode(BaseModel):
    """One episode: its metadata, chapters, topics and entity mentions.

    ``extra`` keeps every key of the input record that the loader did not map.
    Mentions get their ``episode_id`` and ``ordinal`` from the episode.
    """

    id: str
    title: str
    show: str = ""
    published: date | None = None
    age_days: int | None = None
    duration_seconds: int | None = None
    languages: list[str] = Field(default_factory=list)
    url: str = ""
    summary: str = ""
    chapters: list[Chapter] = Field(default_factory=list)
    tags: list[str] = Field(default_factory=list)
    mentions: list[Mention] = Field(default_factory=list)
    source: Source | None = None
    extra: dict[str, Any] = Field(default_factory=dict)
    #: The show as its feed describes it (``show`` keeps its title); None when the input has no channel.
    show_info: Show | None = None
    enclosure: Enclosure | None = None
    season: int | None = None
    episode_number: int | None = None
    transcript: list[TranscriptCue] = Field(default_factory=list)
    #: Links found in the episode's description (show notes), in order.
    links: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _own_mentions(self, info: ValidationInfo) -> Episode:
        if info.context is not MENTIONS_NUMBERED:
            for i, mention in enumerate(self.mentions):
                mention.episode_id = self.id
                mention.ordinal = i
        self.tags = list(dict.fromkeys(t for t in map(_topic_name, self.tags) if t))
        compact(self, _EPISODE_VALUES)
        return self

    @classmethod
    def from_checked(cls, fields: dict[str, Any]) -> Episode:
        """An episode made from ``fields`` that already have the model's types, without validating
        them: what ``Episode.model_validate(fields, context=MENTIONS_NUMBERED)`` gives, about
        three times faster. Chapters, mentions and the source are model instances; each mention has its
        episode's id and its ordinal already. Tags are normalized, as validation does.

        >>> fields = {"id": "e1", "title": "T", "tags": ["#AI", "ai"],
        ...           "mentions": [Mention.listed("swyx", "Person", "", "e1", 0)]}
        >>> made = Episode.from_checked(fields)
        >>> made == Episode.model_validate(fields, context=MENTIONS_NUMBERED), made.tags
        (True, ['ai'])
        """
        episode: Episode = _make_episode(fields)
        tags = episode.tags
        if tags:
            episode.__dict__["tags"] = list(dict.fromkeys(filter(None, map(_topic_name, tags))))
        return episode

    def __setattr__(self, name: str, value: Any) -> None:
        setattr_sharing(self, name, value)

    @staticmethod
    def make_id(show: str, title: str) -> str:
        """The id of an episode whose record has none: a hash of show and title."""
        norm = [" ".join(unicodedata.normalize("NFKC", s).casefold().split()) for s in (show, title)]
        return stable_id(*norm)


_EPISODE_VALUES = values_template(Episode, defaults=False)
_make_episode = CheckedMaker(Episode, _EPISODE_VALUES)


class Topic(BaseModel):
    """A topic: a normalized tag."""

    id: str
    name: str

    @classmethod
    def from_tag(cls, tag: str) -> Topic:
        name = topic_name(tag)
        return cls(id=f"topic:{name}", name=name)


class MergeRecord(BaseModel):
    """Why one surface form was merged into an entity."""

    entity_id: str
    surface: str
    rule: str
    score: float = 1.0
    matched: str = ""


class ReviewPair(BaseModel):
    """A borderline pair left apart, listed for a human to review."""

    left_id: str
    left_name: str
    right_id: str
    right_name: str
    score: float
    reason: str


class Entity(BaseModel):
    """A canonical entity: every mention resolved to it, under one id."""

    id: str
    name: str
    type: EntityType
    aliases: list[str] = Field(default_factory=list)
    descriptions: list[str] = Field(default_factory=list)
    type_votes: dict[str, int] = Field(default_factory=dict)
    mention_ids: list[str] = Field(default_factory=list)
    #: Ids of earlier entities this one absorbed (an incremental build joined them), sorted.
    former_ids: list[str] = Field(default_factory=list)


class Resolution(BaseModel):
    """The output of entity resolution.

    ``assignments`` maps every resolved :attr:`Mention.id` to an :attr:`Entity.id`.
    """

    entities: list[Entity] = Field(default_factory=list)
    assignments: dict[str, str] = Field(default_factory=dict)
    merges: list[MergeRecord] = Field(default_factory=list)
    review: list[ReviewPair] = Field(default_factory=list)
    #: Topics that name an entity (``topic:github`` -> the GitHub entity), found by the linker.
    topic_entities: dict[str, str] = Field(default_factory=dict)

    def entity(self, entity_id: str) -> Entity:
        """Return the entity with ``entity_id``."""
        for entity in self.entities:
            if entity.id == entity_id:
                return entity
        raise KeyError(entity_id)
