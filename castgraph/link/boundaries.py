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

For many hits at once, :func:`whole_words` decides the same in bulk, from a table of
character classes (:func:`char_codes` gives a text's code points):

>>> text = "\\nthe said thing, GitHubのActions\\n"
>>> whole_words(char_codes(text), np.array([6, 17]), np.array([8, 23])).tolist()
[False, True]
"""

from __future__ import annotations

import unicodedata

import numpy as np
import numpy.typing as npt

__all__ = ["HAN_SUFFIXES", "char_codes", "on_boundary", "script_class", "sentence_starts", "whole_words"]

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


# Where a sentence (or a text) starts, any word is capitalized: the linker needs to know.
SENTENCE_ENDS = frozenset(".!?:\n。！？：")
OPENERS = frozenset(" \t\"'“‘(「『*-—–")


def sentence_start(text: str, at: int) -> bool:
    """Whether ``text[at]`` starts a sentence or a text (where any word is capitalized).

    >>> sentence_start("Linear maps. Linear is fast", 13), sentence_start("left for Linear", 9)
    (True, False)
    """
    j = at - 1
    while j >= 0 and text[j] in OPENERS:
        j -= 1
    return j < 0 or text[j] in SENTENCE_ENDS


# The bulk form: one byte of flags per code point, filled in as characters are first seen.
# The low three bits are the script class; the others say what the scalar checks ask of a character.
_CLASS_IDS = {"other": 0, "word": 1, "hiragana": 2, "katakana": 3, "han": 4, "hangul": 5}
_OTHER, _WORD, _HAN, _UNKNOWN = 0, 1, 4, 7
_DIGIT, _DOT, _SUFFIX, _OPENER, _SENTENCE_END = 8, 16, 32, 64, 128
_FLAGS = np.full(0x110000, _UNKNOWN, dtype=np.uint8)

Codes = npt.NDArray[np.uint32]
Positions = npt.NDArray[np.int64]
Mask = npt.NDArray[np.bool_]


def char_codes(text: str) -> Codes:
    """The code points of ``text``, one per character (lone surrogates included)."""
    return np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)


def _flags_of(char: str) -> int:
    flags = _CLASS_IDS[script_class(char)]
    flags |= _DIGIT if char.isdigit() else 0
    flags |= _DOT if char in ".-" else 0
    flags |= _SUFFIX if char in HAN_SUFFIXES else 0
    flags |= _OPENER if char in OPENERS else 0
    return flags | (_SENTENCE_END if char in SENTENCE_ENDS else 0)


def _flags(codes: Codes) -> npt.NDArray[np.uint8]:
    flags = _FLAGS[codes]
    unknown = (flags & 7) == _UNKNOWN
    if unknown.any():
        for code in np.unique(codes[unknown]).tolist():
            _FLAGS[code] = _flags_of(chr(code))
        flags = _FLAGS[codes]
    return flags


def whole_words(codes: Codes, starts: Positions, ends: Positions) -> Mask:
    """:func:`on_boundary` for many spans of one text at once (``codes``: :func:`char_codes` of it).

    The text must have at least two characters that are not letters, digits or dots
    before its first span and three after its last (a newline, say): the bulk check reads
    there without testing for the text's ends, as :func:`on_boundary` does.
    """
    at = np.stack([starts - 2, starts - 1, starts, ends - 1, ends, ends + 1, ends + 2])
    before2, before, first, last, after, after2, after3 = _flags(codes[at])
    first_class, last_class, after_class = first & 7, last & 7, after & 7
    ok = (first_class == _OTHER) | ((before & 7) != first_class)
    # "5" in "GPT-5.5" does not start a word after "digit." or "digit-"
    ok &= ~((first_class == _WORD) & ((first & _DIGIT) > 0) & ((before & _DOT) > 0)
           & ((before2 & _DIGIT) > 0))
    same = (last_class != _OTHER) & (after_class == last_class)
    # A kanji name may touch an honorific, read as on_boundary does (two characters on).
    honorific = (last_class == _HAN) & ((after & _SUFFIX) > 0) & ((after3 & 7) != _HAN)
    longer_version = (last_class == _WORD) & ((last & _DIGIT) > 0) & ((after & _DOT) > 0) \
        & ((after2 & _DIGIT) > 0)
    return ok & np.where(same, honorific, ~longer_version)


def sentence_starts(codes: Codes, starts: Positions) -> Mask:
    """:func:`sentence_start` for many positions of one text (which must start with a sentence end)."""
    before = starts - 1
    active = np.arange(len(before))
    while len(active):
        opener = (_flags(codes[before[active]]) & _OPENER) > 0
        active = active[opener]
        before[active] -= 1
    return (_flags(codes[before]) & _SENTENCE_END) > 0
