"""How far a long stage has come, for whoever shows it.

The loaders say how many bytes of their inputs they have read, and the resolver which step
it is on; a caller that wants to show it (``castgraph build`` on a terminal draws a bar)
runs the work inside :func:`metered`. Without a meter, each report is one context-variable
lookup: the library stays quiet and costs nothing.

Examples
--------
>>> seen = []
>>> with metered(lambda done, total, step: seen.append((done, total, step))):
...     expect(10)
...     with part(6):
...         advance(4)
...     step("grouping names")
>>> seen
[(0, 10, ''), (4, 10, ''), (6, 10, ''), (6, 10, 'grouping names')]
>>> advance(1)  # no meter: nothing happens
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

__all__ = ["Meter", "ProgressCallback", "advance", "expect", "metered", "part", "restart", "step"]

#: Called with (amount done, amount expected or ``None``, the step the stage is on).
ProgressCallback = Callable[[int, "int | None", str], None]


class Meter:
    """The progress of the stage running now: an amount done of one expected, and a step name."""

    def __init__(self, callback: ProgressCallback) -> None:
        self.callback = callback
        # A forked child (the build writes some outputs in one) must not call a display it
        # does not own, whose lock another thread of the parent may have held at the fork.
        self.pid = os.getpid()
        self.done = 0
        self.total: int | None = None
        self.step = ""

    def _tell(self) -> None:
        self.callback(self.done, self.total, self.step)

    def restart(self) -> None:
        """A new stage: nothing counted, no step (told once the stage reports)."""
        self.done, self.total, self.step = 0, None, ""

    def expect(self, total: int) -> None:
        """Start counting anew toward ``total``."""
        self.done, self.total, self.step = 0, total, ""
        self._tell()

    def advance(self, amount: int) -> None:
        self.done += amount
        self._tell()

    def reach(self, done: int) -> None:
        if done != self.done:
            self.done = done
            self._tell()

    def name_step(self, name: str) -> None:
        self.step = name
        self._tell()


_meter: ContextVar[Meter | None] = ContextVar("castgraph_meter", default=None)


def _current() -> Meter | None:
    meter = _meter.get()
    return meter if meter is not None and meter.pid == os.getpid() else None


@contextmanager
def metered(callback: ProgressCallback | None) -> Iterator[Meter | None]:
    """Report the progress of the work in the block to ``callback`` (``None``: to no one)."""
    meter = Meter(callback) if callback is not None else None
    token = _meter.set(meter)
    try:
        yield meter
    finally:
        _meter.reset(token)


def restart() -> None:
    """A new stage starts: forget what the last one counted."""
    if (meter := _current()) is not None:
        meter.restart()


def expect(total: int) -> None:
    """The stage starting now will do ``total`` (bytes, items)."""
    if (meter := _current()) is not None:
        meter.expect(total)


def advance(amount: int) -> None:
    """``amount`` more of the expected total is done."""
    if (meter := _current()) is not None:
        meter.advance(amount)


def step(name: str) -> None:
    """The stage goes on to the step ``name`` (shown beside the stage)."""
    if (meter := _current()) is not None:
        meter.name_step(name)


@contextmanager
def part(amount: int) -> Iterator[None]:
    """The block does ``amount`` of the total: whatever it reports, the count is ``amount`` further
    once it ends, and never further while it runs (a loader that reports nothing still moves the
    bar a file at a time; one that reports a block it reads ahead does not overshoot)."""
    meter = _current()
    if meter is None:
        yield
        return
    start = meter.done
    callback = meter.callback

    def capped(done: int, total: int | None, name: str) -> None:
        callback(min(done, start + amount), total, name)

    meter.callback = capped
    try:
        yield
    finally:
        meter.callback = callback
        meter.reach(start + amount)
