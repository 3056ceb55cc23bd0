"""One feed's work after its download: newest items first, at most max_items (200 by
default), within a time budget that stops the feed but keeps what it stored."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest
from conftest import read_articles

import generator.fetching.feed_work as feed_work
from generator.config import load_site_config
from generator.fetching.feed_work import FeedLimits, process_feed
from generator.fetching.harvest import fetch_feeds
from generator.models import FeedSource, FetchResult

NOW = datetime(2026, 1, 2, tzinfo=timezone.utc)


def _feed(count: int) -> bytes:
    items = "".join(
        f"<item><title>Post {n}</title><link>https://b.example/{n}</link><guid>https://b.example/{n}</guid>"
        f"<pubDate>Mon, 01 Jan 2024 00:00:00 +0000</pubDate><description>&lt;p&gt;Body {n}&lt;/p&gt;</description></item>"
        .replace("00:00:00", f"{n // 3600 % 24:02d}:{n // 60 % 60:02d}:{n % 60:02d}")
        for n in range(count)
    )
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>B</title>{items}</channel></rss>'.encode()


def _result(count: int, source: FeedSource, elapsed: float = 0.0) -> FetchResult:
    return FetchResult(source, "ok", source.url, _feed(count), {"Content-Type": "application/rss+xml"}, elapsed=elapsed)


def _titles(content: Path) -> set[str]:
    return {a.title for a in read_articles(content)}


def test_a_feed_without_max_items_keeps_its_newest_200(tmp_path):
    source = FeedSource("b", "https://b.example/feed")
    assert source.max_items == 200
    done = process_feed(_result(230, source), {}, NOW, tmp_path)
    assert (done.new, done.capped, done.stopped, done.error) == (200, 30, None, None)
    assert _titles(tmp_path) == {f"Post {n}" for n in range(30, 230)}


def test_max_items_overrides_the_default(tmp_path):
    source = FeedSource("b", "https://b.example/feed", max_items=250)
    assert process_feed(_result(260, source), {}, NOW, tmp_path).new == 250


class _Clock:
    """time.monotonic for the worker: one second passes at each look."""

    def __init__(self) -> None:
        self.now = 1000.0

    def monotonic(self) -> float:
        self.now += 1.0
        return self.now


def test_over_its_budget_a_feed_stops_keeping_what_it_stored_newest_first(tmp_path, monkeypatch):
    monkeypatch.setattr(feed_work, "time", _Clock())
    source = FeedSource("b", "https://b.example/feed")
    done = process_feed(_result(50, source, elapsed=2.0), {}, NOW, tmp_path, FeedLimits(budget=10.0))
    # 10 s less the 2 s download: the clock reads 1001 at the start, then one more before each item
    assert done.stopped == "processing took over 10 s; 8 of 50 items stored"
    assert done.new == 8 and _titles(tmp_path) == {f"Post {n}" for n in range(42, 50)}


def test_a_download_that_used_the_whole_budget_stores_nothing(tmp_path):
    source = FeedSource("b", "https://b.example/feed")
    done = process_feed(_result(5, source, elapsed=61.0), {}, NOW, tmp_path)
    assert done.stopped == "processing took over 60 s; 0 of 5 items stored" and not tmp_path.joinpath("b").exists()


def test_the_run_reports_a_stopped_feed_as_failed_and_the_others_as_usual(tmp_path, monkeypatch):
    from feedserver import FeedServer, respond

    clock = _Clock()
    monkeypatch.setattr(feed_work, "time", clock)
    (tmp_path / "site.toml").write_text('title = "t"\n')
    with FeedServer() as server:
        slow = FeedSource("slow", server.route("/slow", respond(200, _feed(40))))
        fine = FeedSource("fine", server.route("/fine", respond(200, _feed(3))))
        report = fetch_feeds(load_site_config(tmp_path), [slow, fine], prune_state=False, limits=FeedLimits(budget=20.0))
    by_name = {f.name: f for f in report.feeds}
    assert by_name["fine"].outcome == "ok" and by_name["fine"].new == 3
    stopped = by_name["slow"]
    assert stopped.outcome == "failed" and stopped.detail.startswith("processing took over 20 s;")
    assert stopped.new == len(list((tmp_path / "content" / "slow").glob("*.md"))) > 0


@pytest.mark.parametrize("budget", ["0", "-5"])
def test_budget_must_be_positive(tmp_path, budget, capsys):
    from generator.cli import main

    (tmp_path / "feeds").mkdir()
    (tmp_path / "feeds" / "f.toml").write_text('[[feed]]\nname = "f"\nurl = "http://127.0.0.1:9/feed"\n')
    assert main(["--root", str(tmp_path), "fetch", "--budget", budget]) == 2
    assert "--budget must be a positive number of seconds" in capsys.readouterr().err
