"""The query index on disk: its cache file, and the columns read back from it on demand.

:func:`write_index` keeps a :class:`~castgraph.queries.index.GraphIndex` next to graph.json
(:data:`INDEX_FILE`) so that a cold command does not parse the JSON again;
:func:`read_index` maps it back. The format is plain arrays, JSON and UTF-8 text: reading
it never executes anything. What is read stays encoded until a query asks for it: a
:class:`JsonColumn` decodes its items one at a time, a :class:`TextBlob` its strings.

This module is on the path of every cold query: it imports numpy and orjson, not the
code that builds an index (:mod:`castgraph.queries.index_build`).

Examples
--------
>>> import tempfile
>>> from castgraph.queries.index import GraphIndex
>>> tables = {"ep_ids": ["episode:e1"], "ep_title": ["Hello"]}
>>> arrays, blobs = {"ep_rank": np.zeros(1, dtype=np.int32)}, {"ent_desc": TextBlob.of(["A host"])}
>>> index = GraphIndex(tables, arrays, blobs)
>>> with tempfile.TemporaryDirectory() as d:
...     path = Path(d) / INDEX_FILE
...     write_index(index, path, {"size": 1})
...     stale, cached = (read_index(path, {"size": n}) for n in (2, 1))
...     stale, cached.ep_title[0], type(cached.ep_title).__name__, cached.description(0)
(None, 'Hello', 'JsonColumn', 'A host')
"""

from __future__ import annotations

import json
import operator
from collections.abc import Callable, Iterator, Mapping, Sequence, Sized
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import orjson

from castgraph.graph.compact import Buffer, file_key, read_sections, write_sections
from castgraph.graph.json_bytes import compact_json

if TYPE_CHECKING:
    from castgraph.queries.index import GraphIndex

__all__ = ["INDEX_FILE", "JsonColumn", "LazyTables", "TextBlob", "cache_key", "item_offsets", "read_index",
           "write_index", "write_index_parts"]

INDEX_FILE = ".graph.json.qindex"
_MAGIC = b"CGQIDX06"


class TextBlob:
    """Many strings kept as one UTF-8 buffer plus offsets, decoded one at a time on demand."""

    def __init__(self, data: bytes, offsets: np.ndarray) -> None:
        self.data = data
        self.offsets = offsets

    @classmethod
    def of(cls, items: list[str]) -> TextBlob:
        text = "".join(items)
        data = text.encode("utf-8")
        # All ASCII (one byte per character): the lengths are the strings' own.
        parts = items if len(data) == len(text) else [item.encode("utf-8") for item in items]
        return cls(data, _offsets(parts))

    @classmethod
    def of_bytes(cls, parts: list[bytes]) -> TextBlob:
        return cls(b"".join(parts), _offsets(parts))

    @classmethod
    def of_json(cls, items: list[Any], *, checked: bool = False) -> TextBlob:
        """The JSON text of each of ``items``, as :func:`compact_json` writes it, made by one
        encoding of the whole list (``checked`` as there): no bytes object per item, whose
        million small buffers leave the allocator's heap in pieces (the chapters of 300k
        episodes raised the resident set by 0.78 GB for a 73 MB blob).

        >>> items = [[{"title": "Intro, part 1", "start": 0}], [], ["]", None]]
        >>> blob = TextBlob.of_json(items)
        >>> [blob[i] for i in range(3)]
        ['[{"title":"Intro, part 1","start":0}]', '[]', '["]",null]']
        >>> blob.data == TextBlob.of_bytes([compact_json(v) for v in items]).data
        True
        """
        if not items:
            return cls(b"", np.zeros(1, dtype=np.int64))
        data, offsets = item_offsets(items, checked=checked)
        # The array's "[" goes, and the "," (or the last "]") after each item.
        cut = np.delete(np.frombuffer(data, dtype=np.uint8), np.concatenate(([0], offsets[1:] - 1)))
        return cls(cut.tobytes(), offsets - 1 - np.arange(len(offsets), dtype=np.int64))

    def __getitem__(self, i: int) -> str:
        return bytes(self.data[self.offsets[i]:self.offsets[i + 1]]).decode("utf-8")


def _offsets(parts: Sequence[Sized]) -> np.ndarray:
    """Where each of ``parts`` starts when they are joined, and the end of the last."""
    offsets = np.zeros(len(parts) + 1, dtype=np.int64)
    np.cumsum(np.fromiter(map(len, parts), dtype=np.int64, count=len(parts)), out=offsets[1:])
    return offsets


def _loads(data: bytes) -> Any:
    """JSON as :func:`json.loads` reads it: with orjson, several times faster, unless it refuses
    (NaN, integers beyond 64 bits), where json reads it."""
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError:
        return json.loads(data)


