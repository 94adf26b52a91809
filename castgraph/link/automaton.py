"""One Aho–Corasick automaton over many names, matched as whole words, longest first.

:class:`NameAutomaton` lower-cases names and text (one character for one character, so
that offsets in the lowered text are offsets in the original), finds the names in one
pass, leftmost-longest and without overlaps ("Claude Code" wins over the "Claude"
inside it), and keeps those on word boundaries
(:func:`~castgraph.link.boundaries.on_boundary`). (A name that is not a whole word can
hide a shorter whole-word name that starts inside it; names of entities rarely do that,
and the search stays one pass with no per-character work in Python.)

:meth:`NameAutomaton.find_all` does the same for many texts at once: it joins them,
searches once, and decides the word boundaries of all hits together
(:func:`~castgraph.link.boundaries.whole_words`), with no Python work per hit.

Two automaton libraries can run it: ``ahocorasick_rs`` (Rust; the default, faster in
``benchmarks/linking.py``) and ``pyahocorasick`` (C). Both give the same matches.

Examples
--------
>>> auto = NameAutomaton(["Claude", "Claude Code", "GitHub", "ai"])
>>> [(m.start, m.end, auto.names[m.name]) for m in auto.find("Claude Code on GitHub said AI")]
[(0, 11, 'claude code'), (15, 21, 'github'), (27, 29, 'ai')]
>>> hits = auto.find_all(["Claude Code on GitHub", "said AI. GitHub", "github"])
>>> hits.text.tolist(), hits.start.tolist(), hits.name.tolist(), hits.opening.tolist()
([0, 0, 1, 1, 2], [0, 15, 5, 9, 0], [2, 3, 0, 3, 3], [True, False, False, True, True])
>>> variant, variants = auto.variants(hits)
>>> variant.tolist(), variants
([0, 1, 2, 1, 3], [(2, 'Claude Code'), (3, 'GitHub'), (0, 'AI'), (3, 'github')])
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from itertools import chain
from typing import Any, NamedTuple

import numpy as np
import numpy.typing as npt

from castgraph.errors import CastgraphError
from castgraph.graph.tables import sorted_distinct
from castgraph.link.boundaries import (
    Codes,
    char_codes,
    on_boundary,
    sentence_start,
    sentence_starts,
    whole_words,
)

__all__ = [
    "IMPLEMENTATIONS", "OTHER_FORM", "Hits", "Match", "NameAutomaton", "Searched", "lower_same_length",
    "number_variants", "spell_form", "written_forms",
]

IMPLEMENTATIONS = ("ahocorasick_rs", "pyahocorasick")

# Between the texts :meth:`NameAutomaton.find_all` joins: no name can match across it (no
# name holds a NUL), and on either side it reads as the end of a text, for word
# boundaries and for sentence starts alike.
_SEPARATOR = "\n\x00\n"
#: How many characters :meth:`NameAutomaton.find_all` searches at a time (bounds its memory).
CHUNK_CHARS = 1 << 22

Ints = npt.NDArray[np.int64]


class Match(NamedTuple):
    """A name found in text: ``text[start:end]`` is name number ``name``."""

    start: int
    end: int
    name: int


def lower_same_length(text: str) -> str:
    """``text`` lower-cased character by character (a character whose lower case is longer stays).

    >>> lower_same_length("İstanbul GitHub")
    'İstanbul github'
    """
    lowered = text.lower()
    if len(lowered) == len(text):
        return lowered
    return "".join(c if len(low := c.lower()) != 1 else low for c in text)


class Hits(NamedTuple):
    """Whole-word hits in many texts: hit ``i`` is ``texts[text[i]][start[i]:end[i]]``, name ``name[i]``.

    ``opening`` says whether the hit starts a sentence or a text (where any word is capitalized);
    ``form`` tells how the hit is written (:meth:`NameAutomaton.written` reads it back).
    """

    text: Ints
    start: Ints
    end: Ints
    name: Ints
    opening: npt.NDArray[np.bool_]
    form: Ints

    @classmethod
    def concatenate(cls, parts: Sequence[Hits]) -> Hits:
        if not parts:
            empty = np.zeros(0, dtype=np.int64)
            return cls(empty, empty, empty, empty, np.zeros(0, dtype=bool), empty)
        return cls(*(np.concatenate(column) for column in zip(*parts, strict=True)))


#: A hit's form: the bit mask of its upper-case letters (ASCII, in the first 62 characters),
#: or this plus the number of its written text among those that no mask can tell.
OTHER_FORM = 1 << 62


class Searched(NamedTuple):
    """Texts ``first`` to ``stop`` joined, lowered, and the library's matches in the lowered text."""

    first: int
    stop: int
    joined: str
    lowered: str
    found: list[tuple[int, int, int]]


