"""Guests and products named by episode titles: one table of patterns, which users can extend.

Shows name their guests in the title far more often than in any list: "42: Linear -
Karri Saarinen", "Scaling agents with Jane Doe", "... — Kyle Daigle, GitHub",
"Andrej Karpathy on tokenizers", "Deep work (Cal Newport)". Each :class:`TitlePattern`
is a regular expression whose named groups ``person``, ``organization`` and ``product``
are the names it gives; :class:`TitleGuestFinder` runs the table over every title
*before* resolution, so an inferred name resolves with the listed ones (typos, aliases,
stable ids) and each inferred mention keeps the name of the pattern that found it.

Guards: a person is two to four capitalized words, none of them an ordinary title word
("Deep Dive on ..." is no person) nor an acronym; a name the episode already lists is
not added again; a name that other episodes list with a type (a product called "Claude
Code" in "... with Claude Code") takes that type.

A user table is YAML, tried before the built-in patterns::

    - name: guest_colon
      regex: "Guest: (?P<person>.+)$"

Examples
--------
>>> finder = TitleGuestFinder()
>>> [(m.surface, m.type_label, m.pattern) for m in finder.find_in_title("42: Linear - Karri Saarinen")]
[('Linear', 'Product', 'numbered_product_guest'), ('Karri Saarinen', 'Person', 'numbered_product_guest')]
>>> [(m.surface, m.pattern) for m in finder.find_in_title("Deep Dive on Agents")]
[]
>>> [(m.surface, m.pattern) for m in finder.find_in_title("ゲスト：松尾豊さんとAIを語る")]
[('松尾豊', 'japanese_guest')]
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping
from functools import lru_cache
from itertools import chain
from operator import attrgetter
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict

from castgraph.errors import CastgraphError
from castgraph.graph.model import EntityType, Episode, Mention, MentionOrigin
from castgraph.memory import gc_paused

__all__ = [
    "DEFAULT_TITLE_PATTERNS",
    "TitleGuestFinder",
    "TitlePattern",
    "TitlePatternError",
    "parse_title_patterns",
    "read_title_patterns",
]

#: The named groups a pattern may use, and the type each gives.
SLOT_TYPES: dict[str, EntityType] = {
    "person": EntityType.PERSON,
    "organization": EntityType.ORGANIZATION,
    "product": EntityType.PRODUCT,
}

_MENTIONS = attrgetter("mentions")
_SURFACE_TYPE_ORIGIN = attrgetter("surface", "type_label", "origin")

# A person: 2-4 capitalized words (initials and particles allowed), no camel case, no digits.
_UPPER = "A-ZÀ-ÖØ-Þ"
_LOWER = "a-zß-öø-ÿ"
_WORD = rf"(?:[{_UPPER}][{_LOWER}'’]+(?:-[{_UPPER}][{_LOWER}'’]+)?|[{_UPPER}]\.)"
_PARTICLE = r"(?:de|van|von|der|den|da|di|del|la|le|bin|al|dos|du)"
PERSON = rf"{_WORD}(?:\s+(?:{_PARTICLE}\s+)?{_WORD}){{1,3}}"
# An organization or product: 1-3 short capitalized words (camel case and digits allowed).
ORG = r"[A-Z0-9][\w.&+'’-]*(?:\s+[A-Z0-9][\w.&+'’-]*){0,2}"
_DASH = r"(?:\s[-–—|]|[–—|])\s*"
_END = r"\s*$"


class TitlePatternError(CastgraphError):
    """A bad title pattern table; the message is one line naming the file and the entry."""


@lru_cache(maxsize=256)
def _compile(regex: str) -> re.Pattern[str]:
    return re.compile(regex)


class TitlePattern(BaseModel):
    """A named regular expression over a title; its named groups are the names found.

    ``prefilter``, if given, is a simpler expression that every title the pattern matches
    also matches (a dash, "with", ...): titles it does not match are passed over without
    running the full one (the built-in patterns have one; most titles need none of them).
    """

    model_config = ConfigDict(frozen=True)

    name: str
    regex: str
    prefilter: str = ""

    def model_post_init(self, context: Any) -> None:
        try:
            compiled = _compile(self.regex)
        except re.error as exc:
            raise TitlePatternError(f"pattern {self.name!r}: {exc}") from None
        unknown = set(compiled.groupindex) - set(SLOT_TYPES)
        if unknown or not compiled.groupindex:
            raise TitlePatternError(f"pattern {self.name!r}: use the named groups "
                                    f"{', '.join(SLOT_TYPES)} (found {sorted(unknown) or 'none'})")
        try:
            _compile(self.prefilter)
        except re.error as exc:
            raise TitlePatternError(f"pattern {self.name!r}: prefilter: {exc}") from None

    def names(self, title: str) -> list[tuple[str, str, int, int]]:
        """``(slot, text, start, end)`` of the names this pattern finds in ``title``."""
        return _names_in(_compile(self.regex), _compile(self.prefilter) if self.prefilter else None, title)


def _names_in(compiled: re.Pattern[str], prefilter: re.Pattern[str] | None, title: str
              ) -> list[tuple[str, str, int, int]]:
    """:meth:`TitlePattern.names`, with the pattern compiled."""
    if prefilter is not None and prefilter.search(title) is None:
        return []
    match = compiled.search(title)
    if match is None:
        return []
    found = []
    for slot in SLOT_TYPES:
        if slot in compiled.groupindex and match.group(slot):
            start, end = match.span(slot)
            text = title[start:end]
            stripped = text.strip(" \t,;:")
            start += len(text) - len(text.lstrip(" \t,;:"))
            found.append((slot, stripped, start, start + len(stripped)))
    return sorted(found, key=lambda f: f[2])


# What a title must have for a pattern to match (see TitlePattern.prefilter): for _DASH, a dash.
_HAS_DASH = r"\s-|[–—|]"

DEFAULT_TITLE_PATTERNS: tuple[TitlePattern, ...] = (
    TitlePattern(name="numbered_product_guest",
                 regex=rf"^\s*(?:#|[Ee]p(?:isode)?\.?\s*)?\d+\s*[:.|]\s*(?P<product>{ORG}){_DASH}"
                       rf"(?P<person>{PERSON}){_END}", prefilter=_HAS_DASH),
    TitlePattern(name="dash_guest_org",
                 regex=rf"{_DASH}(?P<person>{PERSON}),\s+(?P<organization>{ORG}){_END}", prefilter=_HAS_DASH),
    TitlePattern(name="dash_guest", regex=rf"{_DASH}(?P<person>{PERSON}){_END}", prefilter=_HAS_DASH),
    TitlePattern(name="with_guest",
                 regex=rf"\b[Ww]ith\s+(?P<person>{PERSON})(?:,\s+(?P<organization>{ORG}))?"
                       rf"(?=\s*(?:$|[(\[|:–—]|\s-\s|\s(?:of|from|at)\s))", prefilter=r"[Ww]ith\s"),
    TitlePattern(name="guest_on", regex=rf"^\s*(?P<person>{PERSON})\s+on\s+\S", prefilter=r"\son\s"),
    TitlePattern(name="parenthesized_guest",
                 regex=rf"[(\[](?:(?:feat\.?|ft\.|with)\s+)?(?P<person>{PERSON})[)\]]{_END}",
                 prefilter=r"[(\[]"),
    TitlePattern(name="featuring_guest", regex=rf"\b(?:feat\.|ft\.|featuring)\s+(?P<person>{PERSON})",
                 prefilter=r"feat\.|ft\.|featuring"),
    TitlePattern(name="japanese_guest",
                 regex=r"ゲスト[:：]\s*(?P<person>[\u4e00-\u9fff々\u30a0-\u30ffA-Za-z・ ]{2,20}?)"
                       r"(?=さん|氏|様|先生|$|[、,，（(【\[\sとを])", prefilter="ゲスト[:：]"),
)

# Capitalized words that start titles, never names ("Deep Dive on ...", "with Special Guests").
_TITLE_WORDS = frozenset([
    "a", "an", "the", "and", "or", "of", "on", "in", "at", "to", "for", "from", "with", "without", "about",
    "how", "why", "what", "when", "where", "who", "which", "this", "that", "these", "those", "is", "are",
    "was", "were", "be", "our", "your", "my", "their", "its", "new", "live", "special", "guest", "guests",
    "episode", "part", "deep", "dive", "dives", "thoughts", "notes", "lessons", "building", "build",
    "scaling", "inside", "behind", "beyond", "into", "intro", "introduction", "interview", "conversation",
    "chat", "talk", "talks", "ask", "answers", "qa", "q&a", "update", "updates", "news", "weekly",
    "monthly", "recap", "review", "reviews", "bonus", "extra", "edition", "season", "finale", "future",
    "state", "year", "best", "worst", "top", "open", "source", "ai", "agents", "agent", "models", "model",
    "data", "code", "coding", "research", "product", "products", "startup", "startups", "company",
    "companies", "team", "teams", "tech", "technology", "software", "engineering", "engineers", "founder",
    "founders", "ceo", "cto", "coo", "vp", "head", "panel", "fireside", "keynote", "summit", "conference",
    "day", "night", "week"
])


def _any_of(prefilters: list[re.Pattern[str] | None]) -> re.Pattern[str] | None:
    """One expression that matches where any of ``prefilters`` does (``None``: a pattern has none,
    or they do not combine: groups, whose numbers would shift, or flags that must come first).

    >>> _any_of([re.compile("a"), re.compile("b|c"), re.compile("a")]).pattern, _any_of([re.compile("(a)")])
    ('(?:a)|(?:b|c)', None)
    """
    if not prefilters or any(p is None or p.groups for p in prefilters):
        return None
    try:
        return re.compile("|".join(dict.fromkeys(f"(?:{p.pattern})" for p in prefilters if p is not None)))
    except re.error:
        return None


@lru_cache(maxsize=1 << 17)
def _fold(text: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def _plausible_person(name: str) -> bool:
    if any(ord(c) >= 0x3000 for c in name):  # Japanese names have no spaces between their parts
        return 2 <= len(name) <= 20
    words = name.replace("-", " ").split()
    return 2 <= len(words) <= 5 and not any(_fold(w).strip(".") in _TITLE_WORDS for w in words)


def _plausible_name(name: str) -> bool:
    return bool(name) and _fold(name) not in _TITLE_WORDS and not all(_fold(w) in _TITLE_WORDS
                                                                       for w in name.split())


def parse_title_patterns(text: str, *, source: str = "title patterns") -> list[TitlePattern]:
    """Read a YAML list of ``{name, regex}`` entries.

    >>> [p.name for p in parse_title_patterns("- name: guest\\n  regex: 'Guest: (?P<person>.+)$'")]
    ['guest']
    >>> parse_title_patterns("- name: x\\n  regex: '(?P<who>.+)'", source="t.yaml")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    castgraph.link.titles.TitlePatternError: t.yaml: pattern 'x': use the named groups ... (found ['who'])
    """
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f", line {mark.line + 1}" if mark is not None else ""
        raise TitlePatternError(f"{source}{where}: not valid YAML") from None
    if data is None:
        return []
    if not isinstance(data, list):
        raise TitlePatternError(f"{source}: expected a list of {{name, regex}} entries")
    patterns = []
    for number, item in enumerate(data, start=1):
        if not isinstance(item, Mapping) or not isinstance(item.get("name"), str) \
                or not isinstance(item.get("regex"), str):
            raise TitlePatternError(f"{source}: entry {number}: expected name and regex (text)")
        try:
            patterns.append(TitlePattern(name=item["name"], regex=item["regex"]))
        except TitlePatternError as exc:
            raise TitlePatternError(f"{source}: {exc}") from None
    return patterns


def read_title_patterns(path: str | Path) -> list[TitlePattern]:
    """Read a title pattern table from a YAML file (see :func:`parse_title_patterns`)."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise TitlePatternError(f"{path}: cannot read ({exc.__class__.__name__})") from None
    return parse_title_patterns(text, source=str(path))


