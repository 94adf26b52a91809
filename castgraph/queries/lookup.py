"""Finding entities, episodes and topics by what a user types: the one lookup every command uses.

``castgraph entity``, ``related`` (an episode or ``--entity``), ``comention --entity``,
``viz --ego``/``--episode`` and ``resolve --explain`` all go through :func:`find_entity`,
:func:`find_episode` and :func:`find_node`; the viewer's search applies the same folding
(:func:`lookup_keys`, ported to the page's script). Sources are a query backend (NetworkX
index or Neo4j) or a graph in memory (:class:`GraphNames`).

Entities are looked up in this order: exact id; a former id (an entity absorbed by another
in an incremental build); exact name or alias; the same after Unicode (NFKC), case and
whitespace folding (``ＧｉｔＨｕｂ`` = ``github``); the same after resolution's name key
(accents, legal suffixes, spacing and punctuation: ``GitHub, Inc.`` = ``GitHub``,
``Hugging Face`` = ``huggingface``); then the nearest spelling over a character-trigram
blocked index of every name and alias (rapidfuzz scores only the few candidates that
share rare trigrams with the query), accepted from a score of :data:`FUZZY_ACCEPT`, else
offered as "did you mean". Several entities with the same name: the one in the most
episodes wins, then the smallest id.

Examples
--------
>>> from castgraph.queries.backend import EntityRow
>>> idx = NameIndex([EntityRow(id="entity:1", name="Matt Pocock", type="Person", aliases=("mattpocockuk",))])
>>> [r.id for r in idx.exact("MATT  pocock")]
['entity:1']
>>> idx.suggest("Mat Pocok")[0][1].name
'Matt Pocock'
>>> lookup_keys("GitHub, Inc."), lookup_keys("ＧｉｔＨｕｂ")
(('github, inc.', 'github'), ('github', 'github'))
"""

from __future__ import annotations

import re
import unicodedata
import weakref
from collections import Counter
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Protocol

from castgraph.queries.backend import EntityRow, EpisodeRow
from castgraph.queries.models import NotFoundError
from castgraph.resolve.normalize import LEGAL_SUFFIXES, normalize_name
from castgraph.resolve.normalize import fold_name as _fold

if TYPE_CHECKING:
    import networkx as nx

__all__ = ["FUZZY_ACCEPT", "GraphNames", "NameIndex", "NameSource", "find_entity", "find_episode",
           "find_node", "fold_names", "lookup_keys", "lookup_rules"]

#: A near spelling scoring at least this (rapidfuzz WRatio, 0-100) is taken as the entity.
FUZZY_ACCEPT = 88.0
#: Suggestions ("did you mean") need at least this score.
FUZZY_SUGGEST = 60.0
_CANDIDATES = 200
_WHITESPACE = re.compile(r"\s+")
_COMMON_GRAM = 5000



class NameSource(Protocol):
    """What the lookup reads: a query backend, or :class:`GraphNames` over a graph in memory."""

    def episodes(self, ids: Sequence[str]) -> dict[str, EpisodeRow]: ...
    def episodes_titled(self, fragment: str) -> list[EpisodeRow]: ...
    def episode_titles(self) -> list[tuple[str, str]]: ...
    def entities(self, ids: Sequence[str]) -> dict[str, EntityRow]: ...
    def entities_named(self, name: str) -> list[EntityRow]: ...
    def entity_absorbing(self, former_id: str) -> EntityRow | None: ...
    def entity_names(self) -> list[EntityRow]: ...


_name_indexes: weakref.WeakKeyDictionary[Any, NameIndex] = weakref.WeakKeyDictionary()


def lookup_keys(text: str) -> tuple[str, str]:
    """The two spellings a name is compared by: folded (NFKC, case, spaces) and resolution's key."""
    return _fold(text), normalize_name(text)


def fold_names(texts: Sequence[str]) -> list[str]:
    """:func:`~castgraph.resolve.normalize.fold_name` of each of ``texts``, folded as one text
    (a NUL between two names stops normalization and whitespace at it).

    >>> fold_names(["  Ｃｌａｕｄｅ   Code ", "GitHub\u3000", ""])
    ['claude code', 'github', '']
    """
    if not texts:
        return []
    joined = "\x00".join(texts)
    if joined.count("\x00") != max(0, len(texts) - 1):  # a name holding a NUL: one at a time
        return [_fold(text) for text in texts]
    if not joined.isascii():
        joined = unicodedata.normalize("NFKC", joined)
    return [part.strip() for part in _WHITESPACE.sub(" ", joined).casefold().split("\x00")]


def lookup_rules() -> dict[str, Any]:
    """What the viewer's search needs to fold names as :func:`lookup_keys` does (its suffix list)."""
    return {"legal_suffixes": sorted(LEGAL_SUFFIXES)}


def _grams(key: str) -> set[str]:
    padded = f"  {key} "
    return {padded[i:i + 3] for i in range(len(padded) - 2)}


def _rank(row: EntityRow) -> tuple[int, str]:
    return (-row.episode_count, row.id)