class NameAutomaton:
    """Find many names in text at once.

    Parameters
    ----------
    names
        The names to find; matching ignores case (callers check case rules on the match).
        Duplicates after lower-casing are kept once: :attr:`names` lists the distinct
        lower-cased names, and a :class:`Match` points into it.
    implementation
        ``"ahocorasick_rs"`` or ``"pyahocorasick"``.
    """

    def __init__(self, names: Iterable[str], *, implementation: str = "ahocorasick_rs") -> None:
        self.names: list[str] = self.distinct_names(names)
        self.implementation = implementation
        # _search gives the library's own list of matches (the part that may run beside other
        # work), _spans_of makes it a (start, end, name) array.
        self._search: Any = lambda text: []
        self._spans_of: Any = lambda found: np.zeros((0, 3), dtype=np.int64)
        self._find = self._build(implementation)
        # The written texts of hits that no upper-case mask can tell (see written_forms).
        self._other_forms: dict[str, int] = {}
        self._other_list: list[str] = []
        # A name that could reach across the separator: search text by text, as find_tuples does.
        self._joinable = not any("\x00" in n or n[0] == "\n" or n[-1] == "\n" for n in self.names)

    @staticmethod
    def distinct_names(names: Iterable[str]) -> list[str]:
        """The names an automaton over ``names`` finds (:attr:`names`): lower-cased, once each, sorted."""
        return sorted({lower_same_length(n) for n in names if n})

    def _build(self, implementation: str) -> Any:
        names = self.names
        if implementation == "ahocorasick_rs":
            import ahocorasick_rs

            if not names:
                return lambda text: []
            rs = ahocorasick_rs.AhoCorasick(names, matchkind=ahocorasick_rs.MATCHKIND_LEFTMOST_LONGEST)

            def find_rs(text: str) -> list[tuple[int, int, int]]:
                return [(s, e, i) for i, s, e in rs.find_matches_as_indexes(text)]

            def spans_rs(found: list[tuple[int, int, int]]) -> Ints:
                flat = np.fromiter(chain.from_iterable(found), dtype=np.int64, count=3 * len(found))
                return flat.reshape(-1, 3)[:, [1, 2, 0]]

            self._search, self._spans_of = rs.find_matches_as_indexes, spans_rs
            return find_rs
        if implementation == "pyahocorasick":
            import ahocorasick

            auto = ahocorasick.Automaton()
            for i, name in enumerate(names):
                auto.add_word(name, (i, len(name)))
            if not names:
                return lambda text: []
            auto.make_automaton()

            def find_py(text: str) -> list[tuple[int, int, int]]:
                return [(end + 1 - size, end + 1, i) for end, (i, size) in auto.iter_long(text)]

            def spans_py(found: list[tuple[int, int, int]]) -> Ints:
                return np.array(found, dtype=np.int64).reshape(-1, 3)

            self._search, self._spans_of = find_py, spans_py
            return find_py
        raise CastgraphError(f"unknown automaton {implementation!r} "
                             f"(use one of: {', '.join(IMPLEMENTATIONS)})")

    def find(self, text: str) -> list[Match]:
        """The names in ``text`` on word boundaries (leftmost-longest, no overlaps), in text order."""
        return [Match(*h) for h in self.find_tuples(text)]

    def find_tuples(self, text: str) -> list[tuple[int, int, int]]:
        """:meth:`find` as plain ``(start, end, name)`` tuples (the linker's fast path)."""
        if not text:
            return []
        return [h for h in self._find(lower_same_length(text)) if on_boundary(text, h[0], h[1])]

    def find_all(self, texts: Sequence[str]) -> Hits:
        """:meth:`find` for many texts at once, as arrays (see :class:`Hits`).

        The texts are searched joined, about :data:`CHUNK_CHARS` characters at a time, and the
        word boundaries of all hits are decided together: the same hits as :meth:`find_tuples`
        text by text, without Python work per hit.
        """
        return self.hits(texts, self.search(texts))

    def search(self, texts: Sequence[str]) -> list[Searched] | None:
        """The first half of :meth:`find_all`: the raw matches, chunk by chunk (``None``: the texts
        are searched one by one, in :meth:`hits`).

        The ``ahocorasick_rs`` search releases the GIL: a thread can run it while another
        works, then hand its result to :meth:`hits`.
        """
        if not self._joinable:
            return None
        chunks, first, size = [], 0, 0
        for i, text in enumerate(texts):
            size += len(text) + len(_SEPARATOR)
            if size >= CHUNK_CHARS:
                chunks.append(self._search_joined(texts, first, i + 1))
                first, size = i + 1, 0
        chunks.append(self._search_joined(texts, first, len(texts)))
        return chunks

    def hits(self, texts: Sequence[str], searched: list[Searched] | None,
             matched: list[tuple[Ints, Ints]] | None = None) -> Hits:
        """The second half of :meth:`find_all`: the whole-word hits of :meth:`search`'s matches.

        ``matched``, if given, gets the text and name of every match, whole word or not
        (``searched`` must not be ``None`` then).
        """
        if searched is None:
            return self._find_each(texts)
        return Hits.concatenate([self._hits_joined(texts, chunk, matched) for chunk in searched])

    def _search_joined(self, texts: Sequence[str], first: int, stop: int) -> Searched:
        chunk = texts[first:stop]
        joined = _SEPARATOR + _SEPARATOR.join(chunk) + _SEPARATOR
        # As if each text were lowered alone (as find_tuples lowers it): lowering all at once is the
        # same when no character lowers to two (the letters whose lower case depends on their
        # neighbours, like a final sigma, do not look across the separator).
        lowered = joined.lower()
        if len(lowered) != len(joined):
            lowered = _SEPARATOR + _SEPARATOR.join(map(lower_same_length, chunk)) + _SEPARATOR
        return Searched(first, stop, joined, lowered, self._search(lowered))

    def _hits_joined(self, texts: Sequence[str], searched: Searched,
                     matched: list[tuple[Ints, Ints]] | None = None) -> Hits:
        first, stop, joined, lowered, found = searched
        spans = self._spans_of(found)
        offsets = np.cumsum([len(_SEPARATOR)] + [len(t) + len(_SEPARATOR) for t in texts[first:stop]])
        if matched is not None:
            matched.append((np.searchsorted(offsets, spans[:, 0], side="right") - 1 + first, spans[:, 2]))
        codes = char_codes(joined)
        starts, ends = spans[:, 0], spans[:, 1]
        keep = whole_words(codes, starts, ends)
        starts, ends, names = starts[keep], ends[keep], spans[keep, 2]
        form = written_forms(joined, codes, char_codes(lowered), starts, ends, self._other_forms)
        text = np.searchsorted(offsets, starts, side="right") - 1
        base = offsets[text]
        return Hits(text + first, starts - base, ends - base, names, sentence_starts(codes, starts), form)

    def _find_each(self, texts: Sequence[str]) -> Hits:
        rows = [(i, s, e, name, sentence_start(text, s))
                for i, text in enumerate(texts) for s, e, name in self.find_tuples(text)]
        if not rows:
            return Hits.concatenate([])
        other = self._other_forms
        form = np.array([OTHER_FORM + other.setdefault(texts[i][s:e], len(other)) for i, s, e, _, _ in rows],
                        dtype=np.int64)
        text, start, end, name, opening = (np.array(c) for c in zip(*rows, strict=True))
        return Hits(text.astype(np.int64), start.astype(np.int64), end.astype(np.int64),
                    name.astype(np.int64), opening.astype(bool), form)

    def written(self, name: int, form: int) -> str:
        """How a hit of name number ``name`` with form ``form`` (see :class:`Hits`) is written.

        >>> auto = NameAutomaton(["GitHub"])
        >>> [auto.written(0, form) for form in auto.find_all(["GitHub, github, GITHUB"]).form.tolist()]
        ['GitHub', 'github', 'GITHUB']
        """
        return spell_form(self.names[name], form, self.other_forms())

    def other_forms(self) -> list[str]:
        """The written texts of hits no upper-case mask can tell, by number (see :func:`written_forms`)."""
        if len(self._other_list) != len(self._other_forms):
            self._other_list = list(self._other_forms)
        return self._other_list

    def variants(self, hits: Hits) -> tuple[Ints, list[tuple[int, str]]]:
        """Number the ways the names are written: ``variants[variant[i]]`` is hit ``i``'s name and
        how it is written (``(3, "GitHub")``), numbered in order of their first hit."""
        return number_variants(hits, self.names, self.other_forms())


