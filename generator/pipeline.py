"""The one orchestrator of the offline build: content/ in, public/ out, each stage timed.

    load -> markdown -> assemble -> render -> publish

Pages are rendered into a staging folder beside the output (``publish.Staging``) and
published only when every page is made, so a bad article or template stops the build
with the previous ``public/`` exactly as it was.

The rooms it calls on: ``loading.py`` reads content/ through the cache, ``parallel.py``
runs Markdown and page rendering on all cores, ``signature.py`` hashes every input for
the no-op check, ``cache.py`` stores what a build learnt.

Builds are incremental through the cache in ``.cache/build/`` (see ``cache.py``):

- an unchanged content file is neither parsed nor rendered again (its front matter,
  HTML and reading time come from the cache);
- a page whose template inputs did not change is not rendered again, when its file is
  still on disk as the last build left it; a post the page showed only as a listing
  entry counts by its listing fields, so a body edit leaves the listings alone;
- when every input is the same as last time (code, config, options, templates, static,
  feeds, content, and which posts are published *now*), nothing is done at all.

``BuildOptions(clean=True)`` (``build --clean``) ignores the cache and rebuilds it.

Work that is big enough runs on all cores: many new files are parsed and rendered by
a process pool (so in a clean build the "load" stage includes Markdown), and many
pages are rendered by forked workers.
"""

from __future__ import annotations

import logging
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterator, Sequence

from generator.config import load_feed_sources
from generator.fetching.state import load_state, state_path
from generator.incremental import cache as cachelib
from generator.incremental.digests import digest_parts, shard_digest
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
from generator.incremental.manifest import OutputManifest
from generator.incremental.pagememo import PageMemo
from generator.incremental.parallel import render_articles, render_many
from generator.incremental.quick import quick_build
from generator.incremental.signature import build_signature, inputs_key, site_digests
from generator.models import Article, OutputFile, Page, SiteConfig
from generator.site.outdir import check_output_dir
from generator.site.publish import KeptFile, PublishReport, StagedFile, Staging, collect_assets, publish, write_staged
from generator.slugs import UrlMemory

if TYPE_CHECKING:
    from generator.site.assemble import Post
    from generator.site.render import Renderer

# The stages' own modules (Markdown, Pygments, Jinja2, YAML: 0.2 s of imports) are
# imported where they are first needed, so that a build with nothing to do never pays
# for them: see _build().

__all__ = ["BuildOptions", "BuildReport", "build_site", "render_articles"]

log = logging.getLogger(__name__)

PROGRESS_THRESHOLD = 200  # show a progress bar for stages with at least this many items
KNOWN_BLOCKS_LIMIT = 32  # edited posts whose earlier code blocks are looked up (a few edits, not a new site)


@dataclass(frozen=True)
class BuildOptions:
    out_dir: Path | None = None  # default: the site's output_dir
    drafts: bool = False
    future: bool = False
    now: datetime | None = None  # the clock, injectable for tests
    clean: bool = False  # ignore what .cache/build/ holds (and rebuild it)
    cache: bool = True  # use .cache/build/ at all
    workers: int | None = None  # processes for Markdown; None: all cores when it pays
    progress: bool = False  # a progress bar on the terminal for long stages
    noindex: bool = False  # previews: ask search engines to stay away (_headers + robots.txt)


@dataclass
class BuildReport:
    pages: int = 0
    articles: int = 0
    rendered: int = 0  # articles whose Markdown was rendered (not taken from the cache)
    noop: bool = False  # every input was as the last build left it: nothing was done
    quick: bool = False  # only a few bodies changed: made by delta.py
    page_cache: Any = field(default=None, repr=False)  # what the render stage learnt, for the cache
    published: PublishReport | None = None
    timings: dict[str, float] = field(default_factory=dict)

    def summary(self) -> str:
        changed = self.published.written + self.published.removed if self.published else 0
        total = sum(self.timings.values())
        return f"built {self.pages:,} pages ({changed:,} changed) in {total:.2f} s"


