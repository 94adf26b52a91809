"""Feeds from http(s) URLs: a local HTTP server on 127.0.0.1 (never the internet) serves them."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import pytest
from click.testing import CliRunner
from conftest import ROOT

from castgraph.cli import main
from castgraph.loaders import Fetcher, InputError, read_episodes

FEED = (ROOT / "samples" / "feeds" / "tech-talks-weekly.xml").read_bytes()
TRANSCRIPT = b"WEBVTT\n\n00:00.000 --> 00:02.000\n<v Maya Chen>Fetched words.\n"


@dataclass
class Route:
    """What the server answers on one path: a list of responses, the last repeated."""

    responses: list[tuple[int, dict[str, str], bytes]]
    delay: float = 0.0
    hits: int = 0
    conditional: list[dict[str, str]] = field(default_factory=list)


class _Handler(BaseHTTPRequestHandler):
    routes: ClassVar[dict[str, Route]] = {}

    def log_message(self, *args: object) -> None:  # quiet test output
        pass

    def do_GET(self) -> None:
        route = self.routes.get(self.path)
        if route is None:
            self.send_response(404)
            self.end_headers()
            return
        route.hits += 1
        route.conditional.append(
            {k: v for k, v in self.headers.items() if k.lower() in ("if-none-match", "if-modified-since")}
        )
        status, headers, body = route.responses[min(route.hits - 1, len(route.responses) - 1)]
        if route.delay:
            time.sleep(route.delay)
        etag = headers.get("ETag")
        if etag and self.headers.get("If-None-Match") == etag:
            self.send_response(304)
            self.end_headers()
            return
        modified = headers.get("Last-Modified")
        if modified and not etag and self.headers.get("If-Modified-Since") == modified:
            self.send_response(304)
            self.end_headers()
            return
        self.send_response(status)
        for key, value in headers.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):  # the client gave up (timeout test)
            self.wfile.write(body)


@pytest.fixture
def server() -> Iterator[tuple[str, Callable[[str, Route], None]]]:
    routes: ClassVar[dict[str, Route]] = {}
    handler = type("Handler", (_Handler,), {"routes": routes})
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{httpd.server_address[1]}"

    def add(path: str, route: Route) -> None:
        routes[path] = route

    try:
        yield base, add
    finally:
        httpd.shutdown()
        httpd.server_close()


def _ok(body: bytes, **headers: str) -> tuple[int, dict[str, str], bytes]:
    return 200, {"Content-Type": "application/rss+xml", **headers}, body


def test_feed_from_url(server: tuple[str, Callable[[str, Route], None]], tmp_path: Path) -> None:
    base, add = server
    add("/feed.xml", Route([_ok(FEED)]))
    with Fetcher(tmp_path / "cache") as fetcher:
        result = read_episodes([f"{base}/feed.xml"], fetcher=fetcher)
    assert len(result.episodes) == 5
    ep = result.episodes[0]
    assert ep.source is not None and ep.source.file == f"{base}/feed.xml"
    assert ep.show_info is not None and ep.show_info.feed_url == f"{base}/feed.xml"
    # Relative links of a remote feed are remote too: not read without --fetch-linked.
    assert all(e.transcript == [] and e.chapters == [] for e in result.episodes)


def test_a_fetched_feed_draws_no_bar_of_bytes(server: tuple[str, Callable[[str, Route], None]],
                                              tmp_path: Path) -> None:
    from castgraph import progress

    base, add = server
    add("/feed.xml", Route([_ok(FEED)]))
    seen: list[tuple[int, int | None, str]] = []
    with Fetcher(tmp_path / "cache") as fetcher, progress.metered(lambda *report: seen.append(report)):
        assert len(read_episodes([f"{base}/feed.xml"], fetcher=fetcher).episodes) == 5
    assert seen == []  # nothing local to count: no "0/0 bytes" while the feed downloads


def test_etag_cache_does_not_download_an_unchanged_feed_again(
    server: tuple[str, Callable[[str, Route], None]], tmp_path: Path
) -> None:
    base, add = server
    route = Route([_ok(FEED, ETag='"v1"')])
    add("/feed.xml", route)
    for _ in range(2):
        with Fetcher(tmp_path / "cache") as fetcher:
            result = read_episodes([f"{base}/feed.xml"], fetcher=fetcher)
        assert len(result.episodes) == 5
    assert fetcher.downloads == 0 and fetcher.requests == 1  # the second run: one 304, no body
    assert route.conditional[1] == {"If-None-Match": '"v1"'}


def test_last_modified_cache(server: tuple[str, Callable[[str, Route], None]], tmp_path: Path) -> None:
    base, add = server
    stamp = "Wed, 18 Nov 2026 06:00:00 GMT"
    route = Route([_ok(FEED, **{"Last-Modified": stamp})])
    add("/feed.xml", route)
    with Fetcher(tmp_path / "cache") as first:
        first.fetch(f"{base}/feed.xml")
    with Fetcher(tmp_path / "cache") as second:
        again = second.fetch(f"{base}/feed.xml")
    assert again.cached and again.content == FEED and second.downloads == 0
    assert route.conditional[1] == {"If-Modified-Since": stamp}


def test_a_changed_feed_is_downloaded_again(
    server: tuple[str, Callable[[str, Route], None]], tmp_path: Path
) -> None:
    base, add = server
    route = Route([_ok(FEED, ETag='"v1"'), _ok(FEED.replace(b"Trailer", b"Teaser"), ETag='"v2"')])
    add("/feed.xml", route)
    with Fetcher(tmp_path / "cache") as fetcher:
        fetcher.fetch(f"{base}/feed.xml")
        second = fetcher.fetch(f"{base}/feed.xml")
    assert not second.cached and b"Teaser" in second.content and fetcher.downloads == 2


def test_retries_transient_errors_then_succeeds(server: tuple[str, Callable[[str, Route], None]]) -> None:
    base, add = server
    route = Route([(503, {"Retry-After": "0"}, b"busy"), (502, {}, b"bad gateway"), _ok(FEED)])
    add("/feed.xml", route)
    with Fetcher(None, backoff=0.01) as fetcher:
        assert fetcher.fetch(f"{base}/feed.xml").content == FEED
    assert route.hits == 3


def test_gives_up_after_the_retries_in_one_line(server: tuple[str, Callable[[str, Route], None]]) -> None:
    base, add = server
    add("/feed.xml", Route([(503, {}, b"busy")]))
    with Fetcher(None, retries=2, backoff=0.01) as fetcher, pytest.raises(InputError) as info:
        fetcher.fetch(f"{base}/feed.xml")
    assert str(info.value) == f"{base}/feed.xml: HTTP 503 after 3 attempts"


def test_client_errors_are_not_retried(server: tuple[str, Callable[[str, Route], None]]) -> None:
    base, _ = server
    with Fetcher(None, backoff=0.01) as fetcher, pytest.raises(InputError, match=r"HTTP 404 Not Found$"):
        fetcher.fetch(f"{base}/missing.xml")
    assert fetcher.requests == 1


def test_timeout(server: tuple[str, Callable[[str, Route], None]]) -> None:
    base, add = server
    add("/slow.xml", Route([_ok(FEED)], delay=1.0))
    started = time.perf_counter()
    with (
        Fetcher(None, timeout=0.2, retries=1, backoff=0.01) as fetcher,
        pytest.raises(InputError, match=r"cannot fetch \(ReadTimeout"),
    ):
        fetcher.fetch(f"{base}/slow.xml")
    assert time.perf_counter() - started < 1.5


def test_size_cap(server: tuple[str, Callable[[str, Route], None]]) -> None:
    base, add = server
    add("/big.xml", Route([_ok(FEED)]))
    with (
        Fetcher(None, max_bytes=1000) as fetcher,
        pytest.raises(InputError, match="larger than the 1000 byte"),
    ):
        fetcher.fetch(f"{base}/big.xml")


def test_only_http_urls_are_fetched() -> None:
    with Fetcher(None) as fetcher, pytest.raises(InputError, match="only http and https"):
        fetcher.fetch("file:///etc/passwd")


def test_fetch_linked_reads_remote_transcripts(
    server: tuple[str, Callable[[str, Route], None]], tmp_path: Path
) -> None:
    base, add = server
    # Every link points at the local server: nothing may leave the machine.
    feed = FEED.replace(b"tech-talks-weekly/ep41.srt", f"{base}/t/ep41.vtt".encode()).replace(
        b"https://media.techtalks.example.org/ttw-042.srt", f"{base}/t/missing.srt".encode()
    )
    assert b"example.org/ttw-042.srt" not in feed
    add("/feed.xml", Route([_ok(feed)]))
    transcript = Route([(200, {"Content-Type": "text/vtt"}, TRANSCRIPT)])
    add("/t/ep41.vtt", transcript)
    url = f"{base}/feed.xml"
    with Fetcher(tmp_path / "cache") as fetcher:
        plain = read_episodes([url], fetcher=fetcher)
        linked = read_episodes([url], fetcher=fetcher, fetch_linked=True)
    title = "Launch Week Lessons with Lilian Park"
    assert next(e for e in plain.episodes if e.title == title).transcript == []
    cues = next(e for e in linked.episodes if e.title == title).transcript
    assert [(c.speaker, c.text) for c in cues] == [("Maya Chen", "Fetched words.")]
    assert transcript.hits == 1
    # The other relative links now resolve against the feed's URL and are missing there: warnings.
    assert any("chapters" in w.message and "HTTP 404" in w.message for w in linked.warnings)


def test_cli_builds_from_a_url_and_fails_in_one_line(
    server: tuple[str, Callable[[str, Route], None]], tmp_path: Path
) -> None:
    base, add = server
    add("/feed.xml", Route([_ok(FEED, ETag='"x"')]))
    out = tmp_path / "out"
    args = ["build", f"{base}/feed.xml", "--out", str(out), "--no-html", "--cache-dir", str(tmp_path / "c")]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    assert (out / "graph.json").is_file() and "episodes" in result.output
    bad = CliRunner().invoke(
        main, ["build", f"{base}/nothing.xml", "--out", str(out), "--cache-dir", str(tmp_path / "c")]
    )
    assert bad.exit_code == 1
    assert bad.output.strip().splitlines()[-1].endswith(f"{base}/nothing.xml: HTTP 404 Not Found")


def test_redirect_loops_and_bad_urls_are_one_line_errors(
        server: tuple[str, Callable[[str, Route], None]]) -> None:
    base, add = server
    add("/loop.xml", Route([(302, {"Location": "/loop.xml"}, b"")]))
    with Fetcher(None, backoff=0.01) as fetcher:
        with pytest.raises(InputError, match=r"cannot fetch \(TooManyRedirects"):
            fetcher.fetch(f"{base}/loop.xml")
        with pytest.raises(InputError, match=r"cannot fetch \("):
            fetcher.fetch("http://[::1")