def _backslashes_before(data: bytes, at: int) -> int:
    start = at
    while data[at - 1] == 0x5C:  # "\\"
        at -= 1
    return start - at


def item_offsets(items: list[Any], *, checked: bool = False) -> tuple[bytes, np.ndarray]:
    r"""``items`` as one JSON array, and where each item's JSON starts in it (then the array's end).

    Item ``i`` is ``data[offsets[i]:offsets[i + 1] - 1]`` (the comma, or for the last the
    closing bracket, left out): a query decodes the few items it reads, not the column.
    The array is written whole, as before; the items' starts are the commas outside strings
    and nested lists, found by a few passes of numpy over the bytes (not an encoding per item).

    >>> data, offsets = item_offsets(['a,"b"', None, ["c]", "d\\"], 7])
    >>> [data[a:b - 1].decode() for a, b in zip(offsets, offsets[1:])]
    ['"a,\\"b\\""', 'null', '["c]","d\\\\"]', '7']
    """
    data = compact_json(items, checked=checked)
    if not items:
        return data, np.array([len(data)], dtype=np.int64)
    b = np.frombuffer(data, dtype=np.uint8)
    quotes = np.flatnonzero(b == ord('"'))
    # A quote is escaped when an odd number of backslashes stands before it (rare: look one by one).
    maybe = quotes[b[quotes - 1] == ord("\\")]
    if len(maybe):
        escaped = [q for q in maybe.tolist() if _backslashes_before(data, q) % 2]
        quotes = np.setdiff1d(quotes, np.asarray(escaped, dtype=np.int64))

    def outside(at: np.ndarray) -> np.ndarray:  # positions not inside a string
        return at[np.searchsorted(quotes, at) % 2 == 0]

    commas = outside(np.flatnonzero(b == ord(",")))
    if data.count(b"[") > 1 or b"{" in data:  # nested lists or maps: only commas at depth 1 count
        opens = outside(np.flatnonzero((b == ord("[")) | (b == ord("{"))))
        closes = outside(np.flatnonzero((b == ord("]")) | (b == ord("}"))))
        commas = commas[np.searchsorted(opens, commas) - np.searchsorted(closes, commas) == 1]
    offsets = np.empty(len(commas) + 2, dtype=np.int64)
    offsets[0], offsets[-1] = 1, len(data)
    offsets[1:-1] = commas + 1
    if len(offsets) != len(items) + 1:  # cannot happen for JSON compact_json wrote
        raise ValueError("column items not found in its JSON")
    return data, offsets


