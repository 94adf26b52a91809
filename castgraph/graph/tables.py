"""A whole castgraph graph as columns: node records plus per-mention arrays.

:class:`GraphTables` is what the build hands from stage to stage. Nodes are
their schema records (:mod:`castgraph.graph.schema`), sorted by id; mentions are
numpy arrays (episode position, entity position, ordinal) and one dictionary-coded
column per edge attribute, so a million mentions cost a few arrays, not a million
Python dicts. The networkx graph, graph.json, the compact store and the query
index are all made from these columns, and the tables can be made back from a
networkx graph (:meth:`GraphTables.from_networkx`): the round trip gives the same
graph.

Examples
--------
>>> from castgraph.graph.model import Entity, EntityType, Episode, Mention, Resolution
>>> ep = Episode(id="e1", title="T", tags=["#ai"], mentions=[Mention(surface="swyx", type_label="Person")])
>>> res = Resolution(entities=[Entity(id="entity:1", name="swyx", type=EntityType.PERSON,
...                                   mention_ids=["e1#0"])], assignments={"e1#0": "entity:1"})
>>> tables = GraphTables.from_build([ep], res)
>>> tables.counts()
{'episodes': 1, 'entities': 1, 'topics': 1, 'mentions': 1}
>>> g = tables.to_networkx()
>>> sorted(g.nodes), g.edges["episode:e1", "entity:1", "m0"]["surface"]
(['entity:1', 'episode:e1', 'topic:ai'], 'swyx')
>>> back = GraphTables.from_networkx(g).to_networkx()
>>> list(back.edges(keys=True, data=True)) == list(g.edges(keys=True, data=True))
True
"""

from __future__ import annotations

from collections.abc import Callable, Container, Iterable, Iterator
from dataclasses import dataclass, field
from itertools import chain, repeat
from operator import attrgetter
from typing import TYPE_CHECKING, Any, cast

import numpy as np

from castgraph.graph.added import LISTED_CODED, AddedMentions, listed_columns, merge_mentions, pick
from castgraph.graph.assigned import MentionEntities, listed_rows, mention_counts, mention_entities
from castgraph.graph.coded import Coded, lex_order, sorted_distinct
from castgraph.graph.model import Episode, Mention, MergeRecord, Resolution, Topic
from castgraph.graph.schema import (
    ABSENT,
    ENTITY,
    EPISODE,
    HAS_TOPIC,
    MENTION_FIELDS,
    MENTION_TABLE_FIELDS,
    MENTIONS,
    SCHEMA_VERSION,
    TOPIC,
    TOPIC_KEY,
    KeyedColumn,
    entity_record,
    episode_node_id,
    episode_records,
    mention_columns,
    mention_key,
    mention_table,
    topic_record,
)
from castgraph.memory import gc_paused

if TYPE_CHECKING:
    import networkx as nx

__all__ = ["ABSENT", "Coded", "ColumnView", "GraphTables", "lex_order", "sorted_distinct"]



