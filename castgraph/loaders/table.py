"""Read episodes from CSV / TSV tables, as spreadsheets export them.

Two layouts are read, told apart by the header:

* **long**: one mention a row -- an episode column (``episode_id`` / ``id``, or
  ``episode`` / ``title``), an entity column (``entity``, ``name``), optional
  ``type``, ``description``, ``role`` and ``href``; rows of one episode are gathered;
* **wide**: one episode a row -- ``title``, ``show``, ``date``, ``duration``, ``url``,
  ``summary``, ``tags`` and list-valued columns mapped to entity types with
  ``column_map`` (``{"guest": "Person", "sponsors": "Organization", "tags": "topic"}``).
  Columns named ``guest(s)``, ``host(s)``, ``sponsor(s)`` ... are mapped without being
  asked; a Person column named after a role (guest, host, co-host, producer) gives
  its mentions that role. Cells hold several values split on ``;``, ``|`` or ``,``:
  the first of these the column's cells use.

The delimiter (``,`` ``;`` tab ``|``, and Excel's ``sep=`` line) and the encoding
(UTF-8 with or without BOM, UTF-16, else cp1252 with a warning) are sniffed. A row
that repeats an earlier one is reported and skipped; a bad row (too many fields, no
episode, no title) is a warning with its line number and the other rows are kept.

Examples
--------
>>> long = ("episode,entity,type,role\\nAgents at Work,Jane Doe,Person,guest\\n"
...         "Agents at Work,GitHub,Organization,\\n")
>>> ep = parse_table(long).episodes[0]
>>> ep.title, [(m.surface, m.type_label, m.role) for m in ep.mentions]
('Agents at Work', [('Jane Doe', 'Person', 'guest'), ('GitHub', 'Organization', '')])
>>> wide = ("title;date;guests;sponsors\\nEp 1;2026-11-24;Jane Doe | Bob Roe;Acme\\n"
...         "Ep 1;2026-11-24;Jane Doe | Bob Roe;Acme\\n")
>>> result = parse_table(wide, column_map={"sponsors": "Organization"})
>>> [(m.surface, m.type_label, m.role) for m in result.episodes[0].mentions]
[('Jane Doe', 'Person', 'guest'), ('Bob Roe', 'Person', 'guest'), ('Acme', 'Organization', '')]
>>> [str(w) for w in result.warnings]
['<text>, line 3: duplicate of line 2; skipped']
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from castgraph.graph.model import EntityType, Episode, LoadWarning, Source
from castgraph.loaders.base import LoadResult, decode_text, dedupe_episodes, make_result
from castgraph.loaders.errors import InputError
from castgraph.loaders.feed_text import parse_duration, parse_feed_date
from castgraph.memory import gc_paused

__all__ = ["TABLE_SUFFIXES", "column_key", "looks_like_table", "parse_table", "read_table"]

TABLE_SUFFIXES = (".csv", ".tsv")
_DELIMITERS = ",;\t|"
_TOPIC = "topic"

_ID = ("episode_id", "id", "guid", "episode_guid")
_TITLE = ("title", "episode_title", "episode", "episode_name")
_SHOW = ("show", "podcast", "show_title", "podcast_title", "show_name")
_DATE = ("published", "date", "pub_date", "pubdate", "published_at", "release_date", "air_date")
_DURATION = ("duration", "length", "duration_seconds")
_URL = ("url", "link", "episode_url")
_SUMMARY = ("summary", "episode_summary", "notes", "show_notes")
_TAGS = ("tags", "topics", "keywords", "hashtags", "categories")
_LANGUAGES = ("languages", "language", "lang")
_ENTITY = ("entity", "entity_name", "name", "mention", "surface", "person")
_TYPE = ("type", "entity_type")
_ROLE = ("role",)
_HREF = ("href", "entity_url", "profile_url", "profile")
_DESCRIPTION = ("description", "entity_description")
# Wide-format columns mapped without being asked: key -> (type label, role).
_AUTO_COLUMNS: dict[str, tuple[str, str]] = {
    "guest": ("Person", "guest"), "guests": ("Person", "guest"), "host": ("Person", "host"),
    "hosts": ("Person", "host"), "co_host": ("Person", "co-host"), "co_hosts": ("Person", "co-host"),
    "cohost": ("Person", "co-host"), "cohosts": ("Person", "co-host"), "people": ("Person", ""),
    "persons": ("Person", ""), "sponsor": ("Organization", ""), "sponsors": ("Organization", ""),
    "companies": ("Organization", ""), "organizations": ("Organization", ""),
    "products": ("Product", ""), "tools": ("Product", ""),
}
_ROLE_OF_COLUMN = {"guest": "guest", "guests": "guest", "host": "host", "hosts": "host", "co_host": "co-host",
                   "co_hosts": "co-host", "cohost": "co-host", "cohosts": "co-host", "producer": "producer",
                   "producers": "producer"}


def column_key(header: str) -> str:
    """A header cell as a key: NFKC, casefolded, runs of other characters as ``_``.

    >>> column_key(" Episode ID "), column_key("Guest(s)"), column_key("\\ufeffTitle")
    ('episode_id', 'guest_s', 'title')
    """
    text = unicodedata.normalize("NFKC", header).replace("\ufeff", "").casefold()
    return re.sub(r"[^0-9a-z\u00c0-\uffff]+", "_", text).strip("_")


def _decode(data: bytes, source: str) -> tuple[str, list[LoadWarning]]:
    if len(data) >= 4 and data[1] == data[3] == 0 and data[0] and data[2]:
        # UTF-16 without a BOM: every other byte of ASCII text is zero.
        return data.decode("utf-16-le", errors="replace"), []
    if len(data) >= 4 and data[0] == data[2] == 0 and data[1] and data[3]:
        return data.decode("utf-16-be", errors="replace"), []
    return decode_text(data, source)


def _sniff(lines: list[str], suffix: str) -> str:
    if suffix == ".tsv":
        return "\t"
    sample = "\n".join(lines[:50])
    try:
        return csv.Sniffer().sniff(sample, delimiters=_DELIMITERS).delimiter
    except csv.Error:
        header = lines[0] if lines else ""
        counts = {d: header.count(d) for d in _DELIMITERS}
        best = max(counts, key=lambda d: counts[d])
        return best if counts[best] else ","


def looks_like_table(text: str) -> bool:
    """Whether ``text`` starts like a delimited table: a header of two or more named columns.

    >>> looks_like_table("title,guest\\nEp 1,Jane\\n"), looks_like_table("Just a line of prose.")
    (True, False)
    """
    lines = [line for line in text.splitlines()[:20] if line.strip()]
    if not lines:
        return False
    delimiter = _sniff(lines, "")
    header = next(csv.reader([lines[0]], delimiter=delimiter), [])
    return len([h for h in header if column_key(h)]) >= 2 and any(
        column_key(h) in _TITLE + _ID + _ENTITY for h in header)


def _pick(keys: list[str], names: tuple[str, ...]) -> int | None:
    for name in names:
        if name in keys:
            return keys.index(name)
    return None


def _separator(values: list[str]) -> str | None:
    for sep in (";", "|", ","):
        if any(sep in v for v in values):
            return sep
    return None


_LEGAL_SUFFIX = re.compile(r"^(inc|llc|ltd|co|corp|plc|gmbh|ag|s\.?a|l\.?p)\.?$", re.I)


def _split(cell: str, sep: str | None) -> list[str]:
    """The values of a cell; a comma before a legal suffix ("Acme, Inc.") does not split.

    >>> _split("Acme Cloud, Inc., Globex", ","), _split("Jane Doe | Bob Roe", "|")
    (['Acme Cloud, Inc.', 'Globex'], ['Jane Doe', 'Bob Roe'])
    """
    parts = [" ".join(p.split()) for p in (cell.split(sep) if sep else [cell])]
    values: list[str] = []
    for part in parts:
        if values and sep == "," and _LEGAL_SUFFIX.match(part):
            values[-1] += f", {part}"
        elif part:
            values.append(part)
    return values


class _Table:
    def __init__(self, source: str, header: list[str], rows: list[tuple[int, list[str]]],
                 column_map: Mapping[str, str]) -> None:
        self.source = source
        self.keys = [column_key(h) for h in header]
        self.rows = rows
        self.warnings: list[LoadWarning] = []
        self.col = {name: _pick(self.keys, names) for name, names in {
            "id": _ID, "title": _TITLE, "show": _SHOW, "date": _DATE, "duration": _DURATION, "url": _URL,
            "summary": _SUMMARY, "tags": _TAGS, "languages": _LANGUAGES, "entity": _ENTITY, "type": _TYPE,
            "role": _ROLE, "href": _HREF, "description": _DESCRIPTION}.items()}
        self.mapped: dict[int, tuple[str, str]] = {}
        wanted = {column_key(k): v for k, v in column_map.items()}
        for i, key in enumerate(self.keys):
            if key in wanted:
                kind = wanted[key]
                person = EntityType.from_label(kind) is EntityType.PERSON
                role = _ROLE_OF_COLUMN.get(key, "") if person else ""
                self.mapped[i] = (kind, role)
            elif key in _AUTO_COLUMNS and not wanted.get(key):
                self.mapped[i] = _AUTO_COLUMNS[key]
        self.wide = bool(wanted) or self.col["entity"] is None

    def warn(self, line: int, message: str) -> None:
        self.warnings.append(LoadWarning(source=Source(file=self.source, line=line), message=message))

    def cell(self, row: list[str], name: str) -> str:
        i = self.col[name]
        return " ".join(row[i].split()) if i is not None and i < len(row) else ""

    def base_fields(self, line: int, row: list[str]) -> dict[str, Any] | None:
        title, record_id, show = self.cell(row, "title"), self.cell(row, "id"), self.cell(row, "show")
        if not title and not record_id:
            self.warn(line, "row has no episode title or id; skipped")
            return None
        date_text = self.cell(row, "date")
        published = parse_feed_date(date_text) if date_text else None
        if date_text and published is None:
            self.warn(line, f"unreadable date {date_text[:40]!r}; ignored")
        duration_text = self.cell(row, "duration")
        duration = parse_duration(duration_text) if duration_text else None
        if duration_text and duration is None:
            self.warn(line, f"unreadable duration {duration_text[:40]!r}; ignored")
        summary_col = self.col["summary"]
        if summary_col is None and self.wide:  # wide rows describe the episode, not an entity
            summary_col = self.col["description"]
        summary = row[summary_col].strip() if summary_col is not None and summary_col < len(row) else ""
        return {
            "id": record_id or Episode.make_id(show, title or record_id), "title": title or record_id,
            "show": show, "published": published, "duration_seconds": duration, "url": self.cell(row, "url"),
            "summary": summary, "tags": _split(self.cell(row, "tags"), _separator([self.cell(row, "tags")])),
            "languages": [x.upper() for x in re.split(r"[/,;| ]+", self.cell(row, "languages")) if x],
            "mentions": [], "source": Source(file=self.source, line=line),
        }

    def episodes(self) -> list[Episode]:
        grouped: dict[str, dict[str, Any]] = {}
        seps = {i: _separator([r[i] for _, r in self.rows if i < len(r)]) for i in self.mapped}
        for line, row in self.rows:
            fields = self.base_fields(line, row)
            if fields is None:
                continue
            fields = grouped.setdefault(fields["id"], fields)
            if self.wide:
                for i, (kind, role) in self.mapped.items():
                    values = _split(row[i], seps[i]) if i < len(row) else []
                    if kind.casefold() in ("topic", "topics", "tag", "tags"):
                        fields["tags"].extend(values)
                    else:
                        fields["mentions"].extend({"surface": v, "type_label": kind, "role": role}
                                                  for v in values)
                continue
            name = self.cell(row, "entity")
            if name:
                fields["mentions"].append({
                    "surface": name, "type_label": self.cell(row, "type"),
                    "role": self.cell(row, "role").casefold(), "href": self.cell(row, "href"),
                    "description": self.cell(row, "description"),
                })
        episodes = []
        for fields in grouped.values():
            try:
                episodes.append(Episode.model_validate(fields))
            except ValidationError as exc:
                first = exc.errors()[0]
                where = ".".join(map(str, first["loc"]))
                self.warn(fields["source"].line, f"row skipped: {where}: {first['msg']}")
        return episodes


def parse_table(text: str, *, source: str = "<text>", column_map: Mapping[str, str] | None = None,
                suffix: str = "") -> LoadResult:
    """Read the episodes of a CSV / TSV table given as text (see the module notes for the layouts).

    Parameters
    ----------
    column_map : mapping, optional
        Wide-format column -> entity type label (``Person``, ``Organization``, ...) or ``topic``.
    suffix : str
        The file's suffix; ``.tsv`` fixes the delimiter to a tab.

    Raises
    ------
    InputError
        If the table has no header, a ``column_map`` type is not an entity type, or no row is an episode.
    """
    column_map = dict(column_map or {})
    for column, kind in column_map.items():
        if kind.casefold() not in ("topic", "topics", "tag", "tags") and EntityType.known_label(kind) is None:
            raise InputError(source, f"column map {column}={kind}: {kind!r} is not an entity type or 'topic'")
    lines = text.splitlines()
    first = 0
    while first < len(lines) and not lines[first].strip():
        first += 1
    delimiter = None
    if first < len(lines) and re.fullmatch(r"\s*sep=(.)\s*", lines[first]):  # Excel's delimiter line
        delimiter = lines[first].strip()[4]
        first += 1
    if first >= len(lines):
        raise InputError(source, "empty table")
    delimiter = delimiter or _sniff(lines[first:first + 50], suffix)
    with gc_paused():
        offset = sum(len(line) for line in text.splitlines(keepends=True)[:first])
        reader = csv.reader(io.StringIO(text[offset:], newline=""), delimiter=delimiter)
        try:
            header = next(reader)
        except csv.Error as exc:
            raise InputError(source, f"unreadable header ({exc})") from None
        rows: list[tuple[int, list[str]]] = []
        warnings: list[LoadWarning] = []
        seen: dict[tuple[str, ...], int] = {}
        end = first + reader.line_num
        while True:
            start = end + 1
            try:
                row = next(reader)
            except StopIteration:
                break
            except csv.Error as exc:
                end = first + reader.line_num
                warnings.append(LoadWarning(source=Source(file=source, line=start),
                                            message=f"bad row ({exc}); skipped"))
                continue
            end = first + reader.line_num
            if not any(cell.strip() for cell in row):
                continue
            if len(row) > len(header) and any(cell.strip() for cell in row[len(header):]):
                warnings.append(LoadWarning(source=Source(file=source, line=start),
                                            message=f"bad row: {len(row)} fields, the header has "
                                                    f"{len(header)}; skipped"))
                continue
            key = tuple(cell.strip() for cell in row[:len(header)])
            if key in seen:
                warnings.append(LoadWarning(source=Source(file=source, line=start),
                                            message=f"duplicate of line {seen[key]}; skipped"))
                continue
            seen[key] = start
            rows.append((start, row))
        table = _Table(source, header, rows, column_map)
        if table.col["title"] is None and table.col["id"] is None:
            raise InputError(source, f"table has no episode column (one of: {', '.join(_TITLE + _ID)})")
        episodes = table.episodes()
        if not episodes:
            raise InputError(source, "table holds no episode")
        kept, duplicates = dedupe_episodes(episodes)
    warnings = sorted([*warnings, *table.warnings], key=lambda w: w.source.line or 0)
    return make_result(kept, [*warnings, *duplicates])


def read_table(path: str | Path, *, column_map: Mapping[str, str] | None = None) -> LoadResult:
    """Read the episodes of a CSV / TSV file (encoding and delimiter sniffed).

    Raises
    ------
    InputError
        If the file cannot be read or holds no episode (see :func:`parse_table`).
    """
    name = str(path)
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise InputError(name, f"cannot read file ({exc.strerror or exc})") from None
    text, warnings = _decode(data, name)
    result = parse_table(text, source=name, column_map=column_map, suffix=Path(path).suffix.lower())
    return make_result(result.episodes, [*warnings, *result.warnings])
