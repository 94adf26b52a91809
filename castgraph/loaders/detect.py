"""Read episodes from files and directories, choosing the loader by content.

Files are recognized by what they hold, not only by their name: text that starts
with ``{`` or ``[`` is read as JSON / JSONL records, text with episode headers as
a podcast-app page. A directory loads every ``.json``, ``.jsonl``, ``.ndjson`` and
``.txt`` file under it (recursively, in sorted order; hidden files and castgraph's
own output folders are skipped, so ``castgraph build .`` never reads what it wrote).
A path that is not a regular file (a pipe, a device) is refused rather than waited on.

Examples
--------
>>> import tempfile
>>> folder = Path(tempfile.mkdtemp())
>>> _ = (folder / "b.txt").write_text('{"title": "Two", "id": "e2"}\\n{"title": "One", "id": "e1"}\\n')
>>> _ = (folder / "a.json").write_text('[{"title": "One", "id": "e1", "summary": "longer"}]')
>>> result = read_episodes([folder])
>>> [(e.id, e.summary) for e in result.episodes], len(result.warnings)
([('e1', 'longer'), ('e2', '')], 1)
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from pathlib import Path
from typing import Literal

from castgraph.loaders.base import LoadResult, dedupe_episodes, make_result
from castgraph.loaders.errors import InputError
from castgraph.loaders.page import looks_like_page, read_page
from castgraph.loaders.records import read_records
from castgraph.memory import gc_paused

__all__ = ["SUPPORTED_SUFFIXES", "detect_format", "expand_paths", "read_episodes", "read_file"]

SUPPORTED_SUFFIXES = (".json", ".jsonl", ".ndjson", ".txt")
_PEEK = 1 << 16


def detect_format(head: bytes, name: str = "<text>") -> Literal["records", "page"]:
    """Say how to read a file from its first bytes.

    Raises
    ------
    InputError
        If the bytes are empty, binary, or neither records nor a page.

    >>> detect_format(b'  {"title": "x"}'), detect_format(b"Title\\n12:00\\nEN\\n")
    ('records', 'page')
    """
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        head = head.decode("utf-16", errors="replace").encode("utf-8")
    text = head.removeprefix(b"\xef\xbb\xbf").strip()
    if not text:
        raise InputError(name, "empty file")
    # Records first: a NUL byte inside one JSONL line spoils that record, not the file.
    if text[:1] in (b"{", b"["):
        return "records"
    if b"\x00" in text:
        raise InputError(name, "binary file, not episode records or a podcast page")
    if looks_like_page(text.decode("utf-8", errors="replace")):
        return "page"
    raise InputError(
        name,
        "unrecognized content: neither JSON/JSONL records nor a podcast page (no title + duration lines)",
    )


def read_file(path: str | Path, *, as_of: date | None = None) -> LoadResult:
    """Read one file with the loader its content calls for.

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
    if detect_format(head, name) == "records":
        return read_records(path, as_of=as_of)
    return read_page(path, as_of=as_of)


# Files only castgraph writes into an output folder (the build lock, the query index cache).
_OUTPUT_MARKERS = (".castgraph.lock", ".graph.json.qindex")


def _output_folders(root: Path) -> set[Path]:
    """Folders under ``root`` (itself included) that castgraph wrote its outputs into."""
    return {marker.parent for name in _OUTPUT_MARKERS for marker in root.rglob(name)}


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
                and p.suffix.lower() in SUPPORTED_SUFFIXES
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


def read_episodes(paths: Iterable[str | Path], *, as_of: date | None = None) -> LoadResult:
    """Read every episode from ``paths`` (files or directories).

    The same files give the same episodes in the same order, whatever order they
    are given in: files are read in sorted order, an episode found twice (same id)
    is kept once (the fullest copy, with a warning), and episodes are sorted by
    file, then line or record.

    Parameters
    ----------
    paths : iterable of str or Path
        Files and directories.
    as_of : datetime.date, optional
        The day pages were captured; turns ages ("3日前") into published dates.

    Raises
    ------
    InputError
        If no path is given, or any file cannot be read, is empty or unrecognizable, or holds no episode.
    """
    if isinstance(paths, str | Path):  # one path given bare, not a list of its characters
        paths = [paths]
    files = expand_paths(paths)
    if not files:
        raise InputError("<inputs>", "no input files given")
    episodes = []
    warnings = []
    with gc_paused():
        for file in files:
            result = read_file(file, as_of=as_of)
            episodes.extend(result.episodes)
            warnings.extend(result.warnings)
        kept, duplicates = dedupe_episodes(episodes)
    return make_result(kept, [*warnings, *duplicates])
