"""The fetch stage: HTTP for feeds, fast and safe.

    FeedSource (+ FeedState) --Fetcher.fetch--> FetchResult

What this module owns, and why each piece exists:

- **Politeness per host**: at most ``per_host`` (2) requests to one host at a time; that,
  not a small total, is what limits a run, since the event loop keeps hundreds of idle
  requests (a run of 304s) in flight for nothing. A generous total (``max_concurrency``)
  remains as a backstop, taken after the host's slot so a busy host never holds a
  global one while it waits; httpx's pool is capped to it, because an unbounded
  httpcore queue costs CPU quadratic in queued requests.
- **Bounded memory**: a body is read into memory, so the run bounds what all of them
  hold at once: past ``large_body`` bytes (raw or decompressed) a download goes on only
  with one of ``large_slots`` slots, so at most ``max_concurrency * large_body +
  large_slots * max_bytes`` bytes of bodies are being read at any time.
- **Conditional GET**: the stored ETag / Last-Modified are sent; a 304 comes back as
  ``status="not_modified"`` with nothing to parse.
- **Timeouts**: connect and read timeouts per request, plus a *total deadline* per feed
  (redirects and retries included) so a server that trickles one byte a second is
  cut off too. httpx has no such deadline, so it is an ``asyncio.timeout``.
- **Size caps**: the raw download and the decompressed body are both capped. The raw
  stream is read with ``aiter_raw()`` and decompressed here (gzip, deflate, brotli)
  with an output limit, so a gzip bomb costs at most ``max_bytes`` of memory.
- **Redirects** are followed by hand, up to ``max_redirects``, with loop detection;
  a chain of 301/308 from the start is reported as ``permanent_redirect``.
- **Retries** with exponential backoff for timeouts, connection resets, 5xx and 429,
  honouring ``Retry-After`` up to ``max_retry_after``; other 4xx are final.

Every failure is a ``FetchResult`` with ``status="failed"`` and ``error`` in words
(``timeout after 20 s``, ``HTTP 404``, ``body over 10 MB``): one feed never stops the
others. Tests pass an ``httpx`` transport, or point feeds at a local server.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import email.utils
import errno
import socket
import time
import zlib
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Protocol
from urllib.parse import urljoin, urlsplit

import httpx

from generator import __version__
from generator.models import FeedSource, FeedState, FetchResult

__all__ = [
    "FetchSettings",
    "Fetcher",
    "fetch_all",
    "is_connection_failure",
    "USER_AGENT",
    "CONNECT_FAILURE",
]

USER_AGENT = f"planet-python-blogs/{__version__} (feed aggregator; static site generator)"
ACCEPT = "application/atom+xml, application/rss+xml, application/feed+json, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5"
CONNECT_FAILURE = "cannot connect"  # prefix of every error meaning "the host could not be reached"
REDIRECTS = (301, 302, 303, 307, 308)
PERMANENT = (301, 308)


@dataclass(frozen=True)
class FetchSettings:
    """Limits of one run; tests shrink them so fault cases stay fast."""

    connect_timeout: float = 10.0
    read_timeout: float = 15.0  # longest silence between two bytes
    deadline: float = 20.0  # total per feed: redirects, retries and body included
    max_bytes: int = 10 * 1024 * 1024  # both raw and decompressed
    max_concurrency: int = 256  # a backstop: per_host is what limits a run
    per_host: int = 2
    large_body: int = 256 * 1024  # past this size a download needs one of large_slots...
    large_slots: int = 8  # ...so bodies being read stay under 256 x 256 KB + 8 x 10 MB
    max_redirects: int = 5
    retries: int = 2  # extra attempts after the first
    backoff: float = 0.5  # first wait between attempts, then doubled
    max_retry_after: float = 10.0  # a longer Retry-After is not waited for
    user_agent: str = USER_AGENT


def is_connection_failure(result: FetchResult) -> bool:
    """True when the feed failed because its host could not be reached at all."""
    return result.status == "failed" and (result.error or "").startswith(CONNECT_FAILURE)


def _size_words(n: int) -> str:
    if n >= 1024 * 1024 and n % (1024 * 1024) == 0:
        return f"{n // (1024 * 1024)} MB"
    if n >= 1024 * 1024:
        return f"{n / (1024 * 1024):.1f} MB"
    if n >= 1024:
        return f"{n / 1024:g} KB"
    return f"{n} bytes"


def _seconds(value: float) -> str:
    return f"{value:g} s"


# ---------------------------------------------------------------- bounded decompression


class _Refused(Exception):
    """The response cannot be used; ``reason`` says why. ``retry`` when another try may help."""

    def __init__(self, reason: str, retry: bool = False, retry_after: float | None = None):
        super().__init__(reason)
        self.reason = reason
        self.retry = retry
        self.retry_after = retry_after


class _Brotli(Protocol):
    """What the decoder uses of a ``brotli.Decompressor`` (brotli has no type information)."""

    def process(self, data: bytes, output_buffer_limit: int) -> bytes: ...

    def is_finished(self) -> bool: ...


class _Decoder:
    """Decompresses a Content-Encoding incrementally, never producing more than ``limit`` bytes."""

    def __init__(self, encoding: str, limit: int):
        self.encoding = encoding
        self.limit = limit
        self.size = 0
        self._zlib: "zlib._Decompress | None" = None
        self._brotli: _Brotli | None = None
        if encoding == "gzip":
            self._zlib = zlib.decompressobj(16 + zlib.MAX_WBITS)
        elif encoding == "br":
            import brotli

            self._brotli = brotli.Decompressor()
        elif encoding not in ("identity", "deflate"):
            raise _Refused(f"unsupported content-encoding {encoding!r}")

    def _over(self) -> _Refused:
        return _Refused(f"body over {_size_words(self.limit)} (decompressed)")

    def feed(self, data: bytes) -> bytes:
        room = self.limit - self.size
        if self.encoding == "identity":
            out = data
        elif self.encoding == "br":
            out = self._feed_brotli(data, room)
        else:
            out = self._feed_zlib(data, room)
        self.size += len(out)
        if self.size > self.limit:
            raise self._over()
        return out

    def _feed_zlib(self, data: bytes, room: int) -> bytes:
        if self._zlib is None:  # deflate: zlib-wrapped as the RFC says, or raw as some servers send
            looks_zlib = len(data) >= 2 and data[0] & 0x0F == 8 and (data[0] * 256 + data[1]) % 31 == 0
            self._zlib = zlib.decompressobj(zlib.MAX_WBITS if looks_zlib else -zlib.MAX_WBITS)
        try:
            # max_length caps the output: a bomb stops here, its input left unread in unconsumed_tail.
            out = self._zlib.decompress(data, room + 1)
        except zlib.error as exc:
            raise _Refused(f"corrupt {self.encoding} body ({exc})") from None
        if self._zlib.eof and self._zlib.unused_data and self.encoding == "gzip":
            # a second gzip member follows (concatenated gzip files are valid gzip)
            rest = self._zlib.unused_data
            self._zlib = zlib.decompressobj(16 + zlib.MAX_WBITS)
            out += self._feed_zlib(rest, room - len(out))
        return out

    def _feed_brotli(self, data: bytes, room: int) -> bytes:
        import brotli

        if self._brotli is None:
            raise RuntimeError("internal: a br body without a br decoder")
        try:
            return self._brotli.process(data, output_buffer_limit=room + 1)
        except brotli.error as exc:
            raise _Refused(f"corrupt br body ({exc})") from None

    def finish(self) -> None:
        """Complain when a compressed stream stopped in the middle."""
        if self._zlib is not None and not self._zlib.eof:
            raise _Refused(f"body truncated: the {self.encoding} stream ends early", retry=True)
        if self._brotli is not None and not self._brotli.is_finished():
            raise _Refused("body truncated: the br stream ends early", retry=True)


# ---------------------------------------------------------------- the fetcher


def _retry_after(value: str | None) -> float | None:
    """Seconds to wait from a Retry-After header (delta seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - datetime.now(timezone.utc)).total_seconds())


