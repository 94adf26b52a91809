"""Mentions added to a graph as columns: those the linker found, and where the text places the others.

The linker (:mod:`castgraph.link`) finds new mentions (``text_link``, ``hashtag``) and
places mentions the episodes have already ("discussed at 23:06"). :class:`AddedMentions`
holds both as columns, and :meth:`GraphTables.from_build
<castgraph.graph.tables.GraphTables.from_build>` merges them into the graph's mention
table: a large build makes no Python object per found mention and changes no episode
(:meth:`LinkResult.apply <castgraph.link.result.LinkResult.apply>` adds them to the
episodes and the resolution, for Python callers that want them there).

Examples
--------
>>> import numpy as np
>>> added = AddedMentions(episode_ids=["a", "b"], entity_ids=["entity:1"],
...                       episode=np.array([1]), entity=np.array([0]),
...                       values={"surface": ["GitHub"], "ordinal": [2]},
...                       new_places=PlaceColumns.of(("summary",), [0], [(4, 10)], [None], [None], [1]))
>>> len(added), added.new_places.values("span")
(1, [(4, 10)])
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import Enum
from itertools import chain
from operator import attrgetter
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np
import numpy.typing as npt

from castgraph.graph.coded import Coded
from castgraph.graph.places import PLACE_FIELDS, PlaceColumns, place_codes
from castgraph.graph.schema import rows_where

if TYPE_CHECKING:
    from castgraph.graph.model import Episode

__all__ = ["LISTED_CODED", "PLACE_FIELDS", "AddedMentions", "ListedEntities", "MergedMentions",
           "PlaceColumns", "code_listed", "listed_columns", "merge_added", "merge_mentions", "pick",
           "placed_rows"]

#: Mention fields of text values (surfaces and descriptions: many distinct ones), by the edge
#: attribute :func:`~castgraph.graph.schema.mention_columns` makes of each. They are coded apart
#: in the episodes' rows and the added ones, then merged by their codes (:meth:`Coded.merged`): a
#: merged list costs more to make and to code than the codes do to merge. The linker's search
#: child codes the episodes' rows while the resolver works (:func:`code_listed`).
LISTED_CODED = {"surface": "surface", "type_label": "source_type", "description": "description"}

Ints = npt.NDArray[np.int64]
# Rows and episode numbers as the build has them (int32 or int64).
Rows = npt.NDArray[np.integer[Any]]


def _no_rows() -> Ints:
    return np.zeros(0, dtype=np.int64)


class ListedEntities(NamedTuple):
    """The entity (number) of each mention the episodes have, in order (-1: none), read from the
    resolver's columns ``source`` (:mod:`castgraph.graph.assigned`) when the episodes had
    ``sizes`` mentions each: good while the resolution has those columns and the episodes as many."""

    entity: Ints
    source: object
    sizes: Ints
    #: Each mention's row in the source's :meth:`~castgraph.graph.assigned.MentionEntities.rows`
    #: (``None``: not known), where the build finds the fields the resolver coded.
    rows: Ints | None = None


@dataclass
class AddedMentions:
    """New mentions and places of existing ones, as columns.

    Episodes are numbers into ``episode_ids`` (the build's episodes, sorted by id), entities
    numbers into ``entity_ids``. New mentions come in episode order, each episode's after
    the mentions it has: ``values`` holds their mention fields (see
    :data:`castgraph.graph.schema.MENTION_TABLE_FIELDS`; a field it lacks is the default),
    ``new_places`` their :data:`PLACE_FIELDS`. A place in ``places`` belongs to the mention
    at ``placed_position`` in episode ``placed_episode``'s mentions, unless that mention has
    a place of its own (a title pattern's ``field``), which it keeps.
    """

    episode_ids: list[str]
    entity_ids: list[str]
    episode: Ints = field(default_factory=_no_rows)
    entity: Ints = field(default_factory=_no_rows)
    values: dict[str, list[Any]] = field(default_factory=dict)
    new_places: PlaceColumns = field(default_factory=lambda: PlaceColumns.empty(()))
    placed_episode: Ints = field(default_factory=_no_rows)
    placed_position: Ints = field(default_factory=_no_rows)
    places: PlaceColumns = field(default_factory=lambda: PlaceColumns.empty(()))
    #: Topic id -> the entity its tag names.
    topic_entities: dict[str, str] = field(default_factory=dict)
    #: The entity of each mention the episodes have, as the linker read it (see
    #: :class:`ListedEntities`): the build need not read it again.
    listed_entities: ListedEntities | None = None
    #: :data:`LISTED_CODED` fields of the mentions the episodes have, in order, coded ahead
    #: (:func:`code_listed`); the build checks them against the mentions (:func:`listed_columns`).
    listed_coded: dict[str, Coded] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.episode)

    def check(self, episode_ids: list[str]) -> None:
        """Raise ``ValueError`` unless the columns number the episodes as ``episode_ids`` does."""
        if episode_ids != self.episode_ids:
            raise ValueError("the added mentions were found in other episodes than the graph's")


def code_listed(episodes: Sequence[Episode]) -> dict[str, Coded]:
    """The :data:`LISTED_CODED` fields of the episodes' mentions, in order, coded; a field with
    a value other than a plain string is left out (the build codes it, as JSON tells values apart).

    >>> from castgraph.graph.model import Episode, Mention
    >>> ep = Episode(id="a", title="A", mentions=[Mention(surface="x"), Mention(surface="x")])
    >>> coded = code_listed([ep])
    >>> coded["surface"].values, coded["surface"].codes.tolist()
    (['x'], [0, 0])
    """
    mentions = list(chain.from_iterable(map(attrgetter("mentions"), episodes)))
    coded: dict[str, Coded] = {}
    for name in LISTED_CODED:
        column = Coded.of(list(map(attrgetter(name), mentions)))
        if all(type(value) is str for value in column.values):
            coded[name] = column
    return coded


def listed_columns(given: dict[str, Coded], table: dict[str, list[Any]]) -> dict[str, Coded]:
    """The columns of ``given`` (see :func:`code_listed`) that hold what ``table``'s columns hold
    (equal strings, in the same rows): coded as :meth:`Coded.of` would code them.

    >>> listed_columns({"surface": Coded.of(["x", "y"])}, {"surface": ["x", "y"]})["surface"].codes.tolist()
    [0, 1]
    >>> listed_columns({"surface": Coded.of(["x", "y"])}, {"surface": ["x", "z"]})
    {}
    """
    return {name: column for name, column in given.items()
            if len(column) == len(table.get(name, ())) and column.take() == table[name]}


@dataclass
class MergedMentions:
    """A mention table with the added mentions merged in (see :func:`merge_mentions`)."""

    #: The fields as lists, but :data:`LISTED_CODED`'s and ``ordinal`` (empty lists: they are in
    #: ``coded`` and ``ordinals``) and :data:`PLACE_FIELDS` (left out: they are in ``places``).
    table: dict[str, list[Any]]
    #: :data:`LISTED_CODED`'s columns, by edge attribute.
    coded: dict[str, Coded]
    ordinals: npt.NDArray[np.int32]
    #: The :data:`PLACE_FIELDS` columns (see :func:`~castgraph.graph.places.place_codes`).
    places: dict[str, Coded]
    #: Per row: its episode and entity (numbers, as the table's rows had them).
    episode: npt.NDArray[np.int32]
    entity: npt.NDArray[np.int32]
    #: Where the added mentions' rows are.
    new: Ints


def merge_mentions(table: dict[str, list[Any]], listed: dict[str, Coded], episode: Rows, entity: Rows,
                   added: AddedMentions, *, sizes: list[int], kept: Rows, entity_at: Rows,
                   defaults: dict[str, Any]) -> MergedMentions:
    """The mention ``table`` (rows of episodes ``episode``, ascending, and entities ``entity``)
    with the mentions of ``added`` after each episode's own, and the places ``added`` found.

    ``listed`` holds columns of ``table`` coded already (:func:`listed_columns`); ``sizes`` and
    ``kept`` say which of the episodes' mentions the rows are (see :func:`placed_rows`);
    ``entity_at`` is the entity number of each of ``added.entity_ids``; ``defaults`` the value
    of each field an added mention does not give.
    """
    own_rows = np.asarray(rows_where(table["field"]), dtype=np.int64)
    own = {name: pick(table[name], own_rows.tolist()) for name in PLACE_FIELDS}
    apart = {name: table[name] for name in (*LISTED_CODED, "ordinal")}
    merged, new, old = merge_added(table, episode, added, defaults, skip=(*PLACE_FIELDS, *apart))
    size = len(new) + len(old)
    coded: dict[str, Coded] = {}
    for name, attribute in LISTED_CODED.items():
        values = added.values.get(name, [defaults[name]] * len(new))
        own_column = listed[name] if name in listed else Coded.of(apart[name])
        parts = [(old, own_column), (new, Coded.of(values))]
        coded[attribute] = Coded.merged(size, parts)
    merged.update({name: [] for name in apart})
    ordinals = _scatter(size, (old, np.asarray(apart["ordinal"], dtype=np.int32)),
                        (new, np.asarray(added.values.get("ordinal", [0] * len(new)), dtype=np.int32)))
    placed, linked = placed_rows(sizes, added, kept, old), added.places
    if len(own_rows):  # a mention with a place of its own (a title pattern's) keeps it
        elsewhere = np.flatnonzero(~np.isin(placed, old[own_rows]))
        placed, linked = placed[elsewhere], linked.take(elsewhere)
    places = place_codes(size, [placed, new], [linked, added.new_places], own_rows=old[own_rows], own=own)
    episodes = _scatter(size, (old, episode), (new, added.episode))
    entities = _scatter(size, (old, entity), (new, np.asarray(entity_at)[added.entity]))
    return MergedMentions(merged, coded, ordinals, places, episodes, entities, new)


def _scatter(size: int, *parts: tuple[Rows, Rows]) -> npt.NDArray[np.int32]:
    """An int32 array of ``size`` with each part's values at its positions."""
    out = np.empty(size, dtype=np.int32)
    for at, values in parts:
        out[at] = values
    return out


def pick(items: list[Any], rows: list[int]) -> list[Any]:
    """``items`` at ``rows``.

    >>> pick(["a", "b", "c"], [2, 0])
    ['c', 'a']
    """
    return list(map(items.__getitem__, rows))


def placed_rows(sizes: list[int], added: AddedMentions, kept: Rows, rows: Rows) -> Ints:
    """The rows of the merged table that the places of ``added`` belong to.

    The episodes' own mentions were ``sizes[n]`` for episode ``n``, one after the other; of
    them the rows ``kept`` went into the table, at ``rows`` (see :func:`merge_added`).
    """
    if not len(added.placed_episode):
        return np.zeros(0, dtype=np.int64)
    offsets = np.cumsum(sizes, dtype=np.int64) - np.asarray(sizes, dtype=np.int64)
    own = offsets[added.placed_episode] + added.placed_position
    # A placed mention has an entity, so it was kept.
    return np.asarray(rows, dtype=np.int64)[np.searchsorted(kept, own)]


def merge_added(table: dict[str, list[Any]], episode: Rows, added: AddedMentions, defaults: dict[str, Any],
                skip: tuple[str, ...] = ()) -> tuple[dict[str, list[Any]], Ints, Ints]:
    """``table`` (rows of episodes ``episode``, ascending) with the new mentions of ``added``
    after each episode's own; return it (without the columns ``skip``), the new rows'
    positions and the old rows' positions.

    >>> table, new, old = merge_added({"surface": ["a", "b", "c"], "role": ["", "", ""]},
    ...     np.array([0, 0, 1]),
    ...     AddedMentions(["e0", "e1"], ["x"], np.array([0]), np.array([0]), {"surface": ["X"]}),
    ...     {"surface": "", "role": ""})
    >>> table, new.tolist(), old.tolist()
    ({'surface': ['a', 'b', 'X', 'c'], 'role': ['', '', '', '']}, [2], [0, 1, 3])
    """
    size, new_size = len(episode), len(added)
    if not new_size:
        kept = {name: column for name, column in table.items() if name not in skip}
        return kept, np.zeros(0, dtype=np.int64), np.arange(size, dtype=np.int64)
    new = np.searchsorted(episode, added.episode, side="right") + np.arange(new_size, dtype=np.int64)
    is_new = np.zeros(size + new_size, dtype=bool)
    is_new[new] = True
    old = np.flatnonzero(~is_new)
    at: list[int] | None = None
    picks: list[int] | None = None
    merged: dict[str, list[Any]] = {}
    for name, column in table.items():
        if name in skip:
            continue
        values = added.values.get(name)
        if values is None:
            values = [defaults[name]] * new_size
        first = _one_value(column)
        if first is not _MIXED:
            # The old rows all hold one value (most columns but a few): no permutation, the new
            # rows' values put in place.
            merged[name] = [first] * (size + new_size)
            if values.count(first) != new_size or not _plain(first):
                at = new.tolist() if at is None else at
                deque(map(merged[name].__setitem__, at, values), maxlen=0)
            continue
        if picks is None:
            # Row k of the merged table is row picks[k] of old + new.
            order = np.empty(size + new_size, dtype=np.int64)
            order[old] = np.arange(size, dtype=np.int64)
            order[new] = size + np.arange(new_size, dtype=np.int64)
            picks = order.tolist()
        both = column + values
        merged[name] = list(map(both.__getitem__, picks))
    return merged, new, old


_MIXED = object()


def _plain(value: Any) -> bool:
    """Whether values equal to ``value`` are the same JSON value (``0``, ``0.0`` and ``False``
    are equal in Python, three values in JSON)."""
    return value is None or type(value) is str


def _one_value(column: list[Any]) -> Any:
    """The one value of every item of ``column`` (checked in C), or :data:`_MIXED`."""
    if not column:
        return _MIXED
    first = column[0]
    if not _plain(first) and not isinstance(first, Enum):
        return _MIXED
    return first if column.count(first) == len(column) else _MIXED