@contextmanager
def _stage(report: BuildReport, name: str) -> Iterator[None]:
    start = time.perf_counter()
    yield
    report.timings[name] = report.timings.get(name, 0.0) + time.perf_counter() - start
    log.debug("%-9s %6.3f s", name, report.timings[name])  # -v: a plain build prints one summary line


# ---------------------------------------------------------------- render


def _outputs(
    site: SiteConfig,
    posts: list[Post],
    options: BuildOptions,
    extra_pages: list[Page],
    memo: "_PageCache | None" = None,
    search_known: Callable[[Post], Sequence[str]] | None = None,
    staging: Path | None = None,
) -> list[OutputFile]:
    from generator.site.assemble import Post, assemble_pages, in_sitemap
    from generator.site.markup import pygments_css
    from generator.site.render import Renderer
    from generator.site.syndication import moved_redirects, preview_headers, robots, site_feeds, sitemap

    # Code colours with AA contrast in both schemes.
    asset_files, asset_urls = collect_assets(site.path("static"), {"highlight.css": pygments_css("xcode", "github-dark").encode()})
    renderer = Renderer(site, site.path("templates"), asset_urls, bytecode_dir=_cache_dir(site) if memo else None, watch=(Post, Post.DEEP))
    pages = assemble_pages(site, posts) + extra_pages
    site_wide: list[OutputFile] = []

    def stage(file: OutputFile) -> OutputFile | StagedFile:
        """Onto disk at once, bytes dropped: the search shards are 4 KB a post (80 MB at 20,000)."""
        return write_staged(staging, file.path, file.data) if staging is not None else file

    def site_wide_files() -> None:  # made while the page workers render
        if memo is not None:
            memo.in_feeds = _in_feeds(site, posts)
        site_wide.extend(_reused_feeds(memo, site, posts) or _remember(memo, "site_feeds", site_feeds(site, posts, renderer.absolute)))
        site_wide.extend(_search_files(memo, posts, renderer, search_known, stage))
        modified = {p.url: None if p.date_unknown else p.article.updated or p.date for p in posts}  # no stand-in lastmod
        # a page whose canonical URL is another site's (an imported article) is not ours to list
        elsewhere = {p.url for p in posts if not p.canonical_here}
        entries = [(pg.url, modified.get(pg.url)) for pg in pages if in_sitemap(pg) and pg.url not in elsewhere]
        site_wide.append(_reused(memo, "sitemap.xml", entries) or sitemap(entries, renderer.absolute))

    files = _render_pages(renderer, pages, memo, staging, assembled=len(pages) - len(extra_pages), meanwhile=site_wide_files)
    files += site_wide
    files.append(robots(renderer.absolute, noindex=options.noindex))
    moves = [(f"/posts/{alias}/", post.url) for post in posts for alias in post.aliases]  # cross-posts' copies
    if moves:
        files.append(moved_redirects(moves, renderer.url))
    if options.noindex:
        files.append(preview_headers())
    return files + asset_files


@dataclass
class _PageCache:
    """What ``_render_pages`` needs to skip unchanged pages, and what it learns for next time."""

    memo: PageMemo | None
    manifest: OutputManifest | None
    out_dir: Path
    digests: dict[str, str] = field(default_factory=dict)  # output path -> digest (this build)
    group_digests: dict[str, str] = field(default_factory=dict)  # e.g. "site_feeds" -> digest of what they show
    read_in_full: dict[str, list[str]] = field(default_factory=dict)  # page -> article paths it read in full (this build)
    listings: list[list[str]] = field(default_factory=list)  # [article path, listing key, full key, slug] per post, in order
    in_feeds: list[str] = field(default_factory=list)  # articles some feed shows in full
    folded: list[str] = field(default_factory=list)  # published articles shown as a copy on another's page
    crossposts: list[str] = field(default_factory=list)  # articles whose body can change what is merged
    globals_key: str = ""
    progress: Callable[[int], None] | None = None
    rendered: int = 0


