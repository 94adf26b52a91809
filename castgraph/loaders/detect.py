"""Read episodes from files and directories, choosing the loader by content.

Files are recognized by what they hold, not only by their name: text that starts
with ``{`` or ``[`` is read as JSON / JSONL records, an ``<rss>`` document as a
podcast feed, text with episode headers as a podcast-app page, and ``.csv`` /
``.tsv`` files (or text with a table header) as a table. A directory loads every
file with one of :data:`SUPPORTED_SUFFIXES` under it (recursively, in sorted order;
hidden files and castgraph's own output folders are skipped, so ``castgraph build .``
never reads what it wrote), and files without a suffix that hold a feed. An http(s)
URL is fetched (see :mod:`castgraph.loaders.fetch`) and read by its content the same
way. A path that is not a regular file (a pipe, a device) is refused rather than
waited on.

Examples
--------
>>> import tempfile
>>> with tempfile.TemporaryDirectory() as name:
...     folder = Path(name)
...     _ = (folder / "b.txt").write_text('{"title": "Two", "id": "e2"}\\n{"title": "One", "id": "e1"}\\n')
...     _ = (folder / "a.json").write_text('[{"title": "One", "id": "e1", "summary": "longer"}]')
...     result = read_episodes([folder])
>>> [(e.id, e.summary) for e in result.episodes], len(result.warnings)
([('e1', 'longer'), ('e2', '')], 1)
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from pathlib import Path
from typing import Literal

from castgraph import progress
from castgraph.loaders.base import LoadResult, dedupe_episodes, make_result
from castgraph.loaders.errors import InputError
from castgraph.loaders.feed import LinkedFiles, looks_like_feed, parse_feed, read_feed
from castgraph.loaders.fetch import Fetcher, default_cache_dir, is_url
from castgraph.loaders.page import looks_like_page, read_page
from castgraph.loaders.records import parse_records, read_records
from castgraph.loaders.table import TABLE_SUFFIXES, looks_like_table, parse_table, read_table
from castgraph.memory import gc_paused

__all__ = ["SUPPORTED_SUFFIXES", "detect_format", "expand_paths", "read_episodes", "read_file", "read_url"]

SUPPORTED_SUFFIXES = (".json", ".jsonl", ".ndjson", ".txt", ".xml", ".rss", *TABLE_SUFFIXES)
_PEEK = 1 << 16
Format = Literal["records", "page", "feed", "table"]


def detect_format(head: bytes, name: str = "<text>") -> Format:
    """Say how to read a file from its first bytes (and, for tables, its name).

    Raises
    ------
    InputError
        If the bytes are empty, binary, or no format castgraph reads.

    >>> detect_format(b'  {"title": "x"}'), detect_format(b"Title\\n12:00\\nEN\\n")
    ('records', 'page')
    >>> detect_format(b'\\n<?xml version="1.0"?><rss>'), detect_format(b"title,guest\\n", "guests.csv")
    ('feed', 'table')
    """
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        head = head.decode("utf-16", errors="replace").encode("utf-8")
    elif len(head) >= 4 and head[1] == head[3] == 0 and head[0] and head[2]:  # UTF-16 LE without a BOM
        head = head.decode("utf-16-le", errors="replace").encode("utf-8")
    elif len(head) >= 4 and head[0] == head[2] == 0 and head[1] and head[3]:  # UTF-16 BE without a BOM
        head = head.decode("utf-16-be", errors="replace").encode("utf-8")
    text = head.removeprefix(b"\xef\xbb\xbf").strip()
    if not text:
        raise InputError(name, "empty file")
    # Records first: a NUL byte inside one JSONL line spoils that record, not the file.
    if text[:1] in (b"{", b"["):
        return "records"
    if b"\x00" in text:
        raise InputError(name, "binary file, not episode records, a feed, a table or a podcast page")
    if looks_like_feed(text):
        return "feed"
    if Path(name).suffix.lower() in TABLE_SUFFIXES:
        return "table"
    decoded = text.decode("utf-8", errors="replace")
    if looks_like_page(decoded):
        return "page"
    if looks_like_table(decoded):
        return "table"
    raise InputError(
        name,
        "unrecognized content: not JSON/JSONL records, an RSS feed, a CSV/TSV table "
        "or a podcast page (no title + duration lines)",
    )


def _linked(base: Path | str, fetcher: Fetcher | None) -> LinkedFiles:
    def fetch(url: str) -> tuple[bytes, str]:
        assert fetcher is not None
        result = fetcher.fetch(url)
        return result.content, result.content_type

    return LinkedFiles(base, fetch if fetcher is not None else None)


def read_file(path: str | Path, *, as_of: date | None = None, column_map: Mapping[str, str] | None = None,
              fetcher: Fetcher | None = None, linked_paths: set[Path] | None = None) -> LoadResult:
    """Read one file with the loader its content calls for.

    ``column_map`` maps table columns to entity types; with a ``fetcher``, the
    chapters and transcripts a feed links to over http(s) are fetched too (local
    ones are always read, and added to ``linked_paths``).

    Raises
    ------
    InputError
        If the file cannot be read, is empty or unrecognizable, or holds no episode.
    """
    name = str(path)
    try:
        with Path(path).open("rb") as handle:
            head = handle.read(_PEEK)
    except OSError as exc:
        raise InputError(name, f"cannot read file ({exc.strerror or exc})") from None
    kind = detect_format(head, name)
    if kind == "records":
        return read_records(path, as_of=as_of)
    if kind == "feed":
        linked = _linked(Path(path).resolve().parent, fetcher)
        try:
            return read_feed(path, linked=linked)
        finally:
            if linked_paths is not None:
                linked_paths.update(linked.local_paths)
    if kind == "table":
        return read_table(path, column_map=column_map)
    return read_page(path, as_of=as_of)


def _size(file: Path) -> int:
    try:
        return file.stat().st_size
    except OSError:  # read_file says why it cannot be read
        return 0


# Files only castgraph writes into an output folder (the build lock, the query index cache).
_OUTPUT_MARKERS = (".castgraph.lock", ".graph.json.qindex")


def _output_folders(root: Path) -> set[Path]:
    """Folders under ``root`` (itself included) that castgraph wrote its outputs into."""
    return {marker.parent for name in _OUTPUT_MARKERS for marker in root.rglob(name)}


def _is_feed(path: Path) -> bool:
    try:
        with path.open("rb") as handle:
            return looks_like_feed(handle.read(_PEEK))
    except OSError:
        return False


def read_url(url: str, fetcher: Fetcher, *, as_of: date | None = None,
             column_map: Mapping[str, str] | None = None, fetch_linked: bool = False) -> LoadResult:
    """Fetch ``url`` and read it by its content: a feed, records or a table.

    Raises
    ------
    InputError
        If the fetch fails or the body is not a feed, records or a table.
    """
    from castgraph.loaders.base import decode_text

    body = fetcher.fetch(url).content
    kind = detect_format(body[:_PEEK], url)
    if kind == "feed":
        linked = _linked(url, fetcher if fetch_linked else None)
        return parse_feed(body, source=url, feed_url=url, linked=linked)
    text, warnings = decode_text(body, url)
    if kind == "records":
        result = parse_records(text, source=url, as_of=as_of)
    elif kind == "table":
        result = parse_table(text, source=url, column_map=column_map)
    else:
        raise InputError(url, "a podcast page is read from a saved file, not a URL")
    return make_result(result.episodes, [*warnings, *result.warnings])


def expand_paths(paths: Iterable[str | Path]) -> list[Path]:
    """The files to read: files as given, directories expanded (recursive, sorted, supported names).

    Raises
    ------
    InputError
        If a path does not exist or a directory holds no supported file.
    """
    files: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            outputs = _output_folders(path)
            found = sorted(
                p
                for p in path.rglob("*")
                if p.is_file()
                and (p.suffix.lower() in SUPPORTED_SUFFIXES or (not p.suffix and _is_feed(p)))
                and not any(part.startswith(".") for part in p.relative_to(path).parts)
                and not any(folder in p.parents for folder in outputs)
            )
            if not found:
                raise InputError(
                    str(path), f"no episode files in directory (looked for {', '.join(SUPPORTED_SUFFIXES)})"
                )
            files.extend(found)
        elif path.is_file():
            files.append(path)
        elif path.exists():
            raise InputError(str(path),
                             "not a regular file (a pipe, socket or device); save it to a file first")
        else:
            raise InputError(str(path), "no such file or directory")
    return sorted(dict.fromkeys(files))


def read_episodes(paths: Iterable[str | Path], *, as_of: date | None = None,
                  column_map: Mapping[str, str] | None = None, fetch_linked: bool = False,
                  fetcher: Fetcher | None = None) -> LoadResult:
    """Read every episode from ``paths`` (files, directories or http(s) URLs).

    The same files give the same episodes in the same order, whatever order they
    are given in: files are read in sorted order, an episode found twice (same id)
    is kept once (the fullest copy, with a warning), and episodes are sorted by
    file, then line or record.

    Parameters
    ----------
    paths : iterable of str or Path
        Files, directories and http(s) URLs (of feeds, records or tables).
    as_of : datetime.date, optional
        The day pages were captured; turns ages ("3日前") into published dates.
    column_map : mapping, optional
        Table column -> entity type or ``topic`` (see :mod:`castgraph.loaders.table`).
    fetch_linked : bool
        Also fetch the http(s) chapters and transcripts that feeds link to.
    fetcher : Fetcher, optional
        How URLs are fetched; by default a :class:`Fetcher` caching in :func:`default_cache_dir`.

    Raises
    ------
    InputError
        If no path is given, or any file cannot be read, is empty or unrecognizable, or holds no episode.
    """
    if isinstance(paths, str | Path):  # one path given bare, not a list of its characters
        paths = [paths]
    paths = list(paths)
    urls = sorted(dict.fromkeys(str(p) for p in paths if is_url(p)))
    files = expand_paths([p for p in paths if not is_url(p)])
    if not files and not urls:
        raise InputError("<inputs>", "no input files given")
    own = fetcher is None and (urls or fetch_linked)
    if own:
        fetcher = Fetcher(default_cache_dir())
    episodes = []
    warnings = []
    try:
        with gc_paused():
            # Feeds first: the chapters and transcripts they read are not inputs of their own.
            linked: set[Path] = set()
            sizes = {file: _size(file) for file in files}
            if sizes:  # bytes: the JSONL loader reports a block at a time (fetched URLs are not counted)
                progress.expect(sum(sizes.values()))
            for file in sorted(files, key=lambda f: not _is_feed(f)):
                if file.resolve() in linked:
                    progress.advance(sizes[file])
                    continue
                with progress.part(sizes[file]):
                    result = read_file(file, as_of=as_of, column_map=column_map,
                                       fetcher=fetcher if fetch_linked else None, linked_paths=linked)
                episodes.extend(result.episodes)
                warnings.extend(result.warnings)
            for url in urls:
                assert fetcher is not None
                result = read_url(url, fetcher, as_of=as_of, column_map=column_map, fetch_linked=fetch_linked)
                episodes.extend(result.episodes)
                warnings.extend(result.warnings)
            kept, duplicates = dedupe_episodes(episodes)
    finally:
        if own and fetcher is not None:
            fetcher.close()
    return make_result(kept, [*warnings, *duplicates])
