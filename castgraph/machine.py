"""What this machine has to spare now: idle cores and available memory (Linux ``/proc``).

A build runs work beside itself (a forked child, a second Python process) only when a core would
otherwise sit idle and the memory the other process comes to own is there; these readings
decide it (:func:`castgraph.forked.fork_unavailable`, :func:`castgraph.link.ahead.choose_child`,
the build's output writers). Where a reading is unknown (not Linux) it does not stand in the way.

Examples
--------
>>> memory_short(0.0), no_idle_core(None, needed=float("-inf"))
('', '')
"""

from __future__ import annotations

import math
import os

__all__ = [
    "cpu_snapshot",
    "idle_cores",
    "idle_cores_since",
    "memory_short",
    "no_idle_core",
    "private_memory_kb",
]


def memory_short(share: float) -> str:
    """Why the machine lacks the memory for a child that needs ``share`` times this process's
    resident memory (``""``: it has it, or it cannot tell: not Linux).

    >>> memory_short(0.0)
    ''
    """
    resident, available = _resident_kb(), _available_kb()
    if resident is not None and available is not None and available < resident * share:
        return (f"not enough memory for a child process (about {resident * share / 1024:,.0f} MB; "
                f"{available / 1024:,.0f} MB available)")
    return ""


def _resident_kb() -> int | None:
    try:
        with open("/proc/self/statm", encoding="ascii") as fh:
            return int(fh.read().split()[1]) * (os.sysconf("SC_PAGE_SIZE") // 1024)
    except (OSError, ValueError, IndexError):
        return None


def _available_kb() -> int | None:
    try:
        with open("/proc/meminfo", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return None


def idle_cores() -> float | None:
    """Cores this process may use minus the 1-minute load average (``None`` where unknown).

    The load counts this process too, once it has run for a while: on an idle 2-core
    machine a long build sees about 1 idle core, beside another busy program about 0.

    >>> idle = idle_cores()
    >>> idle is None or idle <= (os.cpu_count() or 1)
    True
    """
    try:
        cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
        return None if not cores else cores - os.getloadavg()[0]
    except OSError:
        return None


def cpu_snapshot() -> tuple[int, int] | None:
    """The machine's idle and total CPU time so far, in clock ticks (Linux ``/proc/stat``; else ``None``).

    >>> snap = cpu_snapshot()
    >>> snap is None or 0 <= snap[0] <= snap[1]
    True
    """
    try:
        with open("/proc/stat", encoding="ascii") as fh:
            ticks = [int(v) for v in fh.readline().split()[1:]]
    except (OSError, ValueError):
        return None
    if len(ticks) < 5:
        return None
    # user nice system idle iowait irq softirq steal (guest time is counted in user already)
    return ticks[3] + ticks[4], sum(ticks[:8])


def idle_cores_since(snapshot: tuple[int, int] | None, *, min_ticks: int = 40) -> float | None:
    """Cores idle on average since ``snapshot`` (:func:`cpu_snapshot`); ``None`` if unknown or too soon.

    Unlike the load average, this sees only the last moments: a build that starts right
    after another one does not count the one before as busy.

    >>> idle_cores_since(None) is None
    True
    """
    now = cpu_snapshot()
    if snapshot is None or now is None or now[1] - snapshot[1] < min_ticks:
        return None
    # /proc/stat counts every core of the machine: its idle share times all of them.
    return (os.cpu_count() or 1) * (now[0] - snapshot[0]) / (now[1] - snapshot[1])


def no_idle_core(since: tuple[int, int] | None, *, running: float = 0.0, needed: float = 1.0) -> str:
    """Why no core is free for a child (``""`` when one is).

    Half a core idle on average since ``since`` (a :func:`cpu_snapshot` taken while this
    process worked); without one, ``needed`` cores left by the 1-minute load average once
    this process's own share is taken off (busy for ``running`` seconds, it has added up
    to ``1 - exp(-running / 60)``). The load average also counts whatever ran in the minute
    before (a build just before this one): the snapshot does not.

    >>> no_idle_core(None, needed=float("-inf"))  # whatever the load
    ''
    """
    lately = idle_cores_since(since)
    if lately is not None:
        return "" if lately >= 0.5 else f"no idle core ({max(lately, 0):.1f} idle of late)"
    idle = idle_cores()
    if idle is not None and idle + 1 - math.exp(-running / 60) < needed:
        return f"no idle core (load average leaves {max(idle, 0):.1f})"
    return ""


def private_memory_kb(pid: int | str = "self") -> int | None:
    """The memory only process ``pid`` uses (its private pages, in kB), or ``None`` where unknown.

    From ``/proc/<pid>/smaps_rollup`` (Linux): pages a forked child still shares with its
    parent are not counted.

    >>> kb = private_memory_kb()
    >>> kb is None or kb > 0
    True
    """
    try:
        with open(f"/proc/{pid}/smaps_rollup", encoding="ascii") as fh:
            return sum(int(line.split()[1]) for line in fh if line.startswith("Private_"))
    except (OSError, ValueError, IndexError):
        return None
