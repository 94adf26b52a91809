"""Name keys: the normalization every resolution rule compares names by.

A *key* is what two spellings of one name have in common: Unicode NFKC (so
full-width letters become ASCII), case folding, accents dropped (Latin
diacritics only: Japanese voiced marks are part of the letter), legal and
domain suffixes dropped ("Inc.", "Corp.", "LLC", "PBC", ".com", ".io"), and
spaces, hyphens and punctuation removed, so that "HuggingFace" = "Hugging
Face", "GPT4" = "GPT-4" and "Open AI" = "OpenAI". Version numbers and
qualifiers stay: "Llama 2", "Llama 3", "GPT-4o" and "GPT-4 Turbo" all keep
distinct keys, and a dot between digits is kept ("3.5" is not "35").
Non-Latin names keep their characters.

Examples
--------
>>> normalize_name("GitHub, Inc.")
'github'
>>> normalize_name("Ｊｏｓé  Valim") == normalize_name("Jose Valim")
True
>>> normalize_name("ESM-2") == normalize_name("ESM2"), normalize_name("GPT-4") == normalize_name("GPT-4o")
(True, False)
>>> normalize_name("スパース自己符号化器")
'スパース自己符号化器'
>>> name_tokens("Claude Code, Inc.")
('claude', 'code')
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from functools import lru_cache

__all__ = [
    "LEGAL_SUFFIXES",
    "clean_surface",
    "fold_name",
    "is_acronym_of",
    "is_latin",
    "many_name_tokens",
    "name_tokens",
    "normalize_name",
    "plain_names",
    "strip_accents",
    "strip_suffixes",
    "stripped_name_tokens",
    "tokens_key",
]


def _words(text: str) -> list[str]:
    return text.split()


LEGAL_SUFFIXES = frozenset(
    _words("inc incorporated corp corporation llc l.l.c ltd limited pbc gmbh plc s.a sa ag co.ltd")
)
_WS_RE = re.compile(r"\s+")
# A token: a run of letters (and marks), a number ("3.5" keeps its dot), or "+"/"#" ("C++", "C#").
# Letters and digits split ("GPT4" -> "gpt", "4"), so "Necor3.5" and "Necor 3.5" share a key.
_TOKEN_RE = re.compile(r"\d+(?:\.\d+)*|[^\W\d_]+[+#]*|[+#]+")
_STOPWORDS = frozenset(_words("of the and for from with by in on a an to de la"))


@lru_cache(maxsize=1 << 20)
def clean_surface(text: str) -> str:
    """NFKC, trimmed, whitespace collapsed: a surface as it should be displayed.

    >>> clean_surface("  ＧｉｔＨｕｂ\\u3000 Copilot ")
    'GitHub Copilot'
    """
    if text.isascii():  # ASCII is its own NFKC form
        return " ".join(text.split())
    return _WS_RE.sub(" ", unicodedata.normalize("NFKC", text)).strip()


def fold_name(text: str) -> str:
    """A name as lookups compare it: the displayed surface, casefolded.

    >>> fold_name("  Ｃｌａｕｄｅ   Code ")
    'claude code'
    """
    return clean_surface(text).casefold()


def strip_accents(text: str) -> str:
    """Drop Latin combining accents; other marks (e.g. Japanese voicing) stay.

    >>> strip_accents("José Müller"), strip_accents("ガ")
    ('Jose Muller', 'ガ')
    """
    if text.isascii():
        return text
    decomposed = unicodedata.normalize("NFD", text)
    kept = "".join(c for c in decomposed if not 0x300 <= ord(c) <= 0x36F)
    return unicodedata.normalize("NFC", kept)


def strip_suffixes(text: str) -> str:
    """Remove trailing legal-form and ``.com``/``.io`` suffixes (never the whole name).

    >>> strip_suffixes("GitHub, Inc."), strip_suffixes("Anthropic PBC"), strip_suffixes("linear.io")
    ('GitHub', 'Anthropic', 'linear')
    >>> strip_suffixes("Inc.")
    'Inc.'
    """
    text = text.strip()
    while text:
        cut = max(text.rfind(" "), text.rfind(","))
        if cut > 0 and text[cut + 1:].casefold().rstrip(".") in LEGAL_SUFFIXES:
            text = text[:cut].rstrip(" ,")
            continue
        low = text[-4:].casefold()
        if low == ".com" and len(text) > 4 and text[-5].isalnum():
            text = text[:-4]
            continue
        if low[1:] == ".io" and len(text) > 3 and text[-4].isalnum():
            text = text[:-3]
            continue
        break
    return text


def is_latin(text: str) -> bool:
    """True when every letter of ``text`` is ASCII after dropping accents.

    >>> is_latin("José"), is_latin("事前承認")
    (True, False)
    """
    return text.isascii() or all(c.isascii() for c in strip_accents(text) if c.isalpha())


@lru_cache(maxsize=1 << 20)
def name_tokens(text: str) -> tuple[str, ...]:
    """The words of a name, normalized (case, accents, suffixes), in order.

    >>> name_tokens("Llama 3.1 (8B)")
    ('llama', '3.1', '8', 'b')
    >>> name_tokens("C++")
    ('c++',)
    """
    return stripped_name_tokens(strip_suffixes(clean_surface(text)))


def stripped_name_tokens(text: str) -> tuple[str, ...]:
    """:func:`name_tokens` of a name already cleaned and without suffixes (they are not looked for).

    >>> stripped_name_tokens("Café & Co")
    ('cafe', 'and', 'co')
    """
    return tuple(_TOKEN_RE.findall(strip_accents(text).casefold().replace("&", " and ")))


# For plain_names: tokens of many texts joined by NUL, texts ending in what strip_suffixes may
# drop (a superset: those are then stripped one by one), and two numbers side by side.
_NUL_TOKEN_RE = re.compile(_TOKEN_RE.pattern + "|\x00")
_SUFFIX_END_RE = re.compile(r"(?:[ ,](?:" + "|".join(map(re.escape, sorted(LEGAL_SUFFIXES)))
                            + r")\.*|\.com|\.io)\Z", re.IGNORECASE)
_NUMBERS_APART_RE = re.compile(r"\d \d")
_ASCII_RE = re.compile(r"[\x01-\x7f]*\Z")  # without NUL, which joins texts in bulk


def plain_names(texts: list[str]) -> list[tuple[str, str]]:
    """The display form (cleaned, trimmed of `` ,;:``, suffixes dropped) and key of each text, in bulk.

    For ASCII texts without NUL: the tokens of all of them come from one regex pass over
    their joined text, so that no Python code runs per token.

    >>> plain_names(["GitHub, Inc.", " Llama  3 5 ", ";:", "AT&T", "linear.io"])
    [('GitHub', 'github'), ('Llama 3 5', 'llama3 5'), ('', ''), ('AT&T', 'atandt'), ('linear', 'linear')]
    >>> plain_names(["Acme Corp."]) == [("Acme", normalize_name("Acme Corp."))]
    True
    """
    if not texts:
        return []
    bases = [" ".join(text.split()).strip(" ,;:") for text in texts]
    displays = [strip_suffixes(base) if _SUFFIX_END_RE.search(base) else base for base in bases]
    keys = [tokens_key(tuple(piece.split())) if _NUMBERS_APART_RE.search(piece) else piece.replace(" ", "")
            for piece in _joined_tokens(displays)]
    return list(zip(displays, keys, strict=True))


def many_name_tokens(texts: list[str]) -> list[tuple[str, ...]]:
    """:func:`name_tokens` of each of ``texts``; ASCII ones in bulk (one regex pass for all).

    >>> texts = ["Claude Code, Inc.", "C++ & Rust", "José Valim"]
    >>> many_name_tokens(texts) == [name_tokens(t) for t in texts]
    True
    """
    ascii_text = [_ASCII_RE.match(text) is not None for text in texts]
    cleaned = [" ".join(text.split()) for text in itertools.compress(texts, ascii_text)]
    stripped = [strip_suffixes(text) if _SUFFIX_END_RE.search(text) else text for text in cleaned]
    bulk = iter(map(tuple, map(str.split, _joined_tokens(stripped)))) if stripped else iter(())
    return [next(bulk) if plain else name_tokens(text) for text, plain in zip(texts, ascii_text, strict=True)]


def _joined_tokens(texts: list[str]) -> list[str]:
    """The tokens of each text (cleaned ASCII, suffixes dropped) joined by spaces: one regex pass for all."""
    # ASCII: casefold is lower() and there are no accents; otherwise as stripped_name_tokens.
    tokens = _NUL_TOKEN_RE.findall("\x00".join(texts).lower().replace("&", " and "))
    return " ".join(tokens).split("\x00")


@lru_cache(maxsize=1 << 20)
def normalize_name(text: str) -> str:
    """The key of a name: equal keys mean the same name written differently.

    >>> normalize_name("Hugging Face") == normalize_name("HuggingFace")
    True
    >>> normalize_name("Llama 3.1"), normalize_name("Llama 31")
    ('llama3.1', 'llama31')
    """
    return tokens_key(name_tokens(text))


def tokens_key(tokens: tuple[str, ...]) -> str:
    """The key of a name from its :func:`name_tokens`.

    >>> tokens_key(("llama", "3", "5")), tokens_key(("gpt", "4o"))
    ('llama3 5', 'gpt4o')
    """
    key = "".join(tokens)
    # Keep a boundary between two numbers ("3 5" is not "35"), rare but cheap to respect.
    if len(tokens) > 1 and not key.isalpha() \
            and any(a[-1:].isdigit() and b[:1].isdigit() for a, b in itertools.pairwise(tokens)):
        parts = [tokens[0]]
        for a, b in itertools.pairwise(tokens):
            parts.append((" " if a[-1:].isdigit() and b[:1].isdigit() else "") + b)
        key = "".join(parts)
    return key


def _camel_words(text: str) -> list[str]:
    """Split on spaces, hyphens and camel case: "DeepMind Labs" -> ["Deep", "Mind", "Labs"]."""
    words: list[str] = []
    for raw in re.split(r"[\s\-_/.,:;&]+", clean_surface(text)):
        words.extend(w for w in re.findall(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+|[^\W\d_]+", raw) if w)
    return words


def is_acronym_of(short: str, long: str) -> bool:
    """True when ``short`` is an acronym of the multi-word name ``long``.

    Each letter of the acronym must start a word of ``long`` (in order, every
    content word used), or be a later letter of the word its previous letter started
    ("MoE" = "Mixture of Experts", "AWS" = "Amazon Web Services").

    >>> is_acronym_of("AWS", "Amazon Web Services"), is_acronym_of("MoE", "Mixture of Experts")
    (True, True)
    >>> is_acronym_of("SAE", "Sparse Autoencoder"), is_acronym_of("AWS", "Amazon")
    (True, False)
    >>> is_acronym_of("ESM", "ESMC")
    False
    """
    short = clean_surface(short)
    if " " in short:  # the cheap tests first: most pairs fail one
        return False
    acro = "".join(c for c in strip_accents(short) if c.isalnum()).casefold()
    if not 2 <= len(acro) <= 8:
        return False
    words = [w.casefold() for w in _camel_words(strip_accents(strip_suffixes(clean_surface(long))))]
    return len(words) >= 2 and _match_acronym(acro, words, 0, 0, started=False)


def _match_acronym(acro: str, words: list[str], i: int, w: int, *, started: bool, pos: int = 0) -> bool:
    # Backtracking over (acronym letter i, word w, position pos within word w). Names are short.
    if i == len(acro):
        return all(x in _STOPWORDS for x in words[w + (1 if started else 0):])
    if started:
        found = words[w].find(acro[i], pos)
        if found >= 0 and _match_acronym(acro, words, i + 1, w, started=True, pos=found + 1):
            return True
    nxt = w + 1 if started else w
    while nxt < len(words):
        if words[nxt][0] == acro[i] and _match_acronym(acro, words, i + 1, nxt, started=True, pos=1):
            return True
        if words[nxt] not in _STOPWORDS:
            return False
        nxt += 1
    return False
