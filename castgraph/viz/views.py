"""Views: the part of a graph one page shows, as plain data ready for the browser.

A :class:`View` holds the nodes and links to draw, the episodes the side panel
lists, and a note saying what was left out. Views are computed in Python so that
pages stay small and fast: above ``max_nodes`` nodes only the most connected part
is kept (highest degree first, grown outwards from the best node so what is shown
stays connected), and every view is deterministic: the same graph gives the same
view whatever order its nodes were added in.

Examples
--------
>>> from castgraph.graph.build import build_graph
>>> from castgraph.graph.model import Entity, EntityType, Episode, Mention, Resolution
>>> ep = Episode(id="e1", title="Hi", mentions=[Mention(surface="swyx")])
>>> res = Resolution(entities=[Entity(id="entity:1", name="swyx", type=EntityType.PERSON)],
...                  assignments={"e1#0": "entity:1"})
>>> view = overview_view(build_graph([ep], res))
>>> [n["name"] for n in view.nodes], len(view.edges), view.note
(['swyx', 'Hi'], 1, '')
>>> [n["id"] for n in ego_view(build_graph([ep], res), "SWYX").nodes]
['entity:1', 'episode:e1']
"""

from __future__ import annotations

import heapq
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import networkx as nx

from castgraph.errors import CastgraphError
from castgraph.graph.model import EntityType
from castgraph.queries.profile import names_in_text
from castgraph.queries.scoring import ORIGIN_WEIGHTS
from castgraph.viz.feed_records import feed_record, has_roles

__all__ = [
    "MAX_NODES",
    "REFS_PER_NODE",
    "View",
    "chapter_words",
    "ego_view",
    "episode_view",
    "find_node",
    "has_word",
    "left_out_note",
    "overview_view",
    "select_connected",
]

MAX_NODES = 1500
"""Above this many nodes a page shows only the most connected part."""

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


def _adjacency(graph: nx.MultiDiGraph) -> _Adjacency:
    """Undirected neighbour -> link weight (number of parallel edges), per node."""
    # The raw successor/predecessor dicts: one step per neighbour pair, not per edge, and
    # no view objects in the loop (this runs over every edge of the graph).
    succ: dict[str, dict[str, dict[Any, Any]]] = graph._succ
    pred: dict[str, dict[str, dict[Any, Any]]] = graph._pred
    adj: _Adjacency = {}
    for u, out in succ.items():
        merged = {v: len(keyed) for v, keyed in out.items() if v != u}
        for v, keyed in pred[u].items():
            if v != u:
                merged[v] = merged.get(v, 0) + len(keyed)
        adj[u] = merged
    return adj


def select_connected(adj: Mapping[str, Mapping[str, Any]], limit: int,
                     score: Mapping[str, float] | None = None) -> list[str]:
    """Pick ``limit`` nodes: the best-scored node first, then always the best neighbour.

    Growing from the best node keeps the picked part connected; when its component
    is used up the next best unpicked node starts a new part. Runs in
    O(E log E) with a heap, never comparing all pairs.

    >>> adj = {"a": {"b": 1}, "b": {"a": 1, "c": 1}, "c": {"b": 1}, "d": {}}
    >>> select_connected(adj, 2)
    ['b', 'a']
    """
    if score is None:
        score = {n: len(nbrs) for n, nbrs in adj.items()}
    order = sorted(adj, key=lambda n: (-score[n], n))
    chosen: dict[str, None] = {}
    queued: set[str] = set()  # scores never change, so each node enters the heap once
    heap: list[tuple[float, str]] = []
    seeds = iter(order)
    while len(chosen) < min(limit, len(adj)):
        if not heap:
            seed = next(n for n in seeds if n not in queued)
            queued.add(seed)
            heap.append((-score[seed], seed))
        _, node = heapq.heappop(heap)
        chosen[node] = None
        for nbr in adj[node]:
            if nbr not in queued:
                queued.add(nbr)
                heapq.heappush(heap, (-score[nbr], nbr))
    return list(chosen)


def _plural(count: int, word: str, plural: str = "") -> str:
    """``"1 link"``, ``"2 links"``; ``plural`` for words that do not just take an s.

    >>> _plural(1, "entity", "entities"), _plural(3, "entity", "entities"), _plural(2, "link")
    ('1 entity', '3 entities', '2 links')
    """
    return f"{count:,} {word if count == 1 else plural or word + 's'}"


