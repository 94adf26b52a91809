"""Read RSS podcast feeds, Podcasting 2.0 tags included, as leniently as podcast apps do.

Each ``<item>`` becomes one :class:`Episode`:

* id: the item's ``guid``; a short guid (under 16 characters, such as ``42``, unique
  only within its feed), or a missing one, gives a hash of the show title and the
  guid -- or, without a guid, the enclosure URL, the link, then title and date;
* title, ``pubDate`` (RFC 822 and the other date formats found in real feeds), link,
  enclosure, ``itunes:duration``, season and episode numbers (``itunes:`` or ``podcast:``);
* ``content:encoded`` (else ``description``, else ``itunes:summary``) reduced to text
  as the summary, its links kept in :attr:`Episode.links`;
* ``itunes:keywords`` and ``category`` as topics; the channel as :attr:`Episode.show_info`;
* every ``<podcast:person>`` as a Person mention with its role (default ``host``),
  group (default ``cast``), ``href`` and ``img``. Persons of the channel apply to the
  items that list none; an item's persons replace the channel's (the namespace's rule);
* ``<podcast:chapters>`` (JSON) and ``<podcast:transcript>`` (SRT, VTT, JSON, HTML,
  text) read into chapters and transcript when a :class:`LinkedFiles` allows it.

Both URIs the podcast namespace has used are read, and an undeclared ``podcast:``
prefix too. Broken XML is recovered (lxml ``recover=True``, after bytes before the
root, the XML declaration and undefined HTML entities are dealt with) and said so
in one warning; an item with a problem is kept with a warning naming its line.
Entities are never resolved from a DTD and nothing is fetched unless asked.

Examples
--------
>>> feed = '''<?xml version="1.0"?>
... <rss xmlns:podcast="https://podcastindex.org/namespace/1.0"><channel><title>Tech Talks</title>
... <podcast:person href="https://example.com/ann">Ann Host</podcast:person>
... <item><guid>tt-0001-agents-at-work</guid><title>Agents &amp; tools</title>
... <pubDate>Tue, 24 Nov 2026 10:00:00 GMT</pubDate><itunes:duration>42:10</itunes:duration>
... <podcast:person role="Guest">  Jane Doe </podcast:person></item>
... <item><guid>2</guid><title>Solo</title></item></channel></rss>'''
>>> result = parse_feed(feed)
>>> [(e.id, e.title, str(e.published), e.show) for e in result.episodes]  # doctest: +NORMALIZE_WHITESPACE
[('tt-0001-agents-at-work', 'Agents & tools', '2026-11-24', 'Tech Talks'),
 ('a6ac5da3f3579bcf', 'Solo', 'None', 'Tech Talks')]
>>> [(m.surface, m.role, m.group) for m in result.episodes[0].mentions]
[('Jane Doe', 'guest', 'cast')]
>>> [(m.surface, m.role, m.href) for m in result.episodes[1].mentions]
[('Ann Host', 'host', 'https://example.com/ann')]
>>> [str(w) for w in result.warnings]
["<text>, line 5: undeclared namespace prefix 'itunes'; read as itunes"]
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from lxml import etree
from pydantic import ValidationError

from castgraph.graph.model import (
    Chapter,
    Enclosure,
    Episode,
    LoadWarning,
    MentionOrigin,
    Show,
    Source,
    TranscriptCue,
    stable_id,
)
from castgraph.loaders.base import LoadResult, dedupe_episodes, make_result
from castgraph.loaders.errors import InputError
from castgraph.loaders.feed_text import (
    element_markup,
    element_text,
    parse_duration,
    parse_feed_date,
    prepare_xml,
)
from castgraph.loaders.html_text import html_to_text
from castgraph.loaders.linked import (
    TRANSCRIPT_FORMATS,
    LinkedFiles,
    parse_chapters,
    parse_transcript,
    transcript_format,
)
from castgraph.memory import gc_paused

__all__ = ["PODCAST_NAMESPACES", "LinkedFiles", "looks_like_feed", "parse_feed", "read_feed"]

#: The URIs the podcast namespace has been published under (both are read).
PODCAST_NAMESPACES = (
    "https://podcastindex.org/namespace/1.0",
    "https://github.com/Podcastindex-org/podcast-namespace/blob/main/docs/1.0.md",
)
_PREFIX_OF_URI = {
    "podcastindex.org/namespace/1.0": "podcast",
    "github.com/podcastindex-org/podcast-namespace/blob/main/docs/1.0.md": "podcast",
    "www.itunes.com/dtds/podcast-1.0.dtd": "itunes",
    "itunes.com/dtds/podcast-1.0.dtd": "itunes",
    "purl.org/rss/1.0/modules/content": "content",
    "purl.org/dc/elements/1.1": "dc",
    "www.w3.org/2005/atom": "atom",
    "www.google.com/schemas/play-podcasts/1.0": "googleplay",
    "purl.org/rss/1.0": "",
    "backend.userland.com/rss2": "",
}
_KNOWN_PREFIXES = frozenset(p for p in _PREFIX_OF_URI.values() if p)
_SHORT_GUID = 16
_FEED_ROOT = re.compile(rb"<(?:rss|rdf:RDF|RDF|channel)\b", re.I)


def looks_like_feed(head: bytes) -> bool:
    """Whether the first bytes of a file are an RSS feed (an ``<rss>``, RDF or ``<channel>`` root).

    >>> looks_like_feed(b'\\xef\\xbb\\xbf <?xml version="1.0"?>\\n<rss version="2.0">')
    True
    >>> looks_like_feed(b"<html>")
    False
    """
    return _FEED_ROOT.search(head[:65536]) is not None


_name_cache: dict[Any, str] = {}


def _name(tag: Any) -> str:
    """``prefix:local`` of a tag (``local`` for RSS's own elements); ``""`` for unknown namespaces."""
    name = _name_cache.get(tag)
    if name is not None:
        return name
    if not isinstance(tag, str):  # comments and processing instructions
        name = ""
    elif tag.startswith("{"):
        uri, _, local = tag[1:].partition("}")
        key = uri.strip().lower().split("://", 1)[-1].rstrip("/")
        prefix = _PREFIX_OF_URI.get(key)
        name = "" if prefix is None else (f"{prefix}:{local}" if prefix else local)
    elif ":" in tag:  # an undeclared prefix that recovery left in the name
        prefix, _, local = tag.partition(":")
        name = f"{prefix.lower()}:{local}" if prefix.lower() in _KNOWN_PREFIXES else ""
    else:
        name = tag
    _name_cache[tag] = name
    return name


def _children(element: Any) -> dict[str, list[Any]]:
    out: dict[str, list[Any]] = {}
    for child in element:
        name = _name(child.tag)
        if name:
            out.setdefault(name, []).append(child)
    return out


def _first(children: dict[str, list[Any]], *names: str) -> str:
    for name in names:
        for element in children.get(name, ()):
            text = element_text(element)
            if text:
                return text
    return ""


def _attr(children: dict[str, list[Any]], name: str, attr: str) -> str:
    for element in children.get(name, ()):
        value = (element.get(attr) or "").strip()
        if value:
            return value
    return ""


def _number(text: str) -> int | None:
    text = text.strip()
    try:
        value = float(text)
    except ValueError:
        return None
    return int(value) if value.is_integer() and 0 <= value < 1e9 else None


_PERSON_TAGS = ("{*}person", "podcast:person")  # any namespace: the URI is checked by _name
_ITEM_TAGS = ("item", "{http://purl.org/rss/1.0/}item")


def _persons_by_item(root: Any) -> dict[Any, list[Any]]:
    """Each item's ``<podcast:person>`` tags, also those a broken tag left nested in another element.

    One pass over the document (lxml filters the tags): a recovered feed can nest
    every later item inside a broken one, so searching item by item would be quadratic.
    """
    found: dict[Any, list[Any]] = {}
    for element in root.iter(*_PERSON_TAGS):
        if _name(element.tag) != "podcast:person":
            continue
        owner = next(element.iterancestors(*_ITEM_TAGS), None)
        if owner is not None:
            found.setdefault(owner, []).append(element)
    return found


class _FeedReader:
    def __init__(self, source: str, linked: LinkedFiles | None, feed_url: str) -> None:
        self.source = source
        self.linked = linked
        self.feed_url = feed_url
        self.warnings: list[LoadWarning] = []
        self.persons_of: dict[Any, list[Any]] = {}

    def warn(self, line: int | None, message: str) -> None:
        self.warnings.append(LoadWarning(source=Source(file=self.source, line=line), message=message))

    # -- channel -------------------------------------------------------------------
    def show(self, channel: Any, children: dict[str, list[Any]]) -> Show:
        categories: list[str] = []
        for element in children.get("itunes:category", ()):
            for node in element.iter():
                if _name(node.tag) == "itunes:category" and (node.get("text") or "").strip():
                    categories.append(" ".join(node.get("text").split()))
        categories.extend(element_text(e) for e in children.get("category", ()))
        owner = ""
        for element in children.get("itunes:owner", ()):
            owner = _first(_children(element), "itunes:name")
        image = (_attr(children, "itunes:image", "href") or _attr(children, "podcast:image", "href")
                 or next((_first(_children(e), "url") for e in children.get("image", ())), ""))
        self_link = next((e.get("href", "").strip() for e in children.get("atom:link", ())
                          if e.get("rel") == "self"), "")
        language = _first(children, "language", "dc:language")
        return Show(
            title=_first(children, "title", "itunes:title"),
            author=_first(children, "itunes:author", "author", "managingEditor", "dc:creator"),
            owner=owner, image=image,
            categories=list(dict.fromkeys(c for c in categories if c)),
            url=_first(children, "link"), feed_url=self.feed_url or self_link,
            language=language.split("-")[0].split("_")[0].strip().upper(),
            guid=_first(children, "podcast:guid"),
        )

    def persons(self, elements: list[Any]) -> list[dict[str, Any]]:
        people: list[dict[str, Any]] = []
        seen: set[tuple[str, str, str]] = set()
        for element in elements:
            name = " ".join(element_text(element).split())
            if not name:
                self.warn(element.sourceline, "empty <podcast:person> skipped")
                continue
            role = " ".join((element.get("role") or "").split()).casefold() or "host"
            group = " ".join((element.get("group") or "").split()).casefold() or "cast"
            if (name, role, group) in seen:
                continue
            seen.add((name, role, group))
            people.append({
                "surface": name, "type_label": "Person", "role": role, "group": group,
                "href": (element.get("href") or "").strip(), "img": (element.get("img") or "").strip(),
                "origin": MentionOrigin.PERSON_TAG,
            })
        return people

    # -- items ---------------------------------------------------------------------
    def episode(self, item: Any, show: Show, channel_people: list[dict[str, Any]]) -> Episode | None:
        line = item.sourceline
        ch = _children(item)
        title = " ".join(html_to_text(_first(ch, "title", "itunes:title"))[0].split())
        markup = _first(ch, "content:encoded") and element_markup(ch["content:encoded"][0])
        markup = markup or next((element_markup(e) for e in ch.get("description", ()) if element_text(e)), "")
        markup = markup or _first(ch, "itunes:summary", "itunes:subtitle")
        summary, links = html_to_text(markup) if markup else ("", [])
        if not title:
            title = summary.split("\n", 1)[0][:120] if summary else ""
            if not title:
                self.warn(line, "item has no title and no description; skipped")
                return None
            self.warn(line, "item has no title; used the start of its description")
        date_text = _first(ch, "pubDate", "dc:date", "pubdate")
        published = parse_feed_date(date_text) if date_text else None
        if date_text and published is None:
            self.warn(line, f"unreadable date {date_text[:60]!r}; ignored")
        enclosure = None
        for element in ch.get("enclosure", ()):
            url = (element.get("url") or "").strip()
            if url:
                length = (element.get("length") or "").strip()
                enclosure = Enclosure(url=url, type=(element.get("type") or "").strip(),
                                      length=int(length) if length.isdigit() and len(length) < 16 else None)
                break
        link = _first(ch, "link")
        guid = _first(ch, "guid")
        key = guid or (enclosure.url if enclosure else "") or link or f"{title}\x1f{date_text}"
        if guid and len(guid) >= _SHORT_GUID:
            episode_id = guid
        else:
            episode_id = stable_id(" ".join(show.title.casefold().split()), key)
        duration_text = _first(ch, "itunes:duration")
        duration = parse_duration(duration_text) if duration_text else None
        if duration_text and duration is None:
            self.warn(line, f"unreadable itunes:duration {duration_text[:40]!r}; ignored")
        tags = [k for e in ch.get("itunes:keywords", ()) for k in element_text(e).split(",")]
        tags += [element_text(e) for e in ch.get("category", ())]
        tags_of_item = self.persons_of.get(item)
        people = self.persons(tags_of_item) if tags_of_item else channel_people
        extra: dict[str, Any] = {}
        if guid and guid != episode_id:
            extra["guid"] = guid
        chapters = self.chapters(ch, line, extra)
        transcript = self.transcript(ch, line, extra)
        fields = {
            "id": episode_id, "title": title, "show": show.title, "published": published,
            "duration_seconds": duration, "languages": [show.language] if show.language else [],
            "url": link or (enclosure.url if enclosure else ""), "summary": summary, "links": links,
            "tags": [t.strip() for t in tags if t.strip()], "mentions": people, "chapters": chapters,
            "transcript": transcript, "enclosure": enclosure, "show_info": show,
            "season": _number(_first(ch, "itunes:season", "podcast:season")),
            "episode_number": _number(_first(ch, "itunes:episode", "podcast:episode")),
            "source": Source(file=self.source, line=line), "extra": extra,
        }
        try:
            return Episode.model_validate(fields)
        except ValidationError as exc:
            first = exc.errors()[0]
            self.warn(line, f"item skipped: {'.'.join(map(str, first['loc']))}: {first['msg']}")
            return None

    def chapters(self, ch: dict[str, list[Any]], line: int | None, extra: dict[str, Any]) -> list[Chapter]:
        url = _attr(ch, "podcast:chapters", "url")
        if not url:
            return []
        extra["chapters_url"] = url
        text = self._linked(url, line, "chapters")
        if text is None:
            return []
        try:
            return parse_chapters(text[0])
        except ValueError as exc:
            self.warn(line, f"chapters {url}: {exc}; skipped")
            return []

    def transcript(self, ch: dict[str, list[Any]], line: int | None,
                   extra: dict[str, Any]) -> list[TranscriptCue]:
        links = [{"url": (e.get("url") or "").strip(), "type": (e.get("type") or "").strip(),
                  "language": (e.get("language") or "").strip(), "rel": (e.get("rel") or "").strip()}
                 for e in ch.get("podcast:transcript", ()) if (e.get("url") or "").strip()]
        if not links:
            return []
        extra["transcripts"] = [{k: v for k, v in link.items() if v} for link in links]
        links.sort(key=lambda link: TRANSCRIPT_FORMATS.index(transcript_format(link["type"], link["url"])))
        for link in links:
            text = self._linked(link["url"], line, "transcript")
            if text is None:
                continue
            try:
                cues = parse_transcript(text[0], link["type"] or text[1], link["url"])
            except ValueError as exc:
                self.warn(line, f"transcript {link['url']}: {exc}; skipped")
                continue
            if cues:
                return cues
        return []

    def _linked(self, url: str, line: int | None, what: str) -> tuple[str, str] | None:
        if self.linked is None:
            return None
        try:
            return self.linked.read(url)
        except (OSError, ValueError, InputError) as exc:
            reason = getattr(exc, "strerror", None) or str(exc)
            if isinstance(exc, InputError):  # a failed fetch names the URL itself
                reason = exc.problem
            self.warn(line, f"{what} {url}: cannot read ({reason}); skipped")
            return None


def parse_feed(data: str | bytes, *, source: str = "<text>", linked: LinkedFiles | None = None,
               feed_url: str = "") -> LoadResult:
    """Read the episodes of an RSS feed given as text or bytes.

    Parameters
    ----------
    data : str or bytes
        The feed; bytes are decoded as their BOM or XML declaration says (else UTF-8, else cp1252).
    source : str
        The file or URL named in warnings and sources.
    linked : LinkedFiles, optional
        Which chapters and transcript files may be read; by default none.
    feed_url : str
        The URL the feed was fetched from (kept on the show).

    Raises
    ------
    InputError
        If the text is not an RSS feed or holds no item.
    """
    with gc_paused():
        return _parse(data, source, linked, feed_url)


def _parse(data: str | bytes, source: str, linked: LinkedFiles | None, feed_url: str) -> LoadResult:
    xml, fixes, decode_warnings = prepare_xml(data, source)
    parser = etree.XMLParser(recover=True, resolve_entities=False, no_network=True, load_dtd=False,
                             remove_comments=True, remove_pis=True, huge_tree=False)
    root = etree.fromstring(xml, parser) if xml.strip() else None
    if root is None:
        raise InputError(source, "not an RSS feed (no XML elements could be read)")
    reader = _FeedReader(source, linked, feed_url)
    reader.warnings.extend(decode_warnings)
    errors = [e for e in parser.error_log if e.level >= etree.ErrorLevels.ERROR]
    undeclared = sorted({m.group(1) for e in parser.error_log
                         for m in [re.match(r"Namespace prefix (\w+)", e.message or "")] if m})
    errors = [e for e in errors if not (e.message or "").startswith("Namespace prefix")]
    for prefix in undeclared:
        if prefix.lower() in _KNOWN_PREFIXES:
            line = next(e.line for e in parser.error_log
                        if (e.message or "").startswith(f"Namespace prefix {prefix}"))
            reader.warn(line, f"undeclared namespace prefix '{prefix}'; read as {prefix.lower()}")
    if errors or fixes:
        first = errors[0] if errors else None
        what = [f"line {first.line}: {' '.join((first.message or '').split())}"] if first else []
        what += fixes
        more = f" and {len(errors) - 1} more errors" if len(errors) > 1 else ""
        reader.warn(None, f"not well-formed XML ({'; '.join(what)}{more}); recovered what could be read")
    if isinstance(root.tag, str) and root.tag.rpartition("}")[2] == "feed":
        raise InputError(source, "an Atom feed; castgraph reads RSS feeds")
    channel = root if _name(root.tag) == "channel" else next(
        (c for c in root.iter() if _name(c.tag) == "channel"), None)
    items = [e for e in root.iter() if _name(e.tag) == "item"]
    if channel is None and not items:
        raise InputError(source, "not an RSS feed (no <channel> and no <item>)")
    children = _children(channel) if channel is not None else {}
    show = reader.show(channel, children)
    if not show.title:
        show.title = Path(source).stem if not source.startswith("<") else ""
        reader.warn(channel.sourceline if channel is not None else None, "channel has no title")
    channel_people = reader.persons(children.get("podcast:person", []))
    reader.persons_of = _persons_by_item(root)
    episodes = []
    for item in items:
        episode = reader.episode(item, show, channel_people)
        if episode is not None:
            episodes.append(episode)
    if not episodes:
        raise InputError(source, "feed holds no episode (no <item> with a title or description)")
    kept, duplicates = dedupe_episodes(episodes)
    return make_result(kept, [*reader.warnings, *duplicates])


def read_feed(path: str | Path, *, linked: LinkedFiles | None = None) -> LoadResult:
    """Read the episodes of an RSS feed file.

    By default the chapters and transcripts it links to are read when they are local
    files (relative paths or ``file:`` URLs, next to the feed); pass ``linked`` to
    also fetch remote ones.

    Raises
    ------
    InputError
        If the file cannot be read, is not an RSS feed or holds no item.
    """
    name = str(path)
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise InputError(name, f"cannot read file ({exc.strerror or exc})") from None
    if linked is None:
        linked = LinkedFiles(Path(path).resolve().parent)
    return parse_feed(data, source=name, linked=linked)