def _render_pages(
    renderer: Renderer, pages: Sequence[Page], cache: _PageCache | None, staging: Path | None = None, assembled: int = 0, meanwhile: Callable[[], None] | None = None
) -> list:
    """Render every page, except those the cache vouches for (kept on disk as they are).

    The first ``assembled`` pages come from ``assemble_pages``: when no post's listing
    key moved (see ``_same_listings``), only those that read a changed post in full
    need their digest checked. ``meanwhile`` runs while the pages render (``render_many``).
    """
    if cache is None:
        return [file for file, _, _ in render_many(renderer, list(pages), None, staging, meanwhile=meanwhile)]
    files: list[OutputFile | KeptFile | None] = []
    todo: list[int] = []
    memo, manifest = cache.memo, cache.manifest
    if memo:  # the static files as pages see them: their fingerprinted URLs
        memo.globals_key = digest_parts([memo.globals_key, repr(sorted(renderer.assets.items()))])
    suspects = _same_listings(memo, manifest)
    for number, page in enumerate(pages):
        known = manifest.pages.get(page.output) if manifest else None
        read = manifest.read_in_full.get(page.output, []) if known else None
        if known is None:  # a new page (every page of a clean build): nothing to compare with
            digest = None
        elif suspects is not None and number < assembled and page.output not in suspects:
            digest = known  # same context as last time, up to posts it does not read in full
        else:
            digest = memo.digest(page, memo.read_in_full(read)) if memo else None
        if digest and digest == known and manifest.intact(cache.out_dir, page.output):
            _note(cache, page.output, digest, read)
            files.append(KeptFile(page.output, manifest.files[page.output][0]))
        else:
            todo.append(len(files))
            files.append(None)
    made = render_many(renderer, [pages[i] for i in todo], cache.progress, staging, digest=memo.digest if memo else None, meanwhile=meanwhile)
    for i, (rendered, reads, digest) in zip(todo, made):  # digests made beside each page, on all cores
        files[i] = rendered
        if digest:
            _note(cache, rendered.path, digest, memo.paths_of(reads))
    cache.rendered = len(todo)
    if memo:
        cache.listings, cache.globals_key = memo.listings(), memo.globals_key
    return files


def _same_listings(memo: PageMemo | None, manifest: OutputManifest | None) -> set[str] | None:
    """When every post shows in listings as it did last build (same posts, same order,
    same listing keys, same templates and config), every assembled page's context is
    as it was, except for the posts it reads in full: return the pages that read a
    post whose full key changed. None when anything else moved (check every page).
    """
    if memo is None or manifest is None or manifest.globals_key != memo.globals_key:
        return None
    now, before = memo.listings(), manifest.listings
    if len(now) != len(before) or any(a[:2] != b[:2] or not a[1] for a, b in zip(now, before)):
        return None
    changed = {a[0] for a, b in zip(now, before) if a[2] != b[2]}
    return {page for page, paths in manifest.read_in_full.items() if changed.intersection(paths)}


def _note(cache: _PageCache, output: str, digest: str, read_in_full: list[str]) -> None:
    """Remember a page's digest and the posts it read in full, for the next build."""
    cache.digests[output] = digest
    if read_in_full:
        cache.read_in_full[output] = read_in_full


def _reused(cache: "_PageCache | None", output: str, inputs: Any) -> KeptFile | None:
    """A non-page output (e.g. the sitemap) kept as it is when its inputs did not change."""
    if cache is None or cache.memo is None:
        return None
    digest = digest_parts([cache.memo.globals_key, output, repr(inputs)])
    cache.digests[output] = digest
    manifest = cache.manifest
    if manifest and manifest.pages.get(output) == digest and manifest.intact(cache.out_dir, output):
        return KeptFile(output, manifest.files[output][0])
    return None


def _feeds_digest(cache: "_PageCache", site: SiteConfig, posts: list[Post]) -> str:
    """What ``syndication.site_feeds`` reads: config (in globals_key), the newest posts,
    and each tag's newest posts (``group_by_tag`` names a tag after its newest post)."""
    from generator.site.assemble import group_by_tag

    keys = cache.memo.post_keys
    parts = [cache.memo.globals_key, "site_feeds", *(keys(posts[: site.feed_items]))]
    for tag, tagged in group_by_tag(posts).items():
        parts += [f"{tag.name}\0{tag.slug}", *keys(tagged[: site.feed_items])]
    return digest_parts(parts)


