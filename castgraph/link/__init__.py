"""Mentions found in episode text: known entities in titles, notes, chapters, transcripts and tags.

:class:`EntityLinker` is one build stage (after resolution); its title patterns
(:class:`TitleGuestFinder`) run before resolution. See :mod:`castgraph.link.linker`.
"""

from castgraph.link.automaton import NameAutomaton
from castgraph.link.hashtags import HashtagIndex
from castgraph.link.linker import (
    LINK_FIELDS,
    EntityLinker,
    LinkOptions,
    episode_texts,
    parse_link_fields,
)
from castgraph.link.result import LinkResult, MentionPlace
from castgraph.link.titles import (
    DEFAULT_TITLE_PATTERNS,
    TitleGuestFinder,
    TitlePattern,
    TitlePatternError,
    read_title_patterns,
)

__all__ = [
    "DEFAULT_TITLE_PATTERNS",
    "LINK_FIELDS",
    "EntityLinker",
    "HashtagIndex",
    "LinkOptions",
    "LinkResult",
    "MentionPlace",
    "NameAutomaton",
    "TitleGuestFinder",
    "TitlePattern",
    "TitlePatternError",
    "episode_texts",
    "parse_link_fields",
    "read_title_patterns",
]
