"""The one orchestrator of the offline build: content/ in, public/ out, each stage timed.

    scan -> (nothing changed? done) -> (a few body edits? the quick path) ->
    load -> markdown -> assemble -> render (+ syndicate, meanwhile) -> publish -> save

``build_site`` reads as that list. A :class:`~generator.incremental.run.BuildRun` carries
what the stages share; each stage's own time lands in ``BuildReport.timings``.

Pages are rendered into a staging folder beside the output (``publish.Staging``) and
published only when every page is made, so a bad article or template stops the build
with the previous ``public/`` exactly as it was.

Builds are incremental through the cache in ``.cache/build/`` (``incremental/``; see
``docs/BUILD-CACHE.md``):

- when every input is the same as last time (code, config, options, templates, static,
  feeds, content) and the clock is inside the last build's publish window (the same
  posts are published *now*: ``incremental/window.py``), nothing is done at all;
- when only the bodies of a few posts changed, the quick path (``incremental/quick.py``)
  makes just their pages and search shards;
- otherwise an unchanged content file is neither parsed nor rendered again (its front
  matter, HTML and reading time come from the cache), and a page whose template inputs
  did not change is not rendered again when its file is still on disk as the last build
  left it (``incremental/reuse.py``).

``BuildOptions(clean=True)`` (``build --clean``) ignores the cache and rebuilds it.
Work that is big enough runs on all cores (``incremental/parallel.py``): many new files
are parsed and rendered by a process pool (so in a clean build the "load" stage includes
Markdown), and many pages are rendered by forked workers.
"""

from __future__ import annotations

import sys
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Iterator

from generator.config import load_feed_sources
from generator.fetching.state import load_state, state_path
from generator.incremental.cache import BuildCache
from generator.incremental.digests import digest_parts
from generator.incremental.entries import cached_summary
from generator.incremental.loading import (
    Known,
    Sources,
    cached_search_fields,
    detect_crossposts,
    published,
    read_content,
    scan_content,
    store_search_fields,
)
from generator.incremental.pagememo import PageMemo
from generator.incremental.parallel import render_articles
from generator.incremental.quick import quick_build
from generator.incremental.renderer import make_renderer
from generator.incremental.reuse import (
    Made,
    PageReuse,
    SearchFields,
    feed_articles,
    remember_group,
    render_pages,
    reused_feeds,
    reused_file,
    search_files,
)
from generator.incremental.run import BuildRun, Progress, ProgressBars, cache_dir, remember_build
from generator.incremental.signature import build_signature, cache_key, site_digests
from generator.incremental.window import publish_window
from generator.models import (
    Article,
    BuildOptions,
    BuildReport,
    FeedSource,
    FeedState,
    OutputFile,
    Page,
    Rendered,
    SiteConfig,
)
from generator.site.outdir import check_output_dir
from generator.site.publish import PublishReport, StagedFile, Staging, publish, write_staged
from generator.slugs import UrlMemory

if TYPE_CHECKING:
    from generator.site.assemble import Post
    from generator.site.crosspost import CrossPosts
    from generator.site.render import Renderer

# The stages' own modules (Markdown, Pygments, Jinja2, YAML: 0.2 s of imports) are
# imported where they are first needed, so that a build with nothing to do never pays for them.

__all__ = ["BuildOptions", "BuildReport", "build_site", "render_articles"]

PROGRESS_THRESHOLD = 200  # show a progress bar for stages with at least this many items
KNOWN_BLOCKS_LIMIT = 32  # edited posts whose earlier code blocks are looked up (a few edits, not a new site)
DEFAULT_OPTIONS = BuildOptions()


def build_site(site: SiteConfig, options: BuildOptions = DEFAULT_OPTIONS) -> BuildReport:
    """Build the whole site; raise a GeneratorError (and write nothing) when anything is wrong."""
    run = _start(site, options)
    with _progress_bars(run.options.progress) as bars:
        run.bars = bars
        with run.stage("load"):
            _scan(run)
            if _nothing_changed(run):
                return run.report
        if run.manifest is not None and run.manifest.listings:
            with run.stage("quick"):
                if quick_build(run):
                    return run.report
        _full_build(run)
    return run.report


