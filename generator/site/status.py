"""The feed-health page (``/status/``): every feed, how its last fetch went, what it gave.

Built from ``feeds/*.toml``, ``feeds/state.json`` and the articles in ``content/``, so
it needs no network. It answers the planet reader's most common question, "why does
my post not show?": broken feeds come first, with the last error in words.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Mapping

from generator.models import Article, FeedSource, FeedState, Page
from generator.site.assemble import PLATFORM_NAMES

__all__ = ["FeedHealth", "feed_health", "status_page"]


@dataclass(frozen=True)
class FeedHealth:
    name: str
    title: str
    url: str
    platform: str
    enabled: bool
    last_success: str | None
    last_error: str | None
    consecutive_failures: int
    articles: int
    newest: datetime | None
    permanent_redirect: str | None

    @property
    def broken(self) -> bool:
        return self.consecutive_failures > 0

    @property
    def platform_name(self) -> str:
        return PLATFORM_NAMES.get(self.platform, self.platform or "unknown")

    @property
    def source_url(self) -> str:
        return f"/sources/{self.name}/"


def feed_health(
    sources: list[FeedSource], states: Mapping[str, FeedState], articles: list[Article]
) -> list[FeedHealth]:
    """One row per configured feed (plus feeds that only have articles left); broken first."""
    counts: dict[str, int] = {}
    newest: dict[str, datetime] = {}
    platforms: dict[str, str] = {}
    for article in articles:
        if article.source:
            counts[article.source] = counts.get(article.source, 0) + 1
            newest[article.source] = max(article.date, newest.get(article.source, article.date))
            platforms.setdefault(article.source, article.platform)
    by_name = {s.name: s for s in sources}
    rows = []
    for name in sorted(set(by_name) | set(counts)):
        source, state = by_name.get(name), states.get(name, FeedState())
        rows.append(
            FeedHealth(
                name=name,
                title=(source.title if source else "") or state.title or name,
                url=source.url if source else "",
                platform=(source.platform if source and source.platform else state.platform or platforms.get(name, "")),
                enabled=source.enabled if source else False,
                last_success=state.last_success,
                last_error=state.last_error if state.consecutive_failures else None,
                consecutive_failures=state.consecutive_failures,
                articles=counts.get(name, 0),
                newest=newest.get(name),
                permanent_redirect=state.permanent_redirect,
            )
        )
    return sorted(rows, key=lambda r: (not r.broken, -r.consecutive_failures, r.name))


def status_page(rows: list[FeedHealth]) -> Page:
    broken = sum(1 for r in rows if r.broken)
    # A feed fetched never, and not failing either (the site was built offline, or before
    # the first scheduled fetch), is not "healthy": the summary counts it apart.
    unfetched = sum(1 for r in rows if r.enabled and not r.broken and not r.last_success)
    context = {"feeds": rows, "broken": broken, "unfetched": unfetched}
    return Page(url="/status/", template="status.html", context=context, output="status/index.html")
