"""Headless Chromium fixtures (playwright driving Debian's /usr/bin/chromium).

``browser`` is one Chromium per test session; ``offline_page`` is a fresh page
whose every non-file request is refused and recorded, with console errors,
uncaught errors and dialogs recorded too, so a test can assert that a page
loaded offline and ran nothing it should not.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from castgraph.forked import tolerate_at_fork

__all__ = ["CHROMIUM", "CHROMIUM_ARGS", "OfflinePage", "browser", "offline_page"]

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
_LOCAL_SCHEMES = ("file:", "about:", "data:", "blob:")


@dataclass
class OfflinePage:
    """A browser page that may load local files only, and what it tried to do."""

    page: Any
    requests: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)

    def open(self, path: str | Path, *, timeout_ms: int = 60_000) -> Any:
        """Load ``path`` and wait until the viewer says its layout is done; return the page."""
        self.page.goto(Path(path).resolve().as_uri())
        self.page.wait_for_function("() => window.castgraph && window.castgraph.ready === true",
                                    timeout=timeout_ms)
        return self.page

    def assert_clean(self) -> None:
        """No request left the file, nothing was logged as an error, no dialog opened."""
        assert self.requests == [], f"requests attempted: {self.requests}"
        assert self.console_errors == [], f"console errors: {self.console_errors}"
        assert self.page_errors == [], f"uncaught errors: {self.page_errors}"
        assert self.dialogs == [], f"dialogs opened: {self.dialogs}"


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """One headless Chromium for the session; skipped only outside CI when Chromium is missing."""
    if not CHROMIUM.exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"{CHROMIUM} is missing; browser tests must run in CI")
        pytest.skip(f"{CHROMIUM} is not installed")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        # asyncio's thread that waits for playwright's driver process holds no lock a forked child
        # needs: the tests after this one may still fork (castgraph.forked refuses other threads).
        for thread in threading.enumerate():
            if thread.name.startswith("asyncio-waitpid"):
                tolerate_at_fork(thread)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def offline_page(browser: Any) -> Iterator[OfflinePage]:
    """A fresh page in its own context; every request other than file: is blocked and recorded."""
    context = browser.new_context(viewport={"width": 1280, "height": 800}, service_workers="block")
    page = context.new_page()
    state = OfflinePage(page)

    def route(route: Any) -> None:
        url = route.request.url
        if url.startswith(_LOCAL_SCHEMES):
            route.continue_()
        else:
            if url not in state.requests:
                state.requests.append(url)
            route.abort("blockedbyclient")

    def on_console(message: Any) -> None:
        if message.type == "error":
            state.console_errors.append(message.text)

    def on_dialog(dialog: Any) -> None:
        state.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    def on_request(request: Any) -> None:
        # Also catches requests the router never sees (refused by the page's own policy).
        if not request.url.startswith(_LOCAL_SCHEMES) and request.url not in state.requests:
            state.requests.append(request.url)

    context.route("**/*", route)
    page.on("request", on_request)
    page.on("console", on_console)
    page.on("pageerror", lambda error: state.page_errors.append(str(error)))
    page.on("dialog", on_dialog)
    try:
        yield state
    finally:
        context.close()
