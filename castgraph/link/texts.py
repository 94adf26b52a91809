"""The texts of an episode the linker reads, in reading order, with where and when each is.

Examples
--------
>>> from castgraph.graph.model import Chapter, Episode
>>> ep = Episode(id="e", title="T", summary="S", chapters=[Chapter(title="C", start=5)])
>>> [(field, chapter, time) for field, chapter, time, _ in episode_texts(ep, ("title", "chapters"))]
[('title', None, None), ('chapter_title', 0, 5.0)]
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterator, Sequence
from typing import Any

from castgraph.graph.model import Episode

__all__ = ["LINK_FIELDS", "episode_texts"]

#: What the linker can read: ``tags`` links hashtags, ``title`` also runs the title patterns.
LINK_FIELDS = ("title", "summary", "chapters", "transcript", "tags")


def _cues(ep: Episode) -> list[tuple[float | None, str]]:
    """``(start, text)`` of the episode's transcript cues, if it has a transcript."""
    # The instance dict, not getattr: a missing attribute on a pydantic model is a slow miss.
    transcript: Any = vars(ep).get("transcript")
    if not transcript:
        return []
    cues = getattr(transcript, "cues", transcript)
    out = []
    for cue in cues or ():
        get = cue.get if isinstance(cue, dict) else lambda k, c=cue: getattr(c, k, None)
        text, start = get("text"), get("start")
        if isinstance(text, str) and text:
            out.append((float(start) if isinstance(start, (int, float)) else None, text))
    return out


def episode_texts(ep: Episode, fields: Sequence[str] = LINK_FIELDS
                  ) -> Iterator[tuple[str, int | None, float | None, str]]:
    """``(field, chapter, timestamp, text)`` of each text of ``ep`` the linker reads, in reading order.

    >>> from castgraph.graph.model import Chapter
    >>> list(episode_texts(Episode(id="e", title="T", chapters=[Chapter(title="C", start=5, summary="S")])))
    [('title', None, None, 'T'), ('chapter_title', 0, 5.0, 'C'), ('chapter_summary', 0, 5.0, 'S')]
    """
    if "title" in fields and ep.title:
        yield "title", None, None, ep.title
    if "summary" in fields and ep.summary:
        yield "summary", None, None, ep.summary
    starts: list[float] = []
    if "chapters" in fields or "transcript" in fields:
        for i, chapter in enumerate(ep.chapters):
            start = float(chapter.start) if chapter.start is not None else None
            starts.append(start if start is not None else (starts[-1] if starts else 0.0))
            if "chapters" not in fields:
                continue
            if chapter.title:
                yield "chapter_title", i, start, chapter.title
            if chapter.summary:
                yield "chapter_summary", i, start, chapter.summary
            for quote in chapter.quotes:
                if quote:
                    yield "chapter_quote", i, start, quote
    if "transcript" in fields:
        for start, text in _cues(ep):
            at = bisect_right(starts, start) - 1 if start is not None and starts else -1
            yield "transcript", at if at >= 0 else None, start, text
