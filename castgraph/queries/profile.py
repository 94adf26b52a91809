"""Entity profiles: everything about one person, product or organization.

A profile has the entity's name, type, aliases and description; the episodes that
mention it (newest first, undated last, then by id) with the surfaces used and the
chapters where it is discussed (a chapter whose title, summary or quotes contain one
of those surfaces, the name or an alias as a whole word; for a person also a first or
last name alone); the entities most often
discussed with it; and the topics of its episodes.

Examples
--------
>>> from castgraph.graph.build import build_graph
>>> from castgraph.graph.model import Chapter, Entity, EntityType, Episode, Mention, Resolution
>>> ep = Episode(id="e1", title="Hello", published="2026-01-02", tags=["#ai"],
...              chapters=[Chapter(title="Intro", start=0), Chapter(title="On swyx", start=60.0)],
...              mentions=[Mention(surface="swyx"), Mention(surface="Cursor")])
>>> res = Resolution(entities=[Entity(id="entity:1", name="swyx", type=EntityType.PERSON, aliases=["Shawn"]),
...                            Entity(id="entity:2", name="Cursor", type=EntityType.PRODUCT)],
...                  assignments={"e1#0": "entity:1", "e1#1": "entity:2"})
>>> p = entity_profile(build_graph([ep], res), "shawn")
>>> p.name, p.matched_by, p.episodes[0].chapters, [c.name for c in p.comentioned], [t.name for t in p.topics]
('swyx', 'normalized', [ChapterRef(title='On swyx', start=60.0)], ['Cursor'], ['ai'])
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING

from castgraph.queries.backend import MentionRef, QueryBackend
from castgraph.queries.comention import as_backend
from castgraph.queries.lookup import find_entity
from castgraph.queries.models import (
    ChapterRef,
    CoMentioned,
    EntityAppearance,
    EntityProfile,
    FoundAt,
    TopicCount,
)
from castgraph.queries.scoring import ORIGIN_WEIGHTS

if TYPE_CHECKING:
    import networkx as nx

__all__ = ["chapter_pattern", "chapters_matching", "chapters_mentioning", "entity_profile", "names_in_text"]


def names_in_text(name: str, aliases: Iterable[str], entity_type: str) -> list[str]:
    """The names an entity goes by in chapter text.

    Chapters call people by one name ("Kyle explains..."): in the episodes that mention
    the person, a first or last name of three letters or more is them.

    >>> names_in_text("Kyle Daigle", [], "Person")
    ['Kyle Daigle', 'Kyle', 'Daigle']
    """
    names = [name, *aliases]
    if entity_type == "Person":
        names += [part for text in names for part in text.split() if len(part) >= 3]
    return names


def chapter_pattern(surfaces: Iterable[str]) -> re.Pattern[str] | None:
    """A pattern finding any of ``surfaces`` as whole words in case-folded text (``None``: no surface)."""
    words = sorted({s.strip().casefold() for s in surfaces if s and s.strip()}, key=lambda s: (-len(s), s))
    if not words:
        return None
    # Whole words only ("AI" must not match "said"); CJK text has no spaces, so only
    # ASCII letters and digits count as word characters around a match.
    alternatives = "|".join(re.escape(w) for w in words)
    return re.compile(rf"(?<![0-9a-z])(?:{alternatives})(?![0-9a-z])")


def chapters_mentioning(chapters: list[dict[str, object]], surfaces: Iterable[str]) -> list[ChapterRef]:
    """The chapters whose title, summary or quotes contain one of ``surfaces``.

    >>> chapters_mentioning([{"title": "Said hi", "start": 1}, {"title": "AI talk", "start": 2}], ["AI"])
    [ChapterRef(title='AI talk', start=2.0)]
    >>> chapters_mentioning([{"title": "Claude Codeの話", "start": None}], ["claude code"])
    [ChapterRef(title='Claude Codeの話', start=None)]
    """
    pattern = chapter_pattern(surfaces)
    return [] if pattern is None else chapters_matching(chapters, pattern)


def chapters_matching(chapters: list[dict[str, object]], pattern: re.Pattern[str]) -> list[ChapterRef]:
    """The chapters whose title, summary or quotes match ``pattern`` (from :func:`chapter_pattern`)."""
    found = []
    for chapter in chapters:
        quotes = chapter.get("quotes")
        parts = [str(chapter.get("title") or ""), str(chapter.get("summary") or "")]
        if isinstance(quotes, list):
            parts += [str(q) for q in quotes]
        text = "\n".join(parts).casefold()
        if pattern.search(text):
            start = chapter.get("start")
            found.append(ChapterRef(title=str(chapter.get("title") or ""),
                                    start=float(start) if isinstance(start, (int, float)) else None))
    return found


def _origin_rank(origin: str) -> tuple[int, str]:
    order = list(ORIGIN_WEIGHTS)
    return (order.index(origin) if origin in order else len(order), origin)


def _found_at(ref: MentionRef, chapters: list[dict[str, object]]) -> FoundAt:
    """Where a mention was found, with its chapter's title."""
    title = None
    if ref.chapter is not None and 0 <= ref.chapter < len(chapters):
        title = str(chapters[ref.chapter].get("title") or "")
    return FoundAt(origin=ref.origin, field=ref.field, chapter=title, start=ref.timestamp)


