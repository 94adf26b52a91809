"""The castgraph schema on Neo4j: allow-listed labels, constraints, indexes and property codecs.

Labels and relationship types in Cypher text come only from the constants here,
never from data: a node's ``label`` attribute and an entity's ``type`` are looked
up in these allow-lists, and anything else is refused.

Property mapping (the same keys as graph.json):

* node ``id`` and every attribute become properties, except ``label``, which is the
  Neo4j label (entities get their type as a second label: ``:Entity:Person``);
* edge ``type`` is the relationship type, the edge key is the property ``key``;
* ``None`` values are not stored (an absent property reads back as ``None``, or as
  ``[]`` for the list attributes in :data:`LIST_PROPERTIES`);
* lists of strings or numbers are stored as Neo4j lists;
* anything else that is not a primitive (``Episode.chapters``: a list of dicts) is
  stored as a JSON string and decoded again by :func:`decode_properties`.

Examples
--------
>>> node_labels({"label": "Entity", "type": "Person"})
('Entity', 'Person')
>>> encode_properties({"id": "episode:1", "label": "Episode", "age_days": None, "chapters": [{"title": "x"}]})
{'id': 'episode:1', 'chapters': '[{"title": "x"}]'}
>>> decode_properties("Episode", {"id": "episode:1", "chapters": '[{"title": "x"}]'})["chapters"]
[{'title': 'x'}]
"""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Iterable, Mapping
from typing import Any

import networkx as nx

from castgraph.errors import CastgraphError
from castgraph.graph.feed_props import MENTION_FEED_PROPERTIES
from castgraph.graph.model import EntityType

__all__ = [
    "CONSTRAINTS",
    "ENTITY_TYPE_LABELS",
    "FULLTEXT_INDEX",
    "FULL_SUFFIX",
    "INDEXES",
    "JSON_PROPERTIES",
    "LIST_PROPERTIES",
    "MAX_INDEXED_BYTES",
    "NODE_LABELS",
    "RELATIONSHIPS",
    "RELATIONSHIP_PROPERTIES",
    "SCHEMA_STATEMENTS",
    "UnknownLabelError",
    "WriteRefused",
    "check_ids_fit",
    "check_no_other_graph",
    "checked_labels",
    "decode_properties",
    "encode_properties",
    "encode_value",
    "fit_index_limits",
    "node_labels",
    "relationship_endpoints",
]

NODE_LABELS: tuple[str, ...] = ("Episode", "Entity", "Topic")
ENTITY_TYPE_LABELS: tuple[str, ...] = tuple(t.value for t in EntityType)
# Relationship type -> (source label, target label).
RELATIONSHIPS: dict[str, tuple[str, str]] = {
    "MENTIONS": ("Episode", "Entity"),
    "HAS_TOPIC": ("Episode", "Topic"),
}

# Relationship properties the graph builder writes: the only property names that appear
# in Cypher text (relationships are created with them as a literal map, which lets the
# planner avoid materializing each batch); any other property travels in a parameter map.
RELATIONSHIP_PROPERTIES: dict[str, tuple[str, ...]] = {
    "MENTIONS": ("key", "surface", "source_type", "description", "ordinal", "rule", "score",
                 *MENTION_FEED_PROPERTIES,
                 # where the mention was found (castgraph.link)
                 "field", "span", "chapter", "timestamp", "occurrences", "pattern"),
    "HAS_TOPIC": ("key",),
}

_NAME = re.compile(r"^[A-Z][A-Za-z_]*$")
# The allow-lists are interpolated into Cypher text, so they must be plain identifiers.
assert all(_NAME.match(x) for x in (*NODE_LABELS, *ENTITY_TYPE_LABELS, *RELATIONSHIPS))
assert all(re.match(r"^[a-z_]+$", k) for keys in RELATIONSHIP_PROPERTIES.values() for k in keys)

# Attributes that hold structured data (not storable as a Neo4j property) per label.
JSON_PROPERTIES: dict[str, frozenset[str]] = {
    "Episode": frozenset({"chapters", "extra", "transcript"}),
    "Entity": frozenset(),
    "Topic": frozenset(),
}
# Attributes the graph builder always sets, so that a property Neo4j did not store
# (a None) reads back as None: the same attribute set as graph.json.
_KNOWN_KEYS: dict[str, tuple[str, ...]] = {
    "Episode": ("id", "record_id", "title", "show", "published", "age_days", "duration_seconds",
                "languages", "url", "summary", "chapters", "source", "extra"),
    "Entity": ("id", "name", "type", "aliases", "description", "descriptions", "type_votes",
               "mention_count", "episode_count", "former_ids"),
    "Topic": ("id", "name"),
}

# List attributes: an empty list may be stored as no property at all (neo4j-admin import
# does that), so an absent one reads back as [] rather than None.
LIST_PROPERTIES: frozenset[str] = frozenset({"languages", "aliases", "descriptions", "type_votes",
                                             "former_ids"})

FULLTEXT_INDEX = "castgraph_entity_names"