@dataclass
class GraphTables:
    """A castgraph graph as node records and mention columns.

    Attributes
    ----------
    episodes, entities, topics
        Node records (dicts of :mod:`castgraph.graph.schema`), each list sorted by id.
    m_ep, m_ent, m_ord
        Per mention: episode position, entity position and ordinal; rows sorted by
        (episode, ordinal).
    m_cols
        Per mention attribute (:data:`castgraph.graph.schema.MENTION_FIELDS` but ``ordinal``):
        a coded column.
    ept_ptr, ept_idx
        Topics of each episode (CSR: episode -> sorted topic positions).
    graph_attrs
        The graph's own attributes (``schema_version``).
    """

    episodes: list[dict[str, Any]]
    entities: list[dict[str, Any]]
    topics: list[dict[str, Any]]
    m_ep: np.ndarray
    m_ent: np.ndarray
    m_ord: np.ndarray
    m_cols: dict[str, Coded]
    ept_ptr: np.ndarray
    ept_idx: np.ndarray
    graph_attrs: dict[str, Any] = field(default_factory=lambda: {"schema_version": SCHEMA_VERSION})
    #: Whether orjson writes the node records as json does (:mod:`castgraph.graph.json_bytes`):
    #: checked when the build made them, so that writers need not check them again.
    plain_records: bool = False

    # --- making -------------------------------------------------------------------
    @classmethod
    def from_build(cls, episodes: Iterable[Episode], resolution: Resolution,
                   added: AddedMentions | None = None) -> GraphTables:
        """The graph of ``episodes`` with entities from ``resolution`` (see ``build_graph``),
        and the mentions ``added`` as columns (what the linker found: :mod:`castgraph.graph.added`).

        Mentions that resolution did not assign (no usable name) are left out.
        """
        with gc_paused():
            return cls._from_build(episodes, resolution, added)

    @classmethod
    def _from_build(cls, episodes: Iterable[Episode], resolution: Resolution,
                    added: AddedMentions | None = None) -> GraphTables:
        eps = sorted({ep.id: ep for ep in episodes}.values(), key=lambda e: e.id)
        if added is not None:
            added.check([ep.id for ep in eps])
        ents = sorted(resolution.entities, key=lambda e: e.id)
        ent_pos = {e.id: i for i, e in enumerate(ents)}
        topics: dict[str, Topic] = {}
        topic_of: dict[str, str] = {}  # tag -> topic id; a few tags recur in most episodes
        for ep in eps:
            for tag in ep.tags:
                if tag not in topic_of:
                    topic = Topic.from_tag(tag)
                    topic_of[tag] = topic.id
                    topics.setdefault(topic.id, topic)
        topic_ids = sorted(topics)
        topic_pos = {t: i for i, t in enumerate(topic_ids)}

        topic_entities = resolution.topic_entities
        if added is not None and added.topic_entities:
            topic_entities = {**topic_entities, **added.topic_entities}

        merges = list(resolution.merges)
        # Column by column: each pass is one comprehension or map over the mentions, no row objects.
        mentions = [m for ep in eps for m in ep.mentions]
        sizes = [len(ep.mentions) for ep in eps]
        owner = np.repeat(np.arange(len(eps), dtype=np.int32), sizes)
        table = mention_table(mentions)
        # Columns the linker's search child coded while the resolver worked, if they hold these mentions.
        listed = listed_columns(added.listed_coded, table) if added is not None else {}
        missing = len(ents)
        positions, fields = _entity_positions(eps, resolution, added, ent_pos, missing, table["ordinal"])
        keep = np.flatnonzero(positions != missing)
        if len(keep) < len(mentions):
            rows = keep.tolist()
            mentions = pick(mentions, rows)
            table = {name: pick(values, rows) for name, values in table.items()}
            listed = {name: Coded.of_keys(c.codes[keep], c.values) for name, c in listed.items()}
            fields = {name: (values, codes[keep]) for name, (values, codes) in fields.items()}
        m_ep, m_ent = owner[keep], positions[keep]
        if added is not None:  # what no search child coded: the resolver's codes, if they hold these mentions
            listed = {**_resolver_coded(fields, table, skip=listed), **listed}
        n_rows = len(mentions)
        place_coded: dict[str, Coded] = {}
        coded: dict[str, Coded] = {}  # by edge attribute
        ordinals: np.ndarray | None = None
        if added is not None:
            entity_at = np.array([ent_pos[e] for e in added.entity_ids] or [0], dtype=np.int32)
            merged = merge_mentions(table, listed, m_ep, m_ent, added, sizes=sizes, kept=keep,
                                    entity_at=entity_at, defaults=_MENTION_DEFAULTS)
            table, coded, ordinals, place_coded = merged.table, merged.coded, merged.ordinals, merged.places
            m_ep, m_ent, new, n_rows = merged.episode, merged.entity, merged.new, len(merged.episode)
        if added is None:  # the columns the resolver coded, where they hold what the mentions hold
            resolver_coded = _resolver_coded(fields, table)
            coded.update((LISTED_CODED[name], column) for name, column in resolver_coded.items())
        surface = coded["surface"] if "surface" in coded else Coded.of(table["surface"])
        coded["surface"] = surface
        merge_rows = _merge_rows(merges, ent_pos, m_ent, surface)
        dense, sparse = mention_columns(mentions, merges, merge_rows, table, places=added is None)
        del merge_rows, table
        listed_ordinals = dense.pop("ordinal")
        if ordinals is None:
            ordinals = np.asarray(cast(list[int], listed_ordinals), dtype=np.int32)
        m_cols = {name: coded[name] if name in coded
                  else Coded.of_keys(values.keys, values.table) if isinstance(values, KeyedColumn)
                  else Coded.of(values) for name, values in dense.items()}
        sparse_coded = {name: Coded.of_rows(n_rows, at, values) for name, (at, values) in sparse.items()}
        # Sparse columns by name, as mention_columns gives them (place columns with a value only).
        sparse_coded.update({name: column for name, column in place_coded.items() if column.values})
        m_cols.update(sorted(sparse_coded.items()))
        del dense, sparse, mentions
        # Episodes per entity: its distinct (episode, entity) pairs.
        pairs = sorted_distinct(m_ep.astype(np.int64) * max(1, len(ents)) + m_ent)
        counts = np.bincount(pairs % max(1, len(ents)), minlength=len(ents)).tolist()
        ept = [sorted({topic_pos[topic_of[tag]] for tag in ep.tags}) for ep in eps]
        ept_ptr, ept_idx = _csr(ept)
        records, plain = episode_records(eps)
        # Entities count the added mentions too (the resolution's mention ids do not have them).
        listed_counts = dict(zip(map(attrgetter("id"), resolution.entities), mention_counts(resolution),
                                 strict=True))
        mention_count = [listed_counts[e.id] for e in ents]
        if added is not None:
            mention_count = (np.asarray(mention_count, dtype=np.int64)
                             + np.bincount(m_ent[new], minlength=len(ents))).tolist()
        return cls(
            episodes=records,
            entities=[entity_record(e, n, k) for e, n, k in zip(ents, counts, mention_count, strict=True)],
            topics=[_named(topic_record(topics[t]), topic_entities.get(t), ent_pos)
                    for t in topic_ids],
            m_ep=m_ep,
            m_ent=m_ent,
            m_ord=ordinals,
            m_cols=m_cols,
            ept_ptr=ept_ptr,
            ept_idx=ept_idx,
            plain_records=plain,
        )

    @classmethod
    def from_networkx(cls, graph: nx.MultiDiGraph) -> GraphTables:
        """The tables of a castgraph graph (nodes and edges outside the schema are left out)."""
        by_label: dict[str, list[str]] = {EPISODE: [], ENTITY: [], TOPIC: []}
        for node, label in graph.nodes(data="label"):
            if label in by_label:
                by_label[label].append(node)
        ep_ids, ent_ids, topic_ids = (sorted(by_label[k]) for k in (EPISODE, ENTITY, TOPIC))
        ep_pos = {e: i for i, e in enumerate(ep_ids)}
        ent_pos = {e: i for i, e in enumerate(ent_ids)}
        topic_pos = {t: i for i, t in enumerate(topic_ids)}
        found: list[tuple[int, int, int, dict[str, Any]]] = []
        ept: list[list[int]] = [[] for _ in ep_ids]
        extra: dict[str, None] = {}
        for u, v, attrs in graph.edges(data=True):
            kind = attrs.get("type")
            if kind == MENTIONS and u in ep_pos and v in ent_pos:
                found.append((ep_pos[u], int(attrs.get("ordinal") or 0), ent_pos[v], attrs))
                extra.update(dict.fromkeys(attrs))
            elif kind == HAS_TOPIC and u in ep_pos and v in topic_pos:
                ept[ep_pos[u]].append(topic_pos[v])
        # The schema's attributes first, then any other an edge carries (absent where it has none).
        names = [f for f in MENTION_FIELDS if f != "ordinal"]
        names += [k for k in extra if k not in names and k not in ("type", "ordinal")]
        found.sort(key=lambda row: (row[0], row[1], row[2]))
        core = set(MENTION_FIELDS)
        columns = [[row[3].get(n) if n in core else row[3].get(n, ABSENT) for row in found] for n in names]
        ept_ptr, ept_idx = _csr([sorted(set(t)) for t in ept])
        nodes = graph.nodes
        return cls(
            # node_link_graph keeps a node's id as its key only: the record gets it back.
            episodes=[{**nodes[n], "id": n} for n in ep_ids],
            entities=[{**nodes[n], "id": n} for n in ent_ids],
            topics=[{**nodes[n], "id": n} for n in topic_ids],
            m_ep=np.asarray([r[0] for r in found], dtype=np.int32),
            m_ent=np.asarray([r[2] for r in found], dtype=np.int32),
            m_ord=np.asarray([r[1] for r in found], dtype=np.int32),
            m_cols={n: Coded.of(c) for n, c in zip(names, columns, strict=True)},
            ept_ptr=ept_ptr,
            ept_idx=ept_idx,
            graph_attrs=dict(graph.graph),
        )

    # --- reading ------------------------------------------------------------------
    def counts(self) -> dict[str, int]:
        return {"episodes": len(self.episodes), "entities": len(self.entities),
                "topics": len(self.topics), "mentions": len(self.m_ep)}

    def ids(self, records: list[dict[str, Any]]) -> list[str]:
        return [r["id"] for r in records]

    def edge_order(self) -> np.ndarray:
        """Mention rows in networkx edge order: by episode, then by the first mention of each
        entity in that episode (parallel edges sit together), then by ordinal."""
        if len(self.m_ep) == 0:
            return np.zeros(0, dtype=np.int64)
        pair = self.m_ep.astype(np.int64) * max(1, len(self.entities)) + self.m_ent
        _, inverse = np.unique(pair, return_inverse=True)
        first = np.full(int(inverse.max()) + 1, np.iinfo(np.int32).max, dtype=np.int64)
        np.minimum.at(first, inverse, self.m_ord)
        return lex_order(self.m_ord, first[inverse], self.m_ep)

    def mention_attrs(self, rows: np.ndarray | None = None) -> Iterator[dict[str, Any]]:
        """The attribute dict of each mention edge (``type`` included), in ``rows`` order."""
        names = [n for n in MENTION_FIELDS if n == "ordinal" or n in self.m_cols]
        names += [n for n in self.m_cols if n not in names]
        columns = [(self.m_ord if rows is None else self.m_ord[rows]).tolist() if n == "ordinal"
                   else self.m_cols[n].take(rows) for n in names]
        keys = ("type", *names)
        sparse = any(c.sparse for c in self.m_cols.values())
        for values in zip(*columns, strict=True):
            attrs = dict(zip(keys, (MENTIONS, *values), strict=True))
            yield {k: v for k, v in attrs.items() if v is not ABSENT} if sparse else attrs

    def to_networkx(self) -> nx.MultiDiGraph:
        """The networkx MultiDiGraph of these tables (the shape ``build_graph`` always had)."""
        import networkx as nx

        graph = nx.MultiDiGraph(**self.graph_attrs)
        for records in (self.episodes, self.entities, self.topics):
            graph.add_nodes_from((r["id"], r) for r in records)
        ep_ids, ent_ids = self.ids(self.episodes), self.ids(self.entities)
        topic_ids = self.ids(self.topics)
        order = lex_order(self.m_ord, self.m_ep)
        sources = self.m_ep[order].tolist()
        targets = self.m_ent[order].tolist()
        ordinals = self.m_ord[order].tolist()
        attrs = self.mention_attrs(order)
        at = 0
        ptr, idx = self.ept_ptr.tolist(), self.ept_idx.tolist()
        # Episode by episode, mentions then topics: the insertion order build_graph always had.
        for ep, ep_id in enumerate(ep_ids):
            while at < len(sources) and sources[at] == ep:
                graph.add_edge(ep_id, ent_ids[targets[at]], key=mention_key(ordinals[at]), **next(attrs))
                at += 1
            for t in idx[ptr[ep]:ptr[ep + 1]]:
                graph.add_edge(ep_id, topic_ids[t], key=TOPIC_KEY, type=HAS_TOPIC)
        return graph


