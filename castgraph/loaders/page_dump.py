"""Recover an episode record that a podcast-app page shows as a mangled literal dump.

Some pages render an episode body as the printed form of the upstream record
after it was split on commas: chapter dicts nest inside the previous chapter's
quote list, long strings are cut into fragments, ``50,000`` becomes ``50, 0``,
quotes end with ``[minutes, seconds]`` pairs and a key can be glued to its value
(``'title": "Introduction'``). The text is still a valid Python literal, so it is
read with :func:`ast.literal_eval` (which evaluates literals only and never runs
code) and walked in document order to rebuild chapters, entities and tags.

Examples
--------
>>> text = ("Intro > *{'start': 72.0, 'summary': 'Hello.', 'quotes': ['Hi there', [1, 2], "
...         "'entities\\": [ {\\"name\\": \\"Ann Lee', {'type': 'person', 'description': 'Host.'}], "
...         "'tags': ['ai']}* ## [01:12] Introduction")
>>> dump = find_dump(text)
>>> dump.chapters[0].start, dump.chapters[0].quotes, dump.entities, dump.tags
(72.0, ['Hi there'], [('Ann Lee', 'person', 'Host.')], ['ai'])
>>> text[dump.end:]
'* ## [01:12] Introduction'
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from castgraph.graph.model import Chapter

__all__ = ["Dump", "find_dump"]

# Where a dump can begin: a dict opening with one of the record's keys.
_DUMP_START = re.compile(r"\{\s*['\"](?:start|title|summary|quotes|name|type|entities|tags)['\"]\s*:")
_STRUCTURAL = re.compile(r"^[\s\[\]{},:]*$")
_NAME_KEY = re.compile(r"\"?name\"?\s*:\s*\"?(.*?)\"?\s*$", re.S)
_CHAPTER_KEYS = {"start", "summary", "quotes", "title"}
_ENTITY_KEYS = {"name", "type", "description"}
_MAX_DUMP_CHARS = 2_000_000
_MAX_ATTEMPTS = 8


@dataclass
class Dump:
    """What was recovered from a dump, and where it sits in the text (``text[start:end]``)."""

    start: int
    end: int
    chapters: list[Chapter] = field(default_factory=list)
    entities: list[tuple[str, str, str]] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)


def _literal_end(text: str, start: int) -> int | None:
    """Index just past the bracket that closes the one at ``start``, skipping string contents."""
    depth = 0
    quote = ""
    i = start
    limit = min(len(text), start + _MAX_DUMP_CHARS)
    while i < limit:
        ch = text[i]
        if quote:
            if ch == "\\":
                i += 1
            elif ch == quote:
                quote = ""
        elif ch in "'\"":
            quote = ch
        elif ch in "[{(":
            depth += 1
        elif ch in "]})":
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    return None


def _walk(value: Any) -> Iterator[tuple[str, Any]]:
    """Yield the dump's pieces in document order."""
    if isinstance(value, dict):
        keys = set(value)
        if keys & _CHAPTER_KEYS and not keys <= _ENTITY_KEYS:
            yield "chapter", {k: value.get(k) for k in ("title", "start", "summary") if k in value}
            yield from _walk(value.get("quotes") or [])
            for key, item in value.items():
                if key == "tags" and isinstance(item, list):
                    yield "tags", item
                elif key not in _CHAPTER_KEYS:
                    yield "extra", (key, item)
        elif keys <= _ENTITY_KEYS:
            yield "entity", value
        else:
            for key, item in value.items():
                yield ("tags", item) if key == "tags" else ("extra", (key, item))
    elif isinstance(value, list | tuple):
        if len(value) == 2 and all(isinstance(v, int) for v in value):
            yield "timestamp", value
        else:
            for item in value:
                yield from _walk(item)
    elif isinstance(value, str | int | float) and not isinstance(value, bool):
        yield "fragment", value


def _join(fragments: list[Any]) -> str:
    """Glue comma-split fragments back together (``850``, ``0`` -> ``850,000``)."""
    out = ""
    previous_number = False
    for piece in fragments:
        if isinstance(piece, int | float):
            if previous_number or out[-1:].isdigit():
                out += f",{int(piece):03d}"
            else:
                out += (", " if out else "") + str(piece)
            previous_number = True
            continue
        text = piece.strip()
        if _STRUCTURAL.match(text):
            continue
        out += (" " if previous_number else ", " if out else "") + text
        previous_number = False
    return out.strip()


def _header(fragments: list[Any]) -> tuple[str, float | None, str]:
    """Title, start and summary written as text before a chapter dict (``"title": "...", "start": 1``)."""
    text = re.sub(r"^[\s\[\]{},]*", "", _join(fragments))
    text = re.sub(r'^"?title"?\s*:\s*"?', "", text)
    match = re.search(r'"?\s*,?\s*"start"\s*:\s*([\d.]+)\s*,?', text)
    if not match:
        return text.strip(' ",'), None, ""
    title, rest = text[: match.start()], text[match.end() :]
    rest = re.sub(r'^\s*"summary"\s*:\s*"?\s*,?\s*', "", rest)
    return title.strip(' ",'), float(match.group(1)), rest.strip(' ",')


def _clean_quote(text: str) -> str:
    return text.strip().strip('"“”').strip()


def _recover(value: Any, start: int, end: int) -> Dump:
    dump = Dump(start=start, end=end)
    pending: list[Any] = []
    current: Chapter | None = None
    for kind, item in _walk(value):
        if kind == "fragment":
            pending.append(item)
        elif kind == "timestamp":
            quote = _clean_quote(_join(pending))
            if current is not None and quote:
                current.quotes.append(quote)
            pending = []
        elif kind == "chapter":
            title, head_start, head_summary = _header(pending)
            begin = item.get("start")
            current = Chapter(
                title=str(item.get("title") or title),
                start=float(begin) if isinstance(begin, int | float) else head_start,
                summary=str(item.get("summary") or head_summary),
            )
            dump.chapters.append(current)
            pending = []
        elif kind == "entity":
            name = item.get("name")
            if not name:
                match = _NAME_KEY.search(_join(pending))
                name = match.group(1) if match else ""
            dump.entities.append(
                (str(name).strip(), str(item.get("type") or ""), str(item.get("description") or ""))
            )
            pending = []
        elif kind == "tags":
            dump.tags.extend(str(t) for t in item if isinstance(t, str))
        else:
            key, extra = item
            dump.extra[str(key)] = extra
    return dump


def find_dump(text: str) -> Dump | None:
    """Find and recover the first literal dump in ``text``; None if there is none.

    A candidate that does not parse as a literal is skipped, so ordinary text with
    braces is left alone.

    >>> find_dump("no dump {here} at all") is None
    True
    """
    for attempt, match in enumerate(_DUMP_START.finditer(text)):
        if attempt >= _MAX_ATTEMPTS:  # each attempt scans ahead; keep a hostile body linear
            break
        end = _literal_end(text, match.start())
        if end is None:
            continue
        try:
            value = ast.literal_eval(text[match.start() : end])
        except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
            continue
        dump = _recover(value, match.start(), end)
        if dump.chapters or dump.entities or dump.tags:
            return dump
    return None
