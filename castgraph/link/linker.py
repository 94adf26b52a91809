"""Link the entities a graph knows to the episode texts that name them.

:class:`EntityLinker` runs after resolution: every canonical name and alias of every
entity goes into one Aho–Corasick automaton (:class:`~castgraph.link.automaton.NameAutomaton`),
which reads each episode's title, summary, chapter titles, summaries and quotes, and
transcript cues once. A found name becomes a ``text_link`` mention of its entity, with
where it was found (field, chapter, character span) and when (the chapter start or the
transcript cue). A tag that names an entity becomes a ``hashtag`` mention
(:mod:`castgraph.link.hashtags`). An entity the episode already mentions gets no second
edge: its existing mention gets the place instead ("discussed at 23:06").

Guards, so that the graph is not flooded:

* whole words only, in any script (:mod:`castgraph.link.boundaries`); overlapping names:
  the longest wins ("Claude" inside "Claude Code" is not linked);
* names shorter than 3 characters (2 for Japanese, Chinese, Korean) and generic words
  ("AI", "API", "Agents", ...: :data:`GENERIC_NAMES`) are never linked;
* case: an all-capitals acronym ("MCP") matches only as written; a one-word capitalized
  name ("GitHub") not in lower case ("github" in prose is not the company); names in
  lower case and names of several words match in any case;
* common words: a one-word name that is an ordinary word (in :data:`COMMON_WORDS`, or
  written in lower case anywhere in the corpus, like "cursor") needs its exact spelling
  at least ``common_evidence`` times in an episode, not all of them at the start of a
  sentence or a title (where any word is capitalized);
* ambiguous names (an alias of two entities) link only where one of the two is already
  mentioned by the episode.

Examples
--------
>>> from castgraph.graph.model import Chapter, Entity, EntityType, Episode, Mention, Resolution
>>> ep = Episode(id="e1", title="Agents at work", summary="Kyle runs GitHub with Claude Code.",
...              chapters=[Chapter(title="Intro", start=0), Chapter(title="GitHub's history", start=1386)])
>>> res = Resolution(entities=[Entity(id="entity:g", name="GitHub", type=EntityType.ORGANIZATION),
...                            Entity(id="entity:c", name="Claude", type=EntityType.PRODUCT),
...                            Entity(id="entity:cc", name="Claude Code", type=EntityType.PRODUCT)])
>>> found = EntityLinker().link([ep], res).mentions
>>> for m in found:
...     print(m.surface, m.origin.value, m.field, m.chapter, m.timestamp, m.occurrences)
GitHub text_link chapter_title 1 1386.0 2
Claude Code text_link summary None None 1
"""

from __future__ import annotations

from collections.abc import Iterable
from itertools import chain, compress, repeat
from operator import attrgetter

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel, ConfigDict

from castgraph.errors import CastgraphError
from castgraph.graph.added import PLACE_FIELDS, AddedMentions, ListedEntities, PlaceColumns
from castgraph.graph.model import Entity, Episode, Mention, MentionOrigin, Resolution, Topic
from castgraph.graph.tables import sorted_distinct
from castgraph.link.ahead import SearchAhead
from castgraph.link.automaton import NameAutomaton, lower_same_length
from castgraph.link.hashtags import HashtagIndex
from castgraph.link.present import PresentMentions
from castgraph.link.result import LinkResult, MentionPlace, place_mention
from castgraph.link.rows import PLACE_NAMES, TextRows, new_rows
from castgraph.link.spots import find_hits, group_spots
from castgraph.link.texts import LINK_FIELDS, episode_texts
from castgraph.link.titles import TitleGuestFinder, TitlePattern
from castgraph.link.words import CJK_CHARS, COMMON_WORDS, GENERIC_NAMES, NameGuard
from castgraph.machine import cpu_snapshot
from castgraph.memory import gc_paused

__all__ = [
    "COMMON_WORDS",
    "GENERIC_NAMES",
    "LINK_FIELDS",
    "EntityLinker",
    "LinkOptions",
    "LinkResult",
    "MentionPlace",
    "episode_texts",
    "parse_link_fields",
]


