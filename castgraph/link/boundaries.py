"""Word boundaries that work for scripts with and without spaces.

A name found inside text is a whole word when the characters around it are not of
the same *script class* as its own first and last characters: a Latin name must not
touch Latin letters or digits ("AI" is not in "said"), a katakana name must not touch
katakana ("クロード" is not a word in "クロードコード"), a kanji name must not touch
kanji, except a few honorifics that follow names ("松尾氏"). Japanese text has no
spaces, so a change of script is the only word break it gives: "GitHubの" and
"クロードは" end words.

Examples
--------
>>> script_class("a"), script_class("7"), script_class("カ"), script_class("ー"), script_class("の")
('word', 'word', 'katakana', 'katakana', 'hiragana')
>>> on_boundary("the said thing", 5, 7)  # "ai" inside "said"
False
>>> on_boundary("GitHubのActions", 0, 6)
True
>>> on_boundary("GPT-5.1 is out", 0, 5)  # "GPT-5" inside the version "GPT-5.1"
False
"""

from __future__ import annotations

import unicodedata

__all__ = ["HAN_SUFFIXES", "on_boundary", "script_class"]

#: Kanji that follow a kanji name without making a longer word (Mr./Ms., company, group).
HAN_SUFFIXES = frozenset("氏様君社")


def script_class(char: str) -> str:
    """The script class of one character: ``word`` (letters and digits of spaced scripts),
    ``hiragana``, ``katakana``, ``han``, ``hangul``, or ``other`` (spaces, punctuation, symbols).

    >>> script_class("é"), script_class("д"), script_class("字"), script_class("한"), script_class("-")
    ('word', 'word', 'han', 'hangul', 'other')
    """
    known = _CLASSES.get(char)
    if known is None:
        known = _CLASSES[char] = _classify(char)
    return known


def _classify(char: str) -> str:
    code = ord(char)
    if 0x3041 <= code <= 0x309F:
        return "hiragana"
    if 0x30A0 <= code <= 0x30FF or 0x31F0 <= code <= 0x31FF or 0xFF66 <= code <= 0xFF9F:
        return "katakana"  # includes the prolonged sound mark ー and half-width katakana
    if 0x4E00 <= code <= 0x9FFF or 0x3400 <= code <= 0x4DBF or 0xF900 <= code <= 0xFAFF or code == 0x3005:
        return "han"
    if 0xAC00 <= code <= 0xD7AF or 0x1100 <= code <= 0x11FF:
        return "hangul"
    if char.isalnum() or unicodedata.category(char) in ("Mn", "Mc"):
        return "word"
    return "other"


_CLASSES: dict[str, str] = {}


def on_boundary(text: str, start: int, end: int) -> bool:
    """Whether ``text[start:end]`` is a whole word (see the module docstring).

    A name ending in a digit does not end before ``.digit`` or ``-digit`` (a longer version
    number), and one starting with a digit does not start after ``digit.``.

    >>> on_boundary("松尾氏が", 0, 2), on_boundary("松尾研究室", 0, 2)
    (True, False)
    >>> on_boundary("Claude's idea", 0, 6), on_boundary("Claudette", 0, 6)
    (True, False)
    """
    if start >= end:
        return False
    classes = _CLASSES
    first = classes.get(text[start]) or script_class(text[start])
    last = classes.get(text[end - 1]) or script_class(text[end - 1])
    if start > 0:
        before = text[start - 1]
        if first != "other" and (classes.get(before) or script_class(before)) == first:
            return False
        if first == "word" and text[start].isdigit() and start > 1 and before in ".-" \
                and text[start - 2].isdigit():
            return False
    if end < len(text):
        after = text[end]
        if last != "other" and (classes.get(after) or script_class(after)) == last:
            return last == "han" and after in HAN_SUFFIXES and _suffix_ends(text, end + 1)
        if last == "word" and text[end - 1].isdigit() and after in ".-" and end + 1 < len(text) \
                and text[end + 1].isdigit():
            return False
    return True


def _suffix_ends(text: str, at: int) -> bool:
    """An honorific at ``at`` that is not itself the start of a longer kanji word."""
    return at + 1 >= len(text) or script_class(text[at + 1]) != "han"