def _left_out_note(graph: nx.MultiDiGraph, kept: set[str], shown_edges: int, total_edges: int,
                   why: str) -> str:
    total: dict[str, int] = defaultdict(int)
    shown: dict[str, int] = defaultdict(int)
    for node, attrs in graph.nodes(data=True):
        kind = _kind(attrs)
        total[kind] += 1
        if node in kept:
            shown[kind] += 1
    return left_out_note(total, shown, shown_edges, total_edges, why)


def left_out_note(total: Mapping[str, int], shown: Mapping[str, int], shown_edges: int, total_edges: int,
                  why: str) -> str:
    """The note under a view that leaves nodes out (``""`` when it shows them all).

    ``total`` and ``shown`` count nodes per kind (Entity, Episode, Topic).
    """
    all_nodes, kept = sum(total.values()), sum(shown.values())
    if kept >= all_nodes:
        return ""
    plurals = {"Entity": "entities"}
    missing = {k: total.get(k, 0) - shown.get(k, 0) for k in ("Entity", "Episode", "Topic")}
    parts = [_plural(missing[k], k.lower(), plurals.get(k, "")) for k in ("Entity", "Episode", "Topic")
             if missing[k]]
    left = ", ".join(parts)
    return (f"Showing {kept:,} of {all_nodes:,} nodes ({why}). "
            f"Left out: {left} and {_plural(total_edges - shown_edges, 'link')}.")


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
        episodes = {ep: self.episode_record(ep, ep in shown) for rec in records for ep, *_ in rec["refs"]}
        return View(kind=kind, title=title, nodes=records, edges=edge_list,
                    episodes=dict(sorted(episodes.items())), note=note, center=center,
                    total_nodes=self.graph.number_of_nodes() if total_nodes is None else total_nodes,
                    total_edges=self.graph.number_of_edges() if total_edges is None else total_edges)


def _strongest_origin(edges: Iterable[Mapping[str, Any]]) -> str:
    """How the strongest of an episode's mentions of an entity was obtained (no origin: listed)."""
    origins = [str(e.get("origin") or "listed") for e in edges if e.get("type") == "MENTIONS"]
    order = list(ORIGIN_WEIGHTS)
    return min(origins, key=lambda o: (order.index(o) if o in order else 0, o), default="")


def _link_origin(graph: nx.MultiDiGraph, u: str, v: str) -> str:
    data = graph.get_edge_data(u, v) or graph.get_edge_data(v, u) or {}
    return _strongest_origin(data.values())


def _edge_kind(graph: nx.MultiDiGraph, u: str, v: str) -> str:
    data = graph.get_edge_data(u, v) or graph.get_edge_data(v, u) or {}
    for attrs in data.values():
        return str(attrs.get("type") or "")
    return ""


_Link = tuple[str, str, int, str]


def _induced_edges(graph: nx.MultiDiGraph, adj: _Adjacency, kept: Sequence[str]) -> list[_Link]:
    keep = set(kept)
    edges = []
    for u in kept:
        for v, w in adj[u].items():
            if v in keep and u < v:
                edges.append((u, v, w, _edge_kind(graph, u, v)))
    return sorted(edges)


def _ordered(graph: nx.MultiDiGraph, nodes: Iterable[str], adj: _Adjacency) -> list[str]:
    """Entities first (most episodes first), then topics and episodes, ties by id."""
    rank = {"Entity": 0, "Topic": 1, "Episode": 2}
    return sorted(nodes, key=lambda n: (rank[_kind(graph.nodes[n])], -len(adj[n]), n))


def overview_view(graph: nx.MultiDiGraph, *, max_nodes: int = MAX_NODES, title: str = "castgraph") -> View:
    """The whole graph, or its ``max_nodes`` most connected nodes when it is larger."""
    adj = _adjacency(graph)
    kept = select_connected(adj, max_nodes) if len(adj) > max_nodes else list(graph.nodes)
    kept = _ordered(graph, kept, adj)
    edges = _induced_edges(graph, adj, kept)
    total_links = sum(len(n) for n in adj.values()) // 2
    note = _left_out_note(graph, set(kept), len(edges), total_links, "the most connected")
    return _ViewBuilder(graph).build("overview", title, kept, edges, adj=adj, note=note,
                                     total_edges=total_links)


