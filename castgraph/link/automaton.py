"""One Aho–Corasick automaton over many names, matched as whole words, longest first.

:class:`NameAutomaton` lower-cases names and text (one character for one character, so
that offsets in the lowered text are offsets in the original), finds the names in one
pass, leftmost-longest and without overlaps ("Claude Code" wins over the "Claude"
inside it), and keeps those on word boundaries
(:func:`~castgraph.link.boundaries.on_boundary`). (A name that is not a whole word can
hide a shorter whole-word name that starts inside it; names of entities rarely do that,
and the search stays one pass with no per-character work in Python.)

Two automaton libraries can run it: ``ahocorasick_rs`` (Rust; the default, faster in
``benchmarks/linking.py``) and ``pyahocorasick`` (C). Both give the same matches.

Examples
--------
>>> auto = NameAutomaton(["Claude", "Claude Code", "GitHub", "ai"])
>>> [(m.start, m.end, auto.names[m.name]) for m in auto.find("Claude Code on GitHub said AI")]
[(0, 11, 'claude code'), (15, 21, 'github'), (27, 29, 'ai')]
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, NamedTuple

from castgraph.errors import CastgraphError
from castgraph.link.boundaries import on_boundary

__all__ = ["IMPLEMENTATIONS", "Match", "NameAutomaton", "lower_same_length"]

IMPLEMENTATIONS = ("ahocorasick_rs", "pyahocorasick")


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
        self._find = self._build(implementation)

    def _build(self, implementation: str) -> Any:
        names = self.names
        if implementation == "ahocorasick_rs":
            import ahocorasick_rs

            if not names:
                return lambda text: []
            rs = ahocorasick_rs.AhoCorasick(names, matchkind=ahocorasick_rs.MATCHKIND_LEFTMOST_LONGEST)

            def find_rs(text: str) -> list[tuple[int, int, int]]:
                return [(s, e, i) for i, s, e in rs.find_matches_as_indexes(text)]

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
