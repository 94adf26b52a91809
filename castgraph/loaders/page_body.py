"""Parse the body of one episode on a podcast-app page.

A body is the episode summary, then chapters (``## [mm:ss] Title`` followed by
the chapter summary and quotes ``> *"..."*``), then an entity list (``## Entities``
or ``## 登場人物`` with items ``- **Name** (Type): description``, ASCII or
full-width brackets and colons). The page usually shows the body on one line, so a
chapter heading runs straight into its summary; :func:`split_heading` separates them.

Examples
--------
>>> body = parse_body('Intro text. ## [01:21] Introduction Kyle explains the plan. '
...                   '> *"We ship."* ## Entities - **Kyle** (Person): COO. - **GitHub** （組織）：Host.')
>>> body.summary, body.chapters[0].title, body.chapters[0].start, body.chapters[0].quotes
('Intro text.', 'Introduction', 81.0, ['We ship.'])
>>> body.entities
[('Kyle', 'Person', 'COO.'), ('GitHub', '組織', 'Host.')]
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from castgraph.graph.model import Chapter
from castgraph.loaders.base import parse_clock
from castgraph.loaders.page_dump import find_dump

__all__ = ["Body", "parse_body", "split_heading"]

_CHAPTER = re.compile(r"##\s*\[(\d{1,2}:\d{2}(?::\d{2})?)\]\s*")
# Any other level-2 heading directly followed by a list item starts the entity list.
_ENTITY_HEADING = re.compile(r"##\s*([^\[#\s][^#\n]{0,40}?)\s*[:：]?\s*(?=-\s+\*\*)")
_ITEM = re.compile(r"(?:^|(?<=\s))-\s+\*\*(.*?)\*\*\s*(?:[(（]\s*([^()（）]*?)\s*[)）])?\s*[:：]?\s*", re.S)
_QUOTE = re.compile(r">\s*\*(.*?)\*(?=[ \t]*(?:>\s*\*|##|$))", re.S | re.M)
_ARTIFACT = re.compile(r"^\[\s*\d+(?:\s*,\s*\d+)*\s*\]$")
_JUNK = re.compile(r"^(?:[\s\[\]{},:\"']*|\w+\"\s*:.*)$", re.S)
# Words a title-case heading keeps in lower case.
# fmt: off
_SMALL = frozenset({
    "a", "an", "the", "and", "or", "but", "nor", "for", "of", "in", "on", "at", "to", "by", "with",
    "from", "as", "via", "vs", "vs.", "into", "over", "per", "than", "up", "&", "x",
})
# fmt: on
_JA_SUBJECT = re.compile(r" (?:[A-Za-z][\w.’'-]* )+(?=[がはもをにとで])")
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uf900-\ufaff\uff66-\uff9f]")


@dataclass
class Body:
    """The parts of an episode body."""

    summary: str = ""
    chapters: list[Chapter] = field(default_factory=list)
    entities: list[tuple[str, str, str]] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)


def _squash(text: str) -> str:
    return " ".join(text.split())


def _word_kind(word: str, names: set[str]) -> str:
    """``"name"`` (capitalized, a known name, digits...), ``"small"`` or ``"lower"``."""
    bare = word.strip("\"'“”‘’()[],.:;!?")
    if not bare:
        return "name"
    if bare.casefold() in names or bare.split("'")[0].split("’")[0].casefold() in names:
        return "name"
    if word.casefold() in _SMALL or bare.casefold() in _SMALL:
        return "small" if bare[0].islower() else "name"
    first = bare[0]
    if first.isalpha() and first.islower() and not any(c.isupper() for c in bare[1:]):
        return "lower"
    return "name"


def _split_english(words: list[str], names: set[str], phrases: set[str]) -> int:
    """Index of the first summary word, or ``len(words)`` when it is all title."""
    kinds = [_word_kind(w, names) for w in words]
    verb = next((i for i in range(1, len(words)) if kinds[i] == "lower"), None)
    if verb is None:
        return len(words)
    if words[verb - 1].endswith(("?", "!")) or (verb == 1 and kinds[0] != "name"):
        return verb
    start = verb - 1
    while start > 0 and kinds[start] == "small":  # "Over the last", "Jake Cooper and the hosts"
        start -= 1
    if start > 0 and words[start].endswith(("?", "!", ":", ",", ";")):
        return start + 1  # the summary starts with lower-case words right after the title
    # Widen the subject to a known multi-word name ("Jake Cooper", "The Fourth Law's").
    for width in (3, 2):
        first = start - width + 1
        if first >= 1:
            phrase = re.sub(r"['’]s$", "", " ".join(words[first : start + 1])).casefold()
            shorter = " ".join(words[first:start]).casefold()  # "Grok Imagine 0.9"
            if phrase in phrases or (words[start][:1].isdigit() and shorter in phrases):
                start = first
                break
    # A subject like "Teams at Anthropic": a title does not end in a small word.
    while start >= 3 and kinds[start - 1] == "small" and kinds[start - 2] == "name":
        start -= 2
    for back in (1, 2):
        if start - back >= 1 and words[start - back] in ("The", "A", "An", "This", "These"):
            start -= back
            break
    # A compound subject: "swyx and Vibhu welcome".
    if (
        start >= 3
        and words[start - 1] in ("and", "&")
        and kinds[start - 2] == "name"
        and not words[start - 3].endswith(",")
    ):
        start -= 2
    return max(start, 1)


def _split_japanese(text: str) -> int:
    """Offset where the summary starts in a Japanese heading line, or -1."""
    first_stop = text.find("。")
    limit = first_stop if first_stop >= 0 else len(text)
    # A Latin-script subject and its particle ("... EHR Chai が今後") start the summary.
    subject = _JA_SUBJECT.search(text, 0, limit)
    for match in re.finditer(r" +", text[:limit]):
        if subject is not None and match.start() >= subject.start():
            return subject.start() + 1
        before, after = text[match.start() - 1 : match.start()], text[match.end() : match.end() + 1]
        if (_CJK.match(before) or before in "?？!！」』）)") and after not in "—–-―" and after:
            return match.end()
    if first_stop >= 0:
        head = text[:first_stop]
        space = head.rfind(" ")
        if space > 0:
            return space + 1
    return -1


# fmt: off
_OPENERS = frozenset({
    "the", "a", "an", "this", "these", "there", "here", "it", "he", "she", "they", "we", "after",
    "when", "while", "as", "if", "once", "asked", "for", "in", "on", "with", "by", "to", "from", "at",
    "rather", "although", "though", "since", "because", "what", "how", "why",
})
# fmt: on


# Words that go on a product name ("GPT Pro", "Claude Max") rather than start a sentence.
_TIERS = frozenset({"pro", "max", "mini", "plus", "turbo", "ultra", "lite", "flash", "nano", "preview"})

# fmt: off
_MODALS = frozenset({
    "can", "could", "will", "would", "should", "may", "might", "must", "does", "did", "is", "are",
    "was", "were",
})
# fmt: on


def _split_sentence_case(words: list[str], names: set[str], tokens: set[str]) -> int:
    """Like :func:`_split_english` for headings in sentence case ("Overview of gluons and ...").

    The summary starts at a capitalized sentence opener ("The", "After", "In"), at
    a capitalized word between a lower-case title word and a lower-case verb, or at
    a known name followed by a verb ("... with GPT-5 Lupsasca details").
    """
    kinds = [_word_kind(w, names) for w in words]
    fallback = None
    for i in range(2, len(words)):
        word, prev = words[i], words[i - 1]
        if prev.endswith(".") and i > 2:
            return fallback if fallback is not None else i
        if kinds[i] != "name" or prev.endswith((":", ";", ",", "—")) or kinds[i - 1] == "small":
            continue
        bare = word.strip("\"'“‘(,").casefold()
        verb_next = i + 1 < len(words) and kinds[i + 1] == "lower" and words[i + 1] not in _MODALS
        if bare in _OPENERS and word[0].isupper():
            return i
        if verb_next and (kinds[i - 1] == "lower" or (bare in tokens and bare not in _TIERS)):
            return i
        if kinds[i - 1] == "lower" and fallback is None:
            fallback = i
    return fallback if fallback is not None else len(words)


def _sentence_case(heads: list[str]) -> bool:
    """Whether most of an episode's headings are in sentence case (a lower-case word early on)."""
    votes = 0
    for head in heads:
        words = head.split()[:4]
        kinds = [_word_kind(w, set()) for w in words]
        if len(words) > 2 and (kinds[1] == "lower" or (kinds[1] == "small" and kinds[2] == "lower")):
            votes += 1
    return bool(heads) and votes * 2 > len(heads)


