"""Split a surface form into the names it contains.

Extraction output often writes several names for one entity in one surface:
``"Shawn Wang / swyx"``, ``"Amazon Web Services (AWS)"``, ``"MoE (Mixture of
Experts)"``, ``"Prior authorization(事前承認)"``. Each is an alias: every part
names the same entity. A parenthesis can also be an affiliation or qualifier
(``"Andrej Karpathy (Eureka Labs)"``, ``"Thomas Dohmke (GitHub)"``): that part is
dropped, never aliased, so a person never merges with an organization.

A parenthesis is an alias when

* one side is an acronym of the other (rule ``"acronym"``), or
* the inner text is written in another script (a translation), or
* for a non-person: the inner text is a capitalized acronym-like token whose
  letters appear in order in the outer name (``"AI Engineer Europe (AIE)"``), or
  one side is a short form of the other that is not its initials (rule
  ``"short-form"``: ``"Accessibility (a11y)"``, ``"Long Product Name (LP Name)"``,
  ``"Kubernetes (Kube)"``; see :func:`castgraph.resolve.variants.is_short_form`);
* for a person: the inner text is a handle (one lower-case token, or ``@name``).

Otherwise it is a qualifier and dropped, except that a qualifier holding
digits is identity (``"Llama 3.1 (8B)"`` stays whole). A slash with a space on
either side separates aliases (``"A / B"``); ``"mattpocock/skills"`` is one name.

Examples
--------
>>> parse_surface("Shawn Wang / swyx", person=True)
ParsedSurface(parts=('Shawn Wang', 'swyx'), rule='alias-slash', dropped='')
>>> parse_surface("Andrej Karpathy (Eureka Labs)", person=True)
ParsedSurface(parts=('Andrej Karpathy',), rule='', dropped='Eureka Labs')
>>> parse_surface("Prior authorization(事前承認)", person=False).parts
('Prior authorization', '事前承認')
>>> parse_surface("GitHub, Inc.", person=False).parts
('GitHub',)
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import NamedTuple

from castgraph.resolve.normalize import clean_surface, is_acronym_of, is_latin, strip_suffixes
from castgraph.resolve.variants import is_short_form

__all__ = ["ParsedSurface", "parse_surface"]

_SLASH_RE = re.compile(r"\s+/\s*|\s*/\s+")
_PAREN_RE = re.compile(r"^(?P<main>[^()]+?)\s*\((?P<inner>[^()]+)\)\s*$")
_HANDLE_RE = re.compile(r"^@?[a-z0-9_.\-]+$")
_ACRONYM_LIKE_RE = re.compile(r"^[A-Z][A-Za-z0-9]{1,7}$")


class ParsedSurface(NamedTuple):
    """The names in one surface (display forms, suffixes dropped) and how they were split."""

    parts: tuple[str, ...]
    rule: str
    dropped: str


@lru_cache(maxsize=1 << 20)
def _display(text: str) -> str:
    text = clean_surface(text).strip(" ,;:")
    stripped = strip_suffixes(text)
    return stripped or text


def _letters_in_order(short: str, long: str) -> bool:
    it = iter(long.casefold())
    return all(ch in it for ch in short.casefold() if ch.isalnum())


def _paren(text: str, person: bool) -> tuple[tuple[str, ...], str, str]:
    match = _PAREN_RE.match(text)
    if not match:
        return (text,), "", ""
    main, inner = match.group("main").strip(), match.group("inner").strip()
    if not main or not inner:
        return (text,), "", ""
    if is_acronym_of(inner, main) or is_acronym_of(main, inner):
        return (main, inner), "acronym", ""
    if is_latin(main) != is_latin(inner):
        return (main, inner), "alias-paren", ""
    if person:
        if _HANDLE_RE.match(inner):
            return (main, inner.lstrip("@")), "alias-paren", ""
    elif (_ACRONYM_LIKE_RE.match(inner) and sum(c.isupper() for c in inner) >= 2
          and inner[0].casefold() == main[0].casefold() and _letters_in_order(inner, main)):
        return (main, inner), "alias-paren", ""
    if not person and (is_short_form(inner, main) or is_short_form(main, inner)):
        return (main, inner), "short-form", ""
    if any(c.isdigit() for c in inner):
        return (text,), "", ""
    return (main,), "", inner


@lru_cache(maxsize=1 << 18)
def parse_surface(surface: str, *, person: bool) -> ParsedSurface:
    """Return the names in ``surface`` (empty when it holds none).

    >>> parse_surface("Domain-Driven Design (DDD)", person=False)
    ParsedSurface(parts=('Domain-Driven Design', 'DDD'), rule='acronym', dropped='')
    >>> parse_surface("Llama 3.1 (8B)", person=False).parts
    ('Llama 3.1 (8B)',)
    >>> parse_surface("Accessibility (a11y)", person=False)
    ParsedSurface(parts=('Accessibility', 'a11y'), rule='short-form', dropped='')
    >>> parse_surface("Claude Code (Claude)", person=False).parts
    ('Claude Code',)
    >>> parse_surface("  ", person=False).parts
    ()
    """
    text = clean_surface(surface)
    if not text:
        return ParsedSurface((), "", "")
    if "/" not in text and "(" not in text:
        display = _display(text)
        return ParsedSurface((display,) if display else (), "", "")
    pieces = [p for p in _SLASH_RE.split(text) if p.strip()]
    parts: list[str] = []
    rule, dropped = ("alias-slash" if len(pieces) > 1 else ""), []
    for piece in pieces:
        names, paren_rule, qualifier = _paren(piece.strip(), person)
        rule = rule or paren_rule
        if qualifier:
            dropped.append(qualifier)
        parts.extend(_display(n) for n in names)
    unique = tuple(dict.fromkeys(p for p in parts if p))
    return ParsedSurface(unique, rule if len(unique) > 1 else "", "; ".join(dropped))
