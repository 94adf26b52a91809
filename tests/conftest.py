"""Shared fixtures. Server and browser fixtures live in their own plugin modules."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

pytest_plugins = ["neo4j_server_plugin", "browser_plugin"]

ROOT = Path(__file__).resolve().parent.parent
REAL_PAGE = ROOT.parent / "shared" / "data" / "latent-space-page.txt"
EXAMPLES = ROOT / "examples"


def require_real_page() -> Path:
    """The real podcast-app page, kept outside the repository, next to it.

    Only this project's CI has it beside the checkout: a fresh clone skips the tests that
    read it (with the reason), CI fails them when it is missing.
    """
    if not REAL_PAGE.exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"the real page is missing: {REAL_PAGE} (CI must have it beside the checkout)")
        pytest.skip(f"the real page {REAL_PAGE} is not beside this checkout (only CI has it)")
    return REAL_PAGE


def real_page_if_present() -> Path | None:
    """The real page when it is beside the checkout (optional extra input, e.g. a fuzz seed)."""
    return REAL_PAGE if REAL_PAGE.exists() else None


@pytest.fixture(scope="session")
def real_page_path() -> Path:
    """The real podcast-app page; see :func:`require_real_page`."""
    return require_real_page()


@pytest.fixture(scope="session")
def real_page_text(real_page_path: Path) -> str:
    return real_page_path.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def examples_dir() -> Path:
    return EXAMPLES
