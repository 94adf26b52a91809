"""The query backend interface: the few data look-ups every query is made of.

Each query (:mod:`castgraph.queries.related`, :mod:`~castgraph.queries.comention`,
:mod:`~castgraph.queries.profile`) asks a backend for small, exact facts (counts,
posting lists, memberships) and does its scoring and ranking in shared Python code.
The NetworkX backend answers from in-memory indexes, the Neo4j backend with Cypher
on the server; because both hand the same integers and strings to the same scoring
functions, both give the same answers (same ids, same order, same scores).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

__all__ = [
    "ComentionCounts",
    "EntityRow",
    "EpisodeRow",
    "MentionRef",
    "OriginWeights",
    "QueryBackend",
    "Term",
    "tier_key",
]


@dataclass(frozen=True)
class EpisodeRow:
    """An episode's metadata; ``chapters`` is a list of chapter dicts (title, start, summary, quotes)."""

    id: str
    title: str
    published: str | None = None
    chapters: list[dict[str, object]] = field(default_factory=list, compare=False)


@dataclass(frozen=True)
class EntityRow:
    """An entity's node attributes; ``episode_count`` is the stored count (used to break name ties)."""

    id: str
    name: str
    type: str
    aliases: tuple[str, ...] = ()
    description: str = ""
    episode_count: int = 0


@dataclass(frozen=True)
class Term:
    """An entity or topic of an episode, with its document frequency (episodes that have it).

    For an entity, ``strength`` is how strongly the query episode mentions it (the best
    :data:`~castgraph.queries.scoring.ORIGIN_WEIGHTS` of its mentions), and ``tier``, when
    set, restricts postings to the episodes whose own best strength for it is ``tier``.
    """

    id: str
    kind: str  # "entity" | "topic"
    name: str
    type: str
    df: int
    strength: float = 1.0
    tier: float | None = None

    @property
    def key(self) -> str:
        """The id, with the tier for a tiered entity term: posting lists are keyed by it."""
        return self.id if self.tier is None else tier_key(self.id, self.tier)


def tier_key(term_id: str, tier: float) -> str:
    """The :attr:`Term.key` of a term at a strength tier.

    >>> tier_key("entity:1", 0.5)
    'entity:1@0.5'
    """
    return f"{term_id}@{tier!r}"


#: Weights of mention origins (see :data:`castgraph.queries.scoring.ORIGIN_WEIGHTS`);
#: an origin not in the map weighs 1, an edge without one is ``listed``.
OriginWeights = Mapping[str, float]


@dataclass(frozen=True)
class MentionRef:
    """How one mention of an entity was obtained and where it was found in its episode."""

    origin: str = "listed"
    field: str = ""
    chapter: int | None = None
    timestamp: float | None = None


@dataclass
class ComentionCounts:
    """Raw co-mention counts within the selected episodes.

    ``pairs`` maps ``(a, b)`` with ``a < b`` to the sorted ids of the episodes both appear
    in; ``df`` counts the selected episodes of each entity; ``episodes`` is how many
    episodes were selected (the date range), whatever their entities.
    """

    pairs: dict[tuple[str, str], list[str]]
    df: dict[str, int]
    refs: dict[str, EntityRow]
    episodes: int


class QueryBackend(ABC):
    """Where the queries read the graph from."""

    @abstractmethod
    def episode_count(self) -> int:
        """Number of episodes in the graph."""

    @abstractmethod
    def episodes(self, ids: Sequence[str]) -> dict[str, EpisodeRow]:
        """Rows of the episodes with these node ids (missing ids are left out)."""

    @abstractmethod
    def episodes_titled(self, fragment: str) -> list[EpisodeRow]:
        """Episodes whose title contains ``fragment`` (casefolded), sorted by id; no chapters."""

    @abstractmethod
    def episode_titles(self) -> list[tuple[str, str]]:
        """``(id, title)`` of every episode: only for "did you mean" after a failed look-up."""

    @abstractmethod
    def entities(self, ids: Sequence[str]) -> dict[str, EntityRow]:
        """Rows of the entities with these ids (missing ids are left out)."""

    @abstractmethod
    def entities_named(self, name: str) -> list[EntityRow]:
        """Entities whose name or one of whose aliases is exactly ``name``."""

    @abstractmethod
    def entity_absorbing(self, former_id: str) -> EntityRow | None:
        """The entity that absorbed the earlier entity ``former_id`` (see ``Entity.former_ids``)."""

    @abstractmethod
    def entity_names(self) -> list[EntityRow]:
        """Every entity row (for the fuzzy name index, which is built once per backend)."""

    @abstractmethod
    def episode_terms(self, episode_id: str, weights: OriginWeights | None = None) -> list[Term]:
        """The distinct entities and topics of an episode, each with its document frequency.

        With ``weights``, each entity term has the ``strength`` of the episode's strongest
        mention of it; entities whose mentions all weigh 0 are left out.
        """

    @abstractmethod
    def entity_terms(self, ids: Sequence[str]) -> list[Term]:
        """The given entities as terms, with their document frequencies."""

    @abstractmethod
    def postings(self, terms: Sequence[Term], weights: OriginWeights | None = None) -> dict[str, list[str]]:
        """For each term (by :attr:`Term.key`), the sorted ids of the episodes that have it.

        A tiered entity term lists the episodes whose strongest mention of it weighs ``tier``.
        """

    @abstractmethod
    def memberships(self, episode_ids: Sequence[str], terms: Sequence[Term],
                    weights: OriginWeights | None = None) -> dict[str, set[str]]:
        """For each given episode, the keys of the ``terms`` it has (episodes with none may be left out)."""

    @abstractmethod
    def comention_counts(
        self, *, types: Sequence[str] | None, since: str | None, until: str | None, min_weight: int
    ) -> ComentionCounts:
        """Co-mention counts among entities of ``types`` in episodes published in ``[since, until]``.

        Pairs sharing fewer than ``min_weight`` episodes may be left out.
        """

    @abstractmethod
    def appearances(self, entity_id: str, limit: int | None
                    ) -> tuple[int, list[tuple[str, list[str], list[MentionRef]]]]:
        """How many episodes mention the entity, and ``(episode id, surfaces, mentions)`` of the first few.

        Sorted newest first (episodes without a date last), then by id; surfaces (distinct)
        and mentions in mention order.
        """

    @abstractmethod
    def comentioned(self, entity_id: str, limit: int) -> list[tuple[EntityRow, int]]:
        """The entities sharing most episodes with ``entity_id``: count desc, then id asc."""

    @abstractmethod
    def topic_counts(self, entity_id: str, limit: int) -> list[tuple[str, str, int]]:
        """``(topic id, name, episodes)`` over the entity's episodes: count desc, then id asc."""