class NameIndex:
    """Every entity name and alias, normalized, with a trigram index for near spellings."""

    def __init__(self, rows: list[EntityRow]) -> None:
        owners: dict[str, dict[str, EntityRow]] = {}
        keyed: dict[str, dict[str, EntityRow]] = {}
        for row in rows:
            for text in (row.name, *row.aliases):
                folded, key = lookup_keys(text)
                if folded:
                    owners.setdefault(folded, {})[row.id] = row
                if key:
                    keyed.setdefault(key, {})[row.id] = row
        self.keys = sorted(owners)
        self.owners = {k: sorted(v.values(), key=_rank) for k, v in owners.items()}
        self.keyed = {k: sorted(v.values(), key=_rank) for k, v in keyed.items()}
        self.grams: dict[str, list[int]] = {}
        for pos, key in enumerate(self.keys):
            for gram in _grams(key):
                self.grams.setdefault(gram, []).append(pos)

    def exact(self, text: str) -> list[EntityRow]:
        """Entities one of whose names equals ``text`` once normalized, best first."""
        return list(self.owners.get(_fold(text), []))

    def by_key(self, text: str) -> list[EntityRow]:
        """Entities one of whose names has the same name key as ``text`` (``GitHub, Inc.`` = ``GitHub``)."""
        return list(self.keyed.get(normalize_name(text), [])) if text.strip() else []

    def suggest(self, text: str, limit: int = 5) -> list[tuple[float, EntityRow]]:
        """Near spellings of ``text``: ``(score, entity)``, best first, one entry per entity."""
        query = _fold(text)
        if not query:
            return []
        shared: Counter[int] = Counter()
        for gram in _grams(query):
            postings = self.grams.get(gram, [])
            if len(postings) <= _COMMON_GRAM:  # a gram in thousands of names tells nothing
                shared.update(postings)
        candidates = sorted(shared, key=lambda p: (-shared[p], p))[:_CANDIDATES]
        choices = [self.keys[p] for p in candidates]
        from rapidfuzz import fuzz, process  # near spellings only: an exact id or name needs none

        scored = process.extract(query, choices, scorer=fuzz.WRatio, limit=None) if choices else []
        best: dict[str, tuple[float, EntityRow]] = {}
        for key, score, _ in scored:
            for row in self.owners[key]:
                if row.id not in best or score > best[row.id][0]:
                    best[row.id] = (float(score), row)
        ordered = sorted(best.values(), key=lambda sr: (-sr[0], *_rank(sr[1])))
        return ordered[:limit]


def name_index(backend: NameSource) -> NameIndex:
    """The name index of ``backend``, built once."""
    if backend not in _name_indexes:
        _name_indexes[backend] = NameIndex(backend.entity_names())
    return _name_indexes[backend]


def find_entity(backend: NameSource, text: str, *, fuzzy: bool = True) -> tuple[EntityRow, str]:
    """The entity ``text`` names, and how it matched (id, former id, name, alias, normalized, key, fuzzy).

    Raises :class:`~castgraph.queries.models.NotFoundError` (with suggestions) when none does;
    ``fuzzy=False`` stops before near spellings (they are then only suggestions).
    """
    text = text.strip()
    found = backend.entities([text])
    if found:
        return found[text], "id"
    if text.startswith("entity:"):
        absorbing = backend.entity_absorbing(text)
        if absorbing is not None:
            return absorbing, "former id"
    named = sorted(backend.entities_named(text), key=_rank)
    if named:
        return named[0], "name" if named[0].name == text else "alias"
    folded = getattr(backend, "entities_folded", None)
    if folded is not None and backend not in _name_indexes:
        # Before indexing every name for the steps below (seconds on a large graph), the
        # same folded spelling, found by folding all names at once.
        same = sorted(folded(_fold(text)), key=_rank)
        if same:
            return same[0], "normalized"
    index = name_index(backend)
    exact = index.exact(text)
    if exact:
        return exact[0], "normalized"
    keyed = index.by_key(text)
    if keyed:
        return keyed[0], "key"
    near = index.suggest(text)
    if fuzzy and near and near[0][0] >= FUZZY_ACCEPT:
        return near[0][1], "fuzzy"
    raise NotFoundError(f"no entity matches {text!r}",
                        [row.name for score, row in near[:3] if score >= FUZZY_SUGGEST])


def find_episode(backend: NameSource, text: str) -> EpisodeRow:
    """The episode ``text`` names: a node id (``episode:...``), a record id, or a unique title fragment."""
    text = text.strip()
    for candidate in (text, f"episode:{text}"):
        rows = backend.episodes([candidate])
        if rows:
            return rows[candidate]
    matches = backend.episodes_titled(text) if text else []
    if len(matches) == 1:
        return backend.episodes([matches[0].id])[matches[0].id]
    if matches:
        shown = "; ".join(f"{m.title} ({m.id})" for m in matches[:3])
        more = f" and {len(matches) - 3} more" if len(matches) > 3 else ""
        raise NotFoundError(f"{text!r} matches {len(matches)} episodes: {shown}{more}; "
                            "give more of the title")
    titles = backend.episode_titles()
    from rapidfuzz import fuzz, process

    near = process.extract(text, [t for _, t in titles], scorer=fuzz.WRatio, limit=3,
                           score_cutoff=FUZZY_SUGGEST) if text and titles else []
    raise NotFoundError(f"no episode has the id or a title containing {text!r}", [t for t, _, _ in near])


