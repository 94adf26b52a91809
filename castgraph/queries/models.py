"""Result models of the queries: the same on every backend, serialized as the CLI's JSON.

Examples
--------
>>> ref = EntityRef(id="entity:1", name="Claude Code", type="Product")
>>> ComentionEdge(source=ref, target=ref, weight=2, score=2.0, episodes=["episode:a", "episode:b"]).weight
2
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from castgraph.errors import CastgraphError

__all__ = [
    "ChapterRef",
    "CoMentioned",
    "ComentionEdge",
    "Community",
    "EntityAppearance",
    "EntityProfile",
    "EntityRef",
    "FoundAt",
    "KeyPlayer",
    "NotFoundError",
    "RelatedEpisode",
    "SharedEntity",
    "SharedTopic",
    "TopicCount",
]


class NotFoundError(CastgraphError):
    """An episode or entity that the graph does not hold; ``suggestions`` are near matches.

    >>> str(NotFoundError("no entity matches 'Pocok'", ["Matt Pocock"]))
    "no entity matches 'Pocok'; did you mean: Matt Pocock?"
    """

    def __init__(self, message: str, suggestions: list[str] | None = None) -> None:
        self.suggestions = list(suggestions or [])
        if self.suggestions:
            message = f"{message}; did you mean: {', '.join(self.suggestions)}?"
        super().__init__(message)


class _Result(BaseModel):
    """A query result. Each kind builds its validator when first made, not on import: a
    command makes the few kinds of its query, not the others."""

    model_config = ConfigDict(defer_build=True)


class EntityRef(_Result):
    """An entity as results name it."""

    id: str
    name: str
    type: str


class SharedEntity(EntityRef):
    """An entity two episodes share, with the weight (its rarity) it adds to the score."""

    weight: float


class SharedTopic(_Result):
    """A topic two episodes share, with the weight it adds to the score."""

    id: str
    name: str
    weight: float


class RelatedEpisode(_Result):
    """An episode related to a query episode (or entities), explained by what they share."""

    id: str
    title: str
    published: str | None = None
    score: float
    shared_entities: list[SharedEntity] = Field(default_factory=list)
    shared_topics: list[SharedTopic] = Field(default_factory=list)


class ComentionEdge(_Result):
    """Two entities discussed in the same episodes.

    ``weight`` is the number of shared episodes, ``score`` the value edges are ranked
    by: the weight itself, or its Jaccard / PMI normalization.
    """

    source: EntityRef
    target: EntityRef
    weight: int
    score: float
    episodes: list[str] = Field(default_factory=list)


class Community(_Result):
    """A group of entities more often discussed with each other than with the rest."""

    id: int
    members: list[EntityRef]


class KeyPlayer(EntityRef):
    """An entity ranked by its PageRank in the co-mention graph."""

    pagerank: float
    degree: int


class ChapterRef(_Result):
    """A chapter of an episode where an entity is discussed."""

    title: str
    start: float | None = None


class FoundAt(_Result):
    """How one mention was obtained and where it was found: field, chapter, time in seconds."""

    origin: str
    field: str = ""
    chapter: str | None = None
    start: float | None = None


class EntityAppearance(_Result):
    """One episode that mentions an entity: when, with which surfaces, how, where, in which chapters.

    ``origins`` are how its mentions were obtained, strongest first; ``discussed_at`` is the
    earliest time a mention was found at (a chapter start or transcript cue), if any.
    """

    id: str
    title: str
    published: str | None = None
    surfaces: list[str] = Field(default_factory=list)
    origins: list[str] = Field(default_factory=list)
    discussed_at: float | None = None
    found: list[FoundAt] = Field(default_factory=list)
    chapters: list[ChapterRef] = Field(default_factory=list)


class CoMentioned(EntityRef):
    """An entity discussed in the same episodes, with the number of episodes shared."""

    episodes: int


class TopicCount(_Result):
    """A topic of the episodes an entity appears in, with how many of them have it."""

    id: str
    name: str
    episodes: int


class EntityProfile(_Result):
    """Everything the graph knows about one entity."""

    id: str
    name: str
    type: str
    aliases: list[str] = Field(default_factory=list)
    description: str = ""
    matched_by: str = "id"
    episode_count: int = 0
    episodes: list[EntityAppearance] = Field(default_factory=list)
    comentioned: list[CoMentioned] = Field(default_factory=list)
    topics: list[TopicCount] = Field(default_factory=list)
