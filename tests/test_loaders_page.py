"""The podcast-app page loader, on the real Latent Space page and small hand-written pages."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest

from castgraph.graph.model import EntityType, Episode
from castgraph.loaders import InputError, parse_page, read_page
from castgraph.loaders.page import parse_age
from castgraph.loaders.page_body import parse_body, split_heading

DATA = Path(__file__).parent / "data"
AS_OF = date(2026, 11, 25)


@pytest.fixture(scope="module")
def real(real_page_path: Path) -> list[Episode]:
    result = read_page(real_page_path, as_of=AS_OF)
    assert result.warnings == []
    return result.episodes


def _hashtag_lines(text: str) -> list[list[str]]:
    return [[t for t in line.split("#") if t] for line in text.splitlines() if line.startswith("#")]


# --- the real page --------------------------------------------------------------------------


def test_real_page_has_twelve_episodes_with_the_written_entity_counts(real: list[Episode]) -> None:
    assert len(real) == 12
    assert [len(ep.mentions) for ep in real] == [11, 13, 0, 15, 10, 12, 12, 12, 13, 14, 11, 14]
    assert sum(len(ep.mentions) for ep in real) == 137


def test_real_page_episode_ids_are_show_and_title_hashes(real: list[Episode]) -> None:
    assert [ep.id for ep in real] == [Episode.make_id("Latent Space", ep.title) for ep in real]
    assert len({ep.id for ep in real}) == 12
    assert real[0].title.startswith("GitHub's Agent Era: 14x Commits")
    assert real[4].title == "⚡️ なぜSFを作るべきか — Sunil Pai、Cloudflare"


def test_real_page_header_fields(real: list[Episode]) -> None:
    assert {ep.show for ep in real} == {"Latent Space"}
    assert all(ep.languages == ["EN", "ZH"] for ep in real)
    assert [ep.age_days for ep in real] == [1, 3, 7, 8, 11, 11, 14, 15, 17, 21, 28, 30]
    assert real[0].published == date(2026, 11, 24)
    assert real[11].published == date(2026, 10, 26)
    # "1:24:44" and "14:47" as written on lines 6 and 47.
    assert real[0].duration_seconds == 1 * 3600 + 24 * 60 + 44
    assert real[4].duration_seconds == 14 * 60 + 47
    assert real[0].source is not None and real[0].source.line == 5


def test_without_as_of_ages_are_kept_and_dates_unknown(real_page_text: str) -> None:
    episodes = parse_page(real_page_text).episodes
    assert [ep.age_days for ep in episodes][:3] == [1, 3, 7]
    assert all(ep.published is None for ep in episodes)


def test_every_hashtag_is_a_topic(real: list[Episode], real_page_text: str) -> None:
    with_line = [ep for ep in real if ep.title != real[6].title and ep.mentions]
    assert [ep.tags for ep in with_line] == _hashtag_lines(real_page_text)


def test_title_only_episode_is_kept_empty(real: list[Episode]) -> None:
    devin = real[2]
    assert devin.title.startswith("Devin’s 80% Moment")
    assert devin.duration_seconds == 1 * 3600 + 9 * 60 + 32
    assert (devin.summary, devin.chapters, devin.mentions, devin.tags) == ("", [], [], [])


def test_summary_is_the_text_before_the_first_chapter(real: list[Episode]) -> None:
    assert real[0].summary.startswith("GitHub COO Kyle Daigle joins swyx")
    assert real[0].summary.endswith("before it becomes genuinely useful.")
    assert all("## [" not in ep.summary for ep in real)


def test_chapters_start_times_titles_and_quotes(real: list[Episode]) -> None:
    kyle = real[0]
    assert len(kyle.chapters) == 19
    assert [(c.start, c.title) for c in kyle.chapters[:3]] == [
        (0.0, "Hook"),
        (81.0, "Introduction"),
        (297.0, "Why AI Got Kyle Coding Again"),
    ]
    assert kyle.chapters[1].summary.startswith("Kyle's title is COO of GitHub")
    assert kyle.chapters[0].quotes[0].startswith("I can crank up 15 agents on Saturday")
    assert kyle.chapters[-1].title == "What Should swyx Ask Satya?"
    # "[1:29:39] Closing Thoughts" is the last chapter of the Railway episode.
    assert (real[7].chapters[-1].start, real[7].chapters[-1].title) == (5379.0, "Closing Thoughts")
    japanese = real[3]
    assert [c.start for c in japanese.chapters] == [0.0, 33.0, 360.0, 1110.0, 2130.0, 2520.0, 3420.0]
    assert japanese.chapters[1].title == "苦い教訓、タンパク質に到来"
    assert japanese.chapters[1].quotes == ["私はスケーリング則を信じています。"]
    physics = next(ep for ep in real if any("gluon" in c.title for c in ep.chapters))
    gravity = next(c for c in physics.chapters if c.start == 2866.0)  # [47:46]
    # "Pro" belongs to the product name in the title, not to the summary.
    assert gravity.title == "How GPT Pro generalized the research to gravity"
    assert gravity.summary.startswith("For the graviton paper")


def test_timestamp_artifacts_are_not_quotes(real: list[Episode]) -> None:
    quotes = [q for ep in real for c in ep.chapters for q in c.quotes]
    assert quotes
    assert not [q for q in quotes if re.fullmatch(r"\[[\d,\s]*\]", q)]
    railway = real[7]
    assert railway.chapters[1].quotes == [
        "railway is the easiest way to ship anything.",
        "we want to make it really easy for not just to like deploy things, "
        "but for you to almost like evolve applications over time.",
    ]


def test_mentions_keep_names_types_and_descriptions_as_written(real: list[Episode]) -> None:
    first = real[0].mentions[0]
    assert (first.surface, first.type_label) == ("Kyle Daigle", "Person")
    assert first.description.startswith("COO of GitHub and CMO of Developer for Microsoft")
    assert (first.episode_id, first.ordinal) == (real[0].id, 0)
    assert [m.ordinal for m in real[1].mentions] == list(range(13))
    matt = {m.surface: m for m in real[10].mentions}
    assert matt["Shawn Wang / swyx"].type_label == "Person"
    protein = {m.surface: m for m in real[3].mentions}
    assert protein["UniRef"].type_label == "ソフトウェア/データベース"
    assert EntityType.from_label(protein["UniRef"].type_label) is EntityType.PRODUCT
    assert protein["Alex Rives"].type_label == "人物"
    assert "スパース自己符号化器 / SAE" in protein
    sunil = {m.surface: m for m in real[4].mentions}  # "(人物):Latent Space..." with no space
    assert sunil["swyx"].description.startswith("Latent Spaceのホスト")


def test_mangled_dump_episode_is_recovered(real: list[Episode]) -> None:
    daytona = real[6]
    assert daytona.title.startswith("AI Agents Need Computers")
    assert [m.surface for m in daytona.mentions] == [
        "Ivan Burazin", "swyx", "Daytona", "CodeAnywhere", "Devon", "OpenHands",
        "Kubernetes", "Apple", "Salesforce", "GitHub", "Nvidia", "Stripe",
    ]  # fmt: skip
    ivan = daytona.mentions[0]
    assert (ivan.type_label, ivan.description) == ("person", "CEO of Daytona and co-founder of CodeAnywhere.")
    assert daytona.mentions[6].type_label == "technology"
    assert daytona.tags == [
        "ai-agents", "infrastructure", "sandboxing", "bare-metal",
        "cloud-computing", "developer-tools", "computer-use", "saas-growth",
    ]  # fmt: skip


def test_mangled_dump_chapters_are_not_double_counted(real: list[Episode]) -> None:
    chapters = real[6].chapters
    starts = [c.start or 0.0 for c in chapters]
    # [00:00] Hook plus the 19 plain headings [01:12] ... [1:11:26] at the end of the body.
    assert len(chapters) == 20 and len(set(starts)) == 20 and starts == sorted(starts)
    intro = chapters[1]
    assert (intro.start, intro.title) == (72.0, "Introduction")
    assert intro.summary.startswith("Host swyx introduces Ivan Burazin")
    assert intro.quotes[0].startswith("I was one of the co-founders of code anywhere")
    runs = next(c for c in chapters if c.start == 1048.0)
    assert runs.title == "60ms startup, 50,000 sandboxes, and 850K daily runs"
    assert len(runs.quotes) == 2 and "850,000" in runs.quotes[1]
    closing = chapters[-1]
    assert (closing.start, closing.title) == (4286.0, "Closing thoughts")
    assert all(c.summary for c in chapters)
    for c in chapters:
        for text in (c.title, c.summary, *c.quotes):
            assert "{'" not in text and "\\n" not in text and "'start'" not in text
    assert real[6].extra["seo_title"] == "AI Agents Need Computers: Ivan Burazin on Daytona's Pivot"


# --- small pages ------------------------------------------------------------------------------


def test_small_page_layout_variants() -> None:
    result = read_page(DATA / "small-page.txt", as_of=AS_OF)
    first, japanese, bare = result.episodes
    assert (first.show, first.age_days, first.published) == ("Builders Radio", 3, date(2026, 11, 22))
    assert first.tags == ["ai-agents", "feature-flags"]
    assert [q for c in first.chapters for q in c.quotes] == [
        "A demo is a promise you have not kept yet.",
        "Flag everything an agent can touch.",
    ]
    assert [m.surface for m in first.mentions] == ["Ada Quinn", "LaunchDarkly"]
    assert [str(w) for w in result.warnings] == [
        f"{DATA / 'small-page.txt'}, line 4: entity item without a name skipped"
    ]
    assert japanese.age_days == 0 and japanese.languages == ["JA", "EN"]
    assert japanese.duration_seconds == 3723
    assert [(c.start, c.title) for c in japanese.chapters] == [(0.0, "はじめに"), (3610.0, "まとめ")]
    assert [(m.surface, m.type_label, m.description) for m in japanese.mentions] == [
        ("田中一郎", "人物", "評価基盤のエンジニア。"),
        ("LangSmith", "ソフトウェア", "評価とトレースのためのサービス。"),
    ]
    assert japanese.tags == ["評価", "ai-agents"]
    assert (bare.title, bare.age_days, bare.mentions, bare.tags) == ("A Title With Nothing Else", 14, [], [])


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("Latent Space1日前", ("Latent Space", 1)),
        ("Latent Space 3 days ago", ("Latent Space", 3)),
        ("Show · 1 day ago", ("Show", 1)),
        ("Show12時間前", ("Show", 0)),
        ("Show2週間前", ("Show", 14)),
        ("Show3か月前", ("Show", 90)),
        ("Show1ヶ月前", ("Show", 30)),
        ("Show 2 weeks ago", ("Show", 14)),
        ("Show an hour ago", ("Show", 0)),
        ("Show yesterday", ("Show", 1)),
        ("Show1年前", ("Show", 365)),
    ],
)
def test_age_suffixes(line: str, expected: tuple[str, int]) -> None:
    assert parse_age(line) == expected


def test_age_missing_is_none() -> None:
    assert parse_age("2 ヶ国語で視聴") is None


def test_text_without_episodes_is_an_input_error() -> None:
    with pytest.raises(InputError, match=r"^notes\.txt: no episodes found"):
        parse_page("just some notes\nwithout any episode\n", source="notes.txt")


def test_heading_split_keeps_newline_titles() -> None:
    assert split_heading("Hook\nKyle opens mid-sentence.") == ("Hook", "Kyle opens mid-sentence.")


@pytest.mark.parametrize(
    ("title", "summary"),
    [
        ("Running GitHub with AI: WorkIQ, MCP, Slack, Teams, and Skills", "GitHub rolled out AI"),
        ("Data Centers in Space", "Jake Cooper and the hosts explore the challenges"),
        ("Agents as the Next Software Platform", "Over the last six months, Railway"),
        ("Introduction", "swyx and Vibhu welcome Ethan to the studio"),
        ("GitHub's History: Actions, npm, Webhooks, and Open Source", "Kyle walked the history"),
    ],
)
def test_heading_split_heuristics(title: str, summary: str) -> None:
    names = {"Jake Cooper", "swyx", "GitHub", "npm"}
    assert split_heading(f"{title} {summary}", names) == (title, summary)


def test_body_with_fullwidth_brackets_and_no_chapters() -> None:
    body = parse_body("要約だけ。 ## 登場人物 - **OpenAI** （組織）：AI企業。 - **GPT-4** (モデル):モデル。")
    assert body.summary == "要約だけ。" and body.chapters == []
    assert body.entities == [("OpenAI", "組織", "AI企業。"), ("GPT-4", "モデル", "モデル。")]


def test_page_that_kept_its_line_breaks() -> None:
    ep = read_page(DATA / "multiline-page.txt").episodes[0]
    assert (ep.show, ep.age_days, ep.summary, ep.tags) == ("Some Show", None, "The summary.", ["one", "two"])
    assert [(c.start, c.title, c.summary, c.quotes) for c in ep.chapters] == [
        (0.0, "Hook", "Ada opens with a claim. More chapter text.", ["Quote one."]),
        (65.0, "Second Part", "Text.", []),
    ]
    assert [(m.surface, m.type_label, m.description) for m in ep.mentions] == [
        ("Ada Quinn", "Person", "Guest."),
        ("Acme", "Organization", "A company."),
    ]
