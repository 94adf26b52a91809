"""What resolution decided, for people: a CSV per (entity, surface), review lists, ``explain``.

Examples
--------
>>> from castgraph.graph.build import build_graph
>>> from castgraph.graph.model import Episode, Mention
>>> from castgraph.resolve.resolver import resolve
>>> eps = [Episode(id="e1", title="Agents",
...                mentions=[Mention(surface="Shawn Wang / swyx", type_label="Person")]),
...        Episode(id="e2", title="Evals", mentions=[Mention(surface="swyx", type_label="人物")])]
>>> graph = build_graph(eps, resolve(eps))
>>> print(explain_entity(graph, "Shawn Wang"))  # doctest: +ELLIPSIS
swyx (entity:...)
  type: Person (votes: Person=2)
  aliases: Shawn Wang; Shawn Wang / swyx
  episodes (2):
    - Agents [e1]
    - Evals [e2]
  surfaces:
    - 'Shawn Wang / swyx' x1 in 1 episode: alias-slash, score 1.00
    - 'swyx' x1 in 1 episode: canonical, score 1.00
"""

from __future__ import annotations

import csv
import math
from collections import defaultdict
from collections.abc import Iterable
from operator import attrgetter
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from castgraph.errors import CastgraphError
from castgraph.graph.model import Episode, Resolution, ReviewPair
from castgraph.graph.tables import GraphTables
from castgraph.outputs import atomic_open, csv_cell_value, csv_safe_cell

if TYPE_CHECKING:
    import networkx as nx

__all__ = [
    "RESOLUTION_COLUMNS",
    "REVIEW_COLUMNS",
    "explain_entity",
    "read_review_csv",
    "surface_counts",
    "write_resolution_csv",
    "write_review_csv",
]

RESOLUTION_COLUMNS = ["entity_id", "name", "type", "surface", "rule", "score", "mentions", "episodes"]
REVIEW_COLUMNS = ["left_id", "left_name", "right_id", "right_name", "score", "reason"]


