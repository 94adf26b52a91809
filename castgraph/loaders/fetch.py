"""Fetch feeds and the files they link to over http(s), with a cache.

:class:`Fetcher` downloads with httpx: a timeout, a size cap (the body is read in
chunks and the download stops past the cap), retries with backoff on transient
failures (connection errors, timeouts, 429 and 5xx answers, honouring a short
``Retry-After``), and a cache folder keyed by URL that keeps the body with its
``ETag`` and ``Last-Modified``: the next fetch sends ``If-None-Match`` /
``If-Modified-Since`` and a ``304 Not Modified`` answer reuses the cached body, so
a rebuild does not download unchanged feeds again. Only http and https URLs are
fetched. A failure raises :class:`~castgraph.loaders.errors.InputError` naming
the URL in one line.

Examples
--------
>>> is_url("https://example.com/feed.xml"), is_url("feeds/show.xml"), is_url("file:///etc/passwd")
(True, False, False)
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from castgraph import __version__
from castgraph.loaders.errors import InputError

if TYPE_CHECKING:
    import httpx

__all__ = ["DEFAULT_MAX_BYTES", "FetchResult", "Fetcher", "default_cache_dir", "is_url"]

DEFAULT_MAX_BYTES = 64 << 20  # 64 MiB: the largest real feeds are a few tens of MB
_RETRY_STATUS = frozenset({408, 425, 429, 500, 502, 503, 504})
_MAX_RETRY_AFTER = 30.0


def is_url(text: str | os.PathLike[str]) -> bool:
    """Whether ``text`` is an http(s) URL (anything else is a path)."""
    return isinstance(text, str) and text[:8].lower().startswith(("http://", "https://"))


def default_cache_dir() -> Path:
    """``$CASTGRAPH_CACHE_DIR``, else ``$XDG_CACHE_HOME/castgraph/http``, else ``~/.cache/castgraph/http``."""
    if os.environ.get("CASTGRAPH_CACHE_DIR"):
        return Path(os.environ["CASTGRAPH_CACHE_DIR"])
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "castgraph" / "http"


@dataclass(frozen=True)
class FetchResult:
    """A fetched body; ``cached`` when it came from the cache (a 304 answer)."""

    url: str
    content: bytes
    content_type: str = ""
    cached: bool = False


def _write_atomic(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


class Fetcher:
    """Download URLs with a timeout, a size cap, retries and an ETag / Last-Modified cache.

    Parameters
    ----------
    cache_dir : Path, optional
        Where bodies and their validators are kept; ``None`` for no cache.
    timeout : float
        Seconds for connecting and for each read.
    max_bytes : int
        The largest body accepted.
    retries : int
        Further attempts after a transient failure.
    backoff : float
        Seconds before the first retry; doubled each time.
    """

    def __init__(self, cache_dir: Path | None = None, *, timeout: float = 20.0,
                 max_bytes: int = DEFAULT_MAX_BYTES, retries: int = 3, backoff: float = 0.5,
                 client: httpx.Client | None = None) -> None:
        self.cache_dir = cache_dir
        self.max_bytes = max_bytes
        self.retries = retries
        self.backoff = backoff
        import httpx  # here: a build that fetches nothing does not load it

        self.client = client or httpx.Client(
            timeout=timeout, follow_redirects=True, max_redirects=10,
            headers={"User-Agent": f"castgraph/{__version__}", "Accept-Encoding": "gzip, deflate"},
        )
        #: Requests sent and bodies downloaded (tests and the CLI report them).
        self.requests = 0
        self.downloads = 0

    def close(self) -> None:
        self.client.close()

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- cache ---------------------------------------------------------------------
    def _paths(self, url: str) -> tuple[Path, Path] | None:
        if self.cache_dir is None:
            return None
        key = hashlib.sha256(url.encode("utf-8")).hexdigest()[:32]
        return self.cache_dir / f"{key}.body", self.cache_dir / f"{key}.json"

    def _cached(self, url: str) -> tuple[dict[str, Any], bytes] | None:
        paths = self._paths(url)
        if paths is None:
            return None
        try:
            meta = json.loads(paths[1].read_text("utf-8"))
            body = paths[0].read_bytes()
        except (OSError, ValueError):
            return None
        if not isinstance(meta, dict) or meta.get("url") != url or meta.get("size") != len(body):
            return None  # a torn or foreign entry: download again
        return meta, body

    def _store(self, url: str, response: httpx.Response, body: bytes) -> None:
        paths = self._paths(url)
        etag, modified = response.headers.get("etag"), response.headers.get("last-modified")
        if paths is None or not (etag or modified):
            return
        meta = {"url": url, "etag": etag, "last_modified": modified, "size": len(body),
                "content_type": response.headers.get("content-type", "")}
        try:
            paths[0].parent.mkdir(parents=True, exist_ok=True)
            _write_atomic(paths[0], body)
            _write_atomic(paths[1], json.dumps(meta).encode("utf-8"))
        except OSError:  # a read-only cache only costs a download next time
            pass

    # -- fetch ---------------------------------------------------------------------
    def fetch(self, url: str) -> FetchResult:
        """The body at ``url`` (from the cache when the server says it is unchanged).

        Raises
        ------
        InputError
            If the URL is not http(s), the server fails after the retries, answers an
            error status, or sends more than ``max_bytes``.
        """
        if not is_url(url):
            raise InputError(url, "only http and https URLs are fetched")
        cached = self._cached(url)
        headers = {}
        if cached is not None:
            meta = cached[0]
            if meta.get("etag"):
                headers["If-None-Match"] = meta["etag"]
            if meta.get("last_modified"):
                headers["If-Modified-Since"] = meta["last_modified"]
        delay = self.backoff
        import httpx

        for attempt in range(self.retries + 1):
            last = attempt == self.retries
            try:
                result = self._attempt(url, headers, cached)
            except (httpx.TransportError, httpx.RequestError, httpx.InvalidURL) as exc:
                # Connection errors and timeouts may pass; redirect loops, bad encodings and bad URLs do not.
                transient = isinstance(exc, httpx.TransportError) and not isinstance(
                    exc, httpx.UnsupportedProtocol)
                if last or not transient:
                    reason = " ".join(f"{type(exc).__name__}: {exc or 'no answer'}".split())
                    raise InputError(url, f"cannot fetch ({reason})") from None
            except _Retry as retry:
                if last:
                    raise InputError(url, f"HTTP {retry.status} after {self.retries + 1} attempts") from None
                if retry.wait is not None:
                    delay = retry.wait
            else:
                return result
            time.sleep(delay)
            delay *= 2
        raise AssertionError("unreachable")  # pragma: no cover

    def _attempt(self, url: str, headers: dict[str, str],
                 cached: tuple[dict[str, Any], bytes] | None) -> FetchResult:
        self.requests += 1
        with self.client.stream("GET", url, headers=headers) as response:
            status = response.status_code
            if status == 304 and cached is not None:
                meta, body = cached
                return FetchResult(url, body, str(meta.get("content_type") or ""), cached=True)
            if status in _RETRY_STATUS:
                raise _Retry(status, _retry_after(response.headers.get("retry-after")))
            if status >= 400:
                raise InputError(url, f"HTTP {status} {response.reason_phrase}".strip())
            declared = response.headers.get("content-length", "")
            if declared.isdigit() and int(declared) > self.max_bytes:
                raise InputError(url, f"larger than the {self.max_bytes} byte limit ({declared} bytes)")
            chunks, size = [], 0
            for chunk in response.iter_bytes():
                size += len(chunk)
                if size > self.max_bytes:
                    raise InputError(url, f"larger than the {self.max_bytes} byte limit")
                chunks.append(chunk)
            body = b"".join(chunks)
        self.downloads += 1
        self._store(url, response, body)
        return FetchResult(url, body, response.headers.get("content-type", ""))


class _Retry(Exception):
    def __init__(self, status: int, wait: float | None) -> None:
        super().__init__(status)
        self.status = status
        self.wait = wait


def _retry_after(value: str | None) -> float | None:
    """Seconds a ``Retry-After`` asks for (capped), when it is a number."""
    if value and value.strip().isdigit():
        return min(float(value.strip()), _MAX_RETRY_AFTER)
    return None
