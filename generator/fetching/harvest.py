"""The fetch run: every feed source in, articles in ``content/`` and a report out.

Feed by feed, as each download finishes (so parsing overlaps fetching):

    FeedSource --fetch--> FetchResult --parse--> Entry --select--> --normalise--> Article --write--> content/

HTTP is ``fetcher.py``'s job; this module orchestrates the rest of a run. Parsing and
normalising are CPU work, so with many feeds they go to a process pool and use every
core while the event loop keeps downloading; the worker also writes the feed's
articles (each feed owns its folder, so workers never collide). The run's new
``FeedState`` per feed (validators only for responses that were actually used) is
saved to ``feeds/state.json`` at the end, in this process.

``python build.py fetch`` (``commands/fetch.py``) is a thin command over
:func:`fetch_feeds`.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import dataclasses
import logging
import multiprocessing
import os
import sys
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Callable, Literal, Mapping, Sequence, TypeVar

import httpx

from generator.config import load_feed_sources
from generator.fetching.feed_work import FeedLimits, Processed, process_feed, select_entries
from generator.fetching.fetcher import Fetcher, FetchSettings, fetch_all, is_connection_failure
from generator.fetching.state import load_state, save_state, state_path
from generator.models import FeedSource, FeedState, FetchResult, SiteConfig
from generator.slugs import claim_slugs

__all__ = [
    "FeedReport",
    "RunReport",
    "Processed",
    "FeedLimits",
    "fetch_feeds",
    "select_entries",
    "process_feed",
]

log = logging.getLogger(__name__)

T = TypeVar("T")  # what a job run by the workers returns

PARALLEL_PARSE_MIN = 8  # below this many feeds a process pool costs more than it saves


def _warm_worker() -> None:
    """Import the parsing stack once per worker, before the first feed arrives."""
    from generator import normalise  # noqa: F401
    from generator.fetching import parse  # noqa: F401


class _Workers:
    """Where the CPU half of each feed runs: a process pool for many feeds, a thread for a few.

    The pool is started only when a second feed needs parsing while the first still is
    (a run of 304s, or of one changed feed, never starts it); until its workers are up,
    one feed at a time is parsed in a thread of this process, so the second or so a pool
    takes to start does not hold results back.
    """

    def __init__(self, feed_count: int):
        self._thread = concurrent.futures.ThreadPoolExecutor(max_workers=1)
        self._pool: concurrent.futures.ProcessPoolExecutor | None = None
        self._pool_ready = False
        self._thread_busy = 0
        self._warming: asyncio.Task[None] | None = None
        cpus = os.cpu_count() or 1
        self._want_pool = feed_count >= PARALLEL_PARSE_MIN and cpus >= 2
        self._pool_size = min(cpus, 8)

    def _start_pool(self) -> None:
        # forkserver, not fork: forking a process that runs threads (a progress bar, the
        # event loop's helpers) can copy a held lock into the child; a forkserver has none.
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(["generator.fetching.parse", "generator.normalise", "generator.fetching.feed_work", __name__])
        self._pool = concurrent.futures.ProcessPoolExecutor(max_workers=self._pool_size, mp_context=context)
        self._warming = asyncio.create_task(self._warm(self._pool))

    async def _warm(self, pool: concurrent.futures.ProcessPoolExecutor) -> None:
        futures = [await asyncio.to_thread(pool.submit, _warm_worker) for _ in range(self._pool_size)]
        await asyncio.gather(*(asyncio.wrap_future(f) for f in futures))
        self._pool_ready = True

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        if self._want_pool and self._pool is None and self._thread_busy:
            self._start_pool()  # a second feed waits for parsing: worth starting the workers
        if self._pool is not None and (self._pool_ready or self._thread_busy):
            # submit from a thread: a submit may start a worker process, which takes a while
            future = await asyncio.to_thread(self._pool.submit, fn, *args)
            return await asyncio.wrap_future(future)
        # the thread takes one feed at a time, and only while the pool is not up yet:
        # a queue behind it would leave the pool idle
        self._thread_busy += 1
        try:
            return await asyncio.wrap_future(self._thread.submit(fn, *args))
        finally:
            self._thread_busy -= 1

    async def close(self) -> None:
        if self._warming is not None:
            with contextlib.suppress(Exception):
                await self._warming

    def shutdown(self) -> None:
        self._thread.shutdown(wait=True, cancel_futures=True)
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)


# ---------------------------------------------------------------- reports and state


@dataclass(frozen=True)
class FeedReport:
    """One line of the final table."""

    name: str
    outcome: Literal["ok", "not_modified", "failed"]
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    detail: str = ""
    connection_failure: bool = False
    elapsed: float = 0.0


@dataclass(frozen=True)
class RunReport:
    feeds: list[FeedReport]
    elapsed: float

    @property
    def failed(self) -> list[FeedReport]:
        return [f for f in self.feeds if f.outcome == "failed"]

    @property
    def offline(self) -> bool:
        """Every feed failed to connect: the network, not the feeds, is the problem."""
        return bool(self.feeds) and all(f.connection_failure for f in self.feeds)


def _now_iso(now: datetime) -> str:
    return now.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _state_after_success(old: FeedState, result: FetchResult, processed: Processed | None, now: datetime) -> FeedState:
    state = dataclasses.replace(
        old, url=result.source.url, last_success=_now_iso(now), last_error=None, consecutive_failures=0,
        permanent_redirect=result.permanent_redirect or old.permanent_redirect,
    )
    if processed is None:
        return state
    # a 200 that was parsed and stored: its validators are now ours
    return dataclasses.replace(state, etag=result.etag, last_modified=result.last_modified,
                               platform=processed.platform or old.platform, first_seen=processed.first_seen,
                               title=processed.title or old.title, link=processed.link or old.link)


def _state_for(source: FeedSource, state: FeedState) -> FeedState:
    """The state to fetch ``source`` with: when its configured URL changed, the old
    validators and redirect belong to another feed and are dropped."""
    if state.url is None or state.url == source.url:
        return state
    return dataclasses.replace(state, url=source.url, etag=None, last_modified=None, permanent_redirect=None)


def _state_after_failure(old: FeedState, reason: str) -> FeedState:
    # validators stay those of the last response we used: this one was not usable
    return dataclasses.replace(old, last_error=reason, consecutive_failures=old.consecutive_failures + 1)


# ---------------------------------------------------------------- the run


class _Progress:
    """A rich progress bar on a terminal, plain lines elsewhere (CI logs)."""

    def __init__(self, total: int, enabled: bool):
        self.total = total
        self.done = 0
        self._bar = None
        self._held: list[str] = []
        if enabled and sys.stderr.isatty():
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

            self._bar = Progress(
                TextColumn("fetching"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                TextColumn("{task.description}"), transient=True,
            )
            self._task = self._bar.add_task("", total=total)
            self._bar.start()
        self.enabled = enabled

    def finished(self, report: FeedReport) -> None:
        self.done += 1
        if self._bar is not None:
            self._bar.update(self._task, advance=1, description=report.name)
        elif self.enabled:
            line = f"[{self.done}/{self.total}] {report.name}: {_words(report)}"
            if report.connection_failure:
                self._held.append(line)  # said once at the end if the whole network is down
            else:
                print(line, file=sys.stderr, flush=True)

    def close(self, offline: bool) -> None:
        if self._bar is not None:
            self._bar.stop()
        if not offline:
            for line in self._held:
                print(line, file=sys.stderr)


def _words(report: FeedReport) -> str:
    if report.outcome == "failed":
        return f"failed: {report.detail}"
    if report.outcome == "not_modified":
        return "not modified (304)"
    return f"{report.new} new, {report.updated} updated, {report.unchanged} unchanged"


class _Run:
    """The state of one fetch run: where things go and what happened so far."""

    def __init__(self, site: SiteConfig, states: Mapping[str, FeedState], workers: _Workers, progress: _Progress,
                 limits: FeedLimits):
        self.content_dir = site.path("content")
        self.limits = limits
        self.states = dict(states)
        self.workers = workers
        self.progress = progress
        self.now = datetime.now(timezone.utc)
        self.reports: list[FeedReport] = []
        self.new_paths: list[str] = []  # article files this run created (relative to content/)

    def record(self, report: FeedReport) -> None:
        self.reports.append(report)
        self.progress.finished(report)

    def fail(self, result: FetchResult, reason: str) -> None:
        name = result.source.name
        self.states[name] = _state_after_failure(self.states.get(name, FeedState()), reason)
        self.record(FeedReport(name, "failed", detail=reason, connection_failure=is_connection_failure(result),
                               elapsed=result.elapsed))

    async def handle(self, result: FetchResult) -> None:
        """Everything after the download of one feed; never raises."""
        name = result.source.name
        old = self.states.get(name, FeedState())
        if result.status == "failed":
            return self.fail(result, result.error or "failed")
        if result.status == "not_modified":
            self.states[name] = _state_after_success(old, result, None, self.now)
            return self.record(FeedReport(name, "not_modified", detail="not modified (304)", elapsed=result.elapsed))
        try:
            # submit from a thread: the first submit to a process pool starts its workers,
            # which blocks for as long as they take to start, and the loop must keep fetching
            processed = await self.workers.run(
                process_feed, result, old.first_seen, self.now, self.content_dir, self.limits
            )
        except Exception as exc:  # a worker process died (out of memory, killed)
            processed = Processed(error=f"cannot parse: {type(exc).__name__}: {exc}")
        self.new_paths += processed.new_paths
        if processed.error:
            return self.fail(result, processed.error)
        counts = (processed.new, processed.updated, processed.unchanged)
        if processed.stopped:  # over its budget: what it stored stays, its validators do not
            self.states[name] = dataclasses.replace(
                _state_after_failure(old, processed.stopped), first_seen=processed.first_seen
            )
            return self.record(FeedReport(name, "failed", *counts, detail=processed.stopped, elapsed=result.elapsed))
        self.states[name] = _state_after_success(old, result, processed, self.now)
        self.record(FeedReport(name, "ok", *counts, detail=_detail(processed), elapsed=result.elapsed))


def _detail(processed: Processed) -> str:
    """What the table says about a feed that was read: items left out, then warnings."""
    parts = []
    if processed.filtered_out:
        parts.append(f"{processed.filtered_out} filtered out")
    if processed.capped:
        parts.append(f"{processed.capped:,} older items past max_items not read")
    return "; ".join(parts + processed.warnings[:2])


async def _fetch_and_handle(
    run: _Run, sources: list[FeedSource], settings: FetchSettings, transport: httpx.AsyncBaseTransport | None
) -> None:
    handling: set[asyncio.Task[None]] = set()
    async with Fetcher(settings, transport) as fetcher:
        async for result in fetch_all(fetcher, sources, run.states):
            task = asyncio.create_task(run.handle(result))
            handling.add(task)
            task.add_done_callback(handling.discard)
        if handling:
            await asyncio.gather(*handling)
    await run.workers.close()


def fetch_feeds(
    site: SiteConfig,
    sources: Sequence[FeedSource],
    settings: FetchSettings | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
    progress: bool = False,
    prune_state: bool = True,
    limits: FeedLimits | None = None,
) -> RunReport:
    """Fetch ``sources``, write their articles, update ``feeds/state.json``; the run's report."""
    started = time.monotonic()
    path = state_path(site.path("feeds"))
    states = load_state(path)
    for source in sources:
        if source.name in states:
            states[source.name] = _state_for(source, states[source.name])
    bar = _Progress(len(sources), progress)
    workers = _Workers(len(sources))
    run = _Run(site, states, workers, bar, limits or FeedLimits(max_article_bytes=site.max_article_kb * 1024))
    try:
        asyncio.run(_fetch_and_handle(run, list(sources), settings or FetchSettings(), transport))
    finally:
        workers.shutdown()
        offline = bool(run.reports) and all(r.connection_failure for r in run.reports)
        bar.close(offline=offline)
    claim_slugs(run.content_dir, run.new_paths, site.timezone)  # two feeds' new posts may pick one slug
    if offline:  # the network, not the feeds, failed: recording a failure per feed would mislead /status/
        order = {s.name: i for i, s in enumerate(sources)}
        return RunReport(sorted(run.reports, key=lambda r: order[r.name]), time.monotonic() - started)
    final = run.states
    if prune_state:  # forget feeds that were removed from feeds/*.toml
        configured = {s.name for s in load_feed_sources(site.path("feeds"))}
        final = {k: v for k, v in final.items() if k in configured}
    save_state(path, final)
    order = {s.name: i for i, s in enumerate(sources)}
    reports = sorted(run.reports, key=lambda r: order[r.name])
    return RunReport(reports, time.monotonic() - started)
