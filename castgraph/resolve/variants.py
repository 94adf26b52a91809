"""Variant classes of a name that keys alone do not join.

Each function here recognizes one *class* of variant, never a list of known
names:

* :func:`is_short_form` -- a short form written beside the long one that is not
  its initials: a numeronym (``a11y`` = Accessibility: first letter, the count of
  the letters between, last letter), a clipped form (``Kube`` of Kubernetes,
  ``Postgres`` of PostgreSQL; never a whole leading word, so ``Claude`` is not a
  short form of ``Claude Code``), or a word-by-word abbreviation, spaced or not
  (``LP Name`` / ``LPName`` of Long Product Name, ``Natl. Science Fdn.``).
* :func:`reduced_thing_key` -- a name without a leading article or a generic head
  (``The Bitter Lesson`` / ``Bitter Lesson``; ``Cursor app`` / ``Cursor``); the
  resolver joins the two only when their types agree.
* :func:`person_parts` -- a person's name without honorifics (``Dr.``, ``Prof.``),
  post-nominals (``PhD``, ``MD``) and middle initials; generational suffixes
  (``Jr.``, ``III``) stay identity.
* :func:`nickname_related` -- given names tied by a curated nickname table
  (the ``nicknames`` package: ``Jim`` / ``James``, ``Janie`` / ``Jane``), never by
  edit distance.
* :func:`script_key` -- a lossy sound key shared by a katakana name and its Latin
  spelling (``ジェンスン・フアン`` / ``Jensen Huang``), for blocking only.

Examples
--------
>>> is_short_form("a11y", "Accessibility"), is_short_form("k9s", "Kubernetes")
(True, False)
>>> is_short_form("LP Name", "Long Product Name"), is_short_form("Claude", "Claude Code")
(True, False)
>>> reduced_thing_key("The Bitter Lesson", article_only=True)
'bitterlesson'
>>> reduced_thing_key("Cursor app", article_only=False)
'cursor'
>>> person_parts("Dr. Jane Q. Doe, PhD")
PersonName(core=('jane', 'doe'), initials=('q',), stripped=('honorific', 'post-nominal', 'middle-initial'))
>>> nickname_related("jim", "james"), nickname_related("noah", "noel")
(True, False)
>>> script_key("ジェンスン・フアン") == script_key("Jensen Huang")
True
>>> script_key("アマゾン") == script_key("Amazon")
True
"""

from __future__ import annotations

import re
from functools import cache, lru_cache
from typing import Any, NamedTuple

from castgraph.memory import gc_paused
from castgraph.resolve.normalize import _camel_words, clean_surface, is_latin, name_tokens, strip_accents

__all__ = [
    "GENERIC_HEADS",
    "HONORIFICS",
    "POST_NOMINALS",
    "PersonName",
    "is_short_form",
    "needs_dictionary",
    "nickname_related",
    "person_parts",
    "person_parts_of_tokens",
    "reduced_thing_key",
    "script_key",
]


def _split(text: str) -> list[str]:
    return text.split()


_NUMERONYM_RE = re.compile(r"^([a-z])(\d{1,2})([a-z])$")
_STOP = frozenset(["of", "the", "and", "for", "a", "an", "to", "de", "la"])

HONORIFICS = frozenset(_split(
    "dr mr mrs ms mx miss prof professor sir dame lord lady rev fr hon"
))
POST_NOMINALS = frozenset(_split(
    "phd md mba msc bsc ma ba dphil jd esq frs cfa cpa pe rn dds obe mbe "
    "cbe"
))
GENERIC_HEADS = frozenset(_split(
    "app application platform framework library company startup project "
    "tool service software editor model"
))
"""Trailing words that only say what kind of thing a product or company is."""


def _letters(text: str) -> str:
    return "".join(c for c in strip_accents(clean_surface(text)).casefold() if c.isalnum())


def _words(text: str) -> list[str]:
    return [w.casefold() for w in _camel_words(strip_accents(text))]


def _abbreviates(short: str, word: str) -> bool:
    """``short`` abbreviates one word: same first letter, its letters in order, shorter."""
    if len(short) < 2 or len(short) >= len(word) or short[0] != word[0]:
        return False
    it = iter(word[1:])
    return all(c in it for c in short[1:])


def _prefixes(token: str, words: list[str]) -> bool:
    """``token`` is non-empty prefixes of each of ``words`` in turn ("VAI" = V[ertex] + AI)."""
    if not words:
        return not token
    head = words[0]
    return any(token[:n] == head[:n] and _prefixes(token[n:], words[1:])
               for n in range(min(len(head), len(token)), 0, -1))


