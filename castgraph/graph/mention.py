"""Entity mentions: one :class:`Mention` per name an episode lists, or the linker finds in its text.

Part of the data model (:mod:`castgraph.graph.model`, which exports these classes with the others):
in a module of its own because a mention carries most of the model's machinery for large
corpora (shared fields sets, construction without a second validation, bulk field updates).

Examples
--------
>>> m = Mention.listed("swyx", "Person", "", "e1", 0)
>>> (m.id, m.origin.value)
('e1#0', 'listed')
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, model_validator

from castgraph.graph.instances import (
    SharedNames,
    compact,
    make_many,
    new_instance,
    set_slot,
    setattr_sharing,
    shared_names,
    values_template,
)

__all__ = ["Mention", "MentionOrigin"]


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
_MENTION_VALUES = values_template(Mention, defaults=True)
