"""Which entity each mention is assigned to, as columns that travel with a resolution.

:attr:`Resolution.assignments <castgraph.graph.model.Resolution.assignments>` maps mention
ids (``"<episode id>#<ordinal>"``) to entity ids: the interchange form. At 100k episodes,
asking it for every mention means a million id strings made and looked up, twice (the
linker and the build both do). The resolver already knows the answer as numbers; it
leaves them on the resolution as a :class:`MentionEntities` (not a field: not dumped,
compared or validated), and :func:`entity_positions` reads them for any order of the
episodes. The linker appends the mentions it adds. Whenever the columns might not
describe the resolution and the episodes at hand (the assignments changed size, an
episode or an ordinal differs, the entities were reordered), :func:`entity_positions`
answers ``None`` and the caller reads the assignments as before.

A resolution may also be made without its mention ids (``resolve(..., mention_ids=False)``:
a million episodes have 12 million of them, and a build writes every file from the columns).
Its assignments and mention ids are then empty until :func:`make_mention_ids` makes them
from the columns, the same strings in the same order; :func:`mention_counts` counts each
entity's mentions either way.

Examples
--------
>>> from castgraph.graph.model import Entity, EntityType, Episode, Mention, Resolution
>>> x, y = Mention(surface="x", ordinal=0), Mention(surface="y", ordinal=1)
>>> eps = [Episode(id="b", title="B", mentions=[Mention(surface="y", ordinal=0)]),
...        Episode(id="a", title="A", mentions=[x, y])]
>>> res = Resolution(entities=[Entity(id="entity:x", name="x", type=EntityType.OTHER),
...                            Entity(id="entity:y", name="y", type=EntityType.OTHER)],
...                  assignments={"a#0": "entity:x", "a#1": "entity:y", "b#0": "entity:y"})
>>> attach(res, MentionEntities(["a", "b"], [0, 2, 3], [0, 1, 0], [0, 1, 1], ["entity:x", "entity:y"]))
>>> entity_positions(eps, res).tolist()
[1, 0, 1]
>>> res.assignments["a#2"] = "entity:x"  # changed behind the columns' back: they stand aside
>>> entity_positions(eps, res) is None
True
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import chain, repeat
from operator import attrgetter
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np

if TYPE_CHECKING:
    from castgraph.graph.model import Episode, Mention, Resolution

__all__ = ["ListedRows", "MentionEntities", "attach", "entity_positions", "forget_fields", "listed_rows",
           "make_mention_ids", "mention_counts", "mention_entities", "mention_ids_of", "unassigned_mentions"]

# The resolution's instance dict holds them under this name (a non-field key: pydantic
# neither dumps nor compares it, and copies share it).
_KEY = "_mention_entities"

Ints = np.ndarray


class MentionEntities:
    """Mentions in episode blocks: episode ``episode_ids[k]`` owns rows
    ``episode_start[k]:episode_start[k + 1]``; row ``i`` is the mention with ordinal
    ``ordinal[i]``, assigned to ``entity_ids[entity[i]]`` (-1: none). Rows appended later
    (:meth:`append`) follow their episode's block. ``size``: how many assignments the
    resolution had when the columns last matched it.
    """

    __slots__ = ("entity", "entity_ids", "episode_ids", "episode_start", "extra", "fields", "id_rank",
                 "ordinal", "size")

    def __init__(self, episode_ids: Sequence[str], episode_start: Sequence[int] | Ints,
                 ordinal: Sequence[int] | Ints, entity: Sequence[int] | Ints, entity_ids: Sequence[str],
                 size: int | None = None) -> None:
        self.episode_ids = list(episode_ids)
        self.episode_start = np.asarray(episode_start, dtype=np.int64)
        self.ordinal = np.asarray(ordinal, dtype=np.int64)
        self.entity = np.asarray(entity, dtype=np.int64)
        self.entity_ids = list(entity_ids)
        self.size = int((self.entity >= 0).sum()) if size is None else size
        #: Appended rows: (episode number, ordinal, entity) arrays, in the order they came.
        self.extra: list[tuple[Ints, Ints, Ints]] = []
        #: For a resolution whose mention ids are not made yet: each row's place among them (a
        #: stable sort by it lists them entity by entity, as the entities' ``mention_ids`` do).
        self.id_rank: Ints | None = None
        #: Fields of the blocks' mentions that the resolver coded as it read them: name -> (the
        #: distinct values, each row's code). The build takes them instead of coding the
        #: columns again (:func:`listed_rows`).
        self.fields: dict[str, tuple[list[Any], Ints]] = {}

    def append(self, episodes: Ints, ordinals: Ints, entities: Ints) -> None:
        """Add rows after their episodes' blocks (episode numbers into :attr:`episode_ids`)."""
        self.extra.append((np.asarray(episodes, dtype=np.int64), np.asarray(ordinals, dtype=np.int64),
                           np.asarray(entities, dtype=np.int64)))

    def block_episodes(self) -> Ints:
        """The episode number of each row of the blocks (the rows before any :meth:`append`)."""
        return np.repeat(np.arange(len(self.episode_ids), dtype=np.int64), np.diff(self.episode_start))

    def rows(self) -> tuple[Ints, Ints, Ints]:
        """Every row as (episode number, ordinal, entity), blocks in episode order."""
        episode = self.block_episodes()
        if not self.extra:
            return episode, self.ordinal, self.entity
        parts = [(episode, self.ordinal, self.entity), *self.extra]
        episodes, ordinals, entities = (np.concatenate(c) for c in zip(*parts, strict=True))
        order = np.argsort(episodes, kind="stable")  # appended rows stay after their block, in order
        return episodes[order], ordinals[order], entities[order]