def _full_build(run: BuildRun) -> None:
    """The stages proper, for a build that has something to do."""
    with run.stage("load"):
        loaded = _load(run)
    with run.stage("markdown"):
        known = _markdown(run, loaded)
    with run.stage("assemble"):
        site_map = _assemble(run, loaded, known)
    with Staging(run.out_dir) as staging:  # pages rendered by workers go straight to disk
        with run.stage("render"):  # the "syndicate" stage runs inside, while workers render
            files, reuse = _render(run, loaded, site_map, staging.path)
        with run.stage("publish"):
            _publish(run, files, staging.path, site_map)
    if run.cache is not None and run.manifest is not None:
        with run.stage("save"):  # with this build's entries
            remember_build(run, reuse.record if reuse else None)


@dataclass
class _Loaded:
    """content/ and feeds/ as the load stage read them."""

    sources: Sources  # every content file, published or not
    articles: list[Article]  # those this build publishes
    feeds: dict[str, FeedSource]
    states: dict[str, FeedState]
    health: Page  # the feeds' status page


@dataclass
class _SiteMap:
    """What the assemble stage made: the posts and every page to render."""

    posts: list[Post]
    pages: list[Page]  # assemble_pages, then the status page
    assembled: int  # how many of ``pages`` come from assemble_pages
    crossposts: CrossPosts
    urls: UrlMemory  # the URLs published before, to be updated
    slugs_before: dict[str, str]


# ---------------------------------------------------------------- starting: scan, no-op


def _start(site: SiteConfig, options: BuildOptions) -> BuildRun:
    options = replace(options, now=options.now or datetime.now(timezone.utc))  # one clock reading per build
    out_dir = (options.out_dir or site.path("output")).resolve()
    check_output_dir(site, out_dir)  # before anything is read or written
    run = BuildRun(site, options, out_dir)
    if options.cache:
        run.cache = BuildCache.open(cache_dir(site), clean=options.clean)
        run.manifest = run.cache.manifest(_out_key(out_dir), clean=options.clean)
    return run


def _out_key(out_dir: Path) -> str:
    """One manifest per output folder, whatever the options: it must know every file the
    last build left there (a draft page from ``--drafts`` too), so the next removes it."""
    return digest_parts([str(out_dir.resolve())])[:16]


def _scan(run: BuildRun) -> None:
    run.rows = scan_content(run.site, run.cache)
    run.site_digest, run.page_digest = site_digests(run.site)


def _nothing_changed(run: BuildRun) -> bool:
    """Every input is as the last build left it, and so is every output: report a no-op."""
    cache, manifest = run.cache, run.manifest
    if cache is None or manifest is None:
        return False
    if manifest.signature != build_signature(run.site_digest, run.rows, run.options) or not manifest.window.holds(run.now):
        return False
    if not run.outputs_intact():
        return False
    report = run.report
    report.noop, report.pages = True, len(manifest.files)
    report.published = PublishReport(0, 0, len(manifest.files), manifest.files)
    cache.keep(row.sha for row in run.rows)
    cache.save()  # only if stamps changed: the next build reads fewer files
    if manifest.refreshed:  # output files' new mtimes (a copied or restored folder)
        manifest.save()
    return True


# ---------------------------------------------------------------- load, markdown, assemble


def _load(run: BuildRun) -> _Loaded:
    from generator.site.status import feed_health, status_page

    site, cache = run.site, run.cache
    if cache is not None:
        cache.require_key(cache_key(site))
    # The bytes the scan read (every file, in a clean build: 100 MB at 20,000 posts) go
    # now: each file is read again where it is parsed, and checked against its sha1.
    run.rows = [row._replace(data=None) for row in run.rows]
    sources = read_content(site, cache, run.rows, run.options.workers, run.progress("markdown", len(run.rows)))
    feed_sources = load_feed_sources(site.path("feeds"))
    states = load_state(state_path(site.path("feeds")))
    health = status_page(feed_health(feed_sources, states, sources.articles))
    return _Loaded(sources, published(sources, run.options), {f.name: f for f in feed_sources}, states, health)


