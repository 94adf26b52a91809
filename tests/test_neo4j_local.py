"""scripts/neo4j-local: the parts that need no running server (start and stop are exercised by
the server fixture, the fault test and the import test)."""

from __future__ import annotations

import os
import shlex
import subprocess
from pathlib import Path

from neo4j_server_plugin import NEO4J_LOCAL


def run(*args: str, tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    # The caller's own NEO4J_LOCAL_* settings (a second server on another port) must not leak in.
    inherited = {k: v for k, v in os.environ.items() if not k.startswith("NEO4J_LOCAL_")}
    full = dict(inherited, NEO4J_LOCAL_HOME=str(tmp_path / "home"), **env)
    return subprocess.run([str(NEO4J_LOCAL), *args], env=full, capture_output=True, text=True, timeout=60)


def test_env_prints_exports_for_the_configured_port_and_password(tmp_path: Path) -> None:
    done = run("env", tmp_path=tmp_path, NEO4J_LOCAL_PORT="7799", NEO4J_LOCAL_PASSWORD="p w$x")
    assert done.returncode == 0
    words = shlex.split(done.stdout)
    assert words == ["export", "NEO4J_URI=bolt://127.0.0.1:7799", "NEO4J_USERNAME=neo4j",
                     "NEO4J_PASSWORD=p w$x"]


def test_env_defaults(tmp_path: Path) -> None:
    done = run("env", tmp_path=tmp_path)
    assert shlex.split(done.stdout)[1:] == ["NEO4J_URI=bolt://127.0.0.1:7687", "NEO4J_USERNAME=neo4j",
                                            "NEO4J_PASSWORD=castgraph-local"]


def test_status_of_a_server_never_started_is_stopped(tmp_path: Path) -> None:
    done = run("status", tmp_path=tmp_path, NEO4J_LOCAL_PORT="1")
    assert (done.returncode, done.stdout) == (3, "neo4j-local: stopped\n")


def test_unknown_command_prints_usage(tmp_path: Path) -> None:
    done = run("launch", tmp_path=tmp_path)
    assert done.returncode == 2
    assert "scripts/neo4j-local start" in done.stderr and "env" in done.stderr
