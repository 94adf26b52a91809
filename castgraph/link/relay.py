"""Search the episode texts in a new Python process that is sent only the texts.

:class:`~castgraph.link.ahead.SearchAhead` forks its searching child where the machine has
the memory for it. A forked child shares every page of the build, but each page either
process writes from then on is copied: a child that reads every episode while its parent
reads every mention comes to own about the build's size again (7 GB at a million episodes).
Short of that memory, a :class:`SearchRelay` starts a new interpreter
(``python -P``, running :func:`_main`) and sends it through a pipe only what the search
reads: the mentions' distinct surfaces, the episodes' texts a batch at a time
(:class:`~castgraph.link.spots.TextBatch`, about 0.6 GB at a million episodes), and, once
resolution is done, the names. The child runs the same search
(:func:`castgraph.link.ahead.search_texts`), so the hits are the same; the listed mentions'
columns, which the forked child codes from the episodes, are left to the build.

Each message is a pickle after its length (8 bytes, little-endian). A thread here writes
them, and a thread in the child reads them as they come: the build never waits for the
search. The answer comes back through an anonymous shared file
(:func:`castgraph.forked.dump_answer`), mapped here, not copied.

Examples
--------
>>> relay = SearchRelay()
>>> relay.start(), relay.running
(True, True)
>>> relay.put(("ahocorasick_rs", len, []))  # no surfaces: the child ends without an answer
>>> relay.finish(), relay.answer()
(None, None)
"""

from __future__ import annotations

import contextlib
import gc
import os
import pickle
import queue
import subprocess
import sys
import threading
from typing import Any, BinaryIO

from castgraph.forked import (
    answer_file,
    die_with_parent,
    dump_answer,
    python_child_env,
    tolerate_at_fork,
    unpickle_answer,
    write_all,
)

__all__ = ["SearchRelay"]

#: The pipe's buffer (Linux: ``F_SETPIPE_SZ``): the child's reader needs the interpreter lock
#: once per read, and gets it only between its search's steps.
PIPE_BYTES = 1 << 20

_Message = tuple[bytes, bytes] | None
# Not ``-m``: the package imports this module first, and runpy would run it a second time.
_CHILD = f"from {__name__} import _main; _main()"


class SearchRelay:
    """A new Python process that searches texts sent to it (see the module).

    :meth:`start` it, :meth:`put` the messages of :func:`_serve` in order, :meth:`finish`,
    then take :meth:`answer`; :meth:`close` stops it at any point.
    """

    def __init__(self) -> None:
        self._child: subprocess.Popen[bytes] | None = None
        self._answer_fd = -1
        self._outbox: queue.SimpleQueue[_Message] = queue.SimpleQueue()
        # Taken to queue a message, and by the writer when the child is gone: nothing is queued after
        # the writer emptied the queue (at a million episodes, up to 0.6 GB of texts).
        self._queueing = threading.Lock()
        self._gone = False
        self._sender: threading.Thread | None = None
        self._reader: threading.Thread | None = None
        self._answer = b""

    @property
    def running(self) -> bool:
        """Whether a child was started and its answer not yet taken."""
        return self._child is not None

    def start(self) -> bool:
        """Start the child (False where none can start: it then never runs)."""
        if self._child is not None or not sys.executable or getattr(sys, "frozen", False):
            return False
        answer_fd = answer_file()
        try:  # (the working folder may be gone)
            self._child = subprocess.Popen(
                [sys.executable, "-P", "-c", _CHILD, str(answer_fd), str(os.getpid())], stdin=subprocess.PIPE,
                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=python_child_env(),
                pass_fds=(answer_fd,) if answer_fd >= 0 else ())
        except OSError:
            if answer_fd >= 0:
                os.close(answer_fd)
            return False
        self._answer_fd = answer_fd
        stdin = self._child.stdin
        assert stdin is not None
        _widen_pipe(stdin.fileno())
        self._sender = threading.Thread(target=self._send_all, args=(stdin,), name="castgraph-relay",
                                        daemon=True)
        tolerate_at_fork(self._sender)  # a later forked child never touches its queue
        self._sender.start()
        return True

    @property
    def listening(self) -> bool:
        """Whether messages still reach the child (False once it is gone: :meth:`put` drops them)."""
        return self._child is not None and self._sender is not None and not self._gone

    def put(self, message: object) -> None:
        """Queue ``message`` for the child (pickled now; written by a thread)."""
        if not self.listening:
            return  # none, or it is gone: answer() finds out
        data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
        with self._queueing:
            if not self._gone:
                self._outbox.put((len(data).to_bytes(8, "little"), data))

    def finish(self) -> None:
        """No more messages: read the child's answer from now on, in a thread."""
        child = self._child
        if child is None or self._reader is not None:
            return
        self._outbox.put(None)
        stdout = child.stdout
        assert stdout is not None

        def read() -> None:
            with contextlib.suppress(OSError, ValueError):
                self._answer = stdout.read()

        self._reader = threading.Thread(target=read, name="castgraph-relay-answer", daemon=True)
        tolerate_at_fork(self._reader)
        self._reader.start()

    def answer(self) -> Any:
        """What the child answered (``None`` if it failed or ended without an answer)."""
        child, reader = self._child, self._reader
        if child is None or reader is None:
            self.close()
            return None
        reader.join()
        data, self._answer, self._child = self._answer, b"", None
        try:
            if child.wait() != 0 or not data:
                return None
            return unpickle_answer(data, self._answer_fd)
        except Exception:  # a damaged answer: the caller searches itself
            return None
        finally:
            self._release(child)

    def close(self) -> None:
        """Stop the child if it still runs."""
        child, self._child = self._child, None
        if child is not None:
            self._outbox.put(None)
            with contextlib.suppress(OSError):
                child.kill()
            if self._reader is not None:
                self._reader.join()
            child.wait()
            self._release(child)

    def _release(self, child: subprocess.Popen[bytes]) -> None:
        if self._sender is not None:  # it ends at the None put last, or at the closed pipe
            self._sender.join()
            self._sender = None
        self._drop_queued()
        for stream in (child.stdout, child.stdin):
            if stream is not None:
                with contextlib.suppress(OSError):
                    stream.close()
        if self._answer_fd >= 0:
            os.close(self._answer_fd)
            self._answer_fd = -1

    def _send_all(self, stdin: BinaryIO) -> None:
        fd = stdin.fileno()
        try:
            while (message := self._outbox.get()) is not None:
                for part in message:
                    write_all(fd, part)
        except OSError:  # the child is gone: answer() finds out
            self._drop_queued()
        finally:
            with contextlib.suppress(OSError):
                stdin.close()

    def _drop_queued(self) -> None:
        """No more messages: those queued go (their memory with them)."""
        with self._queueing:
            self._gone = True
            while not self._outbox.empty():
                self._outbox.get_nowait()

    def __del__(self) -> None:
        if getattr(self, "_child", None) is not None:
            self.close()


