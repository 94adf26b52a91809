"""Curation that survives rebuilds: the overrides file.

The file is YAML with up to six keys; every name is matched by its key
(:func:`castgraph.resolve.normalize.normalize_name`), so case, accents and
suffixes do not matter, and wherever a name goes an entity id
(``entity:0123456789abcdef``) may go instead -- ids survive rebuilds (a rebuild
keeps the ids of the graph already in its output folder) and ``--into``::

    merge:                 # each list is one entity
      - [Shawn Wang, swyx]
      - [AWS, Amazon Web Services]
    never_merge:           # the names of each list stay in different entities
      - [Claude, Claude Code]
    rename:                # any name of an entity -> the canonical name to show
      swyx: Shawn "swyx" Wang
    set_type:              # any name of an entity -> its type (a type label in any language)
      Kubernetes: Product
    split_by_type:         # a company and its product of the same name kept apart
      - Cursor
    split:                 # a surface taken out of the entity it was merged into
      - {surface: Jim, from: entity:0123456789abcdef}   # "from" is for people reading it

The viewer writes this file (its curation panel). A decision that no longer
applies -- a name or id that matches nothing -- is a warning naming its line
(:attr:`Overrides.lines`), never an error.

Examples
--------
>>> ov = parse_overrides("merge:\\n  - [Shawn Wang, swyx]\\nset_type:\\n  Kubernetes: software\\n")
>>> ov.merge, ov.set_type
([['Shawn Wang', 'swyx']], {'Kubernetes': <EntityType.PRODUCT: 'Product'>})
>>> parse_overrides("split:\\n  - {surface: Jim, from: entity:0123456789abcdef}\\n").split
[SplitDecision(surface='Jim', from_id='entity:0123456789abcdef')]
>>> parse_overrides("rename:\\n  swyx: Shawn Wang\\n", source="c.yaml").where("rename", "swyx")
'c.yaml, line 2'
>>> parse_overrides("merge: 3", source="curation.yaml")
Traceback (most recent call last):
...
castgraph.resolve.overrides.OverridesError: curation.yaml: merge: expected a list of name lists
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, Field

from castgraph.errors import CastgraphError
from castgraph.graph.model import EntityType

__all__ = ["ENTITY_ID_RE", "Overrides", "OverridesError", "SplitDecision", "parse_overrides",
           "read_overrides"]

_KEYS = ("merge", "never_merge", "rename", "set_type", "split_by_type", "split")
ENTITY_ID_RE = re.compile(r"^entity:[0-9a-f]{16}$")
"""What an entity id looks like; a reference matching it is an id, anything else a name."""


class OverridesError(CastgraphError, ValueError):
    """A bad overrides file; the message is one line naming the file and the entry."""


class SplitDecision(BaseModel):
    """A surface (matched by its key) taken out of the entity it was merged into, to stand alone."""

    surface: str
    from_id: str = ""


class Overrides(BaseModel):
    """Curated decisions applied on every resolution."""

    merge: list[list[str]] = Field(default_factory=list)
    never_merge: list[list[str]] = Field(default_factory=list)
    rename: dict[str, str] = Field(default_factory=dict)
    set_type: dict[str, EntityType] = Field(default_factory=dict)
    split_by_type: list[str] = Field(default_factory=list)
    split: list[SplitDecision] = Field(default_factory=list)
    #: Where each decision is in the file: ``"merge.0"``, ``"rename.<name>"``, ... -> line (1-based).
    lines: dict[str, int] = Field(default_factory=dict)
    source: str = "<overrides>"

    def where(self, key: str, item: int | str) -> str:
        """``"<file>, line N"`` for the decision ``key`` / ``item``, for warnings."""
        line = self.lines.get(f"{key}.{item}")
        return f"{self.source}, line {line}" if line else self.source


def _name_lists(value: Any, where: str) -> list[list[str]]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise OverridesError(f"{where}: expected a list of name lists")
    out = []
    for i, item in enumerate(value, 1):
        if not isinstance(item, list) or len(item) < 2 or not all(isinstance(n, str) and n.strip()
                                                                   for n in item):
            raise OverridesError(f"{where} entry {i}: expected a list of two or more names, got {item!r}")
        out.append([n.strip() for n in item])
    return out


def _name_map(value: Any, where: str) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise OverridesError(f"{where}: expected a mapping of name: value")
    out = {}
    for k, v in value.items():
        if not isinstance(k, str) or not isinstance(v, str) or not k.strip() or not v.strip():
            raise OverridesError(f"{where} entry {k!r}: expected a name and a non-empty text")
        out[k.strip()] = v.strip()
    return out


def parse_overrides(text: str, *, source: str = "<overrides>") -> Overrides:
    """Parse overrides YAML text; raise :class:`OverridesError` (one line) when it is malformed."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{source}, line {mark.line + 1}" if mark is not None else source
        raise OverridesError(f"{where}: not valid YAML ({getattr(exc, 'problem', exc)})") from None
    if data is None:
        return Overrides()
    if not isinstance(data, dict):
        raise OverridesError(f"{source}: expected a mapping with keys {', '.join(_KEYS)}")
    unknown = sorted(str(k) for k in data if k not in _KEYS)
    if unknown:
        raise OverridesError(f"{source}: unknown key {unknown[0]!r} (expected one of {', '.join(_KEYS)})")
    set_type = {}
    for name, label in _name_map(data.get("set_type"), f"{source}: set_type").items():
        etype = EntityType.known_label(label)
        if etype is None:
            raise OverridesError(f"{source}: set_type entry {name!r}: unknown type {label!r}")
        set_type[name] = etype
    split = data.get("split_by_type") or []
    if not isinstance(split, list) or not all(isinstance(n, str) and n.strip() for n in split):
        raise OverridesError(f"{source}: split_by_type: expected a list of names")
    return Overrides(
        merge=_name_lists(data.get("merge"), f"{source}: merge"),
        never_merge=_name_lists(data.get("never_merge"), f"{source}: never_merge"),
        rename=_name_map(data.get("rename"), f"{source}: rename"),
        set_type=set_type,
        split_by_type=[n.strip() for n in split],
        split=_splits(data.get("split"), f"{source}: split"),
        lines=_lines(text),
        source=source,
    )


