"""The resolver's mention-to-entity columns: the same answers as the assignments, or none."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from castgraph.graph import tables as tables_module
from castgraph.graph.added import AddedMentions
from castgraph.graph.assigned import (
    entity_positions,
    listed_rows,
    make_mention_ids,
    mention_counts,
    mention_entities,
)
from castgraph.graph.model import Episode, Mention, Resolution
from castgraph.graph.tables import Coded, GraphTables
from castgraph.link import EntityLinker, LinkOptions
from castgraph.loaders import read_episodes
from castgraph.resolve import resolve

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def _by_ids(eps: list[Episode], res: Resolution) -> list[int]:
    """What the columns must say: each mention's entity position, read from the assignments."""
    index = {e.id: i for i, e in enumerate(res.entities)}
    return [index.get(res.assignments.get(m.id, ""), -1) for ep in eps for m in ep.mentions]


def _examples() -> tuple[list[Episode], Resolution]:
    eps = read_episodes([EXAMPLES]).episodes
    eps.append(Episode(id="zz-no-entities", title="Nothing listed",
                       summary="A look back at OpenAI's launch playbook, and what OpenAI learned."))
    EntityLinker().add_title_mentions(eps)
    return eps, resolve(eps)


def test_columns_answer_as_the_assignments_in_any_episode_order() -> None:
    eps, res = _examples()
    for seed in range(3):
        random.Random(seed).shuffle(eps)
        found = entity_positions(eps, res)
        assert found is not None and found.tolist() == _by_ids(eps, res)
    assert (np.asarray(_by_ids(eps, res)) >= 0).sum() == len(res.assignments) > 10


def test_columns_follow_the_mentions_the_linker_adds() -> None:
    eps, res = _examples()
    linker = EntityLinker()
    result = linker.link(eps, res)
    assert result.mentions  # the examples name listed entities in their notes
    result.apply(eps, res)
    found = entity_positions(eps, res)
    assert found is not None and found.tolist() == _by_ids(eps, res)


def test_columns_stand_aside_when_they_may_not_describe_the_episodes() -> None:
    eps, res = _examples()
    assert mention_entities(res) is not None
    # An episode they never saw, a mention added behind their back, an ordinal changed.
    assert entity_positions([*eps, Episode(id="new", title="New")], res) is None
    with_extra = [ep.model_copy(deep=True) for ep in eps]
    with_extra[0].mentions.append(Mention(surface="x", episode_id=with_extra[0].id, ordinal=99))
    assert entity_positions(with_extra, res) is None
    renumbered = [ep.model_copy(deep=True) for ep in eps]
    first = next(ep for ep in renumbered if ep.mentions)
    first.mentions[0].ordinal = 77
    assert entity_positions(renumbered, res) is None
    # Entities reordered, or an assignment added: the columns no longer match the resolution.
    reordered = res.model_copy(update={"entities": list(reversed(res.entities))})
    assert entity_positions(eps, reordered) is None
    res.assignments["zz-no-entities#0"] = res.entities[0].id
    assert entity_positions(eps, res) is None


def test_a_resolution_made_without_mention_ids_makes_the_same_ones_on_demand() -> None:
    eps, full = _examples()
    eps.append(Episode(id="zz-emoji", title="Only a symbol", mentions=[Mention(surface="😀"),
                                                                       Mention(surface="OpenAI")]))
    full = resolve(eps)
    for seed in range(3):  # whatever the order the episodes come in
        random.Random(seed).shuffle(eps)
        lean = resolve(eps, mention_ids=False)
        assert not lean.assignments and not any(e.mention_ids for e in lean.entities)
        # The build reads them as numbers meanwhile: the same answers, the same counts.
        found = entity_positions(eps, lean)
        assert found is not None and found.tolist() == _by_ids(eps, full)
        assert mention_counts(lean) == mention_counts(full) == [len(e.mention_ids) for e in full.entities]
        assert GraphTables.from_build(eps, lean).entities == GraphTables.from_build(eps, full).entities
        make_mention_ids(lean)
        assert lean.model_dump() == full.model_dump()  # the same strings, in the same order
        assert list(lean.assignments) == list(full.assignments)
        make_mention_ids(lean)  # made once: a second call changes nothing
        assert lean.model_dump() == full.model_dump()
        assert entity_positions(eps, lean) is not None


