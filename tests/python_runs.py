"""Running Python in a new process, for tests of what a fresh interpreter loads or how it ends."""

from __future__ import annotations

import os
import subprocess
import sys

__all__ = ["program_script", "run_python"]


def run_python(code: str, **env: str) -> subprocess.CompletedProcess[str]:
    """Run ``code`` in a new interpreter with the environment plus ``env`` (an empty value
    counts as unset for castgraph's variables); its output is captured as text."""
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False,
                          env={**os.environ, **env})


def program_script(args: list[str]) -> str:
    """Code that runs ``castgraph ARGS`` as the program does, printing ``torn down`` if the
    process ends by the interpreter's normal teardown (its exit handlers run only then)."""
    return ("import atexit, sys\n"
            "atexit.register(print, 'torn down')\n"
            "from castgraph.cli import main\n"
            f"sys.argv = ['castgraph', *{args!r}]\n"
            "main()\n")