# Neo4j refuses a range-index entry of more than about 8 KB (and a full-text term of 32 KB),
# failing the whole transaction. Indexed text longer than this many UTF-8 bytes is stored
# cut to this size, with the whole value in "<key>_full" (not indexed), which reads restore.
MAX_INDEXED_BYTES = 4000
_INDEXED_TEXT: dict[str, tuple[str, ...]] = {"Entity": ("name",), "Topic": ("name",)}
_INDEXED_LISTS: dict[str, tuple[str, ...]] = {"Entity": ("aliases",)}
FULL_SUFFIX = "_full"

CONSTRAINTS: tuple[str, ...] = tuple(
    f"CREATE CONSTRAINT castgraph_{label.lower()}_id IF NOT EXISTS FOR (n:{label}) REQUIRE n.id IS UNIQUE"
    for label in NODE_LABELS
)
INDEXES: tuple[str, ...] = (
    "CREATE INDEX castgraph_entity_name IF NOT EXISTS FOR (n:Entity) ON (n.name)",
    "CREATE INDEX castgraph_entity_type IF NOT EXISTS FOR (n:Entity) ON (n.type)",
    "CREATE INDEX castgraph_episode_published IF NOT EXISTS FOR (n:Episode) ON (n.published)",
    # "Episodes of this show": MATCH (e:Episode {show: $show}).
    "CREATE INDEX castgraph_episode_show IF NOT EXISTS FOR (n:Episode) ON (n.show)",
    "CREATE INDEX castgraph_topic_name IF NOT EXISTS FOR (n:Topic) ON (n.name)",
    # Names and aliases (a list of strings) in one Lucene index:
    # CALL db.index.fulltext.queryNodes('castgraph_entity_names', 'kyle~')
    f"CREATE FULLTEXT INDEX {FULLTEXT_INDEX} IF NOT EXISTS FOR (n:Entity) ON EACH [n.name, n.aliases]",
)
SCHEMA_STATEMENTS: tuple[str, ...] = CONSTRAINTS + INDEXES


class UnknownLabelError(CastgraphError, ValueError):
    """A node or edge whose label or type is not in castgraph's allow-list (a one-line message)."""


def node_labels(attrs: Mapping[str, Any]) -> tuple[str, ...]:
    """The Neo4j labels of a node: its ``label`` and, for entities, its type.

    >>> node_labels({"label": "Topic"})
    ('Topic',)
    >>> node_labels({"label": "Entity", "type": "Spaceship"})
    ('Entity', 'Other')
    >>> node_labels({"label": "Admin"})
    Traceback (most recent call last):
    ...
    castgraph.graph.neo4j_schema.UnknownLabelError: label 'Admin' is not one of Episode, Entity, Topic
    """
    label = attrs.get("label")
    if label not in NODE_LABELS:
        raise UnknownLabelError(f"label {label!r} is not one of {', '.join(NODE_LABELS)}")
    if label == "Entity":
        kind = attrs.get("type")
        return (label, kind if kind in ENTITY_TYPE_LABELS else EntityType.OTHER.value)
    return (str(label),)


def relationship_endpoints(rel_type: Any) -> tuple[str, str]:
    """The (source, target) labels of an allow-listed relationship type.

    >>> relationship_endpoints("HAS_TOPIC")
    ('Episode', 'Topic')
    """
    if rel_type not in RELATIONSHIPS:
        raise UnknownLabelError(f"relationship type {rel_type!r} is not one of {', '.join(RELATIONSHIPS)}")
    return RELATIONSHIPS[rel_type]


def checked_labels(graph: nx.MultiDiGraph) -> dict[Any, tuple[str, ...]]:
    """The Neo4j labels of every node, once every node label and relationship is checked.

    Raises :class:`UnknownLabelError` naming the first node or edge outside the schema.

    >>> g = nx.MultiDiGraph()
    >>> g.add_node("entity:1", label="Entity", type="Person")
    >>> g.add_node("topic:ai", label="Topic")
    >>> g.add_edge("entity:1", "topic:ai", key="t", type="HAS_TOPIC")
    't'
    >>> checked_labels(g)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    castgraph.graph.neo4j_schema.UnknownLabelError: edge 'entity:1' -> 'topic:ai' ('t'): a HAS_TOPIC goes ...
    """
    labels: dict[Any, tuple[str, ...]] = {}
    for node, attrs in graph.nodes(data=True):
        try:
            labels[node] = node_labels(attrs)
        except UnknownLabelError as exc:
            raise UnknownLabelError(f"node {node!r}: {exc}") from None
    for source, target, key, rel_type in graph.edges(keys=True, data="type"):
        where = f"edge {source!r} -> {target!r} ({key!r})"
        try:
            expected = relationship_endpoints(rel_type)
        except UnknownLabelError as exc:
            raise UnknownLabelError(f"{where}: {exc}") from None
        found = (labels[source][0], labels[target][0])
        if found != expected:
            raise UnknownLabelError(f"{where}: a {rel_type} goes from {expected[0]} to {expected[1]}, "
                                    f"not {found[0]} to {found[1]}")
    return labels


