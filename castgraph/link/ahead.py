"""Search the episode texts while the resolver runs, in a child process.

The linker looks for the names and aliases of the resolved entities, known only once
resolution is done. Its search is most of its time, and the machine's other core idles
while the resolver works. :class:`SearchAhead` starts a child before resolution that
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

The child is forked where the machine has the memory for the pages a fork comes to copy
(:data:`CHILD_MEMORY_SHARE`); short of it (at a million episodes) it is a new Python
process sent only the surfaces and the texts (:mod:`castgraph.link.relay`), which leaves
the listed mentions' columns to the build. Where no child can or should run (see
:func:`choose_child`; ``CASTGRAPH_NO_FORK=1`` turns it off), or it fails, the linker
searches in-process, with the same hits.

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
import sys
import threading
from collections.abc import Callable, Iterable, Sequence
from typing import NamedTuple

import numpy as np
import numpy.typing as npt

from castgraph.errors import CastgraphError
from castgraph.forked import ForkedCall, fork_unavailable
from castgraph.graph.added import code_listed
from castgraph.graph.coded import Coded
from castgraph.graph.model import Episode
from castgraph.link.again import patch_hits, search_again
from castgraph.link.automaton import NameAutomaton
from castgraph.link.relay import SearchRelay
from castgraph.link.spots import BATCH, HitGatherer, TextBatch, TextHits, read_batch
from castgraph.machine import memory_short, no_idle_core

__all__ = ["CHILD_MEMORY_SHARE", "RELAY_MEMORY_SHARE", "SearchAhead", "choose_child", "mention_surfaces",
           "names_to_search", "search_texts", "surface_names"]

#: The memory the machine must have available at the fork, as a share of this process's (see
#: :func:`choose_child`): measured at 100k episodes, the child came to own about twice the
#: build's memory at the fork (most pages copied, its texts and hits), and the build grew by
#: 1.7 times that while the child ran.
CHILD_MEMORY_SHARE = 4.0

#: The same for a child sent only the texts (:mod:`castgraph.link.relay`): it owns their copy
#: and its hits, and the build grows meanwhile as it does without a child. Measured at 100k
#: episodes: the build held 0.72 GB when it started the child, which peaked at 0.70 GB while
#: the build grew by 0.9 GB; at a million, all processes together peaked at 14.95 GB, the
#: build alone at 13.48 GB.
RELAY_MEMORY_SHARE = 1.5

Ints = npt.NDArray[np.int64]
Guard = Callable[[str], bool]


class Searched(NamedTuple):
    """The child's answer: the hits, and the listed mentions' columns it coded meanwhile."""

    hits: TextHits
    listed: dict[str, Coded]


def choose_child(*, always: bool = False, since: tuple[int, int] | None = None) -> tuple[str, str]:
    """How a child can search ahead now, or why none can: ``("fork", "")`` where the machine has
    the memory a forked child comes to own (:data:`CHILD_MEMORY_SHARE`), ``("relay", "")`` where
    it has what a child sent only the texts needs (:data:`RELAY_MEMORY_SHARE`), else ``("", why)``.

    Forking must be safe (:func:`castgraph.forked.fork_unavailable`), and, unless ``always``, a
    core must be idle: beside another busy program the child only slows the resolver down.
    Idle means half a core free on average since ``since`` (a :func:`castgraph.machine.cpu_snapshot`
    taken while this process worked), else, without one, a core left by the load average.
    """
    if not always:
        busy = no_idle_core(since)
        if busy:
            return "", busy
    cannot = fork_unavailable()
    if cannot:
        return "", cannot
    if not memory_short(CHILD_MEMORY_SHARE):
        return "fork", ""
    if not sys.executable or getattr(sys, "frozen", False):
        return "", "no Python interpreter to start"
    short = memory_short(RELAY_MEMORY_SHARE)
    return ("", short) if short else ("relay", "")


def mention_surfaces(episodes: Iterable[Episode]) -> set[str]:
    """The distinct surfaces of the episodes' mentions."""
    return {m.surface for ep in episodes for m in ep.mentions}


