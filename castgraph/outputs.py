"""Writing outputs safely: atomic files, one writer per folder, cells and text that cannot act.

Every file castgraph writes goes through :func:`atomic_open` / :func:`atomic_write`:
the content goes to a temp file with a unique name beside the target, which then
replaces the target in one rename. A reader (or a build killed half-way) sees the
old file or the new one, never half of one; a symlink in place of the target is
replaced, never written through. :class:`OutputLock` keeps two builds out of one
folder and removes the temp files a killed build left behind.

Text from the data is made harmless where it goes: :func:`csv_safe_cell` for CSV
files meant for spreadsheets (OWASP's formula-injection advice), :func:`terminal_safe`
for anything printed to a terminal (no escape sequences such as OSC 52).

Examples
--------
>>> import tempfile
>>> with tempfile.TemporaryDirectory() as d:
...     target = Path(d, "out", "a.txt")
...     with OutputLock(target.parent):
...         _ = atomic_write(target, "hello\\n")
...         with atomic_open(target) as fh:
...             _ = fh.write("bye\\n")
...     target.read_text(), sorted(p.name for p in target.parent.iterdir())
('bye\\n', ['.castgraph.lock', 'a.txt'])
>>> csv_safe_cell("=HYPERLINK(\\"http://x\\")"), csv_cell_value("'=1+1")
('\\'=HYPERLINK("http://x")', '=1+1')
>>> terminal_safe("a\\x1b]52;c;eA==\\x07b")
'a]52;c;eA==b'
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import re
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from types import TracebackType
from typing import IO, Any

from castgraph.errors import CastgraphError

__all__ = [
    "LOCK_FILE",
    "OutputLock",
    "OutputLocked",
    "atomic_open",
    "atomic_write",
    "clean_stale_temps",
    "csv_cell_value",
    "csv_safe_cell",
    "prepare_output_dir",
    "terminal_safe",
    "terminal_safe_json",
]

LOCK_FILE = ".castgraph.lock"

# Temp files are ".<target name>.<pid>.<random>.tmp": unique per writer, and the pid
# tells a stale one (its writer is gone) from one being written right now.
_TEMP = re.compile(r"^\.(?P<target>.+)\.(?P<pid>\d+)(?:\.[A-Za-z0-9_]+)?\.tmp$")
# Temp names of castgraph 0.1, which used one fixed name per target.
_LEGACY_TEMPS = ("graph.json.tmp", ".graph.json.qindex.tmp", "graph.html.tmp")

_UMASK = os.umask(0)
os.umask(_UMASK)


def prepare_output_dir(directory: str | Path) -> Path:
    """Make ``directory`` (and its parents) when missing: one rule for every output of every command.

    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as d:
    ...     prepare_output_dir(Path(d, "a", "b")).is_dir()
    True
    """
    path = Path(directory)
    if path.is_file():
        raise CastgraphError(f"{path}: is a file, not a folder")
    path.mkdir(parents=True, exist_ok=True)
    return path


@contextlib.contextmanager
def atomic_open(path: str | Path, mode: str = "w", *, encoding: str | None = "utf-8",
                newline: str | None = None) -> Iterator[IO[Any]]:
    """Open a temp file beside ``path`` for writing; on success it replaces ``path`` in one rename.

    If the block raises, the temp file is removed and ``path`` is left as it was.
    A symlink at ``path`` is replaced by the new file, not followed. Missing parent
    folders are created.

    Parameters
    ----------
    path
        The file to write.
    mode
        ``"w"`` (text), ``"wb"`` (bytes) or ``"w+b"`` (bytes, read back while written).
    encoding, newline
        As for :func:`open`, text mode only.
    """
    if mode not in ("w", "wb", "w+b"):
        raise ValueError(f"atomic_open writes whole files: mode 'w', 'wb' or 'w+b', not {mode!r}")
    target = Path(path)
    prepare_output_dir(target.parent)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.{os.getpid()}.", suffix=".tmp", dir=target.parent)
    try:
        # mkstemp makes the file private (0600); an output gets the usual mode.
        os.fchmod(fd, 0o666 & ~_UMASK)
        if mode in ("wb", "w+b"):
            handle: IO[Any] = os.fdopen(fd, mode)
        else:
            handle = os.fdopen(fd, "w", encoding=encoding, newline=newline)
        with handle:
            yield handle
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def atomic_write(path: str | Path, data: str | bytes, *, encoding: str = "utf-8") -> Path:
    """Write ``data`` to ``path`` atomically (see :func:`atomic_open`); return the path."""
    if isinstance(data, bytes):
        with atomic_open(path, "wb") as fh:
            fh.write(data)
    else:
        with atomic_open(path, "w", encoding=encoding, newline="") as fh:
            fh.write(data)
    return Path(path)


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's live process
    return True


def clean_stale_temps(directory: str | Path) -> list[Path]:
    """Remove the temp files that writers which no longer run left in ``directory``; return them.

    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as d:
    ...     _ = Path(d, ".graph.json.999999999.ab12.tmp").write_text("{")
    ...     [p.name for p in clean_stale_temps(d)]
    ['.graph.json.999999999.ab12.tmp']
    """
    removed: list[Path] = []
    try:
        entries = list(Path(directory).iterdir())
    except OSError:
        return removed
    for entry in entries:
        match = _TEMP.match(entry.name)
        stale = entry.name in _LEGACY_TEMPS or (match is not None and not _alive(int(match["pid"])))
        if stale and not entry.is_dir():
            with contextlib.suppress(OSError):
                entry.unlink()
                removed.append(entry)
    return removed


class OutputLocked(CastgraphError):
    """Another castgraph process is writing the output folder."""


class OutputLock:
    """One writer per output folder, for as long as a build writes it.

    An exclusive ``flock`` on ``<directory>/.castgraph.lock``: the kernel releases
    it when the holder exits, however it exits, so a killed build never leaves the
    folder locked. Taking the lock also cleans the temp files of killed writers.

    Parameters
    ----------
    directory
        The output folder (made when missing).
    wait
        Seconds to wait for another writer to finish; ``0`` fails at once.
    on_wait
        Called once, with the other writer's pid (or ``None``), before waiting.

    Raises
    ------
    OutputLocked
        When the folder is still locked after ``wait`` seconds.
    """

    def __init__(self, directory: str | Path, *, wait: float = 0.0,
                 on_wait: Callable[[int | None], None] | None = None) -> None:
        self.directory = Path(directory)
        self.wait = wait
        self.on_wait = on_wait
        self._fd: int | None = None

    @property
    def path(self) -> Path:
        return self.directory / LOCK_FILE

    def _open(self) -> int:
        flags = os.O_RDWR | os.O_CREAT | os.O_CLOEXEC | getattr(os, "O_NOFOLLOW", 0)
        try:
            return os.open(self.path, flags, 0o666 & ~_UMASK)
        except OSError as exc:
            if exc.errno != errno.ELOOP:
                raise
        # A symlink where the lock file goes: replace it, never follow it.
        self.path.unlink()
        return os.open(self.path, flags, 0o666 & ~_UMASK)

    def _holder(self, fd: int) -> int | None:
        with contextlib.suppress(OSError, ValueError):
            return int(os.pread(fd, 32, 0).decode("ascii").strip() or "x")
        return None

    def acquire(self) -> OutputLock:
        """Take the lock (waiting up to ``wait`` seconds), then clean stale temp files."""
        prepare_output_dir(self.directory)
        fd = self._open()
        deadline = time.monotonic() + self.wait
        told = False
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                holder = self._holder(fd)
                if time.monotonic() >= deadline:
                    os.close(fd)
                    who = f" (pid {holder})" if holder else ""
                    raise OutputLocked(f"{self.directory}: another castgraph build is writing this folder"
                                       f"{who}; run again when it has finished") from None
                if not told and self.on_wait is not None:
                    self.on_wait(holder)
                told = True
                time.sleep(0.05)
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode("ascii"), 0)
        self._fd = fd
        clean_stale_temps(self.directory)
        return self

    def release(self) -> None:
        """Let the next writer in."""
        if self._fd is not None:
            with contextlib.suppress(OSError):
                os.ftruncate(self._fd, 0)
            os.close(self._fd)  # closing drops the flock
            self._fd = None

    def __enter__(self) -> OutputLock:
        return self.acquire()

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.release()


# OWASP, CSV injection: a cell starting with one of these is a formula to a spreadsheet.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")


def _is_guarded(text: str) -> bool:
    return text.startswith("'") and text.lstrip("'").startswith(_FORMULA_START)


def csv_safe_cell(value: Any) -> Any:
    """``value`` for a spreadsheet CSV cell: text a spreadsheet would run as a formula gets a leading ``'``.

    Text that already starts with quotes before such a character gets one more, so
    :func:`csv_cell_value` gives back exactly the original text. Numbers pass unchanged.

    >>> csv_safe_cell("-1 point"), csv_safe_cell("swyx"), csv_safe_cell(-1.5), csv_safe_cell("'@x")
    ("'-1 point", 'swyx', -1.5, "''@x")
    """
    if isinstance(value, str) and (value.startswith(_FORMULA_START) or _is_guarded(value)):
        return "'" + value
    return value


def csv_cell_value(cell: str) -> str:
    """The text :func:`csv_safe_cell` was given (drops the guard quote).

    >>> [csv_cell_value(csv_safe_cell(t)) for t in ["=1", "'=1", "''=1", "'90s", "a"]]
    ['=1', "'=1", "''=1", "'90s", 'a']
    """
    return cell[1:] if _is_guarded(cell) else cell


# C0 controls except tab and newline, DEL, C1 controls (0x9b is a one-byte CSI).
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def terminal_safe(text: str) -> str:
    """``text`` without the control characters a terminal would act on (ESC, CSI, BEL, CR, ...).

    Tabs and newlines stay. Everything the CLI prints from the data goes through this.

    >>> terminal_safe("swyx\\x1b[2J\\r\\x9b31m!\\n")
    'swyx[2J31m!\\n'
    """
    return _CONTROL.sub("", text)


_JSON_UNSAFE = re.compile("[\x7f-\x9f]")


def terminal_safe_json(text: str) -> str:
    """JSON text (from :func:`json.dumps`) with DEL and C1 controls written as ``\\u`` escapes.

    ``json.dumps(..., ensure_ascii=False)`` escapes C0 controls but writes DEL and C1
    raw; they can only occur inside strings, where the escape means the same value.

    >>> import json
    >>> out = terminal_safe_json(json.dumps(["\\x9b2J"], ensure_ascii=False))
    >>> out, json.loads(out) == ["\\x9b2J"]
    ('["\\\\u009b2J"]', True)
    """
    return _JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)