def find_node(graph: nx.MultiDiGraph, name_or_id: str, *,
              kinds: Sequence[str] = ("Entity", "Topic", "Episode")) -> str:
    """The node ``name_or_id`` names, by the lookup every command uses (:mod:`castgraph.queries.lookup`).

    An id, former id, name, alias, folded or suffix-free spelling (``GitHub, Inc.``), or a near
    spelling of an entity; a topic's name; an episode's record id or title. Among several
    entities of one name the one in most episodes wins.

    >>> g = nx.MultiDiGraph()
    >>> g.add_node("entity:1", label="Entity", name="ＧＰＴ-4", aliases=["gpt4"], episode_count=3)
    >>> find_node(g, "gpt-4"), find_node(g, "GPT4")
    ('entity:1', 'entity:1')
    """
    from castgraph.queries.lookup import GraphNames
    from castgraph.queries.lookup import find_node as lookup_node

    return lookup_node(GraphNames(graph), name_or_id, kinds)


def ego_view(graph: nx.MultiDiGraph, name_or_id: str, depth: int = 1, *, max_nodes: int = MAX_NODES) -> View:
    """A node and its neighbourhood.

    ``depth`` counts steps between entities through shared episodes: depth 1 around
    an entity shows its episodes and the entities those episodes mention. Around an
    episode, depth 1 shows what it mentions and depth 2 adds the episodes sharing those.
    Topics are shown but not walked through (one tag would pull in half the graph).
    """
    if depth < 0:
        raise CastgraphError(f"depth must be 0 or more, not {depth}")
    center = find_node(graph, name_or_id)
    adj = _adjacency(graph)
    is_episode = _kind(graph.nodes[center]) == "Episode"
    hops = max(0, 2 * depth - 1) if is_episode else 2 * depth
    dist = {center: 0}
    frontier = [center]
    for step in range(1, hops + 1):
        nxt = []
        for node in frontier:
            if node != center and _kind(graph.nodes[node]) == "Topic":
                continue
            for nbr in adj[node]:
                if nbr not in dist:
                    dist[nbr] = step
                    nxt.append(nbr)
        frontier = nxt
    # Nearest first, then the best connected: each kept node's parent is kept too.
    ranked = sorted(dist, key=lambda n: (dist[n], -len(adj[n]), n))
    kept = ranked[:max_nodes]
    ordered = [center, *_ordered(graph, kept[1:], adj)]
    edges = _induced_edges(graph, adj, ordered)
    note = ""
    if len(ranked) > len(kept):
        note = (f"Showing the {len(kept):,} nearest of {len(ranked):,} nodes within depth {depth}; "
                f"left out: {len(ranked) - len(kept):,} nodes.")
    name = _name(center, graph.nodes[center])
    return _ViewBuilder(graph).build("ego", f"{name} (depth {depth})", ordered, edges, adj=adj, note=note,
                                     center=center, total_nodes=len(ranked))


def episode_view(graph: nx.MultiDiGraph, episode: str, *, related: int = 25) -> View:
    """One episode: what it mentions, its topics, and up to ``related`` episodes sharing the most entities."""
    center = find_node(graph, episode, kinds=("Episode",))
    adj = _adjacency(graph)
    own = sorted(adj[center])
    entities = {n for n in own if _kind(graph.nodes[n]) == "Entity"}
    shared: dict[str, int] = defaultdict(int)
    for ent in entities:
        for other in adj[ent]:
            if other != center and _kind(graph.nodes[other]) == "Episode":
                shared[other] += 1
    near = sorted(shared, key=lambda e: (-shared[e], e))[:related]
    kept = [center, *_ordered(graph, [*own, *near], adj)]
    edges = _induced_edges(graph, adj, kept)
    note = ""
    if len(shared) > len(near):
        note = f"Showing {len(near)} of {len(shared):,} episodes that share entities with this one."
    return _ViewBuilder(graph).build("episode", _name(center, graph.nodes[center]), kept, edges, adj=adj,
                                     note=note, center=center, total_nodes=len(own) + len(shared) + 1)
