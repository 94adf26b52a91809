"""In-memory indexes of a graph for fast queries, and their on-disk cache.

:class:`GraphIndex` holds what the queries need in compact, integer-coded form:
entity -> episodes and episode -> entities postings (CSR arrays), topic postings,
titles, names and, as lazily decoded blobs, chapters and surfaces. It is built once
per loaded graph; :func:`write_index` / :func:`read_index` keep it next to graph.json
so that a cold command does not parse the JSON again. The cache format is plain
arrays, JSON and UTF-8 text: reading it never executes anything.

Examples
--------
>>> from castgraph.graph.build import build_graph
>>> from castgraph.graph.model import Entity, EntityType, Episode, Mention, Resolution
>>> ep = Episode(id="e1", title="Hello", mentions=[Mention(surface="swyx")])
>>> res = Resolution(entities=[Entity(id="entity:1", name="swyx", type=EntityType.PERSON)],
...                  assignments={"e1#0": "entity:1"})
>>> idx = GraphIndex.from_graph(build_graph([ep], res))
>>> idx.entity_episodes(0), idx.surfaces(0, 0)
([0], ['swyx'])
"""

from __future__ import annotations

import hashlib
import json
import struct
from bisect import bisect_right
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np

__all__ = ["INDEX_FILE", "ORIGIN_CODES", "GraphIndex", "cache_key", "read_index", "write_index"]

INDEX_FILE = ".graph.json.qindex"
_MAGIC = b"CGQIDX05"
#: Mention origins as bits of an (episode, entity) origin mask; anything else counts as listed.
ORIGIN_CODES = ("listed", "person_tag", "title_pattern", "hashtag", "text_link")
_SAMPLE = 1 << 20
# Only plain numbers are read back (np.frombuffer never unpickles).
_DTYPES = {"<i4", "<i8"}


class _Blob:
    """Many strings kept as one UTF-8 buffer plus offsets, decoded one at a time on demand."""

    def __init__(self, data: bytes, offsets: np.ndarray) -> None:
        self.data = data
        self.offsets = offsets

    @classmethod
    def of(cls, items: list[str]) -> _Blob:
        parts = [item.encode("utf-8") for item in items]
        offsets = np.zeros(len(parts) + 1, dtype=np.int64)
        np.cumsum([len(p) for p in parts], out=offsets[1:])
        return cls(b"".join(parts), offsets)

    def __getitem__(self, i: int) -> str:
        return self.data[self.offsets[i]:self.offsets[i + 1]].decode("utf-8")


def _csr(rows: list[list[int]]) -> tuple[np.ndarray, np.ndarray]:
    ptr = np.zeros(len(rows) + 1, dtype=np.int64)
    np.cumsum([len(r) for r in rows], out=ptr[1:])
    flat = np.fromiter((x for row in rows for x in row), dtype=np.int32, count=int(ptr[-1]))
    return ptr, flat