def _chapters_of(found: list[FoundAt], matched: list[ChapterRef]) -> list[ChapterRef]:
    """The chapters where mentions were found, then those whose text names the entity, by start."""
    refs = [ChapterRef(title=f.chapter, start=f.start) for f in found
            if f.chapter is not None and f.field != "transcript"]
    refs += matched
    unique = list({(c.title, c.start): c for c in refs}.values())
    return sorted(unique, key=lambda c: (c.start is None, c.start or 0.0, c.title))


def entity_profile(
    graph: nx.MultiDiGraph | QueryBackend,
    entity: str,
    *,
    episodes_limit: int | None = 50,
    comentioned_limit: int = 10,
    topics_limit: int = 10,
) -> EntityProfile:
    """The profile of ``entity`` (an id, a name, an alias or a near spelling).

    ``episode_count`` counts every episode; ``episodes`` lists at most ``episodes_limit``.
    Raises :class:`~castgraph.queries.models.NotFoundError` with "did you mean" suggestions.
    """
    backend = as_backend(graph)
    row, matched_by = find_entity(backend, entity)
    if matched_by in ("normalized", "fuzzy"):  # rows of the name index carry no description
        row = backend.entities([row.id])[row.id]
    total, shown = backend.appearances(row.id, episodes_limit)
    episodes = backend.episodes([ep for ep, _, _ in shown])
    names = names_in_text(row.name, row.aliases, row.type)
    appearances = []
    for ep, surfaces, refs in shown:
        chapters = episodes[ep].chapters
        found = [_found_at(ref, chapters) for ref in refs]
        times = [f.start for f in found if f.start is not None]
        appearances.append(EntityAppearance(
            id=ep, title=episodes[ep].title, published=episodes[ep].published, surfaces=surfaces,
            origins=sorted({ref.origin for ref in refs}, key=_origin_rank),
            discussed_at=min(times, default=None),
            found=found, chapters=_chapters_of(found, chapters_mentioning(chapters, [*surfaces, *names]))))
    return EntityProfile(
        id=row.id, name=row.name, type=row.type, aliases=list(row.aliases), description=row.description,
        matched_by=matched_by, episode_count=total,
        episodes=appearances,
        comentioned=[CoMentioned(id=other.id, name=other.name, type=other.type, episodes=n)
                     for other, n in backend.comentioned(row.id, comentioned_limit)],
        topics=[TopicCount(id=tid, name=name, episodes=n)
                for tid, name, n in backend.topic_counts(row.id, topics_limit)],
    )
