"""Graph properties of the mentions the linker finds (:mod:`castgraph.link`): where and how.

Like the feed properties (:mod:`castgraph.graph.feed_props`) they are *sparse*: a
``MENTIONS`` edge carries ``field``, ``span``, ``chapter``, ``timestamp``,
``occurrences`` and ``pattern`` only when the mention was placed in the text or
named by a title pattern, so graphs built without the linker are unchanged and Neo4j
reads back exactly what graph.json holds. A Topic that names an entity carries its
id in ``entity``.

Examples
--------
>>> from castgraph.graph.model import Mention
>>> mention_place(Mention(surface="GitHub", origin="text_link", field="summary", span=(4, 10)))
{'field': 'summary', 'span': [4, 10], 'occurrences': 0}
>>> mention_place(Mention(surface="swyx")), mention_rule(Mention(surface="x", origin="hashtag"), "canonical")
({}, 'hashtag')
"""

from __future__ import annotations

from castgraph.graph.model import Mention, MentionOrigin

__all__ = ["LINKED_ORIGINS", "MENTION_PLACE_PROPERTIES", "mention_place", "mention_rule", "origin_rule"]

#: Origins of mentions that the linker makes again on every build (not kept as input).
LINKED_ORIGINS = frozenset({MentionOrigin.TITLE_PATTERN.value, MentionOrigin.TEXT_LINK.value,
                            MentionOrigin.HASHTAG.value})

MENTION_PLACE_PROPERTIES: tuple[str, ...] = (
    "field", "span", "chapter", "timestamp", "occurrences", "pattern")

# Mentions that resolution never saw: their rule is how they were found.
_FOUND = (MentionOrigin.TEXT_LINK, MentionOrigin.HASHTAG)


def mention_place(mention: Mention) -> dict[str, object]:
    """The edge properties saying where a mention was found (only those with a value)."""
    if not mention.field and not mention.pattern:  # most mentions: listed, found nowhere in the text
        return {}
    place: dict[str, object] = {}
    if mention.field:
        place["field"] = mention.field
        place["span"] = list(mention.span) if mention.span is not None else None
        place["chapter"] = mention.chapter
        place["timestamp"] = mention.timestamp
        place["occurrences"] = mention.occurrences
    if mention.pattern:
        place["pattern"] = mention.pattern
    return {k: v for k, v in place.items() if v is not None}


def mention_rule(mention: Mention, rule: str) -> str:
    """The ``rule`` of a mention's edge: resolution's ``rule``, or how the linker found it."""
    return origin_rule(mention.origin, rule)


def origin_rule(origin: MentionOrigin, rule: str) -> str:
    """The ``rule`` of the edge of a mention with ``origin`` (see :func:`mention_rule`)."""
    return origin.value if origin in _FOUND else rule
