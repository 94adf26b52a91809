"""The linker's new mentions as rows of columns: hashtag mentions, then those found in each episode's texts.

:func:`new_rows` puts them into an :class:`~castgraph.graph.added.AddedMentions` in the order
the build merges them: per episode, after its own mentions, its hashtag mentions, then the
mentions found in its texts in text order.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from operator import attrgetter
from typing import Any

import numpy as np
import numpy.typing as npt

from castgraph.graph.added import PLACE_FIELDS, AddedMentions, PlaceColumns
from castgraph.graph.model import Episode, Mention, MentionOrigin
from castgraph.link.present import PresentMentions
from castgraph.link.spots import TEXT_FIELDS

__all__ = ["PLACE_NAMES", "TextRows", "new_rows"]

# The fields a new mention's row gives besides its place (the others are the field's default).
_ROW_FIELDS = ("surface", "type_label", "origin", "ordinal")
#: The fields a place names: the texts the linker reads, and a hashtag mention's tags.
PLACE_NAMES = (*TEXT_FIELDS, "tags")


@dataclass
class TextRows:
    """The new ``text_link`` mentions, as columns: episode and entity numbers, then field values."""

    episode: npt.NDArray[np.int64] = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    entity: npt.NDArray[np.int64] = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    places: PlaceColumns = field(default_factory=lambda: PlaceColumns.empty(PLACE_NAMES))
    values: dict[str, list[Any]] = field(default_factory=dict)


_MENTIONS_OF = attrgetter("mentions")


def new_rows(added: AddedMentions, eps: list[Episode], present: PresentMentions,
             hashtags: dict[int, list[tuple[Mention, str]]], text: TextRows) -> list[Mention | None]:
    """Put the new mentions in ``added``: per episode, its hashtag mentions, then those found in
    its texts (in text order). Return the hashtag mentions at their rows (``None`` at the others)."""
    index = present.index
    tagged = [(number, mention, index[owner]) for number in sorted(hashtags)
              for mention, owner in hashtags[number]]
    tag_episode = np.array([row[0] for row in tagged], dtype=np.int64)
    # A text mention's ordinal: after the episode's own mentions and its hashtag mentions.
    numbers = text.episode.tolist()
    first = np.searchsorted(text.episode, text.episode, side="left")
    before = np.arange(len(numbers), dtype=np.int64) - first
    size = np.fromiter(map(len, map(_MENTIONS_OF, eps)), dtype=np.int64, count=len(eps))
    np.add.at(size, tag_episode, 1)
    base = size[text.episode]
    text.values["ordinal"] = (base + before).tolist()
    text.values["origin"] = [MentionOrigin.TEXT_LINK] * len(numbers)
    tag_values = {name: [getattr(row[1], name) for row in tagged] for name in _ROW_FIELDS}
    tag_places = PlaceColumns.of(PLACE_NAMES, [PLACE_NAMES.index(row[1].field) for row in tagged],
                                 *([getattr(row[1], name) for row in tagged] for name in PLACE_FIELDS[1:]))
    # Stable: each episode's hashtag mentions first, then its text mentions in order.
    episode = np.concatenate([tag_episode, text.episode])
    order = np.argsort(episode * 2 + np.repeat([0, 1], [len(tagged), len(numbers)]), kind="stable")
    picks = order.tolist()
    added.episode = episode[order]
    added.entity = np.concatenate([np.array([row[2] for row in tagged], dtype=np.int64), text.entity])[order]
    for name in _ROW_FIELDS:
        both = tag_values[name] + text.values.get(name, [])
        added.values[name] = list(map(both.__getitem__, picks))
    added.new_places = PlaceColumns.concatenate([tag_places, text.places]).take(order)
    objects: list[Mention | None] = [row[1] for row in tagged] + [None] * len(numbers)
    return list(map(objects.__getitem__, picks))