def _align(inner: list[str], words: list[str], i: int, w: int, changed: bool) -> bool:
    # Backtracking: each inner word is a main word, prefixes of 2+ main words ("LP", "VAI"), or an
    # abbreviation of one word ("Fdn").
    if i == len(inner):
        return changed and all(x in _STOP for x in words[w:])
    if w == len(words):
        return False
    token = inner[i]
    if words[w] in _STOP and token != words[w] and _align(inner, words, i, w + 1, changed):
        return True
    if token == words[w] and _align(inner, words, i + 1, w + 1, changed):
        return True
    if token.isalpha():
        for k in range(2, min(len(token), len(words) - w) + 1):
            if _prefixes(token, words[w:w + k]) and _align(inner, words, i + 1, w + k, True):
                return True
        if len(token) >= 2 and not words[w].isdigit() and _abbreviates(token, words[w]) \
                and _align(inner, words, i + 1, w + 1, True):
            return True
    return False


@lru_cache(maxsize=1 << 16)
def is_short_form(short: str, long: str) -> bool:
    """True when ``short`` is a numeronym, clipped form or abbreviation of ``long`` (not its initials).

    >>> is_short_form("i18n", "Internationalization"), is_short_form("Kube", "Kubernetes")
    (True, True)
    >>> is_short_form("Postgres", "PostgreSQL"), is_short_form("Llama", "Llama 3.1")
    (True, False)
    >>> is_short_form("LPName", "Long Product Name")
    True
    >>> is_short_form("VAI Agent Builder", "Vertex AI Agent Builder")
    True
    >>> is_short_form("Natl. Science Fdn.", "National Science Foundation")
    True
    """
    s, lg = _letters(short), _letters(long)
    if not s or not lg or s == lg or len(s) >= len(lg):
        return False
    numeronym = _NUMERONYM_RE.match(s)
    if numeronym:
        first, count, last = numeronym.groups()
        return " " not in long.strip() and lg.isalpha() and lg[0] == first and lg[-1] == last \
            and len(lg) - 2 == int(count)
    long_words = _words(long)
    short_words = _words(short)
    if len(short_words) == 1 and lg.startswith(s) and len(s) >= 3 and s.isalpha():
        # A clipped form cuts inside a word: a whole leading word (or words) is containment, not a clip.
        leading = ""
        for word in long_words:
            leading += word
            if leading == s:
                return False
        return len(lg) - len(s) >= 2
    if len(short_words) >= 2 or "." in short:
        return _align(short_words, long_words, 0, 0, False)
    return False


@lru_cache(maxsize=1 << 18)
def reduced_thing_key(name: str, *, article_only: bool) -> str:
    """The key of a non-person name without a leading "The" and (unless ``article_only``) a generic head.

    Returns ``""`` when nothing was dropped or too little would be left.

    >>> reduced_thing_key("The Information", article_only=True)
    'information'
    >>> reduced_thing_key("Theano", article_only=True)
    ''
    >>> reduced_thing_key("Diffusion model", article_only=True)
    ''
    """
    tokens = list(name_tokens(name))
    dropped = False
    if len(tokens) >= 2 and tokens[0] == "the":
        tokens, dropped = tokens[1:], True
    if not article_only and len(tokens) >= 2 and tokens[-1] in GENERIC_HEADS:
        tokens, dropped = tokens[:-1], True
    key = "".join(tokens)
    return key if dropped and len(key) >= 3 else ""


class PersonName(NamedTuple):
    """A person's name reduced: the core words, the middle initials, and what was stripped."""

    core: tuple[str, ...]
    initials: tuple[str, ...]
    stripped: tuple[str, ...]


@lru_cache(maxsize=1 << 18)
def person_parts(name: str) -> PersonName:
    """Split honorifics, post-nominals and middle initials off a person's name.

    >>> person_parts("Jane Doe")
    PersonName(core=('jane', 'doe'), initials=(), stripped=())
    >>> person_parts("George H. W. Bush").initials, person_parts("John Smith Jr.").core
    (('h', 'w'), ('john', 'smith', 'jr'))
    """
    return person_parts_of_tokens(name_tokens(name))


@lru_cache(maxsize=1 << 18)
def person_parts_of_tokens(words: tuple[str, ...]) -> PersonName:
    """:func:`person_parts` of a name given by its :func:`~castgraph.resolve.normalize.name_tokens`.

    >>> person_parts_of_tokens(("prof", "jane", "doe"))
    PersonName(core=('jane', 'doe'), initials=(), stripped=('honorific',))
    """
    tokens = list(words)
    stripped: list[str] = []
    while len(tokens) > 2 and tokens[0] in HONORIFICS:
        tokens.pop(0)
        stripped.append("honorific")
    while len(tokens) > 2 and tokens[-1] in POST_NOMINALS:
        tokens.pop()
        stripped.append("post-nominal")
    initials: list[str] = []
    if len(tokens) >= 3 and all(t.isalpha() for t in tokens):
        middle = tokens[1:-1]
        if all(len(t) == 1 for t in middle) and len(tokens[0]) > 1 and len(tokens[-1]) > 1:
            initials, tokens = middle, [tokens[0], tokens[-1]]
            stripped.append("middle-initial")
    return PersonName(tuple(tokens), tuple(initials), tuple(dict.fromkeys(stripped)))


