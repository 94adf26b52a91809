"""Search the episode texts while the resolver runs, in a forked child process.

The linker looks for the names and aliases of the resolved entities, known only once
resolution is done. Its search is most of its time, and the machine's other core idles
while the resolver works. :class:`SearchAhead` forks a child before resolution that
searches the texts for every name the mentions' surfaces can give (each surface cleaned,
and the names :func:`~castgraph.resolve.surface.parse_surface` splits from it): the
names of the entities are among them. Once resolution is done, :meth:`SearchAhead.send`
gives the child the real names, and :meth:`SearchAhead.receive` returns the hits
:func:`~castgraph.link.spots.find_hits` would have found for them, exactly:

* leftmost-longest matching with a superset ``S`` of the names ``F`` chooses the same
  matches as with ``F`` in a text where every match it chose is a name of ``F`` and no
  name of ``F`` outside ``S`` occurs (at each step the leftmost, longest match of ``S``
  is one of ``F``, so it is also the leftmost, longest of ``F``);
* the child searches again, with ``F``, the episodes where that does not hold: a match
  (whole word or not) of a name not in ``F``, or any match of a name of ``F`` not in
  ``S`` (found by a second, small automaton); their hits replace the others'
  (:mod:`castgraph.link.again`).

While it waits for the names, the child also codes the columns of the episodes' own
mentions that the build would code (:func:`castgraph.graph.added.code_listed`: surfaces,
type labels, descriptions); the build takes them where they still hold what the mentions
hold (:func:`castgraph.graph.added.listed_columns`).

Where no child can or should run (see :func:`why_not_ahead`; ``CASTGRAPH_NO_FORK=1``
turns it off), or it fails, the linker searches in-process, with the same hits.

Examples
--------
>>> from castgraph.graph.model import Episode, Mention
>>> from castgraph.link.spots import find_hits
>>> eps = [Episode(id="a", title="GitHub and Claude Code", mentions=[Mention(surface="Claude Code")]),
...        Episode(id="b", title="Claude on GitHub", mentions=[Mention(surface="GitHub, Inc.")])]
>>> ahead = SearchAhead(eps, ["title"], lambda name: len(name) > 2, always=True)
>>> ahead.send(eps, ["claude", "github"])   # "Claude Code" did not become a name
>>> hits = ahead.receive()
>>> hits is None or hits.start.tolist() == find_hits(NameAutomaton(["claude", "github"]), eps, ["title"]
...                                               ).start.tolist()
True
"""

from __future__ import annotations

import contextlib
import operator
import os
import pickle
import threading
from collections.abc import Callable, Iterable, Sequence
from typing import NamedTuple

import numpy as np
import numpy.typing as npt

from castgraph.errors import CastgraphError
from castgraph.forked import ForkedCall, fork_unavailable, no_idle_core
from castgraph.graph.added import code_listed
from castgraph.graph.coded import Coded
from castgraph.graph.model import Episode
from castgraph.link.again import patch_hits, search_again
from castgraph.link.automaton import Hits, NameAutomaton
from castgraph.link.spots import BATCH, HitGatherer, TextBatch, TextHits, read_batch

__all__ = ["CHILD_MEMORY_SHARE", "SearchAhead", "surface_names", "why_not_ahead"]

#: The memory the machine must have available at the fork, as a share of this process's (see
#: :func:`why_not_ahead`): measured at 100k episodes, the child came to own about twice the
#: build's memory at the fork (most pages copied, its texts and hits), and the build grew by
#: 1.7 times that while the child ran.
CHILD_MEMORY_SHARE = 4.0

Ints = npt.NDArray[np.int64]


class Searched(NamedTuple):
    """The child's answer: the hits, and the listed mentions' columns it coded meanwhile."""

    hits: TextHits
    listed: dict[str, Coded]


