"""Curation that survives rebuilds: the overrides file.

The file is YAML with up to five keys; every name is matched by its key
(:func:`castgraph.resolve.normalize.normalize_name`), so case, accents and
suffixes do not matter::

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

Examples
--------
>>> ov = parse_overrides("merge:\\n  - [Shawn Wang, swyx]\\nset_type:\\n  Kubernetes: software\\n")
>>> ov.merge, ov.set_type
([['Shawn Wang', 'swyx']], {'Kubernetes': <EntityType.PRODUCT: 'Product'>})
>>> parse_overrides("merge: 3", source="curation.yaml")
Traceback (most recent call last):
...
castgraph.resolve.overrides.OverridesError: curation.yaml: merge: expected a list of name lists
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, Field

from castgraph.errors import CastgraphError
from castgraph.graph.model import EntityType

__all__ = ["Overrides", "OverridesError", "parse_overrides", "read_overrides"]

_KEYS = ("merge", "never_merge", "rename", "set_type", "split_by_type")


class OverridesError(CastgraphError, ValueError):
    """A bad overrides file; the message is one line naming the file and the entry."""


class Overrides(BaseModel):
    """Curated decisions applied on every resolution."""

    merge: list[list[str]] = Field(default_factory=list)
    never_merge: list[list[str]] = Field(default_factory=list)
    rename: dict[str, str] = Field(default_factory=dict)
    set_type: dict[str, EntityType] = Field(default_factory=dict)
    split_by_type: list[str] = Field(default_factory=list)
    #: Where each entry is, for messages: "merge#1" (first list), "rename:swyx" -> "file, line 3".
    lines: dict[str, str] = Field(default_factory=dict, exclude=True)


def _entry_lines(text: str, source: str) -> dict[str, str]:
    """The line of each entry of an overrides text (keys as in :attr:`Overrides.lines`)."""
    root = yaml.compose(text, Loader=yaml.SafeLoader)
    lines: dict[str, str] = {}
    if not isinstance(root, yaml.MappingNode):
        return lines
    for key_node, value in root.value:
        key = key_node.value
        if isinstance(value, yaml.SequenceNode):
            for i, item in enumerate(value.value, 1):
                lines[f"{key}#{i}"] = f"{source}, line {item.start_mark.line + 1}"
        elif isinstance(value, yaml.MappingNode):
            for name_node, _ in value.value:
                if isinstance(name_node.value, str):
                    line = name_node.start_mark.line + 1
                    lines[f"{key}:{name_node.value.strip()}"] = f"{source}, line {line}"
    return lines


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
        lines=_entry_lines(text, source),
    )


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
