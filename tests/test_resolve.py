"""Entity resolution: keys, aliases, fuzzy matching, types, ids, overrides."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from castgraph.graph.model import EntityType, Episode, Mention, Resolution
from castgraph.resolve import (
    Overrides,
    OverridesError,
    normalize_name,
    parse_overrides,
    read_overrides,
    resolve,
)

START = date(2026, 1, 1)


def ep(ep_id: str, *mentions: tuple[str, ...], day: int = 0) -> Episode:
    """An episode with mentions given as (surface, type label[, description])."""
    return Episode(
        id=ep_id, title=f"Episode {ep_id}", published=START + timedelta(days=day),
        mentions=[Mention(surface=m[0], type_label=m[1], description=m[2] if len(m) > 2 else "")
                  for m in mentions],
    )


def entity_of(res: Resolution, mention_id: str) -> str:
    return res.assignments[mention_id]


def together(res: Resolution, *mention_ids: str) -> bool:
    return len({res.assignments[m] for m in mention_ids}) == 1


def apart(res: Resolution, *mention_ids: str) -> bool:
    return len({res.assignments[m] for m in mention_ids}) == len(mention_ids)


# --- keys -------------------------------------------------------------------------------------

@pytest.mark.parametrize(("a", "b"), [
    ("GitHub", "GitHub, Inc."), ("Github", "GitHub Inc"), ("Microsoft", "Microsoft Corporation"),
    ("Anthropic", "Anthropic PBC"), ("Acme", "Acme LLC"), ("Linear", "linear.io"), ("Stripe", "stripe.com"),
    ("HuggingFace", "Hugging Face"), ("GPT4", "GPT-4"), ("Open AI", "OpenAI"), ("ESM-2", "ESM2"),
    ("José Valim", "Jose Valim"), ("ＧｉｔＨｕｂ", "GitHub"), ("Ｃｌａｕｄｅ　Ｃｏｄｅ", "Claude Code"),
    ("サム・アルトマン", "サムアルトマン"),
])
def test_same_key(a: str, b: str) -> None:
    assert normalize_name(a) == normalize_name(b)


@pytest.mark.parametrize(("a", "b"), [
    ("Llama 2", "Llama 3"), ("GPT-4", "GPT-4o"), ("GPT-4", "GPT-4 Turbo"), ("GPT-4o", "GPT-4 Turbo"),
    ("Gemma 3", "Gemma 4"), ("Claude", "Claude Code"), ("C", "C++"), ("C#", "C"), ("Llama 3.1", "Llama 31"),
    ("ESM", "ESMC"), ("ガス", "カス"),
])
def test_different_key(a: str, b: str) -> None:
    assert normalize_name(a) != normalize_name(b)


def test_non_latin_names_keep_their_characters() -> None:
    assert normalize_name("スパース自己符号化器") == "スパース自己符号化器"
    assert normalize_name("事前承認") == "事前承認"
    assert normalize_name("！！") == ""


# --- aliases ----------------------------------------------------------------------------------

def test_slash_alias_carries_across_episodes_transitively() -> None:
    res = resolve([
        ep("a", ("Shawn Wang", "Person"), day=0),
        ep("b", ("Shawn Wang / swyx", "Person"), day=1),
        ep("c", ("swyx", "人物"), day=2),
        ep("d", ("swyx", "person"), day=3),
    ])
    assert together(res, "a#0", "b#0", "c#0", "d#0")
    entity = res.entity(res.assignments["a#0"])
    assert entity.name == "swyx"  # the most mentioned name
    assert entity.aliases == ["Shawn Wang", "Shawn Wang / swyx"]
    rules = {m.surface: m.rule for m in res.merges if m.entity_id == entity.id}
    assert rules == {"Shawn Wang": "alias-slash", "Shawn Wang / swyx": "alias-slash", "swyx": "canonical"}


@pytest.mark.parametrize(("written", "alone", "rule"), [
    ("Amazon Web Services (AWS)", "AWS", "acronym"),
    ("AWS (Amazon Web Services)", "Amazon Web Services", "acronym"),
    ("スパース自己符号化器 / SAE", "SAE", "alias-slash"),
    ("Prior authorization(事前承認)", "事前承認", "alias-paren"),
    ("Prior authorization（事前承認）", "Prior authorization", "alias-paren"),
    ("AI Engineer Europe (AIE)", "AIE", "alias-paren"),
])
def test_alias_forms(written: str, alone: str, rule: str) -> None:
    res = resolve([ep("a", (written, "Concept")), ep("b", (alone, "concept"), day=1)])
    assert together(res, "a#0", "b#0")
    assert {m.rule for m in res.merges if m.surface == written} == {rule}


def test_acronym_alone_is_not_merged_without_a_tying_mention() -> None:
    res = resolve([ep("a", ("AWS", "Organization"), ("Amazon Web Services", "Organization"))])
    assert apart(res, "a#0", "a#1")


@pytest.mark.parametrize("written", ["Andrej Karpathy (Eureka Labs)", "Thomas Dohmke (GitHub)"])
def test_affiliation_never_merges_a_person_with_an_organization(written: str) -> None:
    org = written.split("(")[1].rstrip(")")
    person = written.split(" (")[0]
    res = resolve([ep("a", (written, "Person"), (org, "Organization")), ep("b", (person, "Person"), day=1)])
    assert apart(res, "a#0", "a#1")
    assert together(res, "a#0", "b#0")
    assert res.entity(res.assignments["a#0"]).type is EntityType.PERSON
    assert res.entity(res.assignments["a#0"]).name == person


def test_slash_without_spaces_is_one_name() -> None:
    res = resolve([ep("a", ("mattpocock/skills", "Software"), ("skills", "software"))])
    assert apart(res, "a#0", "a#1")


def test_qualifier_with_numbers_is_identity() -> None:
    res = resolve([ep("a", ("Llama 3.1 (8B)", "model"), ("Llama 3.1 (70B)", "model"),
                      ("Llama 3.1", "model"))])
    assert apart(res, "a#0", "a#1", "a#2")


# --- fuzzy matching ---------------------------------------------------------------------------

@pytest.mark.parametrize(("a", "b", "label"), [
    ("Andrej Karpathy", "Andrej Karpaty", "Person"),
    ("Kubernetes", "Kubernetse", "software"),
    ("Alfredo Guevara", "Alfredo Guevarra", "Person"),
    ("Scattering Amplitudes", "Scatering Amplitudes", "Concept"),
])
def test_a_typo_in_a_long_name_merges(a: str, b: str, label: str) -> None:
    res = resolve([ep("a", (a, label)), ep("b", (b, label), day=1)])
    assert together(res, "a#0", "b#0")
    # equal counts: the longer spelling is canonical, the other one merged by the fuzzy rule
    rules = {m.surface: (m.rule, m.score) for m in res.merges}
    assert sorted(rule for rule, _ in rules.values()) == ["canonical", "fuzzy"]
    assert all(0.85 <= score < 1.0 for rule, score in rules.values() if rule == "fuzzy")


@pytest.mark.parametrize(("a", "b", "label"), [
    ("Claude", "Claude Code", "software"), ("GitHub", "GitHub Copilot", "software"),
    ("Microsoft", "Microsoft Build", "organization"), ("Llama 2", "Llama 3", "model"),
    ("ESM", "ESMC", "ソフトウェア"), ("ESMC", "ESMFold 2", "ソフトウェア"),
    ("Gemma 4", "Gemma Scope", "ソフトウェア"),
    ("GPT4", "GPT4o", "model"), ("GPT-4", "GPT-4 Turbo", "model"), ("Gemma 3", "Gemma 4", "model"),
    ("Andrew Ng", "Andrew Yang", "Person"), ("Noah Smith", "Noah Shinn", "Person"),
    ("David Skinner", "David Silver", "Person"), ("Claude", "Claudia", "software"),
])
def test_hard_negatives_stay_apart(a: str, b: str, label: str) -> None:
    res = resolve([ep("a", (a, label)), ep("b", (b, label), day=1)])
    assert apart(res, "a#0", "b#0")


def test_borderline_pair_goes_to_review_without_evidence() -> None:
    res = resolve([ep("a", ("Brandon", "Person", "chef in Paris")),
                   ep("b", ("Brendon", "Person", "rally driver"), day=1)])
    assert apart(res, "a#0", "b#0")
    assert len(res.review) == 1
    pair = res.review[0]
    assert {pair.left_name, pair.right_name} == {"Brandon", "Brendon"}
    assert {pair.left_id, pair.right_id} == set(res.assignments.values())
    assert 0.8 < pair.score < 1.0


def test_borderline_pair_merges_with_matching_descriptions() -> None:
    res = resolve([
        ep("a", ("Brandon", "人物", "Latent Space「AI for Science」サブシリーズの共同ホスト")),
        ep("b", ("Brendon", "Person", "Regular Latent Space host"), day=1),
    ])
    assert together(res, "a#0", "b#0")
    assert {m.rule for m in res.merges if m.surface == "Brendon"} == {"fuzzy+evidence"}
    assert res.review == []


def test_borderline_pair_merges_with_shared_co_mentions() -> None:
    res = resolve([
        ep("a", ("Noah Smith", "Person"), ("Modal", "company"), ("Daytona", "software")),
        ep("b", ("Noah Smyth", "Person"), ("Modal", "company"), ("Daytona", "software"), day=1),
    ])
    assert together(res, "a#0", "b#0")


def test_same_first_name_of_two_people_described_alike_is_one_person() -> None:
    # The real page: "Brandon" in the ESM episode (Japanese) and in the drones episode (English).
    res = resolve([
        ep("esm", ("Brandon", "人物", "Latent Space「AI for Science」サブシリーズの共同ホスト")),
        ep("drones", ("Brandon", "Person", "Regular Latent Space host"), day=3),
    ])
    assert together(res, "esm#0", "drones#0")


def test_fuzzy_blocks_are_capped_and_never_all_pairs() -> None:
    from castgraph.resolve.fuzzy import MAX_BLOCK, candidate_pairs

    # Words one letter apart share their blocking keys: a block of MAX_BLOCK of them is compared
    # pair by pair, a bigger one (a key too common to say anything) not at all.
    letters = "abcdefghijklmnopqrstuvwxyzαβγδεζηθικλμνξοπρστ"
    assert len(letters) > MAX_BLOCK
    small = {i: (f"kuber{letters[i]}netes",) for i in range(MAX_BLOCK)}
    assert len(candidate_pairs(small)) == MAX_BLOCK * (MAX_BLOCK - 1) // 2
    big = {i: (f"kuber{letters[i]}netes",) for i in range(MAX_BLOCK + 1)}
    assert candidate_pairs(big) == set()


# --- types ------------------------------------------------------------------------------------

def test_person_never_merges_with_non_person() -> None:
    res = resolve([ep("a", ("Jordan", "Person"), ("Jordan", "place"), ("Jordan", "company"))])
    assert apart(res, "a#0", "a#1", "a#2")


def test_company_and_product_of_one_name_are_one_entity_by_vote() -> None:
    res = resolve([
        ep("a", ("Kubernetes", "technology")), ep("b", ("Kubernetes", "software"), day=1),
        ep("c", ("GitHub", "organization"), ("GitHub", "Software"), day=2),
        ep("d", ("GitHub, Inc.", "company"), day=3),
    ])
    assert together(res, "a#0", "b#0")
    assert together(res, "c#0", "c#1", "d#0")
    kube, github = res.entity(res.assignments["a#0"]), res.entity(res.assignments["c#0"])
    assert (kube.type, kube.type_votes) == (EntityType.PRODUCT, {"Product": 2})
    assert (github.type, github.type_votes) == (EntityType.ORGANIZATION, {"Organization": 2, "Product": 1})


def test_type_tie_is_broken_deterministically() -> None:
    one = resolve([ep("a", ("Cursor", "software"), ("Cursor", "会社"))])
    two = resolve([ep("a", ("Cursor", "会社"), ("Cursor", "software"))])
    assert one.entities[0].type is two.entities[0].type is EntityType.ORGANIZATION


# --- ids, canonical names, determinism, incremental -------------------------------------------

def test_the_first_name_of_a_slash_alias_wins_a_tie() -> None:
    res = resolve([ep("a", ("GPT-5 / ChatGPT Pro", "Software"))])
    (entity,) = res.entities
    assert (entity.name, entity.aliases) == ("GPT-5", ["ChatGPT Pro", "GPT-5 / ChatGPT Pro"])
    # Mentions still come first: the more mentioned name wins whatever the order.
    res = resolve([ep("a", ("Shawn Wang / swyx", "Person")), ep("b", ("swyx", "Person"), day=1)])
    assert res.entities[0].name == "swyx"


def test_names_inside_a_surface_are_aliases() -> None:
    res = resolve([
        ep("a", ("EHR (Electronic Health Record)", "Concept"), day=0),
        ep("b", ("Electronic Health Record", "Concept"), day=1),
        ep("c", ("GitHub / GitHub Inc.", "Organization"), day=2),
    ])
    ehr = res.entity(res.assignments["a#0"])
    assert ehr.name == "Electronic Health Record"
    assert ehr.aliases == ["EHR", "EHR (Electronic Health Record)"]
    github = res.entity(res.assignments["c#0"])
    # Both parts have one key: the canonical name is not repeated as an alias.
    assert (github.name, github.aliases) == ("GitHub", ["GitHub / GitHub Inc."])


def test_id_is_anchored_at_the_earliest_mention_and_stable_under_new_aliases() -> None:
    first = resolve([ep("a", ("Shawn Wang", "Person"), day=0)])
    later = resolve([ep("a", ("Shawn Wang", "Person"), day=0),
                     ep("b", ("Shawn Wang / swyx", "Person"), day=5),
                     ep("c", ("swyx", "Person"), day=6), ep("d", ("swyx", "Person"), day=7)])
    assert later.entity(later.assignments["a#0"]).name == "swyx"
    assert later.assignments["a#0"] == first.assignments["a#0"]
    assert first.assignments["a#0"].startswith("entity:") and len(first.assignments["a#0"]) == 23


def test_canonical_name_prefers_frequency_then_informative_spelling() -> None:
    res = resolve([ep("a", ("Github", "org"), ("GitHub", "org"), ("GITHUB", "org"), ("GitHub", "org"))])
    assert res.entities[0].name == "GitHub"
    res = resolve([ep("a", ("Jose Valim", "Person"), ("José Valim", "Person"))])
    assert res.entities[0].name == "José Valim"


def test_prior_ids_are_kept_when_an_older_episode_arrives() -> None:
    old_eps = [ep("b", ("OpenAI", "Organization"), day=5)]
    old = resolve(old_eps)
    new_eps = [*old_eps, ep("a", ("OpenAI Foundation / OpenAI", "company"), day=0)]
    full = resolve(new_eps)
    incremental = resolve(new_eps, prior=old)
    assert incremental.assignments["a#0"] == incremental.assignments["b#0"] == old.assignments["b#0"]
    assert full.assignments["b#0"] != old.assignments["b#0"]  # the anchor moved; prior keeps the id


def test_incremental_equals_full_rebuild() -> None:
    old_eps = [ep("a", ("Shawn Wang", "Person"), ("GitHub", "organization"), day=0),
               ep("b", ("swyx", "人物"), ("Claude", "software"), day=1)]
    new_eps = [ep("c", ("Shawn Wang / swyx", "Person"), ("Claude Code", "software"), day=2),
               ep("d", ("GitHub, Inc.", "company"), ("Kubernetse", "software"), ("Kubernetes", "software"),
                  day=3)]
    old = resolve(old_eps)
    assert apart(old, "a#0", "b#0")
    full = resolve(old_eps + new_eps)
    incremental = resolve(new_eps + old_eps, prior=old)
    # The same entities, ids and merges; only the incremental build knows which ids it absorbed.
    person = incremental.assignments["a#0"]
    for entity in incremental.entities:
        if entity.id != person:
            assert entity.former_ids == []
        entity.former_ids = []
    assert incremental == full
    assert together(full, "a#0", "b#0", "c#0")
    # the merged person keeps one of the old ids
    assert full.assignments["a#0"] in {old.assignments["a#0"], old.assignments["b#0"]}


def test_an_absorbed_entity_id_is_kept_as_a_former_id() -> None:
    old_eps = [ep("a", ("Shawn Wang", "Person"), day=0), ep("b", ("swyx", "Person"), day=1)]
    old = resolve(old_eps)
    ids = {old.assignments["a#0"], old.assignments["b#0"]}
    assert len(ids) == 2
    joined = resolve([*old_eps, ep("c", ("Shawn Wang / swyx", "Person"), day=2)], prior=old)
    person = joined.entity(joined.assignments["c#0"])
    assert person.id in ids
    assert person.former_ids == sorted(ids - {person.id})
    # Carried through later builds, and absorbed again with the id that absorbs it.
    later = resolve([*old_eps, ep("c", ("Shawn Wang / swyx", "Person"), day=2),
                     ep("d", ("swyx", "Person"), ("Andrej Karpathy", "Person"), day=3)], prior=joined)
    assert later.entity(later.assignments["d#0"]).former_ids == person.former_ids
    assert [e.former_ids for e in later.entities if e.id != person.id] == [[]]


def test_former_ids_accumulate_over_several_absorptions() -> None:
    eps = [ep("a", ("Shawn Wang", "Person"), day=0), ep("b", ("swyx", "Person"), day=1),
           ep("e", ("SW", "Person"), day=2)]
    first = resolve(eps)
    sw = first.assignments["e#0"]
    eps.append(ep("c", ("Shawn Wang / swyx", "Person"), day=3))
    second = resolve(eps, prior=first)
    person = second.entity(second.assignments["c#0"])
    assert len(person.former_ids) == 1 and second.assignments["e#0"] == sw
    eps.append(ep("f", ("Shawn Wang (SW)", "Person"), day=4))
    third = resolve(eps, prior=second)
    merged = third.entity(third.assignments["f#0"])
    assert third.assignments["e#0"] == merged.id == person.id  # the entity with most mentions keeps its id
    assert merged.former_ids == sorted([*person.former_ids, sw])


def test_blank_mentions_are_not_assigned() -> None:
    res = resolve([ep("a", ("", "Person"), ("   ", "Person"), ("（）", "Person"), ("swyx", "Person"))])
    assert sorted(res.assignments) == ["a#3"]


def test_every_assigned_surface_has_a_merge_record() -> None:
    eps = [ep("a", ("Shawn Wang / swyx", "Person"), ("AWS", "org"), ("Amazon Web Services (AWS)", "org")),
           ep("b", ("swyx", "Person"), ("Kubernetse", "software"), ("Kubernetes", "software"), day=1)]
    res = resolve(eps)
    records = {(m.entity_id, m.surface): m for m in res.merges}
    for e in eps:
        for m in e.mentions:
            rec = records[(res.assignments[m.id], m.surface)]
            assert 0.0 < rec.score <= 1.0
            assert rec.rule in {"canonical", "exact", "normalized", "alias-slash", "alias-paren", "acronym",
                                "fuzzy", "fuzzy+evidence", "override"}


# --- overrides --------------------------------------------------------------------------------

OVERRIDES = """
merge:
  - [Noah Smith, Noah Shinn]
