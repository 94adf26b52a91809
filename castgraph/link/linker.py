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

import re
from bisect import bisect_right
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from castgraph.errors import CastgraphError
from castgraph.graph.model import Entity, Episode, Mention, MentionOrigin, Resolution, Topic
from castgraph.link.automaton import NameAutomaton, lower_same_length
from castgraph.link.hashtags import HashtagIndex
from castgraph.link.titles import TitleGuestFinder, TitlePattern
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

#: What the linker can read: ``tags`` links hashtags, ``title`` also runs the title patterns.
LINK_FIELDS = ("title", "summary", "chapters", "transcript", "tags")

#: Names too generic to link from text or tags, whatever entity carries them.
GENERIC_NAMES = frozenset([
    "ai", "api", "apis", "llm", "llms", "ml", "gpu", "gpus", "cpu", "agent", "agents", "model", "models",
    "app", "apps", "data", "code", "coding", "cloud", "web", "chat", "search", "software", "hardware",
    "tool", "tools", "product", "products", "platform", "company", "startup", "team", "research", "science",
    "engineering", "internet", "open-source", "opensource", "podcast", "episode", "show", "host", "guest",
    "news", "video"
]) | {"open source", "machine learning", "deep learning", "artificial intelligence"}

#: One-word names that are also ordinary English words (names of products and companies
#: especially): they link only when written exactly and often enough.
COMMON_WORDS = frozenset([
    "apple", "amazon", "notion", "linear", "cursor", "windows", "word", "excel", "slack", "teams", "zoom",
    "go", "rust", "swift", "ruby", "python", "java", "spark", "pages", "actions", "gemini", "mistral",
    "meta", "square", "stripe", "box", "discord", "signal", "threads", "llama", "alpaca", "falcon",
    "phoenix", "delta", "shell", "oracle", "target", "visa", "office", "outlook", "edge", "chrome",
    "safari", "modal", "render", "railway", "fly", "neon", "plaid", "ramp", "mercury", "loom", "bolt",
    "warp", "arc", "runway", "scale", "surge", "weights", "comet", "ray", "arrow", "flight", "duck",
    "iceberg", "chroma", "kafka", "beam", "storm", "temporal", "trigger", "segment", "amplitude", "heap",
    "sentry", "tempo", "build", "universe", "summit", "people", "human", "orange", "mint", "sage", "basil",
    "ginger", "pepper", "honey", "sugar", "salt", "bell", "ford", "king", "queen", "prince", "major",
    "general", "bishop", "baker", "cook", "smith", "miller", "hunter", "fisher", "carter", "mason", "wells",
    "brown", "white", "black", "green", "gray", "grey", "young", "long", "short", "little", "hill", "wood",
    "woods", "banks", "rose", "lily", "grace", "hope", "faith", "joy", "amber", "pearl", "crystal",
    "summer", "autumn", "winter", "spring", "june", "may", "april", "august", "will", "mark", "bill", "pat",
    "sue", "rob", "drew", "chase", "dean", "gene", "grant", "lane", "rich", "claude"
])

# Kana, kanji and hangul: the scripts without spaces (see castgraph.link.boundaries).
_CJK_CHARS = re.compile("[\u3041-\u30ff\u31f0-\u31ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
                        "\uff66-\uff9f\uac00-\ud7af\u1100-\u11ff\u3005]")


_SENTENCE_ENDS = frozenset(".!?:\n。！？：")
_OPENERS = frozenset(" \t\"'“‘(「『*-—–")


def _sentence_start(text: str, at: int) -> bool:
    """Whether ``text[at]`` starts a sentence or a text (where any word is capitalized).

    >>> _sentence_start("Linear maps. Linear is fast", 13), _sentence_start("left for Linear", 9)
    (True, False)
    """
    j = at - 1
    while j >= 0 and text[j] in _OPENERS:
        j -= 1
    return j < 0 or text[j] in _SENTENCE_ENDS


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


class MentionPlace(BaseModel):
    """Where a name was found: field, chapter, span in that text, timestamp, and how often."""

    field: str
    span: tuple[int, int]
    chapter: int | None = None
    timestamp: float | None = None
    occurrences: int = 1


