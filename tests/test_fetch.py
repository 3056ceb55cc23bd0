"""The fetch stage against a real HTTP server on 127.0.0.1 (tests/feedserver.py)."""

from __future__ import annotations

import asyncio
import gzip
import zlib

import brotli
import httpx
import pytest
from conftest import FEED_FIXTURES
from feedserver import (
    FeedServer,
    conditional,
    gzip_bomb,
    gzipped,
    http_date,
    never_answer,
    redirect,
    respond,
    trickle,
    truncated,
    unsized,
)

from generator.fetching.fetcher import USER_AGENT, Fetcher, FetchSettings, fetch_all, is_connection_failure
from generator.models import FeedSource, FeedState

FEED = (FEED_FIXTURES / "ghost_like.xml").read_bytes()
FAST = FetchSettings(connect_timeout=1, read_timeout=0.5, deadline=1.0, backoff=0.05, max_retry_after=2)


def fetch(url: str, settings: FetchSettings = FAST, state: FeedState | None = None, name: str = "blog", sleep=asyncio.sleep):
    async def go():
        async with Fetcher(settings, sleep=sleep) as fetcher:
            return await fetcher.fetch(FeedSource(name=name, url=url), state)

    return asyncio.run(go())


def test_200_carries_body_validators_and_user_agent(feed_server):
    url = feed_server.route("/rss", conditional(FEED, etag='"v1"', last_modified="Mon, 02 Mar 2026 08:00:00 GMT"))
    result = fetch(url)
    assert (result.status, result.http_status, result.body) == ("ok", 200, FEED)
    assert result.etag == '"v1"' and result.last_modified == "Mon, 02 Mar 2026 08:00:00 GMT"
    assert result.headers["content-type"] == "application/rss+xml"
    sent = feed_server.requests["/rss"][0]
    assert sent["user-agent"] == USER_AGENT and "planet-python-blogs" in USER_AGENT
    assert "if-none-match" not in sent


def test_etag_is_sent_back_and_304_means_not_modified(feed_server):
    url = feed_server.route("/rss", conditional(FEED, etag='"v1"'))
    first = fetch(url)
    second = fetch(url, state=FeedState(etag=first.etag))
    assert feed_server.requests["/rss"][1]["if-none-match"] == '"v1"'
    assert (second.status, second.http_status, second.body) == ("not_modified", 304, b"")
    assert second.etag == '"v1"'


def test_last_modified_is_sent_back_and_304_means_not_modified(feed_server):
    stamp = "Mon, 02 Mar 2026 08:00:00 GMT"
    url = feed_server.route("/rss", conditional(FEED, last_modified=stamp))
    first = fetch(url)
    second = fetch(url, state=FeedState(last_modified=first.last_modified))
    assert feed_server.requests["/rss"][1]["if-modified-since"] == stamp
    assert second.status == "not_modified" and second.last_modified == stamp


def test_gzip_body_is_decompressed(feed_server):
    url = feed_server.route("/rss", gzipped(FEED))
    result = fetch(url)
    assert "gzip" in feed_server.requests["/rss"][0]["accept-encoding"]
    assert result.status == "ok" and result.body == FEED


@pytest.mark.parametrize(
    "encoding, compress",
    [("deflate", zlib.compress), ("deflate", lambda b: zlib.compress(b)[2:-4]), ("br", brotli.compress)],
    ids=["deflate-zlib", "deflate-raw", "brotli"],
)
def test_deflate_and_brotli_bodies_are_decompressed(feed_server, encoding, compress):
    url = feed_server.route("/rss", respond(200, compress(FEED), {"Content-Encoding": encoding}))
    assert fetch(url).body == FEED


def test_301_is_followed_and_remembered_as_permanent(feed_server):
    new = feed_server.route("/new-rss", respond(200, FEED))
    old = feed_server.route("/rss", redirect(301, "/new-rss"))
    result = fetch(old)
    assert result.status == "ok" and result.body == FEED
    assert result.url == new and result.permanent_redirect == new


def test_302_is_followed_but_not_remembered(feed_server):
    new = feed_server.route("/tmp", respond(200, FEED))
    old = feed_server.route("/rss", redirect(302, new))
    result = fetch(old)
    assert result.status == "ok" and result.url == new and result.permanent_redirect is None