def _connect_words(exc: Exception) -> str:
    """Why a connection failed, in words; the OS error hides in the exception chain."""
    chain: list[BaseException] = []
    seen: BaseException | None = exc
    while seen is not None and len(chain) < 10:
        chain.append(seen)
        seen = seen.__cause__ or seen.__context__
        if isinstance(seen, ExceptionGroup):
            seen = seen.exceptions[0]
    text = " ".join(str(e) for e in chain).lower()
    errnos = {getattr(e, "errno", None) for e in chain}
    if "refused" in text or errno.ECONNREFUSED in errnos:
        return f"{CONNECT_FAILURE}: connection refused"
    if isinstance(next((e for e in chain if isinstance(e, socket.gaierror)), None), socket.gaierror) or "name or service" in text:
        return f"{CONNECT_FAILURE}: host name not found"
    if "unreachable" in text or errno.ENETUNREACH in errnos or errno.EHOSTUNREACH in errnos:
        return f"{CONNECT_FAILURE}: network unreachable"
    return f"{CONNECT_FAILURE}: {exc or type(exc).__name__}"


class Fetcher:
    """Fetches feeds with shared limits; use as ``async with Fetcher(settings) as f``.

    ``transport`` replaces the network (``httpx.MockTransport`` in unit tests); ``sleep``
    is how it waits between attempts (tests record the waits it asks for).
    """

    def __init__(
        self,
        settings: FetchSettings | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ):
        self.settings = settings or FetchSettings()
        self._transport = transport
        self._sleep = sleep
        self._client: httpx.AsyncClient | None = None
        self._slots = asyncio.Semaphore(self.settings.max_concurrency)
        self._host_slots: dict[str, asyncio.Semaphore] = {}
        self._large_slots = asyncio.Semaphore(self.settings.large_slots)

    async def __aenter__(self) -> "Fetcher":
        s = self.settings
        self._client = httpx.AsyncClient(
            transport=self._transport,
            follow_redirects=False,
            timeout=httpx.Timeout(connect=s.connect_timeout, read=s.read_timeout, write=s.read_timeout, pool=s.deadline),
            limits=httpx.Limits(max_connections=s.max_concurrency, max_keepalive_connections=s.max_concurrency),
            headers={"User-Agent": s.user_agent, "Accept": ACCEPT, "Accept-Encoding": "gzip, deflate, br"},
        )
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    @property
    def _http(self) -> httpx.AsyncClient:
        """The client that ``async with Fetcher(...)`` opened."""
        if self._client is None:
            raise RuntimeError("use 'async with Fetcher(...)'")
        return self._client

    def _host_slot(self, url: str) -> asyncio.Semaphore:
        host = urlsplit(url).netloc.lower()
        if host not in self._host_slots:
            self._host_slots[host] = asyncio.Semaphore(self.settings.per_host)
        return self._host_slots[host]

    async def fetch(self, source: FeedSource, state: FeedState | None = None) -> FetchResult:
        """Fetch one feed; never raises for anything the server or network does."""
        assert self._client is not None, "use 'async with Fetcher(...)'"
        state = state or FeedState()
        url = state.permanent_redirect or source.url
        async with self._host_slot(url), self._slots:
            started = time.monotonic()
            try:
                async with asyncio.timeout(self.settings.deadline):
                    result = await self._fetch_with_retries(source, url, state, started + self.settings.deadline)
            except TimeoutError:
                result = FetchResult(source, "failed", url, error=f"timeout after {_seconds(self.settings.deadline)}")
            except Exception as exc:  # a bug or an exotic error must not stop the other feeds
                result = FetchResult(source, "failed", url, error=f"unexpected error: {type(exc).__name__}: {exc}")
        return _with_elapsed(result, time.monotonic() - started)

    async def _fetch_with_retries(self, source: FeedSource, url: str, state: FeedState, deadline_at: float) -> FetchResult:
        s = self.settings
        attempt = 1
        while True:
            try:
                return await self._fetch_following_redirects(source, url, state)
            except _Refused as refused:
                if not refused.retry:
                    return FetchResult(source, "failed", url, error=refused.reason)
                wait = refused.retry_after if refused.retry_after is not None else s.backoff * 2 ** (attempt - 1)
                if refused.retry_after is not None and wait > s.max_retry_after:
                    reason = f"{refused.reason} (server asks to retry after {_seconds(round(wait))})"
                    return FetchResult(source, "failed", url, error=reason)
                if attempt > s.retries or time.monotonic() + wait >= deadline_at:
                    suffix = f" (after {attempt} attempts)" if attempt > 1 else ""
                    return FetchResult(source, "failed", url, error=refused.reason + suffix)
                attempt += 1
                await self._sleep(wait)

    async def _fetch_following_redirects(self, source: FeedSource, url: str, state: FeedState) -> FetchResult:
        visited: list[str] = []
        permanent: str | None = None
        only_permanent_so_far = True
        current = url
        for _ in range(self.settings.max_redirects + 1):
            if current in visited:
                raise _Refused(f"redirect loop: {' -> '.join([*visited, current])}")
            visited.append(current)
            if urlsplit(current).scheme not in ("http", "https"):
                raise _Refused(f"redirect to a non-HTTP URL {current!r}")
            outcome = await self._request(source, current, state)
            if isinstance(outcome, FetchResult):
                return _with_redirect(outcome, permanent)
            status, target = outcome
            if status in PERMANENT and only_permanent_so_far:
                permanent = target
            else:
                only_permanent_so_far = False
            current = target
        raise _Refused(f"too many redirects (more than {self.settings.max_redirects})")

    async def _request(self, source: FeedSource, url: str, state: FeedState) -> FetchResult | tuple[int, str]:
        """One GET: a result, or ``(status, next URL)`` for a redirect; raises _Refused."""
        headers = {}
        if state.etag:
            headers["If-None-Match"] = state.etag
        if state.last_modified:
            headers["If-Modified-Since"] = state.last_modified
        try:
            async with self._http.stream("GET", url, headers=headers) as response:
                return await self._handle(source, url, state, response)
        except httpx.TimeoutException as exc:
            limit = self.settings.connect_timeout if isinstance(exc, httpx.ConnectTimeout) else self.settings.read_timeout
            raise _Refused(f"timeout after {_seconds(limit)}", retry=True) from None
        except httpx.ConnectError as exc:
            raise _Refused(_connect_words(exc)) from None
        except httpx.RemoteProtocolError as exc:
            reason = "body truncated: connection closed early" if "incomplete" in str(exc) or "complete message" in str(exc) else f"protocol error: {exc}"
            raise _Refused(reason, retry=True) from None
        except (httpx.ReadError, httpx.WriteError) as exc:
            raise _Refused(f"connection reset ({exc or type(exc).__name__})", retry=True) from None
        except httpx.UnsupportedProtocol:
            raise _Refused(f"unsupported URL {url!r}") from None
        except httpx.InvalidURL as exc:
            raise _Refused(f"invalid URL {url!r} ({exc})") from None

    async def _handle(self, source: FeedSource, url: str, state: FeedState, response: httpx.Response) -> FetchResult | tuple[int, str]:
        code = response.status_code
        if code in REDIRECTS:
            location = response.headers.get("location")
            if not location:
                raise _Refused(f"HTTP {code} redirect without a Location header")
            return code, urljoin(url, location.strip())
        if code == 304:
            return FetchResult(source, "not_modified", url, http_status=304, etag=state.etag, last_modified=state.last_modified)
        if code == 429 or code >= 500:
            raise _Refused(f"HTTP {code}", retry=True, retry_after=_retry_after(response.headers.get("retry-after")))
        if not 200 <= code < 300:
            raise _Refused(f"HTTP {code}")
        body = await self._read_body(response)
        return FetchResult(
            source,
            "ok",
            url,
            body=body,
            headers={k.lower(): v for k, v in response.headers.items()},
            http_status=code,
            etag=response.headers.get("etag"),
            last_modified=response.headers.get("last-modified"),
        )

    async def _read_body(self, response: httpx.Response) -> bytes:
        limit = self.settings.max_bytes
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            raise _Refused(f"body over {_size_words(limit)}")
        encoding = response.headers.get("content-encoding", "identity").strip().lower() or "identity"
        decoder = _Decoder(encoding, limit)
        raw = 0
        parts: list[bytes] = []
        async with contextlib.AsyncExitStack() as stack:
            holds_large_slot = False
            async for chunk in response.aiter_raw():
                raw += len(chunk)
                if raw > limit:
                    raise _Refused(f"body over {_size_words(limit)}")
                parts.append(decoder.feed(chunk))
                if not holds_large_slot and max(raw, decoder.size) > self.settings.large_body:
                    await stack.enter_async_context(self._large_slots)  # released when this body is read
                    holds_large_slot = True
            decoder.finish()
            return b"".join(parts)


def _with_redirect(result: FetchResult, permanent: str | None) -> FetchResult:
    if permanent is None:
        return result
    return dataclasses.replace(result, permanent_redirect=permanent)


def _with_elapsed(result: FetchResult, elapsed: float) -> FetchResult:
    return dataclasses.replace(result, elapsed=elapsed)


async def fetch_all(
    fetcher: Fetcher, sources: Iterable[FeedSource], states: Mapping[str, FeedState]
) -> AsyncIterator[FetchResult]:
    """Fetch every source at once (within the fetcher's limits), yielding results as they finish."""
    tasks = [asyncio.create_task(fetcher.fetch(source, states.get(source.name))) for source in sources]
    try:
        for finished in asyncio.as_completed(tasks):
            yield await finished
    finally:
        for task in tasks:
            task.cancel()
        with contextlib.suppress(Exception):
            await asyncio.gather(*tasks, return_exceptions=True)