def find_node(source: GraphNames, text: str, kinds: Sequence[str] = ("Entity", "Topic", "Episode")) -> str:
    """The node id of the entity, topic or episode ``text`` names (for views centred on a node).

    A node id first; then an entity by every rule but near spellings; a topic by name or
    hashtag; an episode by record id or title; then an entity by near spelling.
    """
    text = text.strip()
    if source.kind_of(text) in kinds:
        return text
    suggestions: list[str] = []
    if "Entity" in kinds:
        try:
            return find_entity(source, text, fuzzy=False)[0].id
        except NotFoundError as exc:
            suggestions += exc.suggestions
    if "Topic" in kinds:
        topic = source.topic_named(text)
        if topic is not None:
            return topic
    if "Episode" in kinds:
        try:
            return find_episode(source, text).id
        except NotFoundError as exc:
            if "Entity" not in kinds or " matches " in str(exc):  # several titles match: say which
                raise
    if "Entity" in kinds:
        near = name_index(source).suggest(text)
        if near and near[0][0] >= FUZZY_ACCEPT:
            return near[0][1].id
    what = " or ".join(k.lower() for k in kinds)
    raise NotFoundError(f"no {what} matches {text!r}", suggestions)


def _strings(value: Any) -> list[str]:
    # A list attribute as strings, whatever a store handed back (a list, one value or nothing).
    if isinstance(value, (list, tuple)):
        return [str(v) for v in value if v is not None and v != ""]
    return [str(value)] if value not in (None, "") else []


class GraphNames:
    """The names of a graph in memory, for the lookup (``viz`` and ``resolve --explain`` read graphs).

    >>> import networkx as nx
    >>> g = nx.MultiDiGraph()
    >>> g.add_node("entity:1", label="Entity", name="GitHub", type="Organization", episode_count=2)
    >>> find_entity(GraphNames(g), "GitHub, Inc.")[0].id
    'entity:1'
    """

    def __init__(self, graph: nx.MultiDiGraph) -> None:
        self._entities: dict[str, EntityRow] = {}
        self._former: dict[str, str] = {}
        self._named: dict[str, list[str]] = {}
        self._episodes: dict[str, EpisodeRow] = {}
        self._topics: dict[str, str] = {}
        self._kinds: dict[str, str] = {}
        for node, attrs in graph.nodes(data=True):
            kind = str(attrs.get("label") or "")
            node_id = str(node)
            self._kinds[node_id] = kind
            if kind == "Entity":
                count = attrs.get("episode_count")
                row = EntityRow(id=node_id, name=str(attrs.get("name") or node_id),
                                type=str(attrs.get("type") or ""),
                                aliases=tuple(_strings(attrs.get("aliases"))),
                                description=str(attrs.get("description") or ""),
                                episode_count=count if isinstance(count, int) else graph.in_degree(node))
                self._entities[node_id] = row
                for text in dict.fromkeys([row.name, *row.aliases]):
                    self._named.setdefault(text, []).append(node_id)
                for former in _strings(attrs.get("former_ids")):
                    self._former.setdefault(former, node_id)
            elif kind == "Episode":
                published = attrs.get("published")
                self._episodes[node_id] = EpisodeRow(id=node_id, title=str(attrs.get("title") or ""),
                                                     published=str(published) if published else None)
            elif kind == "Topic":
                self._topics[_fold(str(attrs.get("name") or ""))] = node_id

    def kind_of(self, node_id: str) -> str | None:
        """The label of the node with this id, or ``None``."""
        return self._kinds.get(node_id)

    def topic_named(self, text: str) -> str | None:
        """The id of the topic ``text`` names (``ai-agents``, ``#AI Agents``)."""
        from castgraph.graph.model import Topic

        found = self._topics.get(_fold(text))
        if found is None and text.strip():
            topic_id = Topic.from_tag(text).id
            found = topic_id if self._kinds.get(topic_id) == "Topic" else None
        return found

    def episodes(self, ids: Sequence[str]) -> dict[str, EpisodeRow]:
        return {i: self._episodes[i] for i in ids if i in self._episodes}

    def episodes_titled(self, fragment: str) -> list[EpisodeRow]:
        needle = fragment.casefold()
        return [row for _, row in sorted(self._episodes.items()) if needle and needle in row.title.casefold()]

    def episode_titles(self) -> list[tuple[str, str]]:
        return [(i, row.title) for i, row in sorted(self._episodes.items())]

    def entities(self, ids: Sequence[str]) -> dict[str, EntityRow]:
        return {i: self._entities[i] for i in ids if i in self._entities}

    def entities_named(self, name: str) -> list[EntityRow]:
        return [self._entities[i] for i in self._named.get(name, ())]

    def entity_absorbing(self, former_id: str) -> EntityRow | None:
        owner = self._former.get(former_id)
        return self._entities.get(owner) if owner is not None else None

    def entity_names(self) -> list[EntityRow]:
        return list(self._entities.values())
