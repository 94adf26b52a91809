"""Running one piece of work in a forked child process while this process does another.

Writing a build's outputs is pure Python that holds the interpreter lock, so threads
cannot share it out; a second process can. :class:`ForkedCall` starts a child with
:func:`os.fork`: the child is a copy of this process that sees every object as it was,
without pickling anything (the memory pages are shared until one side writes to them),
runs one function, sends its return value back and ends with :func:`os._exit` (no
atexit handlers, no second flush of this process's stdio buffers, no teardown of objects
it only borrowed). A small answer comes through a pipe; a large one (over
:data:`ANSWER_FILE_MIN` bytes pickled) through an anonymous in-memory file the two processes
share (:func:`os.memfd_create`, Linux): a pipe passes 64 kB at a time, and 100 MB took
0.5 s to pass in a tight loop, and longer read by a thread beside busy Python code (each
read waits for the interpreter lock). The file is read in one go, mapped.

What can go wrong comes back as one clear error, never a hung parent:

- an exception in the child is raised again here: a :class:`CastgraphError` as the same
  type with the same message, an :class:`OSError` naming its file as a
  :class:`CastgraphError` with the line the command would print for it, anything else as a
  :class:`CastgraphError` naming what the child was doing (the child's traceback is kept as
  a note on the error, for whoever debugs it);
- a child that dies (killed by a signal, or ending without a result) is a
  :class:`CastgraphError` naming what it was doing;
- leaving the ``with`` block before the result was taken (an error here, Ctrl-C) kills the
  child and waits for it, so no zombie is left, then calls ``cleanup`` (e.g. to remove the
  temp files of a write the child did not finish).

Forking is not always possible or wise: :func:`fork_unavailable` says why not (no
:func:`os.fork`, as on Windows; other threads running, whose locks the child would inherit
held; :data:`NO_FORK_ENV` set by the user; too little memory available). The caller then
runs the work in-process.

Sharing is not free in CPython: every object either process touches has its reference
count written, so each page touched after the fork is copied (or at least faulted) once.
Writing the outputs of a build this way took 20-65 % more CPU than in one process (10k-100k episodes),
and the child came to own about 40 % of the parent's memory: it pays only when a core
would otherwise sit idle (:func:`castgraph.machine.idle_cores`).

Examples
--------
>>> def count() -> int:
...     return sum(range(1000))
>>> if fork_unavailable():  # e.g. Windows: the same function, in this process
...     total = count()
... else:
...     with ForkedCall(count, what="counting") as child:
...         total = child.result()
>>> total
499500
"""

from __future__ import annotations

import contextlib
import logging
import mmap
import os
import pickle
import signal
import sys
import threading
import traceback
import weakref
from collections.abc import Callable
from types import TracebackType
from typing import Any, Generic, TypeVar

from castgraph import machine
from castgraph.errors import CastgraphError

__all__ = [
    "ANSWER_FILE_MIN",
    "NO_FORK_ENV",
    "ForkedCall",
    "answer_file",
    "die_with_parent",
    "dump_answer",
    "fork_unavailable",
    "python_child_env",
    "tolerate_at_fork",
    "unpickle_answer",
    "write_all",
]

ANSWER_FILE_MIN = 1 << 20
"""A child's answer this large (pickled) or larger comes back through a shared in-memory file."""

NO_FORK_ENV = "CASTGRAPH_NO_FORK"
"""Set to ``1`` to run everything in the one process (e.g. to profile a build, or if forking misbehaves)."""

T = TypeVar("T")

_log = logging.getLogger(__name__)
_tolerated: weakref.WeakSet[threading.Thread] = weakref.WeakSet()


def python_child_env() -> dict[str, str]:
    """The environment of a new Python process (started with ``-P``) that imports castgraph from
    where this one did, and from nowhere else: not from the working folder, where a ``json.py``
    would run in place of the standard library's. Raises :class:`OSError` if the working folder
    is gone.
    """
    return {**os.environ, "PYTHONPATH": os.pathsep.join(p or os.getcwd() for p in sys.path)}


def tolerate_at_fork(thread: threading.Thread) -> None:
    """Let :func:`fork_unavailable` ignore ``thread``: it holds no lock a forked child's work needs.

    A terminal progress display's refresh thread is such a thread: it only draws on the
    terminal, which the child never writes to.
    """
    _tolerated.add(thread)


