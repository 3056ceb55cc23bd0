"""The quick path: a build where only the text of a few posts changed.

An author's commonest change is to the body of a post: a sentence added, a typo fixed.
Then only a few outputs can change: the post's own page, and the search shard that
holds its words. This module proves, from what the last build recorded in its
manifest, that nothing else can have changed, and then makes just those outputs,
reading only the posts they show rather than all of them.

It applies when every one of these holds (otherwise the normal incremental build runs,
and nothing here has written anything):

- config, code, templates, static files, feeds and options are as last time
  (``manifest.inputs``), and so are the set of content files and which are published;
- at most :data:`MAX_CHANGED` files changed, each still parses, and its front matter is
  exactly as before (so its title, date, tags, slug and summary field are too);
- its reading time and automatic summary came out as before, so every listing shows it
  as before; its listing key is checked against the manifest's, as are the full keys
  of every post remade here from the cache (a remade post that differs in anything a
  template can see from the last build's is refused);
- no feed shows it, no page but its own read its HTML, every output is on disk as the
  last build left it;
- it took no part in cross-post detection (``manifest.crossposts``: it shares a title
  with another feed's article, or names or is named as an original) and its new text
  names no original, so what ``crosspost.py`` merges cannot have changed.

The outputs it makes are byte-identical to a clean build's; the property test in
``tests/test_incremental.py`` checks that, with edits that take this path and edits
that do not.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from generator.errors import ContentError
from generator.incremental import cache as cachelib
from generator.incremental.digests import digest_parts, shard_digest
from generator.incremental.manifest import OutputManifest
from generator.incremental.pagememo import PageMemo
from generator.incremental.signature import build_signature, inputs_key, shown_now
from generator.models import Article, OutputFile, Rendered, SiteConfig
from generator.site.crosspost import declared_urls
from generator.site.publish import KeptFile, PublishReport, collect_assets, replace_files

if TYPE_CHECKING:
    from generator.pipeline import BuildOptions
    from generator.site.assemble import Post

__all__ = ["MAX_CHANGED", "QuickResult", "quick_build"]

log = logging.getLogger(__name__)

MAX_CHANGED = 4  # more changed files than this: the normal build is about as quick


@dataclass
class _Changed:
    """One edited content file, parsed and rendered again."""

    rel: str
    sha: str
    index: int  # its place in the last build's listings (newest first)
    article: Article
    rendered: Rendered
    minutes: int


@dataclass(frozen=True)
class QuickResult:
    published: PublishReport
    pages: int
    articles: int
    rendered: int


def quick_build(site: SiteConfig, options: BuildOptions, out_dir: Path, cache: cachelib.BuildCache, manifest: OutputManifest,
                rows: list, site_digest: str, page_digest: str, cache_key: str) -> QuickResult | None:
    """Make just what a few body edits change; None (having written nothing) when the
    build is not of that kind."""
    changed = _changed_files(site, options, cache, manifest, rows, site_digest, cache_key)
    if not changed:
        return None
    return _Remake(site, options, out_dir, cache, manifest, rows, page_digest, changed).run(site_digest)


# ---------------------------------------------------------------- is it a body edit?


def _changed_files(site, options, cache, manifest, rows, site_digest, cache_key) -> list[_Changed] | None:
    """The edited files, when the build is nothing but a few body edits; else None."""
    if not manifest.listings or manifest.inputs != inputs_key(site_digest, options):
        return _refuse("config, code, theme, feeds or options changed")
    previous = cache.previous_shas()
    if set(previous) != {rel for rel, _, _, _ in rows}:
        return _refuse("a content file was added, deleted or renamed")
    edited = [row for row in rows if previous[row[0]] != row[2]]
    places = {row[0]: i for i, row in enumerate(manifest.listings)}
    if not 1 <= len(edited) <= MAX_CHANGED:
        return _refuse(f"{len(edited)} files changed")
    for rel, *_ in edited:
        if rel not in places or rel in manifest.in_feeds:
            return _refuse(f"{rel} is not published, or a feed shows it")
        if rel in manifest.crossposts:
            return _refuse(f"{rel} may be a copy of another article (crosspost.py decides from its text)")
    cache.require_key(cache_key)
    changed = []
    for rel, file, sha, data in edited:
        item = _reparse(site, cache, rel, file, sha, data, previous[rel], places[rel])
        if item is None:
            return _refuse(f"{rel}: more than its body changed")
        if declared_urls(item.article.body, item.article.original_url):
            return _refuse(f"{rel} now says where it was first published (it may be a copy)")
        changed.append(item)
    if not _same_posts_shown(options, cache, manifest, rows, {c.rel: c for c in changed}):
        return _refuse("another post is published or withdrawn now")
    if not all(_only_own_page_reads_it(manifest, c) for c in changed):
        return _refuse("a page other than its own shows an edited post in full")
    return changed


def _refuse(reason: str) -> None:
    log.debug("quick path not taken: %s", reason)
    return None


def _reparse(site, cache, rel, file, sha, data, old_sha, index) -> _Changed | None:
    """Parse and render one edited file; None unless only its body changed."""
    from generator.content import parse_article_bytes
    from generator.site.assemble import plain_summary, reading_time
    from generator.site.markup import MarkdownRenderer

    old = cache.article(old_sha, rel)
    if old is None or old.rendered is None:
        return None
    try:
        article = parse_article_bytes(data if data is not None else Path(file).read_bytes(), rel, ZoneInfo(site.timezone))
    except ContentError:
        return None  # the normal build reports it, with every other bad file
    if cachelib.article_to_json(article) != cache.meta(old_sha):
        return None  # front matter changed: listings may show it differently
    rendered = MarkdownRenderer(cache.highlights(old_sha)).render(article.body, untrusted=article.imported)  # unchanged code: no lexer
    minutes = reading_time(rendered.html)
    if minutes != old.reading_time:
        return None
    if not article.summary and old.summary != (site.summary_length, plain_summary(rendered.html, site.summary_length)):
        return None
    return _Changed(rel, sha, index, article, rendered, minutes)


def _same_posts_shown(options, cache, manifest, rows, changed: dict[str, _Changed]) -> bool:
    """Exactly the posts the last build showed are published now (drafts, future posts)."""
    now = options.now or datetime.now(timezone.utc)
    shown = set()
    for rel, _, sha, _ in rows:
        meta = cachelib.article_to_json(changed[rel].article) if rel in changed else cache.meta(sha)
        if meta is None:
            return False
        if shown_now(meta, options, now):
            shown.add(rel)
    return shown == {row[0] for row in manifest.listings} | set(manifest.folded)


def _only_own_page_reads_it(manifest: OutputManifest, item: _Changed) -> bool:
    own = _post_output(manifest.listings[item.index][3])
    return all(page == own for page, paths in manifest.read_in_full.items() if item.rel in paths)


def _post_output(slug: str) -> str:
    return f"posts/{slug}/index.html"


# ---------------------------------------------------------------- making what changed


class _Remake:
    """Remakes the edited posts' pages and search shards, and publishes them."""

    def __init__(self, site, options, out_dir, cache, manifest, rows, page_digest, changed: list[_Changed]):
        self.site, self.options, self.out_dir = site, options, out_dir
        self.cache, self.manifest, self.rows = cache, manifest, rows
        self.page_digest, self.changed = page_digest, {c.rel: c for c in changed}
        self.shas = {rel: sha for rel, _, sha, _ in rows}
        self.posts: dict[int, Post] = {}  # place in the listings -> post, for the few made

    def run(self, site_digest: str) -> QuickResult | None:
        from generator.site import search
        from generator.site.assemble import Post, reading_neighbours, tag_names
        from generator.site.markup import pygments_css
        from generator.site.render import Renderer

        self.search = search  # imported here: a no-op build never needs it
        if not self.manifest.all_intact(self.out_dir):
            return _refuse("an output file was changed by hand")
        _, urls = collect_assets(self.site.path("static"), {"highlight.css": pygments_css("xcode", "github-dark").encode()})
        globals_key = digest_parts([self.page_digest, repr(sorted(urls.items()))])
        if globals_key != self.manifest.globals_key:
            return _refuse("the assets pages name changed")
        renderer = Renderer(self.site, self.site.path("templates"), urls, bytecode_dir=self.cache.folder, watch=(Post, Post.DEEP))
        self._load_feeds()
        listing = self.manifest.listings
        count = search.shard_count(len(listing))
        members: dict[int, list[int]] = {n: [] for n in range(count)}
        for i, row in enumerate(listing):
            members[search.shard_of_url(f"/posts/{row[3]}/", count)].append(i)
        shards = {search.shard_of_url(f"/posts/{listing[item.index][3]}/", count) for item in self.changed.values()}
        needed = set().union(*(members[n] for n in shards))
        metas = self._front_matters()
        if metas is None:
            return _refuse("a published post is not in the cache")
        self.names = tag_names(meta["tags"] for meta in metas)
        self.neighbours = reading_neighbours([meta["source"] for meta in metas])
        for item in self.changed.values():
            needed.update(i for i in (item.index, *self.neighbours[item.index]) if i is not None)
        memo = self._make_posts(sorted(needed), globals_key)
        if memo is None:
            return _refuse("a post made from the cache differs from the last build's")
        self._store_edits()
        pages, reads = self._post_pages(renderer, memo)
        shard_files = self._shards(renderer, members, shards)
        return self._publish(pages, reads, shard_files, memo, renderer, members, count, globals_key, site_digest)

    def _load_feeds(self) -> None:
        from generator.config import load_feed_sources
        from generator.fetching.state import load_state, state_path

        self.feeds = {f.name: f for f in load_feed_sources(self.site.path("feeds"))}
        self.states = load_state(state_path(self.site.path("feeds")))

    def _front_matters(self) -> list[dict] | None:
        """Every published post's front matter (as the cache keeps it; an edited post's
        is as before), in listing order: how the site spells tags, which posts neighbour."""
        metas = []
        for rel, *_ in self.manifest.listings:
            item = self.changed.get(rel)
            meta = self.cache.meta(self.shas[rel]) if item is None else {"tags": item.article.tags, "source": item.article.source}
            if meta is None:
                return None
            metas.append(meta)
        return metas

    def _make_posts(self, places: list[int], globals_key: str) -> PageMemo | None:
        """The posts at these places, made from the cache (or the edit), and a memo whose
        keys must equal the last build's: proof they are the posts it showed."""
        from generator.site.assemble import Post, make_post, make_source

        for i in places:
            rel, _, _, slug = self.manifest.listings[i]
            item = self.changed.get(rel)
            if item is not None:
                post = make_post(self.site, item.article, item.rendered, slug, make_source(item.article, self.feeds, self.states), item.minutes, names=self.names)
            else:
                hit = self.cache.article(self.shas[rel], rel)
                if hit is None or hit.rendered is None:
                    return None
                summary = hit.summary[1] if hit.summary and hit.summary[0] == self.site.summary_length else None
                if summary is None and not hit.article.summary:
                    return None  # its summary would need its HTML: not worth it here
                post = make_post(self.site, hit.article, hit.rendered, slug, make_source(hit.article, self.feeds, self.states), hit.reading_time, summary, self.names)
            self.posts[i] = post
        memo = PageMemo(globals_key, [self.posts[i] for i in places], self.shas, Post)
        for i, row in zip(places, memo.listings()):
            before = self.manifest.listings[i]
            if row[0] != before[0] or row[1] != before[1] or row[3] != before[3]:
                return None
            if before[0] not in self.changed and row[2] != before[2]:
                return None
        return memo

    def _store_edits(self) -> None:
        """Cache the edited posts now, so their search text is cached beside them. (Only
        appended to the pack: until the index is saved, no later build sees them.)"""
        for item in self.changed.values():
            self.cache.put(item.sha, item.article, item.rendered, item.minutes)
            if not item.article.summary:
                self.cache.remember_summary(item.sha, self.site.summary_length, self.posts[item.index].summary)

    def _post_pages(self, renderer, memo) -> tuple[list[OutputFile], dict[str, tuple[str, list[str]]]]:
        """Each edited post's own page, between its neighbours; with its digest and reads."""
        from generator.site.assemble import post_page

        files, notes = [], {}
        for item in self.changed.values():
            newer, older = self.neighbours[item.index]
            page = post_page(self.posts[item.index], None if newer is None else self.posts[newer], None if older is None else self.posts[older])
            file = renderer.render(page)
            reads = renderer.reads
            files.append(file)
            notes[file.path] = (memo.digest(page, reads), memo.paths_of(reads))
        return files, notes

    def _shards(self, renderer, members: dict[int, list[int]], shards: set[int]) -> dict[int, OutputFile]:
        """The search shards holding an edited post, made again."""
        from generator.incremental.loading import search_version

        search, version = self.search, search_version()

        def fields(post):
            item = self.changed.get(post.article.path)
            compute = (lambda: search.post_text_fields(post))
            return self.cache.search_fields(item.sha if item else self.shas[post.article.path], version, compute)

        made = {}
        for n in sorted(shards):
            made[n] = search.shard_file([self.posts[i] for i in members[n]], renderer, fields)
        return made

    def _publish(self, pages, notes, shard_files, memo, renderer, members, count, globals_key, site_digest) -> QuickResult | None:
        """Publish the new files beside everything kept, and remember them."""
        search = self.search
        manifest, listing = self.manifest, self.manifest.listings
        by_digest = {d: p for p, d in manifest.pages.items()}
        old_keys = [row[2] for row in listing]
        new_keys = list(old_keys)
        for item in self.changed.values():
            new_keys[item.index] = memo.post_keys([self.posts[item.index]])[0]
        shard_paths, gone, new_digests = [], set(), {}
        for n in range(count):
            if not members[n]:
                continue
            old = by_digest.get(shard_digest(globals_key, n, len(listing), [old_keys[i] for i in members[n]]))
            if old is None:
                return _refuse(f"search shard {n} is not the last build's")
            if n in shard_files:
                gone.add(old)
                new_digests[shard_files[n].path] = shard_digest(globals_key, n, len(listing), [new_keys[i] for i in members[n]])
                shard_paths.append(shard_files[n])
            else:
                shard_paths.append(KeptFile(old, manifest.files[old][0]))
        index = search.manifest_file(shard_paths, len(listing), renderer)
        fresh = {f.path: f for f in [*pages, *shard_files.values(), index]}
        report = replace_files(list(fresh.values()), gone - set(fresh), self.out_dir, manifest.files)
        self._remember(report, notes, new_digests, gone, new_keys, site_digest)
        return QuickResult(report, len(report.manifest), len(listing), len(self.changed))

    def _remember(self, report: PublishReport, notes, new_digests, gone, new_keys, site_digest) -> None:
        """The cache and manifest, as a normal build would have left them."""
        cache, manifest = self.cache, self.manifest
        cache.keep(sha for _, _, sha, _ in self.rows)
        cache.save()
        manifest.files = dict(report.manifest)
        for path in gone:
            manifest.pages.pop(path, None)
        manifest.pages.update(new_digests)
        for path, (digest, read) in notes.items():
            manifest.pages[path] = digest
            if read:
                manifest.read_in_full[path] = read
            else:
                manifest.read_in_full.pop(path, None)
        for row, key in zip(manifest.listings, new_keys):
            row[2] = key
        manifest.signature = build_signature(site_digest, self.rows, self.options, cache) or ""
        manifest.save()
