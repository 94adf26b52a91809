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
from html.parser import HTMLParser

__all__ = ["html_to_text"]

_BLOCKS = frozenset({
    "p", "div", "br", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "table",
    "blockquote", "pre", "section", "article", "header", "footer", "hr", "dt", "dd",
})  # fmt: skip
_SKIP = frozenset({"script", "style", "head", "title"})
_SPACES = re.compile(r"[ \t\r\f\v\u00a0]+")
_LINK_SCHEMES = ("http://", "https://", "mailto:")


class _TextParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.links: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP:
            self.skipping += 1
        elif tag in _BLOCKS:
            self.parts.append("\n")
        if tag == "a":
            href = next((v for k, v in attrs if k == "href" and v), None)
            if href and href.strip().lower().startswith(_LINK_SCHEMES):
                self.links.append(href.strip())

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP:
            self.skipping = max(0, self.skipping - 1)
        elif tag in _BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.parts.append(data)


def _tidy(text: str) -> str:
    lines = (_SPACES.sub(" ", line).strip() for line in text.split("\n"))
    return "\n".join(line for line in lines if line)


def html_to_text(markup: str) -> tuple[str, list[str]]:
    """The text of ``markup`` (one line per block, spaces collapsed) and its links, in order, once each.

    Text without markup is only unescaped and tidied, which keeps large feeds fast.

    >>> html_to_text("Tom &amp; Jerry<br/>talk <b>AI</b><script>alert(1)</script>")
    ('Tom & Jerry\\ntalk AI', [])
    """
    if "<" not in markup:
        return _tidy(html.unescape(markup) if "&" in markup else markup), []
    parser = _TextParser()
    try:
        parser.feed(markup)
        parser.close()
    except (AssertionError, ValueError):  # a malformed declaration: keep what was read
        pass
    return _tidy("".join(parser.parts)), list(dict.fromkeys(parser.links))
