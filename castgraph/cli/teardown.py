"""Ending the ``castgraph`` process without freeing what a command built.

A build holds millions of small objects when it is done; freeing them one by one as
the interpreter shuts down takes seconds and gives nothing back to anyone. When
``castgraph`` runs as a program, its entry point (:class:`castgraph.cli._LazyGroup`)
allows commands to keep their objects until the end: every output is written, closed
and renamed into place and every stream flushed, then the process ends at once. A
command run any other way (``CliRunner``, :meth:`click.Command.main` from Python)
keeps nothing and ends as usual.

Examples
--------
>>> keep_until_exit(object()), teardown_skipped()
(False, False)
"""

from __future__ import annotations

import contextlib
import os
import sys
from typing import NoReturn

__all__ = ["exit_without_teardown", "keep_until_exit", "kept_any", "skip_teardown", "teardown_skipped"]

_kept: list[object] = []
_skip = False


def skip_teardown() -> None:
    """Let commands keep their objects until the process ends (only the program's entry point calls this).

    Not when a profiler, tracer or coverage watches the process (they write their report at
    exit), nor with ``CASTGRAPH_FULL_EXIT=1`` in the environment.
    """
    global _skip
    watched = sys.gettrace() is not None or sys.getprofile() is not None or "coverage" in sys.modules
    _skip = not watched and os.environ.get("CASTGRAPH_FULL_EXIT", "") in ("", "0")


def teardown_skipped() -> bool:
    """Whether this process will end without freeing the objects commands keep."""
    return _skip


def keep_until_exit(*objects: object) -> bool:
    """Keep ``objects`` alive until the process ends, if it ends without teardown; say if they were kept."""
    if _skip:
        _kept.extend(objects)
    return _skip


def kept_any() -> bool:
    """Whether a command kept objects for the end of the process."""
    return bool(_kept)


def exit_without_teardown(code: object) -> NoReturn:
    """Flush the standard streams and end the process with ``code`` (as :class:`SystemExit` reads it)."""
    if code is not None and not isinstance(code, int):
        print(code, file=sys.stderr)
        code = 1
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):  # a closed pipe: nothing more can be shown anyway
            stream.flush()
    os._exit(code or 0)