def _markdown(run: BuildRun, loaded: _Loaded) -> list[Known]:
    """HTML, toc and reading time for every published article: from the cache, or rendered
    now (and cached; what the cache stored is then read back from disk when needed, not held)."""
    from generator.site.assemble import reading_time

    cache, sources, articles = run.cache, loaded.sources, loaded.articles
    missing = [a for a in articles if a.path not in sources.cached and a.path not in sources.fresh]
    progress = run.progress("markdown", len(missing)) if missing else None
    blocks = _earlier_blocks(cache, missing, sources) if cache is not None and len(missing) <= KNOWN_BLOCKS_LIMIT else None
    rendered = render_articles(missing, run.options.workers, progress, blocks)
    fresh = {a.path: Known(r, reading_time(r.html)) for a, r in zip(missing, rendered, strict=True)}
    fresh.update(sources.fresh)
    sources.fresh.clear()
    run.report.articles = len(articles)
    run.report.rendered = sum(1 for a in articles if a.path not in sources.cached)
    if cache is not None:
        shown = {a.path for a in articles}
        for article in sources.articles:  # drafts and future posts too, so a later no-op check knows them
            if article.path not in sources.cached and article.path not in shown:
                _store(cache, sources, article, fresh.get(article.path))
    result = []
    for article in articles:
        known = fresh.pop(article.path, None)
        if known is None:
            result.append(sources.cached[article.path])
            continue
        if cache is not None:
            stored = _store(cache, sources, article, known)
            store_search_fields(cache, sources, article.path)
            known = Known(stored or known.rendered, known.reading_time)
        result.append(known)
    if cache is not None:
        cache.flush()  # forked page workers read the pack through their own descriptors
    return result


def _store(cache: BuildCache, sources: Sources, article: Article, known: Known | None) -> Rendered | None:
    """``cache.put``, with the front matter's JSON the pool made for it, if it did."""
    if article.path in sources.stored:  # put there as the pool returned it (loading.parse_in_pool)
        return known.rendered if known else None
    made = article.path in sources.meta
    meta = sources.meta.pop(article.path, None)
    return cache.put(sources.shas[article.path], article, known.rendered if known else None, known.reading_time if known else 0, meta, made)


def _earlier_blocks(cache: BuildCache, articles: list[Article], sources: Sources) -> dict[str, str]:
    """The highlighted code of the last version of each edited file: code an edit did not
    touch is not highlighted again (Pygments' lexers cost 0.1 s to load)."""
    previous, known = cache.previous_shas(), {}
    for article in articles:
        old = previous.get(article.path)
        if old and old != sources.shas.get(article.path):
            known.update(cache.highlights(old))
    return known


def _assemble(run: BuildRun, loaded: _Loaded, known: list[Known]) -> _SiteMap:
    from generator.site.assemble import assemble_pages, make_posts

    site, cache, sources, articles = run.site, run.cache, loaded.sources, loaded.articles
    crossposts = detect_crossposts(site, cache, sources, articles)
    urls = UrlMemory(cache_dir(site) if cache is not None else None)
    before = urls.load()
    posts = make_posts(
        site, articles, [k.rendered for k in known], loaded.feeds, loaded.states, reading_times=[k.reading_time for k in known],
        summaries=[cached_summary(k.summary, site.summary_length) for k in known], previous_slugs=before, crossposts=crossposts,
    )
    if cache is not None:  # the automatic summaries made now, so the next build reads no HTML for them
        by_path = {a.path: k for a, k in zip(articles, known, strict=True)}
        for post in posts:
            summary = by_path[post.article.path].summary
            if not post.article.summary and summary != (site.summary_length, post.summary):
                cache.remember_summary(sources.shas[post.article.path], site.summary_length, post.summary)
    pages = assemble_pages(site, posts)
    return _SiteMap(posts, [*pages, loaded.health], len(pages), crossposts, urls, before)


# ---------------------------------------------------------------- render, syndicate, publish


def _render(run: BuildRun, loaded: _Loaded, site_map: _SiteMap, staging: Path) -> tuple[list[Made], PageReuse | None]:
    """Every page (or the last build's file, where it did not change), then the site-wide
    files (feeds, search, sitemap: the "syndicate" stage, made while workers render pages)."""
    from generator.site.assemble import Post

    made_with = make_renderer(run.site, run.page_digest, cache_dir(run.site) if run.manifest is not None else None)
    reuse = None
    if run.manifest is not None:
        memo = PageMemo(made_with.globals_key, site_map.posts, loaded.sources.shas, Post)
        reuse = PageReuse(memo, run.manifest, run.out_dir, progress=run.progress("render", len(site_map.posts)))
        reuse.record.folded, reuse.record.crossposts = site_map.crossposts.folded(), sorted(site_map.crossposts.candidates)
        _record_for_quick_path(run, reuse, loaded)
    fields = cached_search_fields(run.cache, loaded.sources.shas, loaded.sources.search)
    site_wide: list[Made] = []

    def syndicate() -> None:
        with run.stage("syndicate"):
            site_wide.extend(_site_wide(run.site, site_map, made_with.renderer, reuse, fields, staging))

    files = render_pages(made_with.renderer, site_map.pages, reuse, staging, site_map.assembled, meanwhile=syndicate)
    run.report.pages_rendered = reuse.rendered if reuse else len(site_map.pages)
    with run.stage("syndicate"):
        extras = _extras(run.options, site_map.posts, made_with.renderer)
    return [*files, *site_wide, *extras, *made_with.assets], reuse


