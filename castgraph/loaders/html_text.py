"""Reduce HTML (show notes, HTML transcripts) to plain text, keeping its links as data.

Feeds carry descriptions as HTML, in CDATA or entity-escaped, often broken; the
text is what castgraph needs, with one line per block and the ``href`` of every
link kept aside. Nothing is executed or fetched: script and style contents are
dropped, the rest is character data.

Examples
--------
>>> html_to_text('<p>Guest: <a href="https://example.com/jane">Jane&nbsp;Doe</a></p><p>Next</p>')
('Guest: Jane Doe\\nNext', ['https://example.com/jane'])
>>> html_to_text("plain text, no tags")
('plain text, no tags', [])
"""

from __future__ import annotations

import html
import re

from lxml import etree

__all__ = ["html_to_text"]

_BLOCKS = frozenset({
    "p", "div", "br", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "table",
    "blockquote", "pre", "section", "article", "header", "footer", "hr", "dt", "dd",
})  # fmt: skip
_SKIP = frozenset({"script", "style", "head", "title"})
_SPACES = re.compile(r"[ \t\r\f\v\u00a0]+")
_LINK_SCHEMES = ("http://", "https://", "mailto:")
_TAGS = re.compile(r"<[^>]*>")
# No network, no DTD: markup from a feed is only ever read.
_PARSER = etree.HTMLParser(recover=True, no_network=True, remove_comments=True, remove_pis=True)


def _tidy(text: str) -> str:
    lines = (_SPACES.sub(" ", line).strip() for line in text.split("\n"))
    return "\n".join(line for line in lines if line)


def html_to_text(markup: str) -> tuple[str, list[str]]:
    """The text of ``markup`` (one line per block, spaces collapsed) and its links, in order, once each.

    lxml's HTML parser reads it (in C: feeds hold thousands of notes); text without
    markup is only unescaped and tidied.

    >>> html_to_text("Tom &amp; Jerry<br/>talk <b>AI</b><script>alert(1)</script>")
    ('Tom & Jerry\\ntalk AI', [])
    """
    if "<" not in markup:
        return _tidy(html.unescape(markup) if "&" in markup else markup), []
    try:
        root = etree.fromstring(f"<div>{markup}</div>", _PARSER)
    except (etree.ParserError, ValueError):
        root = None
    if root is None:
        return _tidy(html.unescape(_TAGS.sub(" ", markup))), []
    parts: list[str] = []
    links: list[str] = []
    skipping = 0
    for event, element in etree.iterwalk(root, events=("start", "end")):
        tag = element.tag if isinstance(element.tag, str) else ""
        if event == "start":
            if tag in _SKIP or not tag:
                skipping += 1
                continue
            if skipping:
                continue
            if tag in _BLOCKS:
                parts.append("\n")
            if tag == "a":
                href = (element.get("href") or "").strip()
                if href.lower().startswith(_LINK_SCHEMES):
                    links.append(href)
            if element.text:
                parts.append(element.text)
        else:
            if tag in _SKIP or not tag:
                skipping -= 1
            elif not skipping and tag in _BLOCKS:
                parts.append("\n")
            if not skipping and element.tail:
                parts.append(element.tail)
    return _tidy("".join(parts)), list(dict.fromkeys(links))
