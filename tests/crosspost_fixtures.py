"""The cross-post fixtures (``tests/fixtures/crosspost/``, written for the tests, copying
each platform's markup) as articles in a site's ``content/``, and what they should give.

One author, Ada Marsh, publishes on her Ghost blog (``tidycode``), on dev.to
(``adamarsh``) and on Medium (``adamarsh-medium``); a second Ghost blog (``garden``) is
someone else's. Shared by tests/test_crosspost*.py and bench/crosspost.py.
"""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

from generator.content import GuidIndex, write_article
from generator.fetching.parse import parse_feed
from generator.models import Article, FeedSource, FetchResult
from generator.normalise import normalise_entry

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "crosspost"
NOW = datetime(2026, 3, 1, tzinfo=timezone.utc)
FEEDS = {"ghost.xml": "tidycode", "forem.xml": "adamarsh", "medium.xml": "adamarsh-medium", "ghost-garden.xml": "garden"}

# (feed, title) of the copies of one article: every pair within a set must merge.
COPIES = [
    {("tidycode", "Profiling Python with cProfile"), ("adamarsh", "Profiling Python with cProfile"), ("adamarsh-medium", "Profiling Python code with cProfile")},
    {("tidycode", "Streaming large CSV files"), ("adamarsh", "Streaming Large CSV Files")},  # a paragraph rewritten on dev.to
]
# Different posts that share a title: must stay apart.
APART = [
    {("tidycode", "Weekly notes"), ("adamarsh", "Weekly notes")},
    {("tidycode", "Hello world"), ("adamarsh", "Hello world")},
    {("tidycode", "Welcome to Ghost"), ("garden", "Welcome to Ghost")},
]


def feed_source(file: str) -> FeedSource:
    return FeedSource(name=FEEDS[file], url=f"https://feeds.example/{file}")


def fixture_articles(file: str) -> list[Article]:
    """One fixture feed, parsed and normalised as ``fetch`` does it."""
    source = feed_source(file)
    result = FetchResult(source=source, status="ok", url=source.url, body=(FIXTURES / file).read_bytes())
    return [normalise_entry(entry, source) for entry in parse_feed(result, source, {}, NOW).entries]


def write_fixture_content(content_dir: Path, files=tuple(FEEDS), titles: set[str] | None = None) -> dict[tuple[str, str], str]:
    """Write the articles of these fixture feeds (only those titled ``titles``, if given)
    as ``fetch`` would; return (feed, title) -> path under content/."""
    index, written = GuidIndex(content_dir), {}
    for file in files:
        for article in fixture_articles(file):
            if titles is None or article.title in titles:
                path = write_article(content_dir, article, index).path
                written[(article.source, article.title)] = path.relative_to(content_dir).as_posix()
    return written
