"""View records: the data one page shows for each node and episode of a :class:`View`.

:mod:`castgraph.viz.views` picks which nodes and links a view shows; this module makes what the
page draws and lists for each of them (name, type, the newest episodes with the chapter that
names the entity, why its surfaces were merged), shared by every kind of view.

Examples
--------
>>> chapter_words(["Swyx", "AI"]), has_word("the ai lab", ["ai"])
(['ai', 'swyx'], True)
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import networkx as nx

from castgraph.graph.model import EntityType
from castgraph.queries.profile import names_in_text
from castgraph.queries.scoring import ORIGIN_WEIGHTS
from castgraph.viz.feed_records import feed_record, has_roles

__all__ = ["REFS_PER_NODE", "View", "chapter_words", "has_word"]

REFS_PER_NODE = 20
"""How many episodes the side panel lists for one node (the newest first)."""

_Adjacency = dict[str, dict[str, int]]


@dataclass
class View:
    """What one page shows.

    Attributes
    ----------
    kind
        ``"overview"``, ``"ego"``, ``"comention"`` or ``"episode"``.
    title
        A suggested page title.
    nodes
        One dict per node: ``id``, ``name``, ``kind`` (Entity/Episode/Topic), ``type``,
        ``aliases``, ``description``, ``episodes`` (count) and ``refs`` (episodes for the
        side panel: ``[episode id, start seconds or None, chapter title, origin]``).
    edges
        One dict per link: ``from``, ``to``, ``weight``, ``kind`` and, for mentions,
        ``origin`` (how the strongest of them was obtained: listed, text_link, ...).
    episodes
        Episode id -> ``title``, ``show``, ``date``, ``url``, ``chapters``; only episodes
        some node refers to.
    note
        What was left out, or ``""``.
    center
        The node a focused view is built around.
    review
        Borderline pairs left apart (``left_id``, ``left_name``, ``right_id``,
        ``right_name``, ``score``, ``reason``), the list ``castgraph resolve --review``
        shows; the page's curation panel offers them for a decision.
    """

    kind: str
    title: str
    nodes: list[dict[str, Any]] = field(default_factory=list)
    edges: list[dict[str, Any]] = field(default_factory=list)
    episodes: dict[str, dict[str, Any]] = field(default_factory=dict)
    note: str = ""
    center: str | None = None
    total_nodes: int = 0
    total_edges: int = 0
    review: list[dict[str, Any]] = field(default_factory=list)

    def _repr_html_(self) -> str:
        """Jupyter shows a view as its page, inline (see :func:`castgraph.viz.show`)."""
        from castgraph.viz.notebook import show

        return show(self)._repr_html_()


def _web_url(url: Any) -> str:
    """``url`` if it is an http(s) address, else ``""`` (never a ``javascript:`` link)."""
    text = str(url or "").strip()
    return text if text.lower().startswith(("http://", "https://")) else ""


_ENTITY_TYPES = {t.value for t in EntityType}


def _strings(value: Any) -> list[str]:
    """A list attribute as strings, whatever a store handed back (a list, one value or nothing)."""
    if isinstance(value, (list, tuple)):
        return [str(v) for v in value if v is not None and v != ""]
    return [str(value)] if value not in (None, "") else []


def _items(value: Any) -> list[Any]:
    return list(value) if isinstance(value, (list, tuple)) else []


def _entity_type(value: Any) -> str:
    """A known entity type name; anything else (a store can hold anything) is ``Other``."""
    text = str(value or "")
    return text if text in _ENTITY_TYPES else "Other"


def _kind(attrs: Mapping[str, Any]) -> str:
    label = attrs.get("label")
    return label if label in ("Episode", "Entity", "Topic") else "Entity"


def _name(node: str, attrs: Mapping[str, Any]) -> str:
    if _kind(attrs) == "Episode":
        return str(attrs.get("title") or attrs.get("record_id") or node)
    return str(attrs.get("name") or node)


# Characters that continue a word around a chapter match (chapter_pattern's rule: ASCII only).
_WORD_CHARACTERS = frozenset("0123456789abcdefghijklmnopqrstuvwxyz")


def chapter_words(surfaces: Iterable[str]) -> list[str]:
    """The words :func:`castgraph.queries.profile.chapter_pattern` looks for, case-folded.

    >>> chapter_words(["Swyx", " swyx ", "", "AI"])
    ['ai', 'swyx']
    """
    return sorted({s.strip().casefold() for s in surfaces if s and s.strip()})


def has_word(text: str, words: Iterable[str]) -> bool:
    """Whether ``chapter_pattern(words)`` finds a match in ``text`` (case-folded): one of ``words``
    as a whole word. The same answer without compiling a pattern for each entity.

    >>> has_word("we said hi", ["ai"]), has_word("the ai lab", ["ai lab"]), has_word("codeの話", ["code"])
    (False, True, True)
    """
    for word in words:
        at = text.find(word)
        while at >= 0:
            end = at + len(word)
            if (at == 0 or text[at - 1] not in _WORD_CHARACTERS) and \
                    (end == len(text) or text[end] not in _WORD_CHARACTERS):
                return True
            at = text.find(word, at + 1)
    return False


class _Chapters:
    """Finds where an episode discusses an entity: the first chapter naming it, by the
    rule of ``castgraph entity`` (:func:`castgraph.queries.profile.chapters_matching`)."""

    def __init__(self, graph: nx.MultiDiGraph) -> None:
        self.graph = graph
        self._chapters: dict[str, list[dict[str, object]]] = {}
        self._texts: dict[str, list[str]] = {}

    def chapters(self, episode: str) -> list[dict[str, object]]:
        if episode not in self._chapters:
            self._chapters[episode] = [ch for ch in _items(self.graph.nodes[episode].get("chapters"))
                                       if isinstance(ch, dict)]
        return self._chapters[episode]

    def texts(self, episode: str) -> list[str]:
        """Each chapter's title, summary and quotes, case-folded, as ``chapters_matching`` reads them."""
        texts = self._texts.get(episode)
        if texts is None:
            texts = self._texts[episode] = []
            for chapter in self.chapters(episode):
                quotes = chapter.get("quotes")
                parts = [str(chapter.get("title") or ""), str(chapter.get("summary") or "")]
                if isinstance(quotes, list):
                    parts += [str(q) for q in quotes]
                texts.append("\n".join(parts).casefold())
        return texts

    def locate(self, episode: str, words: list[str]) -> tuple[float | None, str]:
        """The start and title of the first chapter of ``episode`` naming one of ``words``."""
        if not words:
            return None, ""
        for chapter, text in zip(self.chapters(episode), self.texts(episode), strict=True):
            if has_word(text, words):
                start = chapter.get("start")
                title = str(chapter.get("title") or "")
                return (float(start) if isinstance(start, (int, float)) else None), title
        return None, ""