def parse_link_fields(text: str) -> tuple[str, ...]:
    """Parse a comma-separated list of :data:`LINK_FIELDS` (``all`` for every one, ``none`` for none).

    >>> parse_link_fields("title, tags"), parse_link_fields("none")
    (('title', 'tags'), ())
    """
    parts = [p.strip().lower() for p in text.split(",") if p.strip()]
    if parts == ["all"]:
        return LINK_FIELDS
    if parts == ["none"]:
        return ()
    unknown = [p for p in parts if p not in LINK_FIELDS]
    if unknown:
        raise CastgraphError(f"unknown link field {unknown[0]!r} "
                             f"(use: {', '.join(LINK_FIELDS)}, all or none)")
    return tuple(f for f in LINK_FIELDS if f in parts)


class LinkOptions(BaseModel):
    """How the linker reads episodes; ``enabled=False`` or no ``fields`` turns it off."""

    model_config = ConfigDict(frozen=True)

    enabled: bool = True
    fields: tuple[str, ...] = LINK_FIELDS
    #: The title pattern table (``None``: :data:`~castgraph.link.titles.DEFAULT_TITLE_PATTERNS`).
    title_patterns: tuple[TitlePattern, ...] | None = None
    min_chars: int = 3
    min_chars_cjk: int = 2
    common_evidence: int = 2
    automaton: str = "ahocorasick_rs"
    #: Search the texts in a forked child while the resolver runs (:meth:`EntityLinker.search_ahead`):
    #: ``None`` = when a core is idle, ``True`` = wherever a child can run, ``False`` = never.
    search_ahead: bool | None = None


class _Name:
    """One lower-cased name of the automaton: the entities it names and how they write it.

    The case flags are set by :meth:`decide`, for the names the texts hold only.
    """

    __slots__ = ("acronym", "capitalized", "common", "entities", "forms", "single")

    def __init__(self) -> None:
        self.entities: list[str] = []
        self.forms: set[str] = set()
        self.single = False
        self.capitalized = False
        self.acronym = False
        self.common = False

    def decide(self, key: str) -> None:
        """Set the flags of the name ``key`` from its forms."""
        self.single = key.isalnum() and CJK_CHARS.search(key) is None
        self.capitalized = any(f != f.lower() for f in self.forms)
        if self.single and key.isalpha():
            self.acronym = len(key) > 1 and all(
                all(c.isupper() for c in form if c.isalpha()) for form in self.forms)
            self.common = key in COMMON_WORDS


