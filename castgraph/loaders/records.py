"""Read episode records from JSON or JSONL.

A record is the clean form of an episode::

    {"id": "ls-2026-11-24", "title": "...", "show": "Latent Space", "published": "2026-11-24",
     "duration": "1:24:44", "url": "https://...", "summary": "...", "tags": ["ai-agents"],
     "chapters": [{"title": "Hook", "start": 0.0, "summary": "...", "quotes": ["..."]}],
     "entities": [{"name": "Kyle Daigle", "type": "Person", "description": "COO of GitHub",
                   "role": "guest", "href": "https://..."}]}

A file holds one record, a list of records, or one record per line (JSONL).
``duration`` may be seconds or a clock; ``age_days`` is accepted instead of
``published``; keys the model does not know are kept in :attr:`Episode.extra`.
A record without an ``id`` gets :meth:`Episode.make_id` of its show and title. A
broken record (not an object, not JSON, no title) is skipped with a warning
naming its line or record number; an entity without a name is skipped the same way.

This module reads the JSON; :mod:`castgraph.loaders.record_fields` checks one record's
fields and :mod:`castgraph.loaders.record_columns` makes a chunk of records' episodes.

Examples
--------
>>> result = parse_records('{"title": "Ep 1", "show": "S", "duration": "1:00", "tags": ["#AI"], '
...                        '"entities": [{"name": "swyx", "type": "Person"}, {"type": "Person"}]}\\n'
...                        'not json\\n'
...                        '{"title": "Ep 2", "published": "2026-11-24", "guest_count": 2}')
>>> [(e.title, e.duration_seconds, e.tags) for e in result.episodes]
[('Ep 1', 60, ['ai']), ('Ep 2', None, [])]
>>> result.episodes[1].extra, result.episodes[0].id == Episode.make_id("S", "Ep 1")
({'guest_count': 2}, True)
>>> [str(w) for w in result.warnings]  # doctest: +NORMALIZE_WHITESPACE
['<text>, line 1: entity 2 has no name; skipped',
 '<text>, line 2: broken record skipped: not valid JSON (Expecting value at column 1)']
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from datetime import date
from itertools import repeat
from pathlib import Path
from typing import Any

import orjson

from castgraph import progress
from castgraph.graph.model import Episode, LoadWarning, Source
from castgraph.loaders.base import LoadResult, decode_text, dedupe_episodes, make_result
from castgraph.loaders.errors import InputError
from castgraph.loaders.record_columns import _collect
from castgraph.loaders.record_fields import _MAX_INT_DIGITS, _Broken, _fields, _LongNumber

__all__ = ["episode_from_record", "parse_records", "read_records"]


def _parse_int(digits: str) -> int | str:
    # A number too long for Python to read stays text: the record is kept, its value unchanged.
    return int(digits) if len(digits.lstrip("-")) <= _MAX_INT_DIGITS else _LongNumber(digits)


_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
# orjson reads an integer beyond 64 bits as a float: text with 19 digits in a row goes to
# json. Mapping digits to "0" and the rest to " " finds such a run many times faster than a regex.
_DIGITS = bytes(0x30 if 0x30 <= b <= 0x39 else 0x20 for b in range(256))
_LONG_RUN = b"0" * 19
_NOT_READ = object()


def _no_lone_surrogates(value: Any) -> Any:
    if isinstance(value, str):
        return _LONE_SURROGATE.sub("\ufffd", value)
    if isinstance(value, list):
        return [_no_lone_surrogates(v) for v in value]
    if isinstance(value, dict):
        return {_no_lone_surrogates(k): _no_lone_surrogates(v) for k, v in value.items()}
    return value


def _fast_loads(data: bytes) -> Any:
    """orjson's reading of UTF-8 ``data``, or ``_NOT_READ`` when only json can say what it holds.

    orjson is several times faster than json and reads the same values; what it refuses
    (broken JSON or UTF-8, NaN, lone surrogates, deep nesting) or would read differently
    (integers beyond 64 bits) goes to json, so values and messages stay json's.
    """
    if _has_long_digit_run(data):
        return _NOT_READ
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError:
        return _NOT_READ


def _has_long_digit_run(data: bytes, chunk: int = 1 << 20) -> bool:
    """Whether ``data`` has 19 digits in a row (a big document is mapped a chunk at a time).

    >>> _has_long_digit_run(b'{"n": 1234567890123456789}', chunk=8), _has_long_digit_run(b'{"n": 123}')
    (True, False)
    """
    if len(data) <= chunk:
        return _LONG_RUN in data.translate(_DIGITS)
    overlap = len(_LONG_RUN) - 1
    return any(_LONG_RUN in data[start : start + chunk + overlap].translate(_DIGITS)
               for start in range(0, len(data), chunk))


def _loads(text: str) -> Any:
    """``json.loads``, except that integers longer than Python reads stay text and a lone
    UTF-16 surrogate escape (``"\\ud800"``, which no UTF-8 file can hold) becomes U+FFFD."""
    try:
        value = _fast_loads(text.encode("utf-8"))
    except UnicodeEncodeError:  # a lone surrogate in the text itself
        value = _NOT_READ
    if value is not _NOT_READ:
        return value
    value = json.loads(text, parse_int=_parse_int)
    if _SURROGATE_ESCAPE.search(text):
        value = _no_lone_surrogates(value)
    return value


def episode_from_record(
    record: Any, where: Source, *, as_of: date | None = None
) -> tuple[Episode, list[LoadWarning]]:
    """Turn one decoded record into an episode and the warnings about its parts.

    Raises
    ------
    ValueError
        If the record is broken: not an object, or without a title.

    >>> ep, warnings = episode_from_record({"title": "T", "age_days": 2}, Source(file="x.json", record=1),
    ...                                    as_of=date(2026, 11, 25))
    >>> ep.published, warnings
    (datetime.date(2026, 11, 23), [])
    """
    return _episode(record, where, as_of, {})


def _episode(
    record: Any, where: Source, as_of: date | None, strings: dict[str, str]
) -> tuple[Episode, list[LoadWarning]]:
    fields, note, _ = _fields(record, where, as_of, strings, later=False)
    return Episode.from_checked(fields), [LoadWarning(source=where, message=m) for m in note]

def _json_lines(
    lines: Iterable[tuple[int, str | bytes]], source: str, warnings: list[LoadWarning] | None = None
) -> Iterator[tuple[Source, Any]]:
    """Each line's record (or :class:`_Broken`); a line of bytes is decoded only when orjson cannot
    read it (a line that is not UTF-8 falls back to cp1252, with a warning in ``warnings``)."""
    for number, line in lines:
        if isinstance(line, bytes):
            value = _fast_loads(line) if line.strip() else _NOT_READ
            if value is not _NOT_READ:
                yield Source.from_checked({"file": source, "line": number}), value
                continue
            line = _decode_line(line, number, source, warnings if warnings is not None else [])
        if not line.strip():
            continue
        where = Source.from_checked({"file": source, "line": number})
        try:
            yield where, _loads(line)
        except (json.JSONDecodeError, RecursionError) as exc:
            detail = (
                f"{exc.msg.removesuffix(' at')} at column {exc.colno}"
                if isinstance(exc, json.JSONDecodeError) else "too deep"
            )
            yield where, _Broken(f"not valid JSON ({detail})")


def _finish(result: LoadResult, source: str, broken: int) -> LoadResult:
    if not result.episodes:
        first = result.warnings[0].message if result.warnings else "no records"
        raise InputError(source, f"no episode could be read ({broken} broken records; first: {first})")
    kept, duplicates = dedupe_episodes(result.episodes)
    return make_result(kept, [*result.warnings, *duplicates])


def parse_records(text: str, *, source: str = "<text>", as_of: date | None = None) -> LoadResult:
    """Parse JSON (one record or a list of records) or JSONL text into episodes.

    Raises
    ------
    InputError
        If the text is empty, is neither JSON nor JSONL, or holds no readable record.
    """
    stripped = text.strip()
    if not stripped:
        raise InputError(source, "empty file")
    result = make_result([], [])
    try:
        whole = _loads(stripped)
    except json.JSONDecodeError as exc:
        error = exc
    except RecursionError:
        raise InputError(source, "not valid JSON (nested too deeply)") from None
    else:
        if isinstance(whole, list):
            items = ((Source.from_checked({"file": source, "record": n}), r) for n, r in enumerate(whole, 1))
            return _finish(result, source, _collect(items, as_of, result))
        return _finish(result, source, _collect([(Source(file=source, record=1), whole)], as_of, result))
    # Not one JSON document: read it as JSONL, if at least one line is a JSON value.
    broken = _collect(_json_lines(enumerate(text.splitlines(), 1), source), as_of, result)
    if not result.episodes and all("not valid JSON" in w.message for w in result.warnings):
        raise InputError(source, f"not valid JSON or JSONL (line {error.lineno}: {error.msg})")
    return _finish(result, source, broken)


def _first_line_is_record(head: bytes) -> bool:
    line = head.lstrip().split(b"\n", 1)[0].decode("utf-8", errors="replace")
    try:
        return isinstance(_loads(line), dict)
    except (json.JSONDecodeError, UnicodeDecodeError, RecursionError):
        return False


# Bytes of a JSONL file read at a time (whole lines of it are parsed; the rest waits for the next).
_BLOCK = 1 << 22


def _line_blocks(path: Path) -> Iterator[tuple[int, list[bytes], bool]]:
    """The lines of a JSONL file a block at a time, without their line ends (and the first
    without a BOM): the first line's number, the lines, and whether one may hold 19 digits in a
    row (checked once per block: most blocks have none, and their lines go straight to orjson)."""
    first, rest = 1, b""
    with path.open("rb") as handle:
        while block := handle.read(_BLOCK):
            progress.advance(len(block))
            data = rest + block
            lines = data.split(b"\n")
            rest = lines.pop()  # the line the next block ends
            if lines:
                yield first, _trimmed(lines, first), _has_long_digit_run(data)
                first += len(lines)
        if rest:
            yield first, _trimmed([rest], first), _has_long_digit_run(rest)


def _trimmed(lines: list[bytes], first: int) -> list[bytes]:
    """``lines`` without the ``"\r"`` before their line ends (and the file's first without a BOM)."""
    lines = list(map(bytes.rstrip, lines, repeat(b"\r\n")))
    if first == 1:
        lines[0] = lines[0].removeprefix(b"\xef\xbb\xbf")
    return lines


def _json_file_lines(path: Path, source: str, warnings: list[LoadWarning]) -> Iterator[tuple[Source, Any]]:
    """:func:`_json_lines` of a file's lines, a block at a time: their sources made together, and
    a line of a block without long digit runs read by orjson directly (the careful way if it fails)."""
    for first, lines, maybe_long in _line_blocks(path):
        numbers = range(first, first + len(lines))
        sources = Source.from_checked_columns({"file": [source] * len(lines), "line": list(numbers)})
        for where, number, line in zip(sources, numbers, lines, strict=True):
            if not maybe_long and line.strip():
                try:
                    yield where, orjson.loads(line)
                    continue
                except orjson.JSONDecodeError:
                    pass
            yield from _json_lines([(number, line)], source, warnings)


def _decode_line(raw: bytes, number: int, source: str, warnings: list[LoadWarning]) -> str:
    """One line as text (a line that is not UTF-8 falls back to cp1252, with a warning)."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        text, notes = decode_text(raw, source)
        where = Source.from_checked({"file": source, "line": number})
        warnings.extend(LoadWarning(source=where, message=n.message) for n in notes)
        return text


def read_records(path: str | Path, *, as_of: date | None = None) -> LoadResult:
    """Read a JSON or JSONL file of episode records; see :func:`parse_records`.

    JSONL is read a few megabytes of lines at a time, so large files are not held in memory twice.

    Raises
    ------
    InputError
        If the file cannot be read, is empty, is not JSON or JSONL, or holds no readable record.
    """
    name = str(path)
    file = Path(path)
    try:
        with file.open("rb") as handle:
            head = handle.read(1 << 20)
            body = head.lstrip(b"\xef\xbb\xbf \t\r\n")
            one_per_line = b"\n" in body.strip() or file.suffix.lower() in (".jsonl", ".ndjson")
            streamed = body.startswith(b"{") and one_per_line and _first_line_is_record(body)
            # One JSON document is parsed whole: read the rest from the same handle.
            data = head if streamed else head + handle.read()
    except OSError as exc:
        raise InputError(name, f"cannot read file ({exc.strerror or exc})") from None
    if not head.strip():
        raise InputError(name, "empty file")
    if streamed:
        result = make_result([], [])
        broken = _collect(_json_file_lines(file, name, result.warnings), as_of, result)
        return _finish(result, name, broken)
    text, warnings = decode_text(data, name)
    result = parse_records(text, source=name, as_of=as_of)
    return make_result(result.episodes, [*warnings, *result.warnings])
