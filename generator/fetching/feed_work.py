"""The CPU half of one feed, after its download: parse, select, normalise, write, within a budget.

    FetchResult --parse--> [Entry] --select (filters, newest N)--> --normalise--> Article --write--> content/<feed>/

It runs in a worker (a thread or a process of ``harvest``'s pool) and never raises. Its
limits are a :class:`FeedLimits`: a time budget covering the feed's whole processing
(the download's time is taken off it), the newest ``max_items`` items of the feed (200
when the feed says nothing), and the Markdown size of one article. Items are
normalised and written newest first, one at a time, so a feed stopped by its budget
keeps what it stored and says how far it got.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Mapping, Sequence

from generator.content import GuidIndex, write_article
from generator.errors import FetchError
from generator.models import Entry, FeedSource, FetchResult, SiteConfig

__all__ = ["FeedLimits", "Processed", "process_feed", "select_entries"]

DEFAULT_BUDGET = 60.0  # seconds for one feed: download, parse, normalise and write
DEFAULT_ARTICLE_BYTES = SiteConfig.max_article_kb * 1024  # Markdown of one article body: site.toml's default


@dataclass(frozen=True)
class FeedLimits:
    """What one feed may cost; ``harvest`` passes it to every worker."""

    budget: float = DEFAULT_BUDGET  # seconds, the download included
    max_article_bytes: int = DEFAULT_ARTICLE_BYTES  # a longer body is cut at a block, with a note


@dataclass(frozen=True)
class Processed:
    """What the CPU half of one feed produced (sent back from a worker process).

    ``stopped`` is set when the budget ran out: the feed failed, but the articles counted
    here were written and stay."""

    new: int = 0
    updated: int = 0
    unchanged: int = 0
    platform: str = ""
    first_seen: dict[str, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    filtered_out: int = 0
    error: str | None = None
    title: str = ""
    link: str = ""
    capped: int = 0  # items past the newest max_items, not read
    stopped: str | None = None
    new_paths: tuple[str, ...] = ()  # files created, relative to content/ (their slugs are settled after the run)


# ---------------------------------------------------------------- selecting entries


def _matches(entry: Entry, rule: str) -> bool:
    """A rule is a tag name (case-insensitive) or ``re:<regex>`` searched in the title."""
    if rule.startswith("re:"):
        return re.search(rule[3:], entry.title, re.IGNORECASE) is not None
    return rule.casefold() in {tag.casefold() for tag in entry.tags}


def _passes_filters(entry: Entry, source: FeedSource) -> bool:
    return (not source.include or any(_matches(entry, r) for r in source.include)) and not any(
        _matches(entry, r) for r in source.exclude
    )


def select_entries(entries: Sequence[Entry], source: FeedSource) -> list[Entry]:
    """Apply the feed's include/exclude filters, then keep its newest ``max_items``, newest first."""
    kept = [e for e in entries if _passes_filters(e, source)]
    kept.sort(key=lambda e: (e.published, e.id), reverse=True)
    return kept[: source.max_items]


# ---------------------------------------------------------------- the work


def _count(n: int) -> str:
    return f"{n:,}"


def process_feed(
    result: FetchResult, first_seen: Mapping[str, str], now: datetime, content_dir: Path,
    limits: FeedLimits = FeedLimits(),
) -> Processed:
    """Parse, select, normalise and write one fetched feed within ``limits``; never raises.

    Writing happens here too: turning an article into YAML and Markdown costs as much as
    parsing it, and each feed owns its own folder (``content/<name>/``), so workers never
    write the same file and each needs a GuidIndex of its own folder only.
    """
    from generator.fetching.parse import parse_feed  # imported here: a run of 304s never loads the parsers

    deadline = time.monotonic() + max(0.0, limits.budget - result.elapsed)
    source = result.source
    try:
        parsed = parse_feed(result, source, first_seen, now)
    except FetchError as exc:
        return Processed(error=exc.reason)
    except Exception as exc:  # a parser bug on one feed must not stop the others
        return Processed(error=f"cannot parse: {type(exc).__name__}: {exc}")
    filtered = sum(1 for e in parsed.entries if _passes_filters(e, source))
    entries = select_entries(parsed.entries, source)
    done = _normalise_and_write(entries, source, content_dir, limits, deadline)
    stopped = None
    if done.handled < len(entries) and done.error is None:
        stopped = (f"processing took over {limits.budget:g} s; {_count(done.stored)} of "
                   f"{_count(len(entries))} items stored")
    return Processed(
        done.new, done.updated, done.unchanged, parsed.platform, parsed.first_seen,
        [*parsed.warnings, *done.warnings], len(parsed.entries) - filtered, done.error,
        parsed.title, parsed.link, capped=filtered - len(entries), stopped=stopped, new_paths=tuple(done.new_paths),
    )


@dataclass
class _Tally:
    """What the normalise-and-write loop has done so far."""

    new: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0
    warnings: list[str] = field(default_factory=list)
    error: str | None = None
    new_paths: list[str] = field(default_factory=list)

    @property
    def stored(self) -> int:
        return self.new + self.updated + self.unchanged

    @property
    def handled(self) -> int:
        return self.stored + self.skipped


def _normalise_and_write(
    entries: Sequence[Entry], source: FeedSource, content_dir: Path, limits: FeedLimits, deadline: float
) -> _Tally:
    """Newest first, one article at a time, until done or out of time."""
    from generator.normalise import normalise_item

    tally = _Tally()
    index = GuidIndex(content_dir)
    for entry in entries:
        if time.monotonic() > deadline:
            break
        try:
            item = normalise_item(entry, source, limits.max_article_bytes)
        except Exception as exc:  # one broken item must not lose the others
            tally.warnings.append(f"item {entry.id!r} skipped: {type(exc).__name__}: {exc}")
            tally.skipped += 1
            continue
        if item.cut:
            tally.warnings.append(f"item {entry.id!r} cut at {limits.max_article_bytes // 1024:,} KB of Markdown")
        try:
            written = write_article(content_dir, item.article, index)
        except OSError as exc:
            tally.error = f"cannot write to {content_dir.name}/{source.name}/: {exc.strerror or exc}"
            break
        outcome = written.outcome
        if outcome == "new":
            tally.new_paths.append(written.path.relative_to(content_dir).as_posix())
        setattr(tally, outcome, getattr(tally, outcome) + 1)
    return tally
