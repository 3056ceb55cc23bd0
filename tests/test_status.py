"""status.py and /status/: feed health from feeds/*.toml, feeds/state.json and content/."""

from __future__ import annotations

import json
from datetime import datetime, timezone

from bs4 import BeautifulSoup
from conftest import post

from generator.config import load_site_config
from generator.pipeline import BuildOptions, build_site

FEEDS = """
[[feed]]
name = "healthy"
url = "https://ok.example/feed/"
title = "Healthy Blog"
platform = "ghost"

[[feed]]
name = "broken"
url = "https://broken.example/rss"

[[feed]]
name = "quiet"
url = "https://quiet.example/feed.xml"
"""
STATE = {
    "version": 1,
    "feeds": {
        "healthy": {"last_success": "2025-01-01T10:00:00Z", "etag": "\"x\""},
        "broken": {"last_success": "2024-12-01T10:00:00Z", "last_error": "HTTP 404", "consecutive_failures": 3},
    },
}


def test_status_page_lists_broken_feeds_first_with_reasons(make_site):
    root = make_site({
        "feeds/feeds.toml": FEEDS,
        "feeds/state.json": json.dumps(STATE),
        "content/healthy/2024-12-30-a.md": post("A", "2024-12-30", source="healthy", guid="1", platform="ghost"),
        "content/healthy/2024-12-31-b.md": post("B", "2024-12-31", source="healthy", guid="2", platform="ghost"),
        "content/broken/2024-11-01-c.md": post("C", "2024-11-01", source="broken", guid="3"),
    })
    build_site(load_site_config(root), BuildOptions(now=datetime(2025, 2, 1, tzinfo=timezone.utc)))
    soup = BeautifulSoup((root / "public/status/index.html").read_text(), "html.parser")
    rows = soup.select("table.status-table tbody tr")
    names = [r.find("th").get_text(" ", strip=True).split(" ")[0] for r in rows]
    assert names[0] == "broken" and set(names) == {"broken", "Healthy", "quiet"}
    broken = [c.get_text(strip=True) for c in rows[0].find_all("td")]
    assert broken[2] == "HTTP 404" and broken[3] == "3" and broken[4] == "1"
    healthy = next(r for r in rows if "Healthy Blog" in r.get_text())
    cells = [c.get_text(strip=True) for c in healthy.find_all("td")]
    assert cells[0] == "Ghost" and cells[1].startswith("2025-01-01 10:00") and cells[2] == "none"
    assert cells[4] == "2" and cells[5] == "31 December 2024"
    quiet = next(r for r in rows if "quiet" in r.get_text())
    assert [c.get_text(strip=True) for c in quiet.find_all("td")][1] == "never"
    summary = " ".join(soup.find("h1").find_next("p").get_text().split())
    assert summary.startswith("3 feeds, 1 failing (listed first), 1 not fetched yet.")


def test_status_page_says_all_healthy_only_when_every_feed_was_fetched(make_site):
    state = {"version": 1, "feeds": {name: {"last_success": "2025-01-01T10:00:00Z"} for name in ("healthy", "broken", "quiet")}}
    root = make_site({"feeds/feeds.toml": FEEDS, "feeds/state.json": json.dumps(state)})
    build_site(load_site_config(root), BuildOptions(now=datetime(2025, 2, 1, tzinfo=timezone.utc)))
    assert "3 feeds, all healthy." in (root / "public/status/index.html").read_text()
    (root / "feeds/state.json").unlink()  # a first build, offline: nothing fetched yet
    build_site(load_site_config(root), BuildOptions(now=datetime(2025, 2, 1, tzinfo=timezone.utc)))
    page = (root / "public/status/index.html").read_text()
    assert "3 feeds, 3 not fetched yet." in page and "healthy." not in page


def test_status_page_without_feeds(make_site):
    root = make_site({"content/posts/a.md": post("A", "2024-01-01")})
    build_site(load_site_config(root), BuildOptions(now=datetime(2025, 2, 1, tzinfo=timezone.utc)))
    assert "No feeds are configured" in (root / "public/status/index.html").read_text()


def test_feed_title_from_state_when_config_gives_none(make_site):
    state = {"version": 1, "feeds": {"quiet": {"title": "The Quiet Blog", "link": "https://quiet.example/"}}}
    root = make_site({
        "feeds/feeds.toml": FEEDS,
        "feeds/state.json": json.dumps(state),
        "content/quiet/2024-12-30-a.md": post("A", "2024-12-30", source="quiet", guid="1"),
    })
    build_site(load_site_config(root), BuildOptions(now=datetime(2025, 2, 1, tzinfo=timezone.utc)))
    status = (root / "public/status/index.html").read_text()
    assert "The Quiet Blog" in status
    page = BeautifulSoup((root / "public/posts/a/index.html").read_text(), "html.parser")
    assert page.select_one(".byline").get_text(" ", strip=True).count("The Quiet Blog") == 1
    source_page = BeautifulSoup((root / "public/sources/quiet/index.html").read_text(), "html.parser")
    assert source_page.find("a", href="https://quiet.example/") is not None
