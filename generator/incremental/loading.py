"""Reading ``content/`` for a build, through the build cache.

Unchanged files (same stamp, same hash) are neither read nor parsed again: their
front matter, HTML, reading time and search text come from the cache (the HTML is
read from disk only if a page needs it). New and changed
files are parsed here, or, when there are many, parsed and rendered on all cores.
Every bad file is reported at once.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import lru_cache, partial
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Mapping, NamedTuple, Sequence

from generator.errors import ContentError, ContentErrors
from generator.files import find_articles
from generator.incremental import cache as cachelib
from generator.incremental import parallel
from generator.incremental.digests import sha1
from generator.incremental.frontmatter import Meta
from generator.incremental.parallel import Progress
from generator.models import Article, BuildOptions, Rendered, SiteConfig

if TYPE_CHECKING:
    from generator.site.assemble import Post
    from generator.site.crosspost import CrossPosts

__all__ = [
    "ContentRow", "Known", "Sources", "published", "scan_content", "read_content", "search_version", "store_search_fields", "cached_search_fields",
    "detect_crossposts",
]

log = logging.getLogger(__name__)



class ContentRow(NamedTuple):
    """One file of content/ as the scan found it."""

    rel: str  # relative to content/
    file: str  # its absolute path
    sha: str  # sha1 of its bytes
    data: bytes | None  # its bytes, when they had to be read (None: its stamp vouched for it)


@dataclass(frozen=True)
class Known:
    """An article's rendering as this build knows it: HTML and toc (``cache.StoredRendered``
    when they are still on disk), reading time, and the cached automatic summary."""

    rendered: Rendered
    reading_time: int
    summary: tuple[int, str] | None = None  # (length limit, text)


@dataclass
class Sources:
    """Every content file: its sha1, and the parsed article (all of them, published or not)."""

    shas: dict[str, str] = field(default_factory=dict)  # rel path -> sha1
    articles: list[Article] = field(default_factory=list)
    cached: dict[str, Known] = field(default_factory=dict)  # rel path -> rendering from the cache
    fresh: dict[str, Known] = field(default_factory=dict)  # rel path -> rendering made while loading
    search: dict[str, tuple[str, str]] = field(default_factory=dict)  # rel path -> search.encoded_text_fields, made while loading
    meta: dict[str, Meta | None] = field(default_factory=dict)  # rel path -> cache.article_to_json, made while loading
    stored: set[str] = field(default_factory=set)  # rel paths of ``fresh`` the loader put in the cache already


def published(sources: Sources, options: BuildOptions) -> list[Article]:
    from generator.content import filter_published

    now = options.now or datetime.now(timezone.utc)
    return filter_published(sources.articles, now, options.drafts, options.future)


def scan_content(site: SiteConfig, cache: cachelib.BuildCache | None) -> list[ContentRow]:
    """Every content file, with its sha1; unchanged files are not read."""
    rows = []
    for rel, file in find_articles(site.path("content")):
        if cache is not None:
            sha, data = cache.read_source(file, rel)
        else:
            with open(file, "rb") as fh:
                data = fh.read()
            sha = sha1(data)
        rows.append(ContentRow(rel, file, sha, data))
    return rows


class _Miss(NamedTuple):
    """A content file the cache could not give: to be parsed, into ``slot`` of the articles."""

    slot: int
    row: ContentRow


def read_content(site: SiteConfig, cache: cachelib.BuildCache | None, rows: list[ContentRow], workers: int | None = 1, progress: Progress | None = None) -> Sources:
    """Parse every content file (or take it from the cache); report every bad file at once.

    Many new files (a clean build) are parsed and rendered together by a process pool,
    so that YAML, Markdown and Pygments all run on every core.
    """
    sources, errors = Sources(), list[ContentError]()
    slots: list[Article | None] = []
    misses: list[_Miss] = []
    for row in rows:
        sources.shas[row.rel] = row.sha
        hit = cache.article(row.sha, row.rel, partial(remake, row.file, row.rel, site.timezone)) if cache is not None else None
        if cache is not None and hit is not None:
            slots.append(hit.article)
            if hit.rendered is not None:
                sources.cached[row.rel] = Known(hit.rendered, hit.reading_time, hit.summary)
            else:
                cache.put(row.sha, hit.article, None, 0)  # still in use: keep it
        else:
            misses.append(_Miss(len(slots), row))
            slots.append(None)
    if parallel.worker_count(len(misses), workers) > 1:
        parse_in_pool(site, cache, misses, slots, sources, errors, workers, progress)
    else:
        parse_here(site, cache, misses, slots, sources, errors)
    if errors:
        raise ContentErrors(errors, site.content_dir)
    sources.articles = [a for a in slots if a is not None]
    return sources


def parse_here(site: SiteConfig, cache: cachelib.BuildCache | None, misses: list[_Miss], slots: list[Article | None], sources: Sources, errors: list[ContentError]) -> None:
    from zoneinfo import ZoneInfo

    from generator.content import parse_article_bytes

    tz = ZoneInfo(site.timezone)
    for slot, row in misses:
        try:
            data = row.data if row.data is not None else parallel.scanned_bytes(row.rel, row.file, row.sha)
            slots[slot] = parse_article_bytes(data, row.rel, tz)
        except ContentError as exc:
            errors.append(exc)
            continue
        known = cache.rendered(row.sha, partial(remake, row.file, row.rel, site.timezone)) if cache is not None else None
        if known is not None:
            sources.cached[row.rel] = Known(*known)


def parse_in_pool(site: SiteConfig, cache: cachelib.BuildCache | None, misses: list[_Miss], slots: list[Article | None], sources: Sources,
                  errors: list[ContentError], workers: int | None, progress: Progress | None) -> None:
    """Parse and render in a pool; with a cache, each result is stored in its pack as it
    comes back and only a handle kept (``Sources.stored``): held until the end, a clean
    build's HTML and search text (25 KB a post) made most of its peak memory."""
    # What the workers run, imported before the pool forks them (the build needs it later
    # anyway): otherwise each worker imports it again, 0.1 s of CPU apiece.
    import generator.site.crosspost  # noqa: F401
    import generator.site.markup  # noqa: F401
    import generator.site.search  # noqa: F401

    jobs = [(row.rel, row.file, row.sha, site.timezone) for _, row in misses]  # each worker reads its files
    for (slot, row), result in zip(misses, parallel.iter_chunks(parallel.parse_render_chunk, jobs, workers, progress), strict=True):
        if result[0] == "error":
            errors.append(ContentError(row.rel, result[1], result[2]))
            continue
        _, article, rendered, minutes, words, meta, declared = result
        slots[slot] = article
        if cache is None:
            sources.fresh[row.rel] = Known(rendered, minutes)
            sources.search[row.rel] = words
            sources.meta[row.rel] = meta
            continue
        sources.fresh[row.rel] = Known(cache.put(row.sha, article, rendered, minutes, meta, made=True) or rendered, minutes)
        cache.search_fields(row.sha, search_version(), partial(tuple, words))
        cache.declared(row.sha, crosspost_version(), partial(list, declared))
        sources.stored.add(row.rel)
    if cache is not None:
        cache.flush()  # the handles read the pack