def test_permanent_redirect_in_state_is_fetched_directly(feed_server):
    new = feed_server.route("/new-rss", respond(200, FEED))
    feed_server.route("/rss", redirect(301, "/new-rss"))
    result = fetch(feed_server.url("/rss"), state=FeedState(permanent_redirect=new))
    assert result.status == "ok" and "/rss" not in feed_server.requests


def test_redirect_loop_is_reported(feed_server):
    feed_server.route("/a", redirect(301, "/b"))
    feed_server.route("/b", redirect(302, "/a"))
    result = fetch(feed_server.url("/a"))
    assert result.status == "failed" and result.error.startswith("redirect loop")
    assert len(feed_server.requests["/a"]) == 1 and len(feed_server.requests["/b"]) == 1


def test_too_many_redirects(feed_server):
    for i in range(10):
        feed_server.route(f"/r{i}", redirect(307, f"/r{i + 1}"))
    result = fetch(feed_server.url("/r0"), settings=FetchSettings(**{**FAST.__dict__, "max_redirects": 3}))
    assert result.error == "too many redirects (more than 3)"


def test_404_is_not_retried(feed_server):
    url = feed_server.route("/rss", respond(404, b"gone"))
    result = fetch(url)
    assert (result.status, result.error) == ("failed", "HTTP 404")
    assert len(feed_server.requests["/rss"]) == 1


class Waits(list):
    """A stand-in for asyncio.sleep that records the seconds asked for and returns at once."""

    async def __call__(self, seconds: float) -> None:
        self.append(seconds)


def test_500_twice_then_200_is_retried_after_doubling_waits(feed_server):
    url = feed_server.route("/rss", respond(500), respond(503), respond(200, FEED))
    waits = Waits()
    result = fetch(url, sleep=waits)
    assert result.status == "ok" and result.body == FEED
    assert len(feed_server.requests["/rss"]) == 3
    assert waits == [FAST.backoff, 2 * FAST.backoff]


def test_500_every_time_gives_up_after_the_retries(feed_server):
    url = feed_server.route("/rss", respond(500))
    result = fetch(url)
    assert result.error == "HTTP 500 (after 3 attempts)"
    assert len(feed_server.requests["/rss"]) == 3


def test_retry_after_is_honoured(feed_server):
    url = feed_server.route("/rss", respond(429, headers={"Retry-After": "1"}), respond(200, FEED))
    waits = Waits()
    result = fetch(url, settings=FetchSettings(**{**FAST.__dict__, "deadline": 3}), sleep=waits)
    assert result.status == "ok" and len(feed_server.requests["/rss"]) == 2
    assert waits == [1.0]  # the server's word, not the backoff


def test_retry_after_as_a_date_is_understood(feed_server):
    url = feed_server.route("/rss", respond(503, headers={"Retry-After": http_date(5)}), respond(200, FEED))
    waits = Waits()  # records the wait without waiting, so a date 5 s ahead costs nothing
    assert fetch(url, settings=FetchSettings(**{**FAST.__dict__, "deadline": 30, "max_retry_after": 10}), sleep=waits).status == "ok"
    assert len(waits) == 1 and 1.0 < waits[0] <= 5.0  # until that date (HTTP dates are whole seconds), not the 0.05 s backoff


def test_retry_after_beyond_the_bound_is_not_waited_for(feed_server):
    url = feed_server.route("/rss", respond(429, headers={"Retry-After": "3600"}), respond(200, FEED))
    result = fetch(url)  # had it waited, the test would hang: the words say it chose not to
    assert result.error == "HTTP 429 (server asks to retry after 3600 s)"
    assert len(feed_server.requests["/rss"]) == 1


def test_server_that_never_answers_is_cut_at_the_deadline(feed_server):
    url = feed_server.route("/rss", never_answer(feed_server))
    settings = FetchSettings(**{**FAST.__dict__, "read_timeout": 5})
    result = fetch(url, settings=settings)
    assert result.error == "timeout after 1 s"  # the 1 s deadline cut it, not the 5 s read timeout
    assert len(feed_server.requests["/rss"]) == 1  # and nothing was retried past the deadline