def spell_form(name: str, form: int, other_forms: Sequence[str]) -> str:
    """How a hit of the lower-cased ``name`` with form ``form`` (see :class:`Hits`) is written;
    ``other_forms``: the written texts that forms from :data:`OTHER_FORM` up number.

    >>> spell_form("github", 9, []), spell_form("github", OTHER_FORM + 1, ["x", "GitHub!"])
    ('GitHub', 'GitHub!')
    """
    if form >= OTHER_FORM:
        return other_forms[form - OTHER_FORM]
    if not form:
        return name
    chars = list(name)
    while form:  # each set bit: one upper-case letter
        bit = form & -form
        at = bit.bit_length() - 1
        chars[at] = chars[at].upper()
        form ^= bit
    return "".join(chars)


def number_variants(hits: Hits, names: Sequence[str], other_forms: Sequence[str]
                    ) -> tuple[Ints, list[tuple[int, str]]]:
    """:meth:`NameAutomaton.variants` for hits of ``names`` whose other forms are ``other_forms``."""
    if not len(hits.form):
        return np.zeros(0, dtype=np.int64), []
    # One int64 key per (name, form): the forms ranked first (they are few, and span 63 bits).
    forms = sorted_distinct(hits.form)
    key = hits.name * len(forms) + np.searchsorted(forms, hits.form)
    order = np.argsort(key, kind="stable")
    ordered = key[order]
    heads = np.flatnonzero(np.concatenate(([True], ordered[1:] != ordered[:-1])))
    first_hit = order[heads]  # the sort is stable: a group's first row is its first hit
    by_first = np.argsort(first_hit, kind="stable")
    number = np.empty(len(heads), dtype=np.int64)
    number[by_first] = np.arange(len(heads))
    variant = np.empty(len(order), dtype=np.int64)
    variant[order] = np.repeat(number, np.diff(np.append(heads, len(order))))
    chosen, written = hits.name[first_hit[by_first]].tolist(), hits.form[first_hit[by_first]].tolist()
    return variant, [(name, spell_form(names[name], form, other_forms))
                     for name, form in zip(chosen, written, strict=True)]


