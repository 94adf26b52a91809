"""Identity hints: links that say two names are one entity.

A Podcasting 2.0 ``<podcast:person>`` may carry an ``href`` (a homepage or a profile);
two persons with the same ``href`` are one person whatever their names ("Jane Doe"
in one feed, "Dr. Jane Doe" in another). An ``href`` given to two different names
within one episode is a shared page (the show's site), not an identity, and is not
used.

Examples
--------
>>> href_key("HTTPS://www.Example.com/people/Jane/"), href_key("example.com/people/jane#bio")
('example.com/people/jane', 'example.com/people/jane')
>>> href_key("  "), href_key("mailto:jane@example.com")
('', 'mailto:jane@example.com')
"""

from __future__ import annotations

from array import array
from bisect import bisect_right
from typing import Any, Protocol

__all__ = ["href_edges", "href_key"]


def href_key(href: str) -> str:
    """An ``href`` as an identity key: no scheme, ``www.``, fragment or trailing slash; casefolded."""
    key = href.strip().casefold()
    if not key:
        return ""
    key = key.split("#", 1)[0]
    for scheme in ("https://", "http://"):
        if key.startswith(scheme):
            key = key[len(scheme):]
            break
    key = key.removeprefix("www.").rstrip("/")
    return key


class _Corpus(Protocol):
    mention_hrefs: list[tuple[int, str]]
    mention_sk: array[int]
    episode_start: list[int]
    sk_nodes: list[tuple[int, ...]]
    node_key: list[tuple[str, str]]


def href_edges(corpus: _Corpus) -> list[tuple[Any, ...]]:
    """Union candidates ``(1, -1.0, a, b, "href", key)`` between nodes of mentions sharing an ``href``.

    Only nodes of one type group are joined (a Person never with a Product).
    """
    nodes_of: dict[str, set[int]] = {}
    shared: set[str] = set()
    starts = corpus.episode_start
    episode_end = -1
    in_episode: dict[str, int] = {}
    for mention, href in corpus.mention_hrefs:  # in reading order, episode after episode
        if mention >= episode_end:
            in_episode = {}
            episode_end = starts[bisect_right(starts, mention)]
        key = href_key(href)
        nodes = corpus.sk_nodes[corpus.mention_sk[mention]]
        if not key or not nodes:
            continue
        if in_episode.setdefault(key, nodes[0]) != nodes[0]:
            shared.add(key)
        nodes_of.setdefault(key, set()).add(nodes[0])
    edges: list[tuple[Any, ...]] = []
    for key in sorted(nodes_of.keys() - shared):
        joined = sorted(nodes_of[key])
        for node in joined[1:]:
            if corpus.node_key[node][0] == corpus.node_key[joined[0]][0]:
                edges.append((1, -1.0, joined[0], node, "href", key))
    return edges