def _names(names: set[str] | None) -> set[str]:
    """Known names, casefolded, with "A / B" and "A (B)" split into their parts."""
    known: set[str] = set()
    for name in names or ():
        name = unicodedata.normalize("NFKC", name).casefold()
        for part in re.split(r"\s*/\s*|\s*[()]\s*", name):
            if part.strip():
                known.add(part.strip())
    return known


def split_heading(
    text: str, names: set[str] | None = None, *, sentence_case: bool = False
) -> tuple[str, str]:
    """Split a chapter heading that runs into its summary into ``(title, summary)``.

    A newline ends the title when the page kept one. Otherwise the title is the
    run of title-case words before the first sentence (English; ``sentence_case``
    for headings written like a sentence), or the text before the first space that
    follows Japanese text (Japanese). ``names`` (the episode's entity names) helps
    tell a subject like "Jake Cooper" or "swyx" from the title. This is a
    heuristic: a title that ends in a name can keep or lose a word.

    >>> split_heading("Why AI Got Kyle Coding Again Swyx points out the dip.")
    ('Why AI Got Kyle Coding Again', 'Swyx points out the dip.')
    >>> split_heading("What Is Railway? Railway is described as a platform.")
    ('What Is Railway?', 'Railway is described as a platform.')
    >>> split_heading("Overview of gluons and the strong force Gluons are particles.", sentence_case=True)
    ('Overview of gluons and the strong force', 'Gluons are particles.')
    >>> split_heading("How GPT Pro generalized the research For the paper, it sufficed.",
    ...               {"GPT-5 / ChatGPT Pro"}, sentence_case=True)
    ('How GPT Pro generalized the research', 'For the paper, it sufficed.')
    >>> split_heading("Gemma 4の紹介とチームの守備範囲 Omarが一言で表す。")
    ('Gemma 4の紹介とチームの守備範囲', 'Omarが一言で表す。')
    """
    text = text.strip()
    if "\n" in text:
        title, _, rest = text.partition("\n")
        return title.strip(), _squash(rest)
    if _CJK.search(text[:60]):
        cut = _split_japanese(text)
        return (text, "") if cut < 0 else (text[:cut].strip(), text[cut:].strip())
    known = _names(names)
    words = text.split()
    single = {n for n in known if " " not in n}
    single |= {part for n in known for part in n.split()[:1]}  # first names: "Jake" of "Jake Cooper"
    if sentence_case:
        tokens = {part for n in known for part in n.split() if part not in _SMALL}
        cut = _split_sentence_case(words, single, tokens)
    else:
        cut = _split_english(words, single, known)
    return " ".join(words[:cut]), " ".join(words[cut:])


