"""The linker: word boundaries in any script, case and common-word guards, longest match, ambiguity,
places and timestamps, hashtags, title patterns, options, incremental builds and determinism."""

from __future__ import annotations

import random
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from castgraph.cli import main
from castgraph.graph.build import build_graph
from castgraph.graph.model import (
    Chapter,
    Entity,
    EntityType,
    Episode,
    Mention,
    MentionOrigin,
    Resolution,
    TranscriptCue,
)
from castgraph.graph.networkx_store import read_graph_json
from castgraph.link import (
    EntityLinker,
    LinkOptions,
    NameAutomaton,
    TitleGuestFinder,
    automaton,
    parse_link_fields,
)
from castgraph.link.automaton import IMPLEMENTATIONS
from castgraph.link.boundaries import sentence_start
from castgraph.link.titles import DEFAULT_TITLE_PATTERNS, TitlePatternError, parse_title_patterns
from castgraph.loaders import episodes_from_graph
from castgraph.pipeline import BuildOptions, GraphBuilder


def _entities(*specs: tuple[str, str, EntityType]) -> list[Entity]:
    return [Entity(id=i, name=n, type=t) for i, n, t in specs]


def _linked(ep: Episode, entities: list[Entity], **options: object) -> list[tuple[str, str]]:
    """``(entity name, surface)`` of each mention the linker finds in ``ep``."""
    res = Resolution(entities=entities)
    result = EntityLinker(LinkOptions(**options)).link([ep], res)  # type: ignore[arg-type]
    return [(res.entity(result.assignments[m.id]).name, m.surface) for m in result.mentions]


GITHUB = ("entity:gh", "GitHub", EntityType.ORGANIZATION)
CLAUDE = ("entity:cl", "Claude", EntityType.PRODUCT)
CLAUDE_CODE = ("entity:cc", "Claude Code", EntityType.PRODUCT)
CURSOR = ("entity:cu", "Cursor", EntityType.PRODUCT)
MCP = ("entity:mcp", "MCP", EntityType.CONCEPT)
AI = ("entity:ai", "AI", EntityType.CONCEPT)


@pytest.mark.parametrize("implementation", IMPLEMENTATIONS)
def test_both_automata_find_the_same_whole_words(implementation: str) -> None:
    if implementation == "pyahocorasick":
        # The second implementation is optional (the bench extra); CI installs it.
        pytest.importorskip("ahocorasick", reason="pyahocorasick is not installed (the bench extra)")
    names = ["Claude", "Claude Code", "GitHub", "クロード", "クロードコード", "松尾", "gpt-5"]
    auto = NameAutomaton(names, implementation=implementation)
    text = "Claude Codeで GitHubの話。クロードコードとクロード。松尾研究室と松尾氏。gpt-5.1 and gpt-5!"
    found = [text[m.start:m.end] for m in auto.find(text)]
    assert found == ["Claude Code", "GitHub", "クロードコード", "クロード", "松尾", "gpt-5"]