def remake(file: str, rel: str, zone: str) -> Rendered:
    """Parse and render one file again (its cached HTML turned out damaged)."""
    from zoneinfo import ZoneInfo

    from generator.content import parse_article_bytes
    from generator.site.markup import MarkdownRenderer

    article = parse_article_bytes(Path(file).read_bytes(), rel, ZoneInfo(zone))
    return MarkdownRenderer().render(article.body, untrusted=article.imported)


@lru_cache(maxsize=1)
def search_version() -> str:
    """search.py's hash: cached search text made by other search code is made again."""
    from generator.site import search

    return sha1(Path(search.__file__).read_bytes())[:16]


def store_search_fields(cache: cachelib.BuildCache, sources: Sources, path: str) -> None:
    """Move search text a pool made from memory to the cache's pack (18 MB at 5,000 posts:
    held until the search index is made, it would push a clean build's peak past 300 MB)."""
    words = sources.search.pop(path, None)
    if words is not None:
        cache.search_fields(sources.shas[path], search_version(), lambda: words)


def cached_search_fields(cache: cachelib.BuildCache | None, shas: Mapping[str, str], made: Mapping[str, Sequence[str]] | None = None) -> Callable[[Post], Sequence[str]]:
    """Each post's search-index text (``search.post_text_fields``), for every build, quick
    or not: from the cache (by the sha1 of its file), from ``made`` (by a pool, while
    loading), or made now and cached: only an edited post's HTML is turned into words again."""
    from generator.site import search

    def compute(post: Post) -> Sequence[str]:
        return (made or {}).get(post.article.path) or search.post_text_fields(post)

    if cache is None:
        return compute
    version = search_version()
    return lambda post: cache.search_fields(shas.get(post.article.path), version, lambda: compute(post))


@lru_cache(maxsize=1)
def crosspost_version() -> str:
    """crosspost.py's hash: URLs a file names as its original, cached by older code, are found again."""
    from generator.site import crosspost

    return sha1(Path(crosspost.__file__).read_bytes())[:16]


def detect_crossposts(site: SiteConfig, cache: cachelib.BuildCache | None, sources: Sources, articles: list[Article]) -> CrossPosts:
    """``crosspost.find_crossposts`` over the published articles, with what each file names
    as its original taken from the cache (a body is read only when that is unknown, or
    when the file shares its title with another feed's); ``-v`` logs every decision."""
    from generator.content import read_body
    from generator.site.crosspost import declared_urls, find_crossposts

    content = site.path("content")

    def body(article: Article) -> str:  # the cache and the pool keep no Markdown
        return article.body or read_body(content / article.path)

    def declared(article: Article) -> list[str]:
        def compute() -> list[str]:
            return list(declared_urls(body(article), article.original_url))

        if cache is None:
            return list(compute())
        return cache.declared(sources.shas.get(article.path), crosspost_version(), compute)

    found = find_crossposts(articles, declared, body)
    for group in found.groups:
        log.debug("cross-post: %s shown once, at the URL of %s (%s)", " + ".join(group.members), " or ".join(group.earliest), "; ".join(group.reasons))
    for pair in found.apart:
        log.debug("cross-post: kept apart: %s", pair)
    for problem in found.problems:
        log.warning("%s", problem)
    return found
