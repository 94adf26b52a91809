"""Arbitrary input never escapes as anything but a one-line InputError."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from castgraph.loaders import InputError, parse_page, parse_records

# Text built from the pieces a page or a record is made of, so the parsers get deep into their paths.
_PIECES = st.sampled_from(
    [
        *["Title", "\n", "\n\n", "1:02:03", "12:00", "EN/ZH", "Show3日前", "## [01:21] ", "## Entities "],
        *["## 登場人物 ", "- **Name** (Person): ", "- **** （人物）：", '> *"quote"*', "> *[1, 2]*"],
        *["#tag#other", "{", "}", "[", "]", "'", '"', "text", "。", " ", "{'type': 'person'}"],
        "{'start': 72.0, 'quotes': ['q', [1, 2], 'title\": \"x', {'start': 1}]}",
        'entities": [ {"name": "A',
    ]
)
_TEXT = st.lists(_PIECES, max_size=40).map("".join) | st.text(max_size=200)


@settings(max_examples=300, deadline=None)
@given(_TEXT)
def test_page_parser_fails_only_with_input_error(text: str) -> None:
    try:
        result = parse_page(text, source="fuzz.txt")
    except InputError as exc:
        assert str(exc).startswith("fuzz.txt: ") and "\n" not in str(exc)
        return
    for ep in result.episodes:
        assert ep.title and [m.ordinal for m in ep.mentions] == list(range(len(ep.mentions)))


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(
            st.sampled_from(
                [
                    "id",
                    "title",
                    "show",
                    "published",
                    "duration",
                    "tags",
                    "chapters",
                    "entities",
                    "name",
                    "type",
                    "start",
                    "quotes",
                    "age_days",
                    "languages",
                    "x",
                ]
            ),
            inner,
            max_size=6,
        )
    ),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None)
@given(st.lists(_JSON, min_size=1, max_size=4), st.booleans())
def test_record_parser_fails_only_with_input_error(records: list, as_lines: bool) -> None:
    text = "\n".join(json.dumps(r) for r in records) if as_lines else json.dumps(records)
    try:
        result = parse_records(text, source="fuzz.jsonl")
    except InputError as exc:
        assert str(exc).startswith("fuzz.jsonl: ") and "\n" not in str(exc)
        return
    assert result.episodes
    for ep in result.episodes:
        assert ep.title.strip() and all(m.surface.strip() for m in ep.mentions)