class _ViewBuilder:
    """Turns a set of graph nodes (and links between them) into a :class:`View`."""

    def __init__(self, graph: nx.MultiDiGraph) -> None:
        self.graph = graph
        self.chapters = _Chapters(graph)
        # One plain dict: graph.nodes[n] goes through a view object on every call.
        self.attrs: dict[str, Mapping[str, Any]] = dict(graph.nodes(data=True))
        self._roles: bool | None = None  # whether any edge credits a role; found on first use

    def episodes_of(self, node: str, adj: _Adjacency | None = None) -> tuple[list[str], int]:
        """The newest :data:`REFS_PER_NODE` episodes of ``node``, and how many it has."""
        graph, attrs = self.graph, self.attrs
        if _kind(attrs[node]) == "Episode":
            return [node], 1
        near: Iterable[str] = adj[node] if adj is not None else (
            {*graph.predecessors(node), *graph.successors(node)})
        eps = [n for n in near if attrs[n].get("label") == "Episode"]
        # nlargest, not sorted: a hub entity can be in most of 100k episodes.
        newest = heapq.nlargest(REFS_PER_NODE, eps, key=lambda e: (str(attrs[e].get("published") or ""), e))
        return newest, len(eps)

    def node_record(self, node: str, adj: _Adjacency | None = None) -> dict[str, Any]:
        graph = self.graph
        attrs = self.attrs[node]
        kind = _kind(attrs)
        eps, total = self.episodes_of(node, adj)
        refs: list[list[Any]] = []
        if kind == "Entity":
            names = names_in_text(str(attrs.get("name") or ""), _strings(attrs.get("aliases")),
                                  _entity_type(attrs.get("type")))
            surfaces = [str(d.get("surface") or "") for ep in eps
                        for d in graph.get_edge_data(ep, node, default={}).values()]
            words = chapter_words([*names, *surfaces])  # once per entity, for all its episodes
            for ep in eps:
                found = graph.get_edge_data(ep, node, default={}).values()
                start, chapter = self._place(ep, found)
                if start is None and not chapter:
                    start, chapter = self.chapters.locate(ep, words)
                refs.append([ep, start, chapter, _strongest_origin(found)])
        else:
            refs = [[ep, None, "", ""] for ep in eps]
        if kind == "Entity":
            count = attrs.get("episode_count")
            episodes = int(count) if isinstance(count, int) else total
        else:
            episodes = total
        record = {
            "id": node,
            "name": _name(node, attrs),
            "kind": kind,
            "type": _entity_type(attrs.get("type")) if kind == "Entity" else kind,
            "aliases": _strings(attrs.get("aliases")),
            "former_ids": _strings(attrs.get("former_ids")) if kind == "Entity" else [],
            "description": str(attrs.get("description") or attrs.get("summary") or "")[:1000],
            "show": str(attrs.get("show") or ""),
            "date": str(attrs.get("published") or ""),
            "url": _web_url(attrs.get("url")),
            "episodes": episodes,
            "refs": refs,
            "more": total - len(eps),
        }
        if self._roles is None:
            self._roles = has_roles(graph)
        record.update(feed_record(graph, node, kind, attrs, self._roles))
        if kind == "Entity":
            record["surfaces"] = self.surfaces(node)
        return record

    def _place(self, episode: str, edges: Iterable[Mapping[str, Any]]) -> tuple[float | None, str]:
        """The first time and chapter the linker placed a mention at (see ``castgraph.link``)."""
        timed = sorted((e for e in edges if isinstance(e.get("timestamp"), (int, float))),
                       key=lambda e: (e.get("timestamp"), e.get("ordinal") or 0))
        if not timed:
            return None, ""
        chapter = timed[0].get("chapter")
        chapters = self.chapters.chapters(episode)
        title = str(chapters[chapter].get("title") or "") if isinstance(chapter, int) \
            and 0 <= chapter < len(chapters) else ""
        return float(timed[0]["timestamp"]), title

    def surfaces(self, node: str) -> list[list[Any]]:
        """``[surface, rule, score, mentions]`` per surface of an entity: why each was merged into it."""
        found: dict[str, list[Any]] = {}
        counts: dict[Any, int] = {}
        first: dict[Any, Mapping[str, Any]] = {}
        # The adjacency dicts directly: a hub entity has an edge per mention in most episodes.
        for keyed in self.graph.pred[node].values():
            for data in keyed.values():
                surface = data.get("surface")
                if surface is None or data.get("type") != "MENTIONS":
                    continue
                if surface in counts:
                    counts[surface] += 1
                else:
                    counts[surface], first[surface] = 1, data
        for surface, data in first.items():
            score = data.get("score")
            found[str(surface)] = [str(surface), str(data.get("rule") or ""),
                                   float(score) if isinstance(score, (int, float)) else 1.0, counts[surface]]
        return sorted(found.values(), key=lambda r: (-r[3], r[0]))

    def episode_record(self, episode: str, with_chapters: bool) -> dict[str, Any]:
        attrs = self.attrs[episode]
        chapters = ([[ch.get("start") if isinstance(ch.get("start"), (int, float)) else None,
                      str(ch.get("title") or "")] for ch in self.chapters.chapters(episode)]
                    if with_chapters else [])
        return {
            "title": _name(episode, attrs),
            "show": str(attrs.get("show") or ""),
            "date": str(attrs.get("published") or ""),
            "url": _web_url(attrs.get("url")),
            "chapters": chapters,
        }

    def build(self, kind: str, title: str, nodes: Sequence[str], edges: Iterable[tuple[str, str, int, str]],
              *, adj: _Adjacency | None = None, note: str = "", center: str | None = None,
              total_nodes: int | None = None, total_edges: int | None = None) -> View:
        records = [self.node_record(n, adj) for n in nodes]
        edge_list = [{"from": u, "to": v, "weight": w, "kind": k,
                      "origin": _link_origin(self.graph, u, v) if k == "MENTIONS" else ""}
                     for u, v, w, k in edges]
        shown = set(nodes)
        # Each episode once, however many of the nodes refer to it.
        referred = dict.fromkeys(ep for rec in records for ep, *_ in rec["refs"])
        episodes = {ep: self.episode_record(ep, ep in shown) for ep in referred}
        return View(kind=kind, title=title, nodes=records, edges=edge_list,
                    episodes=dict(sorted(episodes.items())), note=note, center=center,
                    total_nodes=self.graph.number_of_nodes() if total_nodes is None else total_nodes,
                    total_edges=self.graph.number_of_edges() if total_edges is None else total_edges)


# Origins strongest first (ORIGIN_WEIGHTS' order); one it does not know ranks first.
_ORIGIN_RANK = {origin: rank for rank, origin in enumerate(ORIGIN_WEIGHTS)}


def _strongest_origin(edges: Iterable[Mapping[str, Any]]) -> str:
    """How the strongest of an episode's mentions of an entity was obtained (no origin: listed)."""
    origins = [str(e.get("origin") or "listed") for e in edges if e.get("type") == "MENTIONS"]
    if len(origins) == 1:
        return origins[0]
    return min(origins, key=lambda o: (_ORIGIN_RANK.get(o, 0), o), default="")


def _link_origin(graph: nx.MultiDiGraph, u: str, v: str) -> str:
    data = graph.get_edge_data(u, v) or graph.get_edge_data(v, u) or {}
    return _strongest_origin(data.values())

