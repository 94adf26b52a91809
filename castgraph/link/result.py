"""What the linker found, and how it is added to the episodes and the resolution.

:meth:`EntityLinker.link <castgraph.link.linker.EntityLinker.link>` changes nothing: it
returns a :class:`LinkResult`, and :meth:`LinkResult.apply` appends the found mentions to
their episodes and entities, places the mentions the episodes had (``discussed at 23:06``)
and extends the resolver's mention columns (:mod:`castgraph.graph.assigned`).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from functools import cached_property
from itertools import groupby, repeat
from operator import attrgetter, gt, is_not
from typing import Any, NamedTuple

import numpy as np

from castgraph.graph.added import PLACE_FIELDS, AddedMentions
from castgraph.graph.assigned import MentionEntities, attach, make_mention_ids, mention_entities
from castgraph.graph.instances import make_many, shared_names, values_template
from castgraph.graph.model import Episode, Mention, MentionOrigin, Resolution
from castgraph.memory import gc_paused

__all__ = ["TEXT_LINK_FIELDS", "LinkResult", "MentionPlace", "place_mention"]


class MentionPlace(NamedTuple):
    """Where a name was found: field, chapter, span in that text, timestamp, and how often.

    (A plain record, not a model: a large build places hundreds of thousands of mentions.)
    """

    field: str
    span: tuple[int, int]
    chapter: int | None = None
    timestamp: float | None = None
    occurrences: int = 1


#: The fields of a ``text_link`` mention, in the order Mention.from_checked was given them.
TEXT_LINK_FIELDS = ("surface", "type_label", "origin", "episode_id", "ordinal", *PLACE_FIELDS)
_MENTION_TEMPLATE = values_template(Mention, defaults=True)


def _made_mentions(added: AddedMentions, found: list[Mention | None]) -> list[Mention]:
    """The new mentions of ``added`` as :class:`Mention`: those in ``found``, the others made
    from the columns at once (see :func:`castgraph.graph.instances.make_many`)."""
    rows = [k for k, mention in enumerate(found) if mention is None]
    episode_ids = list(map(added.episode_ids.__getitem__, added.episode[rows].tolist()))
    places = added.new_places.take(np.asarray(rows, dtype=np.int64))
    columns = {name: episode_ids if name == "episode_id"
               else [MentionOrigin.TEXT_LINK] * len(rows) if name == "origin"
               else places.values(name) if name in PLACE_FIELDS
               else list(map(added.values[name].__getitem__, rows)) for name in TEXT_LINK_FIELDS}
    # Every field is given (chapter and timestamp even when None), as Mention.from_checked would.
    made = iter(make_many(Mention, _MENTION_TEMPLATE, shared_names(TEXT_LINK_FIELDS), columns, len(rows)))
    return [mention if mention is not None else next(made) for mention in found]


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


class LinkResult:
    """What the linker found; :meth:`apply` adds it to the episodes and the resolution.

    :attr:`added` holds it as columns (:class:`~castgraph.graph.added.AddedMentions`), which
    :meth:`GraphTables.from_build <castgraph.graph.tables.GraphTables.from_build>` reads as they
    are; :attr:`mentions`, :attr:`assignments` and :attr:`places` are made from them on first use.
    ``places`` maps the id of a mention the episodes have to where the text discusses it; those
    mentions are looked up in ``episodes`` (the linker's, numbered as ``added`` numbers them)
    then, so the episodes' mentions must stay as they were until then.
    """

    def __init__(self, added: AddedMentions | None = None, *, found: list[Mention | None] | None = None,
                 episodes: list[Episode] | None = None) -> None:
        self.added = added if added is not None else AddedMentions(episode_ids=[], entity_ids=[])
        # Per new mention, the one made already (hashtags), else None.
        self._found: list[Mention | None] = found if found is not None else [None] * len(self.added)
        self._episodes = episodes if episodes is not None else []

    @property
    def topic_entities(self) -> dict[str, str]:
        """Topic id -> the entity its tag names."""
        return self.added.topic_entities

    @cached_property
    def mentions(self) -> list[Mention]:
        """The new mentions, by episode (each episode's in the order found)."""
        return _made_mentions(self.added, self._found)

    @cached_property
    def assignments(self) -> dict[str, str]:
        """Id of each new mention -> its entity."""
        owners = map(self.added.entity_ids.__getitem__, self.added.entity.tolist())
        return dict(zip([m.id for m in self.mentions], owners, strict=True))

    @cached_property
    def _placed(self) -> tuple[list[Mention], list[int]]:
        """The mentions the places of ``added`` belong to, and which places those are: a mention
        with a place of its own (a title pattern's) keeps it."""
        eps, added = self._episodes, self.added
        targets: list[Mention] = []
        kept: list[int] = []
        for k, (number, position) in enumerate(zip(added.placed_episode.tolist(),
                                                   added.placed_position.tolist(), strict=True)):
            mentions = eps[number].mentions
            if position < len(mentions) and not mentions[position].field:
                targets.append(mentions[position])
                kept.append(k)
        return targets, kept

    @cached_property
    def places(self) -> dict[str, MentionPlace]:
        """Id of each mention the episodes have that the text discusses -> where."""
        targets, kept = self._placed
        rows = self.added.places.take(np.asarray(kept, dtype=np.int64))
        places = map(MentionPlace._make, zip(*map(rows.values, PLACE_FIELDS), strict=True))
        return dict(zip([m.id for m in targets], places, strict=True))

    @cached_property
    def _targets(self) -> dict[str, Mention]:
        """The mention each place was found for, by id: :meth:`apply` places it without looking
        it up again when it is still where it was."""
        return {m.id: m for m in self._placed[0]}

    def apply(self, episodes: Iterable[Episode], resolution: Resolution) -> None:
        """Append the found mentions to their episodes and entities; place the existing mentions."""
        with gc_paused():
            make_mention_ids(resolution)  # a resolution made without them: the new ones join them
            self._apply(episodes, resolution)

    def _apply(self, episodes: Iterable[Episode], resolution: Resolution) -> None:
        episodes = list(episodes)
        by_id = {ep.id: ep for ep in episodes}
        if len(by_id) < len(episodes):  # an episode given twice: each copy gets the mentions
            self._apply_each(episodes, by_id, resolution)
            return
        self._place(by_id)
        entities = {e.id: e for e in resolution.entities}
        columns = mention_entities(resolution)
        # In the order of ``episodes``, each episode's in the order of ``mentions`` (the linker's
        # order already: then no sort).
        position = {ep.id: k for k, ep in enumerate(episodes)}
        added = [m for m in self.mentions if m.episode_id in position]
        episode_of = list(map(position.__getitem__, map(_EPISODE_ID, added)))
        if any(map(gt, episode_of, episode_of[1:])):
            added = [added[i] for i in sorted(range(len(added)), key=episode_of.__getitem__)]
        # Each step a pass in C: a large build adds a few hundred thousand mentions.
        for episode_id, group in groupby(added, key=_EPISODE_ID):
            by_id[episode_id].mentions.extend(group)
        ids = [m.id for m in added]
        owners = list(map(self.assignments.__getitem__, ids))
        resolution.assignments.update(zip(ids, owners, strict=True))
        deque(map(list.append, map(_MENTION_IDS, map(entities.__getitem__, owners)), ids), maxlen=0)
        for entity in entities.values():
            entity.mention_ids.sort()
        resolution.topic_entities.update(self.topic_entities)
        if columns is not None:  # the resolver's columns follow: the build reads them next
            _extend(columns, list(map(_EPISODE_ID, added)), list(map(_ORDINAL, added)), owners, resolution)

    def _place(self, by_id: dict[str, Episode]) -> None:
        """Place the mentions the episodes have: those still where the linker found them with one
        fields-set check per kind of mention (:meth:`Mention.set_fields_each`), the others by id."""
        fields = MentionPlace._fields
        targets = list(map(self._targets.get, self.places))
        # The usual case, checked in bulk (by identity: ``None in`` would ask each mention's __eq__).
        if all(map(is_not, targets, repeat(None))):
            eps = list(map(by_id.get, map(_EPISODE_ID, targets)))
            if all(map(is_not, eps, repeat(None))) and all(map(_still_at, eps, targets)):  # type: ignore[arg-type]
                each = map(dict, map(zip, repeat(fields), self.places.values()))
                Mention.set_fields_each(targets, each, fields)  # type: ignore[arg-type]
                return
        placed: list[Mention] = []
        values: list[dict[str, Any]] = []
        elsewhere: list[tuple[str, MentionPlace]] = []
        for mention_id, place in self.places.items():
            target = self._targets.get(mention_id)
            ep = by_id.get(target.episode_id) if target is not None else None
            if target is not None and ep is not None and _still_at(ep, target):
                placed.append(target)
                values.append(dict(zip(fields, place, strict=True)))
            else:
                elsewhere.append((mention_id, place))
        Mention.set_fields_each(placed, values, fields)
        for mention_id, place in elsewhere:
            ep = by_id.get(mention_id.rpartition("#")[0])
            for mention in _with_id(ep, mention_id) if ep is not None else ():
                place_mention(mention, place)

    def _apply_each(self, episodes: list[Episode], by_id: dict[str, Episode], resolution: Resolution) -> None:
        """:meth:`apply` mention by mention (when ``episodes`` repeat an episode)."""
        self._place(by_id)
        by_episode: dict[str, list[Mention]] = {}
        for mention in self.mentions:
            by_episode.setdefault(mention.episode_id, []).append(mention)
        entities = {e.id: e for e in resolution.entities}
        columns = mention_entities(resolution)
        added: list[Mention] = []
        owners: list[str] = []
        for ep in episodes:
            for mention in by_episode.get(ep.id, ()):
                ep.mentions.append(mention)
                mention_id = mention.id
                entity_id = self.assignments[mention_id]
                resolution.assignments[mention_id] = entity_id
                entities[entity_id].mention_ids.append(mention_id)
                added.append(mention)
                owners.append(entity_id)
        for entity in entities.values():
            entity.mention_ids.sort()
        resolution.topic_entities.update(self.topic_entities)
        if columns is not None:
            _extend(columns, list(map(_EPISODE_ID, added)), list(map(_ORDINAL, added)), owners, resolution)


_EPISODE_ID = attrgetter("episode_id")
_ORDINAL = attrgetter("ordinal")
_MENTION_IDS = attrgetter("mention_ids")


def _still_at(ep: Episode, mention: Mention) -> bool:
    """Whether ``mention`` is still in ``ep`` at its ordinal."""
    return mention.ordinal < len(ep.mentions) and ep.mentions[mention.ordinal] is mention


def _extend(columns: MentionEntities, episode_ids: list[str], ordinals: list[int], owners: list[str],
            resolution: Resolution) -> None:
    """Append the mentions the linker added to the resolver's columns (if they know every episode)."""
    number = {episode_id: k for k, episode_id in enumerate(columns.episode_ids)}
    position = {entity_id: k for k, entity_id in enumerate(columns.entity_ids)}
    size = len(episode_ids)
    episodes = np.fromiter(map(number.get, episode_ids, repeat(-1)), dtype=np.int64, count=size)
    entities = np.fromiter(map(position.get, owners, repeat(-1)), dtype=np.int64, count=size)
    if (episodes < 0).any() or (entities < 0).any():
        return  # an episode or entity they do not know: let them go stale
    if size:
        columns.append(episodes, np.fromiter(ordinals, dtype=np.int64, count=size), entities)
    attach(resolution, columns)