def _in_feeds(site: SiteConfig, posts: list[Post]) -> list[str]:
    """The articles some feed of the site (or of a tag) shows, with their whole HTML."""
    from generator.site.assemble import group_by_tag

    shown = {p.article.path for p in posts[: site.feed_items]}
    for tagged in group_by_tag(posts).values():
        shown.update(p.article.path for p in tagged[: site.feed_items])
    return sorted(shown)


def _reused_feeds(cache: "_PageCache | None", site: SiteConfig, posts: list[Post]) -> list[KeptFile] | None:
    """The site's and tags' feeds kept as they are when no post they show changed
    (the files are those the last build made from the same inputs)."""
    if cache is None or cache.memo is None:
        return None
    try:
        digest = cache.group_digests["site_feeds"] = _feeds_digest(cache, site, posts)
    except KeyError:  # a post the memo has no digest for: make the feeds
        return None
    return _kept_group(cache, digest)


def _kept_group(cache: "_PageCache", digest: str) -> list[KeptFile] | None:
    """The files the last build made from inputs with this digest, if still intact."""
    manifest = cache.manifest
    outputs = sorted(p for p, d in manifest.pages.items() if d == digest) if manifest else []
    if not outputs or not all(manifest.intact(cache.out_dir, p) for p in outputs):
        return None
    cache.digests.update(dict.fromkeys(outputs, digest))
    return [KeptFile(p, manifest.files[p][0]) for p in outputs]


def _search_files(cache: "_PageCache | None", posts: list[Post], renderer: Renderer, known, stage=lambda file: file) -> list:
    """The search page, index and shards; a shard none of whose posts changed is kept as
    it is (its name is a hash of its bytes, so the last build's file is found by digest).
    ``stage`` takes each new shard as it is made (see ``_outputs``)."""
    from generator.site import search

    if cache is None or cache.memo is None:
        return search.search_files(posts, renderer, known)
    shards = []
    for number, shard in enumerate(search.assign_shards(posts)):
        if not shard:
            continue
        try:
            digest = shard_digest(cache.memo.globals_key, number, len(posts), cache.memo.post_keys(shard))
        except KeyError:  # a post the memo has no digest for
            shards.append(stage(search.shard_file(shard, renderer, known)))
            continue
        kept = _kept_group(cache, digest)
        if kept is None:
            kept = [stage(search.shard_file(shard, renderer, known))]
            cache.digests[kept[0].path] = digest
        shards += kept
    return [*shards, search.manifest_file(shards, len(posts), renderer), renderer.render(search.SEARCH_PAGE)]


def _remember(cache: "_PageCache | None", group: str, files: list[OutputFile]) -> list[OutputFile]:
    """Record the digest of a group of outputs made together (see ``_reused_feeds``)."""
    if cache is not None and group in cache.group_digests:
        cache.digests.update(dict.fromkeys((f.path for f in files), cache.group_digests[group]))
    return files


# ---------------------------------------------------------------- the build


def _cache_dir(site: SiteConfig) -> Path:
    return site.root.resolve() / ".cache" / "build"


def _out_key(out_dir: Path) -> str:
    """One manifest per output folder, whatever the options: it must know every file the
    last build left there (a draft page from ``--drafts`` too), so the next removes it."""
    return digest_parts([str(out_dir.resolve())])[:16]


def _cache_key(site: SiteConfig) -> str:
    """What cached front matter and HTML depend on besides the file itself."""
    from generator.incremental.signature import library_versions
    from generator.site.markup import RENDERER_VERSION

    return digest_parts([str(cachelib.CACHE_FORMAT), RENDERER_VERSION, library_versions(), site.timezone])


@contextmanager
def _progress_bar(enabled: bool) -> Iterator[Callable[[str, int], Callable[[int], None]] | None]:
    """A rich progress bar on a terminal; None elsewhere (CI logs, tests)."""
    if not enabled or not sys.stderr.isatty():
        yield None
        return
    from rich.console import Console
    from rich.progress import Progress

    with Progress(console=Console(stderr=True), transient=True) as bar:

        def task(name: str, total: int) -> Callable[[int], None]:
            if total < PROGRESS_THRESHOLD:
                return lambda n: None
            task_id = bar.add_task(name, total=total)
            return lambda n: bar.advance(task_id, n)

        yield task


