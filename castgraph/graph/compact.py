"""The compact store: a graph's columns in one binary file beside graph.json.

``graph.store`` holds :class:`castgraph.graph.tables.GraphTables` as raw little-endian
arrays (the mention columns), JSON (node records and distinct column values) and a
JSON header. Reading it is a file read plus ``np.frombuffer``; nothing in it is ever
executed or unpickled. Queries, ``build --into`` and exports read it instead of
parsing graph.json; it records the graph.json it was written with, so an edited or
replaced graph.json wins over a stale store.

Examples
--------
>>> import tempfile
>>> from castgraph.graph.tables import GraphTables
>>> from castgraph.graph.model import Entity, EntityType, Episode, Mention, Resolution
>>> ep = Episode(id="e1", title="T", tags=["ai"], mentions=[Mention(surface="swyx", type_label="Person")])
>>> res = Resolution(entities=[Entity(id="entity:1", name="swyx", type=EntityType.PERSON,
...                                   mention_ids=["e1#0"])], assignments={"e1#0": "entity:1"})
>>> tables = GraphTables.from_build([ep], res)
>>> with tempfile.TemporaryDirectory() as d:
...     _ = write_store(tables, Path(d) / STORE_FILE)
...     back = read_store(Path(d) / STORE_FILE)
>>> back.counts(), back.m_cols["surface"].take()
({'episodes': 1, 'entities': 1, 'topics': 1, 'mentions': 1}, ['swyx'])
"""

from __future__ import annotations

import hashlib
import json
import mmap
import os
import shutil
import struct
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

import numpy as np

from castgraph.errors import CastgraphError
from castgraph.graph.json_bytes import compact_json, json_encoder, loads_json
from castgraph.outputs import atomic_open

# The schema and columns (and with them the graph model) load when a store is written or
# read whole: the query index, written by the same section functions, needs neither.
if TYPE_CHECKING:
    from castgraph.graph.tables import GraphTables

#: What a section's data may be.
Buffer = bytes | bytearray | memoryview

__all__ = [
    "STORE_FILE", "compact_json", "file_key", "json_encoder", "read_sections", "read_store", "write_sections",
    "write_store",
]

STORE_FILE = "graph.store"
_MAGIC = b"CGSTORE1"
_SAMPLE = 1 << 20
# Only plain numbers are read back (np.frombuffer never unpickles).
_DTYPES = {"<i4", "<i8", "<f8"}


def file_key(path: str | Path) -> dict[str, Any]:
    """What identifies a written file: size, mtime and a hash of its first and last MiB.

    Hashing the whole file would cost as much as reading it; size + mtime + the two ends
    catch every rewrite castgraph makes (each is a new file renamed into place).
    """
    path = Path(path)
    stat = path.stat()
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        digest.update(fh.read(_SAMPLE))
        if stat.st_size > _SAMPLE:
            fh.seek(max(_SAMPLE, stat.st_size - _SAMPLE))
            digest.update(fh.read(_SAMPLE))
    # The inode ties the key to this very file: every write is a new file renamed into place.
    return {"inode": stat.st_ino, "size": stat.st_size, "mtime_ns": stat.st_mtime_ns,
            "sha256": digest.hexdigest()}


