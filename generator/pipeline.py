"""The one orchestrator of the offline build: content/ in, public/ out, each stage timed.

    load -> markdown -> assemble -> render -> publish

Everything is gathered and rendered in memory before anything is written, so a bad
article or template stops the build with the previous ``public/`` exactly as it was.
"""

from __future__ import annotations

import logging
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator

from .assemble import Post, assemble_pages, make_posts
from .config import load_feed_sources
from .content import filter_published, load_articles
from .markup import MarkdownRenderer, Rendered, pygments_css
from .models import Article, OutputFile, Page, SiteConfig
from .publish import PublishReport, collect_assets, publish
from .render import Renderer
from .search import search_files
from .state import load_state, state_path
from .status import feed_health, status_page
from .syndication import preview_headers, robots, site_feeds, sitemap

__all__ = ["BuildOptions", "BuildReport", "build_site", "render_articles"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class BuildOptions:
    out_dir: Path | None = None  # default: the site's output_dir
    drafts: bool = False
    future: bool = False
    now: datetime | None = None  # the clock, injectable for tests
    noindex: bool = False  # previews: ask search engines to stay away (_headers + robots.txt)


@dataclass
class BuildReport:
    pages: int = 0
    articles: int = 0
    published: PublishReport | None = None
    timings: dict[str, float] = field(default_factory=dict)

    def summary(self) -> str:
        changed = self.published.written + self.published.removed if self.published else 0
        total = sum(self.timings.values())
        return f"built {self.published.total if self.published else 0:,} files ({changed:,} changed) from {self.articles:,} articles in {total:.2f} s"


@contextmanager
def _stage(report: BuildReport, name: str) -> Iterator[None]:
    start = time.perf_counter()
    yield
    report.timings[name] = time.perf_counter() - start
    log.info("%-9s %6.3f s", name, report.timings[name])


def render_articles(articles: list[Article]) -> list[Rendered]:
    """Markdown -> HTML for every article, with one shared renderer."""
    renderer = MarkdownRenderer()
    return [renderer.render(a.body) for a in articles]


def _load(site: SiteConfig, options: BuildOptions) -> tuple[list[Article], list[Article]]:
    """(every article, the ones to publish)."""
    articles = load_articles(site.path("content"), site.timezone)
    now = options.now or datetime.now(timezone.utc)
    return articles, filter_published(articles, now, options.drafts, options.future)


def _outputs(site: SiteConfig, posts: list[Post], options: BuildOptions, health: Page) -> list[OutputFile]:
    asset_files, asset_urls = collect_assets(site.path("static"), {"highlight.css": pygments_css("xcode", "github-dark").encode()})
    renderer = Renderer(site, site.path("templates"), asset_urls)
    pages = assemble_pages(site, posts) + [health]
    files = [renderer.render(page) for page in pages]
    files += site_feeds(site, posts, renderer.absolute)
    files += search_files(posts, renderer)
    modified = {p.url: p.article.updated or p.date for p in posts}
    files.append(sitemap([(pg.url, modified.get(pg.url)) for pg in pages if pg.url != "/404.html"], renderer.absolute))
    files.append(robots(renderer.absolute, noindex=options.noindex))
    if options.noindex:
        files.append(preview_headers())
    return files + asset_files


def build_site(site: SiteConfig, options: BuildOptions = BuildOptions()) -> BuildReport:
    """Build the whole site; raise a GeneratorError (and write nothing) when anything is wrong."""
    report = BuildReport()
    with _stage(report, "load"):
        everything, articles = _load(site, options)
        sources = load_feed_sources(site.path("feeds"))
        states = load_state(state_path(site.path("feeds")))
        health = status_page(feed_health(sources, states, everything))
        feeds = {f.name: f for f in sources}
    with _stage(report, "markdown"):
        rendered = render_articles(articles)
    with _stage(report, "assemble"):
        posts = make_posts(site, articles, rendered, feeds, states)
    with _stage(report, "render"):
        files = _outputs(site, posts, options, health)
    with _stage(report, "publish"):
        report.published = publish(files, options.out_dir or site.path("output"))
    report.articles = len(articles)
    report.pages = len(files)
    return report
