"""Shared fixtures. Server and browser fixtures live in their own plugin modules."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest_plugins = ["neo4j_server_plugin", "browser_plugin"]

ROOT = Path(__file__).resolve().parent.parent
REAL_PAGE = ROOT.parent / "shared" / "data" / "latent-space-page.txt"
EXAMPLES = ROOT / "examples"


@pytest.fixture(scope="session")
def real_page_path() -> Path:
    """The real podcast-app page (kept outside the repository, next to it)."""
    if not REAL_PAGE.exists():
        pytest.fail(f"the real page is missing: {REAL_PAGE}")
    return REAL_PAGE


@pytest.fixture(scope="session")
def real_page_text(real_page_path: Path) -> str:
    return real_page_path.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def examples_dir() -> Path:
    return EXAMPLES
