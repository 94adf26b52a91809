"""The text-level repairs and value parsers of the feed loader.

Real feeds are often not well-formed XML: bytes or blank lines before the XML
declaration, a declared encoding that is wrong (``ISO-8859-1`` holding Windows
smart quotes), HTML entities (``&nbsp;``) XML does not define, bare ``&`` in
titles, control characters. :func:`prepare_xml` fixes these before lxml's
recovering parser sees the text -- CDATA sections are left exactly as written --
and says what it fixed. Dates and durations come in many spellings; the parsers
here read the ones found in real feeds.

Examples
--------
>>> xml, fixes, _ = prepare_xml(b'\\n\\n  <?xml version="1.0"?><rss><title>Q&A &mdash; live</title></rss>')
>>> xml.decode()
'\\n\\n<rss><title>Q&amp;A &#8212; live</title></rss>'
>>> fixes
['text before the XML declaration', 'undefined entities or bare & (2)']
>>> parse_feed_date("Tue, 24 Nov 2026 10:00:00 PST"), parse_feed_date("November 24, 2026")
(datetime.date(2026, 11, 24), datetime.date(2026, 11, 24))
>>> parse_duration("1:02:03"), parse_duration("3723.4"), parse_duration("1h 2m 3s"), parse_duration("soon")
(3723, 3723, 3723, None)
"""

from __future__ import annotations

import codecs
import html.entities
import re
from datetime import date, datetime
from email.utils import parsedate_tz
from typing import Any

from lxml import etree

from castgraph.graph.model import LoadWarning
from castgraph.loaders.base import decode_text

__all__ = ["element_markup", "element_text", "parse_duration", "parse_feed_date", "prepare_xml"]

_XML_ENTITIES = frozenset({"amp", "lt", "gt", "quot", "apos"})
_AMPERSAND = re.compile(r"&(?:([A-Za-z][A-Za-z0-9]{0,31});|(#[0-9]{1,7};|#[xX][0-9A-Fa-f]{1,6};))?")
_CDATA = re.compile(r"(<!\[CDATA\[.*?\]\]>)", re.S)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_DECLARATION = re.compile(r"<\?xml[^>]*\?>", re.I)
_DECLARED_ENCODING = re.compile(rb"""<\?xml[^>]*encoding\s*=\s*["']([A-Za-z0-9._:-]+)["']""", re.I)
# A declared Latin-1 feed almost always holds Windows-1252 (smart quotes); browsers read it so too.
_ENCODING_ALIASES = {"iso-8859-1": "cp1252", "iso8859-1": "cp1252", "latin-1": "cp1252", "latin1": "cp1252",
                     "us-ascii": "cp1252", "ascii": "cp1252"}


def _decode(data: bytes, source: str) -> tuple[str, list[LoadWarning]]:
    if data.startswith((b"\xff\xfe", b"\xfe\xff", b"\xef\xbb\xbf")):
        return decode_text(data, source)
    if data[:4] in (b"<\x00?\x00", b"<\x00r\x00"):
        return data.decode("utf-16-le", errors="replace"), []
    if data[:4] in (b"\x00<\x00?", b"\x00<\x00r"):
        return data.decode("utf-16-be", errors="replace"), []
    declared = _DECLARED_ENCODING.search(data[:1024])
    if declared:
        name = declared.group(1).decode("ascii").lower()
        name = _ENCODING_ALIASES.get(name, name)
        try:
            codecs.lookup(name)
            if name.replace("_", "-") not in ("utf-8", "utf8"):
                return data.decode(name), []
        except (LookupError, UnicodeDecodeError):
            pass
    return decode_text(data, source)


def _fix_entities(text: str) -> tuple[str, int]:
    fixed = 0

    def replace(match: re.Match[str]) -> str:
        nonlocal fixed
        name, numeric = match.groups()
        if numeric or name in _XML_ENTITIES:
            return match.group(0)
        fixed += 1
        if name is not None:
            char = html.entities.html5.get(f"{name};")
            return "".join(f"&#{ord(c)};" for c in char) if char else f"&amp;{name};"
        return "&amp;"

    parts = _CDATA.split(text)
    for i in range(0, len(parts), 2):  # CDATA sections (odd parts) are literal: left alone
        if "&" in parts[i]:
            parts[i] = _AMPERSAND.sub(replace, parts[i])
    return "".join(parts), fixed