def _storable_list(value: list[Any] | tuple[Any, ...]) -> bool:
    kinds = {type(v) for v in value}
    return kinds <= {str} or kinds <= {int, float} or kinds <= {bool}


def encode_value(value: Any) -> Any:
    """One attribute value as a Neo4j property value (``None`` = do not store).

    >>> encode_value(["a", "b"]), encode_value({"k": 1}), encode_value([1, "x"])
    (['a', 'b'], '{"k": 1}', '[1, "x"]')
    """
    if value is None or isinstance(value, (str, bool, int, float)):
        return value
    if isinstance(value, (list, tuple)) and _storable_list(value):
        return list(value)
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


def encode_properties(attrs: Mapping[str, Any], skip: frozenset[str] = frozenset({"label"}),
                      json_keys: frozenset[str] = frozenset()) -> dict[str, Any]:
    """Node or edge attributes as Neo4j properties: ``None`` dropped, structures as JSON.

    ``json_keys`` are always stored as JSON (even ``[]``), so they decode the same way.

    >>> encode_properties({"label": "Episode", "chapters": []}, json_keys=frozenset({"chapters"}))
    {'chapters': '[]'}
    """
    out: dict[str, Any] = {}
    for key, value in attrs.items():
        if value is None or key in skip:
            continue
        if key in json_keys:
            out[key] = json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)
        elif type(value) in _PRIMITIVES:  # the common case, checked first: this runs per edge
            out[key] = value
        else:
            out[key] = encode_value(value)
    return out


_PRIMITIVES = frozenset({str, int, float, bool})


def _oversize(text: Any) -> bool:
    # Four bytes per character at most: most text is ruled out without encoding it.
    return isinstance(text, str) and len(text) * 4 > MAX_INDEXED_BYTES \
        and len(text.encode("utf-8", "surrogatepass")) > MAX_INDEXED_BYTES


def _cut(text: str) -> str:
    return text.encode("utf-8", "surrogatepass")[:MAX_INDEXED_BYTES].decode("utf-8", "ignore")


def fit_index_limits(label: str, props: dict[str, Any]) -> dict[str, Any]:
    """Keep text too long for Neo4j's indexes out of indexed properties (in place; returns ``props``).

    >>> props = fit_index_limits("Entity", {"name": "x" * 5000, "aliases": ["a"]})
    >>> len(props["name"]), len(props["name_full"]), decode_properties("Entity", props)["name"] == "x" * 5000
    (4000, 5000, True)
    """
    for key in _INDEXED_TEXT.get(label, ()):
        value = props.get(key)
        if isinstance(value, str) and _oversize(value):
            props[key], props[key + FULL_SUFFIX] = _cut(value), value
    for key in _INDEXED_LISTS.get(label, ()):
        value = props.get(key)
        if isinstance(value, list) and any(_oversize(v) for v in value):
            props[key] = [_cut(v) if _oversize(v) else v for v in value]
            props[key + FULL_SUFFIX] = json.dumps(value, ensure_ascii=False)
    return props


class WriteRefused(CastgraphError):
    """A write refused before anything was written (a one-line message)."""


def check_ids_fit(graph: nx.MultiDiGraph, where: str) -> None:
    """Refuse a graph with an id too long for Neo4j's uniqueness constraints (ids cannot be cut)."""
    too_long = [i for i in graph.nodes() if _oversize(i)]
    if too_long:
        raise WriteRefused(f"cannot write to {where}: node id {too_long[0][:60]!r}... is longer than "
                           f"the {MAX_INDEXED_BYTES:,} bytes its uniqueness index holds "
                           f"({len(too_long)} such ids); nothing was written")


def check_no_other_graph(graph: nx.MultiDiGraph, stored_episodes: Iterable[str], where: str) -> None:
    """Refuse a write that would delete stored episodes the graph does not have (another graph)."""
    foreign = sorted(i for i in stored_episodes if i not in graph)
    if foreign:
        raise WriteRefused(
            f"{where} holds {len(foreign):,} episode(s) that are not in this graph "
            f"(e.g. {foreign[0][:80]!r}); writing would delete them: pass --replace to replace that graph, "
            "or use another database (--neo4j-database)")


def decode_properties(label: str, props: Mapping[str, Any]) -> dict[str, Any]:
    """Neo4j properties of a ``label`` node back to graph attributes (``label`` included)."""
    attrs: dict[str, Any] = {"label": label}
    json_keys = JSON_PROPERTIES.get(label, frozenset())
    for key in _KNOWN_KEYS.get(label, ()):
        attrs[key] = [] if key in LIST_PROPERTIES else None
    for key, value in props.items():
        if key in json_keys and isinstance(value, str):
            with contextlib.suppress(ValueError):  # not JSON: keep the string as stored
                value = json.loads(value)
        attrs[key] = value
    for key in (*_INDEXED_TEXT.get(label, ()), *_INDEXED_LISTS.get(label, ())):
        full = attrs.pop(key + FULL_SUFFIX, None)
        if isinstance(full, str):
            attrs[key] = json.loads(full) if key in _INDEXED_LISTS.get(label, ()) else full
    return attrs