def fork_unavailable(*, memory_share: float = 0.0) -> str:
    """Why work cannot run in a forked child now; ``""`` when it can.

    Parameters
    ----------
    memory_share
        The share of this process's resident memory the child will come to own (the pages
        either process writes stop being shared): the machine must have that much available
        (Linux; elsewhere not checked).

    >>> os.environ[NO_FORK_ENV] = "1"
    >>> fork_unavailable()
    'CASTGRAPH_NO_FORK is set'
    >>> del os.environ[NO_FORK_ENV]
    >>> bool(fork_unavailable(memory_share=1e6)) or sys.platform != "linux"  # memory (or threads left)
    True
    """
    if not hasattr(os, "fork"):
        return "this platform has no fork"
    if os.environ.get(NO_FORK_ENV, "").strip() not in ("", "0"):
        return f"{NO_FORK_ENV} is set"
    # Only the forking thread lives on in the child; a lock another thread holds at that moment
    # stays held there forever. Threads outside Python (BLAS pools) guard themselves with atfork handlers.
    current = threading.current_thread()
    others = [t for t in threading.enumerate() if t is not current and t.is_alive() and t not in _tolerated]
    if others:
        return f"{len(others)} other thread(s) running ({', '.join(sorted(t.name for t in others))})"
    return machine.memory_short(memory_share) if memory_share > 0 else ""


def _one_line(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.filename:
        return f"{exc.filename}: {exc.strerror or exc}"
    return " ".join(str(exc).split()) or type(exc).__name__


def _portable(exc: BaseException, what: str) -> BaseException:
    """``exc`` as an error that survives the trip through the pipe and reads well in one line."""
    if isinstance(exc, CastgraphError):
        with contextlib.suppress(Exception):  # a subclass with its own __init__ may not come back whole
            copy = pickle.loads(pickle.dumps(exc))
            if type(copy) is type(exc) and str(copy) == str(exc):
                return copy
        error = CastgraphError(str(exc))
    elif isinstance(exc, OSError) and exc.filename:
        error = CastgraphError(_one_line(exc))  # the line the command prints for the same error in-process
    else:
        error = CastgraphError(f"{what}: {type(exc).__name__}: {_one_line(exc)}")
    error.add_note("in the forked child:\n" + "".join(traceback.format_exception(exc)).rstrip())
    return error


def write_all(fd: int, data: bytes) -> None:
    """Write all of ``data`` to ``fd`` (a pipe takes it a part at a time; while it is full,
    :func:`os.write` waits without the interpreter lock)."""
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


# What the pipe carries instead of the pickle when the answer is in the shared file: this mark,
# then the size in ASCII digits. A pickle of protocol 2 or later starts with b"\x80".
_IN_FILE = b"F"


def answer_file() -> int:
    """A new anonymous in-memory file for a child's answer (-1 where there is none: not Linux)."""
    create = getattr(os, "memfd_create", None)
    if create is None:
        return -1
    try:
        fd: int = create("castgraph-answer", os.MFD_CLOEXEC)
    except OSError:
        return -1
    return fd


def _send_answer(fd: int, answer_fd: int, data: bytes) -> None:
    """Send the pickled answer: through the shared file if it is large, else the pipe ``fd``."""
    if answer_fd >= 0 and len(data) >= ANSWER_FILE_MIN:
        try:
            write_all(answer_fd, data)
        except OSError:  # no room in memory for it: the pipe then, slower
            pass
        else:
            write_all(fd, _IN_FILE + str(len(data)).encode())
            return
    write_all(fd, data)


def dump_answer(fd: int, answer_fd: int, value: Any) -> None:
    """Send ``value`` pickled, for :func:`unpickle_answer`: straight into the shared file
    ``answer_fd`` when there is one, whatever its size (no copy of a large answer in this
    process's memory), else through the pipe ``fd``. Unlike :func:`_send_answer` it does not
    fall back to the pipe: a file that cannot take the answer raises :class:`OSError`."""
    if answer_fd < 0:
        write_all(fd, pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL))
        return
    with open(answer_fd, "wb", closefd=False) as out:
        pickle.dump(value, out, protocol=pickle.HIGHEST_PROTOCOL)
        size = out.tell()
    write_all(fd, _IN_FILE + str(size).encode())


