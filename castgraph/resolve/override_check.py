"""Warnings about an overrides file, once the names it uses are known.

An overrides file is curation written by hand: an entry can contradict another
entry, or merge a person with an organization. Each is accepted (the build goes on)
with a warning that names the entry's line. (Entries that name no entity are
reported by the resolver itself.)

Examples
--------
>>> from castgraph.graph.model import Episode, Mention
>>> from castgraph.resolve.overrides import parse_overrides
>>> from castgraph.resolve.resolver import resolve
>>> eps = [Episode(id="e1", title="T", mentions=[Mention(surface="swyx", type_label="Person"),
...                                              Mention(surface="GitHub", type_label="Organization")])]
>>> ov = parse_overrides("merge:\\n  - [swyx, GitHub]\\nnever_merge:\\n  - [GitHub, swyx]\\n"
...                      "rename:\\n  Swix: Shawn\\n", source="o.yaml")
>>> for line in check_overrides(ov, eps, resolve(eps, overrides=ov)):
...     print(line)
o.yaml, line 2: merge joins a Person ('swyx') with an Organization ('GitHub')
o.yaml, line 4: never_merge contradicts merge (o.yaml, line 2): 'GitHub' and 'swyx'
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from castgraph.graph.model import EntityType, Episode, Resolution
from castgraph.resolve.normalize import normalize_name
from castgraph.resolve.overrides import Overrides

__all__ = ["check_overrides"]


def _where(overrides: Overrides, entry: tuple[str, int | str]) -> str:
    return overrides.where(*entry)


def check_overrides(overrides: Overrides, episodes: Iterable[Episode], resolution: Resolution) -> list[str]:
    """One warning per override entry that contradicts another or merges a Person with an Organization."""
    entity_of: dict[str, str] = {}
    for entity in resolution.entities:
        for name in (entity.name, *entity.aliases):
            entity_of.setdefault(normalize_name(name), entity.id)
    types: dict[str, Counter[EntityType]] = {}
    for ep in episodes:
        for m in ep.mentions:
            types.setdefault(normalize_name(m.surface), Counter())[EntityType.from_label(m.type_label)] += 1
    warnings: list[str] = []
    merged_pairs: dict[frozenset[str], tuple[str, int | str]] = {}
    for i, names in enumerate(overrides.merge):
        entry: tuple[str, int | str] = ("merge", i)
        typed = {n: types[normalize_name(n)].most_common(1)[0][0] for n in names
                 if normalize_name(n) in types}
        person = next((n for n, t in typed.items() if t is EntityType.PERSON), None)
        org = next((n for n, t in typed.items() if t is EntityType.ORGANIZATION), None)
        if person and org:
            warnings.append(f"{_where(overrides, entry)}: merge joins a Person ({person!r}) "
                            f"with an Organization ({org!r})")
        keys = [normalize_name(n) for n in names]
        for a in keys:
            for b in keys:
                if a < b:
                    merged_pairs.setdefault(frozenset((a, b)), entry)
    for i, names in enumerate(overrides.never_merge):
        entry = ("never_merge", i)
        for a in names:
            for b in names:
                merge_entry = merged_pairs.get(frozenset((normalize_name(a), normalize_name(b))))
                if normalize_name(a) < normalize_name(b) and merge_entry:
                    warnings.append(f"{_where(overrides, entry)}: never_merge contradicts merge "
                                    f"({_where(overrides, merge_entry)}): {a!r} and {b!r}")
    for kind, mapping in (("rename", overrides.rename), ("set_type", overrides.set_type)):
        chosen: dict[str, tuple[str, str]] = {}
        for name, value in mapping.items():
            entry = (kind, name)
            entity_id = entity_of.get(normalize_name(name))
            if entity_id is None:
                continue
            shown = value.value if isinstance(value, EntityType) else value
            if entity_id in chosen and chosen[entity_id][1] != shown:
                other, before = chosen[entity_id]
                earlier = _where(overrides, (kind, other))
                warnings.append(f"{_where(overrides, entry)}: {kind} {name!r} -> {shown!r} contradicts "
                                f"{earlier} ({other!r} -> {before!r}): one entity")
            chosen.setdefault(entity_id, (name, shown))
    return warnings
