"""Read the text of a podcast-app episode list page.

Each episode on the page is laid out as::

    Title
    1:24:44                 duration
    EN/ZH                   languages
    2 ヶ国語で視聴           UI chrome (ignored)
    Latent Space1日前        show and age ("3 days ago", "2週間前", ...)

    Title                   (repeated)

    Body                    summary, chapters, entity list (see page_body)

    #tag#another-tag        topics

An episode may stop after its header (no body), and an episode body may be a
mangled record dump that still carries its chapters, entities and tags. Text
before the first episode (the app's name, a "Podcasts" heading) is page chrome.

Examples
--------
>>> page = '''Podcasts
...
... Agents at Work — Jane Doe
... 42:10
... EN
... Tech Talks3日前
...
... Agents at Work — Jane Doe
...
... Jane explains agents. ## Entities - **Jane Doe** (Person): Guest.
...
... #ai-agents#Tools'''
>>> ep = parse_page(page, as_of=date(2026, 11, 25)).episodes[0]
>>> ep.show, ep.duration_seconds, ep.languages, ep.age_days, ep.published, ep.tags
('Tech Talks', 2530, ['EN'], 3, datetime.date(2026, 11, 22), ['ai-agents', 'tools'])
>>> ep.mentions[0].surface, ep.mentions[0].type_label, ep.mentions[0].id == ep.id + "#0"
('Jane Doe', 'Person', True)
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from castgraph.graph.model import Episode, LoadWarning, Source
from castgraph.loaders.base import (
    LoadResult,
    decode_text,
    dedupe_episodes,
    make_result,
    parse_clock,
    published_from_age,
)
from castgraph.loaders.errors import InputError
from castgraph.loaders.page_body import parse_body

__all__ = ["looks_like_page", "parse_age", "parse_page", "read_page"]

_DURATION = re.compile(r"^\d{1,2}:\d{2}(?::\d{2})?$")
_LANGS = re.compile(r"^[A-Za-z]{2,3}(?:-[A-Za-z0-9]{2,4})?(?:\s*/\s*[A-Za-z]{2,3}(?:-[A-Za-z0-9]{2,4})?)*$")
_CHROME = re.compile(r"^\d+\s*(?:ヶ国語|か国語|ヵ国語|カ国語|languages?\b)", re.I)
_HASHTAGS = re.compile(r"^\s*(?:#[^\s#]+\s*)+$")
_DAYS_JA = {"分": 0, "時間": 0, "日": 1, "週間": 7, "週": 7, "か月": 30, "ヶ月": 30, "ヵ月": 30, "カ月": 30,
            "ケ月": 30, "年": 365}  # fmt: skip
_DAYS_EN = {"second": 0, "sec": 0, "minute": 0, "min": 0, "hour": 0, "hr": 0, "day": 1, "week": 7, "wk": 7,
            "month": 30, "mo": 30, "year": 365, "yr": 365}  # fmt: skip
_DAYS_PER_UNIT = {**_DAYS_JA, **_DAYS_EN}


def _units(days: dict[str, int]) -> str:
    return "|".join(sorted(days, key=lambda u: (-len(u), u)))  # longest first: "週間" before "週"


_AGE_JA = re.compile(rf"(\d+)\s*({_units(_DAYS_JA)})\s*前$")
_AGE_EN = re.compile(rf"(\d+|an?|one)\s*({_units(_DAYS_EN)})s?\.?\s+ago$", re.I)
_AGE_WORDS = {"今日": 0, "本日": 0, "昨日": 1, "today": 0, "just now": 0, "yesterday": 1}


def parse_age(line: str) -> tuple[str, int | None] | None:
    """Split a "show + age" line into the show and the age in days; None if it has no age.

    Hours and minutes count as 0 days, weeks as 7, months as 30 and years as 365.

    >>> parse_age("Latent Space1日前"), parse_age("Latent Space · 3 days ago")
    (('Latent Space', 1), ('Latent Space', 3))
    >>> parse_age("Tech Talks5時間前"), parse_age("Tech Talks2か月前"), parse_age("Just a title")
    (('Tech Talks', 0), ('Tech Talks', 60), None)
    """
    text = unicodedata.normalize("NFKC", line).strip()
    for pattern in (_AGE_JA, _AGE_EN):
        match = pattern.search(text)
        if match:
            count = match.group(1).casefold()
            number = 1 if count in ("a", "an", "one") else int(count)
            days = _DAYS_PER_UNIT[match.group(2).casefold()]
            return _show(text[: match.start()]), number * days
    for word, days in _AGE_WORDS.items():
        if text.casefold().endswith(word):
            return _show(text[: len(text) - len(word)]), days
    return None


def _show(text: str) -> str:
    return text.strip().rstrip("·•|-–—,:").strip()


def _norm(text: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", text).split()).casefold()


@dataclass
class _Block:
    line: int  # 1-based line of the title
    title: str
    duration: int | None
    languages: list[str] = field(default_factory=list)
    show: str = ""
    age_days: int | None = None
    body: str = ""
    tags: list[str] = field(default_factory=list)


def _anchors(lines: list[str]) -> list[int]:
    """Indexes of episode title lines: a non-empty line followed by a duration line."""
    return [
        i
        for i in range(len(lines) - 1)
        if lines[i].strip()
        and not _DURATION.match(lines[i].strip())
        and _DURATION.match(lines[i + 1].strip())
    ]


def looks_like_page(text: str) -> bool:
    """Whether ``text`` has at least one episode header (a title line, then a duration line).

    >>> looks_like_page("Title\\n1:02:03\\nEN\\n"), looks_like_page('{"title": "x"}')
    (True, False)
    """
    return bool(_anchors(text.splitlines()))


def _blocks(lines: list[str]) -> list[_Block]:
    anchors = _anchors(lines)
    blocks = []
    for n, i in enumerate(anchors):
        end = anchors[n + 1] if n + 1 < len(anchors) else len(lines)
        block = _Block(line=i + 1, title=lines[i].strip(), duration=parse_clock(lines[i + 1]))
        j = i + 2
        other = []
        while j < end and lines[j].strip():  # header lines until the first blank line
            meta = lines[j].strip()
            age = parse_age(meta)
            if _LANGS.match(meta) and not block.languages:
                block.languages = [lang.strip().upper() for lang in meta.split("/")]
            elif age is not None and not block.show:
                block.show, block.age_days = age
            elif not _CHROME.match(meta):
                other.append(meta)
            j += 1
        if not block.show and other:  # a show line without an age
            block.show = _show(other[-1])
        rest = [line.strip() for line in lines[j:end] if line.strip()]
        if rest and _norm(rest[0]) == _norm(block.title):
            rest = rest[1:]
        if rest and _HASHTAGS.match(rest[-1]):
            block.tags = [t for t in re.split(r"[#\s]+", rest[-1]) if t]
            rest = rest[:-1]
        block.body = "\n".join(rest)
        blocks.append(block)
    return blocks


def parse_page(text: str, *, source: str = "<text>", as_of: date | None = None) -> LoadResult:
    """Parse the text of a podcast-app page into episodes.

    Parameters
    ----------
    text : str
        The page text.
    source : str
        The file name used in warnings and errors.
    as_of : datetime.date, optional
        The day the page was captured; turns ages ("3日前") into published dates.

    Returns
    -------
    LoadResult
        Episodes in page order, and warnings (e.g. an entity item without a name).

    Raises
    ------
    InputError
        If the text holds no episode at all.
    """
    lines = text.splitlines()
    blocks = _blocks(lines)
    if not blocks:
        raise InputError(
            source, "no episodes found (not a podcast page: no title line followed by a duration)"
        )
    episodes: list[Episode] = []
    warnings: list[LoadWarning] = []
    for block in blocks:
        where = Source(file=source, line=block.line)
        body = parse_body(block.body)
        mentions: list[dict[str, str]] = []
        for name, type_label, description in body.entities:
            if not name:
                warnings.append(LoadWarning(source=where, message="entity item without a name skipped"))
                continue
            mentions.append({"surface": name, "type_label": type_label, "description": description})
        published = published_from_age(as_of, block.age_days)
        episodes.append(
            Episode.model_validate(
                dict(
                    id=Episode.make_id(block.show, block.title),
                    title=block.title,
                    show=block.show,
                    published=published,
                    age_days=block.age_days,
                    duration_seconds=block.duration,
                    languages=block.languages,
                    url="",
                    summary=body.summary,
                    chapters=body.chapters,
                    tags=[*block.tags, *body.tags],
                    mentions=mentions,
                    source=where,
                    extra=dict(body.extra),
                )
            )
        )
    kept, duplicates = dedupe_episodes(episodes)
    return make_result(kept, [*warnings, *duplicates])


def read_page(path: str | Path, *, as_of: date | None = None) -> LoadResult:
    """Read a podcast-app page from ``path``; see :func:`parse_page`.

    Raises
    ------
    InputError
        If the file cannot be read, is empty or holds no episode.
    """
    name = str(path)
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise InputError(name, f"cannot read file ({exc.strerror or exc})") from None
    if not data.strip():
        raise InputError(name, "empty file")
    text, warnings = decode_text(data, name)
    result = parse_page(text, source=name, as_of=as_of)
    return make_result(result.episodes, [*warnings, *result.warnings])