def test_trickling_server_is_cut_at_the_deadline(feed_server):
    url = feed_server.route("/rss", trickle(feed_server, FEED, interval=0.05))
    result = fetch(url)  # read timeout 0.5 s is never reached: a byte comes every 0.05 s
    assert result.error == "timeout after 1 s"


def test_read_timeout_is_retried_then_reported(feed_server):
    url = feed_server.route("/rss", never_answer(feed_server), respond(200, FEED))
    settings = FetchSettings(**{**FAST.__dict__, "read_timeout": 0.2, "deadline": 2})
    result = fetch(url, settings=settings)
    assert result.status == "ok" and len(feed_server.requests["/rss"]) == 2


def test_truncated_body_is_reported(feed_server):
    url = feed_server.route("/rss", truncated(FEED))
    result = fetch(url)
    assert result.status == "failed"
    assert result.error.startswith("body truncated: connection closed early")


def test_truncated_gzip_stream_is_reported(feed_server):
    url = feed_server.route("/rss", unsized(gzip.compress(FEED)[:-40], {"Content-Encoding": "gzip"}))
    result = fetch(url)
    assert result.error.startswith("body truncated: the gzip stream ends early")


def test_body_over_the_cap_by_content_length(feed_server):
    url = feed_server.route("/rss", respond(200, b"x" * 3000))
    result = fetch(url, settings=FetchSettings(**{**FAST.__dict__, "max_bytes": 2048}))
    assert result.error == "body over 2 KB"


def test_body_over_the_cap_without_content_length(feed_server):
    url = feed_server.route("/rss", unsized(b"<rss>" + b" " * (3 * 1024 * 1024)))
    result = fetch(url, settings=FetchSettings(**{**FAST.__dict__, "max_bytes": 1024 * 1024}))
    assert result.error == "body over 1 MB"


def test_gzip_bomb_is_stopped_at_the_decompressed_cap(feed_server):
    url = feed_server.route("/rss", gzip_bomb(64 * 1024 * 1024))  # 64 MB of zeros in ~64 KB
    import tracemalloc

    tracemalloc.start()
    result = fetch(url, settings=FetchSettings(**{**FAST.__dict__, "max_bytes": 1024 * 1024, "deadline": 5}))
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert result.error == "body over 1 MB (decompressed)"
    assert peak < 20 * 1024 * 1024


def test_unknown_content_encoding_is_refused(feed_server):
    url = feed_server.route("/rss", respond(200, FEED, {"Content-Encoding": "zstd-ish"}))
    assert fetch(url).error == "unsupported content-encoding 'zstd-ish'"


def test_connection_refused_is_a_connection_failure():
    with FeedServer() as s:
        url = s.url("/rss")
    result = fetch(url)  # the server is closed now
    assert result.error == "cannot connect: connection refused"
    assert is_connection_failure(result)


def test_one_stuck_feed_does_not_hold_up_the_others(feed_server):
    feed_server.route("/stuck", never_answer(feed_server))
    for i in range(20):
        feed_server.route(f"/ok{i}", respond(200, FEED, delay=0.05))
    sources = [FeedSource(name="stuck", url=feed_server.url("/stuck"))]
    sources += [FeedSource(name=f"ok{i}", url=feed_server.url(f"/ok{i}")) for i in range(20)]
    # A 4 s deadline, not FAST's 1 s: on a busy machine twenty 50 ms answers through three
    # free slots took over a second, so the stuck feed's deadline came first (seen twice).
    settings = FetchSettings(**{**FAST.__dict__, "read_timeout": 8, "deadline": 4.0, "per_host": 4, "max_concurrency": 4})

    async def go():
        finished = []
        async with Fetcher(settings) as fetcher:
            async for result in fetch_all(fetcher, sources, {}):
                finished.append(result)
        return finished

    finished = asyncio.run(go())
    # No wall-clock bound (a busy machine fails those): the order is the proof. The
    # healthy feeds all finished while the stuck one was still waiting, and its 4 s
    # deadline, not the 8 s read timeout, ended it.
    assert [r.source.name for r in finished[-1:]] == ["stuck"]
    assert finished[-1].status == "failed" and finished[-1].error == "timeout after 4 s"
    assert all(r.status == "ok" for r in finished[:-1]) and len(finished) == 21