class _Ordinals(dict[int, str]):
    """An ordinal's digits, made once each: a mention id is ``"<episode id>#"`` plus one of these."""

    def __missing__(self, ordinal: int) -> str:
        digits = self[ordinal] = str(ordinal)
        return digits


_ORDINALS = _Ordinals()


def mention_ids_of(episode_ids: Sequence[str], episodes: Ints, ordinals: Ints) -> list[str]:
    """The ids of the mentions with these episode numbers (into ``episode_ids``) and ordinals.

    Made fresh, in the order they are wanted: a million strings laid out in the order they are
    then hashed and read is several times faster to use than scattered ones.

    >>> mention_ids_of(["a", "b"], np.array([1, 0]), np.array([0, 3]))
    ['b#0', 'a#3']
    """
    # Fresh "<episode id>#" prefixes, side by side in memory, are read faster than the episodes' ids.
    prefixes = [episode_id + "#" for episode_id in episode_ids]
    return list(map(str.__add__, map(prefixes.__getitem__, episodes.tolist()),
                    map(_ORDINALS.__getitem__, ordinals.tolist())))


def attach(resolution: Resolution, columns: MentionEntities) -> None:
    """Leave ``columns`` on ``resolution`` for :func:`entity_positions`."""
    columns.size = len(resolution.assignments)
    resolution.__dict__[_KEY] = columns


def mention_entities(resolution: Resolution) -> MentionEntities | None:
    """The columns left on ``resolution``, if they still match its assignments and entities."""
    columns: Any = resolution.__dict__.get(_KEY)
    if not isinstance(columns, MentionEntities) or columns.size != len(resolution.assignments):
        return None
    if len(columns.entity_ids) != len(resolution.entities) or any(
            e.id != i for e, i in zip(resolution.entities, columns.entity_ids, strict=True)):
        return None
    return columns


def forget_fields(resolution: Resolution) -> None:
    """Let go of the fields the resolver coded (:attr:`MentionEntities.fields`), once the graph's
    tables are made from them: a later build codes the columns itself."""
    columns: Any = resolution.__dict__.get(_KEY)
    if isinstance(columns, MentionEntities):
        columns.fields = {}


def mention_counts(resolution: Resolution) -> list[int]:
    """How many mentions each entity of ``resolution`` has: ``len(mention_ids)``, also before they are made.

    >>> from castgraph.graph.model import Entity, EntityType, Resolution
    >>> res = Resolution(entities=[Entity(id="entity:x", name="x", type=EntityType.OTHER)])
    >>> columns = MentionEntities(["a"], [0, 3], [0, 1, 2], [0, -1, 0], ["entity:x"])
    >>> columns.id_rank = np.array([1, 2, 0])
    >>> attach(res, columns)
    >>> mention_counts(res), res.entities[0].mention_ids
    ([2], [])
    >>> make_mention_ids(res)
    >>> mention_counts(res), res.entities[0].mention_ids, res.assignments
    ([2], ['a#2', 'a#0'], {'a#2': 'entity:x', 'a#0': 'entity:x'})
    """
    columns = mention_entities(resolution)
    if columns is not None and columns.id_rank is not None:
        entity = columns.entity
        return np.bincount(entity[entity >= 0], minlength=len(columns.entity_ids)).tolist()
    return [len(e.mention_ids) for e in resolution.entities]


def make_mention_ids(resolution: Resolution) -> None:
    """Make the assignments and mention ids of a resolution made without them (else do nothing)."""
    columns = mention_entities(resolution)
    if columns is None or columns.id_rank is None:
        return
    entity = columns.entity
    assigned = entity >= 0
    order = np.argsort(np.where(assigned, columns.id_rank, np.iinfo(np.int64).max), kind="stable")
    order = order[:int(assigned.sum())]
    ids = mention_ids_of(columns.episode_ids, columns.block_episodes()[order], columns.ordinal[order])
    sizes = np.bincount(entity[assigned], minlength=len(columns.entity_ids)).tolist()
    start = 0
    for ent, size in zip(resolution.entities, sizes, strict=True):
        ent.mention_ids[:] = ids[start:start + size]
        start += size
    resolution.assignments.update(zip(ids, chain.from_iterable(map(repeat, columns.entity_ids, sizes)),
                                      strict=True))
    columns.id_rank = None
    columns.size = len(resolution.assignments)