def test_the_linker_adds_to_a_resolution_made_without_mention_ids() -> None:
    eps, full = _examples()
    lean_eps = [ep.model_copy(deep=True) for ep in eps]
    lean = resolve(lean_eps, mention_ids=False)
    EntityLinker().link(eps, full).apply(eps, full)
    EntityLinker().link(lean_eps, lean).apply(lean_eps, lean)
    assert lean.model_dump() == full.model_dump()
    found = entity_positions(lean_eps, lean)
    assert found is not None and found.tolist() == _by_ids(lean_eps, lean)


def _tables_without_resolver_codes(eps: list[Episode], res: Resolution,
                                   added: AddedMentions | None = None) -> GraphTables:
    columns = mention_entities(res)
    assert columns is not None and set(columns.fields) == {"surface", "type_label", "description"}
    kept, columns.fields = columns.fields, {}
    try:
        return GraphTables.from_build(eps, res, added)
    finally:
        columns.fields = kept


def _same_tables(a: GraphTables, b: GraphTables) -> None:
    assert a.m_cols.keys() == b.m_cols.keys()
    for name in a.m_cols:
        assert a.m_cols[name].values == b.m_cols[name].values, name
        assert a.m_cols[name].codes.tolist() == b.m_cols[name].codes.tolist(), name
    assert a.m_ep.tolist() == b.m_ep.tolist() and a.m_ent.tolist() == b.m_ent.tolist()
    assert a.episodes == b.episodes and a.entities == b.entities


def test_the_build_takes_the_fields_the_resolver_coded(monkeypatch: pytest.MonkeyPatch) -> None:
    taken: list[set[str]] = []  # the columns each build took from the resolver
    take = tables_module._resolver_coded

    def spy(*args: Any, **kwargs: Any) -> dict[str, Coded]:
        columns = take(*args, **kwargs)
        taken.append(set(columns))
        return columns

    monkeypatch.setattr(tables_module, "_resolver_coded", spy)
    eps, _ = _examples()
    eps.append(Episode(id="zz-emoji", title="Only a symbol", published="1999-01-01",
                       mentions=[Mention(surface="😀", description="left out"),
                                 Mention(surface="OpenAI", type_label="company", description="a lab")]))
    for seed in range(3):  # the resolver reads by date, the build by id: codes in another order
        random.Random(seed).shuffle(eps)
        res = resolve(eps, mention_ids=False)
        found = listed_rows(eps, res)
        assert found is not None
        for name, (values, codes) in found.columns.fields.items():
            want = [getattr(m, name) for ep in eps for m in ep.mentions]
            assert [values[c] for c in codes[found.rows].tolist()] == want, name
        _same_tables(GraphTables.from_build(eps, res), _tables_without_resolver_codes(eps, res))
        assert taken[-2:] == [{"surface", "type_label", "description"}, set()]


def test_a_linked_build_takes_the_fields_no_search_child_coded_from_the_resolver(
        monkeypatch: pytest.MonkeyPatch) -> None:
    # A relayed search (a fresh process, at a million episodes) codes no listed columns: the
    # build takes the resolver's codes instead of coding 12 million values again.
    asked: list[tuple[set[str], set[str]]] = []  # (skipped, taken) per build
    take = tables_module._resolver_coded

    def spy(fields: Any, table: Any, skip: Any = ()) -> dict[str, Coded]:
        columns = take(fields, table, skip)
        asked.append((set(skip), set(columns)))
        return columns

    monkeypatch.setattr(tables_module, "_resolver_coded", spy)
    eps, _ = _examples()
    for seed in range(3):
        random.Random(seed).shuffle(eps)
        res = resolve(eps, mention_ids=False)
        added = EntityLinker(LinkOptions(search_ahead=False)).link(eps, res).added
        assert added is not None and added.listed_entities is not None and not added.listed_coded
        tables = GraphTables.from_build(eps, res, added)
        assert asked[-1] == (set(), {"surface", "type_label", "description"})
        _same_tables(tables, _tables_without_resolver_codes(eps, res, added))
        # What a search child coded is taken from it; the resolver gives the rest.
        child = Coded.of([m.surface for ep in sorted(eps, key=lambda e: e.id) for m in ep.mentions])
        added.listed_coded = {"surface": child}
        _same_tables(GraphTables.from_build(eps, res, added), tables)
        assert asked[-1] == ({"surface"}, {"type_label", "description"})


def test_the_build_codes_a_field_changed_since_the_resolution_itself() -> None:
    eps, _ = _examples()
    res = resolve(eps)
    first = next(ep for ep in eps if len(ep.mentions) > 1)
    first.mentions[1].description = "changed after resolving"
    tables = GraphTables.from_build(eps, res)
    _same_tables(tables, _tables_without_resolver_codes(eps, res))
    assert "changed after resolving" in tables.m_cols["description"].values
