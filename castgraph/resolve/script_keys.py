"""Sound keys (:func:`castgraph.resolve.variants.script_key`) of many names, made beside the resolver.

A name in kanji is romanized by pykakasi: loading its dictionary takes most of a
second, and each name about half a millisecond more, in pure Python that holds the
interpreter. A large corpus has thousands of such names. A second Python process
(``python -m castgraph.resolve.script_keys``) can load the dictionary while the
resolver reads the mentions (:meth:`ScriptKeys.start`) and make the keys while it
applies its other rules (:meth:`ScriptKeys.make`), on another core, with those of
the many Latin names the rule compares them with (about 700,000 at a million
episodes; at 300k they took the resolver 2 s); the resolver
asks for a key only when it needs it. The keys are the same either way, since the
child runs the same function: with few names (under :data:`MIN_CHILD_NAMES` when no
child was started early), or when no child can be started or it fails, they are
made here.

Examples
--------
>>> keys = ScriptKeys()
>>> keys.make(["マイクロソフト", "山田太郎"])
>>> keys["マイクロソフト"] == script_key("Microsoft"), keys["山田太郎"] == script_key("山田太郎")
(True, True)
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterable
from itertools import chain

from castgraph.forked import python_child_env
from castgraph.resolve.variants import _kakasi, needs_dictionary, script_key

__all__ = ["MIN_CHILD_NAMES", "ScriptKeys"]

MIN_CHILD_NAMES = 500
"""Names that need the dictionary, from which starting a second process is worth it."""


class ScriptKeys:
    """The sound keys of names, those that need the dictionary made in a child process when one runs."""

    def __init__(self) -> None:
        self._keys: dict[str, str] = {}
        self._child: subprocess.Popen[bytes] | None = None
        self._thread: threading.Thread | None = None
        self._made: dict[str, str] = {}

    def start(self) -> None:
        """Start the child now: it loads the dictionary, then waits for :meth:`make`."""
        if self._child is not None or not sys.executable or getattr(sys, "frozen", False):
            return
        try:  # (the working folder may be gone: see python_child_env)
            self._child = subprocess.Popen([sys.executable, "-P", "-m", __name__], stdin=subprocess.PIPE,
                                           stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                           env=python_child_env())
        except OSError:
            self._child = None

    def make(self, names: Iterable[str], *, bulk: Iterable[str] = (),
             min_child_names: int = MIN_CHILD_NAMES) -> None:
        """Have the keys of ``names`` made: by the child (started now if there are enough), else on demand.

        ``bulk`` are names quick to key one by one (Latin script) but many: the child keys them
        too when it runs, after ``names``; they do not count towards starting it. Nor do the
        names of ``names`` that need no dictionary (kana: 0.2 ms each here, about a second at a
        million episodes), which the child keys after those that do.
        """
        wanted = list(dict.fromkeys(names))
        slow = [name for name in wanted if needs_dictionary(name)]
        if self._child is None and len(slow) >= max(1, min_child_names):
            self.start()
        child = self._child
        if child is None:
            return
        asked = set(slow)
        for name in chain(wanted, bulk):
            if name not in asked:
                asked.add(name)
                slow.append(name)
        payload = json.dumps(slow, ensure_ascii=False).encode("utf-8")

        def talk() -> None:  # in a thread: the pipes are written and read without the interpreter lock
            try:
                out, _ = child.communicate(payload)
                keys = json.loads(out.decode("utf-8")) if child.returncode == 0 else None
            except (OSError, ValueError):
                return
            if isinstance(keys, list) and len(keys) == len(slow) and all(isinstance(k, str) for k in keys):
                self._made = dict(zip(slow, keys, strict=True))

        self._thread = threading.Thread(target=talk, name="castgraph-script-keys", daemon=True)
        self._thread.start()

    def close(self) -> None:
        """Stop a child that was started but never given names (it exits on end of input)."""
        child, self._child = self._child, None
        if child is not None and self._thread is None:
            child.communicate(b"[]")

    def __getitem__(self, name: str) -> str:
        if self._thread is not None:  # the first key asked for waits for the child's
            self._thread.join()
            self._thread, self._child = None, None
            self._keys.update(self._made)
        key = self._keys.get(name)
        if key is None:
            key = self._keys[name] = script_key(name)
        return key


def _main() -> None:
    _kakasi()  # the dictionary, loaded while the parent still reads
    names = json.loads(sys.stdin.buffer.read().decode("utf-8"))
    sys.stdout.buffer.write(json.dumps([script_key(name) for name in names]).encode("utf-8"))
    sys.stdout.buffer.flush()
    # The parent reads the keys until this process ends: freeing the dictionary at exit
    # would keep it waiting a third of a second more.
    os._exit(0)


if __name__ == "__main__":
    _main()