def unpickle_answer(data: bytes, answer_fd: int) -> Any:
    """A child's answer from what its pipe brought (see :func:`_send_answer`): the pickle, or where
    to find it in the shared file ``answer_fd``."""
    if not data.startswith(_IN_FILE):
        return pickle.loads(data)
    size = int(data[len(_IN_FILE):])
    if os.fstat(answer_fd).st_size < size:  # mapped past its end, the file would kill us (SIGBUS)
        raise ValueError("the answer file is shorter than the child said")
    # Mapped, not read: no second copy of a large answer.
    with mmap.mmap(answer_fd, size, access=mmap.ACCESS_READ) as view:
        return pickle.loads(view)


def die_with_parent(parent: int) -> None:
    """Have the kernel kill this child if the parent dies first (Linux; elsewhere the parent reaps it)."""
    if not sys.platform.startswith("linux"):
        return
    with contextlib.suppress(Exception):
        import ctypes

        pr_set_pdeathsig = 1
        ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGKILL)
    if os.getppid() != parent:  # the parent died before the request took effect
        os._exit(1)


def _run_child(function: Callable[[], Any], fd: int, answer_fd: int, what: str, parent: int,
               measure: bool) -> None:
    """The child's whole life: never returns into the caller's code, whatever happens."""
    code = 1
    try:
        if signal.getsignal(signal.SIGINT) is signal.default_int_handler:
            # Ctrl-C ends the child at once, without a traceback; the parent reports it.
            signal.signal(signal.SIGINT, signal.SIG_DFL)
        die_with_parent(parent)
        # What the child prints would cut into this process's display, and a lock on a stream held
        # by another thread here at the fork would stay held in the child: its streams go nowhere.
        sys.stdout = sys.stderr = open(os.devnull, "w", encoding="utf-8")  # noqa: SIM115
        try:
            payload: tuple[bool, Any, int | None] = (True, function(), None)
        except BaseException as exc:  # every failure goes back to the parent
            payload = (False, _portable(exc, what), None)
        if measure:
            payload = (*payload[:2], machine.private_memory_kb())
        try:
            data = pickle.dumps(payload, protocol=pickle.HIGHEST_PROTOCOL)
        except Exception as exc:  # a result that cannot be pickled
            data = pickle.dumps((False, _portable(exc, what), payload[2]), protocol=pickle.HIGHEST_PROTOCOL)
        _send_answer(fd, answer_fd, data)
        code = 0
    finally:
        os._exit(code)