@pytest.mark.parametrize("implementation", IMPLEMENTATIONS)
@pytest.mark.parametrize("chunk", [1, 16, 1 << 22])
def test_bulk_search_finds_what_text_by_text_finds(implementation: str, chunk: int,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    if implementation == "pyahocorasick":
        pytest.importorskip("ahocorasick", reason="pyahocorasick is not installed (the bench extra)")
    monkeypatch.setattr(automaton, "CHUNK_CHARS", chunk)
    long_name = "A Product Whose Name Goes On And On For Well Over Sixty-Two Characters"
    names = ["Claude", "Claude Code", "GitHub", "クロード", "松尾", "gpt-5", "5.1", "ΟΔΟΣ", "İstanbul",
             "Linear", "Éclair", "Kafka", long_name]
    texts = ["Claude Codeで GitHubの話。", "", "クロードコードとクロード。松尾研究室と松尾氏。",
             "gpt-5.1 and gpt-5! 5.1", "Ὀδὸς ΟΔΟΣ's İstanbul",
             "Linear maps. \"Linear\" is fast; left for Linear", "GitHub",
             f"{long_name}, {long_name.upper()}"]
    rng = random.Random(5)
    # Case variants, upper-case letters that are not ASCII (É, the Kelvin sign K) and a name too
    # long for an upper-case mask: how each hit is written must come back as written.
    pieces = ["Claude", " ", "Code", "GitHub", "の", "松尾", "氏", "-", ".", "5", "gpt-5", "\n", "İ", "ΟΔΟΣ",
              "x", "CLAUDE", "github", "GitHUB", "Éclair", "éCLAIR", "\u212aafka", "KAFKA", long_name,
              long_name.lower()]
    texts += ["".join(rng.choice(pieces) for _ in range(rng.randint(0, 12))) for _ in range(200)]
    # The second cannot search texts joined (a name starts with a newline): it goes text by text.
    for auto in (NameAutomaton(names, implementation=implementation),
                 NameAutomaton([*names, "\nclaude"], implementation=implementation)):
        hits = auto.find_all(texts)
        found = list(zip(hits.text.tolist(), hits.start.tolist(), hits.end.tolist(), hits.name.tolist(),
                         hits.opening.tolist(), strict=True))
        expected = [(i, s, e, n, sentence_start(t, s))
                    for i, t in enumerate(texts) for s, e, n in auto.find_tuples(t)]
        assert found == expected and len(found) > 100
        written = [texts[i][s:e] for i, s, e, *_ in found]
        forms = zip(hits.name.tolist(), hits.form.tolist(), strict=True)
        assert [auto.written(n, f) for n, f in forms] == written
        variant, variants = auto.variants(hits)
        assert [variants[v] for v in variant.tolist()] == [(n, w) for (_, _, _, n, _), w in
                                                            zip(found, written, strict=True)]
        assert len(set(variants)) == len(variants)
        assert {"\u212aafka", long_name.lower(), long_name.upper(), "GitHUB", "éCLAIR"} <= set(written)


def test_longest_match_wins_and_words_stay_whole() -> None:
    ep = Episode(id="e", title="Claude Code vs Claude",
                 summary="Claudette said GitHubbing is not GitHub. Claude agreed.")
    names = _linked(ep, _entities(GITHUB, CLAUDE, CLAUDE_CODE))
    assert sorted(names) == [("Claude", "Claude"), ("Claude Code", "Claude Code"), ("GitHub", "GitHub")]


def test_claude_inside_claude_code_is_not_linked() -> None:
    ep = Episode(id="e", title="Shipping with Claude Code", summary="Claude Code writes the tests.")
    assert _linked(ep, _entities(CLAUDE, CLAUDE_CODE)) == [("Claude Code", "Claude Code")]


def test_case_rules_for_acronyms_and_capitalized_names() -> None:
    ep = Episode(id="e", title="t", summary="The mcp layer and github links, lowercase only.")
    assert _linked(ep, _entities(GITHUB, MCP)) == []
    ep = Episode(id="e", title="t", summary="The MCP layer, on Github.")
    assert sorted(_linked(ep, _entities(GITHUB, MCP))) == [("GitHub", "Github"), ("MCP", "MCP")]


def test_short_and_generic_names_are_never_linked() -> None:
    ep = Episode(id="e", title="AI agents", summary="AI is everywhere; Go is a language.")
    go = ("entity:go", "Go", EntityType.PRODUCT)
    assert _linked(ep, _entities(AI, go)) == []


def test_common_word_names_need_exact_spelling_and_evidence() -> None:
    once = Episode(id="a", title="t", summary="Move the cursor. Cursor is great.")
    twice = Episode(id="b", title="t", summary="Cursor ships agents. We tried Cursor for a week.")
    assert _linked(once, _entities(CURSOR)) == []
    assert _linked(twice, _entities(CURSOR)) == [("Cursor", "Cursor")]
    assert _linked(twice, _entities(CURSOR), common_evidence=3) == []


def test_a_capitalized_name_written_in_lower_case_elsewhere_becomes_a_common_word() -> None:
    # "Railway" is a company; "railway" in prose shows the word is ordinary, so one
    # capitalized use (which may begin a sentence) is not enough.
    railway = ("entity:rw", "Railway", EntityType.ORGANIZATION)
    eps = [Episode(id="a", title="t", summary="The railway station was closed."),
           Episode(id="b", title="t", summary="Railway raised a round.")]
    res = Resolution(entities=_entities(railway))
    assert EntityLinker().link(eps, res).mentions == []


def test_ambiguous_alias_links_only_where_one_owner_is_already_mentioned() -> None:
    a = Entity(id="entity:a", name="Sam Altman", type=EntityType.PERSON, aliases=["Sam"])
    b = Entity(id="entity:b", name="Sam Lessin", type=EntityType.PERSON, aliases=["Sam"])
    res = Resolution(entities=[a, b], assignments={"e2#0": "entity:b"})
    eps = [Episode(id="e1", title="t", summary="Sam said so."),
           Episode(id="e2", title="t", summary="Sam said so.", mentions=[Mention(surface="Sam Lessin")])]
    result = EntityLinker().link(eps, res)
    assert result.mentions == []  # e1: ambiguous; e2: Sam Lessin already listed, so only placed
    assert result.places["e2#0"].field == "summary"


def test_ambiguous_alias_stays_unlinked_where_two_owners_are_mentioned() -> None:
    people = [Entity(id=f"entity:{k}", name=f"Sam {k.title()}", type=EntityType.PERSON, aliases=["Sam"])
              for k in ("altman", "harris", "lessin")]
    res = Resolution(entities=people, assignments={"e2#0": "entity:lessin", "e3#0": "entity:altman",
                                                   "e3#1": "entity:harris", "e4#0": "entity:harris"})

    def ep(number: int, *listed: str) -> Episode:
        return Episode(id=f"e{number}", title="t", summary="So Sam said. Then Sam left.",
                       mentions=[Mention(surface=name) for name in listed])

    eps = [ep(1), ep(2, "Sam Lessin"), ep(3, "Sam Altman", "Sam Harris"), ep(4, "Sam Harris")]
    result = EntityLinker().link(eps, res)
    assert result.mentions == []
    assert {k: (p.span, p.occurrences) for k, p in result.places.items()} == {
        "e2#0": ((3, 6), 2), "e4#0": ((3, 6), 2)}


def test_japanese_without_spaces_uses_script_boundaries() -> None:
    kuro = ("entity:k", "クロード", EntityType.PRODUCT)
    matsuo = ("entity:m", "松尾", EntityType.PERSON)
    ep = Episode(id="e", title="クロードコードの話", summary="松尾研究室の紹介。松尾氏はクロードを使う。")
    assert sorted(_linked(ep, _entities(kuro, matsuo))) == [("クロード", "クロード"), ("松尾", "松尾")]
    res = Resolution(entities=_entities(kuro, matsuo))
    (first, _) = EntityLinker().link([ep], res).mentions
    assert first.field == "summary" and ep.summary[slice(*first.span)] == "松尾" and first.span == (9, 11)


def test_places_timestamps_and_listed_mentions_get_theirs() -> None:
    ep = Episode(id="e", title="Agents", summary="We cover GitHub.",
                 chapters=[Chapter(title="Intro", start=0, summary="Hello"),
                           Chapter(title="Platform history", start=1386.0,
                                   summary="GitHub Actions and Cursor.")],
                 mentions=[Mention(surface="Cursor", type_label="Product")])
    res = Resolution(entities=_entities(GITHUB, CURSOR), assignments={"e#0": "entity:cu"})
    result = EntityLinker().link([ep], res)
    (github,) = result.mentions
    assert (github.origin, github.field, github.chapter, github.timestamp, github.occurrences) == \
        (MentionOrigin.TEXT_LINK, "chapter_summary", 1, 1386.0, 2)
    assert ep.chapters[1].summary[slice(*github.span)] == "GitHub"
    result.apply([ep], res)
    listed = ep.mentions[0]
    assert (listed.origin, listed.field, listed.timestamp) == \
        (MentionOrigin.LISTED, "chapter_summary", 1386.0)
    assert res.assignments["e#1"] == "entity:gh" and res.entity("entity:gh").mention_ids == ["e#1"]
    edges = build_graph([ep], res).get_edge_data("episode:e", "entity:gh")
    assert edges["m1"]["origin"] == "text_link" and edges["m1"]["timestamp"] == 1386.0


def test_transcript_cues_give_timestamps_and_chapters() -> None:
    ep = Episode(id="e", title="t", chapters=[Chapter(title="A", start=0), Chapter(title="B", start=600)],
                 transcript=[TranscriptCue(start=12.0, end=15.0, text="hello"),
                             TranscriptCue(start=754.5, end=760.0, text="then we moved to GitHub")])
    res = Resolution(entities=_entities(GITHUB))
    (m,) = EntityLinker().link([ep], res).mentions
    assert (m.field, m.chapter, m.timestamp, m.span) == ("transcript", 1, 754.5, (17, 23))
    assert ep.transcript[1].text[slice(*m.span)] == "GitHub"
    assert EntityLinker(LinkOptions(fields=("title", "summary"))).link([ep], res).mentions == []


def test_hashtags_naming_entities_become_mentions_and_topic_entities() -> None:
    ep = Episode(id="e", title="t", tags=["#github", "#gpt-5", "#ai", "#claudecode"])
    gpt5 = ("entity:g5", "GPT-5", EntityType.PRODUCT)
    res = Resolution(entities=_entities(GITHUB, gpt5, AI, CLAUDE_CODE))
    result = EntityLinker().link([ep], res)
    assert result.topic_entities == {"topic:claudecode": "entity:cc", "topic:github": "entity:gh",
                                     "topic:gpt-5": "entity:g5"}
    assert sorted((m.surface, m.origin.value) for m in result.mentions) == [
        ("#claudecode", "hashtag"), ("#github", "hashtag"), ("#gpt-5", "hashtag")]
    result.apply([ep], res)
    graph = build_graph([ep], res)
    assert graph.nodes["topic:github"]["entity"] == "entity:gh"
    assert "entity" not in graph.nodes["topic:ai"]
    assert EntityLinker(LinkOptions(fields=("summary",))).link([ep], res).topic_entities == {}


def test_title_patterns_give_guests_and_products_named_by_their_pattern() -> None:
    finder = TitleGuestFinder()
    cases = {
        "42: Linear - Karri Saarinen": [("Linear", "Product"), ("Karri Saarinen", "Person")],
        "Scaling inference with Jane Doe": [("Jane Doe", "Person")],
        "The future of search — Kyle Daigle, GitHub": [("Kyle Daigle", "Person"), ("GitHub", "Organization")],
        "Andrej Karpathy on tokenizers": [("Andrej Karpathy", "Person")],
        "Deep work (Cal Newport)": [("Cal Newport", "Person")],
        "Deep Dive on Agents": [],
        "Why RL Works — with Special Guests": [],
        "Building Agents with Claude Code": [],
    }
    for title, expected in cases.items():
        assert [(m.surface, m.type_label) for m in finder.find_in_title(title)] == expected, title
    # A name other episodes list as a product keeps that type.
    (m,) = finder.find_in_title("Pair programming with Claude Code", known={"claude code": "Product"})
    assert (m.surface, m.type_label, m.pattern) == ("Claude Code", "Product", "with_guest")


def test_user_patterns_come_first_and_bad_tables_fail_in_one_line(tmp_path: Path) -> None:
    patterns = parse_title_patterns("- name: guest_colon\n  regex: 'Guest: (?P<person>[^|]+)'\n")
    finder = TitleGuestFinder(patterns)
    (m,) = finder.find_in_title("Weekly | Guest: Ada Lovelace")
    assert (m.surface, m.pattern) == ("Ada Lovelace", "guest_colon")
    with pytest.raises(TitlePatternError, match=r"^t.yaml: entry 1: expected name and regex"):
        parse_title_patterns("- name: x\n", source="t.yaml")
    with pytest.raises(TitlePatternError, match=r"^t.yaml: pattern 'x': "):
        parse_title_patterns("- name: x\n  regex: '(?P<person>'\n", source="t.yaml")


def test_title_prefilters_pass_every_title_their_pattern_matches() -> None:
    titles = ["42: Linear - Karri Saarinen", "Agents — Kyle Daigle, GitHub", "Scaling agents with Jane Doe",
              "Andrej Karpathy on tokenizers", "Deep work (Cal Newport)", "Live [feat. Jane Doe]",
              "Shipping ft. Jane Doe", "ゲスト：松尾豊さんとAIを語る", "Ep. 7 | Cursor | Jane Doe",
              "With\tJane Doe: the interview", "Kyle Daigle\ton\tGitHub", "Intro", "Linear-4 is out"]
    for pattern in DEFAULT_TITLE_PATTERNS:
        assert pattern.prefilter
        matched = [t for t in titles if re.search(pattern.regex, t)]
        assert matched, pattern.name
        assert all(re.search(pattern.prefilter, t) for t in matched), pattern.name
    # The prefilter only skips work: a pattern without one finds the same names.
    plain = TitleGuestFinder([p.model_copy(update={"prefilter": ""}) for p in DEFAULT_TITLE_PATTERNS])
    for title in titles:
        assert [m.model_dump() for m in plain.find_in_title(title)] == \
            [m.model_dump() for m in TitleGuestFinder().find_in_title(title)]


def test_title_mentions_skip_listed_names_and_resolve_with_them() -> None:
    eps = [Episode(id="a", title="Agents — Kyle Daigle",
                   mentions=[Mention(surface="Kyle Daigle", type_label="Person")]),
           Episode(id="b", title="Scaling with Kyle Daigle")]
    assert TitleGuestFinder().add_mentions(eps) == 1
    assert [(m.surface, m.origin.value, m.pattern, m.id) for m in eps[1].mentions] == [
        ("Kyle Daigle", "title_pattern", "with_guest", "b#0")]


def test_parse_link_fields() -> None:
    assert parse_link_fields("all") == ("title", "summary", "chapters", "transcript", "tags")
    assert parse_link_fields("tags,title") == ("title", "tags")
    with pytest.raises(Exception, match="unknown link field 'notes'"):
        parse_link_fields("notes")


def _corpus(tmp_path: Path) -> Path:
    lines = [
        '{"id": "a", "title": "GitHub week", "summary": "GitHub and Cursor news", "tags": ["#github"], '
        '"entities": [{"name": "GitHub", "type": "Organization"}]}',
        '{"id": "b", "title": "Editors", "summary": "We tried Cursor. Cursor is fast; GitHub too.", '
        '"entities": [{"name": "Cursor", "type": "Product"}]}',
        '{"id": "c", "title": "Infra with Jane Doe", "summary": "No names here", "tags": ["#github"]}',
    ]
    path = tmp_path / "eps.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _origins(graph: object) -> list[tuple[str, str, str]]:
    return sorted((u, graph.nodes[v]["name"], d.get("origin", "listed"))  # type: ignore[attr-defined]
                  for u, v, d in graph.edges(data=True) if d["type"] == "MENTIONS")  # type: ignore[attr-defined]


def test_build_links_and_can_be_turned_off_or_restricted(tmp_path: Path) -> None:
    src = _corpus(tmp_path)
    on = GraphBuilder(BuildOptions(inputs=[src], out=tmp_path / "on", html=False))
    report = on.run()
    assert _origins(on.graph) == [
        ("episode:a", "GitHub", "listed"), ("episode:b", "Cursor", "listed"),
        ("episode:b", "GitHub", "text_link"),
        ("episode:c", "GitHub", "hashtag"), ("episode:c", "Jane Doe", "title_pattern")]
    assert report.mentions_by_origin == {"hashtag": 1, "listed": 2, "text_link": 1, "title_pattern": 1}
    off = GraphBuilder(BuildOptions(inputs=[src], out=tmp_path / "off", html=False,
                                    link=LinkOptions(enabled=False)))
    off.run()
    assert [o for *_, o in _origins(off.graph)] == ["listed", "listed"]
    tags = GraphBuilder(BuildOptions(inputs=[src], out=tmp_path / "tags", html=False,
                                     link=LinkOptions(fields=("tags",))))
    tags.run()
    assert [o for *_, o in _origins(tags.graph)] == ["listed", "listed", "hashtag"]


def test_cli_flags_and_incremental_build_agree_with_a_full_one(tmp_path: Path) -> None:
    src = _corpus(tmp_path)
    runner = CliRunner()
    full = runner.invoke(main, ["build", str(src), "--out", str(tmp_path / "full"), "--no-html", "-q"])
    assert full.exit_code == 0, full.output
    off = runner.invoke(main, ["build", str(src), "--out", str(tmp_path / "off"), "--no-link",
                               "--no-html", "-q"])
    assert off.exit_code == 0
    off_graph = read_graph_json(tmp_path / "off" / "graph.json")
    assert all("origin" not in d for *_, d in off_graph.edges(data=True) if d["type"] == "MENTIONS")
    bad = runner.invoke(main, ["build", str(src), "--link-fields", "notes", "--no-html"])
    assert bad.exit_code == 1 and "unknown link field 'notes'" in bad.output
    # Rebuilding from graph.json (as --into does) drops the linker's mentions and finds them again.
    graph = read_graph_json(tmp_path / "full" / "graph.json")
    episodes = episodes_from_graph(graph)
    assert all(m.origin == MentionOrigin.LISTED for ep in episodes for m in ep.mentions)
    again = runner.invoke(main, ["build", "--into", str(tmp_path / "full"), "--no-html", "-q"])
    assert again.exit_code == 0, again.output
    assert _origins(read_graph_json(tmp_path / "full" / "graph.json")) == _origins(graph)


def test_same_graph_whatever_the_order_of_episodes(tmp_path: Path) -> None:
    src = _corpus(tmp_path)
    lines = src.read_text(encoding="utf-8").splitlines()
    outputs = []
    for seed in (1, 2):
        random.Random(seed).shuffle(lines)
        shuffled = tmp_path / f"s{seed}.jsonl"
        shuffled.write_text("\n".join(lines) + "\n", encoding="utf-8")
        GraphBuilder(BuildOptions(inputs=[shuffled], out=tmp_path / f"o{seed}", html=False)).run()
        graph = read_graph_json(tmp_path / f"o{seed}" / "graph.json")
        for _, attrs in graph.nodes(data=True):
            attrs.pop("source", None)  # the file and line each record came from
        outputs.append((sorted(graph.nodes(data=True)), sorted(graph.edges(keys=True, data=True))))
    assert outputs[0] == outputs[1]