def _quotes(text: str) -> tuple[list[str], str]:
    """The quotes of a chapter, and its text without them."""
    quotes = []
    for match in _QUOTE.finditer(text):
        quote = match.group(1).strip()
        for left, right in ('""', "“”", "「」"):
            if len(quote) > 1 and quote[0] == left and quote[-1] == right:
                quote = quote[1:-1].strip()
        if quote and not _ARTIFACT.match(quote) and not _JUNK.match(quote):
            quotes.append(quote)
    rest = _QUOTE.sub(" ", text)
    rest = re.sub(r">\s*\*+\s*", " ", rest)  # a quote marker left empty by a removed dump
    return quotes, _squash(rest)


def _entities(text: str) -> list[tuple[str, str, str]]:
    items = list(_ITEM.finditer(text))
    found = []
    for i, item in enumerate(items):
        end = items[i + 1].start() if i + 1 < len(items) else len(text)
        description = _squash(text[item.end() : end])
        found.append((_squash(item.group(1)), _squash(item.group(2) or ""), description))
    return found


def _merge_chapters(written: list[Chapter], recovered: list[Chapter]) -> list[Chapter]:
    """One chapter per start time: a heading's title, a recovered chapter's summary and quotes."""
    by_start: dict[float | None, Chapter] = {}
    order: list[float | None] = []
    for chapter in [*written, *recovered]:
        key = chapter.start
        if key not in by_start or key is None:
            by_start[key] = chapter.model_copy()
            order.append(key)
            continue
        kept = by_start[key]
        kept.title = kept.title or chapter.title
        kept.summary = chapter.summary or kept.summary
        kept.quotes = chapter.quotes or kept.quotes
    chapters = [by_start[k] for k in dict.fromkeys(order)]
    return sorted(chapters, key=lambda c: (c.start is None, c.start or 0.0))


def parse_body(text: str, names: set[str] | None = None) -> Body:
    """Parse an episode body into summary, chapters, entity items and any recovered tags.

    ``names`` are extra known names for :func:`split_heading`; the body's own
    entity names are always used.
    """
    body = Body()
    dump = find_dump(text)
    if dump is not None:
        text = text[: dump.start] + text[dump.end :]
    entity_heading = _ENTITY_HEADING.search(text)
    entity_text = ""
    if entity_heading:
        entity_text = text[entity_heading.end() :]
        text = text[: entity_heading.start()]
    body.entities = _entities(entity_text)
    known = {name for name, _, _ in body.entities} | set(names or ())
    if dump is not None:
        known |= {name for name, _, _ in dump.entities}

    headings = list(_CHAPTER.finditer(text))
    body.summary = _squash(text[: headings[0].start()] if headings else text)
    recovered = {c.start for c in dump.chapters} if dump is not None else set()
    chunks = []
    for i, heading in enumerate(headings):
        end = headings[i + 1].start() if i + 1 < len(headings) else len(text)
        chunk = text[heading.end() : end]
        marker = _QUOTE.search(chunk)
        head, tail = (chunk[: marker.start()], chunk[marker.start() :]) if marker else (chunk, "")
        chunks.append((heading, head.rstrip(" \t"), tail))
    sentence_case = _sentence_case([head for _, head, _ in chunks])
    written = []
    for heading, head, tail in chunks:
        start = float(parse_clock(heading.group(1)) or 0)
        if start in recovered:  # a bare heading whose text is kept in the dump: all of it is title
            title, summary = _squash(head), ""
        else:
            title, summary = split_heading(head, known, sentence_case=sentence_case)
        quotes, rest = _quotes(tail)
        written.append(
            Chapter(
                title=title,
                start=start,
                summary=_squash(f"{summary} {rest}"),
                quotes=quotes,
            )
        )
    if dump is not None:
        body.chapters = _merge_chapters(written, dump.chapters)
        if not body.entities:
            body.entities = dump.entities
        body.tags = dump.tags
        body.extra = dump.extra
    else:
        body.chapters = _merge_chapters(written, [])
    return body