def _gather(ptr: np.ndarray, flat: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """The concatenated CSR rows ``rows`` of ``(ptr, flat)``, without a Python loop."""
    starts, lengths = ptr[rows], ptr[rows + 1] - ptr[rows]
    total = int(lengths.sum())
    if total == 0:
        return flat[:0]
    offsets = np.repeat(starts - (np.cumsum(lengths) - lengths), lengths)
    return flat[np.arange(total, dtype=np.int64) + offsets]


def _top(counts: np.ndarray, limit: int) -> list[tuple[int, int]]:
    """``(position, count)`` of the ``limit`` largest non-zero counts: count desc, then position asc."""
    nonzero = np.flatnonzero(counts)
    order = np.lexsort((nonzero, -counts[nonzero]))[:limit]
    return [(int(nonzero[o]), int(counts[nonzero[o]])) for o in order]


def _mention_ref(attrs: Mapping[str, Any]) -> list[Any]:
    """``[origin, field, chapter, timestamp]`` of a MENTIONS edge (no origin: listed)."""
    chapter, timestamp = attrs.get("chapter"), attrs.get("timestamp")
    return [str(attrs.get("origin") or "listed"), str(attrs.get("field") or ""),
            int(chapter) if isinstance(chapter, (int, float)) else None,
            float(timestamp) if isinstance(timestamp, (int, float)) else None]


def _origin_mask(refs: Iterable[tuple[int, str, list[Any]]]) -> int:
    mask = 0
    for _, _, ref in refs:
        origin = ref[0]
        mask |= 1 << (ORIGIN_CODES.index(origin) if origin in ORIGIN_CODES else 0)
    return mask


def _first_owner(pairs: Iterable[tuple[str, str]]) -> dict[str, str]:
    owners: dict[str, str] = {}
    for key, owner in pairs:
        owners.setdefault(key, owner)
    return owners


class GraphIndex:
    """Integer-coded indexes of one castgraph graph (ids sorted, so position order = id order)."""

    def __init__(self, tables: dict[str, Any], arrays: dict[str, np.ndarray],
                 blobs: dict[str, _Blob]) -> None:
        self.tables = tables
        self.arrays = arrays
        self.blobs = blobs
        self.ep_ids: list[str] = tables["ep_ids"]
        self.ep_title: list[str] = tables["ep_title"]
        self.ep_published: list[str | None] = tables["ep_published"]
        self.ent_ids: list[str] = tables["ent_ids"]
        self.ent_name: list[str] = tables["ent_name"]
        self.ent_type: list[str] = tables["ent_type"]
        self.ent_aliases: list[list[str]] = tables["ent_aliases"]
        self.ent_count: list[int] = tables["ent_count"]
        self.ent_former: dict[str, str] = tables["ent_former"]
        self.topic_ids: list[str] = tables["topic_ids"]
        self.topic_name: list[str] = tables["topic_name"]
        self.ep_pos = {e: i for i, e in enumerate(self.ep_ids)}
        self.ent_pos = {e: i for i, e in enumerate(self.ent_ids)}
        self.topic_pos = {t: i for i, t in enumerate(self.topic_ids)}
        self._titles_folded: str | None = None
        self._title_starts: list[int] = []

    # --- building -----------------------------------------------------------------
    @classmethod
    def from_graph(cls, graph: nx.MultiDiGraph) -> GraphIndex:
        """Index ``graph`` (the schema of :func:`castgraph.graph.build.build_graph`)."""
        by_label: dict[str, list[str]] = {"Episode": [], "Entity": [], "Topic": []}
        for node, attrs in graph.nodes(data=True):
            label = attrs.get("label")
            if label in by_label:
                by_label[label].append(node)
        ep_ids, ent_ids, topic_ids = (sorted(by_label[k]) for k in ("Episode", "Entity", "Topic"))
        ep_pos = {e: i for i, e in enumerate(ep_ids)}
        ent_pos = {e: i for i, e in enumerate(ent_ids)}
        topic_pos = {t: i for i, t in enumerate(topic_ids)}
        mentions: list[dict[int, list[tuple[int, str, list[Any]]]]] = [{} for _ in ep_ids]
        ep_topics: list[set[int]] = [set() for _ in ep_ids]
        for u, v, attrs in graph.edges(data=True):
            kind = attrs.get("type")
            if kind == "MENTIONS" and u in ep_pos and v in ent_pos:
                mentions[ep_pos[u]].setdefault(ent_pos[v], []).append(
                    (int(attrs.get("ordinal") or 0), str(attrs.get("surface") or ""), _mention_ref(attrs)))
            elif kind == "HAS_TOPIC" and u in ep_pos and v in topic_pos:
                ep_topics[ep_pos[u]].add(topic_pos[v])
        ep_ents = [sorted(m) for m in mentions]
        ent_eps: list[list[int]] = [[] for _ in ent_ids]
        # How each episode mentions each entity (a mask of ORIGIN_CODES bits), beside both postings.
        ep_orgs = [[_origin_mask(m[ent]) for ent in ents] for m, ents in zip(mentions, ep_ents, strict=True)]
        ent_orgs: list[list[int]] = [[] for _ in ent_ids]
        for ep, ents in enumerate(ep_ents):
            for ent, mask in zip(ents, ep_orgs[ep], strict=True):
                ent_eps[ent].append(ep)
                ent_orgs[ent].append(mask)
        topic_eps: list[list[int]] = [[] for _ in topic_ids]
        ep_tops = [sorted(t) for t in ep_topics]
        for ep, tops in enumerate(ep_tops):
            for top in tops:
                topic_eps[top].append(ep)
        surfaces = [
            json.dumps([list(dict.fromkeys(s for _, s, _ in sorted(m[ent]))) for ent in ents],
                       ensure_ascii=False)
            for m, ents in zip(mentions, ep_ents, strict=True)
        ]
        places = [json.dumps([[ref for _, _, ref in sorted(m[ent])] for ent in ents], ensure_ascii=False)
                  for m, ents in zip(mentions, ep_ents, strict=True)]
        nodes = graph.nodes
        tables: dict[str, Any] = {
            "ep_ids": ep_ids,
            "ep_title": [str(nodes[e].get("title") or "") for e in ep_ids],
            "ep_published": [nodes[e].get("published") or None for e in ep_ids],
            "ent_ids": ent_ids,
            "ent_name": [str(nodes[e].get("name") or "") for e in ent_ids],
            "ent_type": [str(nodes[e].get("type") or "Other") for e in ent_ids],
            "ent_aliases": [list(nodes[e].get("aliases") or []) for e in ent_ids],
            "ent_count": [int(nodes[e].get("episode_count") or 0) for e in ent_ids],
            # Only entities that absorbed others have former ids: a map, not a column. Were one
            # listed twice, the smallest entity id has it (as on Neo4j).
            "ent_former": _first_owner((former, e) for e in ent_ids
                                       for former in nodes[e].get("former_ids") or []),
            "topic_ids": topic_ids,
            "topic_name": [str(nodes[t].get("name") or t) for t in topic_ids],
        }
        arrays: dict[str, np.ndarray] = {}
        for name, rows in (("ent", ent_eps), ("ep", ep_ents), ("topic", topic_eps), ("ept", ep_tops)):
            arrays[f"{name}_ptr"], arrays[f"{name}_idx"] = _csr(rows)
        arrays["ent_org"] = _csr(ent_orgs)[1]
        arrays["ep_org"] = _csr(ep_orgs)[1]
        # Rank of each episode in profile order: newest first, undated last, then id.
        published: list[str | None] = tables["ep_published"]
        dated = sorted((e for e in range(len(ep_ids)) if published[e]), key=lambda e: published[e] or "",
                       reverse=True)
        order = dated + [e for e in range(len(ep_ids)) if not published[e]]
        rank = np.zeros(len(ep_ids), dtype=np.int32)
        rank[np.asarray(order, dtype=np.int64)] = np.arange(len(order), dtype=np.int32)
        arrays["ep_rank"] = rank
        blobs = {
            "chapters": _Blob.of([json.dumps(nodes[e].get("chapters") or [], ensure_ascii=False)
                                  for e in ep_ids]),
            "surfaces": _Blob.of(surfaces),
            "places": _Blob.of(places),
            "ent_desc": _Blob.of([str(nodes[e].get("description") or "") for e in ent_ids]),
        }
        return cls(tables, arrays, blobs)

    # --- access -------------------------------------------------------------------
    def comentioned(self, ent: int, limit: int) -> list[tuple[int, int]]:
        """``(entity, shared episodes)`` of the entities most often in ``ent``'s episodes."""
        a = self.arrays
        others = _gather(a["ep_ptr"], a["ep_idx"], a["ent_idx"][a["ent_ptr"][ent]:a["ent_ptr"][ent + 1]])
        counts = np.bincount(others, minlength=len(self.ent_ids))
        counts[ent] = 0
        return _top(counts, limit)

    def topic_counts(self, ent: int, limit: int) -> list[tuple[int, int]]:
        """``(topic, episodes)`` of the topics of ``ent``'s episodes."""
        a = self.arrays
        topics = _gather(a["ept_ptr"], a["ept_idx"], a["ent_idx"][a["ent_ptr"][ent]:a["ent_ptr"][ent + 1]])
        return _top(np.bincount(topics, minlength=len(self.topic_ids)), limit)

    def entity_pairs(self, episodes: np.ndarray, allowed: np.ndarray | None, min_df: int = 1
                     ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Every pair of entities within each of ``episodes``: ``(codes, episode, df)``.

        A pair ``a < b`` is coded ``a * n + b`` (n entities); codes come sorted, with the
        episode of each occurrence beside it. Only entities where ``allowed`` is true count;
        ``df`` counts each entity's episodes among ``episodes``. Pairs are formed within one
        episode only, so the work grows with entities per episode, not with the graph; an
        entity with a ``df`` under ``min_df`` can share no more episodes with another, so it
        forms no pairs.
        """
        a = self.arrays
        n = len(self.ent_ids)
        ptr, flat = a["ep_ptr"], a["ep_idx"]
        ents = _gather(ptr, flat, episodes)
        owner = np.repeat(episodes, ptr[episodes + 1] - ptr[episodes])
        if allowed is not None:
            keep = allowed[ents]
            ents, owner = ents[keep], owner[keep]
        df = np.bincount(ents, minlength=n)
        if min_df > 1:
            keep = df[ents] >= min_df
            ents, owner = ents[keep], owner[keep]
        lengths = np.bincount(np.searchsorted(episodes, owner), minlength=len(episodes)) if len(episodes) \
            else np.zeros(0, dtype=np.int64)
        starts = np.cumsum(lengths) - lengths
        codes_parts, eps_parts = [np.zeros(0, dtype=np.int64)], [np.zeros(0, dtype=np.int64)]
        # Episodes with the same number of entities form a matrix; pairs are its column pairs.
        for size in np.unique(lengths).tolist():
            if size < 2:
                continue
            rows = np.flatnonzero(lengths == size)
            matrix = ents[starts[rows][:, None] + np.arange(size)].astype(np.int64)
            left, right = np.triu_indices(size, 1)
            codes_parts.append((matrix[:, left] * n + matrix[:, right]).ravel())
            eps_parts.append(np.repeat(episodes[rows], len(left)))
        codes, eps = np.concatenate(codes_parts), np.concatenate(eps_parts)
        order = np.argsort(codes, kind="stable")
        return codes[order], eps[order], df

    def appearances(self, ent: int, limit: int | None) -> list[int]:
        """``ent``'s episodes in profile order (newest first, undated last, then id), at most ``limit``."""
        a = self.arrays
        eps = a["ent_idx"][a["ent_ptr"][ent]:a["ent_ptr"][ent + 1]]
        ordered = eps[np.argsort(a["ep_rank"][eps], kind="stable")]
        return (ordered if limit is None else ordered[:limit]).tolist()

    def _row(self, name: str, i: int) -> list[int]:
        ptr = self.arrays[f"{name}_ptr"]
        return self.arrays[f"{name}_idx"][ptr[i]:ptr[i + 1]].tolist()

    def entity_episodes(self, ent: int) -> list[int]:
        """Episode positions of an entity, ascending."""
        return self._row("ent", ent)

    def _row_length(self, name: str, i: int) -> int:
        ptr = self.arrays[f"{name}_ptr"]
        return int(ptr[i + 1] - ptr[i])

    def entity_df(self, ent: int) -> int:
        return self._row_length("ent", ent)

    def episode_entities(self, ep: int) -> list[int]:
        """Entity positions of an episode, ascending."""
        return self._row("ep", ep)

    def topic_episodes(self, topic: int) -> list[int]:
        return self._row("topic", topic)

    def topic_df(self, topic: int) -> int:
        return self._row_length("topic", topic)

    def episode_topics(self, ep: int) -> list[int]:
        return self._row("ept", ep)

    def chapters(self, ep: int) -> list[dict[str, object]]:
        value = json.loads(self.blobs["chapters"][ep])
        return value if isinstance(value, list) else []

    def description(self, ent: int) -> str:
        return self.blobs["ent_desc"][ent]

    def surfaces(self, ep: int, ent: int) -> list[str]:
        """Surfaces (in mention order) with which episode ``ep`` names entity ``ent``."""
        ents = self.episode_entities(ep)
        try:
            at = ents.index(ent)
        except ValueError:
            return []
        return list(json.loads(self.blobs["surfaces"][ep])[at])

    # --- mention origins and places (castgraph.link) --------------------------------
    @staticmethod
    def strength_table(weights: Mapping[str, float] | None) -> np.ndarray:
        """For every origin mask, the weight of its strongest origin under ``weights``."""
        codes = [float(weights.get(o, 1.0)) if weights is not None else 1.0 for o in ORIGIN_CODES]
        table = np.zeros(1 << len(ORIGIN_CODES), dtype=np.float64)
        for mask in range(1, len(table)):
            table[mask] = max(w for bit, w in enumerate(codes) if mask >> bit & 1)
        return table

    def entity_strengths(self, ent: int, table: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``ent``'s episodes (ascending) and the strength of each one's mentions of it."""
        ptr = self.arrays["ent_ptr"]
        lo, hi = ptr[ent], ptr[ent + 1]
        return self.arrays["ent_idx"][lo:hi], table[self.arrays["ent_org"][lo:hi]]

    def episode_strengths(self, ep: int, table: np.ndarray) -> tuple[list[int], list[float]]:
        """``ep``'s entities (ascending) and the strength of its mentions of each."""
        ptr = self.arrays["ep_ptr"]
        lo, hi = ptr[ep], ptr[ep + 1]
        return self.arrays["ep_idx"][lo:hi].tolist(), table[self.arrays["ep_org"][lo:hi]].tolist()

    def places(self, ep: int, ent: int) -> list[list[Any]]:
        """``[origin, field, chapter, timestamp]`` of each mention of ``ent`` in ``ep``, in mention order."""
        ents = self.episode_entities(ep)
        try:
            at = ents.index(ent)
        except ValueError:
            return []
        return list(json.loads(self.blobs["places"][ep])[at])

    def episodes_titled(self, fragment: str) -> list[int]:
        """Positions of the episodes whose casefolded title contains ``fragment`` casefolded."""
        if self._titles_folded is None:
            starts, pos = [], 0
            for title in self.ep_title:
                starts.append(pos)
                pos += len(title.casefold()) + 1
            self._titles_folded = "\n".join(t.casefold() for t in self.ep_title)
            self._title_starts = starts
        needle = fragment.casefold()
        if not needle or "\n" in needle:
            return []
        found: list[int] = []
        at = self._titles_folded.find(needle)
        while at != -1:
            ep = bisect_right(self._title_starts, at) - 1
            if not found or found[-1] != ep:
                found.append(ep)
            at = self._titles_folded.find(needle, at + 1)
        return found


def cache_key(graph_file: str | Path) -> dict[str, Any]:
    """What identifies a graph.json: size, mtime and a hash of its first and last MiB.

    Hashing the whole file would cost as much as parsing it; size + mtime + the two ends
    catch every rewrite by :func:`castgraph.graph.networkx_store.write_graph_json`.
    """
    path = Path(graph_file)
    stat = path.stat()
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        digest.update(fh.read(_SAMPLE))
        if stat.st_size > _SAMPLE:
            fh.seek(max(_SAMPLE, stat.st_size - _SAMPLE))
            digest.update(fh.read(_SAMPLE))
    return {"size": stat.st_size, "mtime_ns": stat.st_mtime_ns, "sha256": digest.hexdigest()}


def write_index(index: GraphIndex, path: str | Path, key: dict[str, Any]) -> None:
    """Write ``index`` to ``path`` (atomically), tagged with the graph's ``key``."""
    sections: list[tuple[str, str, bytes]] = [("tables", "json", json.dumps(index.tables).encode("utf-8"))]
    for name, arr in sorted(index.arrays.items()):
        sections.append((name, arr.dtype.str, arr.tobytes()))
    for name, blob in sorted(index.blobs.items()):
        sections.append((f"{name}.data", "bytes", blob.data))
        sections.append((f"{name}.offsets", blob.offsets.dtype.str, blob.offsets.tobytes()))
    header, offset = [], 0
    for name, kind, data in sections:
        header.append({"name": name, "kind": kind, "offset": offset, "length": len(data)})
        offset += len(data)
    head = json.dumps({"key": key, "sections": header}).encode("utf-8")
    path = Path(path)
    tmp = path.with_name(path.name + ".tmp")
    with tmp.open("wb") as fh:
        fh.write(_MAGIC + struct.pack("<Q", len(head)) + head)
        for _, _, data in sections:
            fh.write(data)
    tmp.replace(path)


def read_index(path: str | Path, key: dict[str, Any]) -> GraphIndex | None:
    """The index cached at ``path`` if it was written for ``key``, else ``None``."""
    try:
        raw = Path(path).read_bytes()
    except OSError:
        return None
    if raw[:8] != _MAGIC:
        return None
    try:
        (size,) = struct.unpack("<Q", raw[8:16])
        meta = json.loads(raw[16:16 + size])
        if meta.get("key") != key:
            return None
        body = memoryview(raw)[16 + size:]
        parts: dict[str, Any] = {}
        for sec in meta["sections"]:
            if sec["offset"] + sec["length"] > len(body):
                return None  # cut short
            chunk = body[sec["offset"]:sec["offset"] + sec["length"]]
            if sec["kind"] == "json":
                parts[sec["name"]] = json.loads(bytes(chunk))
            elif sec["kind"] == "bytes":
                parts[sec["name"]] = bytes(chunk)
            elif sec["kind"] in _DTYPES:
                parts[sec["name"]] = np.frombuffer(chunk, dtype=np.dtype(sec["kind"]))
            else:
                return None
        blobs = {name[:-5]: _Blob(parts[name], parts[name[:-5] + ".offsets"])
                 for name in parts if name.endswith(".data")}
        arrays = {name: value for name, value in parts.items()
                  if isinstance(value, np.ndarray) and not name.endswith(".offsets")}
        return GraphIndex(parts["tables"], arrays, blobs)
    except (ValueError, KeyError, TypeError, struct.error):
        return None  # a damaged cache is rebuilt, never trusted