def why_not_ahead(*, always: bool = False, since: tuple[int, int] | None = None) -> str:
    """Why no child can search ahead now (``""``: one can).

    Forking must be safe and the memory there (:func:`castgraph.forked.fork_unavailable` with
    :data:`CHILD_MEMORY_SHARE`: a child that reads every episode while its parent reads every
    mention ends up owning most of the pages of both), and, unless ``always``, a core must be
    idle: beside another busy program the child only slows the resolver down. Idle means
    half a core free on average since ``since`` (a :func:`castgraph.forked.cpu_snapshot`
    taken while this process worked), else, without one, a core left by the load average.
    """
    if not always:
        busy = no_idle_core(since)
        if busy:
            return busy
    return fork_unavailable(memory_share=CHILD_MEMORY_SHARE)


def surface_names(episodes: Iterable[Episode], linkable: Callable[[str], bool]) -> list[str]:
    """Every name the episodes' mention surfaces can give an entity, as the resolver cleans and splits them.

    >>> from castgraph.graph.model import Mention
    >>> ep = Episode(id="e", title="t", mentions=[Mention(surface="Amazon Web Services (AWS)")])
    >>> surface_names([ep], bool)
    ['AWS', 'Amazon Web Services', 'Amazon Web Services (AWS)']
    """
    from castgraph.resolve.normalize import clean_surface
    from castgraph.resolve.surface import parse_surface

    names: set[str] = set()
    for surface in {m.surface for ep in episodes for m in ep.mentions}:
        names.add(clean_surface(surface))
        names.update(parse_surface(surface, person=False).parts)
        if "(" in surface:  # a person's surface splits differently only at a parenthesis
            names.update(parse_surface(surface, person=True).parts)
    return sorted(n for n in names if n and linkable(n))


class SearchAhead:
    """A child process that searches ``episodes``' texts while this process resolves them.

    Parameters
    ----------
    episodes
        The episodes, in the order the linker reads them (by id); their texts must not
        change until :meth:`receive`.
    fields
        The text fields to read (see :func:`~castgraph.link.texts.episode_texts`).
    linkable
        The linker's guard: names it never links are not searched for.
    implementation
        The automaton library (see :class:`~castgraph.link.automaton.NameAutomaton`).
    always
        Fork even when no core is idle (see :func:`why_not_ahead`).
    since
        A :func:`castgraph.forked.cpu_snapshot` taken while this process worked, to tell
        whether a core is idle (see :func:`why_not_ahead`).
    """

    def __init__(self, episodes: Sequence[Episode], fields: Sequence[str], linkable: Callable[[str], bool],
                 implementation: str = "ahocorasick_rs", *, always: bool = False,
                 since: tuple[int, int] | None = None) -> None:
        self.episodes = list(episodes)
        self._child: ForkedCall[Searched | None] | None = None
        #: The listed mentions' columns the child coded (see :func:`castgraph.graph.added.code_listed`),
        #: once :meth:`receive` has them.
        self.listed: dict[str, Coded] = {}
        self._names_fd = -1
        self._sender: threading.Thread | None = None
        #: Why no child runs (``""`` while one does, or did).
        self.why_not = why_not_ahead(always=always, since=since) if self.episodes else "no episodes"
        if self.why_not:
            return
        names_in, names_out = os.pipe()
        searched = self.episodes

        def search() -> Searched | None:  # in the child
            os.close(names_out)  # so that the parent's end, closed, reads as the end of the names
            with contextlib.suppress(OSError):  # behind the resolver and its romanizing child
                os.nice(10)
            with os.fdopen(names_in, "rb") as names:
                found = _search(searched, fields, linkable, implementation, lambda: pickle.load(names))
            # Half the bytes to pickle, copy and read back (130 MB at 100k episodes): receive() widens them.
            return None if found is None else found._replace(hits=found.hits.narrowed())

        try:
            self._child = ForkedCall(search, what="searching the episode texts").start()
        finally:
            os.close(names_in)
        self._names_fd = names_out

    @property
    def running(self) -> bool:
        """Whether a child is searching (False: :meth:`receive` will return ``None``)."""
        return self._child is not None

    def send(self, episodes: Sequence[Episode], names: Iterable[str]) -> None:
        """Give the child the names to find (it goes on alone); other episodes than those searched stop it."""
        if self._child is None or self._names_fd < 0:
            return
        if len(episodes) != len(self.episodes) or any(map(operator.is_not, episodes, self.episodes)):
            self.close()
            return
        keys, fd = list(names), self._names_fd
        self._names_fd = -1

        def write() -> None:
            try:
                with os.fdopen(fd, "wb") as out:
                    pickle.dump(keys, out, protocol=pickle.HIGHEST_PROTOCOL)
            except OSError:  # the child is gone: receive() finds out
                pass

        # A thread: the child reads the names only when its own search is done.
        self._sender = threading.Thread(target=write, name="castgraph-names", daemon=True)
        self._sender.start()
        # Its answer (over 100 MB at 100k episodes) comes through while the linker reads the tags.
        self._child.read_ahead()

    def receive(self) -> TextHits | None:
        """The hits of the names given to :meth:`send`, or ``None`` (search in-process then)."""
        child, sender = self._child, self._sender
        if child is None or sender is None:
            self.close()
            return None
        self._child = None
        try:
            result = child.result()
        except CastgraphError:  # the child failed or was killed: the linker searches itself
            result = None
        finally:
            sender.join()
        if not isinstance(result, Searched):
            return None
        self.listed = result.listed
        return result.hits.widened()

    def close(self) -> None:
        """Stop the child, if it still runs, and release its pipe."""
        if self._names_fd >= 0:
            os.close(self._names_fd)
            self._names_fd = -1
        child, self._child = self._child, None
        if child is not None:
            child.kill()

    def __del__(self) -> None:
        if getattr(self, "_child", None) is not None:
            self.close()


