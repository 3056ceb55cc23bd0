"""Shared helpers for the normalise tests: fixture feeds parsed the way fetch does it."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

from generator.fetching.parse import parse_feed
from generator.models import Entry, FeedSource, FetchResult

HERE = Path(__file__).resolve().parent
FIXTURES = HERE / "fixtures" / "platforms"
GOLDEN = HERE / "golden" / "normalise"
NOW = datetime(2026, 3, 10, 12, 0, tzinfo=timezone.utc)
FIXTURE_FILES = sorted(p for p in FIXTURES.iterdir() if p.is_file())


def source_for(path: Path) -> FeedSource:
    return FeedSource(name=path.stem, url=f"https://feeds.example/{path.name}", tags=("aggregated",))


def fixture_entries(path: Path) -> list[Entry]:
    source = source_for(path)
    result = FetchResult(source=source, status="ok", url=source.url, body=path.read_bytes())
    return parse_feed(result, source, {}, NOW).entries
