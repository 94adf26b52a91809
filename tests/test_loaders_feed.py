"""The RSS loader, one test per quirk real feeds have (feeds written here, never fetched)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from conftest import ROOT

from castgraph.graph.model import MentionOrigin
from castgraph.loaders import InputError, LinkedFiles, parse_feed, read_episodes, read_feed
from castgraph.loaders.feed import PODCAST_NAMESPACES

SAMPLES = ROOT / "samples"
NEW_NS, OLD_NS = PODCAST_NAMESPACES


def _feed(
    items: str, channel: str = "", ns: str = NEW_NS, head: str = '<?xml version="1.0" encoding="UTF-8"?>\n'
) -> str:
    return (
        f'{head}<rss version="2.0" xmlns:podcast="{ns}" '
        'xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd" '
        'xmlns:content="http://purl.org/rss/1.0/modules/content/">\n'
        f"<channel><title>Tech Talks</title>{channel}\n{items}\n</channel></rss>\n"
    )


def _item(body: str, guid: str = "tech-talks-episode-0001") -> str:
    return f"<item><guid>{guid}</guid><title>Episode</title>{body}</item>"


# -- people -------------------------------------------------------------------------


def test_person_role_group_href_img_kept_and_normalized() -> None:
    ep = parse_feed(
        _feed(
            _item(
                '<podcast:person role=" GUEST " group="Writing" href=" https://example.org/jane " '
                'img="https://example.org/jane.jpg">\n  Jane   Doe \n</podcast:person>'
            )
        )
    ).episodes[0]
    (m,) = ep.mentions
    assert (m.surface, m.type_label, m.role, m.group) == ("Jane Doe", "Person", "guest", "writing")
    assert (m.href, m.img, m.origin) == (
        "https://example.org/jane",
        "https://example.org/jane.jpg",
        MentionOrigin.PERSON_TAG,
    )


def test_person_without_role_is_host_of_group_cast() -> None:
    (m,) = parse_feed(_feed(_item("<podcast:person>Ann Host</podcast:person>"))).episodes[0].mentions
    assert (m.role, m.group) == ("host", "cast")


def test_channel_persons_apply_to_items_without_their_own_and_item_persons_replace_them() -> None:
    channel = (
        '<podcast:person href="https://example.org/terry">Terry Scott</podcast:person>'
        "<podcast:person>June Whitfield</podcast:person>"
    )
    items = _item("", "guid-without-people-0001") + _item(
        "<podcast:person>Reginald Marsh</podcast:person><podcast:person>June Whitfield</podcast:person>",
        "guid-with-people-00002",
    )
    by_id = {e.id: e for e in parse_feed(_feed(items, channel)).episodes}
    assert [m.surface for m in by_id["guid-without-people-0001"].mentions] == [
        "Terry Scott",
        "June Whitfield",
    ]
    assert by_id["guid-without-people-0001"].mentions[0].href == "https://example.org/terry"
    assert [m.surface for m in by_id["guid-with-people-00002"].mentions] == [
        "Reginald Marsh",
        "June Whitfield",
    ]


def test_empty_person_tag_is_skipped_with_a_warning_naming_its_line() -> None:
    result = parse_feed(
        _feed(_item("<podcast:person role='guest'>  </podcast:person><podcast:person>Ann</podcast:person>")),
        source="show.xml",
    )
    assert [m.surface for m in result.episodes[0].mentions] == ["Ann"]
    assert [str(w) for w in result.warnings] == ["show.xml, line 4: empty <podcast:person> skipped"]


def test_both_namespace_uris_are_read() -> None:
    for ns in (NEW_NS, OLD_NS, NEW_NS + "/", "http://podcastindex.org/namespace/1.0"):
        (m,) = (
            parse_feed(_feed(_item("<podcast:person role='guest'>Jane</podcast:person>"), ns=ns))
            .episodes[0]
            .mentions
        )
        assert (m.surface, m.role) == ("Jane", "guest"), ns


def test_undeclared_podcast_prefix_is_still_read_with_a_warning() -> None:
    text = (
        "<rss><channel><title>S</title><item><guid>undeclared-prefix-guid</guid><title>T</title>"
        "<podcast:person role='guest'>Jane</podcast:person></item></channel></rss>"
    )
    result = parse_feed(text)
    assert [(m.surface, m.role) for m in result.episodes[0].mentions] == [("Jane", "guest")]
    assert any("undeclared namespace prefix 'podcast'" in str(w) for w in result.warnings)


def test_person_tag_swallowed_by_a_broken_element_is_still_found() -> None:
    text = _feed(
        _item("<description>never closes <em>here\n<podcast:person role='guest'>Priya</podcast:person>")
    )
    result = parse_feed(text)
    assert [m.surface for m in result.episodes[0].mentions] == ["Priya"]
    assert any("recovered what could be read" in str(w) for w in result.warnings)


# -- ids ----------------------------------------------------------------------------


def test_item_ids_guid_then_enclosure_then_link_then_title_and_date() -> None:
    items = "\n".join(
        [
            "<item><guid>urn:uuid:7d4c2a1e-9f00-4b3e-8a0e-5c1d5f2a9b3e</guid><title>A</title></item>",
            "<item><guid> </guid><title>B</title><enclosure url='https://m.example.org/b.mp3'/></item>",
            "<item><title>C</title><link>https://example.org/c</link></item>",
            "<item><title>D</title><pubDate>Wed, 04 Nov 2026 06:00:00 GMT</pubDate></item>",
        ]
    )
    first = parse_feed(_feed(items)).episodes
    again = parse_feed(_feed(items)).episodes
    assert [e.id for e in first] == [e.id for e in again]  # stable
    assert first[0].id == "urn:uuid:7d4c2a1e-9f00-4b3e-8a0e-5c1d5f2a9b3e"
    assert len({e.id for e in first}) == 4
    # The fallback keys decide the ids: a different enclosure URL gives a different id.
    other = parse_feed(_feed(items.replace("b.mp3", "b2.mp3"))).episodes
    assert [e.id for e in other][1] != first[1].id and [e.id for e in other][2:] == [e.id for e in first][2:]


def test_short_guids_are_scoped_to_their_show() -> None:
    one = parse_feed(_feed("<item><guid>42</guid><title>A</title></item>")).episodes[0]
    other = parse_feed(
        _feed("<item><guid>42</guid><title>A</title></item>").replace(
            "<title>Tech Talks</title>", "<title>Other Show</title>"
        )
    ).episodes[0]
    assert one.id != other.id and one.extra["guid"] == "42"


def test_duplicate_guid_keeps_one_copy_with_a_warning() -> None:
    items = _item("<description>long description of the episode</description>", "dup-guid-00000001") + _item(
        "", "dup-guid-00000001"
    )
    result = parse_feed(items and _feed(items), source="f.xml")
    assert [e.summary for e in result.episodes] == ["long description of the episode"]
    assert any("duplicate of episode dup-guid-00000001" in str(w) for w in result.warnings)


# -- fields -------------------------------------------------------------------------


def test_fields_of_an_item() -> None:
    ep = parse_feed(
        _feed(
            _item(
                "<pubDate>Tue, 24 Nov 2026 23:30:00 -0800</pubDate><link>https://example.org/e</link>"
                "<enclosure url='https://m.example.org/e.mp3' length='1234' type='audio/mpeg'/>"
                "<itunes:duration>1:02:03</itunes:duration><itunes:season>2</itunes:season>"
                "<itunes:episode>14</itunes:episode><itunes:keywords>AI, Agents ,,</itunes:keywords>"
                "<category>Dev Tools</category>"
            ),
            channel="<language>ja-JP</language>",
        )
    ).episodes[0]
    assert ep.published == date(2026, 11, 24)  # the publisher's day, not UTC's
    assert ep.url == "https://example.org/e" and ep.duration_seconds == 3723
    assert ep.enclosure is not None and (ep.enclosure.url, ep.enclosure.length) == (
        "https://m.example.org/e.mp3",
        1234,
    )
    assert (ep.season, ep.episode_number, ep.languages) == (2, 14, ["JA"])
    assert ep.tags == ["ai", "agents", "dev-tools"]


@pytest.mark.parametrize(
    ("written", "day"),
    [
        ("Tue, 24 Nov 2026 10:00:00 GMT", date(2026, 11, 24)),
        ("Mon, 24 Nov 2026 10:00:00 PST", date(2026, 11, 24)),  # wrong weekday, zone name
        ("24 Nov 26 10:00 +0000", date(2026, 11, 24)),
        ("2026-11-24T10:00:00Z", date(2026, 11, 24)),
        ("2026-11-24", date(2026, 11, 24)),
        ("Tuesday, November 24th, 2026", date(2026, 11, 24)),
        ("Nov 24, 2026", date(2026, 11, 24)),
        ("24.11.2026", date(2026, 11, 24)),
    ],
)
def test_mixed_date_formats(written: str, day: date) -> None:
    assert parse_feed(_feed(_item(f"<pubDate>{written}</pubDate>"))).episodes[0].published == day


def test_unreadable_date_and_duration_are_warnings_and_the_item_is_kept() -> None:
    result = parse_feed(
        _feed(_item("<pubDate>last fall</pubDate><itunes:duration>long</itunes:duration>")), source="f.xml"
    )
    assert result.episodes[0].published is None and result.episodes[0].duration_seconds is None
    assert [str(w) for w in result.warnings] == [
        "f.xml, line 4: unreadable date 'last fall'; ignored",
        "f.xml, line 4: unreadable itunes:duration 'long'; ignored",
    ]


def test_html_in_cdata_becomes_text_with_links_kept() -> None:
    ep = parse_feed(
        _feed(
            _item(
                "<description><![CDATA[<p>Tom &amp; Jerry on <a href='https://example.org/x'>X</a></p>"
                "<script>alert(1)</script><p>Second & last</p>]]></description>"
            )
        )
    ).episodes[0]
    assert ep.summary == "Tom & Jerry on X\nSecond & last"
    assert ep.links == ["https://example.org/x"]


def test_entity_escaped_html_becomes_text() -> None:
    ep = parse_feed(
        _feed(
            _item("<description>&lt;p&gt;Hello &lt;b&gt;world&lt;/b&gt;&amp;nbsp;!&lt;/p&gt;</description>")
        )
    ).episodes[0]
    assert ep.summary == "Hello world !"


def test_content_encoded_wins_over_description() -> None:
    ep = parse_feed(
        _feed(
            _item(
                "<description>short</description>"
                "<content:encoded><![CDATA[<p>the full notes</p>]]></content:encoded>"
            )
        )
    ).episodes[0]
    assert ep.summary == "the full notes"


def test_item_without_title_uses_its_description_and_one_without_both_is_skipped() -> None:
    result = parse_feed(
        _feed(
            "<item><guid>no-title-guid-00001</guid><description>Only notes here.</description>"
            "</item><item><guid>nothing-at-all-0001</guid></item>"
        ),
        source="f.xml",
    )
    assert [e.title for e in result.episodes] == ["Only notes here."]
    assert [w.message for w in result.warnings] == [
        "item has no title; used the start of its description",
        "item has no title and no description; skipped",
    ]


def test_show_level_data_lands_on_each_episode() -> None:
    channel = (
        "<link>https://example.org/</link><itunes:author>Ann</itunes:author>"
        "<itunes:owner><itunes:name>Ann Media</itunes:name></itunes:owner>"
        "<itunes:image href='https://example.org/a.jpg'/>"
        "<itunes:category text='Technology'><itunes:category text='Tech News'/></itunes:category>"
        "<podcast:guid>917393e3-1b1e-5cef-ace4-edaa54e1f810</podcast:guid>"
    )
    eps = parse_feed(
        _feed(_item("", "guid-number-one-0001") + _item("", "guid-number-two-0002"), channel),
        feed_url="https://example.org/feed.xml",
    ).episodes
    for ep in eps:
        assert ep.show == "Tech Talks" and ep.show_info is not None
        assert (ep.show_info.author, ep.show_info.owner, ep.show_info.image) == (
            "Ann",
            "Ann Media",
            "https://example.org/a.jpg",
        )
        assert ep.show_info.categories == ["Technology", "Tech News"]
        assert (ep.show_info.feed_url, ep.show_info.guid) == (
            "https://example.org/feed.xml",
            "917393e3-1b1e-5cef-ace4-edaa54e1f810",
        )


# -- broken XML ---------------------------------------------------------------------


def test_bytes_and_whitespace_before_the_declaration() -> None:
    text = _feed(_item(""), head='\n\n   <?xml version="1.0"?>\n')
    for data in (text.encode(), b"\xef\xbb\xbf" + text.encode(), b"\x00\x00junk" + text.encode()):
        result = parse_feed(data, source="f.xml")
        assert [e.title for e in result.episodes] == ["Episode"]
    assert any("text before the XML declaration" in str(w) for w in parse_feed(text).warnings)


def test_undefined_entities_and_bare_ampersands() -> None:
    ep = parse_feed(
        _feed(
            "<item><guid>entities-guid-000001</guid><title>Q&A &mdash; AT&T&nbsp;live &bogus;</title></item>"
        )
    ).episodes[0]
    assert ep.title == "Q&A \u2014 AT&T live &bogus;"


def test_declared_latin1_holding_windows_quotes_and_utf16() -> None:
    text = _feed(
        _item("<description>\u201cquoted\u201d caf\u00e9</description>"),
        head='<?xml version="1.0" encoding="ISO-8859-1"?>',
    )
    assert parse_feed(text.encode("cp1252")).episodes[0].summary == "\u201cquoted\u201d caf\u00e9"
    utf16 = _feed(
        _item("<description>caf\u00e9</description>"), head='<?xml version="1.0" encoding="UTF-16"?>'
    )
    assert parse_feed(utf16.encode("utf-16")).episodes[0].summary == "caf\u00e9"


def test_a_broken_item_does_not_drop_its_neighbours() -> None:
    items = (
        _item("<description>fine</description>", "good-guid-number-01")
        + "<item><guid>broken-guid-number-02</guid><title>Broken <b>title</item>"
        + _item("<description>also fine</description>", "good-guid-number-03")
    )
    result = parse_feed(_feed(items), source="f.xml")
    assert {e.id for e in result.episodes} >= {"good-guid-number-01", "good-guid-number-03"}
    (warning,) = [w for w in result.warnings if "recovered" in w.message]
    assert str(warning).startswith("f.xml: not well-formed XML (line ")


def test_control_characters_are_dropped() -> None:
    ep = parse_feed(_feed(_item("<description>bell\x07 and\x0b tab</description>"))).episodes[0]
    assert ep.summary == "bell and tab"


def test_doctype_entities_are_never_expanded() -> None:
    text = (
        '<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY xxe SYSTEM "file:///etc/passwd">'
        '<!ENTITY big "LOLLOLLOL">]>' + _feed(_item("<description>&xxe;&big;</description>"), head="")
    )
    ep = parse_feed(text).episodes[0]
    assert "root:" not in ep.summary and "LOL" not in ep.summary


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("", "not an RSS feed"),
        ("<html><body>hello</body></html>", "not an RSS feed (no <channel> and no <item>)"),
        ('<feed xmlns="http://www.w3.org/2005/Atom"><title>A</title></feed>', "an Atom feed"),
        ("<rss><channel><title>S</title></channel></rss>", "feed holds no episode"),
    ],
)
def test_unusable_feeds_are_one_line_errors(text: str, problem: str) -> None:
    with pytest.raises(InputError) as info:
        parse_feed(text, source="bad.xml")
    assert str(info.value).startswith(f"bad.xml: {problem}") and "\n" not in str(info.value)


# -- linked files -------------------------------------------------------------------


def test_local_chapters_and_transcript_are_read(tmp_path: Path) -> None:
    (tmp_path / "c.json").write_text(
        '{"version": "1.2.0", "chapters": [{"startTime": 0, "title": "Intro"},'
        '{"startTime": 60.5, "title": "Main", "url": "https://example.org/m"}]}'
    )
    (tmp_path / "t.srt").write_text("1\n00:00:01,000 --> 00:00:02,500\nJane: Hello.\n")
    feed = tmp_path / "f.xml"
    feed.write_text(
        _feed(
            _item(
                '<podcast:chapters url="c.json" type="application/json+chapters"/>'
                '<podcast:transcript url="t.srt" type="application/x-subrip"/>'
            )
        )
    )
    ep = read_feed(feed).episodes[0]
    assert [(c.title, c.start, c.url) for c in ep.chapters] == [
        ("Intro", 0.0, ""),
        ("Main", 60.5, "https://example.org/m"),
    ]
    assert [(c.speaker, c.start, c.end, c.text) for c in ep.transcript] == [("Jane", 1.0, 2.5, "Hello.")]
    assert ep.extra["chapters_url"] == "c.json"


def test_remote_links_are_kept_but_not_fetched_by_default(tmp_path: Path) -> None:
    feed = tmp_path / "f.xml"
    feed.write_text(_feed(_item('<podcast:transcript url="https://example.invalid/t.vtt" type="text/vtt"/>')))
    ep = read_feed(feed).episodes[0]
    assert ep.transcript == [] and ep.extra["transcripts"] == [
        {"url": "https://example.invalid/t.vtt", "type": "text/vtt"}
    ]


def test_a_missing_or_broken_linked_file_is_a_warning(tmp_path: Path) -> None:
    (tmp_path / "bad.json").write_text("{not json")
    feed = tmp_path / "f.xml"
    feed.write_text(
        _feed(
            _item(
                '<podcast:chapters url="bad.json" type="application/json+chapters"/>'
                '<podcast:transcript url="missing.vtt" type="text/vtt"/>'
            )
        )
    )
    result = read_feed(feed)
    messages = [w.message for w in result.warnings]
    assert messages[0].startswith("chapters bad.json: not valid JSON")
    assert messages[1].startswith("transcript missing.vtt: cannot read (No such file or directory")
    assert len(result.episodes) == 1


def test_a_remote_feed_never_reads_local_files() -> None:
    linked = LinkedFiles("https://example.org/feeds/show.xml")
    assert linked.read("/etc/passwd") is None and linked.read("file:///etc/passwd") is None


def test_transcript_formats_by_preference_the_best_readable_one_wins(tmp_path: Path) -> None:
    (tmp_path / "t.txt").write_text("Jane: plain words")
    (tmp_path / "t.vtt").write_text("WEBVTT\n\n00:00.000 --> 00:01.000\n<v Jane>timed words\n")
    feed = tmp_path / "f.xml"
    feed.write_text(
        _feed(
            _item(
                '<podcast:transcript url="t.txt" type="text/plain"/>'
                '<podcast:transcript url="t.vtt" type="text/vtt"/>'
            )
        )
    )
    assert [c.text for c in read_feed(feed).episodes[0].transcript] == ["timed words"]


# -- the sample feeds ---------------------------------------------------------------


def test_sample_feeds_every_person_of_every_item_with_its_role() -> None:
    result = read_episodes([SAMPLES / "feeds"])
    people = {(e.title, m.surface, m.role) for e in result.episodes for m in e.mentions}
    assert ("Agents at Work with swyx", "swyx", "guest") in people
    assert ("Agents at Work with swyx", "Maya Chen", "host") in people
    assert ("Listener Questions: Postgres or Not?", "Idris Bello", "producer") in people  # from the channel
    assert ("Shawn Wang on learning in public & AI engineering", "Shawn Wang", "guest") in people
    assert ("A broken item: unclosed tags", "Priya Raman", "guest") in people
    assert len(result.episodes) == 10
    agents = next(e for e in result.episodes if e.title == "Agents at Work with swyx")
    assert [c.title for c in agents.chapters] == [
        "Cold open",
        "What is an AI engineer?",
        "Evals before agents",
        "Claude Code vs. Codex",
    ]
    assert [c.speaker for c in agents.transcript] == ["Maya Chen", "swyx", "swyx", "Maya Chen"]
    assert agents.transcript[-1].text == "So what is an AI engineer, really?"


def test_a_folder_of_feeds_includes_files_without_a_suffix(tmp_path: Path) -> None:
    (tmp_path / "feed").write_text(_feed(_item("", "suffixless-feed-guid-01")))
    (tmp_path / "notes").write_text("not a feed, not read")
    (tmp_path / "show.rss").write_text(_feed(_item("", "rss-suffix-feed-guid-02")))
    result = read_episodes([tmp_path])
    assert sorted(e.id for e in result.episodes) == ["rss-suffix-feed-guid-02", "suffixless-feed-guid-01"]


def test_mangled_feeds_are_read_or_refused_in_one_line_never_a_traceback() -> None:
    import random

    feed = (SAMPLES / "feeds" / "agents-weekly.rss").read_bytes()
    rng = random.Random(3)
    read = refused = 0
    for _ in range(300):
        data = bytearray(feed)
        for _ in range(rng.randint(1, 40)):
            pos = rng.randrange(len(data))
            kind = rng.random()
            if kind < 0.4:
                data[pos] = rng.randrange(256)
            elif kind < 0.7:
                del data[pos : pos + rng.randint(1, 50)]
            else:
                data[pos:pos] = rng.choice([b"<", b"&", b"]]>", b"<![CDATA[", b"\x00", b"</item>", b"<item>"])
        try:
            result = parse_feed(bytes(data), source="mangled.rss")
        except InputError as exc:
            assert "\n" not in str(exc)
            refused += 1
        else:
            assert all(e.title for e in result.episodes)
            read += 1
    assert read > 50 and read + refused == 300