def _record_for_quick_path(run: BuildRun, reuse: PageReuse, loaded: _Loaded) -> None:
    """What a later no-op or quick build would otherwise read every post's front matter
    for: the clock readings that publish the same posts, and how the site spells each tag."""
    from generator.site.assemble import tag_names

    reuse.record.window = publish_window(loaded.sources.articles, run.options)
    reuse.record.tag_names = tag_names(a.tags for a in loaded.articles)  # as make_posts spells them


def _staged(staging: Path, file: OutputFile) -> OutputFile | StagedFile:
    """Onto disk at once, bytes dropped: the search shards are 4 KB a post (80 MB at 20,000)."""
    return write_staged(staging, file.path, file.data)


def _site_wide(site: SiteConfig, site_map: _SiteMap, renderer: Renderer, reuse: PageReuse | None, fields: SearchFields, staging: Path) -> list[Made]:
    """The site's and tags' feeds, the search index and the sitemap."""
    from generator.site import syndication
    from generator.site.assemble import in_sitemap

    posts = site_map.posts
    if reuse is not None:
        reuse.record.in_feeds = feed_articles(site, posts)
    files: list[Made] = []
    files += reused_feeds(reuse, site, posts) or remember_group(reuse, "site_feeds", syndication.site_feeds(site, posts, renderer.absolute))
    files += search_files(reuse, posts, renderer, fields, partial(_staged, staging))
    modified = {p.url: None if p.date_unknown else p.article.updated or p.date for p in posts}  # no stand-in lastmod
    elsewhere = {p.url for p in posts if not p.canonical_here}  # a page whose canonical URL is another site's is not ours to list
    entries = [(pg.url, modified.get(pg.url)) for pg in site_map.pages if in_sitemap(pg) and pg.url not in elsewhere]
    files.append(reused_file(reuse, "sitemap.xml", entries) or syndication.sitemap(entries, renderer.absolute))
    return files


def _extras(options: BuildOptions, posts: list[Post], renderer: Renderer) -> list[OutputFile]:
    """robots.txt, the redirects of cross-posts' copies, and a preview's headers."""
    from generator.site.assemble import post_url
    from generator.site.syndication import moved_redirects, preview_headers, robots

    files = [robots(renderer.absolute, noindex=options.noindex)]
    moves = [(post_url(alias), post.url) for post in posts for alias in post.aliases]
    if moves:
        files.append(moved_redirects(moves, renderer.url))
    if options.noindex:
        files.append(preview_headers())
    return files


def _publish(run: BuildRun, files: list[Made], staging: Path, site_map: _SiteMap) -> None:
    manifest = run.manifest
    report = run.report
    report.published = publish(files, run.out_dir, manifest.files if manifest and manifest.files else None, staging)
    slugs = (pair for p in site_map.posts for pair in (p.file_slugs or ((p.article.path, p.slug),)))
    site_map.urls.save(site_map.slugs_before, slugs, {row.rel: row.sha for row in run.rows})  # the URLs now published
    report.pages = len(report.published.manifest)  # as a no-op or quick build counts them


@contextmanager
def _progress_bars(enabled: bool) -> Iterator[ProgressBars | None]:
    """rich progress bars on a terminal; None elsewhere (CI logs, tests)."""
    if not enabled or not sys.stderr.isatty():
        yield None
        return
    from rich.console import Console
    from rich.progress import Progress as Bars

    with Bars(console=Console(stderr=True), transient=True) as bar:

        def task(name: str, total: int) -> Progress:
            if total < PROGRESS_THRESHOLD:
                return _no_progress
            task_id = bar.add_task(name, total=total)
            return lambda n: bar.advance(task_id, n)

        yield task


def _no_progress(n: int) -> None:
    """A stage too short for a bar."""
