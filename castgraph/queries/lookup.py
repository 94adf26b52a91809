"""Finding episodes and entities by what a user types: an id, a title fragment, a name,
an alias or a near spelling.

Entities are looked up in this order: exact id; a former id (an entity absorbed by another
in an incremental build); exact name or alias; the same after
Unicode (NFKC) and case folding; then the nearest spelling over a character-trigram
blocked index of every name and alias (rapidfuzz scores only the few candidates that
share rare trigrams with the query). Several entities with the same name: the one in
the most episodes wins, then the smallest id.

Examples
--------
>>> from castgraph.queries.backend import EntityRow
>>> idx = NameIndex([EntityRow(id="entity:1", name="Matt Pocock", type="Person", aliases=("mattpocockuk",))])
>>> [r.id for r in idx.exact("MATT  pocock")]
['entity:1']
>>> idx.suggest("Mat Pocok")[0][1].name
'Matt Pocock'
"""

from __future__ import annotations

import weakref
from collections import Counter

from rapidfuzz import fuzz, process

from castgraph.queries.backend import EntityRow, EpisodeRow, QueryBackend
from castgraph.queries.models import NotFoundError
from castgraph.resolve.normalize import fold_name as _fold

__all__ = ["FUZZY_ACCEPT", "NameIndex", "find_entity", "find_episode"]

#: A near spelling scoring at least this (rapidfuzz WRatio, 0-100) is taken as the entity.
FUZZY_ACCEPT = 88.0
#: Suggestions ("did you mean") need at least this score.
FUZZY_SUGGEST = 60.0
_CANDIDATES = 200
_COMMON_GRAM = 5000

_name_indexes: weakref.WeakKeyDictionary[QueryBackend, NameIndex] = weakref.WeakKeyDictionary()


def _grams(key: str) -> set[str]:
    padded = f"  {key} "
    return {padded[i:i + 3] for i in range(len(padded) - 2)}


def _rank(row: EntityRow) -> tuple[int, str]:
    return (-row.episode_count, row.id)


class NameIndex:
    """Every entity name and alias, normalized, with a trigram index for near spellings."""

    def __init__(self, rows: list[EntityRow]) -> None:
        owners: dict[str, dict[str, EntityRow]] = {}
        for row in rows:
            for text in (row.name, *row.aliases):
                key = _fold(text)
                if key:
                    owners.setdefault(key, {})[row.id] = row
        self.keys = sorted(owners)
        self.owners = {k: sorted(v.values(), key=_rank) for k, v in owners.items()}
        self.grams: dict[str, list[int]] = {}
        for pos, key in enumerate(self.keys):
            for gram in _grams(key):
                self.grams.setdefault(gram, []).append(pos)

    def exact(self, text: str) -> list[EntityRow]:
        """Entities one of whose names equals ``text`` once normalized, best first."""
        return list(self.owners.get(_fold(text), []))

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
        scored = process.extract(query, choices, scorer=fuzz.WRatio, limit=None) if choices else []
        best: dict[str, tuple[float, EntityRow]] = {}
        for key, score, _ in scored:
            for row in self.owners[key]:
                if row.id not in best or score > best[row.id][0]:
                    best[row.id] = (float(score), row)
        ordered = sorted(best.values(), key=lambda sr: (-sr[0], *_rank(sr[1])))
        return ordered[:limit]


def name_index(backend: QueryBackend) -> NameIndex:
    """The name index of ``backend``, built once."""
    if backend not in _name_indexes:
        _name_indexes[backend] = NameIndex(backend.entity_names())
    return _name_indexes[backend]


def find_entity(backend: QueryBackend, text: str) -> tuple[EntityRow, str]:
    """The entity ``text`` names, and how it matched (id, former id, name, alias, normalized, fuzzy).

    Raises :class:`~castgraph.queries.models.NotFoundError` (with suggestions) when none does.
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
    index = name_index(backend)
    exact = index.exact(text)
    if exact:
        return exact[0], "normalized"
    near = index.suggest(text)
    if near and near[0][0] >= FUZZY_ACCEPT:
        return near[0][1], "fuzzy"
    raise NotFoundError(f"no entity matches {text!r}",
                        [row.name for score, row in near[:3] if score >= FUZZY_SUGGEST])


def find_episode(backend: QueryBackend, text: str) -> EpisodeRow:
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
    near = process.extract(text, [t for _, t in titles], scorer=fuzz.WRatio, limit=3,
                           score_cutoff=FUZZY_SUGGEST) if text and titles else []
    raise NotFoundError(f"no episode has the id or a title containing {text!r}", [t for t, _, _ in near])