never_merge:
  - [Kubernetes, Kubernetse]
rename:
  swyx: Shawn "swyx" Wang
set_type:
  Kubernetes: 概念
split_by_type:
  - Cursor
"""


def test_overrides_are_applied() -> None:
    eps = [ep("a", ("Noah Smith", "Person"), ("Kubernetes", "software"), ("swyx", "Person"),
              ("Cursor", "company"), ("Cursor", "software")),
           ep("b", ("Noah Shinn", "Person"), ("Kubernetse", "software"), day=1)]
    plain = resolve(eps)
    assert apart(plain, "a#0", "b#0") and together(plain, "a#1", "b#1") and together(plain, "a#3", "a#4")
    res = resolve(eps, overrides=parse_overrides(OVERRIDES))
    assert together(res, "a#0", "b#0")
    assert sorted(m.rule for m in res.merges if m.surface.startswith("Noah")) == ["canonical", "override"]
    assert apart(res, "a#1", "b#1")
    assert res.entity(res.assignments["a#1"]).type is EntityType.CONCEPT
    assert res.entity(res.assignments["a#2"]).name == 'Shawn "swyx" Wang'
    assert apart(res, "a#3", "a#4")
    assert {res.entity(res.assignments[m]).type for m in ("a#3", "a#4")} == {EntityType.ORGANIZATION,
                                                                         EntityType.PRODUCT}


def test_never_merge_vetoes_transitive_alias_chains() -> None:
    eps = [ep("a", ("Alpha / Beta", "concept"), ("Beta / Gamma", "concept"), ("Gamma", "concept"))]
    assert together(resolve(eps), "a#0", "a#1", "a#2")
    res = resolve(eps, overrides=Overrides(never_merge=[["Alpha", "Gamma"]]))
    assert apart(res, "a#0", "a#2")


@pytest.mark.parametrize(("text", "message"), [
    ("merge: 3", "x.yaml: merge: expected a list of name lists"),
    ("merge:\n  - [solo]", "x.yaml: merge entry 1: expected a list of two or more names, got ['solo']"),
    ("rename: [a, b]", "x.yaml: rename: expected a mapping of name: value"),
    ("set_type:\n  Kubernetes: spaceship", "x.yaml: set_type entry 'Kubernetes': unknown type 'spaceship'"),
    ("colour: red", "x.yaml: unknown key 'colour'"),
    ("merge: [a, b", "x.yaml, line 1: not valid YAML"),
    ("- a\n- b", "x.yaml: expected a mapping"),
])
def test_bad_overrides_give_one_line_errors(text: str, message: str) -> None:
    with pytest.raises(OverridesError) as info:
        parse_overrides(text, source="x.yaml")
    assert str(info.value).startswith(message)
    assert "\n" not in str(info.value)


def test_read_overrides_names_the_file(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "curation.yaml"
    path.write_text(OVERRIDES, encoding="utf-8")
    assert read_overrides(path).merge == [["Noah Smith", "Noah Shinn"]]
    with pytest.raises(OverridesError, match=r"missing\.yaml: cannot read overrides file"):
        read_overrides(tmp_path / "missing.yaml")
    path.write_bytes(b"\xff\xfe bad")
    with pytest.raises(OverridesError, match=r"curation\.yaml: not UTF-8 text"):
        read_overrides(path)


def test_overrides_naming_absent_entities_change_nothing() -> None:
    eps = [ep("a", ("Claude", "software"), ("Claude Code", "software"))]
    ov = Overrides(merge=[["Nobody", "Somebody"], ["Claude", "Absent"]], never_merge=[["X", "Y"]],
                   rename={"Nobody": "N"}, set_type={"Absent": EntityType.PLACE})
    assert resolve(eps, overrides=ov) == resolve(eps)


def test_resolution_csv_has_one_row_per_entity_and_surface(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import csv

    from castgraph.resolve import write_resolution_csv

    eps = [ep("a", ("Shawn Wang / swyx", "Person"), ("GitHub", "organization")),
           ep("b", ("swyx", "Person"), ("GitHub, Inc.", "company"), ("swyx", "人物"), day=1),
           ep("c", ("swyx", "Person"), day=2)]
    res = resolve(eps)
    path = tmp_path / "resolution.csv"
    write_resolution_csv(res, path, episodes=eps)
    with path.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    got = {(r["name"], r["surface"]): (r["rule"], r["mentions"], r["episodes"], r["type"]) for r in rows}
    assert got == {
        ("swyx", "Shawn Wang / swyx"): ("alias-slash", "1", "1", "Person"),
        ("swyx", "swyx"): ("canonical", "3", "2", "Person"),
        ("GitHub", "GitHub"): ("canonical", "1", "1", "Organization"),
        ("GitHub", "GitHub, Inc."): ("normalized", "1", "1", "Organization"),
    }
    assert all(r["entity_id"].startswith("entity:") and r["score"] == "1.00" for r in rows)


def test_a_former_id_back_in_use_is_not_listed_as_former() -> None:
    from castgraph.graph.model import Entity
    from castgraph.resolve.build_entities import _prior_ids

    # B once absorbed A; now a new entity is anchored at A again (an override split them).
    prior = Resolution(entities=[Entity(id="entity:B", name="B", type=EntityType.PERSON,
                                        mention_ids=["x#0"], former_ids=["entity:A"])],
                       assignments={"x#0": "entity:B"})
    ids, former = _prior_ids(prior, [["x#0"], ["n#0"]], ["entity:Q", "entity:A"])
    assert ids == ["entity:B", "entity:A"]
    assert former == [[], []]


def test_resolution_csv_from_the_columns_equals_the_one_from_the_episodes(tmp_path) -> None:  # type: ignore[no-untyped-def]
    # The counts from the graph's columns (one sort) agree with a walk over the mentions, and
    # text a spreadsheet would run as a formula is guarded in both.
    from castgraph.graph.tables import GraphTables
    from castgraph.resolve import write_resolution_csv

    eps = [ep("a", ("=HYPERLINK(1)", "Person"), ("GitHub", "organization"), ("swyx", "Person")),
           ep("b", ("swyx", "Person"), ("'@handle", "Person"), ("swyx", "人物"), ("-1 Labs", "company"),
              day=1),
           ep("c", ("swyx", "Person"), ("GitHub", "organization"), day=2)]
    res = resolve(eps)
    write_resolution_csv(res, tmp_path / "walk.csv", episodes=eps)
    write_resolution_csv(res, tmp_path / "columns.csv", tables=GraphTables.from_build(eps, res))
    walked = (tmp_path / "walk.csv").read_text(encoding="utf-8")
    assert (tmp_path / "columns.csv").read_text(encoding="utf-8") == walked
    assert "'=HYPERLINK(1)" in walked and "''@handle" in walked and "'-1 Labs" in walked
    assert ",swyx,canonical,1.00,4,3" in walked