@cache
def _nicknamer() -> Any:
    from nicknames import NickNamer

    return NickNamer()


@lru_cache(maxsize=1 << 16)
def given_name_family(given: str) -> frozenset[str]:
    """A given name with its nicknames and the names it is a nickname of (from the curated table).

    >>> sorted(given_name_family("jim"))
    ['james', 'jim', 'jimmie']
    """
    table = _nicknamer()
    given = given.casefold()
    return frozenset({given, *table.nicknames_of(given), *table.canonicals_of(given)})


def nickname_related(a: str, b: str) -> bool:
    """True when the given names ``a`` and ``b`` are a name and its nickname in the curated table."""
    a, b = a.casefold(), b.casefold()
    return a != b and (b in given_name_family(a) or a in given_name_family(b))


@cache
def _kakasi() -> Any:
    import pykakasi

    # Its dictionaries are unpickled into millions of objects: without the collector walking
    # them as they come, loading takes half the time (0.3 s instead of 0.6).
    with gc_paused():
        return pykakasi.kakasi()


_KANA = dict(zip(
    "アイウエオカキクケコサシスセソタチツテトナニヌネノハヒフヘホマミムメモヤユヨラリルレロワヲン"
    "ガギグゲゴザジズゼゾダヂヅデドバビブベボパピプペポヴァィゥェォャュョヮ",
    _split("a i u e o ka ki ku ke ko sa shi su se so ta chi tsu te to na ni nu ne no ha hi fu he ho "
           "ma mi mu me mo ya yu yo ra ri ru re ro wa o n ga gi gu ge go za ji zu ze zo da ji zu de do "
           "ba bi bu be bo pa pi pu pe po vu a i u e o ya yu yo wa"), strict=True))
_KANA_SEPARATORS = frozenset("・･ 　-")


def _romanize_kana(text: str) -> str | None:
    """Hepburn for a name written in kana only (instant; pykakasi is for kanji), else None."""
    out = []
    for ch in text:
        if "\u3041" <= ch <= "\u3096":  # hiragana -> katakana
            ch = chr(ord(ch) + 0x60)
        if ch in _KANA:
            out.append(_KANA[ch])
        elif ch in "ーッ":  # a long vowel or a doubled consonant: the sound key drops both
            continue
        elif ch in _KANA_SEPARATORS:
            out.append(" ")
        else:
            return None
    return "".join(out)


def needs_dictionary(name: str) -> bool:
    """True when :func:`script_key` romanizes ``name`` with pykakasi (it holds more than kana).

    >>> needs_dictionary("山田太郎"), needs_dictionary("マイクロソフト"), needs_dictionary("Microsoft")
    (True, False, False)
    """
    text = clean_surface(name)
    return not is_latin(text) and _romanize_kana(text) is None


# Sounds katakana does not tell apart, folded in one pass (longest spelling first); vowels go after.
_FOLD = {"tch": "k", "sh": "s", "ch": "k", "th": "s", "ph": "h", "ck": "k", "ts": "s", "ng": "n", "x": "ks",
         "qu": "k", "q": "k", "c": "k", "l": "r", "v": "b", "f": "h", "z": "s", "w": "", "y": ""}
_FOLD_RE = re.compile("|".join(sorted(_FOLD, key=len, reverse=True)))
_R_BEFORE_CONSONANT = re.compile(r"(?<=[aeiou])r(?=[^aeiou]|$)")
_VOWELS = re.compile(r"[aeiou]+")
_RUNS = re.compile(r"(.)\1+")


@lru_cache(maxsize=1 << 16)
def _sound(word: str) -> str:
    word = _R_BEFORE_CONSONANT.sub("", word)  # katakana writes a long vowel for English "or", "er", "ar"
    word = _FOLD_RE.sub(lambda m: _FOLD[m.group(0)], word)
    return _RUNS.sub(r"\1", _VOWELS.sub("", word))


@lru_cache(maxsize=1 << 16)
def script_key(name: str) -> str:
    """A consonant skeleton of a name, the same for a katakana spelling and the Latin one.

    Japanese is romanized (pykakasi, Hepburn); then vowels are dropped and the
    sounds katakana cannot tell apart are folded (l/r, v/b, f/h, th/s, ...). The
    words are sorted, so "Yamada Taro" and "山田太郎" share a key. Lossy on purpose:
    it only proposes pairs, which then need corroboration. ``""`` for names too
    short to say anything.

    >>> script_key("マイクロソフト") == script_key("Microsoft")
    True
    >>> script_key("グーグル") == script_key("Google")
    True
    >>> script_key("メタ")
    ''
    """
    text = clean_surface(name)
    if not is_latin(text):
        kana = _romanize_kana(text)
        text = kana if kana is not None else " ".join(item["hepburn"] for item in _kakasi().convert(text))
    words = [_sound(w) for w in re.findall(r"[a-z]+", strip_accents(text).casefold())]
    words = sorted(w for w in words if w)
    key = " ".join(words)
    return key if sum(len(w) for w in words) >= 3 else ""