class ForkedCall(Generic[T]):
    """``function()`` run in a forked child; :meth:`result` waits for it and returns its value.

    Use it as a context manager (entering starts the child, unless :meth:`start` already
    did: call it first to handle a failed fork apart). Leaving the block without
    having taken the result kills the child and reaps it, then calls ``cleanup``. Make
    sure :func:`fork_unavailable` is empty first.

    The child shares every file descriptor of this process. An ``flock`` held here (such as
    :class:`castgraph.outputs.OutputLock`) stays held while the child lives, and the child
    never unlocks it: it only ends, and the lock goes when this process releases it.

    Parameters
    ----------
    function
        What the child runs; its return value must pickle.
    what
        What the child does, for error messages ("writing graph.html").
    cleanup
        Called after a child that did not end normally has been reaped.
    """

    def __init__(self, function: Callable[[], T], *, what: str,
                 cleanup: Callable[[], object] | None = None) -> None:
        self.function = function
        self.what = what
        self.cleanup = cleanup
        self.pid: int | None = None
        #: The child's private memory when it ended, in kB (measured when this module logs at DEBUG).
        self.private_kb: int | None = None
        self._fd: int | None = None
        # The shared file a large answer comes back in (-1: none).
        self._answer_fd = -1
        self._started = False
        # See read_ahead(): the thread reading the answer, and what it read.
        self._reader: threading.Thread | None = None
        self._read_ahead: bytes = b""

    def start(self) -> ForkedCall[T]:
        """Fork the child; it starts on ``function`` at once."""
        if self._started:
            raise RuntimeError("this ForkedCall was already started")
        for stream in (sys.stdout, sys.stderr):  # else text buffered here would be written by both
            with contextlib.suppress(Exception):
                stream.flush()
        measure = _log.isEnabledFor(logging.DEBUG)
        parent = os.getpid()
        read_fd, write_fd = os.pipe()  # not inherited by programs started with exec
        answer_fd = answer_file()
        try:
            pid = os.fork()
        except BaseException:
            for fd in (read_fd, write_fd, answer_fd):
                if fd >= 0:
                    os.close(fd)
            raise
        if pid == 0:
            os.close(read_fd)
            _run_child(self.function, write_fd, answer_fd, self.what, parent, measure)
        os.close(write_fd)  # from now on, end of file on read_fd means the child has ended
        self.pid, self._fd, self._answer_fd, self._started = pid, read_fd, answer_fd, True
        return self

    def _unpickled(self, data: bytes) -> Any:
        return unpickle_answer(data, self._answer_fd)

    def _close_answer_file(self) -> None:
        if self._answer_fd >= 0:
            os.close(self._answer_fd)
            self._answer_fd = -1

    def _read(self) -> bytes:
        assert self._fd is not None
        chunks = []
        while chunk := os.read(self._fd, 1 << 20):
            chunks.append(chunk)
        return b"".join(chunks)

    def read_ahead(self) -> None:
        """Read the child's answer in a thread from now on, for :meth:`result` to take.

        A pipe holds 64 kB: a child with a large answer waits until it is read. Read ahead,
        it is read while this process does other work (the thread waits in ``os.read``,
        without the GIL).
        """
        if self._reader is not None or self._fd is None:
            return

        def read() -> None:
            with contextlib.suppress(OSError):
                self._read_ahead = self._read()

        self._reader = threading.Thread(target=read, name=f"castgraph-{self.what}", daemon=True)
        self._reader.start()

    def _answer(self) -> bytes:
        """The child's whole answer (read until it closes its end)."""
        if self._reader is None:
            return self._read()
        self._reader.join()
        self._reader, data, self._read_ahead = None, self._read_ahead, b""
        return data

    def _reap(self) -> int:
        """Wait for the child to end; return its wait status."""
        assert self.pid is not None
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
        try:
            status = os.waitpid(self.pid, 0)[1]
        except ChildProcessError:  # reaped elsewhere (a SIGCHLD handler): its status is gone
            status = 0
        self.pid = None
        return status

    def result(self) -> T:
        """Wait for the child; return what ``function`` returned or raise what it raised."""
        if self.pid is None:
            raise RuntimeError("the child was not started, or its result was already taken")
        try:
            data = self._answer()
            status = self._reap()
        except BaseException:  # Ctrl-C while waiting: the child goes too
            self.kill()
            raise
        try:
            return self._value(data, status)
        finally:
            self._close_answer_file()

    def _value(self, data: bytes, status: int) -> T:
        """What the child returned (or raise what it raised, or that it died), from its ``data``."""
        if os.WIFSIGNALED(status):
            self._clean()
            try:
                name = signal.Signals(os.WTERMSIG(status)).name
            except ValueError:
                name = str(os.WTERMSIG(status))
            raise CastgraphError(f"{self.what}: the child process was killed by signal {name}")
        try:
            ok, value, self.private_kb = self._unpickled(data)
        except Exception:  # nothing, or part of a result: the child ended early
            self._clean()
            code = os.waitstatus_to_exitcode(status)
            raise CastgraphError(f"{self.what}: the child process ended (exit code {code}) "
                                 "without a result") from None
        if self.private_kb is not None:
            _log.debug("%s: the child's private memory at exit: %d kB", self.what, self.private_kb)
        if not ok:
            self._clean()
            raise value
        return value

    def _clean(self) -> None:
        if self.cleanup is not None:
            self.cleanup()

    def kill(self) -> None:
        """Kill the child if it still runs, wait for it, then call ``cleanup``."""
        if self.pid is None:
            self._close_answer_file()
            return
        # A second Ctrl-C must not leave the killed child unreaped: it is held back until the child is gone.
        blocked = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
        try:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, signal.SIGKILL)
            if self._reader is not None:  # it reads to the end the kill made: its file is closed after
                self._answer()
            self._reap()
        finally:
            self._close_answer_file()
            signal.pthread_sigmask(signal.SIG_SETMASK, blocked)
        self._clean()

    def __enter__(self) -> ForkedCall[T]:
        return self if self._started else self.start()

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.kill()
