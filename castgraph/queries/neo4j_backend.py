"""The Neo4j backend: the query look-ups as parameterized Cypher on a Neo4j server.

Counting, aggregation and ordering happen on the server; only the small results
(an episode's terms, posting lists of rare terms, co-mention pair counts, top
co-mentioned entities) come back. Every value from the user travels as a
parameter; labels in the Cypher text are fixed.

Examples
--------
>>> Neo4jQueries.__mro__[1].__name__
'QueryBackend'
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from castgraph.queries.backend import (
    ComentionCounts,
    EntityRow,
    EpisodeRow,
    MentionRef,
    OriginWeights,
    QueryBackend,
    Term,
    tier_key,
)

__all__ = ["Neo4jQueries"]

_ENTITY_FIELDS = ("x.id AS id, x.name AS name, x.type AS type, x.aliases AS aliases, "
                  "x.description AS description, x.episode_count AS episode_count")
# An entity's episodes: the stored count when the graph has one, else counted.
_ENTITY_DF = ("CALL (x) { WITH x WHERE coalesce(x.episode_count, 0) > 0 RETURN x.episode_count AS df "
              "UNION WITH x WHERE coalesce(x.episode_count, 0) <= 0 "
              # Grouped by x: no row at all (rather than a 0) when the first branch answered.
              "MATCH (x)<-[:MENTIONS]-(o:Episode) WITH x, count(DISTINCT o) AS df RETURN df }")
#: Mentions of the pair's first entities scanned by one co-mention query.
POSTINGS_PER_QUERY = 50_000

_IN_RANGE = ("($since IS NULL OR coalesce(toString(e.published), '') >= $since) "
             "AND ($until IS NULL OR (coalesce(toString(e.published), '') <> '' "
             "AND toString(e.published) <= $until))")


def _published(value: Any) -> str | None:
    if value is None or value == "":
        return None
    return value.iso_format() if hasattr(value, "iso_format") else str(value)


def _chapters(value: Any) -> list[dict[str, object]]:
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return []
    return [c for c in value if isinstance(c, dict)] if isinstance(value, list) else []


def _entity(record: Any) -> EntityRow:
    return EntityRow(id=record["id"], name=record["name"] or "", type=record["type"] or "Other",
                     aliases=tuple(record["aliases"] or ()), description=record["description"] or "",
                     episode_count=int(record["episode_count"] or 0))


def _term(record: Any, kind: str) -> Term:
    return Term(id=record["id"], kind=kind, name=record["name"] or "", type=record["type"] or "Other",
                df=int(record["df"]), strength=float(record.get("strength", 1.0)))


# The strength of a mention (r) under the origin weights in $weights (no origin: listed; an
# origin not in the map: 1), and of an episode's mentions of one entity: the strongest.
_STRENGTH = "coalesce($weights[coalesce(r.origin, 'listed')], 1.0)"


def _weights(weights: OriginWeights | None) -> dict[str, float]:
    return {k: float(v) for k, v in (weights or {}).items()}


class Neo4jQueries(QueryBackend):
    """Queries on a Neo4j server holding a castgraph graph.

    ``source`` is a :class:`castgraph.graph.neo4j_store.Neo4jStore` (its driver and
    database are used) or a ``neo4j.Driver``.
    """

    def __init__(self, source: Any, database: str | None = None) -> None:
        self.driver = getattr(source, "driver", source)
        self.database = database if database is not None else getattr(source, "database", None)
        self._count: int | None = None

    def _run(self, query: str, **params: Any) -> list[Any]:
        records, _, _ = self.driver.execute_query(query, params, database_=self.database, routing_="r")
        return list(records)

    def episode_count(self) -> int:
        if self._count is None:
            self._count = int(self._run("MATCH (e:Episode) RETURN count(e) AS n")[0]["n"])
        return self._count

    def episodes(self, ids: Sequence[str]) -> dict[str, EpisodeRow]:
        rows = self._run("UNWIND $ids AS id MATCH (e:Episode {id: id}) "
                         "RETURN e.id AS id, e.title AS title, e.published AS published, "
                         "e.chapters AS chapters",
                         ids=list(ids))
        return {r["id"]: EpisodeRow(id=r["id"], title=r["title"] or "", published=_published(r["published"]),
                                    chapters=_chapters(r["chapters"])) for r in rows}

    def episodes_titled(self, fragment: str) -> list[EpisodeRow]:
        needle = fragment.casefold()
        if not needle:
            return []
        rows = self._run("MATCH (e:Episode) WHERE toLower(e.title) CONTAINS toLower($q) "
                         "RETURN e.id AS id, e.title AS title, e.published AS published ORDER BY id",
                         q=fragment)
        # The server's toLower only narrows; the match rule is Python's casefold, as on NetworkX.
        return [EpisodeRow(id=r["id"], title=r["title"] or "", published=_published(r["published"]))
                for r in rows if needle in (r["title"] or "").casefold()]

    def episode_titles(self) -> list[tuple[str, str]]:
        rows = self._run("MATCH (e:Episode) RETURN e.id AS id, e.title AS title ORDER BY id")
        return [(r["id"], r["title"] or "") for r in rows]

    def entities(self, ids: Sequence[str]) -> dict[str, EntityRow]:
        rows = self._run(f"UNWIND $ids AS id MATCH (x:Entity {{id: id}}) RETURN {_ENTITY_FIELDS}",
                         ids=list(ids))
        return {r["id"]: _entity(r) for r in rows}

    def entities_named(self, name: str) -> list[EntityRow]:
        rows = self._run(f"MATCH (x:Entity) WHERE x.name = $name OR $name IN coalesce(x.aliases, []) "
                         f"RETURN {_ENTITY_FIELDS} ORDER BY id", name=name)
        return [_entity(r) for r in rows]

    def entity_absorbing(self, former_id: str) -> EntityRow | None:
        rows = self._run(f"MATCH (x:Entity) WHERE $id IN coalesce(x.former_ids, []) "
                         f"RETURN {_ENTITY_FIELDS} ORDER BY x.id LIMIT 1", id=former_id)
        return _entity(rows[0]) if rows else None

    def entity_names(self) -> list[EntityRow]:
        rows = self._run("MATCH (x:Entity) RETURN x.id AS id, x.name AS name, x.type AS type, "
                         "x.aliases AS aliases, '' AS description, x.episode_count AS episode_count "
                         "ORDER BY id")
        return [_entity(r) for r in rows]

    # --- related episodes ---------------------------------------------------------
    def episode_terms(self, episode_id: str, weights: OriginWeights | None = None) -> list[Term]:
        rows = self._run(
            "MATCH (:Episode {id: $id})-[r:MENTIONS]->(x:Entity) "
            f"WITH x, max({_STRENGTH}) AS strength WHERE strength > 0 "
            f"{_ENTITY_DF} "
            "RETURN x.id AS id, 'entity' AS kind, x.name AS name, x.type AS type, df, strength "
            "UNION ALL "
            "MATCH (:Episode {id: $id})-[:HAS_TOPIC]->(t:Topic) WITH DISTINCT t "
            # One HAS_TOPIC per episode and topic: the degree is the episode count.
            "RETURN t.id AS id, 'topic' AS kind, t.name AS name, 'Topic' AS type, "
            "COUNT { (t)<-[:HAS_TOPIC]-(:Episode) } AS df, 1.0 AS strength",
            id=episode_id, weights=_weights(weights))
        return [_term(r, r["kind"]) for r in rows]

    def entity_terms(self, ids: Sequence[str]) -> list[Term]:
        rows = self._run(
            f"UNWIND $ids AS id MATCH (x:Entity {{id: id}}) {_ENTITY_DF} "
            "RETURN x.id AS id, x.name AS name, x.type AS type, df", ids=list(ids))
        return [_term(r, "entity") for r in rows]

    def postings(self, terms: Sequence[Term], weights: OriginWeights | None = None) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {t.key: [] for t in terms}
        entity_rows = [{"key": t.key, "id": t.id, "tier": t.tier} for t in terms if t.kind == "entity"]
        topic_ids = [t.id for t in terms if t.kind == "topic"]
        if entity_rows:
            for r in self._run("UNWIND $rows AS row MATCH (:Entity {id: row.id})<-[r:MENTIONS]-(e:Episode) "
                               f"WITH row, e, max({_STRENGTH}) AS strength "
                               "WHERE row.tier IS NULL OR strength = row.tier "
                               "RETURN row.key AS key, collect(e.id) AS eps",
                               rows=entity_rows, weights=_weights(weights)):
                out[r["key"]] = sorted(r["eps"])
        if topic_ids:
            for r in self._run("UNWIND $ids AS id MATCH (:Topic {id: id})<-[:HAS_TOPIC]-(e:Episode) "
                               "RETURN id, collect(DISTINCT e.id) AS eps", ids=topic_ids):
                out[r["id"]] = sorted(r["eps"])
        return out

    def memberships(self, episode_ids: Sequence[str], terms: Sequence[Term],
                    weights: OriginWeights | None = None) -> dict[str, set[str]]:
        if not episode_ids or not terms:
            return {}
        rows = self._run(
            "UNWIND $eps AS eid MATCH (e:Episode {id: eid}) "
            "CALL (e) { MATCH (e)-[r:MENTIONS]->(x:Entity) WHERE x.id IN $entities "
            f"WITH x, max({_STRENGTH}) AS strength RETURN x.id AS t, strength "
            "UNION MATCH (e)-[:HAS_TOPIC]->(x:Topic) WHERE x.id IN $topics "
            "RETURN x.id AS t, null AS strength } "
            "RETURN eid, collect([t, strength]) AS have",
            eps=list(episode_ids), entities=[t.id for t in terms if t.kind == "entity"],
            topics=[t.id for t in terms if t.kind == "topic"], weights=_weights(weights))
        wanted = {t.key for t in terms}
        out: dict[str, set[str]] = {}
        for r in rows:
            have: set[str] = set()
            for term_id, strength in r["have"]:
                if strength is None:
                    have.add(term_id)
                elif strength > 0:
                    have.update(k for k in (term_id, tier_key(term_id, float(strength))) if k in wanted)
            if have:
                out[r["eid"]] = have
        return out

    # --- co-mentions --------------------------------------------------------------
    def comention_counts(
        self, *, types: Sequence[str] | None, since: str | None, until: str | None, min_weight: int
    ) -> ComentionCounts:
        params = {"types": list(types) if types else None, "since": since, "until": until}
        # An entity in fewer than min_weight episodes in all (the stored episode_count; 0 or
        # none = not known) can be in no pair that counts: leaving it out early saves most of
        # the pairs of a big graph.
        entity_ok = "($types IS NULL OR {v}.type IN $types)"
        may_pair = "(coalesce({v}.episode_count, 0) <= 0 OR {v}.episode_count >= $min_weight)"
        selected = self._run(f"MATCH (e:Episode) WHERE {_IN_RANGE} "
                             "RETURN count(e) AS n, sum(COUNT { (e)-[:MENTIONS]->() }) AS mentions", **params)
        pairs_of = (f"WITH DISTINCT e, a MATCH (e)-[:MENTIONS]->(b:Entity) "
                    f"WHERE a.id < b.id AND {entity_ok.format(v='b')} AND {may_pair.format(v='b')} "
                    "WITH a.id AS a, b.id AS b, collect(DISTINCT e.id) AS eps "
                    "WHERE size(eps) >= $min_weight RETURN a, b, eps")
        if int(selected[0]["mentions"] or 0) <= POSTINGS_PER_QUERY:
            # A short date range: start from its episodes, in one query.
            pairs = self._run(f"MATCH (e:Episode) WHERE {_IN_RANGE} MATCH (e)-[:MENTIONS]->(a:Entity) "
                              f"WHERE {entity_ok.format(v='a')} AND {may_pair.format(v='a')} " + pairs_of,
                              min_weight=min_weight, **params)
        else:
            # Blocked by the first entity of each pair (chunks of ~POSTINGS_PER_QUERY mentions),
            # so that no single query holds every pair of the graph in the server's memory.
            entities = self._run(f"MATCH (a:Entity) WHERE {entity_ok.format(v='a')} "
                                 f"AND {may_pair.format(v='a')} "
                                 "RETURN a.id AS id, COUNT { (a)<-[:MENTIONS]-() } AS n ORDER BY id",
                                 min_weight=min_weight, **params)
            chunks: list[list[str]] = [[]]
            load = 0
            for r in entities:
                if chunks[-1] and load + int(r["n"]) > POSTINGS_PER_QUERY:
                    chunks.append([])
                    load = 0
                chunks[-1].append(r["id"])
                load += int(r["n"])
            pairs = []
            for chunk in (c for c in chunks if c):
                pairs += self._run("UNWIND $chunk AS aid MATCH (a:Entity {id: aid})<-[:MENTIONS]-(e:Episode) "
                                   f"WHERE {_IN_RANGE} " + pairs_of,
                                   chunk=chunk, min_weight=min_weight, **params)
        dfs = self._run(
            f"MATCH (e:Episode) WHERE {_IN_RANGE} "
            f"MATCH (e)-[:MENTIONS]->(x:Entity) WHERE {entity_ok.format(v='x')} "
            "RETURN x.id AS id, x.name AS name, x.type AS type, count(DISTINCT e) AS df", **params)
        return ComentionCounts(
            pairs={(r["a"], r["b"]): sorted(r["eps"]) for r in pairs},
            df={r["id"]: int(r["df"]) for r in dfs},
            refs={r["id"]: EntityRow(id=r["id"], name=r["name"] or "", type=r["type"] or "Other")
                  for r in dfs},
            episodes=int(selected[0]["n"]),
        )

    # --- profile ------------------------------------------------------------------
    def appearances(self, entity_id: str, limit: int | None
                    ) -> tuple[int, list[tuple[str, list[str], list[MentionRef]]]]:
        total = self._run("MATCH (:Entity {id: $id})<-[:MENTIONS]-(e:Episode) RETURN count(DISTINCT e) AS n",
                          id=entity_id)
        rows = self._run(
            "MATCH (:Entity {id: $id})<-[:MENTIONS]-(e:Episode) WITH DISTINCT e "
            "WITH e, coalesce(toString(e.published), '') AS day "
            "ORDER BY day = '' ASC, day DESC, e.id ASC " + ("LIMIT $limit " if limit is not None else "") +
            "CALL (e) { MATCH (e)-[r:MENTIONS]->(:Entity {id: $id}) WITH r ORDER BY r.ordinal "
            "RETURN collect(r.surface) AS surfaces, "
            "collect([coalesce(r.origin, 'listed'), coalesce(r.field, ''), r.chapter, r.timestamp]) "
            "AS places } "
            "RETURN e.id AS id, surfaces, places", id=entity_id, limit=limit)
        shown = [(r["id"], list(dict.fromkeys(s or "" for s in r["surfaces"])),
                  [MentionRef(origin=str(o), field=str(f), chapter=int(c) if c is not None else None,
                              timestamp=float(t) if t is not None else None) for o, f, c, t in r["places"]])
                 for r in rows]
        return int(total[0]["n"]), shown

    def comentioned(self, entity_id: str, limit: int) -> list[tuple[EntityRow, int]]:
        rows = self._run(
            "MATCH (x0:Entity {id: $id})<-[:MENTIONS]-(e:Episode) WITH DISTINCT x0, e "
            "MATCH (e)-[:MENTIONS]->(x:Entity) WHERE x <> x0 "
            f"WITH x, count(DISTINCT e) AS n RETURN {_ENTITY_FIELDS}, n ORDER BY n DESC, id ASC LIMIT $limit",
            id=entity_id, limit=limit)
        return [(_entity(r), int(r["n"])) for r in rows]

    def topic_counts(self, entity_id: str, limit: int) -> list[tuple[str, str, int]]:
        rows = self._run(
            "MATCH (:Entity {id: $id})<-[:MENTIONS]-(e:Episode) WITH DISTINCT e "
            "MATCH (e)-[:HAS_TOPIC]->(t:Topic) "
            "WITH t, count(DISTINCT e) AS n RETURN t.id AS id, t.name AS name, n "
            "ORDER BY n DESC, id ASC LIMIT $limit", id=entity_id, limit=limit)
        return [(r["id"], r["name"] or "", int(r["n"])) for r in rows]
