"""A fresh clone without ../shared: tests of the real page skip there with their reason, and fail on CI."""

from __future__ import annotations

import re
from pathlib import Path

import conftest
import pytest


@pytest.mark.parametrize(("ci", "outcome"), [("true", pytest.fail.Exception), ("", pytest.skip.Exception),
                                              ("false", pytest.skip.Exception)])
def test_missing_real_page_skips_outside_ci_and_fails_on_ci(ci: str, outcome: type[BaseException],
                                                            tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(conftest, "REAL_PAGE", tmp_path / "shared" / "data" / "latent-space-page.txt")
    monkeypatch.setenv("CI", ci)
    with pytest.raises(outcome) as caught:
        conftest.require_real_page()
    assert "latent-space-page.txt" in str(caught.value) and "\n" not in str(caught.value)


def test_present_real_page_is_returned(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    page = tmp_path / "latent-space-page.txt"
    page.write_text("x", encoding="utf-8")
    monkeypatch.setattr(conftest, "REAL_PAGE", page)
    monkeypatch.setenv("CI", "true")
    assert conftest.require_real_page() == page


def test_every_real_page_test_goes_through_the_one_fixture() -> None:
    # Reading the page any other way would bypass the skip/fail rule.
    for path in Path(__file__).parent.glob("*.py"):
        text = path.read_text(encoding="utf-8")
        if path.name not in ("conftest.py", "test_fresh_clone.py"):
            assert "REAL_PAGE" not in text and "shared/data" not in text, path.name
            assert not re.search(r"""["']shared["']""", text), path.name