class EntityLinker:
    """Find the known entities named in episode titles, notes, chapters, transcripts and tags.

    Parameters
    ----------
    options
        Fields to read, guards, the title pattern table and the automaton library.
    """

    def __init__(self, options: LinkOptions | None = None) -> None:
        self.options = options or LinkOptions()
        # linkable() answers, asked by the name table and the hashtag index alike
        self._linkable: dict[str, bool] = {}
        self._linkable_options = self.options
        self._ahead: SearchAhead | None = None
        #: Why :meth:`search_ahead` could start no child (``""``: one searched, or none was asked for).
        self.searched_here = ""
        # How busy the machine is while the titles are read tells search_ahead whether a core is idle.
        self._since: tuple[int, int] | None = None

    @property
    def active(self) -> bool:
        return self.options.enabled and bool(self.options.fields)

    def linkable(self, name: str) -> bool:
        """Whether a name may be linked at all (length and generic-word guards).

        >>> linker = EntityLinker()
        >>> [linker.linkable(name) for name in ("GitHub", "AI", "Agents", "松尾")]
        [True, False, False, True]
        """
        answers = self._linkable_answers()
        known = answers.get(name)
        if known is None:
            known = answers[name] = self.guard(name)
        return known

    def _linkable_answers(self) -> dict[str, bool]:
        """The :meth:`linkable` answers so far (none after the options changed: so may the answers)."""
        if self._linkable_options is not self.options:
            self._linkable, self._linkable_options = {}, self.options
        return self._linkable

    @property
    def guard(self) -> NameGuard:
        """The guard :meth:`linkable` applies, as a value (a process searching for this linker applies it)."""
        return NameGuard(self.options.min_chars, self.options.min_chars_cjk)

    def add_title_mentions(self, episodes: Iterable[Episode]) -> int:
        """Before resolution: add the guests and products that titles name (``title_pattern`` mentions)."""
        self._since = cpu_snapshot()
        if not self.active or "title" not in self.options.fields:
            return 0
        return TitleGuestFinder(self.options.title_patterns).add_mentions(episodes)

    def search_ahead(self, episodes: Iterable[Episode]) -> None:
        """Before resolution: start searching the episodes' texts in a child process, on the other core.

        :meth:`link` then takes the child's hits (the same as its own search would find;
        see :mod:`castgraph.link.ahead`). The texts must not change in between. Where no
        child can run, :meth:`link` searches as it does without this call.
        """
        self.close()
        text_fields = [f for f in self.options.fields if f != "tags"]
        if self.active and text_fields and self.options.search_ahead is not False:
            self._ahead = SearchAhead(sorted(episodes, key=lambda e: e.id), text_fields, self.guard,
                                      self.options.automaton, always=bool(self.options.search_ahead),
                                      since=self._since)
            self.searched_here = self._ahead.why_not

    def close(self) -> None:
        """Stop a search started by :meth:`search_ahead` that :meth:`link` did not take."""
        ahead, self._ahead = self._ahead, None
        if ahead is not None:
            ahead.close()

    def _forms(self, entities: Iterable[Entity]) -> tuple[list[str], list[str], list[str]]:
        """Every linkable (name key, form, entity) of ``entities``: in entity id order, each
        entity's forms together. Decided in bulk: a hundred thousand entities at 100k episodes."""
        owner: list[str] = []
        forms: list[str] = []
        for entity in sorted(entities, key=_ID):
            if entity.aliases:
                distinct = dict.fromkeys(n.strip() for n in (entity.name, *entity.aliases))
                owner.extend(repeat(entity.id, len(distinct)))
                forms.extend(distinct)
            else:
                owner.append(entity.id)
                forms.append(entity.name.strip())
        answers, check = self._linkable_answers(), self.guard
        for form in set(forms).difference(answers):
            answers[form] = check(form)
        kept = list(map(answers.__getitem__, forms))
        forms = list(compress(forms, kept))
        return list(map(lower_same_length, forms)), forms, list(compress(owner, kept))

    @staticmethod
    def _names(keys: list[str], forms: list[str], owner: list[str]) -> dict[str, _Name]:
        """The names of :meth:`_forms`' rows, each with its entities and forms (flags not decided)."""
        names: dict[str, _Name] = {}
        for key, form, entity_id in zip(keys, forms, owner, strict=True):
            entry = names.get(key)
            if entry is None:
                entry = names[key] = _Name()
            # Entities come in id order, each one's forms together: it can only be the last.
            if not entry.entities or entry.entities[-1] != entity_id:
                entry.entities.append(entity_id)
            entry.forms.add(form)
        return names

    @staticmethod
    def _case_ok(entry: _Name, matched: str) -> bool:
        if matched in entry.forms:
            return True
        if entry.acronym:
            return False
        if entry.common:
            return False
        # "github" in prose is not GitHub
        return not (entry.single and matched == matched.lower() and entry.capitalized)

    def link(self, episodes: Iterable[Episode], resolution: Resolution) -> LinkResult:
        """Find the mentions; nothing is changed until :meth:`LinkResult.apply`."""
        ahead, self._ahead = self._ahead, None
        try:
            with gc_paused():  # many small objects, no cycles: see castgraph.memory
                return self._link(episodes, resolution, ahead)
        finally:
            if ahead is not None:
                ahead.close()

    def _link(self, episodes: Iterable[Episode], resolution: Resolution, ahead: SearchAhead | None
              ) -> LinkResult:
        if not self.active:
            return LinkResult()
        opts = self.options
        eps = sorted(episodes, key=lambda e: e.id)
        text_fields = [f for f in opts.fields if f != "tags"]
        keys, forms, form_entities = self._forms(resolution.entities)
        if ahead is not None and text_fields and keys:
            # The child searches while this process makes the name table and reads the tags and mentions.
            ahead.send(eps, dict.fromkeys(keys))
        names = self._names(keys, forms, form_entities)
        del keys, forms, form_entities
        entity_of = {e.id: e for e in resolution.entities}
        corpus_tags = {t for ep in eps for t in ep.tags} if "tags" in opts.fields else set()
        topic_entities: dict[str, str] = {}
        if corpus_tags:
            tags = HashtagIndex(resolution.entities, self.linkable, corpus_tags)
            for tag in sorted(corpus_tags):
                owner = tags.entity_for(tag)
                if owner is not None:
                    topic_entities[Topic.from_tag(tag).id] = owner
        entity_ids = sorted(entity_of)
        present = PresentMentions(eps, resolution, entity_ids)
        hashtags = self._hashtags(eps, topic_entities, entity_of, present)
        added = AddedMentions(episode_ids=[ep.id for ep in eps], entity_ids=entity_ids,
                              topic_entities=topic_entities)
        if present.listed_from is not None:
            added.listed_entities = ListedEntities(present.listed, present.listed_from, present.counts,
                                                   present.listed_rows)
        text = TextRows()
        if text_fields and names:
            text = self._find(eps, text_fields, names, present, entity_of, added, ahead)
        found = new_rows(added, eps, present, hashtags, text)
        return LinkResult(added, found=found, episodes=eps)

    def _hashtags(self, eps: list[Episode], topic_entities: dict[str, str], entity_of: dict[str, Entity],
                  present: PresentMentions) -> dict[int, list[tuple[Mention, str]]]:
        """By episode, a ``hashtag`` mention of each entity its tags name that it does not mention yet."""
        owners = {tag: owner for tag in {t for ep in eps for t in ep.tags}
                  if (owner := topic_entities.get(f"topic:{tag}")) is not None}
        found: dict[int, list[tuple[Mention, str]]] = {}
        if not owners:
            return found
        # Every (episode, tag) as columns; the first tag of each (episode, entity) the episode
        # does not mention yet gives the mention, in episode and tag order.
        tags = list(chain.from_iterable(map(_TAGS, eps)))
        sizes = np.fromiter(map(len, map(_TAGS, eps)), dtype=np.int64, count=len(eps))
        episode = np.repeat(np.arange(len(eps), dtype=np.int64), sizes)
        number_of = {tag: present.index[owner] for tag, owner in owners.items()}
        entity = np.fromiter(map(number_of.get, tags, repeat(-1)), dtype=np.int64, count=len(tags))
        named = np.flatnonzero(entity >= 0)
        named = named[~present.contains(episode[named], entity[named])]
        _, first = np.unique(episode[named] * present.size + entity[named], return_index=True)
        for at in named[np.sort(first)].tolist():
            number, tag = int(episode[at]), tags[at]
            ep, owner = eps[number], owners[tag]
            mentions = found.setdefault(number, [])
            mention = Mention.from_checked({
                "surface": f"#{tag}", "type_label": entity_of[owner].type.value,
                "origin": MentionOrigin.HASHTAG, "field": "tags", "episode_id": ep.id,
                "ordinal": len(ep.mentions) + len(mentions)})
            mentions.append((mention, owner))
            present.add(number, owner, mention)
        return found

    @staticmethod
    def _owner_present(names: npt.NDArray[np.int64], episodes: npt.NDArray[np.int64], entries: list[_Name],
                       present: PresentMentions) -> npt.NDArray[np.int64]:
        """For hits of ambiguous names: the one entity of the name the episode mentions already, else -1."""
        distinct = sorted_distinct(names)
        owners = [[present.index[e] for e in entries[name].entities] for name in distinct.tolist()]
        sizes = np.array([len(o) for o in owners], dtype=np.int64)
        flat = np.array([e for o in owners for e in o], dtype=np.int64)
        at = np.searchsorted(distinct, names)
        # One row per (hit, candidate entity).
        count = sizes[at]
        hit = np.repeat(np.arange(len(names)), count)
        starts = np.cumsum(count) - count
        candidate = flat[np.repeat((np.cumsum(sizes) - sizes)[at] - starts, count) + np.arange(len(hit))]
        mentioned = present.contains(episodes[hit], candidate)
        chosen = np.full(len(names), -1, dtype=np.int64)
        chosen[hit[mentioned]] = candidate[mentioned]
        return np.where(np.bincount(hit[mentioned], minlength=len(names)) == 1, chosen, -1)

    def _find(self, eps: list[Episode], text_fields: list[str], names: dict[str, _Name],
              present: PresentMentions, entity_of: dict[str, Entity], added: AddedMentions,
              ahead: SearchAhead | None) -> TextRows:
        """Find the names in the texts: the places of the mentions the episodes have go into
        ``added``, the new mentions are returned as rows."""
        opts = self.options
        keys = sorted(names)
        entries = [names[k] for k in keys]
        hits = ahead.receive() if ahead is not None else None
        if ahead is not None:
            added.listed_coded = ahead.listed
        if hits is None:
            hits = find_hits(NameAutomaton(keys, implementation=opts.automaton), eps, text_fields)
        for name in {name for name, _ in hits.variants}:
            entries[name].decide(keys[name])
        # A capitalized one-word name seen in lower case anywhere is a common word.
        for name, written in hits.variants:
            entry = entries[name]
            if entry.single and entry.capitalized and written == written.lower() and keys[name].isalpha():
                entry.common = True
        # Each way a name is written: its entity, none (wrong case), or ambiguous (decided per episode).
        index = present.index
        owner = np.array([-1 if not self._case_ok(entries[name], written)
                          else index[entries[name].entities[0]] if len(entries[name].entities) == 1 else -2
                          for name, written in hits.variants] or [-1], dtype=np.int64)
        common = np.array([entries[name].common for name, _ in hits.variants] or [False], dtype=bool)
        entity = owner[hits.variant]
        ambiguous = np.flatnonzero(entity == -2)
        if len(ambiguous):
            name_of = np.array([name for name, _ in hits.variants], dtype=np.int64)
            entity[ambiguous] = self._owner_present(
                name_of[hits.variant[ambiguous]], hits.episode[ambiguous], entries, present)
        kept = np.flatnonzero(entity >= 0)
        spots = group_spots(kept, hits.episode[kept], entity[kept], hits.start[kept], hits.timed[kept],
                            common[hits.variant[kept]], hits.opening[kept])

        # Found only as a common word: enough times, and not only where any word is capitalized.
        weak = (spots.count < opts.common_evidence) | (spots.inside == 0)
        known = present.contains(spots.episode, spots.entity)
        keep = known | ~((spots.common == spots.count) & weak)
        # Where: the first hit with a timestamp, else the first.
        hit = np.where(spots.timed >= 0, spots.timed, spots.first)
        unit = hits.unit[hit]

        def places(chosen: npt.NDArray[np.int64]) -> PlaceColumns:
            """The places of the spots ``chosen``: their first hit (timed if one is)."""
            at = hit[chosen]
            where = unit[chosen]
            start = hits.unit_start[where]
            span = (hits.start[at] - start).astype(np.int64), (hits.end[at] - start).astype(np.int64)
            return PlaceColumns(PLACE_NAMES, hits.unit_field[where].astype(np.int64), *span,
                                hits.unit_chapter[where].astype(np.int64),
                                hits.unit_time[where].astype(np.float64), hits.unit_timed[where].astype(bool),
                                spots.count[chosen].astype(np.int64))

        placing = np.flatnonzero(keep & known)
        listed, position = present.where(spots.episode[placing], spots.entity[placing])
        # Hashtag mentions (new in this build) are placed where the text discusses their entity.
        tagged = placing[~listed]
        tag_places = zip(*map(places(tagged).values, PLACE_FIELDS), strict=True)
        for number, entity_at, place in zip(spots.episode[tagged].tolist(), spots.entity[tagged].tolist(),
                                            tag_places, strict=True):
            place_mention(present.hashtag(number, entity_at), MentionPlace(*place))
        # Listed mentions (those that say where they are already, title patterns', keep it).
        placed = placing[listed]
        added.placed_episode = spots.episode[placed]
        added.placed_position = position[listed]
        added.places = places(placed)

        # New mentions: their entity and fields as columns.
        new = np.flatnonzero(keep & ~known)
        at = hit[new]
        room = (hits.unit_end[unit[new]] - hits.start[at]).tolist()
        spelled = [hits.variants[v][1] for v in hits.variant[at].tolist()]
        type_of = {e.id: e.type.value for e in entity_of.values()}
        entity_ids = present.entity_ids
        rows = TextRows(spots.episode[new], spots.entity[new], places(new))
        rows.values["surface"] = [w if r >= len(w) else w[:r] for w, r in zip(spelled, room, strict=True)]
        rows.values["type_label"] = [type_of[entity_ids[e]] for e in rows.entity.tolist()]
        return rows


_ID = attrgetter("id")
_TAGS = attrgetter("tags")