class LinkResult(BaseModel):
    """What the linker found; :meth:`apply` adds it to the episodes and the resolution."""

    mentions: list[Mention] = Field(default_factory=list)
    assignments: dict[str, str] = Field(default_factory=dict)
    places: dict[str, MentionPlace] = Field(default_factory=dict)
    topic_entities: dict[str, str] = Field(default_factory=dict)

    def apply(self, episodes: Iterable[Episode], resolution: Resolution) -> None:
        """Append the found mentions to their episodes and entities; place the existing mentions."""
        with gc_paused():
            self._apply(episodes, resolution)

    def _apply(self, episodes: Iterable[Episode], resolution: Resolution) -> None:
        by_episode: dict[str, list[Mention]] = {}
        for mention in self.mentions:
            by_episode.setdefault(mention.episode_id, []).append(mention)
        entities = {e.id: e for e in resolution.entities}
        for ep in episodes:
            for mention in ep.mentions:
                place = self.places.get(mention.id)
                if place is not None:
                    mention.field, mention.span, mention.chapter = place.field, place.span, place.chapter
                    mention.timestamp, mention.occurrences = place.timestamp, place.occurrences
            for mention in by_episode.get(ep.id, ()):
                ep.mentions.append(mention)
                entity_id = self.assignments[mention.id]
                resolution.assignments[mention.id] = entity_id
                entities[entity_id].mention_ids.append(mention.id)
        for entity in entities.values():
            entity.mention_ids.sort()
        resolution.topic_entities.update(self.topic_entities)


def _cues(ep: Episode) -> list[tuple[float | None, str]]:
    """``(start, text)`` of the episode's transcript cues, if it has a transcript."""
    # The instance dict, not getattr: a missing attribute on a pydantic model is a slow miss.
    transcript: Any = vars(ep).get("transcript")
    if transcript is None:
        return []
    cues = getattr(transcript, "cues", transcript)
    out = []
    for cue in cues or ():
        get = cue.get if isinstance(cue, dict) else lambda k, c=cue: getattr(c, k, None)
        text, start = get("text"), get("start")
        if isinstance(text, str) and text:
            out.append((float(start) if isinstance(start, (int, float)) else None, text))
    return out


def episode_texts(ep: Episode, fields: Sequence[str] = LINK_FIELDS
                  ) -> Iterator[tuple[str, int | None, float | None, str]]:
    """``(field, chapter, timestamp, text)`` of each text of ``ep`` the linker reads, in reading order.

    >>> from castgraph.graph.model import Chapter
    >>> list(episode_texts(Episode(id="e", title="T", chapters=[Chapter(title="C", start=5, summary="S")])))
    [('title', None, None, 'T'), ('chapter_title', 0, 5.0, 'C'), ('chapter_summary', 0, 5.0, 'S')]
    """
    if "title" in fields and ep.title:
        yield "title", None, None, ep.title
    if "summary" in fields and ep.summary:
        yield "summary", None, None, ep.summary
    starts: list[float] = []
    if "chapters" in fields or "transcript" in fields:
        for i, chapter in enumerate(ep.chapters):
            start = float(chapter.start) if chapter.start is not None else None
            starts.append(start if start is not None else (starts[-1] if starts else 0.0))
            if "chapters" not in fields:
                continue
            if chapter.title:
                yield "chapter_title", i, start, chapter.title
            if chapter.summary:
                yield "chapter_summary", i, start, chapter.summary
            for quote in chapter.quotes:
                if quote:
                    yield "chapter_quote", i, start, quote
    if "transcript" in fields:
        for start, text in _cues(ep):
            at = bisect_right(starts, start) - 1 if start is not None and starts else -1
            yield "transcript", at if at >= 0 else None, start, text


class _Name:
    """One lower-cased name of the automaton: the entities it names and how they write it."""

    __slots__ = ("acronym", "capitalized", "common", "entities", "forms", "single")

    def __init__(self) -> None:
        self.entities: list[str] = []
        self.forms: set[str] = set()
        self.single = False
        self.capitalized = False
        self.acronym = False
        self.common = False