def _widen_pipe(fd: int) -> None:
    try:
        import fcntl
    except ImportError:  # not a Unix
        return
    set_size = getattr(fcntl, "F_SETPIPE_SZ", None)  # Linux
    if set_size is not None:
        with contextlib.suppress(OSError):
            fcntl.fcntl(fd, set_size, PIPE_BYTES)


def _read_exactly(fd: int, size: int) -> bytearray:
    buffer = bytearray(size)
    view, got = memoryview(buffer), 0
    while got < size:
        n = os.readv(fd, [view[got:]])
        if n == 0:
            raise EOFError("the build closed the pipe")
        got += n
    return buffer


def _message(fd: int) -> Any:
    return pickle.loads(_read_exactly(fd, int.from_bytes(_read_exactly(fd, 8), "little")))


def _receive_all(fd: int, inbox: queue.SimpleQueue[Any]) -> None:
    """The child's reader: every message, as it comes; at the end of the input before the names, exit."""
    try:
        inbox.put(_message(fd))  # the setup
        while True:  # the batches, then None
            batch = _message(fd)
            inbox.put(batch)
            if batch is None:
                break
        inbox.put(_message(fd))  # the names
    except BaseException:  # the build stopped, or failed: nothing to answer
        os._exit(1)


def _serve(answer_fd: int) -> None:
    """The child: (implementation, guard, surfaces), the batches, ``None``, the names → the answer."""
    from castgraph.link.ahead import names_to_search, search_texts

    with contextlib.suppress(OSError):  # behind the build, as the forked child
        os.nice(10)
    inbox: queue.SimpleQueue[Any] = queue.SimpleQueue()
    threading.Thread(target=_receive_all, args=(0, inbox), daemon=True).start()
    implementation, guard, surfaces = inbox.get()
    names = names_to_search(surfaces, guard)
    del surfaces  # every distinct surface: hundreds of MB at a million episodes
    if not names:
        os._exit(0)
    found = search_texts(iter(inbox.get, None), names, implementation, inbox.get, dict)
    dump_answer(1, answer_fd, found)  # its hits narrowed: SearchAhead.receive widens them


def _main() -> None:
    """The child's entry: ``sys.argv[1:]`` are the answer file's descriptor and the build's pid."""
    gc.disable()  # short-lived, few cycles: the collector's passes would cost more than they free
    code = 1
    try:
        if len(sys.argv) > 2:  # a build killed after sending the names must not leave a search running
            die_with_parent(int(sys.argv[2]))
        _serve(int(sys.argv[1]) if len(sys.argv) > 1 else -1)
        code = 0
    finally:  # no teardown: the parent waits for the end of this process
        os._exit(code)


if __name__ == "__main__":
    _main()