def build_site(site: SiteConfig, options: BuildOptions = BuildOptions()) -> BuildReport:
    """Build the whole site; raise a GeneratorError (and write nothing) when anything is wrong."""
    report = BuildReport()
    options = replace(options, now=options.now or datetime.now(timezone.utc))  # one clock reading per build
    out_dir = (options.out_dir or site.path("output")).resolve()
    check_output_dir(site, out_dir)  # before anything is read or written
    cache = manifest = None
    if options.cache:
        cache = cachelib.BuildCache.open(_cache_dir(site), clean=options.clean)
        manifest = cache.manifest(_out_key(out_dir), clean=options.clean)
    with _progress_bar(options.progress) as bar:
        with _stage(report, "load"):
            rows = scan_content(site, cache)
            site_digest, page_digest = site_digests(site)
            signature = build_signature(site_digest, rows, options, cache) if cache is not None else None
            if signature and manifest and manifest.signature == signature and manifest.all_intact(out_dir):
                report.noop, report.pages = True, len(manifest.files)
                report.published = PublishReport(0, 0, len(manifest.files), manifest.files)
                cache.keep(sha for _, _, sha, _ in rows)
                cache.save()  # only if stamps changed: the next build reads fewer files
                if manifest.refreshed:  # output files' new mtimes (a copied or restored folder)
                    manifest.save()
                return report
        if manifest is not None and manifest.listings:
            with _stage(report, "quick"):
                quick = quick_build(site, options, out_dir, cache, manifest, rows, site_digest, page_digest, _cache_key(site))
            if quick is not None:
                report.quick, report.published, report.pages = True, quick.published, quick.pages
                report.articles, report.rendered = quick.articles, quick.rendered
                return report
        _build(site, options, report, out_dir, cache, manifest, rows, page_digest, bar)
    if cache is not None and manifest is not None:
        with _stage(report, "save"):  # with this build's entries
            _save(cache, manifest, report, build_signature(site_digest, rows, options, cache), inputs_key(site_digest, options))
    return report


def _build(site, options, report, out_dir, cache, manifest, rows, page_digest, bar) -> None:
    """The stages proper, for a build that has something to do."""
    from generator.site.assemble import Post, make_posts
    from generator.site.status import feed_health, status_page

    with _stage(report, "load"):
        if cache is not None:
            cache.require_key(_cache_key(site))
        sources = read_content(site, cache, rows, options.workers, bar("markdown", len(rows)) if bar else None)
        rows[:] = [(rel, file, sha, None) for rel, file, sha, _ in rows]  # parsed now: the files' bytes (25 MB) can go
        articles = published(sources, options)
        feed_sources = load_feed_sources(site.path("feeds"))
        feeds = {f.name: f for f in feed_sources}
        states = load_state(state_path(site.path("feeds")))
        health = status_page(feed_health(feed_sources, states, sources.articles))
    with _stage(report, "markdown"):
        known = _render_missing(articles, sources, cache, options, bar)
        report.rendered = sum(1 for a in articles if a.path not in sources.cached)
    with _stage(report, "assemble"):
        crossposts = detect_crossposts(site, cache, sources, articles)
        rendered, minutes = [k.rendered for k in known], [k.reading_time for k in known]
        urls = UrlMemory(_cache_dir(site) if cache is not None else None)
        before = urls.load()
        posts = make_posts(site, articles, rendered, feeds, states, reading_times=minutes, summaries=_summaries(site, known), previous_slugs=before, crossposts=crossposts)
        if cache is not None:
            _remember_summaries(site, cache, posts, sources, {a.path: k for a, k in zip(articles, known)})
    with Staging(out_dir) as staging:  # pages rendered by workers go straight to disk
        with _stage(report, "render"):
            report.page_cache = None
            if manifest is not None:
                memo = PageMemo(page_digest, posts, sources.shas, Post)
                report.page_cache = _PageCache(memo, manifest, out_dir, progress=bar("render", len(posts)) if bar else None)
                report.page_cache.folded, report.page_cache.crossposts = crossposts.folded(), sorted(crossposts.candidates)
            files = _outputs(site, posts, options, [health], report.page_cache, cached_search_fields(cache, sources), staging.path)
        with _stage(report, "publish"):
            report.published = publish(files, out_dir, manifest.files if manifest and manifest.files else None, staging.path)
    urls.save(before, (pair for p in posts for pair in (p.file_slugs or ((p.article.path, p.slug),))), sources.shas)  # the URLs now published
    report.articles = len(articles)
    report.pages = len(report.published.manifest)  # as a no-op or quick build counts them