def _resolver_coded(fields: dict[str, tuple[list[Any], np.ndarray]], table: dict[str, list[Any]],
                    skip: Container[str] = ()) -> dict[str, Coded]:
    """The :data:`~castgraph.graph.added.LISTED_CODED` columns of ``table`` (but ``skip``) that
    ``fields`` (distinct values, code per row) give, coded as :meth:`Coded.of` codes them, by
    mention field: no dict call per mention. A column whose values are not the table's
    (mentions changed since they were resolved) is left out, as :func:`listed_columns` leaves it.
    """
    given = {name: Coded.of_keys(codes, values) for name, (values, codes) in fields.items()
             if name in LISTED_CODED and name not in skip}
    return listed_columns(given, table)


def _entity_positions(eps: list[Episode], resolution: Resolution, added: AddedMentions | None,
                      ent_pos: dict[str, int], missing: int, ordinals: list[int]
                      ) -> tuple[np.ndarray, dict[str, tuple[list[Any], np.ndarray]]]:
    """Per mention of ``eps`` (with ``ordinals``), the position of its entity in ``ent_pos``
    (``missing``: none), from the cheapest source that describes these mentions; and the
    fields of these mentions the resolver coded, if it did (name -> (distinct values, code
    of each mention); see :attr:`castgraph.graph.assigned.MentionEntities.fields`)."""
    listed = added.listed_entities if added is not None else None
    columns = mention_entities(resolution)
    if added is not None and listed is not None and columns is not None and columns is listed.source \
            and np.array_equal(listed.sizes, [len(ep.mentions) for ep in eps]):
        # The linker read them from the resolver's columns, which still describe the resolution
        # (castgraph.link.present): entity numbers into added.entity_ids.
        number = np.array([ent_pos[e] for e in added.entity_ids] + [missing], dtype=np.int32)
        return number[listed.entity], _fields_at(columns, listed.rows)  # -1 (no entity) picks missing
    found = listed_rows(eps, resolution)
    if found is not None:  # the resolver's columns (castgraph.graph.assigned): no id strings
        number = np.array([ent_pos[e.id] for e in resolution.entities] + [missing], dtype=np.int32)
        return number[found.entity], _fields_at(found.columns, found.rows)
    # Mention ids "<episode id>#<ordinal>", made by C-level concatenation.
    sizes = [len(ep.mentions) for ep in eps]
    prefixes = chain.from_iterable(map(repeat, [f"{ep.id}#" for ep in eps], sizes))
    keys = map(str.__add__, prefixes, map(str, ordinals))
    # ent_pos.get(None, missing) is missing too: unassigned mentions drop out.
    position_of = cast(Callable[[Any, int], int], ent_pos.get)
    return np.fromiter(map(position_of, map(resolution.assignments.get, keys), repeat(missing)),
                       dtype=np.int32, count=len(ordinals)), {}