class EntityLinker:
    """Find the known entities named in episode titles, notes, chapters, transcripts and tags.

    Parameters
    ----------
    options
        Fields to read, guards, the title pattern table and the automaton library.
    """

    def __init__(self, options: LinkOptions | None = None) -> None:
        self.options = options or LinkOptions()

    @property
    def active(self) -> bool:
        return self.options.enabled and bool(self.options.fields)

    def linkable(self, name: str) -> bool:
        """Whether a name may be linked at all (length and generic-word guards).

        >>> linker = EntityLinker()
        >>> [linker.linkable(name) for name in ("GitHub", "AI", "Agents", "松尾")]
        [True, False, False, True]
        """
        text = name.strip()
        if not text or " ".join(text.casefold().split()) in GENERIC_NAMES:
            return False
        cjk = _CJK_CHARS.search(text) is not None
        if len(text) < (self.options.min_chars_cjk if cjk else self.options.min_chars):
            return False
        return any(c.isalpha() for c in text)

    def add_title_mentions(self, episodes: Iterable[Episode]) -> int:
        """Before resolution: add the guests and products that titles name (``title_pattern`` mentions)."""
        if not self.active or "title" not in self.options.fields:
            return 0
        return TitleGuestFinder(self.options.title_patterns).add_mentions(episodes)

    def _names(self, entities: Iterable[Entity]) -> dict[str, _Name]:
        names: dict[str, _Name] = {}
        for entity in sorted(entities, key=lambda e: e.id):
            for form in dict.fromkeys(n.strip() for n in (entity.name, *entity.aliases)):
                if not self.linkable(form):
                    continue
                entry = names.setdefault(lower_same_length(form), _Name())
                if entity.id not in entry.entities:
                    entry.entities.append(entity.id)
                entry.forms.add(form)
        for key, entry in names.items():
            letters = [c for c in key if c.isalpha()]
            entry.single = key.isalnum() and _CJK_CHARS.search(key) is None
            entry.capitalized = any(f != f.lower() for f in entry.forms)
            entry.acronym = entry.single and all(c.isalpha() for c in key) and all(
                all(c.isupper() for c in form if c.isalpha()) for form in entry.forms) and len(letters) > 1
            entry.common = entry.single and key.isalpha() and key in COMMON_WORDS
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
        with gc_paused():  # many small objects, no cycles: see castgraph.memory
            return self._link(episodes, resolution)

    def _link(self, episodes: Iterable[Episode], resolution: Resolution) -> LinkResult:
        result = LinkResult()
        if not self.active:
            return result
        opts = self.options
        eps = sorted(episodes, key=lambda e: e.id)
        entity_of = {e.id: e for e in resolution.entities}
        if "tags" in opts.fields:
            tags = HashtagIndex(resolution.entities, self.linkable)
            for tag in sorted({t for ep in eps for t in ep.tags}):
                owner = tags.entity_for(tag)
                if owner is not None:
                    result.topic_entities[Topic.from_tag(tag).id] = owner
        text_fields = [f for f in opts.fields if f != "tags"]
        names = self._names(resolution.entities)
        keys = sorted(names)
        entries = [names[k] for k in keys]
        automaton = NameAutomaton(keys, implementation=opts.automaton) if text_fields and keys else None

        # Pass 1: every whole-word hit, grouped by (name, text as written) per episode; a
        # capitalized one-word name seen in lower case anywhere is a common word.
        found: list[dict[tuple[int, str], list[int]]] = []
        layouts: list[tuple[list[tuple[str, int | None, float | None, str]], list[int]]] = []
        lower_uses: Counter[int] = Counter()
        for ep in eps:
            texts = list(episode_texts(ep, text_fields)) if automaton is not None else []
            offsets, at, timed_from = [], 0, -1
            for t in texts:
                offsets.append(at)
                if timed_from < 0 and t[2] is not None:
                    timed_from = at
                at += len(t[3]) + 1
            layouts.append((texts, offsets))
            # (name, written) -> [first start, first end, count, first timed start, its end,
            #                     count not at the start of a sentence]
            seen: dict[tuple[int, str], list[int]] = {}
            if texts and automaton is not None:
                joined = "\n".join(t[3] for t in texts)
                for start, end, name in automaton.find_tuples(joined):
                    key = (name, joined[start:end])
                    spot = seen.get(key)
                    if spot is None:
                        seen[key] = spot = [start, end, 0, -1, -1, 0]
                    spot[2] += 1
                    if spot[3] < 0 <= timed_from <= start:
                        spot[3], spot[4] = start, end
                    if entries[name].single and not _sentence_start(joined, start):
                        spot[5] += 1
                for (name, written), spot in seen.items():
                    entry = entries[name]
                    if entry.single and entry.capitalized and written == written.lower():
                        lower_uses[name] += spot[2]
            found.append(seen)
        for name in lower_uses:
            if keys[name].isalpha():
                entries[name].common = True

        # Pass 2: decide per episode.
        for ep, (texts, offsets), seen in zip(eps, layouts, found, strict=True):
            present: dict[str, str] = {}  # entity id -> id of its first mention in the episode
            for mention in ep.mentions:
                entity_id = resolution.assignments.get(f"{ep.id}#{mention.ordinal}")
                if entity_id is not None and entity_id in entity_of:
                    present.setdefault(entity_id, f"{ep.id}#{mention.ordinal}")
            next_ordinal = len(ep.mentions)
            for tag in ep.tags:
                owner = result.topic_entities.get(f"topic:{tag}")
                if owner is None or owner in present:
                    continue
                mention = Mention(surface=f"#{tag}", type_label=entity_of[owner].type.value,
                                  origin=MentionOrigin.HASHTAG, field="tags", episode_id=ep.id,
                                  ordinal=next_ordinal)
                next_ordinal += 1
                result.mentions.append(mention)
                result.assignments[mention.id] = owner
                present[owner] = mention.id
            # entity -> [first start, first end, count, first timed start, its end,
            #            hits through common words, those of them not starting a sentence]
            spots: dict[str, list[int]] = {}
            for (name, written), spot in seen.items():
                entry = entries[name]
                if not self._case_ok(entry, written):
                    continue
                candidates = entry.entities
                if len(candidates) > 1:
                    candidates = [e for e in candidates if e in present]
                    if len(candidates) != 1:
                        continue  # ambiguous: only where the episode already names one of them
                entity_id = candidates[0]
                mine = spots.get(entity_id)
                if mine is None:
                    spots[entity_id] = mine = [spot[0], spot[1], 0, spot[3], spot[4], 0, 0]
                mine[2] += spot[2]
                if entry.common:
                    mine[5] += spot[2]
                    mine[6] += spot[5]
                if spot[0] < mine[0]:
                    mine[0], mine[1] = spot[0], spot[1]
                if spot[3] >= 0 and (mine[3] < 0 or spot[3] < mine[3]):
                    mine[3], mine[4] = spot[3], spot[4]
            for entity_id in sorted(spots, key=lambda e: (spots[e][0], e)):
                first, end, count, timed, timed_end, common, inside = spots[entity_id]
                # Found only as a common word: enough times, and not only where any word is capitalized.
                weak = count < opts.common_evidence or not inside
                if entity_id not in present and common == count and weak:
                    continue
                start, end = (timed, timed_end) if timed >= 0 else (first, end)
                unit = bisect_right(offsets, start) - 1
                field, chapter, timestamp, _ = texts[unit]
                span = (start - offsets[unit], end - offsets[unit])
                if entity_id in present:
                    result.places.setdefault(present[entity_id], MentionPlace(
                        field=field, span=span, chapter=chapter, timestamp=timestamp, occurrences=count))
                    continue
                mention = Mention(surface=texts[unit][3][span[0]:span[1]],
                                  type_label=entity_of[entity_id].type.value, origin=MentionOrigin.TEXT_LINK,
                                  episode_id=ep.id, ordinal=next_ordinal, field=field, span=span,
                                  chapter=chapter, timestamp=timestamp, occurrences=count)
                next_ordinal += 1
                result.mentions.append(mention)
                result.assignments[mention.id] = entity_id
        # A hashtag mention is placed where the text discusses its entity, if it does.
        for mention in result.mentions:
            if mention.id in result.places:
                for attr, value in result.places.pop(mention.id).model_dump().items():
                    setattr(mention, attr, value)
        # Mentions that already say where they are (title patterns) keep their place.
        placed = {m.id for ep in eps for m in ep.mentions if m.field}
        result.places = {k: v for k, v in sorted(result.places.items()) if k not in placed}
        return result