def entity_positions(episodes: Sequence[Episode], resolution: Resolution) -> Ints | None:
    """For every mention of ``episodes`` (in that order, each episode's mentions in order), the
    position of its entity in ``resolution.entities`` (-1: none), or ``None`` when the columns
    left by the resolver do not describe these episodes (read the assignments then)."""
    found = listed_rows(episodes, resolution)
    return None if found is None else found.entity


class ListedRows(NamedTuple):
    """Where the mentions of some episodes are in a resolution's :class:`MentionEntities`."""

    columns: MentionEntities
    #: Each mention's row in :meth:`MentionEntities.rows`.
    rows: Ints
    #: Each mention's entity (into ``columns.entity_ids``; -1: none).
    entity: Ints


def listed_rows(episodes: Sequence[Episode], resolution: Resolution) -> ListedRows | None:
    """The resolver's columns on ``resolution`` and where every mention of ``episodes`` (in that
    order) is in them; ``None`` when they do not describe these episodes (another episode,
    another number of mentions or another ordinal).

    >>> from castgraph.graph.model import Episode, Mention
    >>> from castgraph.resolve import resolve
    >>> eps = [Episode(id="b", title="B", mentions=[Mention(surface="x")]),
    ...        Episode(id="a", title="A", published="2024-01-01", mentions=[Mention(surface="y")])]
    >>> found = listed_rows(eps, resolve(eps))
    >>> found.rows.tolist(), found.columns.fields["surface"][0]  # the resolver read "a" first, being dated
    ([1, 0], ['y', 'x'])
    """
    columns = mention_entities(resolution)
    if columns is None:
        return None
    if not episodes:
        empty = np.zeros(0, dtype=np.int64)
        return ListedRows(columns, empty, empty)
    number = {episode_id: k for k, episode_id in enumerate(columns.episode_ids)}
    wanted = [number.get(ep.id, -1) for ep in episodes]
    if -1 in wanted:
        return None
    episode, ordinal, entity = columns.rows()
    counts = np.bincount(episode, minlength=len(columns.episode_ids))
    starts = np.concatenate(([0], np.cumsum(counts)))
    sizes = np.fromiter((len(ep.mentions) for ep in episodes), dtype=np.int64, count=len(episodes))
    chosen = np.asarray(wanted, dtype=np.int64)
    if not np.array_equal(counts[chosen], sizes):
        return None
    # The rows of the chosen episodes, in their order, and each one's ordinal as the episodes say.
    begin = np.repeat(starts[chosen] - (np.cumsum(sizes) - sizes), sizes)
    rows = begin + np.arange(int(sizes.sum()), dtype=np.int64)
    said = np.fromiter(map(attrgetter("ordinal"), chain.from_iterable(ep.mentions for ep in episodes)),
                       dtype=np.int64, count=len(rows))
    if not np.array_equal(ordinal[rows], said):
        return None
    return ListedRows(columns, rows, entity[rows])


def unassigned_mentions(episodes: Sequence[Episode], resolution: Resolution) -> list[tuple[Episode, Mention]]:
    """The mentions of ``episodes`` that ``resolution`` assigns to no entity, with their episodes.

    >>> from castgraph.graph.model import Episode, Mention
    >>> from castgraph.resolve import resolve
    >>> ep = Episode(id="e", title="t", mentions=[Mention(surface="😀"), Mention(surface="swyx")])
    >>> [m.surface for _, m in unassigned_mentions([ep], resolve([ep]))]
    ['😀']
    >>> [m.surface for _, m in unassigned_mentions([ep], resolve([ep], mention_ids=False))]
    ['😀']
    >>> from castgraph.graph.model import Resolution  # no columns: read from the assignments
    >>> [m.surface for _, m in unassigned_mentions([ep], Resolution(assignments={"e#0": "entity:x"}))]
    ['swyx']
    """
    positions = entity_positions(episodes, resolution)
    if positions is None:  # the assignments: one check per episode in C, mentions walked if one fails
        known = resolution.assignments.__contains__
        return [(ep, m) for ep in episodes
                if not all(map(known, [f"{m.episode_id}#{m.ordinal}" for m in ep.mentions]))
                for m in ep.mentions if not known(m.id)]
    starts = np.cumsum([0] + [len(ep.mentions) for ep in episodes])
    rows = np.flatnonzero(positions < 0)
    owners = np.searchsorted(starts, rows, side="right") - 1
    return [(episodes[k], episodes[k].mentions[row - start])
            for k, row, start in zip(owners.tolist(), rows.tolist(), starts[owners].tolist(), strict=True)]
