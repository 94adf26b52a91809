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
>>> hits.variant.tolist(), hits.variants
([0, 1, 2, 1, 3], [(2, 'Claude Code'), (3, 'GitHub'), (0, 'AI'), (3, 'github')])
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from itertools import chain
from typing import Any, NamedTuple

import numpy as np
import numpy.typing as npt

from castgraph.errors import CastgraphError
from castgraph.graph.tables import lex_order
from castgraph.link.boundaries import (
    Codes,
    char_codes,
    on_boundary,
    sentence_start,
    sentence_starts,
    whole_words,
)

__all__ = [
    "IMPLEMENTATIONS", "Hits", "Match", "NameAutomaton", "Searched", "lower_same_length", "written_forms",
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
    ``variants[variant[i]]`` is its name and how it is written (``(3, "GitHub")``), the
    variants numbered in order of their first hit.
    """

    text: Ints
    start: Ints
    end: Ints
    name: Ints
    opening: npt.NDArray[np.bool_]
    variant: Ints
    variants: list[tuple[int, str]]

    @classmethod
    def concatenate(cls, parts: Sequence[Hits]) -> Hits:
        if not parts:
            empty = np.zeros(0, dtype=np.int64)
            return cls(empty, empty, empty, empty, np.zeros(0, dtype=bool), empty, [])
        numbers: dict[tuple[int, str], int] = {}
        variants = []
        for part in parts:
            renumber = np.array([numbers.setdefault(v, len(numbers)) for v in part.variants], dtype=np.int64)
            variants.append(renumber[part.variant] if len(renumber) else part.variant)
        text, start, end, name, opening = (np.concatenate(column) for column in
                                           zip(*(part[:5] for part in parts), strict=True))
        return cls(text, start, end, name, opening, np.concatenate(variants), list(numbers))


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
        self.names: list[str] = sorted({lower_same_length(n) for n in names if n})
        self.implementation = implementation
        # _search gives the library's own list of matches (the part that may run beside other
        # work), _spans_of makes it a (start, end, name) array.
        self._search: Any = lambda text: []
        self._spans_of: Any = lambda found: np.zeros((0, 3), dtype=np.int64)
        self._find = self._build(implementation)
        # A name that could reach across the separator: search text by text, as find_tuples does.
        self._joinable = not any("\x00" in n or n[0] == "\n" or n[-1] == "\n" for n in self.names)

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

    def hits(self, texts: Sequence[str], searched: list[Searched] | None) -> Hits:
        """The second half of :meth:`find_all`: the whole-word hits of :meth:`search`'s matches."""
        if searched is None:
            return self._find_each(texts)
        return Hits.concatenate([self._hits_joined(texts, chunk) for chunk in searched])

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

    def _hits_joined(self, texts: Sequence[str], searched: Searched) -> Hits:
        first, stop, joined, lowered, found = searched
        spans = self._spans_of(found)
        codes = char_codes(joined)
        starts, ends = spans[:, 0], spans[:, 1]
        keep = whole_words(codes, starts, ends)
        starts, ends, names = starts[keep], ends[keep], spans[keep, 2]
        variant, variants = written_forms(joined, codes, char_codes(lowered), starts, ends, names)
        offsets = np.cumsum([len(_SEPARATOR)] + [len(t) + len(_SEPARATOR) for t in texts[first:stop]])
        text = np.searchsorted(offsets, starts, side="right") - 1
        base = offsets[text]
        return Hits(text + first, starts - base, ends - base, names, sentence_starts(codes, starts),
                    variant, variants)

    def _find_each(self, texts: Sequence[str]) -> Hits:
        rows = [(i, s, e, name, sentence_start(text, s))
                for i, text in enumerate(texts) for s, e, name in self.find_tuples(text)]
        if not rows:
            return Hits.concatenate([])
        numbers: dict[tuple[int, str], int] = {}
        variant = np.array([numbers.setdefault((name, texts[i][s:e]), len(numbers))
                            for i, s, e, name, _ in rows], dtype=np.int64)
        text, start, end, name, opening = (np.array(c) for c in zip(*rows, strict=True))
        return Hits(text.astype(np.int64), start.astype(np.int64), end.astype(np.int64),
                    name.astype(np.int64), opening.astype(bool), variant, list(numbers))


def written_forms(text: str, codes: Codes, lowered: Codes, starts: Ints, ends: Ints, names: Ints
                  ) -> tuple[Ints, list[tuple[int, str]]]:
    """How each hit ``text[starts[i]:ends[i]]`` of name ``names[i]`` is written, as numbers into
    ``(name, written)`` pairs in order of first hit; ``codes`` and ``lowered``: the code points of
    ``text`` and of its same-length lower case.

    A hit's written form is its name with some letters in upper case: for names up to
    62 characters whose upper-case letters are ASCII, the positions of those letters (a
    bit mask) tell the form, with no Python work per hit; other hits are read one by one.

    >>> text = "GitHub, github, GITHUB and GitHub"
    >>> lowered = text.lower()
    >>> starts, ends = np.array([0, 8, 16, 27]), np.array([6, 14, 22, 33])
    >>> number, forms = written_forms(text, char_codes(text), char_codes(lowered), starts, ends,
    ...                               np.zeros(4, dtype=np.int64))
    >>> number.tolist(), forms
    ([0, 1, 2, 0], [(0, 'GitHub'), (0, 'github'), (0, 'GITHUB')])
    """
    size = len(starts)
    if not size:
        return np.zeros(0, dtype=np.int64), []
    upper = codes != lowered
    # An upper-case letter a mask can stand for: ASCII A-Z over its own lower case.
    plain = ~upper | ((codes >= 65) & (codes <= 90) & (lowered == codes + 32))
    upper_before = np.concatenate(([0], np.cumsum(upper)))
    odd_before = np.concatenate(([0], np.cumsum(~plain)))
    count = upper_before[ends] - upper_before[starts]
    fast = (odd_before[ends] == odd_before[starts]) & (ends - starts <= 62)
    # The bit mask of each fast hit's upper-case letters, from the positions of all of them.
    mask = np.zeros(size, dtype=np.int64)
    with_upper = np.flatnonzero(fast & (count > 0))
    if len(with_upper):
        counts = count[with_upper]
        owner = np.repeat(np.arange(len(with_upper)), counts)
        first = np.cumsum(counts) - counts
        nth = upper_before[starts[with_upper]][owner] + np.arange(len(owner)) - first[owner]
        at = np.flatnonzero(upper)[nth]
        bits = np.left_shift(np.int64(1), at - starts[with_upper][owner])
        mask[with_upper] = np.bitwise_or.reduceat(bits, first)
    # Hits read one by one get their own keys, after every mask.
    slow = np.flatnonzero(~fast)
    if len(slow):
        own: dict[str, int] = {}
        mask[slow] = [own.setdefault(text[s:e], len(own)) for s, e in
                      zip(starts[slow].tolist(), ends[slow].tolist(), strict=True)]
        mask[slow] += 1 << 62
    order = lex_order(mask, names)
    key_name, key_mask = names[order], mask[order]
    head = np.concatenate(([True], (key_name[1:] != key_name[:-1]) | (key_mask[1:] != key_mask[:-1])))
    group = np.cumsum(head) - 1
    first_hit = np.minimum.reduceat(order, np.flatnonzero(head))
    # Numbered in order of first hit; one form with two keys (never, but cheap to allow) is one variant.
    numbers: dict[tuple[int, str], int] = {}
    renumber = np.zeros(len(first_hit), dtype=np.int64)
    for g in np.argsort(first_hit, kind="stable").tolist():
        hit = int(first_hit[g])
        written = text[int(starts[hit]):int(ends[hit])]
        renumber[g] = numbers.setdefault((int(names[hit]), written), len(numbers))
    variant = np.empty(size, dtype=np.int64)
    variant[order] = renumber[group]
    return variant, list(numbers)