def _fields_at(columns: MentionEntities, rows: np.ndarray | None) -> dict[str, tuple[list[Any], np.ndarray]]:
    """The fields the resolver coded on ``columns``, at ``rows``: name -> (distinct values, code
    of each row); none where they are not known."""
    # The codes are per block row: rows appended after the blocks (the linker's) have none.
    if rows is None or columns.extra:
        return {}
    return {name: (values, codes[rows]) for name, (values, codes) in columns.fields.items()}


def _merge_rows(merges: list[MergeRecord], ent_pos: dict[str, int], m_ent: np.ndarray, surface: Coded
                ) -> list[int]:
    """Per mention, the position in ``merges`` of the merge that put its surface on its entity
    (``len(merges)``: none; of two merges of one surface onto one entity, the later).

    One sorted search of every mention's (entity, surface) key among the merges' keys: no
    sort of the mentions, no Python call per distinct pair (12 million mentions at a million
    episodes).
    """
    if not merges or len(m_ent) == 0:
        return [len(merges)] * len(m_ent)
    size = len(surface.values) + 1
    code_of = dict(zip(surface.values, range(len(surface.values)), strict=True))
    keys: list[int] = []
    numbers: list[int] = []
    for number, merge in enumerate(merges):
        entity, code = ent_pos.get(merge.entity_id), code_of.get(merge.surface)
        if entity is not None and code is not None:
            keys.append(entity * size + code)
            numbers.append(number)
    if not keys:
        return [len(merges)] * len(m_ent)
    key_array = np.asarray(keys, dtype=np.int64)
    order = np.argsort(key_array, kind="stable")
    sorted_keys, sorted_numbers = key_array[order], np.asarray(numbers, dtype=np.int64)[order]
    last = np.append(sorted_keys[1:] != sorted_keys[:-1], True)  # stable: the last of equal keys
    sorted_keys, sorted_numbers = sorted_keys[last], sorted_numbers[last]
    wanted = m_ent.astype(np.int64) * size + surface.codes
    at = np.minimum(np.searchsorted(sorted_keys, wanted), len(sorted_keys) - 1)
    return np.where(sorted_keys[at] == wanted, sorted_numbers[at], len(merges)).tolist()


