"""The parse stage: one fetched feed body in, its entries out.

Reading the formats is ``readers.py``'s (RSS, Atom, JSON Feed to raw items), telling
what a body is and which platform made the feed ``sniff.py``'s. This module owns what
makes raw items entries: every entry a stable unique id, a title (a title-less
microblog post gets its first words), whether it is only an excerpt, and dates in
aware UTC that never jump: an item without a date keeps the time it was first seen, a
future date is clamped to now, and a re-dated item never moves later than when it was
first seen.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Mapping

from generator.errors import FetchError
from generator.fetching.readers import RawItem, from_iso, read_feed
from generator.fetching.sniff import BLOCK_HTML, detect_platform
from generator.models import PLATFORMS, Entry, FeedSource, FetchResult
from generator.people import person_name
from generator.text import plain_text, writable

__all__ = ["ParsedFeed", "parse_feed", "iso_utc", "STAND_IN_BASE", "STAND_IN_LIMIT"]

# A body that only says "read more" is an excerpt: these are the usual endings.
EXCERPT_ENDINGS = ("…", "...", "[…]", "[...]", "&hellip;", "Read more", "Continue reading")
EXCERPT_MAX_CHARS = 500  # a short single-paragraph body without a full-content element is an excerpt


@dataclass(frozen=True)
class ParsedFeed:
    """What one feed says: its title, link, platform, entries and any warnings."""

    title: str
    link: str
    platform: str  # forem | ghost | gridsome | generic
    entries: list[Entry]
    warnings: list[str] = field(default_factory=list)
    first_seen: dict[str, str] = field(default_factory=dict)  # entry id -> ISO UTC time first seen


# ---------------------------------------------------------------- small helpers


def iso_utc(moment: datetime) -> str:
    """``2026-01-31T09:30:00Z``: the form first-seen times are remembered in."""
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _short_hash(*parts: str) -> str:
    return hashlib.sha1("\x1f".join(parts).encode("utf-8")).hexdigest()[:12]


# ---------------------------------------------------------------- identity and dates


MAX_ID = 1024  # a longer guid (or link used as one) is known by its hash


def _base_ids(raws: list[RawItem]) -> list[str]:
    ids = [r.guid or writable(r.link_id) or f"urn:sha1:{_short_hash(r.title, r.content)}" for r in raws]
    return [i if len(i) <= MAX_ID else f"urn:sha1:{_short_hash(i)}" for i in ids]


def _unique_ids(raws: list[RawItem]) -> list[str]:
    """Ids unique within the feed; shared guids/links get a suffix from the title.

    A real Gridsome feed gives every item the link ``/blog/undefined``: those items are
    different articles, so each gets ``<link>#<hash of its title>`` (then ``-2``, ``-3``
    in content order when even the titles are equal), stable from one fetch to the next.
    """
    ids = _base_ids(raws)
    counts = Counter(ids)
    result = [i if counts[i] == 1 else f"{i}#{_short_hash(r.title)}" for i, r in zip(ids, raws, strict=True)]
    counts = Counter(result)
    seen: Counter[str] = Counter()
    order = sorted(range(len(raws)), key=lambda n: (_short_hash(raws[n].content), n))
    final = list(result)
    for n in order:
        key = result[n]
        if counts[key] > 1:
            seen[key] += 1
            final[n] = key if seen[key] == 1 else f"{key}-{seen[key]}"
    return final


# Undated items of a feed's first fetch are not news: they get stand-in times just after
# this moment (one second apart, in the feed's order), below every dated article, kept in
# first_seen so they never move; a time before STAND_IN_LIMIT is known to be a stand-in.
STAND_IN_BASE = datetime(1970, 1, 1, tzinfo=timezone.utc)
STAND_IN_LIMIT = datetime(1971, 1, 1, tzinfo=timezone.utc)


def _stand_in_dates(raws: list[RawItem], ids: list[str], first_seen: dict[str, str], now: datetime) -> None:
    """On a feed's first fetch (nothing seen yet), record stand-in times for its undated
    items: the feed's first item the newest, each one second below the one before."""
    if first_seen:
        return
    undated = [entry_id for raw, entry_id in zip(raws, ids, strict=True) if raw.published is None]
    for place, entry_id in enumerate(undated):
        first_seen[entry_id] = iso_utc(STAND_IN_BASE + timedelta(seconds=len(undated) - place))