def written_forms(text: str, codes: Codes, lowered: Codes, starts: Ints, ends: Ints, other: dict[str, int]
                  ) -> Ints:
    """The form (see :class:`Hits`) of each hit ``text[starts[i]:ends[i]]``; ``codes`` and
    ``lowered``: the code points of ``text`` and of its same-length lower case; ``other``
    numbers the written texts no mask can tell (it grows).

    A hit in lower case is form 0. For hits up to 62 characters whose upper-case letters
    are ASCII, the positions of those letters (a bit mask) tell the form with no Python
    work per hit; other hits are read one by one.

    >>> text = "GitHub, github, GITHUB and GitHub"
    >>> starts, ends = np.array([0, 8, 16, 27]), np.array([6, 14, 22, 33])
    >>> written_forms(text, char_codes(text), char_codes(text.lower()), starts, ends, {}).tolist()
    [9, 0, 63, 9]
    """
    size = len(starts)
    form = np.zeros(size, dtype=np.int64)
    if not size:
        return form
    upper = np.flatnonzero(codes != lowered)
    if not len(upper):
        return form
    # Where a mask cannot stand for an upper-case letter: not ASCII A-Z over its own lower case.
    odd = upper[(codes[upper] < 65) | (codes[upper] > 90) | (lowered[upper] != codes[upper] + 32)]
    first = np.searchsorted(upper, starts)
    count = np.searchsorted(upper, ends) - first
    # A hit in lower case is form 0, however long; one with upper case needs a mask that can tell it.
    fast = ends - starts <= 62
    if len(odd):
        fast &= np.searchsorted(odd, ends) == np.searchsorted(odd, starts)
    fast |= count == 0
    with_upper = np.flatnonzero(fast & (count > 0))
    if len(with_upper):
        counts = count[with_upper]
        owner = np.repeat(np.arange(len(with_upper)), counts)
        begin = np.cumsum(counts) - counts
        at = upper[first[with_upper][owner] + np.arange(len(owner)) - begin[owner]]
        bits = np.left_shift(np.int64(1), at - starts[with_upper][owner])
        form[with_upper] = np.bitwise_or.reduceat(bits, begin)
    slow = np.flatnonzero(~fast)
    if len(slow):
        form[slow] = [OTHER_FORM + other.setdefault(text[s:e], len(other)) for s, e in
                      zip(starts[slow].tolist(), ends[slow].tolist(), strict=True)]
    return form