def surface_names(surfaces: Iterable[str], linkable: Callable[[str], bool]) -> list[str]:
    """Every name mention ``surfaces`` can give an entity, as the resolver cleans and splits them.

    >>> surface_names(["Amazon Web Services (AWS)"], bool)
    ['AWS', 'Amazon Web Services', 'Amazon Web Services (AWS)']
    """
    from castgraph.resolve.normalize import clean_surface
    from castgraph.resolve.surface import parse_surface

    names: set[str] = set()
    for surface in set(surfaces):
        names.add(clean_surface(surface))
        names.update(parse_surface(surface, person=False).parts)
        if "(" in surface:  # a person's surface splits differently only at a parenthesis
            names.update(parse_surface(surface, person=True).parts)
    return sorted(n for n in names if n and linkable(n))


def names_to_search(surfaces: Iterable[str], linkable: Guard) -> list[str]:
    """:func:`surface_names`, for a searching child: the resolver's caches that parsing the surfaces
    fills are emptied after, so that their memory goes to the hits (185 MB at 100k episodes)."""
    from castgraph.resolve.resolver import clear_caches

    names = surface_names(surfaces, linkable)
    clear_caches()
    return names


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
        The linker's guard: names it never links are not searched for. It must pickle
        where the child is started anew (:class:`~castgraph.link.words.NameGuard` does).
    implementation
        The automaton library (see :class:`~castgraph.link.automaton.NameAutomaton`).
    always
        Start a child even when no core is idle (see :func:`choose_child`).
    since
        A :func:`castgraph.machine.cpu_snapshot` taken while this process worked, to tell
        whether a core is idle (see :func:`choose_child`).
    kind
        ``"fork"`` or ``"relay"`` (default: as the memory allows, see :func:`choose_child`).
    """

    def __init__(self, episodes: Sequence[Episode], fields: Sequence[str], linkable: Callable[[str], bool],
                 implementation: str = "ahocorasick_rs", *, always: bool = False,
                 since: tuple[int, int] | None = None, kind: str | None = None) -> None:
        self.episodes = list(episodes)
        self._child: ForkedCall[Searched | None] | None = None
        self._relay: SearchRelay | None = None
        #: The listed mentions' columns the child coded (see :func:`castgraph.graph.added.code_listed`),
        #: once :meth:`receive` has them (a relayed child codes none: the build does).
        self.listed: dict[str, Coded] = {}
        self._names_fd = -1
        self._sender: threading.Thread | None = None
        self._sent = False
        chosen, why_not = choose_child(always=always, since=since) if self.episodes else ("", "no episodes")
        #: Why no child runs (``""`` while one does, or did).
        self.why_not = why_not
        #: How the child runs: ``"fork"``, ``"relay"``, or ``""`` (none).
        self.kind = ""
        if self.why_not:
            return
        self.kind = kind or chosen
        if self.kind == "relay":
            self._start_relay(fields, linkable, implementation)
        else:
            self._start_fork(fields, linkable, implementation)

    def _start_fork(self, fields: Sequence[str], linkable: Guard, implementation: str) -> None:
        names_in, names_out = os.pipe()
        searched = self.episodes

        def search() -> Searched | None:  # in the child
            os.close(names_out)  # so that the parent's end, closed, reads as the end of the names
            with contextlib.suppress(OSError):  # behind the resolver and its romanizing child
                os.nice(10)
            texts = (read_batch(searched, first, fields) for first in range(0, len(searched), BATCH))
            with os.fdopen(names_in, "rb") as names:
                names_ahead = names_to_search(mention_surfaces(searched), linkable)
                found = search_texts(texts, names_ahead, implementation, lambda: pickle.load(names),
                                     lambda: code_listed(searched))
            # Narrowed: half the bytes to pickle, copy and read back (130 MB at 100k episodes).
            return found

        try:
            self._child = ForkedCall(search, what="searching the episode texts").start()
        finally:
            os.close(names_in)
        self._names_fd = names_out

    def _start_relay(self, fields: Sequence[str], linkable: Guard, implementation: str) -> None:
        relay = SearchRelay()
        if not relay.start():
            self.why_not, self.kind = "no Python process could be started", ""
            return
        self._relay = relay
        # Here, the texts are read (0.5 s at 100k episodes); there, the names made and searched for.
        try:
            relay.put((implementation, linkable, mention_surfaces(self.episodes)))
        except (pickle.PicklingError, TypeError, AttributeError) as exc:  # a guard made on the spot
            self.close()
            self.why_not, self.kind = f"the name guard cannot be sent to another process ({exc})", ""
            return
        for first in range(0, len(self.episodes), BATCH):
            if not relay.listening:  # the child is gone: the linker searches in-process
                break
            relay.put(read_batch(self.episodes, first, fields))
        relay.put(None)

    @property
    def running(self) -> bool:
        """Whether a child is searching (False: :meth:`receive` will return ``None``)."""
        return self._child is not None or self._relay is not None

    def send(self, episodes: Sequence[Episode], names: Iterable[str]) -> None:
        """Give the child the names to find (it goes on alone); other episodes than those searched stop it."""
        if not self.running or self._sent:
            return
        if len(episodes) != len(self.episodes) or any(map(operator.is_not, episodes, self.episodes)):
            self.close()
            return
        keys, self._sent = list(names), True
        if self._relay is not None:
            self._relay.put(keys)
            # Its answer comes through while the linker reads the tags (see SearchRelay.finish).
            self._relay.finish()
            return
        assert self._child is not None
        fd, self._names_fd = self._names_fd, -1

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
        child, relay, sender = self._child, self._relay, self._sender
        if not self._sent:
            self.close()
            return None
        self._child, self._relay, self._sender = None, None, None
        result: Searched | None = None
        if relay is not None:
            try:
                answer = relay.answer()
            except BaseException:  # Ctrl-C while waiting: the child goes too
                relay.close()
                raise
            result = answer if isinstance(answer, Searched) else None
        elif child is not None:
            try:
                result = child.result()
            except CastgraphError:  # the child failed or was killed: the linker searches itself
                result = None
            finally:
                if sender is not None:
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
        relay, self._relay = self._relay, None
        if relay is not None:
            relay.close()

    def __del__(self) -> None:
        if getattr(self, "_child", None) is not None or getattr(self, "_relay", None) is not None:
            self.close()


def search_texts(texts: Iterable[TextBatch], searched_names: list[str], implementation: str,
                 read_names: Callable[[], list[str]], listed: Callable[[], dict[str, Coded]]
                 ) -> Searched | None:
    """A searching child's work (see the module): the hits of the names ``read_names`` gives, in
    ``texts``, searched for ``searched_names`` meanwhile; ``listed`` codes the listed mentions'
    columns while the names are not known yet. ``None``: the in-process search must run instead.

    The hits come :meth:`~castgraph.link.spots.TextHits.narrowed`, as they are handed over.
    """
    ahead = NameAutomaton(searched_names, implementation=implementation)
    batches: list[TextBatch] = []
    # While the parent still resolves: the hits as they are if every name of the search is kept.
    gathered = HitGatherer()
    # Episode and name of every match, whole word or not (a few per hit: kept small).
    matched: list[tuple[npt.NDArray[np.int32], npt.NDArray[np.int32]]] = []
    for batch in texts:
        first = batch.first
        searched = ahead.search(batch.joined)
        if searched is None:  # a name the joined search cannot take: rare, left to the parent
            return None
        in_batch: list[tuple[Ints, Ints]] = []
        batches.append(batch)
        gathered.add(batch, ahead.hits(batch.joined, searched, in_batch))
        matched.extend(((text + first).astype(np.int32), name.astype(np.int32)) for text, name in in_batch)
    # Narrowed now, not at the hand-over: the child waits for the names with half the bytes.
    ready = gathered.text_hits(ahead.names, ahead.other_forms).narrowed()
    del gathered
    coded = listed()  # for the build, also while the parent resolves
    count = batches[-1].first + len(batches[-1].joined) if batches else 0

    names = NameAutomaton.distinct_names(read_names())
    at = {name: i for i, name in enumerate(names)}
    to_final = np.array([at.get(name, -1) for name in ahead.names] + [-1], dtype=np.int64)
    again = np.zeros(count, dtype=bool)
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
        return Searched(ready, coded)

    # The episodes where the hits differ are searched again; their hits replace those found ahead.
    redone = search_again(batches, np.flatnonzero(again), names, ahead.names, unseen, implementation)
    return Searched(patch_hits(ready, again, redone, to_final).narrowed(), coded)
