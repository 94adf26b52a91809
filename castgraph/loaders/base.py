"""Pieces every loader shares: the result type, text decoding, clock parsing,
pausing the garbage collector for big loads, and the de-duplication and ordering
of episodes.

Examples
--------
>>> parse_clock("1:24:44"), parse_clock("14:47"), parse_clock("[01:21]")
(5084, 887, 81)
>>> text, warnings = decode_text("caf\\xe9".encode("latin-1"), "menu.txt")
>>> text, str(warnings[0]).split(":")[0]
('café', 'menu.txt')
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date, timedelta
from operator import attrgetter
from typing import Any

from pydantic import BaseModel, Field

from castgraph.graph.model import Episode, LoadWarning, Source

__all__ = [
    "LoadResult",
    "decode_text",
    "dedupe_episodes",
    "make_result",
    "parse_clock",
    "published_from_age",
    "sort_episodes",
]


class LoadResult(BaseModel):
    """Episodes read from one or more inputs, and the problems that did not stop the read."""

    episodes: list[Episode] = Field(default_factory=list)
    warnings: list[LoadWarning] = Field(default_factory=list)


def make_result(episodes: list[Episode], warnings: list[LoadWarning]) -> LoadResult:
    """A :class:`LoadResult` of already-validated episodes, without validating them again."""
    return LoadResult.model_construct(episodes=episodes, warnings=warnings)


_CLOCK = re.compile(r"^\[?\s*(\d+):(\d{1,2})(?::(\d{1,2}))?\s*\]?$")


def parse_clock(text: str) -> int | None:
    """Seconds of a ``h:mm:ss`` or ``mm:ss`` clock (brackets allowed); None if it is not one.

    >>> parse_clock("0:05"), parse_clock("1:02:44"), parse_clock("soon")
    (5, 3764, None)
    """
    match = _CLOCK.match(text.strip())
    if not match:
        return None
    a, b, c = match.groups()
    if c is None:
        return int(a) * 60 + int(b)
    return int(a) * 3600 + int(b) * 60 + int(c)


def published_from_age(as_of: date | None, age_days: int | None) -> date | None:
    """The day ``age_days`` before ``as_of``; None when either is unknown or the day is out of range.

    >>> published_from_age(date(2026, 11, 25), 3), published_from_age(None, 3)
    (datetime.date(2026, 11, 22), None)
    >>> published_from_age(date(2026, 11, 25), 10**9) is None
    True
    """
    if as_of is None or age_days is None:
        return None
    try:
        return as_of - timedelta(days=age_days)
    except OverflowError:
        return None


def decode_text(data: bytes, source: str) -> tuple[str, list[LoadWarning]]:
    """Decode file bytes: UTF-8 (a BOM is dropped), UTF-16 with a BOM, else cp1252 with a warning.

    Bytes that are not UTF-8 are most often Windows-1252 or Latin-1 text; cp1252
    reads both, and the few bytes it leaves undefined become U+FFFD.

    >>> decode_text(b"\\xef\\xbb\\xbfhi", "a.txt")
    ('hi', [])
    """
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", errors="replace"), []
    try:
        return data.decode("utf-8-sig"), []
    except UnicodeDecodeError as exc:
        bad = data[exc.start : exc.start + 1].hex()
        warning = LoadWarning(
            source=Source(file=source),
            message=f"not valid UTF-8 (byte 0x{bad} at offset {exc.start}); decoded as cp1252",
        )
        return data.decode("cp1252", errors="replace"), [warning]


def _richness(ep: Episode) -> tuple[Any, ...]:
    # The fuller copy wins; the rest of the key only breaks ties, independent of input order.
    return (
        len(ep.mentions),
        len(ep.chapters),
        len(ep.summary),
        len(ep.tags),
        ep.model_dump_json(exclude={"source"}),
        str(ep.source or ""),
    )


def _order(ep: Episode) -> tuple[Any, ...]:
    src = ep.source
    return (
        src.file if src else "",
        (src.line or src.record or 0) if src else 0,
        ep.id,
    )


def sort_episodes(episodes: Iterable[Episode]) -> list[Episode]:
    """Episodes in input order: by file, then line or record, then id.

    >>> eps = [Episode(id="b", title="B", source=Source(file="x", line=9)),
    ...        Episode(id="a", title="A", source=Source(file="x", line=2))]
    >>> [e.id for e in sort_episodes(eps)]
    ['a', 'b']
    """
    return sorted(episodes, key=_order)


def dedupe_episodes(episodes: Iterable[Episode]) -> tuple[list[Episode], list[LoadWarning]]:
    """Keep one episode per id: the fullest copy, chosen the same way whatever the input order.

    >>> short = Episode(id="e", title="T", source=Source(file="b.jsonl", line=1))
    >>> full = Episode(id="e", title="T", summary="more", source=Source(file="a.jsonl", line=4))
    >>> kept, warnings = dedupe_episodes([short, full])
    >>> kept[0].summary, str(warnings[0])
    ('more', 'b.jsonl, line 1: duplicate of episode e from a.jsonl, line 4; kept that copy')
    """
    episodes = list(episodes)
    if len(set(map(attrgetter("id"), episodes))) == len(episodes):  # the usual case: checked in C
        return sort_episodes(episodes), []
    groups: dict[str, list[Episode]] = {}
    for ep in episodes:
        groups.setdefault(ep.id, []).append(ep)
    kept: list[Episode] = []
    warnings: list[LoadWarning] = []
    for ep_id, copies in groups.items():
        if len(copies) == 1:
            kept.append(copies[0])
            continue
        best = max(copies, key=_richness)
        kept.append(best)
        for other in sorted(copies, key=_order):
            if other is best:
                continue
            warnings.append(
                LoadWarning(
                    source=other.source or Source(file="<input>"),
                    message=f"duplicate of episode {ep_id} from {best.source or '<input>'}; kept that copy",
                )
            )
    warnings.sort(key=lambda w: (w.source.file, w.source.line or w.source.record or 0, w.message))
    return sort_episodes(kept), warnings