def _render_missing(articles: list[Article], sources: Sources, cache, options: BuildOptions, bar) -> list[Known]:
    """HTML, toc and reading time for every article: from the cache, or rendered now (and
    cached; what the cache stored is then read back from disk when needed, not held)."""
    from generator.site.assemble import reading_time

    missing = [a for a in articles if a.path not in sources.cached and a.path not in sources.fresh]
    progress = bar("markdown", len(missing)) if bar and missing else None
    known = _earlier_blocks(cache, missing, sources) if cache is not None and len(missing) <= KNOWN_BLOCKS_LIMIT else None
    fresh = {a.path: Known(r, reading_time(r.html)) for a, r in zip(missing, render_articles(missing, options.workers, progress, known))}
    fresh.update(sources.fresh)
    sources.fresh.clear()

    shown = {a.path for a in articles}
    for article in sources.articles:  # drafts and future posts too, so a later no-op check knows them
        if cache is None or article.path in sources.cached or article.path in shown:
            continue
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


def _store(cache: cachelib.BuildCache, sources: Sources, article: Article, known: Known | None):
    """``cache.put``, with the front matter's JSON the pool made for it, if it did."""
    if article.path in sources.stored:  # put there as the pool returned it (loading.parse_in_pool)
        return known.rendered if known else None
    made = {"meta": sources.meta.pop(article.path)} if article.path in sources.meta else {}
    return cache.put(sources.shas[article.path], article, known.rendered if known else None, known.reading_time if known else 0, **made)


def _earlier_blocks(cache: cachelib.BuildCache, articles: list[Article], sources: Sources) -> dict[str, str]:
    """The highlighted code of the last version of each edited file: code an edit did not
    touch is not highlighted again (Pygments' lexers cost 0.1 s to load)."""
    previous, known = cache.previous_shas(), {}
    for article in articles:
        old = previous.get(article.path)
        if old and old != sources.shas.get(article.path):
            known.update(cache.highlights(old))
    return known


def _summaries(site: SiteConfig, known: list[Known]) -> list[str | None]:
    """Automatic summaries the cache made at this site's length (None: make it)."""
    return [k.summary[1] if k.summary and k.summary[0] == site.summary_length else None for k in known]


def _remember_summaries(site: SiteConfig, cache, posts: list[Post], sources: Sources, known: dict[str, Known]) -> None:
    """Cache the automatic summaries this build made, so the next one reads no HTML for them."""
    for post in posts:
        k = known[post.article.path]
        if not post.article.summary and (k.summary is None or k.summary != (site.summary_length, post.summary)):
            cache.remember_summary(sources.shas[post.article.path], site.summary_length, post.summary)


def _save(cache: cachelib.BuildCache, manifest: OutputManifest, report: BuildReport, signature: str | None, inputs: str) -> None:
    """Remember this build: the article cache, and what was written where."""
    pages = report.page_cache
    cache.save()
    manifest.files = dict(report.published.manifest) if report.published else {}
    manifest.pages = {p: d for p, d in (pages.digests.items() if pages else ()) if p in manifest.files}
    manifest.read_in_full = {p: r for p, r in (pages.read_in_full.items() if pages else ()) if p in manifest.pages}
    manifest.listings = pages.listings if pages else []
    manifest.globals_key = pages.globals_key if pages else ""
    manifest.in_feeds = pages.in_feeds if pages else []
    manifest.folded = pages.folded if pages else []
    manifest.crossposts = pages.crossposts if pages else []
    manifest.inputs = inputs
    manifest.signature = signature or ""
    manifest.save()

