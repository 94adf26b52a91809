"""Graph properties of the data feeds add: show details, media, transcript, person roles.

They are *sparse*: a property is written only when it has a value, so graphs of
inputs without feeds are unchanged, and Neo4j (which stores no empty value) reads
back exactly what graph.json holds.

Episode nodes may carry ``show_author``, ``show_owner``, ``show_image``,
``show_categories``, ``show_url``, ``show_feed_url``, ``show_language``,
``show_guid`` (the show's title stays in ``show``), ``enclosure_url``,
``enclosure_type``, ``enclosure_length``, ``season``, ``episode_number``, ``links``
and ``transcript`` (a list of cues). ``MENTIONS`` edges may carry ``role``,
``group``, ``href``, ``img`` and ``origin`` (absent means ``listed``).

Examples
--------
>>> from castgraph.graph.model import Episode, Mention, Show
>>> ep = Episode(id="e", title="T", show="S", show_info=Show(title="S", author="Ann"), season=2,
...              mentions=[Mention(surface="Jane", role="guest", origin="person_tag")])
>>> episode_feed_attrs(ep)
{'show_author': 'Ann', 'season': 2}
>>> mention_attrs(ep.mentions[0])
{'role': 'guest', 'origin': 'person_tag'}
>>> episode_feed_fields({"show": "S", "show_author": "Ann", "season": 2})["show_info"].author
'Ann'
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from castgraph.graph.model import Enclosure, Episode, Mention, MentionOrigin, Show, TranscriptCue

__all__ = [
    "EPISODE_FEED_PROPERTIES",
    "MENTION_FEED_PROPERTIES",
    "episode_feed_attrs",
    "episode_feed_fields",
    "mention_attrs",
    "mention_fields",
]

_SHOW_FIELDS = ("author", "owner", "image", "categories", "url", "feed_url", "language", "guid")
EPISODE_FEED_PROPERTIES: tuple[str, ...] = (
    *(f"show_{f}" for f in _SHOW_FIELDS), "enclosure_url", "enclosure_type", "enclosure_length",
    "season", "episode_number", "links", "transcript",
)
MENTION_FEED_PROPERTIES: tuple[str, ...] = ("role", "group", "href", "img", "origin")


def episode_feed_attrs(ep: Episode) -> dict[str, Any]:
    """The feed properties of an episode node (only those with a value)."""
    attrs: dict[str, Any] = {}
    if ep.show_info is not None:
        for field in _SHOW_FIELDS:
            value = getattr(ep.show_info, field)
            if value:
                attrs[f"show_{field}"] = list(value) if isinstance(value, list) else value
    if ep.enclosure is not None:
        attrs["enclosure_url"] = ep.enclosure.url
        if ep.enclosure.type:
            attrs["enclosure_type"] = ep.enclosure.type
        if ep.enclosure.length is not None:
            attrs["enclosure_length"] = ep.enclosure.length
    if ep.season is not None:
        attrs["season"] = ep.season
    if ep.episode_number is not None:
        attrs["episode_number"] = ep.episode_number
    if ep.links:
        attrs["links"] = list(ep.links)
    if ep.transcript:
        attrs["transcript"] = [cue.model_dump() for cue in ep.transcript]
    return attrs


def mention_attrs(mention: Mention) -> dict[str, Any]:
    """The feed properties of a ``MENTIONS`` edge (only those with a value; ``origin`` unless listed)."""
    attrs: dict[str, Any] = {}
    for key in ("role", "group", "href", "img"):
        value = getattr(mention, key)
        if value:
            attrs[key] = value
    if mention.origin != MentionOrigin.LISTED:
        attrs["origin"] = mention.origin.value
    return attrs


def episode_feed_fields(attrs: Mapping[str, Any]) -> dict[str, Any]:
    """:class:`Episode` fields from an episode node's properties (inverse of :func:`episode_feed_attrs`)."""
    fields: dict[str, Any] = {}
    show = {f: attrs[f"show_{f}"] for f in _SHOW_FIELDS if attrs.get(f"show_{f}")}
    if show:
        if "categories" in show:
            show["categories"] = [str(c) for c in show["categories"]]
        fields["show_info"] = Show(title=str(attrs.get("show") or ""), **show)
    if attrs.get("enclosure_url"):
        length = attrs.get("enclosure_length")
        fields["enclosure"] = Enclosure(url=str(attrs["enclosure_url"]),
                                        type=str(attrs.get("enclosure_type") or ""),
                                        length=int(length) if length is not None else None)
    for key in ("season", "episode_number"):
        if attrs.get(key) is not None:
            fields[key] = int(attrs[key])
    if attrs.get("links"):
        fields["links"] = [str(link) for link in attrs["links"]]
    if attrs.get("transcript"):
        cues = attrs["transcript"]
        fields["transcript"] = [TranscriptCue.model_validate(c) for c in cues if isinstance(c, dict)]
    return fields


def mention_fields(edge: Mapping[str, Any]) -> dict[str, Any]:
    """:class:`Mention` fields from a ``MENTIONS`` edge's properties."""
    fields: dict[str, Any] = {k: str(edge[k]) for k in ("role", "group", "href", "img") if edge.get(k)}
    origin = edge.get("origin")
    known = isinstance(origin, str) and origin in MentionOrigin._value2member_map_
    fields["origin"] = MentionOrigin(str(origin)) if known else MentionOrigin.LISTED
    return fields
