"""What the linker found, and how it is added to the episodes and the resolution.

:meth:`EntityLinker.link <castgraph.link.linker.EntityLinker.link>` changes nothing: it
returns a :class:`LinkResult`, and :meth:`LinkResult.apply` appends the found mentions to
their episodes and entities, places the mentions the episodes had (``discussed at 23:06``)
and extends the resolver's mention columns (:mod:`castgraph.graph.assigned`).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, NamedTuple

import numpy as np
from pydantic import BaseModel, Field, PrivateAttr

from castgraph.graph.assigned import MentionEntities, attach, mention_entities
from castgraph.graph.model import Episode, Mention, Resolution
from castgraph.memory import gc_paused

__all__ = ["LinkResult", "MentionPlace", "place_mention"]


class MentionPlace(NamedTuple):
    """Where a name was found: field, chapter, span in that text, timestamp, and how often.

    (A plain record, not a model: a large build places hundreds of thousands of mentions.)
    """

    field: str
    span: tuple[int, int]
    chapter: int | None = None
    timestamp: float | None = None
    occurrences: int = 1


def place_mention(mention: Mention, place: MentionPlace) -> None:
    """Set the place fields of ``mention`` (assigned, so that its fields set follows, shared or not)."""
    mention.set_fields(dict(zip(MentionPlace._fields, place, strict=True)))


def _with_id(ep: Episode, mention_id: str) -> list[Mention]:
    """The mentions of ``ep`` whose id is ``mention_id`` (the one at its ordinal, if it is there)."""
    ordinal = mention_id.rpartition("#")[2]
    if ordinal.isdigit() and int(ordinal) < len(ep.mentions):
        mention = ep.mentions[int(ordinal)]
        if mention.id == mention_id:
            return [mention]
    return [m for m in ep.mentions if m.id == mention_id]


class LinkResult(BaseModel):
    """What the linker found; :meth:`apply` adds it to the episodes and the resolution.

    ``places`` maps the id of a mention the episodes have to where the text discusses it.
    """

    mentions: list[Mention] = Field(default_factory=list)
    assignments: dict[str, str] = Field(default_factory=dict)
    places: dict[str, MentionPlace] = Field(default_factory=dict)
    topic_entities: dict[str, str] = Field(default_factory=dict)
    # The mention each place was found for, by id: apply places it without looking it up again
    # when it is still where it was.
    _targets: dict[str, Mention] = PrivateAttr(default_factory=dict)

    def apply(self, episodes: Iterable[Episode], resolution: Resolution) -> None:
        """Append the found mentions to their episodes and entities; place the existing mentions."""
        with gc_paused():
            self._apply(episodes, resolution)

    def _apply(self, episodes: Iterable[Episode], resolution: Resolution) -> None:
        episodes = list(episodes)
        by_id = {ep.id: ep for ep in episodes}
        # The mentions placed where the linker found them (all of them, unless the episodes
        # changed since), with one fields-set check per kind of mention; the others by id.
        placed: list[Mention] = []
        values: list[dict[str, Any]] = []
        elsewhere: dict[str, list[tuple[str, MentionPlace]]] = {}
        targets = self._targets
        for mention_id, place in self.places.items():
            target = targets.get(mention_id)
            ep = by_id.get(target.episode_id) if target is not None else None
            if target is not None and ep is not None and target.ordinal < len(ep.mentions) \
                    and ep.mentions[target.ordinal] is target:
                placed.append(target)
                values.append(dict(zip(MentionPlace._fields, place, strict=True)))
            else:
                elsewhere.setdefault(mention_id.rpartition("#")[0], []).append((mention_id, place))
        Mention.set_fields_each(placed, values, MentionPlace._fields)
        by_episode: dict[str, list[Mention]] = {}
        for mention in self.mentions:
            by_episode.setdefault(mention.episode_id, []).append(mention)
        entities = {e.id: e for e in resolution.entities}
        columns = mention_entities(resolution)
        added: list[tuple[str, int, str]] = []
        for ep in episodes:
            for mention_id, place in elsewhere.get(ep.id, ()):
                for mention in _with_id(ep, mention_id):
                    place_mention(mention, place)
            for mention in by_episode.get(ep.id, ()):
                ep.mentions.append(mention)
                mention_id = mention.id
                entity_id = self.assignments[mention_id]
                resolution.assignments[mention_id] = entity_id
                entities[entity_id].mention_ids.append(mention_id)
                added.append((ep.id, mention.ordinal, entity_id))
        for entity in entities.values():
            entity.mention_ids.sort()
        resolution.topic_entities.update(self.topic_entities)
        if columns is not None:  # the resolver's columns follow: the build reads them next
            _extend(columns, added, resolution)


def _extend(columns: MentionEntities, added: list[tuple[str, int, str]], resolution: Resolution) -> None:
    """Append the mentions the linker added to the resolver's columns (if they know every episode)."""
    number = {episode_id: k for k, episode_id in enumerate(columns.episode_ids)}
    position = {entity_id: k for k, entity_id in enumerate(columns.entity_ids)}
    rows = [(number.get(episode_id, -1), ordinal, position.get(entity_id, -1))
            for episode_id, ordinal, entity_id in added]
    if any(episode < 0 or entity < 0 for episode, _, entity in rows):
        return  # an episode or entity they do not know: let them go stale
    if rows:
        episodes, ordinals, entity_numbers = (np.array(c, dtype=np.int64) for c in zip(*rows, strict=True))
        columns.append(episodes, ordinals, entity_numbers)
    attach(resolution, columns)