def write_sections(path: str | Path, magic: bytes, meta: dict[str, Any],
                   sections: Iterable[tuple[str, str, Buffer]]) -> None:
    """Write ``magic``, a JSON header (``meta`` plus where each section is) and the sections,
    atomically (temp file + rename). A section is ``(name, kind, data)``; ``kind`` is
    ``"json"``, ``"bytes"`` or a numpy dtype string.

    ``sections`` may be made one at a time (a generator): each is then written as soon as it is
    made and let go, so that no more than one section is held at once (the query index of a
    million episodes holds 1.5 GB). Their header is known only at the end: the file keeps
    :data:`_HEADER_ROOM` bytes for it before the first section, and the header is written there,
    padded with spaces (JSON allows them); a header too long for that room (hundreds of
    sections) has the sections moved behind a header of its own size.
    """
    if isinstance(sections, list):
        header = _header(meta, sections)
        with atomic_open(path, "wb") as fh:
            fh.write(magic + header)
            for _, _, data in sections:
                fh.write(data)
        return
    places: list[tuple[str, str, int]] = []
    with atomic_open(path, "w+b") as fh:
        start = len(magic) + 8 + _HEADER_ROOM
        fh.write(magic + b"\0" * (8 + _HEADER_ROOM))
        for name, kind, data in sections:
            fh.write(data)
            places.append((name, kind, memoryview(data).nbytes))
            del data
        header = _header(meta, places, room=_HEADER_ROOM)
        if len(header) == 8 + _HEADER_ROOM:
            fh.seek(len(magic))
            fh.write(header)
            return
        fh.flush()
        with tempfile.TemporaryFile(dir=Path(path).parent) as body:
            _copy_all(fh, body, start)
            body.flush()
            fh.seek(0)
            fh.truncate()
            fh.write(magic + _header(meta, places))
            fh.flush()
            _copy_all(body, fh)


# Bytes kept for the header of sections written one at a time: a few hundred bytes a section.
_HEADER_ROOM = 1 << 16


def _header(meta: dict[str, Any], sections: Sequence[tuple[str, str, Any]], room: int = 0) -> bytes:
    """The size and JSON header of ``sections`` (``(name, kind, data or its length)``); with
    ``room``, padded with spaces to that size if it fits."""
    header, offset = [], 0
    for name, kind, data in sections:
        length = data if isinstance(data, int) else memoryview(data).nbytes
        header.append({"name": name, "kind": kind, "offset": offset, "length": length})
        offset += length
    head = json.dumps({**meta, "sections": header}).encode("utf-8")
    if len(head) <= room:
        head = head.ljust(room)
    return struct.pack("<Q", len(head)) + head


def _copy_all(source: IO[bytes], target: IO[Any], start: int = 0) -> None:
    """Copy ``source`` from ``start`` to its end to the end of ``target``: in the kernel where it can."""
    size = os.fstat(source.fileno()).st_size
    at = start
    copy_range = getattr(os, "copy_file_range", None)
    if copy_range is not None:
        try:
            while at < size:
                done = copy_range(source.fileno(), target.fileno(), size - at, at)
                if done == 0:
                    break
                at += done
        except OSError:  # not between these files (another file system, an old kernel): by hand
            pass
    source.seek(at)
    shutil.copyfileobj(source, target, 16 << 20)


def read_sections(path: str | Path, magic: bytes, *, lazy: bool = False,
                  expect: dict[str, Any] | None = None) -> tuple[dict[str, Any], dict[str, Any]] | None:
    """The header and decoded sections of a file :func:`write_sections` wrote; ``None`` when the
    file is missing, of another kind, cut short, or its header lacks the ``expect`` values.

    With ``lazy`` the file is memory-mapped and ``"json"``/``"bytes"`` sections come back as
    undecoded memory views: only what a reader touches is read from disk.
    """
    try:
        with Path(path).open("rb") as fh:
            if lazy:
                try:
                    raw: Any = memoryview(mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ))
                except ValueError:  # an empty file cannot be mapped
                    return None
            else:
                raw = fh.read()
    except OSError:
        return None
    if bytes(raw[:len(magic)]) != magic:
        return None
    try:
        at = len(magic)
        (size,) = struct.unpack("<Q", bytes(raw[at:at + 8]))
        meta = json.loads(bytes(raw[at + 8:at + 8 + size]))
        if any(meta.get(k) != v for k, v in (expect or {}).items()):
            return None
        body = memoryview(raw)[at + 8 + size:]
        parts: dict[str, Any] = {}
        for sec in meta["sections"]:
            if sec["offset"] + sec["length"] > len(body):
                return None
            chunk = body[sec["offset"]:sec["offset"] + sec["length"]]
            if sec["kind"] in ("json", "bytes") and lazy:
                parts[sec["name"]] = chunk
            elif sec["kind"] == "json":
                parts[sec["name"]] = loads_json(bytes(chunk))
            elif sec["kind"] == "bytes":
                parts[sec["name"]] = bytes(chunk)
            elif sec["kind"] in _DTYPES:
                parts[sec["name"]] = np.frombuffer(chunk, dtype=np.dtype(sec["kind"]))
            else:
                return None
        return meta, parts
    except (ValueError, KeyError, TypeError, struct.error):
        return None