def surface_counts(tables: GraphTables) -> dict[tuple[str, str], tuple[int, int]]:
    """(entity id, surface) -> (mentions, episodes), counted over the graph's mention columns."""
    if not len(tables.m_ep) or "surface" not in tables.m_cols:
        return {}
    surface = tables.m_cols["surface"]
    n_surfaces = max(1, len(surface.values))
    n_episodes = max(1, len(tables.episodes))
    # One sort of (entity, surface, episode) codes: a pair's mentions are its run, its episodes
    # the distinct codes in that run.
    code = (tables.m_ent.astype(np.int64) * n_surfaces + surface.codes) * n_episodes + tables.m_ep
    code.sort()
    pair = code // n_episodes
    starts = np.flatnonzero(np.diff(pair, prepend=-1))
    mentions = np.diff(np.append(starts, len(pair)))
    episodes = np.add.reduceat((np.diff(code, prepend=-1) != 0).astype(np.int64), starts)
    ent_ids = [r["id"] for r in tables.entities]
    values = surface.values
    return {(ent_ids[k // n_surfaces], values[k % n_surfaces]): (m, e)
            for k, m, e in zip(pair[starts].tolist(), mentions.tolist(), episodes.tolist(), strict=True)}


# The first characters of the text csv_safe_cell changes (a formula start, or a guard quote):
# other text passes as it is, without the call.
_GUARDED_FIRST = frozenset("=+-@\t\r\n'")


def _safe_text(text: str) -> str:
    return csv_safe_cell(text) if text[:1] in _GUARDED_FIRST else text


def write_resolution_csv(resolution: Resolution, path: str | Path, *,
                         episodes: Iterable[Episode] | None = None,
                         tables: GraphTables | None = None) -> None:
    """Write one row per (entity, surface) with its merge rule and score.

    ``mentions`` and ``episodes`` count the mentions and episodes of each
    surface; they need the ``episodes`` or the graph's ``tables`` (left empty without them).
    """
    counts: dict[tuple[str, str], tuple[Any, Any]] = {}
    if tables is not None:
        counts = surface_counts(tables)
    elif episodes is not None:
        found: dict[tuple[str, str], list[Any]] = defaultdict(lambda: [0, set()])
        for ep in episodes:
            for m in ep.mentions:
                entity_id = resolution.assignments.get(m.id)
                if entity_id is not None:
                    row = found[(entity_id, m.surface)]
                    row[0] += 1
                    row[1].add(ep.id)
        counts = {k: (n, len(eps)) for k, (n, eps) in found.items()}
    unknown = ("", 0) if tables is not None or episodes is not None else ("", "")
    # An entity's cells repeat on the row of each of its surfaces, a rule and score on many rows:
    # each is made safe once.
    type_cells = {t: _safe_text(t.value) for t in {e.type for e in resolution.entities}}
    entity_cells = {e.id: (_safe_text(e.id), _safe_text(e.name), type_cells[e.type])
                    for e in resolution.entities}
    rule_cells: dict[tuple[str, float], tuple[Any, Any]] = {}
    rows = []
    for merge in sorted(resolution.merges, key=attrgetter("entity_id", "surface")):
        cells = entity_cells.get(merge.entity_id)
        if cells is None:
            continue
        surface = merge.surface
        n, n_eps = counts.get((merge.entity_id, surface), unknown)
        if surface[:1] in _GUARDED_FIRST:
            surface = csv_safe_cell(surface)
        how = rule_cells.get((merge.rule, merge.score))
        if how is None:
            how = rule_cells[(merge.rule, merge.score)] = (csv_safe_cell(merge.rule),
                                                           csv_safe_cell(f"{merge.score:.2f}"))
        rows.append([*cells, surface, *how, n, n_eps])
    with atomic_open(path, newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(RESOLUTION_COLUMNS)
        writer.writerows(rows)


def write_review_csv(resolution: Resolution, path: str | Path) -> None:
    """Write the borderline pairs of ``resolution`` (``review.csv`` next to graph.json).

    Text cells a spreadsheet would run as formulas are guarded (see
    :func:`castgraph.outputs.csv_safe_cell`); :func:`read_review_csv` undoes it.
    """
    with atomic_open(path, newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(REVIEW_COLUMNS)
        for p in resolution.review:
            writer.writerow([csv_safe_cell(c) for c in (p.left_id, p.left_name, p.right_id, p.right_name,
                                                         f"{p.score:.2f}", p.reason)])


def _review_pair(row: list[str], path: Path, line: int) -> ReviewPair:
    if len(row) != len(REVIEW_COLUMNS):
        raise CastgraphError(f"{path}, line {line}: {len(row)} fields, expected {len(REVIEW_COLUMNS)}; "
                             "the file is damaged (run `castgraph build` again)")
    left_id, left_name, right_id, right_name, score, reason = (csv_cell_value(c) for c in row)
    try:
        value = float(score)
    except ValueError:
        value = math.nan
    if not 0.0 <= value <= 1.0:
        raise CastgraphError(f"{path}, line {line}: score {score[:40]!r} is not a number from 0 to 1; "
                             "the file is damaged (run `castgraph build` again)")
    return ReviewPair(left_id=left_id, left_name=left_name, right_id=right_id, right_name=right_name,
                      score=value, reason=reason)


def read_review_csv(path: str | Path) -> list[ReviewPair]:
    """Read a file written by :func:`write_review_csv`.

    Raises
    ------
    CastgraphError
        If the file is not a review list: wrong header, a row with the wrong number
        of fields, a score that is not a number from 0 to 1, or not UTF-8 text.
    """
    path = Path(path)
    try:
        with path.open(encoding="utf-8", newline="") as fh:
            rows = csv.reader(fh)
            header = next(rows, None)
            if header != REVIEW_COLUMNS:
                raise CastgraphError(f"{path}: not a castgraph review list (header {header!r}); "
                                     "run `castgraph build` again")
            return [_review_pair(row, path, rows.line_num) for row in rows]
    except UnicodeDecodeError as exc:
        raise CastgraphError(f"{path}: not UTF-8 text (byte {exc.start}); the file is damaged") from None
    except csv.Error as exc:
        raise CastgraphError(f"{path}: damaged CSV ({exc})") from None


def _entity_nodes(graph: nx.MultiDiGraph) -> Iterable[tuple[str, dict[str, Any]]]:
    return ((n, a) for n, a in graph.nodes(data=True) if a.get("label") == "Entity")


def _explain_one(graph: nx.MultiDiGraph, node: str) -> str:
    attrs = graph.nodes[node]
    votes = ", ".join(attrs.get("type_votes", [])) or "none"
    lines = [f"{attrs.get('name', '')} ({node})", f"  type: {attrs.get('type', '')} (votes: {votes})"]
    aliases = attrs.get("aliases", [])
    lines.append(f"  aliases: {'; '.join(aliases) if aliases else '(none)'}")
    surfaces: dict[str, list[Any]] = {}
    episodes: dict[str, dict[str, Any]] = {}
    for source, _, data in graph.in_edges(node, data=True):
        if data.get("type") != "MENTIONS":
            continue
        ep = graph.nodes[source]
        episodes[source] = ep
        row = surfaces.setdefault(data.get("surface", ""), [0, set(), data.get("rule", ""),
                                                             float(data.get("score", 1.0))])
        row[0] += 1
        row[1].add(source)
    lines.append(f"  episodes ({len(episodes)}):")
    for source, ep in sorted(episodes.items(), key=lambda kv: (kv[1].get("published") or "", kv[0])):
        date = f"{ep['published']}  " if ep.get("published") else ""
        lines.append(f"    - {date}{ep.get('title', '')} [{ep.get('record_id', source)}]")
    lines.append("  surfaces:")
    for surface, (n, eps, rule, score) in sorted(surfaces.items()):
        plural = "episode" if len(eps) == 1 else "episodes"
        lines.append(f"    - {surface!r} x{n} in {len(eps)} {plural}: {rule}, score {score:.2f}")
    return "\n".join(lines)


def explain_entity(graph: nx.MultiDiGraph, name: str) -> str:
    """Explain the entity ``name`` names in a built graph (found as every command finds one:
    id, former id, name, alias, folded or suffix-free spelling, near spelling).

    Shows the name, type and type votes, aliases, the episodes that mention it,
    and every surface with how it was merged (rule and score, from the
    ``MENTIONS`` edges). Raises :class:`~castgraph.queries.models.NotFoundError`
    (with "did you mean" suggestions) when no entity matches.
    """
    from castgraph.queries.lookup import GraphNames, find_entity

    row, _ = find_entity(GraphNames(graph), name)
    return _explain_one(graph, row.id)

