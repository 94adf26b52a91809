"""The JSON / JSONL record loader."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from castgraph.graph.model import Episode
from castgraph.loaders import InputError, parse_records, read_records

DATA = Path(__file__).parent / "data"

FULL = {
    "id": "ls-1",
    "title": "GitHub's Agent Era",
    "show": "Latent Space",
    "published": "2026-11-24",
    "duration": "1:24:44",
    "url": "https://example.org/ep/1",
    "summary": "Kyle Daigle joins swyx.",
    "tags": ["github", "#AI Agents"],
    "chapters": [{"title": "Introduction", "start": 72.0, "summary": "Hello.", "quotes": ["Hi."]}],
    "entities": [{"name": "Kyle Daigle", "type": "Person", "description": "COO of GitHub."}],
    "seo_title": "Agents at GitHub",
}


def test_one_full_record() -> None:
    ep = parse_records(json.dumps(FULL)).episodes[0]
    assert (ep.id, ep.title, ep.show, ep.url) == ("ls-1", "GitHub's Agent Era", "Latent Space", FULL["url"])
    assert ep.published == date(2026, 11, 24)
    assert ep.duration_seconds == 5084
    assert ep.tags == ["github", "ai-agents"]
    assert ep.chapters[0].model_dump() == FULL["chapters"][0]
    assert [(m.surface, m.type_label, m.description, m.id) for m in ep.mentions] == [
        ("Kyle Daigle", "Person", "COO of GitHub.", "ls-1#0")
    ]
    assert ep.extra == {"seo_title": "Agents at GitHub"}
    assert ep.source is not None and ep.source.record == 1


def test_loaded_episode_passes_the_model_validation_unchanged() -> None:
    ep = parse_records(json.dumps(FULL)).episodes[0]
    assert Episode.model_validate(ep.model_dump()) == ep


def test_list_of_records_and_jsonl_give_the_same_episodes() -> None:
    records = [FULL, {**FULL, "id": "ls-2", "title": "Second"}]
    as_list = parse_records(json.dumps(records)).episodes
    as_lines = parse_records("\n".join(json.dumps(r) for r in records)).episodes
    assert [e.model_dump(exclude={"source"}) for e in as_list] == [
        e.model_dump(exclude={"source"}) for e in as_lines
    ]
    assert [e.source.record for e in as_list if e.source] == [1, 2]
    assert [e.source.line for e in as_lines if e.source] == [1, 2]


def test_missing_id_is_a_hash_of_show_and_title() -> None:
    ep = parse_records('{"title": "Hello", "show": "Tech Talks"}').episodes[0]
    assert ep.id == Episode.make_id("Tech Talks", "Hello")
    assert ep.id == parse_records('{"title": " Hello ", "show": "tech  talks"}').episodes[0].id


@pytest.mark.parametrize(("duration", "seconds"), [(2745, 2745), (61.7, 61), ("52:08", 3128), ("90", 90)])
def test_duration_forms(duration: object, seconds: int) -> None:
    ep = parse_records(json.dumps({"title": "T", "duration": duration})).episodes[0]
    assert ep.duration_seconds == seconds


def test_age_days_with_and_without_as_of() -> None:
    text = '{"title": "T", "age_days": 3}'
    assert parse_records(text).episodes[0].published is None
    ep = parse_records(text, as_of=date(2026, 11, 25)).episodes[0]
    assert (ep.age_days, ep.published) == (3, date(2026, 11, 22))


def test_chapter_start_as_clock_text() -> None:
    record = {
        "title": "T",
        "chapters": [{"title": "A", "start": "04:30"}, {"title": "B", "start": "1:02:44"}],
    }
    ep = parse_records(json.dumps(record)).episodes[0]
    assert [c.start for c in ep.chapters] == [270.0, 3764.0]


def test_broken_records_are_skipped_with_their_line_numbers() -> None:
    path = DATA / "broken-records.jsonl"
    result = read_records(path)
    cut_at = len(path.read_text(encoding="utf-8").splitlines()[1]) + 1  # line 2 stops after "["
    assert [e.id for e in result.episodes] == ["r1", "r4"]
    assert [(w.source.line, w.message) for w in result.warnings] == [
        (1, "entity 2 has no name; skipped"),
        (2, f"broken record skipped: not valid JSON (Expecting value at column {cut_at})"),
        (3, "broken record skipped: a record must be a JSON object, not list"),
        (4, "broken record skipped: record has no title"),
        (6, "'published' is not a date: 'not-a-date'; ignored"),
    ]
    assert all(w.source.file == str(path) for w in result.warnings)
    r4 = result.episodes[1]
    assert (r4.published, r4.duration_seconds, r4.tags) == (None, 1500, ["evals", "agents"])
    assert [m.surface for m in result.episodes[0].mentions] == ["Ada Quinn"]


def test_parse_and_read_agree(tmp_path: Path) -> None:
    text = (DATA / "broken-records.jsonl").read_text(encoding="utf-8")
    parsed = parse_records(text, source=str(DATA / "broken-records.jsonl"))
    read = read_records(DATA / "broken-records.jsonl")
    assert parsed == read


def test_invalid_utf8_is_decoded_with_a_warning(tmp_path: Path) -> None:
    path = tmp_path / "latin1.jsonl"
    path.write_bytes('{"title": "Caf\xe9 Talk", "show": "S"}\n{"title": "Two"}\n'.encode("latin-1"))
    result = read_records(path)
    assert [e.title for e in result.episodes] == ["Café Talk", "Two"]
    assert [(w.source.line, w.message) for w in result.warnings] == [
        (1, "not valid UTF-8 (byte 0xe9 at offset 14); decoded as cp1252")
    ]
    whole = tmp_path / "latin1.json"
    whole.write_bytes('[{"title": "Caf\xe9 Talk"}]'.encode("latin-1"))
    result = read_records(whole)
    assert result.episodes[0].title == "Café Talk"
    assert "not valid UTF-8" in result.warnings[0].message


def test_bom_and_pretty_printed_single_record(tmp_path: Path) -> None:
    path = tmp_path / "one.json"
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps(FULL, indent=2).encode())
    assert [e.id for e in read_records(path).episodes] == ["ls-1"]
    lines = tmp_path / "bom.jsonl"
    lines.write_bytes(b"\xef\xbb\xbf" + b'{"title": "A"}\n{"title": "B"}\n')
    assert [e.title for e in read_records(lines).episodes] == ["A", "B"]


def test_same_id_twice_is_one_episode_whatever_the_order() -> None:
    short = {"id": "x", "title": "T"}
    full = {"id": "x", "title": "T", "summary": "The fuller copy."}
    for order in ([short, full], [full, short]):
        result = parse_records("\n".join(json.dumps(r) for r in order))
        assert [e.summary for e in result.episodes] == ["The fuller copy."]
        assert len(result.warnings) == 1 and "duplicate of episode x" in result.warnings[0].message


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("", "empty file"),
        ("   \n", "empty file"),
        ("{not json at all", r"not valid JSON or JSONL \(line 1: Expecting property name"),
        ('[{"title": "a"}', r"not valid JSON or JSONL \(line 1: Expecting ',' delimiter"),
        ('{"summary": "no title"}', "no episode could be read"),
        ("[]", "no episode could be read"),
    ],
)
def test_unusable_files_are_one_line_input_errors(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "bad.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(InputError, match=rf"^{path}: {message}") as info:
        read_records(path)
    assert "\n" not in str(info.value)


def test_unreadable_file_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="cannot read file"):
        read_records(tmp_path / "missing.jsonl")


def test_broken_records_in_a_list_are_named_by_record_number() -> None:
    text = json.dumps([{"title": "One"}, "not a record", {"summary": "no title"}, {"title": "Four"}])
    result = parse_records(text, source="list.json")
    assert [e.title for e in result.episodes] == ["One", "Four"]
    assert [str(w) for w in result.warnings] == [
        "list.json, record 2: broken record skipped: a record must be a JSON object, not str",
        "list.json, record 3: broken record skipped: record has no title",
    ]


# orjson reads most records; json must still decide every value and every message.
@pytest.mark.parametrize(
    "number",
    [
        "9223372036854775807", "9223372036854775808", "-9223372036854775808", "-9223372036854775809",
        "18446744073709551615", "18446744073709551616", "123456789012345678901234567890", "-0", "0.1",
        "1e308", "1e309", "-1e309", "1.5e-400", "2.2250738585072011e-308", "NaN", "Infinity",
        "12345678901234567890.5", '"1234567890123456789012"', '"\\ud800 lone"', '"\\udc00\\ud800x"',
        '"\\ud83d\\ude00 pair"',
    ],
)
def test_values_are_read_as_json_reads_them(tmp_path: Path, number: str) -> None:
    line = '{"title": "T", "value": ' + number + "}"
    expected = json.loads(number)
    if isinstance(expected, str):
        expected = "".join("\ufffd" if "\ud800" <= c <= "\udfff" else c for c in expected)
    path = tmp_path / "v.jsonl"
    path.write_text(line + "\n" + line + "\n", encoding="utf-8")
    for ep in [parse_records(line).episodes[0], read_records(path).episodes[0]]:
        value = ep.extra["value"]
        assert type(value) is type(expected)
        assert repr(value) == repr(expected)


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ('{"title": "T", "n": 01}', "Expecting ',' delimiter at column 22"),
        ('{"title": "T", "n": 1.}', "Expecting ',' delimiter at column 22"),
        ('{"title": "T",}', "Expecting property name enclosed in double quotes at column 15"),
        ('{"title": "T"} x', "Extra data at column 16"),
        ('{"title": "a\x01b"}', "Invalid control character at column 13"),
        ("\ufeff" + '{"title": "T"}', "Unexpected UTF-8 BOM (decode using utf-8-sig) at column 1"),
        ('{"title": "T", "x": ' + "[" * 5000 + "]" * 5000 + "}", "too deep"),
    ],
)
def test_broken_lines_are_explained_in_json_words(tmp_path: Path, line: str, message: str) -> None:
    good = '{"title": "Kept"}'
    path = tmp_path / "b.jsonl"
    path.write_text(good + "\n" + line + "\n", encoding="utf-8")
    for result in [parse_records(good + "\n" + line), read_records(path)]:
        assert [e.title for e in result.episodes] == ["Kept"]
        assert [(w.source.line, w.message) for w in result.warnings] == [
            (2, f"broken record skipped: not valid JSON ({message})")
        ]


def test_loaded_mentions_are_the_validated_ones_and_share_their_repeated_parts() -> None:
    entities = [
        {"name": " swyx ", "type": "Person", "description": "host"},
        {"name": "Jane Doe", "type": "Person", "description": "host", "role": " Guest ", "href": "https://j"},
        {"surface": "GitHub", "type_label": "organization"},
    ]
    records = [{"id": f"e{i}", "title": f"T{i}", "entities": entities} for i in range(2)]
    episodes = parse_records("\n".join(json.dumps(r) for r in records)).episodes
    for ep in episodes:
        validated = Episode(id=ep.id, title=ep.title, mentions=[
            {"surface": "swyx", "type_label": "Person", "description": "host"},
            {"surface": "Jane Doe", "type_label": "Person", "description": "host", "role": "guest",
             "href": "https://j"},
            {"surface": "GitHub", "type_label": "organization", "description": ""},
        ])
        assert ep.mentions == validated.mentions
        assert [repr(m) for m in ep.mentions] == [repr(m) for m in validated.mentions]
        assert [m.model_fields_set for m in ep.mentions] == [m.model_fields_set for m in validated.mentions]
        assert [m.model_dump(exclude_unset=True) for m in ep.mentions] == [
            m.model_dump(exclude_unset=True) for m in validated.mentions
        ]
    first, second = episodes[0].mentions, episodes[1].mentions
    # One copy of a repeated text and of a fields set, whichever episode holds it.
    assert first[0].description is first[1].description is second[0].description
    assert first[1].surface is second[1].surface
    assert first[0].model_fields_set is second[0].model_fields_set
    # Setting a field on one mention leaves the others as they were.
    first[0].field = "title"
    assert "field" in first[0].model_fields_set and "field" not in second[0].model_fields_set
    assert second[0].field == ""


def test_mentions_made_as_columns_equal_those_made_one_at_a_time(tmp_path: Path) -> None:
    from castgraph.graph.model import Source
    from castgraph.loaders.records import episode_from_record

    plain = [{"name": " swyx ", "type": "Person", "description": "host"}, {"name": "Cursor", "type": 3},
             {"name": "GitHub", "description": None, "aliases": ["GH"]}]
    odd = [
        [*plain, {"name": "Jane", "role": "guest"}],  # credits a person
        [{"name": "   "}, *plain],  # no name: a note
        ["swyx", *plain],  # not an object: a note
        [{"surface": "GitHub", "type_label": "org"}],
        "not a list",
        [],
    ]
    chapters = [{"title": " Intro ", "start": 0},
                {"title": "Main", "start": 90.5, "summary": "s", "quotes": ["q"]}]
    odd_chapters = [
        [*chapters, {"title": "Late", "start": "1:00", "summary": 3, "quotes": ["a", 1]}],
        [{"start": 5}, *chapters],  # no title: a note
        [{"title": "Before", "start": -1}, *chapters],
        [{"title": "Odd", "start": True, "quotes": "not a list"}],
        [*chapters, {"title": "Huge", "start": 1e12}],
        {"title": "not a list"},
    ]
    # Odd episodes among thousands of plain ones, in several chunks; a broken line too.
    records = [{"id": f"e{i}", "title": f"T{i}", "entities": odd[i // 700] if i % 700 == 3 else plain,
                "chapters": odd_chapters[i // 700] if i % 700 == 5 else chapters}
               for i in range(700 * len(odd))]
    lines = [json.dumps(r) for r in records]
    lines.insert(1500, "{not json")
    lines[2500] = lines[2500].replace('"start": 0}', '"start": NaN}')  # read by json, not orjson
    path = tmp_path / "eps.jsonl"
    path.write_text("\n".join(lines), encoding="utf-8")
    result = read_records(path)
    one_at_a_time = []
    warnings = []
    for number, line in enumerate(lines, 1):
        if line.startswith("{not"):
            warnings.append(f"{path}, line {number}: broken record skipped: not valid JSON "
                            "(Expecting property name enclosed in double quotes at column 2)")
            continue
        ep, notes = episode_from_record(json.loads(line), Source(file=str(path), line=number))
        one_at_a_time.append(ep)
        warnings += [str(n) for n in notes]
    assert [str(w) for w in result.warnings] == warnings
    assert any("entity 1 has no name" in w for w in warnings) and any("not a list" in w for w in warnings)
    assert any("chapter 1 has no title" in w for w in warnings)
    assert result.episodes[5].chapters[2].start == 60.0 and result.episodes[2499].chapters[0].start is None
    assert [ep.model_dump() for ep in result.episodes] == [ep.model_dump() for ep in one_at_a_time]
    assert [[m.model_fields_set for m in ep.mentions] for ep in result.episodes] == [
        [m.model_fields_set for m in ep.mentions] for ep in one_at_a_time]
    assert result.episodes[3].mentions[3].role == "guest"
    first = result.episodes[0].mentions
    assert (first[0].surface, first[1].type_label) == ("swyx", "")


def test_lines_read_a_block_at_a_time_whatever_the_block_size(tmp_path: Path, monkeypatch) -> None:
    import castgraph.loaders.records as records

    lines = [
        b'\xef\xbb\xbf{"id": "a", "title": "A"}\r',
        b"",
        b'{"id": "b", "title": "B", "n": 12345678901234567890123}\r',  # 19+ digits: read by json
        b'{"id": "c", "title": "Caf\xe9"}',  # not UTF-8: read as cp1252, with a warning
        b"   ",
        b'{"id": "d", "title": "D", "x": NaN}',
        b"{broken",
        b'{"id": "e", "title": "E"}',  # the last line, without a line end
    ]
    path = tmp_path / "eps.jsonl"
    path.write_bytes(b"\n".join(lines))
    results = []
    for block in (7, 40, 1 << 22):
        monkeypatch.setattr(records, "_BLOCK", block)
        result = read_records(path)
        results.append(([ep.model_dump() for ep in result.episodes], [str(w) for w in result.warnings]))
    assert results[0] == results[1] == results[2]
    episodes, warnings = results[2]
    assert [(ep["id"], ep["title"], ep["source"]["line"]) for ep in episodes] == [
        ("a", "A", 1), ("b", "B", 3), ("c", "Café", 4), ("d", "D", 6), ("e", "E", 8)]
    assert episodes[1]["extra"] == {"n": 12345678901234567890123}
    assert [w.split(":")[0] for w in warnings] == [f"{path}, line 4", f"{path}, line 7"]