def test_per_host_and_total_limits_hold(feed_server):
    in_flight = {"now": 0, "max": 0}

    async def handler(request: httpx.Request) -> httpx.Response:
        in_flight["now"] += 1
        in_flight["max"] = max(in_flight["max"], in_flight["now"])
        await asyncio.sleep(0.02)
        in_flight["now"] -= 1
        return httpx.Response(200, stream=httpx.ByteStream(FEED))

    sources = [FeedSource(name=f"f{i}", url=f"http://host{i % 3}.test/feed{i}") for i in range(30)]
    settings = FetchSettings(max_concurrency=5, per_host=2)

    async def go():
        async with Fetcher(settings, transport=httpx.MockTransport(handler)) as fetcher:
            return [r async for r in fetch_all(fetcher, sources, {})]

    results = asyncio.run(go())
    assert len(results) == 30 and all(r.status == "ok" for r in results)
    assert in_flight["max"] == 5  # three hosts x two would allow 6: the total cap wins


def test_politeness_per_host_not_a_small_total_limits_a_run():
    hosts = 40
    in_flight = {"now": 0, "max": 0, "per_host": {}, "max_per_host": 0}

    async def handler(request: httpx.Request) -> httpx.Response:
        host = request.url.host
        in_flight["now"] += 1
        in_flight["per_host"][host] = in_flight["per_host"].get(host, 0) + 1
        in_flight["max"] = max(in_flight["max"], in_flight["now"])
        in_flight["max_per_host"] = max(in_flight["max_per_host"], in_flight["per_host"][host])
        await asyncio.sleep(0.05)
        in_flight["now"] -= 1
        in_flight["per_host"][host] -= 1
        return httpx.Response(304)

    sources = [FeedSource(name=f"f{i}", url=f"http://host{i % hosts}.test/feed{i}") for i in range(hosts * 4)]
    states = {s.name: FeedState(etag='"x"') for s in sources}

    async def go():
        async with Fetcher(FetchSettings(), transport=httpx.MockTransport(handler)) as fetcher:
            return [r async for r in fetch_all(fetcher, sources, states)]

    results = asyncio.run(go())
    assert len(results) == hosts * 4 and all(r.status == "not_modified" for r in results)
    assert in_flight["max_per_host"] == 2
    assert in_flight["max"] == 2 * hosts  # every host busy at once: no total of 16 holds them back


class _SlowChunks(httpx.AsyncByteStream):
    """A body in chunks, noting how many bodies are past ``large`` bytes at once."""

    def __init__(self, chunks: int, size: int, large: int, seen: dict):
        self.chunks, self.size, self.large, self.seen = chunks, size, large, seen

    async def __aiter__(self):
        sent = 0
        counted = False
        try:
            for _ in range(self.chunks):
                if sent > self.large and not counted:
                    counted = True  # the reader asked for more after passing the threshold
                    self.seen["now"] += 1
                    self.seen["max"] = max(self.seen["max"], self.seen["now"])
                await asyncio.sleep(0.01)
                sent += self.size
                yield b"x" * self.size
        finally:
            if counted:
                self.seen["now"] -= 1


def test_large_bodies_are_read_a_few_at_a_time():
    seen = {"now": 0, "max": 0}
    settings = FetchSettings(large_body=1000, large_slots=2)

    async def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, stream=_SlowChunks(chunks=6, size=600, large=1000, seen=seen))

    sources = [FeedSource(name=f"f{i}", url=f"http://host{i}.test/feed") for i in range(10)]

    async def go():
        async with Fetcher(settings, transport=httpx.MockTransport(handler)) as fetcher:
            return [r async for r in fetch_all(fetcher, sources, {})]

    results = asyncio.run(go())
    assert all(r.status == "ok" and len(r.body) == 3600 for r in results)
    assert seen["max"] == 2  # ten bodies over the threshold, never more than two read on at once