def _search(episodes: list[Episode], fields: Sequence[str], linkable: Callable[[str], bool],
            implementation: str, read_names: Callable[[], list[str]]) -> Searched | None:
    """The child's work (see the module): ``None`` when the in-process search must run instead."""
    ahead = NameAutomaton(surface_names(episodes, linkable), implementation=implementation)
    batches: list[TextBatch] = []
    found: list[Hits] = []
    # Episode and name of every match, whole word or not (a few per hit: kept small).
    matched: list[tuple[npt.NDArray[np.int32], npt.NDArray[np.int32]]] = []
    for first in range(0, len(episodes), BATCH):
        batch = read_batch(episodes, first, fields)
        searched = ahead.search(batch.joined)
        if searched is None:  # a name the joined search cannot take: rare, left to the parent
            return None
        in_batch: list[tuple[Ints, Ints]] = []
        batches.append(batch)
        found.append(ahead.hits(batch.joined, searched, in_batch))
        matched.extend(((text + first).astype(np.int32), name.astype(np.int32)) for text, name in in_batch)

    # While the parent still resolves: the hits as they are if every name of the search is kept.
    gathered = HitGatherer()
    for batch, hits in zip(batches, found, strict=True):
        gathered.add(batch, hits)
    ready = gathered.text_hits(ahead.names, ahead.other_forms)
    listed = code_listed(episodes)  # for the build, also while the parent resolves

    names = NameAutomaton.distinct_names(read_names())
    at = {name: i for i, name in enumerate(names)}
    to_final = np.array([at.get(name, -1) for name in ahead.names] + [-1], dtype=np.int64)
    again = np.zeros(len(episodes), dtype=bool)
    for episode, name in matched:
        again[episode[to_final[name] < 0]] = True
    searched_for = set(ahead.names)
    unseen = [name for name in names if name not in searched_for]
    if unseen:
        extra = NameAutomaton(unseen, implementation=implementation)
        for batch in batches:
            searched = extra.search(batch.joined)
            if searched is None:
                return None
            extra_matched: list[tuple[Ints, Ints]] = []
            extra.hits(batch.joined, searched, extra_matched)
            for text, _ in extra_matched:
                again[text + batch.first] = True
    if not again.any():
        # The same hits: each kept name is renumbered; the ways of writing keep their numbers.
        ready.variants = [(int(to_final[name]), written) for name, written in ready.variants]
        return Searched(ready, listed)

    # The episodes where the hits differ are searched again; their hits replace those found ahead.
    redone = search_again(batches, np.flatnonzero(again), names, ahead.names, unseen, implementation)
    return Searched(patch_hits(ready, again, redone, to_final), listed)