def prepare_xml(data: str | bytes, source: str = "<text>") -> tuple[bytes, list[str], list[LoadWarning]]:
    """UTF-8 XML that lxml can read, what was fixed, and the decoding warnings.

    Line numbers are kept: text before the root becomes as many newlines.
    """
    warnings: list[LoadWarning] = []
    if isinstance(data, bytes):
        text, warnings = _decode(data, source)
    else:
        text = data
    fixes: list[str] = []
    start = text.find("<")
    if start < 0:
        return b"", fixes, warnings
    if start > 0:
        junk = text[:start]
        if junk.strip("\ufeff") and (junk.strip() or text.startswith("<?xml", start)):
            fixes.append("text before the XML declaration")
        text = "\n" * junk.count("\n") + text[start:]
    text = _DECLARATION.sub("", text, count=1)
    if _CONTROL.search(text):
        text = _CONTROL.sub("", text)
        fixes.append("control characters removed")
    text, count = _fix_entities(text)
    if count:
        fixes.append(f"undefined entities or bare & ({count})")
    return text.encode("utf-8"), fixes, warnings


def element_text(element: Any) -> str:
    """The text of an element and its descendants, stripped."""
    if len(element) == 0:
        return (element.text or "").strip()
    return "".join(element.itertext()).strip()


def element_markup(element: Any) -> str:
    """The inner markup of an element: its text, or its children serialized (HTML written unescaped)."""
    if len(element) == 0:
        return element.text or ""
    inner = [element.text or ""]
    inner.extend(etree.tostring(child, encoding="unicode", with_tail=True) for child in element)
    return "".join(inner)


_WEEKDAY = re.compile(r"^\s*[A-Za-z]+\.?,\s*")
_FORMATS = ("%B %d, %Y", "%b %d, %Y", "%d %B %Y", "%d %b %Y", "%Y/%m/%d", "%m/%d/%Y", "%d.%m.%Y",
            "%b %d %Y", "%B %d %Y", "%Y-%m-%d %H:%M:%S", "%d %b %Y %H:%M:%S", "%d %B %Y %H:%M")


def parse_feed_date(text: str) -> date | None:
    """The day of a feed date: RFC 822 (any weekday or zone name), ISO 8601, or a written-out date.

    The date is the one the publisher wrote, not converted to UTC.

    >>> parse_feed_date("2026-11-24T23:30:00-08:00"), parse_feed_date("Mon, 24 Nov 26 10:00 GMT")
    (datetime.date(2026, 11, 24), datetime.date(2026, 11, 24))
    >>> parse_feed_date("Wed, 31 Feb 2026 10:00:00 GMT") is None
    True
    """
    text = " ".join(text.split())
    if not text:
        return None
    parsed = parsedate_tz(text)
    if parsed is not None and parsed[0] and parsed[1] and parsed[2]:
        year = parsed[0] + (2000 if parsed[0] < 50 else 1900 if parsed[0] < 100 else 0)
        try:
            return date(year, parsed[1], parsed[2])
        except ValueError:
            return None
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        pass
    bare = _WEEKDAY.sub("", text)
    bare = re.sub(r"(\d)(st|nd|rd|th)\b", r"\1", bare)
    bare = re.sub(r"\s*(?:[+-]\d{4}|[A-Z]{2,4})$", "", bare)
    for fmt in _FORMATS:
        try:
            return datetime.strptime(bare, fmt).date()
        except ValueError:
            continue
    return None


_UNITS = re.compile(r"(\d+(?:\.\d+)?)\s*(h|hr|hrs|hours?|m|min|mins|minutes?|s|sec|secs|seconds?)\b", re.I)
_MAX_SECONDS = 1e9


def parse_duration(text: str) -> int | None:
    """Whole seconds of an ``itunes:duration``: seconds, ``h:mm:ss``, ``mm:ss``, or ``1h 2m 3s``."""
    text = text.strip()
    if not text:
        return None
    parts = text.split(":")
    if len(parts) <= 3:
        try:
            seconds = 0.0
            for part in parts:
                seconds = seconds * 60 + float(part)
        except ValueError:
            pass
        else:
            return int(seconds) if 0 <= seconds < _MAX_SECONDS else None
    found = _UNITS.findall(text)
    if found:
        scale = {"h": 3600, "m": 60, "s": 1}
        total = sum(float(n) * scale[unit[0].lower()] for n, unit in found)
        return int(total) if total < _MAX_SECONDS else None
    return None
