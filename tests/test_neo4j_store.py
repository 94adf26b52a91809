"""Neo4jStore against a real Neo4j server: the schema, idempotent writes, updates in place, pruning."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import networkx as nx
import pytest

from castgraph.cli.options import Neo4jSettings
from castgraph.graph.build import build_graph
from castgraph.graph.model import Chapter, Entity, EntityType, Episode, Mention, MergeRecord, Resolution
from castgraph.graph.neo4j_store import Neo4jStore, Neo4jStoreError
from castgraph.graph.networkx_store import NetworkXStore, read_graph_json

pytestmark = pytest.mark.neo4j


def nodes_of(graph: nx.MultiDiGraph) -> dict[str, dict[str, Any]]:
    return {n: dict(d) for n, d in graph.nodes(data=True)}


def edges_of(graph: nx.MultiDiGraph) -> dict[tuple[str, str, Any], dict[str, Any]]:
    return {(u, v, k): dict(d) for u, v, k, d in graph.edges(keys=True, data=True)}


def assert_same_graph(left: nx.MultiDiGraph, right: nx.MultiDiGraph) -> None:
    assert nodes_of(left) == nodes_of(right)
    assert edges_of(left) == edges_of(right)


def labels_in(store: Neo4jStore, node_id: str) -> list[str]:
    _, rows = store.run("MATCH (n {id: $id}) RETURN labels(n) AS labels", {"id": node_id})
    return sorted(rows[0]["labels"]) if rows else []


def episode(eid: str, surfaces: list[tuple[str, str]], tags: list[str] | None = None, **kw: Any) -> Episode:
    return Episode(id=eid, title=f"Episode {eid}", tags=tags or [],
                   mentions=[Mention(surface=s, type_label=t) for s, t in surfaces], **kw)


def resolution(episodes: list[Episode], groups: dict[str, tuple[str, EntityType, list[str]]]) -> Resolution:
    """Resolve by surface: ``groups`` maps an entity id to (name, type, surfaces)."""
    by_surface = {s: eid for eid, (_, _, surfaces) in groups.items() for s in surfaces}
    assignments: dict[str, str] = {}
    mention_ids: dict[str, list[str]] = {eid: [] for eid in groups}
    for ep in episodes:
        for m in ep.mentions:
            assignments[m.id] = by_surface[m.surface]
            mention_ids[by_surface[m.surface]].append(m.id)
    entities = [Entity(id=eid, name=name, type=kind, aliases=[s for s in surfaces if s != name],
                       mention_ids=mention_ids[eid]) for eid, (name, kind, surfaces) in groups.items()]
    merges = [MergeRecord(entity_id=eid, surface=s, rule="alias", score=0.9)
              for eid, (name, _, surfaces) in groups.items() for s in surfaces if s != name]
    return Resolution(entities=entities, assignments=assignments, merges=merges)


EP1 = episode("e1", [("OpenAI", "company"), ("Kyle Daigle", "person")], tags=["#ai", "#GitHub"],
              chapters=[Chapter(title="Intro", start=0.0, quotes=["hello"])], languages=["EN"])
EP2 = episode("e2", [("Open AI", "company"), ("Kyle Daigle", "person")], tags=["#ai"])
EP3 = episode("e3", [("swyx", "person")], tags=["#agents"])

SEPARATE = {"entity:openai": ("OpenAI", EntityType.ORGANIZATION, ["OpenAI"]),
            "entity:open-ai": ("Open AI", EntityType.ORGANIZATION, ["Open AI"]),
            "entity:kyle": ("Kyle Daigle", EntityType.PERSON, ["Kyle Daigle"]),
            "entity:swyx": ("swyx", EntityType.PERSON, ["swyx"])}
MERGED = {"entity:openai": ("OpenAI", EntityType.ORGANIZATION, ["OpenAI", "Open AI"]),
          "entity:kyle": ("Kyle Daigle", EntityType.PERSON, ["Kyle Daigle"]),
          "entity:swyx": ("swyx", EntityType.PERSON, ["swyx"])}


Groups = dict[str, tuple[str, EntityType, list[str]]]


def graph_of(episodes: list[Episode], groups: Groups) -> nx.MultiDiGraph:
    used = {m.surface for ep in episodes for m in ep.mentions}
    groups = {k: v for k, v in groups.items() if used & set(v[2])}
    return build_graph(episodes, resolution(episodes, groups))


def test_real_page_round_trip_twice_with_no_change(
    neo4j_store: Neo4jStore, real_page_graph: nx.MultiDiGraph, tmp_path: Path
) -> None:
    NetworkXStore(tmp_path).write(real_page_graph)
    on_disk = read_graph_json(tmp_path / "graph.json")
    expected = Counter(d["label"] for _, d in on_disk.nodes(data=True))
    expected.update(d["type"] for _, _, d in on_disk.edges(data=True))
    assert expected["Episode"] == 12 and expected["MENTIONS"] > 100

    first = neo4j_store.write(real_page_graph)
    assert first.nodes_created == on_disk.number_of_nodes()
    assert first.edges_created == on_disk.number_of_edges()
    assert neo4j_store.counts() == dict(expected)
    stored = neo4j_store.read()
    assert_same_graph(stored, real_page_graph)
    # graph.json keeps each node's id as the node-link key rather than as an attribute.
    without_id = {n: {k: v for k, v in d.items() if k != "id"} for n, d in nodes_of(stored).items()}
    assert without_id == nodes_of(on_disk)
    assert edges_of(stored) == edges_of(on_disk)

    second = neo4j_store.write(real_page_graph)
    changed = (second.nodes_created, second.edges_created, second.nodes_updated, second.edges_updated,
               second.nodes_removed, second.edges_removed)
    assert changed == (0, 0, 0, 0, 0, 0)
    assert neo4j_store.counts() == dict(expected)
    assert_same_graph(neo4j_store.read(), stored)


def test_schema_labels_and_properties(neo4j_store: Neo4jStore) -> None:
    graph = graph_of([EP1], SEPARATE)
    neo4j_store.write(graph)
    assert labels_in(neo4j_store, "entity:kyle") == ["Entity", "Person"]
    assert labels_in(neo4j_store, "entity:openai") == ["Entity", "Organization"]
    assert labels_in(neo4j_store, "topic:github") == ["Topic"]
    _, rows = neo4j_store.run("MATCH (e:Episode {id: 'episode:e1'}) RETURN properties(e) AS p")
    props = rows[0]["p"]
    assert "age_days" not in props and "published" not in props  # None is not stored
    assert props["languages"] == ["EN"]
    assert isinstance(props["chapters"], str) and '"quotes": ["hello"]' in props["chapters"]
    _, rows = neo4j_store.run(
        "MATCH (:Episode)-[r:MENTIONS]->(x:Entity) RETURN r.key AS key, r.surface AS surface, x.id AS x "
        "ORDER BY key")
    assert rows == [{"key": "m0", "surface": "OpenAI", "x": "entity:openai"},
                    {"key": "m1", "surface": "Kyle Daigle", "x": "entity:kyle"}]
    assert neo4j_store.read().nodes["episode:e1"]["chapters"] == [
        {"title": "Intro", "start": 0.0, "summary": "", "quotes": ["hello"]}]


def test_constraints_and_fulltext_index(neo4j_store: Neo4jStore) -> None:
    neo4j_store.write(graph_of([EP1, EP2], MERGED))
    _, rows = neo4j_store.run("SHOW CONSTRAINTS YIELD labelsOrTypes, properties, type "
                              "WHERE type = 'UNIQUENESS' RETURN labelsOrTypes[0] AS label, properties AS p")
    assert {(r["label"], tuple(r["p"])) for r in rows} >= {("Episode", ("id",)), ("Entity", ("id",)),
                                                           ("Topic", ("id",))}
    # "Open AI" is only an alias of OpenAI: the full-text index covers aliases.
    _, rows = neo4j_store.run("CALL db.index.fulltext.queryNodes('castgraph_entity_names', $q) YIELD node "
                              "RETURN node.id AS id", {"q": '"open ai"'})
    assert [r["id"] for r in rows] == ["entity:openai"]
    with pytest.raises(Neo4jStoreError, match="ConstraintValidationFailed"):
        neo4j_store.run("CREATE (:Topic {id: 'topic:ai'})", write=True)


def test_adding_episodes_updates_in_place(neo4j_store: Neo4jStore) -> None:
    neo4j_store.write(graph_of([EP1], SEPARATE))
    bigger = graph_of([EP1, EP2, EP3], SEPARATE)
    report = neo4j_store.write(bigger)
    # New: two episodes, Open AI, swyx and topic "agents"; Kyle and topic "ai" are updated, not added.
    assert report.nodes_created == 5
    assert report.edges_created == bigger.number_of_edges() - 4
    assert (report.nodes_removed, report.edges_removed) == (0, 0)
    assert (report.nodes_updated, report.edges_updated) == (1, 0)  # only Kyle's counts changed
    _, rows = neo4j_store.run("MATCH (x:Entity {id: 'entity:kyle'}) RETURN x.mention_count AS n")
    assert rows == [{"n": 2}]
    assert_same_graph(neo4j_store.read(), bigger)


def test_absorbed_entity_leaves_no_orphan(neo4j_store: Neo4jStore) -> None:
    neo4j_store.write(graph_of([EP1, EP2], SEPARATE))
    assert labels_in(neo4j_store, "entity:open-ai") == ["Entity", "Organization"]
    merged = graph_of([EP1, EP2], MERGED)
    report = neo4j_store.write(merged)
    assert report.nodes_removed == 1
    assert report.edges_removed == 1  # e2's m0 pointed at "Open AI"; it now points at OpenAI
    assert report.edges_created == 1 and report.nodes_updated == 1  # OpenAI gained an alias
    assert labels_in(neo4j_store, "entity:open-ai") == []
    _, rows = neo4j_store.run("MATCH (e:Episode)-[r:MENTIONS]->(:Entity {id: 'entity:openai'}) "
                              "RETURN e.id AS e, r.surface AS s, r.rule AS rule ORDER BY e")
    assert rows == [{"e": "episode:e1", "s": "OpenAI", "rule": "canonical"},
                    {"e": "episode:e2", "s": "Open AI", "rule": "alias"}]
    assert_same_graph(neo4j_store.read(), merged)


def test_removed_episode_takes_its_topic_and_retyped_entity_is_relabelled(neo4j_store: Neo4jStore) -> None:
    neo4j_store.write(graph_of([EP1, EP3], SEPARATE))
    retyped = dict(SEPARATE, **{"entity:kyle": ("Kyle Daigle", EntityType.ORGANIZATION, ["Kyle Daigle"])})
    smaller = graph_of([EP1], retyped)
    report = neo4j_store.write(smaller)
    assert report.nodes_removed == 3  # episode e3, swyx, topic "agents"
    assert labels_in(neo4j_store, "entity:kyle") == ["Entity", "Organization"]
    assert labels_in(neo4j_store, "topic:agents") == []
    assert_same_graph(neo4j_store.read(), smaller)


@pytest.mark.parametrize("writers", [1, 2, 3])
def test_small_batches_and_input_order_give_the_same_database(neo4j_settings: Neo4jSettings,
                                                               neo4j_store: Neo4jStore, writers: int) -> None:
    graph = graph_of([EP3, EP2, EP1], SEPARATE)
    with Neo4jStore(neo4j_settings.uri, user=neo4j_settings.user, password=neo4j_settings.password,
                    database=neo4j_settings.database, batch_size=2, writers=writers) as tiny:
        report = tiny.write(graph)
    assert report.nodes_created == graph.number_of_nodes() > 2
    assert report.edges_created == graph.number_of_edges() > 2
    assert_same_graph(neo4j_store.read(), graph_of([EP1, EP2, EP3], SEPARATE))


def test_values_from_data_are_parameters_and_labels_are_allow_listed(neo4j_store: Neo4jStore) -> None:
    nasty = "x'}) MATCH (n) DETACH DELETE n //"
    ep = episode("e9", [(nasty, "Person:Admin"), ("ok", "person")])
    groups = {"entity:nasty": (nasty, EntityType.from_label("Person:Admin"), [nasty]),
              "entity:ok": ("ok", EntityType.PERSON, ["ok"])}
    graph = graph_of([ep], groups)
    graph.nodes["entity:nasty"]["type"] = "Person`:Admin"  # a type that is not in the allow-list
    neo4j_store.write(graph)
    assert labels_in(neo4j_store, "entity:nasty") == ["Entity", "Other"]
    _, rows = neo4j_store.run("MATCH (x:Entity {id: 'entity:nasty'}) RETURN x.name AS name, x.type AS type")
    assert rows == [{"name": nasty, "type": "Person`:Admin"}]
    assert neo4j_store.counts()["Entity"] == 2


def test_unknown_node_label_is_refused_before_anything_is_written(neo4j_store: Neo4jStore) -> None:
    graph = graph_of([EP1], SEPARATE)
    graph.add_node("admin:1", label="Admin", id="admin:1")
    with pytest.raises(Neo4jStoreError, match=r"node 'admin:1': label 'Admin' is not one of Episode"):
        neo4j_store.write(graph)
    assert sum(neo4j_store.counts().values()) == 0


def test_relationship_between_wrong_labels_is_refused_before_anything_is_written(
        neo4j_store: Neo4jStore) -> None:
    graph = graph_of([EP1, EP2], SEPARATE)
    entity = next(n for n, d in graph.nodes(data=True) if d["label"] == "Entity")
    graph.add_edge(entity, "episode:e2", key="x", type="MENTIONS")
    with pytest.raises(Neo4jStoreError, match=r"MENTIONS goes from Episode to Entity, not Entity to Episode"):
        neo4j_store.write(graph)
    assert sum(neo4j_store.counts().values()) == 0


def test_wrong_password_is_one_clear_line(neo4j_settings: Neo4jSettings, neo4j_lock: None) -> None:
    with Neo4jStore(neo4j_settings.uri, user=neo4j_settings.user, password="not-the-password",
                    database=neo4j_settings.database) as store, pytest.raises(Neo4jStoreError) as info:
        store.write(graph_of([EP1], SEPARATE))
    assert str(info.value) == f"Neo4j at {neo4j_settings.uri} refused user 'neo4j': wrong user or password"


def test_batch_size_must_be_positive() -> None:
    with pytest.raises(ValueError, match="batch_size"):
        Neo4jStore("bolt://127.0.0.1:1", batch_size=0)
    with pytest.raises(ValueError, match="writers"):
        Neo4jStore("bolt://127.0.0.1:1", writers=0)


def test_edge_attributes_outside_the_schema_still_round_trip(neo4j_store: Neo4jStore) -> None:
    graph = graph_of([EP1, EP3], SEPARATE)
    graph.edges["episode:e1", "entity:kyle", "m1"]["weight"] = 0.25  # not a builder attribute
    graph.edges["episode:e1", "entity:kyle", "m1"]["rule"] = None
    report = neo4j_store.write(graph)
    assert report.edges_created == graph.number_of_edges()
    _, rows = neo4j_store.run("MATCH ()-[r:MENTIONS {key: 'm1'}]->(:Entity {id: 'entity:kyle'}) "
                              "RETURN r.weight AS weight, r.rule AS rule, r.surface AS surface")
    assert rows == [{"weight": 0.25, "rule": None, "surface": "Kyle Daigle"}]
    back = neo4j_store.read()
    assert back.edges["episode:e1", "entity:kyle", "m1"]["weight"] == 0.25
    assert "rule" not in back.edges["episode:e1", "entity:kyle", "m1"]  # None is not stored


def test_clear_removes_only_castgraphs_nodes(neo4j_store: Neo4jStore) -> None:
    graph = graph_of([EP1, EP2], SEPARATE)
    neo4j_store.write(graph)
    neo4j_store.run("CREATE (:Note {text: 'kept'})", write=True)
    assert neo4j_store.clear() == graph.number_of_nodes()
    _, rows = neo4j_store.run("MATCH (n) RETURN labels(n) AS labels")
    assert rows == [{"labels": ["Note"]}]
