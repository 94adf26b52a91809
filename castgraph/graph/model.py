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
from collections.abc import Iterable, Sequence
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
    SharedNames,
    compact,
    make_many,
    new_instance,
    set_slot,
    setattr_sharing,
    shared_names,
    values_template,
)

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


class MentionOrigin(StrEnum):
    """How a mention was obtained, strongest evidence first.

    ``listed``: the record's own entity list; ``person_tag``: a feed's person tag;
    ``title_pattern``: a guest or product named by a title pattern; ``hashtag``: a tag
    naming a known entity; ``text_link``: a known name found in the episode's text.
    """

    LISTED = "listed"
    PERSON_TAG = "person_tag"
    TITLE_PATTERN = "title_pattern"
    HASHTAG = "hashtag"
    TEXT_LINK = "text_link"


class Mention(BaseModel):
    """One entity mention exactly as an episode wrote it, or as the linker found it.

    ``role`` and ``group`` are the Podcasting 2.0 role ("host", "guest", ...) and group
    ("cast", ...) in lower case; ``href`` is a page about the entity (two mentions with
    the same ``href`` are one entity); ``img`` its picture.

    Mentions found in text say where: ``field`` (``title``, ``summary``, ``chapter_title``,
    ``chapter_summary``, ``chapter_quote``, ``transcript``, ``tags``), ``span`` (character
    offsets in that field's text; for a chapter, in that chapter's title or summary; for a
    transcript, in that cue's text), ``chapter`` (its index) and ``timestamp`` (seconds: the
    chapter start or transcript cue). A listed mention gets the place where its text is
    first discussed. ``pattern`` names the title pattern and ``occurrences`` counts the
    linked name's places in the episode.

    >>> Mention(surface="Jane Doe", role="guest", origin="person_tag").origin
    <MentionOrigin.PERSON_TAG: 'person_tag'>
    """

    surface: str
    type_label: str = ""
    description: str = ""
    episode_id: str = ""
    ordinal: int = 0
    role: str = ""
    group: str = ""
    href: str = ""
    img: str = ""
    origin: MentionOrigin = MentionOrigin.LISTED
    field: str = ""
    span: tuple[int, int] | None = None
    chapter: int | None = None
    timestamp: float | None = None
    pattern: str = ""
    occurrences: int = 0

    @property
    def id(self) -> str:
        """The mention's id: its episode id and position in that episode."""
        return f"{self.episode_id}#{self.ordinal}"

    @model_validator(mode="after")
    def _share_memory(self) -> Mention:
        compact(self, _MENTION_VALUES)
        return self

    @classmethod
    def from_checked(cls, fields: dict[str, Any]) -> Mention:
        """A mention made from ``fields`` that already have the model's types, without validating them.

        Loaders make a million mentions for 100k episodes; this is several times faster
        than validating them. The mention equals the validated one, dumps the same and
        has the same :attr:`model_fields_set`.

        >>> fields = {"surface": "swyx", "type_label": "Person", "episode_id": "e1", "ordinal": 2}
        >>> Mention.from_checked(fields) == Mention.model_validate(fields)
        True
        >>> Mention.from_checked(fields).model_fields_set == Mention.model_validate(fields).model_fields_set
        True
        """
        key = tuple(fields)
        names = _MENTION_NAMES.get(key)
        if names is None:
            unknown = set(key) - set(cls.model_fields)
            if unknown or "surface" not in key:
                raise ValueError(f"not fields of a mention: {sorted(unknown)}" if unknown else "no surface")
            names = _MENTION_NAMES.setdefault(key, shared_names(key))
        values = _MENTION_VALUES.copy()
        values.update(fields)
        return _mention(cls, values, names)

    @classmethod
    def listed(
        cls, surface: str, type_label: str, description: str, episode_id: str, ordinal: int
    ) -> Mention:
        """:meth:`from_checked` of the fields a listed entity has most often, without making a dict.

        >>> Mention.listed("swyx", "Person", "", "e1", 0) == Mention(surface="swyx", type_label="Person",
        ...                                                        episode_id="e1", ordinal=0)
        True
        """
        values = _MENTION_VALUES.copy()
        values["surface"] = surface
        values["type_label"] = type_label
        values["description"] = description
        values["episode_id"] = episode_id
        values["ordinal"] = ordinal
        return _mention(cls, values, _LISTED_NAMES)

    @classmethod
    def listed_many(cls, surfaces: list[str], type_labels: list[str], descriptions: list[str],
                    episode_ids: Iterable[str], ordinals: Iterable[int]) -> list[Mention]:
        """:meth:`listed` of each row of these columns, made column by column: each step is one
        pass in C over all rows, no Python call per mention (loaders make a million of them).

        >>> made = Mention.listed_many(["swyx", "Cursor"], ["Person", ""], ["", "editor"], ["e", "e"], [0, 1])
        >>> made[1] == Mention.listed("Cursor", "", "editor", "e", 1), made[0].model_fields_set == {
        ...     "surface", "type_label", "description", "episode_id", "ordinal"}
        (True, True)
        """
        columns = {"surface": surfaces, "type_label": type_labels, "description": descriptions,
                   "episode_id": episode_ids, "ordinal": ordinals}
        mentions: list[Mention] = make_many(cls, _MENTION_VALUES, _LISTED_NAMES, columns, len(surfaces))
        return mentions

    def __setattr__(self, name: str, value: Any) -> None:
        setattr_sharing(self, name, value)

    def set_fields(self, values: dict[str, Any]) -> None:
        """Assign several fields at once: the same as one assignment each, but the fields set
        moves once (the linker places a million mentions this way).

        >>> m = Mention.listed("swyx", "Person", "", "e1", 0)
        >>> m.set_fields({"field": "summary", "span": (3, 7)})
        >>> m.field, m.span, sorted(m.model_fields_set) == sorted(
        ...     ["surface", "type_label", "description", "episode_id", "ordinal", "field", "span"])
        ('summary', (3, 7), True)
        """
        fields = type(self).__pydantic_fields__
        unknown = [n for n in values if n not in fields]
        if unknown:
            raise AttributeError(f"{type(self).__name__} has no field {unknown[0]!r}")
        names = self.__pydantic_fields_set__
        missing = [n for n in values if n not in names]
        if missing:
            if type(names) is SharedNames:
                set_slot(self, "__pydantic_fields_set__", _with_names(names, missing))
            else:
                names.update(missing)
        self.__dict__.update(values)

    @classmethod
    def set_fields_each(cls, mentions: Iterable[Mention], values: Iterable[dict[str, Any]],
                        keys: Sequence[str]) -> None:
        """:meth:`set_fields` of many mentions, each from its dict of ``keys`` (the same keys for all):
        the checks are made once per fields set instead of once per mention.

        >>> ms = [Mention.listed("swyx", "Person", "", "e1", 0), Mention(surface="x", field="title")]
        >>> Mention.set_fields_each(ms, [{"field": "summary"}, {"field": "summary"}], ["field"])
        >>> [m.field for m in ms], [sorted(m.model_fields_set) for m in ms][1]
        (['summary', 'summary'], ['field', 'surface'])
        """
        unknown = [n for n in keys if n not in cls.__pydantic_fields__]
        if unknown:
            raise AttributeError(f"{cls.__name__} has no field {unknown[0]!r}")
        moved: dict[int, tuple[SharedNames, SharedNames]] = {}
        for mention, fields in zip(mentions, values, strict=True):
            names = mention.__pydantic_fields_set__
            if type(names) is not SharedNames:
                mention.set_fields(fields)
                continue
            known = moved.get(id(names))
            if known is None or known[0] is not names:
                known = moved[id(names)] = (names, _with_names(names, keys))
            if known[1] is not names:
                set_slot(mention, "__pydantic_fields_set__", known[1])
            mention.__dict__.update(fields)


def _with_names(names: SharedNames, added: Iterable[str]) -> SharedNames:
    """The shared fields set ``names`` plus ``added``, grown one name at a time (each step is kept)."""
    for name in added:
        if name not in names:
            names = names.grown.get(name) or names.grown.setdefault(name, shared_names((*names, name)))
    return names


def _mention(cls: type[Mention], values: dict[str, Any], names: SharedNames) -> Mention:
    mention = new_instance(cls)
    set_slot(mention, "__dict__", values)
    set_slot(mention, "__pydantic_fields_set__", names)
    set_slot(mention, "__pydantic_extra__", None)
    set_slot(mention, "__pydantic_private__", None)
    return mention


# Mention.from_checked's shared set for each order of fields it is given.
_MENTION_NAMES: dict[tuple[str, ...], SharedNames] = {}
_LISTED_NAMES = shared_names(("surface", "type_label", "description", "episode_id", "ordinal"))
_SOURCE_VALUES = values_template(Source, defaults=False)
_make_source = CheckedMaker(Source, _SOURCE_VALUES)
_MENTION_VALUES = values_template(Mention, defaults=True)


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