def write_store(tables: GraphTables, path: str | Path, *, graph_json: dict[str, Any] | None = None) -> Path:
    """Write ``tables`` to ``path``; ``graph_json`` is the :func:`file_key` of the graph.json
    written from the same tables (``None`` when none was)."""
    from castgraph.graph.schema import SCHEMA_VERSION

    sections: list[tuple[str, str, bytes]] = [
        ("episodes", "json", compact_json(tables.episodes, checked=tables.plain_records)),
        ("entities", "json", compact_json(tables.entities, checked=tables.plain_records)),
        ("topics", "json", compact_json(tables.topics, checked=tables.plain_records)),
    ]
    for name in ("m_ep", "m_ent", "m_ord", "ept_ptr", "ept_idx"):
        arr = getattr(tables, name)
        sections.append((name, arr.dtype.str, np.ascontiguousarray(arr).tobytes()))
    for name, column in tables.m_cols.items():
        sections.append((f"col.{name}.values", "json", compact_json(column.values)))
        sections.append((f"col.{name}.codes", column.codes.dtype.str, column.codes.tobytes()))
    # Records orjson writes as json does stay so once read back: a reader need not check them again.
    meta = {"schema_version": SCHEMA_VERSION, "graph": tables.graph_attrs, "columns": list(tables.m_cols),
            "counts": tables.counts(), "graph_json": graph_json, "plain_records": tables.plain_records}
    write_sections(path, _MAGIC, meta, sections)
    return Path(path)


def store_header(path: str | Path) -> dict[str, Any] | None:
    """The header of a store file (without reading its body), or ``None``."""
    try:
        with Path(path).open("rb") as fh:
            if fh.read(len(_MAGIC)) != _MAGIC:
                return None
            (size,) = struct.unpack("<Q", fh.read(8))
            value = json.loads(fh.read(size))
            return value if isinstance(value, dict) else None
    except (OSError, ValueError, struct.error):
        return None


def read_store(path: str | Path) -> GraphTables:
    """Read a store file; one that is damaged or of another version is a :class:`CastgraphError`."""
    from castgraph.graph.schema import SCHEMA_VERSION
    from castgraph.graph.tables import Coded, GraphTables

    found = read_sections(path, _MAGIC)
    if found is None:
        raise CastgraphError(f"{path}: not a castgraph store (damaged or cut short); build again")
    meta, parts = found
    if meta.get("schema_version") != SCHEMA_VERSION:
        raise CastgraphError(f"{path}: store schema version {meta.get('schema_version')!r}, "
                             f"this castgraph reads {SCHEMA_VERSION}; build again")
    try:
        columns = {name: Coded(list(parts[f"col.{name}.values"]), parts[f"col.{name}.codes"])
                   for name in meta["columns"]}
        return GraphTables(
            episodes=parts["episodes"], entities=parts["entities"], topics=parts["topics"],
            m_ep=parts["m_ep"], m_ent=parts["m_ent"], m_ord=parts["m_ord"], m_cols=columns,
            ept_ptr=parts["ept_ptr"], ept_idx=parts["ept_idx"], graph_attrs=dict(meta.get("graph") or {}),
            plain_records=meta.get("plain_records") is True,
        )
    except KeyError as exc:
        raise CastgraphError(f"{path}: not a castgraph store (no {exc}); build again") from None
