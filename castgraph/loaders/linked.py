"""Parse the files a feed links to: Podcasting 2.0 JSON chapters and transcripts.

Transcripts come as SRT, WebVTT, JSON (``segments``), HTML (``<cite>``, ``<time>``,
``<p>``) or plain text; each becomes a list of :class:`TranscriptCue` with start and
end seconds (when the format has them), speaker and text. As the namespace's
transcript notes say, a speaker is named when it changes and holds until the next
name. A file that is not what it claims raises ``ValueError`` with a short reason.

Examples
--------
>>> srt = ("1\\n00:00:00,000 --> 00:00:02,760\\nSarah: In today's episode,\\n\\n"
...        "2\\n00:00:02,760 --> 00:00:06,090\\nwe talk trailers.\\n")
>>> cues = parse_transcript(srt, "application/x-subrip")
>>> [(c.start, c.end, c.speaker, c.text) for c in cues]
[(0.0, 2.76, 'Sarah', "In today's episode,"), (2.76, 6.09, 'Sarah', 'we talk trailers.')]
>>> chapters = parse_chapters('{"version": "1.2.0", "chapters": [{"startTime": 94, "title": "Intro"}]}')
>>> [(c.start, c.title) for c in chapters]
[(94.0, 'Intro')]
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from castgraph.graph.model import Chapter, TranscriptCue
from castgraph.loaders.html_text import html_to_text

__all__ = ["TRANSCRIPT_FORMATS", "LinkedFiles", "parse_chapters", "parse_transcript", "transcript_format"]

#: Transcript formats by preference: timed and with speakers first.
TRANSCRIPT_FORMATS = ("json", "vtt", "srt", "html", "text")
_MIME = {
    "application/json": "json", "text/json": "json", "application/x-subrip": "srt", "application/srt": "srt",
    "text/srt": "srt", "text/x-srt": "srt", "text/vtt": "vtt", "text/html": "html", "text/plain": "text",
}  # fmt: skip
_SUFFIX = {".json": "json", ".srt": "srt", ".vtt": "vtt", ".html": "html", ".htm": "html", ".txt": "text"}
_TIMING = re.compile(
    r"^\s*((?:\d+:)?\d{1,2}:\d{2}(?:[.,]\d{1,3})?)\s*-->\s*((?:\d+:)?\d{1,2}:\d{2}(?:[.,]\d{1,3})?)"
)
_VOICE = re.compile(r"<v(?:\.[\w.-]+)?\s+([^>]*)>")
_TAG = re.compile(r"</?[a-zA-Z][^>]*>")
# "Sarah: ..." -- a short capitalized name before a colon at the start of a card.
_SPEAKER = re.compile(
    r"^([A-Z\u00c0-\u024f\u3040-\u30ff\u4e00-\u9fff][\w .'\u2019-]{0,40}?)\s*:\s+(\S.*)$", re.S)
_MAX_SECONDS = 1e9


def transcript_format(mime: str = "", url: str = "", text: str = "") -> str:
    """The transcript format from its MIME type, else its file name, else its content.

    >>> transcript_format("application/x-subrip"), transcript_format("", "a/b.vtt?x=1")
    ('srt', 'vtt')
    >>> transcript_format(text="WEBVTT")
    'vtt'
    """
    kind = _MIME.get(mime.split(";")[0].strip().lower())
    if kind:
        return kind
    path = url.split("?")[0].split("#")[0].lower()
    for suffix, name in _SUFFIX.items():
        if path.endswith(suffix):
            return name
    head = text.lstrip("\ufeff \t\r\n")[:200]
    if head.startswith("WEBVTT"):
        return "vtt"
    if head[:1] in ("{", "["):
        return "json"
    if "-->" in head:
        return "srt"
    if head.startswith("<"):
        return "html"
    return "text"


def _clock(text: str) -> float | None:
    parts = text.strip().replace(",", ".").split(":")
    try:
        numbers = [float(p) for p in parts]
    except ValueError:
        return None
    seconds = 0.0
    for n in numbers:
        seconds = seconds * 60 + n
    return round(seconds, 3) if 0 <= seconds < _MAX_SECONDS else None


def _seconds(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value) if math.isfinite(value) and 0 <= value < _MAX_SECONDS else None
    if isinstance(value, str) and value.strip():
        try:
            return _seconds(float(value))
        except ValueError:
            return _clock(value)
    return None


def _speaker_line(text: str, speaker: str) -> tuple[str, str]:
    match = _SPEAKER.match(text)
    if match and len(match.group(1).split()) <= 4:
        return match.group(1).strip(), match.group(2).strip()
    return speaker, text


def _timed_cues(text: str, vtt: bool) -> list[TranscriptCue]:
    cues: list[TranscriptCue] = []
    speaker = ""
    for block in re.split(r"\n\s*\n", text.replace("\r\n", "\n").replace("\r", "\n")):
        lines = block.strip("\n").split("\n")
        timing = next((i for i, line in enumerate(lines) if _TIMING.match(line)), None)
        if timing is None:  # the WEBVTT header, NOTE and STYLE blocks, a counter alone
            continue
        match = _TIMING.match(lines[timing])
        assert match is not None
        body = " ".join(line.strip() for line in lines[timing + 1:] if line.strip())
        if vtt:
            voice = _VOICE.search(body)
            if voice:
                speaker = voice.group(1).strip()
            body = _TAG.sub("", body)
        else:
            speaker, body = _speaker_line(body, speaker)
        body = " ".join(body.split())
        if body:
            cues.append(TranscriptCue(text=body, start=_clock(match.group(1)), end=_clock(match.group(2)),
                                      speaker=speaker))
    return cues


def _json_cues(text: str) -> list[TranscriptCue]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"not valid JSON ({exc.msg} at line {exc.lineno})") from None
    segments = data.get("segments") if isinstance(data, dict) else data
    if not isinstance(segments, list):
        raise ValueError("JSON transcript has no 'segments' list")
    cues: list[TranscriptCue] = []
    for seg in segments:
        if not isinstance(seg, dict) or not isinstance(seg.get("body"), str):
            continue
        speaker = seg.get("speaker") if isinstance(seg.get("speaker"), str) else ""
        start, end = _seconds(seg.get("startTime")), _seconds(seg.get("endTime"))
        last = cues[-1] if cues else None
        # Word-level segments of one speaker join into one cue until a line ends.
        joins = last is not None and last.speaker == speaker and not last.text.endswith("\n")
        if last is not None and joins and len(last.text) < 600:
            last.text += ("" if last.text.endswith((" ", "-")) else " ") + seg["body"]
            last.end = end if end is not None else last.end
        else:
            cues.append(TranscriptCue(text=seg["body"], start=start, end=end, speaker=speaker or ""))
    for cue in cues:
        cue.text = " ".join(cue.text.split())
    return [c for c in cues if c.text]


_HTML_PART = re.compile(r"<(cite|time|p)\b[^>]*>(.*?)</\1\s*>", re.S | re.I)


def _html_cues(text: str) -> list[TranscriptCue]:
    cues: list[TranscriptCue] = []
    speaker, start = "", None
    for tag, inner in _HTML_PART.findall(text):
        content, _ = html_to_text(inner)
        content = " ".join(content.split())
        tag = tag.lower()
        if tag == "cite":
            speaker = content.rstrip(":").strip()
        elif tag == "time":
            start = _clock(content)
        elif content:
            cues.append(TranscriptCue(text=content, start=start, speaker=speaker))
            start = None
    if not cues:  # HTML without the transcript tags: its text, one cue per line
        return _text_cues(html_to_text(text)[0])
    return cues


def _text_cues(text: str) -> list[TranscriptCue]:
    cues: list[TranscriptCue] = []
    speaker = ""
    for paragraph in re.split(r"\n\s*\n|\n(?=[A-Z][\w .'-]{0,40}:\s)", text.replace("\r\n", "\n")):
        body = " ".join(paragraph.split())
        if body:
            speaker, body = _speaker_line(body, speaker)
            cues.append(TranscriptCue(text=body, speaker=speaker))
    return cues


def parse_transcript(text: str, mime: str = "", url: str = "") -> list[TranscriptCue]:
    """Cues of a transcript in any of :data:`TRANSCRIPT_FORMATS` (chosen by MIME type, name or content).

    Raises
    ------
    ValueError
        If a JSON transcript is not valid JSON or has no segments.

    >>> [(c.speaker, c.start, c.text) for c in parse_transcript(
    ...     "WEBVTT\\n\\n00:00.000 --> 00:05.000\\n<v John>Hello there.\\n\\n"
    ...     "00:05.000 --> 00:07.500\\nStill John.")]
    [('John', 0.0, 'Hello there.'), ('John', 5.0, 'Still John.')]
    >>> [(c.speaker, c.start, c.text) for c in parse_transcript(
    ...     "<cite>Kevin:</cite><time>0:09</time><p>An update.</p>", "text/html")]
    [('Kevin', 9.0, 'An update.')]
    """
    kind = transcript_format(mime, url, text)
    if kind == "json":
        return _json_cues(text)
    if kind in ("vtt", "srt"):
        # A file labelled SRT may be VTT and back: voice tags decide.
        return _timed_cues(text, vtt=kind == "vtt" or "<v " in text)
    if kind == "html":
        return _html_cues(text)
    return _text_cues(text)


def parse_chapters(text: str) -> list[Chapter]:
    """Chapters of a Podcasting 2.0 JSON chapters file, by start; silent ones (``toc: false``) left out.

    Raises
    ------
    ValueError
        If the text is not JSON or has no ``chapters`` list.
    """
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"not valid JSON ({exc.msg} at line {exc.lineno})") from None
    items = data.get("chapters") if isinstance(data, dict) else None
    if not isinstance(items, list):
        raise ValueError("JSON chapters have no 'chapters' list")
    chapters = []
    for item in items:
        if not isinstance(item, dict) or item.get("toc") is False:
            continue
        start = _seconds(item.get("startTime"))
        raw = item.get("title")
        title = " ".join(raw.split()) if isinstance(raw, str) else ""
        if not title:
            continue
        chapters.append(Chapter(
            title=title, start=start, end=_seconds(item.get("endTime")),
            url=item["url"].strip() if isinstance(item.get("url"), str) else "",
            img=item["img"].strip() if isinstance(item.get("img"), str) else "",
        ))
    chapters.sort(key=lambda c: (c.start is None, c.start or 0.0))
    return chapters


class LinkedFiles:
    """Which linked files (chapters, transcripts) a feed may read, and how.

    Parameters
    ----------
    base : Path or str, optional
        The feed's folder (a local feed: relative links and ``file:`` URLs are read
        from disk) or its URL (a remote feed: relative links resolve against it).
    fetch : callable, optional
        ``fetch(url) -> (bytes, content type)`` for http(s) links; ``None`` leaves them unread.
    """

    def __init__(self, base: Path | str | None = None,
                 fetch: Callable[[str], tuple[bytes, str]] | None = None) -> None:
        self.base = base
        self.fetch = fetch
        #: The local files asked for (resolved): a folder build does not read them as inputs too.
        self.local_paths: set[Path] = set()

    def read(self, ref: str) -> tuple[str, str] | None:
        """``(text, content type)`` of the linked file, or ``None`` when it may not be read.

        Raises ``ValueError`` or ``OSError`` when it may be read but cannot.
        """
        from urllib.parse import unquote, urljoin, urlparse

        from castgraph.loaders.base import decode_text
        from castgraph.loaders.fetch import is_url

        ref = ref.strip()
        if isinstance(self.base, str) and not is_url(ref):
            ref = urljoin(self.base, ref)  # relative to a remote feed: remote too, never a local file
        if is_url(ref):
            if self.fetch is None:
                return None
            data, content_type = self.fetch(ref)
            return decode_text(data, ref)[0], content_type
        if not isinstance(self.base, Path):
            return None
        path = Path(unquote(urlparse(ref).path)) if ref.lower().startswith("file:") else Path(ref)
        path = path if path.is_absolute() else self.base / path
        self.local_paths.add(path.resolve())
        return decode_text(path.read_bytes(), str(path))[0], ""
