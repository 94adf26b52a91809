"""A real Neo4j server for the tests marked ``neo4j``.

``neo4j_settings`` (session) reads NEO4J_URI, NEO4J_USERNAME, NEO4J_PASSWORD and
NEO4J_DATABASE; when NEO4J_URI is unset it starts the local server with
``scripts/neo4j-local start`` and stops it at the end of the session, unless another
test session still uses it (a server started by hand is left running). Without Java
the tests are skipped, except when CI=true: there a missing server is a failure.

``neo4j_store`` gives each test a :class:`Neo4jStore` on an empty database. Community
Edition has a single database, so test sessions running at the same time (several
checkouts, several terminals) take turns through a lock file for the whole test.
"""

from __future__ import annotations

import fcntl
import os
import shlex
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import networkx as nx
import pytest

from castgraph.cli.options import Neo4jSettings

__all__ = ["CAPTURED", "neo4j_lock", "neo4j_settings", "neo4j_store", "real_page_graph", "server_missing"]

ROOT = Path(__file__).resolve().parent.parent
NEO4J_LOCAL = ROOT / "scripts" / "neo4j-local"


def server_missing(reason: str) -> None:
    """Skip (or, on CI, fail) because no Neo4j server can be had."""
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"Neo4j is required on CI: {reason}")
    pytest.skip(reason)


def _local_home() -> Path:
    return Path(os.environ.get("NEO4J_LOCAL_HOME", ROOT / ".neo4j-local")).resolve()


def _lock_path(settings: Neo4jSettings) -> Path:
    name = "".join(c if c.isalnum() else "_" for c in f"{settings.uri}_{settings.database}")
    return Path(tempfile.gettempdir()) / f"castgraph-neo4j-{name}.lock"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except OSError:
        return False
    return True


@pytest.fixture(scope="session")
def neo4j_settings() -> Iterator[Neo4jSettings]:
    """How to reach the test server (from NEO4J_* or a local server started for the session)."""
    settings = Neo4jSettings.from_options(None, None, None, None)
    if settings is not None:
        yield settings
        return
    if shutil.which("java") is None:
        server_missing("Java is not installed: scripts/neo4j-local needs Java 17 to run Neo4j 5.26")
    home = _local_home()
    leases = home / "leases"
    leases.mkdir(parents=True, exist_ok=True)
    lease = leases / str(os.getpid())
    lease.touch()
    # Present while the server runs because a test session started it (not a person).
    marker = leases / "started-by-tests"
    # Lease and start under one lock, so a session ending now cannot stop the server
    # between our start and our lease.
    with open(home / ".leases.lock", "w") as guard:
        fcntl.flock(guard, fcntl.LOCK_EX)
        done = subprocess.run([str(NEO4J_LOCAL), "start"], capture_output=True, text=True, timeout=600)
        if done.returncode == 0 and "already running" not in done.stdout:
            marker.touch()
    if done.returncode != 0:
        lease.unlink(missing_ok=True)
        pytest.fail(f"scripts/neo4j-local start failed: {done.stderr.strip() or done.stdout.strip()}")
    env = subprocess.run([str(NEO4J_LOCAL), "env"], capture_output=True, text=True, check=True).stdout
    values = dict(part.split("=", 1) for part in shlex.split(env) if part != "export")
    yield Neo4jSettings(uri=values["NEO4J_URI"], user=values["NEO4J_USERNAME"],
                        password=values["NEO4J_PASSWORD"], database=None)
    with open(home / ".leases.lock", "w") as guard:
        fcntl.flock(guard, fcntl.LOCK_EX)
        lease.unlink(missing_ok=True)
        others = [p for p in leases.iterdir() if p.name.isdigit() and _alive(int(p.name))]
        for stale in leases.iterdir():
            if stale.name.isdigit() and stale not in others:
                stale.unlink(missing_ok=True)
        if not others and marker.exists():
            marker.unlink()
            subprocess.run([str(NEO4J_LOCAL), "stop"], capture_output=True, text=True, timeout=300)


@pytest.fixture()
def neo4j_lock(neo4j_settings: Neo4jSettings) -> Iterator[None]:
    """Hold the database for this test (other test sessions on the same server wait)."""
    with open(_lock_path(neo4j_settings), "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield


@pytest.fixture()
def neo4j_store(neo4j_settings: Neo4jSettings, neo4j_lock: None) -> Iterator[Any]:
    """A :class:`castgraph.graph.neo4j_store.Neo4jStore` on an empty database."""
    from castgraph.graph.neo4j_store import Neo4jStore, Neo4jStoreError

    store = Neo4jStore(neo4j_settings.uri, user=neo4j_settings.user, password=neo4j_settings.password,
                       database=neo4j_settings.database)
    try:
        store.clear_all()
    except Neo4jStoreError as exc:
        store.close()
        server_missing(f"no Neo4j server at {neo4j_settings.uri}: {exc}")
    try:
        yield store
    finally:
        store.close()


CAPTURED = date(2026, 11, 25)  # the day the real page was saved: its "3日前" become dates


@pytest.fixture(scope="session")
def real_page_graph(real_page_path: Path) -> nx.MultiDiGraph:
    """The real page's graph, as `castgraph build PAGE --as-of 2026-11-25` builds it."""
    from castgraph.graph.build import build_graph
    from castgraph.link import EntityLinker
    from castgraph.loaders import read_episodes
    from castgraph.resolve import resolve

    loaded = read_episodes([real_page_path], as_of=CAPTURED)
    linker = EntityLinker()  # as the build does: title patterns, resolution, then links
    linker.add_title_mentions(loaded.episodes)
    resolution = resolve(loaded.episodes)
    linker.link(loaded.episodes, resolution).apply(loaded.episodes, resolution)
    return build_graph(loaded.episodes, resolution)
