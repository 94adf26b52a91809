"""Pausing the collector: what a paused block made is still collected when it becomes garbage."""

from __future__ import annotations

import gc
import weakref

from castgraph.memory import gc_paused


class _Node:
    def __init__(self) -> None:
        self.other: _Node | None = None


def test_a_cycle_made_while_paused_is_collected_afterwards() -> None:
    assert gc.isenabled()
    with gc_paused():
        assert not gc.isenabled()
        a, b = _Node(), _Node()
        a.other, b.other = b, a
        gone = weakref.ref(a)
    assert gc.isenabled() and gc.get_freeze_count() == 0
    del a, b
    gc.collect()
    assert gone() is None


def test_nested_pauses_leave_the_collector_off_until_the_outer_one_ends() -> None:
    with gc_paused():
        with gc_paused():
            pass
        assert not gc.isenabled()
    assert gc.isenabled()


def test_objects_the_program_froze_stay_frozen() -> None:
    gc.freeze()
    try:
        frozen = gc.get_freeze_count()
        with gc_paused():
            pass
        assert gc.get_freeze_count() == frozen
    finally:
        gc.unfreeze()
