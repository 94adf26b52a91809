"""Hashtags and keywords that name an entity.

A tag is a topic (``#gpt-5`` → ``gpt-5``); when it is also the name or an alias of
exactly one entity, written as a tag (``GPT-5`` → ``gpt-5``, ``Claude Code`` →
``claude-code`` or ``claudecode``), the topic *is* that entity: the linker records
the topic's entity (the ``entity`` property of the Topic node) and gives every
episode with the tag a ``hashtag`` mention of it, so that the topic view and the
entity view list the same episodes.

Examples
--------
>>> from castgraph.graph.model import Entity, EntityType
>>> index = HashtagIndex([Entity(id="entity:g", name="GitHub", type=EntityType.ORGANIZATION),
...                       Entity(id="entity:c", name="Claude Code", type=EntityType.PRODUCT)])
>>> index.entity_for("github"), index.entity_for("claudecode"), index.entity_for("agents")
('entity:g', 'entity:c', None)
>>> git = Entity(id="entity:g", name=" #Git_Hub ", type=EntityType.ORGANIZATION)
>>> only = HashtagIndex([git], tags=["git-hub"])
>>> only.entity_for("githUB"), only.entity_for("git-hub")
('entity:g', 'entity:g')
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from castgraph.graph.model import Entity, topic_name

__all__ = ["HashtagIndex", "tag_keys"]


def tag_keys(name: str) -> set[str]:
    """The tags a name can be written as: its topic name, and that without hyphens.

    >>> sorted(tag_keys("Claude Code"))
    ['claude-code', 'claudecode']
    """
    tag = topic_name(name)
    return {tag, tag.replace("-", "")} - {""}


class HashtagIndex:
    """Which entity, if exactly one, each tag names.

    ``linkable`` decides which names may be tags of an entity (the linker passes its
    guard against short and generic names). Given ``tags``, the index answers for those
    only, and costs little more than reading the names once.
    """

    def __init__(self, entities: Iterable[Entity], linkable: Callable[[str], bool] | None = None,
                 tags: Iterable[str] | None = None) -> None:
        wanted: set[str] | None = None
        if tags is not None:
            wanted = set()
            for tag in tags:
                wanted |= tag_keys(tag)
        owners: dict[str, set[str]] = {}
        for entity in entities:
            for name in (entity.name, *entity.aliases) if entity.aliases else (entity.name,):
                if not name.isascii():
                    keys = tag_keys(name)
                else:
                    tag = _ascii_tag(name)
                    squashed = tag.replace("-", "")
                    # Most names are tags of no episode: told before a set of their keys is made.
                    if wanted is not None and tag not in wanted and squashed not in wanted:
                        continue
                    keys = {tag, squashed} - {""}
                if wanted is not None:
                    keys = keys & wanted
                if not keys or (linkable is not None and not linkable(name)):
                    continue
                for key in keys:
                    owners.setdefault(key, set()).add(entity.id)
        self._owner = {key: next(iter(ids)) for key, ids in owners.items() if len(ids) == 1}

    def entity_for(self, tag: str) -> str | None:
        """The entity a tag names, or ``None`` (no entity, or several)."""
        key = topic_name(tag)
        return self._owner.get(key) or self._owner.get(key.replace("-", ""))


def _ascii_tag(name: str) -> str:
    """:func:`~castgraph.graph.model.topic_name` of an ASCII name, faster (Unicode normalization
    leaves ASCII as it is).

    >>> names = [" #Git_Hub ", "GPT-5", "a_b c", "##x", "-", "Claude  Code"]
    >>> all(_ascii_tag(n) == topic_name(n) for n in names)
    True
    """
    return "-".join(name.strip().lstrip("#").strip().lower().replace("_", " ").split())