# A mention field's value where a mention does not give it.
_MENTION_DEFAULTS = {name: Mention.model_fields[name].default for name in MENTION_TABLE_FIELDS}


def _named(record: dict[str, Any], entity: str | None, entities: dict[str, int]) -> dict[str, Any]:
    """A topic record with the entity its tag names, when the linker found one (castgraph.link)."""
    return {**record, "entity": entity} if entity is not None and entity in entities else record


def _csr(rows: list[list[int]]) -> tuple[np.ndarray, np.ndarray]:
    ptr = np.zeros(len(rows) + 1, dtype=np.int64)
    np.cumsum([len(r) for r in rows], out=ptr[1:])
    flat = np.fromiter((x for row in rows for x in row), dtype=np.int32, count=int(ptr[-1]))
    return ptr, flat


def episode_ids(episodes: Iterable[Episode]) -> list[str]:
    return [episode_node_id(ep.id) for ep in episodes]


class ColumnView:
    """A read-only, networkx-style view of :class:`GraphTables`, made row by row.

    Writers that walk a graph (``nodes(data=True)``, ``edges(keys=True, data=...)``,
    ``number_of_nodes()``, ``n in graph``), the Neo4j store and the neo4j-admin export,
    read the columns through it without a networkx graph being built: each edge's
    attributes exist only while it is being written.

    >>> from castgraph.graph.model import Entity, EntityType, Episode, Mention, Resolution
    >>> ep = Episode(id="e1", title="T", tags=["ai"], mentions=[Mention(surface="swyx")])
    >>> res = Resolution(entities=[Entity(id="entity:1", name="swyx", type=EntityType.PERSON,
    ...                                   mention_ids=["e1#0"])], assignments={"e1#0": "entity:1"})
    >>> tables = GraphTables.from_build([ep], res)
    >>> view, graph = ColumnView(tables), tables.to_networkx()
    >>> list(view.edges(keys=True, data=True)) == list(graph.edges(keys=True, data=True))
    True
    >>> list(view.nodes(data="label")) == list(graph.nodes(data="label")), "entity:1" in view
    (True, True)
    """

    def __init__(self, tables: GraphTables) -> None:
        self.tables = tables
        self.graph = tables.graph_attrs
        self._ids: set[str] | None = None

    def number_of_nodes(self) -> int:
        t = self.tables
        return len(t.episodes) + len(t.entities) + len(t.topics)

    def number_of_edges(self) -> int:
        return len(self.tables.m_ep) + len(self.tables.ept_idx)

    def __len__(self) -> int:
        return self.number_of_nodes()

    def __contains__(self, node: object) -> bool:
        if self._ids is None:
            t = self.tables
            self._ids = {r["id"] for records in (t.episodes, t.entities, t.topics) for r in records}
        return node in self._ids

    def nodes(self, data: bool | str = False) -> Iterator[Any]:
        t = self.tables
        for records in (t.episodes, t.entities, t.topics):
            for r in records:
                if data is True:
                    yield r["id"], r
                elif data:
                    yield r["id"], r.get(data)
                else:
                    yield r["id"]

    def edges(self, keys: bool = False, data: bool | str = False) -> Iterator[tuple[Any, ...]]:
        t = self.tables
        ep_ids, ent_ids, topic_ids = t.ids(t.episodes), t.ids(t.entities), t.ids(t.topics)
        order = t.edge_order()
        sources, targets = t.m_ep[order].tolist(), t.m_ent[order].tolist()
        ordinals = t.m_ord[order].tolist()
        attrs = t.mention_attrs(order)
        ptr, idx = t.ept_ptr.tolist(), t.ept_idx.tolist()
        at = 0

        def edge(u: str, v: str, key: str, d: dict[str, Any]) -> tuple[Any, ...]:
            head: tuple[Any, ...] = (u, v, key) if keys else (u, v)
            if data is True:
                return (*head, d)
            if data:
                return (*head, d.get(data))
            return head

        for ep, ep_id in enumerate(ep_ids):
            while at < len(sources) and sources[at] == ep:
                yield edge(ep_id, ent_ids[targets[at]], mention_key(ordinals[at]), next(attrs))
                at += 1
            for topic in idx[ptr[ep]:ptr[ep + 1]]:
                yield edge(ep_id, topic_ids[topic], TOPIC_KEY, {"type": HAS_TOPIC})