def _settle_date(
    raw: RawItem, entry_id: str, first_seen: dict[str, str], now: datetime
) -> tuple[datetime, bool]:
    """The entry's date: its own, never after now, never after it was first seen; and
    whether it is known (False: a stand-in from the feed's first fetch)."""
    seen = from_iso(first_seen[entry_id]) if entry_id in first_seen else None
    if seen is None:
        seen = now
        first_seen[entry_id] = iso_utc(now)
    date = min(raw.published or seen, seen, now)
    return date, date >= STAND_IN_LIMIT


# ---------------------------------------------------------------- entries


def _title_of(raw: RawItem) -> str:
    title = plain_text(raw.title)
    if title:
        return title
    # A title-less microblog post: the feed's own summary, else the body's first words.
    words = plain_text(raw.summary_html) or plain_text(
        raw.content if raw.content_type != "markdown" else re.sub(r"[#*_`>\[\]]", "", raw.content)
    )
    if not words:
        return "Untitled"
    if len(words) <= 60:
        return words
    return words[:60].rsplit(" ", 1)[0] + "…"


def _is_excerpt(raw: RawItem) -> bool:
    if raw.has_full_content or not raw.content.strip():
        return not raw.content.strip()
    text = plain_text(raw.content)
    if text.endswith(EXCERPT_ENDINGS):
        return True
    paragraphs = len(re.findall(r"<p[\s>]", raw.content, re.I))
    return len(text) < EXCERPT_MAX_CHARS and paragraphs <= 1 and not BLOCK_HTML.search(raw.content.replace("<p>", ""))


def _summary_of(raw: RawItem) -> str:
    """The feed's own summary as plain text, when it differs from the body."""
    if not raw.summary_html or raw.summary_html == raw.content:  # feedparser copies content there
        return ""
    summary = plain_text(raw.summary_html)
    body = plain_text(raw.content)
    return "" if summary == body else summary


def _entry_from_raw(raw: RawItem, entry_id: str, date: datetime, source: FeedSource, platform: str, feed_title: str) -> Entry:
    kind = raw.content_type
    return Entry(
        source=source.name,
        id=entry_id,
        title=_title_of(raw),
        link=raw.link,
        published=date,
        content=raw.content,
        content_type=kind,
        platform=platform,
        base_url=raw.base or raw.link,
        author=person_name(plain_text(raw.author)),
        updated=raw.updated if raw.updated and raw.updated != raw.published else None,
        tags=tuple(dict.fromkeys(t for t in (plain_text(t) for t in raw.tags) if t)),
        summary=_summary_of(raw),
        is_excerpt=_is_excerpt(raw),
        feed_title=plain_text(feed_title),
        image=raw.image,
    )


def parse_feed(
    result: FetchResult, source: FeedSource, first_seen: Mapping[str, str], now: datetime
) -> ParsedFeed:
    """Parse one fetched body into entries; raise FetchError when it is not a usable feed."""
    now = now.astimezone(timezone.utc) if now.tzinfo else now.replace(tzinfo=timezone.utc)
    seen = dict(first_seen)
    if result.status == "failed":
        raise FetchError(source.name, result.error or "fetch failed")
    if result.status == "not_modified":
        return ParsedFeed(source.title, "", source.platform or "generic", [], [], seen)
    feed = read_feed(result, source)
    raws = feed.items
    platform = source.platform if source.platform in PLATFORMS else detect_platform(
        feed.generator, feed.link or result.url, feed.description, [r.content for r in raws]
    )
    ids = _unique_ids(raws)
    _stand_in_dates(raws, ids, seen, now)
    entries = []
    for raw, entry_id in zip(raws, ids, strict=True):
        date, known = _settle_date(raw, entry_id, seen, now)
        entry = _entry_from_raw(raw, entry_id, date, source, platform, feed.title or source.title)
        entries.append(entry if known else dataclasses.replace(entry, date_known=False))
    return ParsedFeed(plain_text(feed.title) or source.title, feed.link, platform, entries, feed.warnings, seen)
