"""The entities each episode mentions already, as the linker sees them while it decides.

A name found in an episode's text becomes a new mention only when the episode does not
mention its entity yet; a listed mention it does have gets placed (where the text discusses
it). :class:`PresentMentions` answers both for many (episode, entity) pairs at once, from the
resolver's mention columns (:mod:`castgraph.graph.assigned`) when they are current.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from castgraph.graph.assigned import listed_rows
from castgraph.graph.model import Episode, Mention, Resolution

__all__ = ["PresentMentions"]


class PresentMentions:
    """The entities each episode mentions already: its first listed mention of each, or a new hashtag one.

    Episodes are numbers (in the linker's order), entities numbers into ``entity_ids``.
    """

    def __init__(self, eps: list[Episode], resolution: Resolution, entity_ids: list[str]) -> None:
        self.eps, self.entity_ids = eps, entity_ids
        self.index = {entity_id: i for i, entity_id in enumerate(entity_ids)}
        self.size = max(len(entity_ids), 1)
        counts = np.fromiter((len(ep.mentions) for ep in eps), dtype=np.int64, count=len(eps))
        index = self.index
        found = listed_rows(eps, resolution)
        if found is not None:  # the resolver's columns: no mention id to make or look up
            number = np.array([index.get(e.id, -1) for e in resolution.entities] + [-1], dtype=np.int64)
            entity = number[found.entity]  # -1 (no entity) picks the last
        else:
            get = resolution.assignments.get
            entity = np.fromiter((index.get(get(f"{ep.id}#{m.ordinal}"), -1)  # type: ignore[arg-type]
                                  for ep in eps for m in ep.mentions),
                                 dtype=np.int64, count=int(counts.sum()))
        #: The entity (number) of every mention of the episodes, in order (-1: none); the resolver's
        #: columns it was read from (None: read from the assignments) and each mention's row in them;
        #: and each episode's mentions.
        self.listed = entity
        self.listed_from = found.columns if found is not None else None
        self.listed_rows = found.rows if found is not None else None
        self.counts = counts
        episode = np.repeat(np.arange(len(eps), dtype=np.int64), counts)
        position = np.arange(len(entity)) - np.repeat(np.cumsum(counts) - counts, counts)
        listed = entity >= 0
        # One key per (episode, entity), and the position of the episode's first mention of it.
        self.keys, first = np.unique(episode[listed] * self.size + entity[listed], return_index=True)
        self.position = position[listed][first]
        self.hashtags: dict[int, Mention] = {}

    def add(self, number: int, entity_id: str, mention: Mention) -> None:
        """Record a new hashtag mention of ``entity_id`` in episode ``number``."""
        self.hashtags[number * self.size + self.index[entity_id]] = mention

    def contains(self, episodes: npt.NDArray[np.int64], entities: npt.NDArray[np.int64]
                 ) -> npt.NDArray[np.bool_]:
        """Whether each episode already mentions each entity (pairwise)."""
        keys = episodes * self.size + entities
        if not len(self.keys):
            found = np.zeros(len(keys), dtype=bool)
        else:
            at = np.minimum(np.searchsorted(self.keys, keys), len(self.keys) - 1)
            found = self.keys[at] == keys
        if self.hashtags:
            found |= np.isin(keys, np.fromiter(self.hashtags, dtype=np.int64, count=len(self.hashtags)))
        return found

    def where(self, episodes: npt.NDArray[np.int64], entities: npt.NDArray[np.int64]
              ) -> tuple[npt.NDArray[np.bool_], npt.NDArray[np.int64]]:
        """Whether each episode has a listed mention of each entity (pairwise), and the position
        of its first in the episode's mentions (-1 where it has none)."""
        keys = episodes * self.size + entities
        if not len(self.keys):
            return np.zeros(len(keys), dtype=bool), np.full(len(keys), -1, dtype=np.int64)
        at = np.minimum(np.searchsorted(self.keys, keys), len(self.keys) - 1)
        listed = self.keys[at] == keys
        return listed, np.where(listed, self.position[at], -1)

    def hashtag(self, number: int, entity: int) -> Mention:
        """The hashtag mention of entity number ``entity`` in episode ``number`` (see :meth:`add`)."""
        return self.hashtags[number * self.size + entity]