class JsonColumn(Sequence[Any]):
    """A column (a JSON array) read from a cached index: items decoded one at a time until so
    many are asked for that decoding the whole array at once is cheaper.

    >>> data, offsets = item_offsets(["a", None, ["b"]])
    >>> column = JsonColumn(data, offsets)
    >>> column[1], column[-1], len(column), list(column), column == ["a", None, ["b"]]
    (None, ['b'], 3, ['a', None, ['b']], True)
    """

    # After this many single items, or an eighth of a long column (an item alone costs several
    # times its share of the whole array), or one pass over the column, the whole is decoded.
    _DECODE_ALL_AFTER = 512

    def __init__(self, data: bytes | memoryview, offsets: np.ndarray) -> None:
        self.data = data
        self.offsets = offsets
        self.size = len(offsets) - 1
        self.items: list[Any] | None = None
        self.reads = 0
        self.reads_allowed = max(self._DECODE_ALL_AFTER, self.size // 8)

    def all(self) -> list[Any]:
        """Every item, decoded once."""
        if self.items is None:
            self.items = _loads(bytes(self.data))
        return self.items

    def __len__(self) -> int:
        return self.size

    def __getitem__(self, i: Any) -> Any:
        if self.items is not None:
            return self.items[i]
        if isinstance(i, slice):
            return self.all()[i]
        i = operator.index(i)  # numpy integers too
        if i < 0:
            i += self.size
        if not 0 <= i < self.size:
            raise IndexError("column index out of range")
        self.reads += 1
        if self.reads > self.reads_allowed:
            return self.all()[i]
        offsets = self.offsets
        return _loads(bytes(self.data[offsets[i]:offsets[i + 1] - 1]))

    def __iter__(self) -> Iterator[Any]:
        return iter(self.all())

    def holding(self, text: str) -> list[int]:
        """Positions of the items that may be or hold the string ``text``, ascending: those whose
        JSON contains its JSON (a search of the bytes; nothing is decoded)."""
        needle, data = compact_json(text), bytes(self.data)
        found: list[int] = []
        at = data.find(needle)
        while at != -1:
            found.append(at)
            at = data.find(needle, at + 1)
        return sorted(set((np.searchsorted(self.offsets, np.asarray(found, dtype=np.int64), side="right") - 1)
                          .tolist()))

    def __eq__(self, other: object) -> bool:
        if isinstance(other, JsonColumn):
            other = other.all()
        return self.all() == other if isinstance(other, list) else NotImplemented

    __hash__ = None  # type: ignore[assignment]


class LazyTables(Mapping[str, Any]):
    """Tables kept as JSON bytes until one is asked for; a column with item offsets comes back
    as a :class:`JsonColumn` (decoded as read), the others decoded whole on first use."""

    def __init__(self, raw: Mapping[str, bytes | memoryview],
                 offsets: Mapping[str, np.ndarray] | None = None) -> None:
        self.raw = raw
        self.offsets = offsets or {}
        self.decoded: dict[str, Any] = {}

    def __getitem__(self, key: str) -> Any:
        if key not in self.decoded:
            at = self.offsets.get(key)
            self.decoded[key] = _loads(bytes(self.raw[key])) if at is None else JsonColumn(self.raw[key], at)
        return self.decoded[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self.raw)

    def __len__(self) -> int:
        return len(self.raw)


def cache_key(graph_file: str | Path) -> dict[str, Any]:
    """What identifies the graph file an index was made from (see :func:`castgraph.graph.compact.file_key`).

    The inode is part of it: every write is a new file renamed into place, so an index made
    for another build's graph never matches.
    """
    return file_key(graph_file)


def write_index(index: GraphIndex, path: str | Path, key: dict[str, Any]) -> None:
    """Write ``index`` to ``path`` (atomically), tagged with the graph's ``key``."""
    write_index_parts(index.tables, index.arrays, index.blobs, path, key)


def write_index_parts(tables: Mapping[str, Any], arrays: Mapping[str, np.ndarray],
                      blobs: Mapping[str, TextBlob | Callable[[], TextBlob]], path: str | Path,
                      key: dict[str, Any]) -> None:
    """Write the index of these parts as a :class:`~castgraph.queries.index.GraphIndex` of them, section by
    section: a blob given as a function is made, written and let go before the next (see
    :func:`castgraph.queries.index_build.index_makers`)."""
    write_sections(path, _MAGIC, {"key": key}, _sections(tables, arrays, blobs))


def _sections(tables: Mapping[str, Any], arrays: Mapping[str, np.ndarray],
              blobs: Mapping[str, TextBlob | Callable[[], TextBlob]]) -> Iterator[tuple[str, str, Buffer]]:
    """The file sections of an index, in the file's order, made one at a time."""
    for name in tables:
        value = tables[name]
        if isinstance(value, (list, JsonColumn)):
            # A column: with where each item starts, so that a query decodes only what it reads.
            data, offsets = item_offsets(list(value))
            yield f"table.{name}", "bytes", data
            yield f"table.{name}.offsets", offsets.dtype.str, offsets.tobytes()
        else:
            yield f"table.{name}", "bytes", compact_json(value)
    for name, arr in sorted(arrays.items()):
        yield name, arr.dtype.str, np.ascontiguousarray(arr).tobytes()
    for name in sorted(blobs):
        made = blobs[name]
        blob = made() if callable(made) else made
        yield f"{name}.data", "bytes", bytes(blob.data)
        yield f"{name}.offsets", blob.offsets.dtype.str, blob.offsets.tobytes()
        del blob, made  # the next one is made once this one is written


def read_index(path: str | Path, key: dict[str, Any]) -> GraphIndex | None:
    """The index cached at ``path`` if it was written for ``key``, else ``None``.

    The file is mapped, not read: a query touches the pages of the few postings and
    columns it needs; tables are decoded on first use.
    """
    # Imported here, not at the top: castgraph.queries.index imports this module.
    from castgraph.queries.index import GraphIndex

    found = read_sections(path, _MAGIC, lazy=True, expect={"key": key})
    if found is None:
        return None
    _, parts = found
    try:
        tables = LazyTables({name[6:]: parts[name] for name in parts
                             if name.startswith("table.") and not name.endswith(".offsets")},
                            {name[6:-8]: parts[name] for name in parts
                             if name.startswith("table.") and name.endswith(".offsets")})
        blobs = {name[:-5]: TextBlob(parts[name], parts[name[:-5] + ".offsets"])
                 for name in parts if name.endswith(".data")}
        arrays = {name: value for name, value in parts.items()
                  if isinstance(value, np.ndarray) and not name.endswith(".offsets")}
        return GraphIndex(tables, arrays, blobs)
    except (ValueError, KeyError, TypeError):
        return None  # a damaged cache is rebuilt, never trusted