class TitleGuestFinder:
    """Add the guests, organizations and products that titles name, as ``title_pattern`` mentions.

    Parameters
    ----------
    patterns
        The table, tried in order; each title takes the names of the first pattern that
        gives a plausible one. Defaults to :data:`DEFAULT_TITLE_PATTERNS`.
    """

    def __init__(self, patterns: Iterable[TitlePattern] | None = None) -> None:
        self.patterns = tuple(DEFAULT_TITLE_PATTERNS if patterns is None else patterns)
        self._compiled = [(p, _compile(p.regex), _compile(p.prefilter) if p.prefilter else None)
                          for p in self.patterns]
        self._any_prefilter = _any_of([prefilter for _, _, prefilter in self._compiled])

    def find_in_title(self, title: str, known: Mapping[str, str] | None = None) -> list[Mention]:
        """The mentions a title gives; ``known`` maps folded names to the type label other episodes use."""
        known = known or {}
        for pattern, compiled, prefilter in self._compiled:
            found = []
            for slot, text, start, end in _names_in(compiled, prefilter, title):
                label = known.get(_fold(text))
                if label is None:
                    plausible = _plausible_person(text) if slot == "person" else _plausible_name(text)
                    if not plausible:
                        continue
                    label = SLOT_TYPES[slot].value
                found.append(Mention(surface=text, type_label=label, origin=MentionOrigin.TITLE_PATTERN,
                                     field="title", span=(start, end), pattern=pattern.name))
            if found:
                return found
        return []

    def add_mentions(self, episodes: Iterable[Episode]) -> int:
        """Append the title mentions to each episode (after its own); return how many were added.

        A name the episode already lists (as written, or inside a listed name) is not added.
        """
        with gc_paused():  # many small objects, no cycles: see castgraph.memory
            return self._add_mentions(list(episodes))

    def _captures(self, title: str) -> list[str]:
        """Every name any pattern captures in ``title``, plausible or not (to look their types up)."""
        if self._any_prefilter is not None and self._any_prefilter.search(title) is None:
            return []  # most titles: one search instead of one per pattern
        return [text for _, compiled, prefilter in self._compiled
                for _, text, _, _ in _names_in(compiled, prefilter, title)]

    def _add_mentions(self, episodes: list[Episode]) -> int:
        titled = [(ep, names) for ep in episodes if ep.title for names in [self._captures(ep.title)] if names]
        if not titled:
            return 0
        # The type other episodes give each captured name: only those names are counted.
        wanted = {text.casefold() for _, names in titled for text in names}
        votes: dict[tuple[str, str], int] = {}
        # Counted by distinct (surface, type label, origin), in C: a few per name, a million mentions.
        counted = Counter(map(_SURFACE_TYPE_ORIGIN, chain.from_iterable(map(_MENTIONS, episodes))))
        for (surface, label, origin), count in counted.items():
            if label and surface.casefold() in wanted and origin != MentionOrigin.TITLE_PATTERN:
                key = (_fold(surface), label)
                votes[key] = votes.get(key, 0) + count
        # The type label most episodes give a name (ties: the first label in sorted order).
        known: dict[str, str] = {}
        for (name, label), _ in sorted(votes.items(), key=lambda kv: (kv[0][0], -kv[1], kv[0][1])):
            known.setdefault(name, label)
        added = 0
        for ep, _ in titled:
            if any(m.origin == MentionOrigin.TITLE_PATTERN for m in ep.mentions):
                continue
            found = self.find_in_title(ep.title, known)
            if not found:
                continue
            listed = [_fold(m.surface) for m in ep.mentions]
            for mention in found:
                name = _fold(mention.surface)
                if any(name in other or other in name for other in listed if other):
                    continue
                mention.episode_id, mention.ordinal = ep.id, len(ep.mentions)
                ep.mentions.append(mention)
                listed.append(name)
                added += 1
        return added
