"""Show queries: the episodes of a show, and its people by role ("guests of this show").

A show is matched by its title (case-insensitive) on the episodes' ``show``
property. People are the entities an episode of the show mentions with a role
(a feed's ``<podcast:person>``, a table's ``role`` column); a person with two
roles is listed once per role. Both backends hand the same rows to the same
Python code, so they give the same answers (same order, same counts).

Examples
--------
>>> from castgraph.graph.build import build_graph
>>> from castgraph.graph.model import Entity, EntityType, Episode, Mention, Resolution
>>> jane = [Mention(surface="Jane", role="guest")]
>>> eps = [Episode(id="a", title="Agents", show="Tech Talks", mentions=jane),
...        Episode(id="b", title="Tools", show="Tech Talks", mentions=jane)]
>>> res = Resolution(entities=[Entity(id="entity:j", name="Jane", type=EntityType.PERSON)],
...                  assignments={"a#0": "entity:j", "b#0": "entity:j"})
>>> graph = build_graph(eps, res)
>>> [(p.name, p.role, p.episodes) for p in show_people(graph, "tech talks", role="Guest")]
[('Jane', 'guest', 2)]
>>> [e.title for e in show_episodes(graph, "Tech Talks")]
['Agents', 'Tools']
"""

from __future__ import annotations

import sys
from collections import defaultdict
from typing import Any

from pydantic import BaseModel

__all__ = ["ShowEpisode", "ShowPerson", "ShowSummary", "list_shows", "show_episodes", "show_people"]


class ShowEpisode(BaseModel):
    """An episode of a show."""

    id: str
    title: str
    published: str | None = None
    season: int | None = None
    episode_number: int | None = None
    url: str = ""


class ShowPerson(BaseModel):
    """An entity credited with ``role`` in ``episodes`` episodes of a show."""

    id: str
    name: str
    type: str
    role: str
    episodes: int


class ShowSummary(BaseModel):
    """A show of the graph and how many episodes it has."""

    title: str
    episodes: int
    author: str = ""


def _neo4j_driver(source: Any) -> tuple[Any, str | None] | None:
    driver = getattr(source, "driver", None)
    if driver is None:
        return None
    return driver, getattr(source, "database", None)


def _run(source: Any, query: str, **params: Any) -> list[dict[str, Any]]:
    found = _neo4j_driver(source)
    if found is None:
        kind = type(source).__name__
        raise TypeError(f"show queries need a NetworkX graph or a Neo4j store / backend, not {kind}")
    driver, database = found
    records, _, _ = driver.execute_query(query, params, database_=database, routing_="r")
    return [dict(r.items()) for r in records]


def _is_graph(source: Any) -> bool:
    """Whether ``source`` is a NetworkX graph (without importing networkx for a store or a server)."""
    nx = sys.modules.get("networkx")
    return nx is not None and isinstance(source, nx.MultiDiGraph)


def _episode_rows(source: Any, show: str) -> list[dict[str, Any]]:
    if _is_graph(source):
        return [{"id": n, **{k: a.get(k) for k in ("title", "show", "published", "season", "episode_number",
                                                  "url", "show_author")}}
                for n, a in source.nodes(data=True) if a.get("label") == "Episode"]
    # toLower only narrows on the server; the match rule is Python's casefold, as on NetworkX.
    where = "WHERE toLower(e.show) = toLower($show)" if show else ""
    return _run(source, f"MATCH (e:Episode) {where} RETURN e.id AS id, e.title AS title, e.show AS show, "
                        "e.published AS published, e.season AS season, e.episode_number AS episode_number, "
                        "e.url AS url, e.show_author AS show_author", show=show)


def _sort_key(row: ShowEpisode) -> tuple[Any, ...]:
    # Newest first, undated last, then id: the order of an entity's episodes elsewhere.
    return (row.published is None, _neg(row.published or ""), row.id)


def _neg(text: str) -> tuple[int, ...]:
    return tuple(-ord(c) for c in text)


def show_episodes(source: Any, show: str) -> list[ShowEpisode]:
    """The episodes of ``show`` (title, any case): newest first, undated last, then by id.

    ``source`` is a graph (:func:`castgraph.graph.build.build_graph`) or a Neo4j store or backend.
    """
    wanted = show.strip().casefold()
    rows = [ShowEpisode(id=r["id"], title=str(r.get("title") or ""), published=_iso(r.get("published")),
                        season=r.get("season"), episode_number=r.get("episode_number"),
                        url=str(r.get("url") or ""))
            for r in _episode_rows(source, show.strip())
            if str(r.get("show") or "").strip().casefold() == wanted]
    return sorted(rows, key=_sort_key)


def _iso(value: Any) -> str | None:
    if value is None or value == "":
        return None
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def _people_rows(source: Any, show: str) -> list[dict[str, Any]]:
    if _is_graph(source):
        rows = []
        for u, v, attrs in source.edges(data=True):
            if attrs.get("type") != "MENTIONS" or not attrs.get("role"):
                continue
            ep, ent = source.nodes[u], source.nodes[v]
            rows.append({"episode": u, "show": ep.get("show"), "id": v, "name": ent.get("name"),
                         "type": ent.get("type"), "role": attrs["role"]})
        return rows
    return _run(source, "MATCH (e:Episode)-[r:MENTIONS]->(x:Entity) "
                        "WHERE toLower(e.show) = toLower($show) AND r.role IS NOT NULL "
                        "RETURN e.id AS episode, e.show AS show, x.id AS id, x.name AS name, x.type AS type, "
                        "r.role AS role", show=show)


def show_people(source: Any, show: str, *, role: str | None = None) -> list[ShowPerson]:
    """The entities credited in episodes of ``show``, by role: most episodes first, then name and id.

    ``role`` (any case) keeps one role: ``show_people(g, "Tech Talks", role="guest")`` are its guests.
    """
    wanted, want_role = show.strip().casefold(), (role or "").strip().casefold()
    episodes: dict[tuple[str, str], set[str]] = defaultdict(set)
    info: dict[str, tuple[str, str]] = {}
    for r in _people_rows(source, show.strip()):
        if str(r.get("show") or "").strip().casefold() != wanted:
            continue
        if want_role and r["role"] != want_role:
            continue
        episodes[(r["id"], r["role"])].add(r["episode"])
        info[r["id"]] = (str(r.get("name") or ""), str(r.get("type") or "Other"))
    people = [ShowPerson(id=i, name=info[i][0], type=info[i][1], role=rl, episodes=len(eps))
              for (i, rl), eps in episodes.items()]
    return sorted(people, key=lambda p: (-p.episodes, p.name.casefold(), p.id, p.role))


def list_shows(source: Any) -> list[ShowSummary]:
    """Every show title in the graph with its episode count: most episodes first, then title."""
    counts: dict[str, int] = defaultdict(int)
    authors: dict[str, set[str]] = defaultdict(set)
    for r in _episode_rows(source, ""):
        title = str(r.get("show") or "").strip()
        if title:
            counts[title] += 1
            authors[title].add(str(r.get("show_author") or ""))
    # Episodes of one show may name different authors: the first in sorted order, the same on every backend.
    return sorted((ShowSummary(title=t, episodes=n, author=min(authors[t] - {""}, default=""))
                   for t, n in counts.items()), key=lambda s: (-s.episodes, s.title))