def _splits(value: Any, where: str) -> list[SplitDecision]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise OverridesError(f"{where}: expected a list of {{surface: ..., from: ...}} entries")
    out = []
    for i, item in enumerate(value, 1):
        if isinstance(item, str) and item.strip():
            item = {"surface": item}
        good = isinstance(item, dict) and isinstance(item.get("surface"), str) and item["surface"].strip() \
            and isinstance(item.get("from", ""), str) and not set(item) - {"surface", "from"}
        if not good:
            raise OverridesError(f"{where} entry {i}: expected {{surface: NAME, from: ENTITY_ID}}, "
                                 f"got {item!r}")
        out.append(SplitDecision(surface=item["surface"].strip(), from_id=str(item.get("from", "")).strip()))
    return out


def _lines(text: str) -> dict[str, int]:
    """The line of every decision: list entries by index, mapping entries by their key."""
    root = yaml.compose(text, Loader=yaml.SafeLoader)
    lines: dict[str, int] = {}
    if not isinstance(root, yaml.MappingNode):
        return lines
    for key_node, value in root.value:
        key = str(key_node.value)
        if isinstance(value, yaml.SequenceNode):
            for i, item in enumerate(value.value):
                lines[f"{key}.{i}"] = item.start_mark.line + 1
        elif isinstance(value, yaml.MappingNode):
            for k, _ in value.value:
                lines[f"{key}.{str(k.value).strip()}"] = k.start_mark.line + 1
    return lines


def read_overrides(path: str | Path) -> Overrides:
    """Read an overrides YAML file; a missing or malformed file raises :class:`OverridesError`."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise OverridesError(f"{path}: cannot read overrides file ({exc.strerror or exc})") from None
    except UnicodeDecodeError:
        raise OverridesError(f"{path}: not UTF-8 text") from None
    return parse_overrides(text, source=str(path))
